//! The blocks a network is made of, each with its forward pass, its backward pass, its parameters
//! and its probe points.
//!
//! The shape is Karpathy's makemore part 3 (`layers = [Linear, BatchNorm1d, Tanh, …]`, each layer
//! a `__call__`, its `parameters()` and the `.out` the diagnostics read) and candle-nn's `Module`
//! trait (`forward(&self, xs)`), with the backward pass written out: a network is a list of
//! [`Block`]s applied in order, and what the report shows of a block's output is named by its
//! [`Probe`]s. A block never sees the network, the configuration or the other blocks: what it
//! needs from the pass (its input, its output, the gradient of its output, its row chunks) is
//! handed to it ([`Io`], [`Backward`]).
//!
//! - [`Dense`]: z = a·W + b (a batch × fan_in, W fan_in × fan_out row-major);
//!   ∂L/∂W = aᵀ·δ (a pairwise tree over the row chunks, [`dw_tree`]), ∂L/∂b = Σ_rows δ,
//!   ∂L/∂a = δ·Wᵀ.
//! - [`Norm`], in place, of three kinds ([`NormKind`]): batch norm (Ioffe & Szegedy 2015,
//!   training-mode statistics) u = γ·x̂ + β with x̂ = (z − μ_B)/√(σ²_B + ε) per unit over the
//!   batch; layer norm (Ba, Kiros & Hinton 2016) the same with μ and σ² per sample over its units;
//!   RMS norm (Zhang & Sennrich 2019) u = γ·z/√(mean(z²) + ε) per sample, no mean and no β.
//! - `Act(φ)`: a = φ(u) element-wise; ∂L/∂u = ∂L/∂a ⊙ φ′(u).
//!
//! - `Fork`: the start of a residual block: the branch reads a copy of the stream x (so a norm
//!   before the branch normalises the copy, not the stream); ∂L/∂x = ∂L/∂(copy) + ∂L/∂x of the
//!   skip ([`Backward::skip`], kept by the block's [`Merge`]).
//! - [`Merge`]: its end, y = s·x + α·F (x the stream at the block's `Fork`, F the branch's output):
//!   ∂L/∂F = α·∂L/∂y, ∂L/∂x = s·∂L/∂y (the skip's share), ∂L/∂α = Σ ∂L/∂y ⊙ F.
//!
//! A residual block is thus the flat run `Fork, (Norm), Dense, Act, (Dense), Merge, (Norm)` of
//! the list, not a nested list: the pass walks one list, and a block whose input is another
//! block's output than the one before it (the merge's skip) is told so by the pass.

use crate::choice::{Choice, Entry};
use crate::math::linalg::{matmul, matmul_a_bt, matmul_at_b};
use crate::math::stats::Moments;
use crate::nn::activation::Activation;

/// ε of batch normalisation (PyTorch `BatchNorm1d` default).
pub const BN_EPS: f32 = 1e-5;

/// ε of layer normalisation (PyTorch `nn.LayerNorm`'s default, and Keras
/// `LayerNormalization`'s 1e-3 and Flax `nn.LayerNorm`'s 1e-6 set to it in the exported code).
pub const LN_EPS: f32 = 1e-5;

/// ε of RMS normalisation: 1e-6, as T5, LLaMA (`facebookresearch/llama`'s `RMSNorm(dim,
/// eps=1e-6)`), torchtune's `RMSNorm`, Keras 3's `RMSNormalization(epsilon=1e-6)` and Flax's
/// `nn.RMSNorm(epsilon=1e-6)`. PyTorch's `nn.RMSNorm(eps=None)` uses `torch.finfo(x.dtype).eps`
/// instead (1.19e-7 for f32); a constant the other frameworks share makes the exported code agree
/// everywhere, so that is followed here and the PyTorch export passes `eps=1e-6` explicitly. It
/// matters only where a sample's mean square is not ≫ ε (weights of std 1e-4 and below).
pub const RMS_EPS: f32 = 1e-6;

/// A dense layer: `w` is row-major fan_in × fan_out. A Dense with empty `w` and `b` is its shape
/// alone (a network's plan, or a layer whose weights a pass does not need: see
/// `crate::nn::network::Source`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub fan_in: usize,
    pub fan_out: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// Which statistics a [`Norm`] normalises by. Batch norm's are the batch's (per unit, so a
