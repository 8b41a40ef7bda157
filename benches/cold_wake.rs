//! W10, cold wake: the caller sleeps 1 ms (and, separately, 50 ms), then runs one W0 loop of
//! 1,000 iterations that forks, writing `i` into a slice (`out[i] = i`); the time of that one
//! call, median over many. It shows how fast sleeping workers join the first loop after a
//! pause (workshare's workers spin for `DEFAULT_SPIN_TIME`, 100 us, after a loop, so both
//! pauses find them asleep).
//!
//! Run: `cargo bench -p workshare-bench --bench cold_wake` (`--features forkunion` adds the
//! ForkUnion rows). No criterion: a cold call cannot be repeated in a batch, so each call is
//! timed alone (`Instant` around the call, after the pause). The contestants, each on a 2-thread pool created once and called from the bench's main thread:
//! `workshare Static` (`parfor::for_each_mut_chunk` with `Schedule::Static`, which always forks
//! on a pool of 2 threads), `rayon install` (`ThreadPool::install` of
//! `out.par_iter_mut().enumerate().for_each(..)`: rayon splits lazily, so with no thief one
//! thread may run every item), `rayon broadcast` (`ThreadPool::broadcast`, each of its 2
//! threads writing its half of the slice, split as `Static` splits it), and `serial` (a plain
//! loop on the caller, after the same pause: the cost of the write itself from a cold core),
//! and `wake floor (unpark)`: the time the caller spends in `Thread::unpark` waking a thread
//! parked in `std::thread::park` (one futex wake system call on Linux), the least that any
//! pool whose workers sleep pays on the caller's path before a worker can help; and
//! `workshare in keep_warm`: the `workshare Static` call with a `Pool::keep_warm` guard held
//! across the pause and the call (the workers spin, yielding, through the pause instead of
//! sleeping: what a program alternating short loops with waits can choose, at the price of the
//! idle workers' CPU time during the phase).
//! With `--features forkunion` (the `fork_union` crate, 2.3.1, which needs a C++ compiler), two
//! more on one ForkUnion pool of 2 threads (the caller and one worker), the loop written with
//! `ThreadPool::for_slices` (one contiguous slice per thread, as `Static` splits it):
//! `forkunion` (the pool as ForkUnion leaves it: its worker spins through the pause, so the
//! row is a hot call) and `forkunion sleep(10 ms)` (`ThreadPool::sleep(10_000)` called before
//! the pause, as the crate's documentation does between batches: the worker checks for work
//! every 10 ms, so the call waits for its next check). The ForkUnion pool exists only during
//! its own contestants' turns: created (and warmed by one untimed call) before the pause,
//! dropped after the call. A pool kept asleep between its turns, whose worker checks for work
//! every 10 ms, still moved the other rows: workshare's median after 1 ms went from 5.6-7.1 us
//! to 9.8-10.5 us in alternating runs with and without it.
//! Without the feature the bench says so in one line and these rows are absent.
//! They are measured in rounds: each round first times the hardware floor (the `ping_pong` of
//! `benches/fork_join.rs`, 10,000 cache-line round trips between two threads, reported per
//! round trip), then, in an order rotating from round to round, each contestant once: one
//! untimed call (the program's previous loop), sleep (`std::thread::sleep`) for the pause,
//! time one call. So each contestant's workers have been idle for the pause alone. 200 rounds after 1 ms and 20 after
//! 50 ms (50 and 6 in quick mode), so that every contestant sees the same host conditions.
//! The tables give the median and the middle half (first to third quartile) of the calls.
//!
//! The targets: after 1 ms, workshare's median at most 5 us; after 50 ms, at most
//! rayon broadcast's median in the same run.
//!
//! Every call's result is checked after the clock: the output is zeroed before the pause and
//! every `out[i] == i` afterwards. Every contestant's body writes `black_box(i)`, so no loop is
//! vectorized away from the others; `rayon broadcast` writes into a `Vec<AtomicUsize>` with
//! `Relaxed` stores (a plain store on x86-64 and AArch64), which needs no `unsafe` to share the
//! slice between the broadcast's threads; the broadcast's return orders the stores before the
//! check. The tables are printed and written as JSON to `target/workshare-bench/cold_wake.json`
//! (under `$CARGO_TARGET_DIR` when set). `WORKSHARE_BENCH_QUICK=1`: a quarter of the rounds
//! after 1 ms, 6 after 50 ms. Run without `--bench` (as `cargo test --benches` does), each
//! contestant makes one cold call, checked, the floor runs briefly, and nothing is written.

