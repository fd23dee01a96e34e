//! "Copy as code": the PyTorch, Keras and JAX (Flax) lines that build the configured network with
//! the configured initializer, so a student can carry a setting into a notebook.
//!
//! Each initializer is written in the framework's own terms where one matches exactly, and as an
//! explicit variance-scaling call where the default would differ:
//! - PyTorch: `xavier_*_(w, gain)`, `kaiming_*_(w, mode, nonlinearity)` (LeCun is
//!   `kaiming_*_(nonlinearity="linear")`: gain 1 over fan_in), `orthogonal_`, `trunc_normal_`;
//!   a custom He or LeCun gain, which `kaiming_*_` cannot take, is written as `normal_`/`uniform_`
//!   with the std or bound computed from `fan`;
//! - Keras and JAX: `VarianceScaling(scale=gain², mode, distribution)` with `"truncated_normal"`
//!   (std-corrected, as Keras' `glorot_normal`) or `"untruncated_normal"` (PyTorch's draws), so the
//!   std is the page's whatever the framework's default truncation.
//!
//! Weights are stored fan_in × fan_out here and out × in in PyTorch; the fans are the same.

use crate::choice::Choice;
use crate::nn::activation::Activation;
use crate::nn::arch::{Branch, NormPos, ResScale, Residual};
use crate::nn::block::{Block, NormKind};
use crate::nn::init::{BiasInit, Dist, FanMode, Gain, Init};
use crate::nn::network::{Mlp, Shape};
use crate::nn::optim::OptKind;
use crate::spec::config::Config;
use crate::spec::view::View;

/// A framework to write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    PyTorch,
    Keras,
    Jax,
}

impl Framework {
    pub const ALL: [Framework; 3] = [Framework::PyTorch, Framework::Keras, Framework::Jax];

    /// Its name on the page.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Framework::PyTorch => "PyTorch",
            Framework::Keras => "Keras",
            Framework::Jax => "JAX (Flax)",
        }
    }

    /// The id of its `<pre>` on the page.
    #[must_use]
    pub fn element_id(self) -> &'static str {
        match self {
            Framework::PyTorch => "code-pytorch",
            Framework::Keras => "code-keras",
            Framework::Jax => "code-jax",
        }
    }
}

/// [`crate::nn::init::TRUNCATED_NORMAL_STD`] as Keras writes it.
const TRUNCATED_STD: &str = "0.87962566103423978";

/// A float as people write it in Python: rounded to 12 significant digits, then the shortest
/// form that reads back to that (`2.0`, not `2.0000000000000004` for √2²; `0.3333333333333333`
/// becomes `0.333333333333`), laid out as Python's `repr` does (positional from 1e-4 to 1e16,
/// `1e-05` style outside).
fn py(x: f64) -> String {
    if x.is_nan() {
        return "float(\"nan\")".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "float(\"inf\")".into() } else { "-float(\"inf\")".into() };
    }
    if x == 0.0 {
        return "0.0".into();
    }
    let rounded: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    let sci = format!("{rounded:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = format!("{rounded}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// An f32 as Python writes it (0.2, not 0.20000000298023224).
fn py32(x: f32) -> String {
    py(format!("{x}").parse().unwrap_or(f64::from(x)))
}

fn fan_mode(m: FanMode) -> &'static str {
    match m {
        FanMode::FanIn => "fan_in",
        FanMode::FanOut => "fan_out",
        FanMode::FanAvg => "fan_avg",
    }
}

/// The gain the configuration resolves to.
fn gain(c: &Config) -> f64 {
    c.init_spec().resolved_gain(c.act)
}

/// PyTorch's name of the activation for `calculate_gain`, if it has one.
fn torch_nonlinearity(a: Activation) -> Option<String> {
    Some(match a {
        Activation::Linear => "linear".into(),
        Activation::Sigmoid => "sigmoid".into(),
        Activation::Tanh => "tanh".into(),
        Activation::Relu => "relu".into(),
        Activation::Selu => "selu".into(),
        Activation::LeakyRelu(_) => "leaky_relu".into(),
        _ => return None,
    })
}

fn torch_activation(a: Activation) -> String {
    match a {
        Activation::Linear => "nn.Identity()".into(),
        Activation::Sigmoid => "nn.Sigmoid()".into(),
        Activation::Tanh => "nn.Tanh()".into(),
        Activation::Relu => "nn.ReLU()".into(),
        Activation::LeakyRelu(s) => format!("nn.LeakyReLU({})", py32(s)),
        Activation::Elu => "nn.ELU()".into(),
        Activation::Selu => "nn.SELU()".into(),
        Activation::Gelu => "nn.GELU()".into(),
        Activation::Swish => "nn.SiLU()".into(),
        Activation::Softplus => "nn.Softplus()".into(),
    }
}

/// The PyTorch call that initializes tensor `w` (a `nn.Linear` weight).
fn torch_weight(c: &Config) -> String {
    let g = gain(c);
    let d = |dist: Dist, normal: &str, uniform: &str| if dist == Dist::Normal { normal.to_string() } else { uniform.to_string() };
    match c.init {
        Init::Zeros => "nn.init.zeros_(w)".into(),
        Init::Constant => format!("nn.init.constant_(w, {})", py(c.scale)),
        Init::Random(Dist::Normal) if c.trunc => format!("nn.init.trunc_normal_(w, std={s}, a=-2 * {s}, b=2 * {s})", s = py(c.scale)),
        Init::Random(Dist::Normal) => format!("nn.init.normal_(w, mean=0.0, std={})", py(c.scale)),
        Init::Random(Dist::Uniform) => format!("nn.init.uniform_(w, -{a}, {a})", a = py(c.scale)),
        Init::Xavier(dist) if !c.trunc || dist == Dist::Uniform => {
            format!("nn.init.{}(w, gain={})", d(dist, "xavier_normal_", "xavier_uniform_"), py(g))
        }
        Init::He(dist) | Init::Lecun(dist)
            if (!c.trunc || dist == Dist::Uniform) && c.fan != FanMode::FanAvg && kaiming_gain(c).is_some() =>
        {
            let nl = kaiming_gain(c).unwrap_or_default();
            format!("nn.init.{}(w, mode=\"{}\", {nl})", d(dist, "kaiming_normal_", "kaiming_uniform_"), fan_mode(c.fan))
        }
        Init::Orthogonal => format!("nn.init.orthogonal_(w, gain={})", py(g)),
        // A truncated variance-scaling normal, or a gain kaiming_ cannot express: the std by hand.
        Init::Xavier(dist) | Init::He(dist) | Init::Lecun(dist) => {
            let fan = match (c.init, c.fan) {
                (Init::Xavier(_), _) | (_, FanMode::FanAvg) => "(fan_in + fan_out) / 2".to_string(),
                _ => fan_mode(c.fan).to_string(),
            };
            match (dist, c.trunc) {
                (Dist::Normal, true) => {
                    format!(
                        "std = {} / math.sqrt({fan}) / {TRUNCATED_STD}\n    nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std)",
                        py(g)
                    )
                }
                (Dist::Normal, false) => format!("nn.init.normal_(w, std={} / math.sqrt({fan}))", py(g)),
                (Dist::Uniform, _) => format!("bound = {} * math.sqrt(3 / ({fan}))\n    nn.init.uniform_(w, -bound, bound)", py(g)),
            }
        }
    }
}

