//! One experiment: a configuration in, a plain-data [`Report`] out.
//!
//! Seeded RNG → weights → input batch → forward → loss → backward → per-layer statistics. The
//! backward pass for Gaussian input starts from the mean squared error against seeded random
//! targets t ~ N(0, 1) (one linear output unit); for toy datasets from softmax cross-entropy
//! against the labels.

use crate::config::{Config, ConfigError};
use crate::data::Batch;
use crate::init::Draw;
use crate::loss::{Loss, Targets};
use crate::network::{Mlp, Workspace};
use crate::rng::{Rng, Stream};
use crate::stats::{self, Histogram, Moments, Range};
use crate::verdict::{self, Verdict};
use serde::{Deserialize, Serialize};

/// Bins of every histogram.
pub const BINS: usize = 48;

/// The four quantities shown per layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quantity {
    Weights,
    PreActivations,
    Activations,
    Gradients,
}

impl Quantity {
    pub const ALL: [Quantity; 4] = [Quantity::Weights, Quantity::PreActivations, Quantity::Activations, Quantity::Gradients];

    /// Title for charts.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Quantity::Weights => "Weights W",
            Quantity::PreActivations => "Pre-activations z",
            Quantity::Activations => "Activations a = f(z)",
            Quantity::Gradients => "Gradients ∂L/∂W",
        }
    }
}

/// Everything measured on one hidden layer (1-based `layer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    pub layer: usize,
    pub weights: Moments,
    pub preact: Moments,
    pub act: Moments,
    /// dL/dW of the layer.
    pub grad: Moments,
    /// dL/da of the layer's output.
    pub act_grad: Moments,
    pub grad_norm: f64,
    /// Fraction of (sample, unit) outputs saturated; `None` where the activation does not saturate.
    pub saturated: Option<f64>,
    /// Fraction of units whose output is 0 for every sample.
    pub dead: f64,
    /// Distinct neurons (units with identical incoming weights and bias count once).
    pub distinct: usize,
    /// One histogram per [`Quantity`], over the shared range of that quantity (`Report::ranges`).
    pub hists: [Histogram; 4],
}

/// The result of one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub layers: Vec<LayerReport>,
    /// Shared histogram range [−r, r] (or [lo, hi]) of each quantity, so layers compare at a glance.
    pub ranges: [(f64, f64); 4],
    pub loss: f64,
    /// The theoretical weight std of the first hidden layer and of the others, from the formula.
    pub weight_std_theory: (f64, f64),
    pub verdict: Verdict,
    /// For small networks: every layer's weights and gradients (output layer included), for the diagram.
    pub small_net: Option<SmallNet>,
}

/// The weights and gradients of a network small enough to draw unit by unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmallNet {
    /// Units per layer, input first, output last.
    pub sizes: Vec<usize>,
    /// Per layer, row-major fan_in × fan_out.
    pub weights: Vec<Vec<f32>>,
    pub grads: Vec<Vec<f32>>,
    /// Mean activation of each unit over the batch, per hidden layer.
    pub mean_act: Vec<Vec<f32>>,
}

/// The largest width drawn as a network diagram.
pub const DIAGRAM_MAX_WIDTH: usize = 16;
/// The largest depth drawn as a network diagram.
pub const DIAGRAM_MAX_DEPTH: usize = 12;

/// The input batch and targets of a configuration.
#[must_use]
pub fn make_batch(config: &Config) -> (Batch, Loss, Targets) {
    let mut rng = Rng::new(u64::from(config.seed), Stream::Input);
    let batch = config.input.sample(config.batch, config.width, config.noise, &mut rng);
    if batch.classes == 0 {
        let mut trng = Rng::new(u64::from(config.seed), Stream::Target);
        let t = (0..config.batch).map(|_| trng.normal() as f32).collect();
        (batch, Loss::MeanSquaredError, Targets::Values(t))
    } else {
        let labels = batch.labels.clone();
        (batch, Loss::SoftmaxCrossEntropy, Targets::Classes(labels))
    }
}

