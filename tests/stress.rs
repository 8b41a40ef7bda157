//! Randomized differential stress test of the whole stack: loops under every schedule,
//! reductions, regions with worksharing, nesting, injected panics, `set_num_threads`, pools
//! created and dropped, and up to 8 outside threads driving one pool at once. Every result is
//! compared with a serial computation of the same thing.
//!
//! # How a run is organised
//!
//! The run is a sequence of *rounds*, each drawn from the seed:
//!
//! - a **solo** round: one driver thread works through a pool of 1 to 16 threads (more than the
//!   machine has cores), replacing it by a fresh pool now and then and changing its team size
//!   with `set_num_threads`, checked exactly;
//! - a **shared** round: 2 to 8 driver threads share one pool, each running its own operations
//!   on it, changing its team size under the others' feet, and creating private pools of its
//!   own; the pool is dropped at the end of the round.
//!
//! Every round also has one or two *partner* pools (shared by the drivers of a shared round),
//! over which operations nest regions, loops and reductions in random orders and depths. Now
//! and then a pool gets a nesting limit (`max_active_levels` 1 to 3).
//!
//! An *operation* is one call under test with random parameters (`n` from 0 to 100,000, ranges
//! anywhere up to `usize::MAX`, reversed ranges, random schedules and chunk sizes), followed by
//! the comparison with the serial result. One in eight of the operations that run user code gets
//! a panic injected at a random iteration (or in a `single` block, or before a barrier); about
//! one operation in seventeen overall, counted in the summary line. The test checks that exactly
//! that panic reaches the caller, that no iteration ran twice, and that the pool still works.
//!
//! Besides the loops and reductions, operations compose: helper threads started inside region
//! bodies calling the same pool, rayon's `par_iter` between two calls of the pool, nesting over
//! two or three pools in random orders (other drivers nest the same pools in other orders at
//! the same time), concurrent tuners (`tune_for_each`) with other threads setting the pool's
//! thread count all along, `set_num_threads` inside regions, and
//! `region_at_most` / `try_region_exact`. Regions check the pool's rule for teams: a team is
//! never larger than asked, and the regions of a pool running at the same time (other
//! drivers', nested ones, helpers') never hold more than its workers in all.
//!
//! # Environment
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WORKSHARE_STRESS_SEED` | the seed, decimal or `0x` hex | drawn from the clock |
//! | `WORKSHARE_STRESS_LOOPS` | how many operations to run | 1500 |
//! | `WORKSHARE_STRESS_SECS` | soak mode: run rounds until this many seconds have passed (`LOOPS` is then ignored) | unset |
//! | `WORKSHARE_STRESS_WATCHDOG_SECS` | how long one operation may run before the watchdog calls it a hang | 60 |
//!
//! The seed is printed at the start and is part of every failure message; setting
//! `WORKSHARE_STRESS_SEED` to it replays the same rounds and operations (the interleavings of
//! threads differ from run to run, which is the point of running many).
//!
//! ```text
//! cargo test -p workshare --test stress                                       # 1500 operations
//! WORKSHARE_STRESS_LOOPS=10000 cargo test --release -p workshare --test stress   # as CI runs it
//! WORKSHARE_STRESS_SECS=3600 cargo test --release -p workshare --test stress -- --nocapture  # soak
//! ```
//!
//! # Watchdog
//!
//! Each driver thread records what it is doing (seed, round, operation, its parameters, the
//! pool's size and team size) on a board before every operation. A watchdog thread checks the
//! board; when an operation has been running for longer than the watchdog's limit, it prints
//! every driver's record to stderr and ends the process with exit code 101, so that a deadlock
//! becomes a failure with a diagnosis rather than a CI timeout. The test
//! `watchdog_ends_a_hung_run_and_reports_what_each_thread_was_doing` checks that it fires.

#[path = "common/rng.rs"]
mod rng;

use rng::SplitMix64;
use std::any::Any;
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use workshare::parfor::{self, Ctx, Schedule, TuneOptions};
use workshare::pool::Unavailable;
use workshare::reductions::{self, Slots};
use workshare::{Error, Pool, PoolBuilder, Team};

/// Driver threads of a shared round, at most.
const MAX_DRIVERS: usize = 8;
/// Threads of a pool, at most (the machine may have far fewer cores).
const MAX_POOL: usize = 16;
const DEFAULT_LOOPS: u64 = 1500;
const DEFAULT_WATCHDOG_SECS: u64 = 60;
/// Percentage of operations that get an injected panic.
const PANIC_PERCENT: u64 = 12;

// ---------------------------------------------------------------------------------------------
// Configuration and random numbers
// ---------------------------------------------------------------------------------------------

struct Config {
    seed: u64,
    loops: u64,
    soak: Option<Duration>,
    watchdog: Duration,
}

impl Config {
    fn from_env() -> Self {
        Self {
            seed: env_u64("WORKSHARE_STRESS_SEED").unwrap_or_else(clock_seed),
            loops: env_u64("WORKSHARE_STRESS_LOOPS").unwrap_or(DEFAULT_LOOPS),
            soak: env_u64("WORKSHARE_STRESS_SECS").map(Duration::from_secs),
            watchdog: Duration::from_secs(
                env_u64("WORKSHARE_STRESS_WATCHDOG_SECS").unwrap_or(DEFAULT_WATCHDOG_SECS),
            ),
        }
    }

    /// Whether another round should run.
    fn more(&self, done: u64, started: Instant) -> bool {
        match self.soak {
            Some(limit) => started.elapsed() < limit,
            None => done < self.loops,
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let raw = raw.trim();
    let parsed = match raw.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => raw.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={raw:?} is not a number")))
}

fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    SplitMix64::stream(nanos, u64::from(std::process::id())).next_u64()
}

/// The test's random numbers: SplitMix64 streams, one per round and per driver.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        Self(SplitMix64::stream(seed, stream))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `lo..=hi` (the modulo bias does not matter here).
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn below(&mut self, n: usize) -> usize {
        self.range(0, n - 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A deterministic 64-bit value for index `i` of an operation salted with `salt`.
fn hash(salt: u64, i: usize) -> u64 {
    let mut z = salt ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 16-bit value: sums of 100,000 of them cannot overflow.
fn small(salt: u64, i: usize) -> u64 {
    hash(salt, i) & 0xFFFF
}

/// A small number for each OS thread, to check which thread ran what.
fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Relaxed);
    }
    TOKEN.with(|token| *token)
}

// ---------------------------------------------------------------------------------------------
// Injected panics
// ---------------------------------------------------------------------------------------------

/// The payload of an injected panic, tagged so that the test knows it is the one it injected.
#[derive(Debug)]
struct Injected(u64);

/// Panics with `Injected(tag)`, without running the panic hook (no message, no backtrace).
fn inject(tag: u64) -> ! {
    resume_unwind(Box::new(Injected(tag)))
}

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(Injected(tag)) = payload.downcast_ref::<Injected>() {
        format!("injected panic {tag:#x} reached the wrong caller")
    } else {
        "a panic with a payload of unknown type".to_owned()
    }
}

/// Injected panics that reached their caller, for the summary line.
static INJECTED: AtomicU64 = AtomicU64::new(0);

/// Checks how a call ended: with the injected panic `expected` if there is one, normally
/// otherwise. Any other panic (an assertion failure inside a body) is resumed. Returns whether
/// the injected panic happened.
fn expect_outcome(outcome: thread::Result<()>, expected: Option<u64>, what: &str) -> bool {
    match (outcome, expected) {
        (Ok(()), None) => false,
        (Ok(()), Some(tag)) => {
            panic!("{what}: the injected panic {tag:#x} did not reach the caller")
        }
        (Err(payload), Some(tag)) => match payload.downcast_ref::<Injected>() {
            Some(Injected(t)) if *t == tag => {
                INJECTED.fetch_add(1, Relaxed);
                true
            }
            _ => resume_unwind(payload),
        },
        (Err(payload), None) => resume_unwind(payload),
    }
}

/// Every index ran exactly once, or at most once after a panic.
fn check_hits(hits: &[AtomicU8], panicked: bool, what: &str) {
    for (k, hit) in hits.iter().enumerate() {
        let hit = hit.load(Relaxed);
        if panicked {
            assert!(
                hit <= 1,
                "{what}: position {k} ran {hit} times (after a panic)"
            );
        } else {
            assert_eq!(hit, 1, "{what}: position {k} ran {hit} times");
        }
    }
}

fn atomics<T: Default>(n: usize) -> Vec<T> {
    (0..n).map(|_| T::default()).collect()
}

/// After a panic: a loop and a region with a barrier still work, on every team thread.
fn check_usable(pool: &Pool) {
    let count = AtomicUsize::new(0);
    parfor::for_each(pool, 0..64, Schedule::Dynamic(1), |_| {
        count.fetch_add(1, Relaxed);
    });
    assert_eq!(
        count.into_inner(),
        64,
        "a loop after a panic lost iterations"
    );
    let (seen, size) = (AtomicU64::new(0), AtomicUsize::new(0));
    pool.region(|team| {
        seen.fetch_or(1 << team.thread_id(), Relaxed);
        size.store(team.team_size(), Relaxed);
        team.barrier();
    });
    let size = size.into_inner();
    assert_eq!(
        seen.into_inner(),
        (1 << size) - 1,
        "a region after a panic did not run once on each of its {size} threads"
    );
}

// ---------------------------------------------------------------------------------------------
// The board and the watchdog
// ---------------------------------------------------------------------------------------------

/// What each driver thread is doing, for the watchdog's report.
struct Board {
    activities: Vec<Mutex<Activity>>,
}

