//! Picking a thread count at run time: time the first slices of a loop under several thread
//! counts (and schedules), then run the rest of it with the fastest. The procedure, its cost
//! and its limits are documented on [`tune_for_each_chunk`].

use crate::largest_team::LargestTeam;
use crate::loops::for_each_chunk_at_most;
use crate::slices::for_each_mut_chunk_at_most;
use crate::{Ctx, IndexRange, Schedule};
use std::fmt;
use std::ops::Range;
use std::time::{Duration, Instant};
use workshare_pool::Pool;

/// What [`tune_for_each_chunk`] tries, and how much of the range it spends trying.
///
/// Built with [`TuneOptions::new`] (or `Default`) and the setter methods, each of which returns
/// the options:
///
/// | setting | default |
/// |---|---|
/// | [`threads`](TuneOptions::threads): candidate thread counts | 1, 2, 4, ... below the pool's size, and the size |
/// | [`schedules`](TuneOptions::schedules): candidate schedules | [`Schedule::Stealing`] |
/// | [`sample_fraction`](TuneOptions::sample_fraction): share of the range sampled | 0.01 |
/// | [`min_sample_len`](TuneOptions::min_sample_len): shortest sample slice | 1 (and never fewer indices than the largest candidate thread count) |
/// | [`repetitions`](TuneOptions::repetitions): slices per candidate | 3 |
/// | [`tolerance`](TuneOptions::tolerance): prefer fewer threads within this fraction of the fastest | 0 |
///
/// The default schedule is `Stealing` rather than `Auto`: `Auto` may run a short sample slice
/// serially whatever the thread count, so every candidate would measure the same serial rate,
/// while the long rest of the loop would fork. `Stealing` is what `Auto` uses for long loops.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{Schedule, TuneOptions};
/// let options = TuneOptions::new()
///     .threads([1, 2])
///     .schedules([Schedule::Static, Schedule::Dynamic(64)])
///     .sample_fraction(0.02)
///     .min_sample_len(256)
///     .repetitions(2)
///     .tolerance(0.05);
/// assert_eq!(options.get_sample_fraction(), 0.02);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TuneOptions {
    threads: Option<Vec<usize>>,
    schedules: Vec<Schedule>,
    sample_fraction: f64,
    min_sample_len: usize,
    repetitions: usize,
    tolerance: f64,
}

impl Default for TuneOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl TuneOptions {
    /// The defaults (see the table above).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{Schedule, TuneOptions};
    /// let options = TuneOptions::new();
    /// assert_eq!(options, TuneOptions::default());
    /// assert_eq!(options.get_schedules(), [Schedule::Stealing]);
    /// assert_eq!(options.get_repetitions(), 3);
    /// ```
    pub fn new() -> Self {
        Self {
            threads: None,
            schedules: vec![Schedule::Stealing],
            sample_fraction: 0.01,
            min_sample_len: 1,
            repetitions: 3,
            tolerance: 0.0,
        }
    }

    /// The candidate thread counts, each in `1..=pool.size()` (checked when the tuner runs, as
    /// the options do not know the pool); duplicates count once.
    ///
    /// # Panics
    ///
    /// With `workshare: tune: no candidate thread counts` when `threads` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{Pool, TuneOptions};
    /// let pool = Pool::new(4)?;
    /// let options = TuneOptions::new().threads([4, 1, 4, 3]);
    /// assert_eq!(options.candidate_threads(&pool), [1, 3, 4]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use]
    pub fn threads(mut self, threads: impl IntoIterator<Item = usize>) -> Self {
        let mut threads: Vec<usize> = threads.into_iter().collect();
        threads.sort_unstable();
        threads.dedup();
        assert!(
            !threads.is_empty(),
            "workshare: tune: no candidate thread counts"
        );
        self.threads = Some(threads);
        self
    }

    /// The candidate schedules, tried with every candidate thread count; the first is also
    /// the schedule of a range too short to tune. Duplicates count once.
    ///
    /// # Panics
    ///
    /// With `workshare: tune: no candidate schedules` when `schedules` is empty, and with
    /// `workshare: chunk size must be at least 1 ...` for a chunk size of 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{Schedule, TuneOptions};
    /// let options = TuneOptions::new().schedules([Schedule::Static, Schedule::Guided(8)]);
    /// assert_eq!(options.get_schedules(), [Schedule::Static, Schedule::Guided(8)]);
    /// ```
    #[must_use]
    pub fn schedules(mut self, schedules: impl IntoIterator<Item = Schedule>) -> Self {
        let mut unique: Vec<Schedule> = Vec::new();
        for schedule in schedules {
            let _ = schedule.resolved();
            if !unique.contains(&schedule) {
                unique.push(schedule);
            }
        }
        assert!(
            !unique.is_empty(),
            "workshare: tune: no candidate schedules"
        );
        self.schedules = unique;
        self
    }

