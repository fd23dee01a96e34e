//! What mean-field theory predicts for this network, layer by layer, to draw beside what it does.
//!
//! A hidden layer's pre-activation z_l = a_{l−1}·W_l + b_l pools many independent terms, so over
//! (sample, unit) it is close to Gaussian, z_l ~ N(μ_b, q_l), with μ_b the biases' mean and
//!
//! - q_1 = σ_w,1²·E[x²] + σ_b², with E[x²] the input's mean square (1 for Gaussian input);
//! - q_{l+1} = σ_w²·E_{z~N(μ_b, q_l)}[φ(z)²] + σ_b²,
//!
//! where σ_w² = n·Var(W) (fan_in n; from the initializer, its gain, fan mode, truncation and the
//! width) and σ_b² = Var(b) (Poole et al. 2016, eq. 3; Glorot & Bengio 2010, eq. 5–10 for
//! linear units; He et al. 2015, eq. 7–10 for rectifiers, where E[relu(z)²] = q/2).
//!
//! Backwards, ∂L/∂a_l = δ_{l+1}·W_{l+1}ᵀ with δ = ∂L/∂a ⊙ φ′(z), so for square hidden layers
//! E[(∂L/∂a_l)²] = χ_{l+1}·E[(∂L/∂a_{l+1})²] with χ_l = σ_w²·E[φ′(z_l)²] (Glorot & Bengio 2010,
//! eq. 11–14; Schoenholz et al. 2017, eq. 5), starting from the measured ∂L/∂a of the last hidden
//! layer (it depends on the loss); and ∂L/∂W_l = Σ_batch a_{l−1}ᵀ·δ_l has
//! E[(∂L/∂W)²] = B·E[a_{l−1}²]·E[φ′(z_l)²]·E[(∂L/∂a_l)²] for samples that contribute independently.
//!
//! The fixed point q* of the recursion and χ* = σ_w²·E[φ′(z)²] at q* say which phase the
//! network is in: ordered (χ* < 1: signals converge, gradients vanish), chaotic (χ* > 1: they
//! explode), or at the edge of chaos (χ* = 1), with depth scale ξ = −1/ln χ*: the squared
//! gradient changes by a factor e every ξ layers (Poole et al. 2016; Schoenholz et al. 2017).
//!
//! Expectations use closed forms for linear and ReLU and, for the others, Gauss–Legendre
//! quadrature over u ∈ [−12, 12] standard deviations, split at the activation's kink at z = 0
//! (leaky ReLU, ELU and SELU have a kink in φ or φ′, where Gauss–Hermite converges slowly).

use crate::nn::activation::{Activation, SELU_ALPHA, SELU_LAMBDA};
use crate::nn::arch::{Arch, Branch, NormPos};
use crate::nn::block::NormKind;
use crate::nn::init::{BiasInit, Draw, Init, InitSpec};
use serde::{Deserialize, Serialize};
use std::f64::consts::{PI, SQRT_2};

/// The logistic function in f64, in a form that never overflows.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::exp(-x))
    } else {
        libm::exp(x) / (1.0 + libm::exp(x))
    }
}

/// φ(x) in f64 (the same functions as [`Activation::apply`]).
#[must_use]
pub fn phi(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Linear => x,
        Activation::Sigmoid => sigmoid(x),
        Activation::Tanh => libm::tanh(x),
        Activation::Relu => x.max(0.0),
        Activation::LeakyRelu(s) => {
            if x > 0.0 {
                x
            } else {
                f64::from(s) * x
            }
        }
        Activation::Elu => {
            if x > 0.0 {
                x
            } else {
                libm::expm1(x)
            }
        }
        Activation::Selu => {
            let (l, a) = (f64::from(SELU_LAMBDA), f64::from(SELU_ALPHA));
            if x > 0.0 {
                l * x
            } else {
                l * a * libm::expm1(x)
            }
        }
        Activation::Gelu => x * normal_cdf(x),
        Activation::Swish => x * sigmoid(x),
        Activation::Softplus => x.max(0.0) + libm::log1p(libm::exp(-x.abs())),
    }
}

/// φ′(x) in f64.
#[must_use]
pub fn dphi(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Linear => 1.0,
        Activation::Sigmoid => sigmoid(x) * (1.0 - sigmoid(x)),
        Activation::Tanh => 1.0 - libm::tanh(x).powi(2),
        Activation::Relu => f64::from(u8::from(x > 0.0)),
        Activation::LeakyRelu(s) => {
            if x > 0.0 {
                1.0
            } else {
                f64::from(s)
            }
        }
        Activation::Elu => {
            if x > 0.0 {
                1.0
            } else {
                libm::exp(x)
            }
        }
        Activation::Selu => {
            let (l, a) = (f64::from(SELU_LAMBDA), f64::from(SELU_ALPHA));
            if x > 0.0 {
                l
            } else {
                l * a * libm::exp(x)
            }
        }
        Activation::Gelu => normal_cdf(x) + x * normal_pdf(x),
        Activation::Swish => sigmoid(x) + x * sigmoid(x) * (1.0 - sigmoid(x)),
        Activation::Softplus => sigmoid(x),
    }
}

/// Φ(x), accurate in both tails.
#[must_use]
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// The standard normal density.
#[must_use]
pub fn normal_pdf(x: f64) -> f64 {
    libm::exp(-0.5 * x * x) / (2.0 * PI).sqrt()
}

