//! Parallel loops on the workshare pool (in progress).
