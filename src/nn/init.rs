//! Weight initializers, with the formulas of PyTorch `torch.nn.init` and Keras `initializers`.
//!
//! Storage convention: a dense layer's weights are a row-major `fan_in × fan_out` matrix `W`, so a
//! batch `A` (rows are samples) maps to `Z = A·W + b`, as in the lecture notes' numpy
//! `np.random.randn(n_in, n_out)`. PyTorch stores the transpose (`out × in`); fans are the same.
//!
//! The initializers are [`Init`]'s variants, one per family, each over a [`Dist`] where it draws:
//!
//! | family | σ of the normal (the uniform U[−ℓ, ℓ] has ℓ = √3·σ) | source |
//! |---|---|---|
//! | `Zeros`, `Constant` | W = 0, W = c | `nn.init.zeros_`, `constant_` |
//! | `Random` | σ = s (normal), ℓ = a (uniform) | `nn.init.normal_`, `uniform_` |
//! | `Xavier` | gain·√(2/(fan_in+fan_out)) | Glorot & Bengio (2010); `xavier_*_`, Keras `glorot_*` |
//! | `He` | gain/√fan, gain √2 | He et al. (2015); `kaiming_*_`, Keras `he_*` |
//! | `Lecun` | gain/√fan, gain 1 | LeCun et al. (1998); Keras `lecun_*` |
//! | `Orthogonal` | gain·Q, Q from QR of a Gaussian matrix | Saxe et al. (2014); `orthogonal_` |
//!
//! `fan` is fan_in by default and follows `mode` (fan_in, fan_out, fan_avg) for He and LeCun.
//! Ids, aliases and labels are the rows of [`Init::TABLE`].
//!
//! A uniform U[−ℓ, ℓ] has variance ℓ²/3, so each uniform variant has the same variance as its normal one.

use crate::choice::{self, Choice, Entry, UnknownName};
use crate::math::linalg::householder_q;
use crate::math::rng::Rng;
use crate::nn::activation::Activation;
use std::fmt;
use std::str::FromStr;

/// Keras' correction for a normal truncated at ±2σ: the std of N(0, 1) truncated to [−2, 2]
/// (`keras.initializers.VarianceScaling`, distribution `truncated_normal`).
#[allow(clippy::excessive_precision)] // Keras' literal, as written there
pub const TRUNCATED_NORMAL_STD: f64 = 0.879_625_661_034_239_78;

/// The distribution of a random initializer's draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dist {
    /// N(0, σ²) (or truncated at ±2σ with `trunc`).
    Normal,
    /// U[−ℓ, ℓ], with variance ℓ²/3.
    Uniform,
}

/// A weight initializer, as typed variants with their distribution (candle's `Init`, burn's
/// `Initializer`). Its URL id, aliases and page label are in [`Init::TABLE`]; everything else is
/// asked of the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Init {
    /// W = 0 (`nn.init.zeros_`).
    Zeros,
    /// W = c (`nn.init.constant_`), c = `scale`.
    Constant,
    /// N(0, s²) or U[−a, a] with s or a = `scale` (`nn.init.normal_`, `uniform_`).
    Random(Dist),
    /// Glorot & Bengio (2010): σ² = gain²·2/(fan_in + fan_out) (`xavier_*_`, Keras `glorot_*`).
    Xavier(Dist),
    /// He et al. (2015): σ² = gain²/fan, gain √2 by default (`kaiming_*_`, Keras `he_*`).
    He(Dist),
    /// LeCun et al. (1998): σ² = gain²/fan, gain 1 (Keras `lecun_*`).
    Lecun(Dist),
    /// gain·Q with orthonormal rows or columns (Saxe et al. 2014; `orthogonal_`).
    Orthogonal,
}

