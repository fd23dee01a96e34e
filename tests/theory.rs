//! Mean-field theory against the network: at width 1024 and batch 1024 the measured std of the
//! activations sits on the predicted line (issue "Theory beside the measurement").

use initviz::analysis::theory::{first_parting, moments, predict, MeasuredStd, Phase, Prior, PANELS};
use initviz::compute::batch::make_batch;
use initviz::math::stats::Moments;
use initviz::nn::activation::Activation;
use initviz::nn::network::{Mlp, Workspace};
use initviz::spec::config::Config;

/// Runs the forward pass directly (this size is over the page's memory budget, which counts
/// the backward buffers too) and compares every layer's activation std with the prediction.
fn measured_against_predicted(q: &str) -> Vec<(f64, f64)> {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let mlp = Mlp::new(c.shape(), c.act, &c.init_spec(), c.norm, u64::from(c.seed));
    let (batch, _, _) = make_batch(&c);
    let mut ws = Workspace::new(&mlp, c.batch);
    mlp.forward(&batch.x, &mut ws);
    let p = predict(&c.theory_setup(), &Prior { input_ms: 1.0, input_cross: 0.0, last_act_grad_ms: 1.0, last_act_grad_cross: 0.0 });
    (0..c.depth).map(|l| (Moments::of(ws.act(l)).std, p.act_std[l])).collect()
}

/// tanh with Xavier: within 5% of the prediction in every layer (measured: within 1%).
#[test]
fn tanh_with_xavier_follows_the_theory_within_5_percent() {
    let q = "depth=20&width=1024&batch=1024&init=xavier_normal&act=tanh";
    for (l, (m, p)) in measured_against_predicted(q).into_iter().enumerate() {
        assert!((m / p - 1.0).abs() < 0.05, "{q}: layer {}: measured {m}, predicted {p}", l + 1);
    }
}

/// ReLU with He: the prediction is what the variance is *in expectation* over the weights
/// (E[q_{l+1}] = 2·E[relu(z)²] = q_l exactly), but ReLU's nonzero mean makes each layer's
/// variance factor random at finite width, and that compounds as a random walk: the squared
/// norm's log has variance about 5·l/n after l layers of width n (Hanin & Rolnick 2018,
/// "How to start training"), so the std's log about ¼·5·l/n. Every layer of every seed must be
/// within 4 of those standard deviations of the prediction (at layer 20, width 1024: ×0.73 to
/// ×1.37), and the scatter across seeds must grow with depth, which the page shows as the seed
/// band and explains when they part.
#[test]
fn relu_with_he_follows_the_theory_within_its_finite_width_walk() {
    let n = 1024.0;
    let mut spread = [(f64::INFINITY, f64::NEG_INFINITY); 20];
    for seed in 1..=6 {
        let v = measured_against_predicted(&format!("depth=20&width=1024&batch=1024&init=he_normal&act=relu&seed={seed}"));
        for (l, (m, p)) in v.iter().enumerate() {
            let sd = (5.0 * (l + 1) as f64 / n).sqrt() / 2.0;
            assert!(
                (m / p).ln().abs() < 4.0 * sd,
                "seed {seed}, layer {}: measured {m}, predicted {p} (4 sd: ×{:.2})",
                l + 1,
                (4.0 * sd).exp()
            );
            spread[l] = (spread[l].0.min(m / p), spread[l].1.max(m / p));
        }
    }
    let width = |l: usize| spread[l].1 - spread[l].0;
    assert!(width(19) > 3.0 * width(1), "scatter at layer 2 {:?}, at layer 20 {:?}", spread[1], spread[19]);
}

/// At width 8 the theory's average over many units does not hold and the page must say why;
/// but the gap must be a finite-width effect, shrinking as the width grows: the seeds' geometric
/// mean of the measured std at layer 10, over the prediction, moves toward 1 from width 8 to 32
/// to 128, and is within 5% at width 512 (a theory off by a constant factor or a layer fails the
/// last; "more than 10% wrong at width 8", the old test, passed any theory).
#[test]
fn at_width_8_measurement_and_theory_part_and_converge_with_width() {
    let gap = |width: usize| {
        let seeds = 12;
        let log_sum: f64 = (1..=seeds)
            .map(|seed| {
                let v = measured_against_predicted(&format!("depth=10&width={width}&batch=256&init=xavier_normal&act=tanh&seed={seed}"));
                (v[9].0 / v[9].1).ln()
            })
            .sum();
        (log_sum / f64::from(seeds)).abs()
    };
    let gaps = [8, 32, 128, 512].map(gap);
    assert!(gaps[0] > gaps[1] && gaps[1] > gaps[2], "|log(measured/predicted)| at layer 10 by width 8, 32, 128: {gaps:?}");
    assert!(gaps[3] < 0.05, "width 512: {gaps:?}");
    let q = "depth=20&width=8&batch=1024&init=xavier_normal&act=tanh";
    let (c, _) = Config::from_query(q);
    let r = initviz::compute::experiment::run(&c).unwrap();
    let why = r.theory.disagreement.expect("the page must say that they part");
    assert!(why.contains("narrow layers"), "{why}");
}