/// Gauss–Legendre nodes and weights on [−1, 1] (8 points), from the roots of P₈ (as tabulated,
/// Abramowitz & Stegun table 25.4).
#[allow(clippy::excessive_precision)]
const GL8: [(f64, f64); 8] = [
    (-0.960_289_856_497_536_3, 0.101_228_536_290_376_26),
    (-0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (-0.525_532_409_916_329_0, 0.313_706_645_877_887_3),
    (-0.183_434_642_495_649_8, 0.362_683_783_378_362_0),
    (0.183_434_642_495_649_8, 0.362_683_783_378_362_0),
    (0.525_532_409_916_329_0, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (0.960_289_856_497_536_3, 0.101_228_536_290_376_26),
];

/// ∫ₐᵇ g by composite 8-point Gauss–Legendre over `panels` equal panels.
fn integrate(g: &impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    if b <= a {
        return 0.0;
    }
    let h = (b - a) / panels as f64;
    (0..panels)
        .map(|p| {
            let mid = a + h * (p as f64 + 0.5);
            GL8.iter().map(|&(x, w)| w * g(mid + 0.5 * h * x)).sum::<f64>() * 0.5 * h
        })
        .sum()
}

/// Half-width, in z, of the band around z = 0 where every activation here bends (tanh and sigmoid
/// saturate within it: sech⁴(12) ≈ 1.8e-20), given panels of its own in [`expect`].
const BEND: f64 = 12.0;

/// E[f(z)] for z ~ N(mean, var): over u = (z − mean)/σ ∈ [−12, 12], split where z = 0 (the kink of
/// the rectifier family) and where |z| = [`BEND`], `panels` panels a piece. The band |z| < 12 gets
/// panels of its own because for a wide Gaussian it is a sliver of the u axis: at σ = 160 (scale
/// 10 at width 256) tanh′² lives within 0.08 of u = 0, and 32 panels of the whole axis put one
/// node on it, which gave χ* = 37.5 where (4/3)/√(2πq)·σ_w² = 85.
#[must_use]
pub fn expect(f: impl Fn(f64) -> f64, mean: f64, var: f64, panels: usize) -> f64 {
    if var <= 0.0 {
        return f(mean);
    }
    let s = var.sqrt();
    let g = |u: f64| f(mean + s * u) * normal_pdf(u);
    let at = |z: f64| ((z - mean) / s).clamp(-12.0, 12.0);
    let cuts = [-12.0, at(-BEND), at(0.0), at(BEND), 12.0];
    cuts.windows(2).map(|w| integrate(&g, w[0], w[1], panels)).sum()
}

/// E[φ], E[φ²] and E[φ′²] for z ~ N(mean, var): closed forms for linear and ReLU, quadrature else.
#[must_use]
pub fn moments(act: Activation, mean: f64, var: f64, panels: usize) -> (f64, f64, f64) {
    let var = var.max(0.0);
    match act {
        Activation::Linear => (mean, mean * mean + var, 1.0),
        Activation::Relu if var > 0.0 => {
            // With s = √q and a = μ/s: E[relu] = μΦ(a) + sφ(a), E[relu²] = (μ² + q)Φ(a) + μsφ(a),
            // E[relu′²] = P(z > 0) = Φ(a); at μ = 0: s/√(2π), q/2, 1/2 (He et al. 2015).
            let s = var.sqrt();
            let a = mean / s;
            let (cdf, pdf) = (normal_cdf(a), normal_pdf(a));
            (mean * cdf + s * pdf, (mean * mean + var) * cdf + mean * s * pdf, cdf)
        }
        _ => (
            expect(|z| phi(act, z), mean, var, panels),
            expect(|z| phi(act, z).powi(2), mean, var, panels),
            expect(|z| dphi(act, z).powi(2), mean, var, panels),
        ),
    }
}

/// E[φ(z)²] alone for z ~ N(mean, var) (the map's only need; [`moments`] computes three).
#[must_use]
pub fn second_moment(act: Activation, mean: f64, var: f64, panels: usize) -> f64 {
    match act {
        Activation::Linear | Activation::Relu => moments(act, mean, var, panels).1,
        _ => expect(|z| phi(act, z).powi(2), mean, var.max(0.0), panels),
    }
}

/// Panels per piece of [`expect`]'s four for the page's predictions (8 points each: at most 512
/// evaluations per expectation, 256 when the Gaussian is narrower than the band around 0).
pub const PANELS: usize = 16;

/// Which phase a network is in (Poole et al. 2016; Schoenholz et al. 2017).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// χ* < 1: signals converge to one value and gradients vanish.
    Ordered,
    /// χ* ≈ 1 (within 2%).
    EdgeOfChaos,
    /// χ* > 1: nearby inputs diverge and gradients explode.
    Chaotic,
}

impl Phase {
    /// The phase of χ*.
    #[must_use]
    pub fn of(chi: f64) -> Phase {
        if (chi - 1.0).abs() <= 0.02 {
            Phase::EdgeOfChaos
        } else if chi < 1.0 {
            Phase::Ordered
        } else {
            Phase::Chaotic
        }
    }

    /// In words, for the page, given the fixed point q* the recursion reaches. In the ordered
    /// phase with q* > 0 (a bias, or φ(0) ≠ 0) signals do not vanish: q converges to q*, and what
    /// is lost is the difference between inputs, their correlation c → 1 (Poole et al. 2016,
    /// §3; Schoenholz et al. 2017, §3). With q* = ∞ there is no fixed point and q grows without
    /// bound (ReLU and linear units above σ_w² = 2 and 1).
    #[must_use]
    pub fn label(self, q_star: f64) -> &'static str {
        match self {
            Phase::Ordered if q_star > 0.0 => {
                "ordered (χ < 1): signals settle to a fixed spread (q* > 0) but different inputs become alike (their correlation tends to 1), and gradients vanish with depth"
            }
            Phase::Ordered => "ordered (χ < 1): signals and gradients vanish with depth",
            // Not "keep their scale": at χ = 1 with q* = 0 (tanh, Xavier) q still decays, as 1/l,
            // so σ falls 0.63 → 0.06 over 100 layers; only the exponential trend is gone.
            Phase::EdgeOfChaos => "edge of chaos (χ ≈ 1): gradients keep their scale, and signals change only slowly (polynomially, not exponentially, with depth)",
            Phase::Chaotic if q_star.is_infinite() => "chaotic (χ > 1), with no fixed point: signals and gradients grow without bound with depth",
            Phase::Chaotic => "chaotic (χ > 1): signals decorrelate and gradients explode with depth",
        }
    }
}

/// The fixed point of q ↦ σ_w²·E[φ(z)²] + σ_b² (z ~ N(μ_b, q)) reached from `q0`, and χ there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FixedPoint {
    /// q* (∞ when q grows without bound).
    pub q_star: f64,
    /// χ* = σ_w²·E[φ′(z)²] at q*.
    pub chi: f64,
    pub phase: Phase,
    /// ξ = −1/ln χ* layers (∞ at χ* = 1); for χ* > 1 the layers over which the squared gradient grows by e.
    pub depth_scale: f64,
}

/// The map's value minus q: its zeros are the fixed points.
fn excess(act: Activation, sw2: f64, mb: f64, sb2: f64, q: f64, panels: usize) -> f64 {
    sw2 * second_moment(act, mb, q, panels) + sb2 - q
}

/// The fixed point the recursion reaches from `q0`: the first zero of the excess on the side the
/// map moves q to, found on a log grid of q and refined by bisection.
#[must_use]
pub fn fixed_point(act: Activation, sw2: f64, mb: f64, sb2: f64, q0: f64, panels: usize) -> FixedPoint {
    let e0 = excess(act, sw2, mb, sb2, q0, panels);
    let q_star = if e0.abs() <= 1e-12 * q0.max(1e-300) {
        q0 // every q is a fixed point here (ReLU with He, linear with σ_w² = 1): marginal
    } else {
        let up = e0 > 0.0;
        // Log-spaced grid from q0 towards 1e-12 or 1e12, 8 points a decade.
        let (lo, hi) = (1e-12f64, 1e12f64);
        let target = if up { hi } else { lo };
        let steps = ((target / q0.max(lo)).log10().abs() * 8.0).ceil().max(1.0) as usize;
        let ratio = (target / q0.max(lo)).powf(1.0 / steps as f64);
        let (mut a, mut ea) = (q0, e0);
        let mut found = None;
        for _ in 0..steps {
            let b = a * ratio;
            let eb = excess(act, sw2, mb, sb2, b, panels);
            if (eb > 0.0) != up || eb == 0.0 {
                // Bisect in log space between a and b.
                let (mut x, mut y) = (a, b);
                for _ in 0..50 {
                    let m = (x * y).sqrt();
                    if (excess(act, sw2, mb, sb2, m, panels) > 0.0) == up {
                        x = m;
                    } else {
                        y = m;
                    }
                }
                found = Some((x * y).sqrt());
                break;
            }
            a = b;
            ea = eb;
        }
        let _ = ea;
        match found {
            Some(q) => q,
            None if up => f64::INFINITY,
            None => 0.0, // converges to 0: E[φ(0)²] = 0 and no bias (tanh, linear in the ordered phase)
        }
    };
    let chi = if q_star.is_finite() { sw2 * moments(act, mb, q_star, panels).2 } else { sw2 * moments(act, mb, 1e12, panels).2 };
    let depth_scale = if (chi - 1.0).abs() < 1e-12 { f64::INFINITY } else { 1.0 / chi.ln().abs() };
    FixedPoint { q_star, chi, phase: Phase::of(chi), depth_scale }
}

