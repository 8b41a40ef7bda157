//! `best_score`: the best score and the index of the best score, ported from a Numba example
//! that needed hand-written thread-local storage.
//!
//! The best score alone is a reduction (`max`), which Numba can infer. Its *index* is not:
//! the Numba port splits the rows into one block per thread (`numba.get_num_threads()`), keeps
//! each thread's best score and index in arrays with one element per thread, and merges them
//! after the loop. That pattern, an array indexed by the thread, is what
//! [`Slots`](workshare::reductions::Slots) makes safe: one padded value per pool thread, each
//! reached only by its own thread while the loop runs, read by the caller afterwards. The
//! ready-made reduction [`argmax`](workshare::reductions::global::argmax) does the same in one
//! call.
//!
//! Ties go to the lowest index, as in the serial loop (`if scores[i] > best`, scanning up): the
//! scores take only 1,000 values, so the maximum occurs many times and a wrong tie rule shows.
//! With a dynamic schedule a thread may get a later block before an earlier one, so the
//! per-thread update keeps the lower index on equal scores, and so does the merge.
//!
//! Every answer is compared with the serial loop's; a mismatch exits with status 1.
//!
//! Speeds: `max` and `argmax` scan blocks of scores with a plain maximum that the compiler
//! vectorizes, which the serial loop (one compare and branch per score, as in the original)
//! does not, so their speed-up over it can exceed the number of threads. The `Slots` version
//! runs the serial loop's logic per thread and shows the gain from threads alone.
//!
//! ```text
//! cargo run --release --example best_score            # 10 million scores
//! cargo run --release --example best_score -- --quick # 1 million, for CI
//! ```

mod common;

use common::SplitMix64;
use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use workshare::reductions::{global, Schedule, Slots};

const NAME: &str = "best_score";

/// The best score seen so far by one thread, and where.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Best {
    score: i32,
    index: Option<usize>,
}

impl Best {
    /// Takes `(index, score)` if it beats the best so far: a higher score, or the same score
    /// at a lower index.
    #[inline]
    fn offer(&mut self, index: usize, score: i32) {
        let better = match self.index {
            None => true,
            Some(best) => score > self.score || (score == self.score && index < best),
        };
        if better {
            *self = Best {
                score,
                index: Some(index),
            };
        }
    }
}

/// The serial loop: the first index of the highest score.
fn serial(scores: &[i32]) -> Option<usize> {
    let mut best = Best::default();
    for (i, &s) in scores.iter().enumerate() {
        if best.index.is_none() || s > best.score {
            best = Best {
                score: s,
                index: Some(i),
            };
        }
    }
    best.index
}

/// Per-thread bests in `Slots`, merged after the loop.
fn with_slots(scores: &[i32], schedule: Schedule) -> Option<usize> {
    let pool = workshare::global();
    // One slot per thread, as the Numba port sizes its arrays by get_num_threads().
    let mut best: Slots<Best> = Slots::new(pool);
    best.for_each_chunk(pool, 0..scores.len(), schedule, |mine, rows| {
        for i in rows {
            mine.offer(i, scores[i]);
        }
    });
    let mut overall = Best::default();
    for thread_best in best.iter() {
        if let Some(index) = thread_best.index {
            overall.offer(index, thread_best.score);
        }
    }
    overall.index
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "Index of the best score, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(10_000_000, 1_000_000);
    let mut rng = SplitMix64::stream(7, 0);
    let scores: Vec<i32> = (0..n).map(|_| (rng.next_u64() % 1_000) as i32).collect();
    let threads = workshare::num_threads();
    println!(
        "{n} scores in 0..1000; median of {} runs; {threads} threads",
        mode.reps
    );
    let mut checks = Checks::default();

    let (serial_time, expected) = median_time(mode.reps, || serial(&scores));
    print_time("serial loop", serial_time, None);
    let Some(best_index) = expected else {
        eprintln!("{NAME}: no scores");
        return ExitCode::FAILURE;
    };
    let best_score = scores[best_index];
    let ties = scores.iter().filter(|&&s| s == best_score).count();
    println!("  best score {best_score} at index {best_index}, first of {ties} ties");

    // The best score alone: a plain reduction.
    let (time, max) = median_time(mode.reps, || {
        global::max(&scores[..], Schedule::Auto, |&s| s)
    });
    print_time("max (the score only)", time, Some(serial_time));
    checks.check(
        max == Some(best_score),
        "max equals the best score",
        format!("{max:?}"),
    );

    for schedule in [Schedule::Static, Schedule::Dynamic(10_000)] {
        let (time, found) = median_time(mode.reps, || with_slots(&scores, schedule));
        print_time(&format!("Slots, {schedule:?}"), time, Some(serial_time));
        checks.check(
            found == expected,
            &format!("Slots with {schedule:?} find the first best"),
            format!("{found:?}"),
        );
    }

    let (time, found) = median_time(mode.reps, || {
        global::argmax(&scores[..], Schedule::Auto, |&s| s)
    });
    print_time("argmax", time, Some(serial_time));
    checks.check(
        found == expected,
        "argmax finds the first best",
        format!("{found:?}"),
    );
    checks.finish(NAME)
}
