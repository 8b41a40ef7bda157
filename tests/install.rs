//! `Pool::install` and the current pool: the global-pool functions of every crate run on the
//! pool a caller installed, or on the pool of the region they are called from.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use workshare::parfor::{self, Schedule};
use workshare::{reductions, Pool};

/// A pool of `n` threads whose workers are named `{prefix}-{index}`.
fn named_pool(prefix: &'static str, n: usize) -> Pool {
    Pool::builder()
        .num_threads(n)
        .thread_name(move |i| format!("{prefix}-{i}"))
        .build()
        .unwrap()
}

/// The names of the threads that ran `f`'s loop bodies (`"caller"` for the test's thread).
fn thread_names(f: impl FnOnce(&(dyn Fn() + Sync))) -> BTreeSet<String> {
    let names = Mutex::new(BTreeSet::new());
    let caller = std::thread::current().id();
    let record = || {
        let me = std::thread::current();
        let name = if me.id() == caller {
            "caller".to_owned()
        } else {
            me.name().unwrap_or("unnamed").to_owned()
        };
        names.lock().unwrap().insert(name);
    };
    f(&record);
    names.into_inner().unwrap()
}

/// Only the caller and workers whose names start with `prefix`.
fn only(names: &BTreeSet<String>, prefix: &str) -> bool {
    names.iter().all(|n| n == "caller" || n.starts_with(prefix))
}

#[test]
fn global_functions_run_on_the_installed_pool() {
    let pool = named_pool("installed", 3);
    pool.set_num_threads(3).unwrap();
    assert_eq!(pool.install(workshare::num_threads), 3);

    let names = thread_names(|record| {
        pool.install(|| {
            // Enough work that the loops fork whatever Auto decides.
            parfor::global::for_each(0..64, Schedule::Auto, |_| {
                record();
                std::thread::sleep(std::time::Duration::from_millis(1));
            });
            workshare::region(|_| record());
            let total = reductions::global::sum(0..64, Schedule::Static, |i| {
                record();
                i
            });
            assert_eq!(total, 2016);
        });
    });
    assert!(only(&names, "installed-"), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("installed-")),
        "{names:?}"
    );
}

#[test]
fn region_bodies_use_their_own_pool_on_every_team_thread() {
    // Three threads: not the global pool's size on a machine of two cores, nor of four.
    let pool = named_pool("outer", 3);
    let sizes = Mutex::new(Vec::new());
    let names = thread_names(|record| {
        pool.region(|team| {
            // A library call from a body: on every team thread, `pool` is the current pool.
            sizes.lock().unwrap().push(workshare::num_threads());
            if team.thread_id() == team.team_size() - 1 {
                workshare::region(|_| record());
            }
        });
    });
    let sizes = sizes.into_inner().unwrap();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&s| s == 3),
        "{sizes:?}"
    );
    assert!(only(&names, "outer-"), "{names:?}");
}

#[test]
fn install_nests_and_restores_after_a_panic() {
    let a = named_pool("a", 2);
    let b = named_pool("b", 3);
    let global = workshare::global().num_threads();
    a.install(|| {
        assert_eq!(workshare::num_threads(), 2);
        b.install(|| assert_eq!(workshare::num_threads(), 3));
        assert_eq!(workshare::num_threads(), 2);
        let caught = catch_unwind(AssertUnwindSafe(|| {
            b.install(|| panic!("boom"));
        }));
        assert!(caught.is_err());
        assert_eq!(workshare::num_threads(), 2, "back to `a` after the panic");
    });
    assert_eq!(workshare::num_threads(), global);
    // A value comes back out.
    assert_eq!(a.install(|| 7), 7);
}

#[test]
fn install_on_a_dropped_pool_leaves_nothing_behind() {
    {
        let pool = named_pool("short", 2);
        pool.install(|| parfor::global::for_each(0..10, Schedule::Auto, |_| {}));
    }
    // The pool is gone; the global functions use the global pool again.
    let hits = std::sync::atomic::AtomicUsize::new(0);
    parfor::global::for_each(0..100, Schedule::Auto, |_| {
        hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(hits.into_inner(), 100);
}
