//! A configuration's Jacobian spectrum ([`crate::analysis::spectrum`]): its network drawn layer
//! by layer, at a few inputs of its batch.

use crate::analysis::spectrum::{depth_points, fixed_point_input_ms, inputs_for, measure, Ask, Spectrum, SpectrumError, SpectrumInput};
use crate::compute::batch::make_batch;
use crate::nn::network::{Drawn, Mlp};
use crate::spec::config::Config;
use std::ops::ControlFlow;

/// Whether the page measures `config`'s spectrum: asked for, in the initialization view (of one
/// run, or of each compared run, one after another in the spectrum's worker).
#[must_use]
pub fn measured(config: &Config) -> bool {
    config.spectrum != SpectrumInput::Off && config.view == crate::spec::view::View::Init
}

/// The spectrum of `config`'s network at the first inputs of its batch ([`inputs_for`]), as they
/// are or scaled to the fixed point ([`SpectrumInput`]).
/// `progress(done, total)` hears of each hidden layer passed and stops the walk by breaking.
pub fn run(config: &Config, mut progress: impl FnMut(usize, usize) -> ControlFlow<()>) -> Result<Spectrum, SpectrumError> {
    let shape = config.shape();
    let (init, act, seed) = (config.init_spec(), config.act, u64::from(config.seed));
    let draw = move |j: usize| Mlp::draw_dense(shape, act, &init, seed, j);
    let mut net = Drawn::new(Mlp::plan(shape, act, config.norm), &draw);
    let setup = config.theory_setup();
    let (batch, _, _) = make_batch(config);
    let n = shape.input;
    let k = inputs_for(n, shape.width, config.batch);
    let mut x = batch.x[..k * n].to_vec();
    drop(batch);
    let measured_ms = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    let input_ms = match (config.spectrum, fixed_point_input_ms(&setup)) {
        (SpectrumInput::FixedPoint, Some(ms)) if measured_ms > 0.0 => {
            let f = (ms / measured_ms).sqrt() as f32;
            x.iter_mut().for_each(|v| *v *= f);
            ms
        }
        _ => measured_ms,
    };
    let plan = Mlp::plan(shape, act, config.norm);
    let points = depth_points(config.depth);
    let depth = config.depth;
    measure(&plan, &mut net, &setup, Ask { x: &x, input_ms, points: &points }, |l| progress(l, depth))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The drawn network gives the kept one's spectrum to the bit (each layer drawn from its
    /// own stream), and a stop before the last layer is an error, not a partial answer.
    #[test]
    fn drawn_is_the_kept_network_and_stopping_stops() {
        let (c, _) = Config::from_query("depth=6&width=24&init=orthogonal&act=tanh&batch=8&spectrum=batch");
        let drawn = run(&c, |_, _| ControlFlow::Continue(())).unwrap();
        let mlp = crate::compute::experiment::build_network(&c);
        let (batch, _, _) = make_batch(&c);
        let x = &batch.x[..inputs_for(24, 24, 8) * 24];
        let ms = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64;
        let ask = Ask { x, input_ms: ms, points: &depth_points(6) };
        let kept = measure(&mlp, &mut crate::nn::network::Kept(&mlp), &c.theory_setup(), ask, |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(drawn, kept);
        let stopped = run(&c, |l, _| if l == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) });
        assert_eq!(stopped, Err(SpectrumError::Stopped));
    }

    /// At the fixed point the inputs are rescaled so that q₁ = q*.
    #[test]
    fn fixed_point_inputs_start_at_q_star() {
        let (c, _) = Config::from_query("depth=3&width=32&init=xavier_normal&act=tanh&bias=normal:0.1&batch=4&spectrum=fixed");
        let s = run(&c, |_, _| ControlFlow::Continue(())).unwrap();
        let q_star = s.q_star.unwrap();
        assert!((s.q_first / q_star - 1.0).abs() < 1e-9, "q1 {} q* {q_star}", s.q_first);
    }
}
