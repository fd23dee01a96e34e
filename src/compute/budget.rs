//! How many bytes each path will allocate, counted before it allocates any, so a configuration
//! that would not fit is refused with what would.
//!
//! Four paths compute a configuration, and each is counted here from the buffers it makes (f32
//! everywhere; `tests/budget.rs` holds every count to the peak a counting allocator measures
//! while the real path runs, within 10%):
//!
//! - **kept whole** ([`kept`]): `experiment::run` with the network in memory: its parameters, one
//!   [`crate::nn::network::Workspace`] (z, a and ∂L/∂a of every layer, ∂L/∂W of every layer and the
//!   chunk tree's partial sums, [`pass`]), the batch. Small networks (work ≤
//!   [`crate::analysis::theory::BAND_WORK`]) also build the same network at four more seeds for the seed
//!   band, one at a time: twice the network and its buffers at the peak.
//! - **layer by layer** ([`lean`], `crate::compute::lean`): a few width² (one layer's weights, ∂L/∂W and
//!   its partial sums) + depth·batch·width (every hidden layer's z).
//! - **training** ([`train`], `crate::compute::lab::Trainer`): the network, one workspace for the
//!   mini-batch, forward-only buffers of [`EVAL_ROWS`] rows for the evaluations, the optimizer's
//!   state (none for SGD, one buffer per parameter for momentum, two for Adam's m and v), the
//!   kept snapshots ([`snapshots`]), the dataset and its split; and, while a report is asked for,
//!   the initialization view's workspace and batch beside it (`Trainer::report_at` lends it the
//!   network itself, never a copy).
//! - **a comparison** ([`runs`]): each run by the path it takes, each in a worker of its own
//!   (the training lab's, at initialization too: [`lab_at_init`]); the page holds their sum
//!   ([`total`]).
//!
//! The configuration's own checks and notes that ask these counts (`Config::validate`,
//! `Config::bytes`, `Config::memory_note`, …) are an `impl Config` block here, so that `config`
//! (its fields, table and parser) never imports the budget that reads it.

use crate::data::{InputKind, POOL_SIZE};
use crate::nn::arch::{Arch, Branch, Residual};
use crate::nn::block::NormKind;
use crate::nn::network::Shape;
use crate::nn::optim::OptKind;
use crate::spec::config::{duration_words, Config, ConfigError, MEMORY_BUDGET};
use crate::spec::params::{BATCHES, WIDTHS};
use crate::spec::view::View;

/// Rows of each evaluation chunk of training (bounds the evaluation buffers whatever the pool).
pub const EVAL_ROWS: usize = 256;
/// Bytes of weight snapshots a training run may keep for scrubbing back.
pub const SNAPSHOT_BUDGET: u64 = 64 << 20;
/// The most weight snapshots a training run keeps.
pub const MAX_SNAPSHOTS: usize = 17;

const F32: u64 = 4;

/// How a configuration is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// At initialization, the network kept whole (`crate::compute::experiment`).
    Kept,
    /// At initialization, layer by layer (`crate::compute::lean`).
    Lean,
    /// Training (`crate::compute::lab`).
    Train,
}

/// Floats of a norm's parameters over `o` units ([`crate::nn::block::Block::params`]): γ and β
/// (2·o) of batch and layer norm, γ alone (o) of RMS norm, none without one. Their gradients in a
/// workspace are as many.
#[must_use]
pub fn norm_params(norm: Option<NormKind>, o: usize) -> u64 {
    match norm {
        Some(k) if k.has_beta() => 2 * o as u64,
        Some(_) => o as u64,
        None => 0,
    }
}

/// Floats of a norm's saved 1/√(σ² + ε) in a pass of `rows` rows over `o` units
/// ([`NormKind::inv_std_len`]): o for batch norm (per unit), `rows` for layer and RMS norm (per
/// sample), none without one.
#[must_use]
pub fn norm_inv_std(norm: Option<NormKind>, rows: usize, o: usize) -> u64 {
    norm.map_or(0, |k| k.inv_std_len(rows, o) as u64)
}

/// Floats of a network's parameters: W (i·o) and b (o) of every layer, a norm's γ and β of each
/// hidden layer with one ([`norm_params`]).
#[must_use]
pub fn params(shape: Shape, norm: Option<NormKind>) -> u64 {
    let dims = shape.layer_dims();
    let hidden = dims.len() - 1;
    let Arch::Residual(r) = shape.arch else {
        return dims.iter().enumerate().map(|(l, &(i, o))| (i * o + o) as u64 + if l < hidden { norm_params(norm, o) } else { 0 }).sum();
    };
    dense_params(&dims) + shape.depth as u64 * (norm_params(norm, shape.width) + u64::from(r.scale.learns_alpha()))
}

