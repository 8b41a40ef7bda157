//! A tour of workshare: seven of the benchmark workloads (W1-W6 and W9 of `benches/WORKLOADS.md`),
//! each run serially, with workshare and with rayon on the same inputs, timed and checked.
//!
//! Run it with `cargo run --release --example tour`. It prints one table row per workload: the
//! median time of each runtime (after a warm-up call), the speed-up of workshare over serial,
//! the ratio of workshare's time to rayon's (below 1 means workshare was faster), and a check
//! mark when all three results agree: exactly for integers and for outputs computed element by
//! element, within a stated tolerance for floating-point sums.
//!
//! workshare runs on its global pool with the default `Auto` schedule (or a reduction that uses
//! it); rayon runs on a pool of the same size, and the whole timing loop runs inside
//! `ThreadPool::install`, so each rayon call starts on one of its workers just as each
//! workshare call starts on the calling thread, which is one of its team. The thread count is
//! the global pool's (`WORKSHARE_NUM_THREADS`, or one per core).
//!
//! | workload | workshare |
//! |----------|-----------|
//! | W1 `out[i] = sqrt(x[i])`, at 1e3 (a loop too small to fork) and 1e6 | `parfor::global::map_into` |
//! | W2 `sum((a[i] - b[i])^2)`, exact i64 | `reductions::global::sum` |
//! | W3 `out[i] = sum_j sqrt(x[j])` (compute bound) | `parfor::for_each_mut_chunk` |
//! | W4 Monte Carlo pi, one random stream per block | `reductions::global::sum` |
//! | W5 iteration `i` costs `i` steps (imbalanced) | `parfor::for_each_mut_chunk` |
//! | W6 index of the maximum, ties to the lowest index | `reductions::global::argmax` |
//! | W9 Gaussian kernel density (fused map and sum) | `reductions::global::sum` |
//!
//! Modes:
//! - default: the workloads' full sizes, 11 timed repetitions each (well under a minute on two
//!   cores);
//! - `--quick`: smaller sizes and 7 repetitions (a few seconds), for CI; every result is still
//!   checked.
//!
//! Before the table it prints what the times depend on: the CPU model, the rustc on `PATH`
//! (under `cargo run`, the toolchain that built the tour) and the commit of the source tree
//! (each `unknown` where it cannot be found), and a warning when the tour was built without
//! optimizations, whose times say nothing about workshare.
//!
//! The program exits with status 1 if any result disagrees, and 2 on an unknown argument.

mod common;

use common::SplitMix64;
use common::{cpu_seconds, human, print_contention, Mode};
use rayon::prelude::*;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use workshare::parfor;
use workshare::reductions::{global as ws, Schedule};

/// What every workload needs: the mode and a rayon pool as large as workshare's.
struct Bench {
    mode: Mode,
    rayon: rayon::ThreadPool,
}

/// Median times of the three versions of one workload.
#[derive(Clone, Copy)]
struct Times {
    serial: Duration,
    workshare: Duration,
    rayon: Duration,
}

/// One line of the table, and an optional note printed below it.
struct Row {
    workload: &'static str,
    size: String,
    times: Times,
    agree: bool,
    note: Option<String>,
}

impl Row {
    fn new(workload: &'static str, n: usize, times: Times, agree: bool) -> Row {
        let size = count(n);
        Row {
            workload,
            size,
            times,
            agree,
            note: None,
        }
    }

    fn with_note(self, note: String) -> Row {
        Row {
            note: Some(note),
            ..self
        }
    }
}

/// Median time of `reps` calls of `f` after one untimed warm-up call, and the result of the
/// last call (dropped outside the timed span).
fn median_time<R>(reps: usize, mut f: impl FnMut() -> R) -> (Duration, R) {
    let mut last = black_box(f());
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let result = black_box(f());
        times.push(start.elapsed());
        last = result;
    }
    times.sort_unstable();
    (times[times.len() / 2], last)
}

/// Times `kernel` writing into `out`, then fills `out` with `poison` and runs `kernel` once
/// more, so that the check sees only what that last call wrote: a skipped index shows.
fn time_into<T: Copy>(
    reps: usize,
    out: &mut [T],
    poison: T,
    mut kernel: impl FnMut(&mut [T]),
) -> Duration {
    let (time, ()) = median_time(reps, || kernel(out));
    out.fill(poison);
    kernel(out);
    time
}

