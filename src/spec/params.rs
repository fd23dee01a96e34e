//! The one table of URL parameters, and the query parser and writer built on it.
//!
//! Every URL key is a row of [`PARAMS`]: its key (also the field and the DOM id of its control),
//! kind and range, label, help, the control that edits it, and how it is read and written.
//! [`Config::from_query`], [`Config::to_query`], the page's controls and the README's table all
//! come from (or are checked against) that table, as TensorFlow Playground's `State.PROPS`.
//!
//! Parsing never fails: an unknown key, an unparsable value or an out-of-range number falls back
//! (to the default, or to the nearest value in range) for that key only and leaves a [`Notice`]
//! naming the key, for the page to show. What cannot be shown at all (a configuration over the
//! memory budget) is a [`crate::spec::config::ConfigError`] from `Config::validate`.

use crate::analysis::spectrum::SpectrumInput;
use crate::choice::{self, Choice};
use crate::data::InputKind;
use crate::format::fmt_num;
use crate::nn::activation::{Activation, DEFAULT_LEAKY_SLOPE};
use crate::nn::arch::{ArchKind, Branch, NormPos, ResScale};
use crate::nn::block::NormKind;
use crate::nn::init::{BiasInit, FanMode, Gain, Init};
use crate::nn::optim::OptKind;
use crate::spec::compare::Compare;
use crate::spec::config::{Config, Notice};
use crate::spec::view::{DiagramView, Panels, ThemeChoice, View, PANELS};
use std::fmt;

/// Decodes `%XX` escapes and `+` (as a space) of a query component.
#[must_use]
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a float in the shortest form that parses back to it.
fn num(x: f64) -> String {
    format!("{x}")
}

/// How a parameter's value is checked: the parser reads its range from here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A whole number in [min, max].
    Int { min: u64, max: u64 },
    /// A number in [min, max].
    Float { min: f64, max: f64 },
    /// One of the named options.
    Choice,
    /// 0 or 1.
    Flag,
}

/// The page control that edits a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    /// A range input whose value is the number itself.
    Slider,
    /// A range input whose value is an index into these positions (a log-spaced list).
    Positions(&'static [f64]),
    /// `scale`: positions ([`scale_positions`]) for normal and uniform, the number for constant.
    Scale,
    /// A `<select>` of [`Param::options`].
    Select,
    /// A checkbox (a flag).
    Check,
    /// A number input.
    Number,
    /// A text input (a short list a slider cannot express: `compare`).
    Text,
    /// None: set only by the URL (`embed`).
    None,
}

/// One URL parameter.
#[derive(Clone, Copy)]
pub struct Param {
    /// URL key, [`Config`] field and DOM id of the control.
    pub key: &'static str,
    /// The control's label.
    pub label: &'static str,
    /// What it means and what it takes (the README's table).
    pub help: &'static str,
    pub kind: Kind,
    pub control: Control,
    /// The options of a `<select>`: (value, label).
    pub options: fn() -> Vec<(&'static str, &'static str)>,
    /// Read after every other key, because its range or meaning depends on them (`scale`, `slope`).
    pub late: bool,
    /// Reads a value into the configuration, noting what was not used as written.
    pub read: fn(&mut Reader, &mut Config, &str),
    /// The value as written in the URL.
    pub write: fn(&Config) -> String,
    /// Written only when it differs from the default.
    pub optional: bool,
    /// An older name of another key's setting (`bn` of `norm`): read, from links and from its
    /// control while the page has one, but never written to the URL, where the other key says it.
    pub alias_of: Option<&'static str>,
}

impl fmt::Debug for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Param").field("key", &self.key).field("kind", &self.kind).field("control", &self.control).finish()
    }
}

fn no_options() -> Vec<(&'static str, &'static str)> {
    Vec::new()
}

fn options_of<T: Choice>() -> Vec<(&'static str, &'static str)> {
    T::TABLE.iter().map(|e| (e.id, e.label)).collect()
}

const fn param(key: &'static str, label: &'static str, help: &'static str, kind: Kind, control: Control) -> Param {
    Param {
        key,
        label,
        help,
        kind,
        control,
        options: no_options,
        late: false,
        read: |_, _, _| {},
        write: |_| String::new(),
        optional: false,
        alias_of: None,
    }
}

