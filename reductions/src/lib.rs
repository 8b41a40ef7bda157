//! Reductions and per-thread storage slots on top of workshare's parallel loops.
//!
//! Every parallel loop that accumulates needs somewhere for each thread to add up its share.
//! This crate gives that place a type, so that the shared-accumulator race of hand-written
//! parallel loops cannot be written (see [`safety`]):
//!
//! * **Reductions** over an index range or a slice (any [`Input`]) under any [`Schedule`]:
//!   the general [`reduce`] (identity, fold, combine), the ready-made [`sum`], [`product`],
//!   [`min`], [`max`], [`count`], [`argmin`] and [`argmax`] (ties go to the lowest index), and
//!   user-defined ones through the [`Monoid`] trait with [`reduce_monoid`]; tuples of monoids
//!   run several reductions in one pass.
//! * **Deterministic reductions**, [`reduce_deterministic`] and [`sum_deterministic`]:
//!   bit-identical floating-point results for every thread count and schedule, from fixed
//!   blocks of [`BLOCK_LEN`] items combined in a fixed tree.
//! * **Scans** (prefix sums) with any associative operator, [`scan_inclusive`],
//!   [`scan_exclusive`], their in-place forms and [`prefix_sum`]: two passes over the same
//!   fixed blocks, so bit-identical for every thread count and schedule, floating point too.
//! * **Per-thread slots**, [`Slots`]: one cache-line-padded value per pool thread, each reached
//!   only by its own thread during a loop, and by the owner after it.
//! * **Inside a running region**, [`team_reduce`], [`team_sum`] and their deterministic forms
//!   [`team_reduce_deterministic`], [`team_sum_deterministic`]: every team thread gets the
//!   result; prefix sums with any associative operator, [`team_scan_inclusive`] and
//!   [`team_scan_exclusive`], the same bits for every team; [`Slots::in_region`] lends the
//!   slots to the team, one per thread id.
//! * **Per-thread state**, [`for_each_init`]: `init` once per participating thread, the states
//!   handed back.
//!
//! Every function takes the [`Pool`] first; the module [`global`] has each of them under the
//! same name, with the same arguments without the pool, on the current pool (the global pool
//! unless `Pool::install` or a region of another pool made another current). The crate
//! depends on `workshare-pool` and `workshare-parfor` only.
//!
//! A closure gets the state it accumulates into first, then the item, as [`Iterator::fold`]
//! does: a fold's `fold(accumulator, item)` ([`reduce`], [`reduce_deterministic`],
//! [`team_reduce`]), `for_each_init`'s `body(state, item)` (rayon's order),
//! [`Slots::for_each`]'s `body(slot, item)`. The root crate's documentation states the rule for
//! every crate.
//!
//! # Results and the team a call gets
//!
//! A call runs on whatever team the pool gives it: the full [`num_threads`](Pool::num_threads)
//! when it is idle, fewer threads when other callers (other threads, or an enclosing region)
//! hold workers, or the calling thread alone. The result does not depend on it: every item is
//! folded exactly once, integer and other exact reductions ([`count`], [`min`], [`max`],
//! [`argmin`], [`argmax`], integer [`sum`]s) return the same value with any team, and the
//! deterministic reductions return the same bits for floating point too, whatever the team
//! size, schedule or run. Only the ordinary floating-point [`sum`], [`product`] and
//! [`reduce`] with a non-associative operator may differ in the last bits between teams, as
//! between schedules (their additions are grouped by the chunks each thread happened to get).
//! [`Slots`] and [`for_each_init`] give one state per team thread of the call.
//!
//! # Examples
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{argmax, sum, Pool, Schedule};
//! let pool = Pool::new(2)?;
//! let n = 100_000i64;
//! let a: Vec<i64> = (1..=n).collect();
//! let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
//! let sq = sum(&pool, 0..a.len(), Schedule::Auto, |i| (a[i] - b[i]).pow(2));
//! assert_eq!(sq, 36 * n);
//! assert_eq!(argmax(&pool, &a[..], Schedule::Auto, |&x| x), Some(a.len() - 1));
//! # Ok::<(), workshare::Error>(())
//! ```

#![warn(missing_docs)]
#![doc(html_root_url = "https://docs.rs/workshare-reductions/0.1.0")]

mod chunks;
mod deterministic;
pub mod global;
mod init;
mod input;
mod monoid;
mod num;
mod reduce;
pub mod safety;
mod scan;
mod slots;
mod team;

pub use deterministic::{reduce_deterministic, sum_deterministic, BLOCK_LEN};
pub use init::for_each_init;
pub use input::Input;
pub use monoid::{ArgMax, ArgMin, Count, Max, Min, Monoid, Product, Sum};
pub use num::Num;
pub use reduce::{argmax, argmin, count, max, min, product, reduce, reduce_monoid, sum};
pub use scan::{
    prefix_sum, scan_exclusive, scan_exclusive_in_place, scan_inclusive, scan_inclusive_in_place,
};
pub use slots::{RegionSlots, Slots};
pub use team::{
    team_reduce, team_reduce_deterministic, team_scan_exclusive, team_scan_inclusive, team_sum,
    team_sum_deterministic,
};
pub use workshare_parfor::{IndexRange, LoopIndex, Pool, Schedule, SliceLike};

#[cfg(test)]
mod models;
