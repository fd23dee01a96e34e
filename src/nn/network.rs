//! A network as a list of blocks, and the one pass that runs it forward and backward.
//!
//! An [`Mlp`] of `depth` hidden layers is the blocks `[Dense, (Norm), Act] × depth, Dense`
//! (makemore part 3's `layers = [Linear, BatchNorm1d, Tanh, …, Linear]`): hidden layer l computes
//! z = a_{l−1}·W_l + b_l, optionally normalises it (batch norm u = γ·(z − μ_B)/√(σ²_B + ε) + β,
//! Ioffe & Szegedy 2015; layer norm, the same per sample; RMS norm u = γ·z/√(mean(z²) + ε)), then
//! a_l = φ(u); the last layer is linear (y = z). See [`crate::nn::block`].
//!
//! [`forward`] and [`backward`] are the only passes, for every path:
//!
//! - the weights come from a [`Source`]: [`Kept`] (a network in memory), or [`Drawn`] (each
//!   Dense drawn again from its own seeded stream, `Rng::new(seed, Stream::Layer(j))`, whenever
//!   a pass needs it: the same bits as the kept network's);
//! - the buffers are a [`Workspace`], a tape that [`Keep`]s everything (the kept path: the report
//!   reads every layer's z, a, ∂L/∂a and ∂L/∂W after the pass) or only the checkpoints the
//!   backward pass cannot recompute (every z, a norm's 1/√(σ²+ε); a = φ(z) and x̂ are computed
//!   again when needed, and ∂L/∂W is shown to a visitor and dropped), for networks too large to
//!   keep (`crate::compute::lean`).
//!
//! Both give the same bits: the same blocks do the same floating-point operations in the same
//! order whichever source and tape.

use crate::math::rng::{Rng, Stream};
use crate::math::stats::Moments;
use crate::nn::activation::Activation;
use crate::nn::arch::{Arch, Branch, NormPos};
use crate::nn::block::{Backward, Block, Dense, Io, Merge, Norm, NormKind, Param, ParamMut, Probe, Saved, Spares, Work};
use crate::nn::init::InitSpec;

pub use crate::nn::block::BN_EPS;

/// The shape of a network: `depth` hidden layers (plain) or residual blocks, `width` wide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub input: usize,
    pub depth: usize,
    pub width: usize,
    pub output: usize,
    pub arch: Arch,
}

impl Shape {
    /// A plain network's shape.
    #[must_use]
    pub fn plain(input: usize, depth: usize, width: usize, output: usize) -> Self {
        Self { input, depth, width, output, arch: Arch::Plain }
    }

    /// (fan_in, fan_out) of every Dense layer in order, the output layer last: plain, one per
    /// hidden layer; residual, the stem (input → width), then the branches' (width → width, one
    /// or two a block), then the readout.
    #[must_use]
    pub fn layer_dims(&self) -> Vec<(usize, usize)> {
        let mut dims = Vec::with_capacity(self.depth * 2 + 2);
        match self.arch {
            Arch::Plain => {
                let mut prev = self.input;
                for _ in 0..self.depth {
                    dims.push((prev, self.width));
                    prev = self.width;
                }
                dims.push((prev, self.output));
            }
            Arch::Residual(r) => {
                dims.push((self.input, self.width));
                dims.extend(std::iter::repeat_n((self.width, self.width), self.depth * r.branch.denses()));
                dims.push((self.width, self.output));
            }
        }
        dims
    }

    /// The Dense index of hidden layer `l`'s layer (whose z its φ reads): l in a plain network;
    /// in a residual one, the first Dense of block l's branch (after the stem).
    #[must_use]
    pub fn hidden_dense(&self, l: usize) -> usize {
        match self.arch {
            Arch::Plain => l,
            Arch::Residual(r) => 1 + l * r.branch.denses(),
        }
    }

    /// The factor a residual scaling puts on Dense `j`'s std ([`crate::nn::arch::ResScale`]):
    /// its place in its branch decides, and Fixup zeroes the readout; 1 for the stem and in a
    /// plain network.
    #[must_use]
    pub fn std_factor(&self, j: usize) -> f64 {
        let Arch::Residual(r) = self.arch else { return 1.0 };
        let m = r.branch.denses();
        if j == 0 {
            1.0
        } else if j > self.depth * m {
            r.scale.readout_std_factor()
        } else {
            r.scale.branch_std_factor(self.depth, m, (j - 1) % m)
        }
    }

    /// Whether Dense `j` is the last layer of a residual branch (the one GPT-2 and zero-init
    /// scale).
    #[must_use]
    pub fn ends_branch(&self, j: usize) -> bool {
        match self.arch {
            Arch::Plain => false,
            Arch::Residual(r) => j >= 1 && j <= self.depth * r.branch.denses() && (j - 1) % r.branch.denses() == r.branch.denses() - 1,
        }
    }
}

