//! A plain-language reading of a report, for students.

use crate::analysis::report::{Finding, LayerReport, Level, Verdict};
use crate::analysis::theory::{std_words, Setup, F32_MIN_NORMAL};
use crate::format::fmt_num;
use crate::math::stats::Moments;
use crate::nn::block::NormKind;

/// Per-layer factor of a quantity that goes from `first` to `last` over `steps` layers:
/// (last/first)^(1/steps), the geometric mean ratio of consecutive layers.
fn per_layer_factor(first: f64, last: f64, steps: usize) -> Option<f64> {
    (steps > 0 && first > 0.0 && last > 0.0 && first.is_finite() && last.is_finite()).then(|| (last / first).powf(1.0 / steps as f64))
}

/// Below this per-layer factor a quantity counts as vanishing, above its inverse as exploding
/// (0.8 per layer is a factor 0.13 over 10 layers).
pub const VANISH_FACTOR: f64 = 0.8;
/// The most the largest layer's ∂L/∂W std may exceed the smallest's for the verdict to call it level.
pub const LEVEL_SPREAD: f64 = 10.0;

/// A total change over the network beyond this factor (or below its inverse) is reported even
/// when the per-layer rate is mild: ×1.2 per layer over 50 layers is ×9,000.
pub const TOTAL_FACTOR: f64 = 100.0;

/// Below this batch a unit that is 0 for every sample says little: a live ReLU unit is 0 for a
/// given sample about half the time, so at batch B it looks dead with probability about 2^−B.
pub const DEAD_MIN_BATCH: usize = 32;

/// Which way a per-layer std goes along the network, by the verdict's own rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Shrinks by more than [`VANISH_FACTOR`] a layer, or by more than [`TOTAL_FACTOR`] in all, or
    /// reaches exactly 0 (or is 0 from the start: nothing passes).
    Vanishes,
    /// Neither.
    Level,
    /// Grows by more than 1/[`VANISH_FACTOR`] a layer, or [`TOTAL_FACTOR`] in all, or overflows.
    Explodes,
}

/// The direction of the stds of `m` (`m[i]` at layer i + 1), travelling 1 → n when `forward`,
/// else n → 1: the test the verdict's "vanish" and "explode" findings use.
#[must_use]
pub fn direction(m: &[Moments], forward: bool) -> Direction {
    let Some(start) = (if forward { m.first() } else { m.last() }) else { return Direction::Level };
    if start.std == 0.0 {
        return Direction::Vanishes;
    }
    let t = Trend::of(m, forward);
    if t.explodes() {
        Direction::Explodes
    } else if t.vanishes() {
        Direction::Vanishes
    } else {
        Direction::Level
    }
}

/// Why a per-layer std is exactly 0 from some layer on.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flat {
    /// It fell below what f32 can hold: the layer before was already below
    /// [`F32_MIN_NORMAL`] once multiplied by the per-layer rate.
    Underflow,
    /// Every value is exactly 0 although the layer before was far from f32's limit: units that
    /// output (or pass back) exactly 0, such as ReLU units that are off.
    Zeros,
    /// Every value is the same nonzero number (this one): units that agree exactly.
    Constant(f64),
}

/// How a per-layer quantity changes along the network, in the direction of travel: `from` → `to`
/// are 1-based layers; the rate uses the finite, nonzero stretch before the quantity becomes
/// exactly 0 for good or stops being finite.
struct Trend {
    from: usize,
    to: usize,
    first: f64,
    last: f64,
    /// The geometric per-layer factor over the finite, nonzero stretch.
    rate: Option<f64>,
    /// The layer (in travel order) from which the std is exactly 0 to the end, while it was not
    /// at `from`, and why.
    zero: Option<(usize, Flat)>,
    /// The first layer (in travel order) whose std is not finite (no finite value).
    overflow_at: Option<usize>,
}