    /// The share of the range to spend on samples, in `(0, 0.5]`; default 0.01. The sample
    /// slices are never shorter than [`min_sample_len`](TuneOptions::min_sample_len), so the
    /// sample may be larger on short ranges.
    ///
    /// # Panics
    ///
    /// With `workshare: tune: sample fraction ...` outside `(0, 0.5]` (or NaN).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// let options = workshare::parfor::TuneOptions::new().sample_fraction(0.05);
    /// assert_eq!(options.get_sample_fraction(), 0.05);
    /// ```
    #[must_use]
    pub fn sample_fraction(mut self, fraction: f64) -> Self {
        assert!(
            fraction > 0.0 && fraction <= 0.5,
            "workshare: tune: sample fraction {fraction} is outside (0, 0.5]"
        );
        self.sample_fraction = fraction;
        self
    }

    /// The shortest sample slice, in indices; default 1. Slices are also never shorter than
    /// the largest candidate thread count. Raise it when one index costs about as much as a
    /// fork-join or less, so that a slice measures the body rather than the fork.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// let options = workshare::parfor::TuneOptions::new().min_sample_len(4096);
    /// assert_eq!(options.get_min_sample_len(), 4096);
    /// ```
    #[must_use]
    pub fn min_sample_len(mut self, len: usize) -> Self {
        self.min_sample_len = len;
        self
    }

    /// How many sample slices each candidate runs; its rate is that of its fastest slice.
    /// Default 3.
    ///
    /// # Panics
    ///
    /// With `workshare: tune: repetitions must be at least 1` for 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// let options = workshare::parfor::TuneOptions::new().repetitions(5);
    /// assert_eq!(options.get_repetitions(), 5);
    /// ```
    #[must_use]
    pub fn repetitions(mut self, repetitions: usize) -> Self {
        assert!(
            repetitions >= 1,
            "workshare: tune: repetitions must be at least 1"
        );
        self.repetitions = repetitions;
        self
    }

    /// Prefer fewer threads: the winner is the candidate with the fewest threads whose rate is
    /// within `tolerance` (a fraction: 0.05 is 5%) of the fastest candidate's. Default 0: the
    /// fastest wins. Useful where a few percent of speed is not worth a second core.
    ///
    /// # Panics
    ///
    /// With `workshare: tune: tolerance ...` when negative, infinite or NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// let options = workshare::parfor::TuneOptions::new().tolerance(0.1);
    /// assert_eq!(options.get_tolerance(), 0.1);
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        assert!(
            tolerance >= 0.0 && tolerance.is_finite(),
            "workshare: tune: tolerance {tolerance} must be finite and at least 0"
        );
        self.tolerance = tolerance;
        self
    }

    /// The candidate thread counts on `pool`, in increasing order: those given to
    /// [`threads`](TuneOptions::threads), or by default 1, 2, 4, ... below `pool.size()`, and
    /// `pool.size()`.
    ///
    /// # Panics
    ///
    /// With `workshare: tune: thread count ...` when a given count is outside
    /// `1..=pool.size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{Pool, TuneOptions};
    /// let pool = Pool::new(6)?;
    /// assert_eq!(TuneOptions::new().candidate_threads(&pool), [1, 2, 4, 6]);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn candidate_threads(&self, pool: &Pool) -> Vec<usize> {
        let size = pool.size();
        match &self.threads {
            Some(threads) => {
                for &t in threads {
                    assert!(
                        (1..=size).contains(&t),
                        "workshare: tune: thread count {t} is outside 1..={size} (the pool's size)"
                    );
                }
                threads.clone()
            }
            None => {
                let powers = std::iter::successors(Some(1usize), |t| t.checked_mul(2));
                let mut threads: Vec<usize> = powers.take_while(|&t| t < size).collect();
                threads.push(size);
                threads
            }
        }
    }

    /// The candidate schedules.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{Schedule, TuneOptions};
    /// assert_eq!(TuneOptions::new().get_schedules(), [Schedule::Stealing]);
    /// ```
    pub fn get_schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// The share of the range spent on samples.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// assert_eq!(workshare::parfor::TuneOptions::new().get_sample_fraction(), 0.01);
    /// ```
    pub fn get_sample_fraction(&self) -> f64 {
        self.sample_fraction
    }

    /// The shortest sample slice, in indices.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// assert_eq!(workshare::parfor::TuneOptions::new().get_min_sample_len(), 1);
    /// ```
    pub fn get_min_sample_len(&self) -> usize {
        self.min_sample_len
    }

    /// Sample slices per candidate.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// assert_eq!(workshare::parfor::TuneOptions::new().get_repetitions(), 3);
    /// ```
    pub fn get_repetitions(&self) -> usize {
        self.repetitions
    }

    /// The tolerance within which fewer threads are preferred.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// assert_eq!(workshare::parfor::TuneOptions::new().get_tolerance(), 0.0);
    /// ```
    pub fn get_tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The length of each sample slice for a range of `len` indices and `candidates`
    /// candidates, or `None` when the slices would not fit in half the range.
    fn slice_len(&self, len: usize, candidates: usize, max_threads: usize) -> Option<usize> {
        let slices = candidates.checked_mul(self.repetitions)?;
        let share = (len as f64 * self.sample_fraction) as usize / slices;
        let slice = share.max(self.min_sample_len).max(max_threads).max(1);
        (slice.checked_mul(slices)? <= len / 2).then_some(slice)
    }
}