const fn row(value: Init, id: &'static str, aliases: &'static [&'static str], label: &'static str) -> Entry<Init> {
    Entry { value, id, aliases, label }
}

impl Choice for Init {
    const WHAT: &'static str = "initializer";
    const TABLE: &'static [Entry<Init>] = &[
        row(Init::Zeros, "zeros", &["zero"], "zeros"),
        row(Init::Constant, "constant", &["const"], "constant"),
        row(Init::Random(Dist::Normal), "normal", &["random_normal", "randn", "gaussian"], "normal N(0, s²)"),
        row(Init::Random(Dist::Uniform), "uniform", &["random_uniform"], "uniform U[−a, a]"),
        row(Init::Xavier(Dist::Normal), "xavier_normal", &["glorot_normal"], "Xavier / Glorot normal"),
        row(Init::Xavier(Dist::Uniform), "xavier_uniform", &["glorot_uniform"], "Xavier / Glorot uniform"),
        row(Init::He(Dist::Normal), "he_normal", &["kaiming_normal"], "He / Kaiming normal"),
        row(Init::He(Dist::Uniform), "he_uniform", &["kaiming_uniform"], "He / Kaiming uniform"),
        row(Init::Lecun(Dist::Normal), "lecun_normal", &[], "LeCun normal"),
        row(Init::Lecun(Dist::Uniform), "lecun_uniform", &[], "LeCun uniform"),
        row(Init::Orthogonal, "orthogonal", &[], "orthogonal"),
    ];
}

impl Init {
    /// The distribution of the draws (`None` for the deterministic and orthogonal initializers).
    #[must_use]
    pub fn dist(self) -> Option<Dist> {
        match self {
            Init::Random(d) | Init::Xavier(d) | Init::He(d) | Init::Lecun(d) => Some(d),
            Init::Zeros | Init::Constant | Init::Orthogonal => None,
        }
    }

    /// Whether the std or limit scales with the layer's fans (Xavier, He, LeCun).
    #[must_use]
    pub fn is_variance_scaling(self) -> bool {
        matches!(self, Init::Xavier(_) | Init::He(_) | Init::Lecun(_))
    }

    /// Whether `scale` (std, limit or constant value) applies.
    #[must_use]
    pub fn uses_scale(self) -> bool {
        matches!(self, Init::Constant | Init::Random(_))
    }

    /// Whether `gain` applies.
    #[must_use]
    pub fn uses_gain(self) -> bool {
        self.is_variance_scaling() || self == Init::Orthogonal
    }

    /// Whether `mode` (the fan divided by) applies: He and LeCun (Xavier always uses the average).
    #[must_use]
    pub fn uses_fan_mode(self) -> bool {
        matches!(self, Init::He(_) | Init::Lecun(_))
    }

    /// Whether the draw is normal (so the truncated variant applies).
    #[must_use]
    pub fn is_normal(self) -> bool {
        self.dist() == Some(Dist::Normal)
    }

    /// The frameworks' default gain: √2 for He (PyTorch `kaiming_*` with its default
    /// `nonlinearity='leaky_relu', a=0`; Keras `HeNormal` scale 2), 1 otherwise.
    #[must_use]
    pub fn default_gain(self) -> f64 {
        match self {
            Init::He(_) => std::f64::consts::SQRT_2,
            _ => 1.0,
        }
    }

    /// The default `scale`: 0.5 for `constant` (the notes' example), 0.01 ("small random") otherwise.
    #[must_use]
    pub fn default_scale(self) -> f64 {
        if self == Init::Constant {
            0.5
        } else {
            0.01
        }
    }

