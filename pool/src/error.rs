//! The pool's error type.

use std::fmt;
use std::io;

/// What can go wrong building or configuring a pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use workshare::{Error, Pool};
/// assert_eq!(Pool::new(0).unwrap_err(), Error::ZeroThreads);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A pool needs at least one thread (the caller's).
    ZeroThreads,
    /// More threads were asked for than a pool supports.
    TooManyThreads {
        /// The number asked for.
        requested: usize,
        /// The largest pool this build supports.
        max: usize,
    },
    /// The operating system refused to start a worker thread. No worker is left running.
    Spawn {
        /// The team index (1-based) of the worker that failed to start.
        index: usize,
        /// The kind of the operating system's error.
        kind: io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
    /// Pinning a worker to a CPU failed (or is not supported on this platform).
    Pin {
        /// The team index of the worker.
        index: usize,
        /// The CPU it was to run on.
        cpu: usize,
        /// The operating system's message.
        message: String,
    },
    /// An environment variable did not hold a valid thread count.
    InvalidEnv {
        /// The variable's name.
        var: &'static str,
        /// The value found.
        value: String,
    },
    /// A worker's name (from [`PoolBuilder::thread_name`](crate::PoolBuilder::thread_name))
    /// contains a NUL byte, which no thread name may hold. No worker is left running.
    InvalidThreadName {
        /// The pool thread index (1-based) of the worker.
        index: usize,
        /// The name given.
        name: String,
    },
    /// `set_num_threads` got a count outside `1..=size`.
    NumThreadsOutOfRange {
        /// The count asked for.
        requested: usize,
        /// The pool's size (the most it may use).
        size: usize,
    },
    /// [`Pool::try_region_exact`](crate::Pool::try_region_exact) could not have the team it
    /// asked for now; nothing ran.
    TeamUnavailable {
        /// The team size asked for.
        requested: usize,
        /// The team it could have had (the caller counts as one).
        available: usize,
        /// Why.
        reason: Unavailable,
    },
    /// The global pool was configured after it had been created.
    GlobalAlreadyInitialized,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ZeroThreads => write!(f, "a pool needs at least 1 thread, 0 were requested"),
            Error::TooManyThreads { requested, max } => {
                write!(f, "{requested} threads requested, a pool supports at most {max}")
            }
            Error::Spawn {
                index,
                kind,
                message,
            } => write!(
                f,
                "could not start worker thread {index} ({kind:?}): {message}; no worker was left running"
            ),
            Error::Pin {
                index,
                cpu,
                message,
            } => write!(f, "could not pin worker thread {index} to CPU {cpu}: {message}"),
            Error::InvalidEnv { var, value } if *var == crate::MAX_ACTIVE_LEVELS_ENV => write!(
                f,
                "{var}={value:?} is not a valid nesting limit (expected an integer from 0 up)"
            ),
            Error::InvalidEnv { var, value } => write!(
                f,
                "{var}={value:?} is not a valid thread count (expected an integer from 1 to {})",
                crate::MAX_THREADS
            ),
            Error::InvalidThreadName { index, name } => write!(
                f,
                "the name {name:?} for worker thread {index} contains a NUL byte; no worker was \
                 left running"
            ),
            Error::NumThreadsOutOfRange { requested, size } => write!(
                f,
                "set_num_threads({requested}) is out of range: expected 1..={size} for a pool of {size} threads"
            ),
            Error::TeamUnavailable {
                requested,
                available,
                reason,
            } => write!(
                f,
                "a team of exactly {requested} threads is not available now ({available} could \
                 run): {reason}"
            ),
            Error::GlobalAlreadyInitialized => {
                write!(f, "the global pool was already created; configure it before first use")
            }
        }
    }
}

impl std::error::Error for Error {}

/// Why a team of an exact size was not available; see [`Error::TeamUnavailable`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use workshare::{Error, Pool, Unavailable};
/// let pool = Pool::builder().num_threads(2).max_active_levels(0).build()?;
/// let err = pool.try_region_exact(2, |_| {}).unwrap_err();
/// assert!(matches!(
///     err,
///     Error::TeamUnavailable { reason: Unavailable::NestingLimit, .. }
/// ));
/// # Ok::<(), workshare::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unavailable {
    /// Other regions hold the workers it needed.
    Busy,
    /// The call is nested as deep as the pool's
    /// [`max_active_levels`](crate::Pool::max_active_levels) allows.
    NestingLimit,
    /// The process is a child forked after the pool started: the pool has no workers there.
    Forked,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unavailable::Busy => "other regions hold the workers it needs",
            Unavailable::NestingLimit => {
                "the call is nested in as many active regions as max_active_levels allows"
            }
            Unavailable::Forked => {
                "this process was forked after the pool started, and its workers did not follow"
            }
        })
    }
}
