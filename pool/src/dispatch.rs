//! Claiming idle workers, handing each its region's job, and workers waiting for one.
//!
//! # Protocol
//!
//! **Who may use a worker.** The pool keeps one bit per worker in `idle` (words of 64 bits):
//! set while nobody owns the worker. A region's owner *claims* workers by clearing their bits
//! with a compare-and-swap (`Acquire`), and *releases* them after the region's join by setting
//! them again (`fetch_or`, `Release`). Between the two, the owner alone writes the claimed
//! workers' mailboxes, and the lowest-numbered claimed worker's team context (`Shared::teams`)
//! is the team's. Concurrent owners therefore split the workers, never share one, and never wait
//! for each other: an owner that finds no idle worker runs its region as a team of one.
//!
//! **Hand-over.** Each worker has a mailbox on its own cache line: a `state` word (a sequence
//! number in the bits above [`FLAGS`], and the flags) and the job beside it. The owner writes
//! the job, then stores the next sequence number with `Release`, then (after one `SeqCst` fence
//! for all the workers it claimed) wakes those asleep on the mailbox's [`Sleep`]. The worker
//! waits until `state` differs from the last value it ran, then reads the job, ordered after the
//! owner's write by an `Acquire` load (or, for a contested job, by its `Acquire`
//! compare-and-swap, below). The job is rewritten only by the next owner, which can claim the
//! worker only after this region's owner saw the worker finish (or skip) and released it, so a
//! read never races with a write.
//!
//! **Contested jobs.** A region of independent shares (a loop's) publishes its jobs with the
//! [`CONTESTED`] flag: the share may run on the worker or, when the owner is done with its own
//! share first, on the owner. Whoever first sets [`CLOSED`] with a compare-and-swap from the
//! published state runs the share; the other skips it. So an owner never waits for a worker that
//! has not started (asleep, still waking, or preempted by another process), and each share runs
//! exactly once. A worker that lost finds `CLOSED` and skips the job; it may see it only after
//! the owner released it and a later owner published again, in which case it never sees this
//! job at all. A plain region's jobs (whose team threads may wait for each other at barriers)
//! are not contested: the worker picks them up with a load, and the owner never takes them.
//!
//! **Chain of custody.** Worker finishes (`Release` increment of the team's join counter) ->
//! owner sees the count (`Acquire`) -> owner releases the bit (`Release`) -> next owner claims
//! it (`Acquire` CAS) -> writes the mailbox. Every access to a mailbox or a team context is
//! ordered after every access of its previous user along this chain.
//!
//! **Shutdown.** `Pool::drop` runs when no region can be running (it owns the pool); it sets the
//! exit bit of every mailbox and wakes every worker.
//!
//! **No lost wake-up.** Every store to a mailbox's `state` is followed by a notification of its
//! sleep (see the sleep module); a worker sleeps only on the condition `state == last`.

use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::sync::{fence, yield_now, AtomicU64, AtomicUsize, CachePadded, Ordering, UnsafeCell};
use crate::team::{RegionInfo, Team};

/// The most workers a pool may have (its size is one more: the caller).
pub(crate) const MAX_WORKERS: usize = 1023;
const WORD_BITS: usize = u64::BITS as usize;
const WORDS: usize = MAX_WORKERS.div_ceil(WORD_BITS);
/// State flag: the worker is to exit (set by [`Dispatch::shutdown`]).
const EXIT: u64 = 1;
/// State flag: a contested job has been taken, by its worker or by its owner.
const CLOSED: u64 = 2;
/// State flag: the job may be taken by its owner ([`Dispatch::take_back`]).
const CONTESTED: u64 = 4;
/// The flag bits; publications step the state by the next power of two.
const FLAGS: u64 = EXIT | CLOSED | CONTESTED;
const STEP: u64 = FLAGS + 1;

/// A region's closure, type-erased so that workers can call it.
#[derive(Clone, Copy)]
pub(crate) struct Job {
    data: *const (),
    call: unsafe fn(*const (), &Team<'_>),
    /// The region the job belongs to.
    pub(crate) region: RegionInfo,
}

impl Job {
    /// Erases `f`, to run as `region`. The job may be run only while `f` is alive.
    pub(crate) fn new<F: Fn(&Team<'_>) + Sync>(f: &F, region: RegionInfo) -> Self {
        /// # Safety
        /// `data` must come from `&F` in [`Job::new`] and `F` must still be alive.
        unsafe fn call<F: Fn(&Team<'_>) + Sync>(data: *const (), team: &Team<'_>) {
            // SAFETY: `data` was made from `&F` (caller's contract), and `F: Sync` makes a shared
            // reference usable from this thread.
            let f = unsafe { &*data.cast::<F>() };
            f(team);
        }
        Self {
            data: (f as *const F).cast(),
            call: call::<F>,
            region,
        }
    }

