//! How a loop's index range is split into chunks and handed to the team's threads.

use std::fmt;
use std::str::FromStr;

/// How a parallel loop hands out its indices, with OpenMP's meanings.
///
/// Every schedule runs every index exactly once; they differ in how chunks are sized and who
/// claims them. See the crate docs, "Which schedule when", for measured costs.
///
/// A schedule reads and prints as OpenMP's `OMP_SCHEDULE` does ([`FromStr`], [`Display`](fmt::Display)):
/// `auto`, `static`, `static,N`, `dynamic`, `dynamic,N`, `guided`, `guided,N`, `stealing`, and
/// `runtime` for [`Runtime`](Schedule::Runtime) (case and spaces ignored; a missing chunk size
/// is 1, as in OpenMP).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_chunk, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let total = AtomicUsize::new(0);
/// for_each_chunk(&pool, 0..100, Schedule::Dynamic(8), |chunk, _ctx| {
///     assert!(chunk.len() <= 8);
///     total.fetch_add(chunk.len(), Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 100);
/// # Ok::<(), workshare::Error>(())
/// ```
// Non-exhaustive: more schedules may come; a `match` outside this crate needs a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Schedule {
    /// The default: runs serially on the caller when the loop is too small for a fork to pay
    /// off (judged from the pool's measured fork-join cost and the timed first iterations),
    /// otherwise splits the rest like [`Static`](Schedule::Static) when it is short and
    /// balances it like [`Stealing`](Schedule::Stealing) when it is long.
    #[default]
    Auto,
    /// One contiguous block per team thread; block sizes differ by at most one.
    Static,
    /// Chunks of the given size, dealt round robin: chunk `k` goes to team thread
    /// `k % num_threads`.
    StaticChunk(usize),
    /// Each thread claims the next chunk of the given size from a shared counter.
    Dynamic(usize),
    /// Like `Dynamic`, but a chunk is about `remaining / (2 * num_threads)` indices, shrinking as
    /// work runs out, never below the given minimum (except for the very last chunk).
    Guided(usize),
    /// Each thread starts on its static block; a thread that runs dry steals half of the
    /// largest remaining block of another thread.
    Stealing,
    /// The schedule named by the environment variable [`SCHEDULE_ENV`]
    /// (`WORKSHARE_SCHEDULE`), read once per process: OpenMP's `schedule(runtime)`. Unset, it
    /// is [`Auto`](Schedule::Auto); set to something that does not parse (or to `runtime`), it
    /// is `Auto` too, after one warning on standard error naming the variable and the accepted
    /// values. [`Schedule::runtime`] tells which schedule it is.
    Runtime,
}

/// The environment variable that [`Schedule::Runtime`] reads: a schedule as [`Schedule`]'s
/// [`FromStr`] parses it, such as `dynamic,16`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// assert_eq!(workshare::parfor::SCHEDULE_ENV, "WORKSHARE_SCHEDULE");
/// ```
pub const SCHEDULE_ENV: &str = "WORKSHARE_SCHEDULE";

impl Schedule {
    /// The schedule that [`Schedule::Runtime`] stands for in this process: the value of
    /// [`SCHEDULE_ENV`], read at the first call; [`Auto`](Schedule::Auto) when it is unset,
    /// empty or invalid (invalid: one warning on standard error).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::Schedule;
    /// // Never `Runtime` itself.
    /// assert_ne!(Schedule::runtime(), Schedule::Runtime);
    /// ```
    pub fn runtime() -> Schedule {
        static RUNTIME: std::sync::OnceLock<Schedule> = std::sync::OnceLock::new();
        *RUNTIME.get_or_init(|| {
            let value = std::env::var(SCHEDULE_ENV).ok();
            match runtime_from(value.as_deref()) {
                Ok(schedule) => schedule,
                Err(message) => {
                    eprintln!("{message}");
                    Schedule::Auto
                }
            }
        })
    }

    /// The concrete schedule a loop runs with: [`Runtime`](Schedule::Runtime) replaced by
    /// [`Schedule::runtime`], every other schedule itself, after checking its chunk size. Every
    /// loop and reduction calls it on entry; call it to check a schedule early.
    ///
    /// # Panics
    ///
    /// When the chunk size is zero, with a message naming the schedule and pointing at the
    /// caller's line: `workshare: chunk size must be at least 1 in Dynamic(0)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::Schedule;
    /// assert_eq!(Schedule::Dynamic(8).resolved(), Schedule::Dynamic(8));
    /// assert_ne!(Schedule::Runtime.resolved(), Schedule::Runtime);
    /// assert!(std::panic::catch_unwind(|| Schedule::Guided(0).resolved()).is_err());
    /// ```
    #[inline]
    #[track_caller]
    #[must_use]
    pub fn resolved(self) -> Schedule {
        let schedule = match self {
            Schedule::Runtime => Schedule::runtime(),
            other => other,
        };
        if let Schedule::StaticChunk(0) | Schedule::Dynamic(0) | Schedule::Guided(0) = schedule {
            chunk_size_zero(schedule);
        }
        schedule
    }
}

