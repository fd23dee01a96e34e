//! Computing one configuration in parts, with the same bits however many parts.
//!
//! Every pass splits its batch into [`chunk_count`] row chunks (1, 2, 4 or 8, a function of the
//! batch size only), and every sum over rows — ∂L/∂W, the loss, the merged moments, spreads and
//! counts — is a pairwise tree over the chunks ([`tree`]): sum(chunks) = sum(left half) + sum(right
//! half). A [`Shard`] is a power-of-two slice of the chunks, i.e. a subtree: a worker computes its
//! subtree, and the page combines the shards' results with the same tree ([`tree_sum`],
//! [`merge_parts`]). So 1, 2, 4 or 8 workers give bit-identical reports, and so does the native
//! whole pass. [`merge`] turns the shards' parts and histograms into the batch's [`Measured`]
//! statistics; reading them into a report is `compute::assemble`.

use crate::analysis::report::{LayerReport, Quantity, Report, BINS};
use crate::analysis::theory::{PhaseGrid, Prior};
use crate::compute::assemble::Measured;
use crate::math::stats::{self, Histogram, Moments, Range, UnitSpread};
use crate::nn::activation::Activation;
use crate::nn::init::Draw;
use crate::nn::loss::{Loss, Targets};
use crate::spec::config::Config;
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
    /// z before a norm, over this shard's rows (merged along the chunk tree: a network with batch
    /// norm couples its samples and is never sharded, `experiment::couples_samples`; layer and
    /// RMS norm may be).
    pub raw_preact: Option<Moments>,
    /// The residual stream after the layer's block, over this shard's rows (`None` if plain).
    pub stream: Option<Moments>,
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
                raw_preact: None,
                stream: None,
                saturated: sat_test.map_or(0, |f| act.iter().filter(|&&y| f(y)).count() as u64),
                alive: stats::alive_units(act, width),
            }
        };
        // z before a norm was measured by the pass over the same chunks (`network::forward`).
        let merged = tree(chunks.iter().map(chunk).collect(), &ShardLayer::merge).expect("a pass has at least one chunk");
        ShardLayer { raw_preact, ..merged }
    }

    /// With the moments of the residual stream after the layer's block (`stream`, batch × `width`),
    /// per row chunk merged along the chunk [`tree`] as the others.
    #[must_use]
    pub fn with_stream(self, stream: Option<&[f32]>, chunks: &[std::ops::Range<usize>], width: usize) -> Self {
        let stream = stream
            .and_then(|z| tree(chunks.iter().map(|r| Moments::of(&z[r.start * width..r.end * width])).collect(), &|a, b| a.merge(&b)));
        ShardLayer { stream, ..self }
    }

    /// The statistics of the union of two sets of rows (a node of the chunk [`tree`]).
    #[must_use]
    pub fn merge(self, b: ShardLayer) -> ShardLayer {
        ShardLayer {
            preact: self.preact.merge(&b.preact),
            act: self.act.merge(&b.act),
            act_grad: self.act_grad.merge(&b.act_grad),
            act_units: self.act_units.merge(&b.act_units),
            raw_preact: match (self.raw_preact, b.raw_preact) {
                (Some(x), Some(y)) => Some(x.merge(&y)),
                (x, y) => x.or(y),
            },
            stream: match (self.stream, b.stream) {
                (Some(x), Some(y)) => Some(x.merge(&y)),
                (x, y) => x.or(y),
            },
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
    pub phase: crate::analysis::theory::PhaseGrid,
    /// Where the network is small: the std of a per layer over 5 seeds, (min, max).
    pub act_std_band: Option<Vec<(f64, f64)>>,
}

/// The second moments of a batch × `cols` matrix over some rows, within and across samples: Σx²,
/// the column sums Σ_s x_sj and the number of rows, measured per row chunk and merged along the
/// chunk [`tree`], so a split batch gives the whole batch's bits.
///
/// The theory needs them from where the data is (the worker that made the batch and ran the
/// pass), never from the page, which may not hold the data: the input's E[x²] and E[x_s·x_t]
/// (layer 1's q₁ = σ_w²·E[x²] + σ_b² and its covariance of two samples), and the same two of the
/// last hidden layer's ∂L/∂a, from which the gradients' recursion starts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CrossMoments {
    pub sum_sq: f64,
    pub col_sums: Vec<f64>,
    pub rows: u64,
}

