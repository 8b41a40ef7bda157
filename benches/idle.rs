//! W8, idle cost: build a pool, run one loop on it, sleep 1 s, and report the CPU time the
//! process spent during the sleep (`getrusage(RUSAGE_SELF)`, user + system, all threads).
//!
//! Run: `cargo bench -p workshare-bench --bench idle` (every thread count of
//! `WORKSHARE_BENCH_THREADS`, default `2,8`). This is not a latency, so it is no criterion
//! benchmark: each measurement runs in a child process of its own (this binary, re-run with
//! `--idle-child`), so that no other runtime's threads are alive in it, and the results are printed
//! and written as JSON to `target/workshare-bench/W8_idle.json` (under `$CARGO_TARGET_DIR` when
//! set), which the report generator reads. Rows: `baseline` (no pool: a serial loop, then the
//! sleep), `workshare`, `rayon`, `openmp` (when the C compiler supports OpenMP), and, with
//! `--features forkunion`, `forkunion` (a ForkUnion pool left as it is after the loop: its
//! workers spin until the next call) and `forkunion sleep(10 ms)` (the pool put to sleep after
//! the loop with `ThreadPool::sleep(10_000)`, as the crate's documentation does between
//! batches: its workers then check for work every 10 ms). Each is measured 3 times (once with
//! `WORKSHARE_BENCH_QUICK=1`). Run without `--bench` (as `cargo test --benches` does), it
//! sleeps 50 ms once per row and writes nothing.

// A bench target without a harness: its items need no docs.
#![allow(missing_docs)]

mod common;

use rayon::prelude::*;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;
use workshare::parfor::{map_into, Schedule};

/// The loop run before the sleep: `out[i] = sqrt(x[i])` over this many f32.
const LOOP_LEN: usize = 1_000_000;

/// The ForkUnion row whose pool is put to sleep after the loop.
#[cfg(feature = "forkunion")]
const FORKUNION_SLEEP: &str = "forkunion sleep(10 ms)";

/// CPU time of the whole process so far (user + system, every thread).
fn process_cpu_time() -> Duration {
    // SAFETY: `getrusage` fills the zeroed struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Child mode: runs one loop on `runtime` with `threads` threads, then measures the CPU time
/// spent while the main thread sleeps for `sleep`, and prints it in nanoseconds.
fn child(runtime: &str, threads: usize, sleep: Duration) {
    let x: Vec<f32> = (0..LOOP_LEN).map(|i| i as f32).collect();
    let mut out = vec![0.0f32; LOOP_LEN];
    // Each runtime stays alive (its threads idle) until after the measurement.
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    match runtime {
        "baseline" => out.iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt()),
        "workshare" => {
            let pool = common::workshare_pool(threads);
            // Static: every thread of the pool takes part in the loop.
            map_into(&pool, &mut out, &x[..], Schedule::Static, |o, x| {
                *o = x.sqrt()
            });
            keep.push(Box::new(pool));
        }
        "rayon" => {
            let pool = common::rayon_pool(threads);
            pool.install(|| out.par_iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt()));
            keep.push(Box::new(pool));
        }
        "openmp" => {
            let mut ints = vec![0i64; LOOP_LEN];
            let sum = workshare_bench_omp::run_loop(threads, &mut ints).expect("OpenMP");
            assert_eq!(sum, (LOOP_LEN * (LOOP_LEN - 1) / 2) as i64);
            out.iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt());
        }
        #[cfg(feature = "forkunion")]
        "forkunion" | FORKUNION_SLEEP => {
            let mut pool = common::forkunion::pool(threads);
            common::forkunion::for_slices_mut(&mut pool, &mut out, |chunk, offset| {
                for (o, x) in chunk.iter_mut().zip(&x[offset..]) {
                    *o = x.sqrt();
                }
            });
            if runtime == FORKUNION_SLEEP {
                pool.sleep(common::forkunion::SLEEP_MICROS);
            }
            keep.push(Box::new(pool));
        }
        other => panic!("unknown runtime {other}"),
    }
    assert_eq!(out[LOOP_LEN - 1], ((LOOP_LEN - 1) as f32).sqrt());
    let before = process_cpu_time();
    std::thread::sleep(sleep);
    let spent = process_cpu_time() - before;
    println!("cpu_ns={}", spent.as_nanos());
    drop(keep);
}

