//! W11, a library called from many threads: 8 outside threads each call a library function
//! 1,000 times, the function returning the sum of `x[i]^2` over 10,000 f64 through the global
//! pool; the total wall time, beside the same calls run serially on the 8 threads and through
//! rayon's global pool. Then the latency of one call: on an idle pool, and while another thread
//! runs a long region that holds every worker of the global pool.
//!
//! Run: `cargo bench -p workshare-bench --bench library`. No criterion: each contestant's time is
//! the wall time of the 8 callers (spawned and released together by a `std::sync::Barrier`; from
//! the first caller's first call to the last caller's last return, each read on the caller's own
//! clock), and the contestants are measured in rounds, back to back, their order rotating from
//! round to round; the ratio to serial is taken within each round, and the tables give the
//! median over the rounds and the middle half of them (first to third quartile), as
//! `benches/targets.rs` does, and for the ratios a 95% confidence interval of the median (from
//! the order statistics of the rounds' ratios: the ranks `n/2 -+ 0.98 sqrt(n)`). The contestants: `serial` (a plain
//! iterator sum on each caller), `workshare Auto` and `workshare Static`
//! (`workshare::reductions::global::sum` with that schedule, on the global pool), and `rayon`
//! (`par_iter().map(..).sum()` on rayon's global pool). The target: both workshare rows at
//! most the serial time (a ratio of at most 1.0x), judged by the median ratio's confidence
//! interval: `met` when all of it is at most 1.0x, `missed` when all of it is above, `not
//! resolved` otherwise. Below the table, the serial contestant's
//! *idle share*: the share of the cores' time in which a core had no caller to run, while the
//! callers started one after another and as the last ones ended. The calls' work is fixed, so
//! that share bounds what any contestant can gain over serial on the machine's cores (with 8
//! callers on 2 cores, only the last caller's time alone leaves a core idle).
//!
//! The latency rows time single calls from the bench's main thread: `idle pool`, nothing else
//! running (the three calls of a round back to back, their order rotating); `busy pool`, each
//! round another thread first enters a region of the global pool whose whole team (every
//! worker) sleeps for 50 ms, and once that region has started the three calls are timed, one
//! each. A call that waited for that region would take about 50 ms; one that starts at once
//! takes about the serial time. The bench also counts the calls that returned while the region
//! still held its workers.
//!
//! Every call's result is checked: the inputs are small integers, whose squares and sums are
//! exact in f64 whatever the order of the additions, so every contestant must return exactly
//! the serial sum (checked before timing, and every call of the timed runs too, after the
//! clock). The tables are printed and written as JSON to `target/workshare-bench/library.json`
//! (under `$CARGO_TARGET_DIR` when set), which the report generator reads.
//! `WORKSHARE_BENCH_QUICK=1`: a third of the rounds. Run without `--bench` (as `cargo test
//! --benches` does), every contestant runs a few calls on the 8 threads and each latency row
//! once, checked, and nothing is written.

// A bench target without a harness: its items need no docs.
#![allow(missing_docs)]

mod common;

use common::quartiles;

use rayon::prelude::*;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};
use workshare::reductions::{global, Schedule};

/// The outside threads that call the library at once.
const CALLERS: usize = 8;
/// Calls per outside thread.
const CALLS: usize = 1000;
/// Items per call.
const N: usize = 10_000;
/// The target: each workshare row's wall time at most this times serial's.
const TARGET: f64 = 1.0;
/// How long the other thread's region holds every worker in the latency measurement.
const REGION: Duration = Duration::from_millis(50);

/// The library function, one per contestant: `sum(x[i]^2)`.
type Call = fn(&[f64]) -> f64;