/// What the theory (and the verdict) read of a network: plain numbers and kinds, built by the
/// caller (`Config::theory_setup` for the page's configuration), so that the analysis knows
/// nothing of the configuration's fields, table or parser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// The initializer: its kind, scale, gain, fan mode, truncation and bias.
    pub init: InitSpec,
    pub act: Activation,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// The input's dimension: layer 1's fan-in.
    pub input_dim: usize,
    /// Samples in the batch.
    pub batch: usize,
    /// The normalization after every hidden layer's product, if any. The recursion models plain
    /// layers, so with any of them no prediction is drawn ([`caveats`] says why for each kind).
    pub norm: Option<NormKind>,
    /// Plain, or residual blocks (then `depth` counts blocks and the norm sits where the
    /// residual settings say).
    pub arch: Arch,
    /// The data set's classes; 0 for i.i.d. Gaussian input (a regression).
    pub classes: usize,
}

/// σ_w² = n·Var(W) of a `fan_in × fan_out` layer, and the weights' mean (nonzero only for
/// `constant`).
#[must_use]
pub fn weight_variance(c: &Setup, fan_in: usize, fan_out: usize) -> (f64, f64) {
    match c.init.draw(fan_in, fan_out, c.act) {
        Draw::Constant(v) => (0.0, v),
        d => (fan_in as f64 * d.std(fan_in, fan_out).powi(2), 0.0),
    }
}

/// The hidden layers' (width × width) biases' mean μ_b and variance σ_b².
#[must_use]
pub fn bias_moments(c: &Setup) -> (f64, f64) {
    layer_bias_moments(c, c.width, c.width)
}

/// The mean μ_b and variance σ_b² of a `fan_in × fan_out` layer's biases, as
/// [`crate::nn::init::InitSpec::fill_bias`] draws them: `same` draws each layer's bias from that
/// layer's own weight distribution (its own fans: layer 1 reads the input's dimension).
#[must_use]
pub fn layer_bias_moments(c: &Setup, fan_in: usize, fan_out: usize) -> (f64, f64) {
    match c.init.bias {
        BiasInit::Zeros => (0.0, 0.0),
        BiasInit::Constant(v) => (v, 0.0),
        BiasInit::Normal(s) => (0.0, s * s),
        BiasInit::SameAsWeights => match c.init.draw(fan_in, fan_out, c.act) {
            Draw::Constant(v) => (v, 0.0),
            d => (0.0, d.std(fan_in, fan_out).powi(2)),
        },
    }
}

/// What the theory is given, measured where the data is (the worker that made the batch and ran
/// the pass): the input's second moments and those of the last hidden layer's ∂L/∂a, from which
/// the backward recursion starts. "Cross" is the mean of x_s·x_t over pairs of distinct samples
/// s ≠ t (per unit); it is what makes the samples' contributions to ∂L/∂W add up coherently.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Prior {
    /// E[x²] per input feature.
    pub input_ms: f64,
    /// E[x_s·x_t] per feature, s ≠ t (0 for independent zero-mean samples).
    pub input_cross: f64,
    /// E[(∂L/∂a)²] of the last hidden layer.
    pub last_act_grad_ms: f64,
    /// E[∂L/∂a_s·∂L/∂a_t] of the last hidden layer, s ≠ t.
    pub last_act_grad_cross: f64,
}

/// What theory predicts per hidden layer (1-based, in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// σ_w² of layer 1 (fan_in = input dimension) and of the others, and μ_b, σ_b².
    pub sw2_first: f64,
    pub sw2: f64,
    pub bias_mean: f64,
    pub sb2: f64,
    /// Per layer: std of z, mean and std of a = φ(z), and std of ∂L/∂a and ∂L/∂W.
    pub preact_std: Vec<f64>,
    pub act_mean: Vec<f64>,
    pub act_std: Vec<f64>,
    pub act_grad_std: Vec<f64>,
    pub grad_std: Vec<f64>,
    /// χ_l = σ_w²·E[φ′(z_l)²] per layer.
    pub chi: Vec<f64>,
    pub fixed: FixedPoint,
    /// Of a residual network, the std of the stream after each block ([`predict_residual`]);
    /// empty for a plain one, NaN where no closed form applies.
    #[serde(default)]
    pub stream_std: Vec<f64>,
}

/// Panels per piece of the inner and outer integrals of [`expect_pair`] (within about 1e-3 of the
/// one-sample quadrature at c = 1, enough for a line on a log chart; a product rule: 4 pieces ×
/// 2 panels × 8 points = 64 nodes a side, 4,096 evaluations per expectation).
const PAIR_PANELS: usize = 2;

/// E[f(u)·g(v)] for (u, v) jointly Gaussian with means `mean`, variances `var` and correlation
/// `corr`: over u, of f(u)·E[g(v) | u], with v | u ~ N(mean + c·(u − mean), var·(1 − c²)).
#[must_use]
pub fn expect_pair(f: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64, mean: f64, var: f64, corr: f64) -> f64 {
    let c = corr.clamp(-1.0, 1.0);
    let inner_var = var.max(0.0) * (1.0 - c * c);
    expect(|u| f(u) * expect(&g, mean + c * (u - mean), inner_var, PAIR_PANELS), mean, var, PAIR_PANELS)
}

/// E[φ(u)φ(v)] and E[φ′(u)φ′(v)] for two samples' pre-activations: jointly Gaussian, means `mean`,
/// variances `var`, correlation `corr`. Closed forms for linear and, at mean 0, ReLU (the
/// arc-cosine kernel of degree 1 and 0, Cho & Saul 2009: with θ = arccos c,
/// E[relu(u)relu(v)] = q·(sin θ + (π − θ)·cos θ)/(2π) and P(u > 0, v > 0) = (π − θ)/(2π)).
#[must_use]
pub fn pair_moments(act: Activation, mean: f64, var: f64, corr: f64) -> (f64, f64) {
    let c = corr.clamp(-1.0, 1.0);
    match act {
        Activation::Linear => (mean * mean + c * var.max(0.0), 1.0),
        Activation::Relu if mean == 0.0 => {
            let theta = c.acos();
            (var.max(0.0) * (theta.sin() + (PI - theta) * c) / (2.0 * PI), (PI - theta) / (2.0 * PI))
        }
        _ => (expect_pair(|z| phi(act, z), |z| phi(act, z), mean, var, c), expect_pair(|z| dphi(act, z), |z| dphi(act, z), mean, var, c)),
    }
}

