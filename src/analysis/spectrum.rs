//! Dynamical isometry: the singular values of the input–output Jacobian J = ∂a_L/∂x at
//! initialization, and what free probability predicts of them.
//!
//! The std per layer (χ) says whether a signal keeps its size on average; the spectrum says
//! whether it keeps its shape. Pennington, Schoenholz & Ganguli (2017, "Resurrecting the sigmoid
//! in deep learning through dynamical isometry") showed that with orthogonal weights and tanh at
//! the edge of chaos with a small fixed point q*, the singular values of J stay near 1 at depth
//! hundreds, while with Gaussian weights, or with ReLU whatever the weights, they spread over
//! orders of magnitude although the mean of λ = s² is 1 in both.
//!
//! **Theory.** With J = D_L·W_L⋯D_1·W_1, the layers free of each other at large width, the
//! normalised variance v(X) = E[X²]/E[X]² − 1 of a product of free positive elements adds
//! (from φ(abab) = φ(a²)φ(b)² + φ(a)²φ(b²) − φ(a)²φ(b)² for free a, b), so of λ:
//!
//!   E[λ] = Π_l σ²_{w,l}·μ₁,l,   Var[λ] = E[λ]²·Σ_l (μ₂,l/μ₁,l² − 1 − s₁),
//!
//! with μ_k,l = E[φ′(z)^{2k}] over z ~ N(μ_b, q_l), q_l the variance recursion's pre-activation
//! variance at layer l, and s₁ = −1 for i.i.d. weights (WᵀW a Marchenko–Pastur matrix of ratio 1,
//! v = 1) and 0 for orthogonal ones (WᵀW = g²·I, v = 0). At the fixed point (q_l = q*, χ = 1)
//! this is Pennington et al.'s σ²_{JJᵀ} = L·(μ₂/μ₁² − 1 − s₁) (2017, eq. 16; 2018, "The
//! emergence of spectral universality in deep networks").

use crate::analysis::theory::{dphi, expect, layer_bias_moments, moments, weight_variance, Setup, PANELS};
use crate::choice::{Choice, Entry};
use crate::math::linalg::{singular_values, SvdFailed};
use crate::nn::init::{Draw, Init};
use crate::nn::jacobian::{tangents, JacobianError};
use crate::nn::network::{Mlp, Source};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::ControlFlow;

/// Singular values wanted, pooled over the inputs: enough for a histogram of 48 bins.
pub const POOLED: usize = 1024;

/// The most inputs whose Jacobians are taken.
pub const MAX_INPUTS: usize = 64;

/// How many of the batch's inputs the spectrum takes: enough that [`POOLED`] singular values
/// are pooled (each input's Jacobian has min(n_in, width)), at most [`MAX_INPUTS`] and the batch.
/// One input's Jacobian costs about 2·n_in·width²·depth flops, so at width 1024 one input (215
/// GFLOP at depth 100) is taken, at 256 four, and at 2-D input 64 (each J is 2 × width).
#[must_use]
pub fn inputs_for(input_dim: usize, width: usize, batch: usize) -> usize {
    POOLED.div_ceil(input_dim.min(width).max(1)).clamp(1, MAX_INPUTS).min(batch.max(1))
}

/// Whether the page measures the spectrum, and at which inputs (the URL's `spectrum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SpectrumInput {
    /// Not measured.
    #[default]
    Off,
    /// At the batch's first inputs ([`inputs_for`]), as they are.
    Batch,
    /// At those inputs rescaled so that layer 1's pre-activations have variance q*, the fixed
    /// point of the variance map, where free probability's predictions hold layer after layer.
    FixedPoint,
}

impl Choice for SpectrumInput {
    const WHAT: &'static str = "Jacobian spectrum";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: SpectrumInput::Off, id: "off", aliases: &["none", "0"], label: "off" },
        Entry { value: SpectrumInput::Batch, id: "batch", aliases: &["on", "1"], label: "at inputs of the batch" },
        Entry { value: SpectrumInput::FixedPoint, id: "fixed", aliases: &["fixed_point", "qstar"], label: "at inputs scaled to q*" },
    ];
}

