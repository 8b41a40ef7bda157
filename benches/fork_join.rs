//! Fork-join benchmark (W0), filled in below.
fn main() {}
