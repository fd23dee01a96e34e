//! Mean-field theory against the network: at width 1024 and batch 1024 the measured std of the
//! activations sits on the predicted line (issue "Theory beside the measurement").

use initviz::config::Config;
use initviz::experiment::make_batch;
use initviz::network::{Mlp, Workspace};
use initviz::stats::Moments;
use initviz::theory::predict;

/// Runs the forward pass directly (this size is over the page's memory budget, which counts
/// the backward buffers too) and compares every layer's activation std with the prediction.
fn measured_against_predicted(q: &str) -> Vec<(f64, f64)> {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let mlp = Mlp::new(c.shape(), c.act, &c.init_spec(), c.bn, u64::from(c.seed));
    let (batch, _, _) = make_batch(&c);
    let mut ws = Workspace::new(&mlp, c.batch);
    mlp.forward(&batch.x, &mut ws);
    let p = predict(&c, 1.0, 1.0);
    (0..c.depth).map(|l| (Moments::of(&ws.act[l]).std, p.act_std[l])).collect()
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
/// variance factor random by a few percent at width 1024, and that compounds as a random walk:
/// over seeds 1–6 the first three layers are within 5% while layer 20 lands anywhere from −13%
/// to +39% (the finite-width effect of deep ReLU networks, Hanin & Rolnick 2018). So: within
/// 5% early, for every seed, and a scatter across seeds that grows with depth — which the
/// page shows as the seed band and explains when they part.
#[test]
fn relu_with_he_follows_the_theory_early_and_scatters_with_depth() {
    let mut spread = [(f64::INFINITY, f64::NEG_INFINITY); 20];
    for seed in 1..=6 {
        let v = measured_against_predicted(&format!("depth=20&width=1024&batch=1024&init=he_normal&act=relu&seed={seed}"));
        for (l, (m, p)) in v.iter().enumerate() {
            if l < 3 {
                assert!((m / p - 1.0).abs() < 0.05, "seed {seed}, layer {}: measured {m}, predicted {p}", l + 1);
            }
            spread[l] = (spread[l].0.min(m / p), spread[l].1.max(m / p));
        }
    }
    let width = |l: usize| spread[l].1 - spread[l].0;
    assert!(width(19) > 3.0 * width(1), "scatter at layer 2 {:?}, at layer 20 {:?}", spread[1], spread[19]);
}

/// At width 8 the theory's average over many units does not hold: the layers scatter.
#[test]
fn at_width_8_measurement_and_theory_part() {
    let worst = measured_against_predicted("depth=20&width=8&batch=1024&init=xavier_normal&act=tanh")
        .into_iter()
        .map(|(m, p)| (m / p - 1.0).abs())
        .fold(0.0, f64::max);
    assert!(worst > 0.1, "width 8 follows the theory within {worst}");
    let (c, _) = Config::from_query("depth=20&width=8&batch=1024&init=xavier_normal&act=tanh");
    let r = initviz::experiment::run(&c).unwrap();
    let why = r.theory.disagreement.expect("the page must say that they part");
    assert!(why.contains("narrow layers"), "{why}");
}