/// A multilayer perceptron: a list of [`Block`]s applied in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mlp {
    pub blocks: Vec<Block>,
}

impl Mlp {
    /// The blocks of a network of this shape without its weights (every Dense
    /// [`Dense::shape_only`], every Norm without γ and β): what a network is made of, for the
    /// questions that need no weights ([`Mlp::couples_samples`]) and for [`Drawn`]. A `norm`
    /// follows every hidden Dense of a plain network; in a residual one it sits before each
    /// branch or after each sum ([`NormPos`]).
    #[must_use]
    pub fn plan(shape: Shape, act: Activation, norm: Option<NormKind>) -> Self {
        let dims = shape.layer_dims();
        let mut blocks = Vec::with_capacity(4 * dims.len());
        let Arch::Residual(r) = shape.arch else {
            for (l, &(fan_in, fan_out)) in dims.iter().enumerate() {
                blocks.push(Block::Dense(Dense::shape_only(fan_in, fan_out)));
                if l + 1 < dims.len() {
                    if let Some(kind) = norm {
                        blocks.push(Block::Norm(Norm::new(kind, 0)));
                    }
                    blocks.push(Block::Act(act));
                }
            }
            return Self { blocks };
        };
        let (w, dense) = (shape.width, |(i, o): (usize, usize)| Block::Dense(Dense::shape_only(i, o)));
        let norm_at = |pos: NormPos| norm.filter(|_| r.norm_pos == pos).map(|kind| Block::Norm(Norm::new(kind, 0)));
        blocks.push(dense(dims[0]));
        for _ in 0..shape.depth {
            blocks.push(Block::Fork);
            blocks.extend(norm_at(NormPos::Pre));
            blocks.push(dense((w, w)));
            blocks.push(Block::Act(act));
            if r.branch == Branch::Two {
                blocks.push(dense((w, w)));
            }
            // After a Dense the sum may overwrite F; after φ it may not (φ's backward reads a).
            let in_place = r.branch == Branch::Two;
            let skip = r.scale.skip(shape.depth) as f32;
            blocks.push(Block::Merge(Merge { alpha: r.scale.alpha(), learns_alpha: r.scale.learns_alpha(), skip, in_place }));
            blocks.extend(norm_at(NormPos::Post));
        }
        blocks.push(dense(dims[dims.len() - 1]));
        Self { blocks }
    }

    /// Builds and initialises a network. Dense layer j draws from its own seeded stream, so its
    /// weights depend only on (seed, j, shape, initializer), not on the batch or the other layers;
    /// a norm starts at γ = 1, β = 0.
    #[must_use]
    pub fn new(shape: Shape, act: Activation, init: &InitSpec, norm: Option<NormKind>, seed: u64) -> Self {
        let mut mlp = Self::plan(shape, act, norm);
        let mut j = 0;
        for block in &mut mlp.blocks {
            match block {
                Block::Dense(d) => {
                    *d = Self::draw_dense(shape, act, init, seed, j);
                    j += 1;
                }
                Block::Norm(n) => *n = Norm::new(n.kind, shape.width),
                Block::Act(_) | Block::Fork | Block::Merge(_) => {}
            }
        }
        mlp
    }

    /// Dense layer `j` (0-based, the output layer last) of the network [`Mlp::new`] builds,
    /// alone: drawn from its own stream, so it is the same bits whenever it is drawn ([`Drawn`]
    /// draws layers again instead of keeping them).
    #[must_use]
    pub fn draw_dense(shape: Shape, act: Activation, init: &InitSpec, seed: u64, j: usize) -> Dense {
        let (fan_in, fan_out) = shape.layer_dims()[j];
        let mut rng = Rng::new(seed, Stream::Layer(j as u32));
        let mut w = vec![0f32; fan_in * fan_out];
        let mut b = vec![0f32; fan_out];
        init.fill_weights(&mut w, fan_in, fan_out, act, &mut rng);
        init.fill_bias(&mut b, fan_in, act, &mut rng);
        // A residual scaling's factor (GPT-2's 1/√N, Fixup's, DeepNorm's β, or zero: weights
        // and bias): after the draw, so the other layers' bits do not depend on it.
        let factor = shape.std_factor(j) as f32;
        if factor == 0.0 {
            w.fill(0.0);
            b.fill(0.0);
        } else if factor != 1.0 {
            w.iter_mut().for_each(|v| *v *= factor);
        }
        Dense { fan_in, fan_out, w, b }
    }

