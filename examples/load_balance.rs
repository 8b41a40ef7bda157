//! Per-thread statistics of one imbalanced loop (W5: iteration `i` runs `i` hash steps) under
//! each schedule: busy time, chunks, iterations and steals per thread, and the imbalance
//! (busiest thread / mean). It shows which schedule such a loop needs.
//!
//! ```text
//! cargo run --release --example load_balance            # n = 20,000
//! cargo run --release --example load_balance -- --quick # n = 4,000
//! ```
//!
//! Exits with status 1 if a schedule's figures do not add up to the loop (every iteration
//! counted once).

use std::process::ExitCode;
use workshare::parfor::{for_each, Schedule};
use workshare::Pool;

/// W5's iteration: `i` cheap integer hash steps.
fn w5(i: usize) -> u64 {
    let mut h = i as u64;
    for _ in 0..i {
        h = std::hint::black_box(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (h >> 29));
    }
    h
}

fn main() -> ExitCode {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 4_000 } else { 20_000 };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    let pool = Pool::builder()
        .num_threads(threads)
        .collect_stats(true)
        .build()
        .expect("a pool");
    println!("W5, n = {n}, {threads} threads; per-thread statistics of the loop's region\n");
    let mut ok = true;
    for schedule in [
        Schedule::Static,
        Schedule::StaticChunk(64),
        Schedule::Dynamic(16),
        Schedule::Guided(1),
        Schedule::Stealing,
        Schedule::Auto,
    ] {
        // Warm up (and let `Auto` settle), then measure one run.
        for_each(&pool, 0..n, schedule, |i| {
            w5(i);
        });
        pool.reset_stats();
        for_each(&pool, 0..n, schedule, |i| {
            w5(i);
        });
        let stats = pool.last_region_stats();
        println!("{schedule:?}\n{stats}\n");
        let counted = stats.total().iterations;
        // `Auto` may run a loop's first indices on the caller before it forks, outside the
        // region: those are not in the region's figures.
        let expected_ok = if schedule == Schedule::Auto {
            counted <= n as u64
        } else {
            counted == n as u64
        };
        if !expected_ok {
            eprintln!("error: {schedule:?} counted {counted} iterations of {n}");
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
