//! Parameter updates: plain SGD, SGD with momentum, Adam.

use crate::choice::{Choice, Entry};
use crate::network::{Mlp, Workspace};

/// The update rule a configuration names (`opt=`); [`OptKind::with_lr`] gives its [`Optimizer`]
/// with PyTorch's default hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OptKind {
    Sgd,
    Momentum,
    #[default]
    Adam,
}

impl Choice for OptKind {
    const WHAT: &'static str = "optimizer";
    const TABLE: &'static [Entry<OptKind>] = &[
        Entry { value: OptKind::Sgd, id: "sgd", aliases: &[], label: "SGD" },
        Entry { value: OptKind::Momentum, id: "momentum", aliases: &["sgd_momentum"], label: "SGD with momentum 0.9" },
        Entry { value: OptKind::Adam, id: "adam", aliases: &[], label: "Adam (β₁ 0.9, β₂ 0.999)" },
    ];
}

impl OptKind {
    /// The rule at learning rate `lr`: momentum μ = 0.9 (the usual choice; PyTorch's `SGD` has
    /// no default), Adam β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (`torch.optim.Adam`'s defaults).
    #[must_use]
    pub fn with_lr(self, lr: f32) -> Optimizer {
        match self {
            OptKind::Sgd => Optimizer::Sgd { lr },
            OptKind::Momentum => Optimizer::Momentum { lr, momentum: 0.9 },
            OptKind::Adam => Optimizer::Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
        }
    }
}

/// An update rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// θ ← θ − η·g
    Sgd { lr: f32 },
    /// v ← μ·v + g;  θ ← θ − η·v  (PyTorch `SGD(momentum=μ)`)
    Momentum { lr: f32, momentum: f32 },
    /// Kingma & Ba (2015): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
    /// θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
    Adam { lr: f32, beta1: f32, beta2: f32, eps: f32 },
}

/// Per-parameter optimizer state, one buffer per parameter tensor, in the order
/// W₀, b₀, γ₀, β₀, W₁, ... (γ, β only for batch-norm layers); empty where the rule keeps none.
#[derive(Debug, Clone, Default)]
pub struct OptState {
    step: u32,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl Optimizer {
    /// Applies one update from the gradients of the last [`Mlp::backward`].
    pub fn step(&self, mlp: &mut Mlp, ws: &Workspace, state: &mut OptState) {
        self.step_decayed(mlp, ws, state, 0.0);
    }

    /// Applies one update with L2 weight decay `l2` on the weights (not biases or batch-norm
    /// parameters): g ← g + λ·W before the rule, as PyTorch's `weight_decay` (coupled, not AdamW).
    /// Returns ‖ΔW‖ of each layer's weights, the update actually applied.
    pub fn step_decayed(&self, mlp: &mut Mlp, ws: &Workspace, state: &mut OptState, l2: f32) -> Vec<f64> {
        state.step += 1;
        let t = state.step as i32;
        // One state buffer per parameter tensor, in the order W₀, b₀, γ₀, β₀, W₁, …
        if state.m.is_empty() {
            for layer in &mlp.layers {
                let mut sizes = vec![layer.w.len(), layer.b.len()];
                if let Some(bn) = &layer.bn {
                    sizes.extend([bn.gamma.len(), bn.beta.len()]);
                }
                // Only the buffers the rule reads (`budget::opt_buffers`): SGD none, momentum its
                // velocity, Adam m and v; an empty Vec allocates nothing.
                let (m, v) = match self {
                    Optimizer::Sgd { .. } => (0, 0),
                    Optimizer::Momentum { .. } => (1, 0),
                    Optimizer::Adam { .. } => (1, 1),
                };
                for n in sizes {
                    state.m.push(vec![0.0; n * m]);
                    state.v.push(vec![0.0; n * v]);
                }
            }
        }
        let mut norms = Vec::with_capacity(mlp.layers.len());
        let mut k = 0;
        for (l, layer) in mlp.layers.iter_mut().enumerate() {
            norms.push(self.update(&mut layer.w, &ws.dw[l], &mut state.m[k], &mut state.v[k], t, l2).sqrt());
            self.update(&mut layer.b, &ws.db[l], &mut state.m[k + 1], &mut state.v[k + 1], t, 0.0);
            k += 2;
            if let Some(bn) = &mut layer.bn {
                self.update(&mut bn.gamma, &ws.dgamma[l], &mut state.m[k], &mut state.v[k], t, 0.0);
                self.update(&mut bn.beta, &ws.dbeta[l], &mut state.m[k + 1], &mut state.v[k + 1], t, 0.0);
                k += 2;
            }
        }
        norms
    }

    /// Updates one tensor at step `t` with decay `decay`; returns ‖Δp‖².
    fn update(&self, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], t: i32, decay: f32) -> f64 {
        let mut sq = 0f64;
        let mut apply = |p: &mut f32, d: f32| {
            *p -= d;
            sq += f64::from(d) * f64::from(d);
        };
        match *self {
            Optimizer::Sgd { lr } => {
                for (p, &g) in p.iter_mut().zip(g) {
                    let g = g + decay * *p;
                    apply(p, lr * g);
                }
            }
            Optimizer::Momentum { lr, momentum } => {
                for ((p, &g), v) in p.iter_mut().zip(g).zip(m.iter_mut()) {
                    let g = g + decay * *p;
                    *v = momentum * *v + g;
                    apply(p, lr * *v);
                }
            }
            Optimizer::Adam { lr, beta1, beta2, eps } => {
                let c1 = 1.0 - beta1.powi(t);
                let c2 = 1.0 - beta2.powi(t);
                for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    let g = g + decay * *p;
                    *m = beta1 * *m + (1.0 - beta1) * g;
                    *v = beta2 * *v + (1.0 - beta2) * g * g;
                    apply(p, lr * (*m / c1) / ((*v / c2).sqrt() + eps));
                }
            }
        }
        sq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::init::{Init, InitSpec};
    use crate::network::Shape;

