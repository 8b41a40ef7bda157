//! Composition: the ways of combining pools, threads and other runtimes that used to deadlock,
//! or could, each as a scenario whose results are checked exactly.
//!
//! A region takes the workers that are idle when it starts and never waits for another region,
//! so none of these may hang. Each scenario runs under a **watchdog**: a thread that, if the
//! scenario has not finished within 60 seconds (`WORKSHARE_COMPOSE_WATCHDOG_SECS` changes it),
//! prints which scenario hung to stderr and ends the process with exit code 101. A deadlock
//! then fails CI with the scenario's name instead of stalling it. The test
//! `watchdog_ends_a_hung_scenario_and_names_it` checks that the watchdog fires.
//!
//! | scenario | test |
//! |---|---|
//! | a. helper threads started inside a region body call the same pool; the body waits for them | `scoped_helper_threads_inside_a_region_use_the_same_pool` |
//! | b. a region calls rayon, whose bodies call the same pool | `rayon_inside_a_region_calling_the_same_pool` |
//! | c. two pools nested in opposite orders by two threads at once | `two_pools_nested_in_opposite_orders_by_two_threads` |
//! | d. 8 threads calling a small library function on the global pool | `many_threads_calling_a_library_function_on_the_global_pool` |
//! | e. a call while another thread's long region holds every worker does not wait | `a_call_does_not_wait_for_a_long_region_of_another_thread` |
//! | f. `try_region_exact` while the workers are held, and once released | `try_region_exact_is_refused_while_workers_are_held_and_runs_once_released` |
//! | g. the nesting limit, and default nesting | `nesting_limit_keeps_nested_regions_alone_and_default_nesting_takes_idle_workers` |
//! | h. a worker's region frame after a nested region of another pool | `a_worker_is_outside_any_region_after_a_nested_region_of_another_pool` |
//! | i. more threads calling loops at once than the pool has threads run them alone | `callers_that_fill_the_pool_run_their_loops_alone_and_one_caller_gets_the_pool_back` |

use std::io::Write as _;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize};
use std::sync::{mpsc, Barrier, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use workshare::parfor::{self, Schedule};
use workshare::reductions;
use workshare::{Pool, Team};

// ---------------------------------------------------------------------------------------------
// The watchdog
// ---------------------------------------------------------------------------------------------

const WATCHDOG_ENV: &str = "WORKSHARE_COMPOSE_WATCHDOG_SECS";
const DEFAULT_WATCHDOG_SECS: u64 = 60;

fn watchdog_limit() -> Duration {
    let secs = match std::env::var(WATCHDOG_ENV) {
        Ok(raw) => raw
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{WATCHDOG_ENV}={raw:?} is not a number of seconds")),
        Err(_) => DEFAULT_WATCHDOG_SECS,
    };
    Duration::from_secs(secs)
}

/// Stops the watchdog when the scenario ends, normally or by a panic.
struct Disarm {
    done: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Disarm {
    fn drop(&mut self) {
        // Dropping the sender wakes the watchdog, which then returns.
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `scenario`; if it has not finished after `limit`, a watchdog thread writes which
/// scenario hung to stderr (straight to the process's stderr: the test harness's capture would
/// be lost with the process) and ends the process with exit code 101.
fn guarded_for<R>(name: &str, limit: Duration, scenario: impl FnOnce() -> R) -> R {
    let (done, finished) = mpsc::channel::<()>();
    let name = name.to_owned();
    let thread = thread::Builder::new()
        .name("compose-watchdog".to_owned())
        .spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "\nworkshare compose watchdog: scenario `{name}` has not finished within \
                     {limit:?}; treating it as a hang (a deadlock) and ending the process"
                );
                std::process::exit(101);
            }
        })
        .expect("watchdog thread");
    let _disarm = Disarm {
        done: Some(done),
        thread: Some(thread),
    };
    scenario()
}

/// [`guarded_for`] with the configured limit (60 s unless `WORKSHARE_COMPOSE_WATCHDOG_SECS`).
fn guarded<R>(name: &str, scenario: impl FnOnce() -> R) -> R {
    guarded_for(name, watchdog_limit(), scenario)
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Fewer rounds under Miri, which is thousands of times slower.
const fn rounds(native: usize) -> usize {
    if cfg!(miri) {
        2
    } else {
        native
    }
}

/// A deterministic small value for index `i` under `salt` (sums of millions cannot overflow).
fn value(salt: u64, i: usize) -> u64 {
    let mut z = salt ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) & 0xFFFF
}

