//! Work stealing by atomic range splitting: the `Stealing` schedule.
//!
//! # Protocol
//!
//! Each team thread owns a *slot*: one `AtomicU64` holding the unclaimed part of its work as a
//! packed half-open range of units, `start` in the high 32 bits and `end` in the low 32 bits
//! (`start == end` is empty). A unit is one index, or for loops longer than `u32::MAX` indices
//! a run of `unit` consecutive indices.
//!
//! - **init**: at the start of the loop each thread stores its static block into its own slot.
//!   Until then the slot reads as empty, which only means nothing can be stolen from it yet.
//! - **pop** (owner): compare-and-swap `(s, e)` to `(s + k, e)` and run units `s..s + k`, where
//!   `k` is an eighth of what is left (at least one), so thieves still find work to split.
//! - **steal** (a thread whose slot is empty): pick the slot with the most units left,
//!   compare-and-swap `(s, e)` to `(s, e - h)` with `h = ceil((e - s) / 2)`, then store
//!   `(e - h, e)` into its own (empty) slot and pop from it, so that what it stole can be stolen
//!   again.
//! - **leave**: a thread whose slot is empty and that finds no slot with work left is done.
//!
//! # Why every unit runs exactly once
//!
//! A slot's value *is* the set of units it owns, and every change is a compare-and-swap that
//! removes units from that set (or, for the owner's store into its own empty slot, adds units
//! that the owner alone holds after a successful steal). So a unit leaves a slot exactly once,
//! into the hands of exactly one thread. ABA is harmless: a compare-and-swap that succeeds
//! against a value has exactly the units that value names, whatever happened in between. No
//! thread stores into another thread's slot, and no thread stores a non-empty value over a
//! non-empty one. Leaving early (a slot that looked empty got work later) only costs balance:
//! the owner of that work runs it.

use crate::chunking::static_block;
use std::ops::Range;
use workshare_pool::sync::{AtomicU64, CachePadded, Ordering};

/// Teams up to this size keep their slots inline (in the loop's stack frame): a fork allocates
/// nothing. Eight padded words are 1 KiB; larger teams allocate, which their fork cost dwarfs.
const INLINE_SLOTS: usize = 8;

/// Where the slots live: inline for small teams, on the heap for large ones.
// The size difference is the point: the inline variant lives in the loop's stack frame, so
// that a fork of a small team allocates nothing.
#[allow(clippy::large_enum_variant)]
enum Slots {
    Inline([CachePadded<AtomicU64>; INLINE_SLOTS]),
    Heap(Box<[CachePadded<AtomicU64>]>),
}

impl std::ops::Deref for Slots {
    type Target = [CachePadded<AtomicU64>];

    #[inline]
    fn deref(&self) -> &Self::Target {
        match self {
            Slots::Inline(slots) => slots,
            Slots::Heap(slots) => slots,
        }
    }
}

/// The per-thread slots of one stealing loop over `0..len`.
pub(crate) struct StealRanges {
    slots: Slots,
    len: usize,
    /// Indices per unit: 1 unless `len` exceeds `u32::MAX`.
    unit: usize,
    /// The fewest units a pop takes (unless fewer are left): see [`MIN_POPS`].
    min_take: u32,
}

/// A pop takes at least `1 / MIN_POPS` of a thread's fair share of the loop. Without a floor,
/// popping an eighth of what is left ends in a tail of one-unit pops (about `7.5 ln(len)` pops
/// per thread, 80 for 50,000 indices), each a compare-and-swap and a body call, and thieves
/// splitting ranges of a few units back and forth, each steal a cache miss on the victim's
/// slot. With the floor, the imbalance left at the end is at most one such pop per thread.
const MIN_POPS: usize = 256;

const EMPTY: u64 = 0;

#[inline]
fn pack(units: Range<u32>) -> u64 {
    (u64::from(units.start) << 32) | u64::from(units.end)
}