/// The std of ∂L/∂W per layer against the prediction, in every layer, on the page's own report.
fn grad_ratios(q: &str) -> Vec<f64> {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let r = initviz::compute::experiment::run(&c).unwrap();
    r.layers.iter().map(|l| l.grad.std / l.pred_grad_std).collect()
}

/// ∂L/∂W = Σ_s a_s·δ_s over the batch: for deep ReLU the samples' pre-activations become
/// correlated with depth (c_l → 1) and their terms add coherently, B(B − 1)·E[a_s a_t]·E[δ_s δ_t]
/// on top of B·E[a²]·E[δ²]. Without that term the prediction was 13× low at layer 20 (width 512,
/// batch 256); with it every layer is within 25% at width 1024, for two seeds. Dropping the batch
/// factor (16×) or the coherent term fails this.
#[test]
fn grad_prediction_adds_the_samples_coherent_part() {
    for seed in [1, 2] {
        let q = format!("depth=20&width=1024&init=he_normal&act=relu&batch=128&seed={seed}");
        for (l, r) in grad_ratios(&q).into_iter().enumerate() {
            assert!((0.8..1.25).contains(&r), "{q}: layer {}: measured/predicted {r}", l + 1);
        }
    }
}

/// tanh in the chaotic phase from unit input: q grows from 1 towards q* over the first layers, so
/// χ_l changes from layer to layer; the backward recursion must use layer l + 1's χ for layer l
/// (shifting it by one layer moves layer 1 by the product of the changes). Within 12% everywhere.
#[test]
fn grad_prediction_follows_chi_layer_by_layer() {
    let q = "depth=12&width=1024&init=normal&scale=0.06&act=tanh&batch=128";
    for (l, r) in grad_ratios(q).into_iter().enumerate() {
        assert!((0.88..1.12).contains(&r), "{q}: layer {}: measured/predicted {r}", l + 1);
    }
}

/// Where the recursion does not describe ∂L/∂W (a data set; a batch larger than the width, whose
/// mean gradient it leaves out) the line is not drawn, and the page says why.
#[test]
fn grad_prediction_is_not_drawn_where_it_does_not_hold() {
    for q in ["depth=10&width=256&input=spiral&act=tanh&batch=256", "depth=10&width=256&act=tanh&batch=1024"] {
        let (c, _) = Config::from_query(q);
        let r = initviz::compute::experiment::run(&c).unwrap();
        assert!(r.layers.iter().all(|l| l.pred_grad_std.is_nan()), "{q}: drawn");
        assert!(r.layers.iter().all(|l| l.pred_act_std.is_finite()), "{q}: the other lines stay");
    }
}

/// `bias=same` draws each layer's bias from that layer's own weight distribution: layer 1 of
/// `xavier_uniform` on the digits (64 inputs, width 256) has Var(b) = limit²/3 with limit =
/// √(6/(64 + 256)) (Glorot & Bengio 2010), not the width × width layer's 2/512; so the predicted
/// std of z₁ is √(σ_w²·E[x²] + 2/320) with σ_w² = 64·2/320.
#[test]
fn same_bias_theory_uses_each_layers_own_fans() {
    let (c, _) = Config::from_query("input=digits&init=xavier_uniform&bias=same&width=256&depth=3");
    let (mb, sb2) = initviz::analysis::theory::layer_bias_moments(&c.theory_setup(), 64, 256);
    assert_eq!(mb, 0.0);
    let want = (6.0f64 / 320.0).sqrt().powi(2) / 3.0;
    assert!((sb2 / want - 1.0).abs() < 1e-12, "layer 1: Var(b) {sb2}, Glorot {want}");
    let ms = 20.0;
    let p = predict(&c.theory_setup(), &Prior { input_ms: ms, input_cross: 0.0, last_act_grad_ms: 1.0, last_act_grad_cross: 0.0 });
    let q1 = 64.0 * 2.0 / 320.0 * ms + 2.0 / 320.0;
    assert!((p.preact_std[0] / q1.sqrt() - 1.0).abs() < 1e-12, "{} against {}", p.preact_std[0], q1.sqrt());
    assert!((p.sb2 - 2.0 / 512.0).abs() < 1e-15, "the hidden layers' σ_b²: {}", p.sb2);
}

// The predictions of configurations the page offers (from `theory`'s unit tests, which read no
// configuration).

