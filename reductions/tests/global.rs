#![cfg(not(loom))]
//! The current-pool reductions and scans (`workshare_reductions::global`): each runs on the
//! current pool (here one made current by `Pool::install`, so not the global pool) and gives
//! what its pool form gives.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use workshare_pool::with_current_pool;
use workshare_reductions::{self as r, global, Max, Pool, Schedule, Sum};

/// The installed pool's nesting limit, which no other pool here has: how a closure recognises
/// the pool (a worker's current pool is its own handle of the pool, another `Pool` value).
const LEVELS: usize = 77;

/// Whether `pool` is (a handle of) the installed pool.
fn is_installed(pool: &Pool) -> bool {
    pool.max_active_levels() == LEVELS && pool.size() == 3
}

/// A pool that counts its regions, installed while `run` runs.
struct Installed {
    pool: Pool,
    /// Closures that ran with another current pool.
    strangers: AtomicUsize,
}

impl Installed {
    fn new() -> Self {
        let pool = Pool::builder()
            .num_threads(3)
            .collect_stats(true)
            .max_active_levels(LEVELS)
            .build()
            .unwrap();
        Self {
            pool,
            strangers: AtomicUsize::new(0),
        }
    }

    /// Called from a closure of the call: notes whether it runs on this pool.
    fn check(&self) {
        if !with_current_pool(is_installed) {
            self.strangers.fetch_add(1, Relaxed);
        }
    }

    /// Runs `run` with this pool installed, and the same call `reference` on the pool itself;
    /// asserts that `run` forked a region on this pool, that every closure ran on it, and that
    /// both give the same result.
    fn same<R: PartialEq + std::fmt::Debug>(
        &self,
        what: &str,
        run: impl FnOnce() -> R,
        reference: impl FnOnce(&Pool) -> R,
    ) {
        // The reference first: its closures run outside `install`, where another pool is current.
        let expected = reference(&self.pool);
        self.strangers.store(0, Relaxed);
        self.pool.reset_stats();
        let got = self.pool.install(run);
        let regions = self.pool.stats().total().regions;
        assert!(regions > 0, "{what}: no region on the installed pool");
        assert_eq!(
            self.strangers.swap(0, Relaxed),
            0,
            "{what}: a closure off the pool"
        );
        assert_eq!(got, expected, "{what}");
    }
}

#[test]
fn every_reduction_runs_on_the_current_pool() {
    let on = Installed::new();
    let s = Schedule::Static;
    let x: Vec<i64> = (0..5000).map(|i| (i * 7919) % 1013 - 500).collect();
    let f = |&v: &i64| {
        on.check();
        v
    };
    on.same(
        "sum",
        || global::sum(&x[..], s, f),
        |p| r::sum(p, &x[..], s, f),
    );
    let factor = |i: usize| {
        on.check();
        (i % 3 + 1) as u64
    };
    on.same(
        "product",
        || global::product(0..20, s, factor),
        |p| r::product(p, 0..20, s, factor),
    );
    on.same(
        "min",
        || global::min(&x[..], s, f),
        |p| r::min(p, &x[..], s, f),
    );
    on.same(
        "max",
        || global::max(&x[..], s, f),
        |p| r::max(p, &x[..], s, f),
    );
    on.same(
        "argmin",
        || global::argmin(&x[..], s, f),
        |p| r::argmin(p, &x[..], s, f),
    );
    on.same(
        "argmax",
        || global::argmax(&x[..], s, f),
        |p| r::argmax(p, &x[..], s, f),
    );
    let odd = |&v: &i64| {
        on.check();
        v % 2 != 0
    };
    on.same(
        "count",
        || global::count(&x[..], s, odd),
        |p| r::count(p, &x[..], s, odd),
    );
    let fold = |a: i64, &v: &i64| {
        on.check();
        a.max(v)
    };
    on.same(
        "reduce",
        || global::reduce(&x[..], s, || i64::MIN, fold, i64::max),
        |p| r::reduce(p, &x[..], s, || i64::MIN, fold, i64::max),
    );
    let pair = |&v: &i64| {
        on.check();
        (Sum(v), Max(v))
    };
    on.same(
        "reduce_monoid",
        || {
            let (a, b) = global::reduce_monoid(&x[..], s, pair);
            (a.0, b.0)
        },
        |p| {
            let (a, b) = r::reduce_monoid(p, &x[..], s, pair);
            (a.0, b.0)
        },
    );
    // Enough blocks (of `BLOCK_LEN` items) for the deterministic forms to fork.
    let long: Vec<f64> = (0..4 * r::BLOCK_LEN)
        .map(|i| 1.0 / (1.0 + i as f64))
        .collect();
    let g = |&v: &f64| {
        on.check();
        v
    };
    on.same(
        "sum_deterministic",
        || global::sum_deterministic(&long[..], s, g).to_bits(),
        |p| r::sum_deterministic(p, &long[..], s, g).to_bits(),
    );
    let add = |a: f64, &v: &f64| {
        on.check();
        a + v
    };
    on.same(
        "reduce_deterministic",
        || global::reduce_deterministic(&long[..], s, || 0.0, add, |a, b| a + b).to_bits(),
        |p| r::reduce_deterministic(p, &long[..], s, || 0.0, add, |a, b| a + b).to_bits(),
    );
    let count_into = |n: &mut usize, _: &i64| {
        on.check();
        *n += 1;
    };
    on.same(
        "for_each_init",
        || {
            global::for_each_init(&x[..], s, |_| 0, count_into)
                .iter()
                .sum::<usize>()
        },
        |_| x.len(),
    );
}