impl Bench {
    /// The mode, and a rayon pool with as many threads as workshare's global pool.
    fn new(quick: bool) -> Bench {
        let threads = workshare::num_threads();
        let rayon = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
        let rayon = rayon.expect("tour: cannot build the rayon pool");
        let reps = if quick { 7 } else { 11 };
        Bench {
            mode: Mode { quick, reps },
            rayon,
        }
    }

    /// Times a workload that returns its result, three ways; the rayon version runs inside
    /// `install`, so each call starts on one of the rayon pool's workers. Returns the times
    /// and the results of the last calls.
    fn time<R: Send>(
        &self,
        serial: impl FnMut() -> R,
        workshare: impl FnMut() -> R,
        rayon: impl FnMut() -> R + Send,
    ) -> (Times, [R; 3]) {
        let reps = self.mode.reps;
        let (serial, s) = median_time(reps, serial);
        let (workshare, w) = median_time(reps, workshare);
        let (rayon, r) = self.rayon.install(|| median_time(reps, rayon));
        (
            Times {
                serial,
                workshare,
                rayon,
            },
            [s, w, r],
        )
    }

    /// Times a workload that writes into an output slice, three ways, each into its own
    /// element of `outs` (see [`time_into`]); rayon as in [`Bench::time`].
    fn time_into<T: Copy + Send>(
        &self,
        outs: &mut [Vec<T>; 3],
        poison: T,
        serial: impl FnMut(&mut [T]),
        workshare: impl FnMut(&mut [T]),
        rayon: impl FnMut(&mut [T]) + Send,
    ) -> Times {
        let reps = self.mode.reps;
        let [s, w, r] = outs;
        let serial = time_into(reps, s, poison, serial);
        let workshare = time_into(reps, w, poison, workshare);
        let rayon = self
            .rayon
            .install(move || time_into(reps, r, poison, rayon));
        Times {
            serial,
            workshare,
            rayon,
        }
    }
}

/// `n` uniform numbers in `[0, 1)` from SplitMix64 stream `seed`: the inputs of every workload.
fn uniform(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::stream(seed, 0);
    (0..n).map(|_| rng.next_f64()).collect()
}

/// [`uniform`] rounded to f32.
fn uniform_f32(n: usize, seed: u64) -> Vec<f32> {
    uniform(n, seed).into_iter().map(|v| v as f32).collect()
}

/// Whether the three outputs are bit for bit the same (NaN poison included).
fn same_bits(outs: &[Vec<f32>; 3]) -> bool {
    let bits = |out: &Vec<f32>| out.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    bits(&outs[0]) == bits(&outs[1]) && bits(&outs[0]) == bits(&outs[2])
}

/// W1: `out[i] = sqrt(x[i])`, f32. A small loop is timed in batches of calls, as one call
/// takes not much longer than reading the clock.
fn w1_sqrt(bench: &Bench, n: usize) -> Row {
    let x = uniform_f32(n, 1);
    let batch = (100_000 / n).max(1);
    let mut outs = [vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]];
    let times = bench.time_into(
        &mut outs,
        f32::NAN,
        |out| (0..batch).for_each(|_| out.iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt())),
        |out| {
            (0..batch).for_each(|_| {
                parfor::global::map_into(out, &x[..], Schedule::Auto, |o, x| *o = x.sqrt())
            })
        },
        |out| (0..batch).for_each(|_| out.par_iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt())),
    );
    let per_call = |time: Duration| time / batch as u32;
    let times = Times {
        serial: per_call(times.serial),
        workshare: per_call(times.workshare),
        rayon: per_call(times.rayon),
    };
    let row = Row::new("W1 sqrt f32", n, times, same_bits(&outs));
    match batch {
        1 => row,
        _ => row.with_note(format!(
            "W1 at n = {}: timed in batches of {batch} calls",
            count(n)
        )),
    }
}

/// W2: `sum((a[i] - b[i])^2)`, i64, `a = 1..=n`, `b = a + 6`: exactly `36 n`.
fn w2_sq_diff(bench: &Bench, n: usize) -> Row {
    let a: Vec<i64> = (1..=n as i64).collect();
    let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
    let (times, sums) = bench.time(
        || a.iter().zip(&b).map(|(x, y)| (x - y).pow(2)).sum::<i64>(),
        || ws::sum((&a[..], &b[..]), Schedule::Auto, |(x, y)| (x - y).pow(2)),
        || {
            a.par_iter()
                .zip(&b)
                .map(|(x, y)| (x - y).pow(2))
                .sum::<i64>()
        },
    );
    let agree = sums.iter().all(|&sum| sum == 36 * n as i64);
    Row::new("W2 sum sq diff i64", n, times, agree)
        .with_note(format!("W2: all three sums equal 36 n = {}", 36 * n as i64))
}