fn serial_sum(salt: u64, n: usize) -> u64 {
    (0..n).map(|i| value(salt, i)).sum()
}

fn pool(n: usize) -> Pool {
    Pool::new(n).expect("pool")
}

/// Runs a region of `pool` and checks that each of its threads ran once; returns its size.
fn checked_region(pool: &Pool) -> usize {
    let (runs, size) = (AtomicUsize::new(0), AtomicUsize::new(0));
    pool.region(|team| {
        runs.fetch_add(1, Relaxed);
        if team.thread_id() == 0 {
            size.store(team.team_size(), Relaxed);
        }
        team.barrier();
    });
    let size = size.into_inner();
    assert!((1..=pool.size()).contains(&size), "team of {size}");
    assert_eq!(runs.into_inner(), size, "each team thread runs once");
    size
}

/// A loop and a reduction of `pool` over `0..n`, checked against the serial sum.
fn checked_loop_and_sum(pool: &Pool, n: usize, salt: u64, schedule: Schedule) {
    let hits: Vec<AtomicU8> = (0..n).map(|_| AtomicU8::new(0)).collect();
    let total = AtomicU64::new(0);
    parfor::for_each(pool, 0..n, schedule, |i| {
        hits[i].fetch_add(1, Relaxed);
        total.fetch_add(value(salt, i), Relaxed);
    });
    assert!(
        hits.iter().all(|h| h.load(Relaxed) == 1),
        "an index ran 0 or 2+ times"
    );
    let expected = serial_sum(salt, n);
    assert_eq!(total.into_inner(), expected, "for_each");
    let sum = reductions::sum(pool, 0..n, schedule, |i| value(salt, i));
    assert_eq!(sum, expected, "sum");
}

/// A region of a pool, started on another thread, whose thread 0 holds the team (and so every
/// worker it took) until [`Hold::release`] or a deadline.
#[derive(Default)]
struct Hold {
    /// The holding region's team size, once it runs (0 before).
    team: AtomicUsize,
    release: AtomicBool,
    /// Set by the holding region's thread 0 when it stops holding.
    ended: AtomicBool,
}

impl Hold {
    /// How long a hold lasts at most (when the test never releases it).
    const MAX: Duration = Duration::from_secs(10);

    /// The holding region's body.
    fn body(&self, team: &Team<'_>) {
        if team.thread_id() == 0 {
            self.team.store(team.team_size(), SeqCst);
            let deadline = Instant::now() + Self::MAX;
            while !self.release.load(SeqCst) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
            self.ended.store(true, SeqCst);
        }
    }

    /// Waits until the holding region runs; its team size.
    fn started(&self) -> usize {
        loop {
            match self.team.load(SeqCst) {
                0 => thread::sleep(Duration::from_millis(1)),
                team => return team,
            }
        }
    }

