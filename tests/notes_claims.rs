//! The lecture notes' claims (../shared/seeds), as tests on the core.

use initviz::compute::experiment::{run, Experiment};
use initviz::nn::optim::{OptState, Optimizer};
use initviz::spec::config::Config;

fn config(q: &str) -> Config {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    c
}

/// Notes 000–002: zero weights and biases with ReLU or tanh give a = 0 in every hidden layer, so
/// every hidden-weight gradient is exactly 0 and an SGD step leaves the weights as they were.
#[test]
fn zero_init_relu_and_tanh_never_learn() {
    for act in ["relu", "tanh"] {
        let c = config(&format!("depth=3&width=8&init=zeros&bias=zeros&act={act}&input=moons&batch=64"));
        let mut e = Experiment::new(&c).unwrap();
        e.pass();
        for l in 0..e.mlp.depth() {
            assert!(e.ws.dw(l).iter().all(|&g| g == 0.0), "{act}: layer {l} has a nonzero gradient");
            assert!(e.ws.act(l).iter().all(|&a| a == 0.0));
        }
        let before = e.mlp.clone();
        let opt = Optimizer::Sgd { lr: 0.5 };
        let mut st = OptState::default();
        for _ in 0..20 {
            opt.step(&mut e.mlp, &e.ws, &mut st);
            e.pass();
        }
        for (l, (a, b)) in before.denses().zip(e.mlp.denses()).enumerate() {
            // Hidden weights and biases, and the output weights, stay 0; only the output bias moves.
            assert_eq!(a.w, b.w, "{act}: weights of layer {l} changed");
            if l < e.mlp.depth() {
                assert_eq!(a.b, b.b, "{act}: bias of layer {l} changed");
            }
        }
        let r = run(&c).unwrap();
        assert!(r.verdict.has("no_signal"), "{:?}", r.verdict);
    }
}

/// Notes 000–004: zero or constant weights with sigmoid make every hidden unit identical, and
/// training keeps them identical: each hidden layer acts as one neuron.
#[test]
fn zero_or_constant_sigmoid_stays_one_neuron_per_layer() {
    for q in ["init=zeros&bias=zeros", "init=constant&scale=0.5&bias=same"] {
        // Gaussian input with random regression targets (on balanced two-class data the
        // symmetric network sits at an exact stationary point and would not move at all).
        let c = config(&format!("depth=2&width=6&act=sigmoid&batch=64&{q}"));
        let mut e = Experiment::new(&c).unwrap();
        let opt = Optimizer::Sgd { lr: 0.05 };
        let mut st = OptState::default();
        let first = e.pass();
        let mut last = first;
        for _ in 0..300 {
            opt.step(&mut e.mlp, &e.ws, &mut st);
            last = e.pass();
        }
        let r = e.report(last);
        for l in &r.layers {
            assert_eq!(l.distinct, 1, "{q}: layer {} has {} distinct neurons", l.layer, l.distinct);
        }
        assert!(r.verdict.has("symmetry"));
        // The weights did move (this is not the zero-gradient case): symmetry, not stagnation.
        let start = if q.contains("zeros") { 0.0 } else { 0.5 };
        assert!(e.mlp.denses().next().unwrap().w.iter().any(|&w| w != start), "{q}: first layer did not train");
        assert!(last < first, "{q}: loss {first} -> {last}");
    }
}

/// Note 001/CS231n: W = 0.01·randn with tanh, 10 layers of 500: the activation std shrinks
/// layer by layer towards 0 (each layer multiplies it by about 0.01·√500 ≈ 0.22).
#[test]
fn small_random_tanh_vanishes() {
    let r = run(&config("depth=10&width=500&init=normal&scale=0.01&act=tanh&batch=200")).unwrap();
    let stds: Vec<f64> = r.layers.iter().map(|l| l.act.std).collect();
    for w in stds.windows(2) {
        // 0.224 per layer; tanh(x) ≈ x at this scale. The sample factor of one 500-wide layer
        // varies by ~√(2/500) ≈ 6%: 0.15–0.30 is a wide margin.
        let f = w[1] / w[0];
        assert!((0.15..0.30).contains(&f), "factor {f}, stds {stds:?}");
    }
    assert!(stds[9] < 1e-5, "{stds:?}");
    // Backwards, dL/da shrinks by the same factor per layer; dL/dW = aᵀ·δ is tiny everywhere.
    let g: Vec<f64> = r.layers.iter().map(|l| l.act_grad.std).collect();
    assert!(g[0] < 1e-4 * g[9], "{g:?}");
    assert!(r.layers.iter().all(|l| l.grad.std < 1e-5), "dW not tiny");
    assert!(r.verdict.has("vanish"));
    assert!(r.verdict.has("grad_vanish"));
}

