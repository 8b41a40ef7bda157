//! Team collectives: one value from every team thread, one result for every team thread.
//!
//! OpenMP's `reduction` clause and `single copyprivate` inside a running region:
//! [`Team::gather`] (the general form), [`Team::reduce`], [`Team::sum`] and
//! [`Team::broadcast`].
//!
//! # Protocol
//!
//! Collectives have a barrier and a *board* of their own in the team context, which nothing else
//! uses, so their barrier episodes pair up by count: every team thread arrives exactly twice per
//! collective, at A and then at B (the root also when it panics in between: it catches the
//! panic, arrives at B, then resumes it), until the team is abandoned, after which no episode
//! completes (see the barrier module). A plain [`Team::barrier`] cannot be mistaken for one of them.
//!
//! 1. Every thread puts its contribution in a cell on its own stack (`Given`) and writes the
//!    cell's address, with the id of its types, to its entry of the board (under the board's
//!    lock, which only serializes growing the board).
//! 2. Barrier A. Every thread has written its entry for this collective; none touches its cell
//!    again until it has passed B.
//! 3. Thread 0, the *root*, checks every entry's types (a thread in another collective makes it
//!    panic before it reads any cell), moves the contributions out in thread order, computes the
//!    result (user code), and writes a clone into every other thread's cell (`Done`).
//! 4. Barrier B. Every thread takes `Done` from its own cell, or panics when the root failed.
//!
//! Memory: the barrier's release sequence orders every thread's step 1 before the root's reads,
//! and the root's writes before every thread's take. No thread can leave the region between A
//! and B (they all wait at B, the root included), so B is never abandoned while the root reads
//! or writes a cell. Reentry: a collective started from the root's user code in step 3 would
//! arrive at the collectives' barrier out of turn, so `Team::in_collective` refuses it with a
//! panic.
//!
//! Cost: two barrier episodes, `n` lock acquisitions and `n - 1` clones of the result per
//! collective of `n` threads; the combining itself runs on the root alone, in thread order.

use crate::barrier::Barrier;
use crate::sync::{Mutex, UnsafeCell};
use crate::team::Team;
use std::any::TypeId;
use std::ops::Add;
use std::panic::{self, AssertUnwindSafe};

/// The collectives' barrier and board, in the team context.
#[derive(Debug, Default)]
pub(crate) struct Collective {
    /// Used by collectives alone (see the module docs).
    pub(crate) barrier: Barrier,
    /// One entry per team thread, grown to the team size on first use.
    board: Mutex<Vec<Entry>>,
}

/// A team thread's entry on the board: the address of its cell and the id of the cell's types.
#[derive(Debug)]
struct Entry {
    cell: *const (),
    types: TypeId,
}

// SAFETY: an entry is an address and a type id; the address is dereferenced only by the root of
// the collective that wrote it, between barriers A and B (see the module docs), when the cell is
// alive and its owner does not touch it.
unsafe impl Send for Entry {}

impl Entry {
    fn empty() -> Self {
        Self {
            cell: std::ptr::null(),
            types: TypeId::of::<Entry>(),
        }
    }
}

/// What a team thread's cell holds during a collective.
enum Exchange<T, R> {
    /// The thread's contribution, until the root takes it.
    Given(T),
    /// Taken by the root, or by the thread itself.
    Empty,
    /// The result, written by the root.
    Done(R),
}

type Cell<T, R> = UnsafeCell<Exchange<T, R>>;

impl Collective {
    /// Step 1: writes `thread_id`'s entry.
    fn post<T: 'static, R: 'static>(&self, thread_id: usize, team_size: usize, cell: &Cell<T, R>) {
        let mut board = self.board.lock();
        if board.len() < team_size {
            board.resize_with(team_size, Entry::empty);
        }
        board[thread_id] = Entry {
            cell: (cell as *const Cell<T, R>).cast(),
            types: TypeId::of::<(T, R)>(),
        };
    }

    /// Step 3, first part: the cells of the `team_size` threads, in thread order.
    ///
    /// # Panics
    ///
    /// If a thread's entry is not of this collective's types (team threads in different
    /// collectives).
    fn cells<T: 'static, R: 'static>(&self, team_size: usize) -> Vec<*const Cell<T, R>> {
        let board = self.board.lock();
        let types = TypeId::of::<(T, R)>();
        (0..team_size)
            .map(|thread| match board.get(thread) {
                Some(entry) if entry.types == types && !entry.cell.is_null() => entry.cell.cast(),
                _ => mismatch_panic(thread),
            })
            .collect()
    }
}

#[cold]
fn mismatch_panic(thread: usize) -> ! {
    panic!(
        "workshare: team thread {thread} is in another collective (every team thread must \
         reach the same collectives, with the same types, in the same order)"
    )
}

