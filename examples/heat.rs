//! `heat`: explicit 2-D heat diffusion on a square plate, every time step inside one parallel
//! region, ported from the OpenMP pattern `#pragma omp parallel` around the time loop with
//! `#pragma omp for reduction(max: residual)` inside.
//!
//! The plate is a row-major grid whose border is held at fixed temperatures (hot top edge);
//! each step computes the interior of the next grid from the previous one with the 5-point
//! stencil `u' = u + k (up + down + left + right - 4u)` and the largest change of any cell
//! (the convergence residual). The program forks the team once for all steps:
//!
//! - the two grids are lent to the region as [`workshare::RegionSlice`]s; every team thread
//!   takes a handle of each, reads the previous grid with `read()` and writes the next one row
//!   by row with [`workshare::parfor::team_for_each_row_mut`] (no `unsafe`, no atomics);
//! - each thread keeps its own largest change, and `team.reduce(.., f64::max)` gives every
//!   thread the team's, so that all stop at the same step when it falls below the tolerance;
//! - `single_copy` hands the step count the run stopped at to every thread.
//!
//! The stencil computes each cell from the same inputs in the same order as the serial loop and
//! a maximum does not depend on its order, so the final grid, the step count and every
//! residual must equal the serial loop's bit for bit. A mismatch exits with status 1.
//!
//! ```text
//! cargo run --release --example heat            # 1,000 x 1,000, up to 200 steps
//! cargo run --release --example heat -- --quick # 200 x 200, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use workshare::parfor::{self, single_copy, Schedule};
use workshare::RegionSlice;

const NAME: &str = "heat";
/// The diffusion number `k` of the explicit scheme (stable below 1/4).
const K: f64 = 0.2;
/// Steps stop once no cell changes by more than this.
const TOLERANCE: f64 = 1e-4;

/// The starting plate: 100 degrees on the top edge, 0 elsewhere.
fn initial(n: usize) -> Vec<f64> {
    let mut grid = vec![0.0; n * n];
    grid[..n].fill(100.0);
    grid
}

/// Computes row `row` (not a border row) of the next grid from `old` into `out`, returning
/// the largest change.
#[inline]
fn step_row(old: &[f64], n: usize, row: usize, out: &mut [f64]) -> f64 {
    let (up, here, down) = (
        &old[(row - 1) * n..row * n],
        &old[row * n..(row + 1) * n],
        &old[(row + 1) * n..(row + 2) * n],
    );
    out[0] = here[0];
    out[n - 1] = here[n - 1];
    let mut change: f64 = 0.0;
    for c in 1..n - 1 {
        let next = here[c] + K * (up[c] + down[c] + here[c - 1] + here[c + 1] - 4.0 * here[c]);
        change = change.max((next - here[c]).abs());
        out[c] = next;
    }
    change
}

/// What a run produces: the final grid, the steps taken, the residual after each step.
type Outcome = (Vec<f64>, usize, Vec<f64>);

/// The serial time loop.
fn serial(n: usize, max_steps: usize) -> Outcome {
    let (mut old, mut new) = (initial(n), initial(n));
    let mut residuals = Vec::new();
    for _ in 0..max_steps {
        let mut change: f64 = 0.0;
        for row in 1..n - 1 {
            change = change.max(step_row(&old, n, row, &mut new[row * n..(row + 1) * n]));
        }
        std::mem::swap(&mut old, &mut new);
        residuals.push(change);
        if change < TOLERANCE {
            break;
        }
    }
    (old, residuals.len(), residuals)
}

/// Every step in one region of the global pool.
fn parallel(n: usize, max_steps: usize) -> Outcome {
    let (mut a, mut b) = (initial(n), initial(n));
    let residuals = std::sync::Mutex::new(Vec::new());
    let steps = std::sync::atomic::AtomicUsize::new(0);
    // The borrows of `a` and `b` end with this block.
    {
        let (grid_a, grid_b) = (RegionSlice::new(&mut a), RegionSlice::new(&mut b));
        workshare::region(|team| {
            let (mut ha, mut hb) = (grid_a.take(team), grid_b.take(team));
            let mut taken = max_steps;
            for step in 0..max_steps {
                // Even steps read `a` and write `b`; odd steps the other way round.
                let (old, new) = if step % 2 == 0 {
                    (&ha, &mut hb)
                } else {
                    (&hb, &mut ha)
                };
                let old = old.read();
                let mut change: f64 = 0.0;
                // Border rows (0 and n - 1) never change: both grids start with them.
                parfor::team_for_each_row_mut(new, n, Schedule::Static, |out, row, _| {
                    if row != 0 && row != n - 1 {
                        change = change.max(step_row(old, n, row, out));
                    }
                });
                let residual = team.reduce(change, f64::max);
                if team.thread_id() == 0 {
                    residuals.lock().unwrap().push(residual);
                }
                if residual < TOLERANCE {
                    taken = step + 1;
                    break;
                }
            }
            // Every thread stopped at the same step (they all got the same residuals); one of them
            // reports it, and every thread gets the report.
            let reported = single_copy(team, || taken);
            assert_eq!(reported, taken);
            steps.store(reported, std::sync::atomic::Ordering::Relaxed);
        });
    }
    let steps = steps.into_inner();
    let last = if steps % 2 == 1 { b } else { a };
    (last, steps, residuals.into_inner().unwrap())
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "2-D heat diffusion, serial vs one region.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let (n, max_steps) = mode.size((1_000, 200), (200, 200));
    println!(
        "{n} x {n} plate of float64, up to {max_steps} steps; median of {} runs; {} threads",
        mode.reps,
        workshare::num_threads()
    );
    let mut checks = Checks::default();

    let (serial_time, expected) = median_time(mode.reps, || serial(n, max_steps));
    print_time("serial loop", serial_time, None);
    let (time, outcome) = median_time(mode.reps, || parallel(n, max_steps));
    print_time("one region, team loops", time, Some(serial_time));

    let (grid, steps, residuals) = outcome;
    let (expected_grid, expected_steps, expected_residuals) = expected;
    checks.check(
        steps == expected_steps,
        "same number of steps",
        format!("{steps} (serial {expected_steps})"),
    );
    checks.check(
        common::same_bits_f64(&residuals, &expected_residuals),
        "residuals equal the serial loop's",
        format!("last {:.3e}", residuals.last().copied().unwrap_or(0.0)),
    );
    checks.check(
        common::same_bits_f64(&grid, &expected_grid),
        "final grid equals the serial loop's",
        "bit for bit",
    );
    checks.finish(NAME)
}