    /// Number of hidden layers (of nonlinearities).
    #[must_use]
    pub fn depth(&self) -> usize {
        self.blocks.iter().filter(|b| b.probes().contains(&Probe::Activation)).count()
    }

    /// The dense layers in order, the output layer last.
    pub fn denses(&self) -> impl Iterator<Item = &Dense> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Dense(d) => Some(d),
            _ => None,
        })
    }

    /// The dense layer of each hidden layer (the last Dense before its activation): all but the
    /// output layer of a plain network; a residual one's first dense layer of each branch.
    pub fn hidden(&self) -> impl Iterator<Item = &Dense> {
        let mut last = None;
        self.blocks.iter().filter_map(move |b| match b {
            Block::Dense(d) => {
                last = Some(d);
                None
            }
            Block::Act(_) => last,
            _ => None,
        })
    }

    /// Dense layer `j` (the output layer is `depth`); `None` past the last.
    #[must_use]
    pub fn dense(&self, j: usize) -> Option<&Dense> {
        self.denses().nth(j)
    }

    /// Input width.
    #[must_use]
    pub fn input_dim(&self) -> usize {
        self.denses().next().map_or(0, |d| d.fan_in)
    }

    /// Output width.
    #[must_use]
    pub fn output_dim(&self) -> usize {
        self.denses().last().map_or(0, |d| d.fan_out)
    }

    /// The nonlinearity of the hidden layers (linear for a network without one).
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.blocks
            .iter()
            .find_map(|b| match b {
                Block::Act(a) => Some(*a),
                _ => None,
            })
            .unwrap_or(Activation::Linear)
    }

    /// Whether a pass couples the batch's samples (some block does: batch norm), so it may not be
    /// split by rows across workers.
    #[must_use]
    pub fn couples_samples(&self) -> bool {
        self.blocks.iter().any(Block::couples_samples)
    }

    /// Every parameter tensor, block by block (W₀, b₀, γ₀, β₀, W₁, …).
    pub fn params(&self) -> impl Iterator<Item = Param<'_>> {
        self.blocks.iter().flat_map(Block::params)
    }

    /// Every parameter tensor, mutably, with its gradient in `ws` (after [`Mlp::backward`]), in
    /// [`Mlp::params`] order.
    pub fn params_mut<'a>(&'a mut self, ws: &'a Workspace) -> impl Iterator<Item = (ParamMut<'a>, &'a [f32])> {
        self.blocks.iter_mut().zip(&ws.grads).flat_map(|(b, g)| b.params_mut().into_iter().zip(g.iter().map(Vec::as_slice)))
    }

    /// Forward pass of a batch `x` (batch × input), keeping every block's output in `ws`; returns
    /// the output (batch × output).
    pub fn forward<'w>(&self, x: &[f32], ws: &'w mut Workspace) -> &'w [f32] {
        forward(&mut Kept(self), x, ws, &mut |_| {})
    }

    /// Backward pass from dL/dy (`dy`, batch × output), after [`Mlp::forward`] on the same `x`:
    /// fills every parameter's gradient and dL/da of every hidden layer.
    pub fn backward(&self, x: &[f32], dy: &[f32], ws: &mut Workspace) {
        backward(&mut Kept(self), x, dy, ws, Need::Shape, &mut |_| {});
    }
}

/// What a pass needs of a block it asks a [`Source`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Its parameters.
    Weights,
    /// Its shape only (a Dense whose ∂L/∂(input) is not wanted: its ∂L/∂W needs only its input
    /// and δ).
    Shape,
}

/// Where a pass gets block `k`'s parameters.
pub trait Source {
    /// Block `k` of the network, with its parameters when `need` says so.
    fn block(&mut self, k: usize, need: Need) -> &Block;
}

/// A network kept in memory.
pub struct Kept<'a>(pub &'a Mlp);

impl Source for Kept<'_> {
    fn block(&mut self, k: usize, _: Need) -> &Block {
        &self.0.blocks[k]
    }
}

/// A network drawn again whenever a pass needs a layer: each Dense from `draw(j)` (its own seeded
/// stream, [`Mlp::draw_dense`]), a norm at its initial γ = 1, β = 0. It holds one Dense at a
/// time, the last drawn, so a pass that asks for the layer it just had (the backward pass
/// starting on the layer the forward pass ended on) does not draw it again.
pub struct Drawn<'a> {
    plan: Mlp,
    draw: &'a dyn Fn(usize) -> Dense,
    /// Of each block, its Dense index (if a Dense) and its output width.
    index: Vec<(Option<usize>, usize)>,
    dense: Option<(usize, Block)>,
    norm: Option<(usize, Block)>,
}

