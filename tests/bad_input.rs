//! What every bad input gets, for the rows of `docs/bad-input.md` that the member crates' own
//! tests do not already check. Each test names the rows it covers.

mod common;

use std::ffi::OsStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;
use workshare::parfor::{self, Schedule};
use workshare::reductions::{self, Slots};
use workshare::{Error, Pool, PoolBuilder, MAX_THREADS, NUM_THREADS_ENV};

const ZERO_CHUNKS: [Schedule; 3] = [
    Schedule::StaticChunk(0),
    Schedule::Dynamic(0),
    Schedule::Guided(0),
];

const SCHEDULES: [Schedule; 6] = [
    Schedule::Auto,
    Schedule::Static,
    Schedule::StaticChunk(3),
    Schedule::Dynamic(2),
    Schedule::Guided(1),
    Schedule::Stealing,
];

fn pool(n: usize) -> Pool {
    Pool::new(n).expect("pool")
}

/// A named call expected to panic.
type Case<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// Pools of 4 threads whose waiters sleep at once, then whose waiters spin first (the default).
fn sleeping_and_spinning_pools() -> impl Iterator<Item = Pool> {
    [Duration::ZERO, workshare::pool::DEFAULT_SPIN_TIME]
        .into_iter()
        .map(|spin| {
            PoolBuilder::new()
                .num_threads(4)
                .spin_time(spin)
                .build()
                .unwrap()
        })
}

/// Sums `0..n` with [`reductions::reduce`], or with `deterministic` with
/// [`reductions::reduce_deterministic`], from `identity` and merging with `combine`, for the
/// panic of a closure only: the sum is discarded.
fn sum_for_its_panic(
    pool: &Pool,
    n: usize,
    schedule: Schedule,
    deterministic: bool,
    identity: impl Fn() -> usize + Sync,
    combine: impl Fn(usize, usize) -> usize + Sync,
) {
    let fold = |a, i| a + i;
    let sum = if deterministic {
        reductions::reduce_deterministic(pool, 0..n, schedule, identity, fold, combine)
    } else {
        reductions::reduce(pool, 0..n, schedule, identity, fold, combine)
    };
    ignore(sum);
}

/// Discards a result computed only for its panic.
fn ignore<T>(_value: T) {}

/// The message of the panic `f` must raise.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    common::payload_text(&*payload).expect("a panic payload that is not a message")
}

/// The pool still runs a loop and a region with a barrier on every thread.
fn assert_usable(pool: &Pool) {
    let count = AtomicUsize::new(0);
    parfor::for_each(pool, 0..100, Schedule::Dynamic(1), |_| {
        count.fetch_add(1, Relaxed);
    });
    assert_eq!(count.into_inner(), 100);
    let runs = AtomicUsize::new(0);
    pool.region(|team| {
        team.barrier();
        runs.fetch_add(1, Relaxed);
    });
    assert_eq!(runs.into_inner(), pool.num_threads());
}

/// Rows "zero threads" and "more than `MAX_THREADS`", through the builder.
#[test]
fn zero_and_too_many_threads_are_errors_from_the_builder() {
    let zero = PoolBuilder::new().num_threads(0).build().unwrap_err();
    assert_eq!(zero, Error::ZeroThreads);
    assert_eq!(
        zero.to_string(),
        "a pool needs at least 1 thread, 0 were requested"
    );
    // Checked before pinning is even tried.
    let pinned = PoolBuilder::new().num_threads(0).pin_threads(true).build();
    assert_eq!(pinned.unwrap_err(), Error::ZeroThreads);
    for requested in [MAX_THREADS + 1, 1 << 40, usize::MAX] {
        let error = PoolBuilder::new()
            .num_threads(requested)
            .build()
            .unwrap_err();
        assert_eq!(
            error,
            Error::TooManyThreads {
                requested,
                max: MAX_THREADS
            }
        );
        assert_eq!(
            error.to_string(),
            format!("{requested} threads requested, a pool supports at most {MAX_THREADS}")
        );
    }
    assert_eq!(MAX_THREADS, 1024);
}

