//! The input–output Jacobian of a network at given inputs, in forward mode.
//!
//! The passes use rows: a hidden layer maps a row a to φ(a·W + b). For one input x, the tangent
//! T_l = ∂a_l/∂x is an n_in × n_l matrix (row r: how a_l moves as x moves along e_r), starting at
//! T_0 = I, and each block maps it as its linearization at that input does:
//!
//! - Dense: T ← T·W (the bias does not move with x);
//! - Act: T ← T·diag(φ′(z)), z the block's input at x;
//! - layer norm, per row t of T (a direction dz): u′ = γ ⊙ (dz − mean(dz) − x̂·mean(dz ⊙ x̂))/σ,
//!   with x̂ = (z − μ)/σ and σ = √(Var z + ε) of the sample (the derivative of γ·x̂ + β);
//! - RMS norm: u′ = γ ⊙ (dz − x̂·mean(dz ⊙ x̂))·r with x̂ = z·r, r = 1/√(mean z² + ε);
//! - a residual block y = s·x + α·F(x): T ← s·T_x + α·T_F, T_x the tangent at its `Fork`.
//!
//! In a residual network a layer ends with its block (the stream after the sum, or after the
//! norm that follows it), so `after_layer` sees ∂x_l/∂x of the stream.
//!
//! After hidden layer l, T_l = W_1·D_1⋯W_l·D_l (D = diag(φ′)): the transpose of the column
//! convention's J_l = D_l·W_lᵀ⋯D_1·W_1ᵀ of Pennington, Schoenholz & Ganguli (2017), with the same
//! singular values. Batch norm has no Jacobian per input: a sample's output moves with the
//! other samples of its batch ([`JacobianError::CouplesSamples`]).
//!
//! Tangents are f64. The weights, z and φ′ are the network's own f32 values (exact in f64), the
//! products are summed in f64: after a hundred layers, f32 rounding would bury every singular
//! value below about 10⁻⁴ of the largest, and the spread of the small ones is what the spectrum
//! is read for.

use crate::math::linalg::matmul_f64;
use crate::nn::block::{Block, Io, NormKind, Saved};
use crate::nn::network::{Mlp, Need, Source};
use std::fmt;
use std::ops::ControlFlow;

/// Why a network's input–output Jacobian is not computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JacobianError {
    /// A batch norm: a sample's output depends on the other samples, not on its input alone.
    CouplesSamples,
    /// No input, or inputs not a whole number of rows.
    NoInput,
    /// Hidden layer `layer`'s activations, or the Jacobian's entries there, are not finite (the
    /// signal overflowed f32, or the product f64).
    NotFinite { layer: usize },
}

impl fmt::Display for JacobianError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CouplesSamples => f.write_str(
                "with batch norm a sample's output depends on the whole batch, so there is no Jacobian of one input; choose layer norm, RMS norm or none",
            ),
            Self::NoInput => f.write_str("the Jacobian needs at least one input"),
            Self::NotFinite { layer } => write!(
                f,
                "at layer {layer} the activations or the Jacobian's entries overflow (they are not finite numbers), so from there the Jacobian has no value to decompose"
            ),
        }
    }
}

/// The tangents of a few inputs after some hidden layer: `t[i]` is input i's `rows × cols`
/// matrix ∂a_l/∂x, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Tangents {
    pub rows: usize,
    pub cols: usize,
    pub t: Vec<Vec<f64>>,
}