/// "Near 1": singular values in (0.5, 2).
pub const NEAR_ONE: (f64, f64) = (0.5, 2.0);

/// Depths at which the spectrum is decomposed for the depth chart, at most.
pub const DEPTH_POINTS: usize = 12;

/// The summary numbers of a set of singular values (those of a few inputs' Jacobians, pooled).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectrumStats {
    /// Singular values pooled (min(n_in, n_L) per input).
    pub count: usize,
    /// Of them, resolved: above their own input's [`rounding_floor`], below which f64 rounding
    /// cannot tell a value from 0. ReLU's Jacobian has rank about n/2 (D zeroes the units that
    /// are off); a product of many Gaussian matrices has its smallest values far below the floor.
    pub resolved: usize,
    /// E[λ] and Var[λ] of λ = s² over all of them (the zeros too: E[λ] = tr(JᵀJ)/n).
    pub mean_lambda: f64,
    pub var_lambda: f64,
    /// The share of all of them in (0.5, 2).
    pub share_near_1: f64,
    /// The standard deviation of log₁₀ s over the resolved ones.
    pub sd_log10_s: f64,
    /// s_max / s_min over all of them: ∞ when any is unresolved (at least 1/(max(rows, cols)·ε)).
    pub condition: f64,
}

/// The smallest singular value f64 rounding can tell from 0 in a `rows × cols` Jacobian formed
/// by `layers` products: s_max·max(rows, cols)·layers·ε. NumPy's `matrix_rank` tolerance
/// (s_max·max(rows, cols)·ε) is the SVD's own rounding; each product before it adds about as much
/// again, relative to the largest value.
#[must_use]
pub fn rounding_floor(s_max: f64, (rows, cols): (usize, usize), layers: usize) -> f64 {
    s_max * rows.max(cols) as f64 * layers.max(1) as f64 * f64::EPSILON
}

/// Each input's singular values (largest first) above its [`rounding_floor`], pooled.
#[must_use]
pub fn resolved(per_input: &[Vec<f64>], dims: (usize, usize), layers: usize) -> Vec<f64> {
    per_input
        .iter()
        .flat_map(|s| {
            let floor = rounding_floor(s.first().copied().unwrap_or(0.0), dims, layers);
            s.iter().copied().filter(move |&v| v > floor)
        })
        .collect()
}

impl SpectrumStats {
    /// The numbers of the singular values of several Jacobians, each `dims` = rows × cols and
    /// formed over `layers` layers, largest first.
    #[must_use]
    pub fn of(per_input: &[Vec<f64>], dims: (usize, usize), layers: usize) -> Self {
        let all: Vec<f64> = per_input.iter().flatten().copied().collect();
        let count = all.len();
        let nz = resolved(per_input, dims, layers);
        let n = count.max(1) as f64;
        let mean_lambda = all.iter().map(|s| s * s).sum::<f64>() / n;
        // λ = s² may overflow f64 where s does not (s > 1.3e154): then so do its mean and variance.
        let var_lambda =
            if mean_lambda.is_finite() { all.iter().map(|s| (s * s - mean_lambda).powi(2)).sum::<f64>() / n } else { f64::INFINITY };
        let share_near_1 = all.iter().filter(|&&s| s > NEAR_ONE.0 && s < NEAR_ONE.1).count() as f64 / n;
        // libm, not std: std's log10 is the platform's natively, and the bits must be the same in wasm.
        let logs: Vec<f64> = nz.iter().map(|&s| libm::log10(s)).collect();
        let m = logs.iter().sum::<f64>() / logs.len().max(1) as f64;
        let sd_log10_s = (logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / logs.len().max(1) as f64).sqrt();
        let max = all.iter().copied().fold(0.0, f64::max);
        let condition =
            if nz.len() < count || count == 0 { f64::INFINITY } else { max / all.iter().copied().fold(f64::INFINITY, f64::min) };
        Self { count, resolved: nz.len(), mean_lambda, var_lambda, share_near_1, sd_log10_s, condition }
    }
}

