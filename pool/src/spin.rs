//! Bounded spinning before a thread goes to sleep.
//!
//! A waiting thread first checks its condition in a tight loop (cheapest wake-up: the next region
//! is seen within a cache miss), then, past a few rounds or at once when the pool has more threads
//! than cores, gives its time slice away with `sched_yield` on every round so that an oversubscribed
//! machine still makes progress, and after the spin budget it reports failure so that the caller
//! can sleep on a [`Sleep`](crate::sleep::Sleep) using no CPU.

use crate::sync::{spin_loop, yield_now, LOOM};
use std::time::{Duration, Instant};

/// Checks of the condition per round; one `Instant::now()` (a vDSO call, tens of nanoseconds)
/// per round keeps the clock's share of the loop small.
const CHECKS_PER_ROUND: u32 = 32;
/// Rounds of pure spinning before yielding starts, when the pool fits on the cores: 512 checks
/// with a pause each, a few microseconds, longer than a fork-join round trip, so back-to-back
/// regions never pay for a `sched_yield`.
const PURE_SPIN_ROUNDS: u32 = 16;

/// Under loom, how many times a spinning wait checks its condition before it sleeps.
const LOOM_POLLS: u32 = 2;

/// How long, and how, a thread busy-waits before sleeping.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spin {
    budget: Duration,
    yield_at_once: bool,
}

impl Spin {
    /// A policy that spins for `budget` before giving up. With `oversubscribed`, every round
    /// yields to the scheduler. Under loom (which has no clock) a non-zero budget is
    /// [`LOOM_POLLS`] checks of the condition, each after a yield, so that models of the spin
    /// path see a wait end without sleeping; a zero budget sleeps at once, as everywhere.
    pub(crate) fn new(budget: Duration, oversubscribed: bool) -> Self {
        Self {
            budget,
            yield_at_once: oversubscribed,
        }
    }

    /// Returns `true` as soon as `done()` holds, or `false` once the budget is spent.
    #[inline]
    pub(crate) fn until(&self, mut done: impl FnMut() -> bool) -> bool {
        if done() {
            return true;
        }
        if self.budget.is_zero() {
            return false;
        }
        self.until_slow(done)
    }

    #[inline(never)]
    fn until_slow(&self, mut done: impl FnMut() -> bool) -> bool {
        if LOOM {
            return (0..LOOM_POLLS).any(|_| {
                spin_loop();
                done()
            });
        }
        if self.yield_at_once {
            return self.until_yielding(done);
        }
        // The clock is read from the end of the first round on: short waits never pay for it.
        let mut start = None;
        let mut round = 0u32;
        loop {
            for _ in 0..CHECKS_PER_ROUND {
                spin_loop();
                if done() {
                    return true;
                }
            }
            round = round.saturating_add(1);
            if round > PURE_SPIN_ROUNDS {
                yield_now();
                if done() {
                    return true;
                }
            }
            if start.get_or_insert_with(Instant::now).elapsed() >= self.budget {
                return done();
            }
        }
    }
}

impl Spin {
    /// With more threads than cores, the thread we wait for may need our core: yield after
    /// every check, so that a waiter never burns a time slice.
    fn until_yielding(&self, mut done: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        loop {
            for _ in 0..CHECKS_PER_ROUND {
                yield_now();
                if done() {
                    return true;
                }
            }
            if start.elapsed() >= self.budget {
                return done();
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn zero_budget_checks_once() {
        let spin = Spin::new(Duration::ZERO, false);
        let mut calls = 0;
        assert!(!spin.until(|| {
            calls += 1;
            false
        }));
        assert_eq!(calls, 1);
    }

    #[test]
    fn gives_up_after_budget() {
        let spin = Spin::new(Duration::from_millis(2), true);
        let start = Instant::now();
        assert!(!spin.until(|| false));
        assert!(start.elapsed() >= Duration::from_millis(2));
    }

    #[test]
    fn returns_when_condition_holds() {
        let spin = Spin::new(Duration::from_secs(60), false);
        let mut n = 0;
        assert!(spin.until(|| {
            n += 1;
            n == 1000
        }));
    }
}
