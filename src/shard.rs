//! Computing one configuration in parts, with the same bits however many parts.
//!
//! Every pass splits its batch into [`chunk_count`] row chunks (1, 2, 4 or 8, a function of the
//! batch size only), and every sum over rows — ∂L/∂W, the loss, the merged moments, spreads and
//! counts — is a pairwise tree over the chunks ([`tree`]): sum(chunks) = sum(left half) + sum(right
//! half). A [`Shard`] is a power-of-two slice of the chunks, i.e. a subtree: a worker computes its
//! subtree, and the page combines the shards' results with the same tree ([`tree_sum`],
//! [`merge_parts`]). So 1, 2, 4 or 8 workers give bit-identical reports, and so does the native
//! whole pass. [`assemble`] turns the shards' parts and histograms into the [`Report`].

use crate::activation::Activation;
use crate::config::Config;
use crate::report::{LayerReport, Quantity, Report, SmallNet, BINS};
use crate::stats::{self, Histogram, Moments, Range, UnitSpread};
use crate::verdict;
use serde::{Deserialize, Serialize};

/// The rows per chunk below which a batch is not split further.
pub const CHUNK_ROWS: usize = 32;
/// The most chunks (and so the most shards) of a batch.
pub const MAX_CHUNKS: usize = 8;

/// The number of row chunks of a batch of `batch` samples: ⌊batch/32⌋ rounded down to a power of
/// two, between 1 and 8. Depends on nothing but the batch size.
#[must_use]
pub fn chunk_count(batch: usize) -> usize {
    let k = (batch / CHUNK_ROWS).clamp(1, MAX_CHUNKS);
    1 << k.ilog2()
}

/// The rows of chunk `i` of a batch: ⌊B·i/K⌋ .. ⌊B·(i+1)/K⌋ for K = [`chunk_count`]`(B)`.
#[must_use]
pub fn chunk_rows(batch: usize, i: usize) -> std::ops::Range<usize> {
    let k = chunk_count(batch);
    batch * i / k..batch * (i + 1) / k
}

/// Combines `items` as a pairwise tree: tree([a, b, c, d]) = merge(merge(a, b), merge(c, d)). Any
/// contiguous power-of-two run of items aligned to its size is a subtree, which is what makes a
/// shard's result combine to the whole pass's bits. `None` for no items.
pub fn tree<T>(mut items: Vec<T>, merge: &impl Fn(T, T) -> T) -> Option<T> {
    if items.len() <= 1 {
        return items.pop();
    }
    let right = items.split_off(items.len() / 2);
    match (tree(items, merge), tree(right, merge)) {
        (Some(a), Some(b)) => Some(merge(a, b)),
        (a, b) => a.or(b),
    }
}

/// The element-wise sum of equal-length vectors, as a pairwise [`tree`] (left += right).
#[must_use]
pub fn tree_sum(parts: Vec<Vec<f32>>) -> Vec<f32> {
    tree(parts, &|mut a: Vec<f32>, b: Vec<f32>| {
        a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
        a
    })
    .unwrap_or_default()
}

/// A part of the batch, for computing one configuration in several workers at once: shard `index`
/// of `count` (a power of two, at most [`chunk_count`]) takes chunks K·index/count ..
/// K·(index+1)/count, i.e. rows ⌊B·index/count⌋ .. ⌊B·(index+1)/count⌋.
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

    /// Whether this shard is a subtree of the batch's chunks (so its results combine exactly).
    #[must_use]
    pub fn fits(self, batch: usize) -> bool {
        self.count.is_power_of_two() && self.count <= chunk_count(batch) && self.index < self.count
    }

    /// Its chunks' rows, relative to its own first row.
    #[must_use]
    pub fn local_chunks(self, batch: usize) -> Vec<std::ops::Range<usize>> {
        let k = chunk_count(batch);
        let per = k / self.count.max(1);
        let start = self.rows(batch).start;
        (self.index * per..(self.index + 1) * per)
            .map(|i| {
                let r = chunk_rows(batch, i);
                r.start - start..r.end - start
            })
            .collect()
    }
}

