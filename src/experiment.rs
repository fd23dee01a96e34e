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

/// A part of the batch, for computing one configuration in several workers at once: shard `index`
/// of `count` takes rows ⌊B·index/count⌋ .. ⌊B·(index+1)/count⌋.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole batch.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The rows of a batch of `batch` samples.
    #[must_use]
    pub fn rows(self, batch: usize) -> std::ops::Range<usize> {
        let count = self.count.max(1);
        batch * self.index / count..batch * (self.index + 1) / count
    }
}

/// Holds a network, its input and its buffers, so repeated runs (and training) reuse them.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub config: Config,
    pub shard: Shard,
    pub mlp: Mlp,
    pub ws: Workspace,
    /// This shard's rows of the batch.
    pub batch: Batch,
    pub loss: Loss,
    pub targets: Targets,
    dy: Vec<f32>,
}

/// What one shard measured on one hidden layer: mergeable moments, counts and masks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardLayer {
    pub preact: Moments,
    pub act: Moments,
    pub act_grad: Moments,
    pub saturated: u64,
    pub alive: Vec<bool>,
}

/// The weights' statistics (the same network in every shard, so measured by shard 0 only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightStats {
    pub moments: Vec<Moments>,
    pub hists: Vec<Histogram>,
    pub range: (f64, f64),
    pub distinct: Vec<usize>,
    pub theory: (f64, f64),
}

/// One shard's part of a report, before the histograms of the data-dependent quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPart {
    pub rows: usize,
    /// This shard's share of the batch loss (the shares add up to it).
    pub loss: f64,
    pub layers: Vec<ShardLayer>,
    pub weights: Option<WeightStats>,
}

