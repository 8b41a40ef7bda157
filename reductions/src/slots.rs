//! Per-thread storage slots: one cache-line-padded value per team thread.

use crate::chunks;
use crate::input::Input;
use std::fmt;
use std::ops::Range;
use workshare_parfor::{IndexRange, Pool, Schedule, Team};
use workshare_pool::sync::{AtomicBool, CachePadded, Ordering, UnsafeCell};

/// One value per thread of a pool, each on its own cache line: the "array sized to the number of
/// threads" of hand-written OpenMP reductions, made safe.
///
/// During a loop ([`for_each`](Slots::for_each), [`for_each_chunk`](Slots::for_each_chunk))
/// each running thread reaches its own slot only, mutably, with no locking: the loop borrows the
/// `Slots` exclusively, and the body's `&mut T` cannot outlive the call that received it. After
/// the loop the owner reads, iterates, folds or takes the values.
///
/// Slot `i` belongs to team thread `i` of each loop: within a loop one OS thread uses it, but
/// which one may change from loop to loop (the team a loop gets depends on what else runs on
/// the pool, and the caller runs the share of a worker that has not started it when it is done
/// with its own). Keep per-thread *state* in it, not assumptions about the OS thread.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Pool, Schedule, Slots};
///
/// let pool = Pool::new(2)?;
/// let mut partial: Slots<u64> = Slots::new(&pool);
/// partial.for_each(&pool, 0..1000, Schedule::Dynamic(64), |slot, i| *slot += i as u64);
/// let total: u64 = partial.iter().sum();
/// assert_eq!(total, 999 * 1000 / 2);
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct Slots<T> {
    pub(crate) cells: Box<[CachePadded<UnsafeCell<T>>]>,
}

// SAFETY: through `&Slots` only shared reads happen (every mutable access needs `&mut Slots`),
// so sharing `Slots<T>` is sharing `&T`s, which `T: Sync` allows.
unsafe impl<T: Sync> Sync for Slots<T> {}
// Through `&Slots` a caller only reads (`iter`); the cells are written only through
// `&mut Slots`, inside a loop that resumes a body's panic after its join. So a shared `Slots`
// is as unwind-safe as a shared `T`.
impl<T: std::panic::RefUnwindSafe> std::panic::RefUnwindSafe for Slots<T> {}