/// Floats of every Dense's W and b.
fn dense_params(dims: &[(usize, usize)]) -> u64 {
    dims.iter().map(|&(i, o)| (i * o + o) as u64).sum()
}

/// Floats a residual network's blocks add to a pass of `rows` rows beside its Dense layers' z (and
/// ∂L/∂W, ∂L/∂b when `grads`), per block of width w: the fork's copy (r·w), the activation's a
/// (r·w; with ∂L/∂a, 2·r·w), the sum's own buffer after a one-layer branch (r·w; after two it
/// overwrites the last Dense's z), ReZero's saved F (r·w) and ∂L/∂α (1), the norm's x̂ and
/// 1/√(σ²+ε) (with its γ, β gradients); and once, the skip's ∂L/∂x (r·w).
fn residual_blocks(r: Residual, shape: Shape, rows: usize, norm: Option<NormKind>, grads: bool) -> u64 {
    let (w, rw) = (shape.width, (rows * shape.width) as u64);
    let act = if grads { 2 * rw } else { rw };
    let sum = if r.branch == Branch::One { rw } else { 0 };
    let alpha = if r.scale.learns_alpha() { rw + u64::from(grads) } else { 0 };
    let normed = if norm.is_some() { rw + norm_inv_std(norm, rows, w) + if grads { norm_params(norm, w) } else { 0 } } else { 0 };
    shape.depth as u64 * (rw + act + sum + alpha + normed) + if grads { rw } else { 0 }
}

/// Floats of one [`crate::nn::network::Workspace`] of `batch` rows after a backward pass summed over
/// `chunks` row chunks: per layer its Dense's z (B·o), ∂L/∂W and ∂L/∂b (i·o + o); per hidden
/// layer its Act's a and ∂L/∂a (2·B·o), with a norm its x̂ (B·o), its 1/√(σ²+ε) (o for batch
/// norm, B for layer and RMS norm: [`norm_inv_std`]) and ∂L/∂γ, ∂L/∂β (2·o; ∂L/∂γ alone, o, for
/// RMS norm: [`norm_params`]); the two δ buffers
/// (2·B·w) and the matrix products' scratch (the larger of w·max(B, w), Wᵀ and the input's
/// transpose), w the widest layer; one partial ∂L/∂W of the largest layer per level of the chunk
/// tree below its top (log₂ chunks).
#[must_use]
pub fn pass(shape: Shape, batch: usize, norm: Option<NormKind>, chunks: usize) -> u64 {
    let dims = shape.layer_dims();
    let hidden = dims.len() - 1;
    let b = batch as u64;
    let mut floats = 0u64;
    for (l, &(i, o)) in dims.iter().enumerate() {
        let (i, o, units) = (i as u64, o as u64, o);
        floats += b * o + i * o + o;
        if l < hidden && shape.arch == Arch::Plain {
            floats += 2 * b * o;
            if norm.is_some() {
                floats += b * o + norm_inv_std(norm, batch, units) + norm_params(norm, units);
            }
        }
    }
    if let Some(r) = shape.arch.residual() {
        floats += residual_blocks(r, shape, batch, norm, true);
    }
    let w = dims.iter().map(|&(i, o)| i.max(o) as u64).max().unwrap_or(0);
    let max_io = dims.iter().map(|&(i, o)| (i * o) as u64).max().unwrap_or(0);
    let max_in = dims.iter().map(|&(i, _)| i as u64).max().unwrap_or(0);
    floats += 2 * b * w + (w * b.max(w)).max(max_io).max(b * max_in);
    floats + u64::from(chunks.max(1).ilog2()) * max_io
}

/// Floats of forward-only buffers of `rows` rows: z of every layer, a of every hidden layer,
/// a norm's x̂ (rows·o) and 1/√(σ²+ε) ([`norm_inv_std`]).
#[must_use]
pub fn forward(shape: Shape, rows: usize, norm: Option<NormKind>) -> u64 {
    let dims = shape.layer_dims();
    let hidden = dims.len() - 1;
    let r = rows as u64;
    if let Some(res) = shape.arch.residual() {
        return dims.iter().map(|&(_, o)| r * o as u64).sum::<u64>() + residual_blocks(res, shape, rows, norm, false);
    }
    dims.iter()
        .enumerate()
        .map(|(l, &(_, o))| {
            let (units, o) = (o, o as u64);
            let is_hidden = l < hidden;
            let norm_floats = if norm.is_some() && is_hidden { r * o + norm_inv_std(norm, rows, units) } else { 0 };
            r * o + if is_hidden { r * o } else { 0 } + norm_floats
        })
        .sum()
}

