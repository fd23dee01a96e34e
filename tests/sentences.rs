//! Sentences shown to students that were false at the extremes (issue 18, "true everywhere,
//! third round"): each test builds the issue's configuration, runs it natively and reads the
//! verdict and theory sentences. Expected values come from the arithmetic of each case (stated
//! beside it) or from the papers cited, never from the code's own output.

use initviz::analysis::report::Report;
use initviz::analysis::theory::phase_sentence;
use initviz::compute::experiment::run;
use initviz::spec::config::Config;

fn report(q: &str) -> (Config, Report) {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let r = run(&c).unwrap();
    (c, r)
}

fn text(r: &Report, tag: &str) -> String {
    r.verdict.findings.iter().find(|f| f.tag == tag).map(|f| f.text.clone()).unwrap_or_default()
}

fn every_sentence(c: &Config, r: &Report) -> Vec<String> {
    let mut s: Vec<String> = r.verdict.findings.iter().map(|f| f.text.clone()).collect();
    s.push(phase_sentence(&c.theory_setup(), &r.theory.prediction.fixed));
    s.extend(r.theory.disagreement.clone());
    s
}

/// Zero weights and biases: z = 0·a + 0 = 0 and a = tanh(0) = 0 in every layer, and the recursion
/// gives q = σ_w²·E[φ²] + σ_b² = 0 with σ_w² = σ_b² = 0: measured 0, predicted 0. Equal values
/// agree; 0/0 is not a disagreement.
#[test]
fn zero_measured_against_zero_predicted_is_agreement() {
    let (_, r) = report("init=zeros&act=tanh");
    assert!(r.layers.iter().all(|l| l.act.std == 0.0 && l.preact.std == 0.0), "the case needs all-zero layers");
    assert!(r.theory.prediction.act_std.iter().all(|&p| p == 0.0), "the recursion gives q = 0 here");
    assert_eq!(r.theory.disagreement, None);
}

/// Batch norm (scale 0.01, tanh): the plain recursion has σ_w² = 256·0.01² = 0.0256 < 1, ordered,
/// but batch norm rescales z to unit variance in every layer and the verdict is "healthy". The
/// phase sentence may not describe the batch-normalized network by the plain recursion.
#[test]
fn the_plain_phase_is_not_said_of_a_batch_normalized_network() {
    let (c, r) = report("init=normal&scale=0.01&act=tanh&bn=1");
    assert!(r.verdict.has("healthy"), "{:?}", r.verdict);
    let s = phase_sentence(&c.theory_setup(), &r.theory.prediction.fixed);
    assert!(s.starts_with("without batch norm this network would be ordered"), "{s}");
    assert!(s.contains("does not describe it"), "{s}");
}

/// Ordered with a bias (σ_w² = 256·0.03125² = 0.25, σ_b² = 0.09, tanh): q* = 0.25·E[tanh²] + 0.09
/// ≥ σ_b² = 0.09 > 0, so signals converge to a nonzero spread; what vanishes is the difference
/// between inputs, c → 1 (Poole et al. 2016; Schoenholz et al. 2017).
#[test]
fn an_ordered_phase_with_a_bias_does_not_say_signals_vanish() {
    let (c, r) = report("init=normal&scale=0.03125&bias=normal:0.3&act=tanh");
    let fp = r.theory.prediction.fixed;
    assert!(fp.q_star >= 0.09 && fp.chi < 1.0, "{fp:?}");
    let s = phase_sentence(&c.theory_setup(), &fp);
    assert!(s.starts_with("ordered") && !s.contains("signals and gradients vanish"), "{s}");
    assert!(s.contains("correlation tends to 1"), "{s}");
    // Without the bias q* = 0 (tanh(0) = 0): there the signals do vanish.
    let (c0, r0) = report("init=normal&scale=0.03125&act=tanh");
    assert!(phase_sentence(&c0.theory_setup(), &r0.theory.prediction.fixed).contains("signals and gradients vanish"));
}

