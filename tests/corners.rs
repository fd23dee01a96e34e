//! The extremes of the sliders (issue "Right in every corner"): each test reproduces a case where
//! the page used to say something false, and asserts what is true. Expected values come from the
//! arithmetic of the case (stated beside each), not from the code's own output.

use initviz::analysis::report::{Report, StatValue, STATS};
use initviz::compute::experiment::run;
use initviz::spec::config::Config;

fn report(q: &str) -> Report {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    run(&c).unwrap()
}

fn tags(r: &Report) -> Vec<&str> {
    r.verdict.findings.iter().map(|f| f.tag.as_str()).collect()
}

fn text(r: &Report, tag: &str) -> String {
    r.verdict.findings.iter().find(|f| f.tag == tag).map(|f| f.text.clone()).unwrap_or_default()
}

/// tanh with N(0, 0.01²) at width 256: each layer multiplies the std by 0.01·√256 = 0.16, so
/// after ~50 layers it is below f32's smallest subnormal (1.4e-45) and becomes exactly 0. That is
/// vanishing, not health, and tanh units are not "dead".
#[test]
fn underflow_to_exactly_zero_is_vanishing() {
    let r = report("depth=64&width=256&init=normal&scale=0.01&act=tanh&batch=64");
    let last = r.layers.last().unwrap();
    assert_eq!(last.act.std, 0.0, "the case needs an exact underflow");
    let t = tags(&r);
    assert!(t.contains(&"vanish") && !t.contains(&"healthy") && !t.contains(&"dead"), "{t:?}");
    assert!(text(&r, "vanish").contains("exactly 0 from layer"), "{}", text(&r, "vanish"));
}

/// Batch norm over one sample: z − mean = 0, so every normalized value is 0 and every activation
/// is f(β = 0): sigmoid 0.5, softplus ln 2; no gradient reaches a hidden weight.
#[test]
fn batch_norm_at_batch_one_is_named() {
    for (act, value) in [("sigmoid", 0.5), ("softplus", std::f64::consts::LN_2)] {
        let r = report(&format!("depth=4&width=16&init=he_normal&act={act}&bn=1&batch=1"));
        assert!(r.layers.iter().all(|l| (l.act.mean - value).abs() < 1e-6 && l.grad.std == 0.0 && l.grad.mean == 0.0));
        let t = tags(&r);
        assert!(t.contains(&"bn_single_sample") && !t.contains(&"healthy"), "{act}: {t:?}");
    }
    let relu = report("depth=4&width=16&init=he_normal&act=relu&bn=1&batch=1");
    assert!(tags(&relu).contains(&"bn_single_sample") && !text(&relu, "no_signal").contains("relu"), "{:?}", tags(&relu));
}

/// linear with N(0, 10²) at width 256: each layer multiplies the std by 10·√256 = 160, so from
/// σ ≈ 160 at layer 1 it passes f32's 3.4e38 near layer 18 (160^17 ≈ 3e37, 160^18 ≈ 5e39). The
/// overflow is blamed there, layer 1 is finite, and no statistic of an overflowed layer reads 0.
#[test]
fn overflow_is_blamed_on_the_layer_where_it_happens() {
    let r = report("depth=40&width=256&init=normal&scale=10&act=linear&batch=64&seed=2");
    let first_bad = r.layers.iter().find(|l| l.act.nonfinite > 0).unwrap().layer;
    assert!((16..=20).contains(&first_bad), "first non-finite layer {first_bad}");
    assert!(r.layers[0].preact.std.is_finite() && r.layers[0].preact.nonfinite == 0);
    let o = text(&r, "overflow");
    assert!(o.contains(&format!("from layer {first_bad}")), "{o}");
    for l in r.layers.iter().filter(|l| l.act.count == 0) {
        assert!(l.act.std.is_nan(), "layer {}: no finite value, std {}", l.layer, l.act.std);
        assert!(l.stat("nonfinite") > 0.0);
    }
    assert!(!tags(&r).contains(&"vanish"));
    // The table tells an overflow from a statistic that does not apply (no batch norm here).
    let stat = |id: &str| STATS.iter().find(|s| s.id == id).unwrap();
    let deep = &r.layers[30];
    assert_eq!(stat("act_std").value(deep), StatValue::Overflow);
    assert_eq!(stat("raw_preact_std").value(deep), StatValue::NotApplicable);
    assert!(matches!(stat("act_std").value(&r.layers[0]), StatValue::Number(v) if v > 100.0));
}