/// Floats of a batch of `batch` rows as `crate::compute::batch::make_batch` draws it: the inputs,
/// and the targets (regression) or the labels and their copy (classes, 8-byte indices).
fn batch_floats(c: &Config, batch: usize) -> u64 {
    let shape = c.shape();
    let targets = if c.input.classes() == 0 { shape.output as u64 } else { 4 };
    batch as u64 * (shape.input as u64 + targets)
}

/// Bytes of the view at initialization kept whole (`crate::compute::experiment::run`).
#[must_use]
pub fn kept(c: &Config) -> u64 {
    let shape = c.shape();
    let one = params(shape, c.norm)
        + pass(shape, c.batch, c.norm, crate::compute::shard::chunk_count(c.batch))
        + batch_floats(c, c.batch)
        + c.batch as u64 * shape.output as u64;
    let work = (c.depth * c.width * c.width * c.batch) as f64;
    F32 * if work > crate::analysis::theory::BAND_WORK { one } else { 2 * one }
}

/// Bytes of the view at initialization layer by layer (`crate::compute::lean`), at its peak: the second
/// backward pass drawing the last layer it needs (the first above the input), every statistic of
/// the first pass held, the histograms of the second nearly all made. B the batch, w the width,
/// L the depth, K = [`crate::compute::shard::chunk_count`]`(B)` row chunks, for the largest layer (i·o
/// weights, i inputs):
///
/// - held all along: z of every hidden layer (L·B·w), with a norm its 1/√(σ²+ε) (L·w for batch
///   norm, L·B for layer and RMS norm: [`norm_inv_std`]); the batch ([`batch_floats`]) and ∂L/∂y
///   (B·out);
/// - per hidden layer, what the first backward pass measured ([`crate::compute::shard::ShardLayer`]):
///   the mean and spread of each unit in f64 (4w floats) and whether each is alive (w bytes),
///   and five histograms of [`crate::analysis::report::BINS`] u32 (the weights, ∂L/∂W, z, a, ∂L/∂a);
/// - the backward pass's buffers: δ and the next δ, ∂L/∂a and a recomputed (4·B·w), with a norm
///   x̂ recalled (B·w), γ, β and their gradients (4·w; 2·w for RMS norm's γ alone); ∂L/∂W (i·o), the chunk tree's log₂K partial sums (i·o each), the matrix
///   products' scratch (Wᵀ, i·o, or a chunk's rows transposed, ⌈B/K⌉·i);
/// - the layer being drawn: W and b (i·o + o) and what its draw holds ([`draw`]).
#[must_use]
pub fn lean(c: &Config) -> u64 {
    let shape = c.shape();
    let dims = shape.layer_dims();
    let (b, w, depth) = (c.batch as u64, shape.width as u64, shape.depth as u64);
    let chunks = crate::compute::shard::chunk_count(c.batch);
    let rows = c.batch.div_ceil(chunks) as u64;
    let max_io = dims.iter().map(|&(i, o)| (i * o) as u64).max().unwrap_or(0);
    let max_in = dims.iter().map(|&(i, _)| i as u64).max().unwrap_or(0);
    let with_norm = u64::from(c.norm.is_some());
    // The checkpoints: every hidden z; of a residual network also its stem's z and each block's
    // stream (a two-layer branch's sum overwrites its last z, a one-layer branch's has its own
    // buffer) and ReZero's F; its backward pass holds the skip's ∂L/∂x and a fork's copy computed
    // again (a pre-norm's output is computed again with it).
    let (kept_per_block, residual_backward) = match shape.arch {
        Arch::Plain => (1, 0),
        Arch::Residual(r) => (2 + u64::from(r.scale.learns_alpha()), 2 * b * w),
    };
    let stem = u64::from(shape.arch != Arch::Plain) * b * w;
    let held = kept_per_block * depth * b * w
        + stem
        + depth * norm_inv_std(c.norm, c.batch, shape.width)
        + batch_floats(c, c.batch)
        + b * shape.output as u64;
    let hists = 5 * crate::analysis::report::BINS as u64;
    let measured = depth * (4 * w + w.div_ceil(4) + hists);
    let backward = (4 + with_norm) * b * w
        + residual_backward
        + 2 * norm_params(c.norm, shape.width)
        + max_io * (1 + u64::from(chunks.ilog2()))
        + max_io.max(rows * max_in);
    let drawn = dims.iter().map(|&(i, o)| (i * o + o) as u64 + draw(c, i, o)).max().unwrap_or(0);
    F32 * (held + measured + backward + drawn)
}

