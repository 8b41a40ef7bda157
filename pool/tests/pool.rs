//! Behaviour of the pool that users rely on: fork-join, panics, nesting, many callers,
//! shutdown, and bad input.
#![cfg(not(loom))]

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
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
                assert_eq!(team.team_size(), n);
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
        let sum: u64 = input.iter().skip(me).step_by(team.team_size()).sum();
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
fn nested_region_of_a_pool_whose_workers_are_busy_runs_alone() {
    // The outer region holds every worker, so each nested region is a team of one.
    let pool = pool(3);
    let inner_runs = AtomicUsize::new(0);
    pool.region(|outer| {
        let outer_id = outer.thread_id();
        pool.region(|inner| {
            assert_eq!(inner.team_size(), 1);
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
fn nested_regions_of_another_pool_split_its_workers() {
    // Both outer threads start an inner region at about the same time: they split the inner
    // pool's two workers (3 + 1 threads, 2 + 2, or 3 + 3 one after the other), each team's
    // threads run once, and nobody waits for the other.
    let outer = pool(2);
    let inner = pool(3);
    for _ in 0..REPEAT / 4 {
        let runs = AtomicUsize::new(0);
        let team_sizes = AtomicUsize::new(0);
        outer.region(|_| {
            inner.region(|team| {
                if team.thread_id() == 0 {
                    team_sizes.fetch_add(team.team_size(), Ordering::Relaxed);
                }
                runs.fetch_add(1, Ordering::Relaxed);
            });
        });
        let runs = runs.into_inner();
        assert_eq!(runs, team_sizes.into_inner());
        assert!((2..=6).contains(&runs), "{runs}");
    }
}

#[test]
fn busy_pool_nested_through_another_pool_runs_alone() {
    // P -> Q -> P: P's only worker is in the outer P team, so the innermost P regions (on the
    // callers and on Q's worker) find no idle worker and run as teams of one. The two Q regions
    // split Q's worker.
    let p = pool(2);
    let q = pool(2);
    let inline_runs = AtomicUsize::new(0);
    let q_threads = AtomicUsize::new(0);
    p.region(|_| {
        q.region(|team| {
            if team.thread_id() == 0 {
                q_threads.fetch_add(team.team_size(), Ordering::Relaxed);
            }
            p.region(|team| {
                assert_eq!(team.team_size(), 1);
                inline_runs.fetch_add(1, Ordering::Relaxed);
            });
        });
    });
    assert_eq!(inline_runs.into_inner(), q_threads.into_inner());
}

#[test]
fn concurrent_callers_each_get_a_working_team() {
    // Many callers at once: each region's team (whatever its size) runs every thread once,
    // its barriers order its own threads, and no region waits for another.
    let pool = Arc::new(pool(3));
    let callers_n = if cfg!(miri) { 3 } else { 8 };
    let start = Arc::new(Barrier::new(callers_n));
    let callers: Vec<_> = (0..callers_n)
        .map(|_| {
            let (pool, start) = (pool.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..REPEAT {
                    let arrived = AtomicUsize::new(0);
                    let size_cell = AtomicUsize::new(0);
                    pool.region(|team| {
                        arrived.fetch_add(1, Ordering::Relaxed);
                        team.barrier();
                        assert_eq!(arrived.load(Ordering::Relaxed), team.team_size());
                        if team.thread_id() == 0 {
                            size_cell.store(team.team_size(), Ordering::Relaxed);
                        }
                    });
                    let size = size_cell.into_inner();
                    assert_eq!(arrived.into_inner(), size);
                    assert!((1..=3).contains(&size));
                }
            })
        })
        .collect();
    for caller in callers {
        caller.join().unwrap();
    }
    // Every worker was given back: a lone caller gets the full team again.
    pool.region(|team| assert_eq!(team.team_size(), 3));
}

#[test]
fn set_num_threads_changes_later_regions() {
    let pool = pool(4);
    for n in [1, 3, 2, 4, 1, 4] {
        pool.set_num_threads(n).unwrap();
        assert_eq!(pool.num_threads(), n);
        let runs = AtomicUsize::new(0);
        pool.region(|team| {
            assert_eq!(team.team_size(), n);
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
    assert_eq!(pool.num_threads(), 4);
    // Inside a region the setting changes later regions, never the running team.
    pool.region(|team| {
        if team.thread_id() == 0 {
            assert_eq!(pool.set_num_threads(2), Ok(()));
        }
        team.barrier();
        assert_eq!(team.team_size(), 4);
    });
    assert_eq!(pool.num_threads(), 2);
    pool.region(|team| assert_eq!(team.team_size(), 2));
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
    // Each thread of `outer` drives regions on `inner` concurrently: they share its worker,
    // every team thread runs once.
    let outer = pool(4);
    let inner = pool(2);
    let total = AtomicUsize::new(0);
    let team_sizes = AtomicUsize::new(0);
    outer.region(|_| {
        for _ in 0..REPEAT / 2 {
            inner.region(|team| {
                if team.thread_id() == 0 {
                    team_sizes.fetch_add(team.team_size(), Ordering::Relaxed);
                }
                total.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    let total = total.into_inner();
    assert_eq!(total, team_sizes.into_inner());
    assert!((4 * (REPEAT / 2)..=4 * (REPEAT / 2) * 2).contains(&total));
}

/// What a thread-local destructor on a worker saw: (in_region, thread_id), once it ran.
static SEEN_AT_EXIT: std::sync::Mutex<Option<(bool, usize)>> = std::sync::Mutex::new(None);

struct ReportAtExit;

impl Drop for ReportAtExit {
    fn drop(&mut self) {
        let seen = (workshare_pool::in_region(), workshare_pool::thread_id());
        *SEEN_AT_EXIT.lock().unwrap() = Some(seen);
    }
}

std::thread_local! {
    static AT_EXIT: std::cell::RefCell<Option<ReportAtExit>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn a_worker_leaves_no_region_behind_after_a_nested_region() {
    // Thread 0 of a region of `a` starts a region of `b`; `b`'s worker registers a
    // thread-local destructor. After both regions returned, `b` is dropped: its worker exits and
    // the destructor asks which region it is in. It is in none. (An earlier design restored the
    // worker's chain to the owner's outer frame, which dangled once `a`'s region returned: Miri
    // reported a dangling reference here, and a release build read freed stack memory.)
    let a = pool(2);
    let b = pool(2);
    a.region(|team| {
        if team.thread_id() == 0 {
            b.region(|inner| {
                if inner.thread_id() == 1 {
                    AT_EXIT.with(|slot| *slot.borrow_mut() = Some(ReportAtExit));
                }
            });
        }
    });
    // Clobber the stack where the regions' frames were.
    std::hint::black_box([0xA5u8; 4096]);
    drop(b);
    let seen = SEEN_AT_EXIT.lock().unwrap().take();
    assert_eq!(seen, Some((false, 0)));
}

#[test]
fn a_caught_barrier_panic_leaves_no_stale_arrival() {
    // Thread 0 arrives at a barrier that thread 1 never reaches (it returns after 20 ms): the
    // barrier panics on thread 0, which catches the panic inside the region. The next region's
    // barriers must work: an arrival left counted would release its first thread alone, and
    // the region would fail blaming a thread that did reach the barrier.
    let pool = pool(2);
    pool.region(|team| {
        if team.thread_id() == 1 {
            std::thread::sleep(Duration::from_millis(20));
            return;
        }
        let caught = panic::catch_unwind(AssertUnwindSafe(|| team.barrier()));
        assert!(caught.is_err(), "the barrier could not complete");
    });
    for _ in 0..REPEAT / 4 {
        let arrived = AtomicUsize::new(0);
        pool.region(|team| {
            arrived.fetch_add(1, Ordering::Relaxed);
            team.barrier();
            assert_eq!(arrived.load(Ordering::Relaxed), team.team_size());
            team.barrier();
        });
    }
}

/// A panic payload whose `Drop` panics too.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("a payload's drop panicked");
    }
}

#[test]
fn two_panics_with_payloads_that_panic_on_drop_reach_the_caller_without_an_abort() {
    // Both team threads panic with a `Bomb`: one payload reaches the caller, the other is
    // dropped by the pool, and its `Drop` panics. That panic must not unwind through the pool
    // (which aborted the process, blaming itself).
    let pool = pool(2);
    for _ in 0..REPEAT / 10 {
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                team.barrier();
                std::panic::panic_any(Bomb);
            })
        }));
        let payload = result.expect_err("the panic reaches the caller");
        assert!(payload.is::<Bomb>());
        // Dropping it would panic here, in the test: not the pool's business.
        std::mem::forget(payload);
    }
    pool.region(|team| team.barrier());
}
