//! Benchmark-only: writes `BENCHMARKS.md` and its SVG charts from the results of the committed
//! benchmarks, so that no number in the report is typed by hand.
//!
//! It reads criterion's medians (`<target>/criterion/**/new/{benchmark,estimates}.json`), the
//! idle benchmark's `<target>/workshare-bench/W8_idle.json`, the paired benchmark's
//! `targets.json` and the library benchmark's `library.json` beside it, and writes one table
//! per criterion group (median, ratio to the group's serial row, to rayon's fastest row and to
//! the OpenMP row with the same parameter), the paired targets table, the W8 table, the W11
//! tables (wall time of the callers and the latency of one call), the spread of W0 and W10
//! over separate processes where `scripts/spread.sh` left it (`<target>/workshare-bench/spread`,
//! see `spread.rs`), the machine, the commit measured, the command that reproduces each table,
//! and the charts: time against n for the W1 sweep and speed-up against threads for the W3 and
//! W5 sweeps.
//!
//! Usage (`scripts/benchmarks.sh` runs the benchmarks, then this):
//!
//! ```text
//! cargo run --release -p workshare-bench-report -- [--target DIR] [--out FILE]
//!     [--charts DIR] [--notes FILE]
//! cargo run --release -p workshare-bench-report -- [--target DIR] --spread
//! ```
//!
//! `--spread` prints the spread section alone to standard output and writes nothing
//! (`scripts/spread.sh` ends with it).
//!
//! `--target` defaults to `$CARGO_TARGET_DIR` or `target`, `--out` to `BENCHMARKS.md`,
//! `--charts` to `docs/charts`, `--notes` to `benches/NOTES.md` (included as the description
//! of the benchmarks). The commit is `$BENCHMARK_COMMIT`, set by the script before it runs the
//! benchmarks, and `$BENCHMARK_SECONDS` the time they took, measured by the script;
//! a report is marked as a quick run when the benchmarks left `<target>/workshare-bench/quick-mode`
//! (they do in quick mode) or `WORKSHARE_BENCH_QUICK` is set.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

mod charts;
mod spread;

/// One criterion benchmark: its function, its parameter (may be empty) and its median in ns.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    function: String,
    param: String,
    median_ns: f64,
}

/// Where a group comes from: the bench that measures it and the order of its table.
struct Source {
    prefix: &'static str,
    bench: &'static str,
}

/// Every known group, in the order of the report.
const SOURCES: &[Source] = &[
    Source {
        prefix: "W0_",
        bench: "fork_join",
    },
    Source {
        prefix: "overhead parallel/",
        bench: "overhead",
    },
    Source {
        prefix: "overhead barrier",
        bench: "overhead",
    },
    Source {
        prefix: "overhead single",
        bench: "overhead",
    },
    Source {
        prefix: "overhead parallel for static",
        bench: "overhead",
    },
    Source {
        prefix: "overhead parallel for dynamic",
        bench: "overhead",
    },
    Source {
        prefix: "overhead for static",
        bench: "overhead",
    },
    Source {
        prefix: "overhead for dynamic",
        bench: "overhead",
    },
    Source {
        prefix: "overhead reduction",
        bench: "overhead",
    },
    Source {
        prefix: "W1 ",
        bench: "parfor",
    },
    Source {
        prefix: "W2_",
        bench: "reductions",
    },
    Source {
        prefix: "W3 sum",
        bench: "parfor",
    },
    Source {
        prefix: "W3 scaling",
        bench: "scaling",
    },
    Source {
        prefix: "W4_",
        bench: "reductions",
    },
    Source {
        prefix: "W5 imbalanced",
        bench: "parfor",
    },
    Source {
        prefix: "W5 scaling",
        bench: "scaling",
    },
    Source {
        prefix: "W6_",
        bench: "reductions",
    },
    Source {
        prefix: "W7 ",
        bench: "scaling",
    },
    Source {
        prefix: "W9_",
        bench: "reductions",
    },
    Source {
        prefix: "f64_sum",
        bench: "reductions",
    },
];

/// The bench of `group` and its place in the report (unknown groups last). A prefix that ends
/// in `/` must match the whole group name.
fn source(group: &str) -> (usize, Option<&'static str>) {
    SOURCES
        .iter()
        .position(|s| match s.prefix.strip_suffix('/') {
            Some(whole) => group == whole,
            None => group.starts_with(s.prefix),
        })
        .map_or((SOURCES.len(), None), |i| (i, Some(SOURCES[i].bench)))
}

/// The environment variables that shape what `bench` measures, as they were set for this run.
fn bench_env(bench: &str) -> String {
    let names: &[&str] = match bench {
        "fork_join" | "overhead" => &["WORKSHARE_BENCH_THREADS"],
        "scaling" => &["WORKSHARE_BENCH_MAX_THREADS"],
        "idle" => &["WORKSHARE_BENCH_THREADS"],
        // The global pools' sizes.
        "library" => &["WORKSHARE_NUM_THREADS", "RAYON_NUM_THREADS"],
        _ => &[],
    };
    let mut env = String::new();
    for name in names.iter().chain(&["WORKSHARE_BENCH_QUICK"]) {
        if let Ok(value) = std::env::var(name) {
            let _ = write!(env, "{name}={value} ");
        }
    }
    env
}

