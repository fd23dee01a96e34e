//! One experiment: a configuration in, a plain-data [`Report`] out.
//!
//! Seeded RNG → weights → input batch → forward → loss → backward → per-layer statistics. The
//! backward pass for Gaussian input starts from the mean squared error against seeded random
//! targets t ~ N(0, 1) (one linear output unit); for toy datasets from softmax cross-entropy
//! against the labels.

use crate::analysis::report::{Report, SmallNet, BINS, DIAGRAM_MAX_DEPTH, DIAGRAM_MAX_WIDTH};
use crate::compute::batch::make_batch;
use crate::compute::shard::{
    chunk_count, chunked_loss, data_hists, data_ranges, grad_stats, merge, shared_range, weight_std_theory, CrossMoments, DataHists, Shard,
    ShardLayer, ShardPart, WeightStats,
};
use crate::data::Batch;
use crate::math::stats::{self, Histogram, Moments, Range};
use crate::nn::loss::{Loss, Targets};
use crate::nn::network::{Mlp, Workspace};
use crate::spec::config::{Config, ConfigError};

/// What a network's weights depend on ([`Mlp::new`]'s arguments): two configurations with the same
/// key have bit-identical weights, so a worker may keep the network across a change of the batch,
/// the input's values, the noise, the diagram or the theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightsKey {
    shape: crate::nn::network::Shape,
    act: crate::nn::activation::Activation,
    init: crate::nn::init::InitSpec,
    norm: Option<crate::nn::block::NormKind>,
    seed: u32,
}

impl WeightsKey {
    #[must_use]
    pub fn of(c: &Config) -> Self {
        Self { shape: c.shape(), act: c.act, init: c.init_spec(), norm: c.norm, seed: c.seed }
    }
}

/// The weights' part of a report, known as soon as the network is built ([`Experiment::weights_preview`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightsPreview {
    /// Per hidden layer.
    pub moments: Vec<Moments>,
    /// The range shared by every layer's histogram.
    pub range: (f64, f64),
    pub hists: Vec<Histogram>,
}

impl WeightsPreview {
    /// The hidden layers' weights of `mlp`, the network of `config`.
    #[must_use]
    pub fn of(mlp: &Mlp, config: &Config) -> Self {
        let moments: Vec<Moments> = mlp.hidden().map(|l| Moments::of(&l.w)).collect();
        let range = shared_range(moments.iter().copied(), 0, config);
        let hists = mlp.hidden().map(|l| Histogram::of(&l.w, BINS, Range::Fixed(range.0, range.1))).collect();
        Self { moments, range, hists }
    }
}

/// The network of a configuration (which must be valid: see [`Config::validate`]).
#[must_use]
pub fn build_network(config: &Config) -> Mlp {
    Mlp::new(config.shape(), config.act, &config.init_spec(), config.norm, u64::from(config.seed))
}