const CHILD: &str = "WORKSHARE_BAD_INPUT_CHILD";
const ENV_TEST: &str = "thread_count_variable_garbage_and_global_pool_configuration";

/// Runs this test binary's [`ENV_TEST`] in a child process with `scenario` and
/// `WORKSHARE_NUM_THREADS` set to `value` (unset for `None`): the global pool is created once per
/// process, so each configuration needs a process of its own.
fn run_child(scenario: &str, value: Option<&OsStr>) {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", ENV_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, scenario)
        // The child panics on purpose; a backtrace per panic would only slow it down.
        .env("RUST_BACKTRACE", "0");
    match value {
        Some(value) => command.env(NUM_THREADS_ENV, value),
        None => command.env_remove(NUM_THREADS_ENV),
    };
    let output = command.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // One warning for an invalid value, naming the variable; none otherwise.
    let warnings = stderr
        .matches(&format!(
            "workshare: ignoring the environment: {NUM_THREADS_ENV}="
        ))
        .count();
    let expected_warnings = usize::from(scenario == "invalid");
    assert_eq!(
        warnings, expected_warnings,
        "child {scenario} with {NUM_THREADS_ENV}={value:?}: warnings on stderr:\n{stderr}"
    );
    assert!(
        output.status.success() && stdout.contains(&format!("BAD-INPUT-CHILD {scenario}: ok")),
        "child {scenario} with {NUM_THREADS_ENV}={value:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

/// The child's side of [`thread_count_variable_garbage_and_global_pool_configuration`].
fn child(scenario: &str) {
    let raw = std::env::var_os(NUM_THREADS_ENV);
    match scenario {
        "invalid" => {
            let value = raw.expect("a value").to_string_lossy().into_owned();
            let expected = Error::InvalidEnv {
                var: NUM_THREADS_ENV,
                value: value.clone(),
            };
            assert_eq!(PoolBuilder::from_env().unwrap_err(), expected);
            // The global pool is created with the default size (a warning, checked by the
            // parent, says so), and every global-pool function works; `try_global` returns
            // the error on every call, for those who want it.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            assert_eq!(workshare::global().size(), cores);
            assert_eq!(workshare::try_global().unwrap_err(), expected);
            assert_eq!(workshare::try_global().unwrap_err(), expected);
            assert_eq!(workshare::num_threads(), cores);
            let runs = AtomicUsize::new(0);
            workshare::region(|_| {
                runs.fetch_add(1, Relaxed);
            });
            assert_eq!(runs.into_inner(), cores);
            workshare::set_num_threads(1).unwrap();
            let hits = AtomicUsize::new(0);
            parfor::global::for_each(0..10, Schedule::Auto, |_| {
                hits.fetch_add(1, Relaxed);
            });
            assert_eq!(hits.into_inner(), 10);
            assert_eq!(reductions::global::sum(0..10, Schedule::Auto, |i| i), 45);
            // The creation happened: configuring it later is refused.
            let later = workshare::init_global(PoolBuilder::new().num_threads(2));
            assert_eq!(later.unwrap_err(), Error::GlobalAlreadyInitialized);
            // Ordinary pools are not affected.
            assert_usable(&pool(2));
        }
        "init" => {
            // `init_global` before first use wins over the variable.
            let pool = workshare::init_global(PoolBuilder::new().num_threads(3)).unwrap();
            assert_eq!(pool.size(), 3);
            let again = workshare::init_global(PoolBuilder::new().num_threads(2));
            assert_eq!(again.unwrap_err(), Error::GlobalAlreadyInitialized);
            assert_eq!(workshare::num_threads(), 3);
        }
        size => {
            let expected: usize = match size.strip_prefix("size=") {
                Some("cores") => std::thread::available_parallelism().map_or(1, |n| n.get()),
                Some(n) => n.parse().expect("a size"),
                None => panic!("unknown scenario {scenario}"),
            };
            assert_eq!(workshare::try_global().unwrap().size(), expected);
            assert_eq!(workshare::num_threads(), expected);
            let later = workshare::init_global(PoolBuilder::new().num_threads(2));
            assert_eq!(later.unwrap_err(), Error::GlobalAlreadyInitialized);
        }
    }
    println!("BAD-INPUT-CHILD {scenario}: ok");
}

/// Rows "garbage in `WORKSHARE_NUM_THREADS`", "empty or blank `WORKSHARE_NUM_THREADS`" and
/// "`init_global` after the global pool exists", each in a child process.
#[test]
#[cfg_attr(miri, ignore = "runs child processes")]
fn thread_count_variable_garbage_and_global_pool_configuration() {
    if let Some(scenario) = std::env::var_os(CHILD) {
        child(&scenario.to_string_lossy());
        return;
    }
    for garbage in [
        "abc",
        "0",
        "-1",
        "4 threads",
        "1e3",
        "0x10",
        "70000",
        "65536",
        "1025",
    ] {
        run_child("invalid", Some(OsStr::new(garbage)));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        run_child("invalid", Some(OsStr::from_bytes(b"4\xff")));
    }
    // Blank means unset: one thread per available core. Blanks around a number are ignored.
    for blank in [None, Some(""), Some("  ")] {
        run_child("size=cores", blank.map(OsStr::new));
    }
    run_child("size=3", Some(OsStr::new(" 3 ")));
    run_child("init", Some(OsStr::new("5")));
}

/// Rows "`set_num_threads` out of range" (global pool) and "`set_num_threads` inside a
/// region": allowed anywhere, on any team thread, also from a region of another pool nested in
/// one of the pool's own; it changes the regions that start later (nested ones included) and
/// never a running team; the range is checked as anywhere else.
#[test]
fn set_num_threads_inside_a_region_applies_to_later_regions_only() {
    let p = pool(4);
    let q = pool(2);
    let out_of_range = |requested| Err(Error::NumThreadsOutOfRange { requested, size: 4 });

    // On every team thread of a region of `p`: the range is checked, an in-range count is
    // accepted, and the running team keeps its four threads.
    let accepted = AtomicUsize::new(0);
    p.region(|team| {
        assert_eq!(p.set_num_threads(0), out_of_range(0));
        assert_eq!(p.set_num_threads(5), out_of_range(5));
        assert_eq!(p.set_num_threads(2), Ok(()));
        accepted.fetch_add(1, Relaxed);
        team.barrier();
        assert_eq!(team.team_size(), 4, "the running team keeps its size");
        assert_eq!(p.num_threads(), 2);
    });
    assert_eq!(accepted.into_inner(), 4);
    assert_eq!(p.num_threads(), 2);
    let runs = AtomicUsize::new(0);
    p.region(|_| {
        runs.fetch_add(1, Relaxed);
    });
    assert_eq!(runs.into_inner(), 2, "the next region has the new size");

    // A region nested on team thread 0 of a region of `p` (two of its four threads run, two
    // workers idle) starts after the change: with 1 it is a team of one although workers are
    // idle; with 3 it takes both idle workers.
    let nested = [AtomicUsize::new(0), AtomicUsize::new(0)];
    p.region(|team| {
        assert_eq!(team.team_size(), 2);
        if team.thread_id() == 0 {
            p.set_num_threads(1).unwrap();
            p.region(|inner| {
                nested[0].fetch_add(inner.team_size(), Relaxed);
            });
            p.set_num_threads(3).unwrap();
            p.region(|inner| {
                if inner.thread_id() == 0 {
                    nested[1].store(inner.team_size(), Relaxed);
                }
            });
            assert_eq!(workshare::thread_id(), 0);
        }
    });
    let nested = nested.map(AtomicUsize::into_inner);
    assert_eq!(nested, [1, 3], "team sizes of the nested regions");
    assert_eq!(p.num_threads(), 3);

    // From a region of another pool nested in a region of `p`, on every thread.
    let from_q = AtomicUsize::new(0);
    p.region(|_| {
        q.region(|_| {
            assert_eq!(p.set_num_threads(4), Ok(()));
            assert_eq!(p.set_num_threads(0), out_of_range(0));
            from_q.fetch_add(1, Relaxed);
        });
    });
    assert!(
        from_q.into_inner() >= 3,
        "every thread of the region of `p` ran q's region"
    );
    assert_eq!(p.num_threads(), 4);
    assert_usable(&p);

    // The global pool's free function, inside a global region; then out of range.
    let before = workshare::num_threads();
    let size = workshare::global().size();
    workshare::region(|team| {
        if team.thread_id() == 0 {
            assert_eq!(workshare::set_num_threads(1), Ok(()));
            assert_eq!(workshare::num_threads(), 1);
            assert_eq!(workshare::set_num_threads(before), Ok(()));
        }
        assert_eq!(
            workshare::set_num_threads(0),
            Err(Error::NumThreadsOutOfRange { requested: 0, size })
        );
    });
    for requested in [0, size + 1, usize::MAX] {
        assert_eq!(
            workshare::set_num_threads(requested),
            Err(Error::NumThreadsOutOfRange { requested, size })
        );
    }
    assert_eq!(workshare::num_threads(), before, "unchanged");
    let shown = Error::NumThreadsOutOfRange {
        requested: 5,
        size: 4,
    }
    .to_string();
    assert_eq!(
        shown,
        "set_num_threads(5) is out of range: expected 1..=4 for a pool of 4 threads"
    );
}

/// Rows "`region_at_most(0)`", "`try_region_exact` out of range" and "`try_region_exact` when
/// the team is not available": a panic pointing at the caller, and errors before anything runs.
#[test]
fn team_size_requests_out_of_range_or_unavailable() {
    use workshare::pool::Unavailable;
    let p = pool(3);
    let message = panic_message(|| p.region_at_most(0, |_| panic!("ran")));
    assert_eq!(
        message,
        "workshare: region_at_most(0): a team needs at least one thread, the caller"
    );
    // Above the size: the whole pool.
    let runs = AtomicUsize::new(0);
    p.region_at_most(usize::MAX, |_| {
        runs.fetch_add(1, Relaxed);
    });
    assert_eq!(runs.into_inner(), 3);

    for requested in [0, 4, usize::MAX] {
        let got = p.try_region_exact(requested, |_| panic!("ran"));
        assert_eq!(got, Err(Error::NumThreadsOutOfRange { requested, size: 3 }));
    }
    // Inside a region holding every worker: refused at once, with the reason.
    p.region(|team| {
        if team.thread_id() == 0 {
            let got = p.try_region_exact(2, |_| panic!("ran"));
            let busy = Error::TeamUnavailable {
                requested: 2,
                available: 1,
                reason: Unavailable::Busy,
            };
            assert_eq!(got, Err(busy.clone()));
            assert_eq!(
                busy.to_string(),
                "a team of exactly 2 threads is not available now (1 could run): other \
                 regions hold the workers it needs"
            );
            // A team of one is always available.
            assert_eq!(
                p.try_region_exact(1, |t| assert_eq!(t.team_size(), 1)),
                Ok(())
            );
        }
    });
    let limited = PoolBuilder::new()
        .num_threads(2)
        .max_active_levels(0)
        .build()
        .unwrap();
    let got = limited.try_region_exact(2, |_| panic!("ran"));
    assert_eq!(
        got,
        Err(Error::TeamUnavailable {
            requested: 2,
            available: 1,
            reason: Unavailable::NestingLimit
        })
    );
    assert_eq!(
        p.try_region_exact(3, |t| assert_eq!(t.team_size(), 3)),
        Ok(())
    );
}

/// Row "chunk size 0": every loop, reduction and worksharing construct that takes a schedule
/// panics before it runs anything, empty ranges included.
#[test]
fn chunk_size_zero_panics_everywhere_before_anything_runs() {
    let pool = pool(3);
    let ran = AtomicUsize::new(0);
    let touch = |_: usize| {
        ran.fetch_add(1, Relaxed);
    };
    for schedule in ZERO_CHUNKS {
        let expected = format!("workshare: chunk size must be at least 1 in {schedule:?}");
        let mut out = vec![0u8; 10];
        let data = [1u32; 10];
        let cases: Vec<Case<'_>> = vec![
            (
                "for_each, empty range",
                Box::new(|| parfor::for_each(&pool, 0..0, schedule, touch)),
            ),
            (
                "for_each_chunk",
                Box::new(|| parfor::for_each_chunk(&pool, 0..10, schedule, |c, _| touch(c.len()))),
            ),
            (
                "for_each_2d",
                Box::new(|| parfor::for_each_2d(&pool, 2, 5, schedule, |r, _| touch(r))),
            ),
            (
                "sum",
                Box::new(|| {
                    ignore(reductions::sum(&pool, 0..10, schedule, |i| {
                        touch(i);
                        i
                    }))
                }),
            ),
            (
                "argmax",
                Box::new(|| ignore(reductions::argmax(&pool, &data[..], schedule, |&x| x))),
            ),
            (
                "reduce_deterministic, empty input",
                Box::new(|| {
                    let r = reductions::reduce_deterministic(
                        &pool,
                        0..0,
                        schedule,
                        || 0,
                        |a, i| a + i,
                        |a, b| a + b,
                    );
                    ignore(r);
                }),
            ),
            (
                "for_each_init",
                Box::new(|| {
                    let states =
                        reductions::for_each_init(&pool, 0..10, schedule, |_| 0, |_, i| touch(i));
                    ignore(states);
                }),
            ),
            (
                "global sum",
                Box::new(|| ignore(reductions::global::sum(0..10, schedule, |i| i))),
            ),
        ];
        for (what, case) in &cases {
            assert_eq!(panic_message(case), expected, "{what}");
        }
        let message = panic_message(|| {
            parfor::map_into(&pool, &mut out, &data[..], schedule, |o, _| *o = 1);
        });
        assert_eq!(message, expected, "map_into");
        assert!(
            out.iter().all(|&o| o == 0),
            "map_into wrote before panicking"
        );
        let message = panic_message(|| {
            parfor::for_each_row_mut(&pool, &mut out, 5, schedule, |row, _, _| row.fill(1));
        });
        assert_eq!(message, expected, "for_each_row_mut");
        let mut slots: Slots<u32> = Slots::new(&pool);
        let message = panic_message(|| slots.for_each(&pool, 0..10, schedule, |s, _| *s += 1));
        assert_eq!(message, expected, "Slots::for_each");
        assert!(slots.iter().all(|&s| s == 0));

        // Inside a region every team thread panics; the caller gets the first of those panics.
        let message = panic_message(|| {
            pool.region(|team| parfor::team_for_each(team, 0..10, schedule, touch));
        });
        assert_eq!(message, expected, "team_for_each");
        assert_usable(&pool);
    }
    assert_eq!(ran.into_inner(), 0, "a body ran");
}

/// Row "ranges near `usize::MAX`", for reductions and worksharing loops (loops on a pool:
/// `parfor/tests/edges.rs`).
#[test]
fn ranges_near_usize_max_in_reductions_and_team_loops() {
    let pool = pool(3);
    let range = usize::MAX - 10_000..usize::MAX;
    let value = |i: usize| (i % 7) as u64;
    let serial: u64 = range.clone().map(value).sum();
    for schedule in SCHEDULES {
        assert_eq!(
            reductions::sum(&pool, range.clone(), schedule, value),
            serial
        );
        let sevens = reductions::count(&pool, range.clone(), schedule, |i| i % 7 == 0);
        assert_eq!(sevens, range.clone().filter(|i| i % 7 == 0).count());
        // Over a range the index is the item itself: the last one here.
        let last = reductions::argmax(&pool, range.clone(), schedule, |i| i);
        assert_eq!(last, Some(usize::MAX - 1));
        let pieces = reductions::reduce_deterministic(
            &pool,
            range.clone(),
            schedule,
            || None,
            |acc: Option<(usize, usize)>, i| Some((acc.map_or(i, |a| a.0), i + 1)),
            |a, b| match (a, b) {
                (Some((start, mid)), Some((from, end))) if mid == from => Some((start, end)),
                (one, None) | (None, one) => one,
                other => panic!("out of order: {other:?}"),
            },
        );
        assert_eq!(pieces, Some((range.start, range.end)));
        let states =
            reductions::for_each_init(&pool, range.clone(), schedule, |_| 0, |n, _| *n += 1);
        assert_eq!(states.iter().sum::<usize>(), range.len());
        let hits = AtomicUsize::new(0);
        pool.region(|team| {
            parfor::team_for_each(team, range.clone(), schedule, |i| {
                assert!(i >= range.start);
                hits.fetch_add(1, Relaxed);
            });
        });
        assert_eq!(hits.into_inner(), range.len(), "team_for_each {schedule:?}");
    }
}

/// Row "empty and reversed ranges", for reductions and worksharing loops (loops on a pool:
/// `parfor/tests/edges.rs`).
#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_and_reversed_inputs_give_the_identity() {
    let pool = pool(2);
    let empty: &[i32] = &[];
    for range in [5..5, 9..3, usize::MAX..0] {
        for schedule in SCHEDULES {
            let never = |_: usize| -> u64 { panic!("ran") };
            assert_eq!(reductions::sum(&pool, range.clone(), schedule, never), 0);
            assert_eq!(
                reductions::product(&pool, range.clone(), schedule, never),
                1
            );
            assert_eq!(reductions::min(&pool, range.clone(), schedule, never), None);
            assert_eq!(reductions::max(&pool, range.clone(), schedule, never), None);
            assert_eq!(
                reductions::argmin(&pool, range.clone(), schedule, never),
                None
            );
            assert_eq!(
                reductions::argmax(&pool, range.clone(), schedule, never),
                None
            );
            let count = reductions::count(&pool, range.clone(), schedule, |_| panic!("ran"));
            assert_eq!(count, 0);
            let reduced = reductions::reduce(
                &pool,
                range.clone(),
                schedule,
                || 42,
                |_, _| panic!("ran"),
                |_, _| panic!("combined"),
            );
            assert_eq!(reduced, 42);
            let deterministic = reductions::reduce_deterministic(
                &pool,
                range.clone(),
                schedule,
                || 7.5,
                |_, _| panic!("ran"),
                |_, _| panic!("combined"),
            );
            assert_eq!(deterministic, 7.5);
            let states = reductions::for_each_init(
                &pool,
                range.clone(),
                schedule,
                |_| -> u8 { panic!("init ran") },
                |_, _| panic!("ran"),
            );
            assert!(states.is_empty());
            assert_eq!(reductions::argmax(&pool, empty, schedule, |&x| x), None);
            let singles = AtomicUsize::new(0);
            pool.region(|team| {
                parfor::team_for_each(team, range.clone(), schedule, |_| panic!("ran"));
                parfor::single(team, || singles.fetch_add(1, Relaxed));
            });
            assert_eq!(singles.into_inner(), 1);
        }
    }
}

