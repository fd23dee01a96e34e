//! A dense multilayer perceptron with explicit forward and backward passes.
//!
//! Layer l (0-based) computes z = a_{l−1}·W_l + b_l, optionally batch-normalises it
//! (u = γ·(z − μ_B)/√(σ²_B + ε) + β, Ioffe & Szegedy 2015, training-mode statistics), then
//! a_l = f(u) for hidden layers; the last layer is linear (y = z). Buffers live in a
//! [`Workspace`] allocated once per configuration and reused by every pass.

use crate::activation::Activation;
use crate::init::InitSpec;
use crate::linalg::{matmul, matmul_a_bt, matmul_at_b};
use crate::rng::{Rng, Stream};
use crate::stats::Moments;

/// ε of batch normalisation (PyTorch `BatchNorm1d` default).
pub const BN_EPS: f32 = 1e-5;

/// Learnable scale and shift of a batch-norm layer (initialised to γ = 1, β = 0).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNorm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

impl BatchNorm {
    /// γ = 1, β = 0 for `n` units, as PyTorch's `BatchNorm1d` starts.
    #[must_use]
    pub fn initial(n: usize) -> Self {
        Self { gamma: vec![1.0; n], beta: vec![0.0; n] }
    }
}

/// One dense layer: `w` is row-major fan_in × fan_out.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub fan_in: usize,
    pub fan_out: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    pub bn: Option<BatchNorm>,
}

/// The shape of a network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub input: usize,
    pub depth: usize,
    pub width: usize,
    pub output: usize,
}

impl Shape {
    /// (fan_in, fan_out) of every layer, the output layer last.
    #[must_use]
    pub fn layer_dims(&self) -> Vec<(usize, usize)> {
        let mut dims = Vec::with_capacity(self.depth + 1);
        let mut prev = self.input;
        for _ in 0..self.depth {
            dims.push((prev, self.width));
            prev = self.width;
        }
        dims.push((prev, self.output));
        dims
    }
}

impl Layer {
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

/// A multilayer perceptron: `depth` hidden layers with activation `act`, then a linear output.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    pub layers: Vec<Layer>,
    pub act: Activation,
}

impl Mlp {
    /// Builds and initialises a network. Layer k draws from its own seeded stream, so its weights
    /// depend only on (seed, k, shape, initializer), not on the batch or the other layers.
    #[must_use]
    pub fn new(shape: Shape, act: Activation, init: &InitSpec, batch_norm: bool, seed: u64) -> Self {
        let layers = (0..=shape.depth).map(|k| Self::draw_layer(shape, act, init, batch_norm, seed, k)).collect();
        Self { layers, act }
    }

    /// Layer `k` (0-based, the output layer last) of the network [`Mlp::new`] builds, alone: drawn
    /// from its own stream, so it is the same bits whenever it is drawn (`crate::lean` draws
    /// layers again instead of keeping them).
    #[must_use]
    pub fn draw_layer(shape: Shape, act: Activation, init: &InitSpec, batch_norm: bool, seed: u64, k: usize) -> Layer {
        let dims = shape.layer_dims();
        let (fan_in, fan_out) = dims[k];
        let mut rng = Rng::new(seed, Stream::Layer(k as u32));
        let mut w = vec![0f32; fan_in * fan_out];
        let mut b = vec![0f32; fan_out];
        init.fill_weights(&mut w, fan_in, fan_out, act, &mut rng);
        init.fill_bias(&mut b, fan_in, act, &mut rng);
        let bn = (batch_norm && k + 1 < dims.len()).then(|| BatchNorm::initial(fan_out));
        Layer { fan_in, fan_out, w, b, bn }
    }

    /// Number of hidden layers.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// Output width.
    #[must_use]
    pub fn output_dim(&self) -> usize {
        self.layers.last().map_or(0, |l| l.fan_out)
    }

