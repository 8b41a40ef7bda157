//! Loom models of the slot protocol, the per-thread partial results, `for_each_init` and the
//! deterministic combine.
//!
//! Each body runs inside [`model`]: under `RUSTFLAGS="--cfg loom"` loom explores its
//! interleavings (bounded by `LOOM_MAX_PREEMPTIONS`), otherwise it runs once as a plain test.
//! Slots live in the facade's `UnsafeCell`, whose `with_mut` loom tracks: two unordered accesses
//! to one slot fail the model, and so does an owner's read not ordered after a thread's write.

use crate::deterministic::{in_block_order, tree_combine};
use crate::slots::{Exclusive, Partials, Slots};
use workshare_parfor::Schedule;
use workshare_pool::sync::{model, thread, Arc, AtomicUsize, CachePadded, Ordering, UnsafeCell};
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

/// The next unclaimed one of `0..len` from a shared counter, the way a dynamic loop hands out
/// chunks: which thread gets which index changes from one interleaving to the next.
fn next_index(counter: &AtomicUsize, len: usize) -> Option<usize> {
    // Relaxed: the counter's modification order alone decides who gets an index.
    let i = counter.fetch_add(1, Ordering::Relaxed);
    (i < len).then_some(i)
}

/// Acts as thread `thread_id` of a loop over `0..len`: adds `i + 1` to its own slot for every
/// index `i` it claims.
fn add_claimed(cells: &Cells<usize>, counter: &AtomicUsize, thread_id: usize, len: usize) {
    let view = Exclusive(&cells.0[..]);
    while let Some(i) = next_index(counter, len) {
        // SAFETY: only this thread acts as `thread_id` in the model.
        unsafe { view.with_slot(thread_id, |slot| *slot += i + 1) };
    }
}

#[test]
fn slot_touched_by_its_thread_only() {
    model(|| {
        // Two threads claim three indices between them in every possible way; each adds to its
        // own slot only, concurrently with the other.
        let slots = cells([0usize, 0]);
        let counter = Arc::new(AtomicUsize::new(0));
        let other = {
            let (slots, counter) = (Arc::clone(&slots), Arc::clone(&counter));
            thread::spawn(move || add_claimed(&slots, &counter, 1, 3))
        };
        // Loom fails the model if the slots overlap.
        add_claimed(&slots, &counter, 0, 3);
        other.join().unwrap();
        // SAFETY: every writer has been joined.
        let values: Vec<usize> = slots.0.iter().map(|c| c.with(|v| unsafe { *v })).collect();
        assert_eq!(values.iter().sum::<usize>(), 1 + 2 + 3);
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
        // Two threads claim four blocks in whatever order the interleaving gives them; the
        // result must still be the blocks in index order.
        const BLOCKS: usize = 4;
        let partials = cells([Vec::new(), Vec::new()]);
        let counter = Arc::new(AtomicUsize::new(0));
        let other = {
            let (partials, counter) = (Arc::clone(&partials), Arc::clone(&counter));
            thread::spawn(move || push_blocks(&partials, &counter, 1, BLOCKS))
        };
        push_blocks(&partials, &counter, 0, BLOCKS);
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

/// Acts as thread `thread_id` of a deterministic reduction: records the partials of the blocks
/// it claims.
fn push_blocks(
    partials: &Cells<Vec<(usize, Vec<usize>)>>,
    counter: &AtomicUsize,
    thread_id: usize,
    blocks: usize,
) {
    let view = Exclusive(&partials.0[..]);
    while let Some(block) = next_index(counter, blocks) {
        // SAFETY: only this thread acts as `thread_id` in the model.
        unsafe { view.with_slot(thread_id, |out| out.push((block, block_partial(block)))) };
    }
}

#[test]
fn deterministic_sum_end_to_end() {
    model(|| {
        // Two blocks on a team of two, the second of one item. Small integers add exactly, so
        // an item dropped, counted twice or read past the end changes the sum.
        let n = crate::BLOCK_LEN + 1;
        let value = |i: usize| (i % 7 + 1) as f64;
        let pool = pool(2);
        let got = crate::sum_deterministic(&pool, 0..n, Schedule::Dynamic(1), value);
        let exact: usize = (0..n).map(|i| i % 7 + 1).sum();
        assert_eq!(got, exact as f64);
    });
}

#[test]
fn partials_combined_after_the_join() {
    model(|| {
        // Each team thread merges the chunks it runs into its own partial result; the owner
        // reads them all after the join. Loom checks both the exclusivity and the ordering.
        let pool = pool(2);
        let mut partials: Partials<Vec<usize>> = Partials::new(&pool);
        partials.for_each_chunk_keyed(&pool, 0..3, Schedule::Dynamic(1), None, |partial, chunk| {
            partial.get_or_insert_with(Vec::new).extend(chunk);
        });
        let values: Vec<Vec<usize>> = partials.take_values().collect();
        assert!(!values.is_empty() && values.len() <= 2);
        let mut indices: Vec<usize> = values.into_iter().flatten().collect();
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2]);
    });
}

#[test]
fn for_each_init_once_per_thread() {
    model(|| {
        // `init` runs once for each team thread that gets a share of the loop, on that thread,
        // before its first item; the states come back one per such thread.
        let pool = pool(2);
        let inits: Vec<AtomicUsize> = (0..2).map(|_| AtomicUsize::new(0)).collect();
        let states = crate::for_each_init(
            &pool,
            0..3,
            Schedule::Dynamic(1),
            |thread_id| {
                // Relaxed: read after the loop's join, which orders it.
                inits[thread_id].fetch_add(1, Ordering::Relaxed);
                (thread_id, Vec::new())
            },
            |(_, items): &mut (usize, Vec<usize>), i| items.push(i),
        );
        let inits: Vec<usize> = inits.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        assert!(inits.iter().all(|&n| n <= 1), "{inits:?}");
        assert_eq!(states.len(), inits.iter().sum::<usize>());
        let mut indices = Vec::new();
        for (thread_id, items) in states {
            assert_eq!(inits[thread_id], 1);
            assert!(!items.is_empty());
            indices.extend(items);
        }
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2]);
    });
}