impl CrossMoments {
    /// The moments of rows `chunks` of `x` (row-major, `cols` values a row), per chunk then along
    /// the tree.
    #[must_use]
    pub fn measure(x: &[f32], cols: usize, chunks: &[std::ops::Range<usize>]) -> Self {
        let chunk = |r: &std::ops::Range<usize>| {
            let mut m = CrossMoments { sum_sq: 0.0, col_sums: vec![0.0; cols], rows: r.len() as u64 };
            for row in x[r.start * cols..r.end * cols].chunks_exact(cols.max(1)) {
                for (s, &v) in m.col_sums.iter_mut().zip(row) {
                    let v = f64::from(v);
                    *s += v;
                    m.sum_sq += v * v;
                }
            }
            m
        };
        tree(chunks.iter().map(chunk).collect(), &CrossMoments::merge).unwrap_or_default()
    }

    /// The moments of the union of two sets of rows.
    #[must_use]
    pub fn merge(mut self, b: CrossMoments) -> CrossMoments {
        if self.col_sums.is_empty() {
            return b;
        }
        self.col_sums.iter_mut().zip(&b.col_sums).for_each(|(x, y)| *x += y);
        CrossMoments { sum_sq: self.sum_sq + b.sum_sq, col_sums: self.col_sums, rows: self.rows + b.rows }
    }

    /// E[x²] per value (0 for no values).
    #[must_use]
    pub fn mean_square(&self) -> f64 {
        let n = self.rows as f64 * self.col_sums.len() as f64;
        if n > 0.0 {
            self.sum_sq / n
        } else {
            0.0
        }
    }

    /// E[x_sj·x_tj] over pairs of distinct rows s ≠ t, averaged over columns:
    /// (Σ_j (Σ_s x_sj)² − Σ x²) / (B(B − 1)·cols); 0 for fewer than two rows.
    #[must_use]
    pub fn cross(&self) -> f64 {
        let b = self.rows as f64;
        let cols = self.col_sums.len() as f64;
        if self.rows < 2 || cols == 0.0 {
            return 0.0;
        }
        let squares: f64 = self.col_sums.iter().map(|s| s * s).sum();
        (squares - self.sum_sq) / (b * (b - 1.0) * cols)
    }
}

/// One shard's part of a report, before the histograms of the data-dependent quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPart {
    pub rows: usize,
    /// This shard's share of the batch loss (the shares add up to it).
    pub loss: f64,
    /// The input's second moments over this shard's rows.
    pub input: CrossMoments,
    /// The last hidden layer's ∂L/∂a's second moments over this shard's rows.
    pub last_grad: CrossMoments,
    pub layers: Vec<ShardLayer>,
    pub weights: Option<WeightStats>,
}