/// Note 001: W = randn (std 1) with tanh: pre-activations have std ≈ √500 ≈ 22, so most units saturate.
#[test]
fn large_random_tanh_saturates() {
    let r = run(&config("depth=10&width=500&init=normal&scale=1&act=tanh&batch=200")).unwrap();
    for l in &r.layers {
        let s = l.saturated.unwrap();
        assert!(s > 0.85, "layer {}: {s}", l.layer);
    }
    assert!(r.verdict.has("saturated"));
}

/// He et al. (2015): with ReLU, He init keeps Var(z) constant with depth, while Xavier
/// (σ² = 1/fan_avg = 1/512 here) halves it at every layer.
#[test]
fn he_keeps_relu_variance_xavier_halves_it() {
    let he = run(&config("depth=20&width=512&init=he_normal&act=relu&batch=256")).unwrap();
    let xa = run(&config("depth=20&width=512&init=xavier_normal&act=relu&batch=256")).unwrap();
    let var = |r: &initviz::analysis::report::Report, l: usize| r.layers[l].preact.std.powi(2);
    // Layer 1 sees x ~ N(0, 1) directly: Var(z₁) = fan_in·σ² = 2 (He). Later layers see relu outputs:
    // Var(z_l) = fan_in·σ²·E[relu(z)²] = Var(z_{l−1}) for He, Var(z_{l−1})/2 for Xavier.
    // Each 512-wide layer's factor fluctuates by ~√(2/512)·√2 ≈ 9% (random weights, finite width),
    // so over 19 layers the log-variance wanders by ~0.4: per-layer geometric factors are held to
    // 0.9–1.1 (He) and 0.45–0.55 (Xavier), and every He layer to within ×2.5 of layer 1.
    let factor = |r: &initviz::analysis::report::Report| (var(r, 19) / var(r, 1)).powf(1.0 / 18.0);
    let fh = factor(&he);
    let fx = factor(&xa);
    assert!((0.9..1.1).contains(&fh), "He factor {fh}");
    assert!((0.45..0.55).contains(&fx), "Xavier factor {fx}");
    for l in 1..20 {
        let ratio = var(&he, l) / var(&he, 1);
        assert!((0.4..2.5).contains(&ratio), "He layer {}: {ratio}", l + 1);
    }
    assert!(!he.verdict.has("vanish") && !he.verdict.has("explode"), "{:?}", he.verdict);
    assert!(xa.verdict.has("vanish"), "{:?}", xa.verdict);
}

/// Xavier with tanh and LeCun with SELU are healthy at the default depth.
#[test]
fn matched_pairs_are_healthy() {
    for q in ["init=xavier_normal&act=tanh", "init=lecun_normal&act=selu", "init=he_normal&act=relu"] {
        let r = run(&config(&format!("depth=10&width=256&batch=256&{q}"))).unwrap();
        assert!(r.verdict.has("healthy"), "{q}: {:?}", r.verdict);
    }
}

/// Batch norm rescues a bad init: with scale 0.01 and tanh, BN keeps pre-activations at unit std.
#[test]
fn batch_norm_removes_the_sensitivity() {
    let r = run(&config("depth=10&width=256&init=normal&scale=0.01&act=tanh&bn=1")).unwrap();
    for l in &r.layers {
        assert!((l.preact.std - 1.0).abs() < 0.01, "layer {}: {}", l.layer, l.preact.std);
    }
    assert!(!r.verdict.has("vanish"));
}