/// Runs the inputs `x` (row-major, `plan.input_dim()` features each) through the hidden layers of
/// the network `src` gives (of the blocks of `plan`), carrying each input's tangent, and calls
/// `after_layer(l, tangents)` after every hidden layer l (1-based); it may stop the walk. The
/// output layer is not applied: the Jacobian is of the last hidden layer's activations. Each
/// Dense is asked for once, so a [`crate::nn::network::Drawn`] network draws each layer once.
pub fn tangents(
    plan: &Mlp,
    src: &mut dyn Source,
    x: &[f32],
    mut after_layer: impl FnMut(usize, &Tangents) -> ControlFlow<()>,
) -> Result<(), JacobianError> {
    if plan.blocks.iter().any(|b| matches!(b, Block::Norm(n) if n.kind == NormKind::Batch)) {
        return Err(JacobianError::CouplesSamples);
    }
    let n_in = plan.input_dim();
    if n_in == 0 || x.is_empty() || !x.len().is_multiple_of(n_in) {
        return Err(JacobianError::NoInput);
    }
    let inputs = x.len() / n_in;
    let mut a = x.to_vec();
    let mut width = n_in;
    let mut tan = Tangents { rows: n_in, cols: n_in, t: vec![identity(n_in); inputs] };
    let mut w64 = Vec::new();
    let mut next = Vec::new();
    let mut layer = 0;
    // The last block is the output layer.
    let hidden = plan.blocks.len().saturating_sub(1);
    let residual = plan.blocks.iter().any(|b| matches!(b, Block::Merge(_)));
    let ends_block = |k: usize| {
        matches!(plan.blocks[k], Block::Merge(_) | Block::Norm(_)) && (k + 1 == hidden || matches!(plan.blocks[k + 1], Block::Fork))
    };
    let mut fork: Option<(Vec<f32>, Vec<Vec<f64>>)> = None;
    for k in 0..hidden {
        let block = src.block(k, Need::Weights);
        let out_width = block.width_out(width);
        let mut saved = Saved::default();
        match block {
            Block::Dense(d) => {
                let mut z = vec![0f32; inputs * out_width];
                block.forward(Io::Map { input: &a, out: &mut z }, &mut saved, inputs);
                w64.clear();
                w64.extend(d.w.iter().map(|&v| f64::from(v)));
                for t in &mut tan.t {
                    next.resize(n_in * out_width, 0.0);
                    matmul_f64(t, &w64, &mut next, n_in, width, out_width);
                    std::mem::swap(t, &mut next);
                }
                tan.cols = out_width;
                a = z;
            }
            Block::Norm(norm) => {
                saved.xhat = vec![0f32; inputs * width];
                saved.inv_std = vec![0f32; norm.kind.inv_std_len(inputs, width)];
                block.forward(Io::InPlace(&mut a), &mut saved, inputs);
                for (i, t) in tan.t.iter_mut().enumerate() {
                    let xhat = &saved.xhat[i * width..(i + 1) * width];
                    let scale = f64::from(saved.inv_std[i]);
                    norm_tangent(t, width, xhat, scale, &norm.gamma, norm.kind == NormKind::Layer);
                }
            }
            Block::Act(f) => {
                let mut y = vec![0f32; a.len()];
                block.forward(Io::Map { input: &a, out: &mut y }, &mut saved, inputs);
                for (i, t) in tan.t.iter_mut().enumerate() {
                    let (z, yi) = (&a[i * width..(i + 1) * width], &y[i * width..(i + 1) * width]);
                    let d: Vec<f64> = z.iter().zip(yi).map(|(&z, &y)| f64::from(f.derivative(z, y))).collect();
                    for row in t.chunks_exact_mut(width) {
                        row.iter_mut().zip(&d).for_each(|(v, &g)| *v *= g);
                    }
                }
                a = y;
            }
            Block::Fork => fork = Some((a.clone(), tan.t.clone())),
            Block::Merge(m) => {
                let Some((x, tx)) = fork.take() else { return Err(JacobianError::NoInput) };
                let mut y = vec![0f32; a.len()];
                m.forward(Some(&a), &x, &mut y);
                let (s, alpha) = (f64::from(m.skip), f64::from(m.alpha));
                for (t, tx) in tan.t.iter_mut().zip(&tx) {
                    t.iter_mut().zip(tx).for_each(|(v, &x)| *v = s * x + alpha * *v);
                }
                a = y;
            }
        }
        if (!residual && matches!(block, Block::Act(_))) || (residual && ends_block(k)) {
            layer += 1;
            if !a.iter().all(|v| v.is_finite()) || !tan.t.iter().flatten().all(|v| v.is_finite()) {
                return Err(JacobianError::NotFinite { layer });
            }
            if after_layer(layer, &tan).is_break() {
                return Ok(());
            }
        }
        width = out_width;
    }
    Ok(())
}

/// The n × n identity, row-major.
fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0f64; n * n];
    (0..n).for_each(|i| m[i * n + i] = 1.0);
    m
}

