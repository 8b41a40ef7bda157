//! What the ported examples share: the command line (`--quick`), timing (median of a few runs
//! after a warm-up), checks that end the program with status 1, and printing.
//!
//! Each example (the tour too) includes this file with `mod common;`. Not every example uses every function here.
#![allow(dead_code)]

use std::fmt::Display;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The examples' random numbers (the tests' generator, one copy per package).
#[path = "../../tests/common/rng.rs"]
mod rng;
pub use rng::SplitMix64;

/// How an example runs: full sizes, or small ones with `--quick` (for CI).
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// Whether `--quick` was given.
    pub quick: bool,
    /// Timed runs per version (the median is reported).
    pub reps: usize,
}

impl Mode {
    /// `full` normally, `quick` with `--quick`.
    pub fn size<T>(&self, full: T, quick: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// "quick" or "full", for the header line.
    pub fn name(&self) -> &'static str {
        if self.quick {
            "quick"
        } else {
            "full"
        }
    }
}

/// Parses the command line of example `name`: `--quick`, `--help`. `Err` carries the exit
/// code to return at once (0 after `--help`, 2 for an unknown argument).
pub fn parse_args(name: &str, about: &str) -> Result<Mode, ExitCode> {
    let usage = format!(
        "{about}\n\nusage: {name} [--quick]\n  --quick  small sizes and fewer runs (for CI)"
    );
    let mut quick = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "-h" | "--help" => {
                println!("{usage}");
                return Err(ExitCode::SUCCESS);
            }
            _ => {
                eprintln!("{name}: unknown argument `{arg}`\n{usage}");
                return Err(ExitCode::from(2));
            }
        }
    }
    let reps = if quick { 5 } else { 9 };
    Ok(Mode { quick, reps })
}

/// Prints the example's first line: what runs, in which mode, on how many threads.
pub fn print_header(name: &str, mode: Mode) {
    let pool = workshare::global();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let env = std::env::var(workshare::NUM_THREADS_ENV).unwrap_or_else(|_| "unset".into());
    println!(
        "{name} ({} mode): workshare global pool of {} threads ({}={env}), {cores} cores",
        mode.name(),
        pool.size(),
        workshare::NUM_THREADS_ENV,
    );
}

/// The median of `reps` timed calls of `f`, after one untimed warm-up call, and the result of
/// the last call.
pub fn median_time<R>(reps: usize, mut f: impl FnMut() -> R) -> (Duration, R) {
    let mut last = black_box(f());
    let mut times = Vec::with_capacity(reps.max(1));
    for _ in 0..reps.max(1) {
        let started = Instant::now();
        last = black_box(f());
        times.push(started.elapsed());
    }
    times.sort_unstable();
    (times[times.len() / 2], last)
}

/// A duration with three significant digits in a fitting unit.
pub fn human(time: Duration) -> String {
    let ns = time.as_secs_f64() * 1e9;
    let (value, unit) = match ns {
        ns if ns < 1e3 => (ns, "ns"),
        ns if ns < 1e6 => (ns / 1e3, "µs"),
        ns if ns < 1e9 => (ns / 1e6, "ms"),
        ns => (ns / 1e9, "s"),
    };
    let decimals = match value {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {unit}")
}

/// Prints one timing line: `label`, its median, and its speed-up over `serial` (or "serial").
pub fn print_time(label: &str, time: Duration, serial: Option<Duration>) {
    match serial {
        None => println!("  {label:<44} {:>10}", human(time)),
        Some(serial) => println!(
            "  {label:<44} {:>10}   {:.2}x serial speed",
            human(time),
            serial.as_secs_f64() / time.as_secs_f64()
        ),
    }
}

/// Checks of one example: prints each, and remembers whether any failed. Also notes how busy
/// the machine was meanwhile, as the timings depend on it.
pub struct Checks {
    failed: Vec<String>,
    started: Instant,
    cpu_before: Option<(f64, f64)>,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            failed: Vec::new(),
            started: Instant::now(),
            cpu_before: cpu_seconds(),
        }
    }
}

impl Checks {
    /// Records the check `what`, passed when `ok`; `detail` is printed either way.
    pub fn check(&mut self, ok: bool, what: &str, detail: impl Display) {
        let mark = if ok { "ok  " } else { "FAIL" };
        println!("  [{mark}] {what}: {detail}");
        if !ok {
            self.failed.push(what.to_owned());
        }
    }

    /// Prints how busy the machine was, then returns the exit code: success when every check
    /// passed, else 1 with a message naming the failed ones.
    pub fn finish(self, name: &str) -> ExitCode {
        print_contention(self.cpu_before, self.started.elapsed().as_secs_f64());
        if self.failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "{name}: {} check(s) failed: {}",
                self.failed.len(),
                self.failed.join("; ")
            );
            ExitCode::FAILURE
        }
    }
}

/// CPU seconds used so far by every process on the machine and by this one, from `/proc`
/// (Linux; `None` elsewhere), in USER_HZ ticks of 1/100 s.
pub fn cpu_seconds() -> Option<(f64, f64)> {
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    // The first line: "cpu user nice system idle ...".
    let busy = stat.lines().next()?.split_whitespace().skip(1).take(3);
    let all: f64 = busy.map(|t| t.parse::<f64>().unwrap_or(0.0)).sum();
    // This process: utime and stime, the 12th and 13th fields after the command name.
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = own.rsplit(')').next()?.split_whitespace().collect();
    let ticks = |k: usize| fields.get(k)?.parse::<f64>().ok();
    let mine = ticks(11)? + ticks(12)?;
    Some((all / TICKS_PER_SECOND, mine / TICKS_PER_SECOND))
}

/// Prints the share of the cores that other processes used during the last `wall` seconds:
/// on a busy machine the parallel timings suffer most.
pub fn print_contention(before: Option<(f64, f64)>, wall: f64) {
    let (Some((all_0, mine_0)), Some((all_1, mine_1))) = (before, cpu_seconds()) else {
        return;
    };
    let others = ((all_1 - all_0) - (mine_1 - mine_0)).max(0.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    println!(
        "other processes used {:.0}% of the {cores} cores meanwhile (timings are comparable \
         within one run only)",
        100.0 * others / (wall * cores).max(1e-9)
    );
}

/// `n` uniform numbers in `[lo, hi)` from SplitMix64 stream `seed`.
pub fn uniform(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut rng = SplitMix64::stream(seed, 0);
    (0..n).map(|_| lo + (hi - lo) * rng.next_f64()).collect()
}

/// Whether two float slices hold the same bits (NaN included).
pub fn same_bits_f32(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Whether two float slices hold the same bits (NaN included).
pub fn same_bits_f64(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Runs `f` with the global pool set to `threads` threads, then sets the previous count back.
pub fn with_threads<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    let previous = workshare::num_threads();
    workshare::set_num_threads(threads).expect("a thread count within the pool's size");
    let result = f();
    workshare::set_num_threads(previous).expect("the previous thread count");
    result
}

/// The thread counts worth showing on the global pool: 1, 2, 4, ... and its size.
pub fn thread_counts() -> Vec<usize> {
    let size = workshare::global().size();
    let mut counts: Vec<usize> = std::iter::successors(Some(1usize), |t| Some(t * 2))
        .take_while(|&t| t < size)
        .collect();
    counts.push(size);
    counts
}