struct Activity {
    what: String,
    since: Instant,
    busy: bool,
    finished: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Board {
    fn new(slots: usize) -> Self {
        let idle = || Activity {
            what: "nothing yet".to_owned(),
            since: Instant::now(),
            busy: false,
            finished: 0,
        };
        Self {
            activities: (0..slots).map(|_| Mutex::new(idle())).collect(),
        }
    }

    /// Driver `slot` starts `what`.
    fn begin(&self, slot: usize, what: String) {
        let mut activity = lock(&self.activities[slot]);
        activity.what = what;
        activity.since = Instant::now();
        activity.busy = true;
    }

    /// Driver `slot` finished what it started.
    fn end(&self, slot: usize) {
        let mut activity = lock(&self.activities[slot]);
        activity.busy = false;
        activity.finished += 1;
    }

    /// A report of every driver, if one has been busy with one operation for `limit` or more.
    fn stalled(&self, limit: Duration) -> Option<String> {
        let now = Instant::now();
        let age = |a: &Activity| now.saturating_duration_since(a.since);
        let stuck = (self.activities.iter()).any(|a| {
            let a = lock(a);
            a.busy && age(&a) >= limit
        });
        if !stuck {
            return None;
        }
        let mut report = String::new();
        for (slot, activity) in self.activities.iter().enumerate() {
            let a = lock(activity);
            let _ = if a.busy {
                writeln!(
                    report,
                    "  driver {slot}: busy for {:.1?}: {}",
                    age(&a),
                    a.what
                )
            } else {
                let done = a.finished;
                writeln!(
                    report,
                    "  driver {slot}: idle, {done} done; last: {}",
                    a.what
                )
            };
        }
        Some(report)
    }
}

/// Ends the process with a report when an operation on the board runs past the limit.
struct Watchdog {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(board: Arc<Board>, limit: Duration, context: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let poll = (limit / 4).min(Duration::from_secs(1));
        let stopped = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("stress-watchdog".to_owned())
            .spawn(move || {
                while !stopped.load(Relaxed) {
                    thread::park_timeout(poll);
                    if let Some(report) = board.stalled(limit) {
                        // Straight to the process's stderr: the test harness's capture would be
                        // lost with the process.
                        let _ = writeln!(
                            std::io::stderr().lock(),
                            "\nworkshare stress watchdog: an operation has run for more than \
                             {limit:?}; treating it as a hang ({context}).\n\
                             What each stress thread was doing:\n{report}"
                        );
                        std::process::exit(101);
                    }
                }
            })
            .expect("watchdog thread");
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Drivers and their operations
// ---------------------------------------------------------------------------------------------

/// Where a panic is injected in a region operation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    /// At this index of the worksharing loop of this round.
    Index(usize, usize),
    /// In the `single` block of this round.
    Single(usize),
    /// Before the barrier of this round, on team thread `who % num_threads`.
    Barrier(usize, usize),
}

fn new_pool(rng: &mut Rng) -> Pool {
    let size = if rng.chance(50) {
        rng.range(1, 4)
    } else {
        rng.range(5, MAX_POOL)
    };
    let spin = rng.pick(&[
        Duration::ZERO,
        Duration::from_micros(10),
        workshare::pool::DEFAULT_SPIN_TIME,
    ]);
    let levels = if rng.chance(20) {
        rng.range(1, 3)
    } else {
        workshare::pool::DEFAULT_MAX_ACTIVE_LEVELS
    };
    PoolBuilder::new()
        .num_threads(size)
        .spin_time(spin)
        .collect_stats(rng.chance(20))
        .max_active_levels(levels)
        .build()
        .unwrap_or_else(|e| panic!("building a pool of {size} threads: {e}"))
}

/// One thread issuing operations, recording each on the board first.
struct Driver<'a> {
    rng: Rng,
    /// `seed=.. round=.. driver=..`, the start of every record.
    id: String,
    slot: usize,
    ops: u64,
    board: &'a Board,
    /// Whether other drivers use the same pool (then its team size can change at any time).
    shared: bool,
    /// A pool of one thread: the reference for deterministic reductions.
    reference: Pool,
    /// One or two more pools of the round, for nesting over several pools in random orders
    /// (shared by the drivers of a shared round).
    partners: &'a [Pool],
    what: String,
}

impl<'a> Driver<'a> {
    fn new(
        id: String,
        slot: usize,
        rng: Rng,
        board: &'a Board,
        shared: bool,
        partners: &'a [Pool],
    ) -> Self {
        Self {
            rng,
            id,
            slot,
            ops: 0,
            board,
            shared,
            reference: Pool::new(1).expect("a pool of one thread"),
            partners,
            what: String::new(),
        }
    }

    fn begin(&mut self, pool: &Pool, what: String) {
        self.ops += 1;
        self.what = format!(
            "{} op#{} on pool(size={}, num_threads={}): {what}",
            self.id,
            self.ops,
            pool.size(),
            pool.num_threads()
        );
        self.board.begin(self.slot, self.what.clone());
    }

    fn begin_plain(&mut self, what: String) {
        self.ops += 1;
        self.what = format!("{} op#{}: {what}", self.id, self.ops);
        self.board.begin(self.slot, self.what.clone());
    }

    /// Runs `step` `count` times, turning a failure into a message with the whole record.
    fn run(
        &mut self,
        count: u64,
        failed: &AtomicBool,
        mut step: impl FnMut(&mut Self),
    ) -> Result<(), String> {
        for _ in 0..count {
            if failed.load(Relaxed) {
                break;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| step(self)));
            self.board.end(self.slot);
            if let Err(payload) = outcome {
                failed.store(true, Relaxed);
                return Err(format!("{}\n    failed: {}", self.what, message(&*payload)));
            }
        }
        Ok(())
    }

    /// A solo round: one pool at a time, replaced now and then.
    fn solo(&mut self, count: u64, failed: &AtomicBool) -> Result<(), String> {
        let mut pool = Some(new_pool(&mut self.rng));
        self.run(count, failed, |driver| {
            if driver.rng.chance(8) {
                let old = pool.take().expect("a pool");
                let size = old.size();
                driver.begin_plain(format!("drop a pool of {size} threads, build another"));
                drop(old);
                pool = Some(new_pool(&mut driver.rng));
            } else {
                driver.step(pool.as_ref().expect("a pool"));
            }
        })?;
        if let Some(pool) = pool {
            self.begin_plain(format!("drop a pool of {} threads", pool.size()));
            drop(pool);
            self.board.end(self.slot);
        }
        Ok(())
    }

    /// One random operation on `pool`.
    fn step(&mut self, pool: &Pool) {
        match self.rng.below(20) {
            0 => self.for_each(pool),
            1 => self.for_each_chunk(pool),
            2 => self.map_into(pool),
            3 => self.grid(pool),
            4 => self.team_region(pool),
            5 => self.sums(pool),
            6 => self.arg_best(pool),
            7 => self.deterministic(pool),
            8 => self.for_each_init(pool),
            9 => self.slots(pool),
            10 => self.nested(pool),
            11 => self.set_num_threads(pool),
            12 => self.private_pool(pool),
            13 if !self.shared => self.stats(pool),
            15 => self.scoped_helpers(pool),
            16 => self.rayon_between(pool),
            17 => self.nested_pools(pool),
            18 => self.tuner(pool),
            19 => self.exact_teams(pool),
            _ => self.global_pool(),
        }
    }

    fn draw_len(&mut self) -> usize {
        match self.rng.below(10) {
            0 => 0,
            1 | 2 => self.rng.range(1, 16),
            3..=5 => self.rng.range(17, 1000),
            6..=8 => self.rng.range(1001, 20_000),
            _ => self.rng.range(20_001, 100_000),
        }
    }

    /// A range of random length: from 0, from anywhere, up to `usize::MAX`, or reversed.
    fn draw_range(&mut self) -> Range<usize> {
        let n = self.draw_len();
        let start = match self.rng.below(4) {
            0 => 0,
            1 => self.rng.below(1000),
            2 => usize::MAX - n - self.rng.below(3),
            _ => self.rng.below(1 << 40),
        };
        if n > 0 && self.rng.chance(3) {
            #[allow(clippy::reversed_empty_ranges)]
            return start + n..start;
        }
        start..start + n
    }

    fn draw_schedule(&mut self, n: usize) -> Schedule {
        let chunk = match self.rng.below(6) {
            0 => 1,
            1 => 2,
            2 => self.rng.range(3, 64),
            3 => self.rng.range(1, n.max(1)),
            4 => n + 1 + self.rng.below(5),
            _ => usize::MAX / self.rng.range(1, 4),
        };
        match self.rng.below(6) {
            0 => Schedule::Auto,
            1 => Schedule::Static,
            2 => Schedule::StaticChunk(chunk),
            3 => Schedule::Dynamic(chunk),
            4 => Schedule::Guided(chunk),
            _ => Schedule::Stealing,
        }
    }

    /// A position in `0..n` to panic at, sometimes.
    fn draw_panic(&mut self, n: usize) -> Option<usize> {
        (n > 0 && self.rng.chance(PANIC_PERCENT)).then(|| self.rng.below(n))
    }

