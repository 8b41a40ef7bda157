//! What the loops accept: index ranges of every primitive integer type, `..` and `..=`, and
//! slice inputs and outputs as `&[T]`, `&Vec<T>`, `&[T; N]`, `&Box<[T]>` and tuples of them.
//! Every accepted form runs each index exactly once; bad bounds panic clearly, at the caller's
//! line, before anything runs.
#![cfg(not(loom))]
// The deprecated `ParFor` methods take the same ranges, and are checked here too.
#![allow(deprecated)]

mod common;

use common::panic_message;
use std::cell::RefCell;
use std::fmt::Debug;
use std::ops::Range;
use std::panic::{self, catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use workshare_parfor::{
    for_each, for_each_chunk, for_each_mut_chunk, for_each_row_mut, global, map_into,
    team_for_each, team_for_each_chunk, team_for_each_chunk_nowait, team_for_each_nowait,
    tune_for_each, tune_for_each_chunk, tune_for_each_mut_chunk, Ctx, IndexRange, Inputs, ParFor,
    Pool, Schedule, TuneOptions,
};

const ALL: [Schedule; 6] = [
    Schedule::Auto,
    Schedule::Static,
    Schedule::StaticChunk(3),
    Schedule::Dynamic(2),
    Schedule::Guided(1),
    Schedule::Stealing,
];

/// Hit counts for the indices `expected`; a hit outside it fails the test.
struct Hits {
    expected: Range<usize>,
    counts: Vec<AtomicUsize>,
}

impl Hits {
    fn new(expected: Range<usize>) -> Self {
        let counts = (0..expected.len()).map(|_| AtomicUsize::new(0)).collect();
        Self { expected, counts }
    }

    fn hit(&self, i: usize) {
        assert!(
            self.expected.contains(&i),
            "index {i} outside {:?}",
            self.expected
        );
        self.counts[i - self.expected.start].fetch_add(1, Ordering::Relaxed);
    }

    fn hit_chunk(&self, chunk: Range<usize>) {
        chunk.for_each(|i| self.hit(i));
    }

    fn assert_once(&self, what: &str) {
        for (k, c) in self.counts.iter().enumerate() {
            let i = self.expected.start + k;
            assert_eq!(c.load(Ordering::Relaxed), 1, "index {i}: {what}");
        }
    }
}

/// Runs `range` through every loop that takes a range, under every schedule, and checks that
/// each of the indices `expected` ran exactly once, and no other.
fn every_loop<R>(pool: &Pool, range: R, expected: Range<usize>)
where
    R: IndexRange + Clone + Sync,
{
    let what = |name: &str, schedule: Option<Schedule>| format!("{name} {range:?} {schedule:?}");
    assert_eq!(range.to_usize_range().len(), expected.len(), "{range:?}");
    for schedule in ALL {
        let hits = Hits::new(expected.clone());
        for_each(pool, range.clone(), schedule, |i| hits.hit(i));
        hits.assert_once(&what("for_each", Some(schedule)));

        let hits = Hits::new(expected.clone());
        for_each_chunk(pool, range.clone(), schedule, |c, _| hits.hit_chunk(c));
        hits.assert_once(&what("for_each_chunk", Some(schedule)));

        let hits = [(); 4].map(|_| Hits::new(expected.clone()));
        pool.region(|team| {
            team_for_each(team, range.clone(), schedule, |i| hits[0].hit(i));
            team_for_each_nowait(team, range.clone(), schedule, |i| hits[1].hit(i));
            team_for_each_chunk(team, range.clone(), schedule, |c, _| hits[2].hit_chunk(c));
            team_for_each_chunk_nowait(team, range.clone(), schedule, |c, _| hits[3].hit_chunk(c));
        });
        for (h, name) in hits.iter().zip([
            "team_for_each",
            "team_for_each_nowait",
            "team_for_each_chunk",
            "team_for_each_chunk_nowait",
        ]) {
            h.assert_once(&what(name, Some(schedule)));
        }
    }

    let options = TuneOptions::new().min_sample_len(1).sample_fraction(0.5);
    let hits = Hits::new(expected.clone());
    tune_for_each(pool, range.clone(), &options, |i| hits.hit(i));
    hits.assert_once(&what("tune_for_each", None));
    let hits = Hits::new(expected.clone());
    let report = tune_for_each_chunk(pool, range.clone(), &options, |c, _| hits.hit_chunk(c));
    hits.assert_once(&what("tune_for_each_chunk", None));
    assert_eq!(report.rest.end, expected.end.max(report.rest.start));

    let hits = [(); 4].map(|_| Hits::new(expected.clone()));
    pool.install(|| {
        global::for_each(range.clone(), Schedule::Auto, |i| hits[0].hit(i));
        global::for_each_chunk(range.clone(), Schedule::Auto, |c, _| hits[1].hit_chunk(c));
    });
    pool.par_for(range.clone(), |i| hits[2].hit(i));
    pool.par_for_chunk(range.clone(), |c, _| hits[3].hit_chunk(c));
    for (h, name) in hits.iter().zip([
        "global::for_each",
        "global::for_each_chunk",
        "ParFor::par_for",
        "ParFor::par_for_chunk",
    ]) {
        h.assert_once(&what(name, None));
    }
}

macro_rules! every_type {
    ($pool:expr; $($t:ty),*) => {$(
        every_loop($pool, (3 as $t)..(40 as $t), 3..40);
        every_loop($pool, (3 as $t)..=(40 as $t), 3..41);
        every_loop($pool, (0 as $t)..=(100 as $t), 0..101);
        every_loop($pool, <$t>::MIN.max(0 as $t)..(1 as $t), 0..1);
        every_loop($pool, (7 as $t)..=(7 as $t), 7..8);
    )*};
}

#[test]
fn every_integer_type_runs_each_index_once() {
    let pool = Pool::new(3).unwrap();
    every_type!(&pool; u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);
    // Whole ranges of the small types.
    every_loop(&pool, 0u8..=u8::MAX, 0..256);
    every_loop(&pool, 0i8..=i8::MAX, 0..128);
    every_loop(&pool, 0u16..u16::MAX, 0..65535);
}

#[test]
fn bounds_near_the_top_of_each_type() {
    let pool = Pool::new(2).unwrap();
    let top = usize::MAX;
    every_loop(&pool, top - 5..top, top - 5..top);
    every_loop(&pool, top - 5..=top - 1, top - 5..top);
    every_loop(&pool, i32::MAX - 4..=i32::MAX, {
        let max = i32::MAX as usize;
        max - 4..max + 1
    });
    #[cfg(target_pointer_width = "64")]
    {
        every_loop(&pool, u32::MAX - 4..=u32::MAX, {
            let max = u32::MAX as usize;
            max - 4..max + 1
        });
        every_loop(&pool, u64::MAX - 5..u64::MAX, top - 5..top);
        every_loop(&pool, i64::MAX - 4..=i64::MAX, {
            let max = i64::MAX as usize;
            max - 4..max + 1
        });
        every_loop(&pool, isize::MAX - 4..=isize::MAX, {
            let max = isize::MAX as usize;
            max - 4..max + 1
        });
        let near = u64::MAX as u128;
        every_loop(&pool, near - 3..near, top - 3..top);
    }
}

/// Integer literals with no other type information are `i32`s (Rust's fallback): the loops
/// take them, and the bodies still index with `usize`.
#[test]
fn untyped_literals_keep_working() {
    let pool = Pool::new(2).unwrap();
    let v: Vec<AtomicUsize> = (0..100).map(|_| AtomicUsize::new(0)).collect();
    for_each(&pool, 0..100, Schedule::Static, |i| {
        v[i].fetch_add(1, Ordering::Relaxed);
    });
    for_each(&pool, 0..=99, Schedule::Dynamic(7), |i| {
        v[i].fetch_add(1, Ordering::Relaxed);
    });
    for_each_chunk(&pool, 10..20, Schedule::Auto, |chunk, _| {
        for i in chunk {
            v[i].fetch_add(1, Ordering::Relaxed);
        }
    });
    let n = 100;
    global::for_each(0..n, Schedule::Auto, |i| {
        v[i].fetch_add(1, Ordering::Relaxed);
    });
    // `n` is still a usize where the code asks for one.
    let total: usize = v.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    assert_eq!(total, 3 * n + 10);
    assert!(v[..10].iter().all(|c| c.load(Ordering::Relaxed) == 3));
    assert!(v[10..20].iter().all(|c| c.load(Ordering::Relaxed) == 4));
}

#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_and_reversed_ranges_run_nothing_whatever_their_bounds() {
    let pool = Pool::new(2).unwrap();
    every_loop(&pool, 5..5, 5..5);
    every_loop(&pool, 9..3, 9..9);
    every_loop(&pool, 9..=3, 9..9);
    every_loop(&pool, 0..=-1, 0..0);
    every_loop(&pool, -1..-5, 0..0);
    every_loop(&pool, -3i64..=-4, 0..0);
    every_loop(&pool, i64::MIN..i64::MIN, 0..0);
    every_loop(&pool, usize::MAX..0, usize::MAX..usize::MAX);
    every_loop(&pool, u128::MAX..0, 0..0);
    every_loop(&pool, 10u8..=9, 10..10);
    // An inclusive range that iteration has used up is empty too.
    let mut used = 0u32..=3;
    used.by_ref().for_each(drop);
    every_loop(&pool, used, 3..3);
}