    /// Runs the job on `team`.
    ///
    /// # Safety
    /// The closure the job was made from must still be alive.
    pub(crate) unsafe fn run(self, team: &Team<'_>) {
        // SAFETY: forwarded from our caller.
        unsafe { (self.call)(self.data, team) }
    }
}

/// What one worker is asked to run: the job, as team thread `rank`.
#[derive(Clone, Copy)]
pub(crate) struct Assignment {
    pub(crate) job: Job,
    pub(crate) rank: usize,
}

impl Assignment {
    /// A job that is never run: what a mailbox holds before its first region.
    fn none() -> Self {
        fn never(_: &Team<'_>) {}
        Self {
            job: Job::new(&never, RegionInfo::solo(0)),
            rank: 0,
        }
    }
}

/// What a worker is to do next.
pub(crate) enum Work {
    /// Take part in a region; `state` is the mailbox state to wait past next time.
    Run { state: u64, assignment: Assignment },
    /// The job was taken by its owner before this worker took it; wait past `state`.
    Skip { state: u64 },
    /// The pool is shutting down.
    Exit,
}

/// A worker's mailbox: the state word and the job on one cache line (a worker's first miss
/// brings both), its sleep on the next.
struct Mailbox {
    line: Line,
    sleep: Sleep,
}

#[repr(C, align(64))]
struct Line {
    state: AtomicU64,
    job: UnsafeCell<Assignment>,
}

// The state word and the job share one cache line.
#[cfg(all(not(loom), target_pointer_width = "64"))]
const _: () = assert!(std::mem::size_of::<Line>() == 64);

impl Default for Mailbox {
    fn default() -> Self {
        Self {
            line: Line {
                state: AtomicU64::new(0),
                job: UnsafeCell::new(Assignment::none()),
            },
            sleep: Sleep::default(),
        }
    }
}

/// A set of claimed workers: one bit per worker, by index (worker `i` is pool thread `i + 1`).
#[derive(Clone, Debug)]
pub(crate) struct Claim {
    words: [u64; WORDS],
    /// Words up to the last one with a claimed worker.
    used: usize,
    count: usize,
}

impl Claim {
    pub(crate) const EMPTY: Self = Self {
        words: [0; WORDS],
        used: 0,
        count: 0,
    };

    /// How many workers are claimed.
    #[inline]
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The claimed workers' indices, in increasing order.
    pub(crate) fn workers(&self) -> impl Iterator<Item = usize> + '_ {
        self.words[..self.used]
            .iter()
            .enumerate()
            .flat_map(|(word, &bits)| Bits(bits).map(move |bit| word * WORD_BITS + bit))
    }
}

/// The set bits of a word, lowest first.
struct Bits(u64);

impl Iterator for Bits {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

/// The lowest `k` set bits of `bits` (all of them when it has `k` or fewer).
#[inline]
fn lowest_bits(bits: u64, k: usize) -> u64 {
    if bits.count_ones() as usize <= k {
        return bits;
    }
    let mut rest = bits;
    for _ in 0..k {
        rest &= rest - 1;
    }
    bits & !rest
}

/// The workers of a pool: who is idle, and each one's mailbox.
pub(crate) struct Dispatch {
    idle: Box<[CachePadded<AtomicU64>]>,
    mailboxes: Box<[CachePadded<Mailbox>]>,
    /// Live keep-warm guards ([`Dispatch::keep_warm`]): while non-zero, idle workers spin
    /// (yielding) instead of sleeping.
    warm: CachePadded<AtomicUsize>,
}

// SAFETY: the raw pointer in a mailbox's job is only dereferenced under the protocol above
// (written by the worker's single owner before the Release store, read by the worker after the
// Acquire load, never rewritten before the worker finished), and the closure it points to is
// `Sync`.
unsafe impl Sync for Dispatch {}
// SAFETY: as above; the job is a plain pointer with no thread affinity.
unsafe impl Send for Dispatch {}

impl Dispatch {
    /// The dispatch of `workers` workers (at most `MAX_WORKERS`), all idle.
    pub(crate) fn new(workers: usize) -> Self {
        assert!(workers <= MAX_WORKERS);
        let idle = (0..workers.div_ceil(WORD_BITS))
            .map(|word| {
                let in_word = (workers - word * WORD_BITS).min(WORD_BITS);
                let bits = if in_word == WORD_BITS {
                    u64::MAX
                } else {
                    (1u64 << in_word) - 1
                };
                CachePadded::new(AtomicU64::new(bits))
            })
            .collect();
        let mailboxes = (0..workers)
            .map(|_| CachePadded::new(Mailbox::default()))
            .collect();
        Self {
            idle,
            mailboxes,
            warm: CachePadded::new(AtomicUsize::new(0)),
        }
    }