/// Reads every criterion result under `dir` (`<target>/criterion`), grouped by group id.
fn collect(dir: &Path) -> BTreeMap<String, Vec<Row>> {
    let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                if let Some((group, row)) = read_result(&path) {
                    groups.entry(group).or_default().push(row);
                }
            } else {
                pending.push(path);
            }
        }
    }
    groups
}

/// One result directory (`.../new`): its group and row, if both files parse.
fn read_result(new: &Path) -> Option<(String, Row)> {
    let read = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(new.join(name)).ok()?).ok()
    };
    let id = read("benchmark.json")?;
    let estimates = read("estimates.json")?;
    let text = |key: &str| id.get(key).and_then(Value::as_str).map(str::to_owned);
    let group = text("group_id")?;
    let row = Row {
        function: text("function_id").unwrap_or_else(|| group.clone()),
        param: text("value_str").unwrap_or_default(),
        median_ns: estimates.pointer("/median/point_estimate")?.as_f64()?,
    };
    Some((group, row))
}

/// A duration in ns with three significant digits and a unit.
fn fmt_time(ns: f64) -> String {
    let (value, unit) = [(1e9, "s"), (1e6, "ms"), (1e3, "µs")]
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

/// The sort key of a parameter: none first, then numbers in numeric order, then text.
fn param_key(param: &str) -> (u8, f64, String) {
    match param.parse::<f64>() {
        _ if param.is_empty() => (0, 0.0, String::new()),
        Ok(v) => (1, v, String::new()),
        Err(_) => (2, 0.0, param.to_owned()),
    }
}

fn is_serial(f: &str) -> bool {
    f == "serial"
}

fn is_rayon(f: &str) -> bool {
    f.starts_with("rayon")
}

fn is_openmp(f: &str) -> bool {
    f.starts_with("openmp")
}

/// ForkUnion's rows, which exist only in a build with the `forkunion` feature.
fn is_forkunion(f: &str) -> bool {
    f.starts_with("forkunion")
}

/// Rows that are themselves references: no ratio to rayon or OpenMP for them.
fn is_reference(f: &str) -> bool {
    is_serial(f) || is_rayon(f) || f.starts_with("hardware") || f.starts_with("std_")
}

/// The markdown table of one group.
fn table(rows: &[Row]) -> String {
    let serial: BTreeMap<&str, f64> = rows
        .iter()
        .filter(|r| is_serial(&r.function))
        .map(|r| (r.param.as_str(), r.median_ns))
        .collect();
    // A group with one serial row compares every row with it, whatever their parameter.
    let serial_any = (serial.len() == 1).then(|| *serial.values().next().unwrap());
    let fastest = |keep: fn(&str) -> bool| {
        let mut best: BTreeMap<&str, f64> = BTreeMap::new();
        for r in rows.iter().filter(|r| keep(&r.function)) {
            let t = best.entry(r.param.as_str()).or_insert(r.median_ns);
            *t = t.min(r.median_ns);
        }
        best
    };
    let rayon = fastest(is_rayon);
    let openmp = fastest(is_openmp);
    let ratio = |t: f64, reference: Option<f64>| {
        reference.map_or_else(String::new, |r| format!("{:.2}x", t / r))
    };
    let mut out = String::from("| benchmark | parameter | median | vs serial | vs rayon |");
    let with_openmp = !openmp.is_empty();
    out.push_str(if with_openmp { " vs OpenMP |\n" } else { "\n" });
    out.push_str("|---|---|--:|--:|--:|");
    out.push_str(if with_openmp { "--:|\n" } else { "\n" });
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        let (ka, kb) = (param_key(&a.param), param_key(&b.param));
        ka.partial_cmp(&kb)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.function.cmp(&b.function))
    });
    for r in sorted {
        let f = r.function.as_str();
        let t = r.median_ns;
        let vs_serial = if is_serial(f) {
            String::new()
        } else {
            ratio(t, serial.get(r.param.as_str()).copied().or(serial_any))
        };
        let vs_rayon = if is_reference(f) {
            String::new()
        } else {
            ratio(t, rayon.get(r.param.as_str()).copied())
        };
        let param = if r.param.is_empty() { "-" } else { &r.param };
        let _ = write!(
            out,
            "| {f} | {param} | {} | {vs_serial} | {vs_rayon} |",
            fmt_time(t)
        );
        if with_openmp {
            let vs_openmp = if is_reference(f) || is_openmp(f) {
                String::new()
            } else {
                ratio(t, openmp.get(r.param.as_str()).copied())
            };
            let _ = write!(out, " {vs_openmp} |");
        }
        out.push('\n');
    }
    out
}

/// The idle benchmark's results: (runtime, threads, CPU ns of each run), and the sleep in ns.
struct Idle {
    sleep_ns: f64,
    rows: Vec<(String, u64, Vec<f64>)>,
}

