//! The global pool and the Numba/OpenMP-style free functions.
//!
//! Under `cfg(loom)` there is no global pool: a process-wide pool would outlive the model
//! execution whose loom objects (threads, atomics) it holds. The free functions then run on the
//! current pool that the model sets with [`Pool::install`] (or the pool of the region they are
//! called from), and panic outside one; [`global`], [`try_global`] and [`init_global`] panic.
//! The functions that only ask about the calling thread ([`thread_id`], [`team_size`],
//! [`in_region`]) work as usual.

use crate::error::Error;
#[cfg(not(loom))]
use crate::lazy::get_or_create;
use crate::pool::{available_cores, Pool, PoolBuilder, MAX_THREADS};
use crate::team::{self, Team};
// `std`'s, not the facade's, under loom too: a static holds no loom object.
use std::sync::OnceLock;

/// The environment variable that sizes the global pool (like `NUMBA_NUM_THREADS` or
/// `OMP_NUM_THREADS`): an integer from 1 to [`MAX_THREADS`]. Unset or empty means one thread
/// per available core.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert_eq!(workshare::NUM_THREADS_ENV, "WORKSHARE_NUM_THREADS");
/// ```
pub const NUM_THREADS_ENV: &str = "WORKSHARE_NUM_THREADS";

#[cfg(not(loom))]
static GLOBAL: OnceLock<Result<Pool, Error>> = OnceLock::new();

/// The environment's error, when the global pool was created from an invalid variable (with
/// that variable's default instead): what [`try_global`] returns.
static ENV_ERROR: OnceLock<Error> = OnceLock::new();

/// What the global-pool functions say under `cfg(loom)` when no pool is current.
#[cfg(loom)]
const NO_CURRENT_POOL_UNDER_LOOM: &str = "workshare: there is no global pool under cfg(loom) \
    (it would outlive the loom model): create a pool inside `loom::model` and call this inside \
    `pool.install(|| ...)` or inside a region of that pool";

/// Runs `f` on the calling thread's *current pool*: the pool of the region this thread runs a
/// team thread of, else the pool of the innermost [`Pool::install`], else the [`global`] pool.
/// The global-pool functions of every workshare crate use it.
///
/// # Panics
///
/// If the global pool cannot be created (see [`global`]). Under `cfg(loom)`, where there is
/// no global pool, when no pool is current (outside [`Pool::install`] and outside any region),
/// with a message starting `workshare: there is no global pool under cfg(loom)` that points at
/// the caller's line.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use workshare::{with_current_pool, Pool};
/// let pool = Pool::new(2)?;
/// let size = pool.install(|| with_current_pool(|current| current.size()));
/// assert_eq!(size, 2);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn with_current_pool<R>(f: impl FnOnce(&Pool) -> R) -> R {
    let current = crate::current::get();
    if current.is_null() {
        #[cfg(not(loom))]
        return f(global());
        #[cfg(loom)]
        panic!("{NO_CURRENT_POOL_UNDER_LOOM}");
    }
    // SAFETY: a non-null current pool was set by `current::enter` on this thread, whose guard is
    // still alive (it restores the previous value when dropped, also on unwinding), inside the
    // function that borrows that pool: the pool is alive.
    f(unsafe { &*current })
}

#[cfg(not(loom))]
std::thread_local! {
    /// Set while this thread creates the global pool.
    static CREATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Creates the global pool with `create`, unless it exists; whether this call created it.
/// Using the global pool from inside `create` (a `thread_name` closure that calls
/// `workshare::global()`, say) would wait for itself forever: it panics instead, pointing at
/// the caller.
#[cfg(not(loom))]
#[track_caller]
fn create_global(
    create: impl FnOnce() -> Result<Pool, Error>,
) -> (&'static Result<Pool, Error>, bool) {
    get_or_create(
        &GLOBAL,
        &CREATING,
        "workshare: the global pool was used while it was being created, on the same thread \
         (from a thread_name closure of its builder?): create it first, then use it",
        create,
    )
}

/// Under `cfg(loom)`: panics, pointing at the caller, since a global pool would outlive the
/// model execution whose loom objects it holds.
#[cfg(loom)]
#[track_caller]
fn create_global(
    _create: impl FnOnce() -> Result<Pool, Error>,
) -> (&'static Result<Pool, Error>, bool) {
    panic!(
        "workshare: there is no global pool under cfg(loom) (it would outlive the loom model): \
         create a pool inside `loom::model`; the global-pool functions (`region`, `par_for`, \
         `reductions::global`, ...) run on it inside `pool.install(|| ...)`"
    )
}

/// Parses a thread count as found in [`NUM_THREADS_ENV`]; `None` means "not set".
pub(crate) fn parse_thread_count(value: Option<&str>) -> Result<Option<usize>, Error> {
    let Some(raw) = value else { return Ok(None) };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match trimmed.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(Some(n)),
        _ => Err(Error::InvalidEnv {
            var: NUM_THREADS_ENV,
            value: raw.to_owned(),
        }),
    }
}