    /// Starts a keep-warm phase: until the matching [`Dispatch::cool_down`], idle workers do
    /// not sleep. Wakes the sleeping ones now, so that the phase's first region finds them
    /// awake.
    pub(crate) fn keep_warm(&self) {
        // Relaxed: the fences of the notifications below order it before their loads of the
        // sleepers, as for any condition of a sleep (the sleep module).
        self.warm.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        for mailbox in self.mailboxes.iter() {
            mailbox.sleep.notify_after_fence();
        }
    }

    /// Ends a keep-warm phase: workers that spin go to sleep within one spin time, once no
    /// phase is left. Needs no wake-up: it only lets workers sleep.
    pub(crate) fn cool_down(&self) {
        // Relaxed: a worker that reads the old count spins one more spin time.
        self.warm.fetch_sub(1, Ordering::Relaxed);
    }

    /// Whether any worker sleeps (or is about to, or just woke): for the models.
    #[cfg(test)]
    pub(crate) fn any_asleep(&self) -> bool {
        self.mailboxes
            .iter()
            .any(|mailbox| mailbox.sleep.has_sleepers())
    }

    /// Whether a keep-warm phase is on.
    #[inline]
    fn kept_warm(&self) -> bool {
        // Relaxed: a hint that only decides between spinning and sleeping; the sleep's own
        // protocol decides what wakes a sleeper.
        self.warm.load(Ordering::Relaxed) != 0
    }

    /// Claims up to `want` idle workers (none may be idle). Never waits.
    #[inline]
    pub(crate) fn claim(&self, want: usize) -> Claim {
        let mut claim = Claim::EMPTY;
        if want == 0 {
            return claim;
        }
        for (index, word) in self.idle.iter().enumerate() {
            // Relaxed: only a guess for the compare-and-swap below, which validates it.
            let mut current = word.load(Ordering::Relaxed);
            while current != 0 {
                let take = lowest_bits(current, want - claim.count);
                // Acquire: pairs with the Release in `release`: the previous owner's use of these
                // workers (its join included) happens before ours.
                match word.compare_exchange_weak(
                    current,
                    current & !take,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        claim.words[index] = take;
                        claim.used = index + 1;
                        claim.count += take.count_ones() as usize;
                        break;
                    }
                    Err(actual) => current = actual,
                }
            }
            if claim.count == want {
                break;
            }
        }
        claim
    }

    /// Gives the claimed workers back. After this the caller must not touch their mailboxes or
    /// the team context it used.
    #[inline]
    pub(crate) fn release(&self, claim: &Claim) {
        if claim.count == 0 {
            return;
        }
        for (word, &bits) in self.idle.iter().zip(&claim.words[..claim.used]) {
            if bits != 0 {
                // Release: everything we did with these workers happens before the next claim.
                word.fetch_or(bits, Ordering::Release);
            }
        }
    }

    /// Hands `assignment` to worker `worker`; call [`Dispatch::wake`] after the last one.
    /// `contested`: the owner may take the job back ([`Dispatch::take_back`]; module docs).
    ///
    /// # Safety
    /// The caller has claimed `worker`, and the closure behind the job stays alive until the
    /// worker has finished it (the team's join).
    #[inline]
    pub(crate) unsafe fn publish(&self, worker: usize, assignment: Assignment, contested: bool) {
        let line = &self.mailboxes[worker].line;
        // Relaxed: we own the mailbox; the claim's Acquire ordered its last store before us.
        let old = line.state.load(Ordering::Relaxed);
        line.job.with_mut(|slot| {
            // SAFETY: the worker finished its previous job before it was released (module
            // docs), and reads this one only after the Release store below.
            unsafe { *slot = assignment }
        });
        // Release: pairs with the Acquire loads in `wait_for_work`; carries the job and the
        // owner's preparation of the team to the worker.
        let flag = if contested { CONTESTED } else { 0 };
        line.state.store(
            ((old & !FLAGS).wrapping_add(STEP)) | flag,
            Ordering::Release,
        );
    }

    /// Wakes the claimed workers that sleep, after their jobs were published; sets `slept` if
    /// any of them slept (a hint for the region's report).
    #[inline]
    pub(crate) fn wake(&self, claim: &Claim, slept: &mut bool) {
        // One fence for every mailbox stored before it (see the sleep module).
        fence(Ordering::SeqCst);
        for worker in claim.workers() {
            let sleep = &self.mailboxes[worker].sleep;
            *slept |= sleep.has_sleepers();
            sleep.notify_after_fence();
        }
    }

