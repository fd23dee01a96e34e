//! Per-layer statistics: moments, histograms, saturation, dead units, symmetry.

use serde::{Deserialize, Serialize};

/// Mean, standard deviation (population, 1/n), extremes and non-finite count of a set of values.
/// Sums are kept in f64; non-finite values are counted apart and left out of the other fields.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Moments {
    pub count: usize,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
    pub nonfinite: usize,
}

impl Moments {
    /// Moments of `xs` in one pass, with sums of x − K for K the first finite value (the shifted
    /// data algorithm, Chan, Golub & LeVeque 1983): var = (Σ(x−K)² − (Σ(x−K))²/n)/n stays accurate
    /// when the mean is large against the spread, unlike the raw E[x²] − E[x]².
    #[must_use]
    pub fn of(xs: &[f32]) -> Self {
        let shift = xs.iter().copied().find(|x| x.is_finite()).unwrap_or(0.0);
        let (mut n, mut s1, mut s2, mut bad) = (0usize, 0f64, 0f64, 0usize);
        let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
        for &x in xs {
            if x.is_finite() {
                let d = f64::from(x) - f64::from(shift);
                n += 1;
                s1 += d;
                s2 += d * d;
                min = min.min(x);
                max = max.max(x);
            } else {
                bad += 1;
            }
        }
        if n == 0 {
            return Self { count: 0, mean: 0.0, std: 0.0, min: 0.0, max: 0.0, nonfinite: bad };
        }
        let nf = n as f64;
        let var = ((s2 - s1 * s1 / nf) / nf).max(0.0);
        Self { count: n, mean: f64::from(shift) + s1 / nf, std: var.sqrt(), min: f64::from(min), max: f64::from(max), nonfinite: bad }
    }

    /// The moments of the union of two sets (Chan, Golub & LeVeque 1979): with δ = mean_b − mean_a,
    /// mean = mean_a + δ·n_b/n and M₂ = M₂a + M₂b + δ²·n_a·n_b/n, where M₂ = n·std².
    #[must_use]
    pub fn merge(&self, b: &Moments) -> Moments {
        let (na, nb) = (self.count as f64, b.count as f64);
        if b.count == 0 {
            return Moments { nonfinite: self.nonfinite + b.nonfinite, ..*self };
        }
        if self.count == 0 {
            return Moments { nonfinite: self.nonfinite + b.nonfinite, ..*b };
        }
        let n = na + nb;
        let delta = b.mean - self.mean;
        let m2 = self.std * self.std * na + b.std * b.std * nb + delta * delta * na * nb / n;
        Moments {
            count: self.count + b.count,
            mean: self.mean + delta * nb / n,
            std: (m2 / n).max(0.0).sqrt(),
            min: self.min.min(b.min),
            max: self.max.max(b.max),
            nonfinite: self.nonfinite + b.nonfinite,
        }
    }

    /// Root mean square, √(mean² + std²).
    #[must_use]
    pub fn rms(&self) -> f64 {
        (self.mean * self.mean + self.std * self.std).sqrt()
    }
}

/// How a histogram's range is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// A given [lo, hi].
    Fixed(f64, f64),
    /// [min, max] of the finite values.
    Adaptive,
}

/// Equal-width bins over [lo, hi]; values outside are counted in `below`/`above`, non-finite in `nonfinite`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u32>,
    pub below: u32,
    pub above: u32,
    pub nonfinite: u32,
}

impl Histogram {
    /// Bins `xs` into `bins` bins.
    #[must_use]
    pub fn of(xs: &[f32], bins: usize, range: Range) -> Self {
        let bins = bins.max(1);
        let (lo, hi) = match range {
            Range::Fixed(lo, hi) => (lo, hi),
            Range::Adaptive => {
                let m = Moments::of(xs);
                (m.min, m.max)
            }
        };
        // A degenerate range (all values equal) gets a small width around the value.
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5 * lo.abs().max(1e-12), hi + 0.5 * hi.abs().max(1e-12)) };
        let mut h = Self { lo, hi, counts: vec![0; bins], below: 0, above: 0, nonfinite: 0 };
        let scale = bins as f64 / (hi - lo);
        // Fast path in f32: one multiply and one range test per value (a value within f32
        // rounding, ~1e-7 relative, of an inner bin edge may land in the neighbouring bin). Values
        // in the outer half bins, outside [lo, hi] or non-finite are settled in f64 by `slow_bin`.
        let (lo32, scale32, nbins) = (lo as f32, scale as f32, bins as f32);
        for &x in xs {
            let t = (x - lo32) * scale32;
            if t >= 0.5 && t < nbins - 0.5 {
                h.counts[t as usize] += 1;
            } else {
                h.slow_bin(x, scale);
            }
        }
        h
    }

    fn slow_bin(&mut self, x: f32, scale: f64) {
        let bins = self.counts.len();
        if !x.is_finite() {
            self.nonfinite += 1;
            return;
        }
        let x = f64::from(x);
        if x < self.lo {
            self.below += 1;
        } else if x > self.hi {
            self.above += 1;
        } else {
            let i = (((x - self.lo) * scale) as usize).min(bins - 1);
            self.counts[i] += 1;
        }
    }

    /// Adds the counts of `other`, a histogram over the same bins.
    pub fn add(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.below += other.below;
        self.above += other.above;
        self.nonfinite += other.nonfinite;
    }

    /// Total of all counts, out-of-range and non-finite included.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum::<u64>() + u64::from(self.below) + u64::from(self.above) + u64::from(self.nonfinite)
    }
}

