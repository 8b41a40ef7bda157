#![cfg(not(loom))]
//! What the reductions accept: index ranges of every primitive integer type, `..` and `..=`
//! (items are `usize` indices), and `&[T]`, `&Vec<T>`, `&[T; N]`, `&Box<[T]>` and tuples of
//! them. Every accepted form folds each item exactly once; bad bounds panic clearly, at the
//! caller's line, before anything runs.

use std::any::Any;
use std::cell::RefCell;
use std::fmt::Debug;
use std::ops::Range;
use std::panic::{self, catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use workshare_reductions::{
    argmax, argmin, count, for_each_init, global, max, min, reduce, reduce_deterministic,
    reduce_monoid, sum, sum_deterministic, team_reduce, team_reduce_deterministic, team_sum,
    team_sum_deterministic, IndexRange, Input, Pool, Schedule, Slots, Sum,
};

const SCHEDULES: [Schedule; 6] = [
    Schedule::Auto,
    Schedule::Static,
    Schedule::StaticChunk(3),
    Schedule::Dynamic(2),
    Schedule::Guided(1),
    Schedule::Stealing,
];

/// Runs every reduction over `input` under every schedule and checks that each item was folded
/// exactly once: `key` maps an item to a number, and `expected` is the keys of the items in
/// order.
fn every_reduction<I, K>(pool: &Pool, input: I, key: K, expected: &[u64])
where
    I: Input + Clone + Debug,
    K: Fn(I::Item) -> u64 + Sync + Copy,
{
    let what = |name: &str, schedule: Schedule| format!("{name} {input:?} {schedule:?}");
    let mut sorted = expected.to_vec();
    sorted.sort_unstable();
    let total: u64 = expected.iter().sum();
    let keys = |mut all: Vec<u64>| {
        all.sort_unstable();
        all
    };
    let concat = |mut a: Vec<u64>, b: Vec<u64>| {
        a.extend(b);
        a
    };
    let push = move |mut acc: Vec<u64>, item| {
        acc.push(key(item));
        acc
    };
    assert_eq!(input.len(), expected.len(), "{input:?}");
    for schedule in SCHEDULES {
        let all = reduce(pool, input.clone(), schedule, Vec::new, push, concat);
        assert_eq!(keys(all), sorted, "{}", what("reduce", schedule));
        // In order: the deterministic reductions combine in position order.
        let ordered = reduce_deterministic(pool, input.clone(), schedule, Vec::new, push, concat);
        assert_eq!(
            ordered,
            expected,
            "{}",
            what("reduce_deterministic", schedule)
        );
        let s: u64 = sum(pool, input.clone(), schedule, key);
        assert_eq!(s, total, "{}", what("sum", schedule));
        let s: u64 = sum_deterministic(pool, input.clone(), schedule, key);
        assert_eq!(s, total, "{}", what("sum_deterministic", schedule));
        let s: Sum<u64> = reduce_monoid(pool, input.clone(), schedule, |item| Sum(key(item)));
        assert_eq!(s.0, total, "{}", what("reduce_monoid", schedule));
        let n = count(pool, input.clone(), schedule, |_| true);
        assert_eq!(n, expected.len(), "{}", what("count", schedule));
        let m = min(pool, input.clone(), schedule, key);
        assert_eq!(m, sorted.first().copied(), "{}", what("min", schedule));
        let m = max(pool, input.clone(), schedule, key);
        assert_eq!(m, sorted.last().copied(), "{}", what("max", schedule));

        let states = for_each_init(
            pool,
            input.clone(),
            schedule,
            |_| Vec::new(),
            |v, item| v.push(key(item)),
        );
        assert_eq!(
            keys(states.concat()),
            sorted,
            "{}",
            what("for_each_init", schedule)
        );
        let mut slots: Slots<Vec<u64>> = Slots::new(pool);
        slots.for_each(pool, input.clone(), schedule, |v, item| v.push(key(item)));
        let all: Vec<u64> = slots.into_vec().concat();
        assert_eq!(keys(all), sorted, "{}", what("Slots::for_each", schedule));

        pool.region(|team| {
            let all = team_reduce(team, input.clone(), schedule, Vec::new, push, concat);
            assert_eq!(keys(all), sorted, "{}", what("team_reduce", schedule));
            let all =
                team_reduce_deterministic(team, input.clone(), schedule, Vec::new, push, concat);
            assert_eq!(
                all,
                expected,
                "{}",
                what("team_reduce_deterministic", schedule)
            );
            let s: u64 = team_sum(team, input.clone(), schedule, key);
            assert_eq!(s, total, "{}", what("team_sum", schedule));
            let s: u64 = team_sum_deterministic(team, input.clone(), schedule, key);
            assert_eq!(s, total, "{}", what("team_sum_deterministic", schedule));
        });
    }
    pool.install(|| {
        let all = global::reduce(input.clone(), Schedule::Auto, Vec::new, push, concat);
        assert_eq!(keys(all), sorted, "global::reduce {input:?}");
        let s: u64 = global::sum(input.clone(), Schedule::Auto, key);
        assert_eq!(s, total, "global::sum {input:?}");
    });
}

/// [`every_reduction`] over an index range, whose items are the indices `expected`, plus the
/// loops that take a range and the index that `argmin` and `argmax` return.
fn every_range<R>(pool: &Pool, range: R, expected: Range<usize>)
where
    R: IndexRange + Input<Item = usize> + Clone,
{
    let indices: Vec<u64> = expected.clone().map(|i| i as u64).collect();
    every_reduction(pool, range.clone(), |i| i as u64, &indices);
    for schedule in SCHEDULES {
        let mut slots: Slots<Vec<usize>> = Slots::new(pool);
        slots.for_each_chunk(pool, range.clone(), schedule, |v, chunk| v.extend(chunk));
        let mut all = slots.into_vec().concat();
        all.sort_unstable();
        assert!(
            all.iter().copied().eq(expected.clone()),
            "{range:?} {schedule:?}"
        );
        // Over a range, the arg reductions return the index itself.
        let first = argmin(pool, range.clone(), schedule, |i| i as u64);
        assert_eq!(first, expected.clone().next(), "{range:?} {schedule:?}");
        let last = argmax(pool, range.clone(), schedule, |i| i as u64);
        assert_eq!(last, expected.clone().last(), "{range:?} {schedule:?}");
    }
}

macro_rules! every_type {
    ($pool:expr; $($t:ty),*) => {$(
        every_range($pool, (3 as $t)..(40 as $t), 3..40);
        every_range($pool, (3 as $t)..=(40 as $t), 3..41);
        every_range($pool, (0 as $t)..=(100 as $t), 0..101);
        every_range($pool, (7 as $t)..=(7 as $t), 7..8);
    )*};
}

#[test]
fn every_integer_type_folds_each_index_once() {
    let pool = Pool::new(3).unwrap();
    every_type!(&pool; u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);
    every_range(&pool, 0u8..=u8::MAX, 0..256);
    every_range(&pool, 0i8..=i8::MAX, 0..128);
    // Past one deterministic block (`BLOCK_LEN` items).
    every_range(&pool, 1i64..=10_000, 1..10_001);
}

#[test]
fn bounds_near_the_top_of_each_type() {
    let pool = Pool::new(2).unwrap();
    let top = usize::MAX;
    assert_eq!((top - 5..=top - 1).to_usize_range(), top - 5..top);
    let n = count(&pool, top - 5..=top - 1, Schedule::Dynamic(1), |_| true);
    assert_eq!(n, 5);
    assert_eq!(
        argmax(&pool, top - 5..top, Schedule::Static, |i| i),
        Some(top - 1)
    );
    let max_i32 = i32::MAX as usize;
    let n = count(&pool, i32::MAX - 4..=i32::MAX, Schedule::Guided(1), |_| {
        true
    });
    assert_eq!(n, 5);
    let last = argmax(&pool, i32::MAX - 4..=i32::MAX, Schedule::Stealing, |i| i);
    assert_eq!(last, Some(max_i32));
    #[cfg(target_pointer_width = "64")]
    {
        let n = count(&pool, u64::MAX - 5..u64::MAX, Schedule::Auto, |_| true);
        assert_eq!(n, 5);
        let last = argmax(&pool, i64::MAX - 4..=i64::MAX, Schedule::Static, |i| i);
        assert_eq!(last, Some(i64::MAX as usize));
        let near = u64::MAX as u128;
        let first = argmin(&pool, near - 3..near, Schedule::Dynamic(1), |i| i);
        assert_eq!(first, Some(top - 3));
    }
}

#[test]
fn every_slice_form_and_tuple_folds_each_item_once() {
    let pool = Pool::new(3).unwrap();
    let n = 37;
    let v: Vec<u64> = (0..n).collect();
    let arr: [u64; 37] = std::array::from_fn(|i| 100 + i as u64);
    let boxed: Box<[u64]> = (0..n).map(|x| 1000 + x).collect();
    let expected = |offset: u64| (0..n).map(|i| offset + i).collect::<Vec<_>>();
    every_reduction(&pool, &v, |&x| x, &expected(0));
    every_reduction(&pool, &v[..], |&x| x, &expected(0));
    every_reduction(&pool, &arr, |&x| x, &expected(100));
    every_reduction(&pool, &boxed, |&x| x, &expected(1000));
    every_reduction(&pool, (&boxed,), |&x| x, &expected(1000));
    // Tuples mixing the forms: the key packs the elements, so a pair from two positions shows.
    let pairs: Vec<u64> = (0..n).map(|i| (100 + i) * 10_000 + i).collect();
    every_reduction(&pool, (&arr, &v[..]), |(&a, &b)| a * 10_000 + b, &pairs);
    let triples: Vec<u64> = (0..n)
        .map(|i| ((1000 + i) * 10_000 + i) * 10_000 + 100 + i)
        .collect();
    every_reduction(
        &pool,
        (&boxed, &v, &arr),
        |(&a, &b, &c)| (a * 10_000 + b) * 10_000 + c,
        &triples,
    );
    // Empty inputs of every form.
    let (empty_v, empty_a): (Vec<u64>, [u64; 0]) = (Vec::new(), []);
    every_reduction(&pool, &empty_v, |&x| x, &[]);
    every_reduction(&pool, (&empty_a, &empty_v), |(&a, &b)| a + b, &[]);
}

#[test]
fn indexed_folds_pass_positions_for_every_slice_form() {
    let v = vec![5u8, 6, 7, 8];
    let a = [1u8, 2, 3, 4];
    let b: Box<[u8]> = Box::new([9, 9, 9, 9]);
    let seen = |input: &dyn Fn(&mut Vec<usize>)| {
        let mut out = Vec::new();
        input(&mut out);
        out
    };
    let positions = [1, 2, 3];
    assert_eq!(
        seen(&|out| (&v).fold_indexed(1..4, (), |(), i, _| out.push(i))),
        positions
    );
    assert_eq!(
        seen(&|out| (&a, &b).fold_indexed(1..4, (), |(), i, _| out.push(i))),
        positions
    );
    assert_eq!(
        seen(&|out| (&a, &b, &v).fold_indexed(1..4, (), |(), i, _| out.push(i))),
        positions
    );
    assert_eq!(
        seen(&|out| (3u32..=6).fold_indexed(1..4, (), |(), i, _| out.push(i))),
        [4, 5, 6]
    );
    let sums: Vec<u8> = (&a, &b, &v).fold(0..4, Vec::new(), |mut acc, (x, y, z)| {
        acc.push(x + y + z);
        acc
    });
    assert_eq!(sums, [15, 17, 19, 21]);
}

/// Integer literals with no other type information are `i32`s (Rust's fallback); the closures
/// still get `usize` indices, known when they are type-checked, so methods on what they index
/// need no annotation.
#[test]
fn untyped_literals_keep_working() {
    let pool = Pool::new(2).unwrap();
    let a: Vec<i64> = (1..=100).collect();
    let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
    let sq = sum(&pool, 0..100, Schedule::Auto, |i| (a[i] - b[i]).pow(2));
    assert_eq!(sq, 36 * 100);
    let sq = sum(&pool, 0..=99, Schedule::Static, |i| (a[i] - b[i]).pow(2));
    assert_eq!(sq, 36 * 100);
    assert_eq!(argmax(&pool, 0..100, Schedule::Auto, |i| a[i]), Some(99));
    let x = sum_deterministic(&pool, 0..1000, Schedule::Dynamic(10), |i| (i as f64).sqrt());
    let y = sum_deterministic(&pool, 0usize..1000, Schedule::Static, |i| (i as f64).sqrt());
    assert_eq!(x.to_bits(), y.to_bits());
    assert_eq!(global::sum(0..10, Schedule::Auto, |i| i), 45);
}

#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_and_reversed_ranges_give_the_identity() {
    let pool = Pool::new(2).unwrap();
    every_range(&pool, 5..5, 5..5);
    every_range(&pool, 9..3, 9..9);
    every_range(&pool, 0..=-1, 0..0);
    every_range(&pool, -1..-5, 0..0);
    every_range(&pool, -3i64..=-4, 0..0);
    every_range(&pool, u128::MAX..0, 0..0);
    every_range(&pool, usize::MAX..0, 0..0);
    let mut used = 0u16..=3;
    used.by_ref().for_each(drop);
    every_range(&pool, used, 3..3);
    assert_eq!(
        sum(&pool, -1i32..-5, Schedule::Auto, |_| -> u64 {
            panic!("ran")
        }),
        0
    );
}