impl Experiment {
    /// Builds the network and the batch (refusing configurations over the memory budget first).
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Self::new_shard(config, Shard::WHOLE)
    }

    /// Builds the whole network, and the rows of the batch that `shard` computes.
    pub fn new_shard(config: &Config, shard: Shard) -> Result<Self, ConfigError> {
        config.validate()?;
        let mlp = Mlp::new(config.shape(), config.act, &config.init_spec(), config.bn, u64::from(config.seed));
        let (mut batch, loss, targets) = make_batch(config);
        let rows = shard.rows(config.batch);
        let out = mlp.output_dim();
        let targets = if shard == Shard::WHOLE {
            targets
        } else {
            batch.x = batch.x[rows.start * batch.dim..rows.end * batch.dim].to_vec();
            if !batch.labels.is_empty() {
                batch.labels = batch.labels[rows.clone()].to_vec();
            }
            match targets {
                Targets::Values(t) => Targets::Values(t[rows.start * out..rows.end * out].to_vec()),
                Targets::Classes(c) => Targets::Classes(c[rows.clone()].to_vec()),
            }
        };
        let ws = Workspace::new(&mlp, rows.len());
        let dy = vec![0f32; rows.len() * out];
        Ok(Self { config: *config, shard, mlp, ws, batch, loss, targets, dy })
    }

    /// Forward and backward pass; returns the loss (this shard's share of it).
    pub fn pass(&mut self) -> f64 {
        let out = self.mlp.output_dim();
        let y = self.mlp.forward(&self.batch.x, &mut self.ws);
        let l = self.loss.eval_part(y, &self.targets, out, self.config.batch, &mut self.dy).unwrap_or(f64::NAN);
        self.mlp.backward(&self.batch.x, &self.dy, &mut self.ws);
        l
    }

    /// This shard's mergeable statistics (after [`Experiment::pass`]); shard 0 adds the weights'.
    #[must_use]
    pub fn shard_part(&self, loss: f64) -> ShardPart {
        let c = &self.config;
        let depth = self.mlp.depth();
        let sat_test = c.act.saturation_test();
        let layers = (0..depth)
            .map(|l| ShardLayer {
                preact: Moments::of(&self.ws.pre[l]),
                act: Moments::of(&self.ws.act[l]),
                act_grad: Moments::of(&self.ws.dact[l]),
                saturated: sat_test.map_or(0, |f| self.ws.act[l].iter().filter(|&&y| f(y)).count() as u64),
                alive: stats::alive_units(&self.ws.act[l], c.width),
            })
            .collect();
        let weights = (self.shard.index == 0).then(|| {
            let moments: Vec<Moments> = self.mlp.layers[..depth].iter().map(|l| Moments::of(&l.w)).collect();
            let range = shared_range(moments.iter().copied(), 0, c);
            let hists = self.mlp.layers[..depth].iter().map(|l| Histogram::of(&l.w, BINS, Range::Fixed(range.0, range.1))).collect();
            let distinct = self.mlp.layers[..depth]
                .iter()
                .map(|l| stats::distinct_neurons(&l.w, &l.b, l.fan_in, l.fan_out, stats::symmetry_tolerance(&l.w, &l.b)))
                .collect();
            let spec = c.init_spec();
            let theory = |fi: usize| -> f64 {
                match spec.draw(fi, c.width, c.act) {
                    Draw::Constant(_) => 0.0,
                    d => d.std(fi, c.width),
                }
            };
            WeightStats { moments, hists, range, distinct, theory: (theory(self.mlp.layers[0].fan_in), theory(c.width)) }
        });
        ShardPart { rows: self.ws.batch, loss, layers, weights }
    }

    /// ∂L/∂W of every hidden layer from this shard's rows (the shards' add up to the batch's).
    #[must_use]
    pub fn partial_grads(&self) -> Vec<&[f32]> {
        self.ws.dw[..self.mlp.depth()].iter().map(Vec::as_slice).collect()
    }

    /// This shard's histograms of pre-activations and activations over the shared ranges.
    #[must_use]
    pub fn shard_hists(&self, ranges: [(f64, f64); 2]) -> Vec<[Histogram; 2]> {
        (0..self.mlp.depth())
            .map(|l| {
                let h = |xs: &[f32], (lo, hi): (f64, f64)| Histogram::of(xs, BINS, Range::Fixed(lo, hi));
                [h(&self.ws.pre[l], ranges[0]), h(&self.ws.act[l], ranges[1])]
            })
            .collect()
    }

    /// The network's weights and gradients, for the diagram of small networks.
    #[must_use]
    pub fn small_net(&self) -> Option<SmallNet> {
        let (c, depth, width) = (&self.config, self.mlp.depth(), self.config.width);
        (width <= DIAGRAM_MAX_WIDTH && depth <= DIAGRAM_MAX_DEPTH).then(|| {
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
        })
    }

    /// Statistics of the current state (after [`Experiment::pass`]) of a whole-batch experiment:
    /// the one-shard case of [`assemble`], so split and whole runs share one path.
    #[must_use]
    pub fn report(&self, loss: f64) -> Report {
        let parts = [self.shard_part(loss)];
        let ranges = data_ranges(&self.config, &parts);
        let hists = [self.shard_hists(ranges)];
        let grads = grad_stats(&self.config, &self.partial_grads());
        assemble(&self.config, &parts, &grads, &hists, self.small_net())
    }
}

/// The shared histogram ranges of pre-activations and activations, from all shards' moments.
#[must_use]
pub fn data_ranges(config: &Config, parts: &[ShardPart]) -> [(f64, f64); 2] {
    let depth = parts.first().map_or(0, |p| p.layers.len());
    let merged = |f: fn(&ShardLayer) -> Moments| -> Vec<Moments> {
        (0..depth).map(|l| parts.iter().fold(Moments::default(), |m, p| m.merge(&f(&p.layers[l])))).collect()
    };
    [shared_range(merged(|x| x.preact).into_iter(), 1, config), shared_range(merged(|x| x.act).into_iter(), 2, config)]
}

/// The statistics of one hidden layer's ∂L/∂W (of the whole batch).
#[derive(Debug, Clone, PartialEq)]
pub struct GradStats {
    pub moments: Moments,
    pub norm: f64,
    pub hist: Histogram,
}