/// W3's element: the sum of the square roots of all of `x`, f64 accumulator (compute bound).
/// It is the same for every `i`; `black_box` keeps the compiler from computing it only once.
fn sum_of_roots(x: &[f32]) -> f32 {
    black_box(x)
        .iter()
        .map(|&v| f64::from(v.sqrt()))
        .sum::<f64>() as f32
}

/// W3: `out[i] = sum over all j of sqrt(x[j])`. Each element is one serial sum, so the three
/// outputs must match bit for bit.
fn w3_sum_of_roots(bench: &Bench, n: usize) -> Row {
    let x = uniform_f32(n, 3);
    let mut outs = [vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]];
    let times = bench.time_into(
        &mut outs,
        f32::NAN,
        |out| out.iter_mut().for_each(|o| *o = sum_of_roots(&x)),
        |out| {
            let pool = workshare::global();
            parfor::for_each_mut_chunk(pool, out, Schedule::Auto, |chunk, _offset, _ctx| {
                chunk.iter_mut().for_each(|o| *o = sum_of_roots(&x))
            })
        },
        |out| out.par_iter_mut().for_each(|o| *o = sum_of_roots(&x)),
    );
    Row::new("W3 sum of roots", n, times, same_bits(&outs))
}

/// Samples per block of W4; each block draws from its own SplitMix64 stream.
const PI_BLOCK: usize = 10_000;

/// W4's block: how many of its `PI_BLOCK` points of the unit square fall in the quarter disc.
fn pi_block_hits(block: usize) -> u64 {
    let mut rng = SplitMix64::stream(4, block as u64);
    let inside = (0..PI_BLOCK).filter(|_| {
        let (x, y) = (rng.next_f64(), rng.next_f64());
        x * x + y * y < 1.0
    });
    inside.count() as u64
}

/// W4: Monte Carlo pi. One random stream per block of samples (not per thread) makes the hit
/// count the same for any thread count and schedule, so the three runs must agree exactly.
fn w4_pi(bench: &Bench, samples: usize) -> Row {
    let blocks = samples.div_ceil(PI_BLOCK);
    let (times, hits) = bench.time(
        || (0..blocks).map(pi_block_hits).sum::<u64>(),
        || ws::sum(0..blocks, Schedule::Auto, pi_block_hits),
        || (0..blocks).into_par_iter().map(pi_block_hits).sum::<u64>(),
    );
    let samples = blocks * PI_BLOCK;
    let pi = 4.0 * hits[0] as f64 / samples as f64;
    let error = (pi - std::f64::consts::PI).abs();
    let agree = hits.iter().all(|&h| h == hits[0]);
    let fewer = match samples < 40_000_000 {
        true => " (the workload's 4e7 in the default mode)",
        false => "",
    };
    Row::new("W4 Monte Carlo pi", samples, times, agree).with_note(format!(
        "W4: {} samples{fewer}, {PI_BLOCK} per random stream: pi ~ {pi:.6} (error {error:.1e})",
        count(samples)
    ))
}