/// Slider positions of `width` (log-spaced, with the papers' 500 and 1000).
pub const WIDTHS: [f64; 31] = [
    2., 3., 4., 5., 6., 8., 10., 12., 16., 20., 24., 32., 40., 48., 64., 80., 96., 128., 160., 192., 256., 320., 384., 448., 500., 512.,
    640., 768., 896., 1000., 1024.,
];
/// Slider positions of `batch`.
pub const BATCHES: [f64; 17] = [1., 2., 4., 8., 16., 32., 64., 100., 128., 200., 256., 500., 512., 1000., 1024., 2048., 4096.];

/// Slider positions of `scale` for `normal` and `uniform`: 1, 1.5, 2, 3, 5, 7 per decade, 1e-4 to 10.
#[must_use]
pub fn scale_positions() -> Vec<f64> {
    let mut v: Vec<f64> =
        (-4..=0).flat_map(|e| ["1", "1.5", "2", "3", "5", "7"].map(|m| format!("{m}e{e}").parse::<f64>().unwrap_or(1.0))).collect();
    v.push(10.0);
    v
}

/// The learning-rate slider's positions.
pub const LRS: [f64; 19] = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0];
/// The steps slider's positions.
pub const STEPS: [f64; 15] = [1., 10., 50., 100., 200., 300., 500., 1000., 2000., 3000., 5000., 10000., 20000., 50000., 100000.];
/// The weight-decay slider's positions.
pub const L2S: [f64; 10] = [0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 1.0];

/// `scale` of `normal` and `uniform`: 1e-4..=10 (a log slider).
pub const SCALE_RANGE: (f64, f64) = (1e-4, 10.0);
/// `scale` of `constant`, and a constant bias: −10..=10.
pub const CONSTANT_RANGE: (f64, f64) = (-10.0, 10.0);
/// A numeric gain: 0..=10.
pub const GAIN_RANGE: (f64, f64) = (0.0, 10.0);