    fn for_each(&mut self, pool: &Pool) {
        let range = self.draw_range();
        // One loop in ten runs through the current-pool form, on this pool installed.
        let installed = self.rng.chance(10);
        let schedule = if installed {
            Schedule::Auto
        } else {
            self.draw_schedule(range.len())
        };
        let panic_at = self.draw_panic(range.len()).map(|k| range.start + k);
        let (salt, tag) = (self.rng.next(), self.rng.next());
        self.begin(
            pool,
            format!("for_each {range:?} {schedule:?} installed={installed} panic_at={panic_at:?}"),
        );
        let hits: Vec<AtomicU8> = atomics(range.len());
        let total = AtomicU64::new(0);
        let body = |i: usize| {
            hits[i - range.start].fetch_add(1, Relaxed);
            total.fetch_add(small(salt, i), Relaxed);
            if Some(i) == panic_at {
                inject(tag);
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if installed {
                pool.install(|| parfor::global::for_each(range.clone(), schedule, body));
            } else {
                parfor::for_each(pool, range.clone(), schedule, body);
            }
        }));
        let panicked = expect_outcome(outcome, panic_at.map(|_| tag), "for_each");
        check_hits(&hits, panicked, "for_each");
        if panicked {
            check_usable(pool);
        } else {
            let serial: u64 = range.clone().map(|i| small(salt, i)).sum();
            assert_eq!(
                total.into_inner(),
                serial,
                "for_each: sum of the bodies' values"
            );
        }
    }

    fn for_each_chunk(&mut self, pool: &Pool) {
        let range = self.draw_range();
        let n = range.len();
        let schedule = self.draw_schedule(n);
        let panic_at = self.draw_panic(n).map(|k| range.start + k);
        let tag = self.rng.next();
        self.begin(
            pool,
            format!("for_each_chunk {range:?} {schedule:?} panic_at={panic_at:?}"),
        );
        let size = pool.size();
        let hits: Vec<AtomicU8> = atomics(n);
        let busy: Vec<AtomicBool> = atomics(size);
        let owner: Vec<AtomicU64> = atomics(size);
        let blocks = Mutex::new(Vec::new());
        let body = |chunk: Range<usize>, ctx: Ctx| {
            let (id, threads) = (ctx.thread_id(), ctx.team_size());
            assert!(
                (1..=size).contains(&threads) && id < threads,
                "ctx: thread {id} of {threads} in a pool of {size}"
            );
            assert!(
                !chunk.is_empty() && range.start <= chunk.start && chunk.end <= range.end,
                "chunk {chunk:?} outside {range:?} or empty"
            );
            assert!(
                !busy[id].swap(true, Relaxed),
                "two chunks of thread id {id} ran at the same time"
            );
            let token = thread_token();
            if let Err(other) = owner[id].compare_exchange(0, token, Relaxed, Relaxed) {
                assert_eq!(
                    other, token,
                    "chunks of thread id {id} ran on two OS threads"
                );
            }
            let (offset, len) = (chunk.start - range.start, chunk.len());
            match schedule {
                Schedule::StaticChunk(c) => {
                    assert!(
                        offset % c == 0 && len == c.min(n - offset),
                        "chunk {chunk:?}"
                    );
                    assert_eq!(id, (offset / c) % threads, "round robin: chunk {chunk:?}");
                }
                Schedule::Dynamic(c) => {
                    assert!(
                        offset % c == 0 && len == c.min(n - offset),
                        "chunk {chunk:?}"
                    );
                }
                Schedule::Guided(min) => {
                    assert!(
                        len >= min || chunk.end == range.end,
                        "guided chunk {chunk:?}"
                    );
                }
                Schedule::Static => lock(&blocks).push((id, threads, len)),
                // `Auto`, `Stealing`, `Runtime` (and any schedule added later): no chunk shape
                // to check.
                _ => {}
            }
            for i in chunk {
                hits[i - range.start].fetch_add(1, Relaxed);
                if Some(i) == panic_at {
                    inject(tag);
                }
            }
            busy[id].store(false, Relaxed);
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            parfor::for_each_chunk(pool, range.clone(), schedule, body);
        }));
        let panicked = expect_outcome(outcome, panic_at.map(|_| tag), "for_each_chunk");
        check_hits(&hits, panicked, "for_each_chunk");
        if panicked {
            check_usable(pool);
        } else if schedule == Schedule::Static {
            // One block per team thread, sizes differing by at most one.
            let mut blocks = blocks.into_inner().unwrap_or_else(PoisonError::into_inner);
            blocks.sort_unstable();
            let threads = blocks.first().map_or(1, |b| b.1);
            assert!(
                blocks.windows(2).all(|w| w[0].0 != w[1].0),
                "Static: {blocks:?}"
            );
            assert!(blocks.iter().all(|b| b.1 == threads), "Static: {blocks:?}");
            let base = n / threads;
            assert!(
                blocks.iter().all(|b| b.2 == base || b.2 == base + 1),
                "Static blocks of {n} for {threads} threads: {blocks:?}"
            );
        }
    }

    fn map_into(&mut self, pool: &Pool) {
        const UNSET: u64 = u64::MAX;
        let n = self.draw_len();
        let arity = self.rng.below(4);
        let schedule = self.draw_schedule(n);
        let panic_at = self.draw_panic(n);
        let (salt, tag) = (self.rng.next(), self.rng.next());
        self.begin(
            pool,
            format!("map_into n={n} arity={arity} {schedule:?} panic_at={panic_at:?}"),
        );
        let a: Vec<u32> = (0..n as u32).collect();
        let b: Vec<u64> = (0..n).map(|i| hash(salt, i) >> 2).collect();
        let c: Vec<u8> = (0..n).map(|i| hash(salt ^ 1, i) as u8).collect();
        let check = |x: u32| {
            if Some(x as usize) == panic_at {
                inject(tag);
            }
        };
        let f = |x: u32, y: u64, z: u8| u64::from(x).wrapping_mul(3) ^ y ^ (u64::from(z) << 7);
        let expected: Vec<u64> = (0..n)
            .map(|i| match arity {
                0 | 1 => f(a[i], 0, 0),
                2 => f(a[i], b[i], 0),
                _ => f(a[i], b[i], c[i]),
            })
            .collect();
        let mut out = vec![UNSET; n];
        let outcome = catch_unwind(AssertUnwindSafe(|| match arity {
            0 => parfor::map_into(pool, &mut out, &a[..], schedule, |o, &x| {
                check(x);
                *o = f(x, 0, 0);
            }),
            1 => parfor::map_into(pool, &mut out, (&a[..],), schedule, |o, &x| {
                check(x);
                *o = f(x, 0, 0);
            }),
            2 => parfor::map_into(pool, &mut out, (&a[..], &b[..]), schedule, |o, (&x, &y)| {
                check(x);
                *o = f(x, y, 0);
            }),
            _ => {
                let inputs = (&a[..], &b[..], &c[..]);
                parfor::map_into(pool, &mut out, inputs, schedule, |o, (&x, &y, &z)| {
                    check(x);
                    *o = f(x, y, z);
                });
            }
        }));
        let panicked = expect_outcome(outcome, panic_at.map(|_| tag), "map_into");
        for (i, (&got, &want)) in out.iter().zip(&expected).enumerate() {
            let fine = got == want || (panicked && got == UNSET);
            assert!(fine, "map_into: out[{i}] = {got:#x}, expected {want:#x}");
        }
        if panicked {
            check_usable(pool);
        }
    }

    fn grid(&mut self, pool: &Pool) {
        let rows = self.rng.range(0, 150);
        let min_cols = usize::from(self.rng.chance(50));
        let cols = self.rng.range(min_cols, 150);
        let schedule = self.draw_schedule(rows * cols);
        let salt = self.rng.next();
        if cols == 0 || self.rng.chance(50) {
            self.begin(pool, format!("for_each_2d {rows}x{cols} {schedule:?}"));
            let hits: Vec<AtomicU8> = atomics(rows * cols);
            parfor::for_each_2d(pool, rows, cols, schedule, |r, c| {
                assert!(
                    r < rows && c < cols,
                    "cell ({r}, {c}) outside {rows}x{cols}"
                );
                hits[r * cols + c].fetch_add(1, Relaxed);
            });
            check_hits(&hits, false, "for_each_2d");
        } else {
            self.begin(pool, format!("for_each_row_mut {rows}x{cols} {schedule:?}"));
            let mut grid = vec![0u64; rows * cols];
            parfor::for_each_row_mut(pool, &mut grid, cols, schedule, |cells, row, _ctx| {
                assert_eq!(cells.len(), cols);
                for (k, cell) in cells.iter_mut().enumerate() {
                    assert_eq!(*cell, 0, "row {row} written twice");
                    *cell = hash(salt, row * cols + k) | 1;
                }
            });
            for (i, &cell) in grid.iter().enumerate() {
                assert_eq!(cell, hash(salt, i) | 1, "for_each_row_mut: cell {i}");
            }
        }
    }

    /// A region running several worksharing loops, `single` blocks and barriers.
    fn team_region(&mut self, pool: &Pool) {
        let n = self.draw_len().min(20_000);
        let rounds = self.rng.range(1, 5);
        let plan: Vec<(Schedule, bool, bool)> = (0..rounds)
            .map(|_| {
                let schedule = self.draw_schedule(n);
                (schedule, self.rng.chance(30), self.rng.chance(30))
            })
            .collect();
        let panic = self.rng.chance(PANIC_PERCENT).then(|| {
            let round = self.rng.below(rounds);
            match self.rng.below(3) {
                0 if n > 0 => Place::Index(round, self.rng.below(n)),
                1 => Place::Single(round),
                _ => Place::Barrier(round, self.rng.below(MAX_POOL)),
            }
        });
        let tag = self.rng.next();
        let expected_team = (!self.shared).then(|| pool.num_threads());
        self.begin(
            pool,
            format!("region: team loops n={n} plan(schedule, nowait, single_nowait)={plan:?} panic={panic:?}"),
        );
        let data: Vec<AtomicUsize> = atomics(n);
        let (singles, arrivals) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let (seen, team_size) = (AtomicU64::new(0), AtomicUsize::new(0));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                let _held = holding(pool, team);
                let (me, threads) = (team.thread_id(), team.team_size());
                assert!(
                    me < threads && threads <= pool.size(),
                    "thread {me} of {threads}"
                );
                if let Some(expected) = expected_team {
                    assert_eq!(threads, expected, "team size");
                }
                assert_eq!(workshare::thread_id(), me);
                let bit = 1u64 << me;
                assert_eq!(
                    seen.fetch_or(bit, Relaxed) & bit,
                    0,
                    "thread {me} ran twice"
                );
                team_size.store(threads, Relaxed);
                for (round, &(schedule, nowait, single_nowait)) in plan.iter().enumerate() {
                    let body = |i: usize| {
                        let before = data[i].load(Relaxed);
                        assert_eq!(before, round, "round {round}: index {i} found at {before}");
                        data[i].store(round + 1, Relaxed);
                        if panic == Some(Place::Index(round, i)) {
                            inject(tag);
                        }
                    };
                    if nowait {
                        parfor::team_for_each_nowait(team, 0..n, schedule, body);
                        team.barrier();
                    } else {
                        parfor::team_for_each(team, 0..n, schedule, body);
                    }
                    let block = || {
                        if panic == Some(Place::Single(round)) {
                            inject(tag);
                        }
                        singles.fetch_add(1, Relaxed);
                    };
                    if single_nowait {
                        parfor::single_nowait(team, block);
                        team.barrier();
                    } else {
                        parfor::single(team, block);
                    }
                    if let Some(Place::Barrier(at, who)) = panic {
                        if at == round && who % threads == me {
                            inject(tag);
                        }
                    }
                    arrivals.fetch_add(1, Relaxed);
                    team.barrier();
                    let arrived = arrivals.load(Relaxed);
                    assert_eq!(arrived, (round + 1) * threads, "barrier of round {round}");
                }
            });
        }));
        let panicked = expect_outcome(outcome, panic.map(|_| tag), "region");
        if panicked {
            check_usable(pool);
            return;
        }
        let threads = team_size.into_inner();
        assert_eq!(
            seen.into_inner(),
            (1 << threads) - 1,
            "team threads that ran"
        );
        assert_eq!(singles.into_inner(), rounds, "single blocks that ran");
        for (i, d) in data.iter().enumerate() {
            assert_eq!(d.load(Relaxed), rounds, "index {i} after {rounds} rounds");
        }
    }

    /// `sum`, `count`, `min`, `max` and `reduce` over a range, a slice or two zipped slices.
    fn sums(&mut self, pool: &Pool) {
        let range = self.draw_range();
        let n = range.len();
        let kind = self.rng.below(3);
        let schedule = self.draw_schedule(n);
        let panic_at = if kind == 0 { self.draw_panic(n) } else { None };
        let (salt, tag) = (self.rng.next(), self.rng.next());
        let input = ["range", "slice", "zipped slices"][kind];
        self.begin(
            pool,
            format!("sum/count/min/max/reduce over {input} {range:?} {schedule:?} panic_at={panic_at:?}"),
        );
        let a: Vec<u32> = (0..n).map(|k| small(salt, k) as u32).collect();
        let b: Vec<u16> = (0..n).map(|k| small(salt ^ 7, k) as u16).collect();
        let value = |k: usize| match kind {
            0 => small(salt, range.start + k),
            1 => u64::from(a[k]),
            _ => u64::from(a[k]) * u64::from(b[k]),
        };
        let serial: Vec<u64> = (0..n).map(value).collect();
        let sum = match kind {
            0 => {
                let start = range.start;
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let got = reductions::sum(pool, range.clone(), schedule, |i| {
                        if Some(i - start) == panic_at {
                            inject(tag);
                        }
                        small(salt, i)
                    });
                    assert_eq!(got, serial.iter().sum::<u64>(), "sum over a range");
                }));
                if expect_outcome(outcome, panic_at.map(|_| tag), "sum") {
                    check_usable(pool);
                    return;
                }
                let count =
                    reductions::count(pool, range.clone(), schedule, |i| small(salt, i) % 3 == 0);
                assert_eq!(
                    count,
                    serial.iter().filter(|&&v| v % 3 == 0).count(),
                    "count"
                );
                let min = reductions::min(pool, range.clone(), schedule, |i| small(salt, i));
                assert_eq!(min, serial.iter().copied().min(), "min");
                let max = reductions::max(pool, range.clone(), schedule, |i| small(salt, i));
                assert_eq!(max, serial.iter().copied().max(), "max");
                reductions::sum(pool, range.clone(), schedule, |i| small(salt, i))
            }
            1 => {
                let min = reductions::min(pool, &a[..], schedule, |&x| x);
                assert_eq!(min, a.iter().copied().min(), "min over a slice");
                reductions::sum(pool, &a[..], schedule, |&x| u64::from(x))
            }
            _ => reductions::sum(pool, (&a[..], &b[..]), schedule, |(&x, &y)| {
                u64::from(x) * u64::from(y)
            }),
        };
        assert_eq!(sum, serial.iter().sum::<u64>(), "sum over {input}");
        // A general reduce: (sum, xor, count) in one pass.
        let (s, x, c) = reductions::reduce(
            pool,
            0..n,
            schedule,
            || (0u64, 0u64, 0usize),
            |(s, x, c), k| (s + serial[k], x ^ hash(salt, k), c + 1),
            |(s1, x1, c1), (s2, x2, c2)| (s1 + s2, x1 ^ x2, c1 + c2),
        );
        let xor = (0..n).fold(0, |x, k| x ^ hash(salt, k));
        assert_eq!(
            (s, x, c),
            (serial.iter().sum(), xor, n),
            "reduce (sum, xor, count)"
        );
    }

    fn arg_best(&mut self, pool: &Pool) {
        let range = self.draw_range();
        let n = range.len();
        let shape = self.rng.below(7);
        let schedule = self.draw_schedule(n);
        let salt = self.rng.next();
        let special = self.rng.below(n.max(1));
        self.begin(
            pool,
            format!("argmax/argmin keys shape {shape} over {range:?} {schedule:?}"),
        );
        let keys: Vec<i32> = (0..n)
            .map(|k| match shape {
                0 => salt as i32,
                1 => (hash(salt, k) % 5) as i32,
                2 => k as i32,
                3 => -(k as i32),
                4 => hash(salt, k) as i32,
                5 => i32::MIN,
                _ => i32::from(k == special),
            })
            .collect();
        let first = |better: fn(i32, i32) -> bool| {
            let mut best: Option<usize> = None;
            for (k, &key) in keys.iter().enumerate() {
                if best.map_or(true, |b| better(key, keys[b])) {
                    best = Some(k);
                }
            }
            best
        };
        let (want_max, want_min) = (first(|a, b| a > b), first(|a, b| a < b));
        let got = reductions::argmax(pool, &keys[..], schedule, |&k| k);
        assert_eq!(got, want_max, "argmax over a slice");
        let got = reductions::argmin(pool, &keys[..], schedule, |&k| k);
        assert_eq!(got, want_min, "argmin over a slice");
        // Over a range the index is the item itself.
        let start = range.start;
        let got = reductions::argmax(pool, range.clone(), schedule, |i| keys[i - start]);
        assert_eq!(got, want_max.map(|k| start + k), "argmax over a range");
        let got = reductions::max(pool, &keys[..], schedule, |&k| k);
        assert_eq!(got, keys.iter().copied().max(), "max");
    }

    /// Deterministic reductions: bit-identical to a one-thread pool's result.
    fn deterministic(&mut self, pool: &Pool) {
        let range = self.draw_range();
        let n = range.len();
        let schedule = self.draw_schedule(n);
        let panic_at = self.draw_panic(n);
        let (salt, tag) = (self.rng.next(), self.rng.next());
        self.begin(
            pool,
            format!("reduce_deterministic over {range:?} {schedule:?} panic_at={panic_at:?}"),
        );
        // Values of very different magnitudes, so that the order of additions shows.
        let values: Vec<f64> = (0..n)
            .map(|k| {
                let h = hash(salt, k);
                let unit = (h >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                unit * 10f64.powi((h % 24) as i32 - 12)
            })
            .collect();
        let add = |a: f64, b: f64| a + b;
        let reference = reductions::reduce_deterministic(
            &self.reference,
            &values[..],
            Schedule::Static,
            || 0.0,
            |a, &x| a + x,
            add,
        );
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let got = reductions::reduce_deterministic(
                pool,
                0..n,
                schedule,
                || 0.0,
                |a, k| {
                    if Some(k) == panic_at {
                        inject(tag);
                    }
                    a + values[k]
                },
                add,
            );
            assert_eq!(
                got.to_bits(),
                reference.to_bits(),
                "{got:e} vs {reference:e}"
            );
        }));
        if expect_outcome(outcome, panic_at.map(|_| tag), "reduce_deterministic") {
            check_usable(pool);
            return;
        }
        let got = reductions::sum_deterministic(pool, &values[..], schedule, |&x| x);
        assert_eq!(got.to_bits(), reference.to_bits(), "sum_deterministic");
        let magnitude: f64 = values.iter().map(|v| v.abs()).sum();
        let naive: f64 = values.iter().sum();
        assert!(
            (got - naive).abs() <= 1e-9 * magnitude,
            "{got:e} vs {naive:e}"
        );
        // Only associative, not commutative: pieces must be combined in index order.
        let pieces = reductions::reduce_deterministic(
            pool,
            range.clone(),
            schedule,
            || None,
            |acc: Option<(usize, usize)>, i| match acc {
                None => Some((i, i + 1)),
                Some((a, b)) => {
                    assert_eq!(b, i, "fold out of order");
                    Some((a, i + 1))
                }
            },
            |left, right| match (left, right) {
                (Some((a, b)), Some((c, d))) => {
                    assert_eq!(b, c, "combine out of order");
                    Some((a, d))
                }
                (one, None) | (None, one) => one,
            },
        );
        let expected = (n > 0).then(|| (range.start, range.start + n));
        assert_eq!(pieces, expected, "pieces combined in order");
    }

    fn for_each_init(&mut self, pool: &Pool) {
        let range = self.draw_range();
        let n = range.len();
        let schedule = self.draw_schedule(n);
        let panic_at = self.draw_panic(n).map(|k| range.start + k);
        let (salt, tag) = (self.rng.next(), self.rng.next());
        self.begin(
            pool,
            format!("for_each_init {range:?} {schedule:?} panic_at={panic_at:?}"),
        );
        let inits = AtomicUsize::new(0);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let states = reductions::for_each_init(
                pool,
                range.clone(),
                schedule,
                |id| {
                    inits.fetch_add(1, Relaxed);
                    (id, thread_token(), 0u64, 0usize)
                },
                |state, i| {
                    assert_eq!(state.1, thread_token(), "a state used on two threads");
                    state.2 += small(salt, i);
                    state.3 += 1;
                    if Some(i) == panic_at {
                        inject(tag);
                    }
                },
            );
            assert_eq!(states.len(), inits.load(Relaxed), "one state per init call");
            assert!(states.len() <= pool.size(), "{} states", states.len());
            assert_eq!(states.is_empty(), n == 0, "states for {n} items");
            let ids: Vec<usize> = states.iter().map(|s| s.0).collect();
            let ordered = ids.windows(2).all(|w| w[0] < w[1]);
            assert!(ordered, "states in thread order, one per thread: {ids:?}");
            let total: u64 = states.iter().map(|s| s.2).sum();
            let count: usize = states.iter().map(|s| s.3).sum();
            let serial: u64 = range.clone().map(|i| small(salt, i)).sum();
            assert_eq!((total, count), (serial, n), "for_each_init totals");
        }));
        if expect_outcome(outcome, panic_at.map(|_| tag), "for_each_init") {
            check_usable(pool);
        }
    }

    fn slots(&mut self, pool: &Pool) {
        let n = self.draw_len();
        let schedule = self.draw_schedule(n);
        let panic_at = self.draw_panic(n);
        let (salt, tag) = (self.rng.next(), self.rng.next());
        self.begin(
            pool,
            format!("Slots n={n} {schedule:?} panic_at={panic_at:?}"),
        );
        let data: Vec<u64> = (0..n).map(|i| small(salt, i)).collect();
        let serial: u64 = data.iter().sum();
        let mut slots: Slots<u64> = Slots::new(pool);
        assert_eq!(slots.len(), pool.size());
        slots.for_each(pool, &data[..], schedule, |slot, &x| *slot += x);
        assert_eq!(slots.iter().sum::<u64>(), serial, "Slots::for_each");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            slots.for_each_chunk(pool, 0..n, schedule, |slot, chunk| {
                for i in chunk {
                    if Some(i) == panic_at {
                        inject(tag);
                    }
                    *slot += data[i];
                }
            });
        }));
        if expect_outcome(outcome, panic_at.map(|_| tag), "Slots::for_each_chunk") {
            let partial: u64 = slots.iter().sum();
            assert!(partial <= 2 * serial, "slots after a panic: {partial}");
            check_usable(pool);
            return;
        }
        assert_eq!(slots.iter().sum::<u64>(), 2 * serial, "Slots, two loops");
        slots.iter_mut().for_each(|slot| *slot = 0);
        slots.for_each_chunk(pool, 0..n, schedule, |slot, chunk| {
            *slot += data[chunk].iter().sum::<u64>();
        });
        let values = slots.into_vec();
        assert_eq!(values.len(), pool.size());
        assert_eq!(values.iter().sum::<u64>(), serial, "Slots after iter_mut");
    }

    /// A loop in a loop, a region in a region, or a reduction in a loop, on the same pool or
    /// on a fresh one.
    fn nested(&mut self, pool: &Pool) {
        let outer = self.rng.range(0, 40);
        let inner = self.rng.range(0, 2000);
        let (s1, s2) = (self.draw_schedule(outer), self.draw_schedule(inner));
        let same = self.rng.chance(50);
        let inner_size = self.rng.range(1, 4);
        let kind = self.rng.below(3);
        // The region kind never panics on purpose.
        let panic_at = if kind == 1 {
            None
        } else {
            self.draw_panic(outer * inner)
        };
        let (salt, tag) = (self.rng.next(), self.rng.next());
        let what = ["loop in loop", "region in region", "sum in loop"][kind];
        let which = if same {
            "the same pool".to_owned()
        } else {
            format!("a new pool of {inner_size}")
        };
        self.begin(
            pool,
            format!(
                "nested {what} on {which}: {outer}x{inner} {s1:?} / {s2:?} panic_at={panic_at:?}"
            ),
        );
        let fresh = (!same).then(|| Pool::new(inner_size).expect("inner pool"));
        let inner_pool = fresh.as_ref().unwrap_or(pool);
        let hits: Vec<AtomicU8> = atomics(outer * inner);
        let outcome = catch_unwind(AssertUnwindSafe(|| match kind {
            0 => {
                parfor::for_each(pool, 0..outer, s1, |i| {
                    parfor::for_each(inner_pool, 0..inner, s2, |j| {
                        hits[i * inner + j].fetch_add(1, Relaxed);
                        if Some(i * inner + j) == panic_at {
                            inject(tag);
                        }
                    });
                });
                check_hits(&hits, false, "loop in loop");
            }
            1 => {
                let (runs, expected) = (AtomicUsize::new(0), AtomicUsize::new(0));
                pool.region(|outer_team| {
                    let _held = holding(pool, outer_team);
                    let outer_id = outer_team.thread_id();
                    let outer_size = outer_team.team_size();
                    inner_pool.region(|team| {
                        let _held = holding(inner_pool, team);
                        let inner_size = team.team_size();
                        assert!(
                            inner_size <= inner_pool.size(),
                            "inner team of {inner_size}"
                        );
                        if same {
                            // The outer team holds its workers: only the others can join.
                            assert!(
                                inner_size <= pool.size() - outer_size + 1,
                                "inner team of {inner_size} in an outer team of {outer_size} \
                                 of a pool of {}",
                                pool.size()
                            );
                            if outer_size == pool.size() {
                                assert_eq!((inner_size, team.thread_id()), (1, 0));
                            }
                        }
                        if team.thread_id() == 0 {
                            expected.fetch_add(team.team_size(), Relaxed);
                        }
                        team.barrier();
                        runs.fetch_add(1, Relaxed);
                    });
                    assert_eq!(
                        workshare::thread_id(),
                        outer_id,
                        "thread id after the inner region"
                    );
                });
                assert_eq!(
                    runs.into_inner(),
                    expected.into_inner(),
                    "inner team threads"
                );
            }
            _ => {
                let sums: Vec<AtomicU64> = atomics(outer);
                parfor::for_each(pool, 0..outer, s1, |i| {
                    let sum = reductions::sum(inner_pool, 0..inner, s2, |j| {
                        if Some(i * inner + j) == panic_at {
                            inject(tag);
                        }
                        small(salt, i * inner + j)
                    });
                    sums[i].store(sum, Relaxed);
                });
                for (i, sum) in sums.iter().enumerate() {
                    let serial: u64 = (0..inner).map(|j| small(salt, i * inner + j)).sum();
                    assert_eq!(sum.load(Relaxed), serial, "inner sum {i}");
                }
            }
        }));
        if expect_outcome(outcome, panic_at.map(|_| tag), "nested") {
            check_usable(pool);
            check_usable(inner_pool);
        }
    }

    fn set_num_threads(&mut self, pool: &Pool) {
        let size = pool.size();
        let n = self.rng.range(1, size);
        let too_many = size + 1 + self.rng.below(100);
        let inner = self.rng.range(1, size);
        self.begin(
            pool,
            format!("set_num_threads({n}), then 0, {too_many}, and {inner} inside a region"),
        );
        let out_of_range = |requested| Err(Error::NumThreadsOutOfRange { requested, size });
        assert_eq!(pool.set_num_threads(0), out_of_range(0));
        assert_eq!(pool.set_num_threads(too_many), out_of_range(too_many));
        pool.set_num_threads(n).expect("set_num_threads in range");
        // Inside a region: allowed on any team thread, for later regions; the running team
        // keeps its size.
        let team_size = AtomicUsize::new(0);
        pool.region(|team| {
            let _held = holding(pool, team);
            if team.thread_id() == 0 {
                team_size.store(team.team_size(), Relaxed);
            }
            assert_eq!(pool.set_num_threads(0), out_of_range(0));
            if team.thread_id() + 1 == team.team_size() {
                assert_eq!(pool.set_num_threads(inner), Ok(()));
            }
            team.barrier();
            assert!(team.team_size() <= size);
        });
        let team_size = team_size.into_inner();
        if self.shared {
            assert!((1..=size).contains(&pool.num_threads()));
            assert!((1..=size).contains(&team_size));
        } else {
            assert_eq!(team_size, n, "the region after set_num_threads({n})");
            assert_eq!(
                pool.num_threads(),
                inner,
                "set_num_threads({inner}) in a region"
            );
            let runs = AtomicUsize::new(0);
            pool.region(|team| {
                assert_eq!(team.team_size(), inner);
                runs.fetch_add(1, Relaxed);
            });
            assert_eq!(
                runs.into_inner(),
                inner,
                "team threads after set_num_threads({inner}) in a region"
            );
        }
    }

    /// Per-thread statistics of one loop agree with what its body saw. Solo rounds only:
    /// statistics are read by the thread that ran the regions.
    fn stats(&mut self, pool: &Pool) {
        let n = self.draw_len();
        let schedule = match self.draw_schedule(n) {
            Schedule::Auto => Schedule::Stealing, // Auto may run serially, without a region
            other => other,
        };
        self.begin(
            pool,
            format!("statistics of for_each_chunk 0..{n} {schedule:?}"),
        );
        let (chunks, iterations) = (AtomicU64::new(0), AtomicU64::new(0));
        let team_seen = AtomicUsize::new(0);
        pool.set_collect_stats(true);
        pool.reset_stats();
        parfor::for_each_chunk(pool, 0..n, schedule, |chunk, ctx| {
            chunks.fetch_add(1, Relaxed);
            iterations.fetch_add(chunk.len() as u64, Relaxed);
            team_seen.store(ctx.team_size(), Relaxed);
        });
        pool.set_collect_stats(false);
        let (last, total) = (pool.last_region_stats(), pool.stats().total());
        if n > 0 {
            // The team the loop got: the idle workers up to `num_threads`, fewer while the
            // pool's census still counts the threads of the last concurrent round.
            let team = team_seen.into_inner();
            assert!(
                (1..=pool.num_threads()).contains(&team),
                "team of {team} for num_threads {}",
                pool.num_threads()
            );
            assert_eq!(
                last.threads().len(),
                team,
                "threads in the last region's statistics"
            );
            assert_eq!(last.total().regions, team as u64, "regions: {last:?}");
        }
        let seen = (chunks.into_inner(), iterations.into_inner());
        assert_eq!(seen.1, n as u64);
        assert_eq!(
            (total.chunks, total.iterations),
            seen,
            "statistics: {total:?}"
        );
    }

    /// A pool created, used and dropped inside one operation.
    fn private_pool(&mut self, pool: &Pool) {
        let size = self.rng.range(1, 6);
        let n = self.draw_len();
        let schedule = self.draw_schedule(n);
        self.begin(
            pool,
            format!("private pool of {size}: for_each 0..{n} {schedule:?}, drop"),
        );
        let private = Pool::new(size).expect("private pool");
        let hits: Vec<AtomicU8> = atomics(n);
        parfor::for_each(&private, 0..n, schedule, |i| {
            hits[i].fetch_add(1, Relaxed);
        });
        check_hits(&hits, false, "private pool");
        check_usable(&private);
        drop(private);
    }

    /// Helper threads started with `std::thread::scope` inside a region body, on some team
    /// threads, calling a loop, a reduction or a region of the same pool while the team
    /// thread runs a reduction of its own; the body waits for them.
    fn scoped_helpers(&mut self, pool: &Pool) {
        let n = self.draw_len().min(20_000);
        let schedule = self.draw_schedule(n);
        let helpers = self.rng.range(1, 3);
        let salt = self.rng.next();
        self.begin(
            pool,
            format!("scoped helpers: {helpers} per team thread, n={n} {schedule:?}"),
        );
        let expected: u64 = (0..n).map(|i| small(salt, i)).sum();
        let (spawned, finished) = (AtomicUsize::new(0), AtomicUsize::new(0));
        pool.region(|team| {
            let _held = holding(pool, team);
            let me = team.thread_id();
            // At most four team threads start helpers: a pool of 16 would start 48 threads.
            let mine = if me < 4 { helpers } else { 0 };
            spawned.fetch_add(mine, Relaxed);
            thread::scope(|s| {
                for h in 0..mine {
                    let (finished, expected) = (&finished, expected);
                    s.spawn(move || {
                        match (me + h) % 3 {
                            0 => {
                                let total = AtomicU64::new(0);
                                parfor::for_each(pool, 0..n, schedule, |i| {
                                    total.fetch_add(small(salt, i), Relaxed);
                                });
                                assert_eq!(total.into_inner(), expected, "helper for_each");
                            }
                            1 => {
                                let sum = reductions::sum(pool, 0..n, schedule, |i| small(salt, i));
                                assert_eq!(sum, expected, "helper sum");
                            }
                            _ => {
                                let (runs, size) = (AtomicUsize::new(0), AtomicUsize::new(0));
                                pool.region(|team| {
                                    let _held = holding(pool, team);
                                    runs.fetch_add(1, Relaxed);
                                    size.store(team.team_size(), Relaxed);
                                    team.barrier();
                                });
                                assert_eq!(runs.into_inner(), size.into_inner(), "helper region");
                            }
                        }
                        finished.fetch_add(1, Relaxed);
                    });
                }
                let own = reductions::sum(pool, 0..n, schedule, |i| small(salt, i));
                assert_eq!(own, expected, "the team thread's own sum");
            });
            assert_eq!(workshare::thread_id(), me, "thread id after the helpers");
        });
        assert_eq!(
            finished.into_inner(),
            spawned.into_inner(),
            "helpers that finished"
        );
    }

    /// rayon between two calls of the pool: a region or loop of the pool whose bodies call
    /// rayon's `par_iter`, whose bodies call the pool again; or rayon's `par_iter` calling the
    /// pool. (Never rayon -> pool -> rayon: a rayon worker blocked in a region's join cannot run
    /// the rayon jobs of that region's workers, which is rayon's rule against blocking in its
    /// workers, not the pool's.)
    fn rayon_between(&mut self, pool: &Pool) {
        use rayon::prelude::*;
        let n = self.draw_len().min(5_000);
        let width = self.rng.range(1, 12);
        let kind = self.rng.below(3);
        let schedule = self.draw_schedule(n);
        let salt = self.rng.next();
        let what = [
            "pool region -> rayon -> pool",
            "pool loop -> rayon -> pool",
            "rayon -> pool",
        ][kind];
        self.begin(
            pool,
            format!("rayon between: {what}, width {width}, n={n} {schedule:?}"),
        );
        let inner = |k: usize| -> u64 {
            let salt = salt ^ k as u64;
            let sum = reductions::sum(pool, 0..n, schedule, |i| small(salt, i));
            let total = AtomicU64::new(0);
            parfor::for_each(pool, 0..n, schedule, |i| {
                total.fetch_add(small(salt, i), Relaxed);
            });
            assert_eq!(total.into_inner(), sum, "for_each and sum disagree");
            sum
        };
        let serial = |k: usize| -> u64 { (0..n).map(|i| small(salt ^ k as u64, i)).sum() };
        let expected: u64 = (0..width).map(serial).sum();
        match kind {
            0 => {
                let (threads, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
                pool.region(|team| {
                    let _held = holding(pool, team);
                    if team.thread_id() == 0 {
                        threads.store(team.team_size(), Relaxed);
                    }
                    let got: u64 = (0..width).into_par_iter().map(inner).sum();
                    assert_eq!(got, expected, "rayon's sum in a region");
                    done.fetch_add(1, Relaxed);
                });
                assert_eq!(done.into_inner(), threads.into_inner());
            }
            1 => {
                let sums: Vec<AtomicU64> = atomics(width);
                parfor::for_each(pool, 0..width, Schedule::Dynamic(1), |k| {
                    let got: u64 = (0..2).into_par_iter().map(|_| inner(k)).sum();
                    sums[k].store(got, Relaxed);
                });
                for (k, sum) in sums.iter().enumerate() {
                    assert_eq!(sum.load(Relaxed), 2 * serial(k), "loop index {k}");
                }
            }
            _ => {
                let got: u64 = (0..width).into_par_iter().map(inner).sum();
                assert_eq!(got, expected, "rayon's sum of the pool's sums");
            }
        }
    }

    /// Nesting over this pool and the round's partner pools, in a random order and depth:
    /// each level is a loop, a reduction, or a region (sometimes `region_at_most`) sharing a
    /// worksharing loop, over a few indices; the leaves are the mixed-radix indices of the
    /// path. Other drivers nest the same pools in other orders at the same time.
    fn nested_pools(&mut self, pool: &Pool) {
        let pools: Vec<&Pool> = std::iter::once(pool).chain(self.partners).collect();
        let depth = self.rng.range(1, 4);
        let path: Vec<Level> = (0..depth)
            .map(|_| {
                let width = self.rng.range(1, 5);
                Level {
                    pool: self.rng.below(pools.len()),
                    kind: match self.rng.below(4) {
                        0 => LevelKind::Loop,
                        1 => LevelKind::Sum,
                        2 => LevelKind::Region(None),
                        _ => LevelKind::Region(Some(self.rng.range(1, 4))),
                    },
                    width,
                    schedule: self.draw_schedule(width),
                }
            })
            .collect();
        let salt = self.rng.next();
        let sizes: Vec<usize> = pools.iter().map(|p| p.size()).collect();
        self.begin(
            pool,
            format!("nested over pools of sizes {sizes:?} (0 is this one): {path:?}"),
        );
        let leaves: usize = path.iter().map(|l| l.width).product();
        let hits: Vec<AtomicU8> = atomics(leaves);
        let got = descend(&pools, &path, 0, salt, &hits);
        check_hits(&hits, false, "nested over pools");
        let serial: u64 = (0..leaves).map(|i| small(salt, i)).sum();
        assert_eq!(got, serial, "nested over pools: the leaves' sum");
    }

    /// `tune_for_each` on the pool, sometimes from inside a region of a partner pool (then it
    /// does not tune), sometimes with helper threads changing the pool's thread count all
    /// along. Other drivers may tune or set the count of the same pool at the same time. Every
    /// index runs once, the samples and the rest cover the range in order, and in a solo round
    /// with no helper threads the pool's thread count is the same afterwards.
    fn tuner(&mut self, pool: &Pool) {
        let n = self.rng.range(1, 60_000);
        let size = pool.size();
        let threads: Option<Vec<usize>> = self.rng.chance(50).then(|| {
            let k = self.rng.range(1, 3);
            (0..k).map(|_| self.rng.range(1, size)).collect()
        });
        let schedules: Vec<Schedule> = (0..self.rng.range(1, 2))
            .map(|_| match self.draw_schedule(n) {
                Schedule::Auto => Schedule::Stealing,
                other => other,
            })
            .collect();
        let repetitions = self.rng.range(1, 3);
        let inside = self.rng.chance(15);
        let flippers = if self.rng.chance(25) {
            self.rng.range(1, 2)
        } else {
            0
        };
        let salt = self.rng.next();
        self.begin(
            pool,
            format!(
                "tune_for_each 0..{n} threads={threads:?} schedules={schedules:?} \
                 repetitions={repetitions} inside_a_region={inside} flippers={flippers}"
            ),
        );
        let mut options = TuneOptions::new()
            .schedules(schedules)
            .repetitions(repetitions);
        if let Some(threads) = threads {
            options = options.threads(threads);
        }
        let previous = pool.num_threads();
        let hits: Vec<AtomicU8> = atomics(n);
        let total = AtomicU64::new(0);
        let tune = || {
            parfor::tune_for_each(pool, 0..n, &options, |i| {
                hits[i].fetch_add(1, Relaxed);
                total.fetch_add(small(salt, i), Relaxed);
            })
        };
        let stop = AtomicBool::new(false);
        let report = thread::scope(|s| {
            for f in 0..flippers {
                let stop = &stop;
                s.spawn(move || {
                    let mut k = f;
                    while !stop.load(Relaxed) {
                        k += 1;
                        pool.set_num_threads(1 + k % size).expect("in range");
                        thread::yield_now();
                    }
                });
            }
            let report = if inside {
                let partner = self.partners.first().unwrap_or(&self.reference);
                let report = Mutex::new(None);
                partner.region(|team| {
                    if team.thread_id() == 0 {
                        *lock(&report) = Some(tune());
                    }
                });
                report
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .expect("tuned in the region")
            } else {
                tune()
            };
            stop.store(true, Relaxed);
            report
        });
        check_hits(&hits, false, "tune_for_each");
        let serial: u64 = (0..n).map(|i| small(salt, i)).sum();
        assert_eq!(
            total.into_inner(),
            serial,
            "tune_for_each: sum of the bodies' values"
        );
        assert!(
            (1..=size).contains(&report.threads),
            "chosen {} threads: {report}",
            report.threads
        );
        // The samples and the rest cover the range in order.
        let mut next = 0;
        for sample in &report.samples {
            assert_eq!(sample.range.start, next, "samples in order: {report}");
            next = sample.range.end;
        }
        assert_eq!(report.rest, next..n, "the rest after the samples: {report}");
        if inside {
            assert!(!report.tuned, "tuned inside a region: {report}");
        }
        if !self.shared && flippers == 0 {
            assert_eq!(
                pool.num_threads(),
                previous,
                "thread count restored: {report}"
            );
        }
        if self.shared || flippers > 0 {
            // Others changed the count too; put a valid one back for the next operations.
            assert!((1..=size).contains(&pool.num_threads()));
        }
    }

    /// `region_at_most` and `try_region_exact`, at the top and nested on thread 0 of a
    /// region: a team is never larger than asked, an exact team is exactly the size asked or
    /// refused with the reason and nothing run. In solo rounds the pool is this driver's alone,
    /// so the sizes are known exactly.
    fn exact_teams(&mut self, pool: &Pool) {
        let size = pool.size();
        let at_most = if self.rng.chance(10) {
            size + 1 + self.rng.below(5)
        } else {
            self.rng.range(1, size)
        };
        let exact = self.rng.range(1, size);
        let nested = self.rng.range(1, size);
        self.begin(
            pool,
            format!(
                "region_at_most({at_most}), try_region_exact({exact}), then nested in a \
                 region_at_most({at_most}): try_region_exact({nested}) (levels {})",
                pool.max_active_levels()
            ),
        );
        // region_at_most.
        let (runs, seen) = (AtomicUsize::new(0), AtomicUsize::new(0));
        pool.region_at_most(at_most, |team| {
            let _held = holding(pool, team);
            runs.fetch_add(1, Relaxed);
            seen.store(team.team_size(), Relaxed);
        });
        let team = seen.into_inner();
        assert_eq!(runs.into_inner(), team, "region_at_most: each thread once");
        assert!(
            team <= at_most.min(size),
            "region_at_most({at_most}) got {team}"
        );
        if !self.shared {
            assert_eq!(team, at_most.min(size), "region_at_most({at_most}) alone");
        }

        // try_region_exact at the top.
        let runs = AtomicUsize::new(0);
        let got = pool.try_region_exact(exact, |team| {
            let _held = holding(pool, team);
            assert_eq!(team.team_size(), exact, "an exact team");
            runs.fetch_add(1, Relaxed);
        });
        check_exact(got, exact, runs.into_inner(), !self.shared, false);

        // Nested on thread 0 of a region_at_most.
        let outer_team = AtomicUsize::new(0);
        let nested_result = Mutex::new(None);
        pool.region_at_most(at_most, |team| {
            let _held = holding(pool, team);
            if team.thread_id() == 0 {
                outer_team.store(team.team_size(), Relaxed);
                let runs = AtomicUsize::new(0);
                let got = pool.try_region_exact(nested, |inner| {
                    let _held = holding(pool, inner);
                    assert_eq!(inner.team_size(), nested, "a nested exact team");
                    runs.fetch_add(1, Relaxed);
                });
                *lock(&nested_result) = Some((got, runs.into_inner()));
                assert_eq!(workshare::thread_id(), 0);
            }
        });
        let outer = outer_team.into_inner();
        let (got, runs) = nested_result
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .expect("thread 0 ran");
        let level = usize::from(outer > 1);
        let limited = level >= pool.max_active_levels();
        if limited && nested > 1 {
            let refused = Error::TeamUnavailable {
                requested: nested,
                available: 1,
                reason: Unavailable::NestingLimit,
            };
            assert_eq!((got, runs), (Err(refused), 0), "nested at the limit");
            return;
        }
        if !self.shared && !limited && nested > 1 {
            // Alone: exactly the workers the outer team left idle.
            let available = (nested - 1).min(size - outer) + 1;
            if available < nested {
                let busy = Error::TeamUnavailable {
                    requested: nested,
                    available,
                    reason: Unavailable::Busy,
                };
                assert_eq!((got, runs), (Err(busy), 0), "nested in a team of {outer}");
                return;
            }
        }
        check_exact(got, nested, runs, !self.shared && !limited, limited);
    }

    /// The global pool and its free functions, shared with every other driver.
    fn global_pool(&mut self) {
        let global = workshare::global();
        let n = self.draw_len();
        let kind = self.rng.below(4);
        let threads = self.rng.range(1, global.size());
        let salt = self.rng.next();
        self.begin(
            global,
            format!("global pool: kind {kind} n={n} threads={threads}"),
        );
        match kind {
            0 => {
                let hits: Vec<AtomicU8> = atomics(n);
                parfor::global::for_each(0..n, Schedule::Auto, |i| {
                    hits[i].fetch_add(1, Relaxed);
                });
                check_hits(&hits, false, "global::for_each");
            }
            1 => {
                let got = reductions::global::sum(0..n, Schedule::Auto, |i| small(salt, i));
                assert_eq!(
                    got,
                    (0..n).map(|i| small(salt, i)).sum::<u64>(),
                    "global sum"
                );
            }
            2 => {
                let (seen, size) = (AtomicU64::new(0), AtomicUsize::new(0));
                workshare::region(|team| {
                    seen.fetch_or(1 << team.thread_id(), Relaxed);
                    size.store(team.team_size(), Relaxed);
                    assert_eq!(workshare::team_size(), team.team_size());
                });
                assert_eq!(seen.into_inner(), (1 << size.into_inner()) - 1);
            }
            _ => {
                workshare::set_num_threads(threads).expect("global set_num_threads");
                let mut out = vec![0u64; n];
                let input: Vec<u64> = (0..n as u64).collect();
                parfor::global::map_into(&mut out, &input[..], Schedule::Auto, |o, &x| *o = x * 2);
                assert!(out.iter().enumerate().all(|(i, &o)| o == 2 * i as u64));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks shared by several operations
// ---------------------------------------------------------------------------------------------

/// Workers held by the regions running now that count themselves (see [`holding`]), per pool
/// (by address).
static HELD: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

/// A running region's workers, counted against its pool's until dropped.
struct Holding {
    key: usize,
    workers: usize,
}

/// On thread 0 of a region of `pool`: counts its workers with those of every other counted
/// region of `pool` running now, and checks that they fit in the pool: a region's workers are
/// its own from before thread 0 starts until after it returns, so regions running at the same
/// time (other drivers', nested ones, helpers') never hold more than `size - 1` in all.
fn holding(pool: &Pool, team: &Team<'_>) -> Option<Holding> {
    if team.thread_id() != 0 {
        return None;
    }
    let key = pool as *const Pool as usize;
    let workers = team.team_size() - 1;
    let mut held = lock(&HELD);
    let total = match held.iter_mut().find(|entry| entry.0 == key) {
        Some(entry) => {
            entry.1 += workers;
            entry.1
        }
        None => {
            held.push((key, workers));
            workers
        }
    };
    drop(held);
    let holding = Holding { key, workers };
    assert!(
        total < pool.size(),
        "regions running at once hold {total} workers of a pool of {} threads",
        pool.size()
    );
    Some(holding)
}

impl Drop for Holding {
    fn drop(&mut self) {
        let mut held = lock(&HELD);
        if let Some(k) = held.iter().position(|entry| entry.0 == self.key) {
            held[k].1 -= self.workers;
            if held[k].1 == 0 {
                held.swap_remove(k);
            }
        }
    }
}

/// The result of `try_region_exact(requested)` whose body ran `runs` times: `Ok` with the
/// exact team, or (unless `must_run`) refused with nothing run, because other regions hold the
/// workers or, when `limited`, for the nesting limit.
fn check_exact(
    got: Result<(), Error>,
    requested: usize,
    runs: usize,
    must_run: bool,
    limited: bool,
) {
    match got {
        Ok(()) => assert_eq!(
            runs, requested,
            "try_region_exact({requested}): team threads"
        ),
        Err(Error::TeamUnavailable {
            requested: r,
            available,
            reason,
        }) => {
            assert!(
                !must_run,
                "try_region_exact({requested}) refused: {available}, {reason:?}"
            );
            assert_eq!((r, runs), (requested, 0), "refused, and nothing ran");
            assert!(requested > 1, "a team of one is always available");
            if limited {
                assert_eq!((available, reason), (1, Unavailable::NestingLimit));
            } else {
                assert!(
                    available < requested,
                    "{available} of {requested} available"
                );
                assert_eq!(reason, Unavailable::Busy);
            }
        }
        Err(other) => panic!("try_region_exact({requested}): {other}"),
    }
}

/// One level of [`Driver::nested_pools`].
#[derive(Debug)]
struct Level {
    /// Index into the pools (0: the driver's).
    pool: usize,
    kind: LevelKind,
    width: usize,
    schedule: Schedule,
}

#[derive(Debug)]
enum LevelKind {
    Loop,
    Sum,
    /// A region (at most this many threads) sharing a worksharing loop.
    Region(Option<usize>),
}

/// The sum of the leaves under `path`, leaf `prefix * width + j ...` counting its hit.
fn descend(pools: &[&Pool], path: &[Level], prefix: usize, salt: u64, hits: &[AtomicU8]) -> u64 {
    let Some((level, rest)) = path.split_first() else {
        hits[prefix].fetch_add(1, Relaxed);
        return small(salt, prefix);
    };
    let pool = pools[level.pool];
    let child = |j: usize| descend(pools, rest, prefix * level.width + j, salt, hits);
    match level.kind {
        LevelKind::Loop => {
            let total = AtomicU64::new(0);
            parfor::for_each(pool, 0..level.width, level.schedule, |j| {
                total.fetch_add(child(j), Relaxed);
            });
            total.into_inner()
        }
        LevelKind::Sum => reductions::sum(pool, 0..level.width, level.schedule, child),
        LevelKind::Region(at_most) => {
            let total = AtomicU64::new(0);
            let body = |team: &Team<'_>| {
                let _held = holding(pool, team);
                let me = team.thread_id();
                if let Some(k) = at_most {
                    assert!(team.team_size() <= k, "region_at_most({k})");
                }
                parfor::team_for_each(team, 0..level.width, level.schedule, |j| {
                    total.fetch_add(child(j), Relaxed);
                    assert_eq!(workshare::thread_id(), me, "thread id after nested calls");
                });
            };
            match at_most {
                Some(k) => pool.region_at_most(k, body),
                None => pool.region(body),
            }
            total.into_inner()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds and the tests
// ---------------------------------------------------------------------------------------------

/// Runs round `round` with at most about `budget` operations; returns how many it ran.
fn run_round(config: &Config, round: u64, budget: u64, board: &Board) -> Result<u64, Vec<String>> {
    let mut rng = Rng::new(config.seed, round);
    let failed = AtomicBool::new(false);
    let id = |driver: usize| format!("seed={:#x} round={round} driver={driver}", config.seed);
    let partners: Vec<Pool> = (0..rng.range(1, 2)).map(|_| new_pool(&mut rng)).collect();
    if rng.chance(40) {
        let ops = (rng.range(5, 30) as u64).min(budget);
        let seed = rng.next();
        let mut driver = Driver::new(id(0), 0, Rng::new(seed, 0), board, false, &partners);
        return driver.solo(ops, &failed).map(|()| ops).map_err(|e| vec![e]);
    }
    let drivers = rng.range(2, MAX_DRIVERS);
    let per_driver = (rng.range(3, 12) as u64).min(budget.div_ceil(drivers as u64));
    let pool = new_pool(&mut rng);
    let failures = Mutex::new(Vec::new());
    let driver_seed = rng.next();
    thread::scope(|scope| {
        for d in 0..drivers {
            let (pool, failed, failures, id) = (&pool, &failed, &failures, id(d));
            let partners = &partners;
            scope.spawn(move || {
                let rng = Rng::new(driver_seed, d as u64);
                let mut driver = Driver::new(id, d, rng, board, true, partners);
                let result = driver.run(per_driver, failed, |driver| driver.step(pool));
                if let Err(failure) = result {
                    lock(failures).push(failure);
                }
            });
        }
    });
    board.begin(
        0,
        format!("{}: drop the shared pool of {}", id(0), pool.size()),
    );
    drop(pool);
    board.end(0);
    board.begin(0, format!("{}: drop the round's partner pools", id(0)));
    drop(partners);
    board.end(0);
    let failures = failures
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if failures.is_empty() {
        Ok(per_driver * drivers as u64)
    } else {
        Err(failures)
    }
}

/// Writes a line to the process's stderr, past the test harness's capture.
fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Keeps the panic hook quiet about the secondary panics of team threads released from a
/// barrier or worksharing construct by an injected panic (hundreds of messages, each with a
/// backtrace under `RUST_BACKTRACE=1`); every other panic is reported as usual.
fn quiet_secondary_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = message(info.payload());
            if !text.contains("abandoned because another team thread panicked") {
                default(info);
            }
        }));
    });
}