/// Whether a pass of `config`'s network couples the batch's samples (a block says so: batch
/// norm's statistics are the whole batch's; layer and RMS norm's are each sample's), so it may not
/// be split by rows across workers.
#[must_use]
pub fn couples_samples(config: &Config) -> bool {
    Mlp::plan(config.shape(), config.act, config.norm).couples_samples()
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

impl Experiment {
    /// Builds the network and the batch (refusing configurations over the memory budget first).
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Self::new_shard(config, Shard::WHOLE)
    }

    /// Builds the whole network, and the rows of the batch that `shard` computes.
    pub fn new_shard(config: &Config, shard: Shard) -> Result<Self, ConfigError> {
        Self::new_shard_with(config, shard, None)
    }

    /// As [`Experiment::new_shard`], with the network given when the caller has it already: a
    /// network built for a configuration of the same [`WeightsKey`] (the batch, the input values,
    /// the noise or the view changed) is the same bits, since the weights depend on nothing else.
    pub fn new_shard_with(config: &Config, shard: Shard, network: Option<Mlp>) -> Result<Self, ConfigError> {
        config.validate_stored()?;
        config.check_data()?;
        if !shard.fits(config.batch) {
            let chunks = chunk_count(config.batch);
            return Err(ConfigError::Shard { index: shard.index, count: shard.count, batch: config.batch, chunks });
        }
        let mlp = network.unwrap_or_else(|| build_network(config));
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
        let mut ws = Workspace::new(&mlp, rows.len());
        ws.set_chunks(shard.local_chunks(config.batch));
        let dy = vec![0f32; rows.len() * out];
        Ok(Self { config: *config, shard, mlp, ws, batch, loss, targets, dy })
    }

    /// Forward and backward pass; returns the loss (this shard's share of it).
    pub fn pass(&mut self) -> f64 {
        let out = self.mlp.output_dim();
        // A copy (at most 8 ranges): the forward pass reads the chunks too (z's moments before a
        // norm are measured over them), and its output borrows the workspace.
        let chunks = self.ws.chunks.clone();
        let y = self.mlp.forward(&self.batch.x, &mut self.ws);
        let l = chunked_loss(self.loss, &self.targets, (y, &mut self.dy), &chunks, out, self.config.batch);
        self.mlp.backward(&self.batch.x, &self.dy, &mut self.ws);
        l
    }

    /// This shard's mergeable statistics (after [`Experiment::pass`]); shard 0 adds the weights'.
    #[must_use]
    pub fn shard_part(&self, loss: f64) -> ShardPart {
        let c = &self.config;
        let depth = self.mlp.depth();
        // Per row chunk, merged along the chunk tree (see `shard`).
        let layers = (0..depth)
            .map(|l| {
                let values = (self.ws.pre(l), self.ws.act(l), self.ws.dact(l));
                ShardLayer::measure(values, self.ws.raw_pre(l), &self.ws.chunks, c.width, c.act).with_stream(
                    self.ws.stream(l),
                    &self.ws.chunks,
                    c.width,
                )
            })
            .collect();
        let weights = (self.shard.index == 0).then(|| {
            let WeightsPreview { moments, range, hists } = self.weights_preview();
            let distinct = self
                .mlp
                .hidden()
                .map(|l| stats::distinct_neurons(&l.w, &l.b, l.fan_in, l.fan_out, stats::symmetry_tolerance(&l.w, &l.b)))
                .collect();
            let phase = crate::analysis::theory::phase_grid_cached(c.act);
            WeightStats {
                moments,
                hists,
                range,
                distinct,
                theory: (weight_std_theory(c, self.mlp.hidden().next().map_or(0, |d| d.fan_in)), weight_std_theory(c, c.width)),
                phase,
                act_std_band: self.seed_band(),
            }
        });
        let input = CrossMoments::measure(&self.batch.x, self.batch.dim, &self.ws.chunks);
        let last_grad = CrossMoments::measure(self.ws.dact(depth - 1), c.width, &self.ws.chunks);
        ShardPart { rows: self.ws.batch, loss, input, last_grad, layers, weights }
    }

    /// The hidden layers' weight histograms over their shared range, with their moments: known
    /// before the pass, so a worker sends them first and the page draws them while the pass runs.
    /// The report's are these, bit for bit.
    #[must_use]
    pub fn weights_preview(&self) -> WeightsPreview {
        WeightsPreview::of(&self.mlp, &self.config)
    }

    /// For small networks, the std of a per layer over this seed and the next four: how much a
    /// finite network scatters around the theory. `None` above [`crate::analysis::theory::BAND_WORK`].
    fn seed_band(&self) -> Option<Vec<(f64, f64)>> {
        let c = &self.config;
        let work = (c.depth * c.width * c.width * c.batch) as f64;
        if work > crate::analysis::theory::BAND_WORK || self.shard != Shard::WHOLE {
            return None;
        }
        let mut band: Vec<(f64, f64)> = (0..c.depth).map(|l| (Moments::of(self.ws.act(l)).std, Moments::of(self.ws.act(l)).std)).collect();
        for k in 1..5u32 {
            let other = Config { seed: c.seed.wrapping_add(k), ..*c };
            let mut e = Experiment::new(&other).ok()?;
            let y = e.mlp.forward(&e.batch.x, &mut e.ws);
            std::hint::black_box(y);
            for (l, b) in band.iter_mut().enumerate() {
                let s = Moments::of(e.ws.act(l)).std;
                *b = (b.0.min(s), b.1.max(s));
            }
        }
        Some(band)
    }

    /// ∂L/∂W of every hidden layer from this shard's rows (the shards' add up to the batch's).
    #[must_use]
    pub fn partial_grads(&self) -> Vec<&[f32]> {
        self.ws.hidden_dws().collect()
    }

    /// This shard's histograms of the data quantities ([`crate::analysis::report::Quantity::DATA`]) over the shared ranges.
    #[must_use]
    pub fn shard_hists(&self, ranges: [(f64, f64); 3]) -> Vec<DataHists> {
        (0..self.mlp.depth()).map(|l| data_hists((self.ws.pre(l), self.ws.act(l), self.ws.dact(l)), ranges)).collect()
    }

    /// The network's weights and gradients, for the diagram of small networks.
    #[must_use]
    pub fn small_net(&self) -> Option<SmallNet> {
        let (c, depth, width) = (&self.config, self.mlp.depth(), self.config.width);
        (width <= DIAGRAM_MAX_WIDTH && depth <= DIAGRAM_MAX_DEPTH).then(|| {
            let mut sizes = vec![self.mlp.input_dim()];
            sizes.extend(self.mlp.denses().map(|l| l.fan_out));
            SmallNet {
                sizes,
                weights: self.mlp.denses().map(|l| l.w.clone()).collect(),
                grads: self.ws.dws().map(<[f32]>::to_vec).collect(),
                mean_act: (0..depth)
                    .map(|l| {
                        let mut m = vec![0f32; width];
                        for row in self.ws.act(l).chunks_exact(width) {
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
    /// the one-shard case of [`merge`], so split and whole runs share one path.
    #[must_use]
    pub fn report(&self, loss: f64) -> Report {
        let parts = [self.shard_part(loss)];
        let ranges = data_ranges(&self.config, &parts);
        let hists = [self.shard_hists(ranges)];
        let grads = grad_stats(&self.config, &self.partial_grads());
        crate::compute::assemble::report(&self.config, merge(&self.config, &parts, &grads, &hists), self.small_net())
    }
}

/// Runs one configuration end to end: with the network kept in memory when it fits the budget,
/// else layer by layer ([`crate::compute::lean`]), which gives the same report.
pub fn run(config: &Config) -> Result<Report, ConfigError> {
    config.validate()?;
    config.check_data()?;
    if config.is_lean() {
        return crate::compute::lean::run(config);
    }
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
        for (l, layer) in self.mlp.denses().enumerate() {
            h = fnv1a_f32(h, &layer.w);
            h = fnv1a_f32(h, &layer.b);
            h = fnv1a_f32(h, self.ws.act(l));
            h = fnv1a_f32(h, self.ws.dw(l));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::report::Quantity;

    /// A kept network gives the report a fresh one gives, bit for bit, after a batch, noise or
    /// input change that leaves its key alone; a change of the key is a different network.
    #[test]
    fn a_kept_network_is_the_fresh_one() {
        let (a, _) = Config::from_query("depth=4&width=32&input=moons&batch=64&noise=0.1&seed=3");
        let (b, _) = Config::from_query("depth=4&width=32&input=moons&batch=128&noise=0.3&seed=3");
        assert_eq!(WeightsKey::of(&a), WeightsKey::of(&b));
        let kept = Experiment::new(&a).unwrap().mlp;
        let mut fresh = Experiment::new(&b).unwrap();
        let mut reused = Experiment::new_shard_with(&b, Shard::WHOLE, Some(kept)).unwrap();
        let (lf, lr) = (fresh.pass(), reused.pass());
        assert_eq!(lf.to_bits(), lr.to_bits());
        assert_eq!(fresh.fingerprint(), reused.fingerprint());
        let (c, _) = Config::from_query("depth=4&width=32&input=moons&batch=64&noise=0.1&seed=4");
        assert_ne!(WeightsKey::of(&a), WeightsKey::of(&c));
        let (d, _) = Config::from_query("depth=4&width=32&input=blobs&batch=64&noise=0.1&seed=3");
        assert_ne!(WeightsKey::of(&a), WeightsKey::of(&d), "3 classes: another output layer");
    }

    /// The weights drawn before the pass are the report's, bit for bit (histograms, range, std),
    /// for a whole run and for shard 0 of a split one.
    #[test]
    fn the_preview_is_the_reports_weights() {
        for q in [
            "depth=6&width=48&batch=64&init=xavier_uniform&act=tanh",
            "depth=3&width=20&init=zeros",
            "depth=5&width=64&batch=128&init=constant&scale=0.3",
        ] {
            let (c, _) = Config::from_query(q);
            let mut e = Experiment::new(&c).unwrap();
            let preview = e.weights_preview();
            let loss = e.pass();
            let r = e.report(loss);
            assert_eq!(preview.range, r.ranges[Quantity::Weights.index()], "{q}");
            for (l, layer) in r.layers.iter().enumerate() {
                assert_eq!(preview.hists[l], layer.hists[Quantity::Weights.index()], "{q} layer {l}");
                assert_eq!(preview.moments[l].std.to_bits(), layer.weights.std.to_bits(), "{q} layer {l}");
            }
            let s0 = Experiment::new_shard(&c, Shard { index: 0, count: 2 }).unwrap();
            assert_eq!(s0.weights_preview(), preview, "{q}: shard 0");
        }
    }

    /// The layer-by-layer pass ([`crate::compute::lean`]) gives the same report as the kept network's, bit
    /// for bit (compared as postcard bytes, so NaN fields compare too), for activations with and
    /// without a kink, both losses, one and eight row chunks, and constant and zero weights.
    #[test]
    fn layer_by_layer_is_the_kept_network() {
        for q in [
            "depth=4&width=24&batch=64&init=he_normal&act=relu",
            // ∂L/∂W's line drawn (batch ≤ width/4), so the last layer's cross moment counts.
            "depth=3&width=64&batch=16&init=he_normal&act=relu",
            "depth=3&width=20&batch=256&init=xavier_uniform&act=tanh&seed=9",
            "depth=5&width=16&batch=33&init=normal&scale=0.3&act=gelu&input=spiral",
            "depth=3&width=12&batch=1&init=lecun_normal&act=selu&bias=normal:0.1",
            "depth=2&width=18&batch=40&init=constant&scale=0.2&act=sigmoid&input=moons",
            "depth=3&width=8&batch=16&init=zeros&act=relu",
            "depth=4&width=24&batch=64&init=he_normal&act=relu&bn=1",
            "depth=3&width=16&batch=256&init=normal&scale=2&act=tanh&bn=1&seed=3",
            "depth=2&width=10&batch=1&init=xavier_normal&act=gelu&bn=1",
            // Layer and RMS norm: their per-sample 1/√(σ²+ε) kept, x̂ recalled from u (with β, and
            // without for RMS norm), z's moments before them over the same row chunks.
            "depth=4&width=24&batch=64&init=he_normal&act=relu&norm=layer",
            "depth=3&width=16&batch=256&init=normal&scale=2&act=tanh&norm=rms&seed=3",
            "depth=3&width=12&batch=1&init=xavier_normal&act=gelu&norm=layer&bias=normal:0.1",
            // Residual blocks: the stream's sums and the forks' copies through the checkpoints.
            "depth=4&width=24&batch=64&init=he_normal&act=relu&arch=residual",
            "depth=5&width=16&batch=33&act=tanh&arch=residual&branch=1&res=rezero&norm=layer&input=spiral",
            "depth=3&width=20&batch=256&act=gelu&arch=residual&res=gpt2&norm=rms&norm_pos=post&seed=9",
            "depth=3&width=16&batch=16&act=relu&arch=residual&res=zero&norm=batch",
        ] {
            let (c, _) = Config::from_query(q);
            let mut e = Experiment::new(&c).unwrap();
            let l = e.pass();
            let kept = e.report(l);
            let lean = crate::compute::lean::run(&c).unwrap();
            // Everything but the small networks' extras (the diagram's data and the 5-seed band,
            // which the layer-by-layer pass, meant for large networks, does not compute).
            let bytes = |r: &Report| {
                postcard::to_allocvec(&(&r.layers, r.ranges, r.loss, r.weight_std_theory, &r.verdict, &r.theory.prediction)).unwrap()
            };
            assert_eq!(bytes(&lean), bytes(&kept), "{q}");
            assert!(lean.small_net.is_none());
        }
    }
}
