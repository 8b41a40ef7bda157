//! The current-pool loops (`workshare_parfor::global`): each runs on the current pool (here a
//! pool made current by `Pool::install`, so not the global pool) and gives what its pool form
//! gives; each bad argument panics as the pool form does, at the caller's line.
#![cfg(not(loom))]

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use workshare_parfor::{global, Pool, Schedule, TuneOptions};
use workshare_pool::with_current_pool;

/// The installed pool's nesting limit, which no other pool here has: how a body recognises the
/// pool (a worker's current pool is its own handle of the pool, another `Pool` value).
const LEVELS: usize = 77;

/// Whether `pool` is (a handle of) the installed pool.
fn is_installed(pool: &Pool) -> bool {
    pool.max_active_levels() == LEVELS && pool.size() == 3
}

/// A pool that counts its regions, installed while `run` runs: whether `run`'s loop ran a region
/// on it, and whether every body it ran saw it as the current pool.
struct Installed {
    pool: Pool,
    /// Bodies that ran with another current pool.
    strangers: AtomicUsize,
}

impl Installed {
    fn new() -> Self {
        Self {
            pool: Pool::builder()
                .num_threads(3)
                .collect_stats(true)
                .max_active_levels(LEVELS)
                .build()
                .unwrap(),
            strangers: AtomicUsize::new(0),
        }
    }

    /// Called from a loop body: notes whether the body runs on this pool.
    fn check_body(&self) {
        if !with_current_pool(is_installed) {
            self.strangers.fetch_add(1, Relaxed);
        }
    }

    /// Runs `run` with this pool installed; asserts that it forked a region on this pool and
    /// that every body ran on it.
    fn run<R>(&self, what: &str, run: impl FnOnce() -> R) -> R {
        self.pool.reset_stats();
        let result = self.pool.install(run);
        let regions = self.pool.stats().total().regions;
        assert!(regions > 0, "{what}: no region on the installed pool");
        assert_eq!(
            self.strangers.swap(0, Relaxed),
            0,
            "{what}: a body off the pool"
        );
        result
    }
}

