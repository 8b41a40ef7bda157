//! The speed targets of the parfor and reductions issues, measured paired: every round runs
//! serial, workshare and rayon back to back on the same inputs, and the ratio to serial is
//! taken within the round.
//!
//! Run: `cargo bench -p workshare-bench --bench targets`. criterion measures one row after another,
//! seconds apart, so on a shared machine whose speed drifts (a VM whose host moves its CPUs, or
//! runs other guests) two rows of one group can be measured under different conditions. Here each
//! round times the three contestants within milliseconds of each other (their order rotates from
//! round to round), the ratio is computed per round, and the table gives the median ratio over the
//! rounds with the middle half of them (first to third quartile). A contestant's time in a round is
//! the mean of a batch of calls long enough (about 2 ms) for the clock to be accurate.
//!
//! OpenMP, where the C compiler has it: each workload also runs as a C programmer ports it
//! (`benches/omp/src/workloads.c`: one `parallel for`, default `static` schedule, `reduction`
//! clauses, `schedule(dynamic)` for W5), paired the same way against the same C loop run
//! serially, in rounds of its own after the three above (libgomp's waiting threads spin for
//! milliseconds after a loop, which would land on the next contestant of a shared round); the
//! table's OpenMP column is that ratio. It shows what the C runtime reaches on the same machine.
//!
//! Every parallel result is checked against the serial one before timing. The table is printed
//! and written as JSON to `target/workshare-bench/targets.json` (under `$CARGO_TARGET_DIR` when
//! set), which the report generator reads. `WORKSHARE_BENCH_QUICK=1`: a third of the rounds.
//! Arguments after `--` keep only the workloads whose name contains one of them (`cargo bench
//! -p workshare-bench --bench targets -- W1`); the JSON then holds only those.
//! Run without `--bench` (as `cargo test --benches` does), every workload runs once at a small
//! size, checked, and nothing is written.

// A bench target without a harness: its items need no docs.
#![allow(missing_docs)]

mod common;

#[path = "../tests/common/rng.rs"]
mod rng;

use common::{imbalanced, quantile};

use rayon::prelude::*;
use rng::SplitMix64;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;
use workshare::parfor::{for_each_mut_chunk, map_into, Schedule};
use workshare::reductions::{argmax, sum, sum_deterministic};
use workshare::Pool;
use workshare_bench_omp::workloads::{self as omp, Mode};

const THREADS: usize = 2;

