//! The theory's f64 activations (`theory::phi`, `theory::dphi`) are a second implementation of
//! the network's f32 ones (`Activation::apply`, `Activation::derivative`); every expectation the
//! page draws is taken over them. They must be the same functions: on a grid over [−10, 10] (and
//! the kinks' neighbourhoods) each agrees with the network's within f32 rounding. A swish written
//! as x·σ(1.1x) in `theory.rs` passed every test before this one.

use initviz::analysis::theory::{dphi, phi};
use initviz::nn::activation::Activation;

/// Agreement within 32 f32 ulps of the value (the f32 derivatives round in several steps), with an
/// absolute floor of the same size for values near 0.
fn close(theory: f64, network: f32) -> bool {
    let n = f64::from(network);
    (theory - n).abs() <= 32.0 * f64::from(f32::EPSILON) * n.abs().max(1.0)
}

#[test]
fn theory_activations_are_the_networks() {
    let mut grid: Vec<f32> = (-2000..=2000).map(|i| i as f32 * 0.005).collect();
    grid.extend([-1e-3f32, -1e-6, 1e-6, 1e-3]);
    for act in Activation::all() {
        for &x in &grid {
            let y = act.apply(x);
            let (t, dt) = (phi(act, f64::from(x)), dphi(act, f64::from(x)));
            assert!(close(t, y), "{act}: φ({x}) = {t} in the theory, {y} in the network");
            let d = act.derivative(x, y);
            assert!(close(dt, d), "{act}: φ′({x}) = {dt} in the theory, {d} in the network");
        }
    }
}