#[test]
#[should_panic(
    expected = "workshare: index range -5..10 has a negative bound: -5 (loop indices are usize)"
)]
fn a_negative_start_panics() {
    let pool = Pool::new(2).unwrap();
    for_each(&pool, -5..10, Schedule::Static, |_| {});
}

#[test]
#[should_panic(expected = "workshare: index range -10..=-5 has a negative bound: -10")]
fn a_negative_inclusive_range_panics() {
    let pool = Pool::new(2).unwrap();
    for_each_chunk(&pool, -10i64..=-5, Schedule::Dynamic(1), |_, _| {});
}

#[test]
#[should_panic(
    expected = "workshare: index range 0..1180591620717411303424 has a bound past usize::MAX: 1180591620717411303424"
)]
fn a_bound_past_usize_max_panics() {
    let pool = Pool::new(2).unwrap();
    for_each(&pool, 0u128..1 << 70, Schedule::Auto, |_| {});
}

#[test]
#[cfg(target_pointer_width = "64")]
#[should_panic(
    expected = "workshare: index range 0..=18446744073709551615 ends at usize::MAX: its exclusive end does not fit in usize"
)]
fn zero_to_usize_max_inclusive_panics() {
    let pool = Pool::new(2).unwrap();
    // A body that ran would panic with another message (and not run for centuries).
    for_each(&pool, 0..=usize::MAX, Schedule::Static, |_| unreachable!());
}