/// Every row dz of `t` (rows `n` wide) through a per-sample norm's linearization at x̂:
/// γ ⊙ (dz − [mean(dz)] − x̂·mean(dz ⊙ x̂))·scale, the bracket for layer norm only.
fn norm_tangent(t: &mut [f64], n: usize, xhat: &[f32], scale: f64, gamma: &[f32], centred: bool) {
    let xh: Vec<f64> = xhat.iter().map(|&v| f64::from(v)).collect();
    for row in t.chunks_exact_mut(n) {
        let mean = if centred { row.iter().sum::<f64>() / n as f64 } else { 0.0 };
        let proj = row.iter().zip(&xh).map(|(d, x)| d * x).sum::<f64>() / n as f64;
        for ((v, &x), &g) in row.iter_mut().zip(&xh).zip(gamma) {
            *v = f64::from(g) * (*v - mean - x * proj) * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::Activation;
    use crate::nn::block::Dense;
    use crate::nn::init::{Dist, Init, InitSpec};
    use crate::nn::network::{Kept, Shape};

    fn net(act: Activation, norm: Option<NormKind>, depth: usize, width: usize) -> Mlp {
        let shape = Shape::plain(width, depth, width, 1);
        Mlp::new(shape, act, &InitSpec { kind: Init::Xavier(Dist::Normal), ..InitSpec::default() }, norm, 3)
    }

    fn last(mlp: &Mlp, x: &[f32]) -> Tangents {
        let mut out = None;
        tangents(mlp, &mut Kept(mlp), x, |l, t| {
            if l == mlp.depth() {
                out = Some(t.clone());
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        out.unwrap()
    }

    /// The hidden layers' output for one input, in f64 (the network's blocks in f64 arithmetic).
    fn hidden_f64(mlp: &Mlp, x: &[f64]) -> Vec<f64> {
        let mut a = x.to_vec();
        for b in &mlp.blocks[..mlp.blocks.len() - 1] {
            a = match b {
                Block::Dense(Dense { fan_in, fan_out, w, b }) => (0..*fan_out)
                    .map(|j| f64::from(b[j]) + (0..*fan_in).map(|i| a[i] * f64::from(w[i * fan_out + j])).sum::<f64>())
                    .collect(),
                Block::Act(f) => a
                    .iter()
                    .map(|&z| match f {
                        Activation::Tanh => z.tanh(),
                        Activation::Gelu => 0.5 * z * (1.0 + libm::erf(z / std::f64::consts::SQRT_2)),
                        _ => unreachable!("the test's activations"),
                    })
                    .collect(),
                Block::Norm(n) => {
                    let m = a.len() as f64;
                    let mean = if n.kind == NormKind::Layer { a.iter().sum::<f64>() / m } else { 0.0 };
                    let var = a.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / m;
                    let s = 1.0 / (var + f64::from(n.eps)).sqrt();
                    a.iter().zip(&n.gamma).map(|(v, &g)| f64::from(g) * (v - mean) * s).collect()
                }
                Block::Fork | Block::Merge(_) => unreachable!("the test's networks are plain"),
            };
        }
        a
    }

    /// Each row of ∂a_L/∂x against central differences of the network's function (in f64, an
    /// independent implementation of the same layers), for smooth activations and the per-sample
    /// norms.
    #[test]
    fn tangents_match_central_differences() {
        for (act, norm) in [(Activation::Tanh, None), (Activation::Gelu, Some(NormKind::Layer)), (Activation::Tanh, Some(NormKind::Rms))] {
            let (depth, width) = (3, 6);
            let mlp = net(act, norm, depth, width);
            let x: Vec<f32> = (0..width).map(|i| (i as f32 * 0.7).sin()).collect();
            let t = last(&mlp, &x);
            let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            let h = 1e-5;
            for r in 0..width {
                let (mut up, mut down) = (x64.clone(), x64.clone());
                up[r] += h;
                down[r] -= h;
                let (fu, fd) = (hidden_f64(&mlp, &up), hidden_f64(&mlp, &down));
                for j in 0..width {
                    let fd_ = (fu[j] - fd[j]) / (2.0 * h);
                    let got = t.t[0][r * width + j];
                    // The tangent uses the f32 pass's z and x̂: agreement to f32's digits.
                    assert!((got - fd_).abs() < 2e-5 * (1.0 + fd_.abs()), "{act:?} {norm:?} [{r}][{j}]: {got} vs {fd_}");
                }
            }
        }
    }

    /// A linear network's Jacobian is the product W_1⋯W_L, the same for every input.
    #[test]
    fn linear_network_is_the_weight_product() {
        let mlp = net(Activation::Linear, None, 3, 5);
        let x = [0.3f32, -1.0, 2.0, 0.0, 0.5, 9.0, 1.0, 1.0, 1.0, -4.0];
        let t = last(&mlp, &x);
        let mut p = identity(5);
        for d in mlp.hidden() {
            p = (0..5)
                .flat_map(|i| (0..5).map(move |j| (i, j)))
                .map(|(i, j)| (0..5).map(|k| p[i * 5 + k] * f64::from(d.w[k * 5 + j])).sum())
                .collect();
        }
        for ti in &t.t {
            for (a, b) in ti.iter().zip(&p) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn batch_norm_has_no_per_input_jacobian() {
        let mlp = net(Activation::Tanh, Some(NormKind::Batch), 2, 4);
        let r = tangents(&mlp, &mut Kept(&mlp), &[0.0; 4], |_, _| ControlFlow::Continue(()));
        assert_eq!(r, Err(JacobianError::CouplesSamples));
        let plain = net(Activation::Tanh, None, 2, 4);
        assert_eq!(tangents(&plain, &mut Kept(&plain), &[0.0; 3], |_, _| ControlFlow::Continue(())), Err(JacobianError::NoInput));
    }

    /// A linear network of N(0, 10²) weights at width 8 grows the signal by about 10·√8 ≈ 28 a
    /// layer, past f32's 3.4e38 near layer ln(3.4e38)/ln(28) ≈ 27: the walk says where, rather
    /// than handing the SVD infinities.
    #[test]
    fn an_overflow_is_named_by_its_layer() {
        let shape = Shape::plain(8, 60, 8, 1);
        let spec = InitSpec { kind: Init::Random(Dist::Normal), scale: 10.0, ..InitSpec::default() };
        let mlp = Mlp::new(shape, Activation::Linear, &spec, None, 3);
        let r = tangents(&mlp, &mut Kept(&mlp), &[1.0; 8], |_, _| ControlFlow::Continue(()));
        assert!(matches!(r, Err(JacobianError::NotFinite { layer }) if (20..=34).contains(&layer)), "{r:?}");
    }

    /// A residual network's Jacobian is the stream's: with every block the identity (ReZero's
    /// α = 0, or zero last layers) it is the stem's W alone; with linear two-layer branches at
    /// α = 1 it is W_stem·Π(I + W₁·W₂) (rows: x ↦ x·W), here against that product in f64.
    #[test]
    fn residual_tangents_follow_the_stream() {
        use crate::nn::arch::{Arch, Branch, NormPos, ResScale, Residual};
        let spec = InitSpec { kind: Init::Xavier(Dist::Normal), ..InitSpec::default() };
        let x: Vec<f32> = (0..6).map(|i| 0.3 * i as f32 - 0.7).collect();
        for scale in [ResScale::Rezero, ResScale::Zero, ResScale::None] {
            let arch = Arch::Residual(Residual { branch: Branch::Two, scale, norm_pos: NormPos::Pre });
            let shape = Shape { arch, ..Shape::plain(6, 3, 5, 1) };
            let mlp = Mlp::new(shape, Activation::Linear, &spec, None, 4);
            let t = last(&mlp, &x);
            let to64 = |w: &[f32]| w.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>();
            let mut want = to64(&mlp.dense(0).unwrap().w);
            if scale == ResScale::None {
                for b in 0..3 {
                    let (w1, w2) = (to64(&mlp.dense(1 + 2 * b).unwrap().w), to64(&mlp.dense(2 + 2 * b).unwrap().w));
                    let mut m = vec![0f64; 25];
                    matmul_f64(&w1, &w2, &mut m, 5, 5, 5);
                    (0..5).for_each(|i| m[i * 5 + i] += 1.0);
                    let mut next = vec![0f64; 30];
                    matmul_f64(&want, &m, &mut next, 6, 5, 5);
                    want = next;
                }
            }
            assert_eq!((t.rows, t.cols), (6, 5));
            for (a, b) in t.t[0].iter().zip(&want) {
                assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "{scale:?}: {a} against {b}");
            }
        }
    }
}