/// sample's output depends on the other samples); layer norm's and RMS norm's are each sample's
/// own (over its units), so they do not couple a batch's samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormKind {
    /// Per unit, over the batch's samples (biased variance; Ioffe & Szegedy 2015): after it every
    /// unit's values over the batch have mean β and variance γ²·σ²/(σ² + ε).
    Batch,
    /// Per sample, over its units (biased variance; Ba, Kiros & Hinton 2016, PyTorch
    /// `nn.LayerNorm`): at γ = 1, β = 0 every sample's features have after it mean 0 and
    /// variance σ²/(σ² + ε), σ² that sample's variance before it.
    Layer,
    /// Per sample, its root mean square over its units, no mean subtracted and no β (Zhang &
    /// Sennrich 2019, PyTorch `nn.RMSNorm`): at γ = 1 every sample's mean square is after it
    /// m/(m + ε), m = mean(z²) of that sample before it; its mean is scaled, not removed.
    Rms,
}

impl NormKind {
    /// What people call it in a sentence ("batch norm").
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            NormKind::Batch => "batch norm",
            NormKind::Layer => "layer norm",
            NormKind::Rms => "RMS norm",
        }
    }

    /// Whether it has a shift β (RMS norm has a scale γ only).
    #[must_use]
    pub fn has_beta(self) -> bool {
        !matches!(self, NormKind::Rms)
    }

    /// Its ε ([`BN_EPS`], [`LN_EPS`], [`RMS_EPS`]).
    #[must_use]
    pub fn eps(self) -> f32 {
        match self {
            NormKind::Batch => BN_EPS,
            NormKind::Layer => LN_EPS,
            NormKind::Rms => RMS_EPS,
        }
    }

    /// Whether its statistics are the batch's (then a pass cannot be split by rows).
    #[must_use]
    pub fn per_batch(self) -> bool {
        matches!(self, NormKind::Batch)
    }

    /// Floats of its saved 1/√(σ² + ε) for a pass of `batch` rows `width` wide: one per unit
    /// (batch norm) or one per sample (layer and RMS norm).
    #[must_use]
    pub fn inv_std_len(self, batch: usize, width: usize) -> usize {
        if self.per_batch() {
            width
        } else {
            batch
        }
    }
}

/// The normalisation of a configuration: none, or a [`NormKind`] after every hidden Dense. Its
/// table is the URL's `norm` (`bn=1` is read as `norm=batch`, `crate::spec::params`).
impl Choice for Option<NormKind> {
    const WHAT: &'static str = "normalization";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: None, id: "none", aliases: &["off"], label: "none" },
        Entry {
            value: Some(NormKind::Batch),
            id: "batch",
            aliases: &["bn", "batchnorm", "batch_norm"],
            label: "batch norm (per unit, over the batch)",
        },
        Entry { value: Some(NormKind::Layer), id: "layer", aliases: &["ln", "layernorm", "layer_norm"], label: "layer norm (per sample)" },
        Entry { value: Some(NormKind::Rms), id: "rms", aliases: &["rmsnorm", "rms_norm"], label: "RMS norm (per sample, no centring)" },
    ];
}

/// A normalisation with a learnable scale γ and shift β per unit (PyTorch's `weight` and `bias`;
/// `beta` is empty for RMS norm, which has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Norm {
    pub kind: NormKind,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub eps: f32,
}

impl Norm {
    /// A norm of `n` units as PyTorch starts it: γ = 1, β = 0 (none for RMS norm), the kind's ε.
    #[must_use]
    pub fn new(kind: NormKind, n: usize) -> Self {
        let beta = if kind.has_beta() { vec![0.0; n] } else { Vec::new() };
        Self { kind, gamma: vec![1.0; n], beta, eps: kind.eps() }
    }

    /// Batch norm of `n` units as PyTorch's `BatchNorm1d` starts: γ = 1, β = 0, ε = 1e-5.
    #[must_use]
    pub fn batch(n: usize) -> Self {
        Self::new(NormKind::Batch, n)
    }
}

/// The end of a residual block: y = s·x + α·F, x the stream where the block began (at its
/// `Fork`) and F its branch's output. s is 1 but in DeepNet's post-LN blocks; α is 1, or a
/// learned scalar (ReZero's, starting at 0: [`crate::nn::arch::ResScale`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    pub alpha: f32,
    /// Whether α is a parameter (PyTorch's name for it: `alpha`).
    pub learns_alpha: bool,
    pub skip: f32,
    /// Whether the sum overwrites F where it is (after a Dense, whose backward pass does not read
    /// its output; not after an activation, whose does): the stream then costs no buffer.
    pub in_place: bool,
}

/// One step of a network.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Dense(Dense),
    Norm(Norm),
    Act(Activation),
    /// The start of a residual block: its output is a copy of its input, the branch's input.
    Fork,
    Merge(Merge),
}

/// A quantity the report shows, and which block's output it is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// The input to the nonlinearity: z of a [`Dense`], or γ·x̂ + β of a [`Norm`] after it (the
    /// later block's output is the one shown).
    PreActivation,
    /// The moments of z before a [`Norm`] (the report's "z σ before BN"), measured by the pass
    /// on the block's input before it overwrites it, over the pass's row chunks (so a shard's
    /// measure merges to the whole batch's, for the norms that may be split).
    RawPreActivation,
    /// a = φ(u) of an `Act` block, and ∂L/∂a, the gradient of that output.
    Activation,
    /// The residual stream after a block: a [`Merge`]'s output (normalised in place by a norm
    /// after it, when the norm is `post`).
    Stream,
}