/// Parses a nesting limit as found in [`MAX_ACTIVE_LEVELS_ENV`](crate::MAX_ACTIVE_LEVELS_ENV);
/// `None` means "not set".
pub(crate) fn parse_levels(value: Option<&str>) -> Result<Option<usize>, Error> {
    let Some(raw) = value else { return Ok(None) };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed
        .parse::<usize>()
        .map(Some)
        .map_err(|_| Error::InvalidEnv {
            var: crate::MAX_ACTIVE_LEVELS_ENV,
            value: raw.to_owned(),
        })
}

/// The value of environment variable `var`, `None` when unset.
fn env_value(var: &'static str) -> Result<Option<String>, Error> {
    match std::env::var(var) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(raw)) => Err(Error::InvalidEnv {
            var,
            value: raw.to_string_lossy().into_owned(),
        }),
    }
}

impl PoolBuilder {
    /// A builder sized by [`NUM_THREADS_ENV`], or by the available cores when it is unset,
    /// with the nesting limit of [`MAX_ACTIVE_LEVELS_ENV`](crate::MAX_ACTIVE_LEVELS_ENV), or
    /// none when it is unset.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEnv`] when the thread count is set to anything but an integer in
    /// `1..=MAX_THREADS`, the nesting limit to anything but an integer from 0 up, or either is
    /// not valid Unicode.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::PoolBuilder::from_env()?.build()?;
    /// assert!(pool.size() >= 1);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn from_env() -> Result<PoolBuilder, Error> {
        let value = env_value(NUM_THREADS_ENV)?;
        let n = parse_thread_count(value.as_deref())?.unwrap_or_else(available_cores);
        let levels = env_value(crate::MAX_ACTIVE_LEVELS_ENV)?;
        let levels = parse_levels(levels.as_deref())?.unwrap_or(crate::DEFAULT_MAX_ACTIVE_LEVELS);
        Ok(PoolBuilder::new().num_threads(n).max_active_levels(levels))
    }
}

/// The global pool, created on first use as [`PoolBuilder::from_env`] configures it, or the
/// error of its configuration.
///
/// An invalid [`NUM_THREADS_ENV`] or [`MAX_ACTIVE_LEVELS_ENV`](crate::MAX_ACTIVE_LEVELS_ENV)
/// does not stop the global pool: as rayon and OpenMP do, the pool is created with that
/// variable's default (one thread per available core; no nesting limit), after one warning on
/// standard error that names the variable, its value and the accepted values, and
/// [`global`] and every global-pool function use it. This function is for callers who want
/// the mistake as an error.
///
/// # Errors
///
/// [`Error::InvalidEnv`] when a variable was invalid (on every call; the pool exists all the
/// same), or [`Error::Spawn`] when the operating system refused a worker thread (every later
/// call returns the same error, and [`global`] panics).
///
/// # Panics
///
/// When called while the same thread is creating the global pool (from a `thread_name` closure
/// of its builder), which would otherwise wait for itself forever. Under `cfg(loom)`, always
/// (there is no global pool; see [`with_current_pool`]), with a message starting
/// `workshare: there is no global pool under cfg(loom)`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::try_global()?;
/// assert!(pool.size() >= 1);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn try_global() -> Result<&'static Pool, Error> {
    let pool = create_global(|| lenient_builder().build())
        .0
        .as_ref()
        .map_err(Clone::clone)?;
    match ENV_ERROR.get() {
        Some(error) => Err(error.clone()),
        None => Ok(pool),
    }
}