/// Floats a layer's draw holds beside its W and b (`crate::nn::network::Mlp::draw_dense`): nothing
/// for the element-wise distributions; for orthogonal weights of an m × n matrix (m ≥ n), at the
/// last step of building Q (`crate::math::linalg::householder_q`), all in f64: the Gaussian matrix
/// and Q (m·n each); each panel's reflectors V ((m − k₀)·k) and T (k²), for panels of
/// k = [`QR_PANEL`] columns from k₀; the block product's W = Vᵀ·Q and T·W (k·n each); and the
/// packed strips of its larger product, A twice over and B once (2·k·min(m, d) + min(m, d)·min(n, d)
/// for Vᵀ·Q in passes of d = [`GEMM_BLOCK`], or 2·m·k + k·min(n, d) for V·(T·W)).
#[must_use]
pub fn draw(c: &Config, fan_in: usize, fan_out: usize) -> u64 {
    if !matches!(c.init_spec().draw(fan_in, fan_out, c.act), crate::nn::init::Draw::Orthogonal { .. }) {
        return 0;
    }
    let (m, n) = (fan_in.max(fan_out) as u64, fan_in.min(fan_out) as u64);
    let (k, d) = ((QR_PANEL as u64).min(n), GEMM_BLOCK as u64);
    let panels: u64 = (0..n).step_by(QR_PANEL).map(|k0| (m - k0) * k.min(n - k0) + k.min(n - k0).pow(2)).sum();
    let packed = (2 * k * m.min(d) + m.min(d) * n.min(d)).max(2 * m * k + k * n.min(d));
    2 * (2 * m * n + panels + 2 * k * n + packed)
}

/// Columns per panel of the QR behind orthogonal weights.
pub const QR_PANEL: usize = crate::math::linalg::QR_NB;
/// Depth and width of the blocks `crate::math::linalg`'s f64 product packs (its `GK` and `GC`, equal).
pub const GEMM_BLOCK: usize = crate::math::linalg::GK;
const _: () = assert!(crate::math::linalg::GK == crate::math::linalg::GC);

/// The path the view at initialization takes: kept whole when that fits the budget.
#[must_use]
pub fn init_path(c: &Config) -> Path {
    if kept(c) > MEMORY_BUDGET {
        Path::Lean
    } else {
        Path::Kept
    }
}

/// Bytes of the view at initialization by the path it takes ([`init_path`]).
#[must_use]
pub fn init(c: &Config) -> u64 {
    match init_path(c) {
        Path::Lean => lean(c),
        _ => kept(c),
    }
}

/// Weight snapshots a training run keeps: the initialization, every [`snapshot_every`] steps and
/// the last step, as many as [`SNAPSHOT_BUDGET`] holds and at most [`MAX_SNAPSHOTS`] (beyond its
/// steps the run thins them to stay within this count); none for a network larger than the
/// budget (its report is then of the current step only).
#[must_use]
pub fn snapshots(c: &Config) -> usize {
    let bytes = F32 * params(c.shape(), c.norm);
    let steps = c.steps.max(1);
    let room = ((SNAPSHOT_BUDGET / bytes.max(1)) as usize).min(MAX_SNAPSHOTS).min(steps + 1);
    if room <= 1 {
        return room;
    }
    room.min(1 + steps.div_ceil(snapshot_every(steps, room)))
}

/// Steps between snapshots of a run of `steps` steps keeping `count` ([`snapshots`]).
#[must_use]
pub fn snapshot_every(steps: usize, count: usize) -> usize {
    if count <= 1 {
        usize::MAX
    } else {
        steps.max(1).div_ceil(count - 1)
    }
}

/// Samples in a training pool: the digits, or [`POOL_SIZE`] points. The digits' count is the
/// constant, not the loaded data: the page budgets runs without holding the digits.
fn pool_len(c: &Config) -> usize {
    if c.input == InputKind::Digits {
        crate::data::DIGIT_IMAGES
    } else {
        POOL_SIZE
    }
}

/// Buffers of the optimizer's state per parameter: none for SGD, the momentum buffer, Adam's m
/// and v.
#[must_use]
pub fn opt_buffers(opt: OptKind) -> u64 {
    match opt {
        OptKind::Sgd => 0,
        OptKind::Momentum => 1,
        OptKind::Adam => 2,
    }
}

