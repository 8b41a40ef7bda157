//! What `Schedule::Auto` decides, on loops whose cost is far from the threshold either way
//! (sleeping bodies: their cost barely depends on the machine's load).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use workshare_parfor::{for_each_chunk, Pool, Schedule};

/// Runs `len` indices under `Auto`; how many ran on a thread other than the caller.
fn indices_off_the_caller(pool: &Pool, len: usize, per_index: Duration) -> usize {
    let off = AtomicUsize::new(0);
    for_each_chunk(pool, 0..len, Schedule::Auto, |chunk, ctx| {
        if !per_index.is_zero() {
            std::thread::sleep(per_index * chunk.len() as u32);
        }
        if ctx.thread_id() != 0 {
            off.fetch_add(chunk.len(), Ordering::Relaxed);
        }
    });
    off.into_inner()
}

#[test]
fn a_long_loop_is_forked_every_time() {
    let pool = Pool::new(2).unwrap();
    // 200 indices of at least 20 us: 4 ms of work against a fork-join of microseconds.
    // Calls after the first decide from the memory of the first probe's rate: each must fork.
    for call in 0..40 {
        let off = indices_off_the_caller(&pool, 200, Duration::from_micros(20));
        assert!(off > 0, "call {call}: Auto ran a 4 ms loop serially");
    }
}

#[test]
fn a_tiny_loop_stays_on_the_caller() {
    let pool = Pool::new(2).unwrap();
    for call in 0..100 {
        assert_eq!(
            indices_off_the_caller(&pool, 4, Duration::ZERO),
            0,
            "call {call}"
        );
    }
}