#[inline]
fn unpack(slot: u64) -> Range<u32> {
    // Truncation intended: the two halves of the packed word.
    (slot >> 32) as u32..slot as u32
}

impl StealRanges {
    /// Slots for up to `max_threads` threads, all empty, for the offsets `0..len`.
    pub(crate) fn new(len: usize, max_threads: usize) -> Self {
        let unit = len.div_ceil(u32::MAX as usize).max(1);
        let empty = || CachePadded::new(AtomicU64::new(EMPTY));
        let slots = if max_threads <= INLINE_SLOTS {
            Slots::Inline(std::array::from_fn(|_| empty()))
        } else {
            Slots::Heap((0..max_threads).map(|_| empty()).collect())
        };
        let units = len.div_ceil(unit);
        let min_take = (units / (max_threads.max(1) * MIN_POPS)).max(1);
        Self {
            slots,
            len,
            unit,
            // At most `units`, which fits in u32 by the choice of `unit`.
            min_take: min_take as u32,
        }
    }

    fn units(&self) -> u32 {
        // At most u32::MAX by the choice of `unit`.
        self.len.div_ceil(self.unit) as u32
    }

    /// The indices of `units`; offsets are clamped to `len` (the last unit may be short).
    fn indices(&self, units: Range<u32>) -> Range<usize> {
        let at = |u: u32| (u as usize).saturating_mul(self.unit).min(self.len); // mutant: boundary
        at(units.start)..at(units.end)
    }

    /// Step **init**: thread `me` of `threads` takes its static block.
    pub(crate) fn init(&self, me: usize, threads: usize) {
        let block = static_block(self.units() as usize, threads, me);
        // Relaxed: ownership is decided by the slot's modification order alone (module docs).
        self.slots[me].store(
            pack(block.start as u32..block.end as u32),
            Ordering::Relaxed,
        );
    }

    /// The next chunk for thread `me` of `threads`, popped from its own slot or stolen; `None`
    /// when no work is left anywhere. Adds one to `steals` for every steal.
    pub(crate) fn next(&self, me: usize, threads: usize, steals: &mut u64) -> Option<Range<usize>> {
        loop {
            if let Some(units) = self.pop(me) {
                return Some(self.indices(units));
            }
            let stolen = self.steal(me, threads)?;
            *steals += 1;
            // Relaxed: our slot is empty and no other thread stores into it (module docs).
            self.slots[me].store(pack(stolen), Ordering::Relaxed);
        }
    }

    /// Step **pop**: takes an eighth of what is left in our own slot.
    fn pop(&self, me: usize) -> Option<Range<u32>> {
        let slot = &self.slots[me];
        let mut current = slot.load(Ordering::Relaxed);
        loop {
            let units = unpack(current);
            if units.is_empty() {
                return None;
            }
            let left = units.end - units.start;
            let take = (left / 8).max(self.min_take).min(left); // mutant: boundary
            let claimed = units.start..units.start + take;
            let rest = pack(claimed.end..units.end);
            match slot.compare_exchange_weak(current, rest, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Some(claimed),
                Err(actual) => current = actual,
            }
        }
    }

    /// Step **steal**: takes the upper half of the fullest other slot; `None` if all are empty.
    fn steal(&self, me: usize, threads: usize) -> Option<Range<u32>> {
        loop {
            let (victim, current) = self.fullest(me, threads)?;
            let units = unpack(current);
            let half = (units.end - units.start).div_ceil(2); // mutant: boundary
            let left = pack(units.start..units.end - half);
            let slot = &self.slots[victim];
            if slot
                .compare_exchange(current, left, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return Some(units.end - half..units.end);
            }
            workshare_pool::sync::spin_loop();
        }
    }

