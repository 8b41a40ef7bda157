//! The team barrier: a counter and a generation number, reusable any number of times.
//!
//! # Protocol
//!
//! A thread arriving at episode `g` reads `generation` (it is exactly `g`: the thread saw the end
//! of episode `g - 1`, and episode `g` cannot end before this thread arrives), then increments
//! `arrived` with `AcqRel`. The increment that brings `arrived` to the team size is the
//! *releaser*: it resets `arrived` to zero and stores `generation = g + 1` with `Release`, then
//! notifies sleepers. Everyone else spins, then sleeps, until `generation != g`.
//!
//! - Memory: the `AcqRel` increments form one release sequence, so the releaser has acquired the
//!   writes every thread made before arriving; its `Release` store of `generation` hands them all
//!   to every waiter's `Acquire` load.
//! - Reuse: `arrived` is reset before `generation` is published, and no thread increments `arrived`
//!   for episode `g + 1` before it has seen `generation == g + 1`, so it sees the zero.
//! - No lost wake-up: the releaser stores `generation` and then calls
//!   [`Sleep::notify`](crate::sleep::Sleep::notify); waiters sleep with the condition
//!   `generation == g` (see the sleep module).
//! - No hang: a waiter also watches `abandoned()`, which becomes true when a team thread
//!   panicked or left the region. Once a thread has left, no later episode can complete, so the
//!   waiter returns an error instead of waiting forever. A thread that released episode `g` and
//!   then left has published `generation == g + 1` before leaving, so a waiter that sees the
//!   departure (an `Acquire` load) and then reloads `generation` is never misled.

use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::sync::{yield_now, AtomicUsize, CachePadded, Ordering};

/// Why a barrier could not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Abandoned {
    /// Another team thread panicked.
    Panicked,
    /// Another team thread returned from the region without reaching this barrier.
    Left,
}

/// A reusable barrier for one team.
#[derive(Debug, Default)]
pub(crate) struct Barrier {
    arrived: CachePadded<AtomicUsize>,
    generation: CachePadded<AtomicUsize>,
}

impl Barrier {
    /// Clears a barrier left mid-episode by a panic. Only while no team thread runs.
    pub(crate) fn reset(&self) {
        self.arrived.store(0, Ordering::Relaxed);
    }

    /// Waits until all `team_size` threads have arrived, or until the wait is abandoned.
    /// `abandoned` says whether a team thread panicked or left; it reads atomics whose writers
    /// notify `sleep`.
    pub(crate) fn wait(
        &self,
        team_size: usize,
        spin: &Spin,
        sleep: &Sleep,
        abandoned: impl Fn() -> Option<Abandoned>,
    ) -> Result<(), Abandoned> {
        self.wait_by(team_size, sleep, abandoned, |done| {
            if !spin.until(done) {
                sleep.sleep_while(|| !done());
            }
        })
    }

    /// Like [`wait`](Barrier::wait), but never sleeps: it polls, yielding its time slice. For
    /// a thread that waits while it unwinds (a lock taken then would be poisoned under loom),
    /// where the wait is short: every other team thread is on its way to the barrier.
    pub(crate) fn wait_unwinding(
        &self,
        team_size: usize,
        sleep: &Sleep,
        abandoned: impl Fn() -> Option<Abandoned>,
    ) -> Result<(), Abandoned> {
        self.wait_by(team_size, sleep, abandoned, |done| {
            while !done() {
                yield_now();
            }
        })
    }

    /// The barrier protocol, with `block(done)` returning once `done()` holds.
    fn wait_by(
        &self,
        team_size: usize,
        sleep: &Sleep,
        abandoned: impl Fn() -> Option<Abandoned>,
        block: impl FnOnce(&dyn Fn() -> bool),
    ) -> Result<(), Abandoned> {
        if team_size == 1 {
            return Ok(());
        }
        if let Some(why) = abandoned() {
            return Err(why);
        }
        // Exactly the current episode: see the module docs. Relaxed: this thread has already
        // seen (acquired, or stored itself) the end of the previous episode, and coherence
        // returns that value or a later one, and there is no later one before we arrive.
        let generation = self.generation.load(Ordering::Relaxed);
        // AcqRel: release what we wrote before the barrier to the releaser, and (as releaser)
        // acquire what the others wrote.
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == team_size {
            self.arrived.store(0, Ordering::Relaxed);
            // Release: pairs with the Acquire loads of `generation` in the waiters below.
            self.generation
                .store(generation.wrapping_add(1), Ordering::Release);
            sleep.notify();
            return Ok(());
        }
        let passed = || self.generation.load(Ordering::Acquire) != generation;
        let done = || passed() || abandoned().is_some();
        block(&done);
        // Reload after `abandoned()`: a thread that released us and then left is seen here.
        match abandoned() {
            _ if passed() => Ok(()),
            Some(why) => Err(why),
            None => unreachable!("barrier wait ended with neither release nor abandonment"),
        }
    }
}
