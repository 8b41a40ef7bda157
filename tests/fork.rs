//! A real `fork()` after pools started: `fork` copies only the calling thread, so in the child
//! a pool's workers do not exist though its memory says they do. The pool notices (a
//! `pthread_atfork` counter) and runs every region there on the calling thread.
//!
//! One test, forking once: forking a multi-threaded test harness is delicate, so this binary has
//! nothing else running when it forks. The child reports a failure through its exit status (and
//! its panic message straight to file descriptor 2: the harness's output capture would keep it
//! in the child's memory); it arms `alarm(20)` first, so a hang ends it with `SIGALRM` instead of
//! stalling the parent, which reports the signal.

#![cfg(unix)]

use std::io::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize};
use workshare::parfor::{self, Schedule};
use workshare::pool::Unavailable;
use workshare::reductions;
use workshare::{Error, Pool, PoolBuilder};

/// The global pool's size in this test (set before first use, whatever the environment says).
const GLOBAL_SIZE: usize = 3;

fn value(i: usize) -> u64 {
    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48
}

fn serial_sum(n: usize) -> u64 {
    (0..n).map(value).sum()
}

/// Every index of `0..n` runs exactly once under `run`, which loops over a range with a body.
fn check_each_once(what: &str, n: usize, run: impl FnOnce(&(dyn Fn(usize) + Sync))) {
    let hits: Vec<AtomicU8> = (0..n).map(|_| AtomicU8::new(0)).collect();
    let total = AtomicU64::new(0);
    run(&|i| {
        hits[i].fetch_add(1, Relaxed);
        total.fetch_add(value(i), Relaxed);
    });
    let bad = hits.iter().position(|h| h.load(Relaxed) != 1);
    assert_eq!(
        bad, None,
        "{what} over 0..{n}: an index did not run exactly once"
    );
    assert_eq!(total.into_inner(), serial_sum(n), "{what} over 0..{n}");
}

/// A region of `pool`; its team size, after checking that each of its threads ran once.
fn team_of(pool: &Pool) -> usize {
    let (runs, size) = (AtomicUsize::new(0), AtomicUsize::new(0));
    pool.region(|team| {
        runs.fetch_add(1, Relaxed);
        size.store(team.team_size(), Relaxed);
        team.barrier();
    });
    let size = size.into_inner();
    assert_eq!(runs.into_inner(), size);
    size
}

/// The loops and reductions every pool must get right, forked copy or not.
fn loops_work(what: &str, pool: &Pool) {
    for n in [10, 100_000] {
        check_each_once(&format!("{what}: for_each Static"), n, |body| {
            parfor::for_each(pool, 0..n, Schedule::Static, body)
        });
        check_each_once(&format!("{what}: for_each Dynamic"), n, |body| {
            parfor::for_each(pool, 0..n, Schedule::Dynamic(7), body)
        });
        let sum = reductions::sum(pool, 0..n, Schedule::Stealing, value);
        assert_eq!(sum, serial_sum(n), "{what}: sum over 0..{n}");
        let count = reductions::count(pool, 0..n, Schedule::Guided(3), |i| value(i) % 2 == 0);
        let serial = (0..n).filter(|&i| value(i) % 2 == 0).count();
        assert_eq!(count, serial, "{what}: count over 0..{n}");
    }
}

