//! The one place that names `std`'s synchronization, `loom` or `crossbeam`.
//!
//! Every synchronization primitive the workshare crates use comes from here. Under `cfg(loom)` the
//! atomics, [`UnsafeCell`], [`Mutex`]/[`Condvar`], thread spawning, thread locals and spin hints
//! come from loom, so that the model checker sees every step of every protocol; otherwise they
//! come from `std` and `crossbeam-utils`. Spin budgets shrink to zero under loom
//! (loom has no time, and a spin loop only multiplies the states it explores).
//!
//! This module is public only so that the sibling crates `workshare-parfor` and
//! `workshare-reductions` share it; it is hidden from the docs and is not part of the API.

#[cfg(loom)]
pub use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};

#[cfg(loom)]
pub use self::loom_once::OnceLock;
/// A cell written once, the first time it is asked for: `std`'s, or under loom a stand-in whose
/// double-checked locking loom checks (loom has no `OnceLock` of its own).
#[cfg(not(loom))]
pub use std::sync::OnceLock;

#[cfg(loom)]
pub use loom::sync::Arc;
#[cfg(not(loom))]
pub use std::sync::Arc;

#[cfg(loom)]
pub use loom::thread;
#[cfg(not(loom))]
pub use std::thread;

/// Pads and aligns a value to the length of a cache line (crossbeam's choice per architecture).
pub use crossbeam_utils::CachePadded;

/// Declares a thread local that loom can see (loom's own under `cfg(loom)`, `std`'s otherwise).
#[cfg(loom)]
#[macro_export]
#[doc(hidden)]
macro_rules! __workshare_thread_local {
    ($($t:tt)*) => { loom::thread_local! { $($t)* } };
}
/// Declares a thread local that loom can see (loom's own under `cfg(loom)`, `std`'s otherwise).
#[cfg(not(loom))]
#[macro_export]
#[doc(hidden)]
macro_rules! __workshare_thread_local {
    ($($t:tt)*) => { std::thread_local! { $($t)* } };
}
pub use crate::__workshare_thread_local as thread_local;

/// A hint that the caller is busy-waiting. Under loom it yields to the scheduler, which is what
/// loom needs to make progress through a spin loop.
#[inline]
pub fn spin_loop() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}

/// Gives the rest of this time slice to another runnable thread (`sched_yield`).
#[inline]
pub fn yield_now() {
    thread::yield_now();
}

/// Whether this build runs under the loom model checker.
pub const LOOM: bool = cfg!(loom);

/// A mutual-exclusion lock with no poisoning.
///
/// Poisoning is not needed: no code of ours panics while holding one of these locks. Under
/// loom it is loom's lock, otherwise `std`'s. Not parking_lot's: its locks and condition
/// variables park threads in one process-wide table whose bucket locks a thread holds while it
/// parks or wakes another; a process forked at that moment inherits a bucket locked forever, and
/// the first wake-up in the child that hashes to it (a pool created in the child) hangs. `std`'s
/// are futexes on the lock's own word, so a fresh lock in a child is always free.
#[derive(Debug, Default)]
pub struct Mutex<T> {
    inner: backend::Mutex<T>,
}

/// The guard of a [`Mutex`].
pub type MutexGuard<'a, T> = backend::MutexGuard<'a, T>;

#[cfg(loom)]
mod backend {
    pub use loom::sync::{Condvar, Mutex, MutexGuard};
}
#[cfg(not(loom))]
mod backend {
    pub use std::sync::{Condvar, Mutex, MutexGuard};
}

/// Unwraps a `std`/loom lock result: a poisoned lock is still usable for our plain data.
fn unpoison<G>(result: Result<G, std::sync::PoisonError<G>>) -> G {
    result.unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T> Mutex<T> {
    /// Creates a new unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Self {
            inner: backend::Mutex::new(value),
        }
    }

    /// Locks the mutex, blocking until it is available.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        unpoison(self.inner.lock())
    }

    /// Consumes the mutex and returns the value.
    pub fn into_inner(self) -> T {
        unpoison(self.inner.into_inner())
    }
}

