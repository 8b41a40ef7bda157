//! How many threads are calling a pool's loops at about the same time: the *census* that caps a
//! loop's team when callers alone fill the pool's threads.
//!
//! A loop forks a region of independent shares with whatever workers are idle. When more threads
//! call loops at once than the pool has threads (eight threads calling a library on two cores), an
//! idle worker is not an idle core: every core already runs a caller, and a worker that helps one
//! caller takes its core from another, so the fork costs a wake-up and two context switches and
//! gains nothing. Each caller sees only its own fork, which looks like a gain from where it stands
//! (its worker helped), so the signal has to be shared.
//!
//! The census counts the threads that called a loop of the pool in the current *window* of about
//! 16.8 ms (`2^WINDOW_SHIFT` ns) and in the one before. A loop's team is then at most the pool's
//! size divided by that count (at least one thread): one caller keeps the whole pool, two callers
//! of a 16-thread pool get up to eight threads each, and eight callers of a 2-thread pool run their
//! loops on their own threads. While the count fills the pool, idle workers also sleep at once
//! instead of spinning (`crowded`): no fork is coming that they could help, and a spinning worker
//! takes a core from a caller.
//!
//! **Why windows this long.** A caller is counted only in windows in which it runs, and a runnable
//! caller waits for its core while the others sharing that core run their time slices. The kernel
//! preempts at its tick (4 ms at the common 250 Hz), so with eight callers on two cores (four to a
//! core) a caller waits about 12 ms between its slices. The current and the previous window
//! together reach back between one and two windows, so a window must be longer than that wait:
//! otherwise a caller that counted itself alone forked onto a worker whose core another caller
//! needed. Counted on W11's calls in a separate program (8,000 calls per run, the regions the
//! pool's worker joined, from the pool's statistics): windows of 1 ms left 80 to 200 such forks per
//! run, 4.2 ms windows a median of 74 (`Auto`) and 180 (`Static`, the tail's forks included),
//! 8.4 ms windows 22 and 88, and 16.8 ms windows 13 and 72, most of them in the run's tail, where a
//! core is idle (below; on that VM the first wake-up there costs tens of microseconds,
//! BENCHMARKS.md). Where the kernel's tick is longer than a window, windows are a tick long at
//! least ([`window_shift`]).
//!
//! **Cost.** A thread that counted itself alone samples the census on one loop call in
//! [`SAMPLE_EVERY`] (a clock read and a load of the census word) and uses that sample in between,
//! so one caller's fork-join pays a thread-local countdown. A thread that counted others samples on
//! every call, so a thread that pauses never keeps a limit from a busy past; its loops run serially
//! then. The clock is the kernel's coarse one ([`clock_ns`]), which reads the time of the last tick
//! without the time-stamp counter, several times cheaper than `Instant::now` (W11's callers,
//! crowded, pay it on every call; measured only in a separate program). A thread registers once
//! per window (a compare-and-swap on the census word), so the word's cache line moves between cores
//! a few times per window, not on every call.
//!
//! **What it counts.** Threads that *called*, not threads that are inside a loop now: a caller that
//! stays alive but stops calling still counts until its window and the next are over (at most about
//! 34 ms), and a thread that calls loops now and then counts in the windows in which it samples. A
//! thread that *exits* takes its count back at once (a thread-local's destructor, [`Leave`], one
//! per pool in the last [`REMEMBERED`] it called): when eight callers end, the thread that joined
//! them, or the last one still running, gets the whole pool at its next loop (the tail of W11's
//! run, when the last caller forks onto the core that the others left idle). It is an estimate: it
//! can make a loop's team smaller than the idle workers would allow, never larger, and it never
//! changes a result (a loop's results do not depend on its team). Counting exactly who is inside a
//! loop would cost every call two atomic operations on one shared cache line, about 130 ns each
//! time two cores take turns (1.5% of a W11 call, more than W11's whole margin). Under loom there
//! is no clock, and the census always counts one caller.