fn serial(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

fn workshare_auto(x: &[f64]) -> f64 {
    global::sum(x, Schedule::Auto, |&v| v * v)
}

fn workshare_static(x: &[f64]) -> f64 {
    global::sum(x, Schedule::Static, |&v| v * v)
}

fn rayon(x: &[f64]) -> f64 {
    x.par_iter().map(|v| v * v).sum()
}

/// The W11 contestants, serial first (the base of the ratios).
const CONTESTANTS: [(&str, Call); 4] = [
    ("serial", serial),
    ("workshare Auto", workshare_auto),
    ("workshare Static", workshare_static),
    ("rayon", rayon),
];

/// The latency rows: serial, then the library function with each schedule.
const LATENCY: [(&str, Call); 3] = [
    ("serial", serial),
    ("workshare Auto", workshare_auto),
    ("workshare Static", workshare_static),
];

/// One call of `call`, checked against `expected` after the clock; its time in ns.
fn timed_call(call: Call, x: &[f64], expected: f64, who: &str) -> f64 {
    let start = Instant::now();
    let got = call(black_box(x));
    let ns = start.elapsed().as_nanos() as f64;
    assert_eq!(got, expected, "{who}: wrong sum");
    ns
}

/// `CALLERS` threads, released together, each making `calls` calls of `call`; the wall time
/// from the first caller's first call to the last caller's last return, in ns, on the callers'
/// own clock reads. Every result is checked after the clock.
///
/// Not the releasing thread's clock: it is one of nine runnable threads on the machine's cores
/// once the barrier opens, and the scheduler ran it up to several milliseconds after the callers
/// had started (the wall times of one contestant then spread over 25-45 ms; on the callers'
/// clocks, over a third of that).
///
/// Also returns the callers' *idle share*: the core time that `cores` cores spent without a
/// caller while fewer callers than cores were running (as the callers start one after another,
/// and as the last ones end), over the cores' whole time, `cores * wall`. The calls' work is the
/// same whoever runs it, so no contestant could take less than `1 - idle share` of a contestant's
/// wall time on these cores: for the serial contestant, that is the most any library could gain.
fn callers(
    call: Call,
    x: &[f64],
    expected: f64,
    calls: usize,
    cores: usize,
    who: &str,
) -> (f64, f64) {
    let start_line = Barrier::new(CALLERS + 1);
    let (elapsed, wrong) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CALLERS)
            .map(|_| {
                s.spawn(|| {
                    start_line.wait();
                    let start = Instant::now();
                    let mut wrong = 0usize;
                    for _ in 0..calls {
                        // black_box: the input is opaque, so no call is hoisted out of the loop.
                        wrong += usize::from(black_box(call(black_box(x))) != expected);
                    }
                    (start, Instant::now(), wrong)
                })
            })
            .collect();
        start_line.wait();
        let ends: Vec<(Instant, Instant, usize)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        let first = ends.iter().map(|e| e.0).min().expect("callers");
        let last = ends.iter().map(|e| e.1).max().expect("callers");
        let wrong: usize = ends.iter().map(|e| e.2).sum();
        let wall = last.duration_since(first).as_nanos() as f64;
        // Starts and ends in time order: +1 and -1 callers running.
        let mut events: Vec<(Instant, i64)> =
            ends.iter().flat_map(|e| [(e.0, 1), (e.1, -1)]).collect();
        events.sort_by_key(|e| e.0);
        let (mut running, mut idle, mut at) = (0i64, 0.0, first);
        for (when, step) in events {
            let idle_cores = (cores as i64 - running).max(0) as f64;
            idle += idle_cores * when.duration_since(at).as_nanos() as f64;
            running += step;
            at = when;
        }
        ((wall, idle / (cores as f64 * wall).max(1.0)), wrong)
    });
    assert_eq!(
        wrong,
        0,
        "{who}: {wrong} wrong sums out of {}",
        CALLERS * calls
    );
    elapsed
}