#[test]
fn randomized_differential_stress() {
    let config = Config::from_env();
    quiet_secondary_panics();
    let plan = match config.soak {
        Some(limit) => format!("soak mode for {limit:?}"),
        None => format!("{} operations", config.loops),
    };
    note(&format!(
        "stress: seed {seed:#x} ({plan}, watchdog {:?}); WORKSHARE_STRESS_SEED={seed:#x} replays it",
        config.watchdog,
        seed = config.seed,
    ));
    let board = Arc::new(Board::new(MAX_DRIVERS));
    let context = format!("WORKSHARE_STRESS_SEED={:#x} replays the run", config.seed);
    let watchdog = Watchdog::start(Arc::clone(&board), config.watchdog, context);
    let started = Instant::now();
    let (mut done, mut round) = (0u64, 0u64);
    while config.more(done, started) {
        let budget = config.loops.saturating_sub(done).max(1);
        let budget = if config.soak.is_some() {
            u64::MAX
        } else {
            budget
        };
        match run_round(&config, round, budget, &board) {
            Ok(ops) => done += ops,
            Err(failures) => panic!(
                "stress failure; WORKSHARE_STRESS_SEED={:#x} replays the run\n{}",
                config.seed,
                failures.join("\n")
            ),
        }
        round += 1;
    }
    drop(watchdog);
    note(&format!(
        "stress: {done} operations ({} with an injected panic) in {round} rounds, {:.1?}, seed {:#x}",
        INJECTED.load(Relaxed),
        started.elapsed(),
        config.seed
    ));
}