// `std`'s types, not `crate::sync`'s: the census orders no memory and has no loom model (under
// loom it counts one caller and holds nothing).
#[cfg(not(loom))]
use crossbeam_utils::CachePadded;
#[cfg(not(loom))]
use std::cell::{Cell, RefCell};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(loom))]
use std::sync::Arc;
#[cfg(not(loom))]
use std::sync::OnceLock;

/// A window lasts `2^WINDOW_SHIFT` ns (about 16.8 ms), or longer where the clock's ticks are
/// longer (see [`window_shift`]).
#[cfg(not(loom))]
const WINDOW_SHIFT: u32 = 24;

/// `call` (`clock_gettime` or `clock_getres`) on the kernel's coarse monotonic clock, in ns;
/// `None` if it failed.
#[cfg(all(not(loom), any(target_os = "linux", target_os = "android"), not(miri)))]
#[inline]
fn coarse_clock(
    call: unsafe extern "C" fn(libc::clockid_t, *mut libc::timespec) -> libc::c_int,
) -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `call` is `clock_gettime` or `clock_getres`, which write one `timespec` through
    // the pointer and nothing else; `ts` is a valid, writable `timespec` for the whole call.
    if unsafe { call(libc::CLOCK_MONOTONIC_COARSE, &mut ts) } != 0 {
        return None;
    }
    Some(
        (ts.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(ts.tv_nsec as u64),
    )
}

/// Nanoseconds on the census's monotonic clock, from an arbitrary start. On Linux, the kernel's
/// coarse monotonic clock (`CLOCK_MONOTONIC_COARSE`: the time of the last tick, without the
/// time-stamp counter, so at the resolution of the kernel's tick, 1 to 10 ms). Elsewhere, and
/// under Miri, `Instant`. The coarse clock exists on every kernel Rust
/// supports (Linux 2.6.32 and later); if its read failed, the census would see one long window
/// (a constant clock), never a wrong result (the census changes no result).
#[cfg(all(not(loom), any(target_os = "linux", target_os = "android"), not(miri)))]
#[inline]
fn clock_ns() -> u64 {
    coarse_clock(libc::clock_gettime).unwrap_or(0)
}

/// Nanoseconds on the census's monotonic clock, from an arbitrary start (`Instant`).
#[cfg(all(
    not(loom),
    not(all(any(target_os = "linux", target_os = "android"), not(miri)))
))]
#[inline]
fn clock_ns() -> u64 {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

/// The resolution of [`clock_ns`]'s clock in ns (0: unknown, taken as fine).
#[cfg(all(not(loom), any(target_os = "linux", target_os = "android"), not(miri)))]
fn clock_tick_ns() -> u64 {
    coarse_clock(libc::clock_getres).unwrap_or(0)
}

/// The resolution of [`clock_ns`]'s clock in ns (`Instant`'s: fine).
#[cfg(all(
    not(loom),
    not(all(any(target_os = "linux", target_os = "android"), not(miri)))
))]
fn clock_tick_ns() -> u64 {
    0
}

/// A window's length, as a power of two of nanoseconds: [`WINDOW_SHIFT`], or the first power of
/// two at least one tick of the clock long, so that consecutive reads never skip a window (a
/// 20 ms tick: windows of 33.6 ms).
#[cfg(not(loom))]
fn window_shift() -> u32 {
    static SHIFT: OnceLock<u32> = OnceLock::new();
    *SHIFT.get_or_init(|| {
        let tick_shift = 64 - clock_tick_ns().saturating_sub(1).leading_zeros();
        WINDOW_SHIFT.max(tick_shift).min(40)
    })
}

/// A thread samples the census on one loop call in this many (and on its first call on a pool).
#[cfg(not(loom))]
const SAMPLE_EVERY: u32 = 8;

/// One pool's census.
pub(crate) struct Census {
    /// The start of window 0, on [`clock_ns`]'s clock.
    #[cfg(not(loom))]
    epoch: u64,
    /// A window lasts `2^shift` ns ([`window_shift`]).
    #[cfg(not(loom))]
    shift: u32,
    /// The current window's index (low 32 bits), the number of threads registered in it (bits
    /// 32..48) and in the window before it (bits 48..64), both saturating. Shared with the
    /// threads registered in it, which take their registration back when they exit ([`Leave`]),
    /// even after the pool is gone.
    #[cfg(not(loom))]
    word: Arc<CachePadded<AtomicU64>>,
}