/// Side of the training view's decision-boundary grid (`crate::compute::lab`'s classifier view).
pub const GRID: usize = 60;

/// Bytes of a training run (`crate::compute::lab::Trainer`) at its peak: the network, its optimizer state
/// and snapshots ([`opt_buffers`], [`snapshots`]), the mini-batch's workspace (one chunk), the
/// evaluations' forward buffers and the split dataset are held throughout; beside them, the pool
/// the split is copied from while the trainer is built, a report's buffers and batch in place of
/// the mini-batch's workspace while one is computed ([`kept`] less the lent network), or the
/// classifier's view, whichever is more.
#[must_use]
pub fn train(c: &Config) -> u64 {
    train_holding(c, opt_buffers(c.opt))
}

fn train_holding(c: &Config, opt: u64) -> u64 {
    let shape = c.shape();
    let p = params(shape, c.norm);
    let n = pool_len(c);
    let n_test = ((n as f64 * c.split).round() as usize).clamp(1, n - 1);
    let rows = c.batch.clamp(1, n - n_test);
    let data = batch_floats(c, n);
    let ws = pass(shape, rows, c.norm, 1);
    let held = p * (1 + opt + snapshots(c) as u64)
        + ws
        + forward(shape, EVAL_ROWS, c.norm)
        + data
        + batch_floats(c, rows)
        + rows as u64 * shape.output as u64;
    let report = (kept(c) / F32).saturating_sub(p);
    F32 * (held + data.max(report.saturating_sub(ws)).max(class_view(c)))
}

/// Floats of the classifier's view while it is drawn: the decision grid's points and the class
/// and probability of each cell (2-D classes), the confusion matrix (digits), nothing for
/// regression.
fn class_view(c: &Config) -> u64 {
    let grid = (GRID * GRID) as u64;
    match (c.input, c.input.classes()) {
        (_, 0) => 0,
        (InputKind::Digits, k) => (k * k) as u64,
        _ => 2 * grid + grid / 2,
    }
}

/// Bytes of a compared run at initialization: the training lab computes each (a trainer that
/// never steps, so no optimizer state).
#[must_use]
pub fn lab_at_init(c: &Config) -> u64 {
    train_holding(c, 0)
}

/// The path of one configuration (compared runs are each one).
#[must_use]
pub fn path(c: &Config) -> Path {
    match c.view {
        View::Train => Path::Train,
        View::Init => init_path(c),
    }
}

/// Bytes of each run of a configuration (one, or each compared run), each by its own path.
#[must_use]
pub fn runs(c: &Config) -> Vec<u64> {
    c.compare
        .runs(c)
        .iter()
        .map(|r| match path(r) {
            Path::Train => train(r),
            _ if c.compare.count() > 1 => lab_at_init(r),
            Path::Kept => kept(r),
            Path::Lean => lean(r),
        })
        .collect()
}

/// Bytes the page holds for a configuration: the sum over its runs, each in its own worker, and
/// the Jacobian spectrum's worker when it is measured.
#[must_use]
pub fn total(c: &Config) -> u64 {
    runs(c).iter().sum::<u64>() + spectrum(c)
}

/// Bytes the Jacobian spectrum of `config` (`crate::compute::spectrum::run`) needs at its peak,
/// beside the page's other work. While the batch is made: the batch (and its targets) and the
/// inputs copied from it. Then, for the walk: each input's f64 tangent (n_in × width) and the
/// product's output, the layer's weights in f32 and in f64, the inputs and their primal pass,
/// and the largest of what comes and goes — the f64 product's packed strips (A twice over,
/// n_in·min(w, d), and B, min(w, d)², for blocks of d = [`GEMM_BLOCK`]), the orthogonal draw's
/// QR ([`draw`]), or the SVD's copy of one tangent and its work vectors.
#[must_use]
pub fn spectrum_run(config: &Config) -> u64 {
    spectrum_part(config, crate::compute::spectrum::inputs(config))
}

