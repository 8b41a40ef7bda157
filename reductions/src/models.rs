//! Loom models of the slot protocol and the deterministic combine.
//!
//! Each body runs inside [`model`]: under `RUSTFLAGS="--cfg loom"` loom explores its
//! interleavings (bounded by `LOOM_MAX_PREEMPTIONS`), otherwise it runs once as a plain test.
//! Slots live in the facade's `UnsafeCell`, whose `with_mut` loom tracks: two unordered accesses
//! to one slot fail the model, and so does an owner's read not ordered after a thread's write.

use crate::deterministic::{in_block_order, tree_combine};
use crate::slots::{Exclusive, Slots};
use workshare_parfor::Schedule;
use workshare_pool::sync::{model, thread, Arc, CachePadded, UnsafeCell};
use workshare_pool::{Pool, PoolBuilder};

/// Slot cells that loom threads (which need `'static`) can share.
struct Shared<T>(Box<[CachePadded<UnsafeCell<T>>]>);

// SAFETY: the models reach a slot only through `Exclusive::with_slot` as its own thread id, and
// read after joining; loom checks exactly that ordering.
unsafe impl<T: Send> Sync for Shared<T> {}

type Cells<T> = Arc<Shared<T>>;

fn cells<T>(values: impl IntoIterator<Item = T>) -> Cells<T> {
    let cells = values
        .into_iter()
        .map(|v| CachePadded::new(UnsafeCell::new(v)));
    Arc::new(Shared(cells.collect()))
}

/// A pool whose threads never spin (loom has no time; spinning only multiplies states).
fn pool(n: usize) -> Pool {
    let builder = PoolBuilder::new().num_threads(n);
    builder
        .spin_time(std::time::Duration::ZERO)
        .build()
        .expect("pool")
}

/// Acts as thread `thread_id` of a loop: adds `amount` to its own slot, once per chunk.
fn add_chunks(cells: &Cells<usize>, thread_id: usize, chunks: usize, amount: usize) {
    let view = Exclusive(&cells.0[..]);
    for _ in 0..chunks {
        // SAFETY: only this thread acts as `thread_id` in the model.
        unsafe { view.with_slot(thread_id, |slot| *slot += amount) };
    }
}

#[test]
fn slot_touched_by_its_thread_only() {
    model(|| {
        let slots = cells([0usize, 0]);
        let other = {
            let slots = Arc::clone(&slots);
            thread::spawn(move || add_chunks(&slots, 1, 2, 10))
        };
        // Runs concurrently with the other thread: loom fails the model if the slots overlap.
        add_chunks(&slots, 0, 1, 1);
        other.join().unwrap();
        // SAFETY: every writer has been joined.
        let values: Vec<usize> = slots.0.iter().map(|c| c.with(|v| unsafe { *v })).collect();
        assert_eq!(values, [1, 20]);
    });
}

#[test]
fn owner_sees_every_slot_after_the_join() {
    model(|| {
        let pool = pool(2);
        let mut slots: Slots<usize> = Slots::new(&pool);
        let view = Exclusive(&slots.cells);
        pool.region(|team| {
            let me = team.thread_id();
            // SAFETY: each team thread acts as its own thread id.
            unsafe { view.with_slot(me, |slot| *slot = me + 1) };
        });
        // Loom checks that these reads are ordered after the workers' writes by the join.
        assert_eq!(slots.iter().copied().collect::<Vec<_>>(), [1, 2]);
        slots.iter_mut().for_each(|slot| *slot = 0);
    });
}

#[test]
fn slots_for_each_end_to_end() {
    model(|| {
        let pool = pool(2);
        let mut slots: Slots<usize> = Slots::new(&pool);
        slots.for_each(&pool, 0..3, Schedule::Dynamic(1), |slot, i| *slot += i + 1);
        assert_eq!(slots.iter().sum::<usize>(), 1 + 2 + 3);
    });
}

/// Block partials that show the combine order: `[block]`, concatenated.
fn block_partial(block: usize) -> Vec<usize> {
    vec![block]
}

#[test]
fn deterministic_combine_order() {
    model(|| {
        // Two threads share four blocks in an interleaved order that differs from the
        // block order; the result must still be the blocks in index order.
        const BLOCKS: usize = 4;
        let partials = cells([Vec::new(), Vec::new()]);
        let other = {
            let partials = Arc::clone(&partials);
            thread::spawn(move || push_blocks(&partials, 1, [3, 1]))
        };
        push_blocks(&partials, 0, [2, 0]);
        other.join().unwrap();
        let partials = Arc::try_unwrap(partials).ok().expect("joined");
        let pairs = partials
            .0
            .into_vec()
            .into_iter()
            .flat_map(|c| c.into_inner().into_inner());
        let ordered = in_block_order(pairs, BLOCKS);
        let combined = tree_combine(ordered, |mut a: Vec<usize>, b| {
            a.extend(b);
            a
        });
        assert_eq!(combined, Some(vec![0, 1, 2, 3]));
    });
}

/// Acts as thread `thread_id` of a deterministic reduction: records its blocks' partials.
fn push_blocks(partials: &Cells<Vec<(usize, Vec<usize>)>>, thread_id: usize, blocks: [usize; 2]) {
    let view = Exclusive(&partials.0[..]);
    for block in blocks {
        // SAFETY: only this thread acts as `thread_id` in the model.
        unsafe { view.with_slot(thread_id, |out| out.push((block, block_partial(block)))) };
    }
}

#[test]
fn deterministic_sum_end_to_end() {
    model(|| {
        // Two blocks on a team of two, f64 values whose sum depends on the order.
        let n = crate::BLOCK_LEN + 1;
        let value = |i: usize| if i == 0 { 1e16 } else { 1.0 };
        let pool = pool(2);
        let got = crate::sum_deterministic(&pool, 0..n, Schedule::Dynamic(1), value);
        let serial_blocks: f64 = (0..n - 1).map(value).sum::<f64>() + value(n - 1);
        assert_eq!(got.to_bits(), serial_blocks.to_bits());
    });
}