    /// The formula, in plain text with Unicode, for the UI.
    #[must_use]
    pub fn formula(self) -> &'static str {
        use Dist::{Normal, Uniform};
        match self {
            Init::Zeros => "W = 0",
            Init::Constant => "W = c",
            Init::Random(Normal) => "W ~ N(0, s²)",
            Init::Random(Uniform) => "W ~ U[−a, a]",
            Init::Xavier(Normal) => "W ~ N(0, σ²),  σ = gain·√(2 / (fan_in + fan_out))",
            Init::Xavier(Uniform) => "W ~ U[−ℓ, ℓ],  ℓ = gain·√(6 / (fan_in + fan_out))",
            Init::He(Normal) => "W ~ N(0, σ²),  σ = gain / √fan,  gain = √2",
            Init::He(Uniform) => "W ~ U[−ℓ, ℓ],  ℓ = gain·√(3 / fan),  gain = √2",
            Init::Lecun(Normal) => "W ~ N(0, σ²),  σ = gain / √fan",
            Init::Lecun(Uniform) => "W ~ U[−ℓ, ℓ],  ℓ = gain·√(3 / fan)",
            Init::Orthogonal => "W = gain·Q,  QᵀQ = I  (Q from the QR of a Gaussian matrix)",
        }
    }

    /// The activations the method is meant for (the lecture notes' summary table).
    #[must_use]
    pub fn meant_for(self) -> &'static str {
        match self {
            Init::Zeros | Init::Constant => "nothing: every unit of a layer stays identical (symmetry)",
            Init::Random(_) => "nothing in particular: the scale must be tuned by hand to the width",
            Init::Xavier(_) => "linear, tanh, logistic (sigmoid), softmax: σ² = 1/fan_avg",
            Init::He(_) => "ReLU and its variants: σ² = 2/fan_in",
            Init::Lecun(_) => "SELU (self-normalizing networks): σ² = 1/fan_in",
            Init::Orthogonal => "deep linear and tanh networks (dynamical isometry, Saxe et al. 2014)",
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Init {
    type Err = UnknownName;

    /// Parses an id or alias (case-insensitive, `-` as `_`): `glorot_*`, `kaiming_*`, `zero`, ...
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        choice::parse(s)
    }
}

/// Which fan the He and LeCun initializers divide by (Xavier always uses the average).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FanMode {
    /// Preserves the variance of activations in the forward pass (default in both frameworks).
    #[default]
    FanIn,
    /// Preserves the variance of gradients in the backward pass.
    FanOut,
    /// (fan_in + fan_out)/2, Keras' `fan_avg`.
    FanAvg,
}

impl Choice for FanMode {
    const WHAT: &'static str = "fan mode";
    const TABLE: &'static [Entry<FanMode>] = &[
        Entry { value: FanMode::FanIn, id: "fan_in", aliases: &["in"], label: "fan_in (forward pass)" },
        Entry { value: FanMode::FanOut, id: "fan_out", aliases: &["out"], label: "fan_out (backward pass)" },
        Entry { value: FanMode::FanAvg, id: "fan_avg", aliases: &["avg"], label: "fan_avg" },
    ];
}

impl FanMode {
    /// The fan for a `fan_in × fan_out` layer.
    #[must_use]
    pub fn fan(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            FanMode::FanIn => fan_in as f64,
            FanMode::FanOut => fan_out as f64,
            FanMode::FanAvg => (fan_in + fan_out) as f64 / 2.0,
        }
    }
}

impl FromStr for FanMode {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        choice::parse(s)
    }
}

/// The gain of the variance-scaling and orthogonal initializers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Gain {
    /// The frameworks' default for the initializer (see [`Init::default_gain`]).
    #[default]
    Default,
    /// PyTorch's `calculate_gain` of the current activation.
    Auto,
    /// A given number.
    Value(f64),
}

/// Bias initialization.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum BiasInit {
    /// b = 0 (both frameworks' default for `Dense`/`Linear` in these notes).
    #[default]
    Zeros,
    /// b = c.
    Constant(f64),
    /// Drawn like the weights (the same constant for `zeros`/`constant`, the same distribution otherwise).
    SameAsWeights,
    /// b ~ N(0, σ_b²): the bias variance of mean-field theory (the phase diagram's σ_b).
    Normal(f64),
}

/// A fully specified initializer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitSpec {
    pub kind: Init,
    /// Std of `normal`, limit of `uniform`, value of `constant`.
    pub scale: f64,
    pub gain: Gain,
    pub mode: FanMode,
    /// Draw normals truncated at ±2 standard deviations of the untruncated normal, as Keras does,
    /// instead of untruncated (PyTorch): `VarianceScaling` (Xavier/He/LeCun) divides that std by
    /// 0.8796 so the draws keep σ; `TruncatedNormal` (`normal`) does not, so its draws have 0.8796·s.
    pub truncated: bool,
    pub bias: BiasInit,
}