#[test]
#[cfg(target_pointer_width = "64")]
#[should_panic(expected = "workshare: index range 5..=18446744073709551615 ends at usize::MAX")]
fn u64_max_inclusive_panics() {
    tune_for_each(
        &Pool::new(2).unwrap(),
        5u64..=u64::MAX,
        &TuneOptions::new(),
        |_| unreachable!(),
    );
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
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("no panic");
    let file = PANIC_FILE
        .with(|f| f.borrow_mut().take())
        .expect("a location");
    (panic_message(payload), file)
}

/// Every loop that takes a range panics at the caller's line, with the message naming the
/// bound, before any body runs.
#[test]
fn bad_bounds_panic_at_the_callers_line_in_every_loop() {
    let pool = Pool::new(2).unwrap();
    let ran = AtomicUsize::new(0);
    let body = |_: usize| {
        ran.fetch_add(1, Ordering::Relaxed);
    };
    let chunk_body = |_: Range<usize>, _: Ctx| {
        ran.fetch_add(1, Ordering::Relaxed);
    };
    let expected = "workshare: index range -2..3 has a negative bound: -2 (loop indices are usize)";
    let options = TuneOptions::new();
    type Case<'a> = Box<dyn FnOnce() + 'a>;
    let cases: Vec<(&str, Case<'_>)> = vec![
        (
            "for_each",
            Box::new(|| for_each(&pool, -2..3, Schedule::Static, body)),
        ),
        (
            "for_each_chunk",
            Box::new(|| for_each_chunk(&pool, -2..3, Schedule::Auto, chunk_body)),
        ),
        (
            "tune_for_each",
            Box::new(|| {
                tune_for_each(&pool, -2..3, &options, body);
            }),
        ),
        (
            "tune_for_each_chunk",
            Box::new(|| {
                tune_for_each_chunk(&pool, -2..3, &options, chunk_body);
            }),
        ),
        (
            "global::for_each",
            Box::new(|| global::for_each(-2..3, Schedule::Auto, body)),
        ),
        (
            "global::for_each_chunk",
            Box::new(|| global::for_each_chunk(-2..3, Schedule::Auto, chunk_body)),
        ),
        ("ParFor::par_for", Box::new(|| pool.par_for(-2..3, body))),
        (
            "ParFor::par_for_chunk",
            Box::new(|| pool.par_for_chunk(-2..3, chunk_body)),
        ),
        (
            "team_for_each",
            Box::new(|| pool.region(|team| team_for_each(team, -2..3, Schedule::Static, body))),
        ),
        (
            "team_for_each_nowait",
            Box::new(|| {
                pool.region(|team| team_for_each_nowait(team, -2..3, Schedule::Dynamic(1), body))
            }),
        ),
        (
            "team_for_each_chunk",
            Box::new(|| {
                pool.region(|team| team_for_each_chunk(team, -2..3, Schedule::Auto, chunk_body))
            }),
        ),
        (
            "team_for_each_chunk_nowait",
            Box::new(|| {
                pool.region(|team| {
                    team_for_each_chunk_nowait(team, -2..3, Schedule::Guided(1), chunk_body)
                })
            }),
        ),
        (
            "IndexRange::to_usize_range",
            Box::new(|| {
                (-2..3).to_usize_range();
            }),
        ),
    ];
    for (what, case) in cases {
        let (message, file) = panic_of(case);
        assert_eq!(message, expected, "{what}");
        assert_eq!(file, file!(), "{what}");
    }
    assert_eq!(ran.into_inner(), 0);
    // The pool is still usable.
    let hits = Hits::new(0..10);
    for_each(&pool, 0..10, Schedule::Static, |i| hits.hit(i));
    hits.assert_once("after the panics");
}

