//! Using the global pool from inside its own creation: a panic with a message, not a hang.
//! (A test binary of its own: the global pool must not exist yet when it starts.)
#![cfg(not(loom))]

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;
use workshare_pool::{init_global, Pool};

#[test]
fn a_thread_name_closure_that_uses_the_global_pool_gets_a_panic_not_a_hang() {
    let (done, finished) = mpsc::channel();
    // On a thread of its own, so that a hang fails the test instead of stalling it.
    std::thread::spawn(move || {
        let builder = Pool::builder().num_threads(2).thread_name(|index| {
            let size = workshare_pool::global().size();
            format!("reentrant-{index}-{size}")
        });
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| init_global(builder)));
        let message = match outcome {
            Ok(result) => format!("returned {:?}", result.map(|pool| pool.size())),
            Err(payload) => payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        };
        // The global pool was not created by the failed attempt: it can be created now.
        let size = workshare_pool::try_global().map(|pool| pool.size());
        done.send((message, size)).unwrap();
    });
    let (message, size) = finished
        .recv_timeout(Duration::from_secs(30))
        .expect("init_global hung when its thread_name closure used the global pool");
    assert!(
        message.starts_with("workshare: the global pool was used while it was being created"),
        "{message}"
    );
    assert!(size.unwrap() >= 1);
}

#[test]
fn a_thread_name_with_a_nul_byte_is_an_error() {
    let err = Pool::builder()
        .num_threads(3)
        .thread_name(|index| format!("bad\0name-{index}"))
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        workshare_pool::Error::InvalidThreadName { index: 1, .. }
    ));
    assert!(err.to_string().contains("NUL"), "{err}");
}