/// What free probability predicts of λ = s² after the first l layers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectrumTheory {
    pub mean_lambda: f64,
    pub var_lambda: f64,
}

/// Why no prediction is drawn beside the spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoTheory {
    /// J is not square (the input's dimension is not the width): Marchenko–Pastur of another ratio.
    NotSquare,
    /// A normalization layer: the theory is of plain layers.
    Normalized,
    /// Zero or constant weights: not random matrices.
    NotRandom,
    /// The recursion leaves the range where its expectations are finite and nonzero.
    OutOfRange,
    /// Residual blocks: each block's Jacobian is I + α·∂F/∂x, not a product of W and diag(φ′).
    Residual,
}

impl fmt::Display for NoTheory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotSquare => "no prediction: the theory is of square Jacobians, and this input's dimension is not the width",
            Self::Normalized => "no prediction: the free-probability theory is of plain layers, without normalization",
            Self::NotRandom => "no prediction: zero and constant weights are not random matrices (every unit is the same)",
            Self::OutOfRange => "no prediction: the signal vanishes or overflows, so E[φ′²] is 0 or not finite",
            Self::Residual => "no prediction: the free-probability formulas here are of a chain of plain layers, and a residual block's Jacobian is I + α·∂F/∂x",
        })
    }
}

/// The weights' s₁ (−1 for i.i.d. entries, 0 for orthogonal), or why there is no theory.
fn s1(c: &Setup) -> Result<f64, NoTheory> {
    let draw = c.init.draw(c.width, c.width, c.act);
    if matches!(c.init.kind, Init::Zeros | Init::Constant) || matches!(draw, Draw::Constant(_)) {
        return Err(NoTheory::NotRandom);
    }
    if c.arch.residual().is_some() {
        return Err(NoTheory::Residual);
    }
    if c.norm.is_some() {
        return Err(NoTheory::Normalized);
    }
    if c.input_dim != c.width {
        return Err(NoTheory::NotSquare);
    }
    Ok(if matches!(draw, Draw::Orthogonal { .. }) { 0.0 } else { -1.0 })
}

/// E[λ] and Var[λ] after each hidden layer l = 1…L (index l − 1), for inputs of mean square
/// `input_ms` per feature: the formulas of the module's doc.
pub fn predict(c: &Setup, input_ms: f64) -> Result<Vec<SpectrumTheory>, NoTheory> {
    let s1 = s1(c)?;
    let (sw2_first, _) = weight_variance(c, c.input_dim, c.width);
    let (sw2, _) = weight_variance(c, c.width, c.width);
    let (mb_first, sb2_first) = layer_bias_moments(c, c.input_dim, c.width);
    let (mb, sb2) = layer_bias_moments(c, c.width, c.width);
    let mut q = sw2_first * input_ms + sb2_first;
    let (mut mean, mut v) = (1.0f64, 0.0f64);
    let mut out = Vec::with_capacity(c.depth);
    for l in 0..c.depth {
        let (m_b, w2) = if l == 0 { (mb_first, sw2_first) } else { (mb, sw2) };
        let mu1 = expect(|z| dphi(c.act, z).powi(2), m_b, q, PANELS);
        let mu2 = expect(|z| dphi(c.act, z).powi(4), m_b, q, PANELS);
        if !(mu1 > 0.0 && mu1.is_finite() && mu2.is_finite() && q.is_finite()) {
            return Err(NoTheory::OutOfRange);
        }
        mean *= w2 * mu1;
        // μ₂ ≥ μ₁² (Cauchy–Schwarz): a quadrature's rounding below that is 0, not a negative variance.
        v += (mu2 / (mu1 * mu1) - 1.0).max(0.0) - s1;
        out.push(SpectrumTheory { mean_lambda: mean, var_lambda: mean * mean * v });
        q = sw2 * moments(c.act, m_b, q, PANELS).1 + sb2;
    }
    Ok(out)
}