/// ReLU with N(0, 10²) at width 256 and depth 10: a grows ×10·√128 ≈ 113 per layer, to about
/// 3e20 at layer 10, where ∂L/∂a is about 2e21; ∂L/∂W_10 = a_9ᵀ·δ_10 sums 256 products of about
/// 3e18 × 2e21, far past f32's 3.4e38, while ∂L/∂a_10 itself is finite. The verdict names ∂L/∂W,
/// not "gradients", and the layer where the backward pass (from layer 10 down) first breaks.
#[test]
fn a_backward_overflow_names_what_overflowed() {
    let r = report("depth=10&width=256&init=normal&scale=10&act=relu&batch=256");
    assert!(r.layers.iter().all(|l| l.act.nonfinite == 0), "the forward pass is finite");
    let top = &r.layers[9];
    assert!(top.grad.nonfinite > 0 && top.act_grad.nonfinite == 0);
    let o = text(&r, "overflow");
    assert!(o.starts_with("∂L/∂W (summed over the batch) overflows to ±Inf or NaN"), "{o}");
    assert!(o.ends_with("which runs from layer 10 down to layer 1: first at layer 10 (layers are numbered from the input)"), "{o}");
}

/// sigmoid with N(0, 0.01²) at width 256: z shrinks ×0.16 per layer, so every unit outputs
/// σ(b) = 0.5 + O(z) whatever the sample; the units keep slightly different means (pooled std
/// ≈ 0.02 from the weights' spread) but the spread across samples dies: by layer 5 it is under
/// 1e-5 (0.16⁴ × 0.25 × 0.16 ≈ 3e-5 before the last shrink), by layer 10 exactly 0 in f32.
#[test]
fn collapse_across_samples_is_seen_when_the_pooled_std_stays() {
    let r = report("depth=10&width=256&init=normal&scale=0.01&act=sigmoid&batch=256");
    let l5 = &r.layers[4];
    assert!(l5.act_sample_std < 1e-5, "{}", l5.act_sample_std);
    assert!(l5.act.std > 1e-3, "pooled {}", l5.act.std);
    assert!(tags(&r).contains(&"collapse"), "{:?}", tags(&r));
    // One sample has no spread across samples to lose: not a collapse (the default network is healthy).
    let one = report("depth=10&width=256&batch=1");
    assert!(!tags(&one).contains(&"collapse") && tags(&one).contains(&"healthy"), "{:?}", tags(&one));
}

/// He/ReLU is healthy; at batch 1 half its units are 0 for "every" (the one) sample by chance,
/// so the page must not call them dead.
#[test]
fn dead_units_are_not_claimed_at_tiny_batches() {
    for batch in [1, 2] {
        let r = report(&format!("depth=10&width=256&init=he_normal&act=relu&batch={batch}"));
        let dead = r.layers.iter().map(|l| l.dead).sum::<f64>() / 10.0;
        assert!(dead > 0.2, "batch {batch}: the case needs many zero units, got {dead}");
        let t = tags(&r);
        assert!(!t.contains(&"dead") && t.contains(&"dead_small_batch"), "batch {batch}: {t:?}");
    }
}

/// Large random tanh: 90% saturated and yet ∂L/∂a grows towards the input. One finding says
/// both, not two that contradict each other.
#[test]
fn saturation_and_gradient_growth_are_one_finding() {
    let r = report("depth=10&width=500&init=normal&scale=1&act=tanh&batch=200");
    let t = tags(&r);
    assert!(t.contains(&"saturated") && !t.contains(&"grad_explode"), "{t:?}");
    let s = text(&r, "saturated");
    assert!(s.contains("explode") && s.contains("chaotic"), "{s}");
}