/// The largest number of shards (a power of two) that `workers` workers can share `batch` in.
#[must_use]
pub fn shard_count(batch: usize, workers: usize) -> usize {
    let w = workers.clamp(1, MAX_CHUNKS);
    (1 << w.ilog2()).min(chunk_count(batch))
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

impl ShardLayer {
    /// One hidden layer's statistics over rows split in `chunks` (each measured, then merged
    /// along the chunk [`tree`]): z, a = φ(z) and ∂L/∂a, batch × `width` each.
    #[must_use]
    pub fn measure(
        (pre, act, dact): (&[f32], &[f32], &[f32]),
        raw_preact: Option<Moments>,
        chunks: &[std::ops::Range<usize>],
        width: usize,
        activation: Activation,
    ) -> Self {
        let sat_test = activation.saturation_test();
        let chunk = |r: &std::ops::Range<usize>| {
            let rows = r.start * width..r.end * width;
            let (pre, act, dact) = (&pre[rows.clone()], &act[rows.clone()], &dact[rows]);
            ShardLayer {
                preact: Moments::of(pre),
                act: Moments::of(act),
                act_grad: Moments::of(dact),
                act_units: UnitSpread::of(act, width),
                raw_preact,
                saturated: sat_test.map_or(0, |f| act.iter().filter(|&&y| f(y)).count() as u64),
                alive: stats::alive_units(act, width),
            }
        };
        tree(chunks.iter().map(chunk).collect(), &ShardLayer::merge).expect("a pass has at least one chunk")
    }

    /// The statistics of the union of two sets of rows (a node of the chunk [`tree`]).
    #[must_use]
    pub fn merge(self, b: ShardLayer) -> ShardLayer {
        ShardLayer {
            preact: self.preact.merge(&b.preact),
            act: self.act.merge(&b.act),
            act_grad: self.act_grad.merge(&b.act_grad),
            act_units: self.act_units.merge(&b.act_units),
            raw_preact: self.raw_preact.or(b.raw_preact),
            saturated: self.saturated + b.saturated,
            alive: self.alive.iter().zip(&b.alive).map(|(x, y)| *x || *y).collect(),
        }
    }
}

/// The weights' statistics (the same network in every shard, so measured by shard 0 only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightStats {
    pub moments: Vec<Moments>,
    pub hists: Vec<Histogram>,
    pub range: (f64, f64),
    pub distinct: Vec<usize>,
    pub theory: (f64, f64),
    /// χ* over (σ_w, σ_b) for this activation (computed once, in the worker).
    pub phase: crate::theory::PhaseGrid,
    /// Where the network is small: the std of a per layer over 5 seeds, (min, max).
    pub act_std_band: Option<Vec<(f64, f64)>>,
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

/// The shards' parts as one, merged along the chunk [`tree`] (the parts in shard order).
#[must_use]
pub fn merge_parts(parts: &[ShardPart]) -> ShardPart {
    let merged = tree(parts.to_vec(), &|a: ShardPart, b: ShardPart| ShardPart {
        rows: a.rows + b.rows,
        loss: a.loss + b.loss,
        layers: a.layers.into_iter().zip(b.layers).map(|(x, y)| x.merge(y)).collect(),
        weights: a.weights.or(b.weights),
    });
    merged.unwrap_or(ShardPart { rows: 0, loss: 0.0, layers: Vec::new(), weights: None })
}

/// One layer's histograms of the data quantities ([`Quantity::DATA`]) from one shard.
pub type DataHists = [Histogram; 3];

/// The histograms of one layer's z, a and ∂L/∂a over the shared `ranges` ([`data_ranges`]).
#[must_use]
pub fn data_hists((pre, act, dact): (&[f32], &[f32], &[f32]), ranges: [(f64, f64); 3]) -> DataHists {
    let mut k = 0;
    Quantity::DATA.map(|q| {
        let (lo, hi) = ranges[k];
        k += 1;
        let values = match q {
            Quantity::PreActivations => pre,
            Quantity::Activations => act,
            _ => dact,
        };
        Histogram::of(values, BINS, Range::Fixed(lo, hi))
    })
}

impl ShardLayer {
    /// The moments of a data quantity ([`Quantity::DATA`]).
    #[must_use]
    pub fn moments(&self, q: Quantity) -> Moments {
        match q {
            Quantity::PreActivations => self.preact,
            Quantity::Activations => self.act,
            Quantity::ActGrads => self.act_grad,
            Quantity::Weights | Quantity::Gradients => Moments::default(),
        }
    }
}

/// The shared histogram ranges of the data quantities ([`Quantity::DATA`]), from the merged moments.
#[must_use]
pub fn data_ranges(config: &Config, parts: &[ShardPart]) -> [(f64, f64); 3] {
    let merged = merge_parts(parts);
    Quantity::DATA.map(|q| shared_range(merged.layers.iter().map(|x| x.moments(q)), q.index(), config))
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
    hists: &[Vec<DataHists>],
    small_net: Option<SmallNet>,
) -> Report {
    let depth = grads.len();
    let merged = merge_parts(parts);
    let w = merged.weights.as_ref();
    let data = data_ranges(config, parts);
    let grad_moments: Vec<Moments> = grads.iter().map(|g| g.moments).collect();
    let grad_range = grad_range(config, &grad_moments);
    let ranges = [w.map_or((-1.0, 1.0), |w| w.range), data[0], data[1], grad_range, data[2]];
    let layers = (0..depth)
        .map(|l| {
            let m = &merged.layers[l];
            let mut data = hists[0][l].clone();
            for h in &hists[1..] {
                data.iter_mut().zip(&h[l]).for_each(|(a, b)| a.add(b));
            }
            let [pre_hist, act_hist, act_grad_hist] = data;
            let alive = m.alive.iter().filter(|&&a| a).count();
            LayerReport {
                layer: l + 1,
                weights: w.map_or_else(Moments::default, |w| w.moments[l]),
                preact: m.preact,
                act: m.act,
                grad: grad_moments[l],
                act_grad: m.act_grad,
                act_sample_std: m.act_units.mean_std(),
                raw_preact: m.raw_preact,
                pred_preact_std: f64::NAN,
                pred_act_std: f64::NAN,
                pred_grad_std: f64::NAN,
                pred_act_grad_std: f64::NAN,
                grad_norm: grads[l].norm,
                saturated: config.act.saturation_test().map(|_| m.saturated as f64 / (merged.rows * config.width).max(1) as f64),
                dead: 1.0 - alive as f64 / config.width.max(1) as f64,
                distinct: w.map_or(0, |w| w.distinct[l]),
                hists: [
                    w.map_or_else(|| Histogram::of(&[], BINS, Range::Fixed(-1.0, 1.0)), |w| w.hists[l].clone()),
                    pre_hist,
                    act_hist,
                    grads[l].hist.clone(),
                    act_grad_hist,
                ],
            }
        })
        .collect::<Vec<_>>();
    let measured: Vec<crate::theory::MeasuredStd> = layers
        .iter()
        .map(|l| crate::theory::MeasuredStd { preact: l.preact.std, act: l.act.std, act_grad: l.act_grad.std, grad: l.grad.std })
        .collect();
    let last_ms = layers.last().map_or(0.0, |l| l.act_grad.std.powi(2) + l.act_grad.mean.powi(2));
    let grid = w.map_or_else(|| crate::theory::PhaseGrid { sw: Vec::new(), sb: Vec::new(), chi: Vec::new() }, |w| w.phase.clone());
    let theory = crate::theory::view(config, &measured, last_ms, grid, w.and_then(|w| w.act_std_band.clone()));
    let mut layers = layers;
    for (l, layer) in layers.iter_mut().enumerate() {
        let p = &theory.prediction;
        let or_nan = |v: f64| if config.bn { f64::NAN } else { v };
        layer.pred_preact_std = or_nan(p.preact_std[l]);
        layer.pred_act_std = or_nan(p.act_std[l]);
        layer.pred_grad_std = or_nan(p.grad_std[l]);
        layer.pred_act_grad_std = or_nan(p.act_grad_std[l]);
    }
    let verdict = verdict::judge(config, &layers);
    Report { layers, ranges, loss: merged.loss, weight_std_theory: w.map_or((0.0, 0.0), |w| w.theory), verdict, small_net, theory }
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