    /// The smallest network (1 input, one hidden unit, 1 output) with gradients set by hand, so
    /// each rule's first steps can be checked against its formula.
    fn one_param_net() -> (Mlp, Workspace) {
        let shape = Shape { input: 1, depth: 1, width: 1, output: 1 };
        let spec = InitSpec { kind: Init::Constant, scale: 1.0, ..InitSpec::default() };
        let mlp = Mlp::new(shape, Activation::Linear, &spec, false, 0);
        let mut ws = Workspace::new(&mlp, 1);
        for l in 0..2 {
            ws.dw[l][0] = 0.5;
            ws.db[l][0] = -2.0;
        }
        (mlp, ws)
    }

    #[test]
    fn sgd_momentum_adam_follow_their_formulas() {
        let (lr, mu) = (0.1f64, 0.9f64);
        // SGD: w = 1 − η·g
        let (mut m, ws) = one_param_net();
        Optimizer::Sgd { lr: lr as f32 }.step(&mut m, &ws, &mut OptState::default());
        assert!((f64::from(m.layers[0].w[0]) - (1.0 - lr * 0.5)).abs() < 1e-7);
        // Momentum, two steps with the same g: v₁ = g, v₂ = μg + g; w = 1 − η(v₁ + v₂)
        let (mut m, ws) = one_param_net();
        let mut st = OptState::default();
        let opt = Optimizer::Momentum { lr: lr as f32, momentum: mu as f32 };
        opt.step(&mut m, &ws, &mut st);
        opt.step(&mut m, &ws, &mut st);
        let want = 1.0 - lr * (0.5 + (mu * 0.5 + 0.5));
        assert!((f64::from(m.layers[0].w[0]) - want).abs() < 1e-6, "{} vs {want}", m.layers[0].w[0]);
        // Adam: with a constant gradient, m̂ = g and v̂ = g² at every step, so each step moves
        // by η·g/(|g| + ε) ≈ η·sign(g).
        let (mut m, ws) = one_param_net();
        let mut st = OptState::default();
        let opt = Optimizer::Adam { lr: lr as f32, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        opt.step(&mut m, &ws, &mut st);
        opt.step(&mut m, &ws, &mut st);
        assert!((f64::from(m.layers[0].w[0]) - (1.0 - 2.0 * lr)).abs() < 1e-5);
        // Weight decay λ on the weights only: w = 1 − η(g + λ·1); the bias ignores it.
        let (mut m, ws) = one_param_net();
        let moved = Optimizer::Sgd { lr: lr as f32 }.step_decayed(&mut m, &ws, &mut OptState::default(), 0.5);
        assert!((f64::from(m.layers[0].w[0]) - (1.0 - lr * (0.5 + 0.5))).abs() < 1e-7);
        assert!((f64::from(m.layers[0].b[0]) - lr * 2.0).abs() < 1e-7);
        assert!((moved[0] - lr * 1.0).abs() < 1e-7, "‖ΔW‖ = η·|g + λw| = 0.1: {}", moved[0]);
        let (mut m, ws) = one_param_net();
        let mut st = OptState::default();
        let opt = Optimizer::Adam { lr: lr as f32, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        opt.step(&mut m, &ws, &mut st);
        opt.step(&mut m, &ws, &mut st);
        // The bias starts at 0 (zeros) and has g = −2: it rises by η per step.
        assert!((f64::from(m.layers[0].b[0]) - 2.0 * lr).abs() < 1e-5, "bias {}", m.layers[0].b[0]);
    }

    /// Weight decay λ enters every rule as PyTorch's coupled `weight_decay`: g ← g + λ·W before
    /// the rule's own state. Expected values are torch.optim's documented algorithms worked by hand
    /// in f64 (w₀ = 1, g = 0.5, λ = 0.5, η = 0.1): Adam g₁ = 1, m₁ = 0.1, v₁ = 0.001, w₁ = 0.9;
    /// g₂ = 0.95, m̂₂ = 0.185/0.19, v̂₂ = 0.0019015/0.001999, w₂ = 0.800166488, w₃ = 0.700623394.
    /// Momentum (buf₁ = g₁): w₁ = 0.9, buf₂ = 0.9 + 0.95, w₂ = 0.715, w₃ = 0.46275.
    #[test]
    fn weight_decay_enters_adam_and_momentum_before_their_state() {
        let (lr, l2) = (0.1f32, 0.5f32);
        let cases = [
            (Optimizer::Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, [0.900_000_001, 0.800_166_487_6, 0.700_623_394_3]),
            (Optimizer::Momentum { lr, momentum: 0.9 }, [0.9, 0.715, 0.462_75]),
        ];
        for (opt, want) in cases {
            let (mut m, ws) = one_param_net();
            let mut st = OptState::default();
            for (t, want) in want.iter().enumerate() {
                opt.step_decayed(&mut m, &ws, &mut st, l2);
                let got = f64::from(m.layers[0].w[0]);
                assert!((got - want).abs() < 2e-6, "{opt:?} step {}: w = {got}, torch's algorithm gives {want}", t + 1);
            }
        }
    }
}