/// Small random tanh: ∂L/∂a vanishes while ∂L/∂W stays level; the finding names which gradient
/// and why the ∂L/∂W panel is flat.
#[test]
fn vanishing_names_which_gradient() {
    let r = report("depth=10&width=500&init=normal&scale=0.01&act=tanh&batch=1000");
    let g = text(&r, "grad_vanish");
    assert!(g.contains("∂L/∂a") && g.contains("∂L/∂W stays level"), "{g}");
}

/// Width 2, depth 100, one sample (Xavier, tanh): ∂L/∂a vanishes (×0.7 a layer) and ∂L/∂W moves
/// about ×1.06 a layer, which over 99 layers spans two orders of magnitude: the verdict may not
/// call that level. It says "changes far less", with a range whose ends are more than 10× apart,
/// as the table's own column shows.
#[test]
fn a_wide_gradient_range_is_not_called_level() {
    let r = report("depth=100&width=2&batch=1");
    let g = text(&r, "grad_vanish");
    let w: Vec<f64> = r.layers.iter().map(|l| l.grad.std).collect();
    let (lo, hi) = (w.iter().copied().fold(f64::INFINITY, f64::min), w.iter().copied().fold(0.0, f64::max));
    assert!(hi > 10.0 * lo, "{lo} to {hi}: pick a case whose ∂L/∂W spans more than 10×");
    assert!(!g.contains("stays level") && g.contains("∂L/∂W changes far less"), "{g}");
}

/// Constant 0.5 with sigmoid: the mean moves 0.59 → 0.92 → 0.98; the verdict says where it
/// settles and where it started, not that it "stays".
#[test]
fn a_moving_mean_is_not_said_to_stay() {
    let r = report("depth=3&width=8&init=constant&scale=0.5&bias=same&act=sigmoid");
    let v = text(&r, "vanish");
    assert!(!v.contains("stays at") && v.contains("settles"), "{v}");
}

/// Batch norm at depth 50 (He/ReLU, width 512): ∂L/∂a grows about ×1.2 per layer towards the
/// input (Yang et al. 2019), mild per layer but thousands-fold in all. The total is judged.
#[test]
fn growth_over_many_layers_is_judged_in_total() {
    let r = report("depth=50&width=512&init=he_normal&act=relu&bn=1&batch=256");
    let (g50, g1) = (r.layers[49].act_grad.std, r.layers[0].act_grad.std);
    assert!(g1 / g50 > 1000.0, "the case needs the growth: {g50} → {g1}");
    let t = tags(&r);
    assert!(t.contains(&"grad_explode") && !t.contains(&"healthy"), "{t:?}");
    assert!(text(&r, "grad_explode").contains("Yang et al. 2019"));
}

/// With batch norm the z panel shows γ·ẑ + β; z itself is kept too. At scale 1e-4, width 256,
/// Gaussian input: z σ ≈ 1e-4·√256 = 1.6e-3 at layer 1, so Var(z) = 2.6e-6 is below PyTorch's
/// ε = 1e-5 and the normalized value has σ = √(Var/(Var + ε)) ≈ 0.45, not 1.
#[test]
fn raw_z_is_shown_under_batch_norm() {
    let r = report("depth=3&width=256&init=normal&scale=0.0001&act=tanh&bn=1&batch=256");
    let raw = r.layers[0].raw_preact.unwrap().std;
    assert!((raw / 1.6e-3 - 1.0).abs() < 0.1, "raw z σ {raw}");
    let v = raw * raw;
    let want = (v / (v + 1e-5)).sqrt();
    assert!((r.layers[0].preact.std / want - 1.0).abs() < 0.02, "normalized σ {} vs {want}", r.layers[0].preact.std);
    assert!(report("depth=3&width=16").layers[0].raw_preact.is_none());
}