#[test]
fn every_loop_runs_on_the_current_pool() {
    let on = Installed::new();
    let n = 1000;
    let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
    let once = |hits: &[AtomicUsize]| hits.iter().all(|h| h.swap(0, Relaxed) == 1);

    on.run("for_each", || {
        global::for_each(0..n, Schedule::Static, |i| {
            on.check_body();
            hits[i].fetch_add(1, Relaxed);
        })
    });
    assert!(once(&hits), "for_each");

    on.run("for_each_chunk", || {
        global::for_each_chunk(0..n, Schedule::Dynamic(7), |chunk, ctx| {
            on.check_body();
            assert!(ctx.thread_id() < ctx.team_size() && ctx.team_size() <= 3);
            chunk.for_each(|i| {
                hits[i].fetch_add(1, Relaxed);
            });
        })
    });
    assert!(once(&hits), "for_each_chunk");

    let mut out = vec![0usize; n];
    on.run("for_each_mut_chunk", || {
        global::for_each_mut_chunk(&mut out, Schedule::Static, |chunk, offset, _ctx| {
            on.check_body();
            for (k, x) in chunk.iter_mut().enumerate() {
                *x = offset + k;
            }
        })
    });
    assert!(
        out.iter().enumerate().all(|(i, &x)| x == i),
        "for_each_mut_chunk"
    );

    let input: Vec<usize> = (0..n).collect();
    on.run("map_into", || {
        global::map_into(&mut out, &input[..], Schedule::Static, |o, &x| {
            on.check_body();
            *o = 2 * x;
        })
    });
    assert!(out.iter().enumerate().all(|(i, &x)| x == 2 * i), "map_into");

    let (rows, cols) = (40, 25);
    on.run("for_each_2d", || {
        global::for_each_2d(rows, cols, Schedule::Static, |row, col| {
            on.check_body();
            hits[row * cols + col].fetch_add(1, Relaxed);
        })
    });
    assert!(once(&hits), "for_each_2d");

    let mut grid = vec![0usize; rows * cols];
    on.run("for_each_row_mut", || {
        global::for_each_row_mut(&mut grid, cols, Schedule::Static, |cells, row, _ctx| {
            on.check_body();
            assert_eq!(cells.len(), cols);
            cells.fill(row);
        })
    });
    assert!(
        grid.iter().enumerate().all(|(i, &x)| x == i / cols),
        "for_each_row_mut"
    );

    on.run("for_each_tile_mut", || {
        global::for_each_tile_mut(
            &mut grid,
            cols,
            (7, 6),
            Schedule::Static,
            |mut tile, _ctx| {
                on.check_body();
                let (rows, first_col) = (tile.rows(), tile.cols().start);
                for (r, cells) in rows.zip(tile.rows_mut()) {
                    for (k, x) in cells.iter_mut().enumerate() {
                        *x = r * cols + first_col + k;
                    }
                }
            },
        )
    });
    assert!(
        grid.iter().enumerate().all(|(i, &x)| x == i),
        "for_each_tile_mut"
    );

    let written = on.run("for_each_mut_chunk_reduce", || {
        global::for_each_mut_chunk_reduce(
            &mut out,
            Schedule::StaticChunk(64),
            || 0,
            |chunk, offset, _ctx| {
                on.check_body();
                chunk
                    .iter_mut()
                    .enumerate()
                    .for_each(|(k, x)| *x = offset + k);
                chunk.len()
            },
            |a, b| a + b,
        )
    });
    assert_eq!(written, n, "for_each_mut_chunk_reduce");
    assert!(out.iter().enumerate().all(|(i, &x)| x == i));

    let order = on.run("for_each_row_mut_reduce", || {
        global::for_each_row_mut_reduce(
            &mut grid,
            cols,
            Schedule::Dynamic(3),
            Vec::new,
            |cells, row, _ctx| {
                on.check_body();
                cells.fill(row + 1);
                vec![row]
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
    });
    assert_eq!(
        order,
        (0..rows).collect::<Vec<_>>(),
        "for_each_row_mut_reduce"
    );
    assert!(grid.iter().enumerate().all(|(i, &x)| x == i / cols + 1));
}

#[test]
fn the_tuners_run_on_the_current_pool() {
    let on = Installed::new();
    // One candidate: the whole range runs under it, on a team of at most 3 (the installed
    // pool's size; the global pool may have any size).
    let options = TuneOptions::new()
        .threads([3])
        .schedules([Schedule::Static]);
    let n = 1000;
    let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
    let once = |hits: &[AtomicUsize]| hits.iter().all(|h| h.swap(0, Relaxed) == 1);

    let report = on.run("tune_for_each", || {
        global::tune_for_each(0..n, &options, |i| {
            on.check_body();
            hits[i].fetch_add(1, Relaxed);
        })
    });
    assert!(
        once(&hits) && report.requested == 3,
        "tune_for_each: {report:?}"
    );

    let report = on.run("tune_for_each_chunk", || {
        global::tune_for_each_chunk(0..n, &options, |chunk, _ctx| {
            on.check_body();
            chunk.for_each(|i| {
                hits[i].fetch_add(1, Relaxed);
            });
        })
    });
    assert!(once(&hits) && report.requested == 3, "tune_for_each_chunk");

    let mut out = vec![0usize; n];
    let report = on.run("tune_for_each_mut_chunk", || {
        global::tune_for_each_mut_chunk(&mut out, &options, |chunk, offset, _ctx| {
            on.check_body();
            chunk
                .iter_mut()
                .enumerate()
                .for_each(|(k, x)| *x = offset + k);
        })
    });
    assert!(out.iter().enumerate().all(|(i, &x)| x == i) && report.requested == 3);

    // A candidate above the current pool's size is refused for that pool.
    let small = Pool::new(1).unwrap();
    let refused = panic::catch_unwind(AssertUnwindSafe(|| {
        small.install(|| global::tune_for_each(0..10, &options, |_| {}))
    }));
    let message = common::panic_message(refused.unwrap_err());
    assert!(
        message.starts_with("workshare: tune: thread count 3"),
        "{message}"
    );
}

/// The panic that `f` raises on the calling thread: its message and the file it points at.
fn panic_of(f: impl FnOnce()) -> (String, String) {
    static FILE: Mutex<Option<String>> = Mutex::new(None);
    let previous = panic::take_hook();
    let me = std::thread::current().id();
    // Only this thread's panic: the other tests of this binary run (and may panic) meanwhile.
    panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            *FILE.lock().unwrap() = info.location().map(|l| l.file().to_owned());
        }
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    let message = common::panic_message(result.expect_err("no panic"));
    (message, FILE.lock().unwrap().take().expect("a location"))
}

/// A call that should panic.
type Case<'a> = Box<dyn FnOnce() + 'a>;

#[test]
fn bad_arguments_panic_as_the_pool_forms_do_at_the_callers_line() {
    let pool = Pool::new(2).unwrap();
    let here = file!();
    let short = [1u32; 9];
    let bad = Schedule::Dynamic(0);
    let auto = Schedule::Auto;
    // A fresh output of 10 elements for each call.
    let out = || vec![0u32; 10];
    let value = |_: &mut [u32], _, _| 0;
    let add = |a: i32, b: i32| a + b;
    // (what, the pool form, the current-pool form): the same bad arguments.
    let cases: Vec<(&str, Case<'_>, Case<'_>)> = vec![
        (
            "for_each, chunk size 0",
            Box::new(|| workshare_parfor::for_each(&pool, 0..8, bad, |_| {})),
            Box::new(|| global::for_each(0..8, bad, |_| {})),
        ),
        (
            "for_each_chunk, chunk size 0",
            Box::new(|| workshare_parfor::for_each_chunk(&pool, 0..8, bad, |_, _| {})),
            Box::new(|| global::for_each_chunk(0..8, bad, |_, _| {})),
        ),
        (
            "for_each_mut_chunk, chunk size 0",
            Box::new(|| workshare_parfor::for_each_mut_chunk(&pool, &mut out(), bad, |_, _, _| {})),
            Box::new(|| global::for_each_mut_chunk(&mut out(), bad, |_, _, _| {})),
        ),
        (
            "for_each_mut_chunk_reduce, chunk size 0",
            Box::new(|| {
                let o = &mut out();
                workshare_parfor::for_each_mut_chunk_reduce(&pool, o, bad, || 0, value, add);
            }),
            Box::new(|| {
                global::for_each_mut_chunk_reduce(&mut out(), bad, || 0, value, add);
            }),
        ),
        (
            "map_into, lengths",
            Box::new(|| workshare_parfor::map_into(&pool, &mut out(), &short[..], auto, |_, _| {})),
            Box::new(|| global::map_into(&mut out(), &short[..], auto, |_, _| {})),
        ),
        (
            "for_each_2d, overflow",
            Box::new(|| workshare_parfor::for_each_2d(&pool, usize::MAX, 2, auto, |_, _| {})),
            Box::new(|| global::for_each_2d(usize::MAX, 2, auto, |_, _| {})),
        ),
        (
            "for_each_row_mut, columns",
            Box::new(|| {
                workshare_parfor::for_each_row_mut(&pool, &mut out(), 3, auto, |_, _, _| {})
            }),
            Box::new(|| global::for_each_row_mut(&mut out(), 3, auto, |_, _, _| {})),
        ),
        (
            "for_each_row_mut_reduce, zero columns",
            Box::new(|| {
                let o = &mut out();
                workshare_parfor::for_each_row_mut_reduce(&pool, o, 0, auto, || 0, value, add);
            }),
            Box::new(|| {
                global::for_each_row_mut_reduce(&mut out(), 0, auto, || 0, value, add);
            }),
        ),
        (
            "for_each_tile_mut, columns",
            Box::new(|| {
                workshare_parfor::for_each_tile_mut(&pool, &mut out(), 4, (2, 2), auto, |_, _| {})
            }),
            Box::new(|| global::for_each_tile_mut(&mut out(), 4, (2, 2), auto, |_, _| {})),
        ),
        (
            "for_each_tile_mut, tile",
            Box::new(|| {
                workshare_parfor::for_each_tile_mut(&pool, &mut out(), 5, (0, 2), auto, |_, _| {})
            }),
            Box::new(|| global::for_each_tile_mut(&mut out(), 5, (0, 2), auto, |_, _| {})),
        ),
    ];
    for (what, pool_form, current_form) in cases {
        let (expected, _) = panic_of(pool_form);
        let (message, file) = panic_of(current_form);
        assert_eq!(message, expected, "{what}");
        assert!(message.starts_with("workshare: "), "{what}: {message}");
        assert_eq!(
            file, here,
            "{what}: the panic points at workshare's sources"
        );
    }
}