/// He et al. (2015): with He's σ_w² = 2 and ReLU, E[relu(z)²] = q/2 so q_{l+1} = q_l = 2·Var(x).
#[test]
fn relu_with_he_keeps_q() {
    let (c, _) = Config::from_query("depth=20&width=512&init=he_normal&act=relu");
    let p = predict(&c.theory_setup(), &Prior { input_ms: 1.0, last_act_grad_ms: 1.0, ..Prior::default() });
    for q in &p.preact_std {
        assert!((q * q - 2.0).abs() < 1e-12, "{q}");
    }
    assert_eq!(p.fixed.phase, Phase::EdgeOfChaos);
    assert!((p.fixed.chi - 1.0).abs() < 1e-12);
}

/// Xavier at equal fans gives σ_w² = 1, so with ReLU q halves every layer (He et al. 2015, §2.2).
#[test]
fn relu_with_xavier_halves_q() {
    let (c, _) = Config::from_query("depth=10&width=256&init=xavier_normal&act=relu");
    let p = predict(&c.theory_setup(), &Prior { input_ms: 1.0, last_act_grad_ms: 1.0, ..Prior::default() });
    for w in p.preact_std.windows(2) {
        assert!(((w[1] / w[0]).powi(2) - 0.5).abs() < 1e-12);
    }
    assert_eq!(p.fixed.phase, Phase::Ordered);
}

/// Linear units with N(0, s²) weights: q is multiplied by n·s² per layer (Glorot & Bengio 2010, eq. 8).
#[test]
fn linear_multiplies_q_by_n_s2() {
    let (c, _) = Config::from_query("depth=6&width=200&init=normal&scale=0.05&act=linear");
    let p = predict(&c.theory_setup(), &Prior { input_ms: 1.0, last_act_grad_ms: 1.0, ..Prior::default() });
    for w in p.preact_std.windows(2) {
        assert!(((w[1] / w[0]).powi(2) - 200.0 * 0.0025).abs() < 1e-9);
    }
}

/// SELU with LeCun normal: the fixed point of mean 0, variance 1 (Klambauer et al. 2017): from
/// q = 1, E[selu(z)] = 0 and E[selu(z)²] = 1, so q stays 1.
#[test]
fn selu_with_lecun_self_normalizes() {
    let (e1, e2, _) = moments(Activation::Selu, 0.0, 1.0, PANELS);
    assert!(e1.abs() < 1e-4, "mean {e1}");
    assert!((e2 - 1.0).abs() < 1e-4, "second moment {e2}");
    let (c, _) = Config::from_query("depth=10&width=256&init=lecun_normal&act=selu");
    let p = predict(&c.theory_setup(), &Prior { input_ms: 1.0, last_act_grad_ms: 1.0, ..Prior::default() });
    assert!(p.act_std.iter().all(|s| (s - 1.0).abs() < 1e-3) && p.act_mean.iter().all(|m| m.abs() < 1e-3));
}

/// The sentence compares every line the theory draws (z, a, ∂L/∂W, ∂L/∂a), not only a, and
/// skips a prediction that is not drawn (NaN). Measured values are the predictions themselves
/// except where this test moves one by 2× (outside the 20% band by construction).
#[test]
fn the_first_parting_looks_at_every_drawn_quantity() {
    // Batch 64 ≤ width/4, so the ∂L/∂W line is drawn.
    let (c, _) = Config::from_query("depth=5&width=256&batch=64&init=xavier_normal&act=tanh");
    let mut p = predict(&c.theory_setup(), &Prior { input_ms: 1.0, last_act_grad_ms: 1.0, ..Prior::default() });
    let exact: Vec<MeasuredStd> = (0..5)
        .map(|l| MeasuredStd { preact: p.preact_std[l], act: p.act_std[l], act_grad: p.act_grad_std[l], grad: p.grad_std[l] })
        .collect();
    assert_eq!(first_parting(&exact, &p), None);
    for (quantity, moved) in [("z", 0), ("a", 1), ("∂L/∂W", 2), ("∂L/∂a", 3)] {
        let mut m = exact.clone();
        let field = match moved {
            0 => &mut m[2].preact,
            1 => &mut m[2].act,
            2 => &mut m[2].grad,
            _ => &mut m[2].act_grad,
        };
        *field *= 2.0;
        let got = first_parting(&m, &p).expect("a 2× gap parts");
        assert_eq!((got.layer, got.quantity), (2, quantity));
    }
    // ∂L/∂W not drawn at layer 1: its measured value there is not compared.
    let mut m = exact.clone();
    m[0].grad = 123.0;
    p.grad_std[0] = f64::NAN;
    assert_eq!(first_parting(&m, &p), None);
}