/// `nonlinearity=…` (and `a=`) for `kaiming_*_` when the configured gain is one it computes.
fn kaiming_gain(c: &Config) -> Option<String> {
    let g = gain(c);
    let want = |x: f64| (g - x).abs() < 1e-12;
    if c.init.is_variance_scaling() && matches!(c.init, Init::Lecun(_)) && want(1.0) {
        return Some("nonlinearity=\"linear\"".into());
    }
    if want(std::f64::consts::SQRT_2) {
        return Some("nonlinearity=\"relu\"".into());
    }
    if let (Gain::Auto, Some(nl)) = (c.gain, torch_nonlinearity(c.act)) {
        return Some(match c.act {
            Activation::LeakyRelu(s) => format!("a={}, nonlinearity=\"{nl}\"", py32(s)),
            _ => format!("nonlinearity=\"{nl}\""),
        });
    }
    want(1.0).then(|| "nonlinearity=\"linear\"".into())
}

/// What `bias=same` draws for one layer, as Python expressions over that layer's `fan_in` and
/// `fan_out` (the page's [`InitSpec::fill_bias`](crate::nn::init::InitSpec::fill_bias): the weights'
/// [`Draw`](crate::nn::init::Draw) for the layer's own fans, so the output layer's bias differs from a
/// hidden layer's, uniform for the `*_uniform` initializers, truncated with `trunc`).
#[derive(Debug, Clone, PartialEq)]
enum SameBias {
    /// b = c for every entry.
    Constant(f64),
    /// N(0, parent²); truncated, cut at ±2·parent and redrawn (PyTorch `trunc_normal_(std, a, b)`,
    /// Keras `TruncatedNormal`, Flax `truncated_normal(lower=-2, upper=2)`), so the draws' std is
    /// 0.8796·parent.
    Normal { parent: String, truncated: bool },
    /// U[−bound, bound].
    Uniform { bound: String },
}

/// The page's `bias=same` draw for a layer, in terms of Python's `fan_in` and `fan_out`.
fn same_bias(c: &Config) -> SameBias {
    let g = py(gain(c));
    let fan = match (c.init, c.fan) {
        (Init::Xavier(_), _) | (_, FanMode::FanAvg) => "(fan_in + fan_out) / 2",
        (_, m) => fan_mode(m),
    };
    match c.init {
        Init::Zeros => SameBias::Constant(0.0),
        Init::Constant => SameBias::Constant(c.scale),
        // `TruncatedNormal(stddev=s)`: the parent is s, uncorrected.
        Init::Random(Dist::Normal) => SameBias::Normal { parent: py(c.scale), truncated: c.trunc },
        Init::Random(Dist::Uniform) => SameBias::Uniform { bound: py(c.scale) },
        // σ = gain/√fan; truncated, the parent is σ/0.8796 so the draws keep σ (`VarianceScaling`).
        Init::Xavier(Dist::Normal) | Init::He(Dist::Normal) | Init::Lecun(Dist::Normal) if c.trunc => {
            SameBias::Normal { parent: format!("{g} / math.sqrt({fan}) / {TRUNCATED_STD}"), truncated: true }
        }
        Init::Xavier(Dist::Normal) | Init::He(Dist::Normal) | Init::Lecun(Dist::Normal) => {
            SameBias::Normal { parent: format!("{g} / math.sqrt({fan})"), truncated: false }
        }
        // ℓ = gain·√(3/fan), the uniform of the same variance.
        Init::Xavier(Dist::Uniform) | Init::He(Dist::Uniform) | Init::Lecun(Dist::Uniform) => {
            SameBias::Uniform { bound: format!("{g} * math.sqrt(3 / ({fan}))") }
        }
        // A vector cannot be orthogonal: the per-entry std of gain·Q, gain/√max(fan_in, fan_out).
        Init::Orthogonal => SameBias::Normal { parent: format!("{g} / math.sqrt(max(fan_in, fan_out))"), truncated: false },
    }
}

/// The PyTorch lines that initialize `b` (a `nn.Linear` bias) with `fan_in`, `fan_out` in scope.
fn torch_bias(c: &Config) -> String {
    match c.bias {
        BiasInit::Zeros => "nn.init.zeros_(b)".into(),
        BiasInit::Constant(v) => format!("nn.init.constant_(b, {})", py(v)),
        BiasInit::Normal(s) => format!("nn.init.normal_(b, std={})", py(s)),
        BiasInit::SameAsWeights => match same_bias(c) {
            SameBias::Constant(v) => format!("nn.init.constant_(b, {})", py(v)),
            SameBias::Normal { parent, truncated: false } => format!("nn.init.normal_(b, std={parent})"),
            SameBias::Normal { parent, truncated: true } => {
                format!("std_b = {parent}\n    nn.init.trunc_normal_(b, std=std_b, a=-2 * std_b, b=2 * std_b)")
            }
            SameBias::Uniform { bound } => format!("bound_b = {bound}\n    nn.init.uniform_(b, -bound_b, bound_b)"),
        },
    }
}

/// The shape of the configured network.
fn dims(c: &Config) -> Shape {
    c.shape()
}

/// The loss the page trains with: MSE (mean over batch and outputs, no ½) on one linear output
/// for Gaussian input, softmax cross-entropy (mean over the batch) for the labelled sets.
fn is_classification(c: &Config) -> bool {
    c.input.classes() > 0
}

/// One hidden layer's blocks as the network lists them, up to its nonlinearity: Dense, [Norm],
/// Act. Every framework's code writes its hidden layers from this walk.
fn hidden_layer(c: &Config, shape: Shape) -> Vec<Block> {
    let plan = Mlp::plan(Shape { depth: shape.depth.max(1), ..shape }, c.act, c.norm);
    let layer = plan.blocks.iter().position(|b| matches!(b, Block::Act(_))).map_or(0, |k| k + 1);
    plan.blocks[..layer].to_vec()
}