/// W5's iteration `i`: `i` cheap integer hash steps, so the cost grows with `i`.
fn imbalanced(i: usize) -> u64 {
    let mut h = i as u64;
    for _ in 0..i {
        h = (h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
    h
}

/// W5: `out[i] = imbalanced(i)`; the last quarter of the range holds almost half the work.
fn w5_imbalanced(bench: &Bench, n: usize) -> Row {
    let mut outs = [vec![0u64; n], vec![0u64; n], vec![0u64; n]];
    let times = bench.time_into(
        &mut outs,
        u64::MAX,
        |out| {
            out.iter_mut()
                .enumerate()
                .for_each(|(i, o)| *o = imbalanced(i))
        },
        |out| {
            let pool = workshare::global();
            parfor::for_each_mut_chunk(pool, out, Schedule::Auto, |chunk, offset, _ctx| {
                let items = chunk.iter_mut().enumerate();
                items.for_each(|(k, o)| *o = imbalanced(offset + k))
            })
        },
        |out| {
            out.par_iter_mut()
                .enumerate()
                .for_each(|(i, o)| *o = imbalanced(i))
        },
    );
    let agree = outs[0] == outs[1] && outs[0] == outs[2];
    Row::new("W5 imbalanced", n, times, agree)
}

/// W6's serial reference: the index of the first maximum.
fn first_argmax(scores: &[i32]) -> Option<usize> {
    let mut best = (0, *scores.first()?);
    for (i, &s) in scores.iter().enumerate().skip(1) {
        if s > best.1 {
            best = (i, s);
        }
    }
    Some(best.0)
}

/// W6's combine for rayon: the better of two (index, score) pairs, ties to the lower index.
/// (`max_by_key` with the key `(score, Reverse(index))` gives the same answer, but measured
/// slower than this `reduce_with`.)
fn first_best(a: (usize, i32), b: (usize, i32)) -> (usize, i32) {
    if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) {
        b
    } else {
        a
    }
}

/// W6: index of the maximum of an i32 array, ties to the lowest index. The scores take a
/// million values, so the maximum occurs several times and the tie rule matters.
fn w6_argmax(bench: &Bench, n: usize) -> Row {
    let mut rng = SplitMix64::stream(6, 0);
    let scores: Vec<i32> = (0..n)
        .map(|_| (rng.next_u64() % 1_000_000) as i32)
        .collect();
    let (times, found) = bench.time(
        || first_argmax(&scores),
        || ws::argmax(&scores[..], Schedule::Auto, |&s| s),
        || {
            let pairs = scores.par_iter().copied().enumerate();
            pairs.reduce_with(first_best).map(|(i, _)| i)
        },
    );
    let agree = found[0].is_some() && found.iter().all(|&f| f == found[0]);
    let ties = found[0].map_or(0, |best| {
        scores.iter().filter(|&&s| s == scores[best]).count()
    });
    Row::new("W6 argmax i32", n, times, agree).with_note(format!(
        "W6: the maximum occurs {ties} times; the lowest index is the answer"
    ))
}

/// W9: Gaussian kernel density at `x = 0.4` over `n` kernels with random means and widths:
/// `mean(exp(-0.5 ((x - m[i]) / w[i])^2) / w[i]) / sqrt(2 pi)`. Sums of `n` positive terms in
/// different orders differ by at most `2 n eps` relative: the tolerance of the check.
fn w9_kde(bench: &Bench, n: usize) -> Row {
    let m: Vec<f64> = uniform(n, 9).iter().map(|u| 2.0 * u - 1.0).collect();
    let w: Vec<f64> = uniform(n, 10).iter().map(|u| 0.1 + 0.2 * u).collect();
    let x = 0.4;
    // The two arrays zipped (no indexing, so no bounds checks), the same way in all three.
    let kernel = |(m, w): (&f64, &f64)| (-0.5 * ((x - m) / w).powi(2)).exp() / w;
    let scale = 1.0 / (n as f64 * (2.0 * std::f64::consts::PI).sqrt());
    let (times, density) = bench.time(
        || m.iter().zip(&w).map(kernel).sum::<f64>() * scale,
        || ws::sum((&m[..], &w[..]), Schedule::Auto, kernel) * scale,
        || m.par_iter().zip(&w).map(kernel).sum::<f64>() * scale,
    );
    let tolerance = 2.0 * n as f64 * f64::EPSILON;
    let close = |d: f64| (d - density[0]).abs() <= tolerance * density[0];
    let agree = density[0] > 0.0 && density[0].is_finite() && density.iter().all(|&d| close(d));
    let spread = density
        .iter()
        .map(|d| (d - density[0]).abs() / density[0])
        .fold(0.0, f64::max);
    Row::new("W9 Gaussian KDE", n, times, agree).with_note(format!(
        "W9: density {:.9}; results {spread:.1e} apart, tolerance 2 n eps = {tolerance:.1e}",
        density[0]
    ))
}

/// `n` as `1e6` when it is one digit times a power of ten, else in full.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let zeros = digits.len() - digits.trim_end_matches('0').len();
    match digits.trim_end_matches('0') {
        lead if zeros >= 3 && lead.len() == 1 => format!("{lead}e{zeros}"),
        _ => digits,
    }
}

/// Prints the table's header.
fn print_header() {
    println!(
        "{:<20} {:>6} {:>10} {:>10} {:>10} {:>8} {:>9} {:>5}",
        "workload", "size", "serial", "workshare", "rayon", "speed-up", "ws/rayon", "check"
    );
    println!("{}", "-".repeat(84));
}