/// The shards' parts as one, merged along the chunk [`tree`] (the parts in shard order).
#[must_use]
pub fn merge_parts(parts: &[ShardPart]) -> ShardPart {
    let merged = tree(parts.to_vec(), &|a: ShardPart, b: ShardPart| ShardPart {
        rows: a.rows + b.rows,
        loss: a.loss + b.loss,
        input: a.input.merge(b.input),
        last_grad: a.last_grad.merge(b.last_grad),
        layers: a.layers.into_iter().zip(b.layers).map(|(x, y)| x.merge(y)).collect(),
        weights: a.weights.or(b.weights),
    });
    merged.unwrap_or(ShardPart {
        rows: 0,
        loss: 0.0,
        input: CrossMoments::default(),
        last_grad: CrossMoments::default(),
        layers: Vec::new(),
        weights: None,
    })
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

/// Merges the shards' parts, the statistics of the batch's ∂L/∂W of each hidden layer (the sum
/// of the shards'), and the shards' histograms over [`data_ranges`] into the whole batch's
/// measurements: what a whole pass would have measured, bit for bit. Reading them (the theory
/// beside them, the verdict) is the next step, [`crate::compute::assemble::report`].
#[must_use]
pub fn merge(config: &Config, parts: &[ShardPart], grads: &[GradStats], hists: &[Vec<DataHists>]) -> Measured {
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
                stream: m.stream,
                pred_stream_std: f64::NAN,
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
    let last_ms = layers.last().map_or(0.0, |l| l.act_grad.std.powi(2) + l.act_grad.mean.powi(2));
    // Gaussian input has E[x²] = 1 and independent samples by construction; data sets are
    // measured on the batch.
    let gaussian = config.input.classes() == 0;
    let prior = Prior {
        input_ms: if gaussian { 1.0 } else { merged.input.mean_square() },
        input_cross: if gaussian { 0.0 } else { merged.input.cross() },
        last_act_grad_ms: last_ms,
        last_act_grad_cross: merged.last_grad.cross(),
    };
    Measured {
        layers,
        ranges,
        loss: merged.loss,
        weight_std_theory: w.map_or((0.0, 0.0), |w| w.theory),
        prior,
        phase: w.map_or_else(|| PhaseGrid { sw: Vec::new(), sb: Vec::new(), chi: Vec::new() }, |w| w.phase.clone()),
        act_std_band: w.and_then(|w| w.act_std_band.clone()),
    }
}

/// The page's half of a split pass: what the shards of one request sent, combined as a whole pass
/// combines its row chunks, then [`assemble`]d. The steps are separate so the page can spread
/// them over short tasks: every shard's [`ShardPart`] ([`Merge::add_part`]); then, per layer, the
/// shards' ∂L/∂W summed along the tree ([`Merge::sum_grad`]) and binned over the range shared by
/// all layers ([`Merge::bin_grad`]); the shards' histograms over [`Merge::ranges`]
/// ([`Merge::add_hists`]); then the whole batch's measurements ([`merge`]) and the report read from
/// them ([`crate::compute::assemble::report`]), in [`Merge::assemble`]. The page (`web::workers::pool`) and the
/// tests both use it, so what the tests hold bit for bit to a whole pass is what the page runs.
#[derive(Debug, Clone)]
pub struct Merge {
    config: Config,
    parts: Vec<Option<ShardPart>>,
    hists: Vec<Option<Vec<DataHists>>>,
    /// The batch's ∂L/∂W per layer (summed over shards) until binned, with its moments and norm.
    summed: Vec<Vec<f32>>,
    first: Vec<(Moments, f64)>,
    grad_stats: Vec<GradStats>,
}

/// A shard index past the request's shard count, or a layer out of order: a worker sent what it
/// should not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeError;

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a shard's reply does not belong to this request")
    }
}

impl Merge {
    /// A merge of `count` shards of `config`.
    #[must_use]
    pub fn new(config: Config, count: usize) -> Self {
        Merge { config, parts: vec![None; count], hists: vec![None; count], summed: Vec::new(), first: Vec::new(), grad_stats: Vec::new() }
    }

    /// Takes shard `shard`'s part; whether every shard's part is in.
    pub fn add_part(&mut self, shard: usize, part: ShardPart) -> Result<bool, MergeError> {
        *self.parts.get_mut(shard).ok_or(MergeError)? = Some(part);
        Ok(self.parts.iter().all(Option::is_some))
    }

    /// The shared histogram ranges of the data quantities, once every part is in.
    #[must_use]
    pub fn ranges(&self) -> Option<[(f64, f64); 3]> {
        let parts: Option<Vec<ShardPart>> = self.parts.iter().cloned().collect();
        parts.map(|p| data_ranges(&self.config, &p))
    }

