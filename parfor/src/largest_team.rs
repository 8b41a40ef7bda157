//! The largest team a loop's chunks ran on, as the team's threads report it: how the tuner
//! learns the team a loop really got (a loop may get fewer threads than it asks for).

use workshare_pool::sync::{AtomicUsize, Ordering};

/// Raised by every chunk of a watched loop to its team size; read after the loop's join.
pub(crate) struct LargestTeam(AtomicUsize);

impl LargestTeam {
    /// Nothing seen yet.
    pub(crate) fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// Raises the largest team seen to `team`, the team size a chunk was given. Loads first, so
    /// that only a thread that sees a larger team writes the shared cache line: a few writes per
    /// loop at most, however many chunks it runs.
    #[inline]
    pub(crate) fn saw(&self, team: usize) {
        // Relaxed, both: the value alone is the message, and the loop's join orders every
        // report before the read in `into_largest`. A stale load only costs a `fetch_max`
        // that changes nothing; `fetch_max` keeps the largest whatever the interleaving.
        if self.0.load(Ordering::Relaxed) < team {
            self.0.fetch_max(team, Ordering::Relaxed);
        }
    }

    /// The largest team reported, `None` if no chunk reported one.
    pub(crate) fn into_largest(self) -> Option<usize> {
        match self.0.into_inner() {
            0 => None,
            team => Some(team),
        }
    }
}
