//! Training a configuration (`mode=train`): mini-batch steps on a seeded train/test split, and
//! what the page draws while it trains.
//!
//! The pool of samples is the whole digits set, or [`POOL_SIZE`] points of a 2-D dataset or of
//! Gaussian input with random regression targets t ~ N(0, 1) (the symmetry lessons' setting); a
//! seeded shuffle holds out `split` of it for testing. Each epoch visits the training samples in a
//! new seeded order, `batch` at a time (the last, short batch of an epoch is dropped, as PyTorch's
//! `DataLoader(drop_last=True)`).
//!
//! Recorded while training, at a stride that keeps at most [`MAX_RECORDS`] points over `steps`:
//! the mini-batch loss, each layer's ‖∂L/∂W‖, the update-to-weight ratio log₁₀(‖ΔW‖/‖W‖) of the
//! update actually applied (Karpathy's "healthy near −3" rule of thumb), and percentile bands of
//! each layer's weights and gradients (TensorBoard's distributions: the 0, 6.7, 15.9, 30.9, 50,
//! 69.1, 84.1, 93.3, 100th percentiles, i.e. ±1, 2, 3σ of a normal). At most [`MAX_EVALS`] times,
//! and at the last step: loss and accuracy on the whole training and test sets, and the distinct
//! neurons of each hidden layer.
//!
//! A step whose loss is not finite stops the run and names the first layer whose values are not.

use crate::analysis::report::Report;
use crate::compute::experiment::Experiment;
use crate::data::{shuffle, Batch, InputKind};
use crate::math::rng::{Rng, Stream};
use crate::math::stats::{distinct_neurons, l2_norm, symmetry_tolerance};
use crate::nn::loss::{Loss, Targets};
use crate::nn::network::{Mlp, Workspace};
use crate::nn::optim::{OptState, Optimizer};
use crate::spec::config::{Config, ConfigError};
use serde::{Deserialize, Serialize};

pub use crate::data::POOL_SIZE;

/// The most records kept over a run's `steps`.
pub const MAX_RECORDS: usize = 250;
/// The most full evaluations over a run's `steps` (each costs a forward pass of the whole pool).
pub const MAX_EVALS: usize = 30;
/// Side of the decision-boundary grid (declared with the budget that counts it).
pub use crate::compute::budget::{EVAL_ROWS, GRID, MAX_SNAPSHOTS};
/// The percentiles of a band (TensorBoard's distribution bands).
pub const BAND_PERCENTILES: [f64; 9] = [0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0];
/// Entries sampled per layer for the bands (a strided sample of larger layers).
const BAND_SAMPLE: usize = 1024;
/// The training loss a comparison counts steps to.
pub const TARGET_LOSS: f64 = 0.1;

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub step: usize,
    /// Loss of the mini-batch of this step (before its update).
    pub loss: f64,
    /// ‖∂L/∂W‖ of each layer (output layer last).
    pub grad_norm: Vec<f32>,
    /// log₁₀(‖ΔW‖/‖W‖) of each layer's applied update (−∞ when nothing moved).
    pub update: Vec<f32>,
    /// Percentile bands ([`BAND_PERCENTILES`]) of each layer's weights and gradients.
    pub w_bands: Vec<[f32; 9]>,
    pub g_bands: Vec<[f32; 9]>,
}

/// A full evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eval {
    pub step: usize,
    pub train_loss: f64,
    pub test_loss: f64,
    /// Fraction classified right (0–1); `None` for regression.
    pub train_acc: Option<f64>,
    pub test_acc: Option<f64>,
    /// Distinct neurons of each hidden layer (units with the same incoming weights and bias are one).
    pub distinct: Vec<usize>,
}