    /// Takes the contested job published to `worker`, which the caller claimed, if the worker
    /// has not taken it yet; then the caller runs the worker's share itself, and the worker
    /// skips it. Whether it did. Never waits.
    #[inline]
    pub(crate) fn take_back(&self, worker: usize) -> bool {
        let state = &self.mailboxes[worker].line.state;
        // Relaxed: we published this state; only the worker's compare-and-swap changes it now.
        let published = state.load(Ordering::Relaxed);
        if published & (CONTESTED | CLOSED) != CONTESTED {
            return false;
        }
        // Relaxed: winning needs no synchronization, as we run a share of our own job; if the
        // worker won, the team's join orders its work before ours.
        state
            .compare_exchange(
                published,
                published | CLOSED,
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// Tells every worker to exit, sleeping ones included. Only when no region runs.
    pub(crate) fn shutdown(&self) {
        for mailbox in self.mailboxes.iter() {
            // Relaxed: a worker that sees the exit bit reads nothing else before it exits, and
            // joining its thread orders its end before the pool's memory is freed.
            let old = mailbox.line.state.load(Ordering::Relaxed);
            mailbox.line.state.store(old | EXIT, Ordering::Relaxed);
            mailbox.sleep.notify();
        }
    }

    /// Waits until worker `worker` gets a job after the mailbox state `last`.
    pub(crate) fn wait_for_work(&self, worker: usize, last: u64, spin: &Spin) -> Work {
        let mailbox = &*self.mailboxes[worker];
        let line = &mailbox.line;
        // Relaxed: only tells when to look; the job is read only after an Acquire below.
        let fresh = || line.state.load(Ordering::Relaxed) != last;
        // Spin, then sleep until a job comes or a keep-warm phase starts; in a phase, spin on.
        while !spin.until(fresh) {
            if self.kept_warm() {
                // A zero spin time must not make this a busy loop.
                yield_now();
            } else {
                mailbox.sleep.sleep_while(|| !fresh() && !self.kept_warm());
            }
        }
        loop {
            // Relaxed: as above. A state after `last` stays until we take its job, or (a
            // contested job) until the owner takes it, or the exit.
            let seen = line.state.load(Ordering::Relaxed);
            if seen & EXIT != 0 {
                return Work::Exit;
            }
            if seen & CLOSED != 0 {
                return Work::Skip { state: seen };
            }
            let state = if seen & CONTESTED == 0 {
                // Acquire: pairs with the Release store in `publish`: the job's write is
                // visible.
                line.state.load(Ordering::Acquire)
            } else {
                // Acquire: as above, through the published state our compare-and-swap reads.
                let taken = seen | CLOSED;
                match line
                    .state
                    .compare_exchange(seen, taken, Ordering::Acquire, Ordering::Relaxed)
                {
                    Ok(_) => taken,
                    // The owner took the job (or, having taken it and released us, a later
                    // owner published another, or the pool shuts down): look again.
                    Err(_) => continue,
                }
            };
            let assignment = line.job.with(|job| {
                // SAFETY: our owner does not rewrite the job before we finish; an Acquire above
                // ordered its write before us.
                unsafe { *job }
            });
            return Work::Run { state, assignment };
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lowest_bits_takes_the_lowest() {
        assert_eq!(lowest_bits(0b1011_0110, 2), 0b0000_0110);
        assert_eq!(lowest_bits(0b1011_0110, 3), 0b0001_0110);
        assert_eq!(lowest_bits(0b1011_0110, 9), 0b1011_0110);
        assert_eq!(lowest_bits(u64::MAX, 64), u64::MAX);
        assert_eq!(lowest_bits(u64::MAX, 0), 0);
    }

    #[test]
    fn claims_split_the_workers_and_release_returns_them() {
        let dispatch = Dispatch::new(130);
        let a = dispatch.claim(100);
        assert_eq!(a.count(), 100);
        assert_eq!(
            a.workers().collect::<Vec<_>>(),
            (0..100).collect::<Vec<_>>()
        );
        let b = dispatch.claim(100);
        assert_eq!(b.count(), 30);
        assert_eq!(
            b.workers().collect::<Vec<_>>(),
            (100..130).collect::<Vec<_>>()
        );
        assert_eq!(dispatch.claim(1).count(), 0);
        dispatch.release(&a);
        let c = dispatch.claim(200);
        assert_eq!(c.count(), 100);
        dispatch.release(&b);
        dispatch.release(&c);
        assert_eq!(dispatch.claim(usize::MAX).count(), 130);
    }
}
