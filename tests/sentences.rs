//! Sentences shown to students that were false at the extremes (issue 18, "true everywhere,
//! third round"): each test builds the issue's configuration, runs it natively and reads the
//! verdict and theory sentences. Expected values come from the arithmetic of each case (stated
//! beside it) or from the papers cited, never from the code's own output.

use initviz::config::Config;
use initviz::experiment::run;
use initviz::report::Report;
use initviz::theory::phase_sentence;

fn report(q: &str) -> (Config, Report) {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let r = run(&c).unwrap();
    (c, r)
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
    let s = phase_sentence(&c, &r.theory.prediction.fixed);
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
    let s = phase_sentence(&c, &fp);
    assert!(s.starts_with("ordered") && !s.contains("signals and gradients vanish"), "{s}");
    assert!(s.contains("correlation tends to 1"), "{s}");
    // Without the bias q* = 0 (tanh(0) = 0): there the signals do vanish.
    let (c0, r0) = report("init=normal&scale=0.03125&act=tanh");
    assert!(phase_sentence(&c0, &r0.theory.prediction.fixed).contains("signals and gradients vanish"));
}

/// scale 1e-4 at width 256: the std shrinks ×1e-4·√256·tanh′(0) = 1.6e-3 per layer, so by layer
/// 16 it is about 1.6e-3^16 ≈ 2e-45, at f32's smallest subnormal (1.4e-45): the gap to theory
/// is f32's underflow, not the large-width limit. And with N(0, 10²) linear units the std grows
/// ×160 per layer, past f32's 3.4e38 at layer 18: overflow.
#[test]
fn the_gap_to_theory_names_f32_when_f32_is_the_cause() {
    let (_, r) = report("depth=100&init=normal&scale=0.0001");
    let d = r.theory.disagreement.expect("measurement and theory part where f32 underflows");
    assert!(d.contains("1.2e-38") && d.contains("underflow") && !d.contains("large-width"), "{d}");
    let (_, r) = report("depth=100&width=256&init=normal&scale=10&act=linear");
    let d = r.theory.disagreement.expect("measurement and theory part where f32 overflows");
    assert!(d.contains("measured overflowed") && d.contains("finite only up to about 3.4e38") && !d.contains("large-width"), "{d}");
}