/// Fraction of the values `a` (batch × width) for which `saturated` holds.
#[must_use]
pub fn saturated_fraction(a: &[f32], saturated: fn(f32) -> bool) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    a.iter().filter(|&&y| saturated(y)).count() as f64 / a.len() as f64
}

/// Fraction of units (columns of `a`, batch × width) whose output is exactly 0 for every sample:
/// a "dead" unit, which passes no gradient through a ReLU.
#[must_use]
pub fn dead_fraction(a: &[f32], width: usize) -> f64 {
    let alive = alive_units(a, width);
    if alive.is_empty() {
        return 0.0;
    }
    alive.iter().filter(|&&x| !x).count() as f64 / alive.len() as f64
}

/// For each unit (column of `a`, batch × width), whether its output is nonzero for some sample.
#[must_use]
pub fn alive_units(a: &[f32], width: usize) -> Vec<bool> {
    let mut alive = vec![false; width];
    if width == 0 {
        return alive;
    }
    for row in a.chunks_exact(width) {
        for (al, &y) in alive.iter_mut().zip(row) {
            *al |= y != 0.0;
        }
    }
    alive
}

/// Number of distinct neurons of a layer: units whose incoming weights (column j of the row-major
/// fan_in × fan_out matrix `w`) and bias agree within `tol` count once. Greedy grouping against
/// one representative per group; comparisons exit at the first differing weight, so random
/// layers cost about one comparison per pair.
#[must_use]
pub fn distinct_neurons(w: &[f32], b: &[f32], fan_in: usize, fan_out: usize, tol: f32) -> usize {
    let mut reps: Vec<usize> = Vec::new();
    'unit: for j in 0..fan_out {
        for &r in &reps {
            if (b[j] - b[r]).abs() <= tol && (0..fan_in).all(|i| (w[i * fan_out + j] - w[i * fan_out + r]).abs() <= tol) {
                continue 'unit;
            }
        }
        reps.push(j);
    }
    reps.len()
}

/// The tolerance used for [`distinct_neurons`]: 10⁻⁵ of the largest |weight| or |bias| of the layer
/// (f32 has ~7 significant digits, so equal-by-symmetry units agree far closer than this).
#[must_use]
pub fn symmetry_tolerance(w: &[f32], b: &[f32]) -> f32 {
    let m = w.iter().chain(b).filter(|x| x.is_finite()).fold(0f32, |m, &x| m.max(x.abs()));
    1e-5 * m
}

/// Frobenius norm √(Σ x²), in f64.
#[must_use]
pub fn l2_norm(xs: &[f32]) -> f64 {
    xs.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_exact_on_known_data() {
        let m = Moments::of(&[1.0, 2.0, 3.0, 4.0, f32::NAN, f32::INFINITY]);
        assert_eq!(m.count, 4);
        assert_eq!(m.nonfinite, 2);
        assert_eq!(m.mean, 2.5);
        assert!((m.std - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!((m.min, m.max), (1.0, 4.0));
        // Large offset, tiny spread: the shifted sums keep the spread.
        let xs: Vec<f32> = (0..1000).map(|i| 10_000.0 + if i % 2 == 0 { 0.5 } else { -0.5 }).collect();
        assert!((Moments::of(&xs).std - 0.5).abs() < 1e-9);
    }

    #[test]
    fn histogram_counts_everything_once() {
        let xs = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, f32::NAN];
        let h = Histogram::of(&xs, 4, Range::Fixed(-1.0, 1.0));
        assert_eq!(h.counts, vec![1, 1, 1, 2]);
        assert_eq!((h.below, h.above, h.nonfinite), (1, 1, 1));
        assert_eq!(h.total(), xs.len() as u64);
        let a = Histogram::of(&[3.0, 3.0], 10, Range::Adaptive);
        assert_eq!(a.counts.iter().sum::<u32>(), 2);
    }

    #[test]
    fn merging_moments_equals_moments_of_the_union() {
        let a: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 3.0 + 1.0).collect();
        let whole = Moments::of(&a);
        let merged = Moments::of(&a[..313]).merge(&Moments::of(&a[313..]));
        assert_eq!(merged.count, whole.count);
        assert!((merged.mean - whole.mean).abs() < 1e-12);
        assert!((merged.std - whole.std).abs() < 1e-12);
        assert_eq!((merged.min, merged.max), (whole.min, whole.max));
        assert_eq!(Moments::default().merge(&whole), whole);
    }

    #[test]
    fn dead_and_distinct() {
        // 2 samples × 3 units; unit 1 is zero for both samples
        assert_eq!(dead_fraction(&[1.0, 0.0, 0.0, 2.0, 0.0, 3.0], 3), 1.0 / 3.0);
        // fan_in 2 × fan_out 3: units 0 and 2 identical
        let w = [0.5, 0.1, 0.5, 0.2, 0.3, 0.2];
        assert_eq!(distinct_neurons(&w, &[0.0, 0.0, 0.0], 2, 3, 1e-6), 2);
        assert_eq!(distinct_neurons(&w, &[0.0, 0.0, 1.0], 2, 3, 1e-6), 3);
    }
}