/// A parameter tensor of a block, as [`Block::params`] walks them.
#[derive(Debug, Clone, Copy)]
pub struct Param<'a> {
    /// PyTorch's name for it within its module: `weight` or `bias`.
    pub name: &'static str,
    pub value: &'a [f32],
    /// Whether L2 weight decay applies: to a [`Dense`]'s W only, never to biases or a norm's γ, β
    /// (as PyTorch's usual parameter groups, and `crate::nn::optim`).
    pub decay: bool,
}

/// A parameter tensor of a block, mutably ([`Block::params_mut`]).
#[derive(Debug)]
pub struct ParamMut<'a> {
    pub name: &'static str,
    pub value: &'a mut [f32],
    pub decay: bool,
}

/// What a block's forward pass keeps for its backward pass beside its output (empty for blocks
/// that keep nothing): a norm's x̂ (batch × n) and 1/√(σ² + ε) (n for batch norm, one per sample
/// for layer and RMS norm: [`NormKind::inv_std_len`]), and the moments of its input z
/// ([`Probe::RawPreActivation`]).
#[derive(Debug, Clone, Default)]
pub struct Saved {
    pub xhat: Vec<f32>,
    pub inv_std: Vec<f32>,
    pub raw: Option<Moments>,
}

/// Buffers a pass has finished with, for the next one it needs: a pass that keeps only what it
/// cannot recompute drops and remakes buffers layer after layer, and reusing them keeps its
/// memory at one layer's worth. A take is the smallest spare that holds it without wasting more
/// than its own size, else a new buffer: a large buffer (∂L/∂W, width²) never goes to a small
/// need (a row of activations) while a large need then makes a second one.
#[derive(Debug, Clone, Default)]
pub struct Spares(Vec<Vec<f32>>);

impl Spares {
    /// A buffer of `len` zeros.
    pub fn take(&mut self, len: usize) -> Vec<f32> {
        let fits = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len && v.capacity() <= 2 * len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        let mut v = fits.map_or_else(Vec::new, |i| self.0.swap_remove(i));
        v.clear();
        v.resize(len, 0.0);
        v
    }

    /// Takes back a buffer (nothing, if it holds no memory).
    pub fn give(&mut self, v: Vec<f32>) {
        if v.capacity() > 0 {
            self.0.push(v);
        }
    }

    /// Sizes `v` to `len`: resized where it holds memory, else a spare.
    pub fn fit(&mut self, v: &mut Vec<f32>, len: usize) {
        if v.capacity() == 0 && len > 0 {
            *v = self.take(len);
        } else {
            v.resize(len, 0.0);
        }
    }
}

/// Where a block reads and writes in a forward pass.
pub enum Io<'a> {
    /// Reads `input`, writes `out` (sized batch × the block's output width).
    Map { input: &'a [f32], out: &'a mut [f32] },
    /// Overwrites its input with its output ([`Block::in_place`]).
    InPlace(&'a mut [f32]),
    /// Reads `input` (a branch's output) and `skip` (the stream where the block began), writes `out`.
    Join { input: &'a [f32], skip: &'a [f32], out: &'a mut [f32] },
    /// Reads `skip` and the branch's output where it is, in `out`, and overwrites it with the sum.
    JoinInPlace { skip: &'a [f32], out: &'a mut [f32] },
}

/// The row chunks a backward pass sums ∂L/∂W over and its scratch buffers.
pub struct Work<'a> {
    pub batch: usize,
    /// Consecutive row ranges, a power-of-two count (`crate::compute::shard::chunk_count`).
    pub chunks: &'a [std::ops::Range<usize>],
    /// One buffer per level of the chunk tree below its top.
    pub temps: &'a mut [Vec<f32>],
    pub scratch: &'a mut Vec<f32>,
}

/// What a block's backward pass reads and writes.
pub struct Backward<'a, 'w> {
    /// The block's input and output of the forward pass (the same buffer for in-place blocks).
    pub input: &'a [f32],
    pub output: &'a [f32],
    /// ∂L/∂(output); an in-place block turns it into ∂L/∂(input) where it is.
    pub d_out: &'a mut [f32],
    /// Where ∂L/∂(input) goes (resized to batch × the input width), if anything below needs it.
    pub d_in: Option<&'a mut Vec<f32>>,
    /// ∂L/∂θ of each parameter, in [`Block::params`] order.
    pub grads: &'a mut [Vec<f32>],
    pub saved: &'a Saved,
    pub work: &'a mut Work<'w>,
    /// ∂L/∂x of a residual block's skip: a [`Merge`] writes it, its block's `Fork` adds it.
    pub skip: &'a mut Vec<f32>,
}

