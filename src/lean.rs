//! The view at initialization of networks too large to keep in memory.
//!
//! Kept whole, 100 layers of 1024 units hold 800 MiB of weights and ∂L/∂W before any activation.
//! Here each layer's weights are drawn again from the layer's own seeded stream whenever a pass
//! needs them ([`Mlp::draw_layer`]: the same bits as the kept network's), ∂L/∂W is reduced to its
//! statistics as it is produced, and only each hidden layer's z is kept (a = φ(z) is recomputed),
//! so memory grows as width² + depth·batch·width (counted buffer by buffer in
//! [`crate::budget::lean`]).
//!
//! The histograms share one range over all layers, fixed by every layer's moments, so the backward
//! pass runs twice: the first measures the moments, the second bins. A layer's weights are needed
//! by all three passes (z = a·W + b forward, δ·Wᵀ in both backward passes), and keeping them
//! between passes would take depth·width², so each pass draws them again, with two exceptions:
//! the first backward pass starts with the layer the forward pass ended on (the output layer,
//! kept), and the second does not draw the input layer (its ∂L/∂W needs x and δ, not W; the
//! weight histograms are binned in the first backward pass, whose range the forward pass fixed).
//! For orthogonal weights a draw is a QR, so this is 3·(depth + 1) − 2 QRs. Every statistic is the same
//! function of the same values as in [`crate::experiment`], so the report is the same, bit for bit
//! (tested against the kept network). With batch norm, each layer's 1/√(σ²+ε) and the moments of
//! z before it are kept too (width values), and x̂ is recovered from the kept output γ·x̂ + β: at
//! initialization γ = 1 and β = 0.

use crate::batch::make_batch;
use crate::config::{Config, ConfigError};
use crate::linalg::matmul_a_bt;
use crate::network::{batch_norm_backward, batch_norm_forward, dw_tree, BatchNorm, Layer, Mlp};
use crate::report::{Report, BINS};
use crate::shard::{
    assemble, chunked_loss, data_hists, data_ranges, grad_moments, grad_range, shared_range, weight_std_theory, CrossMoments, DataHists,
    GradStats, Shard, ShardLayer, ShardPart, WeightStats,
};
use crate::stats::{self, Histogram, Moments, Range};

/// What the first backward pass measures, for the second to bin.
struct Measured {
    layers: Vec<Option<ShardLayer>>,
    grads: Vec<(Moments, f64)>,
}

/// Batch norm's state of the hidden layers, kept through the pass (empty without it).
#[derive(Default)]
struct Norms {
    /// Moments of z before batch norm, per layer.
    raw: Vec<Moments>,
    /// 1/√(σ²_B + ε) per layer and unit.
    inv_std: Vec<Vec<f32>>,
}

/// How far a layer-by-layer pass is: `done` of `total` layer steps (the forward pass and the two
/// backward passes visit every layer once each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// The report of `config` computed layer by layer (any configuration; meant for those
/// [`Config::is_lean`] says do not fit whole).
pub fn run(config: &Config) -> Result<Report, ConfigError> {
    run_with_progress(config, &mut |_| {})
}

/// As [`run`], telling `progress` after each layer of each pass.
pub fn run_with_progress(config: &Config, progress: &mut dyn FnMut(Progress)) -> Result<Report, ConfigError> {
    config.validate()?;
    config.check_data()?;
    let c = config;
    let (shape, spec, seed) = (c.shape(), c.init_spec(), u64::from(c.seed));
    run_drawing(c, &|k: usize| Mlp::draw_layer(shape, c.act, &spec, c.bn, seed, k), progress)
}