impl Default for InitSpec {
    fn default() -> Self {
        Self {
            kind: Init::Xavier(Dist::Normal),
            scale: 0.01,
            gain: Gain::Default,
            mode: FanMode::FanIn,
            truncated: false,
            bias: BiasInit::Zeros,
        }
    }
}

/// What one layer's weights are drawn from, once fans and gain are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Draw {
    Constant(f64),
    /// N(0, std²); or, truncated, (std/0.8796)·N(0, 1) cut at ±2, whose std is `std` and whose
    /// cut is at ±2·std/0.8796 ≈ ±2.27·std.
    Normal {
        std: f64,
        truncated: bool,
    },
    Uniform {
        limit: f64,
    },
    Orthogonal {
        gain: f64,
    },
}

/// Estimated cost of one weight, drawn and then summarized (moments, histogram), in flops of
/// the matrix products: measured natively here, 1M normal draws take 7.5 ms and the QR's products
/// run at 13–18 GFLOP/s, so a draw costs about 100 of their flops. A constant entry is counted
/// the same: its fill is cheap, but the summaries of it are not.
pub const DRAW_FLOPS: f64 = 100.0;

/// The most drawing a page task does, in flops ([`Draw::cost`]): what the page has always drawn
/// itself, 2²⁰ normal weights (9–24 ms on the main thread for the default network's 655k while
/// both workers computed), against tasks of at most about 12 ms.
pub const PAGE_TASK_FLOPS: f64 = (1u64 << 20) as f64 * DRAW_FLOPS;

impl Draw {
    /// Estimated flops of filling a `fan_in × fan_out` matrix: [`DRAW_FLOPS`] per entry, and
    /// for orthogonal (m = max, n = min of the two) the m·n Gaussian draws plus the Householder QR, 2n²(m − n/3) flops, and forming its thin Q,
    /// 2n²(m − n/3) more (Golub & Van Loan, *Matrix Computations*, 4th ed., §5.2.2 and §5.1.6;
    /// LAPACK's `dgeqrf` and `dorgqr`): (8/3)·n³ for a square matrix, which outgrows the draws
    /// from n ≈ 40 and is 2.9 GFLOP at n = 1024.
    #[must_use]
    pub fn cost(self, fan_in: usize, fan_out: usize) -> f64 {
        let entries = fan_in as f64 * fan_out as f64;
        match self {
            Draw::Constant(_) | Draw::Normal { .. } | Draw::Uniform { .. } => entries * DRAW_FLOPS,
            Draw::Orthogonal { .. } => {
                let (m, n) = (fan_in.max(fan_out) as f64, fan_in.min(fan_out) as f64);
                entries * DRAW_FLOPS + 4.0 * n * n * (m - n / 3.0)
            }
        }
    }

    /// The standard deviation of one entry under this distribution (for orthogonal `m × n`,
    /// the entries of gain·Q have mean square gain²/max(m, n)).
    #[must_use]
    pub fn std(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Draw::Constant(_) => 0.0,
            Draw::Normal { std, .. } => std,
            Draw::Uniform { limit } => limit / 3f64.sqrt(),
            Draw::Orthogonal { gain } => gain / (fan_in.max(fan_out) as f64).sqrt(),
        }
    }
}

impl InitSpec {
    /// The gain in force for `act`.
    #[must_use]
    pub fn resolved_gain(&self, act: Activation) -> f64 {
        match self.gain {
            Gain::Default => self.kind.default_gain(),
            Gain::Auto => act.calculate_gain().unwrap_or(1.0),
            Gain::Value(g) => g,
        }
    }

