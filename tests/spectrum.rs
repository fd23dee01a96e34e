//! Dynamical isometry (issue 24): the singular values of the input–output Jacobian at
//! initialization against free probability and the papers' claims. Expected values are the
//! theory's and the papers' (Pennington, Schoenholz & Ganguli 2017; Saxe et al. 2014), not the
//! code's.

use initviz::analysis::spectrum::{depth_points, fixed_point_input_ms, measure, Ask, Spectrum};
use initviz::analysis::theory::{fixed_point, PANELS};
use initviz::compute::batch::make_batch;
use initviz::nn::activation::Activation;
use initviz::nn::network::{Kept, Mlp};
use initviz::spec::config::Config;
use std::ops::ControlFlow;

/// The spectrum of the link's network at its batch's first `inputs` rows (scaled to the fixed
/// point q* when `at_fixed_point`), decomposed at the last layer only or at every depth point.
fn spectrum(q: &str, inputs: usize, at_fixed_point: bool, every_depth: bool) -> Spectrum {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{q}: {notes:?}");
    let mlp = Mlp::new(c.shape(), c.act, &c.init_spec(), c.norm, u64::from(c.seed));
    let (batch, _, _) = make_batch(&c);
    let n = c.shape().input;
    let setup = c.theory_setup();
    let ms = if at_fixed_point { fixed_point_input_ms(&setup).expect("a fixed point") } else { 1.0 };
    let x: Vec<f32> = batch.x[..inputs * n].iter().map(|&v| v * ms.sqrt() as f32).collect();
    let points = if every_depth { depth_points(c.depth) } else { vec![c.depth] };
    let ask = Ask { x: &x, input_ms: ms, points: &points };
    measure(&mlp, &mut Kept(&mlp), &setup, ask, |_| ControlFlow::Continue(())).unwrap()
}

/// σ_w² at which tanh's χ* = 1 for bias variance `sb2`, by bisection on the variance map's fixed
/// point (for σ_b² = 1e-5: 1.0395, q* = 0.0203, the "≈ 1.04 and ≈ 0.02").
fn critical_sw2(sb2: f64) -> f64 {
    let (mut lo, mut hi) = (1.0, 2.0);
    for _ in 0..60 {
        let m = 0.5 * (lo + hi);
        if fixed_point(Activation::Tanh, m, 0.0, sb2, 1.0, PANELS).chi > 1.0 {
            hi = m;
        } else {
            lo = m;
        }
    }
    0.5 * (lo + hi)
}

/// tanh at the edge of chaos for bias variance `sb2`, with initializer `init` ("orthogonal" or
/// "xavier_normal", whose σ² = gain²/n at a square layer).
fn edge(init: &str, sb2: f64, depth: usize, width: usize, seed: u32) -> String {
    let (g, sb) = (critical_sw2(sb2).sqrt(), sb2.sqrt());
    format!("depth={depth}&width={width}&init={init}&gain={g}&act=tanh&bias=normal:{sb}&batch=4&seed={seed}")
}

/// A linear network with orthogonal weights is an orthogonal matrix: every singular value 1, at
/// depth 100, within the f32 rounding of its weights (each layer's WᵀW = I to about 1e-7; 100 of
/// them, measured 4e-7).
#[test]
fn linear_orthogonal_is_an_isometry_at_depth_100() {
    let s = spectrum("depth=100&width=128&init=orthogonal&act=linear&batch=2", 2, false, false);
    for v in s.singular.iter().flatten() {
        assert!((v - 1.0).abs() < 1e-5, "singular value {v}");
    }
    let d = s.last().unwrap();
    assert_eq!(d.stats.share_near_1, 1.0);
    let t = d.theory.unwrap();
    // No negative variance from the quadrature's rounding (it gave −2.2e-14 before the clamp).
    assert!((t.mean_lambda - 1.0).abs() < 1e-12 && t.var_lambda == 0.0, "{t:?}");
}

/// A product of 20 Gaussian N(0, 1/n) matrices: E[λ] = 1 and Var[λ] = L (each WᵀW a
/// Marchenko–Pastur matrix of ratio 1, normalised variance 1, adding under free multiplication).
#[test]
fn linear_gaussian_mean_one_variance_depth() {
    let s = spectrum("depth=20&width=512&init=lecun_normal&act=linear&batch=1", 1, false, false);
    let d = s.last().unwrap().stats;
    assert!((d.mean_lambda - 1.0).abs() < 0.05, "E[λ] = {}", d.mean_lambda);
    assert!((d.var_lambda / 20.0 - 1.0).abs() < 0.2, "Var[λ] = {} against L = 20", d.var_lambda);
}

/// Pennington et al. 2017 (Fig. 1): tanh at the edge of chaos with a small q*, depth 100 — the
/// singular values stay within a decade of 1 with orthogonal weights and spread over many with
/// Gaussian ones, whose mean squared singular value is the same 1.
#[test]
fn tanh_at_the_edge_orthogonal_is_isometric_gaussian_is_not() {
    let orth = spectrum(&edge("orthogonal", 1e-5, 100, 256, 1), 4, true, false);
    let gauss = spectrum(&edge("xavier_normal", 1e-5, 100, 256, 1), 4, true, false);
    let (o, g) = (orth.last().unwrap().stats, gauss.last().unwrap().stats);
    assert!(o.sd_log10_s < 1.0, "orthogonal: sd of log10 s = {}", o.sd_log10_s);
    assert!(g.sd_log10_s > 3.0, "Gaussian: sd of log10 s = {}", g.sd_log10_s);
    assert!(o.share_near_1 > 0.9 && g.share_near_1 < 0.1, "{} {}", o.share_near_1, g.share_near_1);
}