impl<T> Slots<T> {
    /// One slot per thread of `pool` (its [`size`](Pool::size)), slot `i` holding `f(i)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(3)?;
    /// let slots = workshare::reductions::Slots::from_fn(&pool, |thread_id| thread_id * 10);
    /// assert_eq!(slots.into_vec(), [0, 10, 20]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn from_fn(pool: &Pool, mut f: impl FnMut(usize) -> T) -> Self {
        let cells = (0..pool.size())
            .map(|i| CachePadded::new(UnsafeCell::new(f(i))))
            .collect();
        Self { cells }
    }

    /// One slot per thread of `pool`, each holding `T::default()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(2)?;
    /// let slots: workshare::reductions::Slots<Vec<u8>> = workshare::reductions::Slots::new(&pool);
    /// assert_eq!(slots.len(), 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn new(pool: &Pool) -> Self
    where
        T: Default,
    {
        Self::from_fn(pool, |_| T::default())
    }

    /// The number of slots (the size of the pool they were made for).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(2)?;
    /// assert_eq!(workshare::reductions::Slots::<u8>::new(&pool).len(), 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there are no slots (never true for slots made for a pool).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(1)?;
    /// assert!(!workshare::reductions::Slots::<u8>::new(&pool).is_empty());
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The slots in thread order, for reading after a loop.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(2)?;
    /// let slots = workshare::reductions::Slots::from_fn(&pool, |i| i + 1);
    /// assert_eq!(slots.iter().sum::<usize>(), 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        self.cells.iter().map(|cell| {
            // SAFETY: no loop runs while `&self` is held (loops take `&mut self`), so nothing
            // writes the slot while this shared reference lives.
            cell.with(|slot| unsafe { &*slot })
        })
    }

    /// The slots in thread order, mutably, for the owner between loops.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(2)?;
    /// let mut slots = workshare::reductions::Slots::from_fn(&pool, |i| i);
    /// slots.iter_mut().for_each(|slot| *slot = 7);
    /// assert_eq!(slots.into_vec(), [7, 7]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = &mut T> + '_ {
        self.cells.iter_mut().map(|cell| {
            // SAFETY: `&mut self` is exclusive: no loop runs and no other reference exists; each
            // cell is yielded once.
            cell.with_mut(|slot| unsafe { &mut *slot })
        })
    }

    /// Takes the values out, in thread order.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// let pool = workshare::reductions::Pool::new(2)?;
    /// let slots = workshare::reductions::Slots::from_fn(&pool, |i| i);
    /// assert_eq!(slots.into_vec(), vec![0, 1]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.cells
            .into_vec()
            .into_iter()
            .map(|cell| CachePadded::into_inner(cell).into_inner())
            .collect()
    }

    /// Runs `body(slot, item)` for every item of `input`, in parallel under `schedule`, where
    /// `slot` is the running thread's own slot.
    ///
    /// # Panics
    ///
    /// If the slots were made for a smaller pool than `pool` (`workshare: ...`), or on the
    /// schedule's errors; a panic in `body` propagates and leaves each slot as `body` left it.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{Pool, Schedule, Slots};
    /// let pool = Pool::new(2)?;
    /// let words = ["a", "bb", "ccc"];
    /// let mut longest: Slots<usize> = Slots::new(&pool);
    /// longest.for_each(&pool, &words[..], Schedule::Auto, |slot, w| *slot = (*slot).max(w.len()));
    /// assert_eq!(longest.iter().max(), Some(&3));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[track_caller]
    pub fn for_each<I, F>(&mut self, pool: &Pool, input: I, schedule: Schedule, body: F)
    where
        T: Send,
        I: Input,
        F: Fn(&mut T, I::Item) + Sync,
    {
        let len = input.len();
        self.for_each_chunk(pool, 0..len, schedule, move |slot, positions| {
            input.fold(positions, (), |(), item| body(slot, item));
        });
    }

    /// Runs `body(slot, chunk)` on disjoint chunks covering `range`, in parallel under
    /// `schedule`, where `slot` is the running thread's own slot. A thread may get several
    /// chunks, one after another. `range` is `a..b` or `a..=b` of any primitive integer type
    /// (an [`IndexRange`]); the chunks are `Range<usize>`.
    ///
    /// # Panics
    ///
    /// As [`for_each`](Slots::for_each).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{Pool, Schedule, Slots};
    /// let pool = Pool::new(2)?;
    /// let data: Vec<u32> = (0..100).collect();
    /// let mut sums: Slots<u32> = Slots::new(&pool);
    /// sums.for_each_chunk(&pool, 0..data.len(), Schedule::Static, |slot, chunk| {
    ///     *slot += data[chunk].iter().sum::<u32>();
    /// });
    /// assert_eq!(sums.iter().sum::<u32>(), 4950);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[track_caller]
    pub fn for_each_chunk<R, F>(&mut self, pool: &Pool, range: R, schedule: Schedule, body: F)
    where
        T: Send,
        R: IndexRange,
        F: Fn(&mut T, Range<usize>) + Sync,
    {
        let range = range.to_usize_range();
        self.run(pool, range, schedule, move |slot, chunk, _| {
            body(slot, chunk)
        });
    }

    /// Lends the slots to parallel regions, where each team thread reaches slot
    /// [`thread_id`](Team::thread_id) with [`RegionSlots::with`]. The owner gets them back when
    /// the `RegionSlots` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{Pool, Slots};
    /// let pool = Pool::new(3)?;
    /// let mut seen: Slots<Vec<usize>> = Slots::new(&pool);
    /// let slots = seen.in_region();
    /// pool.region(|team| {
    ///     for step in 0..4 {
    ///         slots.with(team, |mine| mine.push(step));
    ///     }
    /// });
    /// drop(slots);
    /// assert_eq!(seen.iter().map(Vec::len).sum::<usize>(), 4 * 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn in_region(&mut self) -> RegionSlots<'_, T> {
        let in_use = self
            .cells
            .iter()
            .map(|_| CachePadded::new(AtomicBool::new(false)))
            .collect();
        RegionSlots {
            cells: &self.cells,
            in_use,
        }
    }

    /// [`for_each_chunk`](Slots::for_each_chunk) whose body also gets the running thread's id.
    pub(crate) fn run<F>(&mut self, pool: &Pool, range: Range<usize>, schedule: Schedule, body: F)
    where
        T: Send,
        F: Fn(&mut T, Range<usize>, usize) + Sync,
    {
        run_cells(&mut self.cells, pool, range, schedule, None, body);
    }
}