/// Where and when a run stopped because its numbers stopped being finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// The step whose loss was not finite (1-based: the first update is step 1).
    pub step: usize,
    /// The first layer (1-based; depth + 1 is the output) whose pre-activations were not finite,
    /// if any was.
    pub layer: Option<usize>,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "diverged at step {}: ", self.step)?;
        match self.layer {
            Some(l) => write!(f, "the pre-activations of layer {l} overflowed to Inf/NaN, and so did the loss"),
            None => write!(f, "the loss overflowed to Inf/NaN"),
        }
    }
}

/// What the page draws of a classifier: its decision regions over the 2-D plane, or (digits) the
/// confusion matrix of the test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClassView {
    /// `GRID`² cells, row 0 at the top (y = `extent[3]`): the predicted class and its probability
    /// (0–255), over x ∈ [extent[0], extent[1]], y ∈ [extent[2], extent[3]].
    Boundary { extent: [f32; 4], class: Vec<u8>, prob: Vec<u8> },
    /// counts[true · classes + predicted] over the test set.
    Confusion { classes: usize, counts: Vec<u32> },
}

/// The 2-D points of a dataset, for drawing under its boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Points {
    pub xy: Vec<[f32; 2]>,
    pub labels: Vec<u8>,
    /// Whether each point is held out.
    pub test: Vec<bool>,
}

/// What changed since the last [`Trainer::advance`]: new records and evaluations, and the state now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub step: usize,
    /// Epochs done (steps × batch / training samples).
    pub epoch: f64,
    pub records: Vec<Record>,
    pub evals: Vec<Eval>,
    pub diverged: Option<Divergence>,
    pub view: Option<ClassView>,
    /// Steps at which weights are kept, for [`Trainer::report_at`].
    pub snapshots: Vec<usize>,
}

/// The train and test sets with their targets.
#[derive(Debug, Clone)]
struct Split {
    train: Batch,
    test: Batch,
    train_t: Targets,
    test_t: Targets,
}

/// A training run.
#[derive(Debug, Clone)]
pub struct Trainer {
    pub config: Config,
    pub mlp: Mlp,
    pub loss: Loss,
    split: Split,
    ws: Workspace,
    /// Forward-only buffers of up to [`EVAL_ROWS`] rows for the evaluations and the classifier's
    /// view (no ∂L/∂W: they never run backward).
    eval_ws: Workspace,
    xb: Vec<f32>,
    dy: Vec<f32>,
    /// The mini-batch's rows and targets (reused every step).
    rows: Vec<usize>,
    targets: Targets,
    order: Vec<usize>,
    cursor: usize,
    shuffle_rng: Rng,
    opt: Optimizer,
    state: OptState,
    pub step: usize,
    record_every: usize,
    eval_every: usize,
    snapshot_every: usize,
    snapshots: Vec<(usize, Mlp)>,
    max_snapshots: usize,
    pub diverged: Option<Divergence>,
    records: Vec<Record>,
    evals: Vec<Eval>,
    /// Every evaluation so far (the page's summary and the tests read it).
    pub history: Vec<Eval>,
}

/// Rows per mini-batch: the configured batch, at most the training set.
fn batch_rows(config: &Config, train: usize) -> usize {
    config.batch.clamp(1, train.max(1))
}

