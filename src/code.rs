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

use crate::activation::Activation;
use crate::choice::Choice;
use crate::config::Config;
use crate::init::{BiasInit, Dist, FanMode, Gain, Init};
use crate::network::Shape;

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

/// A float as Python writes it (shortest round-trip form).
fn py(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
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
            let pre = "fan_in, fan_out = w.shape[1], w.shape[0]\n    ";
            match (dist, c.trunc) {
                (Dist::Normal, true) => {
                    format!("{pre}std = {} / math.sqrt({fan}) / 0.87962566103423978\n    nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std)", py(g))
                }
                (Dist::Normal, false) => format!("{pre}nn.init.normal_(w, std={} / math.sqrt({fan}))", py(g)),
                (Dist::Uniform, _) => format!("{pre}bound = {} * math.sqrt(3 / ({fan}))\n    nn.init.uniform_(w, -bound, bound)", py(g)),
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

fn torch_bias(c: &Config) -> String {
    match c.bias {
        BiasInit::Zeros => "nn.init.zeros_(b)".into(),
        BiasInit::Constant(v) => format!("nn.init.constant_(b, {})", py(v)),
        BiasInit::Normal(s) => format!("nn.init.normal_(b, std={})", py(s)),
        BiasInit::SameAsWeights => {
            let std = c.init_spec().draw(c.width, c.width, c.act).std(c.width, c.width);
            match c.init {
                Init::Zeros => "nn.init.zeros_(b)".into(),
                Init::Constant => format!("nn.init.constant_(b, {})", py(c.scale)),
                Init::Random(Dist::Uniform) => format!("nn.init.uniform_(b, -{a}, {a})", a = py(c.scale)),
                // A bias vector has no fan_out: drawn with the std its layer's weights have.
                _ => format!("nn.init.normal_(b, std={})  # the std of a {w}×{w} layer's weights", py(std), w = c.width),
            }
        }
    }
}

/// The layer sizes: (fan_in, fan_out) per dense layer.
fn dims(c: &Config) -> (Shape, Vec<(usize, usize)>) {
    let shape = c.shape();
    (shape, shape.layer_dims())
}

fn pytorch(c: &Config) -> String {
    let (shape, dims) = dims(c);
    let mut s = String::from("import math\nimport torch\nfrom torch import nn\n\ntorch.manual_seed(");
    s.push_str(&format!("{})\nlayers = []\n", c.seed));
    s.push_str(&format!("for i in range({}):\n", shape.depth));
    s.push_str(&format!("    layers.append(nn.Linear({} if i == 0 else {}, {}))\n", shape.input, shape.width, shape.width));
    if c.bn {
        s.push_str(&format!("    layers.append(nn.BatchNorm1d({}))  # eps=1e-5, as here\n", shape.width));
    }
    s.push_str(&format!("    layers.append({})\n", torch_activation(c.act)));
    s.push_str(&format!("layers.append(nn.Linear({}, {}))\nmodel = nn.Sequential(*layers)\n\n", shape.width, shape.output));
    s.push_str("with torch.no_grad():\n    for m in model:\n        if isinstance(m, nn.Linear):\n            w, b = m.weight, m.bias\n            ");
    s.push_str(&torch_weight(c).replace("\n    ", "\n            "));
    s.push_str("\n            ");
    s.push_str(&torch_bias(c));
    s.push('\n');
    if c.view == crate::config::View::Train {
        let opt = match c.opt {
            crate::train::OptKind::Sgd => format!("torch.optim.SGD(model.parameters(), lr={}, weight_decay={})", py(c.lr), py(c.l2)),
            crate::train::OptKind::Momentum => {
                format!("torch.optim.SGD(model.parameters(), lr={}, momentum=0.9, weight_decay={})", py(c.lr), py(c.l2))
            }
            crate::train::OptKind::Adam => format!("torch.optim.Adam(model.parameters(), lr={}, weight_decay={})", py(c.lr), py(c.l2)),
        };
        let loss = if shape.output > 1 || c.input.classes() > 0 { "nn.CrossEntropyLoss()" } else { "nn.MSELoss()" };
        s.push_str(&format!("\nopt = {opt}  # initviz decays weights only, not biases\nloss_fn = {loss}\n"));
    }
    let _ = dims;
    s
}

/// Keras' initializer object for the weights.
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

fn keras_bias(c: &Config) -> String {
    match c.bias {
        BiasInit::Zeros => "\"zeros\"".into(),
        BiasInit::Constant(v) => format!("keras.initializers.Constant({})", py(v)),
        BiasInit::Normal(s) => format!("keras.initializers.RandomNormal(stddev={})", py(s)),
        BiasInit::SameAsWeights => {
            let std = c.init_spec().draw(c.width, c.width, c.act).std(c.width, c.width);
            match c.init {
                Init::Zeros => "\"zeros\"".into(),
                Init::Constant => format!("keras.initializers.Constant({})", py(c.scale)),
                Init::Random(Dist::Uniform) => format!("keras.initializers.RandomUniform(-{a}, {a})", a = py(c.scale)),
                _ => format!("keras.initializers.RandomNormal(stddev={})", py(std)),
            }
        }
    }
}

fn keras_activation(a: Activation) -> String {
    match a {
        Activation::LeakyRelu(_) => "None".into(),
        Activation::Swish => "\"silu\"".into(),
        other => format!("\"{}\"", other.id()),
    }
}

fn keras(c: &Config) -> String {
    let (shape, _) = dims(c);
    let mut s =
        format!("import keras\n\nkeras.utils.set_random_seed({})\nkernel = {}\nbias = {}\n", c.seed, keras_weight(c), keras_bias(c));
    s.push_str(&format!("model = keras.Sequential([keras.Input(shape=({},))])\nfor _ in range({}):\n", shape.input, shape.depth));
    let act = if c.bn { "None".to_string() } else { keras_activation(c.act) };
    s.push_str(&format!(
        "    model.add(keras.layers.Dense({}, activation={act}, kernel_initializer=kernel, bias_initializer=bias))\n",
        shape.width
    ));
    if c.bn {
        s.push_str("    model.add(keras.layers.BatchNormalization(epsilon=1e-5))\n");
        if !matches!(c.act, Activation::LeakyRelu(_)) {
            s.push_str(&format!("    model.add(keras.layers.Activation({}))\n", keras_activation(c.act)));
        }
    }
    if let Activation::LeakyRelu(sl) = c.act {
        s.push_str(&format!("    model.add(keras.layers.LeakyReLU(negative_slope={}))\n", py32(sl)));
    }
    s.push_str(&format!("model.add(keras.layers.Dense({}, kernel_initializer=kernel, bias_initializer=bias))\n", shape.output));
    if matches!(c.act, Activation::Gelu) {
        s.push_str("# \"gelu\" is the exact erf form in Keras 3 (approximate=False), as here\n");
    }
    s
}

fn jax_init(c: &Config, bias: bool) -> String {
    let g = gain(c);
    let init = |i: Init, std: f64| -> String {
        match i {
            Init::Zeros => "nn.initializers.zeros".into(),
            Init::Constant => format!("nn.initializers.constant({})", py(c.scale)),
            Init::Random(Dist::Uniform) => {
                format!("lambda key, shape, dtype=jnp.float32: jax.random.uniform(key, shape, dtype, -{a}, {a})", a = py(c.scale))
            }
            Init::Random(Dist::Normal) if c.trunc && !bias => format!("nn.initializers.truncated_normal(stddev={})", py(c.scale)),
            Init::Random(Dist::Normal) => format!("nn.initializers.normal(stddev={})", py(c.scale)),
            _ if bias => format!("nn.initializers.normal(stddev={})", py(std)),
            Init::Xavier(d) | Init::He(d) | Init::Lecun(d) => {
                let mode = if matches!(i, Init::Xavier(_)) { "fan_avg" } else { fan_mode(c.fan) };
                let dist = match (d, c.trunc) {
                    (Dist::Normal, true) => "truncated_normal",
                    (Dist::Normal, false) => "normal",
                    (Dist::Uniform, _) => "uniform",
                };
                format!("nn.initializers.variance_scaling({}, \"{mode}\", \"{dist}\")", py(g * g))
            }
            Init::Orthogonal => format!("nn.initializers.orthogonal(scale={})", py(g)),
        }
    };
    if !bias {
        return init(c.init, 0.0);
    }
    match c.bias {
        BiasInit::Zeros => "nn.initializers.zeros".into(),
        BiasInit::Constant(v) => format!("nn.initializers.constant({})", py(v)),
        BiasInit::Normal(s) => format!("nn.initializers.normal(stddev={})", py(s)),
        BiasInit::SameAsWeights => init(c.init, c.init_spec().draw(c.width, c.width, c.act).std(c.width, c.width)),
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
    let (shape, _) = dims(c);
    let mut s = String::from("import jax\nimport jax.numpy as jnp\nfrom flax import linen as nn\n\n");
    s.push_str(&format!("kernel_init = {}\nbias_init = {}\nact = {}\n\n", jax_init(c, false), jax_init(c, true), jax_activation(c.act)));
    s.push_str("class MLP(nn.Module):\n    @nn.compact\n    def __call__(self, x, train=True):\n");
    s.push_str(&format!("        for _ in range({}):\n", shape.depth));
    s.push_str(&format!("            x = nn.Dense({}, kernel_init=kernel_init, bias_init=bias_init)(x)\n", shape.width));
    if c.bn {
        s.push_str("            x = nn.BatchNorm(use_running_average=not train, epsilon=1e-5)(x)\n");
    }
    s.push_str("            x = act(x)\n");
    s.push_str(&format!("        return nn.Dense({}, kernel_init=kernel_init, bias_init=bias_init)(x)\n\n", shape.output));
    s.push_str(&format!("params = MLP().init(jax.random.PRNGKey({}), jnp.zeros((1, {})))\n", c.seed, shape.input));
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
        assert!(snippet(&he, Framework::Keras)
            .contains("VarianceScaling(scale=2.0000000000000004, mode=\"fan_in\", distribution=\"untruncated_normal\")"));
        assert!(snippet(&he, Framework::Jax).contains("variance_scaling(2.0000000000000004, \"fan_in\", \"normal\")"));
        let x = config("init=xavier_uniform&act=tanh&gain=auto");
        assert!(snippet(&x, Framework::PyTorch).contains("nn.init.xavier_uniform_(w, gain=1.6666666666666667)"));
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
        assert!(t.contains("torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9"));
        assert!(t.contains("nn.CrossEntropyLoss()"));
        let k = snippet(&c, Framework::Keras);
        assert!(
            k.contains("keras.Input(shape=(64,))")
                && k.contains("BatchNormalization(epsilon=1e-5)")
                && k.contains("LeakyReLU(negative_slope=0.2)")
        );
    }
}