fn read_idle(path: &Path) -> Option<Idle> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let rows = json
        .get("rows")?
        .as_array()?
        .iter()
        .filter_map(|row| {
            let runs = row.get("cpu_ns")?.as_array()?;
            Some((
                row.get("runtime")?.as_str()?.to_owned(),
                row.get("threads")?.as_u64()?,
                runs.iter().filter_map(Value::as_f64).collect(),
            ))
        })
        .collect();
    Some(Idle {
        sleep_ns: json.get("sleep_ns")?.as_f64()?,
        rows,
    })
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The W8 table: CPU time spent during the sleep, median and largest of the runs.
fn idle_table(idle: &Idle) -> String {
    let mut out = String::from(
        "| runtime | threads | CPU time during the sleep (median) | share of one core | largest run | runs |\n\
         |---|--:|--:|--:|--:|--:|\n",
    );
    for (runtime, threads, runs) in &idle.rows {
        let m = median(runs);
        let max = runs.iter().copied().fold(f64::NAN, f64::max);
        let _ = writeln!(
            out,
            "| {runtime} | {threads} | {} | {:.2}% | {} | {} |",
            fmt_time(m),
            100.0 * m / idle.sleep_ns,
            fmt_time(max),
            runs.len()
        );
    }
    out
}

/// One row of the paired targets benchmark (`benches/targets.rs`).
struct Target {
    workload: String,
    /// The labels of the baseline, the measured runtime and the comparison.
    labels: [String; 3],
    target: f64,
    rounds: u64,
    base_ns: f64,
    /// First quartile, median and third quartile of the per-round ratios to the baseline.
    ours: [f64; 3],
    theirs: [f64; 3],
    /// OpenMP's ratio to the same C loop run serially (its own paired rounds), when measured.
    omp: Option<[f64; 3]>,
}

fn read_targets(path: &Path) -> Option<Vec<Target>> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let triple = read_triple;
    json.get("rows")?
        .as_array()?
        .iter()
        .map(|row| {
            let text = |key: &str| row.get(key)?.as_str().map(str::to_owned);
            Some(Target {
                workload: text("workload")?,
                labels: [text("base")?, text("ours")?, text("theirs")?],
                target: row.get("target")?.as_f64()?,
                rounds: row.get("rounds")?.as_u64()?,
                base_ns: row.get("base_ns")?.as_f64()?,
                ours: triple(row.get("ours_ratio")?)?,
                theirs: triple(row.get("theirs_ratio")?)?,
                // Absent from older files, `null` where OpenMP was not measured.
                omp: row.get("omp_ratio").and_then(triple),
            })
        })
        .collect()
}

/// The paired targets table: per workload the median ratio (and middle half) of the measured
/// runtime and of the comparison to the baseline, against the issue's target, and OpenMP's
/// ratio to its own serial C loop where it was measured.
fn targets_table(targets: &[Target]) -> String {
    let mut out = String::from(
        "| workload | baseline | baseline median | measured | ratio (median) | middle half | \
         target | met | comparison | its ratio | OpenMP (vs C serial) | rounds |\n\
         |---|---|--:|---|--:|--:|--:|---|---|--:|--:|--:|\n",
    );
    for t in targets {
        let omp = t.omp.map_or_else(String::new, |r| format!("{:.3}x", r[1]));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3}x | {:.3}x-{:.3}x | {:.3}x | {} | {} | {:.3}x | {omp} | {} |",
            t.workload,
            t.labels[0],
            fmt_time(t.base_ns),
            t.labels[1],
            t.ours[1],
            t.ours[0],
            t.ours[2],
            t.target,
            if t.ours[1] <= t.target { "yes" } else { "no" },
            t.labels[2],
            t.theirs[1],
            t.rounds
        );
    }
    out
}

/// The library benchmark's results (`benches/library.rs`, W11).
struct Library {
    /// Outside threads calling at once, calls per thread, items per call.
    callers: u64,
    calls: u64,
    n: u64,
    pool_threads: u64,
    rayon_threads: u64,
    target: f64,
    rounds: u64,
    /// Per contestant (serial first): first quartile, median and third quartile of its wall
    /// time in ns and of its per-round ratio to serial.
    rows: Vec<(String, [f64; 3], [f64; 3])>,
    /// Per contestant, a 95% confidence interval of its median ratio (when the benchmark
    /// wrote one).
    ratio_ci: Vec<Option<[f64; 2]>>,
    /// The machine's cores and the quartiles of the serial contestant's idle share (when
    /// written): the bound on what any contestant can gain.
    serial_idle: Option<(u64, [f64; 3])>,
    region_ns: f64,
    idle_calls: u64,
    busy_calls: u64,
    /// Busy-pool calls that returned while the other thread's region still held its workers.
    overlapped: u64,
    /// Per call: quartiles of one call's time in ns, idle pool and busy pool.
    latency: Vec<(String, [f64; 3], [f64; 3])>,
}

/// First quartile, median and third quartile, as the paired benchmarks write them.
fn read_triple(v: &Value) -> Option<[f64; 3]> {
    let a = v.as_array()?;
    Some([
        a.first()?.as_f64()?,
        a.get(1)?.as_f64()?,
        a.get(2)?.as_f64()?,
    ])
}