#[test]
fn every_input_form_maps_each_element_once() {
    let pool = Pool::new(3).unwrap();
    let n = 37;
    let v: Vec<u64> = (0..n as u64).collect();
    let arr: [u64; 37] = std::array::from_fn(|i| 100 + i as u64);
    let boxed: Box<[u64]> = (0..n as u64).map(|x| 1000 + x).collect();
    let slice: &[u64] = &v;
    for schedule in ALL {
        // One input, each form. `+=` from 0: a second write of an element would show.
        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, &v, schedule, |o, &x| *o += x + 1);
        assert!(out.iter().enumerate().all(|(i, &o)| o == i as u64 + 1));

        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, &arr, schedule, |o, &x| *o += x);
        assert_eq!(out, arr);

        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, &boxed, schedule, |o, &x| *o += x);
        assert_eq!(out[..], boxed[..]);

        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, slice, schedule, |o, &x| *o += x + 1);
        assert!(out.iter().enumerate().all(|(i, &o)| o == i as u64 + 1));

        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, &v[..], schedule, |o, &x| *o += x + 1);
        assert!(out.iter().enumerate().all(|(i, &o)| o == i as u64 + 1));

        // Tuples, mixing the forms.
        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, (&v,), schedule, |o, &x| *o += x + 1);
        assert!(out.iter().enumerate().all(|(i, &o)| o == i as u64 + 1));

        let mut out = vec![0u64; n];
        map_into(&pool, &mut out, (&arr, &v[..]), schedule, |o, (&a, &b)| {
            *o += a + b
        });
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, &o)| o == 100 + 2 * i as u64));

        let mut out = vec![0u64; n];
        map_into(
            &pool,
            &mut out,
            (&boxed, &v, &arr),
            schedule,
            |o, (&a, &b, &c)| *o += a + b + c,
        );
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, &o)| o == 1100 + 3 * i as u64));
    }
    let mut out = vec![0u64; n];
    global::map_into(&mut out, (&v, &boxed), Schedule::Auto, |o, (&a, &b)| {
        *o += a + b
    });
    assert!(out
        .iter()
        .enumerate()
        .all(|(i, &o)| o == 1000 + 2 * i as u64));
}