impl Block {
    /// Width of the output for an input `width_in` wide.
    #[must_use]
    pub fn width_out(&self, width_in: usize) -> usize {
        match self {
            Block::Dense(d) => d.fan_out,
            Block::Norm(_) | Block::Act(_) | Block::Fork | Block::Merge(_) => width_in,
        }
    }

    /// Whether the output overwrites the input (so it needs no buffer of its own).
    #[must_use]
    pub fn in_place(&self) -> bool {
        match self {
            Block::Norm(_) => true,
            Block::Merge(m) => m.in_place,
            Block::Dense(_) | Block::Act(_) | Block::Fork => false,
        }
    }

    /// Whether one sample's output depends on the other samples of the batch: then a pass cannot
    /// be split by rows across workers (batch norm's μ_B and σ²_B are the whole batch's; layer and
    /// RMS norm's statistics are each sample's own, so they can).
    #[must_use]
    pub fn couples_samples(&self) -> bool {
        match self {
            Block::Norm(n) => n.kind.per_batch(),
            Block::Dense(_) | Block::Act(_) | Block::Fork | Block::Merge(_) => false,
        }
    }

    /// What the report reads of this block's output (the `.out` makemore's diagnostics read).
    #[must_use]
    pub fn probes(&self) -> &'static [Probe] {
        match self {
            Block::Dense(_) => &[Probe::PreActivation],
            Block::Norm(_) => &[Probe::RawPreActivation, Probe::PreActivation],
            Block::Act(_) => &[Probe::Activation],
            Block::Fork => &[],
            Block::Merge(_) => &[Probe::Stream],
        }
    }

    /// Whether a pass that keeps only what it cannot recompute may drop the output and compute it
    /// again from the input when the backward pass needs it ([`Block::forward`] again): φ(u) and
    /// a fork's copy are cheap, an affine map or a normalisation is not kept-free.
    #[must_use]
    pub fn recomputable(&self) -> bool {
        match self {
            Block::Act(_) | Block::Fork => true,
            Block::Dense(_) | Block::Norm(_) | Block::Merge(_) => false,
        }
    }

    /// The parameter tensors, in a fixed order (W, b; γ, β; RMS norm's γ alone).
    #[must_use]
    pub fn params(&self) -> Vec<Param<'_>> {
        match self {
            Block::Dense(d) => vec![Param { name: "weight", value: &d.w, decay: true }, Param { name: "bias", value: &d.b, decay: false }],
            Block::Norm(n) if !n.kind.has_beta() => vec![Param { name: "weight", value: &n.gamma, decay: false }],
            Block::Norm(n) => {
                vec![Param { name: "weight", value: &n.gamma, decay: false }, Param { name: "bias", value: &n.beta, decay: false }]
            }
            Block::Merge(m) if m.learns_alpha => vec![Param { name: "alpha", value: std::slice::from_ref(&m.alpha), decay: false }],
            Block::Act(_) | Block::Fork | Block::Merge(_) => Vec::new(),
        }
    }

    /// The parameter tensors, mutably, in [`Block::params`] order.
    pub fn params_mut(&mut self) -> Vec<ParamMut<'_>> {
        match self {
            Block::Dense(d) => {
                vec![ParamMut { name: "weight", value: &mut d.w, decay: true }, ParamMut { name: "bias", value: &mut d.b, decay: false }]
            }
            Block::Norm(n) => {
                let mut v = vec![ParamMut { name: "weight", value: &mut n.gamma, decay: false }];
                if n.kind.has_beta() {
                    v.push(ParamMut { name: "bias", value: &mut n.beta, decay: false });
                }
                v
            }
            Block::Merge(m) if m.learns_alpha => vec![ParamMut { name: "alpha", value: std::slice::from_mut(&mut m.alpha), decay: false }],
            Block::Act(_) | Block::Fork | Block::Merge(_) => Vec::new(),
        }
    }

    /// Floats of each parameter's gradient for an input `width_in` wide (in [`Block::params`]
    /// order; known from the shape alone).
    #[must_use]
    pub fn grad_sizes(&self, width_in: usize) -> Vec<usize> {
        match self {
            Block::Dense(d) => vec![d.fan_in * d.fan_out, d.fan_out],
            Block::Norm(n) if !n.kind.has_beta() => vec![width_in],
            Block::Norm(_) => vec![width_in, width_in],
            Block::Merge(m) if m.learns_alpha => vec![1],
            Block::Act(_) | Block::Fork | Block::Merge(_) => Vec::new(),
        }
    }

    /// Sizes `saved` for a forward pass of `batch` rows `width` wide (the block's output width),
    /// taking new buffers from `spares`.
    pub fn size_saved(&self, saved: &mut Saved, batch: usize, width: usize, spares: &mut Spares) {
        match self {
            Block::Norm(n) => {
                spares.fit(&mut saved.xhat, batch * width);
                spares.fit(&mut saved.inv_std, n.kind.inv_std_len(batch, width));
            }
            // ReZero's F, for ∂L/∂α (the sum may overwrite it).
            Block::Merge(m) if m.learns_alpha => spares.fit(&mut saved.xhat, batch * width),
            Block::Dense(_) | Block::Act(_) | Block::Fork | Block::Merge(_) => {}
        }
    }

    /// The forward pass of `batch` rows.
    pub fn forward(&self, io: Io<'_>, saved: &mut Saved, batch: usize) {
        let (input, out, skip, in_place) = match io {
            Io::Map { input, out } => (input, out, &[][..], false),
            Io::InPlace(z) => (&[][..], z, &[][..], true),
            Io::Join { input, skip, out } => (input, out, skip, false),
            Io::JoinInPlace { skip, out } => (&[][..], out, skip, true),
        };
        match self {
            Block::Dense(d) => d.affine(input, out, batch),
            Block::Norm(n) => {
                // saved.raw, the moments of z before it, is the pass's to measure (over its row
                // chunks: `crate::nn::network::forward`).
                match n.kind {
                    NormKind::Batch => batch_norm_forward(out, &mut saved.xhat, &mut saved.inv_std, n, batch, n.gamma.len()),
                    NormKind::Layer => layer_norm_forward(out, &mut saved.xhat, &mut saved.inv_std, n),
                    NormKind::Rms => rms_norm_forward(out, &mut saved.xhat, &mut saved.inv_std, n),
                }
            }
            Block::Act(f) => f.forward(input, out),
            Block::Fork => out.copy_from_slice(input),
            Block::Merge(m) => {
                if m.learns_alpha {
                    saved.xhat.clear();
                    saved.xhat.extend_from_slice(if in_place { out } else { input });
                }
                m.forward((!in_place).then_some(input), skip, out);
            }
        }
    }

    /// Drops what [`Block::recall`] can compute again from the output (a norm's x̂, of every kind),
    /// for a pass that keeps only what it cannot recompute, giving the memory to `spares`. A norm's
    /// 1/√(σ² + ε) (per unit or per sample) is not recallable from u and stays on the tape.
    pub fn forget(&self, saved: &mut Saved, spares: &mut Spares) {
        match self {
            Block::Norm(_) => spares.give(std::mem::take(&mut saved.xhat)),
            Block::Dense(_) | Block::Act(_) | Block::Fork | Block::Merge(_) => {}
        }
    }

    /// Computes again into `saved` (in memory from `spares`) what [`Block::forget`] dropped,
    /// from the block's kept output: x̂ = (u − β)/γ of u = γ·x̂ + β, with this block's γ and β
    /// (x̂ = u/γ for RMS norm, which has no β).
    pub fn recall(&self, output: &[f32], saved: &mut Saved, spares: &mut Spares) {
        match self {
            Block::Norm(n) => {
                let width = n.gamma.len();
                saved.xhat = spares.take(output.len());
                saved.xhat.clear();
                if n.kind.has_beta() {
                    let xhat =
                        output.chunks_exact(width).flat_map(|row| row.iter().zip(&n.beta).zip(&n.gamma).map(|((&u, &b), &g)| (u - b) / g));
                    saved.xhat.extend(xhat);
                } else {
                    saved.xhat.extend(output.chunks_exact(width).flat_map(|row| row.iter().zip(&n.gamma).map(|(&u, &g)| u / g)));
                }
            }
            Block::Dense(_) | Block::Act(_) | Block::Fork | Block::Merge(_) => {}
        }
    }

    /// The backward pass: ∂L/∂θ of the parameters into `b.grads`, ∂L/∂(input) into `b.d_in`
    /// (or in place, for in-place blocks), from ∂L/∂(output) in `b.d_out`.
    pub fn backward(&self, b: Backward<'_, '_>) {
        let batch = b.work.batch;
        match self {
            Block::Dense(d) => {
                // ∂L/∂W = aᵀ·δ, summed over the row chunks as a pairwise tree (shard::tree); ∂L/∂b = Σ_batch δ
                let [dw, db] = b.grads else { return };
                dw.resize(d.fan_in * d.fan_out, 0.0);
                dw_tree(b.input, b.d_out, b.work.chunks, (d.fan_in, d.fan_out), dw, b.work.temps, b.work.scratch);
                db.resize(d.fan_out, 0.0);
                db.fill(0.0);
                for row in b.d_out.chunks_exact(d.fan_out) {
                    for (s, &g) in db.iter_mut().zip(row) {
                        *s += g;
                    }
                }
                // ∂L/∂a = δ · Wᵀ
                if let Some(d_in) = b.d_in {
                    d_in.resize(batch * d.fan_in, 0.0);
                    matmul_a_bt(b.d_out, &d.w, d_in, batch, d.fan_out, d.fan_in, b.work.scratch);
                }
            }
            Block::Norm(n) => {
                let width = n.gamma.len();
                let (xhat, inv_std) = (&b.saved.xhat, &b.saved.inv_std);
                match (n.kind, b.grads) {
                    (NormKind::Batch, [dgamma, dbeta]) => {
                        dgamma.resize(width, 0.0);
                        dbeta.resize(width, 0.0);
                        batch_norm_backward(b.d_out, xhat, inv_std, n, dgamma, dbeta, batch, width);
                    }
                    (NormKind::Layer, [dgamma, dbeta]) => {
                        dgamma.resize(width, 0.0);
                        dbeta.resize(width, 0.0);
                        affine_grads(b.d_out, xhat, dgamma, Some(dbeta), width);
                        layer_norm_backward(b.d_out, xhat, inv_std, n);
                    }
                    (NormKind::Rms, [dgamma]) => {
                        dgamma.resize(width, 0.0);
                        affine_grads(b.d_out, xhat, dgamma, None, width);
                        rms_norm_backward(b.d_out, xhat, inv_std, n);
                    }
                    _ => {}
                }
            }
            Block::Act(f) => {
                // ∂L/∂u = ∂L/∂a ⊙ φ′(u)
                if let Some(d_in) = b.d_in {
                    d_in.resize(b.d_out.len(), 0.0);
                    f.backward(b.input, b.output, b.d_out, d_in);
                }
            }
            Block::Fork => {
                // ∂L/∂x = ∂L/∂(the branch's copy) + ∂L/∂x of the skip
                if let Some(d_in) = b.d_in {
                    d_in.clear();
                    d_in.extend(b.d_out.iter().zip(b.skip.iter()).map(|(&d, &s)| d + s));
                }
            }
            Block::Merge(m) => {
                // the skip's ∂L/∂x = s·∂L/∂y, the branch's ∂L/∂F = α·∂L/∂y, ∂L/∂α = Σ ∂L/∂y ⊙ F
                b.skip.clear();
                b.skip.extend(b.d_out.iter().map(|&d| m.skip * d));
                if let [dalpha] = b.grads {
                    let sum: f64 = b.d_out.iter().zip(&b.saved.xhat).map(|(&d, &f)| f64::from(d) * f64::from(f)).sum();
                    dalpha.clear();
                    dalpha.push(sum as f32);
                }
                if let Some(d_in) = b.d_in {
                    d_in.clear();
                    d_in.extend(b.d_out.iter().map(|&d| m.alpha * d));
                } else if m.in_place {
                    b.d_out.iter_mut().for_each(|d| *d *= m.alpha);
                }
            }
        }
    }
}