/// Holds a network, its input and its buffers, so repeated runs (and training) reuse them.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub config: Config,
    pub mlp: Mlp,
    pub ws: Workspace,
    pub batch: Batch,
    pub loss: Loss,
    pub targets: Targets,
    dy: Vec<f32>,
}

impl Experiment {
    /// Builds the network and the batch (refusing configurations over the memory budget first).
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let mlp = Mlp::new(config.shape(), config.act, &config.init_spec(), config.bn, u64::from(config.seed));
        let ws = Workspace::new(&mlp, config.batch);
        let (batch, loss, targets) = make_batch(config);
        let dy = vec![0f32; config.batch * mlp.output_dim()];
        Ok(Self { config: *config, mlp, ws, batch, loss, targets, dy })
    }

    /// Forward and backward pass; returns the loss.
    pub fn pass(&mut self) -> f64 {
        let out = self.mlp.output_dim();
        let y = self.mlp.forward(&self.batch.x, &mut self.ws);
        let l = self.loss.eval(y, &self.targets, out, &mut self.dy).unwrap_or(f64::NAN);
        self.mlp.backward(&self.batch.x, &self.dy, &mut self.ws);
        l
    }

    /// Statistics of the current state (after [`Experiment::pass`]).
    #[must_use]
    pub fn report(&self, loss: f64) -> Report {
        let c = &self.config;
        let depth = self.mlp.depth();
        let width = c.width;
        // Moments first: they give the shared histogram ranges.
        let tensors = |l: usize| -> [&[f32]; 4] {
            [&self.mlp.layers[l].w, &self.ws.pre[l], &self.ws.act[l], &self.ws.dw[l]]
        };
        let moments: Vec<[Moments; 4]> = (0..depth).map(|l| tensors(l).map(Moments::of)).collect();
        let ranges: [(f64, f64); 4] = std::array::from_fn(|q| shared_range(moments.iter().map(|m| m[q]), q, c));
        let sat_test = c.act.saturation_test();
        let layers = (0..depth)
            .map(|l| {
                let layer = &self.mlp.layers[l];
                let [weights, preact, act, grad] = moments[l];
                let t = tensors(l);
                let hists = std::array::from_fn(|q| Histogram::of(t[q], BINS, Range::Fixed(ranges[q].0, ranges[q].1)));
                LayerReport {
                    layer: l + 1,
                    weights,
                    preact,
                    act,
                    grad,
                    act_grad: Moments::of(&self.ws.dact[l]),
                    grad_norm: stats::l2_norm(&self.ws.dw[l]),
                    saturated: sat_test.map(|f| stats::saturated_fraction(&self.ws.act[l], f)),
                    dead: stats::dead_fraction(&self.ws.act[l], width),
                    distinct: stats::distinct_neurons(
                        &layer.w,
                        &layer.b,
                        layer.fan_in,
                        layer.fan_out,
                        stats::symmetry_tolerance(&layer.w, &layer.b),
                    ),
                    hists,
                }
            })
            .collect::<Vec<_>>();
        let spec = c.init_spec();
        let first = self.mlp.layers[0].fan_in;
        let theory = |fi: usize| -> f64 {
            match spec.draw(fi, width, c.act) {
                Draw::Constant(_) => 0.0,
                d => d.std(fi, width),
            }
        };
        let weight_std_theory = (theory(first), theory(width));
        let verdict = verdict::judge(c, &layers);
        let small_net = (width <= DIAGRAM_MAX_WIDTH && depth <= DIAGRAM_MAX_DEPTH).then(|| {
            let mut sizes = vec![self.mlp.layers[0].fan_in];
            sizes.extend(self.mlp.layers.iter().map(|l| l.fan_out));
            SmallNet {
                sizes,
                weights: self.mlp.layers.iter().map(|l| l.w.clone()).collect(),
                grads: self.ws.dw.clone(),
                mean_act: (0..depth)
                    .map(|l| {
                        let mut m = vec![0f32; width];
                        for row in self.ws.act[l].chunks_exact(width) {
                            for (s, &v) in m.iter_mut().zip(row) {
                                *s += v / c.batch as f32;
                            }
                        }
                        m
                    })
                    .collect(),
            }
        });
        Report { layers, ranges, loss, weight_std_theory, verdict, small_net }
    }
}

