//! A real thread-spawn failure: in a child process whose `RLIMIT_NPROC` leaves room for only a
//! few more threads, building a pool that needs more workers must return [`Error::Spawn`],
//! leave no thread behind, and leave the process able to build the pools that do fit.
//!
//! The test re-runs its own binary as the child (`--exact` this test, with an environment
//! variable marking it). `RLIMIT_NPROC` counts the threads of the real user and is not enforced
//! for root, so a child running as root first switches to the unprivileged user 65534
//! (`nobody`). Where that is impossible, or the limit is still not enforced, the test prints a
//! notice that it checked nothing, instead of passing silently.
#![cfg(all(target_os = "linux", not(loom)))]

use std::io::{self, Write as _};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use workshare_pool::{Error, Pool, PoolBuilder};

const CHILD: &str = "WORKSHARE_SPAWN_LIMIT_CHILD";
const NAME: &str = "spawn_failure_is_an_error_and_leaves_no_thread";
/// The unprivileged user (and group) a child running as root switches to.
const NOBODY: libc::uid_t = 65534;
/// Threads the child tries to start to find how many the limit allows; more means "no limit".
const PROBE: usize = 12;

/// Threads of this process.
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

/// Waits until the thread count is back to `expected`: an exited thread leaves the task list
/// (and the user's process count) a moment after `pthread_join` returns.
fn settle(expected: usize, after: &str) {
    for _ in 0..400 {
        if thread_count() == expected {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!(
        "{} threads {after}, {expected} before: a thread was left behind",
        thread_count()
    );
}

/// Threads of every process whose real user is `uid`: what `RLIMIT_NPROC` counts.
fn threads_of_user(uid: libc::uid_t) -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue; // not a process, or it exited meanwhile
        };
        let field = |name: &str| {
            let line = status.lines().find(|line| line.starts_with(name))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        };
        if field("Uid:") == Some(uid as usize) {
            total += field("Threads:").unwrap_or(0);
        }
    }
    total
}

/// How many more threads the process may start: starts up to [`PROBE`] threads that stay
/// alive (waiting for `gate`) until all have been tried.
fn room_for_threads() -> usize {
    let gate = Arc::new(Mutex::new(()));
    let held = gate.lock().unwrap();
    let mut started = Vec::new();
    for _ in 0..PROBE {
        let gate = Arc::clone(&gate);
        match std::thread::Builder::new().spawn(move || drop(gate.lock())) {
            Ok(handle) => started.push(handle),
            Err(_) => break,
        }
    }
    drop(held);
    let room = started.len();
    for handle in started {
        handle.join().unwrap();
    }
    room
}

/// Tells the parent that nothing was checked, and why.
fn skip(reason: &str) {
    println!("SPAWN-LIMIT: skipped: {reason}");
}

fn child() {
    let before = thread_count();
    // SAFETY: `geteuid` has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // SAFETY: plain system calls with no memory arguments; glibc applies them to every
        // thread of the process.
        let switched = unsafe { libc::setgid(NOBODY) == 0 && libc::setuid(NOBODY) == 0 };
        if !switched {
            let error = io::Error::last_os_error();
            skip(&format!(
                "running as root, where RLIMIT_NPROC is not enforced, and cannot switch to \
                 uid {NOBODY}: {error}"
            ));
            return;
        }
    }
    // SAFETY: `getuid` has no preconditions.
    let uid = unsafe { libc::getuid() };
    let limit = (threads_of_user(uid) + 3) as libc::rlim_t;
    let rlimit = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: `rlimit` is a valid, initialized struct that outlives the call.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &rlimit) };
    assert_eq!(rc, 0, "setrlimit: {}", io::Error::last_os_error());

    let room = room_for_threads();
    settle(before, "after probing the limit");
    if room >= PROBE {
        skip(&format!(
            "RLIMIT_NPROC={limit} is not enforced for uid {uid} (started {room} threads)"
        ));
        return;
    }

    // A pool that needs one worker more than the limit allows fails at exactly that worker,
    // every time, and joins the workers it had started.
    for attempt in 0..5 {
        let built = if attempt % 2 == 0 {
            Pool::new(room + 2)
        } else {
            PoolBuilder::new()
                .num_threads(room + 2)
                .thread_name(|i| format!("limited-{i}"))
                .spin_time(Duration::ZERO)
                .build()
        };
        let error = match built {
            Ok(pool) => panic!("a pool of {} threads was built over the limit", pool.size()),
            Err(error) => error,
        };
        let Error::Spawn {
            index,
            kind,
            message,
        } = &error
        else {
            panic!("expected Error::Spawn, got {error:?}")
        };
        assert_eq!(*index, room + 1, "the first worker over the limit");
        assert_eq!(*kind, io::ErrorKind::WouldBlock, "EAGAIN: {message}");
        assert!(!message.is_empty());
        let shown = error.to_string();
        assert!(shown.contains("no worker was left running"), "{shown}");
        settle(before, "after a failed build");
    }

    // The failed builds gave their threads back: a pool using all the room still fits.
    let full = Pool::new(room + 1).expect("a pool that fits the limit");
    let runs = AtomicUsize::new(0);
    full.region(|team| {
        team.barrier();
        runs.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(runs.into_inner(), room + 1);
    drop(full);
    settle(before, "after dropping the pool that fits");

    // A pool of one thread starts no worker at all.
    let solo = Pool::new(1).expect("a pool of one thread");
    let ran = AtomicBool::new(false);
    solo.region(|team| {
        assert_eq!(team.team_size(), 1);
        team.barrier();
        ran.store(true, Ordering::Relaxed);
    });
    assert!(ran.into_inner());
    assert_eq!(
        thread_count(),
        before,
        "a pool of one thread started a thread"
    );

    // The global pool, sized by the parent through WORKSHARE_NUM_THREADS, cannot start either:
    // every call returns the same error, and `global()` panics with it.
    let first = workshare_pool::try_global().expect_err("the global pool over the limit");
    assert!(matches!(first, Error::Spawn { .. }), "{first:?}");
    assert_eq!(workshare_pool::try_global().unwrap_err(), first);
    let panic = std::panic::catch_unwind(workshare_pool::global).expect_err("global() panics");
    let text = panic.downcast_ref::<String>().expect("a message");
    assert!(
        text.starts_with("workshare: cannot create the global pool: could not start worker"),
        "{text}"
    );
    settle(before, "after the global pool failed");

    println!(
        "SPAWN-LIMIT: checked: room for {room} threads, worker {} refused",
        room + 1
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs a child process and changes resource limits")]
fn spawn_failure_is_an_error_and_leaves_no_thread() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(workshare_pool::NUM_THREADS_ENV, "16")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "child failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // The harness prints the test's name on the same line, before the verdict.
    let verdict = stdout
        .lines()
        .find_map(|line| line.find("SPAWN-LIMIT: ").map(|at| &line[at..]))
        .unwrap_or_else(|| panic!("the child gave no verdict:\n{stdout}\n{stderr}"));
    if verdict.starts_with("SPAWN-LIMIT: skipped") {
        // Past the harness's capture, so that a skip is never mistaken for a pass.
        let _ = writeln!(
            io::stderr().lock(),
            "NOTICE: {NAME} checked nothing: {verdict}"
        );
    } else {
        assert!(verdict.starts_with("SPAWN-LIMIT: checked"), "{verdict}");
    }
}