/// ReLU, N(0, 10²) weights at width 2, one sample: the std grows from layer 1 (σ_w² = 2·100 =
/// 200 > 2) until both units of a layer are off, after which every later layer is exactly 0
/// (z = 0·W + 0). The layer before was far above f32's smallest value (1.2e-38): not an
/// underflow, and not "falls".
#[test]
fn exact_zeros_after_growth_are_dead_units_not_an_underflow() {
    let (_, r) = report("depth=100&width=2&scale=10&act=relu&batch=1&init=normal");
    let k = r.layers.iter().position(|l| l.act.std == 0.0).expect("the case needs a dead layer");
    assert!(r.layers[k..].iter().all(|l| l.act.std == 0.0));
    assert!(r.layers[k - 1].act.std > 1e-30 && r.layers[k - 1].act.std > r.layers[0].act.std, "{}", r.layers[k - 1].act.std);
    let t = text(&r, "dead_layer");
    assert!(
        t.starts_with(&format!("no signal passes layer {}", k + 1)) && !r.verdict.has("explode") && !r.verdict.has("vanish"),
        "{:?}",
        r.verdict
    );
    assert!(t.contains("std grows") && !t.contains("underflows") && !t.contains("falls"), "{t}");
    assert!(t.contains(&format!("exactly 0 from layer {} on, which is not a gradual underflow", k + 1)) && t.contains("ReLU unit"), "{t}");
}

/// The same at width 2 with tanh: ∂L/∂a is exactly 0 from some layer down while the layer above
/// is far from f32's smallest value: tanh′ = 1 − a² is exactly 0 where tanh rounds to ±1 in f32
/// (|z| > 9), not an underflow.
#[test]
fn exact_zero_gradients_under_saturated_tanh_are_not_an_underflow() {
    let (_, r) = report("depth=100&width=2&scale=10&act=tanh&batch=64&init=normal");
    let k = r.layers.iter().rposition(|l| l.act_grad.std == 0.0).expect("the case needs a zero gradient");
    assert!(r.layers[k + 1].act_grad.std > 1e-30, "{}", r.layers[k + 1].act_grad.std);
    let g = text(&r, "grad_vanish");
    assert!(!g.contains("underflows") && g.contains("not a gradual underflow") && g.contains("rounds to exactly ±1"), "{g}");
}

/// One sample has no "every sample". sigmoid with N(0, 10²) weights at width 2 and batch 1: the
/// units saturate towards 0 and the spread between them collapses while the mean settles; with
/// one sample that is a statement about units only. With constant 0.5 weights and 64 samples
/// (the case of `a_moving_mean_is_not_said_to_stay`) it is about units and samples.
#[test]
fn a_single_sample_is_not_every_sample() {
    let (_, one) = report("depth=100&width=2&batch=1&init=normal&scale=10&act=sigmoid");
    let v = text(&one, "vanish");
    assert!(v.contains("every unit gives almost the same value") && !v.contains("sample"), "{v}");
    for f in &one.verdict.findings {
        assert!(!f.text.contains("every sample"), "{}", f.text);
    }
    let (_, many) = report("depth=3&width=8&init=constant&scale=0.5&bias=same&act=sigmoid&batch=64");
    assert!(text(&many, "vanish").contains("every unit gives almost the same value for every sample"), "{}", text(&many, "vanish"));
}

/// tanh, N(0, 10²) at width 256, depth 100: ∂L/∂a grows ×√χ per layer towards the input
/// (χ* ≈ (4/3)/√(2πq*)·σ_w² ≈ 85) and overflows f32; its std at layer 1 has no finite value.
/// No sentence prints "NaN" or "inf".
#[test]
fn no_sentence_prints_nan_or_inf() {
    for q in ["depth=100&width=256&scale=10&act=tanh&init=normal", "depth=100&width=256&init=normal&scale=10&act=linear"] {
        let (c, r) = report(q);
        assert!(r.layers.iter().any(|l| !l.act_grad.std.is_finite()), "{q}: the case needs an overflow");
        for s in every_sentence(&c, &r) {
            // "overflow to ±Inf or NaN" names what the values became; no number may read NaN or inf.
            let s = s.replace("±Inf or NaN", "");
            assert!(!s.contains("NaN") && !s.contains("inf") && !s.contains("∞"), "{q}: {s}");
        }
    }
}