fn pytorch(c: &Config) -> String {
    let shape = dims(c);
    let mut s = String::from("import math\nimport torch\nfrom torch import nn\n\ntorch.manual_seed(");
    if let Some(r) = shape.arch.residual() {
        s.push_str(&format!("{})\n\n", c.seed));
        s.push_str(&torch_residual(c, shape, r));
        return pytorch_tail(c, s, "model.modules()");
    }
    s.push_str(&format!("{})\nlayers = []\n", c.seed));
    s.push_str(&format!("for i in range({}):\n", shape.depth));
    for block in &hidden_layer(c, shape) {
        let (module, note) = match block {
            Block::Dense(_) => (format!("nn.Linear({} if i == 0 else {}, {})", shape.input, shape.width, shape.width), ""),
            Block::Norm(n) => match n.kind {
                NormKind::Batch => (format!("nn.BatchNorm1d({})", shape.width), "  # eps=1e-5, as here"),
                NormKind::Layer => (format!("nn.LayerNorm({}, eps={})", shape.width, py32(n.eps)), "  # eps as here (its default)"),
                // PyTorch's default eps=None is torch.finfo(dtype).eps; the core's 1e-6 is set.
                NormKind::Rms => (
                    format!("nn.RMSNorm({}, eps={})", shape.width, py32(n.eps)),
                    "  # torch >= 2.4; eps as here (its default is finfo(dtype).eps)",
                ),
            },
            Block::Act(a) => (torch_activation(*a), ""),
            Block::Fork | Block::Merge(_) => continue,
        };
        s.push_str(&format!("    layers.append({module}){note}\n"));
    }
    s.push_str(&format!("layers.append(nn.Linear({}, {}))\nmodel = nn.Sequential(*layers)\n\n", shape.width, shape.output));
    pytorch_tail(c, s, "model")
}

/// How a residual scaling draws dense layer `k` of every branch (of `m`), for `n` branches.
#[derive(Debug, Clone, PartialEq)]
enum LayerRule {
    /// As the initializer draws it.
    AsDrawn,
    /// Weights and bias zero.
    Zero,
    /// The drawn weights times this Python expression.
    Times(String),
}

fn branch_rule(r: Residual, n: usize, k: usize) -> LayerRule {
    let m = r.branch.denses();
    let f = r.scale.branch_std_factor(n, m, k);
    if f == 1.0 {
        return LayerRule::AsDrawn;
    }
    if f == 0.0 {
        return LayerRule::Zero;
    }
    LayerRule::Times(match r.scale {
        ResScale::Gpt2 => format!("1 / math.sqrt({n})"),
        ResScale::Fixup => format!("{n} ** (-1 / {})", 2 * m - 2),
        ResScale::Deepnorm => format!("(8 * {n}) ** -0.25"),
        ResScale::None | ResScale::Zero | ResScale::Rezero => py(f),
    })
}

/// The skip's weight as a Python expression, when it is not 1 (DeepNorm's (2N)^(1/4)).
fn skip_py(r: Residual, n: usize) -> Option<String> {
    (r.scale.skip(n) != 1.0).then(|| format!("(2 * {n}) ** 0.25"))
}

/// The comment above a residual scaling's lines in every framework's export.
fn scale_comment(r: Residual, n: usize) -> Option<String> {
    let m = r.branch.denses();
    match r.scale {
        ResScale::None | ResScale::Rezero => None,
        ResScale::Gpt2 => Some(format!("GPT-2 (Radford et al. 2019): each branch's last layer's std divided by sqrt(N), N = {n} blocks")),
        ResScale::Zero => Some("each branch's last layer zero (Goyal et al. 2017): every block starts as the identity".into()),
        ResScale::Fixup => Some(format!(
            "Fixup (Zhang et al. 2019): each branch's last layer and the readout zero, the branch's other layers' std times N ** (-1 / (2m - 2)), N = {n} blocks, m = {m} layers, a learned multiplier from 1"
        )),
        ResScale::Deepnorm => Some(format!(
            "DeepNorm (Wang et al. 2022), decoder-only constants: post-norm LN(a * x + F(x)), a = (2N) ** 0.25, every branch layer's std times (8N) ** -0.25, N = {n} blocks"
        )),
    }
}

/// The multiplier α's initializer name and what it is, when the block learns one.
fn alpha_init(r: Residual) -> Option<(&'static str, &'static str)> {
    match r.scale {
        ResScale::Rezero => Some(("zeros", "ReZero: a learned scalar from 0")),
        ResScale::Fixup => Some(("ones", "Fixup: a learned multiplier from 1")),
        _ => None,
    }
}

/// The PyTorch modules of a residual network: a `Block` class (its norm, its branch as an
/// `nn.Sequential`, its α) and `model = nn.Sequential(stem, *blocks, readout)`.
fn torch_residual(c: &Config, shape: Shape, r: Residual) -> String {
    let w = shape.width;
    let norm = c.norm.map(|k| match k {
        NormKind::Batch => format!("nn.BatchNorm1d({w})"),
        NormKind::Layer => format!("nn.LayerNorm({w}, eps={})", py32(k.eps())),
        NormKind::Rms => format!("nn.RMSNorm({w}, eps={})  # torch >= 2.4", py32(k.eps())),
    });
    let branch = match r.branch {
        Branch::Two => format!("nn.Linear({w}, {w}), {}, nn.Linear({w}, {w})", torch_activation(c.act)),
        Branch::One => format!("nn.Linear({w}, {w}), {}", torch_activation(c.act)),
    };
    let mut s = format!("class Block(nn.Module):\n    \"\"\"{}\"\"\"\n\n", block_doc(c, r));
    s.push_str("    def __init__(self):\n        super().__init__()\n");
    if let Some(n) = &norm {
        s.push_str(&format!("        self.norm = {n}\n"));
    }
    s.push_str(&format!("        self.branch = nn.Sequential({branch})\n"));
    if let Some((init, what)) = alpha_init(r) {
        s.push_str(&format!("        self.alpha = nn.Parameter(torch.{init}(()))  # {what}\n"));
    }
    let skip = match skip_py(r, shape.depth) {
        Some(a) => {
            s.push_str(&format!("        self.skip = {a}  # DeepNorm's a\n"));
            "self.skip * x"
        }
        None => "x",
    };
    s.push_str("\n    def forward(self, x):\n");
    let scaled = |f: &str| if r.scale.learns_alpha() { format!("self.alpha * {f}") } else { f.to_string() };
    let line = match (norm.is_some(), r.norm_pos) {
        (true, NormPos::Pre) => format!("{skip} + {}", scaled("self.branch(self.norm(x))")),
        (true, NormPos::Post) => format!("self.norm({skip} + {})", scaled("self.branch(x)")),
        (false, _) => format!("{skip} + {}", scaled("self.branch(x)")),
    };
    s.push_str(&format!("        return {line}\n\n\n"));
    s.push_str(&format!(
        "model = nn.Sequential(nn.Linear({}, {w}), *[Block() for _ in range({})], nn.Linear({w}, {}))\n\n",
        shape.input, shape.depth, shape.output
    ));
    s
}

