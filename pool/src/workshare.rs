//! Worksharing constructs inside a running region: a ring of shared claim counters.
//!
//! OpenMP's `#pragma omp for` and `single` inside a `parallel` region need state that every team
//! thread reaches for the *same* construct: a counter that threads claim chunks from. Team threads
//! meet the constructs of a region in the same order, so each counts its constructs; construct `c`
//! uses slot `c % RING` of a ring owned by the team.
//!
//! # Protocol
//!
//! Each slot holds `construct` (the construct number it serves now), `left` (team threads that
//! have finished with it) and `counter` (the construct's claim counter, zero on entry).
//! - Enter construct `c`: wait until `slot.construct == c` (`Acquire`). The wait is empty unless a
//!   thread is still `RING` constructs behind, which only `nowait` loops allow.
//! - Leave: `left += 1` (`AcqRel`). The thread that brings `left` to the team size is the last
//!   user: it zeroes `counter` and `left`, then stores `construct = c + RING` (`Release`) and
//!   notifies sleepers. The next user of the slot acquires that store, so it sees the zeroes.
//! - No hang: the wait also watches the team's `abandoned()` condition, as the barrier does.
//!
//! Slots are reset by the region's owner between regions when any construct ran.

use crate::barrier::Abandoned;
use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::sync::{AtomicBool, AtomicUsize, CachePadded, Ordering};

/// Constructs a thread may run ahead of the slowest (with `nowait`) before it waits.
pub(crate) const RING: usize = if cfg!(loom) { 2 } else { 4 };

#[derive(Debug, Default)]
pub(crate) struct Slot {
    construct: AtomicUsize,
    left: AtomicUsize,
    counter: AtomicUsize,
}

/// The team's ring of worksharing slots.
#[derive(Debug)]
pub(crate) struct WorkShareRing {
    slots: [CachePadded<Slot>; RING],
    /// Set when any construct ran this region, so the owner knows to reset the ring.
    used: AtomicBool,
}

impl Default for WorkShareRing {
    fn default() -> Self {
        let ring = Self {
            slots: Default::default(),
            used: AtomicBool::new(false),
        };
        ring.reset();
        ring
    }
}

impl WorkShareRing {
    /// Puts every slot back to its first construct. Only while no team thread runs.
    pub(crate) fn reset(&self) {
        for (index, slot) in self.slots.iter().enumerate() {
            slot.construct.store(index, Ordering::Relaxed);
            slot.left.store(0, Ordering::Relaxed);
            slot.counter.store(0, Ordering::Relaxed);
        }
        self.used.store(false, Ordering::Relaxed);
    }

    /// Whether a construct ran since the last reset. Read by the owner after the join.
    pub(crate) fn used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// Waits until construct `construct` may use its slot, and returns the slot.
    pub(crate) fn enter(
        &self,
        construct: usize,
        spin: &Spin,
        sleep: &Sleep,
        abandoned: impl Fn() -> Option<Abandoned>,
    ) -> Result<&Slot, Abandoned> {
        if !self.used.load(Ordering::Relaxed) {
            self.used.store(true, Ordering::Relaxed);
        }
        let slot = &*self.slots[construct % RING];
        // Acquire: pairs with the Release store in `leave`, so the zeroed counter is visible.
        let ready = || slot.construct.load(Ordering::Acquire) == construct;
        if ready() {
            return Ok(slot);
        }
        let done = || ready() || abandoned().is_some();
        if !spin.until(done) {
            sleep.sleep_while(|| !done());
        }
        match abandoned() {
            _ if ready() => Ok(slot),
            Some(why) => Err(why),
            None => unreachable!("workshare wait ended with neither a free slot nor abandonment"),
        }
    }
}

impl Slot {
    /// The construct's claim counter (zero when the first thread enters).
    pub(crate) fn counter(&self) -> &AtomicUsize {
        &self.counter
    }

    /// Marks one team thread as finished with construct `construct`.
    pub(crate) fn leave(&self, construct: usize, team_size: usize, sleep: &Sleep) {
        // AcqRel: the last leaver acquires every other thread's use of `counter` before zeroing.
        if self.left.fetch_add(1, Ordering::AcqRel) + 1 == team_size {
            self.counter.store(0, Ordering::Relaxed);
            self.left.store(0, Ordering::Relaxed);
            // Release: pairs with the Acquire in `enter` of construct `construct + RING`.
            self.construct
                .store(construct.wrapping_add(RING), Ordering::Release);
            sleep.notify();
        }
    }
}