/// Per layer, E[a_s·a_t] and E[φ′_s·φ′_t] of two samples (s ≠ t), from the covariance of their
/// pre-activations k_l = σ_w²·E[a_s·a_t]_{l−1} + σ_b² (the same bias in both; layer 1 from the
/// input's cross moment), at correlation k_l/q_l (Poole et al. 2016's correlation map). `first` and
/// `hidden` are (μ_b, σ_b², σ_w²) of layer 1 and of the others.
fn pair_map(c: &Setup, prior: &Prior, q: &[f64], first: (f64, f64, f64), hidden: (f64, f64, f64)) -> Vec<(f64, f64)> {
    let mut k = first.2 * prior.input_cross + first.1;
    let mut pair = Vec::with_capacity(q.len());
    for (l, &ql) in q.iter().enumerate() {
        let mean = if l == 0 { first.0 } else { hidden.0 };
        let pm = pair_moments(c.act, mean, ql, if ql > 0.0 { k / ql } else { 1.0 });
        pair.push(pm);
        k = hidden.2 * pm.0 + hidden.1;
    }
    pair
}

/// Whether the ∂L/∂W prediction of [`predict`] describes this network: i.i.d. Gaussian input (for
/// a data set, which samples lie near each other decides how their contributions add, and an
/// average over pairs cannot say it), and a batch of at most a quarter of the width. The recursion leaves
/// out the batch's mean gradient (for the squared error against random targets, the coherent
/// ∇(y²/2) of every sample), whose share grows as batch/width: measured over predicted at depth
/// 10, tanh, Xavier, width 256 it is 0.9–1.0 at batch 1, 0.86–1.38 at 256, up to 1.81 at 1,024;
/// at width 1,024 and batch 256, 1.05–1.18 (so at batch ≤ width/4 it stays within the page's
/// 20% agreement band).
#[must_use]
pub fn grad_theory_holds(c: &Setup) -> bool {
    grad_theory_gap(c).is_none()
}

/// Why the ∂L/∂W prediction is not drawn for `c`, if it is not (see [`grad_theory_holds`]).
#[must_use]
pub fn grad_theory_gap(c: &Setup) -> Option<&'static str> {
    if c.classes > 0 {
        Some("with a data set, how the samples' contributions to ∂L/∂W add up depends on which samples lie near each other, which the theory's average over pairs does not know")
    } else if 4 * c.batch > c.width {
        Some("with a batch larger than a quarter of the width, the batch's mean gradient, which the recursion leaves out, adds to ∂L/∂W in proportion to batch/width")
    } else {
        None
    }
}

/// The predictions for configuration `c` from the `prior` measured where the data is.
///
/// Forward, per layer: q_l = σ_w²·E[a²_{l−1}] + σ_b² and, for two samples, the covariance
/// k_l = σ_w²·E[a_s·a_t]_{l−1} + σ_b² (the same bias in both), so c_l = k_l/q_l (Poole et al. 2016).
/// Backward, from the last hidden layer's measured moments: E[g²_l] = χ_{l+1}·E[g²_{l+1}] and
/// E[g_s·g_t]_l = σ_w²·E[φ′_s·φ′_t]_{l+1}·E[g_s·g_t]_{l+1} (g = ∂L/∂a; gradient independence,
/// Schoenholz et al. 2017). ∂L/∂W_l = Σ_s a_{l−1,s}·δ_{l,s} over the batch's B samples, with
/// δ = g·φ′(z), has second moment
///   B·E[a²]·E[φ′²]·E[g²] + B(B − 1)·E[a_s·a_t]·E[φ′_s·φ′_t]·E[g_s·g_t],
/// the second term the samples' coherent part: it is what makes deep ReLU's ∂L/∂W grow past the
/// first term alone as inputs become correlated with depth (c_l → 1).
///
/// Where this does not describe ∂L/∂W, its prediction is NaN (not drawn); see [`grad_theory_holds`].
#[must_use]
pub fn predict(c: &Setup, prior: &Prior) -> Prediction {
    if let Some(r) = c.arch.residual() {
        return predict_residual(c, prior, r);
    }
    let (sw2_first, _) = weight_variance(c, c.input_dim, c.width);
    let (sw2, _) = weight_variance(c, c.width, c.width);
    let (mb, sb2) = bias_moments(c);
    let (mb_first, sb2_first) = layer_bias_moments(c, c.input_dim, c.width);
    let depth = c.depth;
    let mut q = Vec::with_capacity(depth);
    let mut m = Vec::with_capacity(depth);
    q.push(sw2_first * prior.input_ms + sb2_first);
    for l in 0..depth {
        let mo = moments(c.act, if l == 0 { mb_first } else { mb }, q[l], PANELS);
        m.push(mo);
        if l + 1 < depth {
            q.push(sw2 * mo.1 + sb2);
        }
    }
    let chi: Vec<f64> = m.iter().map(|mo| sw2 * mo.2).collect();
    // Backwards from the measured last layer: E[(∂L/∂a_l)²] = χ_{l+1}·E[(∂L/∂a_{l+1})²].
    let mut g2 = vec![0.0; depth];
    g2[depth - 1] = prior.last_act_grad_ms;
    for l in (0..depth.saturating_sub(1)).rev() {
        g2[l] = chi[l + 1] * g2[l + 1];
    }
    // The two-sample map costs a 2-D quadrature a layer: computed only where its line is drawn.
    let grad_std = if grad_theory_holds(c) {
        let pair = pair_map(c, prior, &q, (mb_first, sb2_first, sw2_first), (mb, sb2, sw2));
        let mut g_cross = vec![0.0; depth];
        g_cross[depth - 1] = prior.last_act_grad_cross;
        for l in (0..depth.saturating_sub(1)).rev() {
            g_cross[l] = sw2 * pair[l + 1].1 * g_cross[l + 1];
        }
        let batch = c.batch as f64;
        (0..depth)
            .map(|l| {
                let (a2, a_cross) = if l == 0 { (prior.input_ms, prior.input_cross) } else { (m[l - 1].1, pair[l - 1].0) };
                let own = batch * a2 * m[l].2 * g2[l];
                let coherent = batch * (batch - 1.0) * a_cross * pair[l].1 * g_cross[l];
                (own + coherent).max(0.0).sqrt()
            })
            .collect()
    } else {
        vec![f64::NAN; depth]
    };
    let fixed = fixed_point(c.act, sw2, mb, sb2, q[0].max(1e-12), PANELS);
    Prediction {
        sw2_first,
        sw2,
        bias_mean: mb,
        sb2,
        preact_std: q.iter().map(|v| v.sqrt()).collect(),
        act_mean: m.iter().map(|mo| mo.0).collect(),
        act_std: m.iter().map(|mo| (mo.1 - mo.0 * mo.0).max(0.0).sqrt()).collect(),
        act_grad_std: g2.iter().map(|v| v.sqrt()).collect(),
        grad_std,
        chi,
        fixed,
        stream_std: Vec::new(),
    }
}

