//! parfor benchmarks (W1, W3, W5) against serial and rayon.
fn main() {}