/// Per-round wall times of the W11 contestants, in ns, and their idle shares ([`callers`]),
/// after one warm-up run of each.
fn w11_rounds(x: &[f64], expected: f64, rounds: usize, cores: usize) -> Vec<[(f64, f64); 4]> {
    for (who, call) in CONTESTANTS {
        callers(call, x, expected, CALLS, cores, who);
    }
    let k = CONTESTANTS.len();
    (0..rounds)
        .map(|round| {
            let mut times = [(0.0, 0.0); 4];
            for j in 0..k {
                let i = (round + j) % k;
                let (who, call) = CONTESTANTS[i];
                times[i] = callers(call, x, expected, CALLS, cores, who);
            }
            times
        })
        .collect()
}

/// Single-call times of the latency rows with nothing else running, `rounds` per row.
fn idle_latency(x: &[f64], expected: f64, rounds: usize) -> [Vec<f64>; 3] {
    let mut times: [Vec<f64>; 3] = Default::default();
    // Warm-up.
    for (who, call) in LATENCY {
        for _ in 0..10 {
            timed_call(call, x, expected, who);
        }
    }
    for round in 0..rounds {
        for j in 0..LATENCY.len() {
            let i = (round + j) % LATENCY.len();
            let (who, call) = LATENCY[i];
            times[i].push(timed_call(call, x, expected, who));
        }
    }
    times
}

/// Single-call times of the latency rows while another thread's region holds every worker of
/// the global pool, one region per round; and how many calls returned before their region
/// ended.
fn busy_latency(x: &[f64], expected: f64, rounds: usize) -> ([Vec<f64>; 3], usize) {
    let pool = workshare::global();
    let mut times: [Vec<f64>; 3] = Default::default();
    let mut overlapped = 0;
    for round in 0..rounds {
        let started = AtomicBool::new(false);
        let ended = AtomicBool::new(false);
        let team = AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                pool.region(|t| {
                    if t.thread_id() == 0 {
                        team.store(t.team_size(), Ordering::Relaxed);
                        started.store(true, Ordering::Release);
                    }
                    std::thread::sleep(REGION);
                });
                ended.store(true, Ordering::Release);
            });
            while !started.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
            assert_eq!(
                team.load(Ordering::Relaxed),
                pool.size(),
                "the long region should hold every worker of the idle global pool"
            );
            for j in 0..LATENCY.len() {
                let i = (round + j) % LATENCY.len();
                let (who, call) = LATENCY[i];
                times[i].push(timed_call(call, x, expected, who));
            }
            if !ended.load(Ordering::Acquire) {
                overlapped += LATENCY.len();
            }
        });
    }
    (times, overlapped)
}

/// A 95% confidence interval of the median of `values`, distribution-free: the order statistics
/// at ranks `n/2 -+ 1.96 sqrt(n)/2` (clamped to the sample).
fn median_ci(values: &[f64]) -> [f64; 2] {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let half_width = 1.96 * n.sqrt() / 2.0;
    let lo = ((n / 2.0 - half_width).floor().max(1.0) as usize).min(sorted.len()) - 1;
    let hi = ((n / 2.0 + half_width).ceil() as usize).clamp(1, sorted.len()) - 1;
    [sorted[lo], sorted[hi]]
}