#[test]
#[should_panic(
    expected = "workshare: index range -5..10 has a negative bound: -5 (loop indices are usize)"
)]
fn a_negative_start_panics() {
    let pool = Pool::new(2).unwrap();
    let _ = sum(&pool, -5..10, Schedule::Static, |i| i);
}

#[test]
#[should_panic(
    expected = "workshare: index range 0..1180591620717411303424 has a bound past usize::MAX"
)]
fn a_bound_past_usize_max_panics() {
    let pool = Pool::new(2).unwrap();
    let _ = count(&pool, 0u128..1 << 70, Schedule::Auto, |_| true);
}

#[test]
#[cfg(target_pointer_width = "64")]
#[should_panic(
    expected = "workshare: index range 0..=18446744073709551615 ends at usize::MAX: its exclusive end does not fit in usize"
)]
fn zero_to_usize_max_inclusive_panics() {
    let pool = Pool::new(2).unwrap();
    // A fold that ran would panic with another message (and not end for centuries).
    let _ = count(&pool, 0..=usize::MAX, Schedule::Static, |_| unreachable!());
}

#[test]
#[should_panic(expected = "workshare: zipped inputs have lengths [3, 3, 2]")]
fn zipped_triples_of_different_lengths_panic() {
    let pool = Pool::new(2).unwrap();
    let (a, b, c) = (vec![1u8; 3], [2u8; 3], vec![3u8; 2].into_boxed_slice());
    let _ = sum(&pool, (&a, &b, &c), Schedule::Auto, |(x, y, z)| {
        u32::from(x + y + z)
    });
}