/// Runs `body(slot, chunk, thread_id)` on disjoint chunks covering `range`, where `slot` is
/// `cells[thread_id]`: the loop of [`Slots`] and of [`Partials`].
fn run_cells<T, F>(
    cells: &mut [CachePadded<UnsafeCell<T>>],
    pool: &Pool,
    range: Range<usize>,
    schedule: Schedule,
    key: Option<usize>,
    body: F,
) where
    T: Send,
    F: Fn(&mut T, Range<usize>, usize) + Sync,
{
    assert!(
        pool.size() <= cells.len(),
        "workshare: {} slots cannot serve a pool of {} threads",
        cells.len(),
        pool.size()
    );
    let view = Exclusive(cells);
    chunks::for_each_chunk(pool, range, schedule, key, move |chunk, thread_id| {
        // Each thread id's chunks run one after another on one thread (`chunks::for_each_chunk`;
        // a share taken back from a sleeping worker runs on the caller, after the caller's own).
        // SAFETY: `view` borrows the slots exclusively and one thread acts as `thread_id`.
        unsafe { view.with_slot(thread_id, |slot| body(slot, chunk, thread_id)) }
    });
}

/// Pools up to this size keep a reduction's partial results inline, in the caller's stack
/// frame: a reduction allocates nothing.
const INLINE_PARTIALS: usize = 8;

/// The per-thread partial results of one reduction, each on its own cache line, starting as
/// `None`: [`Slots`] without its allocations (for pools of up to [`INLINE_PARTIALS`] threads),
/// for the reductions of this crate.
pub(crate) struct Partials<T> {
    /// The cells of pools up to [`INLINE_PARTIALS`] threads (the first `size`).
    inline: [PartialCell<T>; INLINE_PARTIALS],
    /// The cells of larger pools (empty, so not allocated, otherwise).
    heap: Box<[PartialCell<T>]>,
    size: usize,
}

type PartialCell<T> = CachePadded<UnsafeCell<Option<T>>>;

impl<T: Send> Partials<T> {
    /// One empty partial result per thread of `pool`.
    ///
    /// Two fields rather than an enum of the two storages: the inline array is then built in
    /// place, where wrapping it in an enum variant copied half a kilobyte, a tenth of a tiny
    /// reduction's time.
    #[inline]
    pub(crate) fn new(pool: &Pool) -> Self {
        let size = pool.size();
        let empty = |_| CachePadded::new(UnsafeCell::new(None));
        let heap = if size <= INLINE_PARTIALS {
            Box::default()
        } else {
            (0..size).map(empty).collect()
        };
        Self {
            inline: std::array::from_fn(empty),
            heap,
            size,
        }
    }

    /// The cells of this pool's threads.
    #[inline]
    fn cells(&mut self) -> &mut [PartialCell<T>] {
        if self.size <= INLINE_PARTIALS {
            &mut self.inline[..self.size]
        } else {
            &mut self.heap[..]
        }
    }

    /// Like [`Slots::for_each_chunk`], the slot being the thread's partial result; with a
    /// `key`, `Auto`'s memory knows the loop by it (see `chunks::runs_serially`).
    pub(crate) fn for_each_chunk_keyed<F>(
        &mut self,
        pool: &Pool,
        range: Range<usize>,
        schedule: Schedule,
        key: Option<usize>,
        body: F,
    ) where
        F: Fn(&mut Option<T>, Range<usize>) + Sync,
    {
        run_cells(
            self.cells(),
            pool,
            range,
            schedule,
            key,
            move |slot, chunk, _| body(slot, chunk),
        );
    }

    /// Takes out the partial results that were set, in thread order, leaving `None`s.
    ///
    /// Takes them in place: moving the inline cells (half a kilobyte) into an iterator cost a
    /// tiny reduction as much as its loop.
    pub(crate) fn take_values(&mut self) -> impl Iterator<Item = T> + '_ {
        self.cells().iter_mut().filter_map(|cell| {
            // SAFETY: `&mut self` borrows every cell exclusively, and the pointer is valid.
            cell.with_mut(|value| unsafe { (*value).take() })
        })
    }
}

/// The slots as seen by the threads of one loop: slot `i` belongs to thread id `i`.
pub(crate) struct Exclusive<'s, T>(pub(crate) &'s [CachePadded<UnsafeCell<T>>]);

// SAFETY: the view only hands out `&mut T` through `with_slot`, whose contract keeps accesses to
// one slot from overlapping; a slot may be reached from another thread than its creator's, which
// `T: Send` allows.
unsafe impl<T: Send> Sync for Exclusive<'_, T> {}