/// Prints one row of the table.
fn print_row(row: &Row) {
    let Times {
        serial,
        workshare,
        rayon,
    } = row.times;
    let speed_up = serial.as_secs_f64() / workshare.as_secs_f64();
    let ratio = workshare.as_secs_f64() / rayon.as_secs_f64();
    let check = if row.agree { "✓" } else { "✗" };
    println!(
        "{:<20} {:>6} {:>10} {:>10} {:>10} {:>7.2}x {:>9.2} {:>5}",
        row.workload,
        row.size,
        human(serial),
        human(workshare),
        human(rayon),
        speed_up,
        ratio,
        check
    );
}

/// Runs every workload at its size for the mode, printing each row as soon as it is
/// measured, then the notes; returns the rows.
fn run_all(bench: &Bench) -> Vec<Row> {
    let size = |full, quick| bench.mode.size(full, quick);
    let workloads: [&dyn Fn() -> Row; 8] = [
        &|| w1_sqrt(bench, 1_000),
        &|| w1_sqrt(bench, size(1_000_000, 100_000)),
        &|| w2_sq_diff(bench, size(10_000_000, 1_000_000)),
        &|| w3_sum_of_roots(bench, size(10_000, 2_000)),
        &|| w4_pi(bench, size(40_000_000, 4_000_000)),
        &|| w5_imbalanced(bench, size(20_000, 5_000)),
        &|| w6_argmax(bench, size(10_000_000, 1_000_000)),
        &|| w9_kde(bench, size(1_000_000, 100_000)),
    ];
    let rows: Vec<Row> = workloads
        .iter()
        .map(|run| run())
        .inspect(print_row)
        .collect();
    println!();
    rows.iter()
        .filter_map(|row| row.note.as_ref())
        .for_each(|note| println!("{note}"));
    rows
}

/// Prints what runs where, before the table.
/// The first line of a command's standard output, if it runs and succeeds.
fn first_line_of(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim().to_string();
    (out.status.success() && !line.is_empty()).then_some(line)
}

/// The CPU's model name: `/proc/cpuinfo` on Linux, `sysctl` on macOS.
fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let linux = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_string());
    linux.or_else(|| first_line_of("sysctl", &["-n", "machdep.cpu.brand_string"]))
}

/// The commit of the source tree the tour was built from, `+` when it has uncommitted changes.
fn commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let hash = first_line_of("git", &["-C", dir, "rev-parse", "--short", "HEAD"])?;
    let clean = std::process::Command::new("git")
        .args(["-C", dir, "diff", "--quiet", "HEAD"])
        .status()
        .is_ok_and(|status| status.success());
    Some(if clean { hash } else { format!("{hash}+") })
}

/// What the times depend on, and a warning when they come from an unoptimized build.
fn print_machine() {
    let unknown = || "unknown".to_string();
    println!(
        "CPU: {}; {}; commit {}",
        cpu_model().unwrap_or_else(unknown),
        first_line_of("rustc", &["--version"]).unwrap_or_else(|| "rustc unknown".to_string()),
        commit().unwrap_or_else(unknown),
    );
    if cfg!(debug_assertions) {
        eprintln!(
            "tour: warning: this is a debug build, whose times say nothing about workshare; \
             run `cargo run --release --example tour`"
        );
    }
}

fn print_intro(bench: &Bench) {
    print_machine();
    println!(
        "workshare tour, {} mode: {} threads for workshare (global pool, Auto schedule), {} for \
         rayon (its own pool, inside install); {} available cores",
        if bench.mode.quick { "quick" } else { "default" },
        workshare::num_threads(),
        bench.rayon.current_num_threads(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "times: median of {} calls after a warm-up call; speed-up = serial / workshare; \
         ws/rayon = workshare time / rayon time (below 1: workshare faster)\n",
        bench.mode.reps
    );
}

fn main() -> ExitCode {
    let about = "Parallel-loop workloads W1-W6 and W9: serial vs workshare vs rayon, as a table.";
    let quick = match common::parse_args("tour", about) {
        Ok(mode) => mode.quick,
        Err(code) => return code,
    };
    let (started, cpu_before) = (Instant::now(), cpu_seconds());
    let bench = Bench::new(quick);
    print_intro(&bench);
    print_header();
    let rows = run_all(&bench);
    let failed = rows.iter().filter(|row| !row.agree).count();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "\n{} rows, {failed} disagreeing; {seconds:.1} s in all",
        rows.len()
    );
    print_contention(cpu_before, seconds);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("tour: {failed} workloads gave different results (marked ✗)");
        ExitCode::FAILURE
    }
}
