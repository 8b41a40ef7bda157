//! Behaviour of the pool that users rely on: fork-join, panics, nesting, many callers,
//! shutdown, and bad input.
#![cfg(not(loom))]

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;
use workshare_pool::{Error, Pool, PoolBuilder, MAX_THREADS};

/// Repetitions: Miri interprets every instruction, so it gets a few instead of hundreds.
const REPEAT: usize = if cfg!(miri) { 3 } else { 200 };

fn pool(n: usize) -> Pool {
    Pool::new(n).expect("pool")
}

#[test]
fn every_team_thread_runs_once_per_region() {
    for n in 1..=8 {
        let pool = pool(n);
        for _ in 0..REPEAT {
            let seen = AtomicUsize::new(0);
            pool.region(|team| {
                assert_eq!(team.num_threads(), n);
                let bit = 1 << team.thread_id();
                assert_eq!(
                    seen.fetch_or(bit, Ordering::Relaxed) & bit,
                    0,
                    "id ran twice"
                );
            });
            assert_eq!(seen.into_inner(), (1 << n) - 1);
        }
    }
}

#[test]
fn region_borrows_and_mutates_through_sync_types() {
    let pool = pool(4);
    let input: Vec<u64> = (0..if cfg!(miri) { 100 } else { 10_000 }).collect();
    let partial: Vec<AtomicUsize> = (0..4).map(|_| AtomicUsize::new(0)).collect();
    pool.region(|team| {
        let me = team.thread_id();
        let sum: u64 = input.iter().skip(me).step_by(team.num_threads()).sum();
        partial[me].store(sum as usize, Ordering::Relaxed);
    });
    let total: usize = partial.iter().map(|p| p.load(Ordering::Relaxed)).sum();
    assert_eq!(total as u64, input.iter().sum::<u64>());
}

#[test]
fn caller_is_thread_zero_and_free_thread_id_agrees() {
    let pool = pool(3);
    let caller = std::thread::current().id();
    pool.region(|team| {
        assert_eq!(workshare_pool::thread_id(), team.thread_id());
        assert_eq!(workshare_pool::team_size(), 3);
        assert!(workshare_pool::in_region());
        if team.thread_id() == 0 {
            assert_eq!(std::thread::current().id(), caller);
        } else {
            assert_ne!(std::thread::current().id(), caller);
        }
    });
    assert_eq!(workshare_pool::thread_id(), 0);
    assert!(!workshare_pool::in_region());
}

#[test]
fn barrier_orders_phases_many_times() {
    let pool = pool(4);
    let counter = AtomicUsize::new(0);
    pool.region(|team| {
        for phase in 1..=REPEAT / 2 {
            counter.fetch_add(1, Ordering::Relaxed);
            team.barrier();
            assert_eq!(counter.load(Ordering::Relaxed), phase * 4);
            team.barrier();
        }
    });
}

#[test]
fn panic_on_worker_resumes_on_caller_after_all_finish() {
    let pool = pool(4);
    for victim in 0..4 {
        let finished = AtomicUsize::new(0);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                if team.thread_id() == victim {
                    panic!("boom {victim}");
                }
                std::thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 5 }));
                finished.fetch_add(1, Ordering::Relaxed);
            })
        }));
        let payload = result.expect_err("the panic must reach the caller");
        assert_eq!(
            payload.downcast_ref::<String>().unwrap(),
            &format!("boom {victim}")
        );
        // Every other team thread finished before the caller resumed.
        assert_eq!(finished.load(Ordering::Relaxed), 3);
        // The pool stays usable.
        let runs = AtomicUsize::new(0);
        pool.region(|_| {
            runs.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(runs.into_inner(), 4);
    }
}

#[test]
fn panic_releases_threads_waiting_at_a_barrier() {
    let pool = pool(4);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.region(|team| {
            if team.thread_id() == 2 {
                panic!("first");
            }
            team.barrier();
        })
    }));
    // The first panic wins, not the barrier's secondary one.
    assert_eq!(
        *result.unwrap_err().downcast_ref::<&str>().unwrap(),
        "first"
    );
    pool.region(|team| team.barrier());
}