impl Trainer {
    /// Builds the network (as the initialization view does), the split and the buffers.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        config.validate_train()?;
        config.check_data()?;
        let mlp = Mlp::new(config.shape(), config.act, &config.init_spec(), config.norm, u64::from(config.seed));
        let mut rng = Rng::new(u64::from(config.seed), Stream::Input);
        let pool = config.input.pool(config.width, config.noise, &mut rng);
        let n = pool.len();
        let out = mlp.output_dim();
        let (loss, targets) = if pool.classes == 0 {
            let mut t = Rng::new(u64::from(config.seed), Stream::Target);
            (Loss::MeanSquaredError, (0..n * out).map(|_| t.normal() as f32).collect::<Vec<f32>>())
        } else {
            (Loss::SoftmaxCrossEntropy, Vec::new())
        };
        let mut idx: Vec<usize> = (0..n).collect();
        shuffle(&mut idx, &mut Rng::new(u64::from(config.seed), Stream::Split));
        let n_test = ((n as f64 * config.split).round() as usize).clamp(1, n - 1);
        let (test_idx, train_idx) = idx.split_at(n_test);
        let targets_of = |rows: &[usize], b: &Batch| match loss {
            Loss::MeanSquaredError => Targets::Values(rows.iter().flat_map(|&i| targets[i * out..(i + 1) * out].iter().copied()).collect()),
            Loss::SoftmaxCrossEntropy => Targets::Classes(b.labels.clone()),
        };
        let train = pool.select(train_idx);
        let test = pool.select(test_idx);
        let split = Split { train_t: targets_of(train_idx, &train), test_t: targets_of(test_idx, &test), train, test };
        let rows = batch_rows(config, split.train.len());
        let ws = Workspace::new(&mlp, rows);
        let eval_ws = Workspace::forward_only(&mlp, EVAL_ROWS);
        let steps = config.steps.max(1);
        let max_snapshots = crate::compute::budget::snapshots(config);
        let order: Vec<usize> = (0..split.train.len()).collect();
        let mut t = Self {
            config: *config,
            loss,
            ws,
            eval_ws,
            xb: vec![0.0; rows * split.train.dim],
            dy: vec![0.0; rows * out],
            rows: Vec::with_capacity(rows),
            targets: match loss {
                Loss::MeanSquaredError => Targets::Values(Vec::with_capacity(rows * out)),
                Loss::SoftmaxCrossEntropy => Targets::Classes(Vec::with_capacity(rows)),
            },
            cursor: order.len(),
            order,
            shuffle_rng: Rng::new(u64::from(config.seed), Stream::Shuffle),
            opt: config.opt.with_lr(config.lr as f32),
            state: OptState::default(),
            step: 0,
            record_every: steps.div_ceil(MAX_RECORDS),
            eval_every: steps.div_ceil(MAX_EVALS),
            snapshot_every: crate::compute::budget::snapshot_every(steps, max_snapshots),
            snapshots: Vec::new(),
            max_snapshots,
            diverged: None,
            records: Vec::new(),
            evals: Vec::new(),
            history: Vec::new(),
            split,
            mlp,
        };
        t.evaluate();
        t.snapshot();
        Ok(t)
    }

    /// Training samples.
    #[must_use]
    pub fn train_len(&self) -> usize {
        self.split.train.len()
    }

    /// Held-out samples.
    #[must_use]
    pub fn test_len(&self) -> usize {
        self.split.test.len()
    }

    /// Whether the run has reached `steps` or diverged.
    #[must_use]
    pub fn done(&self) -> bool {
        self.diverged.is_some() || self.step >= self.config.steps
    }

    /// Sets [`Trainer::rows`] to the next mini-batch's rows of the training set (a new seeded
    /// order each epoch).
    fn next_rows(&mut self, rows: usize) {
        if self.cursor + rows > self.order.len() {
            shuffle(&mut self.order, &mut self.shuffle_rng);
            self.cursor = 0;
        }
        self.rows.clear();
        self.rows.extend_from_slice(&self.order[self.cursor..self.cursor + rows]);
        self.cursor += rows;
    }

    /// One optimizer step. Returns false (and sets [`Trainer::diverged`]) if its loss is not finite.
    pub fn step_once(&mut self) -> bool {
        if self.diverged.is_some() {
            return false;
        }
        self.next_rows(self.ws.batch);
        let dim = self.split.train.dim;
        let out = self.mlp.output_dim();
        for (k, &i) in self.rows.iter().enumerate() {
            self.xb[k * dim..(k + 1) * dim].copy_from_slice(&self.split.train.x[i * dim..(i + 1) * dim]);
        }
        match (&self.split.train_t, &mut self.targets) {
            (Targets::Values(t), Targets::Values(b)) => {
                b.clear();
                b.extend(self.rows.iter().flat_map(|&i| t[i * out..(i + 1) * out].iter().copied()));
            }
            (Targets::Classes(c), Targets::Classes(b)) => {
                b.clear();
                b.extend(self.rows.iter().map(|&i| c[i]));
            }
            // Both kinds follow the loss, fixed when the trainer is built.
            _ => {}
        }
        let y = self.mlp.forward(&self.xb, &mut self.ws);
        let loss = self.loss.eval(y, &self.targets, out, &mut self.dy).unwrap_or(f64::NAN);
        let step = self.step + 1;
        if !loss.is_finite() {
            let layer = (0..=self.mlp.depth()).position(|l| self.ws.pre(l).iter().any(|v| !v.is_finite())).map(|l| l + 1);
            self.diverged = Some(Divergence { step, layer });
            self.step = step;
            self.evaluate();
            return false;
        }
        self.mlp.backward(&self.xb, &self.dy, &mut self.ws);
        let record = step.is_multiple_of(self.record_every) || step == 1 || step == self.config.steps;
        let before = record.then(|| {
            let grad_norm = self.ws.dws().map(|g| l2_norm(g) as f32).collect::<Vec<_>>();
            let g_bands = self.ws.dws().map(bands).collect::<Vec<_>>();
            (grad_norm, g_bands)
        });
        let moved = self.opt.step_decayed(&mut self.mlp, &self.ws, &mut self.state, self.config.l2 as f32);
        self.step = step;
        if let Some((grad_norm, g_bands)) = before {
            // The weights the optimizer decayed and measured, walked as it walked them.
            let weights = || self.mlp.params().filter(|p| p.decay);
            let update = weights().zip(&moved).map(|(p, &d)| (d / l2_norm(p.value)).log10() as f32).collect();
            let w_bands = weights().map(|p| bands(p.value)).collect();
            self.records.push(Record { step, loss, grad_norm, update, w_bands, g_bands });
        }
        if step.is_multiple_of(self.eval_every) || step == self.config.steps {
            self.evaluate();
        }
        if step.is_multiple_of(self.snapshot_every) || step == self.config.steps {
            self.snapshot();
        }
        true
    }

    /// Runs up to `max` steps (stopping at `steps` or a divergence) while `more()` says so; returns
    /// what changed ([`Trainer::changes`]: no classifier view).
    pub fn advance(&mut self, max: usize, mut more: impl FnMut() -> bool) -> Progress {
        let mut n = 0;
        while n < max && !self.done() && more() {
            self.step_once();
            n += 1;
        }
        self.changes()
    }

    /// Steps beyond `steps` (the page's single-step button after the run ended).
    pub fn step_beyond(&mut self) -> Progress {
        if self.diverged.is_none() {
            self.step_once();
            if self.history.last().is_none_or(|e| e.step != self.step) {
                self.evaluate();
            }
        }
        self.progress()
    }

    /// New records and evaluations since the last call, the classifier's view and the state.
    pub fn progress(&mut self) -> Progress {
        Progress { view: self.class_view(), ..self.changes() }
    }

    /// As [`Trainer::progress`] without the classifier's view, which costs a forward pass over
    /// a grid or the test set: [`Trainer::advance`] leaves it to the caller, who asks for it at
    /// the rate it is drawn.
    pub fn changes(&mut self) -> Progress {
        Progress {
            step: self.step,
            epoch: (self.step * self.ws.batch) as f64 / self.train_len().max(1) as f64,
            records: std::mem::take(&mut self.records),
            evals: std::mem::take(&mut self.evals),
            diverged: self.diverged.clone(),
            view: None,
            snapshots: self.snapshots.iter().map(|(s, _)| *s).collect(),
        }
    }

    /// The 2-D points with their labels (None for other inputs).
    #[must_use]
    pub fn points(&self) -> Option<Points> {
        if self.split.train.dim != 2 || self.split.train.classes == 0 {
            return None;
        }
        let mut p = Points { xy: Vec::new(), labels: Vec::new(), test: Vec::new() };
        for (b, test) in [(&self.split.train, false), (&self.split.test, true)] {
            for (xy, &l) in b.x.chunks_exact(2).zip(&b.labels) {
                p.xy.push([xy[0], xy[1]]);
                p.labels.push(l as u8);
                p.test.push(test);
            }
        }
        Some(p)
    }

    /// Loss and accuracy of a whole set. Batch norm normalizes each chunk of up to 256 rows by
    /// its own statistics (the network keeps no running averages).
    fn measure(&mut self, test: bool) -> (f64, Option<f64>) {
        let (b, t) = if test { (&self.split.test, &self.split.test_t) } else { (&self.split.train, &self.split.train_t) };
        let n = b.len();
        let out = self.mlp.output_dim();
        let loss = self.loss;
        let (mut sum, mut right) = (0f64, 0usize);
        let mut dy = Vec::new();
        outputs(&self.mlp, &mut self.eval_ws, &b.x, b.dim, |start, y| {
            let rows = start..start + y.len() / out;
            let target = t.rows(rows.clone(), out);
            dy.resize(y.len(), 0.0);
            // Each chunk's share of the mean over all n rows; the shares add up to the set's loss.
            sum += loss.eval_part(y, &target, out, n, &mut dy).unwrap_or(f64::NAN);
            if let Targets::Classes(c) = &target {
                right += y.chunks_exact(out).zip(c).filter(|(row, &c)| argmax(row) == c).count();
            }
        });
        let acc = matches!(t, Targets::Classes(_)).then(|| right as f64 / n.max(1) as f64);
        (sum, acc)
    }

    fn evaluate(&mut self) {
        let (train_loss, train_acc) = self.measure(false);
        let (test_loss, test_acc) = self.measure(true);
        let distinct =
            self.mlp.hidden().map(|l| distinct_neurons(&l.w, &l.b, l.fan_in, l.fan_out, symmetry_tolerance(&l.w, &l.b))).collect();
        let e = Eval { step: self.step, train_loss, test_loss, train_acc, test_acc, distinct };
        self.history.push(e.clone());
        self.evals.push(e);
    }

    fn snapshot(&mut self) {
        if self.snapshots.last().is_some_and(|(s, _)| *s == self.step) || self.max_snapshots == 0 {
            return;
        }
        if self.max_snapshots == 1 && !self.snapshots.is_empty() {
            // Room for the initialization only.
            return;
        }
        if self.snapshots.len() >= self.max_snapshots {
            // Keep the first (initialization) and thin the rest: every other one goes.
            let kept: Vec<(usize, Mlp)> = std::mem::take(&mut self.snapshots)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| *i == 0 || i % 2 == 0)
                .map(|(_, s)| s)
                .collect();
            self.snapshots = kept;
            self.snapshot_every *= 2;
        }
        self.snapshots.push((self.step, self.mlp.clone()));
    }

    /// The initialization view's report of the network as it was at the latest kept step ≤ `step`
    /// (on the configuration's own batch), with that step: the current network, else the latest
    /// snapshot at or before `step` (the first when none is).
    ///
    /// The network is lent to the report's pass, never copied or built again (building 4 × 1024
    /// orthogonal layers took 3.3 s, every second while training played), and the mini-batch's
    /// buffers are freed meanwhile (the next step writes every one of them before reading it), so
    /// the report's own buffers take their place ([`crate::compute::budget::train`]).
    pub fn report_at(&mut self, step: usize) -> Result<(usize, Report), ConfigError> {
        // What `Experiment::new_shard_with` refuses, refused before the network is lent, so a
        // refusal never leaves the trainer without it.
        self.config.validate_stored()?;
        self.config.check_data()?;
        let kept = self.snapshots.iter().rposition(|(s, _)| *s <= step).or((!self.snapshots.is_empty()).then_some(0));
        let (at, mlp) = match kept {
            Some(i) if step < self.step => (self.snapshots[i].0, &mut self.snapshots[i].1),
            _ => (self.step, &mut self.mlp),
        };
        let lent = std::mem::take(mlp);
        let rows = self.ws.batch;
        self.ws = Workspace::default();
        let made = Experiment::new_shard_with(&self.config, crate::compute::shard::Shard::WHOLE, Some(lent));
        let report = made.map(|mut e| {
            let loss = e.pass();
            let report = e.report(loss);
            (report, e.mlp)
        });
        let back = |mlp: Mlp, this: &mut Self| match kept {
            Some(i) if step < this.step => this.snapshots[i].1 = mlp,
            _ => this.mlp = mlp,
        };
        let result = match report {
            Ok((report, mlp)) => {
                back(mlp, self);
                Ok((at, report))
            }
            Err(e) => Err(e),
        };
        self.ws = Workspace::new(&self.mlp, rows);
        result
    }

    /// The classifier's picture now: decision regions of 2-D data, the test confusion matrix of
    /// digits; `None` for regression.
    pub fn class_view(&mut self) -> Option<ClassView> {
        match (self.config.input, self.split.train.classes) {
            (_, 0) => None,
            (InputKind::Digits, k) => {
                let mut counts = vec![0u32; k * k];
                let test = &self.split.test;
                outputs(&self.mlp, &mut self.eval_ws, &test.x, test.dim, |start, y| {
                    for (row, &label) in y.chunks_exact(k).zip(&test.labels[start..]) {
                        counts[label * k + argmax(row).min(k - 1)] += 1;
                    }
                });
                Some(ClassView::Confusion { classes: k, counts })
            }
            _ => {
                let extent = self.extent();
                let mut x = Vec::with_capacity(GRID * GRID * 2);
                for r in 0..GRID {
                    let y = extent[3] - (r as f32 + 0.5) / GRID as f32 * (extent[3] - extent[2]);
                    for c in 0..GRID {
                        x.push(extent[0] + (c as f32 + 0.5) / GRID as f32 * (extent[1] - extent[0]));
                        x.push(y);
                    }
                }
                let (mut class, mut prob) = (vec![0u8; GRID * GRID], vec![0u8; GRID * GRID]);
                let out = self.mlp.output_dim();
                outputs(&self.mlp, &mut self.eval_ws, &x, 2, |start, y| {
                    for (i, row) in y.chunks_exact(out).enumerate() {
                        let (c, p) = softmax_top(row);
                        class[start + i] = c as u8;
                        prob[start + i] = (p * 255.0).round() as u8;
                    }
                });
                Some(ClassView::Boundary { extent, class, prob })
            }
        }
    }

    /// The plane the boundary covers: the data's bounding box with a margin, square.
    fn extent(&self) -> [f32; 4] {
        let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
        for b in [&self.split.train, &self.split.test] {
            for p in b.x.chunks_exact(2) {
                for d in 0..2 {
                    lo[d] = lo[d].min(p[d]);
                    hi[d] = hi[d].max(p[d]);
                }
            }
        }
        let half = (0..2).map(|d| (hi[d] - lo[d]) / 2.0).fold(0.5f32, f32::max) * 1.15;
        let mid = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        [mid[0] - half, mid[0] + half, mid[1] - half, mid[1] + half]
    }
}

