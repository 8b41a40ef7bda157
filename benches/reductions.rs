//! reduction benchmarks (W2, W4, W6, W9) against serial and rayon.
fn main() {}