/// A thread's last registration in one census, taken back when the thread exits: a caller that
/// has ended is not counted for the rest of its windows, so a thread that outlives the others
/// (the last of eight callers, or the thread that joined them) gets the whole pool at once.
#[cfg(not(loom))]
struct Leave {
    /// The census word the thread last registered in (none yet).
    word: Option<Arc<CachePadded<AtomicU64>>>,
    /// The window it registered in.
    window: u32,
    /// Whether it was registered in the window before too.
    also_previous: bool,
}

#[cfg(not(loom))]
impl Drop for Leave {
    fn drop(&mut self) {
        let Some(word) = self.word.take() else {
            return;
        };
        let mut seen = word.load(Ordering::Relaxed);
        loop {
            let (at, current, previous) = unpack(seen);
            let new = if at == self.window {
                let previous = if self.also_previous {
                    previous.saturating_sub(1)
                } else {
                    previous
                };
                pack(at, current.saturating_sub(1), previous)
            } else if at == self.window.wrapping_add(1) {
                pack(at, current, previous.saturating_sub(1))
            } else {
                // Both windows are over: nothing of this registration is counted any more.
                return;
            };
            match word.compare_exchange_weak(seen, new, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return,
                Err(now) => seen = now,
            }
        }
    }
}

/// How many pools' registrations a thread remembers. A thread that calls the loops of more
/// pools than this in turn may be counted twice in a window by one of them (a smaller team,
/// never a wrong result), and is not taken back from it when it exits (its count runs out with
/// its windows).
#[cfg(not(loom))]
const REMEMBERED: usize = 4;

/// A thread's last registration in each of the last [`REMEMBERED`] censuses it registered in:
/// where it was registered when it comes back to a pool after calling another pool's loops (so
/// that switching pools does not register it again in the same window), and what its exit
/// takes back from each.
#[cfg(not(loom))]
struct Registrations {
    /// The registrations, the most recent first.
    slots: [Leave; REMEMBERED],
}

#[cfg(not(loom))]
impl Registrations {
    /// The window in which this thread last registered in `word`'s census, if remembered.
    fn window_in(&self, word: &Arc<CachePadded<AtomicU64>>) -> Option<u32> {
        self.position(word).map(|at| self.slots[at].window)
    }

    /// The slot of `word`'s census, if remembered.
    fn position(&self, word: &Arc<CachePadded<AtomicU64>>) -> Option<usize> {
        self.slots
            .iter()
            .position(|slot| slot.word.as_ref().is_some_and(|w| Arc::ptr_eq(w, word)))
    }

    /// Records a registration in `word`'s census, counted in window `counted_in`.
    fn record(&mut self, word: &Arc<CachePadded<AtomicU64>>, counted_in: u32) {
        let found = self.position(word);
        // This census's slot, or the least recent one, moved to the front.
        let at = found.unwrap_or(REMEMBERED - 1);
        self.slots[..=at].rotate_right(1);
        let slot = &mut self.slots[0];
        if found.is_some() {
            slot.also_previous = slot.window.wrapping_add(1) == counted_in;
        } else {
            // Forgotten, not taken back: the thread still runs, and its count in that census
            // runs out with its windows.
            slot.word = Some(Arc::clone(word));
            slot.also_previous = false;
        }
        slot.window = counted_in;
    }
}

/// What a thread knows of the census of the pool it last sampled.
#[cfg(not(loom))]
#[derive(Clone, Copy)]
struct Seen {
    /// The census's address (0: none yet).
    census: usize,
    /// Loop calls left before the next sample.
    countdown: u32,
    /// The last window this thread registered in (meaningful once `census` is set): the window
    /// of its clock read, or the later one that the census word had reached.
    registered: u32,
    /// The count of callers at the last sample, at least 1.
    callers: u32,
}