/// The stream's recursion of a residual network (mean m and variance v per unit, over samples
/// and units alike), with the per-activation expectations of the plain recursion for its branch:
///
/// - the stem: m₀ = μ_b, v₀ = σ_w²·E[x²] + σ_b² (its fan-in the input's);
/// - the branch's input: the stream itself; after a pre-norm, layer norm's mean 0 and variance
///   v/(v + ε), or RMS norm's m/√(v + m² + ε) and v/(v + m² + ε);
/// - its first Dense: h ~ N(μ_b, σ_w²·E[x_in²] + σ_b²), then a = φ(h) with E[a], E[a²] of
///   [`moments`]; each Dense of the branch has its σ_w² times its factor f² (GPT-2: 1/N on the
///   last; zero init and Fixup: 0 on the last, its bias too, and Fixup's N^(−1/(m−1)) on the
///   first; DeepNorm: (8N)^(−1/2) on both, [`crate::nn::arch::ResScale::branch_std_factor`]), so
///   F has mean μ_b and variance f²·σ_w²·E[a²] + σ_b² (two layers), or mean E[a] and variance
///   Var[a] (one);
/// - the sum: m ← s·m + α·E[F], v ← s²·v + α²·Var[F] (x and F uncorrelated: W has mean 0; s
///   the skip's weight, DeepNorm's (2N)^(1/4), else 1),
///   the q_{l+1} = q_l + α²·V_F(q_l); after a post-norm, v/(v + ε) (layer norm, mean
///   0) or RMS norm's as above.
///
/// With batch norm in a block the statistics are the batch's and no closed form is given: NaN.
/// The backward pass of a residual block (∂L/∂x_l = ∂L/∂x_{l+1}·(I + α·∂F/∂x)) is not predicted
/// here: NaN.
#[must_use]
pub fn predict_residual(c: &Setup, prior: &Prior, r: crate::nn::arch::Residual) -> Prediction {
    let depth = c.depth;
    let (sw2_first, _) = weight_variance(c, c.input_dim, c.width);
    let (sw2, _) = weight_variance(c, c.width, c.width);
    let (mb, sb2) = bias_moments(c);
    let (mb_first, sb2_first) = layer_bias_moments(c, c.input_dim, c.width);
    let m_layers = r.branch.denses();
    let factor2 = |k: usize| r.scale.branch_std_factor(depth, m_layers, k).powi(2);
    // The branch's first and last dense layers (one layer: the same), a zero layer's bias zero too.
    let (f2_first, f2) = (factor2(0), factor2(m_layers - 1));
    let (mb_last, sb2_last) = if f2 == 0.0 { (0.0, 0.0) } else { (mb, sb2) };
    let (alpha, skip) = (f64::from(r.scale.alpha()), r.scale.skip(depth));
    let normalise = |kind: NormKind, m: f64, v: f64| -> (f64, f64) {
        let eps = f64::from(kind.eps());
        match kind {
            NormKind::Rms => (m / (v + m * m + eps).sqrt(), v / (v + m * m + eps)),
            _ => (0.0, v / (v + eps)),
        }
    };
    let batch_norm = c.norm == Some(NormKind::Batch);
    let (mut m, mut v) = (mb_first, sw2_first * prior.input_ms + sb2_first);
    let (mut preact_std, mut act_mean, mut act_std, mut chi, mut stream_std) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..depth {
        let (m_in, v_in) = match c.norm {
            Some(kind) if r.norm_pos == NormPos::Pre => normalise(kind, m, v),
            _ => (m, v),
        };
        let first_sw2 = f2_first * sw2;
        let (first_mb, first_sb2) = if r.branch == Branch::One { (mb_last, sb2_last) } else { (mb, sb2) };
        let h = first_sw2 * (v_in + m_in * m_in) + first_sb2;
        let mo = moments(c.act, first_mb, h, PANELS);
        preact_std.push(h.sqrt());
        act_mean.push(mo.0);
        act_std.push((mo.1 - mo.0 * mo.0).max(0.0).sqrt());
        chi.push(first_sw2 * mo.2);
        let (mf, vf) = match r.branch {
            Branch::Two => (mb_last, f2 * sw2 * mo.1 + sb2_last),
            Branch::One => (mo.0, (mo.1 - mo.0 * mo.0).max(0.0)),
        };
        m = skip * m + alpha * mf;
        v = skip * skip * v + alpha * alpha * vf;
        if let Some(kind) = c.norm.filter(|_| r.norm_pos == NormPos::Post) {
            (m, v) = normalise(kind, m, v);
        }
        stream_std.push(v.sqrt());
    }
    let nan = |x: Vec<f64>| if batch_norm { vec![f64::NAN; x.len()] } else { x };
    let fixed = fixed_point(c.act, sw2, mb, sb2, preact_std.first().map_or(1.0, |s| s * s).max(1e-12), PANELS);
    Prediction {
        sw2_first,
        sw2,
        bias_mean: mb,
        sb2,
        preact_std: nan(preact_std),
        act_mean: nan(act_mean),
        act_std: nan(act_std),
        act_grad_std: vec![f64::NAN; depth],
        grad_std: vec![f64::NAN; depth],
        chi,
        fixed,
        stream_std: nan(stream_std),
    }
}

/// Theory beside the measurement, for the page: the predictions, the phase, and a sentence on
/// whether and why they agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheoryView {
    pub prediction: Prediction,
    /// `Some` when measurement and theory part by more than 20% in some layer: why.
    pub disagreement: Option<String>,
    /// χ* over (σ_w, σ_b), for the phase diagram.
    pub grid: PhaseGrid,
    /// The current point on the phase diagram: (σ_w, σ_b) of the hidden layers.
    pub point: (f64, f64),
    /// Where the network is small: the range of the activations' std per layer over 5 seeds.
    pub band: Option<Vec<(f64, f64)>>,
}

/// The most work (depth·width²·batch) for which the seed band is computed (5 extra passes).
pub const BAND_WORK: f64 = 4e6;

/// Puts the view together from the `prior` (measured where the data is), the measured
/// per-layer stds (of z, a, ∂L/∂a and ∂L/∂W), the phase grid and the seed band.
#[must_use]
pub fn view(c: &Setup, prior: &Prior, measured: &[MeasuredStd], grid: PhaseGrid, band: Option<Vec<(f64, f64)>>) -> TheoryView {
    let prediction = predict(c, prior);
    let disagreement = first_parting(measured, &prediction).map(|p| disagreement(c, &p));
    let (mb, sb2) = bias_moments(c);
    let point = (prediction.sw2.sqrt(), (sb2 + mb * mb).sqrt());
    TheoryView { prediction, disagreement, grid, point, band }
}

