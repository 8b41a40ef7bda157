//! Noticing that the process was forked after a pool started.
//!
//! `fork()` copies only the calling thread: in the child, a pool's workers do not exist, though
//! its memory says they do. A handler registered with `pthread_atfork` counts the forks in the
//! child; a pool records the count when it starts its workers, and a pool whose count differs
//! is a copy in a forked child: it runs every region on the calling thread (and its drop does
//! not wait for workers that are not there). The check on the region path is one relaxed load.

/// Forks seen by this process (in the child, after each `fork`).
#[cfg(all(unix, not(loom), not(miri)))]
static FORKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of forks this process has gone through, as a child. Registers the handler that
/// counts them on first use.
#[cfg(all(unix, not(loom), not(miri)))]
pub(crate) fn generation() -> u64 {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        extern "C" fn in_child() {
            // Async-signal-safe: a lock-free atomic increment.
            FORKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        // SAFETY: `in_child` is an `extern "C" fn()` that lives for the whole program and does
        // only async-signal-safe work; the other two handlers are absent.
        let rc = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        // Without the handler a forked child would hang in its first region: say so loudly.
        assert_eq!(rc, 0, "workshare: pthread_atfork failed ({rc})");
    });
    current()
}

/// The fork count, without registering (a pool that exists has registered).
#[cfg(all(unix, not(loom), not(miri)))]
#[inline]
pub(crate) fn current() -> u64 {
    // Relaxed: the child's handler ran on this very thread before `fork` returned.
    FORKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Under loom and Miri (no `fork`) and off Unix, never forked.
#[cfg(not(all(unix, not(loom), not(miri))))]
pub(crate) fn generation() -> u64 {
    0
}

/// Under loom and Miri (no `fork`) and off Unix, never forked.
#[cfg(not(all(unix, not(loom), not(miri))))]
#[inline]
pub(crate) fn current() -> u64 {
    0
}