#[cfg(not(loom))]
std::thread_local! {
    static SEEN: Cell<Seen> = const {
        Cell::new(Seen { census: 0, countdown: 0, registered: 0, callers: 1 })
    };
    /// Apart from `SEEN`, whose look-up on every loop call stays free of a destructor's
    /// registration check: this one is touched once per window, and when the thread turns to
    /// another pool's loops.
    static REGISTRATIONS: RefCell<Registrations> = const {
        RefCell::new(Registrations {
            slots: [const { Leave { word: None, window: 0, also_previous: false } }; REMEMBERED],
        })
    };
}

/// The word's fields.
#[cfg(not(loom))]
fn unpack(word: u64) -> (u32, u32, u32) {
    (
        word as u32,
        (word >> 32) as u32 & 0xffff,
        (word >> 48) as u32 & 0xffff,
    )
}

#[cfg(not(loom))]
fn pack(window: u32, current: u32, previous: u32) -> u64 {
    u64::from(window) | u64::from(current.min(0xffff)) << 32 | u64::from(previous.min(0xffff)) << 48
}

impl Census {
    pub(crate) fn new() -> Self {
        Census {
            #[cfg(not(loom))]
            epoch: clock_ns(),
            #[cfg(not(loom))]
            shift: window_shift(),
            #[cfg(not(loom))]
            word: Arc::new(CachePadded::new(AtomicU64::new(0))),
        }
    }

    /// Counts the calling thread as a caller of a loop, and returns how many threads called
    /// loops of this pool in the current window and the one before (at least 1: this one).
    #[inline]
    pub(crate) fn callers(&self) -> usize {
        #[cfg(loom)]
        {
            1
        }
        #[cfg(not(loom))]
        SEEN.with(|seen| {
            let mut s = seen.get();
            let me = self as *const Census as usize;
            if s.census == me && s.countdown > 0 {
                s.countdown -= 1;
                seen.set(s);
                return s.callers as usize;
            }
            s = self.sample(s, me);
            seen.set(s);
            s.callers as usize
        })
    }

    /// Whether the last windows counted at least `threads` callers: they alone fill that many
    /// threads. No clock read: the count is of the last window anyone registered in, however
    /// old (the next caller's sample starts a new window).
    #[inline]
    pub(crate) fn crowded(&self, threads: usize) -> bool {
        #[cfg(loom)]
        {
            let _ = threads;
            false
        }
        #[cfg(not(loom))]
        {
            // Relaxed: an estimate, as everywhere in the census.
            let (_, current, previous) = unpack(self.word.load(Ordering::Relaxed));
            current.max(previous) as usize >= threads.max(2)
        }
    }

    /// Reads the clock and the word, registers this thread in the current window if it has not
    /// yet, and returns the new thread-local state.
    #[cfg(not(loom))]
    #[inline(never)]
    #[cold]
    fn sample(&self, mut s: Seen, me: usize) -> Seen {
        let now = clock_ns().wrapping_sub(self.epoch) >> self.shift;
        // Wraps after 2^32 windows (over two years of 16.8 ms windows); the comparisons below
        // are modulo 2^32 windows.
        let window = now as u32;
        if s.census != me {
            // Back to this pool after another one's loops, or here for the first time. Gone with
            // the thread's other thread-locals (a loop called from a thread-local's destructor
            // after that): then it registers again, at worst counted twice in this window.
            let registered = REGISTRATIONS
                .try_with(|regs| regs.borrow().window_in(&self.word))
                .ok()
                .flatten()
                .unwrap_or(window.wrapping_sub(1));
            s = Seen {
                census: me,
                countdown: 0,
                registered,
                callers: 1,
            };
        }
        // Relaxed throughout: the count is an estimate that orders no other memory.
        let mut word = self.word.load(Ordering::Relaxed);
        let mut registered_now = false;
        // Registered in an earlier window (modulo 2^32), not in this one or a later one (a
        // registration counted in the window of another thread's later clock read).
        if (window.wrapping_sub(s.registered) as i32) > 0 {
            let mut counted_in;
            loop {
                let (at, current, previous) = unpack(word);
                counted_in = window;
                let new = if at == window {
                    pack(window, current + 1, previous)
                } else if at.wrapping_add(1) == window {
                    pack(window, 1, current)
                } else if (window.wrapping_sub(at) as i32) > 0 {
                    pack(window, 1, 0)
                } else {
                    // Another thread's clock read is ahead of ours (it read later): count this
                    // thread in its window.
                    counted_in = at;
                    pack(at, current + 1, previous)
                };
                match self.word.compare_exchange_weak(
                    word,
                    new,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        word = new;
                        break;
                    }
                    Err(seen) => word = seen,
                }
            }
            s.registered = counted_in;
            registered_now = true;
            // Gone with the thread's other thread-locals (a loop called from a thread-local's
            // destructor after that): then the registration just runs out with its windows.
            let _ = REGISTRATIONS.try_with(|regs| regs.borrow_mut().record(&self.word, counted_in));
        }
        let (at, current, previous) = unpack(word);
        let callers = if at == window || (at.wrapping_sub(window) as i32) > 0 {
            current.max(previous)
        } else if at.wrapping_add(1) == window {
            current
        } else {
            1
        };
        s.callers = callers.max(1);
        // One caller: sample again after a few calls. Several: on the next call, so that a
        // thread that pauses never keeps a team limit of a busy past (these calls run
        // serially, and a clock read is a small share of a loop long enough to fork). And on
        // the next call after registering, whatever the count: a thread that registers first
        // in a window, or first of all (a new thread, as callers start one after another),
        // saw none of the others that register just after it, and would otherwise fork its
        // next few calls onto cores that they need (measured on W11: the first caller of each
        // run forked its first eight calls while another caller was already running).
        s.countdown = if s.callers == 1 && !registered_now {
            SAMPLE_EVERY - 1
        } else {
            0
        };
        s
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Barrier;