/// A residual scaling's lines after PyTorch's initialization loop: each branch's layers rescaled
/// or zeroed (`block.branch[2k]` is its k-th `nn.Linear`), and Fixup's zero readout.
fn torch_scaling(r: Residual, n: usize, s: &mut String) {
    let Some(comment) = scale_comment(r, n) else { return };
    s.push_str(&format!("    # {comment}\n    for block in model[1:-1]:\n"));
    for k in 0..r.branch.denses() {
        let layer = format!("block.branch[{}]", 2 * k);
        match branch_rule(r, n, k) {
            LayerRule::AsDrawn => {}
            LayerRule::Zero => s.push_str(&format!("        nn.init.zeros_({layer}.weight)\n        nn.init.zeros_({layer}.bias)\n")),
            LayerRule::Times(f) => s.push_str(&format!("        {layer}.weight.mul_({f})\n")),
        }
    }
    if r.scale.readout_std_factor() == 0.0 {
        s.push_str("    nn.init.zeros_(model[-1].weight)\n    nn.init.zeros_(model[-1].bias)\n");
    }
}

/// What a residual block computes, in one line (the exported code's docstring).
fn block_doc(c: &Config, r: Residual) -> String {
    let f = match r.branch {
        Branch::Two => "F = dense -> act -> dense",
        Branch::One => "F = dense -> act",
    };
    let a = if r.scale.learns_alpha() { "alpha * " } else { "" };
    let x = if r.scale.skip(c.depth) == 1.0 { "x" } else { "a * x" };
    match (c.norm.is_some(), r.norm_pos) {
        (true, NormPos::Pre) => format!("{x} + {a}F(Norm(x)), {f} (pre-norm)"),
        (true, NormPos::Post) => format!("Norm({x} + {a}F(x)), {f} (post-norm)"),
        (false, _) => format!("{x} + {a}F(x), {f}"),
    }
}

/// The initialization loop over `modules` (every `nn.Linear`), a residual network's scaling of
/// each branch's last layer, and the training lines.
fn pytorch_tail(c: &Config, mut s: String, modules: &str) -> String {
    s.push_str(&format!(
        "with torch.no_grad():\n    for m in {modules}:\n        if isinstance(m, nn.Linear):\n            w, b = m.weight, m.bias\n"
    ));
    let (weight, bias) = (torch_weight(c), torch_bias(c));
    if weight.contains("fan_") || bias.contains("fan_") {
        s.push_str("            fan_in, fan_out = w.shape[1], w.shape[0]\n");
    }
    for line in [weight, bias] {
        s.push_str("            ");
        s.push_str(&line.replace("\n    ", "\n            "));
        s.push('\n');
    }
    if let Some(r) = c.arch().residual() {
        torch_scaling(r, c.depth, &mut s);
    }
    if c.view == View::Train {
        let lr = py(c.lr);
        let params = if c.l2 > 0.0 {
            s.push_str(&format!(
                "\n# L2 weight decay on the weights only, as here: not the biases or batch norm's γ, β\n\
                 decay = [m.weight for m in {modules} if isinstance(m, nn.Linear)]\n\
                 rest = [p for p in model.parameters() if all(p is not w for w in decay)]\n\
                 groups = [{{\"params\": decay, \"weight_decay\": {}}}, {{\"params\": rest, \"weight_decay\": 0.0}}]\n",
                py(c.l2)
            ));
            "groups"
        } else {
            s.push('\n');
            "model.parameters()"
        };
        let opt = match c.opt {
            OptKind::Sgd => format!("torch.optim.SGD({params}, lr={lr})"),
            OptKind::Momentum => format!("torch.optim.SGD({params}, lr={lr}, momentum=0.9)"),
            OptKind::Adam => format!("torch.optim.Adam({params}, lr={lr})  # betas=(0.9, 0.999), eps=1e-8"),
        };
        let loss = if is_classification(c) { "nn.CrossEntropyLoss()" } else { "nn.MSELoss()  # mean over batch and outputs" };
        s.push_str(&format!("opt = {opt}\nloss_fn = {loss}\n"));
    }
    s
}

/// Keras' initializer for the weights, as an expression that makes a new object each time it is
/// evaluated (an unseeded Keras 3 initializer fixes its seed when it is created, so one object
/// shared by every `Dense` gives every layer the same weights).
fn keras_weight(c: &Config) -> String {
    let g = gain(c);
    let vs = |mode: &str, dist: &str| {
        format!("keras.initializers.VarianceScaling(scale={}, mode=\"{mode}\", distribution=\"{dist}\")", py(g * g))
    };
    let dist = |d: Dist| match (d, c.trunc) {
        (Dist::Normal, true) => "truncated_normal",
        (Dist::Normal, false) => "untruncated_normal",
        (Dist::Uniform, _) => "uniform",
    };
    match c.init {
        Init::Zeros => "\"zeros\"".into(),
        Init::Constant => format!("keras.initializers.Constant({})", py(c.scale)),
        Init::Random(Dist::Normal) if c.trunc => format!("keras.initializers.TruncatedNormal(stddev={})", py(c.scale)),
        Init::Random(Dist::Normal) => format!("keras.initializers.RandomNormal(stddev={})", py(c.scale)),
        Init::Random(Dist::Uniform) => format!("keras.initializers.RandomUniform(-{a}, {a})", a = py(c.scale)),
        Init::Xavier(d) => vs("fan_avg", dist(d)),
        Init::He(d) | Init::Lecun(d) => vs(fan_mode(c.fan), dist(d)),
        Init::Orthogonal => format!("keras.initializers.Orthogonal(gain={})", py(g)),
    }
}

/// The body of `def bias(fan_in, fan_out):` (a new Keras initializer for a layer's bias).
fn keras_bias(c: &Config) -> String {
    let init = match c.bias {
        BiasInit::Zeros => "\"zeros\"".into(),
        BiasInit::Constant(v) => format!("keras.initializers.Constant({})", py(v)),
        BiasInit::Normal(s) => format!("keras.initializers.RandomNormal(stddev={})", py(s)),
        BiasInit::SameAsWeights => match same_bias(c) {
            SameBias::Constant(v) => format!("keras.initializers.Constant({})", py(v)),
            SameBias::Normal { parent, truncated: false } => format!("keras.initializers.RandomNormal(stddev={parent})"),
            SameBias::Normal { parent, truncated: true } => format!("keras.initializers.TruncatedNormal(stddev={parent})"),
            SameBias::Uniform { bound } => {
                return format!("bound = {bound}\n    return keras.initializers.RandomUniform(-bound, bound)");
            }
        },
    };
    format!("return {init}")
}

fn keras_activation(a: Activation) -> String {
    match a {
        Activation::LeakyRelu(_) => "None".into(),
        Activation::Swish => "\"silu\"".into(),
        other => format!("\"{}\"", other.id()),
    }
}

