//! Mutable worksharing inside a running region: a slice borrowed for the whole region and
//! written in constructs that hand out disjoint chunks.
//!
//! A region's body is one `Fn + Sync` closure shared by the whole team, so it cannot capture a
//! `&mut [T]`. [`RegionSlice`] takes the `&mut [T]` before the region; inside, every team thread
//! takes its [`SliceHandle`] once ([`RegionSlice::take`]), reads the whole slice through it
//! ([`SliceHandle::read`], `&self`) and writes it in *write constructs*
//! ([`SliceHandle::write`], `&mut self`), each of which hands out disjoint chunks (the loops of
//! `workshare-parfor` choose them).
//!
//! # Why it is sound
//!
//! - *One handle per team thread, one team at a time.* `take` is a collective: thread 0 binds
//!   the slice to the team by moving `holders` from 0 to the team size (`Acquire`), and every
//!   thread gets a handle or (when `holders` was not 0) every thread panics. Each handle's drop
//!   gives one back (`Release`), so the next team to bind it sees everything this one wrote.
//! - *No read overlaps a write.* A thread reads only through its handle's `&self`, and enters a
//!   write construct only through `&mut self`, so its own reads have ended. A write construct
//!   begins at barrier S of the slice's own barrier, which only write constructs of this slice
//!   use: it completes when every handle holder is inside the construct, so no thread is
//!   reading; it ends at barrier E (also when a body panics: the construct's drop arrives), so
//!   all writes are done, and visible, before any thread reads again.
//! - *No two threads write one element.* Within a construct the chunks come from one agreed
//!   plan (every thread passes the same plan, or the threads that disagree panic before
//!   writing) and one claim counter of the construct; the loops that call
//!   [`SliceWrite::chunk`] promise disjoint chunks for one plan (its `# Safety`).
//! - *Rounds.* Construct `k` uses round `k % 2` (counter and plan); thread 0 resets round
//!   `k + 1` right after S of construct `k`: its last users finished before E of `k - 1`, its
//!   next users start after E of `k`, both barriers order the reset.
//!
//! Cost: two barrier episodes per write construct (one more than a team loop with its
//! implicit barrier) and one uncontended lock per thread to check the plan.

use crate::barrier::Barrier;
use crate::sync::{AtomicUsize, CachePadded, Mutex, Ordering};
use crate::team::Team;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::ptr::NonNull;

/// The counter and plan of one write construct (see the module docs).
#[derive(Debug, Default)]
struct Round {
    counter: CachePadded<AtomicUsize>,
    plan: Mutex<Option<[usize; 3]>>,
}

impl Round {
    /// Puts the round back to its start. Only while no thread uses it (module docs, *Rounds*).
    fn reset(&self) {
        // Relaxed: ordered by the slice's barriers (or by `take`'s collective).
        self.counter.store(0, Ordering::Relaxed);
        *self.plan.lock() = None;
    }

    /// Checks `plan` against the construct's, or sets it if this thread is the first.
    fn agree(&self, plan: [usize; 3]) {
        let mut agreed = self.plan.lock();
        match *agreed {
            None => *agreed = Some(plan),
            Some(other) if other == plan => {}
            Some(other) => {
                drop(agreed);
                panic!(
                    "workshare: team threads disagree on a write construct ({plan:?} against \
                     {other:?}): every team thread must run the same loops over a RegionSlice, \
                     with the same schedule"
                )
            }
        }
    }
}

