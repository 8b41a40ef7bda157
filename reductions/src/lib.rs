//! Reductions and per-thread slots (in progress).
