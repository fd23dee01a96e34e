//! Backpropagation against central finite differences, for every activation, both losses and
//! each norm (batch, layer and RMS norm: their γ, β and, through the Dense layers below them,
//! their ∂L/∂z). The network stores f32, so the loss is evaluated in f64 from the f32 pass and the
//! step h = 1e-2 keeps f32 rounding (≈ 1e-7·|L|/h) far below the tolerance. The central difference
//! D(h) = f′ + c·h² + O(h⁴) is Richardson-extrapolated, (4·D(h/2) − D(h))/3, which cancels the h²
//! term: with batch norm over 6 samples the curvature is large enough that D(1e-2) alone was 10%
//! off (0.0753 against 0.0687, with D(5e-3) = 0.0703 converging on it as h²).

use initviz::data::InputKind;
use initviz::math::rng::{Rng, Stream};
use initviz::nn::activation::Activation;
use initviz::nn::arch::{Arch, Branch, NormPos, ResScale, Residual};
use initviz::nn::block::NormKind;
use initviz::nn::init::{BiasInit, Dist, Init, InitSpec};
use initviz::nn::loss::{Loss, Targets};
use initviz::nn::network::{Mlp, Shape, Workspace};

fn loss_of(mlp: &Mlp, x: &[f32], loss: Loss, t: &Targets, ws: &mut Workspace) -> f64 {
    let out = mlp.output_dim();
    let y = mlp.forward(x, ws).to_vec();
    let mut dy = vec![0f32; y.len()];
    loss.eval(&y, t, out, &mut dy).unwrap()
}

/// Which side of 0 every hidden pre-activation is on: a finite difference that crosses a kink
/// (ReLU, leaky ReLU, ELU, SELU at 0) measures a one-sided slope and is not comparable.
/// Which pre-activations are past the kink at 0, for activations whose derivative jumps there
/// (a ±h step across it makes the difference quotient meaningless); empty for smooth ones, so
/// none of their parameters is skipped.
fn kink_pattern(mlp: &Mlp, ws: &Workspace) -> Vec<bool> {
    match mlp.activation() {
        Activation::Relu | Activation::LeakyRelu(_) | Activation::Elu | Activation::Selu => {
            (0..mlp.depth()).flat_map(|l| ws.pre(l)).map(|&z| z > 0.0).collect()
        }
        _ => Vec::new(),
    }
}

fn check(act: Activation, loss: Loss, norm: Option<NormKind>) {
    check_arch(act, loss, norm, Arch::Plain);
}

fn check_arch(act: Activation, loss: Loss, norm: Option<NormKind>, arch: Arch) {
    let batch = 6;
    let shape = Shape { arch, ..Shape::plain(3, 2, 4, if loss == Loss::MeanSquaredError { 2 } else { 3 }) };
    let spec = InitSpec { kind: Init::Xavier(Dist::Normal), bias: BiasInit::SameAsWeights, ..InitSpec::default() };
    let mut mlp = Mlp::new(shape, act, &spec, norm, 9);
    // γ and β away from their initial 1 and 0, so a backward pass that drops γ or β from a term
    // (a mistake invisible at γ = 1, β = 0) fails here.
    for block in &mut mlp.blocks {
        if let initviz::nn::block::Block::Norm(n) = block {
            n.gamma.iter_mut().enumerate().for_each(|(j, g)| *g = 0.7 + 0.2 * j as f32);
            n.beta.iter_mut().enumerate().for_each(|(j, b)| *b = 0.1 - 0.05 * j as f32);
        }
        // ReZero's α away from its initial 0, so the branch's gradients are not all zero and a
        // backward pass that forgets α is seen.
        if let initviz::nn::block::Block::Merge(m) = block {
            if m.learns_alpha {
                m.alpha = 0.6;
            }
        }
    }
    let mut rng = Rng::new(9, Stream::Input);
    let x: Vec<f32> = (0..batch * shape.input).map(|_| rng.normal() as f32).collect();
    let targets = match loss {
        Loss::MeanSquaredError => Targets::Values((0..batch * shape.output).map(|_| rng.normal() as f32).collect()),
        Loss::SoftmaxCrossEntropy => Targets::Classes((0..batch).map(|i| i % 3).collect()),
    };
    let mut ws = Workspace::new(&mlp, batch);
    let out = mlp.output_dim();
    let y = mlp.forward(&x, &mut ws).to_vec();
    let mut dy = vec![0f32; y.len()];
    loss.eval(&y, &targets, out, &mut dy).unwrap();
    mlp.backward(&x, &dy, &mut ws);
    let analytic = ws.clone();
    let h = 1e-2f32;
    let mut worst = 0f64;
    let base_pattern = kink_pattern(&mlp, &analytic);
    let (mut checked, mut skipped) = (0usize, 0usize);
    // Every parameter of every block, as the optimizers walk them (W, b of each Dense; γ, β of
    // each norm; γ alone of RMS norm).
    for l in 0..mlp.blocks.len() {
        let n_params: Vec<usize> = mlp.blocks[l].params().iter().map(|p| p.value.len()).collect();
        for (kind, &n) in n_params.iter().enumerate() {
            for i in 0..n {
                let get = |m: &mut Mlp| -> *mut f32 { &mut m.blocks[l].params_mut().swap_remove(kind).value[i] };
                let p = get(&mut mlp);
                // SAFETY: p points into mlp, which is not moved or resized while it is used.
                let orig = unsafe { *p };
                // The central difference with step h, and whether a step crossed a kink.
                let mut central = |h: f32| {
                    unsafe { *p = orig + h };
                    let lp = loss_of(&mlp, &x, loss, &targets, &mut ws);
                    let crosses_p = kink_pattern(&mlp, &ws) != base_pattern;
                    unsafe { *p = orig - h };
                    let lm = loss_of(&mlp, &x, loss, &targets, &mut ws);
                    let crosses_m = kink_pattern(&mlp, &ws) != base_pattern;
                    unsafe { *p = orig };
                    ((lp - lm) / (2.0 * f64::from(h)), crosses_p || crosses_m)
                };
                let ((d1, c1), (d2, c2)) = (central(h), central(h / 2.0));
                if c1 || c2 {
                    skipped += 1;
                    continue;
                }
                checked += 1;
                let numeric = (4.0 * d2 - d1) / 3.0;
                let a = f64::from(analytic.grads(l)[kind][i]);
                let err = (numeric - a).abs() / (1e-2 + numeric.abs().max(a.abs()));
                worst = worst.max(err);
                assert!(err < 2e-2, "{act} {loss:?} norm={norm:?} {arch:?} block {l} param {kind}/{i}: numeric {numeric} vs analytic {a}");
            }
        }
    }
    assert!(worst.is_finite());
    assert!(checked >= 4 * skipped, "{act}: only {checked} parameters checked, {skipped} crossed a kink");
}

