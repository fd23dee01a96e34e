//! The view at initialization of networks too large to keep in memory.
//!
//! Kept whole, 100 layers of 1024 units hold 800 MiB of weights and ∂L/∂W before any activation.
//! Here the one pass of [`crate::nn::network`] runs over a [`Drawn`] network (each Dense drawn again
//! from its own seeded stream whenever the pass needs it: the same bits as the kept network's)
//! and a tape that keeps only the checkpoints ([`Workspace::checkpoints`]: every hidden layer's
//! z and batch norm's 1/√(σ²+ε); a = φ(z) and x̂ are computed again, ∂L/∂W is reduced to its
//! statistics as the pass shows it), so memory grows as width² + depth·batch·width (counted
//! buffer by buffer in [`crate::compute::budget::lean`]).
//!
//! The histograms share one range over all layers, fixed by every layer's moments, so the backward
//! pass runs twice: the first measures the moments, the second bins. A layer's weights are needed
//! by all three passes (z = a·W + b forward, δ·Wᵀ in both backward passes), and keeping them
//! between passes would take depth·width², so each pass draws them again, with two exceptions:
//! the first backward pass starts with the layer the forward pass ended on (the output layer,
//! still held by the source), and the second does not draw the input layer (its ∂L/∂W needs x
//! and δ, not W; the weight histograms are binned in the first backward pass, whose range the
//! forward pass fixed). For orthogonal weights a draw is a QR, so this is 3·(depth + 1) − 2 QRs.
//! Every statistic is the same function of the same values as in [`crate::compute::experiment`], so the
//! report is the same, bit for bit (tested against the kept network).

use crate::analysis::report::{Report, BINS};
use crate::compute::batch::make_batch;
use crate::compute::shard::{
    chunked_loss, data_hists, data_ranges, grad_moments, grad_range, merge, shared_range, weight_std_theory, CrossMoments, DataHists,
    GradStats, Shard, ShardLayer, ShardPart, WeightStats,
};
use crate::math::stats::{self, Histogram, Moments, Range};
use crate::nn::block::Dense;
use crate::nn::network::{backward, forward, Drawn, Mlp, Need, Visit, Workspace};
use crate::spec::config::{Config, ConfigError};

/// What the first backward pass measures, for the second to bin.
struct Measured {
    layers: Vec<Option<ShardLayer>>,
    grads: Vec<(Moments, f64)>,
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
    run_drawing(c, &|j: usize| Mlp::draw_dense(shape, c.act, &spec, seed, j), progress)
}

/// As [`run_with_progress`] for a validated `c`, with Dense layer j's weights from `draw(j)`.
fn run_drawing(c: &Config, draw: &dyn Fn(usize) -> Dense, progress: &mut dyn FnMut(Progress)) -> Result<Report, ConfigError> {
    let shape = c.shape();
    let plan = Mlp::plan(shape, c.act, c.norm);
    let mut ws = Workspace::checkpoints(&plan, c.batch);
    let source_denses = plan.denses().count();
    let mut source = Drawn::new(plan, draw);
    let (batch, loss, targets) = make_batch(c);
    let chunks = Shard::WHOLE.local_chunks(c.batch);
    ws.set_chunks(chunks.clone());
    let depth = c.depth;
    let total = 3 * source_denses;
    let mut done = 0;
    let mut step = || {
        done += 1;
        progress(Progress { done, total });
    };
    let (mut w_moments, mut distinct) = (Vec::with_capacity(depth), Vec::with_capacity(depth));
    let y = forward(&mut source, &batch.x, &mut ws, &mut |visit| match visit {
        Visit::Layer => step(),
        Visit::Dense(j, l) if j < depth => {
            w_moments.push(Moments::of(&l.w));
            distinct.push(stats::distinct_neurons(&l.w, &l.b, l.fan_in, l.fan_out, stats::symmetry_tolerance(&l.w, &l.b)));
        }
        _ => {}
    });
    let out = shape.output;
    let mut dy = vec![0f32; y.len()];
    let loss_value = chunked_loss(loss, &targets, (y, &mut dy), &chunks, out, c.batch);
    ws.release_output();
    let raw: Vec<Option<Moments>> = (0..depth).map(|l| ws.raw_pre(l)).collect();

    // First backward pass: the moments of every layer's a, z, ∂L/∂a and ∂L/∂W, and the weights'
    // histograms (their range is fixed by the forward pass's moments).
    let w_range = shared_range(w_moments.iter().copied(), 0, c);
    let fixed = |(lo, hi): (f64, f64)| Range::Fixed(lo, hi);
    let mut measured = Measured { layers: vec![None; depth], grads: vec![(Moments::default(), 0.0); depth] };
    let mut w_hists: Vec<Option<Histogram>> = vec![None; depth];
    let mut last_grad = CrossMoments::default();
    backward(&mut source, &batch.x, &dy, &mut ws, Need::Weights, &mut |visit| match visit {
        Visit::Layer => step(),
        Visit::Grad(l, w, dw) => {
            measured.grads[l] = grad_moments(dw);
            w_hists[l] = w.map(|w| Histogram::of(&w.w, BINS, fixed(w_range)));
        }
        Visit::Data(l, values, stream) => {
            if l + 1 == depth {
                last_grad = CrossMoments::measure(values.2, c.width, &chunks);
            }
            measured.layers[l] = Some(ShardLayer::measure(values, raw[l], &chunks, c.width, c.act).with_stream(stream, &chunks, c.width));
        }
        Visit::Dense(..) => {}
    });
    // Nothing of the first backward pass's buffers serves the second, which starts at the top.
    source.release();
    ws.release_scratch();
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
            theory: (weight_std_theory(c, shape.layer_dims()[shape.hidden_dense(0)].0), weight_std_theory(c, c.width)),
            phase: crate::analysis::theory::phase_grid_cached(c.act),
            act_std_band: None,
        }),
    };
    let ranges = data_ranges(c, std::slice::from_ref(&part));

    // Second backward pass: the other histograms over the shared ranges.
    let mut g_hists: Vec<Option<Histogram>> = vec![None; depth];
    let mut hists: Vec<Option<DataHists>> = vec![None; depth];
    backward(&mut source, &batch.x, &dy, &mut ws, Need::Shape, &mut |visit| match visit {
        Visit::Layer => step(),
        Visit::Grad(l, _, dw) => g_hists[l] = Some(Histogram::of(dw, BINS, fixed(g_range))),
        Visit::Data(l, values, _) => hists[l] = Some(data_hists(values, ranges)),
        Visit::Dense(..) => {}
    });
    // The pass's buffers go before the report is put together (its peak is the second pass's).
    drop((ws, source));
    let w_hists: Vec<Histogram> = w_hists.into_iter().map(|h| h.expect("the first backward pass draws every hidden layer")).collect();
    let g_hists = g_hists.into_iter().map(|h| h.expect("every hidden layer is visited"));
    let grads: Vec<GradStats> =
        measured.grads.iter().zip(g_hists).map(|(&(moments, norm), hist)| GradStats { moments, norm, hist }).collect();
    let hists: Vec<DataHists> = hists.into_iter().map(|h| h.expect("every hidden layer is visited")).collect();
    let mut part = part;
    if let Some(w) = part.weights.as_mut() {
        w.hists = w_hists;
    }
    Ok(crate::compute::assemble::report(c, merge(c, &[part], &grads, &[hists]), None))
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
            Mlp::draw_dense(shape, c.act, &spec, seed, k)
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
