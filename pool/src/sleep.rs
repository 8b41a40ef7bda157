//! Sleep and wake with no lost wake-up.
//!
//! A [`Sleep`] is a mutex, a condition variable and a count of sleepers. Waiters block on a
//! condition held in atomics elsewhere; the thread that changes the condition calls
//! [`Sleep::notify`] right after its store. The fast path of `notify` (nobody asleep) is one
//! `SeqCst` fence and one load: no lock, no system call.
//!
//! # Why no wake-up is lost
//!
//! Waiter: lock; `sleepers += 1`; **fence(SeqCst)**; load condition; wait while it holds.
//! Notifier: store condition; **fence(SeqCst)**; load `sleepers`; if non-zero, lock, unlock,
//! `notify_all`.
//!
//! The two fences are ordered in the single total order of `SeqCst` operations.
//! - If the waiter's fence comes first, the notifier's load of `sleepers` (after its fence)
//!   sees the increment, so it takes the lock. The waiter held the lock from before its increment
//!   until `Condvar::wait` released it atomically, so by the time the notifier holds the lock the
//!   waiter is either registered with the condition variable (and `notify_all` wakes it) or has
//!   already seen the condition change and left.
//! - If the notifier's fence comes first, the waiter's load of the condition (after its fence)
//!   sees the notifier's store, and the waiter does not block.
//!
//! Both orders end with the waiter awake. This is the C++ rule for two `SeqCst` fences: a load
//! sequenced after the later fence sees the store sequenced before the earlier one, whatever
//! the orderings of the load and the store, so the increment, the condition's load and the load
//! of `sleepers` are all relaxed. The decrement of `sleepers` is relaxed too: a stale non-zero
//! count only costs the notifier a needless lock.

use crate::sync::{fence, AtomicUsize, Condvar, Mutex, Ordering};

/// A place for threads to sleep until a condition, kept in atomics elsewhere, changes.
#[derive(Debug, Default)]
pub(crate) struct Sleep {
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl Sleep {
    /// Blocks, using no CPU, while `waiting()` returns `true`. `waiting` must read the condition
    /// from atomics whose writers call [`Sleep::notify`] after every store that may end the wait.
    #[cold]
    pub(crate) fn sleep_while(&self, mut waiting: impl FnMut() -> bool) {
        let mut guard = self.lock.lock();
        // Relaxed: the fence after it orders it; the fence pairs with the one in `notify`
        // (module docs: the argument needs the two fences, not the orderings around them).
        self.sleepers.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        while waiting() {
            guard = self.condvar.wait(guard);
        }
        self.sleepers.fetch_sub(1, Ordering::Relaxed);
        drop(guard);
    }

    /// Wakes every sleeper. Call it after the store that changes the condition.
    #[inline]
    pub(crate) fn notify(&self) {
        // Pairs with the fence in `sleep_while`: either we see the sleeper, or it sees our store.
        fence(Ordering::SeqCst);
        self.notify_after_fence();
    }

    /// [`notify`](Sleep::notify) for a caller that has already executed `fence(SeqCst)` after
    /// its store: one fence can serve the stores to several conditions.
    #[inline]
    pub(crate) fn notify_after_fence(&self) {
        // Relaxed: after the caller's SeqCst fence, which is what orders it (module docs).
        if self.sleepers.load(Ordering::Relaxed) != 0 {
            self.notify_cold();
        }
    }

    /// Whether a thread sleeps here (or is about to, or just woke): for the models, and for a
    /// region's report of what its workers did (a hint: nothing is ordered by it).
    #[inline]
    pub(crate) fn has_sleepers(&self) -> bool {
        self.sleepers.load(Ordering::Relaxed) != 0
    }

    #[cold]
    fn notify_cold(&self) {
        // Taking the lock orders us after the waiter's registration (module docs).
        drop(self.lock.lock());
        self.condvar.notify_all();
    }
}