/// [`PoolBuilder::from_env`], with the default in place of an invalid variable, after a
/// warning; the first such error is kept for [`try_global`].
fn lenient_builder() -> PoolBuilder {
    let warn = |error: Error, default: &str| {
        eprintln!("workshare: ignoring the environment: {error}; using {default}");
        let _ = ENV_ERROR.set(error);
    };
    let threads = env_value(NUM_THREADS_ENV)
        .and_then(|value| parse_thread_count(value.as_deref()))
        .unwrap_or_else(|error| {
            warn(error, "one thread per available core");
            None
        })
        .unwrap_or_else(available_cores);
    let levels = env_value(crate::MAX_ACTIVE_LEVELS_ENV)
        .and_then(|value| parse_levels(value.as_deref()))
        .unwrap_or_else(|error| {
            warn(error, "no nesting limit");
            None
        })
        .unwrap_or(crate::DEFAULT_MAX_ACTIVE_LEVELS);
    PoolBuilder::new()
        .num_threads(threads)
        .max_active_levels(levels)
}

/// The global pool, created on first use (see [`try_global`]; an invalid environment
/// variable gets a warning and its default, not a panic).
///
/// # Panics
///
/// With the message `workshare: cannot create the global pool: ...` when the operating
/// system refuses its worker threads. Under `cfg(loom)`, always (there is no global pool; see
/// [`with_current_pool`]), with a message starting `workshare: there is no global pool under
/// cfg(loom)`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::global();
/// pool.region(|team| assert!(team.thread_id() < team.team_size()));
/// ```
#[track_caller]
pub fn global() -> &'static Pool {
    match create_global(|| lenient_builder().build()).0 {
        Ok(pool) => pool,
        Err(error) => panic!("workshare: cannot create the global pool: {error}"),
    }
}

/// Creates the global pool from `builder`, before anything else uses it.
///
/// # Errors
///
/// [`Error::GlobalAlreadyInitialized`] if the global pool exists already, or the builder's error.
///
/// # Panics
///
/// When `builder`'s `thread_name` closure uses the global pool (which is being created): the
/// message starts `workshare: the global pool was used while it was being created`. The global
/// pool is then still uncreated, and every worker started so far has been stopped. Under
/// `cfg(loom)`, always (there is no global pool; see [`with_current_pool`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::init_global(workshare::Pool::builder().num_threads(2))?;
/// assert_eq!(pool.size(), 2);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn init_global(builder: PoolBuilder) -> Result<&'static Pool, Error> {
    let (result, created) = create_global(|| builder.build());
    if !created {
        return Err(Error::GlobalAlreadyInitialized);
    }
    result.as_ref().map_err(Clone::clone)
}