/// The mean square per feature of inputs that put layer 1's pre-activations at the fixed point
/// q* of the variance map (σ_w,1²·E[x²] + σ_b,1² = q*), where the free-probability predictions
/// hold layer after layer; `None` where there is no positive finite q* reachable so (q* = 0, ∞,
/// or below the first layer's bias variance).
#[must_use]
pub fn fixed_point_input_ms(c: &Setup) -> Option<f64> {
    let (sw2_first, _) = weight_variance(c, c.input_dim, c.width);
    let (sw2, _) = weight_variance(c, c.width, c.width);
    let (mb, sb2) = layer_bias_moments(c, c.width, c.width);
    let (_, sb2_first) = layer_bias_moments(c, c.input_dim, c.width);
    let fixed = crate::analysis::theory::fixed_point(c.act, sw2, mb, sb2, 1.0, PANELS);
    let ms = (fixed.q_star - sb2_first) / sw2_first;
    (fixed.q_star.is_finite() && fixed.q_star > 0.0 && ms.is_finite() && ms > 0.0).then_some(ms)
}

/// The depths 1…L at which the spectrum is decomposed: every one up to [`DEPTH_POINTS`], else
/// about log-spaced, always with 1 and L.
#[must_use]
pub fn depth_points(depth: usize) -> Vec<usize> {
    if depth <= DEPTH_POINTS {
        return (1..=depth).collect();
    }
    let mut v: Vec<usize> =
        (0..DEPTH_POINTS).map(|i| libm::pow(depth as f64, i as f64 / (DEPTH_POINTS - 1) as f64).round() as usize).collect();
    v.dedup();
    v
}

/// One depth's measurement: its numbers, and the theory's beside them where it has any.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DepthSpectrum {
    pub depth: usize,
    pub stats: SpectrumStats,
    pub theory: Option<SpectrumTheory>,
}

/// The spectrum of a network at a few inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// The last hidden layer's singular values, each input's largest first.
    pub singular: Vec<Vec<f64>>,
    /// J's shape: n_in × n_L.
    pub dims: (usize, usize),
    /// At every depth of [`depth_points`], the last one L.
    pub by_depth: Vec<DepthSpectrum>,
    /// Why no theory is drawn, if none is.
    pub no_theory: Option<NoTheory>,
    /// How many inputs' Jacobians are pooled.
    pub inputs: usize,
    /// The inputs' mean square per feature, layer 1's pre-activation variance q₁ it gives, and
    /// the variance map's fixed point q* (if it has a positive finite one).
    pub input_ms: f64,
    pub q_first: f64,
    pub q_star: Option<f64>,
}

impl Spectrum {
    /// The numbers at the network's full depth.
    #[must_use]
    pub fn last(&self) -> Option<&DepthSpectrum> {
        self.by_depth.last()
    }

    /// A hash of every singular value's bits, at every depth measured (FNV-1a over the f64 bits):
    /// the same on every target, which the native and the browser tests check.
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        let bits = self.singular.iter().flatten().map(|v| v.to_bits());
        let stats = self.by_depth.iter().flat_map(|d| [d.stats.mean_lambda, d.stats.var_lambda, d.stats.sd_log10_s].map(f64::to_bits));
        for b in bits.chain(stats) {
            for byte in b.to_le_bytes() {
                h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }

    /// The last layer's singular values that rounding can tell from 0 ([`resolved`]).
    #[must_use]
    pub fn resolved(&self) -> Vec<f64> {
        resolved(&self.singular, self.dims, self.last().map_or(1, |d| d.depth))
    }
}

/// Why a spectrum was not measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpectrumError {
    Jacobian(JacobianError),
    Svd(SvdFailed),
    /// Stopped by the caller.
    Stopped,
}

impl fmt::Display for SpectrumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jacobian(e) => e.fmt(f),
            Self::Svd(e) => e.fmt(f),
            Self::Stopped => f.write_str("stopped"),
        }
    }
}

