//! The training fates of the lecture notes (issue 12's "done when"), on the core.

use initviz::compute::lab::{summarize, Trainer};
use initviz::spec::config::Config;

fn train(q: &str) -> Trainer {
    let (c, notes) = Config::from_query(&format!("mode=train&{q}"));
    assert!(notes.is_empty(), "{notes:?}");
    let mut t = Trainer::new(&c).unwrap();
    t.advance(usize::MAX, || true);
    t
}

/// Zero weights and biases with ReLU: every hidden activation is 0, so every weight gradient is 0
/// and only the output bias can move; it can fit no more than the class frequencies, which the
/// balanced spiral makes ½ each: the loss stays at ln 2 (up to the split's slight imbalance).
#[test]
fn zero_init_relu_on_spiral_never_learns() {
    let t = train("input=spiral&depth=3&width=16&init=zeros&bias=zeros&act=relu&batch=32&opt=sgd&lr=0.1&steps=200");
    let first = &t.history[0];
    let last = t.history.last().unwrap();
    assert_eq!(last.step, 200);
    // ln 2 = 0.6931: the output of a constant function on two balanced classes.
    assert!((first.train_loss - std::f64::consts::LN_2).abs() < 1e-6, "{}", first.train_loss);
    assert!((last.train_loss - first.train_loss).abs() < 1e-3, "{} -> {}", first.train_loss, last.train_loss);
    for l in t.mlp.denses().take(3) {
        assert!(l.w.iter().all(|&w| w == 0.0));
    }
}

/// Constant weights with sigmoid on XOR: every unit of a layer stays the same unit, and one
/// neuron per layer cannot separate XOR, so accuracy stays near chance.
#[test]
fn constant_sigmoid_on_xor_stays_one_neuron() {
    let t = train("input=xor&depth=2&width=8&init=constant&scale=0.5&bias=same&act=sigmoid&batch=32&opt=sgd&lr=0.5&steps=500");
    let s = summarize(&t.history, t.diverged.is_some()).unwrap();
    assert_eq!(s.distinct_min, 1);
    assert!(t.history.last().unwrap().distinct.iter().all(|&d| d == 1));
    let acc = s.train_acc.unwrap();
    assert!((0.35..=0.65).contains(&acc), "accuracy {acc}");
}

/// He with ReLU, 6 layers of 32, Adam at 0.01, batch 32: at least 95% training accuracy on the
/// spiral within 3,000 steps.
#[test]
fn he_relu_learns_the_spiral() {
    let t = train("input=spiral&noise=0&depth=6&width=32&init=he_normal&act=relu&batch=32&opt=adam&lr=0.01&steps=3000");
    let s = summarize(&t.history, t.diverged.is_some()).unwrap();
    assert!(!s.diverged);
    let best = t.history.iter().filter_map(|e| e.train_acc).fold(0f64, f64::max);
    assert!(s.train_acc.unwrap() >= 0.95, "final {:?}, best {best}", s.train_acc);
}

/// N(0, 3²) with ReLU at depth 20: each layer multiplies the std by about 3·√(32/2) = 12, the loss
/// is astronomically large and the first updates blow up.
#[test]
fn large_init_diverges() {
    let t = train("input=spiral&depth=20&width=32&init=normal&scale=3&act=relu&batch=32&opt=sgd&lr=0.01&steps=200");
    let d = t.diverged.clone().expect("diverged");
    assert!(d.step <= 20, "{d:?}");
}

/// Digits with He/ReLU (3 layers of 128, Adam 1e-3, batch 64): at least 90% test accuracy
/// within 1,500 steps.
#[test]
fn digits_he_relu_reach_90_percent() {
    let t = train("input=digits&depth=3&width=128&init=he_normal&act=relu&batch=64&opt=adam&lr=0.001&steps=1500");
    let s = summarize(&t.history, false).unwrap();
    assert!(s.test_acc.unwrap() >= 0.9, "{:?}", s.test_acc);
}
