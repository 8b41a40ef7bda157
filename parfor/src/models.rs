//! Loom models of chunk claiming: a few concurrent claimers cover a small range exactly once.
//!
//! Each body runs inside [`model`]: under `RUSTFLAGS="--cfg loom"` loom explores its
//! interleavings (bounded by `LOOM_MAX_PREEMPTIONS`), otherwise it runs once as a plain test.
//! Every index's run count is an atomic from the facade, so loom sees every step.

use crate::chunking::{claim, guided_size};
use crate::stealing::StealRanges;
use std::ops::Range;
use workshare_pool::sync::{model, thread, Arc, AtomicUsize, Ordering};

/// How many times each index of a small loop was claimed.
struct Claims(Vec<AtomicUsize>);

impl Claims {
    fn new(len: usize) -> Arc<Self> {
        Arc::new(Self((0..len).map(|_| AtomicUsize::new(0)).collect()))
    }
    fn record(&self, chunk: Range<usize>) {
        for i in chunk {
            self.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    fn assert_each_once(&self) {
        for (i, count) in self.0.iter().enumerate() {
            assert_eq!(count.load(Ordering::Relaxed), 1, "index {i}");
        }
    }
}

/// Runs `claimer(thread_id)` on the main thread and `threads - 1` spawned ones, then checks.
fn claim_concurrently<S: Send + Sync + 'static>(
    shared: Arc<S>,
    claims: Arc<Claims>,
    threads: usize,
    claimer: fn(&S, &Claims, usize),
) {
    let handles: Vec<_> = (1..threads)
        .map(|me| {
            let (shared, claims) = (shared.clone(), claims.clone());
            thread::spawn(move || claimer(&shared, &claims, me))
        })
        .collect();
    claimer(&shared, &claims, 0);
    for handle in handles {
        handle.join().unwrap();
    }
    claims.assert_each_once();
}

#[test]
fn dynamic_claims_cover_once() {
    model(|| {
        let counter = Arc::new(AtomicUsize::new(0));
        claim_concurrently(counter, Claims::new(3), 3, |counter, claims, _| {
            while let Some(chunk) = claim(counter, 3, |_| 1) {
                claims.record(chunk);
            }
        });
    });
}

#[test]
fn guided_claims_cover_once() {
    model(|| {
        let counter = Arc::new(AtomicUsize::new(0));
        claim_concurrently(counter, Claims::new(5), 2, |counter, claims, _| {
            while let Some(chunk) = claim(counter, 5, |left| guided_size(left, 2, 1)) {
                claims.record(chunk);
            }
        });
    });
}

#[test]
fn stealing_two_threads_cover_once() {
    model(|| {
        let ranges = Arc::new(StealRanges::new(4, 2));
        claim_concurrently(ranges, Claims::new(4), 2, |ranges, claims, me| {
            ranges.init(me, 2);
            while let Some(chunk) = ranges.next(me, 2, &mut 0) {
                claims.record(chunk);
            }
        });
    });
}

#[test]
fn stealing_three_threads_cover_once() {
    model(|| {
        let ranges = Arc::new(StealRanges::new(3, 3));
        // Thread 2 never inits: it only steals, including from thieves.
        claim_concurrently(ranges, Claims::new(3), 3, |ranges, claims, me| {
            if me < 2 {
                ranges.init(me, 2);
            }
            while let Some(chunk) = ranges.next(me, 3, &mut 0) {
                claims.record(chunk);
            }
        });
    });
}