/// Forward passes of `x` (rows of `dim`) in chunks of up to [`EVAL_ROWS`] rows through `ws`
/// (resized in place when a chunk's rows differ); calls `each(first row, the chunk's outputs)`.
fn outputs(mlp: &Mlp, ws: &mut Workspace, x: &[f32], dim: usize, mut each: impl FnMut(usize, &[f32])) {
    let n = x.len() / dim.max(1);
    let mut start = 0;
    while start < n {
        let rows = (n - start).min(EVAL_ROWS);
        if ws.batch != rows {
            ws.resize_rows(mlp, rows);
        }
        each(start, mlp.forward(&x[start * dim..(start + rows) * dim], ws));
        start += rows;
    }
}

/// Index of the largest output (the first on ties; a NaN never wins).
fn argmax(y: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in y.iter().enumerate() {
        if v > y[best] || (y[best].is_nan() && !v.is_nan()) {
            best = i;
        }
    }
    best
}

/// The top class and its softmax probability.
fn softmax_top(y: &[f32]) -> (usize, f64) {
    let top = argmax(y);
    let m = f64::from(y[top]);
    let sum: f64 = y.iter().map(|&v| libm::exp(f64::from(v) - m)).sum();
    let p = 1.0 / sum;
    (top, if p.is_finite() { p } else { 0.0 })
}