#[test]
fn thread_leaving_without_barrier_is_an_error_not_a_hang() {
    let pool = pool(3);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.region(|team| {
            if team.thread_id() != 1 {
                team.barrier();
            }
        })
    }));
    let payload = result.unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(message.contains("can never complete"), "{message}");
    pool.region(|team| team.barrier());
}

#[test]
fn nested_region_of_same_pool_runs_inline() {
    let pool = pool(3);
    let inner_runs = AtomicUsize::new(0);
    pool.region(|outer| {
        let outer_id = outer.thread_id();
        pool.region(|inner| {
            assert_eq!(inner.num_threads(), 1);
            assert_eq!(inner.thread_id(), 0);
            assert_eq!(workshare_pool::thread_id(), 0);
            inner.barrier();
            inner_runs.fetch_add(1, Ordering::Relaxed);
        });
        // Back in the outer region, the free function sees the outer id again.
        assert_eq!(workshare_pool::thread_id(), outer_id);
    });
    assert_eq!(inner_runs.into_inner(), 3);
}

#[test]
fn nested_region_of_another_pool_forks() {
    let outer = pool(2);
    let inner = pool(3);
    let runs = AtomicUsize::new(0);
    outer.region(|_| {
        inner.region(|team| {
            assert_eq!(team.num_threads(), 3);
            runs.fetch_add(1, Ordering::Relaxed);
        });
    });
    assert_eq!(runs.into_inner(), 2 * 3);
}

#[test]
fn inner_pool_region_inside_outer_inline_chain_is_detected() {
    // P -> Q -> P: the innermost P region must run inline even though Q sits between.
    let p = pool(2);
    let q = pool(2);
    let inline_runs = AtomicUsize::new(0);
    p.region(|_| {
        q.region(|_| {
            p.region(|team| {
                assert_eq!(team.num_threads(), 1);
                inline_runs.fetch_add(1, Ordering::Relaxed);
            });
        });
    });
    assert_eq!(inline_runs.into_inner(), 2 * 2);
}

#[test]
fn concurrent_callers_are_serialized_and_all_run() {
    let pool = Arc::new(pool(3));
    let inside = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicUsize::new(0));
    let callers_n = if cfg!(miri) { 3 } else { 8 };
    let start = Arc::new(Barrier::new(callers_n));
    let callers: Vec<_> = (0..callers_n)
        .map(|_| {
            let (pool, inside, total, start) =
                (pool.clone(), inside.clone(), total.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..REPEAT {
                    pool.region(|team| {
                        if team.thread_id() == 0 {
                            assert!(!inside.swap(true, Ordering::AcqRel), "regions overlapped");
                        }
                        team.barrier();
                        total.fetch_add(1, Ordering::Relaxed);
                        team.barrier();
                        if team.thread_id() == 0 {
                            inside.store(false, Ordering::Release);
                        }
                    });
                }
            })
        })
        .collect();
    for caller in callers {
        caller.join().unwrap();
    }
    assert_eq!(total.load(Ordering::Relaxed), callers_n * REPEAT * 3);
}