fn read_library(path: &Path) -> Option<Library> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let int = |v: &Value, key: &str| v.get(key)?.as_u64();
    let rows = |v: &Value, name: &str, a: &str, b: &str| -> Option<Vec<_>> {
        v.get("rows")?
            .as_array()?
            .iter()
            .map(|row| {
                Some((
                    row.get(name)?.as_str()?.to_owned(),
                    read_triple(row.get(a)?)?,
                    read_triple(row.get(b)?)?,
                ))
            })
            .collect()
    };
    let latency = json.get("latency")?;
    Some(Library {
        callers: int(&json, "callers")?,
        calls: int(&json, "calls")?,
        n: int(&json, "n")?,
        pool_threads: int(&json, "pool_threads")?,
        rayon_threads: int(&json, "rayon_threads")?,
        target: json.get("target")?.as_f64()?,
        rounds: int(&json, "rounds")?,
        rows: rows(&json, "contestant", "wall_ns", "ratio")?,
        ratio_ci: json
            .get("rows")?
            .as_array()?
            .iter()
            .map(|row| {
                let ci = row.get("ratio_median_ci95")?.as_array()?;
                Some([ci.first()?.as_f64()?, ci.get(1)?.as_f64()?])
            })
            .collect(),
        serial_idle: int(&json, "cores").zip(json.get("serial_idle_share").and_then(read_triple)),
        region_ns: latency.get("region_ns")?.as_f64()?,
        idle_calls: int(latency, "idle_calls")?,
        busy_calls: int(latency, "busy_calls")?,
        overlapped: int(latency, "overlapped")?,
        latency: rows(latency, "call", "idle_ns", "busy_ns")?,
    })
}

/// The W11 section: its introduction (what was measured), and its body: the wall-time table
/// (median and middle half of the rounds, ratio to serial against the target for the workshare
/// rows) and the latency table (one call on an idle pool, and while another thread's region
/// holds every worker).
fn library_section(lib: &Library) -> (String, String) {
    let intro = format!(
        "{} outside threads each call a library function {} times; it returns the sum of \
         `x[i]^2` over {} f64 through the global pool (workshare: {} threads; rayon: {} \
         threads). Total wall time of the {} x {} calls, released together, median and middle \
         half of {} paired rounds (the contestants back to back, order rotating; the ratio to \
         serial taken within each round; a 95% confidence interval of the median ratio from \
         the rounds' order statistics, where written). Target: each workshare row at most \
         {:.2}x serial, judged by that interval where written (`not resolved`: it contains \
         the target).\n\n",
        lib.callers,
        lib.calls,
        lib.n,
        lib.pool_threads,
        lib.rayon_threads,
        lib.callers,
        lib.calls,
        lib.rounds,
        lib.target
    );
    let mut out = String::from(
        "| contestant | wall time (median) | middle half | vs serial (median) | middle half | \
         95% CI of the median | target | met |\n|---|--:|--:|--:|--:|--:|--:|---|\n",
    );
    for (i, (who, wall, ratio)) in lib.rows.iter().enumerate() {
        let ci = lib.ratio_ci.get(i).copied().flatten();
        let (target, met) = if who.starts_with("workshare") {
            let met = match ci {
                Some([_, hi]) if hi <= lib.target => "yes",
                Some([lo, _]) if lo > lib.target => "no",
                Some(_) => "not resolved",
                None if ratio[1] <= lib.target => "yes",
                None => "no",
            };
            (format!("{:.2}x", lib.target), met)
        } else {
            (String::new(), "")
        };
        let ci = ci.map_or(String::new(), |[lo, hi]| format!("{lo:.3}x-{hi:.3}x"));
        let _ = writeln!(
            out,
            "| {who} | {} | {}-{} | {:.3}x | {:.3}x-{:.3}x | {ci} | {target} | {met} |",
            fmt_time(wall[1]),
            fmt_time(wall[0]),
            fmt_time(wall[2]),
            ratio[1],
            ratio[0],
            ratio[2]
        );
    }
    if let Some((cores, idle)) = lib.serial_idle {
        let _ = writeln!(
            out,
            "\nThe serial contestant left the {cores} cores idle for {:.2}% of their time \
             (middle half {:.2}%-{:.2}%), while its callers started and ended: no contestant can \
             take less than about {:.3}x serial's time on these cores.",
            100.0 * idle[1],
            100.0 * idle[0],
            100.0 * idle[2],
            1.0 - idle[1]
        );
    }
    let _ = write!(
        out,
        "\nLatency of one call from one thread, median and middle half: on an idle pool ({} \
         calls per row), and while another thread runs a region that holds every worker of the \
         global pool for {} ({} calls per row, one per region; {} of the {} returned before \
         their region ended). A call that waited for that region would take about {}.\n\n\
         | call | idle pool (median) | middle half | busy pool (median) | middle half |\n\
         |---|--:|--:|--:|--:|\n",
        lib.idle_calls,
        fmt_time(lib.region_ns),
        lib.busy_calls,
        lib.overlapped,
        lib.busy_calls * lib.latency.len() as u64,
        fmt_time(lib.region_ns)
    );
    for (who, idle, busy) in &lib.latency {
        let _ = writeln!(
            out,
            "| {who} | {} | {}-{} | {} | {}-{} |",
            fmt_time(idle[1]),
            fmt_time(idle[0]),
            fmt_time(idle[2]),
            fmt_time(busy[1]),
            fmt_time(busy[0]),
            fmt_time(busy[2])
        );
    }
    (intro, out)
}

/// The first line of `program args` on success.
fn first_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    out.status
        .success()
        .then(|| text.lines().next().unwrap_or("").trim().to_owned())
}