// A bench target without a harness: its items need no docs.
#![allow(missing_docs)]

mod common;

use common::{ping_pong, quartiles};

use rayon::prelude::*;
use std::fmt::Write as _;
use std::hint::black_box;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use workshare::parfor::{self, Schedule};

/// Iterations of the loop.
const N: usize = 1000;
/// Threads of each pool.
const THREADS: usize = 2;
/// Round trips of one floor measurement.
const PING_PONGS: u64 = 10_000;
/// The target after the short pause: workshare's median at most this, in ns.
const TARGET_SHORT_NS: f64 = 5_000.0;
/// The contestants, in the order of the tables.
#[cfg(not(feature = "forkunion"))]
const NAMES: &[&str] = &[
    "workshare Static",
    "rayon install",
    "rayon broadcast",
    "serial",
    "wake floor (unpark)",
    "workshare in keep_warm",
];
/// The contestants, in the order of the tables.
#[cfg(feature = "forkunion")]
const NAMES: &[&str] = &[
    "workshare Static",
    "rayon install",
    "rayon broadcast",
    "serial",
    "wake floor (unpark)",
    "workshare in keep_warm",
    "forkunion",
    "forkunion sleep(10 ms)",
];
const WORKSHARE: usize = 0;
const BROADCAST: usize = 2;
const SERIAL: usize = 3;
const WAKE: usize = 4;
const WARM: usize = 5;
/// ForkUnion's pool, spinning through the pause.
#[cfg(feature = "forkunion")]
const FORKUNION: usize = 6;
/// ForkUnion's pool, put to sleep before the pause.
#[cfg(feature = "forkunion")]
const FORKUNION_SLEEP: usize = 7;

/// A thread that parks (`std::thread::park`, a futex wait on Linux) until unparked, then
/// counts the wake-up and parks again: what the `wake floor` row wakes.
struct Parked {
    thread: std::thread::JoinHandle<()>,
    woken: std::sync::Arc<AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Parked {
    fn new() -> Self {
        let woken = std::sync::Arc::new(AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (w, s) = (woken.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Acquire) {
                std::thread::park();
                w.fetch_add(1, Ordering::Release);
            }
        });
        Self {
            thread,
            woken,
            stop,
        }
    }
}

/// The floor: ns per round trip of `iters` round trips.
fn floor_ns(iters: u64) -> f64 {
    ping_pong(iters).as_nanos() as f64 / iters as f64
}

/// Part `part` of `parts` of `0..len`, as `Schedule::Static` splits a loop.
fn block(len: usize, parts: usize, part: usize) -> Range<usize> {
    let (base, extra) = (len / parts, len % parts);
    let start = part * base + part.min(extra);
    start..start + base + usize::from(part < extra)
}

/// The pools, created once, and the outputs the contestants write.
struct Contestants {
    /// Leaked, so that a keep-warm guard can live beside `&mut self`.
    pool: &'static workshare::Pool,
    rayon: rayon::ThreadPool,
    /// The output of every contestant but `rayon broadcast`.
    out: Vec<usize>,
    /// The output of `rayon broadcast`.
    cells: Vec<AtomicUsize>,
    /// The thread the wake floor wakes, and its wake-up count before the call.
    parked: Parked,
    woken_before: usize,
    /// ForkUnion's pool, only during its own contestants' turns (see the module docs).
    #[cfg(feature = "forkunion")]
    forkunion: Option<common::forkunion::ThreadPool>,
}

impl Contestants {
    fn new() -> Self {
        let contestants = Self {
            pool: Box::leak(Box::new(common::workshare_pool(THREADS))),
            rayon: common::rayon_pool(THREADS),
            out: vec![0; N],
            cells: (0..N).map(|_| AtomicUsize::new(0)).collect(),
            parked: Parked::new(),
            woken_before: 0,
            #[cfg(feature = "forkunion")]
            forkunion: None,
        };
        // The workshare loop must fork: a team of every thread of the pool.
        let team = AtomicUsize::new(0);
        parfor::for_each_mut_chunk(
            contestants.pool,
            &mut vec![0u8; N],
            Schedule::Static,
            |_, _, ctx| team.store(ctx.team_size(), Ordering::Relaxed),
        );
        assert_eq!(team.into_inner(), THREADS, "the Static loop should fork");
        #[cfg(feature = "forkunion")]
        {
            // Every thread of a ForkUnion pool runs a slice of the loop.
            let offsets = std::sync::Mutex::new(Vec::new());
            common::forkunion::for_slices_mut(
                &mut common::forkunion::pool(THREADS),
                &mut vec![0u8; N],
                |_, offset| offsets.lock().unwrap().push(offset),
            );
            let slices = offsets.into_inner().unwrap().len();
            assert_eq!(slices, THREADS, "ForkUnion's loop should use every thread");
        }
        contestants
    }