/// scale 1e-4 at width 256: the std shrinks ×1e-4·√256·tanh′(0) = 1.6e-3 per layer, so by layer
/// 16 it is about 1.6e-3^16 ≈ 2e-45, at f32's smallest subnormal (1.4e-45): the gap to theory
/// is f32's underflow, not the large-width limit. And with N(0, 10²) linear units the std grows
/// ×160 per layer, past f32's 3.4e38 at layer 18: overflow.
#[test]
fn the_gap_to_theory_names_f32_when_f32_is_the_cause() {
    let (_, r) = report("depth=100&init=normal&scale=0.0001");
    let d = r.theory.disagreement.expect("measurement and theory part where f32 underflows");
    assert!(d.contains("1.2e-38") && d.contains("underflow") && !d.contains("infinitely many independent units"), "{d}");
    let (_, r) = report("depth=100&width=256&init=normal&scale=10&act=linear");
    let d = r.theory.disagreement.expect("measurement and theory part where f32 overflows");
    assert!(
        d.contains("measured overflowed")
            && d.contains("finite only up to about 3.4e38")
            && !d.contains("infinitely many independent units"),
        "{d}"
    );
}

/// Yang et al. (2019) show that batch norm makes gradients *explode* at initialization; under
/// a vanishing finding (batch norm with z's variance below ε = 1e-5, so each layer's normalized
/// σ = √(Var/(Var + ε)) < 1 and the signal shrinks) the citation is false.
#[test]
fn the_batch_norm_explosion_paper_is_not_cited_for_vanishing() {
    let (_, r) = report("depth=100&bn=1&act=tanh&init=normal&scale=0.0001");
    let g = text(&r, "grad_vanish");
    assert!(!g.is_empty(), "the case needs vanishing gradients: {:?}", r.verdict);
    assert!(!g.contains("Yang"), "{g}");
}

/// Layers are numbered from the input; the backward pass starts at the last. The overflow finding
/// names the highest layer with a non-finite gradient, and may not call its number "counted from
/// the output".
#[test]
fn the_backward_overflow_layer_is_numbered_from_the_input() {
    let (_, r) = report("depth=100&width=256&scale=10&act=tanh&init=normal");
    let k = r.layers.iter().rev().find(|l| l.grad.nonfinite + l.act_grad.nonfinite > 0).expect("the case needs an overflow").layer;
    assert!(k < 100, "the case needs an overflow below the top layer, got {k}");
    let o = text(&r, "overflow");
    assert!(
        !o.contains("counting from the output") && o.contains(&format!("first at layer {k} (layers are numbered from the input)")),
        "{o}"
    );
}

/// tanh at scale 1e-4, depth 100 (width 256): a shrinks ×1e-4·√256 = 1.6e-3 per layer and
/// underflows to exactly 0, so every hidden ∂L/∂W = a_(l−1)ᵀ·δ_l is 0. But the top hidden
/// layer's δ = ∂L/∂a ⊙ tanh′(z) with tanh′(0) = 1 is not 0, nor its bias gradient Σ_batch δ:
/// the first step does not move "only the output layer".
#[test]
fn zero_weight_gradients_do_not_freeze_the_hidden_biases() {
    use initviz::compute::batch::make_batch;
    use initviz::nn::network::{Mlp, Workspace};
    let (c, r) = report("depth=100&init=normal&scale=0.0001");
    let t = text(&r, "no_hidden_grad");
    assert!(!t.is_empty(), "the case needs zero hidden-weight gradients: {:?}", r.verdict);
    let mlp = Mlp::new(c.shape(), c.act, &c.init_spec(), c.norm, u64::from(c.seed));
    let (batch, loss, targets) = make_batch(&c);
    let mut ws = Workspace::new(&mlp, c.batch);
    let y = mlp.forward(&batch.x, &mut ws).to_vec();
    let mut dy = vec![0f32; y.len()];
    loss.eval(&y, &targets, mlp.output_dim(), &mut dy).unwrap();
    mlp.backward(&batch.x, &dy, &mut ws);
    assert!(ws.db(c.depth - 1).iter().any(|&g| g != 0.0), "the top hidden bias gradient is 0");
    assert!(!t.contains("moves only the output layer") && t.contains("biases"), "{t}");
}