/// One sample slice: which candidate ran which indices, and how long it took.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
/// let pool = Pool::new(2)?;
/// let options = TuneOptions::new().sample_fraction(0.1);
/// let report = tune_for_each_chunk(&pool, 0..10_000, &options, |_chunk, _ctx| {});
/// let first = &report.samples[0];
/// assert_eq!(first.range.start, 0);
/// assert_eq!(first.len(), first.range.len());
/// # Ok::<(), workshare::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TuneSample {
    /// The candidate's thread count: the most threads the slice's loop asked for. It got fewer
    /// if other callers held some of the pool's workers when it started (see "The pool is
    /// shared" on [`tune_for_each_chunk`]).
    pub threads: usize,
    /// The schedule the slice ran under.
    pub schedule: Schedule,
    /// The indices of the slice.
    pub range: Range<usize>,
    /// The wall time of the slice's loop.
    pub elapsed: Duration,
}

impl TuneSample {
    /// The number of indices in the slice.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
    /// let pool = Pool::new(2)?;
    /// let options = TuneOptions::new().sample_fraction(0.5).repetitions(1);
    /// let report = tune_for_each_chunk(&pool, 0..100, &options, |_, _| {});
    /// // Half of 100 indices over two candidates (1 and 2 threads), one slice each.
    /// assert!(report.samples.iter().all(|s| s.len() == 25));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether the slice is empty (never, for a slice the tuner ran).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
    /// let pool = Pool::new(2)?;
    /// let report = tune_for_each_chunk(&pool, 0..1000, &TuneOptions::new(), |_, _| {});
    /// assert!(report.samples.iter().all(|s| !s.is_empty()));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The slice's time per index, in nanoseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
    /// let pool = Pool::new(2)?;
    /// let report = tune_for_each_chunk(&pool, 0..1000, &TuneOptions::new(), |_, _| {});
    /// assert!(report.samples.iter().all(|s| s.nanos_per_index() >= 0.0));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn nanos_per_index(&self) -> f64 {
        rate(self.elapsed, self.len())
    }
}

/// One candidate's result: its fastest sample slice.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
/// let pool = Pool::new(2)?;
/// let report = tune_for_each_chunk(&pool, 0..10_000, &TuneOptions::new(), |_, _| {});
/// let threads: Vec<usize> = report.candidates.iter().map(|c| c.threads).collect();
/// assert_eq!(threads, [1, 2]);
/// assert!(report.candidates.iter().all(|c| c.runs == 3));
/// # Ok::<(), workshare::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TuneCandidate {
    /// The candidate's thread count: the most threads its slices' loops asked for.
    pub threads: usize,
    /// The candidate's schedule.
    pub schedule: Schedule,
    /// The wall time of its fastest sample slice.
    pub elapsed: Duration,
    /// The length of that slice (every slice of one call has the same length).
    pub len: usize,
    /// How many slices it ran (the repetitions).
    pub runs: usize,
}