/// The machine: CPU model and count, operating system, kernel, Rust and C compilers.
fn machine() -> String {
    let lscpu = Command::new("lscpu")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    let field = |name: &str| {
        lscpu.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_owned())
        })
    };
    let model = field("Model name").unwrap_or_else(|| "unknown CPU".into());
    let cpus = field("CPU(s)").unwrap_or_else(|| {
        std::thread::available_parallelism().map_or("?".into(), |n| n.to_string())
    });
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| format!(", kernel {}", s.trim()))
        .unwrap_or_default();
    let rustc = first_line("rustc", &["--version"]).unwrap_or_else(|| "rustc ?".into());
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let c = first_line(&cc, &["--version"]).unwrap_or_else(|| "no C compiler found".into());
    format!("{cpus} CPUs ({model}), {os}{kernel}; {rustc}; C compiler for the OpenMP rows: {c}")
}

/// The path of `target` as written in a file in `from_dir`: relative when below it.
fn link(target: &Path, from_dir: &Path) -> String {
    let absolute = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| std::env::current_dir().unwrap().join(p))
    };
    let (target, base) = (absolute(target), absolute(from_dir));
    target
        .strip_prefix(&base)
        .unwrap_or(&target)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Command-line options.
struct Options {
    target: PathBuf,
    out: PathBuf,
    charts: PathBuf,
    notes: PathBuf,
    /// Print the spread section alone (`--spread`).
    spread_only: bool,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        target: std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from),
        out: PathBuf::from("BENCHMARKS.md"),
        charts: PathBuf::from("docs/charts"),
        notes: PathBuf::from("benches/NOTES.md"),
        spread_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--spread" => {
                opts.spread_only = true;
                continue;
            }
            "--target" => &mut opts.target,
            "--out" => &mut opts.out,
            "--charts" => &mut opts.charts,
            "--notes" => &mut opts.notes,
            "-h" | "--help" => {
                return Err("usage: workshare-bench-report [--target DIR] [--out FILE] \
                            [--charts DIR] [--notes FILE] | [--target DIR] --spread"
                    .into())
            }
            other => return Err(format!("unknown argument {other} (see --help)")),
        };
        *slot = PathBuf::from(args.next().ok_or(format!("{flag} needs a value"))?);
    }
    Ok(opts)
}

/// Everything the report is made of, gathered before writing it.
struct Inputs {
    groups: BTreeMap<String, Vec<Row>>,
    idle: Option<Idle>,
    targets: Option<Vec<Target>>,
    library: Option<Library>,
    /// W0 and W10 over separate processes (`scripts/spread.sh`).
    spread: Option<spread::Spread>,
    notes: Option<String>,
    machine: String,
    commit: String,
    /// How long the benchmarks took, as `scripts/benchmarks.sh` measured it.
    seconds: Option<u64>,
    quick: bool,
}

/// The report's markdown; `charts` maps a group to the chart (path as linked) drawn from it.
fn report(inputs: &Inputs, charts: &BTreeMap<String, String>) -> String {
    let mut md = String::from("# Benchmarks\n\n");
    md.push_str(
        "Generated by `scripts/benchmarks.sh` from criterion's medians and the idle benchmark's \
         output; do not edit by hand.\nRatios are within one run: `vs serial` divides by the \
         group's serial row, `vs rayon` by the fastest rayon row with the same parameter, `vs \
         OpenMP` by the OpenMP row with the same parameter (below 1.00x is faster).\n\n",
    );
    if inputs.quick {
        md.push_str(
            "**Quick mode** (`WORKSHARE_BENCH_QUICK`): short warm-up and measurement and few \
             samples, to check that the benchmarks run; these numbers are not for quoting.\n\n",
        );
    }
    let _ = writeln!(md, "Machine: {}.\n", inputs.machine);
    let _ = writeln!(md, "Code measured: {}.\n", inputs.commit);
    if let Some(seconds) = inputs.seconds {
        let _ = writeln!(
            md,
            "The benchmarks of this run took {seconds} s (`cargo bench` of every bench, build \
             excluded).\n"
        );
    }
    md.push_str(
        "Reproduce everything: `bash scripts/benchmarks.sh` (`bash scripts/benchmarks.sh quick` \
         for the quick mode); each table names the command that reproduces it alone.\n\n",
    );
    if let Some(notes) = &inputs.notes {
        md.push_str(notes.trim_end());
        md.push_str("\n\n");
    }
    if let Some(targets) = &inputs.targets {
        push_section(
            &mut md,
            "Speed targets, paired",
            "The speed targets of the parfor and reductions issues (2 threads, ratio to serial; \
             for the deterministic sum, to the ordinary workshare sum), measured paired: each \
             round runs the three rows of a workload back to back, milliseconds apart, and the \
             ratio is taken within the round; the table gives the median over the rounds and \
             the middle half of them. A met target is a median at or under it. The OpenMP \
             column: the workload ported to C with OpenMP `parallel for`, paired in rounds of \
             its own against the same C loop without OpenMP (see the notes above).\n\n",
            &bench_command("targets", false),
            &targets_table(targets),
        );
    }
    if let Some(lib) = &inputs.library {
        let (intro, tables) = library_section(lib);
        push_section(
            &mut md,
            &format!("W11: a library called from {} threads", lib.callers),
            &intro,
            &bench_command("library", false),
            &tables,
        );
    }
    let mut order: Vec<(&String, &Vec<Row>)> = inputs.groups.iter().collect();
    order.sort_by_key(|(name, _)| (source(name).0, name.as_str()));
    for (name, rows) in order {
        let forkunion = rows.iter().any(|r| is_forkunion(&r.function));
        let command = match source(name).1 {
            Some(bench) => format!("{} -- '^{name}/'", bench_command(bench, forkunion)),
            None => format!("cargo bench -- '^{name}/'"),
        };
        push_section(&mut md, name, "", &command, &table(rows));
        if let Some(chart) = charts.get(name) {
            let _ = writeln!(md, "![{name}]({chart})\n");
        }
    }
    if let Some(idle) = &inputs.idle {
        let intro = format!(
            "CPU time of the whole process (user + system) while its main thread sleeps {} \
             after one loop on a fresh pool, one child process per run.\n\n",
            fmt_time(idle.sleep_ns)
        );
        let forkunion = idle.rows.iter().any(|(runtime, ..)| is_forkunion(runtime));
        push_section(
            &mut md,
            "W8 idle",
            &intro,
            &bench_command("idle", forkunion),
            &idle_table(idle),
        );
    }
    if let Some(spread) = &inputs.spread {
        let _ = writeln!(
            md,
            "## W0 and W10 over {} processes

Reproduce: `bash scripts/spread.sh {}`
",
            spread.processes, spread.processes
        );
        md.push_str(&spread::section(spread));
    }
    md
}