impl<'a> Drawn<'a> {
    /// The network of `plan` ([`Mlp::plan`]) with Dense j drawn by `draw(j)`.
    #[must_use]
    pub fn new(plan: Mlp, draw: &'a dyn Fn(usize) -> Dense) -> Self {
        let (mut j, mut width) = (0, plan.input_dim());
        let index = plan
            .blocks
            .iter()
            .map(|b| {
                width = b.width_out(width);
                let dense = matches!(b, Block::Dense(_)).then(|| {
                    j += 1;
                    j - 1
                });
                (dense, width)
            })
            .collect();
        Self { plan, draw, index, dense: None, norm: None }
    }
}

impl Drawn<'_> {
    /// Drops the layers held, so the next pass draws every layer it needs.
    pub fn release(&mut self) {
        (self.dense, self.norm) = (None, None);
    }
}

impl Source for Drawn<'_> {
    fn block(&mut self, k: usize, need: Need) -> &Block {
        let (dense, width) = self.index[k];
        match (&self.plan.blocks[k], dense) {
            (Block::Dense(_), Some(j)) if need == Need::Weights => {
                if !matches!(self.dense, Some((i, _)) if i == k) {
                    // Drop the layer held before drawing the next: one layer in memory at a time.
                    self.dense = None;
                    self.dense = Some((k, Block::Dense((self.draw)(j))));
                }
                self.dense.as_ref().map_or(&self.plan.blocks[k], |(_, b)| b)
            }
            (Block::Norm(plan), _) => {
                if !matches!(self.norm, Some((i, _)) if i == k) {
                    self.norm = Some((k, Block::Norm(Norm { eps: plan.eps, ..Norm::new(plan.kind, width) })));
                }
                self.norm.as_ref().map_or(&self.plan.blocks[k], |(_, b)| b)
            }
            (b, _) => b,
        }
    }
}

/// What a [`Workspace`] keeps of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// Every block's output, saved state, output gradient where probed, and parameter gradients.
    #[default]
    Everything,
    /// What the backward pass cannot compute again: the outputs of blocks that are not
    /// [`Block::recomputable`] and the saved state [`Block::forget`] leaves. Recomputable outputs,
    /// forgotten state, output gradients and parameter gradients live only while the pass needs
    /// them (the visitor sees them then).
    Checkpoints,
}

/// Where block `k` of a pass reads and writes, from the network's blocks.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The block before (whose output is this block's input); `None` for the first, which reads x.
    producer: Option<usize>,
    /// The buffer holding this block's input (the producer's, or an in-place producer's input's).
    input: Option<usize>,
    /// The buffer holding this block's output: its own, or its input's if it works in place.
    buf: usize,
    width_in: usize,
    width: usize,
    in_place: bool,
    recomputable: bool,
    /// Whether ∂L/∂(output) is kept (the output is probed as an activation: the report shows ∂L/∂a).
    keeps_grad: bool,
    /// Of a Dense, its index (the output layer last).
    dense: Option<usize>,
    /// Of a block whose output is an activation, its hidden layer.
    layer: Option<usize>,
    /// Of a Dense whose z a hidden layer's φ reads, that layer.
    feeds: Option<usize>,
    /// Of a [`Merge`], the buffer of the stream where its block began (its `Fork`'s input).
    skip: Option<usize>,
}

/// Where each hidden layer's probed quantities are: the buffer of its pre-activation (z, or
/// γ·x̂ + β after batch norm), the block of its activation, the norm block that measured z's raw
/// moments.
#[derive(Debug, Clone, Copy)]
struct Tap {
    pre: usize,
    act: usize,
    raw: Option<usize>,
    /// The buffer of the residual stream after this layer's block.
    stream: Option<usize>,
    /// The block index of the Dense whose z this layer's φ reads.
    dense: Option<usize>,
}

/// Every buffer of a pass (a tape), allocated once per (network shape, batch) and reused.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub batch: usize,
    keep: Keep,
    slots: Vec<Slot>,
    taps: Vec<Tap>,
    /// The block index of each Dense.
    denses: Vec<usize>,
    /// Each block's output (batch × width; empty for in-place blocks).
    outs: Vec<Vec<f32>>,
    saved: Vec<Saved>,
    /// Each block's parameter gradients, in [`Block::params`] order.
    grads: Vec<Vec<Vec<f32>>>,
    /// ∂L/∂(output) of the blocks that keep it (the activations).
    douts: Vec<Vec<f32>>,
    /// The row chunks ∂L/∂W is summed over (see `shard::chunk_count`): consecutive ranges, a
    /// power-of-two count; one chunk of every row by default.
    pub chunks: Vec<std::ops::Range<usize>>,
    /// One buffer per level of the chunk tree below the top, for the right halves' sums.
    dw_temps: Vec<Vec<f32>>,
    delta: Vec<f32>,
    delta_next: Vec<f32>,
    /// ∂L/∂x of the skip of the residual block the backward pass is in.
    skip_delta: Vec<f32>,
    scratch: Vec<f32>,
    spares: Spares,
}