#[test]
fn every_scan_runs_on_the_current_pool() {
    let on = Installed::new();
    let s = Schedule::Static;
    let x: Vec<u64> = (0..4 * r::BLOCK_LEN as u64).map(|i| i % 17).collect();
    let op = |a: u64, b: u64| {
        on.check();
        a + b
    };
    let scanned = |scan: &dyn Fn(&mut [u64])| {
        let mut out = vec![0; x.len()];
        scan(&mut out);
        out
    };
    on.same(
        "scan_inclusive",
        || scanned(&|out| global::scan_inclusive(&x, out, s, 0, op)),
        |p| scanned(&|out| r::scan_inclusive(p, &x, out, s, 0, op)),
    );
    on.same(
        "scan_exclusive",
        || scanned(&|out| global::scan_exclusive(&x, out, s, 0, op)),
        |p| scanned(&|out| r::scan_exclusive(p, &x, out, s, 0, op)),
    );
    let in_place = |scan: &dyn Fn(&mut [u64])| {
        let mut data = x.clone();
        scan(&mut data);
        data
    };
    on.same(
        "scan_inclusive_in_place",
        || in_place(&|data| global::scan_inclusive_in_place(data, s, 0, op)),
        |p| in_place(&|data| r::scan_inclusive_in_place(p, data, s, 0, op)),
    );
    on.same(
        "scan_exclusive_in_place",
        || in_place(&|data| global::scan_exclusive_in_place(data, s, 0, op)),
        |p| in_place(&|data| r::scan_exclusive_in_place(p, data, s, 0, op)),
    );
    on.same(
        "prefix_sum",
        || scanned(&|out| global::prefix_sum(&x, out, s)),
        |p| scanned(&|out| r::prefix_sum(p, &x, out, s)),
    );
}

/// The panic that `f` raises on the calling thread: its message and the file it points at.
fn panic_of(f: impl FnOnce()) -> (String, String) {
    static FILE: Mutex<Option<String>> = Mutex::new(None);
    let previous = panic::take_hook();
    let me = std::thread::current().id();
    // Only this thread's panic: the other tests of this binary run meanwhile.
    panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            *FILE.lock().unwrap() = info.location().map(|l| l.file().to_owned());
        }
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    let payload = result.expect_err("no panic");
    let message = match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload.downcast_ref::<&str>().unwrap().to_string(),
    };
    (message, FILE.lock().unwrap().take().expect("a location"))
}

#[test]
fn scans_of_mismatched_lengths_panic_at_the_callers_line() {
    let pool = Pool::new(2).unwrap();
    let input = [1u32; 10];
    let add = |a: u32, b: u32| a + b;
    type Case<'a> = Box<dyn FnOnce() + 'a>;
    let cases: Vec<(&str, Case<'_>, Case<'_>)> = vec![
        (
            "scan_inclusive",
            Box::new(|| r::scan_inclusive(&pool, &input, &mut [0; 9], Schedule::Auto, 0, add)),
            Box::new(|| global::scan_inclusive(&input, &mut [0; 9], Schedule::Auto, 0, add)),
        ),
        (
            "scan_exclusive",
            Box::new(|| r::scan_exclusive(&pool, &input, &mut [0; 9], Schedule::Auto, 0, add)),
            Box::new(|| global::scan_exclusive(&input, &mut [0; 9], Schedule::Auto, 0, add)),
        ),
        (
            "prefix_sum",
            Box::new(|| r::prefix_sum(&pool, &input, &mut [0; 11], Schedule::Auto)),
            Box::new(|| global::prefix_sum(&input, &mut [0; 11], Schedule::Auto)),
        ),
        (
            "scan_inclusive_in_place, chunk size 0",
            Box::new(|| {
                r::scan_inclusive_in_place(&pool, &mut [0u32; 4], Schedule::Guided(0), 0, add)
            }),
            Box::new(|| {
                global::scan_inclusive_in_place(&mut [0u32; 4], Schedule::Guided(0), 0, add)
            }),
        ),
        (
            "scan_exclusive_in_place, chunk size 0",
            Box::new(|| {
                r::scan_exclusive_in_place(&pool, &mut [0u32; 4], Schedule::Guided(0), 0, add)
            }),
            Box::new(|| {
                global::scan_exclusive_in_place(&mut [0u32; 4], Schedule::Guided(0), 0, add)
            }),
        ),
    ];
    for (what, pool_form, current_form) in cases {
        let (expected, _) = panic_of(pool_form);
        let (message, file) = panic_of(current_form);
        assert_eq!(message, expected, "{what}");
        assert!(message.starts_with("workshare: "), "{what}: {message}");
        assert_eq!(
            file,
            file!(),
            "{what}: the panic points at workshare's sources"
        );
    }
}
