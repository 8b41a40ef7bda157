//! Helpers shared by the integration tests of several workshare crates. They need only
//! `workshare-pool`, which every crate of the workspace depends on. Each crate whose tests use
//! them has its own identical copy (`pool/tests/common`, `parfor/tests/common`, `tests/common`),
//! because a published package cannot include a file from outside itself; `.ci/run` checks
//! that the copies stay identical.

// Each test binary uses some of the helpers only.
#![allow(dead_code)]

use std::any::Any;
use workshare_pool::Pool;

/// A pool of `n` threads that collects statistics.
pub fn stats_pool(n: usize) -> Pool {
    Pool::builder()
        .num_threads(n)
        .collect_stats(true)
        .build()
        .expect("pool")
}

/// The text a panic payload carries (a `String` or a `&str`), `None` for any other payload.
pub fn payload_text(payload: &(dyn Any + Send)) -> Option<String> {
    if let Some(s) = payload.downcast_ref::<String>() {
        Some(s.clone())
    } else {
        payload.downcast_ref::<&str>().map(|s| (*s).to_owned())
    }
}

/// The message of a caught panic, empty for a payload that is not a message.
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    payload_text(&*payload).unwrap_or_default()
}