/// Appends a section of the report: its heading, `intro` (empty or ending in a blank line),
/// the command that reproduces it and its table.
fn push_section(md: &mut String, title: &str, intro: &str, command: &str, table: &str) {
    let _ = writeln!(md, "## {title}\n");
    md.push_str(intro);
    let _ = writeln!(md, "Reproduce: `{command}`\n");
    md.push_str(table);
    md.push('\n');
}

/// The command that runs `bench` alone, with the environment variables of this run, and with
/// the `forkunion` feature where the results have ForkUnion rows.
fn bench_command(bench: &str, forkunion: bool) -> String {
    format!(
        "{}cargo bench -p workshare-bench{} --bench {bench}",
        bench_env(bench),
        if forkunion {
            " --features forkunion"
        } else {
            ""
        }
    )
}

/// The commit the benchmarks ran on, as `scripts/benchmarks.sh` recorded it before the run.
fn commit() -> String {
    std::env::var("BENCHMARK_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown (run through scripts/benchmarks.sh)".into())
}

fn run() -> Result<(), String> {
    let opts = options()?;
    let spread_dir = opts.target.join("workshare-bench").join("spread");
    let spread = spread::read(&spread_dir);
    if opts.spread_only {
        let spread = spread.ok_or(format!(
            "no process results under {}: run scripts/spread.sh",
            spread_dir.display()
        ))?;
        print!("{}", spread::section(&spread));
        return Ok(());
    }
    let groups = collect(&opts.target.join("criterion"));
    let idle = read_idle(&opts.target.join("workshare-bench").join("W8_idle.json"));
    let targets = read_targets(&opts.target.join("workshare-bench").join("targets.json"));
    let library = read_library(&opts.target.join("workshare-bench").join("library.json"));
    if groups.is_empty()
        && idle.is_none()
        && targets.is_none()
        && library.is_none()
        && spread.is_none()
    {
        return Err(format!(
            "no results under {}: run the benchmarks first",
            opts.target.display()
        ));
    }
    // Quick results: the benchmarks leave this marker (or the generator runs in quick mode).
    let quick = opts.target.join("workshare-bench/quick-mode").exists()
        || std::env::var("WORKSHARE_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let inputs = Inputs {
        groups,
        idle,
        targets,
        library,
        spread,
        notes: std::fs::read_to_string(&opts.notes).ok(),
        machine: machine(),
        commit: commit(),
        seconds: std::env::var("BENCHMARK_SECONDS")
            .ok()
            .and_then(|s| s.trim().parse().ok()),
        quick,
    };
    let out_dir = opts
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut linked = BTreeMap::new();
    for (group, path) in charts::draw_all(&inputs.groups, &opts.charts)? {
        eprintln!("wrote {}", path.display());
        linked.insert(group, link(&path, out_dir));
    }
    std::fs::write(&opts.out, report(&inputs, &linked))
        .map_err(|e| format!("writing {}: {e}", opts.out.display()))?;
    eprintln!("wrote {}", opts.out.display());
    Ok(())
}