impl Team<'_> {
    /// Gathers one value from every team thread on thread 0, which turns them (in thread order)
    /// into one result with `finish`; every team thread returns a clone of that result. The
    /// building block of [`reduce`](Team::reduce) and [`broadcast`](Team::broadcast), and of
    /// reductions that need every contribution at once (deterministic ones combine them in a
    /// fixed order).
    ///
    /// Every team thread must call it, in the same order relative to the team's other
    /// collectives; `finish` runs on thread 0 only.
    ///
    /// # Panics
    ///
    /// When team threads are in different collectives, or `gather` is called from `finish`
    /// itself: on thread 0, and on the others with a message that the root failed. A panic in
    /// `finish` (or in a clone) reaches every other team thread the same way; the region
    /// resumes the first panic on its caller. Like [`barrier`](Team::barrier) when a team
    /// thread panicked or left the region, and in a region of independent shares (a loop's).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(3).unwrap();
    /// pool.region(|team| {
    ///     let ids = team.gather(team.thread_id(), |all| all);
    ///     assert_eq!(ids, [0, 1, 2]);
    /// });
    /// ```
    pub fn gather<T, R>(&self, value: T, finish: impl FnOnce(Vec<T>) -> R) -> R
    where
        T: Send + 'static,
        R: Send + Clone + 'static,
    {
        let Some(sync) = self.context_for("team collective") else {
            return finish(vec![value]);
        };
        if self.in_collective.get() {
            reentry_panic();
        }
        let collective = &sync.collective;
        let team_size = self.team_size();
        let cell: Cell<T, R> = UnsafeCell::new(Exchange::Given(value));
        collective.post(self.thread_id(), team_size, &cell);
        self.wait_at_or_panic(&collective.barrier, "team collective");
        if self.thread_id() == 0 {
            self.in_collective.set(true);
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                root(collective.cells(team_size), finish)
            }));
            self.in_collective.set(false);
            // B in every case, so that the collectives stay paired; then the root's panic.
            let arrived = self.wait_at(&collective.barrier);
            return match (outcome, arrived) {
                (Err(payload), _) => panic::resume_unwind(payload),
                (Ok(_), Err(why)) => self.give_up(why, "team collective"),
                (Ok(result), Ok(())) => result,
            };
        }
        self.wait_at_or_panic(&collective.barrier, "team collective");
        // SAFETY: past B the root no longer touches this cell (module docs, step 4), and this
        // thread holds no other reference to it.
        match cell
            .with_mut(|exchange| unsafe { std::mem::replace(&mut *exchange, Exchange::Empty) })
        {
            Exchange::Done(result) => result,
            _ => panic!("workshare: team collective abandoned because thread 0 panicked in it"),
        }
    }

    /// Combines one value from every team thread with `combine`, in thread order
    /// (`((v0 + v1) + v2) + ...` for `+`), and returns the result on every team thread: OpenMP's
    /// `reduction` clause, for a running team. The result depends only on the values and the
    /// team size (for floating point too); for the same bits with any team size, reduce fixed
    /// blocks of the data instead (`workshare-reductions` has such team reductions).
    ///
    /// # Panics
    ///
    /// As [`gather`](Team::gather); `combine` runs on thread 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(3).unwrap();
    /// pool.region(|team| {
    ///     let largest = team.reduce(team.thread_id() * 10, usize::max);
    ///     assert_eq!(largest, 20);
    /// });
    /// ```
    pub fn reduce<T>(&self, value: T, mut combine: impl FnMut(T, T) -> T) -> T
    where
        T: Send + Clone + 'static,
    {
        self.gather(value, |values| {
            let mut values = values.into_iter();
            let first = values.next().expect("a team has at least one thread");
            values.fold(first, &mut combine)
        })
    }

    /// The sum of one value from every team thread, added in thread order, on every team
    /// thread. Like [`reduce`](Team::reduce) with `+`.
    ///
    /// # Panics
    ///
    /// As [`gather`](Team::gather).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(4).unwrap();
    /// pool.region(|team| {
    ///     let total = team.sum(team.thread_id() as u64 + 1);
    ///     assert_eq!(total, 1 + 2 + 3 + 4);
    /// });
    /// ```
    pub fn sum<T>(&self, value: T) -> T
    where
        T: Send + Clone + Add<Output = T> + 'static,
    {
        self.reduce(value, |a, b| a + b)
    }

    /// Hands the value that exactly one team thread passes as `Some` to every team thread:
    /// OpenMP's `copyprivate`. (`workshare-parfor`'s `single_copy` runs a block on one thread
    /// and broadcasts its result.)
    ///
    /// # Panics
    ///
    /// When no thread or more than one passes `Some` (on every thread), and as
    /// [`gather`](Team::gather).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(3).unwrap();
    /// pool.region(|team| {
    ///     let mine = (team.thread_id() == 2).then(|| String::from("from 2"));
    ///     assert_eq!(team.broadcast(mine), "from 2");
    /// });
    /// ```
    pub fn broadcast<T>(&self, value: Option<T>) -> T
    where
        T: Send + Clone + 'static,
    {
        self.gather(value, |values| {
            let mut given = values.into_iter().flatten();
            match (given.next(), given.next()) {
                (Some(value), None) => value,
                (None, _) => panic!("workshare: broadcast with no value (no thread passed Some)"),
                (Some(_), Some(_)) => {
                    panic!("workshare: broadcast with more than one value (passed Some twice)")
                }
            }
        })
    }
}