impl Workspace {
    /// Buffers for `mlp` on batches of `batch` samples, keeping everything.
    #[must_use]
    pub fn new(mlp: &Mlp, batch: usize) -> Self {
        let mut ws = Self::layout(mlp, batch, Keep::Everything);
        for (k, (b, s)) in mlp.blocks.iter().zip(ws.slots.clone()).enumerate() {
            ws.grads[k] = b.grad_sizes(s.width_in).into_iter().map(|n| vec![0f32; n]).collect();
            if s.keeps_grad {
                ws.douts[k] = vec![0f32; batch * s.width];
            }
        }
        let max_width = ws.slots.iter().map(|s| s.width_in.max(s.width)).max().unwrap_or(0);
        ws.delta = Vec::with_capacity(batch * max_width);
        ws.delta_next = Vec::with_capacity(batch * max_width);
        ws.scratch = Vec::with_capacity(max_width * batch.max(max_width));
        ws
    }

    /// Buffers of a forward pass only (no gradient), for `rows` rows.
    #[must_use]
    pub fn forward_only(mlp: &Mlp, rows: usize) -> Self {
        Self::layout(mlp, rows, Keep::Everything)
    }

    /// A tape that keeps only the checkpoints ([`Keep::Checkpoints`]); buffers are made as the
    /// pass needs them.
    #[must_use]
    pub fn checkpoints(mlp: &Mlp, batch: usize) -> Self {
        let mut ws = Self::layout(mlp, 0, Keep::Checkpoints);
        ws.batch = batch;
        ws.chunks = std::iter::once(0..batch).collect();
        ws
    }

    /// The slots of `mlp`'s blocks, with every output and saved state sized for `batch` rows.
    fn layout(mlp: &Mlp, batch: usize, keep: Keep) -> Self {
        let n = mlp.blocks.len();
        let mut ws = Self { batch, keep, chunks: std::iter::once(0..batch).collect(), ..Self::default() };
        let (mut width, mut pre, mut raw, mut fork_input, mut last_dense) = (mlp.input_dim(), None, None, None, None);
        for (k, b) in mlp.blocks.iter().enumerate() {
            let producer = k.checked_sub(1);
            let input = producer.map(|p| ws.slots[p].buf);
            let in_place = b.in_place();
            let buf = if in_place { input.unwrap_or(k) } else { k };
            let probes = b.probes();
            let keeps_grad = probes.contains(&Probe::Activation);
            let dense = matches!(b, Block::Dense(_)).then(|| ws.denses.len());
            if dense.is_some() {
                ws.denses.push(k);
                last_dense = Some(k);
                // A norm's raw moments belong to the layer whose Dense it follows, not to a
                // stream normalised before a branch or after a sum.
                raw = None;
            }
            if matches!(b, Block::Fork) {
                fork_input = input;
            }
            if probes.contains(&Probe::PreActivation) {
                pre = Some(buf);
            }
            if probes.contains(&Probe::RawPreActivation) {
                raw = Some(k);
            }
            if probes.contains(&Probe::Stream) {
                if let Some(t) = ws.taps.last_mut() {
                    t.stream = Some(buf);
                }
            }
            let layer = keeps_grad.then(|| {
                ws.taps.push(Tap { pre: pre.unwrap_or(buf), act: k, raw: raw.take(), stream: None, dense: last_dense });
                ws.taps.len() - 1
            });
            if let Some(l) = layer {
                if let Some(d) = last_dense.take() {
                    ws.slots[d].feeds = Some(l);
                }
            }
            let skip = matches!(b, Block::Merge(_)).then_some(fork_input).flatten();
            let s = Slot {
                producer,
                input,
                buf,
                width_in: width,
                width: b.width_out(width),
                in_place,
                // A norm in place on a recomputable output (a pre-norm on its fork's copy) is
                // computed again with it.
                recomputable: b.recomputable()
                    || (in_place && matches!(b, Block::Norm(_)) && producer.is_some_and(|p| ws.slots[p].recomputable)),
                keeps_grad,
                dense,
                layer,
                feeds: None,
                skip,
            };
            width = s.width;
            ws.slots.push(s);
        }
        ws.outs = ws
            .slots
            .iter()
            .map(|s| if s.in_place || keep == Keep::Checkpoints { Vec::new() } else { vec![0f32; batch * s.width] })
            .collect();
        ws.saved = vec![Saved::default(); n];
        if keep == Keep::Everything {
            for (b, (saved, s)) in mlp.blocks.iter().zip(ws.saved.iter_mut().zip(&ws.slots)) {
                b.size_saved(saved, batch, s.width, &mut ws.spares);
            }
        }
        ws.grads = vec![Vec::new(); n];
        ws.douts = vec![Vec::new(); n];
        ws
    }