    /// Forward pass of a batch `x` (batch × input). Keeps every layer's pre-activation and
    /// activation in `ws`; returns the output (batch × output).
    pub fn forward<'w>(&self, x: &[f32], ws: &'w mut Workspace) -> &'w [f32] {
        let batch = ws.batch;
        let last = self.layers.len() - 1;
        let Workspace { pre, act, raw_pre, xhat, inv_std, .. } = ws;
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, rest) = act.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &before[l - 1] };
            let z = &mut pre[l];
            layer.affine(input, z, batch);
            if let Some(bn) = &layer.bn {
                raw_pre[l] = Some(Moments::of(z));
                batch_norm_forward(z, &mut xhat[l], &mut inv_std[l], bn, batch, layer.fan_out);
            }
            let out = &mut rest[0];
            if l == last {
                out.copy_from_slice(z);
            } else {
                self.act.forward(z, out);
            }
        }
        &ws.act[last]
    }

    /// Backward pass from dL/dy (`dy`, batch × output), after [`Mlp::forward`] on the same `x`.
    /// Fills dL/dW, dL/db (and dL/dγ, dL/dβ) of every layer and dL/da of every hidden layer.
    pub fn backward(&self, x: &[f32], dy: &[f32], ws: &mut Workspace) {
        let batch = ws.batch;
        let Workspace { pre, act, xhat, inv_std, dw, db, dgamma, dbeta, dact, delta, delta_next, scratch, chunks, dw_temps, .. } = ws;
        delta.clear();
        delta.extend_from_slice(dy);
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let input: &[f32] = if l == 0 { x } else { &act[l - 1] };
            // dW = a_{l−1}ᵀ · δ, summed over the row chunks as a pairwise tree (shard::tree);  db = Σ_batch δ
            dw_tree(input, delta, chunks, (layer.fan_in, layer.fan_out), &mut dw[l], dw_temps, scratch);
            db[l].fill(0.0);
            for row in delta.chunks_exact(layer.fan_out) {
                for (s, &d) in db[l].iter_mut().zip(row) {
                    *s += d;
                }
            }
            if l == 0 {
                break;
            }
            // dL/da_{l−1} = δ · W_lᵀ
            let below = &self.layers[l - 1];
            matmul_a_bt(delta, &layer.w, &mut dact[l - 1], batch, layer.fan_out, layer.fan_in, scratch);
            // dL/du = dL/da ⊙ f′(u)
            delta_next.resize(batch * below.fan_out, 0.0);
            self.act.backward(&pre[l - 1], &act[l - 1], &dact[l - 1], delta_next);
            if let Some(bn) = &below.bn {
                batch_norm_backward(
                    delta_next,
                    &xhat[l - 1],
                    &inv_std[l - 1],
                    bn,
                    &mut dgamma[l - 1],
                    &mut dbeta[l - 1],
                    batch,
                    below.fan_out,
                );
            }
            std::mem::swap(delta, delta_next);
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
pub(crate) fn batch_norm_forward(z: &mut [f32], xhat: &mut [f32], inv_std: &mut [f32], bn: &BatchNorm, batch: usize, n: usize) {
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
        *is = (1.0 / (s / batch as f64 + f64::from(BN_EPS)).sqrt()) as f32;
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
pub(crate) fn batch_norm_backward(
    du: &mut [f32],
    xhat: &[f32],
    inv_std: &[f32],
    bn: &BatchNorm,
    dgamma: &mut [f32],
    dbeta: &mut [f32],
    batch: usize,
    n: usize,
) {
    let mut sum_du = vec![0f64; n];
    let mut sum_du_xhat = vec![0f64; n];
    for (drow, xrow) in du.chunks_exact(n).zip(xhat.chunks_exact(n)) {
        for j in 0..n {
            sum_du[j] += f64::from(drow[j]);
            sum_du_xhat[j] += f64::from(drow[j]) * f64::from(xrow[j]);
        }
    }
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

/// Every buffer of a pass, allocated once per (network shape, batch) and reused.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub batch: usize,
    /// Input to the nonlinearity of each layer (batch × fan_out): z, or the batch-norm output.
    pub pre: Vec<Vec<f32>>,
    /// Activation of each layer (batch × fan_out); the last is the network output.
    pub act: Vec<Vec<f32>>,
    /// Moments of z = a·W + b before batch norm, of batch-norm layers (`pre` holds γ·x̂ + β there).
    pub raw_pre: Vec<Option<Moments>>,
    /// Normalised x̂ and 1/√(σ² + ε) of batch-norm layers (empty otherwise).
    pub xhat: Vec<Vec<f32>>,
    pub inv_std: Vec<Vec<f32>>,
    /// dL/dW (fan_in × fan_out), dL/db, dL/dγ, dL/dβ of each layer.
    pub dw: Vec<Vec<f32>>,
    pub db: Vec<Vec<f32>>,
    pub dgamma: Vec<Vec<f32>>,
    pub dbeta: Vec<Vec<f32>>,
    /// dL/da of each hidden layer (batch × width).
    pub dact: Vec<Vec<f32>>,
    /// The row chunks ∂L/∂W is summed over (see `shard::chunk_count`): consecutive ranges, a
    /// power-of-two count; one chunk of every row by default.
    pub chunks: Vec<std::ops::Range<usize>>,
    /// One buffer per level of the chunk tree below the top, for the right halves' sums.
    dw_temps: Vec<Vec<f32>>,
    delta: Vec<f32>,
    delta_next: Vec<f32>,
    scratch: Vec<f32>,
}

impl Workspace {
    /// Buffers for `mlp` on batches of `batch` samples.
    #[must_use]
    pub fn new(mlp: &Mlp, batch: usize) -> Self {
        let per_layer = |f: &dyn Fn(&Layer) -> usize| mlp.layers.iter().map(|l| vec![0f32; f(l)]).collect::<Vec<_>>();
        let bn_sized = |f: &dyn Fn(&Layer) -> usize| {
            mlp.layers.iter().map(|l| if l.bn.is_some() { vec![0f32; f(l)] } else { Vec::new() }).collect::<Vec<_>>()
        };
        let max_width = mlp.layers.iter().map(|l| l.fan_in.max(l.fan_out)).max().unwrap_or(0);
        Self {
            batch,
            pre: per_layer(&|l| batch * l.fan_out),
            act: per_layer(&|l| batch * l.fan_out),
            raw_pre: vec![None; mlp.layers.len()],
            xhat: bn_sized(&|l| batch * l.fan_out),
            inv_std: bn_sized(&|l| l.fan_out),
            dw: per_layer(&|l| l.fan_in * l.fan_out),
            db: per_layer(&|l| l.fan_out),
            dgamma: bn_sized(&|l| l.fan_out),
            dbeta: bn_sized(&|l| l.fan_out),
            dact: mlp.layers[..mlp.depth()].iter().map(|l| vec![0f32; batch * l.fan_out]).collect(),
            chunks: std::iter::once(0..batch).collect(),
            dw_temps: Vec::new(),
            delta: Vec::with_capacity(batch * max_width),
            delta_next: Vec::with_capacity(batch * max_width),
            scratch: Vec::with_capacity(max_width * batch.max(max_width)),
        }
    }

    /// Sums ∂L/∂W over these row chunks (a power-of-two count of consecutive ranges covering the batch).
    pub fn set_chunks(&mut self, chunks: Vec<std::ops::Range<usize>>) {
        debug_assert!(chunks.len().is_power_of_two() && chunks.last().is_some_and(|r| r.end == self.batch));
        self.dw_temps = vec![Vec::new(); chunks.len().ilog2() as usize];
        self.chunks = chunks;
    }

    /// Bytes held by the buffers of a network of this shape (f32 everywhere), for the memory budget.
    #[must_use]
    pub fn bytes_for(shape: Shape, batch: usize, batch_norm: bool) -> u64 {
        let dims = shape.layer_dims();
        let (b, mut total) = (batch as u64, 0u64);
        for (i, o) in &dims {
            let (i, o) = (*i as u64, *o as u64);
            total += 2 * i * o + 2 * o; // weights + dW, bias + db
            total += 3 * b * o; // pre, act, dact
            if batch_norm {
                total += b * o + 5 * o;
            }
        }
        let w = dims.iter().map(|&(i, o)| i.max(o) as u64).max().unwrap_or(0);
        total += 2 * b * w + w * b.max(w) + b * shape.input as u64;
        // The chunk tree's buffers: up to log2(8) = 3 of the largest layer's ∂L/∂W.
        total += 3 * dims.iter().map(|&(i, o)| (i * o) as u64).max().unwrap_or(0);
        4 * total
    }
}