/// The [`BAND_PERCENTILES`] of `xs` (a strided sample of at most 1,024 entries; NaN if none is finite).
#[must_use]
pub fn bands(xs: &[f32]) -> [f32; 9] {
    let stride = xs.len().div_ceil(BAND_SAMPLE).max(1);
    let mut v: Vec<f32> = xs.iter().step_by(stride).copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return [f32::NAN; 9];
    }
    v.sort_by(f32::total_cmp);
    BAND_PERCENTILES.map(|p| {
        // Linear interpolation between closest ranks (numpy's default).
        let pos = p / 100.0 * (v.len() - 1) as f64;
        let (i, frac) = (pos.floor() as usize, pos - pos.floor());
        let j = (i + 1).min(v.len() - 1);
        (f64::from(v[i]) + frac * f64::from(v[j] - v[i])) as f32
    })
}

/// The row of a run in the training summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub step: usize,
    pub train_loss: f64,
    pub test_loss: f64,
    pub train_acc: Option<f64>,
    pub test_acc: Option<f64>,
    pub diverged: bool,
    /// Fewest distinct neurons in any hidden layer at the last evaluation.
    pub distinct_min: usize,
    /// First evaluated step whose training loss was at most [`TARGET_LOSS`].
    pub steps_to_target: Option<usize>,
}