/// As [`run_with_progress`] for a validated `c`, with layer k's weights from `layer(k)`.
fn run_drawing(c: &Config, layer: &dyn Fn(usize) -> Layer, progress: &mut dyn FnMut(Progress)) -> Result<Report, ConfigError> {
    let shape = c.shape();
    let (batch, loss, targets) = make_batch(c);
    let chunks = Shard::WHOLE.local_chunks(c.batch);
    let depth = c.depth;
    let total = 3 * (depth + 1);
    let mut done = 0;
    let mut step = || {
        done += 1;
        progress(Progress { done, total });
    };
    let Forward { pre, w_moments, distinct, norms, y, top } = forward(c, layer, &batch.x, &mut step);
    let out = shape.output;
    let mut dy = vec![0f32; y.len()];
    let loss_value = chunked_loss(loss, &targets, (&y, &mut dy), &chunks, out, c.batch);
    drop(y);

    // First backward pass: the moments of every layer's a, z, ∂L/∂a and ∂L/∂W, and the weights'
    // histograms (their range is fixed by the forward pass's moments).
    let w_range = shared_range(w_moments.iter().copied(), 0, c);
    let fixed = |(lo, hi): (f64, f64)| Range::Fixed(lo, hi);
    let mut measured = Measured { layers: vec![None; depth], grads: vec![(Moments::default(), 0.0); depth] };
    let mut w_hists: Vec<Option<Histogram>> = vec![None; depth];
    let raw = |l: usize| norms.raw.get(l).copied();
    let mut last_grad = CrossMoments::default();
    let sweep = Sweep { top: Some(top), bottom_weights: true };
    backward(c, layer, sweep, (&batch.x, &pre, &dy), &norms, &chunks, &mut |visit| match visit {
        Visit::Layer => step(),
        Visit::Grad(l, w, dw) => {
            measured.grads[l] = grad_moments(dw);
            w_hists[l] = w.map(|w| Histogram::of(&w.w, BINS, fixed(w_range)));
        }
        Visit::Data(l, values) => {
            if l + 1 == depth {
                last_grad = CrossMoments::measure(values.2, c.width, &chunks);
            }
            measured.layers[l] = Some(ShardLayer::measure(values, raw(l), &chunks, c.width, c.act));
        }
    });
    let layers: Vec<ShardLayer> = measured.layers.into_iter().map(|l| l.expect("every hidden layer is visited")).collect();
    let grad_moments: Vec<Moments> = measured.grads.iter().map(|g| g.0).collect();
    let g_range = grad_range(c, &grad_moments);
    let part = ShardPart {
        rows: c.batch,
        loss: loss_value,
        input: CrossMoments::measure(&batch.x, batch.dim, &chunks),
        last_grad,
        layers,
        weights: Some(WeightStats {
            moments: w_moments,
            hists: Vec::new(),
            range: w_range,
            distinct,
            theory: (weight_std_theory(c, shape.input), weight_std_theory(c, c.width)),
            phase: crate::theory::phase_grid_cached(c.act),
            act_std_band: None,
        }),
    };
    let ranges = data_ranges(c, std::slice::from_ref(&part));

    // Second backward pass: the other histograms over the shared ranges.
    let mut g_hists: Vec<Option<Histogram>> = vec![None; depth];
    let mut hists: Vec<Option<DataHists>> = vec![None; depth];
    let sweep = Sweep { top: None, bottom_weights: false };
    backward(c, layer, sweep, (&batch.x, &pre, &dy), &norms, &chunks, &mut |visit| match visit {
        Visit::Layer => step(),
        Visit::Grad(l, _, dw) => g_hists[l] = Some(Histogram::of(dw, BINS, fixed(g_range))),
        Visit::Data(l, values) => hists[l] = Some(data_hists(values, ranges)),
    });
    let w_hists: Vec<Histogram> = w_hists.into_iter().map(|h| h.expect("the first backward pass draws every hidden layer")).collect();
    let g_hists = g_hists.into_iter().map(|h| h.expect("every hidden layer is visited"));
    let grads: Vec<GradStats> =
        measured.grads.iter().zip(g_hists).map(|(&(moments, norm), hist)| GradStats { moments, norm, hist }).collect();
    let hists: Vec<DataHists> = hists.into_iter().map(|h| h.expect("every hidden layer is visited")).collect();
    let mut part = part;
    if let Some(w) = part.weights.as_mut() {
        w.hists = w_hists;
    }
    Ok(assemble(c, &[part], &grads, &[hists], None))
}