#[test]
fn set_num_threads_changes_later_regions() {
    let pool = pool(4);
    for n in [1, 3, 2, 4, 1, 4] {
        pool.set_num_threads(n).unwrap();
        assert_eq!(pool.num_threads(), n);
        let runs = AtomicUsize::new(0);
        pool.region(|team| {
            assert_eq!(team.num_threads(), n);
            runs.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(runs.into_inner(), n);
    }
}

#[test]
fn set_num_threads_rejects_bad_values() {
    let pool = pool(4);
    assert_eq!(
        pool.set_num_threads(0),
        Err(Error::NumThreadsOutOfRange {
            requested: 0,
            size: 4
        })
    );
    assert!(matches!(
        pool.set_num_threads(5),
        Err(Error::NumThreadsOutOfRange { requested: 5, .. })
    ));
    pool.region(|team| {
        if team.thread_id() == 0 {
            assert_eq!(pool.set_num_threads(2), Err(Error::InsideRegion));
        }
    });
    assert_eq!(pool.num_threads(), 4);
}

#[test]
fn bad_thread_counts_are_errors() {
    assert_eq!(Pool::new(0).unwrap_err(), Error::ZeroThreads);
    assert_eq!(
        Pool::new(MAX_THREADS + 1).unwrap_err(),
        Error::TooManyThreads {
            requested: MAX_THREADS + 1,
            max: MAX_THREADS
        }
    );
    assert!(Pool::new(usize::MAX).is_err());
    let message = Pool::new(0).unwrap_err().to_string();
    assert!(message.contains("at least 1"), "{message}");
}

#[test]
fn sleeping_workers_wake_for_the_next_region() {
    let pool = PoolBuilder::new()
        .num_threads(3)
        .spin_time(Duration::ZERO)
        .build()
        .unwrap();
    for _ in 0..(REPEAT / 4).max(1) {
        std::thread::sleep(Duration::from_micros(200));
        let runs = AtomicUsize::new(0);
        pool.region(|team| {
            team.barrier();
            runs.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(runs.into_inner(), 3);
    }
}

#[test]
fn oversubscribed_pool_completes() {
    // 8 threads on however few cores: spinning yields, so this finishes promptly.
    let pool = pool(8);
    let total = AtomicUsize::new(0);
    for _ in 0..REPEAT {
        pool.region(|team| {
            total.fetch_add(1, Ordering::Relaxed);
            team.barrier();
        });
    }
    assert_eq!(total.into_inner(), 8 * REPEAT);
}

#[test]
fn worker_names_and_builder_options() {
    let pool = PoolBuilder::new()
        .num_threads(3)
        .thread_name(|i| format!("solver-{i}"))
        .stack_size(256 * 1024)
        .spin_time(Duration::from_micros(10))
        .build()
        .unwrap();
    pool.region(|team| {
        let name = std::thread::current().name().map(str::to_owned);
        if team.thread_id() > 0 {
            assert_eq!(name.unwrap(), format!("solver-{}", team.thread_id()));
        }
    });
    let default = pool_names(2);
    assert_eq!(default, vec!["workshare-1".to_owned()]);
}

fn pool_names(n: usize) -> Vec<String> {
    let pool = pool(n);
    let names = std::sync::Mutex::new(Vec::new());
    pool.region(|team| {
        if team.thread_id() > 0 {
            let name = std::thread::current().name().unwrap().to_owned();
            names.lock().unwrap().push(name);
        }
    });
    names.into_inner().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "Miri does not emulate CPU affinity")]
fn pinned_workers_run_on_one_cpu() {
    let pool = match PoolBuilder::new().num_threads(2).pin_threads(true).build() {
        Ok(pool) => pool,
        // Some sandboxes forbid changing affinity: then the error must say so.
        Err(Error::Pin { message, .. }) => {
            assert!(!message.is_empty());
            return;
        }
        Err(other) => panic!("unexpected error {other}"),
    };
    pool.region(|team| {
        if team.thread_id() == 1 {
            // SAFETY: all-zero bits are an empty `cpu_set_t`.
            let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
            // SAFETY: `set` is writable and of the size passed.
            let rc = unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) };
            assert_eq!(rc, 0);
            // SAFETY: `set` was filled in by the kernel.
            assert_eq!(
                unsafe { libc::CPU_COUNT(&set) },
                1,
                "worker 1 is pinned to one CPU"
            );
        }
    });
}

#[test]
fn regions_from_worker_threads_of_another_pool_in_parallel() {
    // Each thread of `outer` drives regions on `inner` concurrently: serialized, all correct.
    let outer = pool(4);
    let inner = pool(2);
    let total = AtomicUsize::new(0);
    outer.region(|_| {
        for _ in 0..REPEAT / 2 {
            inner.region(|_| {
                total.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    assert_eq!(total.into_inner(), 4 * (REPEAT / 2) * 2);
}
