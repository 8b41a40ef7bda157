//! The calling thread's current pool: what the global-pool functions use (see
//! `with_current_pool` in the global module). Outside the global module so that the pool's own
//! entry points set it in every build, loom's included.

use crate::pool::Pool;
use std::cell::Cell;

// Every region entry sets it: std's `const` form skips the lazy-init check on that path (loom's
// `thread_local!` has no `const` form), as for the region frame in `team.rs`.
#[cfg(loom)]
crate::sync::thread_local! {
    /// This thread's current pool when not the global pool (null): set by [`enter`].
    static CURRENT_POOL: Cell<*const Pool> = Cell::new(std::ptr::null());
}
#[cfg(not(loom))]
crate::sync::thread_local! {
    /// This thread's current pool when not the global pool (null): set by [`enter`].
    static CURRENT_POOL: Cell<*const Pool> = const { Cell::new(std::ptr::null()) };
}

/// Puts the previous current pool back when dropped.
pub(crate) struct CurrentPool(*const Pool);

impl Drop for CurrentPool {
    fn drop(&mut self) {
        CURRENT_POOL.with(|current| current.set(self.0));
    }
}

/// Makes `pool` the calling thread's current pool until the guard is dropped. The guard never
/// leaves the function that borrows `pool` (it is not public), so the pointer it stores is
/// valid whenever it is current.
#[inline]
pub(crate) fn enter(pool: &Pool) -> CurrentPool {
    CurrentPool(CURRENT_POOL.with(|current| current.replace(pool)))
}

/// The current pool set by the innermost live [`enter`] guard of this thread, or null.
#[inline]
pub(crate) fn get() -> *const Pool {
    CURRENT_POOL.with(Cell::get)
}