impl Trend {
    /// `m[i]` are the moments at layer i + 1; `forward` travels 1 → depth, else depth → 1.
    fn of(m: &[Moments], forward: bool) -> Trend {
        let depth = m.len();
        let order: Vec<usize> = if forward { (0..depth).collect() } else { (0..depth).rev().collect() };
        let (from, to) = (order[0], order[depth - 1]);
        let first = m[from].std;
        // The start of the final run of exact zeros (in travel order).
        let run = order.iter().rposition(|&i| m[i].std != 0.0).map_or(0, |p| p + 1);
        let zero_pos = (first > 0.0 && run < depth).then_some(run);
        let overflow_pos = order.iter().position(|&i| !m[i].std.is_finite());
        // The rate over the finite, nonzero stretch.
        let end = zero_pos.into_iter().chain(overflow_pos).min().map_or(depth - 1, |p| p.saturating_sub(1));
        let rate = per_layer_factor(first, m[order[end]].std, end);
        let zero = zero_pos.filter(|&p| !matches!(overflow_pos, Some(o) if o <= p)).map(|p| {
            let (before, here) = (&m[order[p - 1]], &m[order[p]]);
            let cause = if before.std * rate.unwrap_or(1.0).min(1.0) < F32_MIN_NORMAL {
                Flat::Underflow
            } else if here.mean == 0.0 {
                Flat::Zeros
            } else {
                Flat::Constant(here.mean)
            };
            (order[p] + 1, cause)
        });
        Trend { from: from + 1, to: to + 1, first, last: m[to].std, rate, zero, overflow_at: overflow_pos.map(|p| order[p] + 1) }
    }

    /// The total change from the first to the last layer (finite, nonzero ends only).
    fn total(&self) -> Option<f64> {
        (self.first > 0.0 && self.last > 0.0 && self.first.is_finite() && self.last.is_finite()).then(|| self.last / self.first)
    }

    fn underflows(&self) -> bool {
        matches!(self.zero, Some((_, Flat::Underflow)))
    }

    /// Exactly 0 from a layer on without an underflow: nothing passes beyond it, whatever the
    /// trend before (ReLU at scale 10, width 2: ×3.44 per layer, then 0 from layer 5).
    fn stops(&self) -> bool {
        self.zero.is_some() && !self.underflows()
    }

    fn vanishes(&self) -> bool {
        self.zero.is_some() || self.rate.is_some_and(|r| r < VANISH_FACTOR) || self.total().is_some_and(|t| t < 1.0 / TOTAL_FACTOR)
    }

    fn explodes(&self) -> bool {
        !self.stops()
            && (self.overflow_at.is_some()
                || self.rate.is_some_and(|r| r > 1.0 / VANISH_FACTOR)
                || self.total().is_some_and(|t| t > TOTAL_FACTOR))
    }

    /// The verb of the trend: what the std does over the finite, nonzero stretch.
    fn verb(&self) -> &'static str {
        match self.rate {
            Some(r) if r > 1.0 => "grows",
            Some(r) if r < 1.0 => "falls",
            _ => "changes",
        }
    }

    /// "std falls ×0.224 per layer (0.21 at layer 1, 3.1e-7 at layer 10)", with where it becomes
    /// exactly 0 or overflows, if it does. `what` names the quantity ("std", "∂L/∂a"); `zero_why`
    /// says why its values are exactly 0 when that is not an underflow.
    fn describe(&self, what: &str, zero_why: &str) -> String {
        let verb = self.verb();
        let rate = self.rate.map_or(String::new(), |r| format!(" ×{} per layer", fmt_num(r)));
        let total = match self.total() {
            Some(t) if !(1.0 / TOTAL_FACTOR..=TOTAL_FACTOR).contains(&t) => format!(", ×{} in all", fmt_num(t)),
            _ => String::new(),
        };
        let start = format!("{what} {verb}{rate} ({} at layer {}", std_words(self.first), self.from);
        match (self.zero, self.overflow_at) {
            (Some((k, Flat::Underflow)), _) => {
                format!("{start}) and underflows to exactly 0 from layer {k}: f32 holds nothing smaller than about 1.4e-45, and nothing passes beyond it")
            }
            (Some((k, Flat::Zeros)), _) => {
                format!("{start}) and is exactly 0 from layer {k} on, which is not a gradual underflow of its scale: {zero_why}")
            }
            (Some((k, Flat::Constant(v))), _) => format!(
                "{start}) and has no spread from layer {k} on: every value there is {}, which is not a gradual underflow of its scale: {zero_why}",
                fmt_num(v)
            ),
            (None, Some(k)) if k != self.from => format!("{start}) and overflows to ±Inf or NaN from layer {k}"),
            (None, Some(_)) => format!("{what} overflows to ±Inf or NaN at layer {}", self.from),
            (None, None) => format!("{start}, {} at layer {}{total})", std_words(self.last), self.to),
        }
    }
}

