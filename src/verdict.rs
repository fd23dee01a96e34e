//! A plain-language reading of a report, for students.

use crate::config::Config;
use crate::format::fmt_num;
use crate::report::{Finding, LayerReport, Level, Verdict};

/// Per-layer factor of a quantity that goes from `first` to `last` over `steps` layers:
/// (last/first)^(1/steps), the geometric mean ratio of consecutive layers.
fn per_layer_factor(first: f64, last: f64, steps: usize) -> Option<f64> {
    (steps > 0 && first > 0.0 && last > 0.0 && first.is_finite() && last.is_finite()).then(|| (last / first).powf(1.0 / steps as f64))
}

/// Below this per-layer factor a quantity counts as vanishing, above its inverse as exploding
/// (0.8 per layer is a factor 0.13 over 10 layers).
pub const VANISH_FACTOR: f64 = 0.8;

/// Reads a report.
#[must_use]
pub fn judge(c: &Config, layers: &[LayerReport]) -> Verdict {
    let mut f: Vec<Finding> = Vec::new();
    let push = |f: &mut Vec<Finding>, level, tag: &str, text: String| f.push(Finding { level, tag: tag.to_string(), text });
    let depth = layers.len();
    let first_bad = layers.iter().find(|l| l.act.nonfinite + l.preact.nonfinite + l.grad.nonfinite > 0);
    if let Some(l) = first_bad {
        push(&mut f, Level::Bad, "overflow", format!("values overflow to Inf/NaN from layer {}: the pass is numerically broken", l.layer));
    }
    let all_zero = layers.iter().all(|l| l.act.std == 0.0 && l.act.mean == 0.0);
    let hidden_grads_zero = layers.iter().all(|l| l.grad.std == 0.0 && l.grad.mean == 0.0);
    if all_zero && hidden_grads_zero {
        push(
            &mut f,
            Level::Bad,
            "no_signal",
            format!(
                "every activation is 0 and every hidden-weight gradient is 0: {} never changes the hidden weights, nothing learns",
                c.act
            ),
        );
    }
    if c.width > 1 && layers.iter().all(|l| l.distinct == 1) {
        push(
            &mut f,
            Level::Bad,
            "symmetry",
            "every layer has one distinct neuron: symmetry. All units of a layer compute the same thing and get the same update, so the network acts like one unit per layer".to_string(),
        );
    }
    let sat: Vec<f64> = layers.iter().filter_map(|l| l.saturated).collect();
    if !sat.is_empty() {
        let mean = sat.iter().sum::<f64>() / sat.len() as f64;
        if mean > 0.3 {
            push(
                &mut f,
                Level::Bad,
                "saturated",
                format!("{:.0}% of {} units saturated: their derivative is near 0, so gradients vanish through them", 100.0 * mean, c.act),
            );
        }
    }
    if !all_zero && depth > 1 {
        let (a0, a1) = (layers[0].act.std, layers[depth - 1].act.std);
        if let Some(r) = per_layer_factor(a0, a1, depth - 1) {
            let m1 = layers[depth - 1].act.mean;
            if r < VANISH_FACTOR && m1.abs() > 10.0 * a1 {
                // The mean stays: outputs collapse to one value rather than to 0.
                push(&mut f, Level::Bad, "vanish", format!("activations collapse: their spread falls ×{} per layer ({} at layer 1, {} at layer {depth}) while the mean stays at {}: every sample gives almost the same output", fmt_num(r), fmt_num(a0), fmt_num(a1), fmt_num(m1)));
            } else if r < VANISH_FACTOR {
                push(
                    &mut f,
                    Level::Bad,
                    "vanish",
                    format!(
                        "activations vanish: std falls ×{} per layer ({} at layer 1, {} at layer {depth})",
                        fmt_num(r),
                        fmt_num(a0),
                        fmt_num(a1)
                    ),
                );
            } else if r > 1.0 / VANISH_FACTOR {
                push(
                    &mut f,
                    Level::Bad,
                    "explode",
                    format!(
                        "activations explode: std grows ×{} per layer ({} at layer 1, {} at layer {depth})",
                        fmt_num(r),
                        fmt_num(a0),
                        fmt_num(a1)
                    ),
                );
            }
        }
        // Gradients flow backwards: compare dL/da of the last hidden layer with the first's.
        // (dL/dW = aᵀ·δ can stay level while both factors shrink or grow, so it is reported
        // beside, not used for the direction.)
        let (g_last, g_first) = (layers[depth - 1].act_grad.std, layers[0].act_grad.std);
        let w_grad = layers.iter().map(|l| l.grad.std).fold(0f64, f64::max);
        if let Some(r) = per_layer_factor(g_last, g_first, depth - 1) {
            if r < VANISH_FACTOR {
                push(&mut f, Level::Bad, "grad_vanish", format!("gradients vanish towards the input: ∂L/∂a std falls ×{} per layer backwards ({} at layer {depth}, {} at layer 1; ∂L/∂W std at most {})", fmt_num(r), fmt_num(g_last), fmt_num(g_first), fmt_num(w_grad)));
            } else if r > 1.0 / VANISH_FACTOR {
                push(&mut f, Level::Bad, "grad_explode", format!("gradients explode towards the input: ∂L/∂a std grows ×{} per layer backwards ({} at layer {depth}, {} at layer 1; ∂L/∂W std up to {})", fmt_num(r), fmt_num(g_last), fmt_num(g_first), fmt_num(w_grad)));
            }
        }
    }
    let dead = layers.iter().map(|l| l.dead).sum::<f64>() / depth.max(1) as f64;
    if dead > 0.2 && !all_zero {
        push(
            &mut f,
            Level::Warn,
            "dead",
            format!("{:.0}% of units are dead (output 0 for every sample): they pass no gradient", 100.0 * dead),
        );
    }
    if f.is_empty() {
        let lo = layers.iter().map(|l| l.act.std).fold(f64::INFINITY, f64::min);
        let hi = layers.iter().map(|l| l.act.std).fold(0f64, f64::max);
        push(
            &mut f,
            Level::Good,
            "healthy",
            format!(
                "healthy: activation std stays between {} and {} over {depth} layers, and gradients reach the first layer",
                fmt_num(lo),
                fmt_num(hi)
            ),
        );
    }
    f.sort_by_key(|x| std::cmp::Reverse(x.level));
    Verdict { findings: f }
}