/// A condition variable paired with [`Mutex`].
#[derive(Debug, Default)]
pub struct Condvar {
    inner: backend::Condvar,
}

impl Condvar {
    /// Creates a condition variable with no waiters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Atomically releases the lock behind `guard` and blocks until notified; relocks before
    /// returning. Spurious wake-ups are possible: callers re-check their condition in a loop.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        unpoison(self.inner.wait(guard))
    }

    /// Wakes every thread blocked in [`Condvar::wait`].
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

/// An `UnsafeCell` with loom's closure-based interface, so that loom can check every access.
#[derive(Debug, Default)]
pub struct UnsafeCell<T> {
    #[cfg(loom)]
    inner: loom::cell::UnsafeCell<T>,
    #[cfg(not(loom))]
    inner: core::cell::UnsafeCell<T>,
}

impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self {
            #[cfg(loom)]
            inner: loom::cell::UnsafeCell::new(value),
            #[cfg(not(loom))]
            inner: core::cell::UnsafeCell::new(value),
        }
    }

    /// Runs `f` with a shared raw pointer to the value. Loom records a read access.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(loom)]
        return self.inner.with(f);
        #[cfg(not(loom))]
        return f(self.inner.get());
    }

    /// Runs `f` with a mutable raw pointer to the value. Loom records a write access.
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(loom)]
        return self.inner.with_mut(f);
        #[cfg(not(loom))]
        return f(self.inner.get());
    }

    /// Consumes the cell and returns the value.
    pub fn into_inner(self) -> T {
        #[cfg(loom)]
        return self.inner.into_inner();
        #[cfg(not(loom))]
        return self.inner.into_inner();
    }
}

/// Runs a test body under the loom model checker (`cfg(loom)`), or once as a plain test
/// otherwise, so that Miri and ThreadSanitizer exercise the same body that loom checks.
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    #[cfg(loom)]
    {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(3);
        }
        builder.check(f);
    }
    #[cfg(not(loom))]
    f();
}

#[cfg(loom)]
mod loom_once {
    use super::{AtomicBool, Mutex, Ordering, UnsafeCell};

    /// `std::sync::OnceLock`'s `new`, `get` and `get_or_init`, as double-checked locking:
    /// `value` is written once, under `lock`, before `ready` is set, and never again.
    #[derive(Debug, Default)]
    pub struct OnceLock<T> {
        ready: AtomicBool,
        lock: Mutex<()>,
        value: UnsafeCell<Option<T>>,
    }

    // SAFETY: the value is written once, under the lock, before `ready` is released, and only
    // read after `ready` is acquired: as `std`'s `OnceLock`, shared across threads when `T` is
    // `Send + Sync`.
    unsafe impl<T: Send + Sync> Sync for OnceLock<T> {}

    impl<T> OnceLock<T> {
        /// An empty cell.
        pub fn new() -> Self {
            Self {
                ready: AtomicBool::new(false),
                lock: Mutex::new(()),
                value: UnsafeCell::new(None),
            }
        }

        /// The value, if it has been set.
        pub fn get(&self) -> Option<&T> {
            // Acquire: pairs with the Release store in `get_or_init`, so that the write of the
            // value happens before our read of it.
            if !self.ready.load(Ordering::Acquire) {
                return None;
            }
            // SAFETY: `ready` is set only after the value is written, and it is never written
            // again, so a shared reference for as long as `self` lives is sound.
            self.value.with(|value| unsafe { (*value).as_ref() })
        }

        /// The value, set with `init()` by the first caller; the others wait for it.
        pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
            if let Some(value) = self.get() {
                return value;
            }
            let _guard = self.lock.lock();
            // Relaxed: under the lock, which orders us after any earlier initializer.
            if !self.ready.load(Ordering::Relaxed) {
                let value = init();
                // SAFETY: we hold the lock and `ready` is unset: nobody reads or writes it.
                self.value.with_mut(|cell| unsafe { *cell = Some(value) });
                // Release: publishes the value to `get`'s Acquire load.
                self.ready.store(true, Ordering::Release);
            }
            self.get().expect("set above or by an earlier caller")
        }
    }
}