fn keras(c: &Config) -> String {
    let shape = dims(c);
    let mut s = format!("import math\nimport keras\n\nkeras.utils.set_random_seed({})\n\n", c.seed);
    s.push_str("# A new initializer per layer: an unseeded one fixes its seed when it is made.\n");
    s.push_str(&format!("def kernel():\n    return {}\n\n", keras_weight(c)));
    s.push_str(&format!("def bias(fan_in, fan_out):\n    {}\n\n", keras_bias(c)));
    let train = c.view == View::Train;
    let reg = if train && c.l2 > 0.0 {
        // L2(λ/2)·Σw² adds λ·w to ∂L/∂W: PyTorch's coupled weight_decay λ, on the weights only.
        format!(", kernel_regularizer=keras.regularizers.L2({})", py(c.l2 / 2.0))
    } else {
        String::new()
    };
    if let Some(r) = shape.arch.residual() {
        s.push_str(&keras_residual(c, shape, r, &reg));
        return keras_tail(c, s);
    }
    s.push_str(&format!("model = keras.Sequential([keras.Input(shape=({},))])\nfor i in range({}):\n", shape.input, shape.depth));
    s.push_str(&format!("    fan_in = {} if i == 0 else {}\n", shape.input, shape.width));
    // Keras takes the activation inside the Dense layer when nothing comes between them; leaky
    // ReLU is its own layer (its slope is not a string name).
    let blocks = hidden_layer(c, shape);
    for (k, block) in blocks.iter().enumerate() {
        let next_is_act = matches!(blocks.get(k + 1), Some(Block::Act(a)) if !matches!(a, Activation::LeakyRelu(_)));
        match block {
            Block::Dense(_) => {
                let act = match blocks.get(k + 1) {
                    Some(Block::Act(a)) if next_is_act => keras_activation(*a),
                    _ => "None".to_string(),
                };
                s.push_str(&format!(
                    "    model.add(keras.layers.Dense({w}, activation={act}, kernel_initializer=kernel(), bias_initializer=bias(fan_in, {w}){reg}))\n",
                    w = shape.width
                ));
            }
            Block::Norm(n) => match n.kind {
                NormKind::Batch => s.push_str("    model.add(keras.layers.BatchNormalization(epsilon=1e-5))\n"),
                // Keras's own default is epsilon=1e-3: the core's is set.
                NormKind::Layer => {
                    s.push_str(&format!("    model.add(keras.layers.LayerNormalization(epsilon={}))\n", py32(n.eps)));
                }
                NormKind::Rms => s.push_str(&format!(
                    "    model.add(keras.layers.RMSNormalization(epsilon={}))  # a Keras 3 with RMSNormalization (scale γ only, as here)\n",
                    py32(n.eps)
                )),
            },
            Block::Act(Activation::LeakyRelu(sl)) => {
                s.push_str(&format!("    model.add(keras.layers.LeakyReLU(negative_slope={}))\n", py32(*sl)));
            }
            Block::Act(a) => {
                // Folded into the Dense before it, unless a norm came between.
                if !matches!(blocks.get(k.wrapping_sub(1)), Some(Block::Dense(_))) {
                    s.push_str(&format!("    model.add(keras.layers.Activation({}))\n", keras_activation(*a)));
                }
            }
            Block::Fork | Block::Merge(_) => {}
        }
    }
    s.push_str(&format!(
        "model.add(keras.layers.Dense({o}, kernel_initializer=kernel(), bias_initializer=bias({w}, {o}){reg}))\n",
        w = shape.width,
        o = shape.output
    ));
    keras_tail(c, s)
}

/// A Keras norm layer as the core has it (its ε set: Keras's own default is 1e-3).
fn keras_norm(kind: NormKind) -> String {
    match kind {
        NormKind::Batch => "keras.layers.BatchNormalization(epsilon=1e-5)".into(),
        NormKind::Layer => format!("keras.layers.LayerNormalization(epsilon={})", py32(kind.eps())),
        NormKind::Rms => format!("keras.layers.RMSNormalization(epsilon={})", py32(kind.eps())),
    }
}

/// A residual network in Keras's functional API: the stem, `depth` blocks (norm, branch, the
/// sum, with a `Scale` layer holding ReZero's α), the readout.
fn keras_residual(c: &Config, shape: Shape, r: Residual, reg: &str) -> String {
    let (w, n) = (shape.width, shape.depth);
    let mut s = String::new();
    let act = keras_activation(c.act);
    let leaky = matches!(c.act, Activation::LeakyRelu(_));
    if let Some(comment) = scale_comment(r, n) {
        s.push_str(&format!("# {comment}\n"));
    }
    let rules: Vec<LayerRule> = (0..r.branch.denses()).map(|k| branch_rule(r, n, k)).collect();
    if rules.iter().any(|x| matches!(x, LayerRule::Times(_))) {
        s.push_str("def scaled(f):\n    k = kernel()\n    return lambda shape, dtype=None: k(shape, dtype) * f\n\n");
    } else if scale_comment(r, n).is_some() {
        s.push('\n');
    }
    // A branch layer's (kernel, bias) initializers.
    let inits = |rule: &LayerRule| match rule {
        LayerRule::AsDrawn => ("kernel()".to_string(), format!("bias({w}, {w})")),
        LayerRule::Zero => ("\"zeros\"".to_string(), "\"zeros\"".to_string()),
        LayerRule::Times(f) => (format!("scaled({f})"), format!("bias({w}, {w})")),
    };
    if let Some((init, what)) = alpha_init(r) {
        s.push_str(&format!("class Scale(keras.layers.Layer):\n    \"\"\"{what}.\"\"\"\n\n    def build(self, input_shape):\n        self.alpha = self.add_weight(shape=(), initializer=\"{init}\", name=\"alpha\")\n\n    def call(self, h):\n        return self.alpha * h\n\n"));
    }
    s.push_str(&format!("# Residual blocks: {}\n", block_doc(c, r)));
    s.push_str(&format!(
        "inputs = keras.Input(shape=({i},))\nx = keras.layers.Dense({w}, kernel_initializer=kernel(), bias_initializer=bias({i}, {w}){reg})(inputs)\nfor _ in range({n}):\n",
        i = shape.input,
    ));
    let norm = c.norm.map(keras_norm);
    let input = match (&norm, r.norm_pos) {
        (Some(n), NormPos::Pre) => format!("{n}(x)"),
        _ => "x".into(),
    };
    let dense_act = if leaky { "None".to_string() } else { act };
    let (k1, b1) = inits(&rules[0]);
    s.push_str(&format!(
        "    h = keras.layers.Dense({w}, activation={dense_act}, kernel_initializer={k1}, bias_initializer={b1}{reg})({input})\n"
    ));
    if let Activation::LeakyRelu(sl) = c.act {
        s.push_str(&format!("    h = keras.layers.LeakyReLU(negative_slope={})(h)\n", py32(sl)));
    }
    if let Some(rule) = rules.get(1) {
        let (k2, b2) = inits(rule);
        s.push_str(&format!("    h = keras.layers.Dense({w}, kernel_initializer={k2}, bias_initializer={b2}{reg})(h)\n"));
    }
    if r.scale.learns_alpha() {
        s.push_str("    h = Scale()(h)\n");
    }
    let skip = match skip_py(r, n) {
        Some(a) => format!("keras.layers.Rescaling({a})(x)"),
        None => "x".into(),
    };
    s.push_str(&format!("    x = keras.layers.Add()([{skip}, h])\n"));
    if let (Some(n), NormPos::Post) = (&norm, r.norm_pos) {
        s.push_str(&format!("    x = {n}(x)\n"));
    }
    let (ko, bo) = if r.scale.readout_std_factor() == 0.0 {
        ("\"zeros\"".to_string(), "\"zeros\"".to_string())
    } else {
        ("kernel()".to_string(), format!("bias({w}, {})", shape.output))
    };
    s.push_str(&format!(
        "outputs = keras.layers.Dense({o}, kernel_initializer={ko}, bias_initializer={bo}{reg})(x)\nmodel = keras.Model(inputs, outputs)\n",
        o = shape.output
    ));
    s
}