/// A duration in ns with three significant digits and a unit.
fn fmt_time(ns: f64) -> String {
    let (value, unit) = [(1e9, "s"), (1e6, "ms"), (1e3, "us")]
        .into_iter()
        .find(|&(scale, _)| ns >= scale)
        .map_or((ns, "ns"), |(scale, unit)| (ns / scale, unit));
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

fn triple(t: [f64; 3]) -> String {
    format!("[{:.1}, {:.1}, {:.1}]", t[0], t[1], t[2])
}

fn ratio_triple(t: [f64; 3]) -> String {
    format!("[{:.4}, {:.4}, {:.4}]", t[0], t[1], t[2])
}

fn main() {
    // As criterion does: `--bench` means a real run, its absence a quick test run.
    let bench = std::env::args().any(|a| a == "--bench");
    let quick = common::quick();
    let rounds = |r: usize| if quick { r.div_ceil(3).max(3) } else { r };

    // Small integers (-512..=511): every square and every partial sum is an integer far
    // below 2^53, so the sum is exact in f64 in any order and all contestants must agree.
    let x: Vec<f64> = (0..N).map(|i| ((i * 7919) % 1024) as f64 - 512.0).collect();
    let expected = serial(&x);
    for (who, call) in CONTESTANTS {
        assert_eq!(call(&x), expected, "{who}: wrong sum");
    }

    let pool = workshare::global();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sized_by = match std::env::var(workshare::NUM_THREADS_ENV) {
        Ok(v) if !v.trim().is_empty() => format!("{}={v}", workshare::NUM_THREADS_ENV),
        _ => {
            assert_eq!(
                pool.size(),
                cores,
                "unset, {} should size the global pool by the available cores",
                workshare::NUM_THREADS_ENV
            );
            format!("the {cores} available cores")
        }
    };

    if !bench {
        // Smoke: every contestant on the 8 callers for a few calls, each latency row once.
        for (who, call) in CONTESTANTS {
            callers(call, &x, expected, 3, cores, who);
        }
        idle_latency(&x, expected, 1);
        busy_latency(&x, expected, 1);
        return;
    }
    if quick {
        common::mark_quick_mode();
    }

    println!(
        "W11: a library called from {CALLERS} threads: each calls sum_sq (sum of x[i]^2 over \
         {N} f64) {CALLS} times"
    );
    println!(
        "workshare global pool: {} threads (sized by {sized_by}); rayon global pool: {} threads",
        pool.size(),
        rayon::current_num_threads()
    );

    let w11_n = rounds(121);
    let times = w11_rounds(&x, expected, w11_n, cores);
    let wall: Vec<[f64; 3]> = (0..CONTESTANTS.len())
        .map(|i| quartiles(&times.iter().map(|t| t[i].0).collect::<Vec<_>>()))
        .collect();
    let ratios: Vec<Vec<f64>> = (0..CONTESTANTS.len())
        .map(|i| times.iter().map(|t| t[i].0 / t[0].0).collect())
        .collect();
    let serial_idle = quartiles(&times.iter().map(|t| t[0].1).collect::<Vec<_>>());
    let ratio: Vec<[f64; 3]> = ratios.iter().map(|r| quartiles(r)).collect();
    let ratio_ci: Vec<[f64; 2]> = ratios.iter().map(|r| median_ci(r)).collect();
    println!(
        "total wall time of {CALLERS} x {CALLS} calls, median (middle half) of {w11_n} paired \
         rounds; target: each workshare row at most {TARGET:.1}x serial"
    );
    println!(
        "  {:<18} {:>10} {:>22} {:>10} {:>18} {:>18}",
        "contestant", "median", "middle half", "vs serial", "middle half", "95% CI of median"
    );
    for (i, (who, _)) in CONTESTANTS.iter().enumerate() {
        let verdict = if who.starts_with("workshare") {
            // Judged by the median's confidence interval: a median on either side of the
            // target within the measurement's resolution says nothing.
            let met = if ratio_ci[i][1] <= TARGET {
                "met"
            } else if ratio_ci[i][0] > TARGET {
                "missed"
            } else {
                "not resolved (the 95% CI contains it)"
            };
            format!("  target <= {TARGET:.1}x: {met}")
        } else {
            String::new()
        };
        println!(
            "  {:<18} {:>10} {:>22} {:>9.3}x {:>18} {:>18}{verdict}",
            who,
            fmt_time(wall[i][1]),
            format!("{}..{}", fmt_time(wall[i][0]), fmt_time(wall[i][2])),
            ratio[i][1],
            format!("{:.3}x..{:.3}x", ratio[i][0], ratio[i][2]),
            format!("{:.3}x..{:.3}x", ratio_ci[i][0], ratio_ci[i][1]),
        );
    }

    println!(
        "  serial left the {cores} cores idle for {:.2}% of their time (middle half \
         {:.2}%..{:.2}%), as its callers started and ended: no contestant can take less than \
         about {:.3}x serial's time on these cores",
        100.0 * serial_idle[1],
        100.0 * serial_idle[0],
        100.0 * serial_idle[2],
        1.0 - serial_idle[1]
    );

    let idle_n = rounds(1001);
    let busy_n = rounds(31);
    let idle = idle_latency(&x, expected, idle_n);
    let (busy, overlapped) = busy_latency(&x, expected, busy_n);
    let idle_q = idle.each_ref().map(|t| quartiles(t));
    let busy_q = busy.each_ref().map(|t| quartiles(t));
    println!(
        "latency of one call from one thread, median (middle half): idle pool ({idle_n} calls \
         per row), and while another thread's region holds all {} threads of the global pool \
         for {} ({busy_n} calls per row)",
        pool.size(),
        fmt_time(REGION.as_nanos() as f64)
    );
    println!(
        "  {:<18} {:>10} {:>22} {:>10} {:>22}",
        "call", "idle pool", "middle half", "busy pool", "middle half"
    );
    for (i, (who, _)) in LATENCY.iter().enumerate() {
        println!(
            "  {:<18} {:>10} {:>22} {:>10} {:>22}",
            who,
            fmt_time(idle_q[i][1]),
            format!("{}..{}", fmt_time(idle_q[i][0]), fmt_time(idle_q[i][2])),
            fmt_time(busy_q[i][1]),
            format!("{}..{}", fmt_time(busy_q[i][0]), fmt_time(busy_q[i][2])),
        );
    }
    println!(
        "  busy-pool calls that returned while the region still held its workers: {overlapped} \
         of {}",
        busy_n * LATENCY.len()
    );

    let mut json = String::new();
    let _ = write!(
        json,
        "{{\n  \"workload\": \"W11\",\n  \"callers\": {CALLERS},\n  \"calls\": {CALLS},\n  \
         \"n\": {N},\n  \"pool_threads\": {},\n  \"rayon_threads\": {},\n  \"target\": {TARGET},\n  \
         \"quick\": {quick},\n  \"rounds\": {w11_n},\n  \"cores\": {cores},\n  \
         \"serial_idle_share\": {},\n  \"rows\": [",
        pool.size(),
        rayon::current_num_threads(),
        ratio_triple(serial_idle)
    );
    for (i, (who, _)) in CONTESTANTS.iter().enumerate() {
        let _ = write!(
            json,
            "{}\n    {{\"contestant\": \"{who}\", \"wall_ns\": {}, \"ratio\": {}, \
             \"ratio_median_ci95\": [{:.4}, {:.4}]}}",
            if i > 0 { "," } else { "" },
            triple(wall[i]),
            ratio_triple(ratio[i]),
            ratio_ci[i][0],
            ratio_ci[i][1]
        );
    }
    let _ = write!(
        json,
        "\n  ],\n  \"latency\": {{\n    \"region_ns\": {},\n    \"idle_calls\": {idle_n},\n    \
         \"busy_calls\": {busy_n},\n    \"overlapped\": {overlapped},\n    \"rows\": [",
        REGION.as_nanos()
    );
    for (i, (who, _)) in LATENCY.iter().enumerate() {
        let _ = write!(
            json,
            "{}\n      {{\"call\": \"{who}\", \"idle_ns\": {}, \"busy_ns\": {}}}",
            if i > 0 { "," } else { "" },
            triple(idle_q[i]),
            triple(busy_q[i])
        );
    }
    json.push_str("\n    ]\n  }\n}\n");
    let dir = common::output_dir();
    std::fs::create_dir_all(&dir).expect("output directory");
    std::fs::write(dir.join("library.json"), json).expect("library.json");
}
