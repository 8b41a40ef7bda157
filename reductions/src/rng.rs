//! A small deterministic random number generator for per-thread and per-chunk streams.

/// The SplitMix64 generator (Steele, Lea and Flood, 2014): 64 bits of state, one multiply-xorshift
/// mix per number, fast and good enough for Monte Carlo, not for cryptography.
///
/// Parallel code needs one generator per thread or per chunk, seeded so that the streams do not
/// overlap: [`stream`](SplitMix64::stream) derives the state from a seed and a stream number by
/// mixing (neighbouring seeds of plain SplitMix64 would give the same sequence shifted by a step).
///
/// * Seeding **per chunk** (stream = block number, with blocks fixed by the input size) makes the
///   result reproducible for any thread count and schedule.
/// * Seeding **per thread** (stream = thread id, from [`for_each_init`](crate::for_each_init))
///   is reproducible only for a fixed thread count and a fixed (static) schedule.
///
/// # Examples
///
/// Monte Carlo pi with one stream per block of samples: the same estimate on any pool.
///
/// ```
/// use workshare_reductions::{sum, Pool, Schedule, SplitMix64};
/// const BLOCKS: usize = 64;
/// const PER_BLOCK: usize = 1000;
/// let hits_on = |threads| {
///     let pool = Pool::new(threads).unwrap();
///     sum(&pool, 0..BLOCKS, Schedule::Dynamic(1), |block| {
///         let mut rng = SplitMix64::stream(42, block as u64);
///         (0..PER_BLOCK)
///             .filter(|_| {
///                 let (x, y) = (rng.next_f64(), rng.next_f64());
///                 x * x + y * y < 1.0
///             })
///             .count() as u64
///     })
/// };
/// let hits = hits_on(1);
/// assert_eq!(hits, hits_on(3));
/// let pi = 4.0 * hits as f64 / (BLOCKS * PER_BLOCK) as f64;
/// assert!((pi - std::f64::consts::PI).abs() < 0.05);
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::SplitMix64;
    /// assert_eq!(SplitMix64::new(7).next_u64(), SplitMix64::new(7).next_u64());
    /// ```
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Generator number `stream` of the family fixed by `seed`; different streams start at
    /// unrelated points of the sequence.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::SplitMix64;
    /// let (mut a, mut b) = (SplitMix64::stream(1, 0), SplitMix64::stream(1, 1));
    /// assert_ne!(a.next_u64(), b.next_u64());
    /// ```
    pub const fn stream(seed: u64, stream: u64) -> Self {
        Self::new(mix(seed ^ mix(stream.wrapping_add(GAMMA))))
    }

    /// The next 64 random bits.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rng = workshare_reductions::SplitMix64::new(0);
    /// assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
    /// ```
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A uniform float in `[0, 1)`, from the top 53 bits.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rng = workshare_reductions::SplitMix64::new(3);
    /// assert!((0..1000).map(|_| rng.next_f64()).all(|x| (0.0..1.0).contains(&x)));
    /// ```
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }
}