impl TuneCandidate {
    /// The candidate's best time per index, in nanoseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
    /// let pool = Pool::new(2)?;
    /// let report = tune_for_each_chunk(&pool, 0..10_000, &TuneOptions::new(), |_, _| {});
    /// let best = report.chosen().unwrap();
    /// assert!(report.candidates.iter().all(|c| c.nanos_per_index() >= best.nanos_per_index()));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn nanos_per_index(&self) -> f64 {
        rate(self.elapsed, self.len)
    }
}

/// What [`tune_for_each_chunk`] measured and chose.
///
/// The indices ran in two parts, in order: [`samples`](TuneReport::samples) (consecutive
/// slices from `range.start`, [`sample_len`](TuneReport::sample_len) indices in all), then
/// [`rest`](TuneReport::rest) (up to `range.end`) as one loop asking for
/// [`requested`](TuneReport::requested) threads under [`schedule`](TuneReport::schedule), which
/// ran on a team of [`threads`](TuneReport::threads). Its `Display` form is a one-line summary.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
/// let pool = Pool::new(2)?;
/// let report = tune_for_each_chunk(&pool, 0..100_000, &TuneOptions::new(), |_, _| {});
/// assert!(report.tuned);
/// assert_eq!(report.sample_len + report.rest.len(), 100_000);
/// assert_eq!(report.rest.end, 100_000);
/// println!("{report}");
/// # Ok::<(), workshare::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TuneReport {
    /// The size of the team that ran the rest of the range: the largest
    /// [`Ctx::team_size`] its chunks were given. At most [`requested`](TuneReport::requested),
    /// and equal to it unless other callers of the pool (other threads, or a region enclosing
    /// the call) held some of its workers when the rest started: a region takes the workers
    /// that are idle. Chunks that [`Schedule::Auto`] runs serially on the caller are given
    /// `requested`. For an empty range, where nothing ran, `requested`.
    pub threads: usize,
    /// The most threads the rest of the range asked for: the winning candidate's thread count
    /// when [`tuned`](TuneReport::tuned); otherwise the single candidate's, or the pool's
    /// [`num_threads`](Pool::num_threads) at the call (what its other loops ask for).
    pub requested: usize,
    /// The schedule the rest of the range ran under.
    pub schedule: Schedule,
    /// Whether candidates were compared: `false` for an empty range, a range too short to
    /// sample, a single candidate, or a call from inside a region.
    pub tuned: bool,
    /// The sample slices, in the order they ran.
    pub samples: Vec<TuneSample>,
    /// One entry per candidate, in candidate order (thread counts increasing, then schedules
    /// as given); empty when not tuned.
    pub candidates: Vec<TuneCandidate>,
    /// The number of indices run as samples.
    pub sample_len: usize,
    /// The indices run under the choice.
    pub rest: Range<usize>,
    /// The wall time of the rest.
    pub rest_elapsed: Duration,
}

impl TuneReport {
    /// The winning candidate's entry; `None` when not [`tuned`](TuneReport::tuned).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
    /// let pool = Pool::new(2)?;
    /// let report = tune_for_each_chunk(&pool, 0..10_000, &TuneOptions::new(), |_, _| {});
    /// let chosen = report.chosen().unwrap();
    /// assert_eq!((chosen.threads, chosen.schedule), (report.requested, report.schedule));
    /// // Nobody else uses this pool: the rest got the whole team it asked for.
    /// assert_eq!(report.threads, report.requested);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn chosen(&self) -> Option<&TuneCandidate> {
        self.candidates
            .iter()
            .find(|c| c.threads == self.requested && c.schedule == self.schedule)
    }

    /// The measured speed-up of `threads` threads under the chosen schedule over one thread
    /// under it: the ratio of their best rates. `None` when either was not a candidate.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
    /// let pool = Pool::new(2)?;
    /// let report = tune_for_each_chunk(&pool, 0..10_000, &TuneOptions::new(), |_, _| {});
    /// assert_eq!(report.speedup(1), Some(1.0));
    /// assert!(report.speedup(2).is_some());
    /// assert_eq!(report.speedup(3), None);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn speedup(&self, threads: usize) -> Option<f64> {
        let rate_of = |t: usize| {
            self.candidates
                .iter()
                .find(|c| c.threads == t && c.schedule == self.schedule)
                .map(TuneCandidate::nanos_per_index)
        };
        let (one, many) = (rate_of(1)?, rate_of(threads)?);
        if one == many {
            // Also covers two zero rates (a body too cheap for the clock).
            return Some(1.0);
        }
        Some(one / many)
    }
}