/// [`spectrum_run`] for a worker's part of `inputs` of the inputs (it still makes the whole batch).
#[must_use]
pub fn spectrum_part(config: &Config, inputs: usize) -> u64 {
    let s = config.shape();
    let (n_in, w) = (s.input as u64, s.width as u64);
    let k = inputs as u64;
    let x = k * n_in * 4;
    let batch = config.batch as u64 * (n_in + 1) * 4 + x;
    let d = GEMM_BLOCK as u64;
    // The primal pass of the k inputs holds a block's input and output and a norm's x̂.
    let primal = 3 * k * n_in.max(w) * 4;
    let walk = (k + 1) * n_in * w * 8 + w * w * (4 + 8) + x + primal;
    let packing = (2 * n_in * w.min(d) + w.min(d).pow(2)) * 8;
    let svd = (n_in * w + 6 * w) * 8;
    // `draw` counts floats.
    let draw = 4 * draw(config, s.width, s.width).max(draw(config, s.input, s.width));
    batch.max(walk + packing.max(svd).max(draw))
}

/// The most workers the page splits a spectrum's inputs across (one core each).
pub const SPECTRUM_WORKERS: usize = 4;

/// Bytes of the Jacobian spectrum's workers: 0 when the page does not measure it; else at most
/// [`SPECTRUM_WORKERS`] workers (no more than a run has inputs), each holding at most the largest
/// part of any run (a worker computes its parts, of every compared run, one after another).
#[must_use]
pub fn spectrum(c: &Config) -> u64 {
    if !crate::compute::spectrum::measured(c) {
        return 0;
    }
    let runs = c.compare.runs(c);
    let parts = |r: &Config| crate::compute::spectrum::part_count(r, SPECTRUM_WORKERS);
    let workers = runs.iter().map(parts).max().unwrap_or(1) as u64;
    let largest = runs.iter().map(|r| spectrum_part(r, crate::compute::spectrum::inputs(r).div_ceil(parts(r)))).max().unwrap_or(0);
    workers * largest
}

