//! The one configuration type: every setting of the page, what it builds (the initializer, the
//! network's shape, the theory's numbers) and why a configuration cannot be shown
//! ([`ConfigError`]).
//!
//! Its URL form is [`crate::spec::params`]: the one table of parameters, the query parser and
//! writer, which read and write these fields. The page's view options (panels, theme, diagram)
//! are [`crate::spec::view`]. The memory checks are `impl Config` in [`crate::compute::budget`].

use crate::analysis::spectrum::SpectrumInput;
use crate::analysis::theory::Setup;
use crate::choice::Choice;
use crate::data::InputKind;
use crate::nn::activation::Activation;
use crate::nn::arch::{Arch, ArchKind, Branch, NormPos, ResScale, Residual};
use crate::nn::block::NormKind;
use crate::nn::init::{BiasInit, Dist, FanMode, Gain, Init, InitSpec};
use crate::nn::network::Shape;
use crate::nn::optim::OptKind;
use crate::spec::compare::{Compare, ResRun};
use crate::spec::view::{DiagramView, Panels, ThemeChoice, View};
use std::fmt;

/// The largest working set a configuration may need, in bytes (256 MiB): wasm32 can address
/// 4 GiB, but a tab that large is slow to allocate and fragile on phones.
pub const MEMORY_BUDGET: u64 = 256 << 20;

/// The rate [`Config::lean_seconds`] assumes for a layer-by-layer pass (estimated flops a second
/// in one worker; the draws count [`crate::nn::init::DRAW_FLOPS`] an entry).
pub const LEAN_FLOPS_PER_S: f64 = 8e9;

/// A duration as people say it: "a few seconds" under 10 s, "about N seconds" under 90, else
/// "about N minutes".
#[must_use]
pub fn duration_words(seconds: f64) -> String {
    if seconds < 10.0 {
        "a few seconds".to_string()
    } else if seconds < 90.0 {
        format!("about {} seconds", (seconds / 10.0).round() * 10.0)
    } else {
        format!("about {} minutes", (seconds / 60.0).round().max(2.0))
    }
}

/// Every control of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub depth: usize,
    pub width: usize,
    pub init: Init,
    pub scale: f64,
    pub gain: Gain,
    pub fan: FanMode,
    pub trunc: bool,
    pub act: Activation,
    pub bias: BiasInit,
    /// The normalization after every hidden Dense (none, batch, layer or RMS norm; the URL's
    /// `norm`, and `bn=1` of older links).
    pub norm: Option<NormKind>,
    /// Plain or residual (the URL's `arch`); a residual network's branch, scaling and norm
    /// position (`branch`, `res`, `norm_pos`) are read whatever `arch` is and used when residual.
    pub arch: ArchKind,
    pub branch: Branch,
    pub res: ResScale,
    pub norm_pos: NormPos,
    pub batch: usize,
    pub input: InputKind,
    pub noise: f64,
    pub seed: u32,
    pub diagram: DiagramView,
    pub embed: bool,
    pub theme: ThemeChoice,
    pub show: Panels,
    pub view: View,
    pub opt: OptKind,
    pub lr: f64,
    pub steps: usize,
    pub l2: f64,
    pub split: f64,
    pub compare: Compare,
    /// Whether the initialization view measures the input–output Jacobian's singular values,
    /// and at which inputs (the URL's `spectrum`).
    pub spectrum: SpectrumInput,
    pub workers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            depth: 10,
            width: 256,
            init: Init::Xavier(Dist::Normal),
            scale: 0.01,
            gain: Gain::Default,
            fan: FanMode::FanIn,
            trunc: false,
            act: Activation::Tanh,
            bias: BiasInit::Zeros,
            norm: None,
            arch: ArchKind::Plain,
            branch: Branch::Two,
            res: ResScale::None,
            norm_pos: NormPos::Pre,
            batch: 256,
            input: InputKind::Gaussian,
            noise: 0.1,
            seed: 1,
            diagram: DiagramView::Weights,
            embed: false,
            theme: ThemeChoice::Auto,
            show: Panels::ALL,
            view: View::Init,
            opt: OptKind::Adam,
            lr: 0.01,
            steps: 1000,
            l2: 0.0,
            split: 0.2,
            compare: Compare::Off,
            spectrum: SpectrumInput::Off,
            workers: 0,
        }
    }
}