/// Row "slices of different lengths in `map_into`": the panic comes before anything is
/// written (the message names the first input that differs).
#[test]
fn map_into_with_mismatched_lengths_writes_nothing() {
    let pool = pool(2);
    let (a, b, c) = (vec![1u32; 8], vec![2u32; 8], vec![3u32; 7]);
    let mut out = vec![0u32; 8];
    let message = panic_message(|| {
        parfor::map_into(
            &pool,
            &mut out,
            (&a[..], &b[..], &c[..]),
            Schedule::Auto,
            |o, _| *o = 1,
        );
    });
    assert_eq!(
        message,
        "workshare: map_into: input 2 has length 7 but the output has length 8"
    );
    let long = [0u32; 9];
    let message = panic_message(|| {
        parfor::map_into(&pool, &mut out, &long[..], Schedule::Static, |o, _| *o = 1);
    });
    assert_eq!(
        message,
        "workshare: map_into: input 0 has length 9 but the output has length 8"
    );
    let message = panic_message(|| {
        parfor::global::map_into(&mut out, (&long[..],), Schedule::Auto, |o, _| *o = 1)
    });
    assert_eq!(
        message,
        "workshare: map_into: input 0 has length 9 but the output has length 8"
    );
    assert!(out.iter().all(|&o| o == 0), "written before the panic");
}

