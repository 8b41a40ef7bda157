//! `blur`: a 2-D blur stencil over a grayscale image, ported from Numba's `@stencil` example.
//!
//! The Numba original declares a stencil kernel over a `(2N + 1) x (2N + 1)` neighbourhood
//! (`N = 10`) that averages the pixels raised to `GAMMA = 2.2` and returns
//! `uint8(avg ** (1 / GAMMA))`, and lets Numba run it in parallel over the image. Numba's
//! stencils leave the border (where the neighbourhood would leave the image) at zero; so does
//! this port.
//!
//! Each output row depends only on the input, so the rows of the output are shared out with
//! [`workshare::parfor::for_each_row_mut`]: the body gets one output row (`&mut`) and its index
//! and reads the input rows around it. A second version collapses rows and columns into one
//! index space ([`workshare::parfor::for_each_2d`], OpenMP's `collapse(2)`), which balances
//! even an image with fewer rows than threads; its body cannot hold `&mut` to single pixels of
//! a shared output, so it writes each pixel through an atomic byte (relaxed stores, each pixel
//! written once).
//!
//! Each pixel's sum runs in the same order in every version (the pixel powers come from one
//! 256-entry table, computed once), so the outputs must equal the serial one bit for bit; a
//! mismatch exits with status 1.
//!
//! ```text
//! cargo run --release --example blur            # 1024 x 768 image
//! cargo run --release --example blur -- --quick # 320 x 240, for CI
//! ```

mod common;

use common::SplitMix64;
use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use workshare::parfor::{self, Schedule};

const NAME: &str = "blur";
/// The neighbourhood's half width: `(2N + 1)^2` pixels per output pixel.
const N: usize = 10;
const GAMMA: f64 = 2.2;

/// An image of `rows x cols` bytes, row-major.
struct Image {
    rows: usize,
    cols: usize,
    pixels: Vec<u8>,
}

/// A test image: smooth gradients plus noise.
fn make_image(rows: usize, cols: usize) -> Image {
    let mut rng = SplitMix64::stream(11, 0);
    let mut pixels = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            let base = (r * 255 / rows.max(1) + c * 255 / cols.max(1)) / 2;
            let noise = (rng.next_u64() % 64) as usize;
            pixels.push((base + noise).min(255) as u8);
        }
    }
    Image { rows, cols, pixels }
}

/// The stencil kernel: the blurred value of pixel `(r, c)`, which must lie at least `N` pixels
/// from every edge. `power[v]` is `v^GAMMA`.
#[inline]
fn kernel(image: &Image, power: &[f64; 256], r: usize, c: usize) -> u8 {
    let mut acc = 0.0;
    for rr in r - N..=r + N {
        let line = &image.pixels[rr * image.cols + c - N..=rr * image.cols + c + N];
        for &v in line {
            acc += power[v as usize];
        }
    }
    let avg = acc / ((2 * N + 1) * (2 * N + 1)) as f64;
    avg.powf(1.0 / GAMMA) as u8
}

/// Writes output row `r` (zero on the border).
#[inline]
fn blur_row(image: &Image, power: &[f64; 256], r: usize, out_row: &mut [u8]) {
    let inside = r >= N && r + N < image.rows;
    for (c, o) in out_row.iter_mut().enumerate() {
        *o = if inside && c >= N && c + N < image.cols {
            kernel(image, power, r, c)
        } else {
            0
        };
    }
}

/// The serial loop.
fn serial(image: &Image, power: &[f64; 256], out: &mut [u8]) {
    for (r, out_row) in out.chunks_mut(image.cols).enumerate() {
        blur_row(image, power, r, out_row);
    }
}

/// Rows of the output shared out on the global pool.
fn by_rows(image: &Image, power: &[f64; 256], out: &mut [u8]) {
    let pool = workshare::global();
    parfor::for_each_row_mut(pool, out, image.cols, Schedule::Auto, |out_row, r, _ctx| {
        blur_row(image, power, r, out_row)
    });
}

/// Rows and columns collapsed into one index space.
fn collapsed(image: &Image, power: &[f64; 256], out: &[AtomicU8]) {
    let pool = workshare::global();
    let (rows, cols) = (image.rows, image.cols);
    parfor::for_each_2d(pool, rows, cols, Schedule::Auto, |r, c| {
        let inside = r >= N && r + N < rows && c >= N && c + N < cols;
        let value = if inside {
            kernel(image, power, r, c)
        } else {
            0
        };
        out[r * cols + c].store(value, Ordering::Relaxed);
    });
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "A 2-D blur stencil, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let (cols, rows) = mode.size((1024, 768), (320, 240));
    let image = make_image(rows, cols);
    let mut power = [0.0; 256];
    for (v, p) in power.iter_mut().enumerate() {
        *p = (v as f64).powf(GAMMA);
    }
    let reps = mode.size(5, 5);
    println!(
        "{cols} x {rows} image, {0} x {0} neighbourhood; median of {reps} runs; {1} threads",
        2 * N + 1,
        workshare::num_threads()
    );
    let mut checks = Checks::default();

    let mut expected = vec![0u8; rows * cols];
    let (serial_time, ()) = median_time(reps, || serial(&image, &power, &mut expected));
    print_time("serial loop", serial_time, None);
    let interior = expected
        .chunks(cols)
        .skip(N)
        .take(rows.saturating_sub(2 * N))
        .flat_map(|row| &row[N..cols - N]);
    let nonzero = interior.filter(|&&v| v > 0).count();
    checks.check(
        nonzero > 0,
        "the serial blur is not blank",
        format!("{nonzero} nonzero interior pixels"),
    );

    let mut out = vec![0xAAu8; rows * cols];
    let (time, ()) = median_time(reps, || by_rows(&image, &power, &mut out));
    print_time("for_each_row_mut", time, Some(serial_time));
    out.fill(0xAA);
    by_rows(&image, &power, &mut out);
    checks.check(out == expected, "rows equal the serial blur", "bit for bit");

    let cells: Vec<AtomicU8> = (0..rows * cols).map(|_| AtomicU8::new(0xAA)).collect();
    let (time, ()) = median_time(reps, || collapsed(&image, &power, &cells));
    print_time("for_each_2d (collapsed)", time, Some(serial_time));
    cells.iter().for_each(|c| c.store(0xAA, Ordering::Relaxed));
    collapsed(&image, &power, &cells);
    let same = cells
        .iter()
        .zip(&expected)
        .all(|(c, &e)| c.load(Ordering::Relaxed) == e);
    checks.check(same, "collapsed loop equals the serial blur", "bit for bit");
    checks.finish(NAME)
}
