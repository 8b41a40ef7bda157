//! Serializes regions started on one pool from different threads.
//!
//! A pool runs one region at a time. The lock is a flag taken with one compare-and-swap on the
//! fast path; a caller that finds it taken spins briefly and then sleeps on a [`Sleep`] until the
//! holder releases it (store, then `Sleep::notify`: no lost wake-up, see the sleep module).
//! Callers are not queued in order: a fresh caller may overtake a sleeping one.

use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::sync::{AtomicBool, CachePadded, Ordering};

#[derive(Debug, Default)]
pub(crate) struct RegionLock {
    held: CachePadded<AtomicBool>,
    sleep: Sleep,
}

/// Holds the region lock until dropped.
#[derive(Debug)]
pub(crate) struct RegionGuard<'a> {
    lock: &'a RegionLock,
}

impl RegionLock {
    #[inline]
    fn try_lock(&self) -> bool {
        // Acquire: pairs with the Release in `RegionGuard::drop`, ordering the previous owner's
        // region (including its join) before ours.
        self.held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Takes the lock, waiting (spin, then sleep) while another region runs.
    #[inline]
    pub(crate) fn lock(&self, spin: &Spin) -> RegionGuard<'_> {
        if !self.try_lock() {
            self.lock_slow(spin);
        }
        RegionGuard { lock: self }
    }

    #[cold]
    fn lock_slow(&self, spin: &Spin) {
        let free = || !self.held.load(Ordering::Relaxed);
        loop {
            if !spin.until(free) {
                self.sleep.sleep_while(|| !free());
            }
            if self.try_lock() {
                return;
            }
        }
    }
}

impl Drop for RegionGuard<'_> {
    fn drop(&mut self) {
        self.lock.held.store(false, Ordering::Release);
        self.lock.sleep.notify();
    }
}
