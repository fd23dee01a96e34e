//! A configuration's Jacobian spectrum ([`crate::analysis::spectrum`]): its network drawn layer
//! by layer, at a few inputs of its batch.

use crate::analysis::spectrum::{
    assemble, depth_points, fixed_point_input_ms, inputs_for, measure_part, Ask, Spectrum, SpectrumError, SpectrumInput, SpectrumPart,
};
use crate::compute::batch::make_batch;
use crate::nn::network::{Drawn, Mlp};
use crate::spec::config::Config;
use std::ops::ControlFlow;

/// Whether the page measures `config`'s spectrum: asked for, in the initialization view (of one
/// run, or of each compared run), and its panel not left out by `show=`.
#[must_use]
pub fn measured(config: &Config) -> bool {
    config.spectrum != SpectrumInput::Off && config.view == crate::spec::view::View::Init && config.show.shows("spectrum")
}

/// How many of the batch's inputs `config`'s spectrum takes ([`inputs_for`] of its shape).
#[must_use]
pub fn inputs(config: &Config) -> usize {
    let s = config.shape();
    inputs_for(s.input, s.width, config.batch)
}

/// One worker's share of `config`'s spectrum: part `index` of `of` (a contiguous run of the
/// inputs, [`part_inputs`]), and the inputs' mean square per feature the theory reads (the same in
/// every part: each worker makes the batch and measures all the inputs). The inputs are the
/// first of the batch ([`inputs_for`]), as they are or scaled to the fixed point
/// ([`SpectrumInput`]). `progress(done, total)` hears of each hidden layer passed and stops the
/// walk by breaking.
pub fn run_part(
    config: &Config,
    (index, of): (usize, usize),
    mut progress: impl FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<(f64, SpectrumPart), SpectrumError> {
    let shape = config.shape();
    let (init, act, seed) = (config.init_spec(), config.act, u64::from(config.seed));
    let draw = move |j: usize| Mlp::draw_dense(shape, act, &init, seed, j);
    let plan = Mlp::plan(shape, act, config.norm);
    let mut net = Drawn::new(plan.clone(), &draw);
    let setup = config.theory_setup();
    let (batch, _, _) = make_batch(config);
    let n = shape.input;
    let k = inputs(config);
    let mine = part_inputs(k, (index, of));
    let all = &batch.x[..k * n];
    let measured_ms = all.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / all.len().max(1) as f64;
    let mut x = batch.x[mine.start * n..mine.end * n].to_vec();
    drop(batch);
    let input_ms = match (config.spectrum, fixed_point_input_ms(&setup)) {
        (SpectrumInput::FixedPoint, Some(ms)) if measured_ms > 0.0 => {
            let f = (ms / measured_ms).sqrt() as f32;
            x.iter_mut().for_each(|v| *v *= f);
            ms
        }
        _ => measured_ms,
    };
    let points = depth_points(config.depth);
    let depth = config.depth;
    let part = measure_part(&plan, &mut net, Ask { x: &x, input_ms, points: &points }, |l| progress(l, depth))?;
    Ok((input_ms, part))
}

/// The inputs of part `index` of `of` among `k`: contiguous, in order, sizes differing by at most 1.
#[must_use]
pub fn part_inputs(k: usize, (index, of): (usize, usize)) -> std::ops::Range<usize> {
    let of = of.max(1);
    (index * k / of)..((index + 1) * k / of)
}

/// How many parts the spectrum of `config` is split into for `workers` workers: one input each
/// at most.
#[must_use]
pub fn part_count(config: &Config, workers: usize) -> usize {
    workers.clamp(1, inputs(config))
}

/// The spectrum of `config` from its parts in order ([`run_part`]'s results).
#[must_use]
pub fn assemble_parts(config: &Config, input_ms: f64, parts: &[SpectrumPart]) -> Spectrum {
    assemble(&config.theory_setup(), input_ms, parts)
}

/// The whole spectrum of `config` in one walk: [`run_part`] of every input, assembled.
pub fn run(config: &Config, progress: impl FnMut(usize, usize) -> ControlFlow<()>) -> Result<Spectrum, SpectrumError> {
    let (input_ms, part) = run_part(config, (0, 1), progress)?;
    Ok(assemble_parts(config, input_ms, &[part]))
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
        let kept = crate::analysis::spectrum::measure(&mlp, &mut crate::nn::network::Kept(&mlp), &c.theory_setup(), ask, |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(drawn, kept);
        let stopped = run(&c, |l, _| if l == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) });
        assert_eq!(stopped, Err(SpectrumError::Stopped));
    }

    /// Split across 3 workers, the parts assemble to the whole walk's spectrum, bit for bit.
    #[test]
    fn parts_assemble_to_the_whole() {
        for q in [
            "depth=5&width=32&init=xavier_normal&act=tanh&batch=8&spectrum=batch",
            "depth=4&width=16&init=he_normal&act=relu&norm=layer&spectrum=fixed",
        ] {
            let (c, _) = Config::from_query(q);
            let whole = run(&c, |_, _| ControlFlow::Continue(())).unwrap();
            let n = part_count(&c, 3);
            let parts: Vec<(f64, SpectrumPart)> = (0..n).map(|i| run_part(&c, (i, n), |_, _| ControlFlow::Continue(())).unwrap()).collect();
            let ms = parts[0].0;
            assert!(parts.iter().all(|p| p.0 == ms), "{q}: every part reads the same mean square");
            let split = assemble_parts(&c, ms, &parts.into_iter().map(|p| p.1).collect::<Vec<_>>());
            assert_eq!(split, whole, "{q}");
        }
        assert_eq!(part_inputs(4, (0, 3)), 0..1);
        assert_eq!(part_inputs(4, (2, 3)), 2..4);
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
