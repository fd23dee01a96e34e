//! Computing one configuration in parts: a [`Shard`] is a slice of the batch; each shard's
//! mergeable statistics ([`ShardPart`]) and histograms are merged by [`assemble`] into the
//! [`Report`] of the whole batch, on the same path as a whole run (one shard).

use crate::activation::Activation;
use crate::config::Config;
use crate::report::{LayerReport, Report, SmallNet, BINS};
use crate::stats::{self, Histogram, Moments, Range, UnitSpread};
use crate::verdict;
use serde::{Deserialize, Serialize};

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

/// What one shard measured on one hidden layer: mergeable moments, counts and masks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardLayer {
    pub preact: Moments,
    pub act: Moments,
    pub act_grad: Moments,
    /// The spread of each unit's activation across this shard's samples.
    pub act_units: UnitSpread,
    /// z before batch norm (batch norm is never sharded).
    pub raw_preact: Option<Moments>,
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
                act_sample_std: parts.iter().fold(UnitSpread::default(), |u, p| u.merge(&p.layers[l].act_units)).mean_std(),
                raw_preact: parts.iter().find_map(|p| p.layers[l].raw_preact),
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
pub(crate) fn shared_range(ms: impl Iterator<Item = Moments>, q: usize, c: &Config) -> (f64, f64) {
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
