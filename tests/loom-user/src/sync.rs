//! The library's synchronization types: loom's under `cfg(loom)`, so that the model checker sees
//! every access to them, `std`'s otherwise. workshare does the same inside (its pool, loops and
//! reductions run on loom's threads and atomics under `cfg(loom)`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `std`'s `UnsafeCell` with loom's closure-based interface, so that the same code compiles
/// against both.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    pub(crate) fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a raw pointer to the value (under loom: a checked write access).
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    /// The value.
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}