    /// The distribution of a `fan_in × fan_out` layer's weights.
    #[must_use]
    pub fn draw(&self, fan_in: usize, fan_out: usize, act: Activation) -> Draw {
        let g = self.resolved_gain(act);
        let fan = self.mode.fan(fan_in, fan_out);
        let avg = (fan_in + fan_out) as f64 / 2.0;
        // σ = gain/√fan for a normal; ℓ = gain·√(3/fan) for the uniform of the same variance.
        let dist = |d: Dist, fan: f64| match d {
            Dist::Normal => Draw::Normal { std: g / fan.sqrt(), truncated: self.truncated },
            Dist::Uniform => Draw::Uniform { limit: g * (3.0 / fan).sqrt() },
        };
        match self.kind {
            Init::Zeros => Draw::Constant(0.0),
            Init::Constant => Draw::Constant(self.scale),
            // Keras `TruncatedNormal(stddev=s)` cuts N(0, s²) at ±2s with no correction, so its
            // draws have std 0.8796·s; `VarianceScaling` (Xavier/He/LeCun above) corrects instead.
            Init::Random(Dist::Normal) if self.truncated => Draw::Normal { std: self.scale * TRUNCATED_NORMAL_STD, truncated: true },
            Init::Random(Dist::Normal) => Draw::Normal { std: self.scale, truncated: false },
            Init::Random(Dist::Uniform) => Draw::Uniform { limit: self.scale },
            // gain·√(2/(fan_in+fan_out)) = gain/√fan_avg; uniform gain·√(6/(fan_in+fan_out)) = gain·√(3/fan_avg)
            Init::Xavier(d) => dist(d, avg),
            Init::He(d) | Init::Lecun(d) => dist(d, fan),
            Init::Orthogonal => Draw::Orthogonal { gain: g },
        }
    }

    /// Estimated flops of drawing the weights of layers of these `(fan_in, fan_out)`
    /// ([`Draw::cost`]), so a caller can tell whether drawing them fits a task of its budget.
    #[must_use]
    pub fn cost(&self, dims: &[(usize, usize)], act: Activation) -> f64 {
        dims.iter().map(|&(i, o)| self.draw(i, o, act).cost(i, o)).sum()
    }

    /// Fills a row-major `fan_in × fan_out` weight matrix.
    pub fn fill_weights(&self, w: &mut [f32], fan_in: usize, fan_out: usize, act: Activation, rng: &mut Rng) {
        debug_assert_eq!(w.len(), fan_in * fan_out);
        fill(self.draw(fan_in, fan_out, act), w, fan_in, fan_out, rng);
    }

    /// Fills a layer's bias vector of length `fan_out`.
    pub fn fill_bias(&self, b: &mut [f32], fan_in: usize, act: Activation, rng: &mut Rng) {
        match self.bias {
            BiasInit::Zeros => b.fill(0.0),
            BiasInit::Constant(c) => b.fill(c as f32),
            BiasInit::Normal(std) => fill(Draw::Normal { std, truncated: false }, b, 1, b.len(), rng),
            BiasInit::SameAsWeights => match self.draw(fan_in, b.len(), act) {
                // An orthogonal vector is not meaningful: draw with the same per-entry std.
                Draw::Orthogonal { .. } => {
                    let std = self.draw(fan_in, b.len(), act).std(fan_in, b.len());
                    fill(Draw::Normal { std, truncated: false }, b, 1, b.len(), rng);
                }
                d => fill(d, b, 1, b.len(), rng),
            },
        }
    }
}

/// Draws into `w` (row-major `rows × cols`).
pub fn fill(draw: Draw, w: &mut [f32], rows: usize, cols: usize, rng: &mut Rng) {
    match draw {
        Draw::Constant(c) => w.fill(c as f32),
        Draw::Normal { std, truncated: false } => {
            for x in w.iter_mut() {
                *x = (std * rng.normal()) as f32;
            }
        }
        Draw::Normal { std, truncated: true } => {
            let s = std / TRUNCATED_NORMAL_STD;
            for x in w.iter_mut() {
                *x = (s * truncated_standard_normal(rng)) as f32;
            }
        }
        Draw::Uniform { limit } => {
            for x in w.iter_mut() {
                *x = rng.uniform(-limit, limit) as f32;
            }
        }
        Draw::Orthogonal { gain } => orthogonal(w, rows, cols, gain, rng),
    }
}

/// N(0, 1) conditioned on |z| ≤ 2, by rejection (acceptance ≈ 95.4%).
fn truncated_standard_normal(rng: &mut Rng) -> f64 {
    loop {
        let z = rng.normal();
        if z.abs() <= 2.0 {
            return z;
        }
    }
}