impl Merge {
    /// y = s·x + α·F, element by element (`branch` is F, or `None` when F is in `out` already;
    /// `skip` is x). With s = 1 and α = 1 this is x + F exactly; with α = 0 (ReZero's start) it
    /// is x bit for bit.
    pub fn forward(&self, branch: Option<&[f32]>, skip: &[f32], out: &mut [f32]) {
        match branch {
            Some(f) => out.iter_mut().zip(f).zip(skip).for_each(|((y, &f), &x)| *y = self.skip * x + self.alpha * f),
            None => out.iter_mut().zip(skip).for_each(|(y, &x)| *y = self.skip * x + self.alpha * *y),
        }
    }
}

impl Dense {
    /// The shape of a `fan_in` × `fan_out` layer without its weights.
    #[must_use]
    pub fn shape_only(fan_in: usize, fan_out: usize) -> Self {
        Self { fan_in, fan_out, w: Vec::new(), b: Vec::new() }
    }

    /// z = a·W + b for a batch of `batch` rows of `a`.
    pub fn affine(&self, a: &[f32], z: &mut [f32], batch: usize) {
        matmul(a, &self.w, z, batch, self.fan_in, self.fan_out);
        for row in z.chunks_exact_mut(self.fan_out) {
            for (v, &b) in row.iter_mut().zip(&self.b) {
                *v += b;
            }
        }
    }
}