/// One measured workload: what it is, the target ratio to serial, and its three contestants
/// (serial, workshare, rayon; for the deterministic sum: the ordinary workshare sum, the
/// deterministic one, rayon).
struct Contest<'a> {
    name: String,
    /// The target for `ours / serial` (at most this).
    target: f64,
    rounds: usize,
    run: [Box<dyn FnMut() + 'a>; 3],
    /// The C loop serially and with OpenMP, when the C compiler has OpenMP.
    omp: Option<[Box<dyn FnMut() + 'a>; 2]>,
}

impl<'a> Contest<'a> {
    /// Adds the OpenMP pair, if there is one.
    fn with_omp(mut self, omp: Option<[Box<dyn FnMut() + 'a>; 2]>) -> Self {
        self.omp = omp;
        self
    }
}

/// Whether the OpenMP rows run: OpenMP built in, and teams of `THREADS` threads granted.
fn omp_ok() -> bool {
    workshare_bench_omp::available() && omp::team_ok(THREADS)
}

/// The OpenMP pair of an `out[i] = f(i)` workload: both runs are checked against `expected`.
fn omp_map<'a, T: Clone + Default + PartialEq + std::fmt::Debug + 'a>(
    expected: &[T],
    run: impl Fn(Mode, &mut [T]) -> Option<()> + Clone + 'a,
) -> Option<[Box<dyn FnMut() + 'a>; 2]> {
    if !omp_ok() {
        return None;
    }
    let [mut serial, mut team] = [Mode::Serial, Mode::Team(THREADS)].map(|mode| {
        let mut out = vec![T::default(); expected.len()];
        run(mode, &mut out).expect("OpenMP is available");
        assert_eq!(out, expected, "OpenMP {mode:?}");
        out
    });
    let run2 = run.clone();
    Some([
        Box::new(move || {
            run(Mode::Serial, &mut serial);
            black_box(&mut serial);
        }),
        Box::new(move || {
            run2(Mode::Team(THREADS), &mut team);
            black_box(&mut team);
        }),
    ])
}

/// The OpenMP pair of a reduction: both results must be `close` to `expected`.
fn omp_value<'a, T: std::fmt::Debug + 'a>(
    expected: &T,
    close: impl Fn(&T, &T) -> bool,
    run: impl Fn(Mode) -> Option<T> + Clone + 'a,
) -> Option<[Box<dyn FnMut() + 'a>; 2]> {
    if !omp_ok() {
        return None;
    }
    for mode in [Mode::Serial, Mode::Team(THREADS)] {
        let got = run(mode).expect("OpenMP is available");
        assert!(
            close(&got, expected),
            "OpenMP {mode:?}: {got:?} vs {expected:?}"
        );
    }
    let run2 = run.clone();
    Some([
        Box::new(move || {
            black_box(run(Mode::Serial));
        }),
        Box::new(move || {
            black_box(run2(Mode::Team(THREADS)));
        }),
    ])
}

/// Per-round times of `K` contestants, in ns per call.
fn measure<const K: usize>(run: &mut [Box<dyn FnMut() + '_>; K], rounds: usize) -> Vec<[f64; K]> {
    // Warm-up, and the batch size: calls per timing so that one timing lasts about 2 ms.
    let mut batch = [1usize; K];
    for (k, run) in run.iter_mut().enumerate() {
        let start = Instant::now();
        let mut calls = 0;
        while calls < 3 || start.elapsed().as_millis() < 20 {
            run();
            calls += 1;
        }
        let per_call = start.elapsed().as_nanos() as f64 / calls as f64;
        batch[k] = ((2e6 / per_call).ceil() as usize).max(1);
    }
    (0..rounds)
        .map(|round| {
            let mut times = [0.0; K];
            for j in 0..K {
                let k = (round + j) % K;
                let start = Instant::now();
                for _ in 0..batch[k] {
                    (run[k])();
                }
                times[k] = start.elapsed().as_nanos() as f64 / batch[k] as f64;
            }
            times
        })
        .collect()
}

/// The result of one contest: medians and quartiles of the per-round ratios.
struct Outcome {
    name: String,
    labels: [&'static str; 3],
    target: f64,
    rounds: usize,
    base_ns: f64,
    ours: [f64; 3],
    theirs: [f64; 3],
    /// OpenMP's ratio to the serial C loop, when measured.
    omp: Option<[f64; 3]>,
}

/// The first quartile, median and third quartile of `contestant / base` over the rounds.
fn ratios<const K: usize>(times: &[[f64; K]], k: usize) -> [f64; 3] {
    let r: Vec<f64> = times.iter().map(|t| t[k] / t[0]).collect();
    [quantile(&r, 0.25), quantile(&r, 0.5), quantile(&r, 0.75)]
}

fn outcome(name: &str, labels: [&'static str; 3], target: f64, times: &[[f64; 3]]) -> Outcome {
    let base: Vec<f64> = times.iter().map(|t| t[0]).collect();
    Outcome {
        name: name.to_owned(),
        labels,
        target,
        rounds: times.len(),
        base_ns: quantile(&base, 0.5),
        ours: ratios(times, 1),
        theirs: ratios(times, 2),
        omp: None,
    }
}

fn json(outcomes: &[Outcome]) -> String {
    let mut out = String::from("{\"threads\": ");
    let _ = writeln!(out, "{THREADS}, \"rows\": [");
    for (i, o) in outcomes.iter().enumerate() {
        let omp = o.omp.map_or_else(
            || "null".to_owned(),
            |r| format!("[{:.4}, {:.4}, {:.4}]", r[0], r[1], r[2]),
        );
        let _ = writeln!(
            out,
            "  {{\"workload\": \"{}\", \"base\": \"{}\", \"ours\": \"{}\", \"theirs\": \"{}\", \
             \"target\": {}, \"rounds\": {}, \"base_ns\": {:.1}, \"ours_ratio\": [{:.4}, {:.4}, \
             {:.4}], \"theirs_ratio\": [{:.4}, {:.4}, {:.4}], \"omp_ratio\": {omp}}}{}",
            o.name,
            o.labels[0],
            o.labels[1],
            o.labels[2],
            o.target,
            o.rounds,
            o.base_ns,
            o.ours[0],
            o.ours[1],
            o.ours[2],
            o.theirs[0],
            o.theirs[1],
            o.theirs[2],
            if i + 1 < outcomes.len() { "," } else { "" }
        );
    }
    out.push_str("]}\n");
    out
}

/// W1 `out[i] = sqrt(x[i])` at `n`.
fn w1<'a>(pool: &'a Pool, rp: &'a rayon::ThreadPool, n: usize, target: f64) -> Contest<'a> {
    let x: &[f32] = Box::leak(
        (0..n)
            .map(|i| i as f32)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let expected: Vec<f32> = x.iter().map(|v| v.sqrt()).collect();
    let ours = move |out: &mut [f32]| map_into(pool, out, x, Schedule::Auto, |o, v| *o = v.sqrt());
    let theirs = move |out: &mut [f32]| {
        rp.install(|| out.par_iter_mut().zip(x).for_each(|(o, v)| *o = v.sqrt()))
    };
    let mut out = vec![0.0f32; n];
    ours(&mut out);
    assert_eq!(out, expected);
    out.fill(0.0);
    theirs(&mut out);
    assert_eq!(out, expected);
    let omp = omp_map(&expected, move |mode, out| omp::w1_sqrt(mode, x, out));
    let (mut a, mut b, mut c) = (out.clone(), out.clone(), out);
    Contest {
        name: format!("W1 sqrt n={}", fmt_n(n)),
        target,
        rounds: 31,
        run: [
            Box::new(move || {
                a.iter_mut().zip(x).for_each(|(o, v)| *o = v.sqrt());
                black_box(&mut a);
            }),
            Box::new(move || ours(&mut b)),
            Box::new(move || theirs(&mut c)),
        ],
        omp,
    }
}

fn fmt_n(n: usize) -> String {
    let exp = (n as f64).log10().round() as u32;
    if n >= 1000 && 10usize.pow(exp) == n {
        format!("1e{exp}")
    } else {
        n.to_string()
    }
}

/// `out[i] = f(i)` over `n` outputs, serial, workshare (`Auto`) and rayon: W3 and W5.
fn indexed_map<'a, T: Copy + Send + Sync + PartialEq + std::fmt::Debug + Default + 'a>(
    pool: &'a Pool,
    rp: &'a rayon::ThreadPool,
    name: String,
    n: usize,
    target: f64,
    rounds: usize,
    f: impl Fn(usize) -> T + Sync + Clone + 'a,
) -> Contest<'a> {
    let expected: Vec<T> = (0..n).map(f.clone()).collect();
    let ours = move |out: &mut [T], f: &(dyn Fn(usize) -> T + Sync)| {
        for_each_mut_chunk(pool, out, Schedule::Auto, |chunk, offset, _| {
            chunk
                .iter_mut()
                .enumerate()
                .for_each(|(k, o)| *o = f(offset + k))
        })
    };
    let theirs = move |out: &mut [T], f: &(dyn Fn(usize) -> T + Sync)| {
        rp.install(|| out.par_iter_mut().enumerate().for_each(|(i, o)| *o = f(i)))
    };
    let mut out = vec![T::default(); n];
    ours(&mut out, &f);
    assert_eq!(out, expected, "{name}");
    out.fill(T::default());
    theirs(&mut out, &f);
    assert_eq!(out, expected, "{name}");
    let (mut a, mut b, mut c) = (out.clone(), out.clone(), out);
    let (f1, f2, f3) = (f.clone(), f.clone(), f);
    Contest {
        name,
        target,
        rounds,
        run: [
            Box::new(move || {
                a.iter_mut().enumerate().for_each(|(i, o)| *o = f1(i));
                black_box(&mut a);
            }),
            Box::new(move || ours(&mut b, &f2)),
            Box::new(move || theirs(&mut c, &f3)),
        ],
        omp: None,
    }
}

/// A reduction contest: the other two closures' results must be `close` to the first's.
fn reduction<'a, T: std::fmt::Debug>(
    name: &str,
    (target, rounds): (f64, usize),
    serial: impl Fn() -> T + 'a,
    ours: impl Fn() -> T + 'a,
    theirs: impl Fn() -> T + 'a,
    close: impl Fn(&T, &T) -> bool,
) -> Contest<'a> {
    let expected = serial();
    for (who, got) in [("second", ours()), ("third", theirs())] {
        assert!(
            close(&got, &expected),
            "{name} {who}: {got:?} vs {expected:?}"
        );
    }
    Contest {
        name: name.to_owned(),
        target,
        rounds,
        run: [
            Box::new(move || {
                black_box(serial());
            }),
            Box::new(move || {
                black_box(ours());
            }),
            Box::new(move || {
                black_box(theirs());
            }),
        ],
        omp: None,
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    // `cargo bench -p workshare-bench --bench targets -- W1`: only the workloads whose name
    // contains an argument.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = common::quick();
    // Outside `cargo bench`: every workload once at a small size, checked, nothing timed.
    let scale = |full: usize, small: usize| if bench { full } else { small };
    let pool = Pool::new(THREADS).expect("pool");
    let rp = common::rayon_pool(THREADS);
    let rounds = |r: usize| if quick { r.div_ceil(3).max(3) } else { r };

    let mut results = Vec::new();
    let mut record = |mut contest: Contest<'_>, labels: [&'static str; 3]| {
        if !bench {
            contest.run.iter_mut().for_each(|run| run());
            contest.omp.iter_mut().flatten().for_each(|run| run());
            return;
        }
        if !filters.is_empty() && !filters.iter().any(|f| contest.name.contains(f.as_str())) {
            return;
        }
        let rounds = rounds(contest.rounds);
        let times = measure(&mut contest.run, rounds);
        let mut o = outcome(&contest.name, labels, contest.target, &times);
        if let Some(pair) = &mut contest.omp {
            o.omp = Some(ratios(&measure(pair, rounds), 1));
            // libgomp's waiting thread spins for a while after a loop: let it go to sleep
            // before the next workload is timed.
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        println!(
            "{:<28} {:>10} {:>7.3}x ({:.3}..{:.3}) rayon {:>6.3}x{}  target {:.3}x {}",
            o.name,
            format!("{:.1} us", o.base_ns / 1e3),
            o.ours[1],
            o.ours[0],
            o.ours[2],
            o.theirs[1],
            o.omp
                .map_or(String::new(), |r| format!(" OpenMP {:>6.3}x", r[1])),
            o.target,
            if o.ours[1] <= o.target {
                "met"
            } else {
                "missed"
            }
        );
        results.push(o);
    };
    const PLAIN: [&str; 3] = ["serial", "workshare", "rayon"];

    for (n, target) in [(1_000, 1.1), (10_000, 0.6), (10_000_000, 0.45)] {
        record(w1(&pool, &rp, scale(n, n / 100), target), PLAIN);
    }

    // W2: sum((a[i] - b[i])^2), i64, exact; at 1,000 items (too small to fork: `Auto` must
    // stay within 1.1x of the serial loop) and at 100,000.
    for (n, target) in [(1_000, 1.1), (scale(100_000, 1000), 0.52)] {
        let a: Vec<i64> = (1..=n as i64).collect();
        let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
        let (a, b) = (
            &*Box::leak(a.into_boxed_slice()),
            &*Box::leak(b.into_boxed_slice()),
        );
        let (pool, rp) = (&pool, &rp);
        record(
            reduction(
                &format!("W2 sqdiff n={}", fmt_n(n)),
                (target, 31),
                move || a.iter().zip(b).map(|(x, y)| (x - y).pow(2)).sum::<i64>(),
                move || sum(pool, (a, b), Schedule::Auto, |(x, y)| (x - y).pow(2)),
                move || {
                    let it = a.par_iter().zip(b).map(|(x, y)| (x - y).pow(2));
                    rp.install(|| it.sum::<i64>())
                },
                |a, b| a == b,
            )
            .with_omp(omp_value(
                &a.iter().zip(b).map(|(x, y)| (x - y).pow(2)).sum::<i64>(),
                |a, b| a == b,
                move |mode| omp::w2_sqdiff(mode, a, b),
            )),
            PLAIN,
        );
    }

    // W3: out[i] = sum_j sqrt(x[j]), n = 10,000.
    let n = scale(10_000, 100);
    let x: &[f32] = Box::leak(
        (0..n)
            .map(|i| i as f32)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let roots = move |_: usize| x.iter().map(|&v| f64::from(v.sqrt())).sum::<f64>() as f32;
    record(
        indexed_map(
            &pool,
            &rp,
            format!("W3 sum of roots n={n}"),
            n,
            0.505,
            11,
            roots,
        )
        .with_omp(omp_map(
            &(0..n).map(roots).collect::<Vec<_>>(),
            move |mode, out| omp::w3_roots(mode, x, out),
        )),
        PLAIN,
    );

    // W4: Monte Carlo pi, 4e7 samples, one stream per block of 10,000.
    let blocks = scale(4000, 4);
    let block_hits = |block: usize| {
        let mut rng = SplitMix64::stream(4, block as u64);
        (0..10_000)
            .filter(|_| {
                let (x, y) = (rng.next_f64(), rng.next_f64());
                x * x + y * y < 1.0
            })
            .count() as u64
    };
    {
        let (pool, rp) = (&pool, &rp);
        record(
            reduction(
                &format!("W4 pi {} samples", fmt_n(blocks * 10_000)),
                (0.51, 11),
                move || (0..blocks).map(block_hits).sum::<u64>(),
                move || sum(pool, 0..blocks, Schedule::Auto, block_hits),
                move || rp.install(|| (0..blocks).into_par_iter().map(block_hits).sum::<u64>()),
                |a, b| a == b,
            )
            .with_omp(omp_value(
                &(0..blocks).map(block_hits).sum::<u64>(),
                |a, b| a == b,
                move |mode| omp::w4_pi(mode, 4, blocks, 10_000),
            )),
            PLAIN,
        );
    }

    // W5: imbalanced, n = 20,000.
    let n = scale(20_000, 200);
    record(
        indexed_map(
            &pool,
            &rp,
            format!("W5 imbalanced n={n}"),
            n,
            0.51,
            11,
            imbalanced,
        )
        .with_omp(omp_map(
            &(0..n).map(imbalanced).collect::<Vec<_>>(),
            omp::w5_imbalanced,
        )),
        PLAIN,
    );

    // W6: argmax of an i32 array, ties to the lowest index.
    {
        let n = scale(10_000_000, 10_000);
        let mut rng = SplitMix64::new(6);
        let scores: &[i32] = Box::leak(
            (0..n)
                .map(|_| (rng.next_u64() % 1_000_000) as i32)
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let (pool, rp) = (&pool, &rp);
        let serial = move || {
            let mut best = 0;
            for (i, &s) in scores.iter().enumerate() {
                if s > scores[best] {
                    best = i;
                }
            }
            best
        };
        record(
            reduction(
                &format!("W6 argmax n={}", fmt_n(n)),
                (0.55, 21),
                serial,
                move || argmax(pool, scores, Schedule::Auto, |&s| s).unwrap(),
                move || {
                    let better = |a: (usize, i32), b: (usize, i32)| {
                        if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) {
                            b
                        } else {
                            a
                        }
                    };
                    let it = scores.par_iter().copied().enumerate();
                    rp.install(|| it.reduce(|| (usize::MAX, i32::MIN), better).0)
                },
                |a, b| a == b,
            )
            .with_omp(omp_value(
                &Some(serial()),
                |a, b| a == b,
                move |mode| omp::w6_argmax(mode, scores),
            )),
            PLAIN,
        );
    }

    // W9: Gaussian kernel density at x = 0.4, 1e6 kernels.
    {
        let n = scale(1_000_000, 1000);
        let mut rng = SplitMix64::new(9);
        let means: &[f64] = Box::leak(
            (0..n)
                .map(|_| rng.next_f64() * 2.0 - 1.0)
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let widths: &[f64] = Box::leak(
            (0..n)
                .map(|_| 0.1 + 0.2 * rng.next_f64())
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        // Zipped slices, the form the reductions take without indexing (the target's row):
        // no bounds checks, for any of the three.
        let kernel = |(m, w): (&f64, &f64)| (-0.5 * ((0.4 - m) / w).powi(2)).exp() / w;
        let (pool, rp) = (&pool, &rp);
        let close = |a: &f64, b: &f64| (a - b).abs() <= 1e-12 * b.abs();
        record(
            reduction(
                &format!("W9 kde n={}", fmt_n(n)),
                (0.51, 21),
                move || means.iter().zip(widths).map(kernel).sum::<f64>(),
                move || sum(pool, (means, widths), Schedule::Auto, kernel),
                move || rp.install(|| means.par_iter().zip(widths).map(kernel).sum::<f64>()),
                close,
            )
            .with_omp(omp_value(
                &means.iter().zip(widths).map(kernel).sum::<f64>(),
                close,
                move |mode| omp::w9_kde(mode, means, widths, 0.4),
            )),
            PLAIN,
        );
        // Indexed (`means[i]`, `widths[i]` over `0..n`, the loop as written in Python), for
        // comparison: the serial loop can lose its bounds checks (the compiler may see that
        // both arrays hold `n` items), while a body run on sub-ranges keeps them, under any
        // runtime.
        let kernel =
            move |i: usize| (-0.5 * ((0.4 - means[i]) / widths[i]).powi(2)).exp() / widths[i];
        record(
            reduction(
                &format!("W9 kde n={} indexed", fmt_n(n)),
                (0.51, 21),
                move || (0..n).map(kernel).sum::<f64>(),
                move || sum(pool, 0..n, Schedule::Auto, kernel),
                move || rp.install(|| (0..n).into_par_iter().map(kernel).sum::<f64>()),
                close,
            ),
            PLAIN,
        );
    }

    // The deterministic sum's cost against the ordinary one (target: at most 1.1x).
    {
        let n = scale(10_000_000, 10_000);
        let mut rng = SplitMix64::new(1);
        let values: &[f64] = Box::leak(
            (0..n)
                .map(|_| rng.next_f64() - 0.5)
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        let pool = &pool;
        record(
            reduction(
                &format!("f64 sum n={}", fmt_n(n)),
                (1.1, 21),
                move || sum(pool, values, Schedule::Auto, |&v| v),
                move || sum_deterministic(pool, values, Schedule::Auto, |&v| v),
                move || values.iter().sum::<f64>(),
                |a, b| (a - b).abs() < 1e-6,
            ),
            ["workshare sum", "deterministic sum", "serial"],
        );
    }

    if bench {
        let dir = common::output_dir();
        std::fs::create_dir_all(&dir).expect("output directory");
        std::fs::write(dir.join("targets.json"), json(&results)).expect("targets.json");
    }
}