/// Something in the query that was not used as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// A configuration that cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The buffers of `runs` runs (1, or the compared runs together) would exceed
    /// [`MEMORY_BUDGET`]; with the largest depth (the other sizes as they are), the largest batch
    /// and the largest width that fit, where any does.
    TooLarge { bytes: u64, budget: u64, runs: usize, max_depth: Option<usize>, max_batch: Option<usize>, max_width: Option<usize> },
    /// Compared runs at initialization are each a training lab's run kept whole
    /// ([`crate::compute::budget::lab_at_init`]), never computed layer by layer, and one of these would
    /// be computed layer by layer alone; their sum passes the budget, with the largest depth,
    /// batch and width whose runs fit kept whole together (as in [`ConfigError::TooLarge`]).
    CompareNotLean { bytes: u64, budget: u64, runs: usize, max_depth: Option<usize>, max_batch: Option<usize>, max_width: Option<usize> },
    /// A shard that is not a power-of-two slice of the batch's `chunks` row chunks
    /// (`shard::Shard::fits`, `shard::chunk_count`).
    Shard { index: usize, count: usize, batch: usize, chunks: usize },
    /// The digits are not in this wasm module (only the compute worker carries them, see
    /// `data::digits`): the page was asked to compute them itself.
    NoDigits,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::TooLarge { bytes, budget, runs, max_depth, max_batch, max_width } => {
                let what = if *runs > 1 { format!("these {runs} runs need") } else { "this network needs".to_string() };
                write!(f, "{what} about {} MiB of memory, more than the {} MiB budget", bytes >> 20, budget >> 20)?;
                write_fits(f, *max_depth, *max_batch, *max_width)
            }
            ConfigError::CompareNotLean { bytes, budget, runs, max_depth, max_batch, max_width } => {
                write!(
                    f,
                    "compared runs at initialization are each kept whole in a worker of their own, never computed layer by \
                     layer as one run this size alone would be; kept whole, these {runs} runs need about {} MiB of memory, \
                     more than the {} MiB budget",
                    bytes >> 20,
                    budget >> 20
                )?;
                write_fits(f, *max_depth, *max_batch, *max_width)
            }
            ConfigError::NoDigits => {
                write!(f, "the digits dataset comes with the compute worker, and no worker could start in this browser")
            }
            ConfigError::Shard { index, count, batch, chunks } => {
                write!(f, "shard {index} of {count} does not fit the {chunks} row chunks of a batch of {batch}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// ": at this width, use at most d layers, or a batch of at most b, or at most w units": the
/// sizes that fit, where any does.
fn write_fits(f: &mut fmt::Formatter<'_>, max_depth: Option<usize>, max_batch: Option<usize>, max_width: Option<usize>) -> fmt::Result {
    match (max_depth, max_batch) {
        (Some(d), Some(b)) => write!(f, ": at this width, use at most {d} layers, or a batch of at most {b}")?,
        (Some(d), None) => write!(f, ": at this width and batch, use at most {d} layers")?,
        (None, Some(b)) => write!(f, ": at this depth and width, use a batch of at most {b}")?,
        (None, None) => return write!(f, ": {}", max_width.map_or("reduce the width".to_string(), |w| format!("use at most {w} units"))),
    }
    match max_width {
        Some(w) => write!(f, ", or at most {w} units"),
        None => Ok(()),
    }
}

impl Config {
    /// The default `scale` for the chosen initializer (see [`Init::default_scale`]).
    #[must_use]
    pub fn default_scale(&self) -> f64 {
        self.init.default_scale()
    }

    /// The initializer this configuration describes.
    #[must_use]
    pub fn init_spec(&self) -> InitSpec {
        InitSpec { kind: self.init, scale: self.scale, gain: self.gain, mode: self.fan, truncated: self.trunc, bias: self.bias }
    }

    /// The network's shape: Gaussian input has `width` features and one regression output;
    /// toy datasets have 2 features and one output per class.
    #[must_use]
    pub fn shape(&self) -> Shape {
        let output = match self.input.classes() {
            0 => 1,
            k => k,
        };
        Shape { input: self.input.dim(self.width), depth: self.depth, width: self.width, output, arch: self.arch() }
    }

    /// The architecture: plain, or residual with this configuration's branch, scaling and norm
    /// position.
    #[must_use]
    pub fn arch(&self) -> Arch {
        self.arch.with(Residual { branch: self.branch, scale: self.res, norm_pos: self.res.norm_pos(self.norm_pos) })
    }

    /// The numbers the theory and the verdict read of this configuration.
    #[must_use]
    pub fn theory_setup(&self) -> Setup {
        Setup {
            init: self.init_spec(),
            act: self.act,
            depth: self.depth,
            width: self.width,
            input_dim: self.shape().input,
            batch: self.batch,
            norm: self.norm,
            arch: self.arch(),
            classes: self.input.classes(),
        }
    }

    /// Refuses to sample an input this module does not carry (the digits, outside the worker).
    pub fn check_data(&self) -> Result<(), ConfigError> {
        if self.input == InputKind::Digits && crate::data::digit_count() == 0 {
            return Err(ConfigError::NoDigits);
        }
        Ok(())
    }

    /// About how long the layer-by-layer pass takes, in seconds: each layer's weights are drawn
    /// three times (forward, and each of the two backward passes; [`crate::nn::init::InitSpec::cost`],
    /// which counts an orthogonal layer's QR), and the products of one forward and two backward
    /// passes (2 + 2·4 flops per multiply-add of z = a·W, ∂L/∂W = aᵀδ, ∂L/∂a = δWᵀ), at
    /// [`LEAN_FLOPS_PER_S`]. Calibrated on this machine's worker: 100 × 1024 × 16 with He took
    /// 6–7 s (estimate 6.3), 5 × 1024 orthogonal 7.1 s natively (estimate 6.4).
    #[must_use]
    pub fn lean_seconds(&self) -> f64 {
        let dims = self.shape().layer_dims();
        let draws = 3.0 * self.init_spec().cost(&dims, self.act);
        let products = 10.0 * self.batch as f64 * dims.iter().map(|&(i, o)| (i * o) as f64).sum::<f64>();
        (draws + products) / LEAN_FLOPS_PER_S
    }

    /// One line saying what is set, for the folded settings on a phone ("10 × 256, xavier_normal,
    /// tanh, gaussian").
    #[must_use]
    pub fn summary(&self) -> String {
        let mut s = format!("{} × {}, {}, {}, {}", self.depth, self.width, self.init.id(), self.act.id(), self.input.id());
        if self.view == View::Train {
            s.push_str(&format!(", training {} steps", self.steps));
        }
        s
    }

    /// The label of the `scale` control, which depends on the initializer.
    #[must_use]
    pub fn scale_label(&self) -> &'static str {
        match self.init {
            Init::Constant => "Constant value c",
            Init::Random(Dist::Uniform) => "Limit a of U[−a, a]",
            _ => "Std s of N(0, s²)",
        }
    }

    /// Whether the control of `key` has an effect in this configuration (else it is disabled).
    #[must_use]
    pub fn applies(&self, key: &str) -> bool {
        match key {
            "scale" => self.init.uses_scale(),
            "gain" => self.init.uses_gain(),
            "fan" => self.init.uses_fan_mode(),
            "opt" | "lr" | "steps" | "l2" | "split" => self.view == View::Train,
            "trunc" => self.init.is_normal(),
            "slope" => matches!(self.act, Activation::LeakyRelu(_)),
            "noise" => self.input != InputKind::Gaussian,
            "branch" | "res" => self.arch == ArchKind::Residual,
            "norm_pos" => self.arch == ArchKind::Residual && self.norm.is_some() && self.res != ResScale::Deepnorm,
            _ => true,
        }
    }
}

/// A comparison's runs are configurations: built here, where both types are known (`compare` sits
/// below `config`, which holds a [`Compare`]).
impl Compare {
    /// The configurations of the runs: `base` with each value applied (one run, `base`, when off).
    /// An initializer other than the base's takes its own default scale, gain, fan mode and
    /// truncation; the base's own initializer keeps the base's.
    #[must_use]
    pub fn runs(&self, base: &Config) -> Vec<Config> {
        let one = Config { compare: Compare::Off, ..*base };
        match self {
            Compare::Off => vec![one],
            Compare::Init(r) => r
                .values()
                .map(|init| {
                    if init == base.init {
                        return Config { init, ..one };
                    }
                    // Another initializer as its framework defines it: its own scale, and the
                    // default gain, fan mode and truncation, so "xavier" in a comparison is
                    // Xavier, not Xavier × the base's calculate_gain. The bias is its own setting
                    // and stays the base's in every run.
                    let d = Config::default();
                    Config { init, scale: init.default_scale(), gain: d.gain, fan: d.fan, trunc: d.trunc, ..one }
                })
                .collect(),
            Compare::Act(r) => r.values().map(|act| Config { act, ..one }).collect(),
            Compare::Opt(r) => r.values().map(|opt| Config { opt, ..one }).collect(),
            Compare::Norm(r) => r.values().map(|norm| Config { norm, ..one }).collect(),
            Compare::Arch(r) => r.values().map(|arch| Config { arch, ..one }).collect(),
            Compare::Res(r) => r
                .values()
                .map(|run| match run {
                    ResRun::Plain => Config { arch: ArchKind::Plain, ..one },
                    ResRun::Residual(res) => Config { arch: ArchKind::Residual, res, ..one },
                })
                .collect(),
            Compare::NormPos(r) => r.values().map(|norm_pos| Config { norm_pos, ..one }).collect(),
        }
    }

    /// The name of each run (the compared value), or the initializer of a single run.
    #[must_use]
    pub fn labels(&self, base: &Config) -> Vec<String> {
        match self {
            Compare::Off => vec![base.init.id().to_string()],
            Compare::Init(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Act(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Opt(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Norm(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Arch(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Res(r) => {
                r.values().map(|v| if v == ResRun::Plain { "plain".to_string() } else { format!("res={}", v.id()) }).collect()
            }
            Compare::NormPos(r) => r.values().map(|v| format!("{}-norm", v.id())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_differ_in_one_setting() {
        let base = Config { init: Init::Random(crate::nn::init::Dist::Normal), scale: 3.0, ..Config::default() };
        let runs = Compare::parse("normal,he_normal").unwrap().runs(&base);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].scale, 3.0, "the base's own initializer keeps its scale");
        assert_eq!(runs[1].init, Init::He(crate::nn::init::Dist::Normal));
        assert!(runs.iter().all(|r| r.compare == Compare::Off && r.seed == base.seed && r.depth == base.depth));
    }

    #[test]
    fn a_norm_comparison_differs_in_the_norm_only() {
        let base = Config::default();
        let c = Compare::parse("norm:none,layer,rms").unwrap();
        let runs = c.runs(&base);
        let norms: Vec<_> = runs.iter().map(|r| r.norm).collect();
        assert_eq!(norms, [None, Some(NormKind::Layer), Some(NormKind::Rms)]);
        assert!(runs.iter().all(|r| Config { norm: None, ..*r } == Config { compare: Compare::Off, ..base }));
        assert_eq!(c.labels(&base), ["none", "layer", "rms"]);
    }
}
