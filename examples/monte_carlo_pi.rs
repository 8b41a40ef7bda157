//! `monte_carlo_pi`: estimate pi from random points in the unit square, ported from Numba's
//! `prange` examples.
//!
//! The Numba original draws `x, y = random.random(), random.random()` in a `prange` loop and
//! counts the points inside the quarter disc (`acc += 1`, which Numba turns into a reduction),
//! relying on Numba to give every thread its own random number generator. Here the generators
//! are explicit, one `SplitMix64` stream (the random generator of `examples/common`) per thread,
//! seeded from the seed and the thread's id, in two equivalent ways:
//!
//! - [`for_each_init`](workshare::reductions::for_each_init): `init(thread_id)` makes each
//!   thread's state (generator and hit count) once, the states come back after the loop;
//! - [`Slots`](workshare::reductions::Slots): the per-thread states made up front, one per
//!   pool thread, each reached only by its own thread ([`workshare::thread_id`] inside the
//!   loop tells which).
//!
//! With the `Static` schedule each thread draws for the same block of samples every time, so
//! for a fixed seed and thread count the estimate is reproducible: the program checks that two
//! runs, and the two ways, give the same hit count. A different thread count gives a different
//! (equally valid) estimate; a third version, one stream per block of samples, gives the same
//! estimate on any number of threads, and is checked on 1 thread against the whole pool.
//!
//! Every estimate must lie within 5 standard deviations of pi: the hit count is binomial, so
//! the estimate's standard deviation is `4 sqrt(p (1 - p) / n)` with `p = pi / 4`, about
//! `1.64 / sqrt(n)`; an honest generator fails this with a probability below one in a
//! million. Any failed check ends the program with status 1.
//!
//! ```text
//! cargo run --release --example monte_carlo_pi            # 40 million samples
//! cargo run --release --example monte_carlo_pi -- --quick # 4 million, for CI
//! ```

mod common;

use common::SplitMix64;
use common::{median_time, print_time, Checks};
use std::f64::consts::PI;
use std::process::ExitCode;
use workshare::reductions::{self, Schedule, Slots};

const NAME: &str = "monte_carlo_pi";
const SEED: u64 = 2024;
/// Samples per random stream in the per-block version.
const BLOCK: usize = 10_000;

/// Whether a random point of the unit square falls inside the quarter disc.
#[inline]
fn hit(rng: &mut SplitMix64) -> bool {
    let (x, y) = (rng.next_f64(), rng.next_f64());
    x * x + y * y < 1.0
}

/// The serial loop, with one generator.
fn serial(samples: usize) -> u64 {
    let mut rng = SplitMix64::stream(SEED, u64::MAX);
    (0..samples).filter(|_| hit(&mut rng)).count() as u64
}

/// One generator per thread, made by `init` on the thread that uses it.
fn per_thread_init(samples: usize) -> u64 {
    let states = reductions::global::for_each_init(
        0..samples,
        Schedule::Static,
        |thread_id| (SplitMix64::stream(SEED, thread_id as u64), 0u64),
        |(rng, hits), _sample| *hits += u64::from(hit(rng)),
    );
    states.iter().map(|(_, hits)| hits).sum()
}

/// One generator per pool thread, made up front in `Slots`.
fn per_thread_slots(samples: usize) -> u64 {
    let pool = workshare::global();
    let mut states = Slots::from_fn(pool, |id| (SplitMix64::stream(SEED, id as u64), 0u64, id));
    states.for_each_chunk(
        pool,
        0..samples,
        Schedule::Static,
        |(rng, hits, id), chunk| {
            // Each slot is reached only by the thread whose id made it.
            assert_eq!(
                *id,
                workshare::thread_id(),
                "a slot reached by another thread"
            );
            *hits += chunk.filter(|_| hit(rng)).count() as u64;
        },
    );
    states.iter().map(|(_, hits, _)| hits).sum()
}

/// One generator per block of `BLOCK` samples: the same count on any number of threads.
fn per_block(samples: usize) -> u64 {
    let blocks = samples / BLOCK;
    reductions::global::sum(0..blocks, Schedule::Auto, |block| {
        let mut rng = SplitMix64::stream(SEED, block as u64);
        (0..BLOCK).filter(|_| hit(&mut rng)).count() as u64
    })
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "Monte Carlo pi, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let samples = mode.size(40_000_000, 4_000_000);
    let reps = mode.size(5, 5);
    let threads = workshare::num_threads();
    let sigma = 4.0 * (PI / 4.0 * (1.0 - PI / 4.0) / samples as f64).sqrt();
    println!(
        "{samples} samples, seed {SEED}; median of {reps} runs; standard deviation {sigma:.1e}"
    );
    let estimate = |hits: u64| 4.0 * hits as f64 / samples as f64;
    let mut checks = Checks::default();
    let check_pi = |checks: &mut Checks, what: &str, hits: u64| {
        let pi = estimate(hits);
        let off = (pi - PI).abs() / sigma;
        let detail = format!("pi ~ {pi:.6} ({off:.1} standard deviations from pi)");
        checks.check(off < 5.0, what, detail);
    };

    let (serial_time, hits) = median_time(reps, || serial(samples));
    print_time("serial loop", serial_time, None);
    check_pi(&mut checks, "serial estimate", hits);

    let (time, first) = median_time(reps, || per_thread_init(samples));
    print_time(
        &format!("for_each_init, {threads} threads"),
        time,
        Some(serial_time),
    );
    check_pi(&mut checks, "per-thread generators (for_each_init)", first);
    let second = per_thread_init(samples);
    checks.check(
        first == second,
        "two runs give the same estimate",
        format!("{first} and {second} hits"),
    );

    let (time, slots) = median_time(reps, || per_thread_slots(samples));
    print_time(
        &format!("Slots, {threads} threads"),
        time,
        Some(serial_time),
    );
    checks.check(
        slots == first,
        "Slots give the same hits as for_each_init",
        format!("{slots} hits"),
    );

    let (time, blocks) = median_time(reps, || per_block(samples));
    print_time(
        &format!("one stream per block, {threads} threads"),
        time,
        Some(serial_time),
    );
    check_pi(&mut checks, "per-block generators", blocks);
    let on_one = common::with_threads(1, || per_block(samples));
    checks.check(
        on_one == blocks,
        "per-block estimate is the same on 1 thread",
        format!("{on_one} and {blocks} hits"),
    );
    checks.finish(NAME)
}