/// What [`measure`] is asked: the inputs `x` (whole rows), their mean square per feature for the
/// theory, and the depths at which to decompose (the network's depth among them).
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub x: &'a [f32],
    pub input_ms: f64,
    pub points: &'a [usize],
}

/// The singular values of some inputs' Jacobians at each depth decomposed: what one worker
/// computes of a spectrum whose inputs are split across workers ([`assemble`] joins the parts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumPart {
    /// J's shape (n_in × n_L, the same at every depth of a plain network).
    pub dims: (usize, usize),
    /// Per depth decomposed, in order: (depth, each input's singular values, largest first).
    pub by_depth: Vec<(usize, Vec<Vec<f64>>)>,
}

/// Measures the singular values of the Jacobians of the network `src` (of the blocks of `plan`)
/// at the inputs and depths `ask` gives. `progress(l)` is told each hidden layer as it is passed,
/// and stops the walk by breaking.
pub fn measure_part(
    plan: &Mlp,
    src: &mut dyn Source,
    ask: Ask<'_>,
    mut progress: impl FnMut(usize) -> ControlFlow<()>,
) -> Result<SpectrumPart, SpectrumError> {
    let depth = plan.depth();
    let mut part = SpectrumPart { dims: (0, 0), by_depth: Vec::with_capacity(ask.points.len()) };
    let mut failed = None;
    tangents(plan, src, ask.x, |l, t| {
        if ask.points.contains(&l) {
            match t.t.iter().map(|m| singular_values(m, t.rows, t.cols)).collect::<Result<Vec<Vec<f64>>, SvdFailed>>() {
                Ok(s) => {
                    part.dims = (t.rows, t.cols);
                    part.by_depth.push((l, s));
                }
                Err(e) => {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
            }
        }
        progress(l)
    })
    .map_err(SpectrumError::Jacobian)?;
    if let Some(e) = failed {
        return Err(SpectrumError::Svd(e));
    }
    if part.by_depth.last().map(|d| d.0) != Some(depth) {
        return Err(SpectrumError::Stopped);
    }
    Ok(part)
}

/// A spectrum from its parts, in input order (so the numbers are those of one walk over every
/// input, to the bit), with the theory of `setup` for inputs of mean square `input_ms`.
#[must_use]
pub fn assemble(setup: &Setup, input_ms: f64, parts: &[SpectrumPart]) -> Spectrum {
    let theory = predict(setup, input_ms);
    let dims = parts.first().map_or((0, 0), |p| p.dims);
    let depths: Vec<usize> = parts.first().map(|p| p.by_depth.iter().map(|d| d.0).collect()).unwrap_or_default();
    let pooled =
        |i: usize| -> Vec<Vec<f64>> { parts.iter().flat_map(|p| p.by_depth.get(i).map(|d| d.1.clone()).unwrap_or_default()).collect() };
    let by_depth: Vec<DepthSpectrum> = depths
        .iter()
        .enumerate()
        .map(|(i, &l)| DepthSpectrum {
            depth: l,
            stats: SpectrumStats::of(&pooled(i), dims, l),
            theory: theory.as_ref().ok().and_then(|v| v.get(l - 1).copied()),
        })
        .collect();
    let singular = depths.len().checked_sub(1).map(pooled).unwrap_or_default();
    let (sw2_first, _) = weight_variance(setup, setup.input_dim, setup.width);
    let (_, sb2_first) = layer_bias_moments(setup, setup.input_dim, setup.width);
    let q_first = sw2_first * input_ms + sb2_first;
    let q_star = fixed_point_input_ms(setup).map(|ms| sw2_first * ms + sb2_first);
    let inputs = singular.len();
    Spectrum { singular, dims, by_depth, no_theory: theory.err(), inputs, input_ms, q_first, q_star }
}

/// Measures the spectrum of the network `src` (of the blocks of `plan`) at the inputs and depths
/// `ask` gives, with the theory of `setup`: [`measure_part`] over every input, [`assemble`]d.
pub fn measure(
    plan: &Mlp,
    src: &mut dyn Source,
    setup: &Setup,
    ask: Ask<'_>,
    progress: impl FnMut(usize) -> ControlFlow<()>,
) -> Result<Spectrum, SpectrumError> {
    let part = measure_part(plan, src, ask, progress)?;
    Ok(assemble(setup, ask.input_ms, &[part]))
}

/// The spectra of named runs as CSV: one line per run and depth measured, the summary numbers
/// and the prediction (empty where there is none), then the run's settings as a query string.
#[must_use]
pub fn to_csv(runs: &[(&str, &str, &Spectrum)]) -> String {
    use crate::analysis::report::{csv_field, csv_number as num};
    let mut out = String::from("run,depth,mean_lambda,pred_mean_lambda,var_lambda,pred_var_lambda,share_near_1,sd_log10_s,condition,resolved,count,inputs,config\n");
    for (name, query, s) in runs {
        for d in &s.by_depth {
            let st = d.stats;
            let (pm, pv) = d.theory.map_or((String::new(), String::new()), |t| (num(t.mean_lambda), num(t.var_lambda)));
            out.push_str(&format!(
                "{},{},{},{pm},{},{pv},{},{},{},{},{},{},{}\n",
                csv_field(name),
                d.depth,
                num(st.mean_lambda),
                num(st.var_lambda),
                num(st.share_near_1),
                num(st.sd_log10_s),
                num(st.condition),
                st.resolved,
                st.count,
                s.inputs,
                csv_field(query)
            ));
        }
    }
    out
}

/// A spread of log₁₀ s below this many decades keeps the singular values together (one
/// standard deviation within a factor of about 3.2).
pub const TIGHT: f64 = 0.5;

/// Measured and predicted agree within this factor (Var[λ]: its tails make one draw noisy).
pub const AGREE_VAR: (f64, f64) = (0.75, 1.33);

impl Spectrum {
    /// What the page says of it, in plain words: the spread, the theory beside it, and where
    /// the theory does not hold.
    #[must_use]
    pub fn sentences(&self) -> Vec<String> {
        let Some(d) = self.last() else { return Vec::new() };
        let st = d.stats;
        let g = crate::format::significant;
        let logs: Vec<f64> = self.resolved().iter().map(|&s| libm::log10(s)).collect();
        let centre = libm::pow(10.0, logs.iter().sum::<f64>() / logs.len().max(1) as f64);
        let inputs = self.singular.len().max(1);
        let mut out = vec![if st.resolved == 0 {
            "Every singular value is 0 to f64 (exactly, or below its 1e-308): the Jacobian vanishes, so no direction of the input reaches the last layer at all.".to_string()
        } else if st.resolved <= inputs && st.count > inputs {
            format!(
                "The Jacobian has rank 1: one singular value per input is not 0, so only one direction of the input reaches the last layer (as when every unit computes the same thing, with constant weights), scaled by s ≈ {}.",
                g(centre, 2)
            )
        } else if st.sd_log10_s < TIGHT && st.share_near_1 > 0.9 {
            format!(
                "Dynamical isometry: {:.0}% of the singular values are within a factor 2 of 1 (the spread of log₁₀ s is {}), so every direction of the input reaches the last layer with about its size.",
                100.0 * st.share_near_1,
                g(st.sd_log10_s, 2)
            )
        } else if st.sd_log10_s < TIGHT && st.resolved == st.count {
            format!(
                "The singular values stay together (the spread of log₁₀ s is {} decades) but around s ≈ {}, not 1: every direction of the input {} alike, as the std per layer shows.",
                g(st.sd_log10_s, 2),
                g(centre, 2),
                if centre < 1.0 { "shrinks" } else { "grows" }
            )
        } else if st.sd_log10_s < 1.0 {
            format!(
                "Not isometric, though not far: log₁₀ s spreads with standard deviation {} decades (a factor of {} either way) around s ≈ {}, and {:.0}% of the singular values are within a factor 2 of 1.",
                g(st.sd_log10_s, 2),
                g(libm::pow(10.0, st.sd_log10_s), 2),
                g(centre, 2),
                100.0 * st.share_near_1
            )
        } else {
            let about_one = (0.1..10.0).contains(&st.mean_lambda);
            format!(
                "Not isometric: only {:.0}% of the singular values are within a factor 2 of 1 and log₁₀ s spreads with standard deviation {} decades around s ≈ {}, so some directions of the input are amplified and others all but erased{}.",
                100.0 * st.share_near_1,
                g(st.sd_log10_s, 2),
                g(centre, 2),
                if about_one { format!(", even where the mean of s² is {}", g(st.mean_lambda, 2)) } else { String::new() }
            )
        }];
        if st.resolved < st.count && st.resolved > 0 {
            out.push(format!(
                "{} of {} singular values are 0 within f64 rounding (ReLU-like units that are off, or a product whose smallest values fell below s_max·n·L·ε); the spread is of the other {}.",
                st.count - st.resolved,
                st.count,
                st.resolved
            ));
        }
        let in_range = |x: f64| x.is_finite() && x > 0.0;
        match (d.theory, self.no_theory) {
            (Some(t), _)
                if !(in_range(t.mean_lambda)
                    && (t.var_lambda == 0.0 || in_range(t.var_lambda))
                    && in_range(st.mean_lambda)
                    && st.var_lambda.is_finite()) =>
            {
                out.push("Free probability's E[λ] and Var[λ] (λ = s²), or the measured ones, are beyond f64's range here (0 or over 1.8e308 after this many layers): the spread of log₁₀ s is what can be read.".to_string());
            }
            (Some(t), _) => {
                let r = st.var_lambda / t.var_lambda;
                let agree = t.var_lambda > 0.0 && r > AGREE_VAR.0 && r < AGREE_VAR.1;
                out.push(format!(
                    "Free probability predicts E[λ] = {} and Var[λ] = {} (λ = s²); measured {} and {}{}.",
                    g(t.mean_lambda, 3),
                    g(t.var_lambda, 3),
                    g(st.mean_lambda, 3),
                    g(st.var_lambda, 3),
                    if agree || t.var_lambda.abs() < 1e-9 && st.var_lambda < 1e-6 {
                        ""
                    } else {
                        ": they part, as they do at finite width, with few inputs, or where E[λ] is far from 1"
                    }
                ));
            }
            (None, Some(why)) => out.push(format!("{why}.")),
            (None, None) => {}
        }
        if let Some(q_star) = self.q_star {
            let ratio = self.q_first / q_star;
            if !(0.5..=2.0).contains(&ratio) {
                out.push(format!(
                    "The inputs put layer 1's pre-activations at variance {}, far from the fixed point q* = {}: the first layers differ from the rest until q settles (the prediction follows q layer by layer), and the papers' isometry is at q*; choose \"at inputs scaled to q*\" to start there.",
                    g(self.q_first, 2),
                    g(q_star, 2)
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary of singular values chosen by hand: (3, 1, 0.5, 0) and (1, 1, 1, 1).
    #[test]
    fn stats_of_known_values() {
        let s = SpectrumStats::of(&[vec![3.0, 1.0, 0.5, 0.0], vec![1.0; 4]], (4, 4), 1);
        assert_eq!((s.count, s.resolved), (8, 7));
        // λ: 9, 1, 0.25, 0, 1, 1, 1, 1 → mean 14.25/8
        let mean = 14.25 / 8.0;
        assert!((s.mean_lambda - mean).abs() < 1e-15);
        let var = [9.0, 1.0, 0.25, 0.0, 1.0, 1.0, 1.0, 1.0].iter().map(|l: &f64| (l - mean).powi(2)).sum::<f64>() / 8.0;
        assert!((s.var_lambda - var).abs() < 1e-14);
        assert_eq!(s.share_near_1, 5.0 / 8.0);
        assert!(s.condition.is_infinite());
        // log10: 0.477, 0, −0.301, 0, 0, 0, 0 over the 7 resolved
        let logs = [3f64.log10(), 0.0, 0.5f64.log10(), 0.0, 0.0, 0.0, 0.0];
        let m = logs.iter().sum::<f64>() / 7.0;
        let sd = (logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 7.0).sqrt();
        assert!((s.sd_log10_s - sd).abs() < 1e-15);
        let full = SpectrumStats::of(&[vec![4.0, 2.0]], (2, 2), 1);
        assert_eq!(full.condition, 2.0);
    }

    /// The CSV: a header and a line per depth, numbers a reader parses back, the query quoted.
    #[test]
    fn csv_has_a_line_per_depth() {
        let stats = SpectrumStats::of(&[vec![2.0, 1.0]], (2, 2), 1);
        let d = |depth| DepthSpectrum { depth, stats, theory: Some(SpectrumTheory { mean_lambda: 1.0, var_lambda: 0.5 }) };
        let s = Spectrum {
            singular: vec![vec![2.0, 1.0]],
            dims: (2, 2),
            by_depth: vec![d(1), d(2)],
            no_theory: None,
            inputs: 1,
            input_ms: 1.0,
            q_first: 1.0,
            q_star: None,
        };
        let csv = to_csv(&[("orthogonal", "depth=2&compare=a,b", &s)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("run,depth,mean_lambda,pred_mean_lambda,var_lambda"));
        assert_eq!(lines[2], "orthogonal,2,2.5e0,1e0,2.25e0,5e-1,5e-1,1.505149978319906e-1,2e0,2,2,1,\"depth=2&compare=a,b\"");
    }

    /// The first sentence by the spread: near 1 (isometric), together but off 1, moderate, wide.
    #[test]
    fn sentences_say_which_case() {
        let one = |v: Vec<f64>| {
            let n = v.len();
            let stats = SpectrumStats::of(std::slice::from_ref(&v), (n, n), 1);
            let s = Spectrum {
                singular: vec![v],
                dims: (n, n),
                by_depth: vec![DepthSpectrum { depth: 1, stats, theory: None }],
                no_theory: None,
                inputs: 1,
                input_ms: 1.0,
                q_first: 1.0,
                q_star: None,
            };
            s.sentences()[0].clone()
        };
        assert!(one(vec![1.1, 1.0, 0.9, 0.8]).starts_with("Dynamical isometry: 100%"));
        assert!(one(vec![0.011, 0.01, 0.009]).contains("stay together") && one(vec![0.011, 0.01, 0.009]).contains("shrinks"));
        // log10 s = ±0.7: standard deviation 0.7 decades.
        let moderate = one(vec![5.011_872_336_272_722, 0.199_526_231_496_887_96]);
        assert!(moderate.starts_with("Not isometric, though not far: log₁₀ s spreads with standard deviation 0.70 decades"), "{moderate}");
        assert!(one(vec![1e3, 1.0, 1e-3]).starts_with("Not isometric: only 33%"));
        // Zero weights: J = 0, not "near 1" nor "together around s ≈ 1".
        assert!(one(vec![0.0; 4]).starts_with("Every singular value is 0"), "{}", one(vec![0.0; 4]));
    }

    #[test]
    fn inputs_pool_about_1024_singular_values() {
        assert_eq!(inputs_for(256, 256, 256), 4);
        assert_eq!(inputs_for(1024, 1024, 256), 1);
        assert_eq!(inputs_for(512, 512, 1), 1);
        assert_eq!(inputs_for(2, 32, 1000), MAX_INPUTS);
        assert_eq!(inputs_for(64, 256, 10), 10);
    }

    #[test]
    fn depth_points_are_log_spaced_with_both_ends() {
        assert_eq!(depth_points(5), vec![1, 2, 3, 4, 5]);
        let p = depth_points(100);
        assert_eq!((p[0], *p.last().unwrap()), (1, 100));
        assert!(p.len() <= DEPTH_POINTS && p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
    }
}