    /// Sets a forward-only workspace ([`Workspace::forward_only`]) of `mlp` to `rows` rows in
    /// place: fewer rows keep the buffers' memory, so a short last chunk allocates nothing. A
    /// norm's saved state follows the rows ([`Block::size_saved`]: x̂, and layer and RMS norm's
    /// per-sample 1/√(σ² + ε)).
    pub fn resize_rows(&mut self, mlp: &Mlp, rows: usize) {
        self.batch = rows;
        self.chunks = std::iter::once(0..rows).collect();
        self.dw_temps.clear();
        let Workspace { slots, outs, saved, spares, .. } = self;
        for (k, (s, b)) in slots.iter().zip(&mlp.blocks).enumerate() {
            if !s.in_place {
                outs[k].resize(rows * s.width, 0.0);
            }
            b.size_saved(&mut saved[k], rows, s.width, spares);
        }
    }

    /// Sums ∂L/∂W over these row chunks (a power-of-two count of consecutive ranges covering the batch).
    pub fn set_chunks(&mut self, chunks: Vec<std::ops::Range<usize>>) {
        debug_assert!(chunks.len().is_power_of_two() && chunks.last().is_some_and(|r| r.end == self.batch));
        self.dw_temps = vec![Vec::new(); chunks.len().ilog2() as usize];
        self.chunks = chunks;
    }

    /// The network's output (batch × output) after a forward pass.
    #[must_use]
    pub fn output(&self) -> &[f32] {
        self.slots.last().map_or(&[], |s| &self.outs[s.buf])
    }

    /// Drops the output (a pass keeping only checkpoints needs it only for the loss).
    pub fn release_output(&mut self) {
        if let Some(s) = self.slots.last() {
            let v = std::mem::take(&mut self.outs[s.buf]);
            self.spares.give(v);
        }
    }

    /// Frees what only a pass in progress uses (the spares, δ, the scratch and the chunk tree's
    /// sums), keeping the tape: between two passes, the memory is the checkpoints'.
    pub fn release_scratch(&mut self) {
        self.spares = Spares::default();
        self.dw_temps.iter_mut().for_each(|t| *t = Vec::new());
        (self.delta, self.delta_next, self.scratch, self.skip_delta) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    }

    /// The number of hidden layers.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.taps.len()
    }

    /// The input to hidden layer `l`'s nonlinearity (z, or γ·x̂ + β after batch norm); for
    /// `l` = depth, the output.
    #[must_use]
    pub fn pre(&self, l: usize) -> &[f32] {
        self.taps.get(l).map_or_else(|| self.output(), |t| &self.outs[t.pre])
    }

    /// Hidden layer `l`'s activation a = φ(u); for `l` = depth, the output.
    #[must_use]
    pub fn act(&self, l: usize) -> &[f32] {
        self.taps.get(l).map_or_else(|| self.output(), |t| &self.outs[t.act])
    }

    /// dL/da of hidden layer `l`.
    #[must_use]
    pub fn dact(&self, l: usize) -> &[f32] {
        &self.douts[self.taps[l].act]
    }

    /// The residual stream after hidden layer `l`'s block (`None` in a plain network).
    #[must_use]
    pub fn stream(&self, l: usize) -> Option<&[f32]> {
        self.taps.get(l).and_then(|t| t.stream).map(|b| self.outs[b].as_slice())
    }

    /// dL/dW of the Dense whose z hidden layer `l`'s φ reads (Dense `l` of a plain network).
    #[must_use]
    pub fn hidden_dw(&self, l: usize) -> &[f32] {
        self.taps[l].dense.map_or(&[], |k| self.grads[k][0].as_slice())
    }

    /// dL/dW of every hidden layer's Dense ([`Workspace::hidden_dw`]), in order.
    pub fn hidden_dws(&self) -> impl Iterator<Item = &[f32]> {
        (0..self.taps.len()).map(|l| self.hidden_dw(l))
    }

    /// The moments of z before batch norm, of hidden layers with one.
    #[must_use]
    pub fn raw_pre(&self, l: usize) -> Option<Moments> {
        self.taps[l].raw.and_then(|k| self.saved[k].raw)
    }

    /// dL/dW of Dense layer `j` (fan_in × fan_out; the output layer is `depth`).
    #[must_use]
    pub fn dw(&self, j: usize) -> &[f32] {
        &self.grads[self.denses[j]][0]
    }

    /// dL/db of Dense layer `j`.
    #[must_use]
    pub fn db(&self, j: usize) -> &[f32] {
        &self.grads[self.denses[j]][1]
    }

    /// dL/dW of Dense layer `j`, mutably (to set gradients by hand).
    pub fn dw_mut(&mut self, j: usize) -> &mut [f32] {
        &mut self.grads[self.denses[j]][0]
    }

    /// dL/db of Dense layer `j`, mutably.
    pub fn db_mut(&mut self, j: usize) -> &mut [f32] {
        &mut self.grads[self.denses[j]][1]
    }

    /// dL/dW of every Dense layer, the output layer last.
    pub fn dws(&self) -> impl Iterator<Item = &[f32]> {
        self.denses.iter().map(|&k| self.grads[k][0].as_slice())
    }

    /// The gradients of block `k`'s parameters, in [`Block::params`] order.
    #[must_use]
    pub fn grads(&self, k: usize) -> &[Vec<f32>] {
        &self.grads[k]
    }
}