/// What the child checks; a panic is a failure.
fn child(explicit: Pool) {
    // The global pool, started and used by the parent: no workers here.
    let global = workshare::global();
    assert_eq!(global.size(), GLOBAL_SIZE);
    assert_eq!(workshare::num_threads(), 1, "the forked global pool");
    for n in [10, 100_000] {
        check_each_once("global::for_each in the child", n, |body| {
            parfor::global::for_each(0..n, Schedule::Auto, body)
        });
        let sum = reductions::global::sum(0..n, Schedule::Auto, value);
        assert_eq!(sum, serial_sum(n), "global sum over 0..{n} in the child");
    }
    let runs = AtomicUsize::new(0);
    workshare::region(|team| {
        assert_eq!(team.team_size(), 1);
        runs.fetch_add(1, Relaxed);
    });
    assert_eq!(runs.into_inner(), 1);
    loops_work("the forked global pool", global);

    // The explicit pool, created by the parent.
    assert_eq!(explicit.size(), 2);
    assert_eq!(explicit.num_threads(), 1, "the forked explicit pool");
    assert_eq!(team_of(&explicit), 1);
    explicit.region_at_most(2, |team| assert_eq!(team.team_size(), 1));
    let refused = explicit.try_region_exact(2, |_| panic!("ran"));
    assert_eq!(
        refused,
        Err(Error::TeamUnavailable {
            requested: 2,
            available: 1,
            reason: Unavailable::Forked,
        })
    );
    assert_eq!(explicit.try_region_exact(1, |_| {}), Ok(()));
    // Setting the count is allowed, and changes nothing here.
    assert_eq!(explicit.set_num_threads(2), Ok(()));
    assert_eq!(explicit.num_threads(), 1);
    loops_work("the forked explicit pool", &explicit);
    // Nested regions of the two forked pools.
    let nested = AtomicUsize::new(0);
    explicit.region(|_| {
        workshare::region(|team| {
            assert_eq!(team.team_size(), 1);
            nested.fetch_add(1, Relaxed);
        });
    });
    assert_eq!(nested.into_inner(), 1);
    // Dropping it does not wait for the worker that is not there.
    drop(explicit);

    // A pool created in the child is an ordinary pool, with workers.
    let fresh = Pool::new(2).expect("a pool in the child");
    assert_eq!(fresh.num_threads(), 2);
    assert_eq!(team_of(&fresh), 2);
    let exact = AtomicUsize::new(0);
    let ran = fresh.try_region_exact(2, |_| {
        exact.fetch_add(1, Relaxed);
    });
    assert_eq!(ran, Ok(()));
    assert_eq!(exact.into_inner(), 2);
    loops_work("a pool created in the child", &fresh);
    drop(fresh);
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot fork")]
fn pools_keep_working_in_a_forked_child() {
    // The parent starts the global pool and an explicit pool, and forks with both.
    let global = match workshare::init_global(PoolBuilder::new().num_threads(GLOBAL_SIZE)) {
        Ok(pool) => pool,
        Err(error) => panic!("this binary's only test configures the global pool: {error}"),
    };
    assert_eq!(
        team_of(global),
        GLOBAL_SIZE,
        "the parent's global region forks"
    );
    check_each_once(
        "for_each on the global pool in the parent",
        100_000,
        |body| parfor::for_each(global, 0..100_000, Schedule::Static, body),
    );
    let explicit = Pool::new(2).expect("pool");
    assert_eq!(team_of(&explicit), 2);
    loops_work("the parent's explicit pool", &explicit);

    // SAFETY: `fork` has no preconditions. The child runs only the code below, on its one
    // thread, and ends with `_exit` (no atexit handlers, no unwinding into the harness's
    // copy); no lock that another thread could have held at the fork is taken there except
    // the allocator's, which glibc's fork handlers reset.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: `alarm` is async-signal-safe and only arms a timer for this process.
        unsafe { libc::alarm(20) };
        // Panic messages straight to file descriptor 2 (the harness's capture would keep them
        // in this process's memory), also for a panic that ends in an abort.
        std::panic::set_hook(Box::new(|info| {
            let _ = writeln!(std::io::stderr().lock(), "forked child: {info}");
        }));
        let status = match catch_unwind(AssertUnwindSafe(|| child(explicit))) {
            Ok(()) => 0,
            Err(_) => 1,
        };
        // SAFETY: `_exit` ends the child at once, without running the parent's copies of
        // atexit handlers or destructors.
        unsafe { libc::_exit(status) };
    }

    let mut status = 0;
    loop {
        // SAFETY: `pid` is our child and `status` a valid place for its status.
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        if waited == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::Interrupted,
            "waitpid: {error}"
        );
    }
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        let hint = if signal == libc::SIGALRM {
            " (SIGALRM: it hung for 20 s)"
        } else {
            ""
        };
        panic!("the forked child was killed by signal {signal}{hint}");
    }
    assert!(libc::WIFEXITED(status), "child status {status:#x}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "the forked child failed (its message is on stderr above)"
    );

    // The parent's pools still have their workers.
    assert_eq!(team_of(global), GLOBAL_SIZE);
    assert_eq!(team_of(&explicit), 2);
    loops_work("the parent's explicit pool after the fork", &explicit);
}