thread_local! {
    /// The file of the last panic on this thread.
    static PANIC_FILE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The message and file of the panic that `f` raises on the calling thread.
fn panic_of(f: impl FnOnce()) -> (String, String) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file().to_owned());
            PANIC_FILE.with(|f| *f.borrow_mut() = file);
            previous(info);
        }));
    });
    let payload: Box<dyn Any + Send> = catch_unwind(AssertUnwindSafe(f)).expect_err("no panic");
    let message = match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    };
    let file = PANIC_FILE
        .with(|f| f.borrow_mut().take())
        .expect("a location");
    (message, file)
}

/// Discards a reduction's result.
fn ignore<T>(_: T) {}

/// The reductions that take a pool panic at the caller's line on a bad range, before anything
/// runs; the zipped-length panic too.
#[test]
fn bad_inputs_panic_at_the_callers_line() {
    let pool = Pool::new(2).unwrap();
    let bad = || -7i64..=3;
    let expected =
        "workshare: index range -7..=3 has a negative bound: -7 (loop indices are usize)";
    type Case<'a> = Box<dyn FnOnce() + 'a>;
    let s = Schedule::Dynamic(1);
    let cases: Vec<(&str, Case<'_>)> = vec![
        ("sum", Box::new(|| ignore(sum(&pool, bad(), s, |i| i)))),
        (
            "count",
            Box::new(|| ignore(count(&pool, bad(), s, |_| true))),
        ),
        (
            "argmax",
            Box::new(|| ignore(argmax(&pool, bad(), s, |i| i))),
        ),
        (
            "argmin",
            Box::new(|| ignore(argmin(&pool, bad(), s, |i| i))),
        ),
        (
            "reduce",
            Box::new(|| ignore(reduce(&pool, bad(), s, || 0, |a, i| a + i, |a, b| a + b))),
        ),
        (
            "sum_deterministic",
            Box::new(|| ignore(sum_deterministic(&pool, bad(), s, |i| i as f64))),
        ),
        (
            "for_each_init",
            Box::new(|| ignore(for_each_init(&pool, bad(), s, |_| (), |_, _| {}))),
        ),
        (
            "Slots::for_each",
            Box::new(|| Slots::<u8>::new(&pool).for_each(&pool, bad(), s, |_, _| {})),
        ),
        (
            "Slots::for_each_chunk",
            Box::new(|| Slots::<u8>::new(&pool).for_each_chunk(&pool, bad(), s, |_, _| {})),
        ),
        ("Input::len", Box::new(|| ignore(bad().len()))),
    ];
    for (what, case) in cases {
        let (message, file) = panic_of(case);
        assert_eq!(message, expected, "{what}");
        assert_eq!(file, file!(), "{what}");
    }
    // The team and global forms panic with the same message.
    let (message, _) = panic_of(|| pool.region(|team| ignore(team_sum(team, bad(), s, |i| i))));
    assert_eq!(message, expected);
    let (message, _) = panic_of(|| ignore(global::sum(bad(), s, |i| i)));
    assert_eq!(message, expected);

    let (a, b) = (vec![1u32; 10], [2u32; 9]);
    let (message, file) = panic_of(|| ignore(sum(&pool, (&a, &b), s, |(x, y)| x + y)));
    assert_eq!(message, "workshare: zipped inputs have lengths 10 and 9");
    assert_eq!(file, file!());
}