/// What a pass shows its visitor as it goes.
pub enum Visit<'a> {
    /// It starts on the next Dense layer (forward or backward).
    Layer,
    /// Forward: the Dense of hidden layer `l` (whose z its φ reads) has been applied, with
    /// these weights.
    Dense(usize, &'a Dense),
    /// Backward: the ∂L/∂W of hidden layer `l`'s Dense, with its weights if the pass asked for them.
    Grad(usize, Option<&'a Dense>, &'a [f32]),
    /// Backward: hidden layer `l`'s pre-activation, activation and ∂L/∂a, and the residual
    /// stream after its block (if residual).
    Data(usize, (&'a [f32], &'a [f32], &'a [f32]), Option<&'a [f32]>),
}

/// The forward pass of `x` (batch × input) through the blocks of `source` into the tape `ws`;
/// returns the output.
pub fn forward<'w>(source: &mut dyn Source, x: &[f32], ws: &'w mut Workspace, visit: &mut dyn FnMut(Visit<'_>)) -> &'w [f32] {
    let batch = ws.batch;
    let checkpoints = ws.keep == Keep::Checkpoints;
    for k in 0..ws.slots.len() {
        let s = ws.slots[k];
        if s.dense.is_some() {
            visit(Visit::Layer);
        }
        let block = source.block(k, Need::Weights);
        let Workspace { outs, saved, spares, slots, chunks, .. } = ws;
        block.size_saved(&mut saved[k], batch, s.width, spares);
        if block.probes().contains(&Probe::RawPreActivation) {
            saved[k].raw = Some(chunked_moments(s.input.map_or(x, |i| &outs[i][..]), s.width_in, chunks));
        }
        if let (true, Some(skip)) = (s.in_place, s.skip) {
            let (below, rest) = outs.split_at_mut(s.buf);
            block.forward(Io::JoinInPlace { skip: &below[skip], out: &mut rest[0] }, &mut saved[k], batch);
        } else if s.in_place {
            block.forward(Io::InPlace(&mut outs[s.buf]), &mut saved[k], batch);
            if checkpoints {
                block.forget(&mut saved[k], spares);
            }
        } else {
            spares.fit(&mut outs[k], batch * s.width);
            let (below, rest) = outs.split_at_mut(k);
            let input: &[f32] = s.input.map_or(x, |i| &below[i]);
            let io = match s.skip {
                Some(skip) => Io::Join { input, skip: &below[skip], out: &mut rest[0] },
                None => Io::Map { input, out: &mut rest[0] },
            };
            block.forward(io, &mut saved[k], batch);
            if let Some(p) = s.producer.filter(|&p| checkpoints && slots[p].recomputable) {
                spares.give(std::mem::take(&mut outs[slots[p].buf]));
            }
        }
        if let (Some(l), Block::Dense(d)) = (s.feeds, block) {
            visit(Visit::Dense(l, d));
        }
    }
    ws.output()
}

/// The moments of `z` (rows `width` wide) over the row `chunks`, merged as a pairwise tree (the
/// left half's with the right half's, as `crate::compute::shard::tree`): a shard's chunks are a
/// subtree, so the shards' moments merge to exactly these bits.
fn chunked_moments(z: &[f32], width: usize, chunks: &[std::ops::Range<usize>]) -> Moments {
    if let [r] = chunks {
        return Moments::of(&z[r.start * width..r.end * width]);
    }
    if chunks.is_empty() {
        return Moments::of(z);
    }
    let (left, right) = chunks.split_at(chunks.len() / 2);
    chunked_moments(z, width, left).merge(&chunked_moments(z, width, right))
}

/// The backward pass from ∂L/∂y (`dy`), after [`forward`] of the same `x` into `ws`: every
/// block's parameter gradients and the probed output gradients (∂L/∂a), shown to `visit` as they
/// are made. A Dense whose ∂L/∂(input) is not needed (the first) is asked of the source with
/// `first` (its shape suffices, unless the visitor wants its weights).
pub fn backward(source: &mut dyn Source, x: &[f32], dy: &[f32], ws: &mut Workspace, first: Need, visit: &mut dyn FnMut(Visit<'_>)) {
    let batch = ws.batch;
    let checkpoints = ws.keep == Keep::Checkpoints;
    ws.delta.clear();
    ws.delta.extend_from_slice(dy);
    for k in (0..ws.slots.len()).rev() {
        let s = ws.slots[k];
        if s.dense.is_some() {
            visit(Visit::Layer);
        }
        // The input, computed again if the tape dropped it: the recomputable block that made it,
        // after the one that wrote its buffer (a pre-norm in place on its fork's copy).
        if let Some(p) = s.producer.filter(|&p| ws.slots[p].recomputable && ws.outs[ws.slots[p].buf].is_empty() && !s.in_place) {
            let mut chain = vec![p];
            while let Some(q) = chain.last().copied().filter(|&q| ws.slots[q].in_place).and_then(|q| ws.slots[q].producer) {
                chain.push(q);
            }
            for &q in chain.iter().rev() {
                let qs = ws.slots[q];
                let below = source.block(q, Need::Weights);
                let Workspace { outs, saved, spares, .. } = ws;
                below.size_saved(&mut saved[q], batch, qs.width, spares);
                if qs.in_place {
                    below.forward(Io::InPlace(&mut outs[qs.buf]), &mut saved[q], batch);
                    below.forget(&mut saved[q], spares);
                } else {
                    spares.fit(&mut outs[q], batch * qs.width);
                    let (lower, rest) = outs.split_at_mut(q);
                    let input: &[f32] = qs.input.map_or(x, |i| &lower[i]);
                    below.forward(Io::Map { input, out: &mut rest[0] }, &mut saved[q], batch);
                }
            }
        }
        let wants_d_in = s.producer.is_some() && !s.in_place;
        let block = source.block(k, if wants_d_in { Need::Weights } else { first });
        let Workspace { outs, saved, grads, douts, delta, delta_next, skip_delta, chunks, dw_temps, scratch, spares, slots, taps, .. } = ws;
        if checkpoints {
            block.recall(&outs[s.buf], &mut saved[k], spares);
            let sizes = block.grad_sizes(s.width_in);
            grads[k] = sizes.into_iter().map(|n| spares.take(n)).collect();
        }
        let keeps_below = s.producer.is_some_and(|p| slots[p].keeps_grad);
        if let Some(p) = s.producer.filter(|_| wants_d_in && keeps_below) {
            spares.fit(&mut douts[p], batch * slots[p].width);
        }
        let mut work = Work { batch, chunks, temps: dw_temps, scratch };
        let (below, here) = douts.split_at_mut(k);
        let d_out: &mut Vec<f32> = if s.keeps_grad { &mut here[0] } else { &mut *delta };
        let d_in = match s.producer {
            Some(p) if wants_d_in && keeps_below => Some(&mut below[p]),
            _ if wants_d_in => Some(&mut *delta_next),
            _ => None,
        };
        let input: &[f32] = s.input.map_or(x, |i| &outs[i]);
        let skip = skip_delta;
        block.backward(Backward {
            input,
            output: &outs[s.buf],
            d_out,
            d_in,
            grads: &mut grads[k],
            saved: &saved[k],
            work: &mut work,
            skip,
        });
        if let (Some(l), Block::Dense(d)) = (s.feeds, block) {
            visit(Visit::Grad(l, (wants_d_in || first == Need::Weights).then_some(d), &grads[k][0]));
        }
        if let Some(p) = s.producer.filter(|_| wants_d_in) {
            let ps = slots[p];
            if let (Some(l), Some(i)) = (ps.layer, ps.input) {
                let stream = taps[l].stream.map(|b| outs[b].as_slice());
                visit(Visit::Data(l, (&outs[i], &outs[p], &douts[p]), stream));
            }
            if !ps.keeps_grad {
                std::mem::swap(delta, delta_next);
            }
        }
        if checkpoints {
            grads[k].drain(..).for_each(|g| spares.give(g));
            block.forget(&mut saved[k], spares);
            if s.keeps_grad {
                spares.give(std::mem::take(&mut douts[k]));
            }
            if s.recomputable {
                spares.give(std::mem::take(&mut outs[k]));
            }
        }
    }
}