#[test]
fn every_activation_with_mse() {
    for act in Activation::all() {
        check(act, Loss::MeanSquaredError, None);
    }
}

#[test]
fn every_activation_with_cross_entropy() {
    for act in Activation::all() {
        check(act, Loss::SoftmaxCrossEntropy, None);
    }
}

#[test]
fn batch_norm_both_losses() {
    for act in [Activation::Tanh, Activation::Sigmoid, Activation::Selu, Activation::Gelu] {
        check(act, Loss::MeanSquaredError, Some(NormKind::Batch));
        check(act, Loss::SoftmaxCrossEntropy, Some(NormKind::Batch));
    }
}

/// `norm=layer` and `norm=rms`: per sample over 4 units, with γ ≠ 1 and β ≠ 0. Smooth
/// activations only: a step of one weight moves every normalized value of its sample, so with
/// a kink at 0 (SELU, ReLU) nearly half the steps cross it and are not comparable.
#[test]
fn layer_and_rms_norm_both_losses() {
    for norm in [NormKind::Layer, NormKind::Rms] {
        for act in [Activation::Tanh, Activation::Sigmoid, Activation::Gelu, Activation::Linear] {
            check(act, Loss::MeanSquaredError, Some(norm));
            check(act, Loss::SoftmaxCrossEntropy, Some(norm));
        }
    }
}

#[test]
fn toy_datasets_train_a_little() {
    // Sanity: cross-entropy on moons falls under Adam.
    use initviz::compute::experiment::Experiment;
    use initviz::nn::optim::{OptState, Optimizer};
    use initviz::spec::config::Config;
    let (c, _) = Config::from_query("depth=2&width=16&act=tanh&input=moons&batch=128&noise=0.05");
    assert_eq!(c.input, InputKind::Moons);
    let mut e = Experiment::new(&c).unwrap();
    let first = e.pass();
    let opt = Optimizer::Adam { lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    let mut st = OptState::default();
    let mut last = first;
    for _ in 0..200 {
        opt.step(&mut e.mlp, &e.ws, &mut st);
        last = e.pass();
    }
    assert!(last < 0.5 * first, "loss {first} -> {last}");
}

/// Residual blocks (issue 21): the stream's skip gradient added at each fork, the branch's scaled
/// by α, ReZero's and Fixup's ∂L/∂α = Σ ∂L/∂y ⊙ F, DeepNorm's skip weighted by (2N)^(1/4), with one- and two-layer branches and layer, RMS and batch
/// norm before the branch or after the sum.
#[test]
fn residual_blocks_with_every_norm_position() {
    let scales = [
        (Branch::Two, ResScale::None),
        (Branch::One, ResScale::Rezero),
        (Branch::Two, ResScale::Rezero),
        (Branch::Two, ResScale::Deepnorm),
        (Branch::Two, ResScale::Fixup),
    ];
    for (branch, scale) in scales {
        for norm in [None, Some(NormKind::Layer), Some(NormKind::Rms), Some(NormKind::Batch)] {
            for norm_pos in [NormPos::Pre, NormPos::Post] {
                let arch = Arch::Residual(Residual { branch, scale, norm_pos });
                check_arch(Activation::Tanh, Loss::MeanSquaredError, norm, arch);
                check_arch(Activation::Gelu, Loss::SoftmaxCrossEntropy, norm, arch);
            }
        }
    }
}