/// A `&mut [T]` lent to one parallel region at a time, for team loops that write it: see the
/// module docs of `workshare-pool` and `workshare-parfor`'s `team_for_each_mut_chunk`.
///
/// Create it from the slice before the region, capture `&RegionSlice` in the region's closure,
/// and [`take`](RegionSlice::take) a handle on every team thread.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use workshare::{Pool, RegionSlice};
/// let pool = Pool::new(2)?;
/// let mut data = vec![0u32; 8];
/// let shared = RegionSlice::new(&mut data);
/// pool.region(|team| {
///     let mut handle = shared.take(team);
///     assert_eq!(handle.read().len(), 8);
///     // Write constructs hand out disjoint chunks; workshare-parfor's team loops choose them.
///     drop(handle.write([0, 0, 0]));
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct RegionSlice<'a, T> {
    data: NonNull<T>,
    len: usize,
    /// Team threads that hold a handle; 0 when the slice is free (module docs).
    holders: AtomicUsize,
    /// Used by this slice's write constructs alone.
    barrier: Barrier,
    rounds: [Round; 2],
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: the slice is reached from several threads through `&RegionSlice`: shared reads (needs
// `T: Sync`) and disjoint `&mut` chunks written on other threads than the owner's (needs
// `T: Send`); the module docs argue that no read overlaps a write and no two writes overlap.
unsafe impl<T: Send + Sync> Sync for RegionSlice<'_, T> {}
// SAFETY: a `RegionSlice` is a `&mut [T]` with team bookkeeping; sending it sends the borrow.
unsafe impl<T: Send> Send for RegionSlice<'_, T> {}

impl<T> fmt::Debug for RegionSlice<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionSlice")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl<'a, T> RegionSlice<'a, T> {
    /// Borrows `data` for regions until the `RegionSlice` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let mut data = [1, 2, 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// assert_eq!(shared.len(), 3);
    /// ```
    pub fn new(data: &'a mut [T]) -> Self {
        Self {
            len: data.len(),
            data: NonNull::from(data).cast(),
            holders: AtomicUsize::new(0),
            barrier: Barrier::default(),
            rounds: Default::default(),
            _borrow: PhantomData,
        }
    }

    /// The length of the slice.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let mut data = vec![0.0f64; 5];
    /// assert_eq!(workshare::RegionSlice::new(&mut data).len(), 5);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the slice is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let mut data: [u8; 0] = [];
    /// assert!(workshare::RegionSlice::new(&mut data).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// This team thread's handle on the slice, for the rest of its region share (a collective:
    /// every team thread must call it, in the same order as the team's other collectives).
    ///
    /// # Panics
    ///
    /// On every team thread, when the slice is still held: by this team (a second `take`
    /// before every handle of the first was dropped) or by another team. As
    /// [`Team::gather`](crate::Team::gather) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2)?;
    /// let mut data = [5u8; 4];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| {
    ///     let handle = shared.take(team);
    ///     assert_eq!(handle.read(), [5, 5, 5, 5]);
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn take<'h>(&'h self, team: &'h Team<'_>) -> SliceHandle<'h, T> {
        let team_size = team.team_size();
        if !team.gather((), |_| self.bind(team_size)) {
            panic!("workshare: RegionSlice::take while the slice is still held (by this team or another)");
        }
        SliceHandle {
            slice: self,
            team,
            construct: 0,
        }
    }

    /// Binds the slice to a team of `team_size`, if it is free. On the team's thread 0.
    fn bind(&self, team_size: usize) -> bool {
        // Acquire: pairs with the Release decrements in `SliceHandle::drop` of the previous
        // holders (one release sequence), so their reads and writes happen before ours.
        if self
            .holders
            .compare_exchange(0, team_size, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        // The previous team may have left arrivals behind (an abandoned wait); nobody holds a
        // handle, so nobody waits. `take`'s barrier B orders this before the team's use.
        self.barrier.reset();
        self.rounds.iter().for_each(Round::reset);
        true
    }
}

/// One team thread's access to a [`RegionSlice`] for its region share: reads with
/// [`read`](SliceHandle::read), writes in [`write`](SliceHandle::write) constructs.
///
/// It cannot leave its thread, and a `&mut` chunk of a write construct cannot outlive the
/// construct, nor can the thread read the slice while it writes:
///
/// ```compile_fail,E0502
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::Pool::new(2).unwrap();
/// let mut data = [0u8; 4];
/// let shared = workshare::RegionSlice::new(&mut data);
/// pool.region(|team| {
///     let mut handle = shared.take(team);
///     let all = handle.read();
///     let construct = handle.write([0, 0, 0]); // error: `handle` is borrowed by `all`
///     drop(construct);
///     assert_eq!(all[0], 0);
/// });
/// ```
pub struct SliceHandle<'h, T> {
    slice: &'h RegionSlice<'h, T>,
    team: &'h Team<'h>,
    /// Write constructs this thread has entered.
    construct: usize,
}