    /// The count after `SAMPLE_EVERY` calls: at least the last one sampled afresh.
    fn after_countdown(census: &Census) -> usize {
        let mut callers = 0;
        for _ in 0..SAMPLE_EVERY {
            callers = census.callers();
        }
        callers
    }

    #[test]
    fn one_thread_counts_one_caller() {
        let census = Census::new();
        for _ in 0..100 {
            assert_eq!(census.callers(), 1);
        }
    }

    /// Not under Miri: its clock advances with the instructions it interprets, so a window is
    /// over long before four threads have registered and sampled.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn threads_calling_together_are_counted() {
        let mut tries = Vec::new();
        for _ in 0..10 {
            let census = Census::new();
            let (registered, sampled) = (Barrier::new(4), Barrier::new(4));
            let seen: Vec<usize> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            census.callers();
                            registered.wait();
                            // A fresh sample after everyone registered (the countdown runs out).
                            let callers = after_countdown(&census);
                            // An exiting thread takes its count back: stay until all sampled.
                            sampled.wait();
                            callers
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(seen.iter().all(|&c| (1..=4).contains(&c)), "{seen:?}");
            // Each sees all four, unless a window ended between the registrations and the
            // samples (then the count is of the threads that registered again): a few tries.
            if seen.iter().all(|&c| c == 4) {
                return;
            }
            tries.push(seen);
        }
        panic!("no try counted all four callers: {tries:?}");
    }

    /// A thread that stays alive but calls no more is counted for two windows at most.
    #[test]
    fn the_count_is_forgotten_after_two_windows() {
        let census = Census::new();
        let (registered, wait) = (Barrier::new(2), Barrier::new(2));
        std::thread::scope(|s| {
            s.spawn(|| {
                census.callers();
                registered.wait();
                // Alive (its registration not taken back) until the check below is done.
                wait.wait();
            });
            registered.wait();
            let counted = census.callers();
            std::thread::sleep(std::time::Duration::from_nanos(4 << window_shift()));
            // Our first sample left a countdown of calls that reuse it when it counted one.
            let later = after_countdown(&census);
            wait.wait();
            // Unless the first sample came two windows after the other thread's registration.
            assert!(counted <= 2, "{counted}");
            assert_eq!(later, 1);
        });
    }

    /// A thread that exits takes its registration back at once.
    #[test]
    fn a_thread_that_exits_is_counted_no_more() {
        let census = Census::new();
        std::thread::scope(|s| {
            let first = s.spawn(|| census.callers()).join().unwrap();
            assert_eq!(first, 1);
        });
        // Joined: its thread-locals' destructors have run.
        assert_eq!(census.callers(), 1);
        // A thread alive and registered is counted.
        let (registered, wait) = (Barrier::new(2), Barrier::new(2));
        std::thread::scope(|s| {
            s.spawn(|| {
                census.callers();
                registered.wait();
                wait.wait();
            });
            registered.wait();
            // Fresh samples: ours counted one, so the countdown runs first.
            let counted = after_countdown(&census);
            wait.wait();
            // Two, unless a window passed between the registrations and the sample (then one).
            assert!((1..=2).contains(&counted), "{counted}");
        });
    }

    /// A thread that has just registered alone samples again on its next call: another caller
    /// that registered in between is seen at once, not after the countdown of a lone caller.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn a_thread_that_registered_alone_samples_again_on_its_next_call() {
        let mut tries = Vec::new();
        for _ in 0..5 {
            let census = Census::new();
            let (registered, sampled) = (Barrier::new(2), Barrier::new(2));
            let (first, next) = std::thread::scope(|s| {
                let first = census.callers();
                s.spawn(|| {
                    census.callers();
                    registered.wait();
                    // Alive (counted) until the other has sampled.
                    sampled.wait();
                });
                registered.wait();
                let next = census.callers();
                sampled.wait();
                (first, next)
            });
            // Unless two windows passed between the registrations and the sample.
            if (first, next) == (1, 2) {
                return;
            }
            tries.push((first, next));
        }
        panic!("the next call did not see the second caller: {tries:?}");
    }

    /// A thread that calls the loops of two pools in turn is one caller of each, however often
    /// it switches (it was registered again on every switch, so each pool soon counted dozens
    /// of callers and ran every loop on one thread); and when it exits, it is taken back from
    /// both.
    #[test]
    fn a_thread_switching_between_pools_is_one_caller_of_each() {
        let (a, b) = (Census::new(), Census::new());
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..100 {
                    a.callers();
                    b.callers();
                }
                // Fresh samples of each (a lone caller's countdown runs first).
                assert_eq!(after_countdown(&a), 1, "pool a");
                assert_eq!(after_countdown(&b), 1, "pool b");
            })
            // Joined (not only the scope's end): its thread-locals' destructors have run.
            .join()
            .unwrap();
        });
        // Exited: neither counts it any more.
        for census in [&a, &b] {
            let (_, current, previous) = unpack(census.word.load(Ordering::Relaxed));
            assert_eq!((current, previous), (0, 0));
        }
    }

    /// A thread whose clock read lagged the census word is counted in the word's window, once:
    /// when its own clock reaches that window, it does not register again.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn a_registration_in_a_later_window_is_not_repeated() {
        let window_ns = 1u64 << window_shift();
        for _ in 0..10 {
            let census = Census::new();
            let started = clock_ns();
            let now =
                |census: &Census| (clock_ns().wrapping_sub(census.epoch) >> census.shift) as u32;
            let w0 = now(&census);
            // Another thread registered in the next window: its clock read was later.
            census.word.store(pack(w0 + 1, 1, 0), Ordering::Relaxed);
            let first = census.callers();
            // Into the next window, but not the one after it.
            let target = census.epoch + (u64::from(w0) + 1) * window_ns + window_ns / 2;
            std::thread::sleep(std::time::Duration::from_nanos(
                target.saturating_sub(clock_ns()),
            ));
            let second = census.callers();
            if now(&census) != w0 + 1 || clock_ns() - started > 2 * window_ns {
                // Slept past the next window: try again.
                continue;
            }
            assert_eq!((first, second), (2, 2), "counted twice in one window");
            assert_eq!(unpack(census.word.load(Ordering::Relaxed)), (w0 + 1, 2, 0));
            return;
        }
        panic!("no try stayed within two windows");
    }

    #[test]
    fn the_word_packs_and_saturates() {
        assert_eq!(unpack(pack(7, 3, 2)), (7, 3, 2));
        assert_eq!(unpack(pack(u32::MAX, 1 << 20, 5)), (u32::MAX, 0xffff, 5));
    }
}
