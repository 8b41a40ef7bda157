//! A bad schedule panics pointing at the caller's line, not at workshare's sources: every loop
//! and reduction that takes a schedule is `#[track_caller]` down to the check.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use workshare::parfor::{self, Schedule};
use workshare::{reductions, Pool};

/// A call that should panic.
type Case<'a> = Box<dyn FnOnce() + 'a>;

/// The file of the panic that `f` raises.
fn panic_file(f: impl FnOnce()) -> String {
    static FILE: Mutex<Option<String>> = Mutex::new(None);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        *FILE.lock().unwrap() = info.location().map(|l| l.file().to_owned());
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    assert!(result.is_err(), "no panic");
    FILE.lock().unwrap().take().expect("a location")
}

#[test]
fn zero_chunk_size_points_at_the_callers_line() {
    let pool = Pool::new(2).unwrap();
    let here = file!();
    let bad = Schedule::Dynamic(0);
    let mut out = vec![0u32; 8];
    let data = [1u32; 8];
    let cases: Vec<(&str, Case<'_>)> = vec![
        (
            "for_each",
            Box::new(|| parfor::for_each(&pool, 0..8, bad, |_| {})),
        ),
        (
            "for_each_chunk",
            Box::new(|| parfor::for_each_chunk(&pool, 0..8, bad, |_, _| {})),
        ),
        (
            "for_each_mut_chunk",
            Box::new(|| parfor::for_each_mut_chunk(&pool, &mut out, bad, |_, _, _| {})),
        ),
        (
            "for_each_2d",
            Box::new(|| parfor::for_each_2d(&pool, 2, 4, bad, |_, _| {})),
        ),
        (
            "global for_each",
            Box::new(|| parfor::global::for_each(0..8, bad, |_| {})),
        ),
        (
            "global for_each_row_mut",
            Box::new(|| parfor::global::for_each_row_mut(&mut [0u8; 8], 4, bad, |_, _, _| {})),
        ),
        (
            "global scan_inclusive",
            Box::new(|| {
                reductions::global::scan_inclusive(&data, &mut [0; 8], bad, 0, |a, b| a + b)
            }),
        ),
        (
            "sum",
            Box::new(|| {
                let _ = reductions::sum(&pool, &data[..], bad, |&x| x);
            }),
        ),
        (
            "global sum",
            Box::new(|| {
                let _ = reductions::global::sum(0..8, bad, |i| i);
            }),
        ),
        (
            "argmax",
            Box::new(|| {
                let _ = reductions::argmax(&pool, &data[..], bad, |&x| x);
            }),
        ),
        (
            "sum_deterministic",
            Box::new(|| {
                let _ = reductions::sum_deterministic(&pool, &data[..], bad, |&x| x as f64);
            }),
        ),
        (
            "resolved",
            Box::new(|| {
                let _ = bad.resolved();
            }),
        ),
    ];
    for (what, case) in cases {
        assert_eq!(panic_file(case), here, "{what}");
    }
}
