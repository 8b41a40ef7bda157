//! The random numbers of workshare's tests, examples and benchmarks: a small deterministic
//! generator with independent streams per thread or per chunk. Support code, not part of the
//! published API. Each package that uses it holds a copy (a package cannot include a file
//! outside itself); `.ci/run` checks that the copies are identical.
#![allow(dead_code)]

/// The SplitMix64 generator (Steele, Lea and Flood, 2014): 64 bits of state, one multiply-xorshift
/// mix per number, fast and good enough for Monte Carlo, not for cryptography.
///
/// Parallel code needs one generator per thread or per chunk, seeded so that the streams do not
/// overlap: [`stream`](SplitMix64::stream) derives the state from a seed and a stream number by
/// mixing (neighbouring seeds of plain SplitMix64 would give the same sequence shifted by a step).
///
/// * Seeding **per chunk** (stream = block number, with blocks fixed by the input size) makes the
///   result reproducible for any thread count and schedule.
/// * Seeding **per thread** (stream = thread id, from `for_each_init`) is reproducible only
///   for a fixed thread count and a fixed (static) schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

/// The golden-ratio increment of SplitMix64.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (a variant of MurmurHash3's finalizer).
#[inline]
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Generator number `stream` of the family fixed by `seed`; different streams start at
    /// unrelated points of the sequence.
    pub const fn stream(seed: u64, stream: u64) -> Self {
        Self::new(mix(seed ^ mix(stream.wrapping_add(GAMMA))))
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A uniform float in `[0, 1)`, from the top 53 bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }
}
