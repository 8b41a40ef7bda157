//! `matmul`: a blocked matrix product `C = A B`, one tile of `C` per task, with no `unsafe` in
//! the caller.
//!
//! The OpenMP original is a `parallel for collapse(2)` over the tiles of `C`, each task
//! multiplying a band of `A` by a band of `B` into its tile. In Rust a tile is not a
//! contiguous slice of a row-major `C` (each of its rows is a column range of a row of `C`),
//! so it cannot be split off with `split_at_mut`: the store used to need `unsafe`, and the
//! safe form over cells with atomics was some thirty times slower.
//! [`workshare::parfor::for_each_tile_mut`] hands each body a [`workshare::parfor::Tile`]
//! with `&mut` access to its own rows' column ranges only; the schedule hands out tiles.
//!
//! Versions: a naive serial triple loop (the reference), the same blocked kernel serially,
//! workshare over tiles, and rayon over bands of rows (`par_chunks_mut`, the nearest rayon
//! has: a band is contiguous). Checks: every version's largest difference from the naive
//! loop is within rounding; the workshare result is bit-identical to the serial blocked one
//! (each cell is summed in the same order). A failure exits with status 1.
//!
//! ```text
//! cargo run --release --example matmul            # 512 x 512
//! cargo run --release --example matmul -- --quick # 192 x 192, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use rayon::prelude::*;
use std::process::ExitCode;
use workshare::parfor::{self, Schedule};

const NAME: &str = "matmul";

/// Rows and columns of a tile of `C`; the inner dimension is blocked by the same amount.
const TILE: usize = 64;

/// `n x n` matrices, row-major.
struct Problem {
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

/// The naive serial product: `c[i][j] = sum over p of a[i][p] * b[p][j]`.
fn naive(p: &Problem, c: &mut [f64]) {
    let n = p.n;
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = (0..n).map(|k| p.a[i * n + k] * p.b[k * n + j]).sum();
        }
    }
}

/// The blocked kernel: writes `A[rows, :] B[:, cols]` into `c_rows`, the rows `rows` of `C`
/// restricted to the columns `cols`, inner dimension in blocks of [`TILE`] (so a block of `B`
/// stays in cache for all the tile's rows).
#[inline]
fn tile_kernel(
    p: &Problem,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    c_rows: &mut [&mut [f64]],
) {
    let n = p.n;
    c_rows.iter_mut().for_each(|row| row.fill(0.0));
    for k0 in (0..n).step_by(TILE) {
        let k1 = (k0 + TILE).min(n);
        for (c_row, i) in c_rows.iter_mut().zip(rows.clone()) {
            for k in k0..k1 {
                let a_ik = p.a[i * n + k];
                let b_row = &p.b[k * n + cols.start..k * n + cols.end];
                for (c, &b) in c_row.iter_mut().zip(b_row) {
                    *c += a_ik * b;
                }
            }
        }
    }
}

/// The blocked product, serially, tile by tile.
fn blocked_serial(p: &Problem, c: &mut [f64]) {
    let n = p.n;
    for i0 in (0..n).step_by(TILE) {
        for j0 in (0..n).step_by(TILE) {
            let (rows, cols) = (i0..(i0 + TILE).min(n), j0..(j0 + TILE).min(n));
            let mut c_rows: Vec<&mut [f64]> = c
                .chunks_mut(n)
                .skip(rows.start)
                .take(rows.len())
                .map(|row| &mut row[cols.clone()])
                .collect();
            tile_kernel(p, rows, cols, &mut c_rows);
        }
    }
}

/// The blocked product on the global pool: one tile of `C` per body, no `unsafe`.
fn workshare_tiles(p: &Problem, c: &mut [f64]) {
    let pool = workshare::global();
    parfor::for_each_tile_mut(pool, c, p.n, (TILE, TILE), Schedule::Auto, |mut tile, _| {
        let (rows, cols) = (tile.rows(), tile.cols());
        let mut c_rows: Vec<&mut [f64]> = tile.rows_mut().collect();
        tile_kernel(p, rows, cols, &mut c_rows);
    });
}

/// rayon over bands of [`TILE`] rows (a band is contiguous), the same kernel per column block.
fn rayon_bands(p: &Problem, c: &mut [f64]) {
    let n = p.n;
    c.par_chunks_mut(TILE * n)
        .enumerate()
        .for_each(|(band, c_band)| {
            let rows = band * TILE..(band * TILE + TILE).min(n);
            for j0 in (0..n).step_by(TILE) {
                let cols = j0..(j0 + TILE).min(n);
                let mut c_rows: Vec<&mut [f64]> = c_band
                    .chunks_mut(n)
                    .map(|row| &mut row[cols.clone()])
                    .collect();
                tile_kernel(p, rows.clone(), cols, &mut c_rows);
            }
        });
}

/// The largest difference of `c` from `reference`, relative to the largest magnitude.
fn max_error(c: &[f64], reference: &[f64]) -> f64 {
    let scale = reference.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    c.iter()
        .zip(reference)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / scale
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "A blocked matrix product, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(512, 192);
    let problem = Problem {
        n,
        a: common::uniform(n * n, 11, -1.0, 1.0),
        b: common::uniform(n * n, 12, -1.0, 1.0),
    };
    let threads = workshare::num_threads();
    let rayon = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    let rayon = rayon.expect("matmul: cannot build the rayon pool");
    println!(
        "C = A B, {n} x {n} float64, tiles of {TILE} x {TILE}; median of {} runs; {threads} threads",
        mode.reps
    );
    let mut checks = Checks::default();

    let mut reference = vec![0.0; n * n];
    let (naive_time, ()) = median_time(mode.reps, || naive(&problem, &mut reference));
    print_time("naive serial loop", naive_time, None);
    let mut blocked = vec![0.0; n * n];
    let (serial_time, ()) = median_time(mode.reps, || blocked_serial(&problem, &mut blocked));
    print_time("blocked serial loop (the baseline)", serial_time, None);

    let mut c = vec![f64::NAN; n * n];
    let (time, ()) = median_time(mode.reps, || workshare_tiles(&problem, &mut c));
    print_time("workshare for_each_tile_mut", time, Some(serial_time));
    checks.check(
        common::same_bits_f64(&c, &blocked),
        "tiles equal the blocked serial loop",
        "bit for bit",
    );
    let error = max_error(&c, &reference);
    checks.check(
        error <= 1e-12,
        "tiles match the naive loop",
        format!("largest difference {error:.1e} of the largest |C|"),
    );

    let mut c = vec![f64::NAN; n * n];
    let (time, ()) = rayon.install(|| median_time(mode.reps, || rayon_bands(&problem, &mut c)));
    print_time("rayon par_chunks_mut (row bands)", time, Some(serial_time));
    let error = max_error(&c, &reference);
    checks.check(
        error <= 1e-12,
        "rayon matches the naive loop",
        format!("largest difference {error:.1e} of the largest |C|"),
    );
    checks.finish(NAME)
}