fn main() {
    if let Err(message) = run() {
        eprintln!("workshare-bench-report: {message}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(function: &str, param: &str, median_ns: f64) -> Row {
        Row {
            function: function.into(),
            param: param.into(),
            median_ns,
        }
    }

    #[test]
    fn times_have_three_significant_digits() {
        assert_eq!(fmt_time(416.0), "416 ns");
        assert_eq!(fmt_time(1_610.0), "1.61 µs");
        assert_eq!(fmt_time(24_500.0), "24.5 µs");
        assert_eq!(fmt_time(409e6), "409 ms");
        assert_eq!(fmt_time(2.5e9), "2.50 s");
    }

    #[test]
    fn ratios_use_serial_fastest_rayon_and_openmp_of_the_same_parameter() {
        let rows = [
            row("serial", "", 1000.0),
            row("workshare", "2", 500.0),
            row("rayon_a", "2", 400.0),
            row("rayon_b", "2", 250.0),
            row("openmp_x", "2", 1000.0),
            row("workshare", "10", 300.0),
        ];
        let t = table(&rows);
        assert!(t.contains("vs OpenMP"), "{t}");
        assert!(
            t.contains("| workshare | 2 | 500 ns | 0.50x | 2.00x | 0.50x |"),
            "{t}"
        );
        assert!(t.contains("| rayon_b | 2 | 250 ns | 0.25x |  |  |"), "{t}");
        assert!(
            t.contains("| openmp_x | 2 | 1.00 µs | 1.00x | 4.00x |  |"),
            "{t}"
        );
        // No parameter first, then numbers in numeric order: 2 before 10.
        assert!(t.find("| serial | - |").unwrap() < t.find("| workshare | 2 |").unwrap());
        assert!(t.find("| workshare | 2 |").unwrap() < t.find("| workshare | 10 |").unwrap());
    }

    #[test]
    fn reads_criterion_results_and_idle_output() {
        let dir =
            std::env::temp_dir().join(format!("workshare-report-test-{}", std::process::id()));
        let new = dir.join("criterion/W1 sqrt/serial/100/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"W1 sqrt","function_id":"serial","value_str":"100"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":123.0}}"#,
        )
        .unwrap();
        let idle_path = dir.join("W8_idle.json");
        std::fs::write(
            &idle_path,
            r#"{"sleep_ns": 1000000000, "rows": [{"runtime": "workshare", "threads": 2, "cpu_ns": [3000, 1000, 2000]}]}"#,
        )
        .unwrap();
        let groups = collect(&dir.join("criterion"));
        assert_eq!(groups["W1 sqrt"], vec![row("serial", "100", 123.0)]);
        let idle = read_idle(&idle_path).unwrap();
        let t = idle_table(&idle);
        assert!(
            t.contains("| workshare | 2 | 2.00 µs | 0.00% | 3.00 µs | 3 |"),
            "{t}"
        );
        let targets_path = dir.join("targets.json");
        std::fs::write(
            &targets_path,
            r#"{"threads": 2, "rows": [
  {"workload": "W1 sqrt n=1e4", "base": "serial", "ours": "workshare", "theirs": "rayon", "target": 0.6, "rounds": 31, "base_ns": 3100.0, "ours_ratio": [0.75, 0.78, 0.8], "theirs_ratio": [4.0, 4.5, 5.0], "omp_ratio": [0.9, 0.95, 1.0]},
  {"workload": "f64 sum n=1e7", "base": "workshare sum", "ours": "deterministic sum", "theirs": "serial", "target": 1.1, "rounds": 21, "base_ns": 5000000.0, "ours_ratio": [0.9, 0.95, 1.0], "theirs_ratio": [1.8, 1.9, 2.0], "omp_ratio": null}
]}"#,
        )
        .unwrap();
        let targets = read_targets(&targets_path).unwrap();
        let t = targets_table(&targets);
        assert!(
            t.contains(
                "| W1 sqrt n=1e4 | serial | 3.10 µs | workshare | 0.780x | 0.750x-0.800x | 0.600x \
                 | no | rayon | 4.500x | 0.950x | 31 |"
            ),
            "{t}"
        );
        assert!(
            t.contains("| yes | serial | 1.900x |  | 21 |"),
            "a row without OpenMP leaves its cell empty: {t}"
        );
        let inputs = Inputs {
            groups,
            idle: Some(idle),
            targets: Some(targets),
            library: None,
            spread: None,
            notes: None,
            machine: "m".into(),
            commit: "c".into(),
            seconds: Some(42),
            quick: true,
        };
        let md = report(&inputs, &BTreeMap::new());
        assert!(
            md.contains("cargo bench -p workshare-bench --bench parfor -- '^W1 sqrt/'"),
            "{md}"
        );
        assert!(md.contains("## W8 idle"), "{md}");
        assert!(md.contains("## Speed targets, paired"), "{md}");
        assert!(
            md.contains("cargo bench -p workshare-bench --bench targets"),
            "{md}"
        );
        assert!(md.contains("Quick mode"), "{md}");
        assert!(md.contains("took 42 s"), "{md}");
        assert_eq!(source("overhead parallel"), (1, Some("overhead")));
        assert_eq!(source("overhead parallel for static").1, Some("overhead"));
        assert!(source("overhead parallel for static").0 > source("overhead single").0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn forkunion_rows_name_the_feature_in_their_command() {
        let mut groups = BTreeMap::new();
        groups.insert(
            "W0_empty_fork_join".to_owned(),
            vec![
                row("workshare_region", "2", 500.0),
                row("forkunion_for_threads", "2", 400.0),
            ],
        );
        groups.insert("W1 sqrt".to_owned(), vec![row("serial", "100", 5.0)]);
        let idle = Idle {
            sleep_ns: 1e9,
            rows: vec![("forkunion".into(), 2, vec![1e9])],
        };
        let spread = spread::Spread {
            processes: 4,
            quick: false,
            w0: BTreeMap::new(),
            w10: Vec::new(),
        };
        let inputs = Inputs {
            groups,
            idle: Some(idle),
            targets: None,
            library: None,
            spread: Some(spread),
            notes: None,
            machine: "m".into(),
            commit: "c".into(),
            seconds: None,
            quick: false,
        };
        let md = report(&inputs, &BTreeMap::new());
        assert!(
            md.contains(
                "`cargo bench -p workshare-bench --features forkunion --bench fork_join -- \
                 '^W0_empty_fork_join/'`"
            ),
            "{md}"
        );
        assert!(
            md.contains("`cargo bench -p workshare-bench --bench parfor -- '^W1 sqrt/'`"),
            "a group without ForkUnion rows needs no feature: {md}"
        );
        assert!(
            md.contains("`cargo bench -p workshare-bench --features forkunion --bench idle`"),
            "{md}"
        );
        assert!(md.contains("## W0 and W10 over 4 processes"), "{md}");
        assert!(md.contains("`bash scripts/spread.sh 4`"), "{md}");
    }

    #[test]
    fn reads_and_renders_the_library_benchmark() {
        let dir = std::env::temp_dir().join(format!("workshare-report-w11-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("library.json");
        // As `benches/library.rs` writes it.
        std::fs::write(
            &path,
            r#"{
  "workload": "W11",
  "callers": 8,
  "calls": 1000,
  "n": 10000,
  "pool_threads": 2,
  "rayon_threads": 2,
  "target": 1,
  "quick": true,
  "rounds": 7,
  "cores": 2,
  "serial_idle_share": [0.0030, 0.0060, 0.0120],
  "rows": [
    {"contestant": "serial", "wall_ns": [30000000.0, 35000000.0, 40000000.0], "ratio": [1.0000, 1.0000, 1.0000], "ratio_median_ci95": [1.0000, 1.0000]},
    {"contestant": "workshare Auto", "wall_ns": [28000000.0, 31500000.0, 33000000.0], "ratio": [0.8500, 0.9000, 0.9500], "ratio_median_ci95": [0.8800, 0.9300]},
    {"contestant": "workshare Static", "wall_ns": [36000000.0, 38500000.0, 41000000.0], "ratio": [1.0500, 1.1000, 1.1500], "ratio_median_ci95": [0.9900, 1.1200]},
    {"contestant": "rayon", "wall_ns": [100000000.0, 110000000.0, 120000000.0], "ratio": [2.9000, 3.1000, 3.3000], "ratio_median_ci95": [3.0000, 3.2000]}
  ],
  "latency": {
    "region_ns": 50000000,
    "idle_calls": 334,
    "busy_calls": 11,
    "overlapped": 22,
    "rows": [
      {"call": "serial", "idle_ns": [9000.0, 9500.0, 10000.0], "busy_ns": [9100.0, 9600.0, 12000.0]},
      {"call": "workshare Auto", "idle_ns": [6000.0, 6500.0, 7000.0], "busy_ns": [9800.0, 10200.0, 11000.0]}
    ]
  }
}
"#,
        )
        .unwrap();
        let lib = read_library(&path).unwrap();
        assert_eq!((lib.callers, lib.calls, lib.n), (8, 1000, 10_000));
        let (intro, t) = library_section(&lib);
        assert!(intro.contains("8 outside threads each call"), "{intro}");
        assert!(intro.contains("at most 1.00x serial"), "{intro}");
        assert!(
            t.contains("| serial | 35.0 ms | 30.0 ms-40.0 ms | 1.000x | 1.000x-1.000x | 1.000x-1.000x |  |  |"),
            "{t}"
        );
        assert!(
            t.contains(
                "| workshare Auto | 31.5 ms | 28.0 ms-33.0 ms | 0.900x | 0.850x-0.950x | 0.880x-0.930x | 1.00x | yes |"
            ),
            "{t}"
        );
        assert!(
            t.contains("| workshare Static | 38.5 ms | 36.0 ms-41.0 ms | 1.100x | 1.050x-1.150x | 0.990x-1.120x | 1.00x | not resolved |"),
            "{t}"
        );
        assert!(t.contains("| rayon | 110 ms |"), "{t}");
        assert!(
            t.contains("idle for 0.60% of their time (middle half 0.30%-1.20%)"),
            "{t}"
        );
        assert!(t.contains("about 0.994x serial"), "{t}");
        assert!(
            t.contains(
                "| workshare Auto | 6.50 µs | 6.00 µs-7.00 µs | 10.2 µs | 9.80 µs-11.0 µs |"
            ),
            "{t}"
        );
        assert!(t.contains("22 of the 22 returned"), "{t}");
        assert!(t.contains("for 50.0 ms"), "{t}");
        let inputs = Inputs {
            groups: BTreeMap::new(),
            idle: None,
            targets: None,
            library: Some(lib),
            spread: None,
            notes: None,
            machine: "m".into(),
            commit: "c".into(),
            seconds: None,
            quick: false,
        };
        let md = report(&inputs, &BTreeMap::new());
        assert!(
            md.contains("## W11: a library called from 8 threads"),
            "{md}"
        );
        assert!(
            md.contains("cargo bench -p workshare-bench --bench library`"),
            "{md}"
        );
        // A file that lacks a field is not read.
        std::fs::write(&path, r#"{"callers": 8, "rows": []}"#).unwrap();
        assert!(read_library(&path).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
