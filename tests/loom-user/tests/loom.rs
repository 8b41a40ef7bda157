//! The library's loom models. Under `RUSTFLAGS="--cfg loom"` loom runs each body in every
//! interleaving of its threads (the pool's workers included) up to `LOOM_MAX_PREEMPTIONS`
//! preemptions (2 when unset); without `cfg(loom)`, each body runs once, as a plain test.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!   cargo test --release -p workshare-loom-user --test loom --target-dir target/loom
//! ```
//!
//! Every model creates its pool inside the model (a loom object cannot outlive one execution)
//! and runs the library inside `pool.install`: under `cfg(loom)` there is no global pool. Pools
//! of 2 threads and inputs of a few items keep each model to seconds.
//!
//! The last tests are user programs with a race that loom must reject: they pass only if loom
//! finds the bug.

use workshare::Pool;
use workshare_loom_user::{blockwise_sum, total, Histogram};

/// Runs `f` under loom in every interleaving up to `LOOM_MAX_PREEMPTIONS` preemptions (2 when
/// the variable is unset: unbounded, the count of interleavings grows steeply with each atomic
/// step), or once without `cfg(loom)`.
fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(loom)]
    {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(2);
        }
        builder.check(f);
    }
    #[cfg(not(loom))]
    f();
}

#[test]
fn histogram_counts_every_value_once() {
    model(|| {
        let pool = Pool::new(2).unwrap();
        let histogram = Histogram::new(2);
        // `parfor::global::for_each` with `Schedule::Auto`, which loom runs as `Static`.
        pool.install(|| histogram.add_all(&[0, 1, 3]));
        // The loop's join makes every increment visible here.
        assert_eq!(histogram.counts(), [1, 2]);
    });
}

#[test]
fn reduction_and_per_thread_slots_agree() {
    model(|| {
        let pool = Pool::new(2).unwrap();
        let data = [1, 2, 3];
        assert_eq!(pool.install(|| total(&data)), 6);
        // Loom checks that no slot is written by two threads and that the caller reads each
        // one after its writer's region has joined.
        assert_eq!(pool.install(|| blockwise_sum(&data)), 6);
    });
}

#[test]
fn thread_queries_need_no_pool() {
    model(|| {
        assert!(!workshare::in_region());
        assert_eq!((workshare::thread_id(), workshare::team_size()), (0, 1));
        let pool = Pool::new(2).unwrap();
        pool.region(|team| {
            assert!(workshare::in_region());
            assert_eq!(workshare::thread_id(), team.thread_id());
            assert_eq!(workshare::team_size(), team.team_size());
        });
    });
}

/// Under loom there is no global pool: a global-pool function outside `install` (and outside
/// any region) panics, saying what to do. Without loom it runs on the global pool.
#[test]
#[cfg_attr(
    loom,
    should_panic(expected = "workshare: there is no global pool under cfg(loom)")
)]
fn outside_install_there_is_no_global_pool() {
    model(|| assert_eq!(total(&[1, 2]), 3));
}

/// A user's bug: every team thread adds into one shared total with a plain (non-atomic)
/// read-modify-write through an `UnsafeCell`. Loom reports the concurrent writes.
#[cfg(loom)]
#[test]
#[should_panic(expected = "Causality violation")]
fn loom_rejects_a_shared_total_without_synchronization() {
    use loom::cell::UnsafeCell;

    /// The bug: `Sync` for a cell that two threads write at once.
    struct Racy(UnsafeCell<u64>);
    // SAFETY: none: this impl is the bug under test (the region runs the body on two threads
    // at once, and both call `add`).
    unsafe impl Sync for Racy {}
    impl Racy {
        fn add(&self, value: u64) {
            // SAFETY: none: the racy access under test.
            self.0.with_mut(|sum| unsafe { *sum += value });
        }
    }

    model(|| {
        let pool = Pool::new(2).unwrap();
        let sum = Racy(UnsafeCell::new(0));
        // Loom's report, raised on whichever team thread makes the second access, reaches
        // the caller as any panic of a region body does.
        pool.region(|team| sum.add(team.thread_id() as u64 + 1));
        assert_eq!(sum.0.into_inner(), 3);
    });
}

/// A user's bug: every team thread counts itself with a load and then a store of an atomic
/// (check-then-act instead of `fetch_add`). In some interleaving both threads load 0 and an
/// update is lost; loom finds it and the assertion fails.
#[cfg(loom)]
#[test]
#[should_panic(expected = "lost an update")]
fn loom_rejects_a_load_then_store_counter() {
    use loom::sync::atomic::{AtomicUsize, Ordering};

    model(|| {
        let pool = Pool::new(2).unwrap();
        let count = AtomicUsize::new(0);
        pool.region(|_| {
            let seen = count.load(Ordering::SeqCst);
            count.store(seen + 1, Ordering::SeqCst);
        });
        drop(pool);
        assert_eq!(count.into_inner(), 2, "lost an update");
    });
}