impl fmt::Display for TuneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let threads = |t: usize| if t == 1 { "thread" } else { "threads" };
        write!(f, "{} {}", self.threads, threads(self.threads))?;
        if self.threads != self.requested {
            write!(f, " (of {} asked for)", self.requested)?;
        }
        write!(f, " with {:?}", self.schedule)?;
        if !self.tuned {
            return write!(f, " (not tuned)");
        }
        write!(f, " (sampled {} indices:", self.sample_len)?;
        for (k, c) in self.candidates.iter().enumerate() {
            let sep = if k == 0 { " " } else { ", " };
            write!(
                f,
                "{sep}{} {} {:?} {:.2} ns/index",
                c.threads,
                threads(c.threads),
                c.schedule,
                c.nanos_per_index()
            )?;
        }
        write!(f, ")")
    }
}

/// Nanoseconds per index.
fn rate(elapsed: Duration, len: usize) -> f64 {
    elapsed.as_secs_f64() * 1e9 / len.max(1) as f64
}

/// Calls `body(chunk, ctx)` on disjoint chunks covering `range` exactly once, like
/// [`for_each_chunk`](crate::for_each_chunk), after timing its first slices under several
/// thread counts and schedules and choosing the fastest for the rest. Returns what it measured
/// and chose.
///
/// `range` is `a..b` or `a..=b` of any primitive integer type (an [`IndexRange`]), converted
/// to `usize` once, at the start: the chunks and the report's ranges are `Range<usize>`.
///
/// The usual advice for a parallel loop whose best thread count is unknown (memory-bound loops
/// stop scaling before the cores run out; cores of different speeds; a shared machine) is to
/// measure: run about 1% of the data at several thread counts, and the other 99% at the best.
/// This function does that inside one loop. No index runs twice: the samples are part of the
/// loop, so a body with side effects (writing an output, accumulating) is fine.
///
/// A candidate thread count limits the call's own loops only, as
/// [`Pool::region_at_most`] does: the tuner changes no setting of the pool.
/// [`Pool::num_threads`] is the same during and after the call, other threads' loops on the
/// pool never run with a candidate's count, and several threads may tune loops on one pool at
/// once.
///
/// # How it works
///
/// 1. The candidates are every pair of a thread count and a schedule from [`TuneOptions`]
///    (default: thread counts 1, 2, 4, ... up to the pool's [`size`](Pool::size), plus the size
///    itself, whatever [`num_threads`](Pool::num_threads) says; schedule
///    [`Schedule::Stealing`]).
/// 2. The start of the range is cut into consecutive *sample slices* of equal length, one per
///    candidate and repetition, about [`sample_fraction`](TuneOptions::sample_fraction) of the
///    range in all. Repetitions run the candidates in alternating order (forward, backward,
///    forward, ...), so that a cost that drifts along the range or over time does not favour
///    the candidates that run first. Each slice runs as one loop on a team of at most the
///    candidate's thread count. Before each slice an empty region of at most that many threads
///    wakes the workers, so that no slice pays for waking sleeping ones.
/// 3. A candidate's rate is that of its fastest slice (interference from other work only ever
///    slows a slice down). The fastest candidate wins; with a
///    [`tolerance`](TuneOptions::tolerance), the one with the fewest threads among those
///    within that fraction of the fastest.
/// 4. The rest of the range runs, as one loop, under the winner (woken the same way), on a
///    team of at most its thread count. [`TuneReport::requested`] is that count,
///    [`TuneReport::threads`] the size of the team the rest really ran on.
///
/// # Cost and limits
///
/// - **The samples run under the slower candidates too.** With 1% of the range sampled and the
///   slowest candidate `k` times slower than the fastest, tuning costs at most about `(k - 1)`
///   percent of the loop's best time, plus one empty fork-join per slice.
/// - **Short slices measure the fork-join, not the body.** A slice must take well over the
///   pool's fork-join cost (microseconds) for its rate to say anything about the loop: raise
///   [`min_sample_len`](TuneOptions::min_sample_len) or
///   [`sample_fraction`](TuneOptions::sample_fraction) for cheap bodies, and do not tune
///   loops that take less than a few milliseconds in all ([`Schedule::Auto`] already decides
///   between serial and parallel for those).
/// - **Noise.** On a machine shared with other work a slice can be slowed several times over;
///   the minimum over [`repetitions`](TuneOptions::repetitions) guards against that, but
///   candidates whose rates differ by a few percent are a coin toss, and the choice may change
///   from run to run. A [`tolerance`](TuneOptions::tolerance) makes it prefer fewer threads
///   when the gain is small.
/// - **The start of the range stands for all of it.** When the cost per index changes along
///   the range (an imbalanced loop), the samples see only its start; schedules that differ in
///   how they balance are better compared by timing the whole loop.
/// - **The pool is shared.** A loop's region takes the workers that are idle when it starts,
///   and at most its share of the pool while other threads call the pool's loops
///   (the pool's size divided by the threads that called its loops in the last few ms).
///   While other threads run regions on the same pool (another tuner among them), a slice may
///   get fewer threads than its candidate asks for, and its time still counts as the
///   candidate's: a busy moment makes the larger candidates look slower, much as other work
///   on the cores does, and the minimum over the repetitions helps the same way. The rest may
///   likewise run on fewer threads than the winner's count: [`TuneReport::threads`] is the
///   largest team size its chunks were given ([`Ctx::team_size`]). Other callers lose only
///   the workers the tuner's loops hold while they run, as with any loop.
///
/// # Without tuning
///
/// Then [`TuneReport::tuned`] is `false`, and the whole range runs as one loop:
///
/// - an empty range: nothing runs;
/// - a single candidate (with the default options, a pool of one thread): the range runs with
///   it;
/// - a range whose sample slices would not fit in half of it (with the defaults, fewer than
///   `2 * candidates * repetitions * largest candidate thread count` indices): it runs like the
///   pool's other loops, asking for [`Pool::num_threads`] threads, under the first schedule;
/// - a call from inside a region, of any pool: the enclosing team competes for the cores (and
///   inside a region of `pool` itself holds some of its workers, so a loop there gets only
///   those still idle, often none), so timings would mislead. The range runs like the pool's
///   other loops, asking for [`Pool::num_threads`] threads, under the first schedule.
///
/// In every case [`TuneReport::threads`] is the size of the team the loop ran on.
///
/// # Panics
///
/// With a message starting `workshare: tune:` when a candidate thread count is outside
/// `1..=pool.size()`, and with `workshare: index range ...` on a range whose bounds are not
/// `usize` values (see [`IndexRange`]), before anything runs. A panic in `body` propagates to
/// the caller; as with [`for_each_chunk`](crate::for_each_chunk), the pool stays usable (and
/// its settings are as they were: the tuner changes none).
///
/// # Examples
///
/// Filling an output, with the thread count chosen on the way:
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
///
/// let pool = Pool::new(2)?;
/// let n = 200_000;
/// let out: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
/// let report = tune_for_each_chunk(&pool, 0..n, &TuneOptions::new(), |chunk, _ctx| {
///     for i in chunk {
///         out[i].store((i as f64).sqrt().to_bits(), Ordering::Relaxed);
///     }
/// });
/// // Every index ran once, samples included.
/// let root = |i: usize| (i as f64).sqrt().to_bits();
/// assert!(out.iter().enumerate().all(|(i, x)| x.load(Ordering::Relaxed) == root(i)));
/// assert!(report.tuned && (report.requested == 1 || report.requested == 2));
/// assert_eq!(pool.num_threads(), 2); // never changed
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// Choosing among schedules as well, preferring fewer threads within 10%:
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{tune_for_each_chunk, Pool, Schedule, TuneOptions};
/// let pool = Pool::new(2)?;
/// let options = TuneOptions::new()
///     .schedules([Schedule::Static, Schedule::Dynamic(256)])
///     .tolerance(0.1);
/// let report = tune_for_each_chunk(&pool, 0..1_000_000, &options, |chunk, _| {
///     std::hint::black_box(chunk.map(|i| i as f64).sum::<f64>());
/// });
/// assert_eq!(report.candidates.len(), 4); // {1, 2} threads x 2 schedules
/// assert_eq!(report.samples.len(), 4 * 3);
/// println!("{report}");
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// Two threads tuning loops on one pool at once; the setting other loops use stays as it is:
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{tune_for_each_chunk, Pool, TuneOptions};
/// let pool = Pool::new(2)?;
/// pool.set_num_threads(1)?; // the pool's other loops run serially
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             let report = tune_for_each_chunk(&pool, 0..100_000, &TuneOptions::new(), |c, _| {
///                 std::hint::black_box(c.sum::<usize>());
///             });
///             // Candidates 1 and 2 threads; the other tuner may hold the worker.
///             assert!(report.tuned && report.threads <= report.requested);
///         });
///     }
/// });
/// assert_eq!(pool.num_threads(), 1);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn tune_for_each_chunk<R, F>(
    pool: &Pool,
    range: R,
    options: &TuneOptions,
    body: F,
) -> TuneReport
where
    R: IndexRange,
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let range = range.to_usize_range();
    let start = range.start;
    let end = range.end.max(start);
    tune(
        pool,
        start..end,
        options,
        |part, max_threads, schedule, seen| match seen {
            None => for_each_chunk_at_most(pool, max_threads, part, schedule, &body),
            Some(seen) => {
                for_each_chunk_at_most(pool, max_threads, part, schedule, |chunk, ctx| {
                    seen.saw(ctx.team_size());
                    body(chunk, ctx);
                })
            }
        },
    )
}