/// Step 3 on the root, given the cells in thread order (its own first).
fn root<T, R: Clone>(cells: Vec<*const Cell<T, R>>, finish: impl FnOnce(Vec<T>) -> R) -> R {
    let values = cells
        .iter()
        .map(|&cell| {
            // SAFETY: between A and B the root alone touches every cell, each alive on its
            // thread's stack until that thread passes B, which it cannot before the root
            // arrives there (module docs); the entry's type id matched `(T, R)`.
            let exchange = unsafe { &*cell }
                .with_mut(|exchange| unsafe { std::mem::replace(&mut *exchange, Exchange::Empty) });
            match exchange {
                Exchange::Given(value) => value,
                _ => unreachable!("a collective's cell held no contribution"),
            }
        })
        .collect();
    let result = finish(values);
    for &cell in &cells[1..] {
        let copy = result.clone();
        // SAFETY: as above.
        unsafe { &*cell }.with_mut(|exchange| unsafe { *exchange = Exchange::Done(copy) });
    }
    result
}

#[cold]
fn reentry_panic() -> ! {
    panic!("workshare: a team collective started inside the combining step of another")
}

#[cfg(test)]
mod tests {
    use crate::Pool;
    use std::panic::{self, AssertUnwindSafe};

    #[test]
    fn reduce_sum_broadcast_on_every_thread_count() {
        // Fewer under Miri, which is slow; the protocol is the same for every size.
        let threads: &[usize] = if cfg!(miri) {
            &[1, 3]
        } else {
            &[1, 2, 3, 4, 5, 6, 7, 8]
        };
        for &threads in threads {
            let pool = Pool::new(threads).unwrap();
            pool.region(|team| {
                let n = team.team_size();
                for round in 0..3 {
                    let me = team.thread_id() + round;
                    assert_eq!(team.sum(me), (0..n).map(|t| t + round).sum::<usize>());
                    let order = team.reduce(vec![me], |mut a, b| {
                        a.extend(b);
                        a
                    });
                    assert_eq!(order, (0..n).map(|t| t + round).collect::<Vec<_>>());
                    let from = n - 1;
                    let given = (team.thread_id() == from).then(|| format!("{round}"));
                    assert_eq!(team.broadcast(given), round.to_string());
                }
            });
        }
    }

    #[test]
    fn panic_in_combine_reaches_the_caller_and_the_pool_stays_usable() {
        let pool = Pool::new(3).unwrap();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                team.reduce(1, |_, _| -> i32 { panic!("combine failed") });
            })
        }));
        let payload = caught.expect_err("the region must panic");
        // The first panic recorded: the root's own, or another thread's report of it.
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(
            message == "combine failed" || message.contains("thread 0 panicked"),
            "{message}"
        );
        pool.region(|team| assert_eq!(team.sum(1), team.team_size()));
    }

    #[test]
    fn a_panic_caught_inside_the_region_keeps_collectives_paired() {
        let pool = Pool::new(3).unwrap();
        pool.region(|team| {
            let failed = panic::catch_unwind(AssertUnwindSafe(|| {
                team.reduce(1, |_, _| -> i32 { panic!("combine failed") })
            }));
            assert!(failed.is_err(), "every thread sees the failed reduction");
            assert_eq!(team.sum(2), 2 * team.team_size());
        });
    }

    #[test]
    fn mismatched_collectives_panic_instead_of_mixing_types() {
        let pool = Pool::new(2).unwrap();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                if team.thread_id() == 0 {
                    team.sum(1u32);
                } else {
                    team.sum(1u64);
                }
            })
        }));
        assert!(caught.is_err());
        pool.region(|team| assert_eq!(team.sum(1u8), team.team_size() as u8));
    }

    #[test]
    fn broadcast_without_exactly_one_value_panics() {
        let pool = Pool::new(2).unwrap();
        for winners in [0, 2] {
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.region(|team| {
                    team.broadcast((team.thread_id() < winners).then_some(1));
                })
            }));
            assert!(caught.is_err(), "{winners} values");
        }
    }

    #[test]
    fn a_collective_inside_the_combining_step_panics() {
        let pool = Pool::new(2).unwrap();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                team.reduce(1, |a, b| a + b + team.sum(0));
            })
        }));
        assert!(caught.is_err());
    }

    #[test]
    fn a_thread_that_leaves_releases_the_others() {
        let pool = Pool::new(3).unwrap();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                if team.thread_id() != 1 {
                    team.sum(1);
                }
            })
        }));
        assert!(caught.is_err());
    }
}