/// Runs `f` on every thread of a team of the current pool (the global pool unless the call is
/// inside [`Pool::install`] or a region of another pool; see [`with_current_pool`]); see
/// [`Pool::region`].
///
/// # Panics
///
/// If the global pool cannot be created (see [`global`]), or to resume a panic of `f`; under
/// `cfg(loom)`, outside [`Pool::install`] and any region (see [`with_current_pool`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let count = AtomicUsize::new(0);
/// workshare::region(|_| {
///     count.fetch_add(1, Ordering::Relaxed);
/// });
/// assert_eq!(count.into_inner(), workshare::num_threads());
/// ```
#[track_caller]
pub fn region<F>(f: F)
where
    F: Fn(&Team<'_>) + Sync,
{
    with_current_pool(|pool| pool.region(f));
}

/// The number of threads the current pool's regions ask for (`numba.get_num_threads`; the
/// current pool is the global pool unless the call is inside [`Pool::install`] or a region of
/// another pool, see [`with_current_pool`]).
///
/// # Panics
///
/// If the global pool cannot be created (see [`global`]); under `cfg(loom)`, outside
/// [`Pool::install`] and any region (see [`with_current_pool`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert!(workshare::num_threads() >= 1);
/// ```
#[track_caller]
pub fn num_threads() -> usize {
    with_current_pool(Pool::num_threads)
}

/// Makes the current pool's later regions ask for `n` threads (the global pool unless the call
/// is inside [`Pool::install`] or a region of another pool, see [`with_current_pool`]),
/// `1 <= n <= size()`
/// (`numba.set_num_threads`); see [`Pool::set_num_threads`].
///
/// # Errors
///
/// [`Error::NumThreadsOutOfRange`].
///
/// # Panics
///
/// If the global pool cannot be created (see [`global`]); under `cfg(loom)`, outside
/// [`Pool::install`] and any region (see [`with_current_pool`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// workshare::set_num_threads(1)?;
/// assert_eq!(workshare::num_threads(), 1);
/// assert!(workshare::set_num_threads(0).is_err());
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn set_num_threads(n: usize) -> Result<(), Error> {
    with_current_pool(|pool| pool.set_num_threads(n))
}

/// The calling thread's index in the team of its innermost region (`numba.get_thread_id`,
/// `omp_get_thread_num`): 0 outside any region and on the thread that started a region. It
/// needs no pool, so it works under `cfg(loom)` too, as [`team_size`] and [`in_region`] do.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert_eq!(workshare::thread_id(), 0);
/// let pool = workshare::Pool::new(2)?;
/// pool.region(|team| assert_eq!(workshare::thread_id(), team.thread_id()));
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn thread_id() -> usize {
    team::current().map_or(0, |(id, _)| id)
}

/// The size of the team of the calling thread's innermost region (`omp_get_num_threads`):
/// 1 outside any region.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert_eq!(workshare::team_size(), 1);
/// let pool = workshare::Pool::new(2)?;
/// pool.region(|_| assert_eq!(workshare::team_size(), 2));
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_size() -> usize {
    team::current().map_or(1, |(_, n)| n)
}

/// Whether the calling thread is running inside a region of any pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert!(!workshare::in_region());
/// workshare::Pool::new(2)?.region(|_| assert!(workshare::in_region()));
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn in_region() -> bool {
    team::current().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_thread_counts() {
        assert_eq!(parse_thread_count(None), Ok(None));
        assert_eq!(parse_thread_count(Some("")), Ok(None));
        assert_eq!(parse_thread_count(Some(" 4 ")), Ok(Some(4)));
        for bad in [
            "0",
            "-1",
            "abc",
            "4 threads",
            "1e3",
            "99999999999999999999999",
            "70000",
            "1025",
        ] {
            let err = parse_thread_count(Some(bad)).unwrap_err();
            assert!(matches!(err, Error::InvalidEnv { .. }), "{bad}");
            assert!(err.to_string().contains(NUM_THREADS_ENV));
        }
    }

    #[test]
    fn parses_nesting_limits() {
        assert_eq!(parse_levels(None), Ok(None));
        assert_eq!(parse_levels(Some(" ")), Ok(None));
        assert_eq!(parse_levels(Some("0")), Ok(Some(0)));
        assert_eq!(parse_levels(Some(" 3 ")), Ok(Some(3)));
        for bad in ["-1", "two", "1.5"] {
            let err = parse_levels(Some(bad)).unwrap_err();
            assert!(
                err.to_string().contains(crate::MAX_ACTIVE_LEVELS_ENV),
                "{bad}"
            );
        }
    }
}

#[cfg(all(test, loom))]
mod models {
    use super::*;
    use crate::sync::{model, AtomicUsize, Ordering};
    use std::time::Duration;

    fn sleepy_pool(n: usize) -> Pool {
        PoolBuilder::new()
            .num_threads(n)
            .spin_time(Duration::ZERO)
            .build()
            .expect("pool")
    }

    /// Under loom the free functions run on the installed pool, and on the pool of the region
    /// they are called from; the thread queries need no pool.
    #[test]
    fn free_functions_run_on_the_installed_pool() {
        model(|| {
            let pool = sleepy_pool(2);
            let ran = AtomicUsize::new(0);
            assert!(!in_region());
            pool.install(|| {
                assert_eq!(num_threads(), 2);
                region(|team| {
                    assert!(in_region());
                    assert_eq!((thread_id(), team_size()), (team.thread_id(), 2));
                    // A team thread's current pool is its region's.
                    assert_eq!(num_threads(), 2);
                    ran.fetch_add(1, Ordering::Relaxed);
                });
                set_num_threads(1).expect("in range");
                region(|team| {
                    assert_eq!(team.team_size(), 1);
                    ran.fetch_add(1, Ordering::Relaxed);
                });
            });
            assert_eq!(ran.load(Ordering::Relaxed), 3);
            drop(pool);
        });
    }

    #[test]
    #[should_panic(expected = "workshare: there is no global pool under cfg(loom)")]
    fn free_functions_panic_without_a_current_pool() {
        model(|| {
            let _ = num_threads();
        });
    }

    #[test]
    #[should_panic(expected = "workshare: there is no global pool under cfg(loom)")]
    fn global_panics() {
        model(|| {
            let _ = global();
        });
    }
}