impl<T> Exclusive<'_, T> {
    /// Runs `f` on slot `thread_id`.
    ///
    /// # Safety
    ///
    /// No other access to slot `thread_id` may overlap this call: only one thread at a time
    /// may act as `thread_id`.
    #[inline]
    pub(crate) unsafe fn with_slot<R>(&self, thread_id: usize, f: impl FnOnce(&mut T) -> R) -> R {
        self.0[thread_id].with_mut(|slot| {
            // SAFETY: the pointer is valid (the view borrows the slots) and, by this function's
            // contract, this is the only access to the slot while `f` runs.
            f(unsafe { &mut *slot })
        })
    }
}

/// [`Slots`] lent to parallel regions (see [`Slots::in_region`]): slot `i` for team thread
/// `i`, reached with [`with`](RegionSlots::with).
///
/// Each slot has an in-use flag: `with` takes it (`Acquire`) and puts it back when `f` returns
/// or unwinds (`Release`), so a slot is never reached twice at once, even by a nested region's
/// thread with the same id or a reentrant `with` (those panic), and each use sees the
/// previous one's writes, whichever thread made them. One uncontended atomic swap per call.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Pool, Slots};
/// let pool = Pool::new(2)?;
/// let mut counts: Slots<u32> = Slots::new(&pool);
/// let slots = counts.in_region();
/// pool.region(|team| slots.with(team, |count| *count += 1));
/// drop(slots);
/// assert_eq!(counts.iter().sum::<u32>(), pool.num_threads() as u32);
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct RegionSlots<'s, T> {
    cells: &'s [CachePadded<UnsafeCell<T>>],
    in_use: Box<[CachePadded<AtomicBool>]>,
}

// SAFETY: `with` gives one caller at a time `&mut T` to a slot (its in-use flag), possibly on
// another thread than the slot's creator, which `T: Send` allows; nothing else reaches a slot.
unsafe impl<T: Send> Sync for RegionSlots<'_, T> {}
// SAFETY: a `RegionSlots` is a `&mut Slots<T>` with flags; sending it sends that borrow, which
// `T: Send` allows.
unsafe impl<T: Send> Send for RegionSlots<'_, T> {}

impl<T> fmt::Debug for RegionSlots<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionSlots")
            .field("len", &self.cells.len())
            .finish_non_exhaustive()
    }
}

/// Puts a slot's in-use flag back, also on unwinding.
struct PutBack<'f>(&'f AtomicBool);

impl Drop for PutBack<'_> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire swap of the slot's next user in `RegionSlots::with`,
        // so that this use's writes happen before it.
        self.0.store(false, Ordering::Release);
    }
}

impl<T> RegionSlots<'_, T> {
    /// Runs `f` on the slot of the calling team thread (slot `team.thread_id()`).
    ///
    /// # Panics
    ///
    /// With `workshare: ...` when there is no such slot (the slots were made for a smaller
    /// pool), or when the slot is in use (a `with` inside `f`, or a thread of another team
    /// with the same id using it right now).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{Pool, Slots};
    /// let pool = Pool::new(2)?;
    /// let mut best = Slots::from_fn(&pool, |_| f64::NEG_INFINITY);
    /// let slots = best.in_region();
    /// pool.region(|team| {
    ///     let x = team.thread_id() as f64;
    ///     slots.with(team, |b| *b = b.max(x));
    /// });
    /// drop(slots);
    /// assert_eq!(best.iter().copied().fold(f64::NEG_INFINITY, f64::max), pool.num_threads() as f64 - 1.0);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn with<R>(&self, team: &Team<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        let id = team.thread_id();
        if id >= self.cells.len() {
            panic!(
                "workshare: {} slots cannot serve team thread {id}",
                self.cells.len()
            )
        }
        match self.try_with_id(id, f) {
            Some(result) => result,
            None => panic!("workshare: slot {id} is already in use (a nested or reentrant `with`)"),
        }
    }

    /// Runs `f` on slot `id` (which exists) unless it is in use (then `None`).
    fn try_with_id<R>(&self, id: usize, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let (cell, in_use) = (&self.cells[id], &self.in_use[id]);
        // Acquire: pairs with the Release in `PutBack::drop` of the slot's previous user.
        // (A failed exchange writes nothing: a busy slot's flag is left to its user.)
        if in_use
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return None;
        }
        let _put_back = PutBack(in_use);
        Some(cell.with_mut(|slot| {
            // SAFETY: the in-use flag makes this the only access to the slot while `f` runs
            // (acquired above, released after), and `cells` is borrowed from `&mut Slots`.
            f(unsafe { &mut *slot })
        }))
    }
}