/// One hidden layer has one std and no depth to compound errors over: "stays between X and X
/// over 1 layers" and "the errors compound with depth" / "this depth amplifies its errors" are
/// not said of it. (Width 2, one sample: a parts.)
#[test]
fn sentences_at_depth_one_do_not_speak_of_depth() {
    let (_, wide) = report("depth=1&width=1024&batch=4096&init=normal&scale=10&act=relu");
    let h = text(&wide, "healthy");
    assert!(h.contains("in the one hidden layer") && !h.contains("between"), "{h}");
    let (_, narrow) = report("depth=1&width=2&batch=1&init=normal&scale=10&act=relu");
    // The wide case's ∂L/∂W is not drawn at batch 4096 > width/4, so it may have no gap at all;
    // the narrow one must.
    let d = narrow.theory.disagreement.clone().expect("the case needs a gap to theory");
    for d in [Some(d), wide.theory.disagreement.clone()].into_iter().flatten() {
        assert!(!d.contains("depth or scale amplifies") && !d.contains("errors compound with depth"), "{d}");
    }
}

/// Batch norm at scale 1e-4 (width 256): Var(z) ≈ (1e-4·√256)² = 2.6e-6 is below ε = 1e-5, so
/// the normalized σ is √(Var/(Var + ε)) ≈ 0.45: batch norm does not bring every layer to unit
/// variance, and the caveat may not say it does.
#[test]
fn the_batch_norm_caveat_does_not_promise_unit_variance() {
    let (_, r) = report("depth=3&width=256&init=normal&scale=0.0001&act=tanh&bn=1&batch=256");
    assert!((r.layers[0].preact.std - 0.45).abs() < 0.05, "normalized σ {}", r.layers[0].preact.std);
    let d = r.theory.disagreement.expect("the case needs a gap to theory");
    assert!(d.contains("batch norm") && !d.contains("rescales every layer to unit variance"), "{d}");
}

/// ReLU with N(0, 1) weights at width 1024, one sample: σ grows ×√(1024/2) ≈ 22.6 per layer and
/// passes f32's 3.4e38 around layer 28, where only a few of the 2,048 values of z and a are
/// Inf at first. "0% of its z and a are not finite" beside "values overflow" reads as a
/// contradiction; a share above 0 is "fewer than 1%".
#[test]
fn a_small_overflow_share_does_not_read_zero_percent() {
    let (_, r) = report("depth=30&width=1024&batch=1&init=normal&scale=1&act=relu");
    let l = r.layers.iter().find(|l| l.preact.nonfinite + l.act.nonfinite > 0).expect("the case needs a forward overflow");
    let bad = (l.preact.nonfinite + l.act.nonfinite) as f64;
    let share = bad / (bad + (l.preact.count + l.act.count) as f64);
    assert!(share > 0.0 && share < 0.01, "the case needs under 1% non-finite, got {share}");
    let o = text(&r, "overflow");
    assert!(!o.contains(": 0% of") && o.contains("fewer than 1% of its z and a"), "{o}");
}

/// ELU with N(0, 10²) weights at width 2: ∂L/∂a grows for a layer or two below the top and then
/// is exactly 0 (ELU′(z) = e^z is 0 in f32 below z ≈ −104), down to layer 1. Gradients that
/// reach the input as exactly 0 do not "explode towards the input".
#[test]
fn gradients_that_stop_are_not_said_to_explode() {
    let (_, r) = report("depth=100&width=2&batch=64&init=normal&scale=10&act=elu");
    assert_eq!(r.layers[0].act_grad.std, 0.0, "the case needs ∂L/∂a = 0 at layer 1");
    assert!(r.layers[99].act_grad.std > 1e-30, "{}", r.layers[99].act_grad.std);
    assert!(!r.verdict.has("grad_explode"), "{:?}", r.verdict);
    let g = text(&r, "grad_vanish");
    assert!(g.contains("is exactly 0 from layer") && g.contains("is never 0, but rounds to 0 in f32 once z < −104"), "{g}");
}
