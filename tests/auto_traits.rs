//! The auto traits of every public type, pinned: a change that adds or loses `Send`, `Sync`,
//! `Unpin`, `UnwindSafe` or `RefUnwindSafe` fails to compile here (or, for the traits a type
//! must not have, in the `compile_fail` examples of `workshare::pool::Team`).

use std::panic::{catch_unwind, RefUnwindSafe, UnwindSafe};
use workshare::parfor::{Ctx, ParseScheduleError, Schedule, TuneOptions, TuneReport};
use workshare::pool::{Stats, ThreadStats};
use workshare::reductions::Slots;
use workshare::{Error, KeepWarm, Pool, PoolBuilder, Team, Unavailable, WorkShare};

fn all<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}
fn send_unpin<T: Send + Unpin>() {}
fn unpin<T: Unpin>() {}

#[test]
fn public_types_have_their_auto_traits() {
    all::<Pool>();
    all::<KeepWarm<'static>>();
    all::<Error>();
    all::<Unavailable>();
    all::<Schedule>();
    all::<ParseScheduleError>();
    all::<Ctx>();
    all::<Stats>();
    all::<ThreadStats>();
    all::<TuneOptions>();
    all::<TuneReport>();
    all::<Slots<u64>>();
    // A builder owns its thread-name closure (`Send + Sync`, not necessarily unwind-safe).
    send_unpin::<PoolBuilder>();
    // A team handle belongs to its team thread: `Send` (a body may move it into a scoped
    // helper it joins), never `Sync`; a worksharing construct handle is neither.
    send_unpin::<Team<'static>>();
    unpin::<WorkShare<'static>>();
}

#[test]
fn a_pool_crosses_catch_unwind_and_stays_usable() {
    let pool = Pool::new(2).unwrap();
    let caught = catch_unwind(|| pool.region(|team| assert_ne!(team.thread_id(), 1, "boom")));
    assert!(caught.is_err());
    let n = std::sync::atomic::AtomicUsize::new(0);
    pool.region(|_| {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(n.into_inner(), 2);
}