    /// Before contestant `c`'s pause: for the ForkUnion contestants, creates the pool and
    /// warms it with one untimed call, and puts it to sleep for `forkunion sleep(10 ms)`,
    /// whose worker then sleeps through the pause.
    fn before_pause(&mut self, c: usize) {
        #[cfg(feature = "forkunion")]
        if c == FORKUNION || c == FORKUNION_SLEEP {
            let mut pool = common::forkunion::pool(THREADS);
            pool.for_threads(|_, _| {}).join();
            if c == FORKUNION_SLEEP {
                pool.sleep(common::forkunion::SLEEP_MICROS);
            }
            self.forkunion = Some(pool);
        }
        let _ = c;
    }

    /// After contestant `c`'s call: drops the ForkUnion pool after its own contestants' calls,
    /// so that its worker takes no core from the others.
    fn after_call(&mut self, c: usize) {
        #[cfg(feature = "forkunion")]
        if c == FORKUNION || c == FORKUNION_SLEEP {
            self.forkunion = None;
        }
        let _ = c;
    }

    /// Zeroes contestant `c`'s output.
    fn reset(&mut self, c: usize) {
        if c == WAKE {
            self.woken_before = self.parked.woken.load(Ordering::Acquire);
        } else if c == BROADCAST {
            self.cells
                .iter()
                .for_each(|x| x.store(0, Ordering::Relaxed));
        } else {
            self.out.fill(0);
        }
    }

    /// One call of contestant `c`: the timed part.
    fn call(&mut self, c: usize) {
        match c {
            WORKSHARE | WARM => parfor::for_each_mut_chunk(
                self.pool,
                &mut self.out,
                Schedule::Static,
                |chunk, offset, _| {
                    for (i, o) in chunk.iter_mut().enumerate() {
                        *o = black_box(offset + i);
                    }
                },
            ),
            1 => self.rayon.install(|| {
                self.out
                    .par_iter_mut()
                    .enumerate()
                    .for_each(|(i, o)| *o = black_box(i))
            }),
            BROADCAST => {
                let cells = &self.cells;
                self.rayon.broadcast(|ctx| {
                    for i in block(N, ctx.num_threads(), ctx.index()) {
                        // Relaxed: the broadcast's return orders the store before the check.
                        cells[i].store(black_box(i), Ordering::Relaxed);
                    }
                });
            }
            SERIAL => {
                for (i, o) in self.out.iter_mut().enumerate() {
                    *o = black_box(i);
                }
            }
            // The wake-up's cost to the waker: the system call, from a core that slept too.
            WAKE => self.parked.thread.thread().unpark(),
            #[cfg(feature = "forkunion")]
            FORKUNION | FORKUNION_SLEEP => common::forkunion::for_slices_mut(
                self.forkunion.as_mut().expect("created before the pause"),
                &mut self.out,
                |chunk, offset| {
                    for (i, o) in chunk.iter_mut().enumerate() {
                        *o = black_box(offset + i);
                    }
                },
            ),
            _ => unreachable!("no contestant {c}"),
        }
    }

    /// Checks that contestant `c` wrote `i` at every index.
    fn check(&self, c: usize) {
        if c == WAKE {
            // The parked thread wakes and counts (within a second, or the row is wrong).
            let start = Instant::now();
            while self.parked.woken.load(Ordering::Acquire) == self.woken_before {
                assert!(
                    start.elapsed() < Duration::from_secs(1),
                    "the parked thread never woke"
                );
                std::thread::yield_now();
            }
            return;
        }
        let wrong = if c == BROADCAST {
            (0..N)
                .filter(|&i| self.cells[i].load(Ordering::Relaxed) != i)
                .count()
        } else {
            self.out
                .iter()
                .enumerate()
                .filter(|&(i, &o)| o != i)
                .count()
        };
        assert_eq!(wrong, 0, "{}: {wrong} wrong items of {N}", NAMES[c]);
    }