/// Row "zipped reduction inputs of different lengths".
#[test]
fn zipped_inputs_of_different_lengths_panic_before_anything_runs() {
    let pool = pool(2);
    let (a, b) = (vec![1u64; 10], vec![2u64; 9]);
    let expected = "workshare: zipped inputs have lengths 10 and 9";
    let ran = AtomicUsize::new(0);
    let zipped = (&a[..], &b[..]);
    let cases: Vec<Case<'_>> = vec![
        (
            "sum",
            Box::new(|| {
                ignore(reductions::sum(&pool, zipped, Schedule::Auto, |(x, y)| {
                    ran.fetch_add(1, Relaxed);
                    x * y
                }))
            }),
        ),
        (
            "argmax",
            Box::new(|| {
                ignore(reductions::argmax(
                    &pool,
                    zipped,
                    Schedule::Static,
                    |(x, _)| *x,
                ))
            }),
        ),
        (
            "sum_deterministic",
            Box::new(|| {
                let s =
                    reductions::sum_deterministic(&pool, zipped, Schedule::Dynamic(1), |(x, _)| {
                        *x as f64
                    });
                ignore(s);
            }),
        ),
        (
            "for_each_init",
            Box::new(|| {
                ignore(reductions::for_each_init(
                    &pool,
                    zipped,
                    Schedule::Auto,
                    |_| 0,
                    |_, _| {},
                ));
            }),
        ),
    ];
    for (what, case) in &cases {
        assert_eq!(panic_message(case), expected, "{what}");
    }
    let mut slots: Slots<u64> = Slots::new(&pool);
    let message =
        panic_message(|| slots.for_each(&pool, zipped, Schedule::Auto, |s, (x, _)| *s += x));
    assert_eq!(message, expected, "Slots::for_each");
    std::mem::drop(cases);
    assert_eq!(ran.into_inner(), 0);
    assert!(slots.iter().all(|&s| s == 0));
}