/// The watchdog is a real feature, not a dead one: the board reports a stuck operation only
/// once it passes the limit, and a child process whose only operation never finishes is ended
/// by the watchdog with exit code 101 and a report naming that operation.
#[test]
fn watchdog_ends_a_hung_run_and_reports_what_each_thread_was_doing() {
    const CHILD: &str = "WORKSHARE_STRESS_WATCHDOG_CHILD";
    const NAME: &str = "watchdog_ends_a_hung_run_and_reports_what_each_thread_was_doing";
    let stuck = "seed=0x1 round=0 driver=0 op#7: a deliberately stuck operation";
    if std::env::var_os(CHILD).is_some() {
        let board = Arc::new(Board::new(2));
        board.begin(1, "an operation that finished".to_owned());
        board.end(1);
        board.begin(0, stuck.to_owned());
        let _watchdog = Watchdog::start(board, Duration::from_millis(300), "self-test".into());
        thread::sleep(Duration::from_secs(30));
        // Reached only if the watchdog did not fire.
        std::process::exit(3);
    }

    let board = Board::new(2);
    board.begin(0, stuck.to_owned());
    assert_eq!(
        board.stalled(Duration::from_secs(60)),
        None,
        "fired too early"
    );
    thread::sleep(Duration::from_millis(30));
    let report = board
        .stalled(Duration::from_millis(20))
        .expect("a stalled report");
    assert!(
        report.contains(stuck) && report.contains("driver 1: idle"),
        "{report}"
    );
    board.end(0);
    assert_eq!(
        board.stalled(Duration::from_millis(20)),
        None,
        "fired after the end"
    );

    let started = Instant::now();
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("run the child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "child stderr:\n{stderr}");
    assert!(stderr.contains("workshare stress watchdog"), "{stderr}");
    assert!(stderr.contains("driver 0: busy for"), "{stderr}");
    assert!(stderr.contains(stuck), "{stderr}");
    assert!(stderr.contains("driver 1: idle, 1 done"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the watchdog fired late"
    );
}

/// `Auto` measures a pool's fork-join cost once, on first use. That must not make a loop on
/// one pool wait for a region of another: thread A runs the first `Auto` loop on pool `P`
/// while thread B is inside a region of `P` that waits for a thread C running the first
/// `Auto` loop on pool `Q`. Nothing here nests two pools in opposite orders: B's region ends as
/// soon as C's loop does, and A only has to wait for that region. The scenario runs in
/// a child process, which the parent ends after 10 seconds: a hang there would otherwise hold a
/// process-wide lock and stall the other tests of this binary.
#[test]
fn auto_calibration_of_one_pool_does_not_wait_for_another() {
    const CHILD: &str = "WORKSHARE_STRESS_CALIBRATION_CHILD";
    const NAME: &str = "auto_calibration_of_one_pool_does_not_wait_for_another";
    if std::env::var_os(CHILD).is_some() {
        let (p, q) = (Pool::new(2).unwrap(), Pool::new(2).unwrap());
        let inside = std::sync::Barrier::new(2);
        let work = |i: usize| {
            std::hint::black_box(i);
        };
        thread::scope(|s| {
            // B: inside a region of P, thread C runs the first Auto loop on Q.
            s.spawn(|| {
                p.region(|team| {
                    if team.thread_id() == 0 {
                        inside.wait();
                        // Give A the time to start calibrating P.
                        thread::sleep(Duration::from_millis(300));
                        thread::scope(|h| {
                            h.spawn(|| parfor::for_each(&q, 0..100_000, Schedule::Auto, work));
                        });
                    }
                });
            });
            // A: the first Auto loop on P, while B's region runs.
            s.spawn(|| {
                inside.wait();
                parfor::for_each(&p, 0..100_000, Schedule::Auto, work);
            });
        });
        println!("CALIBRATION-CHILD: done");
        return;
    }
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the child");
    let started = Instant::now();
    while child.try_wait().expect("child status").is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "deadlock: the first Auto loop on pool P (measuring P's fork-join cost) and the \
                 first Auto loop on pool Q (run by a thread that a region of P waits for) did \
                 not finish in 10 s"
            );
        }
        thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("child output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("CALIBRATION-CHILD: done"),
        "child failed ({}):\n{stdout}",
        output.status
    );
}