    /// Contestant `c` after `pause`: zeroes its output, sleeps, times one call, checks it;
    /// the call's time in ns.
    fn cold_call(&mut self, c: usize, pause: Duration) -> f64 {
        // The phase spans the pause and the call, as in a program that waits between loops.
        let pool = self.pool;
        let phase = (c == WARM).then(|| pool.keep_warm());
        self.before_pause(c);
        // The program's previous loop, untimed, right before the pause: the contestant's
        // workers have been idle for the pause, not for the rest of the round (whose length
        // depends on the other contestants: with ForkUnion's 9 ms calls in the round,
        // workshare's median after 1 ms doubled). ForkUnion's was made by `before_pause`.
        #[cfg(feature = "forkunion")]
        let made = c == FORKUNION || c == FORKUNION_SLEEP;
        #[cfg(not(feature = "forkunion"))]
        let made = false;
        if !made {
            self.reset(c);
            self.call(c);
        }
        self.reset(c);
        std::thread::sleep(pause);
        let start = Instant::now();
        self.call(c);
        let ns = start.elapsed().as_nanos() as f64;
        drop(phase);
        self.after_call(c);
        self.check(c);
        ns
    }

    /// Ends the parked thread.
    fn stop(self) {
        self.parked.stop.store(true, Ordering::Release);
        self.parked.thread.thread().unpark();
        self.parked.thread.join().expect("parked thread");
    }

    /// Warm calls of every contestant, back to back, checked.
    fn warm_up(&mut self, calls: usize) {
        for c in 0..NAMES.len() {
            for _ in 0..calls {
                self.reset(c);
                self.before_pause(c);
                self.call(c);
                self.after_call(c);
                self.check(c);
            }
        }
    }
}

/// The times of one pause: per contestant, its calls; and the floor of each round.
struct Measured {
    calls: Vec<Vec<f64>>,
    floor: Vec<f64>,
}

/// `rounds` rounds after `pause`: the floor, then each contestant once in rotating order.
fn measure(contestants: &mut Contestants, pause: Duration, rounds: usize) -> Measured {
    let mut calls = vec![Vec::with_capacity(rounds); NAMES.len()];
    let mut floor = Vec::with_capacity(rounds);
    for round in 0..rounds {
        floor.push(floor_ns(PING_PONGS));
        for j in 0..NAMES.len() {
            let c = (round + j) % NAMES.len();
            calls[c].push(contestants.cold_call(c, pause));
        }
    }
    Measured { calls, floor }
}

/// ns as us, with digits enough for sub-microsecond values.
fn us(ns: f64) -> String {
    let us = ns / 1e3;
    let digits = if us >= 100.0 {
        0
    } else if us >= 1.0 {
        2
    } else {
        3
    };
    format!("{us:.digits$}")
}

/// Median and middle half, in us, as two table cells.
fn cells(q: [f64; 3]) -> String {
    format!(
        "{:>10} {:>18}",
        us(q[1]),
        format!("{}..{}", us(q[0]), us(q[2]))
    )
}

fn triple(t: [f64; 3]) -> String {
    format!("[{:.1}, {:.1}, {:.1}]", t[0], t[1], t[2])
}

/// One pause's measurement as summarized for the table and the JSON.
struct Summary {
    pause: Duration,
    rounds: usize,
    rows: Vec<[f64; 3]>,
    floor: [f64; 3],
}

impl Summary {
    fn new(pause: Duration, rounds: usize, m: &Measured) -> Self {
        Self {
            pause,
            rounds,
            rows: m.calls.iter().map(|t| quartiles(t)).collect(),
            floor: quartiles(&m.floor),
        }
    }
}

fn print_table(short: &Summary, long: &Summary) {
    let head = |s: &Summary| format!("after {} ms ({} calls)", s.pause.as_millis(), s.rounds);
    println!("  {:<22} {:>29}   {:>29}", "", head(short), head(long));
    println!(
        "  {:<22} {:>10} {:>18}   {:>10} {:>18}",
        "contestant", "median us", "middle half", "median us", "middle half"
    );
    for (c, name) in NAMES.iter().enumerate() {
        println!(
            "  {:<22} {}   {}",
            name,
            cells(short.rows[c]),
            cells(long.rows[c])
        );
    }
    println!(
        "  {:<22} {}   {}",
        "hardware ping-pong",
        cells(short.floor),
        cells(long.floor)
    );
    println!(
        "  (hardware ping-pong: us per cache-line round trip, {PING_PONGS} round trips once per \
         round; median {:.0} ns and {:.0} ns)",
        short.floor[1], long.floor[1]
    );
}