/// The configuration's memory checks and notes, from the counts above (callers write
/// `c.validate()`, `c.bytes()`, as for any method of [`Config`]).
impl Config {
    /// Refuses configurations whose buffers would exceed [`MEMORY_BUDGET`], before any allocation,
    /// at initialization: kept whole ([`Config::stored_bytes`]) or computed layer by layer
    /// ([`Config::lean_bytes`], `crate::compute::lean`), [`init`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_by(init, 1)
    }

    /// As [`Config::validate`], for a network kept whole (the split passes).
    pub fn validate_stored(&self) -> Result<(), ConfigError> {
        self.validate_by(kept, 1)
    }

    /// As [`Config::validate`], for training this configuration ([`train`]: the
    /// optimizer's state, the snapshots, the evaluations' buffers and the dataset too).
    pub fn validate_train(&self) -> Result<(), ConfigError> {
        self.validate_by(train, 1)
    }

    /// As [`Config::validate`], for everything the page holds for this configuration: one run,
    /// or every compared run in its own worker ([`total`]). Compared runs at
    /// initialization too large for it, one of which alone would be computed layer by layer,
    /// are refused saying so ([`ConfigError::CompareNotLean`]).
    pub fn validate_page(&self) -> Result<(), ConfigError> {
        match self.validate_by(total, self.compare.count()) {
            Err(ConfigError::TooLarge { bytes, budget, runs, max_depth, max_batch, max_width })
                if runs > 1 && self.view == View::Init && self.compare.runs(self).iter().any(Config::is_lean) =>
            {
                Err(ConfigError::CompareNotLean { bytes, budget, runs, max_depth, max_batch, max_width })
            }
            other => other,
        }
    }

    fn validate_by(&self, need: fn(&Config) -> u64, runs: usize) -> Result<(), ConfigError> {
        let bytes = need(self);
        if bytes > MEMORY_BUDGET {
            let fits = |c: Config| need(&c) <= MEMORY_BUDGET;
            let max_depth = (1..self.depth).rev().find(|&depth| fits(Config { depth, ..*self }));
            let max_batch =
                BATCHES.iter().rev().map(|&b| b as usize).filter(|&b| b < self.batch).find(|&batch| fits(Config { batch, ..*self }));
            let max_width =
                WIDTHS.iter().rev().map(|&w| w as usize).filter(|&w| w < self.width).find(|&width| fits(Config { width, ..*self }));
            return Err(ConfigError::TooLarge { bytes, budget: MEMORY_BUDGET, runs, max_depth, max_batch, max_width });
        }
        Ok(())
    }

    /// The bytes this configuration's buffers need at initialization (before any is allocated):
    /// kept whole, or layer by layer when that does not fit.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        init(self)
    }

    /// One sentence on the memory this configuration needs, shown beside the size controls so they
    /// say what fits before anything is computed: by the path each run takes (training, kept
    /// whole, layer by layer), per run and in total when runs are compared.
    #[must_use]
    pub fn memory_note(&self) -> String {
        // Whole MiB, as the refusal and the status line count them; "under 1 MiB" rather than 0.
        let mib = |b: u64| if b < 1 << 20 { "under 1 MiB".to_string() } else { format!("about {} MiB", b >> 20) };
        let runs = runs(self);
        if let Err(e) = self.validate_page() {
            return format!("Too large: {e}.");
        }
        let total: u64 = runs.iter().sum();
        if runs.len() > 1 {
            let most = runs.iter().copied().max().unwrap_or(0);
            let each = if runs.iter().all(|&r| r == most) { "" } else { "up to " };
            return format!(
                "Memory: {each}{} per run, each in its own worker: {} for the {} runs, of the {} MiB budget.",
                mib(most),
                mib(total),
                runs.len(),
                MEMORY_BUDGET >> 20
            );
        }
        let with = match spectrum(self) {
            0 => String::new(),
            b => format!(" (with up to {} for the Jacobian spectrum's workers)", mib(b)),
        };
        let note = match path(self) {
            Path::Lean => format!(
                "Memory: {}, computed layer by layer (kept whole it would need {} MiB), so it takes {}.",
                mib(total),
                self.stored_bytes() >> 20,
                duration_words(self.lean_seconds())
            ),
            Path::Train => format!("Memory: {} of the {} MiB budget to train.", mib(total), MEMORY_BUDGET >> 20),
            Path::Kept => format!("Memory: {} of the {} MiB budget.", mib(total), MEMORY_BUDGET >> 20),
        };
        match note.strip_suffix('.') {
            Some(head) if !with.is_empty() => format!("{head}{with}."),
            _ => note,
        }
    }

    /// The bytes of a network kept whole with every buffer of its pass ([`kept`]).
    #[must_use]
    pub fn stored_bytes(&self) -> u64 {
        kept(self)
    }

    /// The bytes of a pass layer by layer (`crate::compute::lean`, [`lean`]): width² +
    /// depth·batch·width.
    #[must_use]
    pub fn lean_bytes(&self) -> u64 {
        lean(self)
    }

    /// Whether the view at initialization computes this configuration layer by layer: kept whole
    /// it would pass the budget.
    #[must_use]
    pub fn is_lean(&self) -> bool {
        init_path(self) == Path::Lean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::config::{duration_words, MEMORY_BUDGET};

    /// The layer-by-layer note says how long, by the work: three draws a layer and three passes'
    /// products at 8 GFLOP/s (100 × 1024 × 16 He, 101 layers with the output's ≈ 2²⁰ weights:
    /// (3·101·2²⁰·100 + 10·16·101·2²⁰) / 8e9 ≈ 6.1 s);
    /// an orthogonal layer's QR costs (8/3)·1024³ flops, three a layer: minutes at depth 100.
    #[test]
    fn the_layer_by_layer_note_says_how_long() {
        let (he, _) = Config::from_query("depth=100&width=1024&batch=16&init=he_normal&act=relu");
        let want = (3.0 * 101.0 * 1024.0 * 1024.0 * 100.0 + 10.0 * 16.0 * 101.0 * 1024.0 * 1024.0) / 8e9;
        assert!((he.lean_seconds() / want - 1.0).abs() < 0.02, "{} against {want}", he.lean_seconds());
        assert!(he.memory_note().ends_with("so it takes a few seconds."), "{}", he.memory_note());
        let (orth, _) = Config::from_query("depth=100&width=1024&batch=16&init=orthogonal&act=tanh");
        assert!(orth.memory_note().ends_with("minutes."), "{}", orth.memory_note());
        assert_eq!(duration_words(42.0), "about 40 seconds");
        assert_eq!(duration_words(150.0), "about 3 minutes");
    }

    /// A norm's floats, from what each kind keeps (`block::Block::size_saved`, `params`): per
    /// hidden layer of w units and a batch of B, x̂ (B·w) beside 1/√(σ²+ε) (w for batch norm, B
    /// for layer and RMS norm) and the parameters' gradients (2·w; w for RMS norm's γ alone);
    /// γ and β themselves among the parameters (2·w; w).
    #[test]
    fn norm_floats_are_what_each_kind_keeps() {
        let shape = Shape::plain(7, 3, 10, 2);
        let (b, w, hidden) = (50u64, 10u64, 3u64);
        let plain = (params(shape, None), pass(shape, 50, None, 1), forward(shape, 50, None));
        for (norm, inv_std, gamma_beta) in [(NormKind::Batch, w, 2 * w), (NormKind::Layer, b, 2 * w), (NormKind::Rms, b, w)] {
            let k = Some(norm);
            assert_eq!(params(shape, k) - plain.0, hidden * gamma_beta, "{norm:?}");
            assert_eq!(pass(shape, 50, k, 1) - plain.1, hidden * (b * w + inv_std + gamma_beta), "{norm:?}");
            assert_eq!(forward(shape, 50, k) - plain.2, hidden * (b * w + inv_std), "{norm:?}");
        }
        // Layer by layer: 1/√(σ²+ε) of every layer held (L·B for layer norm at B = 16 against
        // L·w for batch norm), and one layer's x̂, γ, β and their gradients in the backward pass.
        let base = "depth=100&width=1024&batch=16";
        let lean_of = |q: &str| lean(&Config::from_query(&format!("{base}{q}")).0) / F32;
        assert_eq!(lean_of("&norm=layer") - lean_of(""), 100 * 16 + 16 * 1024 + 4 * 1024);
        assert_eq!(lean_of("&norm=rms") - lean_of(""), 100 * 16 + 16 * 1024 + 2 * 1024);
        assert_eq!(lean_of("&norm=batch") - lean_of(""), 100 * 1024 + 16 * 1024 + 4 * 1024);
        // Issue 21's deep case without its residual stream: layer by layer, within the budget.
        let (ln, _) = Config::from_query("depth=100&width=1024&batch=256&norm=layer");
        assert!(ln.is_lean() && ln.validate().is_ok(), "{} MiB", ln.bytes() >> 20);
    }

    #[test]
    fn memory_budget() {
        // Every depth at width 1024 computes at batch 256, layer by layer (issue 14's aim); kept
        // whole it would need 1.1 GiB.
        let (deep, _) = Config::from_query("depth=100&width=1024&batch=256");
        assert!(deep.validate().is_ok() && deep.is_lean(), "{} MiB", deep.bytes() >> 20);
        assert!(deep.stored_bytes() > 4 * MEMORY_BUDGET);
        assert!(matches!(deep.validate_stored(), Err(ConfigError::TooLarge { .. })));
        // With batch norm too (the practitioner's `depth=50&width=1024&bn=1`).
        let (bn, _) = Config::from_query("depth=50&width=1024&init=he_normal&act=relu&bn=1");
        assert!(bn.is_lean() && bn.validate().is_ok());
        // Layer by layer a pass keeps depth·batch·width values of z: the refusal names sizes that
        // fit, and they do fit (and one more layer does not). At batch 4096 that is 5 layers with
        // batch norm, or at depth 100 a batch of 512.
        for q in ["depth=100&width=1024&batch=4096", "depth=100&width=1024&batch=4096&bn=1", "depth=20&width=1024&batch=4096&bn=1"] {
            let (big, _) = Config::from_query(q);
            let e = big.validate();
            let Err(ConfigError::TooLarge { max_depth: Some(d), max_batch: Some(b), .. }) = e else { panic!("{q}: {e:?}") };
            assert!(Config { depth: d, ..big }.validate().is_ok() && Config { depth: d + 1, ..big }.validate().is_err(), "{q}");
            assert!(Config { batch: b, ..big }.validate().is_ok() && Config { batch: 2 * b, ..big }.validate().is_err(), "{q}");
            assert!(e.unwrap_err().to_string().contains(&format!("at most {d} layers, or a batch of at most {b}")), "{q}");
        }
        assert!(Config::default().validate().is_ok());
        // The note beside the size controls says which of the three it is.
        assert!(Config::default().memory_note().ends_with("of the 256 MiB budget."));
        // 100 × 2 × 1 holds a few thousand floats: not "0 MiB".
        let (tiny, _) = Config::from_query("depth=100&width=2&batch=1");
        assert_eq!(tiny.memory_note(), "Memory: under 1 MiB of the 256 MiB budget.");
        assert!(deep.memory_note().contains("computed layer by layer (kept whole it would need 1"), "{}", deep.memory_note());
        let (refused, _) = Config::from_query("depth=100&width=1024&batch=4096");
        assert!(refused.memory_note().starts_with("Too large: this network needs about"));
        let (train, _) = Config::from_query("mode=train&depth=100&width=1024&batch=256");
        assert!(train.memory_note().starts_with("Too large:"), "training keeps the network whole");
        let (cs231n, _) = Config::from_query("depth=10&width=500&batch=1000");
        assert!(cs231n.validate().is_ok());
        let (glorot, _) = Config::from_query("depth=5&width=1000&batch=1000");
        assert!(glorot.validate().is_ok());
    }
}