    fn release(&self) {
        self.release.store(true, SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// a. Helper threads inside a region body
// ---------------------------------------------------------------------------------------------

/// Scenario a: on every team thread, a region body starts `std::thread::scope` helper threads
/// that call a loop, a reduction and a region of the SAME pool, runs a reduction of its own,
/// and waits for the helpers. With a region lock (the old design) the helpers waited for the
/// region that waited for them. Explicit pool, then the global pool's free functions.
#[test]
fn scoped_helper_threads_inside_a_region_use_the_same_pool() {
    guarded(
        "a: scoped helper threads inside a region use the same pool",
        || {
            const N: usize = 10_000;
            let pool = pool(3);
            for round in 0..rounds(20) {
                let salt = round as u64;
                let expected = serial_sum(salt, N);
                let finished = AtomicUsize::new(0);
                let outer = AtomicUsize::new(0);
                pool.region(|team| {
                    if team.thread_id() == 0 {
                        outer.store(team.team_size(), Relaxed);
                    }
                    thread::scope(|s| {
                        s.spawn(|| {
                            let total = AtomicU64::new(0);
                            parfor::for_each(&pool, 0..N, Schedule::Dynamic(64), |i| {
                                total.fetch_add(value(salt, i), Relaxed);
                            });
                            assert_eq!(total.into_inner(), expected, "helper for_each");
                            finished.fetch_add(1, Relaxed);
                        });
                        s.spawn(|| {
                            let sum =
                                reductions::sum(&pool, 0..N, Schedule::Static, |i| value(salt, i));
                            assert_eq!(sum, expected, "helper sum");
                            finished.fetch_add(1, Relaxed);
                        });
                        s.spawn(|| {
                            checked_region(&pool);
                            finished.fetch_add(1, Relaxed);
                        });
                        // The team thread itself uses the pool while its helpers run.
                        let own =
                            reductions::sum(&pool, 0..N, Schedule::Stealing, |i| value(salt, i));
                        assert_eq!(own, expected, "team thread's own sum");
                    });
                    assert_eq!(workshare::thread_id(), team.thread_id());
                });
                assert_eq!(
                    finished.into_inner(),
                    3 * outer.into_inner(),
                    "helpers that finished"
                );
            }

            // The global pool, through the free functions.
            for round in 0..rounds(10) {
                let salt = 1000 + round as u64;
                let expected = serial_sum(salt, N);
                let (finished, threads) = (AtomicUsize::new(0), AtomicUsize::new(0));
                workshare::region(|_| {
                    threads.fetch_add(1, Relaxed);
                    thread::scope(|s| {
                        s.spawn(|| {
                            let hits: Vec<AtomicU8> = (0..N).map(|_| AtomicU8::new(0)).collect();
                            parfor::global::for_each(0..N, Schedule::Auto, |i| {
                                hits[i].fetch_add(1, Relaxed);
                            });
                            let once = hits.iter().all(|h| h.load(Relaxed) == 1);
                            assert!(once, "global::for_each");
                            finished.fetch_add(1, Relaxed);
                        });
                        s.spawn(|| {
                            let sum =
                                reductions::global::sum(0..N, Schedule::Static, |i| value(salt, i));
                            assert_eq!(sum, expected, "global sum");
                            finished.fetch_add(1, Relaxed);
                        });
                        s.spawn(|| {
                            let runs = AtomicUsize::new(0);
                            workshare::region(|_| {
                                runs.fetch_add(1, Relaxed);
                            });
                            assert!(runs.into_inner() >= 1);
                            finished.fetch_add(1, Relaxed);
                        });
                    });
                });
                assert_eq!(finished.into_inner(), 3 * threads.into_inner());
            }
        },
    );
}

// ---------------------------------------------------------------------------------------------
// b. rayon between two calls of one pool
// ---------------------------------------------------------------------------------------------

/// Scenario b: every thread of a workshare region calls rayon's `par_iter` (rayon's global
/// pool), whose bodies call the same workshare pool (`reductions::sum`, `parfor::for_each`).
/// The inner calls find the workers busy and run with what is idle; with a region lock the
/// rayon threads waited for the region that waited for them.
#[test]
#[cfg_attr(miri, ignore = "rayon's threads are too slow under Miri")]
fn rayon_inside_a_region_calling_the_same_pool() {
    use rayon::prelude::*;
    guarded("b: rayon inside a region calling the same pool", || {
        const N: usize = 5_000;
        const K: u64 = 12;
        let pool = pool(3);
        for round in 0..20u64 {
            let salts = |k: u64| round * 100 + k;
            let expected: u64 = (0..K).map(|k| serial_sum(salts(k), N)).sum();
            let (threads, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
            pool.region(|team| {
                if team.thread_id() == 0 {
                    threads.store(team.team_size(), Relaxed);
                }
                let got: u64 = (0..K)
                    .into_par_iter()
                    .map(|k| {
                        let salt = salts(k);
                        let sum =
                            reductions::sum(&pool, 0..N, Schedule::Dynamic(64), |i| value(salt, i));
                        let total = AtomicU64::new(0);
                        parfor::for_each(&pool, 0..N, Schedule::Static, |i| {
                            total.fetch_add(value(salt, i), Relaxed);
                        });
                        assert_eq!(total.into_inner(), sum, "for_each and sum disagree");
                        sum
                    })
                    .sum();
                assert_eq!(got, expected, "rayon's sum of the pool's sums");
                done.fetch_add(1, Relaxed);
            });
            assert_eq!(done.into_inner(), threads.into_inner());
        }
        // The global pool: a global region, rayon, the global reductions.
        let expected: u64 = (0..K).map(|k| serial_sum(7_000 + k, N)).sum();
        workshare::region(|_| {
            let got: u64 = (0..K)
                .into_par_iter()
                .map(|k| reductions::global::sum(0..N, Schedule::Static, |i| value(7_000 + k, i)))
                .sum();
            assert_eq!(got, expected);
        });
    });
}

// ---------------------------------------------------------------------------------------------
// c. Two pools nested in opposite orders
// ---------------------------------------------------------------------------------------------

/// One round of `outer` -> `inner` nesting: a region in a region, and a reduction in a loop.
fn nest(outer: &Pool, inner: &Pool, salt: u64) {
    let (runs, sizes) = (AtomicUsize::new(0), AtomicUsize::new(0));
    outer.region(|outer_team| {
        inner.region(|team| {
            runs.fetch_add(1, Relaxed);
            if team.thread_id() == 0 {
                sizes.fetch_add(team.team_size(), Relaxed);
            }
            team.barrier();
        });
        assert_eq!(workshare::thread_id(), outer_team.thread_id());
    });
    assert_eq!(runs.into_inner(), sizes.into_inner(), "inner team threads");
    const ROWS: usize = 6;
    const COLS: usize = 500;
    let sums: Vec<AtomicU64> = (0..ROWS).map(|_| AtomicU64::new(u64::MAX)).collect();
    parfor::for_each(outer, 0..ROWS, Schedule::Dynamic(1), |r| {
        let sum = reductions::sum(inner, 0..COLS, Schedule::Static, |c| {
            value(salt, r * COLS + c)
        });
        sums[r].store(sum, Relaxed);
    });
    for (r, sum) in sums.iter().enumerate() {
        let serial: u64 = (0..COLS).map(|c| value(salt, r * COLS + c)).sum();
        assert_eq!(sum.load(Relaxed), serial, "row {r}");
    }
}

/// Scenario c: thread X nests pool A's regions and loops around pool B's while thread Y nests
/// B around A, many times at once. With region locks that was two locks taken in opposite
/// orders: a deadlock.
#[test]
fn two_pools_nested_in_opposite_orders_by_two_threads() {
    guarded(
        "c: two pools nested in opposite orders by two threads",
        || {
            let (a, b) = (pool(2), pool(3));
            let start = Barrier::new(2);
            let iterations = rounds(300);
            thread::scope(|s| {
                s.spawn(|| {
                    start.wait();
                    for i in 0..iterations {
                        nest(&a, &b, i as u64);
                    }
                });
                s.spawn(|| {
                    start.wait();
                    for i in 0..iterations {
                        nest(&b, &a, 1 << 32 | i as u64);
                    }
                });
            });
            // Every worker was given back.
            assert_eq!(checked_region(&a), 2);
            assert_eq!(checked_region(&b), 3);
        },
    );
}

// ---------------------------------------------------------------------------------------------
// d. Many threads calling a library function
// ---------------------------------------------------------------------------------------------

/// A small library function that uses the global pool internally.
fn sum_of_squares(x: &[f64], schedule: Schedule) -> f64 {
    reductions::global::sum(x, schedule, |&v| v * v)
}

/// Scenario d: 8 threads call a library function built on the global pool, 200 times each,
/// with `Auto` and `Static`. The values are multiples of 1/2 and the sums stay far below 2^53,
/// so every order of additions gives the exact result.
#[test]
fn many_threads_calling_a_library_function_on_the_global_pool() {
    guarded(
        "d: 8 threads calling a library function on the global pool",
        || {
            let x: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.5).collect();
            let expected: f64 = x.iter().map(|v| v * v).sum();
            // 1/4 * sum of i^2 for i < 10,000.
            assert_eq!(expected, 9_999.0 * 10_000.0 * 19_999.0 / 6.0 / 4.0);
            let calls = AtomicUsize::new(0);
            let start = Barrier::new(8);
            thread::scope(|s| {
                for t in 0..8 {
                    let (x, calls, start) = (&x, &calls, &start);
                    s.spawn(move || {
                        start.wait();
                        for k in 0..rounds(200) {
                            let schedule = if (t + k) % 2 == 0 {
                                Schedule::Auto
                            } else {
                                Schedule::Static
                            };
                            let got = sum_of_squares(x, schedule);
                            assert_eq!(got.to_bits(), expected.to_bits(), "{got} ({schedule:?})");
                            calls.fetch_add(1, Relaxed);
                        }
                    });
                }
            });
            assert_eq!(calls.into_inner(), 8 * rounds(200));
        },
    );
}

/// The largest team a `Static` loop of two indices on `pool` gets in `calls` calls by this thread.
fn largest_loop_team(pool: &Pool, calls: usize) -> usize {
    let largest = AtomicUsize::new(0);
    for _ in 0..calls {
        parfor::for_each_chunk(pool, 0..2, Schedule::Static, |_, ctx| {
            largest.fetch_max(ctx.team_size(), Relaxed);
        });
    }
    largest.into_inner()
}

/// Whether an `Auto` loop of about a millisecond of work on `pool` ran any index on a worker
/// (a team thread other than 0).
fn auto_loop_used_a_worker(pool: &Pool) -> bool {
    let on_worker = AtomicBool::new(false);
    parfor::for_each_chunk(pool, 0..64, Schedule::Auto, |chunk, ctx| {
        if ctx.thread_id() != 0 {
            on_worker.store(true, Relaxed);
        }
        for _ in chunk {
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(16) {
                std::hint::spin_loop();
            }
        }
    });
    on_worker.into_inner()
}

/// Scenario i: four threads call the loops of a 2-thread pool at about the same time, more
/// callers than the pool has threads, so a worker that helps one would take another's core.
/// After they have all called once, each runs loops in turn (one thread at a time, so the
/// pool's worker is idle for every call) and gets a team of one: the pool's census counts them
/// as callers. Once they have exited (an exiting thread takes its count back), one thread
/// alone gets the whole pool again, at once. Timing can spread the callers
/// over more than the census's memory (a thread descheduled for long), so the first part
/// tries up to 20 times and passes when one try saw every turn alone; before the census,
/// every turn got the idle worker (a team of 2), every time. The same for `Auto`: a loop of a
/// millisecond, which forks on an idle pool, runs on its caller alone.
#[test]
fn callers_that_fill_the_pool_run_their_loops_alone_and_one_caller_gets_the_pool_back() {
    guarded("i: callers that fill the pool, then one caller", || {
        let pool = pool(2);
        let mut tries = Vec::new();
        for _ in 0..20 {
            let (start, done) = (Barrier::new(4), Barrier::new(4));
            let turn = Mutex::new(());
            let teams = Mutex::new(Vec::new());
            thread::scope(|s| {
                let callers: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            largest_loop_team(&pool, 1);
                            start.wait();
                            let turn_guard = lock(&turn);
                            // A few calls: the last one's team is judged with the others
                            // counted.
                            let _ = largest_loop_team(&pool, 16);
                            let team = largest_loop_team(&pool, 1);
                            let auto_forked = auto_loop_used_a_worker(&pool);
                            lock(&teams).push((team, auto_forked));
                            drop(turn_guard);
                            // An exiting thread takes its count back: stay until all are done.
                            done.wait();
                        })
                    })
                    .collect();
                // Joined one by one: each thread has exited, its thread-locals dropped.
                for caller in callers {
                    caller.join().unwrap();
                }
            });
            let teams = teams.into_inner().unwrap_or_else(PoisonError::into_inner);
            if teams.iter().all(|&t| t == (1, false)) {
                tries.clear();
                break;
            }
            tries.push(teams);
        }
        assert!(
            tries.is_empty(),
            "every try had a turn with a helping worker: {tries:?}"
        );
        // The callers have exited, and an exiting thread takes its count back: at once, the
        // one thread left gets the whole pool.
        assert_eq!(
            largest_loop_team(&pool, 1),
            2,
            "one caller, right after the others exited"
        );
        // A worker that is slow to wake has its share taken back: a few tries.
        assert!(
            (0..10).any(|_| auto_loop_used_a_worker(&pool)),
            "one caller's Auto loop of a millisecond never had help"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// e. No waiting for another thread's region
// ---------------------------------------------------------------------------------------------

/// Scenario e: while thread L runs a long region holding every worker of the pool, calls from
/// another thread (a region, a loop, a reduction) complete at once as teams of one, without
/// waiting for L's region: checked by order (L's region was still holding when they returned;
/// the test releases it only afterwards, and it gives up by itself after 10 s) and by a time
/// far below the hold's (under 2 s, for calls of milliseconds: a huge margin).
#[test]
fn a_call_does_not_wait_for_a_long_region_of_another_thread() {
    guarded(
        "e: a call does not wait for a long region of another thread",
        || {
            const N: usize = 20_000;
            let pool = pool(3);
            let hold = Hold::default();
            thread::scope(|s| {
                s.spawn(|| pool.region(|team| hold.body(team)));
                assert_eq!(hold.started(), 3, "the long region holds every worker");
                let started = Instant::now();
                let alone = AtomicUsize::new(0);
                pool.region(|team| {
                    alone.store(team.team_size(), Relaxed);
                });
                checked_loop_and_sum(&pool, N, 42, Schedule::Dynamic(1000));
                checked_loop_and_sum(&pool, N, 43, Schedule::Static);
                let elapsed = started.elapsed();
                let still_held = !hold.ended.load(SeqCst);
                hold.release();
                assert!(
                    still_held,
                    "the calls returned only after the long region ended: they waited for it \
                 ({elapsed:?})"
                );
                assert!(
                    elapsed < Duration::from_secs(2),
                    "the calls took {elapsed:?} while another region held the workers"
                );
                assert_eq!(alone.into_inner(), 1, "no worker was idle: a team of one");
            });
            assert_eq!(checked_region(&pool), 3, "the workers were given back");
        },
    );
}

// ---------------------------------------------------------------------------------------------
// h. The stale region frame
// ---------------------------------------------------------------------------------------------

/// What the thread-local probe's destructor saw: (thread_id, in_region, team_size) per run.
static PROBE_SAW: Mutex<Vec<(usize, bool, usize)>> = Mutex::new(Vec::new());

/// A thread-local value whose destructor, run when its thread exits, records what the
/// thread-position functions say there.
struct Probe;

impl Drop for Probe {
    fn drop(&mut self) {
        let seen = (
            workshare::thread_id(),
            workshare::in_region(),
            workshare::team_size(),
        );
        lock(&PROBE_SAW).push(seen);
    }
}

thread_local! {
    static PROBE: Probe = const { Probe };
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Scenario h, the stale region frame: thread T runs a region of pool A; on its team thread 0
/// it starts a region of pool B (size 2), whose worker registers a thread-local [`Probe`]. B is
/// dropped after A's region ended: joining B's worker runs the probe's destructor, which must
/// find the worker outside any region (`in_region() == false`, `thread_id() == 0`). The old
/// code left a worker's current-region pointer at its owner's frame (A's, on T's stack) after
/// the nested region, so it dangled once A's region ended.
#[test]
fn a_worker_is_outside_any_region_after_a_nested_region_of_another_pool() {
    guarded("h: a worker's region frame after a nested region", || {
        lock(&PROBE_SAW).clear();
        let a = pool(2);
        let b = pool(2);
        let inside = Mutex::new(None);
        a.region(|outer| {
            if outer.thread_id() == 0 {
                b.region(|team| {
                    if team.thread_id() == 1 {
                        // On B's worker: register the destructor, and look around.
                        PROBE.with(|_| {});
                        let here = (
                            workshare::thread_id(),
                            workshare::in_region(),
                            workshare::team_size(),
                        );
                        *lock(&inside) = Some(here);
                    }
                });
                assert_eq!(workshare::thread_id(), 0, "back in A's region on T");
            }
        });
        assert!(!workshare::in_region(), "T left A's region");
        let inside = inside.into_inner().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(
            inside,
            Some((1, true, 2)),
            "B's worker ran B's region as thread 1 of 2"
        );
        // Drop A too, then give T's stack other contents, where A's region frame was.
        drop(a);
        let scratch = std::hint::black_box([usize::MAX; 64]);
        std::hint::black_box(&scratch);
        // Joining B's worker runs its thread-local destructors.
        drop(b);
        let saw = lock(&PROBE_SAW).clone();
        assert_eq!(
            saw,
            [(0, false, 1)],
            "(thread_id, in_region, team_size) in a destructor run as B's worker exited"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// The watchdog fires
// ---------------------------------------------------------------------------------------------

/// The watchdog is real: a child process whose scenario never finishes is ended with exit code
/// 101 and a message naming the scenario, well before the scenario would have ended.
#[test]
#[cfg_attr(miri, ignore = "runs a child process")]
fn watchdog_ends_a_hung_scenario_and_names_it() {
    const CHILD: &str = "WORKSHARE_COMPOSE_WATCHDOG_CHILD";
    const NAME: &str = "watchdog_ends_a_hung_scenario_and_names_it";
    if std::env::var_os(CHILD).is_some() {
        guarded_for(
            "a deliberately stuck scenario",
            Duration::from_millis(300),
            || {
                thread::sleep(Duration::from_secs(30));
            },
        );
        // Reached only if the watchdog did not fire.
        std::process::exit(3);
    }
    let started = Instant::now();
    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("run the child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "child stderr:\n{stderr}");
    assert!(
        stderr.contains(
            "workshare compose watchdog: scenario `a deliberately stuck scenario` has not \
             finished within 300ms"
        ),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the watchdog fired late"
    );
    // A scenario that finishes is not reported, and its result comes back.
    assert_eq!(guarded_for("quick", Duration::from_millis(300), || 7), 7);
}

// ---------------------------------------------------------------------------------------------
// The API of the new design: exact teams and the nesting limit
// ---------------------------------------------------------------------------------------------

/// Scenario f: `try_region_exact` while another thread's region holds every worker returns
/// `TeamUnavailable { reason: Busy }` at once (the holding region is still running when it
/// returns) and runs nothing; a team of one is always available; once the workers are
/// released, the exact team runs. The same with part of the workers held.
#[test]
fn try_region_exact_is_refused_while_workers_are_held_and_runs_once_released() {
    use workshare::pool::Unavailable;
    use workshare::Error;
    guarded("f: try_region_exact while the workers are held", || {
        let pool = pool(3);
        let busy = |requested, available| {
            Err(Error::TeamUnavailable {
                requested,
                available,
                reason: Unavailable::Busy,
            })
        };
        let exact_team = |n: usize| {
            let runs = AtomicUsize::new(0);
            let got = pool.try_region_exact(n, |team| {
                assert_eq!(team.team_size(), n);
                runs.fetch_add(1, Relaxed);
            });
            (got, runs.into_inner())
        };

        // Every worker held.
        let hold = Hold::default();
        thread::scope(|s| {
            s.spawn(|| pool.region(|team| hold.body(team)));
            assert_eq!(hold.started(), 3);
            let started = Instant::now();
            let refused = exact_team(2);
            let refused_all = exact_team(3);
            let elapsed = started.elapsed();
            let still_held = !hold.ended.load(SeqCst);
            let alone = exact_team(1);
            hold.release();
            assert_eq!(refused, (busy(2, 1), 0), "nothing ran");
            assert_eq!(refused_all, (busy(3, 1), 0), "nothing ran");
            assert!(still_held, "try_region_exact waited for the holding region");
            assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
            assert_eq!(alone, (Ok(()), 1), "a team of one is always available");
        });
        assert_eq!(exact_team(3), (Ok(()), 3), "once released");
        assert_eq!(exact_team(2), (Ok(()), 2));

        // One worker held (a region of two), one idle.
        let hold = Hold::default();
        thread::scope(|s| {
            s.spawn(|| pool.region_at_most(2, |team| hold.body(team)));
            assert_eq!(hold.started(), 2);
            let refused = exact_team(3);
            let two = exact_team(2);
            let still_held = !hold.ended.load(SeqCst);
            hold.release();
            assert_eq!(refused, (busy(3, 2), 0));
            assert_eq!(two, (Ok(()), 2), "the idle worker makes a team of two");
            assert!(still_held);
        });
        assert_eq!(exact_team(3), (Ok(()), 3));
    });
}

/// Scenario g: with `max_active_levels(1)`, a region nested in an active region (of this pool
/// or another) is a team of one even with workers idle, and `try_region_exact` there is refused
/// with `NestingLimit`; `max_active_levels(0)` makes every region a team of one;
/// `max_active_levels(2)` allows exactly two levels. By default (no limit), a region nested on a
/// worker takes idle workers: in a pool of 4 whose outer region has 2 threads, the nested
/// `region_at_most(2)` on thread 1 gets 2 threads, and a nested `region` gets both idle workers.
#[test]
fn nesting_limit_keeps_nested_regions_alone_and_default_nesting_takes_idle_workers() {
    use workshare::pool::Unavailable;
    use workshare::{Error, PoolBuilder};
    guarded("g: nesting limit and default nesting", || {
        let limited = |levels: usize, threads: usize| {
            PoolBuilder::new()
                .num_threads(threads)
                .max_active_levels(levels)
                .build()
                .expect("pool")
        };

        // One level.
        let one = limited(1, 4);
        let other = pool(2);
        assert_eq!(one.max_active_levels(), 1);
        let (outer_threads, nested) = (AtomicUsize::new(0), AtomicUsize::new(0));
        one.region_at_most(2, |team| {
            if team.thread_id() == 0 {
                outer_threads.store(team.team_size(), Relaxed);
            }
            one.region(|inner| {
                assert_eq!(inner.team_size(), 1, "nested in one active level");
                nested.fetch_add(1, Relaxed);
            });
            let exact = one.try_region_exact(2, |_| panic!("ran"));
            assert_eq!(
                exact,
                Err(Error::TeamUnavailable {
                    requested: 2,
                    available: 1,
                    reason: Unavailable::NestingLimit,
                })
            );
            assert_eq!(workshare::thread_id(), team.thread_id());
        });
        assert_eq!(outer_threads.into_inner(), 2);
        assert_eq!(nested.into_inner(), 2);
        // The limit counts the regions of every pool: nested in an active region of `other`.
        other.region(|team| {
            assert_eq!(team.team_size(), 2);
            if team.thread_id() == 1 {
                one.region(|inner| assert_eq!(inner.team_size(), 1));
            }
        });
        // At the top, the limited pool forks as usual.
        assert_eq!(checked_region(&one), 4);

        // Zero levels: every region is a team of one.
        let zero = limited(0, 3);
        assert_eq!(checked_region(&zero), 1);
        let exact = zero.try_region_exact(3, |_| panic!("ran"));
        assert!(
            matches!(
                exact,
                Err(Error::TeamUnavailable {
                    reason: Unavailable::NestingLimit,
                    ..
                })
            ),
            "{exact:?}"
        );

        // Two levels: the second nested level runs alone.
        let two = limited(2, 8);
        let levels = [
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        ];
        two.region_at_most(2, |first| {
            if first.thread_id() == 0 {
                levels[0].store(first.team_size(), Relaxed);
                two.region_at_most(2, |second| {
                    if second.thread_id() == 0 {
                        levels[1].store(second.team_size(), Relaxed);
                        two.region(|third| levels[2].store(third.team_size(), Relaxed));
                    }
                });
            }
        });
        assert_eq!(levels.map(AtomicUsize::into_inner), [2, 2, 1]);

        // No limit (the default): a nested region on a worker takes idle workers.
        let free = pool(4);
        assert_eq!(free.max_active_levels(), usize::MAX);
        let (at_most, ids, whole) = (AtomicUsize::new(0), AtomicU64::new(0), AtomicUsize::new(0));
        free.region_at_most(2, |team| {
            assert_eq!(team.team_size(), 2);
            if team.thread_id() == 1 {
                free.region_at_most(2, |inner| {
                    assert_eq!(workshare::thread_id(), inner.thread_id());
                    assert_eq!(workshare::team_size(), inner.team_size());
                    ids.fetch_or(1 << inner.thread_id(), Relaxed);
                    if inner.thread_id() == 0 {
                        at_most.store(inner.team_size(), Relaxed);
                    }
                });
                assert_eq!(
                    workshare::thread_id(),
                    1,
                    "back on thread 1 of the outer team"
                );
                free.region(|inner| {
                    if inner.thread_id() == 0 {
                        whole.store(inner.team_size(), Relaxed);
                    }
                });
            }
        });
        assert_eq!(
            at_most.into_inner(),
            2,
            "the nested region_at_most(2) on thread 1"
        );
        assert_eq!(ids.into_inner(), 0b11);
        assert_eq!(
            whole.into_inner(),
            3,
            "a nested region takes both idle workers"
        );
    });
}