/// The lines after a Keras model is built: notes and, when training, its compilation.
fn keras_tail(c: &Config, mut s: String) -> String {
    let train = c.view == View::Train;
    if matches!(c.act, Activation::Gelu) {
        s.push_str("# \"gelu\" is the exact erf form in Keras 3 (approximate=False), as here\n");
    }
    if train {
        let lr = py(c.lr);
        let opt = match c.opt {
            OptKind::Sgd => format!("keras.optimizers.SGD(learning_rate={lr})"),
            OptKind::Momentum => format!("keras.optimizers.SGD(learning_rate={lr}, momentum=0.9)"),
            // Keras adds ε to √v before the bias correction, PyTorch after: the same but for ε.
            OptKind::Adam => format!("keras.optimizers.Adam(learning_rate={lr}, beta_1=0.9, beta_2=0.999, epsilon=1e-8)"),
        };
        let loss = if is_classification(c) {
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
        } else {
            "keras.losses.MeanSquaredError()"
        };
        s.push_str(&format!("\nmodel.compile(optimizer={opt}, loss={loss})\n"));
        if c.l2 > 0.0 {
            s.push_str("# the loss Keras reports includes the L2 term; the page's does not\n");
        }
        s.push_str(&format!("# model.fit(x, t, batch_size={}, shuffle=True)\n", c.batch));
    }
    s
}

/// A Flax initializer for the weights. One function serves every `Dense`: Flax gives each
/// parameter a key of its own, folded from the module's path (`Dense_0`, `Dense_1`, …).
fn jax_kernel(c: &Config) -> String {
    let g = gain(c);
    match c.init {
        Init::Zeros => "nn.initializers.zeros".into(),
        Init::Constant => format!("nn.initializers.constant({})", py(c.scale)),
        Init::Random(Dist::Uniform) => {
            format!("lambda key, shape, dtype=jnp.float32: jax.random.uniform(key, shape, dtype, -{a}, {a})", a = py(c.scale))
        }
        Init::Random(Dist::Normal) if c.trunc => format!("nn.initializers.truncated_normal(stddev={})", py(c.scale)),
        Init::Random(Dist::Normal) => format!("nn.initializers.normal(stddev={})", py(c.scale)),
        Init::Xavier(d) | Init::He(d) | Init::Lecun(d) => {
            let mode = if matches!(c.init, Init::Xavier(_)) { "fan_avg" } else { fan_mode(c.fan) };
            let dist = match (d, c.trunc) {
                (Dist::Normal, true) => "truncated_normal",
                (Dist::Normal, false) => "normal",
                (Dist::Uniform, _) => "uniform",
            };
            format!("nn.initializers.variance_scaling({}, \"{mode}\", \"{dist}\")", py(g * g))
        }
        Init::Orthogonal => format!("nn.initializers.orthogonal(scale={})", py(g)),
    }
}

/// The body of `def bias_init(fan_in, fan_out):` (a layer's bias initializer).
fn jax_bias(c: &Config) -> String {
    let uniform = |bound: &str| {
        format!("bound = {bound}\n    return lambda key, shape, dtype=jnp.float32: jax.random.uniform(key, shape, dtype, -bound, bound)")
    };
    match c.bias {
        BiasInit::Zeros => "return nn.initializers.zeros".into(),
        BiasInit::Constant(v) => format!("return nn.initializers.constant({})", py(v)),
        BiasInit::Normal(s) => format!("return nn.initializers.normal(stddev={})", py(s)),
        BiasInit::SameAsWeights => match same_bias(c) {
            SameBias::Constant(v) => format!("return nn.initializers.constant({})", py(v)),
            SameBias::Normal { parent, truncated: false } => format!("return nn.initializers.normal(stddev={parent})"),
            // lower, upper = −2, 2 in units of stddev, uncorrected: `parent` carries the correction.
            SameBias::Normal { parent, truncated: true } => format!("return nn.initializers.truncated_normal(stddev={parent})"),
            SameBias::Uniform { bound } => uniform(&bound),
        },
    }
}

fn jax_activation(a: Activation) -> String {
    match a {
        Activation::Linear => "lambda x: x".into(),
        Activation::LeakyRelu(s) => format!("lambda x: jax.nn.leaky_relu(x, {})", py32(s)),
        Activation::Gelu => "lambda x: jax.nn.gelu(x, approximate=False)".into(),
        Activation::Swish => "jax.nn.silu".into(),
        other => format!("jax.nn.{}", other.id()),
    }
}

fn jax(c: &Config) -> String {
    let shape = dims(c);
    let train = c.view == View::Train;
    let mut s = String::from("import math\nimport jax\nimport jax.numpy as jnp\nfrom flax import linen as nn\n");
    if train {
        s.push_str("import optax\n");
    }
    s.push_str(&format!("\nkernel_init = {}\nact = {}\n\n", jax_kernel(c), jax_activation(c.act)));
    s.push_str(&format!("def bias_init(fan_in, fan_out):\n    {}\n\n", jax_bias(c)));
    if let Some(r) = shape.arch.residual() {
        s.push_str(&jax_residual(c, shape, r));
    } else {
        s.push_str("class MLP(nn.Module):\n    @nn.compact\n    def __call__(self, x, train=True):\n");
        s.push_str(&format!("        for _ in range({}):\n", shape.depth));
        jax_hidden(c, shape, &mut s);
    }
    if shape.arch.residual().is_some_and(|r| r.scale.readout_std_factor() == 0.0) {
        s.push_str(&format!(
            "        return nn.Dense({o}, kernel_init=nn.initializers.zeros, bias_init=nn.initializers.zeros)(x)  # Fixup's zero readout\n\n",
            o = shape.output
        ));
    } else {
        s.push_str(&format!(
            "        return nn.Dense({o}, kernel_init=kernel_init, bias_init=bias_init(x.shape[-1], {o}))(x)\n\n",
            o = shape.output
        ));
    }
    jax_tail(c, s)
}