/// `out` = aᵀ·δ over the rows of `chunks` (a power-of-two list of consecutive row ranges), as a
/// pairwise tree: the sum over the left half of the chunks plus the sum over the right half. A
/// shard of the batch computes a subtree, so shards combine to exactly these bits.
pub(crate) fn dw_tree(
    a: &[f32],
    delta: &[f32],
    chunks: &[std::ops::Range<usize>],
    (fan_in, fan_out): (usize, usize),
    out: &mut [f32],
    temps: &mut [Vec<f32>],
    scratch: &mut Vec<f32>,
) {
    if let [r] = chunks {
        let (x, d) = (&a[r.start * fan_in..r.end * fan_in], &delta[r.start * fan_out..r.end * fan_out]);
        matmul_at_b(x, d, out, r.len(), fan_in, fan_out, scratch);
        return;
    }
    let (left, right) = chunks.split_at(chunks.len() / 2);
    dw_tree(a, delta, left, (fan_in, fan_out), out, temps, scratch);
    let Some((tmp, rest)) = temps.split_first_mut() else { return };
    tmp.resize(fan_in * fan_out, 0.0);
    dw_tree(a, delta, right, (fan_in, fan_out), tmp, rest, scratch);
    out.iter_mut().zip(tmp.iter()).for_each(|(o, t)| *o += t);
}