/// The measured std of the four quantities the theory draws, on one layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredStd {
    pub preact: f64,
    pub act: f64,
    pub act_grad: f64,
    pub grad: f64,
}

/// A quantity the theory draws: its name in a sentence, its measured std and its prediction at
/// a layer, in the order the page shows them (z, a, ∂L/∂W, ∂L/∂a).
type Drawn = (&'static str, fn(&MeasuredStd) -> f64, fn(&Prediction, usize) -> f64);
const DRAWN: [Drawn; 4] = [
    ("z", |m| m.preact, |p, l| p.preact_std[l]),
    ("a", |m| m.act, |p, l| p.act_std[l]),
    ("∂L/∂W", |m| m.grad, |p, l| p.grad_std[l]),
    ("∂L/∂a", |m| m.act_grad, |p, l| p.act_grad_std[l]),
];

/// The ratio of measured to predicted std within which they agree (20% either way).
pub const AGREE: (f64, f64) = (0.8, 1.25);

/// Where a measured std first leaves its prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parting {
    /// 0-based layer.
    pub layer: usize,
    /// The quantity ("z", "a", "∂L/∂W", "∂L/∂a").
    pub quantity: &'static str,
    pub measured: f64,
    pub predicted: f64,
}

/// Whether a measured std agrees with its prediction: both finite and equal (0 and 0 too), or
/// within [`AGREE`] of each other.
#[must_use]
pub fn agrees(measured: f64, predicted: f64) -> bool {
    (measured.is_finite() && measured == predicted)
        || (measured.is_finite() && predicted.is_finite() && (AGREE.0..=AGREE.1).contains(&(measured / predicted)))
}

/// The first layer, and in it the first drawn quantity, where measurement and theory part; a NaN
/// prediction is not drawn and is skipped.
#[must_use]
pub fn first_parting(measured: &[MeasuredStd], p: &Prediction) -> Option<Parting> {
    measured.iter().enumerate().find_map(|(l, m)| {
        DRAWN.iter().find_map(|&(quantity, get, pred)| {
            let (measured, predicted) = (get(m), pred(p, l));
            (!predicted.is_nan() && !agrees(measured, predicted)).then_some(Parting { layer: l, quantity, measured, predicted })
        })
    })
}

/// f32's smallest positive normal value (about 1.2e-38; 1.4e-45 subnormal) and its largest
/// finite value (about 3.4e38): the network computes in f32, the theory in f64.
pub const F32_MIN_NORMAL: f64 = f32::MIN_POSITIVE as f64;
pub const F32_MAX: f64 = f32::MAX as f64;

/// A std for a sentence (the verdict's too): 3 significant digits, and never "NaN" or "inf": a
/// std with no finite value to measure is one whose every value overflowed.
#[must_use]
pub fn std_words(x: f64) -> String {
    if x.is_finite() {
        crate::format::fmt_num(x)
    } else {
        "overflowed".to_string()
    }
}

/// The sentence on where and why measurement and theory part. f32's range comes first: past
/// it the network cannot follow the theory whatever the width; then [`caveats`].
#[must_use]
pub fn disagreement(c: &Setup, p: &Parting) -> String {
    let at = format!(
        "Measurement and theory part from layer {}, first in the std of {} (measured {}, predicted {})",
        p.layer + 1,
        p.quantity,
        std_words(p.measured),
        if p.predicted.is_infinite() { "past f64's range".to_string() } else { std_words(p.predicted) }
    );
    let (m, q) = (p.measured, p.predicted);
    // With a norm nothing is drawn: the recursion's numbers are not this network's.
    let mut why = caveats(c);
    if c.norm.is_some() {
        return format!("{at}: {}.", why.join("; "));
    }
    if !m.is_finite() {
        return format!("{at}: the network computes in f32, which is finite only up to about 3.4e38; past it values overflow to ±Inf or NaN, while the theory (in f64) goes on.");
    }
    if m < F32_MIN_NORMAL && q < F32_MIN_NORMAL {
        return format!("{at}: the network computes in f32, which holds nonzero values only down to about 1.2e-38 (normal; 1.4e-45 subnormal); below that its values lose their digits and then underflow to 0, while the theory (in f64) goes on.");
    }
    if q > F32_MAX {
        why.insert(
            0,
            "the prediction is past f32's largest finite value (about 3.4e38), which no value of the network (computing in f32) can reach",
        );
    }
    if why.is_empty() {
        // Only what is always so: no claim that depth or scale is to blame (at depth 1 it is not).
        format!("{at}: the mean-field averages are exact only for infinitely many independent units (and, for ∂L/∂W, samples); a finite network is off by a random amount, which can compound with depth.")
    } else {
        format!("{at}: {}.", why.join("; "))
    }
}

/// The phase sentence for the page: [`Phase::label`] of the recursion's fixed point, which with
/// a norm is the phase of the same network without it (the recursion models plain layers).
#[must_use]
pub fn phase_sentence(c: &Setup, fixed: &FixedPoint) -> String {
    let label = fixed.phase.label(fixed.q_star);
    match c.norm {
        Some(k) => format!("without {0} this network would be {label}; {0} rescales every layer, so this does not describe it", k.name()),
        None => label.to_string(),
    }
}

/// Why the recursion does not describe a network with this norm: what the norm fixes (each
/// prediction of the recursion, q_l of z, is replaced by the norm's own statistics), for each kind.
///
/// - Batch norm (Ioffe & Szegedy 2015) makes every unit's variance over the batch γ²·σ²/(σ² + ε):
///   1 at initialization where σ² ≫ ε; the recursion's q_l of z before it is then not the input
///   of the next layer.
/// - Layer norm (Ba et al. 2016) makes every sample's variance over its units (and its mean 0) the
///   same, so q of the normalized z is 1 per sample whatever the weights' scale; the per-unit
///   picture of the recursion (each unit Gaussian over samples with variance q_l) still holds for
///   z, but its q is then reset to 1 every layer, which the recursion does not model.
/// - RMS norm (Zhang & Sennrich 2019) makes every sample's second moment 1 (not its variance: a
///   mean is left in), likewise not modelled.
///
/// None of them are modelled where σ² or the mean square is not ≫ ε either.
#[must_use]
pub fn norm_caveat(kind: NormKind) -> &'static str {
    match kind {
        // Not "to unit variance": where Var(z) is below ε = 1e-5 (scale 1e-4) the normalized σ is
        // √(Var/(Var + ε)) < 1.
        NormKind::Batch => "batch norm rescales every layer's z (to unit variance where Var(z) is well above its ε = 1e-5), which the recursion (for plain layers) does not model",
        NormKind::Layer => "layer norm rescales every sample's z over its units (to mean 0 and variance 1 where that variance is well above its ε = 1e-5), which the recursion (for plain layers) does not model",
        NormKind::Rms => "RMS norm rescales every sample's z over its units (to mean square 1 where it is well above its ε = 1e-6), which the recursion (for plain layers) does not model",
    }
}

