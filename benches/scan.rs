//! Scan benchmark: a 10^7-element `u64` inclusive prefix sum, serial loop vs workshare's
//! `scan_inclusive` vs a hand-written two-pass rayon scan (rayon has none), 2 threads each.
//!
//! Run with `cargo bench -p workshare-bench --bench scan` (`WORKSHARE_BENCH_QUICK=1`: fewer
//! rounds). Plain `main`, no criterion: like `benches/targets.rs`, it runs rounds of the three back to back
//! (their order rotating), takes each parallel time's ratio to the serial time of the same
//! round, and prints the median ratio and the middle half over the rounds, so a drift in the
//! machine's speed moves both sides of a ratio together.
//!
//! A two-pass scan reads the input twice and writes the output once, where the serial loop
//! reads once and writes once: 1.5 times the bytes (4 moves against 3 with write-allocate
//! counted). A memory-bound scan cannot beat what the machine's bandwidth allows for those
//! bytes, so the bench also measures the bounds on the same data and threads, as ratios to
//! the serial scan: a read-only pass (`sum`) plus a copy pass, each a static two-thread loop
//! (the two-loop scan's bytes, and the rayon version's), and the copy pass alone (the bytes of
//! workshare's `Static` scan, whose rounds rescan each block from the cache). Every parallel
//! result is checked against the serial one first. The load average is printed beside the
//! results: on a machine whose cores are busy with other work, two threads cannot gain.

// Shares `benches/common` with the criterion benches; only a few helpers are used here.
#![allow(missing_docs)]

mod common;

use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;
use workshare_parfor::{for_each_mut_chunk, Schedule};
use workshare_reductions::{scan_inclusive, sum, Pool};

const THREADS: usize = 2;
const N: usize = 10_000_000;
/// The rayon scan's block: the same as workshare's (`BLOCK_LEN`), so both do the same work.
const RAYON_BLOCK: usize = workshare_reductions::BLOCK_LEN;

fn serial_scan(input: &[u64], out: &mut [u64]) {
    let mut acc = 0u64;
    for (o, &x) in out.iter_mut().zip(input) {
        acc = acc.wrapping_add(x);
        *o = acc;
    }
}

/// The hand-written two-pass scan on rayon: block totals, a serial scan of them, each block
/// rescanned from its offset.
fn rayon_scan(pool: &rayon::ThreadPool, input: &[u64], out: &mut [u64]) {
    pool.install(|| {
        let totals: Vec<u64> = input
            .par_chunks(RAYON_BLOCK)
            .map(|b| b.iter().fold(0u64, |a, &x| a.wrapping_add(x)))
            .collect();
        let mut offsets = Vec::with_capacity(totals.len());
        let mut acc = 0u64;
        for t in totals {
            offsets.push(acc);
            acc = acc.wrapping_add(t);
        }
        out.par_chunks_mut(RAYON_BLOCK)
            .zip(input.par_chunks(RAYON_BLOCK))
            .zip(offsets)
            .for_each(|((o, i), mut acc)| {
                for (o, &x) in o.iter_mut().zip(i) {
                    acc = acc.wrapping_add(x);
                    *o = acc;
                }
            });
    });
}

fn workshare_scan(pool: &Pool, input: &[u64], out: &mut [u64]) {
    scan_inclusive(pool, input, out, Schedule::Static, 0, u64::wrapping_add);
}

/// The bandwidth bound of a one-read scan: a copy pass, static on the pool's team.
fn copy_bound(pool: &Pool, input: &[u64], out: &mut [u64]) {
    for_each_mut_chunk(pool, out, Schedule::Static, |chunk, offset, _| {
        chunk.copy_from_slice(&input[offset..offset + chunk.len()]);
    });
}

/// The bandwidth bound of the two-pass scan: a read-only pass and a copy pass.
fn two_pass_bound(pool: &Pool, input: &[u64], out: &mut [u64]) -> u64 {
    let total = sum(pool, input, Schedule::Static, |&x| x);
    copy_bound(pool, input, out);
    total
}

/// The machine's load averages (1, 5, 15 minutes), where `/proc/loadavg` exists.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// Seconds of one call of `f`.
fn time(mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    f();
    black_box(());
    started.elapsed().as_secs_f64()
}

fn main() {
    let rounds = if common::quick() { 7 } else { 21 };
    let pool = common::workshare_pool(THREADS);
    let rayon = common::rayon_pool(THREADS);
    let input: Vec<u64> = (0..N as u64).map(|i| (i * 0x9E37_79B9) >> 20).collect();
    let mut expected = vec![0u64; N];
    serial_scan(&input, &mut expected);
    let mut out = vec![0u64; N];
    workshare_scan(&pool, &input, &mut out);
    assert!(
        out == expected,
        "workshare scan differs from the serial loop"
    );
    out.fill(0);
    rayon_scan(&rayon, &input, &mut out);
    assert!(out == expected, "rayon scan differs from the serial loop");

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "scan: inclusive u64 prefix sum, n = {N}, {THREADS} threads, {rounds} rounds, {cores} \
         cores; times are medians, ratios are parallel time / serial time within a round"
    );
    println!("  load average before: {}", load_average());
    const RUNS: usize = 5;
    let mut times: [Vec<f64>; RUNS] = Default::default();
    let mut ratios: [Vec<f64>; RUNS - 1] = Default::default();
    for round in 0..rounds {
        let mut t = [0.0; RUNS];
        for k in 0..RUNS {
            match (round + k) % RUNS {
                0 => t[0] = time(|| serial_scan(&input, &mut out)),
                1 => t[1] = time(|| workshare_scan(&pool, &input, &mut out)),
                2 => t[2] = time(|| rayon_scan(&rayon, &input, &mut out)),
                3 => t[3] = time(|| copy_bound(&pool, &input, &mut out)),
                _ => t[4] = time(|| _ = black_box(two_pass_bound(&pool, &input, &mut out))),
            }
        }
        for k in 0..RUNS {
            times[k].push(t[k]);
        }
        for k in 0..RUNS - 1 {
            ratios[k].push(t[k + 1] / t[0]);
        }
    }
    let ms = |v: &[f64]| common::quantile(v, 0.5) * 1e3;
    println!("  serial loop                    {:8.2} ms", ms(&times[0]));
    let labels = [
        "workshare scan_inclusive",
        "rayon two-pass scan",
        "one-read bound (copy)",
        "two-pass bound (read + copy)",
    ];
    for (k, label) in labels.iter().enumerate() {
        let [q1, median, q3] = common::quartiles(&ratios[k]);
        println!(
            "  {label:<30} {:8.2} ms   {median:.2}x serial time (middle half {q1:.2}..{q3:.2})",
            ms(&times[k + 1])
        );
    }
    println!("  load average after: {}", load_average());
    println!(
        "  target: workshare at most 0.80x serial time. The bounds are the floors the memory \
         system sets on this machine now (the copy for workshare's fused Static scan, read + \
         copy for a two-pass scan such as the rayon one). Timings are only as quiet as the \
         machine: other processes compete for its cores and memory bandwidth."
    );
}