/// Calls `body(chunk, offset, ctx)` on disjoint sub-slices covering `out` exactly once, where
/// `chunk` is `&mut out[offset..offset + chunk.len()]`, like
/// [`for_each_mut_chunk`](crate::for_each_mut_chunk), tuning the thread count on the way: the
/// procedure, guarantees and panics of [`tune_for_each_chunk`] over the positions
/// `0..out.len()`. This is the form for loops that write an output.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{tune_for_each_mut_chunk, Pool, TuneOptions};
/// let pool = Pool::new(2)?;
/// let x: Vec<f32> = (0..100_000).map(|i| i as f32).collect();
/// let mut roots = vec![f32::NAN; x.len()];
/// let report = tune_for_each_mut_chunk(&pool, &mut roots, &TuneOptions::new(), |chunk, offset, _ctx| {
///     for (k, r) in chunk.iter_mut().enumerate() {
///         *r = x[offset + k].sqrt();
///     }
/// });
/// assert!(roots.iter().zip(&x).all(|(r, x)| *r == x.sqrt()));
/// assert_eq!(report.rest.end, x.len());
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn tune_for_each_mut_chunk<T, F>(
    pool: &Pool,
    out: &mut [T],
    options: &TuneOptions,
    body: F,
) -> TuneReport
where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    let len = out.len();
    tune(
        pool,
        0..len,
        options,
        |part, max_threads, schedule, seen| {
            let first = part.start;
            let out = &mut out[part];
            match seen {
                None => {
                    for_each_mut_chunk_at_most(pool, max_threads, out, schedule, |c, o, ctx| {
                        body(c, first + o, ctx)
                    })
                }
                Some(seen) => {
                    for_each_mut_chunk_at_most(pool, max_threads, out, schedule, |c, o, ctx| {
                        seen.saw(ctx.team_size());
                        body(c, first + o, ctx);
                    })
                }
            }
        },
    )
}