/// Why the measurement may part from the prediction here, if it may: each reason a sentence.
#[must_use]
pub fn caveats(c: &Setup) -> Vec<&'static str> {
    let mut r = Vec::new();
    if matches!(c.init.kind, Init::Zeros | Init::Constant) {
        r.push("zero or constant weights: every unit of a layer is the same, so there is no average over independent units for the theory to describe");
    }
    match (c.arch, c.norm) {
        (Arch::Residual(_), Some(NormKind::Batch)) => r.push(
            "batch norm inside a residual block: its statistics are the batch's, and the stream's recursion has no closed form for them, so no theory is drawn",
        ),
        (Arch::Residual(_), _) => r.push(
            "a residual network: the theory follows the stream's variance and each branch's z and a; the backward pass through the blocks is not predicted, so ∂L/∂a and ∂L/∂W have no theory line",
        ),
        (Arch::Plain, Some(k)) => r.push(norm_caveat(k)),
        (Arch::Plain, None) => {}
    }
    if c.width < 64 && !matches!(c.init.kind, Init::Zeros | Init::Constant) {
        r.push(if c.depth > 1 {
            "narrow layers: the theory holds as the width grows; at this width each layer's variance is itself random (by about √(2/n)) and the errors compound with depth"
        } else {
            "a narrow layer: the theory holds as the width grows; at this width the layer's variance is itself random (by about √(2/n))"
        });
    }
    let (mb, sb2) = bias_moments(c);
    let (sw2, _) = weight_variance(c, c.width, c.width);
    if mb * mb + sb2 > sw2 && sw2 > 0.0 {
        r.push("a bias larger than the weights: z is then mostly the bias, and the Gaussian picture of many small terms does not hold");
    }
    if c.classes > 0 {
        r.push("2-D data: layer 1 sees two features, not a sum of many, so its z is not Gaussian");
    }
    r
}

/// χ* over a grid of (σ_w, σ_b) for the phase diagram: `sw[i]`, `sb[j]`, `chi[j][i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseGrid {
    pub sw: Vec<f64>,
    pub sb: Vec<f64>,
    pub chi: Vec<Vec<f64>>,
}

/// The range of σ_w and σ_b the phase diagram shows.
pub const PHASE_SW: (f64, f64) = (0.0, 4.0);
pub const PHASE_SB: (f64, f64) = (0.0, 1.0);

thread_local! {
    /// The last grid, by activation: it depends on nothing else, and a slider move keeps it.
    static LAST_GRID: std::cell::RefCell<Option<(Activation, PhaseGrid)>> = const { std::cell::RefCell::new(None) };
}

/// [`phase_grid`] at the page's resolution (32 × 16), kept while the activation stays.
#[must_use]
pub fn phase_grid_cached(act: Activation) -> PhaseGrid {
    LAST_GRID.with(|g| {
        let mut g = g.borrow_mut();
        match &*g {
            Some((a, grid)) if *a == act => grid.clone(),
            _ => {
                let grid = phase_grid(act, 32, 16);
                *g = Some((act, grid.clone()));
                grid
            }
        }
    })
}

