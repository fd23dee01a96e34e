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
        if n == 0 && bad > 0 {
            // Nothing finite to measure: NaN, never a 0 that would read as "vanished".
            return Self { count: 0, mean: f64::NAN, std: f64::NAN, min: f64::NAN, max: f64::NAN, nonfinite: bad };
        }
        if n == 0 {
            return Self::default();
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
        if self.count == 0 && b.count == 0 {
            let nonfinite = self.nonfinite + b.nonfinite;
            let nan = if nonfinite > 0 { f64::NAN } else { 0.0 };
            return Moments { count: 0, mean: nan, std: nan, min: nan, max: nan, nonfinite };
        }
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

/// The spread of each unit's output across the samples of a batch (columns of a batch × width
/// matrix): per unit, the mean and M₂ = Σ(x − mean)², over `rows` samples. Mergeable across
/// shards of the batch (Chan, Golub & LeVeque 1979, as [`Moments::merge`]).
///
/// The pooled std of a layer mixes two spreads: between units and across samples. When f(0) ≠ 0
/// (sigmoid, softplus) and the signal vanishes, the units keep different means while every
/// sample gives the same output: the pooled std stays level and only this spread shows that the
/// network has forgotten its input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UnitSpread {
    pub rows: usize,
    pub mean: Vec<f64>,
    pub m2: Vec<f64>,
}

impl UnitSpread {
    /// The per-unit spread of `a` (batch × width), in f64.
    #[must_use]
    pub fn of(a: &[f32], width: usize) -> Self {
        let rows = a.len().checked_div(width).unwrap_or(0);
        let mut mean = vec![0f64; width];
        let mut m2 = vec![0f64; width];
        if rows == 0 {
            return Self { rows, mean, m2 };
        }
        for row in a.chunks_exact(width) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += f64::from(x);
            }
        }
        mean.iter_mut().for_each(|m| *m /= rows as f64);
        for row in a.chunks_exact(width) {
            for ((s, &x), &m) in m2.iter_mut().zip(row).zip(&mean) {
                *s += (f64::from(x) - m).powi(2);
            }
        }
        Self { rows, mean, m2 }
    }

    /// The spread of the union of the two sets of samples.
    #[must_use]
    pub fn merge(&self, b: &UnitSpread) -> UnitSpread {
        if b.rows == 0 {
            return self.clone();
        }
        if self.rows == 0 {
            return b.clone();
        }
        let (na, nb) = (self.rows as f64, b.rows as f64);
        let n = na + nb;
        let (mut mean, mut m2) = (Vec::with_capacity(self.mean.len()), Vec::with_capacity(self.mean.len()));
        for j in 0..self.mean.len().min(b.mean.len()) {
            let delta = b.mean[j] - self.mean[j];
            mean.push(self.mean[j] + delta * nb / n);
            m2.push(self.m2[j] + b.m2[j] + delta * delta * na * nb / n);
        }
        UnitSpread { rows: self.rows + b.rows, mean, m2 }
    }

    /// The std of each unit across samples, averaged over the units whose values are all finite;
    /// NaN if there are none (or no samples).
    #[must_use]
    pub fn mean_std(&self) -> f64 {
        let stds: Vec<f64> = self.m2.iter().filter(|m| m.is_finite()).map(|m| (m / self.rows as f64).sqrt()).collect();
        if stds.is_empty() || self.rows == 0 {
            f64::NAN
        } else {
            stds.iter().sum::<f64>() / stds.len() as f64
        }
    }
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
    fn nothing_finite_is_nan_not_zero() {
        let m = Moments::of(&[f32::NAN, f32::INFINITY]);
        assert_eq!((m.count, m.nonfinite), (0, 2));
        assert!(m.std.is_nan() && m.mean.is_nan());
        assert_eq!(Moments::of(&[]), Moments::default());
        let merged = Moments::default().merge(&m);
        assert!(merged.std.is_nan() && merged.nonfinite == 2);
    }

    /// 4 samples × 2 units: unit 0 takes 1, 2, 3, 4 (std √1.25); unit 1 is 7 for every sample
    /// (std 0). The pooled std is large; the spread across samples averages to √1.25/2.
    #[test]
    fn spread_across_samples_per_unit() {
        let a = [1.0, 7.0, 2.0, 7.0, 3.0, 7.0, 4.0, 7.0];
        let u = UnitSpread::of(&a, 2);
        assert!((u.mean_std() - 1.25f64.sqrt() / 2.0).abs() < 1e-12);
        let merged = UnitSpread::of(&a[..2], 2).merge(&UnitSpread::of(&a[2..], 2));
        assert_eq!(merged.rows, 4);
        assert!((merged.mean_std() - u.mean_std()).abs() < 1e-12);
        assert!(Moments::of(&a).std > 2.0);
        assert!(UnitSpread::of(&[], 3).mean_std().is_nan());
    }

    #[test]
    fn dead_and_distinct() {
        // 2 samples × 3 units; unit 1 is zero for both samples
        assert_eq!(alive_units(&[1.0, 0.0, 0.0, 2.0, 0.0, 3.0], 3), [true, false, true]);
        // fan_in 2 × fan_out 3: units 0 and 2 identical
        let w = [0.5, 0.1, 0.5, 0.2, 0.3, 0.2];
        assert_eq!(distinct_neurons(&w, &[0.0, 0.0, 0.0], 2, 3, 1e-6), 2);
        assert_eq!(distinct_neurons(&w, &[0.0, 0.0, 1.0], 2, 3, 1e-6), 3);
    }
}