    /// Sums the next layer's ∂L/∂W over the shards (`shard_grads`, in shard order) along the chunk
    /// tree and measures it; whether more layers are to be summed.
    pub fn sum_grad(&mut self, shard_grads: Vec<Vec<f32>>) -> Result<bool, MergeError> {
        if shard_grads.len() != self.parts.len() || self.summed.len() >= self.config.depth {
            return Err(MergeError);
        }
        let sum = tree_sum(shard_grads);
        self.first.push(grad_moments(&sum));
        self.summed.push(sum);
        Ok(self.summed.len() < self.config.depth)
    }

    /// The number of layers whose ∂L/∂W is summed so far.
    #[must_use]
    pub fn summed_layers(&self) -> usize {
        self.summed.len()
    }

    /// Bins the next summed layer's ∂L/∂W over the range shared by all layers (every layer must be
    /// summed first); whether more layers are to be binned.
    pub fn bin_grad(&mut self) -> Result<bool, MergeError> {
        let layer = self.grad_stats.len();
        if self.summed.len() < self.config.depth || layer >= self.config.depth {
            return Err(MergeError);
        }
        let moments: Vec<Moments> = self.first.iter().map(|m| m.0).collect();
        let (lo, hi) = grad_range(&self.config, &moments);
        let g = std::mem::take(&mut self.summed[layer]);
        let (moments, norm) = self.first[layer];
        self.grad_stats.push(GradStats { moments, norm, hist: Histogram::of(&g, BINS, Range::Fixed(lo, hi)) });
        Ok(self.grad_stats.len() < self.config.depth)
    }

    /// Takes shard `shard`'s histograms over [`Merge::ranges`].
    pub fn add_hists(&mut self, shard: usize, hists: Vec<DataHists>) -> Result<(), MergeError> {
        *self.hists.get_mut(shard).ok_or(MergeError)? = Some(hists);
        Ok(())
    }

    /// Whether every step is done and [`Merge::assemble`] can run.
    #[must_use]
    pub fn ready(&self) -> bool {
        self.grad_stats.len() == self.config.depth && self.hists.iter().all(Option::is_some) && self.parts.iter().all(Option::is_some)
    }

    /// The report, once [`Merge::ready`].
    pub fn assemble(self) -> Result<Report, MergeError> {
        if !self.ready() {
            return Err(MergeError);
        }
        let parts: Vec<ShardPart> = self.parts.into_iter().flatten().collect();
        let hists: Vec<Vec<DataHists>> = self.hists.into_iter().flatten().collect();
        Ok(crate::compute::assemble::report(&self.config, merge(&self.config, &parts, &self.grad_stats, &hists), None))
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

/// The loss of output `y` (and ∂L/∂y into `dy`) per row chunk, summed along the chunk [`tree`];
/// `total`: the batch's rows (the mean's denominator). Both passes (kept whole and layer by
/// layer) sum their loss here.
pub(crate) fn chunked_loss(
    loss: Loss,
    targets: &Targets,
    (y, dy): (&[f32], &mut [f32]),
    chunks: &[std::ops::Range<usize>],
    out: usize,
    total: usize,
) -> f64 {
    let shares: Vec<f64> = chunks
        .iter()
        .map(|r| {
            let (y, dy) = (&y[r.start * out..r.end * out], &mut dy[r.start * out..r.end * out]);
            loss.eval_part(y, &targets.rows(r.clone(), out), out, total, dy).unwrap_or(f64::NAN)
        })
        .collect();
    tree(shares, &|a, b| a + b).unwrap_or(f64::NAN)
}

/// The weight std the initializer's formula gives a layer of `fan_in` inputs (0 for constants):
/// [`WeightStats::theory`], from both passes.
pub(crate) fn weight_std_theory(c: &Config, fan_in: usize) -> f64 {
    match c.init_spec().draw(fan_in, c.width, c.act) {
        Draw::Constant(_) => 0.0,
        d => d.std(fan_in, c.width),
    }
}