/// In place: z ← γ·x̂ + β with x̂ = (z − μ)/√(σ² + ε), μ and σ² (biased) over the batch per unit.
fn batch_norm_forward(z: &mut [f32], xhat: &mut [f32], inv_std: &mut [f32], bn: &Norm, batch: usize, n: usize) {
    let mut mean = vec![0f64; n];
    let mut var = vec![0f64; n];
    for row in z.chunks_exact(n) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    for m in &mut mean {
        *m /= batch as f64;
    }
    for row in z.chunks_exact(n) {
        for ((s, &v), &m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (f64::from(v) - m).powi(2);
        }
    }
    for (is, s) in inv_std.iter_mut().zip(&var) {
        *is = (1.0 / (s / batch as f64 + f64::from(bn.eps)).sqrt()) as f32;
    }
    for (zrow, xrow) in z.chunks_exact_mut(n).zip(xhat.chunks_exact_mut(n)) {
        for j in 0..n {
            let xh = ((f64::from(zrow[j]) - mean[j]) as f32) * inv_std[j];
            xrow[j] = xh;
            zrow[j] = bn.gamma[j] * xh + bn.beta[j];
        }
    }
}

/// In place: du (dL/du) ← dL/dz, with dγ = Σ du·x̂, dβ = Σ du and
/// dL/dz = γ·inv_std/B · (B·du − Σ du − x̂·Σ(du·x̂)).
#[allow(clippy::too_many_arguments)]
fn batch_norm_backward(
    du: &mut [f32],
    xhat: &[f32],
    inv_std: &[f32],
    bn: &Norm,
    dgamma: &mut [f32],
    dbeta: &mut [f32],
    batch: usize,
    n: usize,
) {
    let (sum_du, sum_du_xhat) = column_sums(du, xhat, n);
    for j in 0..n {
        dgamma[j] = sum_du_xhat[j] as f32;
        dbeta[j] = sum_du[j] as f32;
    }
    let bf = batch as f64;
    for (drow, xrow) in du.chunks_exact_mut(n).zip(xhat.chunks_exact(n)) {
        for j in 0..n {
            let k = f64::from(bn.gamma[j]) * f64::from(inv_std[j]) / bf;
            drow[j] = (k * (bf * f64::from(drow[j]) - sum_du[j] - f64::from(xrow[j]) * sum_du_xhat[j])) as f32;
        }
    }
}

/// In place, per sample (row) over its `n` units (Ba, Kiros & Hinton 2016, eq. 4; PyTorch
/// `nn.LayerNorm`): z ← γ·x̂ + β with x̂ = (z − μ)/√(σ² + ε), μ = Σ_j z_j/n and the biased
/// σ² = Σ_j (z_j − μ)²/n of that row; `inv_std` (one per row) keeps 1/√(σ² + ε). The sums are in
/// f64, as batch norm's.
fn layer_norm_forward(z: &mut [f32], xhat: &mut [f32], inv_std: &mut [f32], ln: &Norm) {
    let n = ln.gamma.len();
    for ((zrow, xrow), is) in z.chunks_exact_mut(n).zip(xhat.chunks_exact_mut(n)).zip(inv_std.iter_mut()) {
        let mean = zrow.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
        let var = zrow.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n as f64;
        *is = (1.0 / (var + f64::from(ln.eps)).sqrt()) as f32;
        for j in 0..n {
            let xh = ((f64::from(zrow[j]) - mean) as f32) * *is;
            xrow[j] = xh;
            zrow[j] = ln.gamma[j] * xh + ln.beta[j];
        }
    }
}