/// Every URL parameter, in the order the URL writes them and the page shows them.
pub const PARAMS: &[Param] = &[
    Param {
        optional: true,
        options: options_of::<View>,
        read: |r, c, v| {
            // Links written before the view existed used `mode` for the fan mode: they still work.
            if let Ok(fan) = choice::parse::<FanMode>(v) {
                c.fan = fan;
            } else {
                c.view = r.choice(v, c.view);
            }
        },
        write: |c| c.view.id().to_string(),
        ..param(
            "mode",
            "View",
            "the network at initialization, or training it (a fan mode here, as in older links, sets `fan`)",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        read: |r, c, v| c.depth = r.int(v, c.depth),
        write: |c| c.depth.to_string(),
        ..param("depth", "Hidden layers", "hidden layers (of a residual network: its blocks)", Kind::Int { min: 1, max: 100 }, Control::Slider)
    },
    Param {
        read: |r, c, v| c.width = r.int(v, c.width),
        write: |c| c.width.to_string(),
        ..param("width", "Units per layer", "units per hidden layer (the slider moves over a log-spaced list with 500 and 1000)", Kind::Int { min: 2, max: 1024 }, Control::Positions(&WIDTHS))
    },
    Param {
        options: options_of::<Init>,
        read: |r, c, v| c.init = r.choice(v, c.init),
        write: |c| c.init.id().to_string(),
        ..param("init", "Initializer", "initializer (aliases `glorot_*`, `kaiming_*`)", Kind::Choice, Control::Select)
    },
    Param {
        late: true,
        read: |r, c, v| {
            let (min, max) = if c.init == Init::Constant { CONSTANT_RANGE } else { SCALE_RANGE };
            c.scale = r.float_in(v, min, max, c.init.default_scale());
        },
        write: |c| num(c.scale),
        ..param(
            "scale",
            "Scale",
            "std of `normal`, limit of `uniform` (a log slider); value of `constant`, −10–10 (default 0.5 there)",
            Kind::Float { min: SCALE_RANGE.0, max: SCALE_RANGE.1 },
            Control::Scale,
        )
    },
    Param {
        options: || {
            vec![
                ("default", "framework default"),
                ("auto", "auto: calculate_gain(activation)"),
                ("0.5", "0.5"),
                ("1", "1"),
                ("1.4142135623730951", "√2 ≈ 1.414"),
                ("1.6666666666666667", "5/3 ≈ 1.667"),
                ("2", "2"),
                ("3", "3"),
            ]
        },
        read: |r, c, v| {
            c.gain = match v.trim().to_ascii_lowercase().as_str() {
                "" | "default" => Gain::Default,
                "auto" => Gain::Auto,
                _ => match v.trim().parse::<f64>() {
                    Ok(g) if g.is_finite() => Gain::Value(r.float_in(v, GAIN_RANGE.0, GAIN_RANGE.1, 1.0)),
                    _ => {
                        r.note(format!("\"{v}\" is not a number, \"auto\" or \"default\"; using default"));
                        Gain::Default
                    }
                },
            }
        },
        write: |c| match c.gain {
            Gain::Default => "default".to_string(),
            Gain::Auto => "auto".to_string(),
            Gain::Value(g) => num(g),
        },
        ..param(
            "gain",
            "Gain",
            "gain of Xavier/He/LeCun/orthogonal: the framework default (1, He √2), PyTorch's `calculate_gain` of the activation, or a number 0–10",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        options: options_of::<FanMode>,
        read: |r, c, v| c.fan = r.choice(v, c.fan),
        write: |c| c.fan.id().to_string(),
        ..param("fan", "Fan mode (He, LeCun)", "the fan He and LeCun divide by (PyTorch's `mode`)", Kind::Choice, Control::Select)
    },
    Param {
        read: |r, c, v| c.trunc = r.flag(v, c.trunc),
        write: |c| u8::from(c.trunc).to_string(),
        ..param(
            "trunc",
            "Truncated normal at ±2σ (Keras); off: untruncated (PyTorch)",
            "truncated normal (Keras) instead of untruncated (PyTorch)",
            Kind::Flag,
            Control::Check,
        )
    },
    Param {
        options: options_of::<Activation>,
        // Leaky ReLU at the default slope; `slope` (read late) sets it.
        read: |r, c, v| c.act = r.choice(v, c.act),
        write: |c| c.act.id().to_string(),
        ..param("act", "Activation", "activation (`gelu` is the exact erf form)", Kind::Choice, Control::Select)
    },
    Param {
        late: true,
        read: |r, c, v| {
            let s = r.float(v, f64::from(DEFAULT_LEAKY_SLOPE));
            if let Activation::LeakyRelu(_) = c.act {
                c.act = Activation::LeakyRelu(s as f32);
            }
        },
        // f32 printed as f32: 0.02, not 0.019999999552965164
        write: |c| match c.act {
            Activation::LeakyRelu(s) => format!("{s}"),
            _ => format!("{DEFAULT_LEAKY_SLOPE}"),
        },
        ..param("slope", "Leaky ReLU slope", "negative slope of leaky ReLU", Kind::Float { min: 0.0, max: 1.0 }, Control::Slider)
    },
    Param {
        options: || {
            vec![
                ("zeros", "zeros"),
                ("same", "same as weights"),
                ("normal:0.05", "random N(0, 0.05²)"),
                ("normal:0.3", "random N(0, 0.3²)"),
                ("0.5", "constant 0.5"),
                ("0.1", "constant 0.1"),
                ("0.01", "constant 0.01"),
            ]
        },
        read: |r, c, v| {
            c.bias = match v.trim().to_ascii_lowercase().as_str() {
                "zeros" | "zero" => BiasInit::Zeros,
                "same" | "weights" => BiasInit::SameAsWeights,
                "constant" => BiasInit::Constant(0.5),
                other if other.starts_with("normal:") => {
                    BiasInit::Normal(r.float_in(&other["normal:".len()..], 0.0, CONSTANT_RANGE.1, 0.05))
                }
                other => match other.parse::<f64>() {
                    Ok(b) if b.is_finite() => BiasInit::Constant(r.float_in(v, CONSTANT_RANGE.0, CONSTANT_RANGE.1, 0.0)),
                    _ => {
                        r.note(format!("\"{v}\" is not zeros, same, constant, normal:σ or a number; using zeros"));
                        BiasInit::Zeros
                    }
                },
            }
        },
        write: |c| match c.bias {
            BiasInit::Zeros => "zeros".to_string(),
            BiasInit::SameAsWeights => "same".to_string(),
            BiasInit::Constant(b) => num(b),
            BiasInit::Normal(s) => format!("normal:{}", num(s)),
        },
        ..param("bias", "Biases", "biases: zero, drawn as the weights, random `normal:σ` (σ 0–10), or a constant −10–10 (`constant` is 0.5)", Kind::Choice, Control::Select)
    },
    Param {
        options: options_of::<Option<NormKind>>,
        read: |r, c, v| c.norm = r.choice(v, c.norm),
        write: |c| c.norm.id().to_string(),
        ..param(
            "norm",
            "Normalization after each layer",
            "normalization after each hidden dense layer: batch norm (each unit over the batch), layer norm (each sample over its units, ε = 1e-5), RMS norm (each sample's root mean square, ε = 1e-6, no β)",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        optional: true,
        options: options_of::<ArchKind>,
        read: |r, c, v| c.arch = r.choice(v, c.arch),
        write: |c| c.arch.id().to_string(),
        ..param(
            "arch",
            "Architecture",
            "`plain` (dense → φ, layer after layer) or `residual`: x_{l+1} = x_l + α·F(x_l) around a stream `width` wide, a first dense layer from the input to it and a last one reading it out; depth counts blocks",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        optional: true,
        options: options_of::<Branch>,
        read: |r, c, v| c.branch = r.choice(v, c.branch),
        write: |c| c.branch.id().to_string(),
        ..param("branch", "Residual branch", "a residual block's branch F: `2` dense → φ → dense, `1` dense → φ", Kind::Choice, Control::Select)
    },
    Param {
        optional: true,
        options: options_of::<ResScale>,
        read: |r, c, v| c.res = r.choice(v, c.res),
        write: |c| c.res.id().to_string(),
        ..param(
            "res",
            "Residual scaling",
            "how each branch starts: `none` (α = 1), `gpt2` (its last layer's std ÷ √N, N blocks; Radford et al. 2019), `zero` (its last layer zero; Goyal et al. 2017), `rezero` (a learned α from 0; Bachlechner et al. 2020), `fixup` (the branch's other layers × N^(−1/(2m−2)), its last layer and the readout zero, a learned multiplier from 1; Zhang et al. 2019), `deepnorm` (post-norm LN(a·x + F(x)), a = (2N)^(1/4), the branch's layers × (8N)^(−1/4); Wang et al. 2022)",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        optional: true,
        options: options_of::<NormPos>,
        read: |r, c, v| c.norm_pos = r.choice(v, c.norm_pos),
        write: |c| c.norm_pos.id().to_string(),
        ..param(
            "norm_pos",
            "Norm position",
            "where a residual block's norm sits: `pre` x + F(Norm(x)) (pre-LN, GPT-2) or `post` Norm(x + F(x)) (the original transformer, BERT); `deepnorm` is always post",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        alias_of: Some("norm"),
        read: |r, c, v| {
            let on = r.flag(v, c.norm == Some(NormKind::Batch));
            c.norm = on.then_some(NormKind::Batch);
        },
        write: |c| u8::from(c.norm == Some(NormKind::Batch)).to_string(),
        ..param(
            "bn",
            "Batch normalization after each layer",
            "batch normalization after each dense layer: `1` is `norm=batch`, `0` `norm=none` (older links; never written)",
            Kind::Flag,
            Control::None,
        )
    },
    Param {
        read: |r, c, v| c.batch = r.int(v, c.batch),
        write: |c| c.batch.to_string(),
        ..param("batch", "Batch", "samples (a log-spaced slider)", Kind::Int { min: 1, max: 4096 }, Control::Positions(&BATCHES))
    },
    Param {
        options: options_of::<InputKind>,
        read: |r, c, v| c.input = r.choice(v, c.input),
        write: |c| c.input.id().to_string(),
        ..param("input", "Input", "input: Gaussian x ~ N(0, 1) with `width` features, or a 2-D toy dataset", Kind::Choice, Control::Select)
    },
    Param {
        read: |r, c, v| c.noise = r.float(v, c.noise),
        write: |c| num(c.noise),
        ..param("noise", "Noise of 2-D data", "std of the jitter of the 2-D datasets", Kind::Float { min: 0.0, max: 1.0 }, Control::Slider)
    },
    Param {
        read: |r, c, v| match v.trim().parse::<u32>() {
            Ok(s) => c.seed = s,
            Err(_) => r.note(format!("\"{v}\" is not a whole number 0–4294967295; using {}", c.seed)),
        },
        write: |c| c.seed.to_string(),
        ..param(
            "seed",
            "Seed",
            "RNG seed; the same seed gives bit-identical numbers in every browser and natively",
            Kind::Int { min: 0, max: u32::MAX as u64 },
            Control::Number,
        )
    },
    Param {
        optional: true,
        options: options_of::<OptKind>,
        read: |r, c, v| c.opt = r.choice(v, c.opt),
        write: |c| c.opt.id().to_string(),
        ..param("opt", "Optimizer", "update rule of training (PyTorch's defaults: momentum 0.9; Adam β = (0.9, 0.999), ε = 1e-8)", Kind::Choice, Control::Select)
    },
    Param {
        optional: true,
        read: |r, c, v| c.lr = r.float(v, c.lr),
        write: |c| num(c.lr),
        ..param("lr", "Learning rate η", "learning rate (a log slider)", Kind::Float { min: 1e-5, max: 10.0 }, Control::Positions(&LRS))
    },
    Param {
        optional: true,
        read: |r, c, v| c.steps = r.int(v, c.steps),
        write: |c| c.steps.to_string(),
        ..param("steps", "Steps to train", "optimizer steps that Play runs (a link trains them on load)", Kind::Int { min: 1, max: 100_000 }, Control::Positions(&STEPS))
    },
    Param {
        optional: true,
        read: |r, c, v| c.l2 = r.float(v, c.l2),
        write: |c| num(c.l2),
        ..param("l2", "Weight decay λ", "L2 weight decay on the weights (not the biases): g ← g + λW, as PyTorch's `weight_decay`", Kind::Float { min: 0.0, max: 1.0 }, Control::Positions(&L2S))
    },
    Param {
        optional: true,
        read: |r, c, v| c.split = r.float(v, c.split),
        write: |c| num(c.split),
        ..param("split", "Held-out test fraction", "fraction of the dataset held out for testing (a seeded split)", Kind::Float { min: 0.05, max: 0.5 }, Control::Slider)
    },
    Param {
        optional: true,
        read: |r, c, v| match Compare::parse(v) {
            Ok(cmp) => c.compare = cmp,
            Err(e) => r.note(format!("{e}; no comparison")),
        },
        write: |c| c.compare.to_string(),
        ..param(
            "compare",
            "Compare",
            "2–4 runs side by side on the same data and seed: initializers (`he_normal,xavier_normal,normal`), or `act:relu,tanh`, or `opt:sgd,adam`, or `norm:none,batch,layer`, or `arch:plain,residual`, `res:plain,none,gpt2,zero,rezero,fixup,deepnorm` (`plain` a plain network beside residual ones), `norm_pos:pre,post`; `off` for one run",
            Kind::Choice,
            Control::Text,
        )
    },
    Param {
        optional: true,
        options: options_of::<SpectrumInput>,
        read: |r, c, v| c.spectrum = r.choice(v, c.spectrum),
        write: |c| c.spectrum.id().to_string(),
        ..param(
            "spectrum",
            "Jacobian spectrum",
            "the singular values of the input–output Jacobian ∂a_L/∂x (dynamical isometry) at the batch's first inputs (enough for 1,024 singular values, 1–64), as they are or rescaled so layer 1's pre-activations sit at the fixed point q*; not with batch norm",
            Kind::Choice,
            Control::Select,
        )
    },
    Param {
        options: options_of::<DiagramView>,
        read: |r, c, v| c.diagram = r.choice(v, c.diagram),
        write: |c| c.diagram.id().to_string(),
        ..param("diagram", "Diagram edges show", "what the network diagram shows", Kind::Choice, Control::Select)
    },
    Param {
        optional: true,
        read: |r, c, v| c.workers = r.int(v, c.workers),
        write: |c| c.workers.to_string(),
        ..param(
            "workers",
            "Compute workers",
            "compute workers, read when the page loads: 0 for one per core (`navigator.hardwareConcurrency`, at most 8, the batch's most row chunks); for benchmarks and tests",
            Kind::Int { min: 0, max: 8 },
            Control::None,
        )
    },
    Param {
        optional: true,
        read: |r, c, v| c.embed = r.flag(v, c.embed),
        write: |c| u8::from(c.embed).to_string(),
        ..param("embed", "Embed", "compact view for iframes", Kind::Flag, Control::None)
    },
    Param {
        optional: true,
        options: options_of::<ThemeChoice>,
        read: |r, c, v| c.theme = r.choice(v, c.theme),
        write: |c| c.theme.id().to_string(),
        ..param("theme", "Theme", "colours: the viewer's system theme, or forced (an embed matching its course page)", Kind::Choice, Control::None)
    },
    Param {
        optional: true,
        options: || PANELS.iter().map(|(id, _)| (*id, *id)).collect(),
        read: |r, c, v| {
            let mut bits = 0u32;
            for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match PANELS.iter().position(|(p, _)| *p == name) {
                    Some(i) => bits |= 1 << i,
                    None => r.note(format!(
                        "unknown panel \"{name}\" (expected some of: {}); left out",
                        PANELS.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
            c.show = if bits == 0 { Panels::ALL } else { Panels(bits) };
        },
        write: |c| {
            if c.show == Panels::ALL {
                "all".to_string()
            } else {
                PANELS.iter().enumerate().filter(|(i, _)| c.show.0 & (1 << i) != 0).map(|(_, (p, _))| *p).collect::<Vec<_>>().join(",")
            }
        },
        ..param("show", "Panels", "the panels an embed shows, comma-separated (e.g. `act,std,verdict`); every panel by default", Kind::Choice, Control::None)
    },
    // A tour's keys: the page reads them from the address itself (`web::app::tour_view`); the
    // configuration is the step's view, so they set nothing here and are never written from it.
    Param {
        optional: true,
        ..param("tour", "Tour", "a tour of steps (`src/course/tour.rs`): the link form its editor writes (deflated JSON in base64url); none by default", Kind::Choice, Control::None)
    },
    Param { optional: true, ..param("step", "Tour step", "the tour's step shown, from 0; the first by default", Kind::Choice, Control::None) },
];

/// The README's table of URL keys, built from [`PARAMS`] (a test holds the README to it).
#[must_use]
pub fn markdown_table() -> String {
    let mut t = String::from("| key | control | values |\n|---|---|---|\n");
    let default = Config::default();
    for p in PARAMS {
        let allowed = match p.kind {
            // Named options only: a numeric option (a gain of 2) is one of the numbers the help allows.
            Kind::Choice => {
                let named: Vec<String> =
                    (p.options)().iter().filter(|(id, _)| id.parse::<f64>().is_err()).map(|(id, _)| format!("`{id}`")).collect();
                named.join(", ")
            }
            Kind::Int { min, max } => format!("{min}–{max}"),
            Kind::Float { min, max } => format!("{}–{}", num(min), num(max)),
            Kind::Flag => "`0`/`1`".to_string(),
        };
        let allowed = if allowed.is_empty() { String::new() } else { format!("{allowed}: ") };
        let written = (p.write)(&default);
        let default = if written.is_empty() { String::new() } else { format!("; default `{written}`") };
        t.push_str(&format!("| `{}` | {} | {allowed}{}{default} |\n", p.key, p.label, p.help));
    }
    t
}

/// The row of `key`.
#[must_use]
pub fn param_of(key: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.key == key)
}

/// Reads the values of one parameter, noting what was not used as written.
pub struct Reader {
    param: &'static Param,
    notices: Vec<Notice>,
}

impl Reader {
    /// Notes that the current key's value was not used as written.
    pub fn note(&mut self, message: String) {
        self.notices.push(Notice { key: self.param.key.to_string(), message });
    }

    fn int(&mut self, v: &str, default: usize) -> usize {
        let Kind::Int { min, max } = self.param.kind else { return default };
        let (lo, hi) = (min as f64, max as f64);
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                let r = x.round();
                if r < lo || r > hi || r != x {
                    let c = r.clamp(lo, hi) as usize;
                    self.note(format!("{v} is outside {min}–{max} or not whole; using {c}"));
                    c
                } else {
                    r as usize
                }
            }
            _ => {
                self.note(format!("\"{v}\" is not a number; using {default}"));
                default
            }
        }
    }

    /// A number in the parameter's own range.
    fn float(&mut self, v: &str, default: f64) -> f64 {
        match self.param.kind {
            Kind::Float { min, max } => self.float_in(v, min, max, default),
            _ => default,
        }
    }

    /// A number in [lo, hi] (for parameters whose range depends on another's value).
    fn float_in(&mut self, v: &str, lo: f64, hi: f64, default: f64) -> f64 {
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                if x < lo || x > hi {
                    let c = x.clamp(lo, hi);
                    self.note(format!("{v} is outside {}–{}; using {}", num(lo), num(hi), num(c)));
                    c
                } else {
                    x
                }
            }
            _ => {
                self.note(format!("\"{v}\" is not a number; using {}", num(default)));
                default
            }
        }
    }

    fn flag(&mut self, v: &str, default: bool) -> bool {
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => true,
            "0" | "false" | "off" | "no" => false,
            _ => {
                self.note(format!("\"{v}\" is not 0 or 1; using {}", u8::from(default)));
                default
            }
        }
    }

    fn choice<T: Choice>(&mut self, v: &str, current: T) -> T {
        match choice::parse::<T>(v) {
            Ok(x) => x,
            Err(e) => {
                self.note(format!("{e}; using {}", current.id()));
                current
            }
        }
    }
}

impl Config {
    /// Parses a query string (with or without the leading `?`). Never fails; see the module docs.
    /// Keys are read in the query's order (a repeated key: the last wins); [`Param::late`] keys
    /// after all others, in table order.
    #[must_use]
    pub fn from_query(query: &str) -> (Config, Vec<Notice>) {
        let mut c = Config::default();
        let mut notices = Vec::new();
        let mut late: Vec<(&'static Param, String)> = Vec::new();
        let read = |c: &mut Config, param: &'static Param, v: &str, notices: &mut Vec<Notice>| {
            let mut r = Reader { param, notices: std::mem::take(notices) };
            (param.read)(&mut r, c, v);
            *notices = r.notices;
        };
        for pair in query.trim_start_matches('?').split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            match param_of(&k) {
                Some(p) if p.late => {
                    late.retain(|(q, _)| q.key != p.key);
                    late.push((p, v));
                }
                Some(p) => read(&mut c, p, &v, &mut notices),
                None => notices.push(Notice { key: k, message: "unknown parameter, ignored".to_string() }),
            }
        }
        // The default scale follows the initializer.
        c.scale = c.init.default_scale();
        for p in PARAMS.iter().filter(|p| p.late) {
            if let Some((_, v)) = late.iter().find(|(q, _)| q.key == p.key) {
                read(&mut c, p, v, &mut notices);
            }
        }
        (c, notices)
    }

    /// The canonical query string (without `?`), every key written, so a link reproduces the view
    /// even if defaults change later.
    #[must_use]
    pub fn to_query(&self) -> String {
        let default = Config::default();
        PARAMS
            .iter()
            .filter(|p| p.alias_of.is_none() && (!p.optional || (p.write)(self) != (p.write)(&default)))
            .map(|p| format!("{}={}", p.key, (p.write)(self)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The value of `key` as the URL writes it.
    #[must_use]
    pub fn value_of(&self, key: &str) -> Option<String> {
        param_of(key).map(|p| (p.write)(self))
    }

    /// What a control shows beside itself, with units ("10 layers", "256 units"); empty for none.
    #[must_use]
    pub fn shown(&self, key: &str) -> String {
        let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        match key {
            "depth" if self.arch == crate::nn::arch::ArchKind::Residual => plural(self.depth, "block"),
            "depth" => plural(self.depth, "layer"),
            "width" => format!("{} units", self.width),
            "batch" => plural(self.batch, "sample"),
            "scale" => fmt_num(self.scale),
            "slope" => self.value_of("slope").unwrap_or_default(),
            "noise" => format!("σ = {}", self.noise),
            "lr" => format!("η = {}", fmt_num(self.lr)),
            "steps" => plural(self.steps, "step"),
            "l2" => format!("λ = {}", fmt_num(self.l2)),
            "split" => format!("{:.0}% held out", self.split * 100.0),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::init::Dist;

    #[test]
    fn default_round_trips() {
        let c = Config::default();
        let (d, notes) = Config::from_query(&c.to_query());
        assert_eq!(c, d);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn every_field_round_trips() {
        let q = "depth=37&width=12&init=constant&scale=-2.5&gain=auto&fan=fan_out&trunc=1&act=leaky_relu&slope=0.02&bias=same&bn=1&batch=9&input=moons&noise=0.3&seed=4000000000&diagram=grads&embed=1";
        let (c, notes) = Config::from_query(q);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(c.depth, 37);
        let (e, notes) = Config::from_query("theme=dark&show=act,std,verdict,bogus");
        assert_eq!(e.theme, ThemeChoice::Dark);
        assert!(e.show.shows("act") && e.show.shows("verdict") && !e.show.shows("table"));
        assert!(notes.len() == 1 && notes[0].key == "show" && notes[0].message.contains("\"bogus\""), "{notes:?}");
        assert_eq!(Config::from_query(&e.to_query()).0, e);
        assert!(e.to_query().ends_with("&theme=dark&show=verdict,act,std"), "{}", e.to_query());
        assert_eq!(c.act, Activation::LeakyRelu(0.02));
        assert!(c.to_query().contains("slope=0.02&"), "{}", c.to_query());
        assert_eq!(c.scale, -2.5);
        let (d, _) = Config::from_query(&c.to_query());
        assert_eq!(c, d);
    }

    #[test]
    fn aliases_and_percent_encoding() {
        let (c, notes) = Config::from_query("?init=kaiming_uniform&act=ReLU&gain=1.5&input=two_moons&x%3D=1");
        assert_eq!(c.init, Init::He(Dist::Uniform));
        assert_eq!(c.act, Activation::Relu);
        assert_eq!(c.gain, Gain::Value(1.5));
        assert_eq!(c.input, InputKind::Moons);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].key, "x=");
        assert_eq!(percent_decode("a%20b+c%zz%4"), "a b c%zz%4");
    }

    #[test]
    fn bad_values_fall_back_with_a_notice_naming_the_key() {
        let (c, notes) = Config::from_query("depth=500&width=abc&init=magic&scale=100&batch=0&seed=-1&bn=maybe");
        assert_eq!(c.depth, 100);
        assert_eq!(c.width, 256);
        assert_eq!(c.init, Init::Xavier(Dist::Normal));
        assert_eq!(c.scale, 10.0);
        assert_eq!(c.batch, 1);
        assert_eq!(c.seed, 1);
        let keys: Vec<&str> = notes.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(keys, ["depth", "width", "init", "batch", "seed", "bn", "scale"]);
        // NaN and infinities are not numbers here
        let (c, notes) = Config::from_query("scale=NaN&gain=inf");
        assert_eq!(c.scale, 0.01);
        assert_eq!(c.gain, Gain::Default);
        assert_eq!(notes.len(), 2);
    }

    /// `norm=` round-trips for every kind and is written as `norm=`, never `bn=`; older links'
    /// `bn=1` and `bn=0` still mean batch norm and none (and the last of the two keys wins).
    #[test]
    fn norm_round_trips_and_bn_still_reads() {
        for (q, want) in [
            ("norm=none", None),
            ("norm=batch", Some(NormKind::Batch)),
            ("norm=layer", Some(NormKind::Layer)),
            ("norm=rms", Some(NormKind::Rms)),
            ("norm=LayerNorm", Some(NormKind::Layer)),
            ("bn=1", Some(NormKind::Batch)),
            ("bn=0", None),
            ("norm=rms&bn=1", Some(NormKind::Batch)),
            ("bn=1&norm=layer", Some(NormKind::Layer)),
        ] {
            let (c, notes) = Config::from_query(q);
            assert!(notes.is_empty(), "{q}: {notes:?}");
            assert_eq!(c.norm, want, "{q}");
            let written = c.to_query();
            assert!(written.contains(&format!("norm={}", want.id())) && !written.contains("bn="), "{q}: {written}");
            assert_eq!(Config::from_query(&written).0, c, "{q}");
        }
        assert!(Config::default().to_query().contains("&norm=none&"));
        let (c, notes) = Config::from_query("norm=group");
        assert_eq!(c.norm, None);
        assert!(
            notes.len() == 1 && notes[0].key == "norm" && notes[0].message.contains("expected one of: none, batch, layer, rms"),
            "{notes:?}"
        );
        crate::choice::check_table::<Option<NormKind>>();
    }

    /// A base with a custom gain, fan_out and truncation: the other initializers in the comparison
    /// are what their frameworks define (PyTorch's xavier_normal_ has gain 1 and no truncation;
    /// kaiming_normal_ uses fan_in), the base's own keeps its settings.
    #[test]
    fn other_initializers_take_their_own_defaults() {
        let (base, _) = Config::from_query("init=he_normal&gain=3&fan=fan_out&trunc=1");
        let runs = Compare::parse("he_normal,xavier_normal").unwrap().runs(&base);
        assert_eq!((runs[0].gain, runs[0].fan, runs[0].trunc), (base.gain, base.fan, base.trunc));
        let d = Config::default();
        assert_eq!((runs[1].gain, runs[1].fan, runs[1].trunc), (d.gain, d.fan, d.trunc));
        // The drawn std is Glorot's √(2/(fan_in + fan_out)) at the default width 256.
        let std = runs[1].init_spec().draw(256, 256, runs[1].act).std(256, 256);
        assert!((std - (2.0f64 / 512.0).sqrt()).abs() < 1e-12, "{std}");
    }

    /// The default network (10 layers of 256, Gaussian input of 256: 655k hidden weights) is drawn
    /// by the page itself: it fits one page task (`init`'s `orthogonal_layers_cost_their_qr`).
    #[test]
    fn the_default_networks_draw_fits_one_page_task() {
        let (c, _) = Config::from_query("");
        assert!(c.init_spec().cost(&c.shape().layer_dims(), c.act) <= crate::nn::init::PAGE_TASK_FLOPS);
    }
}