impl<T> fmt::Debug for SliceHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SliceHandle")
            .field("len", &self.slice.len)
            .field("construct", &self.construct)
            .finish_non_exhaustive()
    }
}

impl<'h, T> SliceHandle<'h, T> {
    /// The whole slice, for reading between write constructs.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2)?;
    /// let mut data = [1u32, 2, 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| {
    ///     let handle = shared.take(team);
    ///     assert_eq!(handle.read().iter().sum::<u32>(), 6);
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn read(&self) -> &[T] {
        // SAFETY: no write construct runs while a handle holder reads (module docs: a write
        // construct starts only when every holder is in it, and this thread is not: it holds
        // `&self`); the slice is borrowed for `'h`.
        unsafe { std::slice::from_raw_parts(self.slice.data.as_ptr(), self.slice.len) }
    }

    /// The length of the slice.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(1)?;
    /// let mut data = [0i8; 7];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| assert_eq!(shared.take(team).len(), 7));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.slice.len
    }

    /// Whether the slice is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(1)?;
    /// let mut data: [u8; 0] = [];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| assert!(shared.take(team).is_empty()));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.slice.len == 0
    }

    /// The team this handle belongs to.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2)?;
    /// let mut data = [0u8; 2];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| assert_eq!(shared.take(team).team().team_size(), 2));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn team(&self) -> &'h Team<'h> {
        self.team
    }

    /// Enters the next write construct of this slice: waits until every team thread has
    /// entered it (so nobody reads), and checks that they all pass the same `plan` (loops pass
    /// their schedule and shape). Dropping the returned [`SliceWrite`] waits until every team
    /// thread has left it (so every write is done before anyone reads).
    ///
    /// A building block: `workshare-parfor`'s `team_for_each_mut_chunk` and
    /// `team_for_each_row_mut` are loops on it.
    ///
    /// # Panics
    ///
    /// When the threads disagree on the plan (the ones that disagree, before writing), or like
    /// [`Team::barrier`] when a team thread panicked or left the region.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::Ordering;
    /// let pool = workshare::Pool::new(2)?;
    /// let mut data = [0u8; 4];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| {
    ///     let mut handle = shared.take(team);
    ///     let construct = handle.write([1, 2, 3]);
    ///     // Claim whole slice positions one at a time from the construct's counter.
    ///     while let i @ 0..4 = construct.counter().fetch_add(1, Ordering::Relaxed) {
    ///         // SAFETY: the counter gives each position to one thread only.
    ///         let one = unsafe { construct.chunk(i..i + 1) };
    ///         one[0] = i as u8;
    ///     }
    /// });
    /// assert_eq!(data, [0, 1, 2, 3]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn write(&mut self, plan: [usize; 3]) -> SliceWrite<'_, 'h, T> {
        let team = self.team;
        let slice = self.slice;
        team.wait_at_or_panic(&slice.barrier, "RegionSlice write construct");
        let round = &slice.rounds[self.construct % 2];
        let next = &slice.rounds[(self.construct + 1) % 2];
        self.construct = self.construct.wrapping_add(1);
        // From here on, dropping `write` arrives at E.
        let write = SliceWrite {
            handle: self,
            round,
        };
        if team.thread_id() == 0 {
            next.reset();
        }
        round.agree(plan);
        write
    }
}

impl<T> Drop for SliceHandle<'_, T> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire in `RegionSlice::bind` of the next team.
        self.slice.holders.fetch_sub(1, Ordering::Release);
    }
}