/// ReLU cannot be isometric (Pennington et al. 2017, §3): μ₂/μ₁² = E[φ′⁴]/E[φ′²]² = 2 whatever
/// the weights, so the spread is large with He's Gaussian and with orthogonal √2 weights alike.
#[test]
fn relu_spreads_with_either_initializer() {
    for q in ["depth=50&width=256&init=he_normal&act=relu&batch=4", "depth=50&width=256&init=orthogonal&gain=1.41421356&act=relu&batch=4"] {
        let d = spectrum(q, 4, false, false).last().unwrap().stats;
        assert!(d.sd_log10_s > 3.0, "{q}: sd of log10 s = {}", d.sd_log10_s);
    }
}

/// Var[λ] at width 512, depth 20, at the fixed point, against free probability's
/// E[λ]²·Σ_l (μ₂/μ₁² − 1 − s₁): within 10% for orthogonal weights (one draw), at σ_b² = 1e-5 and
/// 0.05. For Gaussian weights, the normalised variance Var[λ]/E[λ]² = Σ_l (μ₂/μ₁² − 1 − s₁),
/// averaged over the inputs and 3 seeds, within 25%: at finite width E[λ] itself is a product
/// of 20 random per-layer factors (at σ_b² = 0.05 and width 512 it ranged 0.69–1.33 over 8
/// seeds), a scale on the whole spectrum that enters Var[λ] squared and that the normalised
/// variance is free of (raw, the 3 seeds gave 44.7 against 26.8 there).
#[test]
fn variance_of_lambda_follows_free_probability() {
    for sb2 in [1e-5, 0.05] {
        let o = spectrum(&edge("orthogonal", sb2, 20, 512, 1), 4, true, false);
        let d = o.last().unwrap();
        let want = d.theory.unwrap().var_lambda;
        assert!((d.stats.var_lambda / want - 1.0).abs() < 0.1, "σ_b² = {sb2}, orthogonal: Var[λ] {} against {want}", d.stats.var_lambda);
        let (mut got, mut want) = (0.0, 0.0);
        for seed in 1..=3 {
            let g = spectrum(&edge("xavier_normal", sb2, 20, 512, seed), 4, true, false);
            let d = g.last().unwrap();
            got += d.stats.var_lambda / d.stats.mean_lambda.powi(2) / 3.0;
            let t = d.theory.unwrap();
            want = t.var_lambda / t.mean_lambda.powi(2);
        }
        assert!((got / want - 1.0).abs() < 0.25, "σ_b² = {sb2}, Gaussian: Var[λ]/E[λ]² {got} against {want}");
    }
}

/// The depth chart's numbers come from the same walk: the spread grows with depth for Gaussian
/// tanh at the edge, and the theory's Var[λ] grows linearly in l there (χ = 1 at q*).
#[test]
fn the_spread_grows_with_depth() {
    let s = spectrum(&edge("xavier_normal", 1e-5, 50, 128, 2), 2, true, true);
    assert_eq!(s.by_depth.iter().map(|d| d.depth).collect::<Vec<_>>(), depth_points(50));
    let (first, last) = (s.by_depth[0], *s.last().unwrap());
    assert!(last.stats.sd_log10_s > 3.0 * first.stats.sd_log10_s, "{} then {}", first.stats.sd_log10_s, last.stats.sd_log10_s);
    let (v1, v50) = (first.theory.unwrap().var_lambda, last.theory.unwrap().var_lambda);
    assert!((v50 / v1 / 50.0 - 1.0).abs() < 0.05, "theory's Var[λ]: {v1} at l = 1, {v50} at l = 50");
}

/// The sliders' ends (depth 100, scale 1e-4 and 10): the spectrum says something true or why it
/// cannot, never a failed decomposition, NaN or inf.
/// - N(0, 10²) weights, linear, width 256: ×160 a layer overflows f32's 3.4e38 near layer
///   ln(3.4e38)/ln(160) ≈ 17.5, and the page names the layer;
/// - tanh at scale 10: saturated units have φ′ = 0 exactly, so J has rank at most a few (s up to
///   1e60: squares near f64's range, exact zeros among them, where nalgebra's QR did not converge);
/// - tanh at scale 1e-4: s ≈ (1e-4·√256)^100 ≈ 1e-280, whose squares underflow f64.
#[test]
fn the_slider_ends_say_what_is_true() {
    use initviz::analysis::spectrum::SpectrumError;
    use initviz::nn::jacobian::JacobianError;
    let run = |q: &str| initviz::compute::spectrum::run(&Config::from_query(q).0, |_, _| ControlFlow::Continue(()));
    match run("depth=100&width=256&init=normal&scale=10&act=linear&batch=4&spectrum=batch") {
        Err(SpectrumError::Jacobian(JacobianError::NotFinite { layer })) => assert!((16..=21).contains(&layer), "layer {layer}"),
        other => panic!("{other:?}"),
    }
    for q in [
        "depth=100&width=256&init=normal&scale=10&act=tanh&batch=4&spectrum=batch",
        "depth=100&width=256&init=normal&scale=0.0001&act=tanh&batch=4&spectrum=batch",
    ] {
        let s = run(q).unwrap();
        let d = s.last().unwrap().stats;
        assert!(d.resolved > 0, "{q}: {d:?}");
        for t in s.sentences() {
            assert!(!t.contains("NaN") && !t.contains("inf"), "{q}: {t}");
        }
        if q.contains("scale=10") {
            assert!(d.resolved <= 4 * 4 && s.sentences()[0].starts_with("The Jacobian has rank 1"), "{q}: {d:?}");
        } else {
            assert!(s.sentences().iter().any(|t| t.contains("beyond f64's range")), "{q}");
        }
    }
}