/// A Flax norm as the core has it (Flax's own LayerNorm default is ε = 1e-6: the core's is set).
fn jax_norm(kind: NormKind) -> String {
    match kind {
        NormKind::Batch => "nn.BatchNorm(use_running_average=not train, epsilon=1e-5)".into(),
        NormKind::Layer => format!("nn.LayerNorm(epsilon={})", py32(kind.eps())),
        NormKind::Rms => format!("nn.RMSNorm(epsilon={})", py32(kind.eps())),
    }
}

/// A residual network in Flax: a `Block` module (norm, branch, α, the sum) and `MLP` (the stem,
/// the blocks, the readout; the readout line is the caller's).
fn jax_residual(c: &Config, shape: Shape, r: Residual) -> String {
    let (w, n) = (shape.width, shape.depth);
    let mut s = String::new();
    if let Some(comment) = scale_comment(r, n) {
        s.push_str(&format!("# {comment}\n"));
    }
    let rules: Vec<LayerRule> = (0..r.branch.denses()).map(|k| branch_rule(r, n, k)).collect();
    if rules.iter().any(|x| matches!(x, LayerRule::Times(_))) {
        s.push_str("def scaled(f):\n    return lambda key, shape, dtype=jnp.float32: kernel_init(key, shape, dtype) * f\n\n");
    } else if scale_comment(r, n).is_some() {
        s.push('\n');
    }
    let inits = |rule: &LayerRule| match rule {
        LayerRule::AsDrawn => ("kernel_init".to_string(), format!("bias_init({w}, {w})")),
        LayerRule::Zero => ("nn.initializers.zeros".to_string(), "nn.initializers.zeros".to_string()),
        LayerRule::Times(f) => (format!("scaled({f})"), format!("bias_init({w}, {w})")),
    };
    s.push_str(&format!(
        "class Block(nn.Module):\n    \"\"\"{}\"\"\"\n\n    @nn.compact\n    def __call__(self, x, train=True):\n",
        block_doc(c, r)
    ));
    let norm = c.norm.map(jax_norm);
    match (&norm, r.norm_pos) {
        (Some(n), NormPos::Pre) => s.push_str(&format!("        h = {n}(x)\n")),
        _ => s.push_str("        h = x\n"),
    }
    let (k1, b1) = inits(&rules[0]);
    s.push_str(&format!("        h = act(nn.Dense({w}, kernel_init={k1}, bias_init={b1})(h))\n"));
    if let Some(rule) = rules.get(1) {
        let (k2, b2) = inits(rule);
        s.push_str(&format!("        h = nn.Dense({w}, kernel_init={k2}, bias_init={b2})(h)\n"));
    }
    if let Some((init, what)) = alpha_init(r) {
        s.push_str(&format!("        h = self.param(\"alpha\", nn.initializers.{init}, ()) * h  # {what}\n"));
    }
    match skip_py(r, n) {
        Some(a) => s.push_str(&format!("        x = {a} * x + h  # DeepNorm's a\n")),
        None => s.push_str("        x = x + h\n"),
    }
    if let (Some(n), NormPos::Post) = (&norm, r.norm_pos) {
        s.push_str(&format!("        x = {n}(x)\n"));
    }
    s.push_str("        return x\n\n");
    s.push_str("class MLP(nn.Module):\n    @nn.compact\n    def __call__(self, x, train=True):\n");
    s.push_str(&format!("        x = nn.Dense({w}, kernel_init=kernel_init, bias_init=bias_init(x.shape[-1], {w}))(x)\n"));
    s.push_str(&format!("        for _ in range({n}):\n            x = Block()(x, train)\n"));
    s
}

/// A plain network's hidden layer in Flax, inside `MLP`'s loop.
fn jax_hidden(c: &Config, shape: Shape, s: &mut String) {
    for block in &hidden_layer(c, shape) {
        match block {
            Block::Dense(_) => s.push_str(&format!(
                "            x = nn.Dense({w}, kernel_init=kernel_init, bias_init=bias_init(x.shape[-1], {w}))(x)\n",
                w = shape.width
            )),
            Block::Norm(n) => match n.kind {
                NormKind::Batch => s.push_str("            x = nn.BatchNorm(use_running_average=not train, epsilon=1e-5)(x)\n"),
                // Flax's nn.LayerNorm defaults to epsilon=1e-6: the core's is set.
                NormKind::Layer => s.push_str(&format!("            x = nn.LayerNorm(epsilon={})(x)\n", py32(n.eps))),
                NormKind::Rms => s.push_str(&format!("            x = nn.RMSNorm(epsilon={})(x)\n", py32(n.eps))),
            },
            Block::Act(_) => s.push_str("            x = act(x)\n"),
            Block::Fork | Block::Merge(_) => {}
        }
    }
}

/// The lines after a Flax model is defined: its initialization and, when training, the step.
fn jax_tail(c: &Config, mut s: String) -> String {
    let shape = dims(c);
    let train = c.view == View::Train;
    s.push_str(&format!("variables = MLP().init(jax.random.PRNGKey({}), jnp.zeros((1, {})))\n", c.seed, shape.input));
    s.push_str("params = variables[\"params\"]\n");
    if train {
        let lr = py(c.lr);
        let rule = match c.opt {
            OptKind::Sgd => format!("optax.sgd({lr})"),
            OptKind::Momentum => format!("optax.sgd({lr}, momentum=0.9)"),
            OptKind::Adam => format!("optax.adam({lr}, b1=0.9, b2=0.999, eps=1e-8)"),
        };
        let opt = if c.l2 > 0.0 {
            // Added to the gradient before the rule: PyTorch's coupled weight_decay, not AdamW.
            s.push_str("\n# L2 weight decay on the weights (kernels) only, added to the gradient as PyTorch's weight_decay\n");
            s.push_str("decay = lambda p: jax.tree_util.tree_map_with_path(lambda path, _: path[-1].key == \"kernel\", p)\n");
            format!("optax.chain(optax.add_decayed_weights({}, mask=decay), {rule})", py(c.l2))
        } else {
            s.push('\n');
            rule
        };
        s.push_str(&format!("opt = {opt}\nopt_state = opt.init(params)\n\n"));
        s.push_str("def loss_fn(params, x, t):\n");
        if c.norm == Some(NormKind::Batch) {
            s.push_str("    y, _ = MLP().apply({**variables, \"params\": params}, x, mutable=[\"batch_stats\"])\n");
        } else {
            s.push_str("    y = MLP().apply({\"params\": params}, x)\n");
        }
        if is_classification(c) {
            s.push_str("    return optax.softmax_cross_entropy_with_integer_labels(y, t).mean()\n\n");
        } else {
            s.push_str("    return jnp.mean((y - t) ** 2)  # nn.MSELoss(): mean over batch and outputs, t of shape (batch, 1)\n\n");
        }
        s.push_str("@jax.jit\ndef step(params, opt_state, x, t):\n");
        s.push_str("    loss, grads = jax.value_and_grad(loss_fn)(params, x, t)\n");
        s.push_str("    updates, opt_state = opt.update(grads, opt_state, params)\n");
        s.push_str("    return optax.apply_updates(params, updates), opt_state, loss\n");
        s.push_str(&format!("# batches of {} rows\n", c.batch));
    }
    s
}