/// One team thread's part in a write construct of a [`RegionSlice`]; see
/// [`SliceHandle::write`]. Dropping it waits for the whole team to leave the construct.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::Pool::new(2)?;
/// let mut data = [0u8; 2];
/// let shared = workshare::RegionSlice::new(&mut data);
/// pool.region(|team| {
///     let mut handle = shared.take(team);
///     let construct = handle.write([0, 0, 0]);
///     let me = construct.team().thread_id();
///     // SAFETY: thread `me` takes position `me` only.
///     let mine = unsafe { construct.chunk(me..me + 1) };
///     mine[0] = 1;
/// });
/// assert_eq!(data, [1, 1]);
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct SliceWrite<'w, 'h, T> {
    handle: &'w mut SliceHandle<'h, T>,
    round: &'h Round,
}

impl<T> fmt::Debug for SliceWrite<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SliceWrite")
            .field("len", &self.handle.slice.len)
            .finish_non_exhaustive()
    }
}

impl<'h, T> SliceWrite<'_, 'h, T> {
    /// The length of the slice.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(1)?;
    /// let mut data = [0u8; 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| assert_eq!(shared.take(team).write([0, 0, 0]).len(), 3));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.handle.slice.len
    }

    /// Whether the slice is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(1)?;
    /// let mut data = [0u8; 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| assert!(!shared.take(team).write([0, 0, 0]).is_empty()));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.handle.slice.len == 0
    }

    /// The team running the construct.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2)?;
    /// let mut data = [0u8; 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| {
    ///     let mut handle = shared.take(team);
    ///     assert_eq!(handle.write([0, 0, 0]).team().team_size(), 2);
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn team(&self) -> &'h Team<'h> {
        self.handle.team
    }

    /// The construct's claim counter: zero when the construct starts, shared by the team.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::Ordering;
    /// let pool = workshare::Pool::new(2)?;
    /// let mut data = [0u8; 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| {
    ///     let mut handle = shared.take(team);
    ///     let construct = handle.write([0, 0, 0]);
    ///     assert!(construct.counter().fetch_add(1, Ordering::Relaxed) < 2);
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn counter(&self) -> &AtomicUsize {
        &self.round.counter
    }

    /// The positions `range` of the slice, mutably, for the calling thread.
    ///
    /// # Safety
    ///
    /// `range` lies within `0..len()`, and during this construct no other team thread gets a
    /// range that overlaps it, and the calling thread holds no other chunk that overlaps it.
    /// (The loops of `workshare-parfor` compute disjoint chunks from the agreed plan and the
    /// construct's counter.)
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(1)?;
    /// let mut data = [0u8; 3];
    /// let shared = workshare::RegionSlice::new(&mut data);
    /// pool.region(|team| {
    ///     let mut handle = shared.take(team);
    ///     let construct = handle.write([0, 0, 0]);
    ///     // SAFETY: a team of one: nobody else takes chunks.
    ///     let all = unsafe { construct.chunk(0..3) };
    ///     all.fill(9);
    /// });
    /// assert_eq!(data, [9, 9, 9]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[allow(clippy::mut_from_ref)] // exclusivity is the caller's promise, per `# Safety`
    pub unsafe fn chunk(&self, range: Range<usize>) -> &mut [T] {
        assert!(
            range.start <= range.end && range.end <= self.len(),
            "workshare: chunk {range:?} out of a slice of {}",
            self.len()
        );
        // SAFETY: in bounds (checked above); no other reference to these positions exists
        // during the construct (the caller's promise, and no thread reads: module docs).
        unsafe {
            std::slice::from_raw_parts_mut(
                self.handle.slice.data.as_ptr().add(range.start),
                range.end - range.start,
            )
        }
    }
}

impl<T> Drop for SliceWrite<'_, '_, T> {
    fn drop(&mut self) {
        let team = self.handle.team;
        let barrier = &self.handle.slice.barrier;
        if std::thread::panicking() {
            // Unwinding already: no second panic (it would abort), and no sleeping.
            let _ = team.wait_at_unwinding(barrier);
        } else {
            team.wait_at_or_panic(barrier, "RegionSlice write construct");
        }
    }
}