/// Rows "`for_each_2d` with `rows * cols` past `usize::MAX`" and "`for_each_row_mut` with 0
/// columns" (a length that is not a multiple: `parfor/tests/edges.rs`).
#[test]
fn grid_shapes_that_do_not_fit() {
    let pool = pool(2);
    let message = panic_message(|| {
        parfor::for_each_2d(&pool, usize::MAX, 2, Schedule::Auto, |_, _| panic!("ran"));
    });
    assert_eq!(
        message,
        format!(
            "workshare: for_each_2d: rows * cols overflows usize ({} * 2)",
            usize::MAX
        )
    );
    // Zero rows or columns: nothing to run, and no error.
    parfor::for_each_2d(&pool, 0, usize::MAX, Schedule::Auto, |_, _| panic!("ran"));
    parfor::for_each_2d(&pool, usize::MAX, 0, Schedule::Auto, |_, _| panic!("ran"));
    let mut grid = vec![0u8; 10];
    let message = panic_message(|| {
        parfor::for_each_row_mut(&pool, &mut grid, 0, Schedule::Auto, |_, _, _| {});
    });
    assert_eq!(
        message,
        "workshare: for_each_row_mut: grid length 10 is not a multiple of 0 columns"
    );
}

/// Row "a panic inside `single`": the other team threads, waiting at the `single`'s barrier,
/// are released (none goes past it), and the caller gets the block's own panic.
#[test]
fn panic_in_single_releases_the_team_and_reaches_the_caller() {
    for pool in sleeping_and_spinning_pools() {
        for _ in 0..20 {
            let past = AtomicUsize::new(0);
            let message = panic_message(|| {
                pool.region(|team| {
                    parfor::single(team, || panic!("single failed"));
                    past.fetch_add(1, Relaxed);
                });
            });
            assert_eq!(message, "single failed");
            assert_eq!(
                past.load(Relaxed),
                0,
                "a thread went past the single's barrier"
            );

            // `single_nowait`: the others go on, and are released from their next barrier.
            let message = panic_message(|| {
                pool.region(|team| {
                    parfor::single_nowait(team, || panic!("nowait single failed"));
                    team.barrier();
                });
            });
            assert_eq!(message, "nowait single failed");

            // A worksharing loop's body: the others wait at its implicit barrier.
            let message = panic_message(|| {
                pool.region(|team| {
                    parfor::team_for_each(team, 0..1000, Schedule::Dynamic(1), |i| {
                        if i == 500 {
                            panic!("body failed at 500");
                        }
                    });
                    past.fetch_add(1, Relaxed);
                });
            });
            assert_eq!(message, "body failed at 500");
            assert_eq!(
                past.load(Relaxed),
                0,
                "a thread went past the loop's barrier"
            );
            assert_usable(&pool);
        }
    }
}