/// The verdicts of the two targets: (short met, long met).
fn verdicts(short: &Summary, long: &Summary) -> (bool, bool) {
    (
        short.rows[WORKSHARE][1] <= TARGET_SHORT_NS,
        long.rows[WORKSHARE][1] <= long.rows[BROADCAST][1],
    )
}

fn json(short: &Summary, long: &Summary, quick: bool) -> String {
    let (short_met, long_met) = verdicts(short, long);
    let mut json = String::new();
    let _ = write!(
        json,
        "{{\n  \"workload\": \"W10\",\n  \"n\": {N},\n  \"threads\": {THREADS},\n  \
         \"quick\": {quick},\n  \"ping_pongs\": {PING_PONGS},\n  \"targets\": {{\
         \"short_workshare_max_ns\": {TARGET_SHORT_NS}, \"short_met\": {short_met}, \
         \"long_max\": \"rayon broadcast\", \"long_met\": {long_met}}},\n  \"pauses\": ["
    );
    for (p, s) in [short, long].into_iter().enumerate() {
        let _ = write!(
            json,
            "{}\n    {{\"pause_ns\": {}, \"calls\": {}, \"floor_ns\": {}, \"rows\": [",
            if p > 0 { "," } else { "" },
            s.pause.as_nanos(),
            s.rounds,
            triple(s.floor)
        );
        for (c, name) in NAMES.iter().enumerate() {
            let _ = write!(
                json,
                "{}\n      {{\"contestant\": \"{name}\", \"ns\": {}}}",
                if c > 0 { "," } else { "" },
                triple(s.rows[c])
            );
        }
        json.push_str("\n    ]}");
    }
    json.push_str("\n  ]\n}\n");
    json
}

fn main() {
    // As criterion does: `--bench` means a real run, its absence a quick test run.
    let bench = std::env::args().any(|a| a == "--bench");
    let quick = common::quick();
    let short = Duration::from_millis(1);
    let long = Duration::from_millis(50);

    if cfg!(not(feature = "forkunion")) {
        println!("{}", common::FORKUNION_OFF);
    }
    let mut contestants = Contestants::new();
    contestants.warm_up(3);

    if !bench {
        // Smoke: one cold call of each contestant, checked; a short floor.
        for c in 0..NAMES.len() {
            contestants.cold_call(c, short);
        }
        floor_ns(100);
        return;
    }
    if quick {
        common::mark_quick_mode();
    }

    let (short_n, long_n) = if quick { (50, 6) } else { (200, 20) };
    println!(
        "W10: cold wake: sleep, then one forking loop of {N} iterations writing out[i] = i; \
         pools of {THREADS} threads, called from the main thread"
    );
    contestants.warm_up(20);
    // Two untimed cold calls each, so that the first timed round is like the others.
    measure(&mut contestants, short, 2);
    let short_m = measure(&mut contestants, short, short_n);
    let long_m = measure(&mut contestants, long, long_n);
    let short_s = Summary::new(short, short_n, &short_m);
    let long_s = Summary::new(long, long_n, &long_m);

    println!(
        "time of one call after the pause, median (middle half) of the calls, contestants in \
         rotating order within each round"
    );
    print_table(&short_s, &long_s);
    let (short_met, long_met) = verdicts(&short_s, &long_s);
    let met = |m: bool| if m { "met" } else { "missed" };
    println!(
        "targets: W10 after 1 ms: workshare at most {} us: {} ({} us); after 50 ms: at most \
         rayon's broadcast in the same run: {} ({} us vs {} us)",
        us(TARGET_SHORT_NS),
        met(short_met),
        us(short_s.rows[WORKSHARE][1]),
        met(long_met),
        us(long_s.rows[WORKSHARE][1]),
        us(long_s.rows[BROADCAST][1]),
    );
    println!(
        "in a keep_warm phase: after 1 ms {} us, after 50 ms {} us",
        us(short_s.rows[WARM][1]),
        us(long_s.rows[WARM][1]),
    );
    println!(
        "wake floor: waking one parked thread costs its waker {} us after 1 ms (median), the \
         least a loop pays that must wake a sleeping worker before it can use it",
        us(short_s.rows[WAKE][1]),
    );

    let dir = common::output_dir();
    std::fs::create_dir_all(&dir).expect("output directory");
    std::fs::write(dir.join("cold_wake.json"), json(&short_s, &long_s, quick))
        .expect("cold_wake.json");
    contestants.stop();
}