#[test]
fn every_output_form_is_written_once() {
    let pool = Pool::new(2).unwrap();
    let x: Vec<u32> = (1..=8).collect();
    for schedule in ALL {
        let mut out_vec = vec![0u32; 8];
        map_into(&pool, &mut out_vec, &x, schedule, |o, &x| *o += x);
        assert_eq!(out_vec, x);

        let mut out_arr = [0u32; 8];
        map_into(&pool, &mut out_arr, &x, schedule, |o, &x| *o += x);
        assert_eq!(out_arr[..], x[..]);

        let mut out_box = vec![0u32; 8].into_boxed_slice();
        map_into(&pool, &mut out_box, &x, schedule, |o, &x| *o += x);
        assert_eq!(out_box[..], x[..]);

        let mut whole = [0u32; 10];
        map_into(&pool, &mut whole[1..9], &x, schedule, |o, &x| *o += x);
        assert_eq!((whole[0], &whole[1..9], whole[9]), (0, &x[..], 0));

        let mut backing = vec![0u32; 8];
        let out_slice: &mut [u32] = &mut backing;
        map_into(&pool, out_slice, &x, schedule, |o, &x| *o += x);
        assert_eq!(backing, x);

        // A `&mut Vec` held in a variable.
        let mut inner = vec![0u32; 8];
        let out_ref = &mut inner;
        map_into(&pool, out_ref, &x, schedule, |o, &x| *o += x);
        assert_eq!(inner, x);

        let mut chunks = [0u32; 8];
        for_each_mut_chunk(&pool, &mut chunks, schedule, |chunk, offset, _| {
            for (k, c) in chunk.iter_mut().enumerate() {
                *c += (offset + k) as u32 + 1;
            }
        });
        assert_eq!(chunks[..], x[..]);

        let mut grid = vec![0u32; 8];
        for_each_row_mut(&pool, &mut grid, 2, schedule, |cells, row, _| {
            cells[0] += 2 * row as u32 + 1;
            cells[1] += 2 * row as u32 + 2;
        });
        assert_eq!(grid, x);
    }
    let mut tuned = [0u32; 8];
    tune_for_each_mut_chunk(
        &pool,
        &mut tuned,
        &TuneOptions::new(),
        |chunk, offset, _| {
            for (k, c) in chunk.iter_mut().enumerate() {
                *c += (offset + k) as u32 + 1;
            }
        },
    );
    assert_eq!(tuned[..], x[..]);
}

#[test]
fn inputs_report_lengths_and_items_for_every_form() {
    let v = vec![1, 2, 3];
    let a = [4, 5, 6];
    let b: Box<[i32]> = Box::new([7, 8]);
    assert_eq!((&v).lengths(), [3]);
    assert_eq!((&a, &b).lengths(), [3, 2]);
    assert_eq!((&a, &b).mismatch(3), Some((1, 2)));
    assert_eq!((&v, &a, &v[..]).mismatch(3), None);
    assert_eq!((&b,).mismatch(3), Some((0, 2)));
    assert_eq!((&v).items(1..3).collect::<Vec<_>>(), [&2, &3]);
    let triples: Vec<_> = (&v, &a, &a[..]).items(0..2).collect();
    assert_eq!(triples, [(&1, &4, &4), (&2, &5, &5)]);
}

#[test]
fn mismatched_input_forms_panic_before_anything_is_written() {
    let pool = Pool::new(2).unwrap();
    let (a, b) = ([1u8; 10], vec![2u8; 9]);
    let mut out = [0u8; 10];
    let (message, file) = panic_of(|| {
        map_into(&pool, &mut out, (&a, &b), Schedule::Auto, |o, (x, y)| {
            *o = x + y
        })
    });
    assert_eq!(
        message,
        "workshare: map_into: input 1 has length 9 but the output has length 10"
    );
    assert_eq!(file, file!());
    assert_eq!(out, [0; 10]);
}

/// The trait is what a generic helper names to take any range a loop takes.
#[test]
#[allow(clippy::reversed_empty_ranges)]
fn a_generic_helper_takes_any_index_range() {
    fn count<R: IndexRange + Debug>(pool: &Pool, range: R) -> usize {
        let n = AtomicUsize::new(0);
        for_each(pool, range, Schedule::Auto, |_| {
            n.fetch_add(1, Ordering::Relaxed);
        });
        n.into_inner()
    }
    let pool = Pool::new(2).unwrap();
    assert_eq!(count(&pool, 0u16..=9), 10);
    assert_eq!(count(&pool, 5i64..15), 10);
    assert_eq!(count(&pool, 3usize..1), 0);
}
