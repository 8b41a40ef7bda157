//! A process-wide table of measurements that are costly to take and shared by every thread:
//! `Auto`'s fork-join costs, one per pool and team size.
//!
//! # Protocol
//!
//! - **look up**: lock, copy out a fresh entry for the key if there is one, unlock.
//! - **measure**: with *no lock held*, take a measurement. Measuring runs regions of a pool
//!   (microseconds, more on a loaded machine): a lock held meanwhile would make every other
//!   thread's first look-up, of any key, wait for them, and a measurement that itself looks up
//!   the table (a loop in a region that measures) would wait for itself.
//! - **publish**: lock; if a fresh entry for the key was stored meanwhile (another thread
//!   measured the same key at once), it wins and is returned; otherwise store ours, replacing a
//!   stale one. Unlock.
//!
//! So every thread that measured a key at about the same time ends up using the first fresh
//! result published, and the table holds at most one entry per key.

use workshare_pool::sync::Mutex;

/// Entries of type `E`, each published whole under the table's lock and measured outside it.
pub(crate) struct Table<E> {
    entries: Mutex<Vec<E>>,
}

impl<E: Copy> Table<E> {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self {
            entries: Mutex::new(Vec::new()),
        }
    }

    /// A fresh entry of the key that `is_key` recognises (`is_fresh`), or else `measure()`'s,
    /// published. `measure` runs with no lock held; a fresh entry published meanwhile wins.
    pub(crate) fn get_or_measure(
        &self,
        is_key: impl Fn(&E) -> bool,
        is_fresh: impl Fn(&E) -> bool,
        measure: impl FnOnce() -> E,
    ) -> E {
        let fresh = |e: &E| is_key(e) && is_fresh(e);
        // Step 1, look up. The guard is a temporary: dropped at the end of this statement.
        if let Some(found) = self.entries.lock().iter().copied().find(fresh) {
            return found;
        }
        // Step 2, measure, no lock held.
        let measured = measure();
        // Step 3, publish.
        let mut entries = self.entries.lock();
        match entries.iter_mut().find(|e| is_key(e)) {
            Some(stored) if is_fresh(stored) => *stored,
            Some(stored) => {
                *stored = measured;
                measured
            }
            None => {
                entries.push(measured);
                measured
            }
        }
    }
}