/// What [`Schedule::runtime`] makes of the variable's value: the schedule, or the warning to
/// print (then `Auto` is used).
fn runtime_from(value: Option<&str>) -> Result<Schedule, String> {
    let Some(raw) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(Schedule::Auto);
    };
    match raw.parse::<Schedule>() {
        Ok(Schedule::Runtime) | Err(_) => Err(format!(
            "workshare: ignoring {SCHEDULE_ENV}={raw:?}: expected auto, static, static,N, \
             dynamic,N, guided,N or stealing (N at least 1); using auto"
        )),
        Ok(schedule) => Ok(schedule),
    }
}

#[cold]
#[track_caller]
fn chunk_size_zero(schedule: Schedule) -> ! {
    panic!("workshare: chunk size must be at least 1 in {schedule:?}")
}

/// The error of parsing a [`Schedule`] from a string.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::Schedule;
/// let err = "fastest".parse::<Schedule>().unwrap_err();
/// assert!(err.to_string().contains("fastest"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseScheduleError {
    input: String,
}

impl fmt::Display for ParseScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid schedule {:?}: expected auto, static, static,N, dynamic, dynamic,N, guided, \
             guided,N, stealing or runtime (N at least 1)",
            self.input
        )
    }
}

impl std::error::Error for ParseScheduleError {}

impl FromStr for Schedule {
    type Err = ParseScheduleError;

    /// Parses `kind` or `kind,chunk` as OpenMP's `OMP_SCHEDULE` does (case and spaces ignored;
    /// a missing chunk size is 1; `auto`, `stealing` and `runtime` take none).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::Schedule;
    /// assert_eq!("dynamic,16".parse(), Ok(Schedule::Dynamic(16)));
    /// assert_eq!(" Guided ".parse(), Ok(Schedule::Guided(1)));
    /// assert_eq!("static,4".parse(), Ok(Schedule::StaticChunk(4)));
    /// assert!("dynamic,0".parse::<Schedule>().is_err());
    /// ```
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || ParseScheduleError {
            input: input.to_owned(),
        };
        let lower = input.trim().to_ascii_lowercase();
        let (kind, chunk) = match lower.split_once(',') {
            Some((kind, chunk)) => {
                let chunk: usize = chunk.trim().parse().map_err(|_| error())?;
                if chunk == 0 {
                    return Err(error());
                }
                (kind.trim(), Some(chunk))
            }
            None => (lower.as_str(), None),
        };
        Ok(match (kind, chunk) {
            ("auto", None) => Schedule::Auto,
            ("stealing", None) => Schedule::Stealing,
            ("runtime", None) => Schedule::Runtime,
            ("static", None) => Schedule::Static,
            ("static", Some(n)) => Schedule::StaticChunk(n),
            ("dynamic", n) => Schedule::Dynamic(n.unwrap_or(1)),
            ("guided", n) => Schedule::Guided(n.unwrap_or(1)),
            _ => return Err(error()),
        })
    }
}

impl fmt::Display for Schedule {
    /// The form [`FromStr`] reads back.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::Schedule;
    /// assert_eq!(Schedule::Dynamic(16).to_string(), "dynamic,16");
    /// assert_eq!(Schedule::StaticChunk(4).to_string(), "static,4");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Auto => f.write_str("auto"),
            Schedule::Static => f.write_str("static"),
            Schedule::StaticChunk(n) => write!(f, "static,{n}"),
            Schedule::Dynamic(n) => write!(f, "dynamic,{n}"),
            Schedule::Guided(n) => write!(f, "guided,{n}"),
            Schedule::Stealing => f.write_str("stealing"),
            Schedule::Runtime => f.write_str("runtime"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_schedule_reads_back_what_it_prints() {
        for schedule in [
            Schedule::Auto,
            Schedule::Static,
            Schedule::StaticChunk(3),
            Schedule::Dynamic(1),
            Schedule::Dynamic(64),
            Schedule::Guided(4),
            Schedule::Stealing,
            Schedule::Runtime,
        ] {
            assert_eq!(schedule.to_string().parse(), Ok(schedule));
        }
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "fast",
            "static,",
            "static,x",
            "dynamic,0",
            "auto,3",
            "stealing,2",
            ",4",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn runtime_value_rules() {
        assert_eq!(runtime_from(None), Ok(Schedule::Auto));
        assert_eq!(runtime_from(Some("  ")), Ok(Schedule::Auto));
        assert_eq!(runtime_from(Some("dynamic,16")), Ok(Schedule::Dynamic(16)));
        assert_eq!(runtime_from(Some("STATIC")), Ok(Schedule::Static));
        for bad in ["garbage", "runtime", "guided,0"] {
            let warning = runtime_from(Some(bad)).unwrap_err();
            assert!(
                warning.contains(SCHEDULE_ENV) && warning.contains(bad),
                "{warning}"
            );
        }
    }
}