/// Runs one child measurement and returns the CPU time it reports.
fn measure(runtime: &str, threads: usize, sleep: Duration) -> Duration {
    let exe = std::env::current_exe().expect("current_exe");
    let output = Command::new(exe)
        .args([
            "--idle-child",
            runtime,
            &threads.to_string(),
            &sleep.as_millis().to_string(),
        ])
        .output()
        .expect("run the idle child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "idle child {runtime} {threads} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ns = stdout
        .lines()
        .find_map(|l| l.strip_prefix("cpu_ns="))
        .and_then(|v| v.trim().parse().ok())
        .expect("the child prints cpu_ns=");
    Duration::from_nanos(ns)
}

fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--idle-child") {
        let threads = args[2].parse().expect("threads");
        let sleep = Duration::from_millis(args[3].parse().expect("sleep ms"));
        return child(&args[1], threads, sleep);
    }
    // As criterion does: `--bench` means a real run, its absence a quick test run.
    let bench = args.iter().any(|a| a == "--bench");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filters.is_empty() && !filters.iter().any(|f| "W8_idle".contains(f.as_str())) {
        return;
    }
    let (sleep, reps) = match (bench, common::quick()) {
        (false, _) => (Duration::from_millis(50), 1),
        (true, true) => (Duration::from_secs(1), 1),
        (true, false) => (Duration::from_secs(1), 3),
    };
    let mut rows = vec![("baseline", 1)];
    for threads in common::thread_counts() {
        rows.push(("workshare", threads));
        rows.push(("rayon", threads));
        if workshare_bench_omp::available() {
            rows.push(("openmp", threads));
        }
        #[cfg(feature = "forkunion")]
        rows.extend([("forkunion", threads), (FORKUNION_SLEEP, threads)]);
    }
    if !workshare_bench_omp::available() {
        println!("OpenMP unavailable: skipping the openmp rows");
    }
    if cfg!(not(feature = "forkunion")) {
        println!("{}", common::FORKUNION_OFF);
    }
    println!(
        "W8_idle: CPU time spent during a {} ms sleep after one loop ({reps} runs each)",
        sleep.as_millis()
    );
    let mut json = String::new();
    let _ = write!(
        json,
        "{{\n  \"workload\": \"W8\",\n  \"sleep_ns\": {},\n  \"quick\": {},\n  \"rows\": [",
        sleep.as_nanos(),
        common::quick()
    );
    for (k, &(runtime, threads)) in rows.iter().enumerate() {
        let runs: Vec<Duration> = (0..reps)
            .map(|_| measure(runtime, threads, sleep))
            .collect();
        println!(
            "W8_idle/{runtime}/{threads}: median {:.3} ms CPU (runs: {:?})",
            median(&runs).as_secs_f64() * 1e3,
            runs
        );
        let list: Vec<String> = runs.iter().map(|d| d.as_nanos().to_string()).collect();
        let _ = write!(
            json,
            "{}\n    {{\"runtime\": \"{runtime}\", \"threads\": {threads}, \"cpu_ns\": [{}]}}",
            if k == 0 { "" } else { "," },
            list.join(", ")
        );
    }
    json.push_str("\n  ]\n}\n");
    if bench {
        if common::quick() {
            common::mark_quick_mode();
        }
        let dir = common::output_dir();
        std::fs::create_dir_all(&dir).expect("create the output directory");
        let path = dir.join("W8_idle.json");
        std::fs::write(&path, json).expect("write the W8 results");
        println!("wrote {}", path.display());
    }
}
