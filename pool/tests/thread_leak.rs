//! No thread is leaked: after pools are built, used, fail to build and are dropped, the
//! process's thread count is back where it started. One test in its own binary, so that no
//! other test's threads come and go meanwhile.
#![cfg(not(loom))]

use std::time::Duration;
use workshare_pool::{Error, Pool, PoolBuilder};

/// Threads of this process, from /proc (Linux); `None` elsewhere.
fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task")
        .ok()
        .map(|dir| dir.count())
}

/// The thread count once exited threads are reaped: the kernel may list a joined thread for a
/// moment after `pthread_join` returns (it clears the thread id before leaving the task list).
fn settled_count(expected: usize) -> Option<usize> {
    for _ in 0..200 {
        if thread_count() == Some(expected) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    thread_count()
}

#[test]
#[cfg_attr(miri, ignore = "reads /proc and needs a real thread-spawn failure")]
fn pools_leave_no_threads_behind() {
    let Some(before) = thread_count() else {
        return; // no /proc: nothing to count with
    };

    // Spawn failure: no system gives a thread a 2^46-byte stack, so building fails at the first
    // worker, and whatever was started is joined.
    let failed = PoolBuilder::new()
        .num_threads(4)
        .stack_size(1 << 46)
        .build();
    match failed {
        Err(Error::Spawn { index, message, .. }) => {
            assert_eq!(index, 1);
            assert!(!message.is_empty());
        }
        other => panic!("expected a spawn error, got {other:?}"),
    }
    assert_eq!(settled_count(before), Some(before), "after a failed build");

    // Dropping pools whose workers spin, sleep, or sit out a smaller team.
    for round in 0..20 {
        let pool = Pool::new(6).unwrap();
        pool.region(|_| {});
        pool.set_num_threads(2).unwrap();
        pool.region(|_| {});
        if round % 2 == 0 {
            std::thread::sleep(Duration::from_millis(1)); // let the workers fall asleep
        }
        assert_eq!(thread_count(), Some(before + 5));
        drop(pool);
        assert_eq!(
            settled_count(before),
            Some(before),
            "after dropping pool {round}"
        );
    }
}