/// Share of a layer's values that are ±Inf or NaN.
fn nonfinite_share(l: &LayerReport) -> f64 {
    let m = [l.preact, l.act];
    let bad: usize = m.iter().map(|m| m.nonfinite).sum();
    let all: usize = m.iter().map(|m| m.nonfinite + m.count).sum();
    bad as f64 / all.max(1) as f64
}

/// A share that is known to be above 0, as a whole percentage that never reads "0%" (one
/// overflowed value in 2,048 is 0.05%) nor "100%" short of all.
fn percent_of_some(share: f64) -> String {
    let p = 100.0 * share;
    if p < 1.0 {
        "fewer than 1%".to_string()
    } else if p > 99.0 && share < 1.0 {
        "more than 99%".to_string()
    } else {
        format!("{p:.0}%")
    }
}

/// Reads a report's layers, of a network of setup `c` (its activation, width, batch and batch norm).
#[must_use]
pub fn judge(c: &Setup, layers: &[LayerReport]) -> Verdict {
    let mut f: Vec<Finding> = Vec::new();
    let push = |f: &mut Vec<Finding>, level, tag: &str, text: String| f.push(Finding { level, tag: tag.to_string(), text });
    let depth = layers.len();
    if depth == 0 {
        return Verdict { findings: vec![Finding { level: Level::Warn, tag: "empty".into(), text: "no hidden layer".into() }] };
    }
    // Overflow: blamed on the first layer whose forward values (z or a) are not finite; if the
    // forward pass is finite, on the backward pass where it first breaks (from the output down).
    let forward_bad = layers.iter().find(|l| l.preact.nonfinite + l.act.nonfinite > 0);
    let backward_bad = layers.iter().rev().find(|l| l.grad.nonfinite + l.act_grad.nonfinite > 0);
    if let Some(l) = forward_bad {
        let before = if l.layer > 1 {
            format!(" (z σ at layer {} is {})", l.layer - 1, fmt_num(layers[l.layer - 2].preact.std))
        } else {
            String::new()
        };
        push(
            &mut f,
            Level::Bad,
            "overflow",
            format!(
                "values overflow to ±Inf or NaN from layer {}{before}: {} of its z and a are not finite, so the loss and every gradient are broken; the statistics use the finite values and count the rest",
                l.layer,
                percent_of_some(nonfinite_share(l))
            ),
        );
    } else if let Some(l) = backward_bad {
        // Name what broke: ∂L/∂W = a_(l−1)ᵀ·δ_l sums the batch and can pass f32's 3.4e38 while
        // ∂L/∂a of the same layer is still finite.
        let which = match (l.grad.nonfinite > 0, l.act_grad.nonfinite > 0) {
            (true, false) => "∂L/∂W (summed over the batch) overflows",
            (false, true) => "∂L/∂a overflows",
            _ => "∂L/∂W and ∂L/∂a overflow",
        };
        push(
            &mut f,
            Level::Bad,
            "overflow",
            // Layers are numbered from the input; the backward pass meets the highest first.
            if depth == 1 {
                format!("{which} to ±Inf or NaN in the backward pass, at layer 1")
            } else {
                format!(
                    "{which} to ±Inf or NaN in the backward pass, which runs from layer {depth} down to layer 1: first at layer {} (layers are numbered from the input)",
                    l.layer
                )
            },
        );
    }
    let bn_single = c.norm == Some(NormKind::Batch) && c.batch == 1;
    if bn_single {
        push(
            &mut f,
            Level::Bad,
            "bn_single_sample",
            "batch norm over a single sample: z − mean(z) is 0, so every normalized value is 0 whatever the weights, every activation is f(β) and no gradient reaches the hidden weights. Batch norm needs a batch of 2 or more".to_string(),
        );
    }
    let all_zero = layers.iter().all(|l| l.act.std == 0.0 && l.act.mean == 0.0);
    let hidden_grads_zero = layers.iter().all(|l| l.grad.std == 0.0 && l.grad.mean == 0.0);
    if all_zero && hidden_grads_zero && !bn_single {
        push(
            &mut f,
            Level::Bad,
            "no_signal",
            format!("every activation is 0 and every hidden-weight gradient is 0 ({}(0) = 0): no update ever reaches the hidden weights, nothing learns", c.act),
        );
    } else if hidden_grads_zero && !bn_single && forward_bad.is_none() {
        let text = match c.arch.residual().map(|r| r.scale) {
            Some(crate::nn::arch::ResScale::Fixup) => "every gradient but the readout's is exactly 0 at initialization (Fixup's readout and each branch's last layer are zero): the first step moves only the readout, the next each branch's last layer, and the one after the branches' first layers, as Fixup intends",
            Some(crate::nn::arch::ResScale::Zero) => "each branch's first layer has exactly 0 gradient at initialization (its last layer is zero, so nothing flows back into the branch): the first step moves the stem, the readout and each branch's last layer, and the first layers follow from the second step",
            Some(crate::nn::arch::ResScale::Rezero) => "each branch's weights have exactly 0 gradient at initialization (α = 0 passes nothing back into the branch): the first step moves the stem, the readout and each block's α, and the branches follow once α ≠ 0",
            Some(_) => "each branch's first layer has exactly 0 gradient at initialization: the first step leaves it where it is",
            None => "every hidden-weight gradient is exactly 0 at initialization: the first step leaves every hidden weight where it is (only the biases and the output layer can move)",
        };
        push(&mut f, Level::Warn, "no_hidden_grad", text.to_string());
    }
    if c.width > 1 && layers.iter().all(|l| l.distinct == 1) {
        push(
            &mut f,
            Level::Bad,
            "symmetry",
            "every layer has one distinct neuron: symmetry. All units of a layer compute the same thing and get the same update, so the network acts like one unit per layer".to_string(),
        );
    }
    let act_stds: Vec<f64> = layers.iter().map(|l| l.act.std).collect();
    let act_moments: Vec<Moments> = layers.iter().map(|l| l.act).collect();
    let grad_moments: Vec<Moments> = layers.iter().map(|l| l.act_grad).collect();
    let acts = Trend::of(&act_moments, true);
    let grads = Trend::of(&grad_moments, false);
    let samples = if c.batch == 1 { "the one sample" } else { "every sample" };
    // Why a quantity is exactly 0 (or one value) from a layer on when f32 did not underflow.
    let act_zero_why = if c.act == crate::nn::activation::Activation::Relu {
        format!("every ReLU unit of the layer is off (z ≤ 0) for {samples}, so no signal passes beyond it")
    } else {
        format!("every unit gives the same value for {samples}, so the layers beyond see a constant, not the input")
    };
    let grad_zero_why = format!(
        "f′(z) is exactly 0 at every unit of the layer above for {samples} ({}), so no gradient passes below it",
        match c.act {
            crate::nn::activation::Activation::Relu => "ReLU units that are off",
            crate::nn::activation::Activation::Tanh => "tanh(z) rounds to exactly ±1 in f32 once |z| > 9, where 1 − a² = 0",
            crate::nn::activation::Activation::Sigmoid =>
                "σ(z) rounds to exactly 1 in f32 once z > 17, or to 0 once z < −104, where a(1 − a) = 0",
            // f′ is never 0 in exact arithmetic for these: it is f32 that rounds it to 0.
            crate::nn::activation::Activation::Elu | crate::nn::activation::Activation::Selu => {
                "f′(z) = α·e^z (times λ for SELU) is never 0, but rounds to 0 in f32 once z < −104"
            }
            crate::nn::activation::Activation::Swish | crate::nn::activation::Activation::Softplus => {
                "f′(z) holds σ(z) = 1/(1 + e^−z), which is never 0 but rounds to 0 in f32 once z < −104"
            }
            crate::nn::activation::Activation::Gelu => "f′(z) = Φ(z) + z·φ(z) is never 0 far below z = 0, but rounds to 0 in f32 there",
            _ => "units whose derivative is 0 there",
        }
    );
    let sat: Vec<f64> = layers.iter().filter_map(|l| l.saturated).collect();
    let saturated = (!sat.is_empty()).then(|| sat.iter().sum::<f64>() / sat.len() as f64).filter(|&m| m > 0.3);
    if let Some(mean) = saturated {
        let share = format!("{:.0}% of {} outputs (sample × unit) are saturated", 100.0 * mean, c.act);
        let text = if depth > 1 && grads.explodes() {
            format!("{share}, and yet gradients explode towards the input: {}. Saturation shrinks f′, but the weights are large enough that n·Var(W)·E[f′(z)²] > 1 (the chaotic side): the growth wins", grads.describe("∂L/∂a", &grad_zero_why))
        } else {
            format!("{share}: their derivative is near 0, so gradients shrink through them")
        };
        push(&mut f, Level::Bad, "saturated", text);
    }
    if !all_zero && depth > 1 && forward_bad.is_none() {
        let last = &layers[depth - 1];
        let first = &layers[0];
        if let Some((k, _)) = acts.zero.filter(|_| acts.stops()) {
            push(&mut f, Level::Bad, "dead_layer", format!("no signal passes layer {k}: {}", acts.describe("std", &act_zero_why)));
        } else if acts.vanishes() && acts.zero.is_none() && last.act.mean.abs() > 10.0 * last.act.std && last.act.std > 0.0 {
            // The mean stays: outputs collapse to one value rather than to 0.
            push(
                &mut f,
                Level::Bad,
                "vanish",
                format!(
                    "activations collapse: {} while the mean settles at {} ({} at layer 1): every unit gives almost the same value{}",
                    acts.describe("their spread", &act_zero_why),
                    fmt_num(last.act.mean),
                    fmt_num(first.act.mean),
                    if c.batch == 1 { "" } else { " for every sample" }
                ),
            );
        } else if acts.vanishes() {
            push(&mut f, Level::Bad, "vanish", format!("activations vanish: {}", acts.describe("std", &act_zero_why)));
        } else if acts.explodes() {
            push(&mut f, Level::Bad, "explode", format!("activations explode: {}", acts.describe("std", &act_zero_why)));
        }
        // The spread across samples: what says the network has forgotten its input.
        // (A single sample has no spread to lose: collapse needs two or more.)
        let forgets = (c.batch >= 2)
            .then(|| layers.iter().find(|l| l.act.std > 0.0 && l.act.std.is_finite() && l.act_sample_std <= 1e-3 * l.act.std))
            .flatten();
        if let Some(l) = forgets {
            push(
                &mut f,
                Level::Bad,
                "collapse",
                format!(
                    "the network forgets its input: from layer {} every sample gives almost the same output (each unit's spread across samples is {}, against {} between units), so nothing downstream can tell the inputs apart",
                    l.layer,
                    fmt_num(l.act_sample_std),
                    fmt_num(l.act.std)
                ),
            );
        }
        if (saturated.is_none() || !grads.explodes()) && !hidden_grads_zero {
            let w: Vec<f64> = layers.iter().map(|l| l.grad.std).collect();
            let w_moments: Vec<Moments> = layers.iter().map(|l| l.grad).collect();
            let w_trend = Trend::of(&w_moments, false);
            let w_level = w_trend.rate.is_some_and(|r| (VANISH_FACTOR..=1.0 / VANISH_FACTOR).contains(&r));
            // Yang et al. (2019) show gradient *explosion* under batch norm: cited for growth only.
            let bn_note = if c.norm == Some(NormKind::Batch) {
                " Deep batch-normalized networks do this at initialization (Yang et al. 2019, \"A Mean Field Theory of Batch Normalization\")."
            } else {
                ""
            };
            if grads.vanishes() {
                // "Level" only when every layer's ∂L/∂W is within a factor LEVEL_SPREAD of the
                // others: a per-layer factor near 1 still spans orders of magnitude over 100 layers
                // (width 2, depth 100: 2e-14 to 9e-12), which is "far less", not "level".
                let (lo, hi) = (w.iter().copied().fold(f64::INFINITY, f64::min), w.iter().copied().fold(0.0, f64::max));
                let why = "because ∂L/∂W_l = a_(l−1)ᵀ·δ_l, and the activations shrink forward about as fast as δ shrinks backward";
                let level_note = match w_level {
                    true if hi <= LEVEL_SPREAD * lo => format!(" ∂L/∂W stays level ({} to {}) {why}", fmt_num(lo), fmt_num(hi)),
                    true => format!(" ∂L/∂W changes far less ({} to {} over the layers) {why}", fmt_num(lo), fmt_num(hi)),
                    false => String::new(),
                };
                push(
                    &mut f,
                    Level::Bad,
                    "grad_vanish",
                    format!(
                        "gradients vanish towards the input: {}.{level_note}",
                        grads.describe("∂L/∂a (the gradient of the activations)", &grad_zero_why)
                    ),
                );
            } else if grads.explodes() {
                push(
                    &mut f,
                    Level::Bad,
                    "grad_explode",
                    format!(
                        "gradients explode towards the input: {}.{bn_note}",
                        grads.describe("∂L/∂a (the gradient of the activations)", &grad_zero_why)
                    ),
                );
            }
        }
    }
    let dead = layers.iter().map(|l| l.dead).sum::<f64>() / depth as f64;
    // Only ReLU has a flat zero region: an exactly-0 tanh or sigmoid output is an underflow, not a dead unit.
    if c.act == crate::nn::activation::Activation::Relu && dead > 0.2 && !all_zero {
        if c.batch >= DEAD_MIN_BATCH {
            push(
                &mut f,
                Level::Warn,
                "dead",
                format!(
                    "{:.0}% of units are dead (output 0 for every one of the {} samples): they pass no gradient",
                    100.0 * dead,
                    c.batch
                ),
            );
        } else {
            push(
                &mut f,
                Level::Warn,
                "dead_small_batch",
                format!("{:.0}% of units are 0 for {}, which says little at this batch size: a live ReLU unit is 0 for a sample about half the time. Use a batch of {DEAD_MIN_BATCH} or more to judge dead units", 100.0 * dead, if c.batch == 1 { "the one sample".to_string() } else { format!("all {} samples", c.batch) }),
            );
        }
    }
    if f.iter().all(|x| x.level == Level::Good) {
        let lo = act_stds.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = act_stds.iter().copied().fold(0f64, f64::max);
        let reach = if grads.first > 0.0 && grads.last > 0.0 { ", and gradients reach the first layer" } else { "" };
        let stream: Vec<f64> = layers.iter().filter_map(|l| l.stream.map(|m| m.std)).collect();
        push(
            &mut f,
            Level::Good,
            "healthy",
            if let (Some(a), Some(b), true) = (stream.first(), stream.last(), c.arch.residual().is_some()) {
                format!(
                    "healthy: the stream's std goes from {} after block 1 to {} after block {depth}, each branch's activation std stays between {} and {}{}",
                    fmt_num(*a),
                    fmt_num(*b),
                    fmt_num(lo),
                    fmt_num(hi),
                    if reach.is_empty() { "" } else { ", and gradients reach the first block" }
                )
            } else if depth == 1 {
                format!("healthy: activation std is {} in the one hidden layer{reach}", fmt_num(lo))
            } else {
                format!("healthy: activation std stays between {} and {} over {depth} layers{reach}", fmt_num(lo), fmt_num(hi))
            },
        );
    }
    f.sort_by_key(|x| std::cmp::Reverse(x.level));
    Verdict { findings: f }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(std: f64, mean: f64) -> Moments {
        Moments { count: 10, mean, std, min: mean - std, max: mean + std, nonfinite: 0 }
    }

    /// An exact 0 is an underflow only after a value that, times the rate, is below f32's normal
    /// range (1.2e-38): 1e-40 ×0.1 is; 2.3 ×3.4 (ReLU units all off) and a constant 1.0 are not.
    #[test]
    fn exact_zeros_are_told_apart_by_what_came_before() {
        let under = Trend::of(&[m(1e-36, 0.0), m(1e-38, 0.0), m(1e-40, 0.0), m(0.0, 0.0)], true);
        assert_eq!(under.zero, Some((4, Flat::Underflow)));
        let dead = Trend::of(&[m(2.3, 1.0), m(7.9, 3.0), m(0.0, 0.0), m(0.0, 0.0)], true);
        assert_eq!(dead.zero, Some((3, Flat::Zeros)));
        assert!(dead.stops() && !dead.explodes() && dead.verb() == "grows");
        let same = Trend::of(&[m(0.5, 0.2), m(0.3, 0.6), m(0.0, 1.0)], true);
        assert_eq!(same.zero, Some((3, Flat::Constant(1.0))));
        // A 0 that is not final (two units that happen to agree at one layer) is no stop.
        assert_eq!(Trend::of(&[m(0.5, 0.2), m(0.0, 0.6), m(0.4, 0.1)], true).zero, None);
    }

    /// A trend stops at the first layer with no finite value and says so, in words.
    #[test]
    fn an_overflowed_end_is_not_printed_as_a_number() {
        let t = Trend::of(&[m(f64::NAN, f64::NAN), m(40.0, 0.0), m(12.0, 0.0)], false);
        assert_eq!(t.overflow_at, Some(1));
        let s = t.describe("∂L/∂a", "");
        assert!(!s.replace("±Inf or NaN", "").contains("NaN") && s.ends_with("overflows to ±Inf or NaN from layer 1"), "{s}");
    }

    #[test]
    fn a_share_above_zero_never_reads_zero_percent() {
        assert_eq!(percent_of_some(1.0 / 2048.0), "fewer than 1%");
        assert_eq!(percent_of_some(0.5), "50%");
        assert_eq!(percent_of_some(2047.0 / 2048.0), "more than 99%");
        assert_eq!(percent_of_some(1.0), "100%");
    }
}