/// The tuner over `range` (not reversed), running a part of it with
/// `run(part, max_threads, schedule, seen)`: one loop on a team of at most `max_threads`
/// threads; `seen`, when given, must be raised (with [`LargestTeam::saw`]) to the team size of every
/// chunk that runs. It never changes a setting of `pool`.
fn tune<R>(pool: &Pool, range: Range<usize>, options: &TuneOptions, mut run: R) -> TuneReport
where
    R: FnMut(Range<usize>, usize, Schedule, Option<&LargestTeam>),
{
    let threads = options.candidate_threads(pool);
    let schedules = options.get_schedules();
    let first_schedule = schedules[0];
    let Range { start, end } = range;
    // Runs `part` as one loop asking for `max_threads`; its time, and with `watch` the team it
    // really got (`max_threads` when not watched or no chunk ran).
    let mut timed = |part: Range<usize>, max_threads: usize, schedule: Schedule, watch: bool| {
        let seen = LargestTeam::new();
        let started = Instant::now();
        run(part, max_threads, schedule, watch.then_some(&seen));
        let elapsed = started.elapsed();
        let team = seen.into_largest().unwrap_or(max_threads);
        (elapsed, team)
    };
    let untuned = |requested: usize, schedule: Schedule, (rest_elapsed, threads)| TuneReport {
        threads,
        requested,
        schedule,
        tuned: false,
        samples: Vec::new(),
        candidates: Vec::new(),
        sample_len: 0,
        rest: start..end,
        rest_elapsed,
    };
    // What the pool's other loops ask for, read once.
    let current = pool.num_threads();
    if start == end {
        return untuned(current, first_schedule, (Duration::ZERO, current));
    }
    if workshare_pool::in_region() {
        // The enclosing team competes for the cores: run the range as the pool's loops do.
        let ran = timed(start..end, current, first_schedule, true);
        return untuned(current, first_schedule, ran);
    }
    let candidates: Vec<(usize, Schedule)> = threads
        .iter()
        .flat_map(|&t| schedules.iter().map(move |&s| (t, s)))
        .collect();
    // Wakes up to `t` workers with an empty region, so that the next timed loop does not pay
    // for waking sleeping ones.
    let wake = |t: usize| pool.region_at_most(t, |_| {});
    let max_threads = *threads.last().expect("at least one thread count");
    let slice = match candidates.as_slice() {
        &[(t, schedule)] => {
            wake(t);
            let ran = timed(start..end, t, schedule, true);
            return untuned(t, schedule, ran);
        }
        _ => options.slice_len(end - start, candidates.len(), max_threads),
    };
    let Some(slice) = slice else {
        let ran = timed(start..end, current, first_schedule, true);
        return untuned(current, first_schedule, ran);
    };

    // The samples: repetition r runs the candidates forward when r is even, backward when odd.
    // Not watched for their teams: nothing on the timed path but the body and the loop.
    let mut samples = Vec::with_capacity(candidates.len() * options.repetitions);
    let mut next = start;
    for repetition in 0..options.repetitions {
        for k in 0..candidates.len() {
            let k = if repetition % 2 == 0 {
                k
            } else {
                candidates.len() - 1 - k
            };
            let (t, schedule) = candidates[k];
            let range = next..next + slice;
            next = range.end;
            wake(t);
            let (elapsed, _) = timed(range.clone(), t, schedule, false);
            samples.push(TuneSample {
                threads: t,
                schedule,
                range,
                elapsed,
            });
        }
    }

    let summary: Vec<TuneCandidate> = candidates
        .iter()
        .map(|&(t, schedule)| {
            let mine = samples
                .iter()
                .filter(|s| s.threads == t && s.schedule == schedule);
            let elapsed = mine.map(|s| s.elapsed).min().expect("every candidate ran");
            TuneCandidate {
                threads: t,
                schedule,
                elapsed,
                len: slice,
                runs: options.repetitions,
            }
        })
        .collect();
    let fastest = summary
        .iter()
        .map(|c| c.elapsed)
        .min()
        .expect("at least two candidates");
    let bound = fastest.as_secs_f64() * (1.0 + options.tolerance);
    // Candidates are in increasing thread order, so the first within the bound has the fewest
    // threads (with tolerance 0, the first of the fastest).
    let winner = summary
        .iter()
        .find(|c| c.elapsed.as_secs_f64() <= bound)
        .expect("the fastest is within the bound");
    let (requested, schedule) = (winner.threads, winner.schedule);

    wake(requested);
    let (rest_elapsed, threads) = timed(next..end, requested, schedule, true);

    TuneReport {
        threads,
        requested,
        schedule,
        tuned: true,
        sample_len: next - start,
        samples,
        candidates: summary,
        rest: next..end,
        rest_elapsed,
    }
}

/// Calls `body(i)` once for every `i` in `range`, tuning the thread count on the way: like
/// [`tune_for_each_chunk`], whose procedure, guarantees and panics it shares, with a body per
/// index (like [`for_each`](crate::for_each)).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use workshare::parfor::{tune_for_each, Pool, TuneOptions};
/// let pool = Pool::new(2)?;
/// let total = AtomicU64::new(0);
/// let report = tune_for_each(&pool, 0..100_000, &TuneOptions::new(), |i| {
///     total.fetch_add(i as u64, Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 99_999 * 100_000 / 2);
/// assert!(report.tuned);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn tune_for_each<R, F>(pool: &Pool, range: R, options: &TuneOptions, body: F) -> TuneReport
where
    R: IndexRange,
    F: Fn(usize) + Sync,
{
    tune_for_each_chunk(pool, range, options, |chunk, _ctx| chunk.for_each(&body))
}
