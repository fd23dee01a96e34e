//! Seeded random numbers that are bit-identical natively and in wasm.
//!
//! The generator is PCG64 in its MCG variant (O'Neill 2014, `rand_pcg::Pcg64Mcg`): a fixed
//! algorithm on 128-bit integers, so a seed yields the same stream on 32-bit wasm and 64-bit
//! native (unlike `StdRng`/`SmallRng`, whose algorithm may change or differ by platform).
//! Floats are built from the top 53 bits, and the normal sampler uses only `sqrt` (exact in
//! IEEE 754) and `libm::log`, which is the same code on every target.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Named sub-streams, so that (for example) changing the batch size leaves the weights unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Weights and biases of layer `k` (0-based, output layer included).
    Layer(u32),
    /// Input samples.
    Input,
    /// Regression targets or the probe gradient.
    Target,
    /// Mini-batch order during training.
    Shuffle,
    /// The train/test split of a training run.
    Split,
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Layer(k) => 0x1000 + u64::from(k),
            Stream::Input => 1,
            Stream::Target => 2,
            Stream::Shuffle => 3,
            Stream::Split => 4,
        }
    }
}

/// SplitMix64 finaliser (Steele et al. 2014): decorrelates (seed, stream) pairs.
#[must_use]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded generator with the few draws the project needs.
#[derive(Debug, Clone)]
pub struct Rng {
    inner: Pcg64Mcg,
    spare_normal: Option<f64>,
}

impl Rng {
    /// A generator for `stream` of the experiment seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64, stream: Stream) -> Self {
        let s = splitmix64(seed ^ splitmix64(stream.id()));
        Self { inner: Pcg64Mcg::seed_from_u64(s), spare_normal: None }
    }

    /// Next raw 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform on [0, 1): the top 53 bits times 2⁻⁵³.
    pub fn uniform01(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform01()
    }

    /// Uniform integer in 0..n (n > 0), by Lemire's multiply-shift (bias < n/2⁶⁴).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Standard normal N(0, 1) by Marsaglia's polar method:
    /// draw (u, v) uniform in the unit disc, s = u² + v², then u·√(−2 ln s / s) and v·√(−2 ln s / s)
    /// are independent N(0, 1).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform01() - 1.0;
            let v = 2.0 * self.uniform01() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * libm::log(s) / s).sqrt();
                self.spare_normal = Some(v * f);
                return u * f;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = Rng::new(42, Stream::Layer(0));
        let mut b = Rng::new(42, Stream::Layer(0));
        let mut c = Rng::new(42, Stream::Layer(1));
        let xa: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn normal_moments() {
        // n = 200k: the standard error of the mean is 1/√n ≈ 0.0022 and of the variance √(2/n) ≈ 0.0032;
        // tolerances are 5 standard errors.
        let mut r = Rng::new(7, Stream::Input);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 5.0 * (1.0 / n as f64).sqrt(), "mean {mean}");
        assert!((var - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(), "var {var}");
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(1, Stream::Shuffle);
        for n in [1usize, 2, 3, 7, 1000] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
            }
        }
    }
}