/// A histogram range shared by all layers for quantity `q`: [−r, r] with r the largest
/// |mean| + 4·std over layers (capped by the largest |value|), or the activation's own range
/// for bounded activations.
fn shared_range(ms: impl Iterator<Item = Moments>, q: usize, c: &Config) -> (f64, f64) {
    use crate::activation::Activation;
    if q == 2 {
        match c.act {
            Activation::Tanh => return (-1.0, 1.0),
            Activation::Sigmoid => return (0.0, 1.0),
            _ => {}
        }
    }
    let (mut r, mut lo) = (0f64, 0f64);
    for m in ms {
        let extent = m.min.abs().max(m.max.abs());
        r = r.max((m.mean.abs() + 4.0 * m.std).min(extent));
        lo = lo.min(m.min);
    }
    if !(r.is_finite() && r > 0.0) {
        // Every value equal (zero or constant init): centre them on a symmetric axis.
        return (-1.0, 1.0);
    }
    // One-signed quantities (ReLU activations) use [0, r].
    if lo >= 0.0 {
        (0.0, r)
    } else {
        (-r, r)
    }
}

/// Runs one configuration end to end.
pub fn run(config: &Config) -> Result<Report, ConfigError> {
    let mut e = Experiment::new(config)?;
    let loss = e.pass();
    Ok(e.report(loss))
}

/// FNV-1a (64-bit) over the bit patterns of `xs`: a fingerprint that changes if any bit changes.
#[must_use]
pub fn fnv1a_f32(mut h: u64, xs: &[f32]) -> u64 {
    for &x in xs {
        for byte in x.to_bits().to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    h
}

impl Experiment {
    /// A fingerprint of every weight, bias, activation and weight gradient after [`Experiment::pass`]:
    /// equal on every platform for the same configuration (the test of bit-identical results).
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325;
        for (l, layer) in self.mlp.layers.iter().enumerate() {
            h = fnv1a_f32(h, &layer.w);
            h = fnv1a_f32(h, &layer.b);
            h = fnv1a_f32(h, &self.ws.act[l]);
            h = fnv1a_f32(h, &self.ws.dw[l]);
        }
        h
    }
}

/// The per-layer statistics of the table and the CSV, in order: the `data-stat` names.
pub const STAT_NAMES: [&str; 12] = [
    "weight_std", "preact_mean", "preact_std", "act_mean", "act_std", "grad_std", "act_grad_std", "grad_norm",
    "saturated", "dead", "distinct", "nonfinite",
];

impl LayerReport {
    /// The statistic called `name` (see [`STAT_NAMES`]); `saturated` is NaN where it does not apply.
    #[must_use]
    pub fn stat(&self, name: &str) -> f64 {
        match name {
            "weight_std" => self.weights.std,
            "preact_mean" => self.preact.mean,
            "preact_std" => self.preact.std,
            "act_mean" => self.act.mean,
            "act_std" => self.act.std,
            "grad_std" => self.grad.std,
            "act_grad_std" => self.act_grad.std,
            "grad_norm" => self.grad_norm,
            "saturated" => self.saturated.unwrap_or(f64::NAN),
            "dead" => self.dead,
            "distinct" => self.distinct as f64,
            "nonfinite" => (self.preact.nonfinite + self.act.nonfinite + self.grad.nonfinite + self.act_grad.nonfinite) as f64,
            _ => f64::NAN,
        }
    }
}

impl Report {
    /// The per-layer statistics as CSV (header line, then one line per hidden layer), preceded by
    /// a comment line with the configuration's query string.
    #[must_use]
    pub fn to_csv(&self, query: &str) -> String {
        let mut s = format!("# initviz {query}\nlayer,{}\n", STAT_NAMES.join(","));
        for l in &self.layers {
            s.push_str(&l.layer.to_string());
            for name in STAT_NAMES {
                let v = l.stat(name);
                s.push(',');
                if v.is_finite() {
                    s.push_str(&format!("{v:e}"));
                }
            }
            s.push('\n');
        }
        s
    }
}