/// The code for `framework` that builds this configuration's network and initializes it.
#[must_use]
pub fn snippet(c: &Config, framework: Framework) -> String {
    match framework {
        Framework::PyTorch => pytorch(c),
        Framework::Keras => keras(c),
        Framework::Jax => jax(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(q: &str) -> Config {
        Config::from_query(q).0
    }

    /// The names the frameworks document (PyTorch `torch.nn.init`, Keras initializers, Flax
    /// `nn.initializers`) for the notes' initializers.
    #[test]
    fn names_match_the_frameworks() {
        let he = config("init=he_normal&act=relu");
        assert!(snippet(&he, Framework::PyTorch).contains("nn.init.kaiming_normal_(w, mode=\"fan_in\", nonlinearity=\"relu\")"));
        assert!(snippet(&he, Framework::Keras).contains("VarianceScaling(scale=2.0, mode=\"fan_in\", distribution=\"untruncated_normal\")"));
        assert!(snippet(&he, Framework::Jax).contains("variance_scaling(2.0, \"fan_in\", \"normal\")"));
        let x = config("init=xavier_uniform&act=tanh&gain=auto");
        assert!(snippet(&x, Framework::PyTorch).contains("nn.init.xavier_uniform_(w, gain=1.66666666667)"));
        let lecun = config("init=lecun_normal&act=selu");
        assert!(snippet(&lecun, Framework::PyTorch).contains("kaiming_normal_(w, mode=\"fan_in\", nonlinearity=\"linear\")"));
        assert!(snippet(&config("init=normal&scale=0.01"), Framework::PyTorch).contains("nn.init.normal_(w, mean=0.0, std=0.01)"));
        assert!(snippet(&config("init=normal&scale=0.01&trunc=1"), Framework::Keras).contains("TruncatedNormal(stddev=0.01)"));
        assert!(snippet(&config("init=zeros&bias=zeros"), Framework::PyTorch).contains("nn.init.zeros_(w)"));
        assert!(snippet(&config("init=orthogonal"), Framework::Jax).contains("orthogonal(scale=1.0)"));
        // A He gain kaiming_normal_ cannot express is written out.
        let custom = config("init=he_normal&gain=3");
        assert!(snippet(&custom, Framework::PyTorch).contains("nn.init.normal_(w, std=3.0 / math.sqrt(fan_in))"));
    }

    #[test]
    fn architecture_follows_the_configuration() {
        let c = config("depth=3&width=32&act=leaky_relu&slope=0.2&bn=1&input=digits&mode=train&opt=momentum&lr=0.05");
        let t = snippet(&c, Framework::PyTorch);
        assert!(t.contains("for i in range(3)") && t.contains("nn.Linear(64 if i == 0 else 32, 32)") && t.contains("nn.Linear(32, 10)"));
        assert!(t.contains("nn.BatchNorm1d(32)") && t.contains("nn.LeakyReLU(0.2)"));
        assert!(t.contains("torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)"));
        assert!(t.contains("nn.CrossEntropyLoss()"));
        let k = snippet(&c, Framework::Keras);
        assert!(
            k.contains("keras.Input(shape=(64,))")
                && k.contains("BatchNormalization(epsilon=1e-5)")
                && k.contains("LeakyReLU(negative_slope=0.2)")
        );
    }

    /// Layer and RMS norm in each framework, with the core's ε (LN_EPS = 1e-5, RMS_EPS = 1e-6)
    /// written out where the framework's default differs (Keras LayerNormalization's 1e-3, Flax
    /// LayerNorm's 1e-6, PyTorch RMSNorm's finfo(dtype).eps). Neither keeps batch statistics, so
    /// Flax's loss needs no mutable batch_stats.
    #[test]
    fn layer_and_rms_norm_in_every_framework() {
        let ln = config("depth=2&width=16&norm=layer&mode=train");
        let t = snippet(&ln, Framework::PyTorch);
        assert!(t.contains("nn.LayerNorm(16, eps=1e-05)") && !t.contains("BatchNorm"), "{t}");
        let k = snippet(&ln, Framework::Keras);
        assert!(k.contains("keras.layers.LayerNormalization(epsilon=1e-05)"), "{k}");
        let j = snippet(&ln, Framework::Jax);
        assert!(j.contains("x = nn.LayerNorm(epsilon=1e-05)(x)") && !j.contains("batch_stats"), "{j}");
        let rms = config("depth=2&width=16&norm=rms");
        let t = snippet(&rms, Framework::PyTorch);
        assert!(t.contains("nn.RMSNorm(16, eps=1e-06)") && t.contains("torch >= 2.4"), "{t}");
        assert!(snippet(&rms, Framework::Keras).contains("keras.layers.RMSNormalization(epsilon=1e-06)"));
        assert!(snippet(&rms, Framework::Jax).contains("x = nn.RMSNorm(epsilon=1e-06)(x)"));
        // One norm per hidden layer, after its Dense and before its activation.
        let t = snippet(&config("depth=3&width=8&norm=layer&act=relu"), Framework::PyTorch);
        let (dense, norm, act) = (t.find("nn.Linear(").unwrap(), t.find("nn.LayerNorm(").unwrap(), t.find("nn.ReLU()").unwrap());
        assert!(dense < norm && norm < act, "{t}");
    }

    /// Numbers as people type them (Python's `repr` of the 12-significant-digit rounding): √2² is
    /// 2.0, not 2.0000000000000004; 0.1 + 0.2 is 0.3; small and large numbers in Python's
    /// exponent form.
    #[test]
    fn numbers_are_written_as_people_type_them() {
        let two = std::f64::consts::SQRT_2 * std::f64::consts::SQRT_2;
        assert_eq!(py(two), "2.0");
        assert_eq!(py(0.1 + 0.2), "0.3");
        assert_eq!(py(0.01), "0.01");
        assert_eq!(py(1.0 / 3.0), "0.333333333333");
        assert_eq!(py(5.0 / 3.0), "1.66666666667");
        assert_eq!(py(1e-5), "1e-05");
        assert_eq!(py(2.5e-7), "2.5e-07");
        assert_eq!(py(1e16), "1e+16");
        assert_eq!(py(0.0001), "0.0001");
        assert_eq!(py(-0.5), "-0.5");
        assert_eq!(py(3.0), "3.0");
        assert_eq!(py32(0.2), "0.2");
        let he = config("init=he_uniform&act=relu");
        for f in Framework::ALL {
            assert!(!snippet(&he, f).contains("0000000000"), "{f:?}: {}", snippet(&he, f));
        }
    }
}