/// The summary of a run's evaluations.
#[must_use]
pub fn summarize(history: &[Eval], diverged: bool) -> Option<Summary> {
    let last = history.last()?;
    Some(Summary {
        step: last.step,
        train_loss: last.train_loss,
        test_loss: last.test_loss,
        train_acc: last.train_acc,
        test_acc: last.test_acc,
        diverged,
        distinct_min: last.distinct.iter().copied().min().unwrap_or(0),
        steps_to_target: history.iter().find(|e| e.train_loss <= TARGET_LOSS).map(|e| e.step),
    })
}

/// One run's history as CSV rows, for [`history_csv`].
#[derive(Debug, Clone, Copy)]
pub struct RunHistory<'a> {
    pub label: &'a str,
    pub config: &'a Config,
    pub evals: &'a [Eval],
    pub diverged: Option<usize>,
}

/// Every evaluation of every run, one row each (long format: `pandas.read_csv` gives one table):
/// run, label, step, losses, accuracies (empty for regression), distinct_min, whether the run had
/// diverged by then, and the run's settings.
#[must_use]
pub fn history_csv(runs: &[RunHistory<'_>]) -> String {
    use crate::analysis::report::csv_field;
    let num = |v: f64| if v.is_finite() { format!("{v:e}") } else { String::new() };
    let mut s = String::from("run,label,step,train_loss,test_loss,train_acc,test_acc,distinct_min,diverged,config\n");
    for (i, r) in runs.iter().enumerate() {
        for e in r.evals {
            let diverged = r.diverged.is_some_and(|d| e.step >= d);
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                i + 1,
                csv_field(r.label),
                e.step,
                num(e.train_loss),
                num(e.test_loss),
                e.train_acc.map_or(String::new(), num),
                e.test_acc.map_or(String::new(), num),
                e.distinct.iter().min().copied().unwrap_or(0),
                u8::from(diverged),
                csv_field(&r.config.to_query()),
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(q: &str) -> Config {
        let (c, notes) = Config::from_query(q);
        assert!(notes.is_empty(), "{notes:?}");
        c
    }

    #[test]
    fn bands_are_numpy_percentiles() {
        // numpy.percentile(range(101), p) = p for every p (linear interpolation).
        let xs: Vec<f32> = (0..=100).map(|i| i as f32).collect();
        let b = bands(&xs);
        for (got, p) in b.iter().zip(BAND_PERCENTILES) {
            assert!((f64::from(*got) - p).abs() < 1e-4, "{got} vs {p}");
        }
        assert!(bands(&[f32::NAN]).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn split_is_seeded_and_disjoint() {
        let t = Trainer::new(&config("mode=train&input=spiral&depth=2&width=8&split=0.25")).unwrap();
        assert_eq!(t.test_len(), 250);
        assert_eq!(t.train_len(), 750);
        let u = Trainer::new(&config("mode=train&input=spiral&depth=2&width=8&split=0.25")).unwrap();
        assert_eq!(t.split.test.x, u.split.test.x);
        let d = Trainer::new(&config("mode=train&input=digits&depth=1&width=8")).unwrap();
        assert_eq!(d.train_len() + d.test_len(), 1797);
        assert_eq!(d.test_len(), 359);
    }

    #[test]
    fn records_stay_bounded_and_epochs_count() {
        let mut t = Trainer::new(&config("mode=train&input=moons&depth=2&width=8&batch=32&steps=1000")).unwrap();
        let p = t.advance(usize::MAX, || true);
        assert_eq!(p.step, 1000);
        assert!(p.records.len() <= MAX_RECORDS + 2, "{}", p.records.len());
        assert!(p.evals.len() <= MAX_EVALS + 2, "{}", p.evals.len());
        assert!(p.snapshots.len() <= MAX_SNAPSHOTS);
        assert_eq!(p.snapshots[0], 0);
        // 800 training samples, 32 per step: 25 steps an epoch.
        assert!((p.epoch - 1000.0 * 32.0 / 800.0).abs() < 1e-9);
        let s = summarize(&t.history, false).unwrap();
        assert_eq!(s.step, 1000);
    }

    #[test]
    fn history_csv_is_one_table() {
        let c = config("mode=train&input=xor&depth=1&width=4&steps=20&compare=he_normal,zeros");
        let mut t = Trainer::new(&c.compare.runs(&c)[0]).unwrap();
        t.advance(usize::MAX, || true);
        let csv = history_csv(&[RunHistory { label: "he_normal", config: &c, evals: &t.history, diverged: None }]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + t.history.len());
        // The settings hold commas (compare=he_normal,zeros): quoted, so every row has 10 fields.
        for l in &lines[1..] {
            let quoted = l.split('"').collect::<Vec<_>>();
            assert_eq!(quoted.len(), 3, "{l}");
            assert_eq!(quoted[0].split(',').count(), 10, "{l}");
        }
        assert!(lines.last().unwrap().starts_with("1,he_normal,20,"));
    }

    #[test]
    fn divergence_names_step_and_layer() {
        let mut t = Trainer::new(&config("mode=train&input=spiral&depth=20&width=32&init=normal&scale=3&act=relu&lr=0.1&opt=sgd&steps=50"))
            .unwrap();
        t.advance(usize::MAX, || true);
        let d = t.diverged.clone().expect("diverges");
        assert!(d.step <= 3, "{d:?}");
        assert!(t.done());
        assert!(d.to_string().starts_with("diverged at step"));
    }
}