/// gain·Q for a row-major `rows × cols` matrix, as `torch.nn.init.orthogonal_`: a Gaussian matrix
/// of shape (max, min), drawn row by row, is factored as QR ([`householder_q`]: blocked
/// Householder, in f64), the columns of Q are multiplied by the signs of R's diagonal (so Q is
/// Haar-distributed, Mezzadri 2007), and Q or Qᵀ is used so that the rows (if rows ≤ cols) or the
/// columns (if rows ≥ cols) are orthonormal.
pub fn orthogonal(w: &mut [f32], rows: usize, cols: usize, gain: f64, rng: &mut Rng) {
    let (m, n) = (rows.max(cols), rows.min(cols)); // tall m × n
    let mut a: Vec<f64> = (0..m * n).map(|_| rng.normal()).collect();
    let (q, signs) = householder_q(&mut a, m, n);
    // Sign correction: Q·diag(sign(diag R)); then W = Q (rows ≥ cols) or Qᵀ (rows < cols).
    for (i, row) in q.chunks_exact(n.max(1)).enumerate() {
        for (c, (&x, &s)) in row.iter().zip(&signs).enumerate() {
            let value = (gain * s * x) as f32;
            if rows >= cols {
                w[i * cols + c] = value;
            } else {
                w[c * cols + i] = value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::Stream;

    fn spec(kind: Init) -> InitSpec {
        InitSpec { kind, ..InitSpec::default() }
    }

    #[test]
    fn formulas_match_the_frameworks() {
        let act = Activation::Relu;
        let (i, o) = (250, 100);
        let d = |k| spec(k).draw(i, o, act);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12 * b.abs().max(1.0);
        // PyTorch xavier_normal_: std = gain·√(2/(fan_in+fan_out))
        let Draw::Normal { std, .. } = d(Init::Xavier(Dist::Normal)) else { panic!() };
        assert!(close(std, (2.0 / 350.0f64).sqrt()));
        // xavier_uniform_: a = gain·√(6/(fan_in+fan_out))
        let Draw::Uniform { limit } = d(Init::Xavier(Dist::Uniform)) else { panic!() };
        assert!(close(limit, (6.0 / 350.0f64).sqrt()));
        // kaiming_normal_ defaults: std = √2/√fan_in
        let Draw::Normal { std, .. } = d(Init::He(Dist::Normal)) else { panic!() };
        assert!(close(std, (2.0 / 250.0f64).sqrt()));
        // kaiming_uniform_: bound = √2·√(3/fan_in) = √(6/fan_in)
        let Draw::Uniform { limit } = d(Init::He(Dist::Uniform)) else { panic!() };
        assert!(close(limit, (6.0 / 250.0f64).sqrt()));
        let Draw::Normal { std, .. } = d(Init::Lecun(Dist::Normal)) else { panic!() };
        assert!(close(std, (1.0 / 250.0f64).sqrt()));
        let Draw::Uniform { limit } = d(Init::Lecun(Dist::Uniform)) else { panic!() };
        assert!(close(limit, (3.0 / 250.0f64).sqrt()));
        // fan_out mode
        let he_out = InitSpec { mode: FanMode::FanOut, ..spec(Init::He(Dist::Normal)) }.draw(i, o, act);
        assert_eq!(he_out, Draw::Normal { std: (2.0f64 / 100.0).sqrt(), truncated: false });
        // gain=auto for tanh is 5/3 on Xavier
        let x = InitSpec { gain: Gain::Auto, ..spec(Init::Xavier(Dist::Normal)) }.draw(i, o, Activation::Tanh);
        let Draw::Normal { std, .. } = x else { panic!() };
        assert!(close(std, 5.0 / 3.0 * (2.0 / 350.0f64).sqrt()));
    }

    /// Sample moments of every initializer on a 512 × 384 matrix (n = 196,608) against the formula.
    /// For a normal, the sample std has standard error σ/√(2n); for a uniform, var(x²) = 4ℓ⁴/45,
    /// so the sample variance has standard error ℓ²·√(4/45)/√n. Tolerances are 6 standard errors.
    #[test]
    fn sample_moments_match_formulas() {
        let (fi, fo) = (512usize, 384usize);
        let n = (fi * fo) as f64;
        for kind in Init::all() {
            for truncated in [false, true] {
                let s = InitSpec { kind, truncated, scale: 0.05, ..InitSpec::default() };
                let mut w = vec![0f32; fi * fo];
                let mut rng = Rng::new(3, Stream::Layer(0));
                s.fill_weights(&mut w, fi, fo, Activation::Tanh, &mut rng);
                let draw = s.draw(fi, fo, Activation::Tanh);
                let mean = w.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
                let var = w.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / n;
                let std = var.sqrt();
                let expect = draw.std(fi, fo);
                match draw {
                    Draw::Constant(c) => assert!(w.iter().all(|&x| x == c as f32)),
                    _ => {
                        assert!(mean.abs() < 6.0 * expect / n.sqrt(), "{kind}: mean {mean}");
                        let se = expect / (2.0 * n).sqrt() * if matches!(draw, Draw::Uniform { .. }) { 1.2 } else { 1.0 };
                        assert!((std - expect).abs() < 6.0 * se + 1e-7, "{kind} trunc={truncated}: std {std} vs {expect}");
                    }
                }
                if let Draw::Uniform { limit } = draw {
                    assert!(w.iter().all(|&x| f64::from(x.abs()) <= limit), "{kind}: limit exceeded");
                }
                if let Draw::Normal { std, truncated: true } = draw {
                    assert!(w.iter().all(|&x| f64::from(x.abs()) <= 2.0 * std / TRUNCATED_NORMAL_STD + 1e-6));
                }
            }
        }
    }

    /// Keras `TruncatedNormal(stddev=s)`: N(0, s²) re-drawn beyond ±2s, no correction, so every
    /// draw is within ±2s and the sample std is 0.8796·s (the std of N(0, 1) cut at ±2).
    #[test]
    fn truncated_normal_is_keras_truncated_normal() {
        let s = 0.05;
        let spec = InitSpec { kind: Init::Random(Dist::Normal), scale: s, truncated: true, ..InitSpec::default() };
        let (fi, fo) = (400, 500);
        let mut w = vec![0f32; fi * fo];
        spec.fill_weights(&mut w, fi, fo, Activation::Tanh, &mut Rng::new(7, Stream::Layer(0)));
        assert!(w.iter().all(|&x| f64::from(x).abs() <= 2.0 * s * (1.0 + 1e-6)), "a draw beyond ±2s");
        let n = w.len() as f64;
        let std = (w.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / n).sqrt();
        let want = TRUNCATED_NORMAL_STD * s;
        assert!((std - want).abs() < 6.0 * want / (2.0 * n).sqrt(), "std {std}, Keras {want}");
    }

    fn gram_error(w: &[f32], rows: usize, cols: usize, gain: f64) -> f64 {
        // The smaller Gram matrix should be gain²·I.
        let mut worst = 0f64;
        if rows >= cols {
            for a in 0..cols {
                for b in 0..cols {
                    let dot: f64 = (0..rows).map(|r| f64::from(w[r * cols + a]) * f64::from(w[r * cols + b])).sum();
                    let target = if a == b { gain * gain } else { 0.0 };
                    worst = worst.max((dot - target).abs());
                }
            }
        } else {
            for a in 0..rows {
                for b in 0..rows {
                    let dot: f64 = (0..cols).map(|c| f64::from(w[a * cols + c]) * f64::from(w[b * cols + c])).sum();
                    let target = if a == b { gain * gain } else { 0.0 };
                    worst = worst.max((dot - target).abs());
                }
            }
        }
        worst
    }

    #[test]
    fn orthogonal_is_orthonormal_for_all_shapes() {
        for (rows, cols) in [(64, 64), (100, 30), (30, 100), (1, 7), (7, 1), (2, 2), (300, 70), (70, 300), (129, 129)] {
            let mut w = vec![0f32; rows * cols];
            let mut rng = Rng::new(11, Stream::Layer(2));
            orthogonal(&mut w, rows, cols, 1.0, &mut rng);
            let e = gram_error(&w, rows, cols, 1.0);
            assert!(e < 1e-5, "{rows}x{cols}: {e}");
        }
        let mut w = vec![0f32; 40 * 40];
        orthogonal(&mut w, 40, 40, 2.0, &mut Rng::new(1, Stream::Input));
        assert!(gram_error(&w, 40, 40, 2.0) < 4e-5);
    }

    /// The page's own draw is decided by cost: a 1024 × 1024 orthogonal layer (exactly the 2²⁰
    /// weights the old weight-count rule allowed) costs its QR, (8/3)·1024³ ≈ 2.86 GFLOP, about
    /// 27 page tasks; the same layer drawn from a normal, or the default network's 655k, fits one.
    #[test]
    fn orthogonal_layers_cost_their_qr() {
        let n = 1024;
        let qr = 8.0 / 3.0 * (n as f64).powi(3);
        let ortho = spec(Init::Orthogonal);
        let cost = ortho.cost(&[(n, n)], Activation::Tanh);
        assert!((cost - qr - (n * n) as f64 * DRAW_FLOPS).abs() < 1.0, "{cost}");
        assert!(cost > 20.0 * PAGE_TASK_FLOPS, "{cost}");
        assert!(spec(Init::He(Dist::Normal)).cost(&[(n, n)], Activation::Relu) <= PAGE_TASK_FLOPS);
        // Tall and wide: the QR of the (max × min) matrix, 4·n²(m − n/3) flops.
        let tall = Draw::Orthogonal { gain: 1.0 }.cost(300, 100) - 30_000.0 * DRAW_FLOPS;
        assert!((tall - 4.0 * 100.0 * 100.0 * (300.0 - 100.0 / 3.0)).abs() < 1e-6);
        assert_eq!(Draw::Orthogonal { gain: 1.0 }.cost(100, 300), Draw::Orthogonal { gain: 1.0 }.cost(300, 100));
        // The default network fits one page task: see `config`'s tests (the defaults are there).
    }

    #[test]
    fn biases() {
        let mut rng = Rng::new(0, Stream::Layer(0));
        let mut b = vec![1f32; 8];
        let s = InitSpec { kind: Init::Constant, scale: 0.5, bias: BiasInit::SameAsWeights, ..InitSpec::default() };
        s.fill_bias(&mut b, 4, Activation::Sigmoid, &mut rng);
        assert!(b.iter().all(|&x| x == 0.5));
        let s = InitSpec { bias: BiasInit::Zeros, ..s };
        s.fill_bias(&mut b, 4, Activation::Sigmoid, &mut rng);
        assert!(b.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn aliases_parse() {
        assert_eq!("glorot_uniform".parse::<Init>().unwrap(), Init::Xavier(Dist::Uniform));
        assert_eq!("kaiming_normal".parse::<Init>().unwrap(), Init::He(Dist::Normal));
        assert_eq!("Glorot-Normal".parse::<Init>().unwrap(), Init::Xavier(Dist::Normal));
        for k in Init::all() {
            assert_eq!(k.id().parse::<Init>().unwrap(), k);
        }
        let err = "variance".parse::<Init>().unwrap_err();
        assert_eq!(err.given, "variance");
        assert!(err.to_string().contains("\"variance\"") && err.to_string().contains("he_normal"), "{err}");
        choice::check_table::<Init>();
        choice::check_table::<FanMode>();
    }

    /// Every variant has a row (the match is exhaustive: a new variant fails to compile here
    /// until it is listed, and then this test fails until its row is in the table).
    #[test]
    fn every_variant_has_a_row() {
        let listed = |k: Init| match k {
            Init::Zeros | Init::Constant | Init::Random(_) | Init::Xavier(_) | Init::He(_) | Init::Lecun(_) | Init::Orthogonal => k,
        };
        let families = [Init::Random as fn(Dist) -> Init, Init::Xavier, Init::He, Init::Lecun];
        let mut every = vec![Init::Zeros, Init::Constant, Init::Orthogonal];
        every.extend(families.iter().flat_map(|f| [f(Dist::Normal), f(Dist::Uniform)]));
        for k in every {
            assert!(Init::TABLE.iter().any(|e| e.value == listed(k)), "{k:?} has no row");
        }
    }
}