/// In place, per sample (row) over its `n` units (Zhang & Sennrich 2019, eq. 4; PyTorch
/// `nn.RMSNorm`): z ← γ·x̂ with x̂ = z·r, r = 1/√(m + ε), m = Σ_j z_j²/n of that row (no mean
/// subtracted, no β); `inv_std` (one per row) keeps r.
fn rms_norm_forward(z: &mut [f32], xhat: &mut [f32], inv_std: &mut [f32], rms: &Norm) {
    let n = rms.gamma.len();
    for ((zrow, xrow), is) in z.chunks_exact_mut(n).zip(xhat.chunks_exact_mut(n)).zip(inv_std.iter_mut()) {
        let ms = zrow.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / n as f64;
        *is = (1.0 / (ms + f64::from(rms.eps)).sqrt()) as f32;
        for j in 0..n {
            let xh = zrow[j] * *is;
            xrow[j] = xh;
            zrow[j] = rms.gamma[j] * xh;
        }
    }
}

/// Per unit j of rows `n` wide: Σ_rows du_j and Σ_rows du_j·x̂_j, in f64, rows in order (the
/// sums of a norm's backward pass and of its ∂L/∂β, ∂L/∂γ).
fn column_sums(du: &[f32], xhat: &[f32], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut sum_du = vec![0f64; n];
    let mut sum_du_xhat = vec![0f64; n];
    for (drow, xrow) in du.chunks_exact(n).zip(xhat.chunks_exact(n)) {
        for j in 0..n {
            sum_du[j] += f64::from(drow[j]);
            sum_du_xhat[j] += f64::from(drow[j]) * f64::from(xrow[j]);
        }
    }
    (sum_du, sum_du_xhat)
}

/// ∂L/∂γ_j = Σ_rows du_j·x̂_j and ∂L/∂β_j = Σ_rows du_j (summed in f64, rows in order) of a
/// per-sample norm, from du = ∂L/∂u before it is turned into ∂L/∂z.
fn affine_grads(du: &[f32], xhat: &[f32], dgamma: &mut [f32], dbeta: Option<&mut [f32]>, n: usize) {
    let (sum_du, sum_du_xhat) = column_sums(du, xhat, n);
    for (g, s) in dgamma.iter_mut().zip(&sum_du_xhat) {
        *g = *s as f32;
    }
    if let Some(dbeta) = dbeta {
        for (b, s) in dbeta.iter_mut().zip(&sum_du) {
            *b = *s as f32;
        }
    }
}

/// In place, per row: du (∂L/∂u) ← ∂L/∂z of layer norm. With g = γ ⊙ du (∂L/∂x̂) and
/// r = 1/√(σ² + ε) of the row, ∂L/∂z_j = r/n · (n·g_j − Σ_k g_k − x̂_j·Σ_k g_k·x̂_k): batch norm's
/// formula with the sums over the row's units instead of the batch's samples (Ba et al. 2016 give
/// the forward pass; this is its chain rule, as PyTorch's `layer_norm_backward`).
fn layer_norm_backward(du: &mut [f32], xhat: &[f32], inv_std: &[f32], ln: &Norm) {
    let n = ln.gamma.len();
    let nf = n as f64;
    for ((drow, xrow), &r) in du.chunks_exact_mut(n).zip(xhat.chunks_exact(n)).zip(inv_std) {
        let (mut sum_g, mut sum_gx) = (0f64, 0f64);
        for j in 0..n {
            let g = f64::from(ln.gamma[j]) * f64::from(drow[j]);
            sum_g += g;
            sum_gx += g * f64::from(xrow[j]);
        }
        let k = f64::from(r) / nf;
        for j in 0..n {
            let g = f64::from(ln.gamma[j]) * f64::from(drow[j]);
            drow[j] = (k * (nf * g - sum_g - f64::from(xrow[j]) * sum_gx)) as f32;
        }
    }
}

/// In place, per row: du (∂L/∂u) ← ∂L/∂z of RMS norm. With g = γ ⊙ du and r = 1/√(m + ε),
/// ∂r/∂z_k = −r³·z_k/n, so ∂L/∂z_j = r·(g_j − x̂_j·Σ_k g_k·x̂_k/n) = r/n · (n·g_j − x̂_j·Σ_k g_k·x̂_k)
/// (Zhang & Sennrich 2019, §4: layer norm's gradient without the mean's term −Σ g).
fn rms_norm_backward(du: &mut [f32], xhat: &[f32], inv_std: &[f32], rms: &Norm) {
    let n = rms.gamma.len();
    let nf = n as f64;
    for ((drow, xrow), &r) in du.chunks_exact_mut(n).zip(xhat.chunks_exact(n)).zip(inv_std) {
        let mut sum_gx = 0f64;
        for j in 0..n {
            sum_gx += f64::from(rms.gamma[j]) * f64::from(drow[j]) * f64::from(xrow[j]);
        }
        let k = f64::from(r) / nf;
        for j in 0..n {
            let g = f64::from(rms.gamma[j]) * f64::from(drow[j]);
            drow[j] = (k * (nf * g - f64::from(xrow[j]) * sum_gx)) as f32;
        }
    }
}
