//! A report read from the whole batch's measurements: the mean-field theory's predictions beside
//! each layer's, and the verdict. The measurements come merged from the pass's row chunks or the
//! workers' shards ([`crate::compute::shard::merge`]); this step reads them, whichever path
//! measured them (kept whole, layer by layer, split across workers), so every path shows the same
//! sentences for the same numbers.

use crate::analysis::report::{LayerReport, Report, SmallNet};
use crate::analysis::theory::{self, MeasuredStd, PhaseGrid, Prior};
use crate::analysis::verdict;
use crate::spec::config::Config;

/// The report of `config` from its batch's measurements `m`: the theory (from the configuration's
/// plain numbers, [`Config::theory_setup`], and the batch's [`theory::Prior`]) and its prediction
/// per layer beside the measurement (none with a normalization layer, which the recursion does not model),
/// then the verdict on both. `small_net`: the weights the network diagram draws, when it is small.
#[must_use]
pub fn report(config: &Config, m: Measured, small_net: Option<SmallNet>) -> Report {
    let Measured { mut layers, ranges, loss, weight_std_theory, prior, phase, act_std_band } = m;
    let measured: Vec<MeasuredStd> =
        layers.iter().map(|l| MeasuredStd { preact: l.preact.std, act: l.act.std, act_grad: l.act_grad.std, grad: l.grad.std }).collect();
    let setup = config.theory_setup();
    let theory = theory::view(&setup, &prior, &measured, phase, act_std_band);
    let p = &theory.prediction;
    // A residual network's prediction says itself where it has none (NaN); a plain one has none
    // with a norm.
    let residual = config.arch().residual().is_some();
    let or_nan = |v: f64| if config.norm.is_some() && !residual { f64::NAN } else { v };
    for (l, layer) in layers.iter_mut().enumerate() {
        layer.pred_stream_std = p.stream_std.get(l).copied().unwrap_or(f64::NAN);
        layer.pred_preact_std = or_nan(p.preact_std[l]);
        layer.pred_act_std = or_nan(p.act_std[l]);
        layer.pred_grad_std = or_nan(p.grad_std[l]);
        layer.pred_act_grad_std = or_nan(p.act_grad_std[l]);
    }
    let verdict = verdict::judge(&setup, &layers);
    Report { layers, ranges, loss, weight_std_theory, verdict, small_net, theory }
}

/// The whole batch's measurements, merged from its shards ([`crate::compute::shard::merge`]): every layer's statistics
/// and histograms (the theory's predictions not yet beside them: NaN), and what the theory reads
/// of the batch (its [`Prior`], the phase grid and band the workers computed).
#[derive(Debug, Clone)]
pub struct Measured {
    pub layers: Vec<LayerReport>,
    pub ranges: [(f64, f64); 5],
    pub loss: f64,
    pub weight_std_theory: (f64, f64),
    pub prior: Prior,
    pub phase: PhaseGrid,
    /// The band of the activation std the theory draws, per layer (where the workers computed it).
    pub act_std_band: Option<Vec<(f64, f64)>>,
}