/// What the forward pass keeps.
struct Forward {
    /// z of each hidden layer (after batch norm, where there is one).
    pre: Vec<Vec<f32>>,
    /// Each hidden layer's weight moments and distinct neurons.
    w_moments: Vec<Moments>,
    distinct: Vec<usize>,
    norms: Norms,
    /// The output.
    y: Vec<f32>,
    /// The output layer, the last drawn, for the first backward pass to start with.
    top: Layer,
}

/// The forward pass of `x`, drawing each layer as it goes; `step` after each layer. The same
/// arithmetic as [`Mlp::forward`] (affine, batch norm, φ).
fn forward(c: &Config, layer: &dyn Fn(usize) -> Layer, x: &[f32], step: &mut dyn FnMut()) -> Forward {
    let depth = c.depth;
    let (mut pre, mut w_moments, mut distinct, mut norms) = (Vec::with_capacity(depth), Vec::new(), Vec::new(), Norms::default());
    let (mut below, mut xhat) = (Vec::new(), Vec::new());
    for k in 0..=depth {
        step();
        let l = layer(k);
        let mut z = vec![0f32; c.batch * l.fan_out];
        l.affine(if k == 0 { x } else { &below }, &mut z, c.batch);
        if k == depth {
            return Forward { pre, w_moments, distinct, norms, y: z, top: l };
        }
        if let Some(bn) = &l.bn {
            norms.raw.push(Moments::of(&z));
            let mut inv_std = vec![0f32; l.fan_out];
            xhat.resize(z.len(), 0.0);
            batch_norm_forward(&mut z, &mut xhat, &mut inv_std, bn, c.batch, l.fan_out);
            norms.inv_std.push(inv_std);
        }
        w_moments.push(Moments::of(&l.w));
        distinct.push(stats::distinct_neurons(&l.w, &l.b, l.fan_in, l.fan_out, stats::symmetry_tolerance(&l.w, &l.b)));
        below.resize(z.len(), 0.0);
        c.act.forward(&z, &mut below);
        pre.push(z);
    }
    unreachable!("the loop returns at the output layer")
}

