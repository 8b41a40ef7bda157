//! Creating a value on first use, from whichever thread gets there first: the global pool.
//!
//! # Protocol
//!
//! The value lives in a [`OnceLock`]: every caller that finds it empty races to create it, the
//! lock lets exactly one `create` run, and every caller (the creator, the ones that waited for
//! it, and every later one) gets a reference to that one value. A thread-local flag is set
//! while this thread creates it: using the cell from inside `create` would wait for itself
//! forever, so that panics instead.

use crate::sync::thread::LocalKey;
use crate::sync::OnceLock;
use std::cell::Cell;

/// The value of `cell`, created with `create` unless it exists, and whether this call created
/// it. `creating` is this thread's "being created" flag for `cell`.
///
/// # Panics
///
/// With `reentry` when called from inside `create` on the same thread.
#[track_caller]
pub(crate) fn get_or_create<'c, T>(
    cell: &'c OnceLock<T>,
    creating: &'static LocalKey<Cell<bool>>,
    reentry: &str,
    create: impl FnOnce() -> T,
) -> (&'c T, bool) {
    if let Some(existing) = cell.get() {
        return (existing, false);
    }
    assert!(!creating.with(Cell::get), "{reentry}");
    /// Clears the flag however `create` ends (a panic included).
    struct Creating(&'static LocalKey<Cell<bool>>);
    impl Drop for Creating {
        fn drop(&mut self) {
            self.0.with(|c| c.set(false));
        }
    }
    creating.with(|c| c.set(true));
    let _creating = Creating(creating);
    let mut created = false;
    let value = cell.get_or_init(|| {
        created = true;
        create()
    });
    (value, created)
}

#[cfg(test)]
mod models {
    use super::get_or_create;
    use crate::sync::{model, thread, Arc, AtomicUsize, OnceLock, Ordering};
    use crate::{Pool, PoolBuilder};
    use std::cell::Cell;

    crate::sync::thread_local! {
        static CREATING: Cell<bool> = Cell::new(false);
    }

    /// Gets the pool of `cell`, counting the pools created.
    fn first_use(cell: &OnceLock<Pool>, created: &AtomicUsize) -> (*const Pool, bool) {
        let (pool, by_us) = get_or_create(cell, &CREATING, "reentered", || {
            // Relaxed: read after both threads are joined.
            created.fetch_add(1, Ordering::Relaxed);
            PoolBuilder::new().num_threads(1).build().expect("pool")
        });
        assert_eq!(pool.size(), 1);
        (pool as *const Pool, by_us)
    }

    #[test]
    fn lazy_init_races_first_use() {
        model(|| {
            // Two threads use the cell first at once: exactly one pool is created, by the
            // thread that says so, and both get it.
            let cell = Arc::new(OnceLock::new());
            let created = Arc::new(AtomicUsize::new(0));
            let other = {
                let (cell, created) = (Arc::clone(&cell), Arc::clone(&created));
                thread::spawn(move || first_use(&cell, &created).1)
            };
            let (mine, by_me) = first_use(&cell, &created);
            let by_other = other.join().unwrap();
            assert_eq!(created.load(Ordering::Relaxed), 1);
            assert!(by_me != by_other, "exactly one creator");
            assert!(std::ptr::eq(mine, cell.get().expect("created")));
        });
    }

    #[test]
    #[should_panic(expected = "reentered")]
    fn lazy_init_reentered_panics() {
        model(|| {
            let cell: OnceLock<usize> = OnceLock::new();
            get_or_create(&cell, &CREATING, "reentered", || {
                *get_or_create(&cell, &CREATING, "reentered", || 1).0
            });
        });
    }
}