/// Moments and norm of a layer's ∂L/∂W: the first step of [`GradStats`].
#[must_use]
pub fn grad_moments(g: &[f32]) -> (Moments, f64) {
    (Moments::of(g), stats::l2_norm(g))
}

/// The shared histogram range of ∂L/∂W, from every layer's moments.
#[must_use]
pub fn grad_range(config: &Config, moments: &[Moments]) -> (f64, f64) {
    shared_range(moments.iter().copied(), 3, config)
}

/// [`GradStats`] of every hidden layer's ∂L/∂W at once (the page spreads these steps over tasks).
#[must_use]
pub fn grad_stats(config: &Config, grads: &[&[f32]]) -> Vec<GradStats> {
    let first: Vec<(Moments, f64)> = grads.iter().map(|g| grad_moments(g)).collect();
    let moments: Vec<Moments> = first.iter().map(|m| m.0).collect();
    let (lo, hi) = grad_range(config, &moments);
    grads
        .iter()
        .zip(first)
        .map(|(g, (moments, norm))| GradStats { moments, norm, hist: Histogram::of(g, BINS, Range::Fixed(lo, hi)) })
        .collect()
}

/// Puts a report together from the shards' parts, the statistics of the batch's ∂L/∂W of each
/// hidden layer (the sum of the shards'), and the shards' histograms over [`data_ranges`].
#[must_use]
pub fn assemble(
    config: &Config,
    parts: &[ShardPart],
    grads: &[GradStats],
    hists: &[Vec<[Histogram; 2]>],
    small_net: Option<SmallNet>,
) -> Report {
    let depth = grads.len();
    let w = parts.iter().find_map(|p| p.weights.as_ref());
    let data = data_ranges(config, parts);
    let grad_moments: Vec<Moments> = grads.iter().map(|g| g.moments).collect();
    let grad_range = grad_range(config, &grad_moments);
    let ranges = [w.map_or((-1.0, 1.0), |w| w.range), data[0], data[1], grad_range];
    let rows: usize = parts.iter().map(|p| p.rows).sum();
    let layers = (0..depth)
        .map(|l| {
            let merged = |f: fn(&ShardLayer) -> Moments| parts.iter().fold(Moments::default(), |m, p| m.merge(&f(&p.layers[l])));
            let mut pre_hist = hists[0][l][0].clone();
            let mut act_hist = hists[0][l][1].clone();
            for h in &hists[1..] {
                pre_hist.add(&h[l][0]);
                act_hist.add(&h[l][1]);
            }
            let saturated: u64 = parts.iter().map(|p| p.layers[l].saturated).sum();
            let alive = (0..config.width).filter(|&j| parts.iter().any(|p| p.layers[l].alive.get(j) == Some(&true))).count();
            LayerReport {
                layer: l + 1,
                weights: w.map_or_else(Moments::default, |w| w.moments[l]),
                preact: merged(|x| x.preact),
                act: merged(|x| x.act),
                grad: grad_moments[l],
                act_grad: merged(|x| x.act_grad),
                grad_norm: grads[l].norm,
                saturated: config.act.saturation_test().map(|_| saturated as f64 / (rows * config.width).max(1) as f64),
                dead: 1.0 - alive as f64 / config.width.max(1) as f64,
                distinct: w.map_or(0, |w| w.distinct[l]),
                hists: [
                    w.map_or_else(|| Histogram::of(&[], BINS, Range::Fixed(-1.0, 1.0)), |w| w.hists[l].clone()),
                    pre_hist,
                    act_hist,
                    grads[l].hist.clone(),
                ],
            }
        })
        .collect::<Vec<_>>();
    let verdict = verdict::judge(config, &layers);
    Report {
        layers,
        ranges,
        loss: parts.iter().map(|p| p.loss).sum(),
        weight_std_theory: w.map_or((0.0, 0.0), |w| w.theory),
        verdict,
        small_net,
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