/// Row "a panic in a barrier phase": every waiter, spinning or asleep, is released, in any
/// phase, whichever thread panics.
#[test]
fn panic_in_a_barrier_phase_releases_every_waiter() {
    for pool in sleeping_and_spinning_pools() {
        for victim in 0..4 {
            for phase in [0, 3] {
                let message = panic_message(|| {
                    pool.region(|team| {
                        for k in 0..5 {
                            if k == phase && team.thread_id() == victim {
                                panic!("phase {k} failed on {victim}");
                            }
                            team.barrier();
                        }
                    });
                });
                assert_eq!(message, format!("phase {phase} failed on {victim}"));
                assert_usable(&pool);
            }
        }
    }
}

/// Row "a panic in a reduction's closure": identity, fold, combine, key, init and slot bodies.
#[test]
fn panics_in_reduction_closures_reach_the_caller() {
    let pool = pool(2);
    let n = 10_000;
    let cases: Vec<Case<'_>> = vec![
        (
            "identity",
            Box::new(|| {
                let identity = || panic!("identity failed");
                sum_for_its_panic(&pool, n, Schedule::Static, false, identity, |a, b| a + b);
            }),
        ),
        (
            "fold",
            Box::new(|| {
                ignore(reductions::sum(&pool, 0..n, Schedule::Dynamic(7), |i| {
                    if i == n / 2 {
                        panic!("fold failed");
                    }
                    i
                }))
            }),
        ),
        (
            "combine",
            // Two threads' partial results are combined on the caller after the loop.
            Box::new(|| {
                let combine = |_, _| panic!("combine failed");
                sum_for_its_panic(&pool, n, Schedule::Static, false, || 0, combine);
            }),
        ),
        (
            "deterministic combine",
            Box::new(|| {
                let combine = |_, _| panic!("deterministic combine failed");
                sum_for_its_panic(&pool, n, Schedule::Auto, true, || 0, combine);
            }),
        ),
        (
            "key",
            Box::new(|| {
                ignore(reductions::argmax(&pool, 0..n, Schedule::Guided(1), |i| {
                    if i == n - 1 {
                        panic!("key failed");
                    }
                    i
                }))
            }),
        ),
        (
            "init",
            Box::new(|| {
                let states = reductions::for_each_init(
                    &pool,
                    0..n,
                    Schedule::Auto,
                    |_| -> u8 { panic!("init failed") },
                    |_, _| {},
                );
                ignore(states);
            }),
        ),
    ];
    for (what, case) in &cases {
        assert_eq!(panic_message(case), format!("{what} failed"), "{what}");
        assert_eq!(reductions::sum(&pool, 0..100, Schedule::Auto, |i| i), 4950);
    }
    let mut slots: Slots<usize> = Slots::new(&pool);
    let message = panic_message(|| {
        slots.for_each(&pool, 0..n, Schedule::Stealing, |slot, i| {
            if i == 3 {
                panic!("slot body failed");
            }
            *slot += 1;
        });
    });
    assert_eq!(message, "slot body failed");
    assert_usable(&pool);
}