    /// The other slot with the most units left, and its value; `None` if every slot is empty.
    fn fullest(&self, me: usize, threads: usize) -> Option<(usize, u64)> {
        let mut best: Option<(usize, u64, u32)> = None;
        for victim in (0..threads).filter(|&t| t != me) {
            let current = self.slots[victim].load(Ordering::Relaxed);
            let units = unpack(current);
            let left = units.end.saturating_sub(units.start);
            // mutant: boundary
            if left > best.map_or(0, |b| b.2) {
                best = Some((victim, current, left));
            }
        }
        best.map(|(victim, current, _)| (victim, current))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_thread_pops_everything_in_order() {
        let ranges = StealRanges::new(100, 1);
        ranges.init(0, 1);
        let mut next = 0;
        while let Some(chunk) = ranges.next(0, 1, &mut 0) {
            assert_eq!(chunk.start, next);
            next = chunk.end;
        }
        assert_eq!(next, 100);
    }

    #[test]
    fn a_dry_thread_steals_half() {
        let ranges = StealRanges::new(100, 2);
        ranges.init(0, 2);
        // Thread 1 never started: its slot is empty, so it steals 25..50 and pops an eighth.
        assert_eq!(ranges.next(1, 2, &mut 0), Some(25..28));
        assert_eq!(ranges.next(0, 2, &mut 0), Some(0..3));
    }

    /// Runs `0..len` on `threads` interleaved threads, of which the first `starting` split the
    /// range and the others only steal; every index exactly once, no chunk past `len`.
    fn drain_interleaved(len: usize, threads: usize, starting: usize) {
        let ranges = StealRanges::new(len, threads);
        (0..starting).for_each(|me| ranges.init(me, starting));
        let mut runs = vec![0u8; len];
        let mut active = true;
        while active {
            active = false;
            for me in 0..threads {
                if let Some(chunk) = ranges.next(me, threads, &mut 0) {
                    assert!(!chunk.is_empty() && chunk.end <= len, "{chunk:?} of {len}");
                    chunk.for_each(|i| runs[i] += 1);
                    active = true;
                }
            }
        }
        assert!(runs.iter().all(|&r| r == 1), "len {len}, {threads} threads");
    }

    #[test]
    fn ragged_lengths_run_once() {
        // Lengths the threads do not divide, fewer indices than threads, and (from 512 * threads
        // on) pops whose floor is larger than what is left.
        for len in [1, 2, 3, 5, 7, 100, 1001, 2053] {
            for threads in [1, 2, 3, 4] {
                for starting in 1..=threads {
                    drain_interleaved(len, threads, starting);
                }
            }
        }
    }

    #[test]
    fn pops_take_no_more_than_is_left() {
        // A floor of three units a pop (1000 / 256): the last pops find fewer left.
        for len in 1000..1010 {
            let ranges = StealRanges::new(len, 1);
            ranges.init(0, 1);
            let mut next = 0;
            while let Some(chunk) = ranges.next(0, 1, &mut 0) {
                assert_eq!(chunk.start, next);
                assert!(chunk.end <= len, "{chunk:?} of {len}");
                next = chunk.end;
            }
            assert_eq!(next, len);
        }
    }

    #[test]
    fn a_short_last_unit_ends_at_len() {
        // Two indices a unit, and an odd length: the last unit holds one index.
        let len = u32::MAX as usize + 2;
        let ranges = StealRanges::new(len, 2);
        // Thread 0 takes the whole range; thread 1 steals it all, in halves.
        ranges.init(0, 1);
        let (mut covered, mut max_end) = (0, 0);
        while let Some(chunk) = ranges.next(1, 2, &mut 0) {
            covered += chunk.len();
            max_end = max_end.max(chunk.end);
        }
        assert_eq!((covered, max_end), (len, len));
    }

    #[test]
    fn huge_ranges_use_units() {
        let ranges = StealRanges::new(usize::MAX, 2);
        ranges.init(0, 2);
        ranges.init(1, 2);
        let mut covered = 0usize;
        let mut max_end = 0;
        while let Some(chunk) = ranges.next(0, 2, &mut 0) {
            covered += chunk.len();
            max_end = max_end.max(chunk.end);
        }
        assert_eq!(max_end, usize::MAX);
        assert_eq!(covered, usize::MAX);
    }
}