/// χ* on an `nw × nb` grid for `act` (coarser quadrature, 2 panels a piece: it only colours the
/// regions).
#[must_use]
pub fn phase_grid(act: Activation, nw: usize, nb: usize) -> PhaseGrid {
    let at = |(lo, hi): (f64, f64), i: usize, n: usize| lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
    let sw: Vec<f64> = (0..nw).map(|i| at(PHASE_SW, i, nw)).collect();
    let sb: Vec<f64> = (0..nb).map(|j| at(PHASE_SB, j, nb)).collect();
    // Iterating the map from q = 1 is enough to colour the regions (and far cheaper than solving).
    let chi_at = |w: f64, b: f64| {
        let mut q = 1.0f64;
        for _ in 0..40 {
            let next = (w * w * second_moment(act, 0.0, q, 2) + b * b).min(1e12);
            let settled = (next - q).abs() <= 1e-6 * q.max(1e-12);
            q = next;
            if settled {
                break;
            }
        }
        w * w * moments(act, 0.0, q, 2).2
    };
    let chi = sb.iter().map(|&b| sw.iter().map(|&w| chi_at(w, b)).collect()).collect();
    PhaseGrid { sw, sb, chi }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For a wide Gaussian, E[φ′(z)²] → p(0)·∫φ′² dz, with p(0) = 1/√(2πq): ∫sech⁴ = 4/3 for tanh,
    /// ∫(σ(1−σ))² = 1/6 for sigmoid (the next term is O(1/q) relative). Before the band around 0
    /// got panels of its own, tanh at q = 25,600 came out at 0.44 of this.
    #[test]
    fn derivative_moments_of_wide_gaussians() {
        for q in [2.5e3, 2.56e4, 1e6] {
            let p0 = 1.0 / (2.0 * std::f64::consts::PI * q).sqrt();
            for (act, integral) in [(Activation::Tanh, 4.0 / 3.0), (Activation::Sigmoid, 1.0 / 6.0)] {
                let got = moments(act, 0.0, q, PANELS).2;
                assert!((got / (p0 * integral) - 1.0).abs() < 2e-3, "{act} q {q}: {got} vs {}", p0 * integral);
            }
        }
    }
    use crate::math::rng::{Rng, Stream};

    /// Φ⁻¹(p): Acklam's rational approximation (relative error below 1.2e-9) refined by one Halley
    /// step on Φ (libm's erfc), which brings it to full double precision.
    #[allow(clippy::excessive_precision)]
    fn inverse_normal_cdf(p: f64) -> f64 {
        const A: [f64; 6] =
            [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
        const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
        const C: [f64; 6] =
            [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
        const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
        let tail = |q: f64| {
            (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
        };
        let x = if p < 0.02425 {
            tail((-2.0 * p.ln()).sqrt())
        } else if p > 1.0 - 0.02425 {
            -tail((-2.0 * (1.0 - p).ln()).sqrt())
        } else {
            let q = p - 0.5;
            let r = q * q;
            (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
        };
        let e = normal_cdf(x) - p;
        let u = e * (2.0 * PI).sqrt() * libm::exp(x * x / 2.0);
        x - u / (1.0 + x * u / 2.0)
    }

    /// A stratified Monte Carlo estimate of E[f(z)], z ~ N(mean, var): one uniform point in each
    /// of n equal-probability strata, mapped through Φ⁻¹ — independent of the
    /// quadrature (another rule, another parametrization).
    fn monte_carlo(f: impl Fn(f64) -> f64, mean: f64, var: f64, n: usize, rng: &mut Rng) -> f64 {
        let inv = inverse_normal_cdf;
        (0..n).map(|i| f(mean + var.sqrt() * inv((i as f64 + rng.uniform01()) / n as f64))).sum::<f64>() / n as f64
    }

    #[test]
    fn quadrature_matches_monte_carlo_for_every_activation() {
        let mut rng = Rng::new(3, Stream::Input);
        for act in Activation::all() {
            for (mean, var) in [(0.0, 1.0), (0.3, 2.5), (-0.2, 0.05)] {
                let (e1, e2, d2) = moments(act, mean, var, PANELS);
                let mc = |f: &dyn Fn(f64) -> f64, rng: &mut Rng| monte_carlo(f, mean, var, 200_000, rng);
                let checks = [
                    ("E[φ²]", e2, mc(&|z| phi(act, z).powi(2), &mut rng)),
                    ("E[φ′²]", d2, mc(&|z| dphi(act, z).powi(2), &mut rng)),
                    ("E[φ]", e1, mc(&|z| phi(act, z), &mut rng)),
                ];
                // Relative to the larger of the value and φ's RMS (E[φ] can be exactly 0).
                let scale = |m: f64, what: &str| if what == "E[φ]" { m.abs().max(e2.sqrt()) } else { m.abs() };
                for (what, q, m) in checks {
                    let rel = (q - m).abs() / scale(m, what).max(1e-300);
                    assert!(rel < 1e-4, "{act} N({mean}, {var}) {what}: quadrature {q}, Monte Carlo {m}");
                }
            }
        }
    }

    /// The two-sample expectations against a stratified product rule of their own: z₁, z₂ on a
    /// 400 × 400 grid of normal quantiles, u = μ + √q·z₁, v = μ + √q·(c·z₁ + √(1 − c²)·z₂). For every
    /// activation (the quadrature branch serves all but linear and ReLU), correlations −0.5 to 1,
    /// and a nonzero mean, within the grid's own error (it cuts the tails beyond its last quantile:
    /// E[z²] reads 0.997); at c = 1 they are the one-sample moments; ReLU's arc-cosine closed form
    /// is the quadrature's value.
    #[test]
    fn pair_moments_match_a_grid_over_both_samples() {
        let n = 400;
        let z: Vec<f64> = (0..n).map(|i| inverse_normal_cdf((i as f64 + 0.5) / n as f64)).collect();
        let grid = |f: &dyn Fn(f64) -> f64, mean: f64, var: f64, c: f64| {
            let (s, r) = (var.sqrt(), (1.0 - c * c).max(0.0).sqrt());
            let mut sum = 0.0;
            for &z1 in &z {
                for &z2 in &z {
                    sum += f(mean + s * z1) * f(mean + s * (c * z1 + r * z2));
                }
            }
            sum / (n * n) as f64
        };
        for act in Activation::all() {
            for (mean, var) in [(0.0, 1.0), (0.2, 2.0)] {
                for c in [-0.5, 0.3, 0.9, 1.0] {
                    let (a, d) = pair_moments(act, mean, var, c);
                    let ga = grid(&|x| phi(act, x), mean, var, c);
                    let gd = grid(&|x| dphi(act, x), mean, var, c);
                    let scale = moments(act, mean, var, PANELS).1;
                    assert!((a - ga).abs() < 8e-3 * scale.max(1e-12), "{act} N({mean}, {var}) c = {c}: E[φφ] {a}, grid {ga}");
                    // φ′ of the rectifiers is a step: the grid's own error there is ~1/n.
                    assert!((d - gd).abs() < 5e-3 * gd.abs().max(0.05), "{act} N({mean}, {var}) c = {c}: E[φ′φ′] {d}, grid {gd}");
                }
                let (e2, d2) = (moments(act, mean, var, PANELS).1, moments(act, mean, var, PANELS).2);
                let (a1, d1) = pair_moments(act, mean, var, 1.0);
                assert!(
                    (a1 / e2 - 1.0).abs() < 3e-3 && (d1 - d2).abs() < 3e-3 * d2.max(1e-12),
                    "{act}: c = 1 is not one sample: ({a1}, {d1}) against ({e2}, {d2})"
                );
            }
        }
        for c in [-0.5, 0.3, 0.9] {
            let (a, d) = pair_moments(Activation::Relu, 0.0, 1.5, c);
            let relu = |x: f64| x.max(0.0);
            let step = |x: f64| if x > 0.0 { 1.0 } else { 0.0 };
            let (qa, qd) = (expect_pair(relu, relu, 0.0, 1.5, c), expect_pair(step, step, 0.0, 1.5, c));
            assert!((a - qa).abs() < 1e-3 * a && (d - qd).abs() < 1e-3, "ReLU c = {c}: closed ({a}, {d}), quadrature ({qa}, {qd})");
        }
    }

    /// Equal values agree, 0 and 0 included (zero init: measured 0, predicted 0); a 20% gap
    /// either way is the edge; a measured value that overflowed never agrees.
    #[test]
    fn agreement_counts_equal_values_and_20_percent() {
        assert!(agrees(0.0, 0.0) && agrees(1.0, 1.25) && agrees(1.0, 0.8));
        assert!(!agrees(1.0, 1.3) && !agrees(0.0, 1e-3) && !agrees(f64::NAN, 1.0) && !agrees(f64::INFINITY, f64::INFINITY));
    }

    /// Poole et al. (2016), Schoenholz et al. (2017): in the ordered phase q → q*, which is 0 only
    /// without a bias and with φ(0) = 0; with q* > 0 the signals keep a spread and it is the
    /// correlation between inputs that goes to 1. Without a fixed point (q* = ∞) q grows.
    #[test]
    fn the_phase_label_follows_the_fixed_point() {
        assert!(Phase::Ordered.label(0.0).contains("signals and gradients vanish"));
        let with_bias = Phase::Ordered.label(0.113);
        assert!(!with_bias.contains("signals and gradients vanish") && with_bias.contains("correlation tends to 1"), "{with_bias}");
        assert!(Phase::Chaotic.label(f64::INFINITY).contains("grow without bound"));
        assert!(Phase::Chaotic.label(1.0).contains("decorrelate"));
    }

    /// tanh with σ_b = 0: the edge of chaos is at σ_w = 1, where q* = 0 and χ* = tanh′(0)² = 1;
    /// with σ_b = 0.05 the bias keeps q* > 0, tanh′ < 1 there, so the edge moves above σ_w = 1.
    #[test]
    fn tanh_edge_of_chaos() {
        let at = |sw: f64, sb: f64| fixed_point(Activation::Tanh, sw * sw, 0.0, sb * sb, 1.0, PANELS);
        let edge = at(1.0, 0.0);
        assert!((edge.chi - 1.0).abs() < 1e-6 && edge.q_star < 1e-6, "{edge:?}");
        assert_eq!(at(0.9, 0.0).phase, Phase::Ordered);
        assert_eq!(at(1.5, 0.0).phase, Phase::Chaotic);
        // σ_b = 0.05: χ* < 1 at σ_w = 1, and the crossing χ* = 1 lies between 1 and 1.2.
        assert!(at(1.0, 0.05).chi < 1.0);
        let (mut lo, mut hi) = (1.0, 2.0);
        for _ in 0..40 {
            let m = 0.5 * (lo + hi);
            if at(m, 0.05).chi < 1.0 {
                lo = m;
            } else {
                hi = m;
            }
        }
        assert!(lo > 1.0 && lo < 1.2, "edge at σ_w = {lo}");
    }
}