/// What the backward pass shows its visitor.
enum Visit<'a> {
    /// It starts on the next layer down.
    Layer,
    /// Hidden layer `l`, its weights (if this pass drew them) and its ∂L/∂W.
    Grad(usize, Option<&'a Layer>, &'a [f32]),
    /// Hidden layer `l`'s z, a and ∂L/∂a.
    Data(usize, (&'a [f32], &'a [f32], &'a [f32])),
}

/// Which layers one backward pass need not draw.
struct Sweep {
    /// The output layer, if the caller holds it already.
    top: Option<Layer>,
    /// Whether to draw the input layer (its ∂L/∂W does not need its weights, only their
    /// histogram does).
    bottom_weights: bool,
}

/// The backward pass from ∂L/∂y, drawing each layer's weights again (but those `sweep` spares);
/// `visit` sees each hidden layer's ∂L/∂W and its z, a, ∂L/∂a as they are produced. The same
/// products in the same order as [`Mlp::backward`].
fn backward(
    c: &Config,
    layer: &dyn Fn(usize) -> Layer,
    mut sweep: Sweep,
    (x, pre, dy): (&[f32], &[Vec<f32>], &[f32]),
    norms: &Norms,
    chunks: &[std::ops::Range<usize>],
    visit: &mut dyn FnMut(Visit<'_>),
) {
    let depth = c.depth;
    let dims = c.shape().layer_dims();
    let mut delta = dy.to_vec();
    let (mut delta_next, mut dact, mut act, mut dw, mut scratch) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut xhat, mut dgamma, mut dbeta) = (Vec::new(), Vec::new(), Vec::new());
    let mut temps = vec![Vec::new(); chunks.len().ilog2() as usize];
    for l in (0..=depth).rev() {
        visit(Visit::Layer);
        let (fan_in, fan_out) = dims[l];
        let w = if l == depth && sweep.top.is_some() {
            sweep.top.take()
        } else if l == 0 && !sweep.bottom_weights {
            None
        } else {
            Some(layer(l))
        };
        // a of the layer below: x, or φ(z) recomputed.
        if l > 0 {
            act.resize(pre[l - 1].len(), 0.0);
            c.act.forward(&pre[l - 1], &mut act);
        }
        let input: &[f32] = if l == 0 { x } else { &act };
        dw.resize(fan_in * fan_out, 0.0);
        dw_tree(input, &delta, chunks, (fan_in, fan_out), &mut dw, &mut temps, &mut scratch);
        if l < depth {
            visit(Visit::Grad(l, w.as_ref(), &dw));
        }
        if l == 0 {
            break;
        }
        let w = w.expect("every layer above the input layer is drawn");
        dact.resize(c.batch * w.fan_in, 0.0);
        matmul_a_bt(&delta, &w.w, &mut dact, c.batch, w.fan_out, w.fan_in, &mut scratch);
        visit(Visit::Data(l - 1, (&pre[l - 1], &act, &dact)));
        delta_next.resize(c.batch * w.fan_in, 0.0);
        c.act.backward(&pre[l - 1], &act, &dact, &mut delta_next);
        if let Some(inv_std) = norms.inv_std.get(l - 1) {
            // x̂ = (u − β)/γ of the kept u = γ·x̂ + β: at initialization γ = 1 and β = 0.
            let bn = BatchNorm::initial(w.fan_in);
            xhat.clear();
            xhat.extend(
                pre[l - 1].chunks_exact(w.fan_in).flat_map(|row| row.iter().zip(&bn.beta).zip(&bn.gamma).map(|((&u, &b), &g)| (u - b) / g)),
            );
            dgamma.resize(w.fan_in, 0.0);
            dbeta.resize(w.fan_in, 0.0);
            batch_norm_backward(&mut delta_next, &xhat, inv_std, &bn, &mut dgamma, &mut dbeta, c.batch, w.fan_in);
        }
        std::mem::swap(&mut delta, &mut delta_next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layer's weights are needed by the three passes, but the first backward pass starts
    /// with the output layer the forward pass ended on, and the second does not draw the input
    /// layer: 3·(depth + 1) − 2 draws, not 3·(depth + 1), and the same report.
    #[test]
    fn each_pass_draws_only_the_layers_it_lacks() {
        let (c, _) = Config::from_query("depth=4&width=8&batch=8&init=orthogonal");
        let draws = std::cell::RefCell::new(Vec::new());
        let (shape, spec, seed) = (c.shape(), c.init_spec(), u64::from(c.seed));
        let layer = |k: usize| {
            draws.borrow_mut().push(k);
            Mlp::draw_layer(shape, c.act, &spec, c.bn, seed, k)
        };
        let counted = run_drawing(&c, &layer, &mut |_| {}).unwrap();
        let draws = draws.into_inner();
        assert_eq!(draws.len(), 3 * 5 - 2, "{draws:?}");
        let times = |k: usize| draws.iter().filter(|&&d| d == k).count();
        assert_eq!((times(0), times(1), times(2), times(3), times(4)), (2, 3, 3, 3, 2), "{draws:?}");
        assert_eq!(postcard::to_allocvec(&counted.layers).unwrap(), postcard::to_allocvec(&run(&c).unwrap().layers).unwrap());
    }

    /// Progress counts every layer of the three passes, in order, ending at the total.
    #[test]
    fn progress_counts_every_layer_of_every_pass() {
        let (c, _) = Config::from_query("depth=4&width=8&batch=8");
        let mut seen = Vec::new();
        run_with_progress(&c, &mut |p| seen.push(p)).unwrap();
        assert_eq!(seen.len(), 15);
        assert!(seen.iter().enumerate().all(|(i, p)| p.done == i + 1 && p.total == 15));
    }
}