impl<T: fmt::Debug> fmt::Debug for Slots<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> IntoIterator for Slots<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    /// Takes the values out, in thread order.
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Both storages of `Partials`: inline (up to 8 threads) and on the heap (more).
    #[test]
    fn partials_inline_and_heap_hold_one_result_per_thread() {
        for threads in [1, 3, 8, 9, 13] {
            let pool = Pool::new(threads).unwrap();
            let mut partials: Partials<Vec<usize>> = Partials::new(&pool);
            partials.for_each_chunk_keyed(
                &pool,
                0..1000,
                Schedule::Dynamic(7),
                None,
                |slot, chunk| {
                    slot.get_or_insert_with(Vec::new).extend(chunk);
                },
            );
            let values: Vec<Vec<usize>> = partials.take_values().collect();
            assert!(!values.is_empty() && values.len() <= threads);
            let mut all: Vec<usize> = values.into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..1000).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn partials_drop_their_values() {
        let pool = Pool::new(2).unwrap();
        let marker = std::sync::Arc::new(());
        let mut partials: Partials<std::sync::Arc<()>> = Partials::new(&pool);
        partials.for_each_chunk_keyed(&pool, 0..10, Schedule::Static, None, |slot, _| {
            *slot = Some(std::sync::Arc::clone(&marker));
        });
        assert_eq!(std::sync::Arc::strong_count(&marker), 3);
        drop(partials);
        assert_eq!(std::sync::Arc::strong_count(&marker), 1);
    }

    #[test]
    fn region_slots_one_per_thread_id_and_reentry_panics() {
        let threads: &[usize] = if cfg!(miri) {
            &[1, 3]
        } else {
            &[1, 2, 3, 4, 5, 6, 7, 8]
        };
        for &threads in threads {
            let pool = Pool::new(threads).unwrap();
            let mut counts: Slots<(usize, u32)> = Slots::new(&pool);
            let slots = counts.in_region();
            pool.region(|team| {
                for _ in 0..5 {
                    slots.with(team, |slot| {
                        slot.0 = team.thread_id();
                        slot.1 += 1;
                    });
                }
                let reentry = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    slots.with(team, |_| slots.with(team, |_| ()));
                }));
                assert!(reentry.is_err());
                // Put back after the panic: usable again.
                slots.with(team, |slot| slot.1 += 1);
            });
            drop(slots);
            let used: Vec<(usize, u32)> =
                counts.into_vec().into_iter().filter(|c| c.1 > 0).collect();
            assert!(!used.is_empty());
            assert!(
                used.iter().enumerate().all(|(i, c)| *c == (i, 6)),
                "{used:?}"
            );
        }
    }
}

/// Loom model of the in-use flags of [`RegionSlots`] (run with the other models: the module
/// name contains `models`).
#[cfg(test)]
mod region_slot_models {
    use super::*;
    use workshare_pool::sync::{model, thread, Arc};

    /// Two threads acting as thread id 0 (as the threads of two teams do) use slot 0 of the
    /// same `RegionSlots`: the flag keeps the uses apart or refuses one, and a use that
    /// follows another sees its write (the Release of the put-back, the Acquire of the take).
    #[test]
    fn region_slot_uses_are_exclusive_and_ordered() {
        model(|| {
            let raw = Box::into_raw(Box::new(Slots {
                cells: vec![CachePadded::new(UnsafeCell::new(0))].into_boxed_slice(),
            }));
            // SAFETY: a fresh allocation, borrowed only here and freed below once `lent`, the
            // only borrow, is gone. (Loom threads need `'static`.)
            let slots: &'static mut Slots<usize> = unsafe { &mut *raw };
            let lent = Arc::new(slots.in_region());
            let other = {
                let lent = Arc::clone(&lent);
                thread::spawn(move || lent.try_with_id(0, |slot| *slot += 1).is_some())
            };
            let mine = lent.try_with_id(0, |slot| *slot += 1).is_some();
            let theirs = other.join().unwrap();
            assert!(mine || theirs, "one use at least succeeds");
            let expected = usize::from(mine) + usize::from(theirs);
            let seen = lent.try_with_id(0, |slot| *slot).expect("free after both");
            assert_eq!(seen, expected);
            drop(lent);
            // SAFETY: `lent` was the only borrow of `raw` (the other thread's clone is gone).
            drop(unsafe { Box::from_raw(raw) });
        });
    }
}
