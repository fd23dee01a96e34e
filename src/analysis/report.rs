//! What a configuration measured, as plain data: the [`Report`] and its parts, the verdict's
//! findings, the per-layer statistics by name ([`STATS`]) and their CSV. The experiment and the
//! shards produce it, the verdict reads it, the page draws it; it depends on none of them.

use crate::math::stats::{Histogram, Moments};
use serde::{Deserialize, Serialize};

/// Bins of every histogram.
pub const BINS: usize = 48;

/// The four quantities shown per layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quantity {
    Weights,
    PreActivations,
    Activations,
    Gradients,
    /// ∂L/∂a of the layer's output: what flows backwards (∂L/∂W = a_{l−1}ᵀ·δ_l can stay level
    /// while it vanishes).
    ActGrads,
}

impl Quantity {
    pub const ALL: [Quantity; 5] =
        [Quantity::Weights, Quantity::PreActivations, Quantity::Activations, Quantity::Gradients, Quantity::ActGrads];

    /// The quantities that depend on the data: each shard bins its rows of them over ranges
    /// shared by all shards (the weights and the summed ∂L/∂W are binned once).
    pub const DATA: [Quantity; 3] = [Quantity::PreActivations, Quantity::Activations, Quantity::ActGrads];

    /// Title for charts.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Quantity::Weights => "Weights W",
            Quantity::PreActivations => "Pre-activations z",
            Quantity::Activations => "Activations a = f(z)",
            Quantity::Gradients => "Gradients ∂L/∂W",
            Quantity::ActGrads => "Gradients ∂L/∂a",
        }
    }

    /// Its position in [`Quantity::ALL`], in [`LayerReport::hists`] and in [`Report::ranges`].
    #[must_use]
    pub fn index(self) -> usize {
        match self {
            Quantity::Weights => 0,
            Quantity::PreActivations => 1,
            Quantity::Activations => 2,
            Quantity::Gradients => 3,
            Quantity::ActGrads => 4,
        }
    }

    /// The moments of this quantity on a layer.
    #[must_use]
    pub fn moments(self, l: &LayerReport) -> Moments {
        match self {
            Quantity::Weights => l.weights,
            Quantity::PreActivations => l.preact,
            Quantity::Activations => l.act,
            Quantity::Gradients => l.grad,
            Quantity::ActGrads => l.act_grad,
        }
    }
}

/// Everything measured on one hidden layer (1-based `layer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    pub layer: usize,
    pub weights: Moments,
    pub preact: Moments,
    pub act: Moments,
    /// dL/dW of the layer.
    pub grad: Moments,
    /// dL/da of the layer's output.
    pub act_grad: Moments,
    /// The std of each unit's activation across the samples, averaged over units: how much the
    /// layer's output still depends on the input (the pooled `act.std` also counts the spread
    /// between units).
    pub act_sample_std: f64,
    /// z before batch norm, where there is batch norm (`preact` is then γ·x̂ + β).
    pub raw_preact: Option<Moments>,
    /// The residual stream x_{l+1} after the layer's block, in a residual network.
    pub stream: Option<Moments>,
    /// The theory's std of the stream (the recursion q_{l+1} = q_l + α²·V_F); NaN where it has
    /// none or the network is plain.
    pub pred_stream_std: f64,
    /// Mean-field predictions (`theory`) of the std of z, a, ∂L/∂W and ∂L/∂a; NaN where the theory
    /// does not apply (batch norm).
    pub pred_preact_std: f64,
    pub pred_act_std: f64,
    pub pred_grad_std: f64,
    pub pred_act_grad_std: f64,
    pub grad_norm: f64,
    /// Fraction of (sample, unit) outputs saturated; `None` where the activation does not saturate.
    pub saturated: Option<f64>,
    /// Fraction of units whose output is 0 for every sample.
    pub dead: f64,
    /// Distinct neurons (units with identical incoming weights and bias count once).
    pub distinct: usize,
    /// One histogram per [`Quantity`], over the shared range of that quantity (`Report::ranges`).
    pub hists: [Histogram; 5],
}

/// The result of one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub layers: Vec<LayerReport>,
    /// Shared histogram range [−r, r] (or [lo, hi]) of each quantity, so layers compare at a glance.
    pub ranges: [(f64, f64); 5],
    pub loss: f64,
    /// The theoretical weight std of the first hidden layer and of the others, from the formula.
    pub weight_std_theory: (f64, f64),
    pub verdict: Verdict,
    /// For small networks: every layer's weights and gradients (output layer included), for the diagram.
    pub small_net: Option<SmallNet>,
    /// Mean-field theory beside the measurement.
    pub theory: crate::analysis::theory::TheoryView,
}

/// The weights and gradients of a network small enough to draw unit by unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmallNet {
    /// Units per layer, input first, output last.
    pub sizes: Vec<usize>,
    /// Per layer, row-major fan_in × fan_out.
    pub weights: Vec<Vec<f32>>,
    pub grads: Vec<Vec<f32>>,
    /// Mean activation of each unit over the batch, per hidden layer.
    pub mean_act: Vec<Vec<f32>>,
}

/// The largest width drawn as a network diagram.
pub const DIAGRAM_MAX_WIDTH: usize = 16;
/// The largest depth drawn as a network diagram.
pub const DIAGRAM_MAX_DEPTH: usize = 12;

/// How worrying a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    Good,
    Warn,
    Bad,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub level: Level,
    /// A machine-readable tag: `overflow`, `no_signal`, `symmetry`, `saturated`, `vanish`, `explode`,
    /// `grad_vanish`, `grad_explode`, `dead`, `healthy`.
    pub tag: String,
    pub text: String,
}

/// Every finding, worst first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// The worst finding.
    #[must_use]
    pub fn headline(&self) -> &Finding {
        &self.findings[0]
    }

    /// Whether a finding with `tag` is present.
    #[must_use]
    pub fn has(&self, tag: &str) -> bool {
        self.findings.iter().any(|f| f.tag == tag)
    }
}

/// A per-layer statistic, declared once for the table (`<td data-stat="id">`), the CSV (column
/// `id`) and the tests.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    /// The `data-stat` name and CSV column.
    pub id: &'static str,
    /// The table's column header.
    pub header: &'static str,
    /// The header's tooltip (empty for none).
    pub tooltip: &'static str,
    /// A count, written as a whole number.
    pub whole: bool,
    /// Shown as a table column (every statistic is in the CSV).
    pub in_table: bool,
    /// Its value on a layer; NaN where it does not apply or where nothing finite was measured.
    pub get: fn(&LayerReport) -> f64,
    /// The quantity it is measured on, if any: where none of its values is finite, the statistic
    /// is an overflow rather than "does not apply".
    pub of: Option<fn(&LayerReport) -> Moments>,
}

const fn stat(id: &'static str, header: &'static str, get: fn(&LayerReport) -> f64) -> Stat {
    Stat { id, header, tooltip: "", whole: false, in_table: true, get, of: None }
}

/// What a statistic is on a layer, for people: a number, not applicable, or overflowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StatValue {
    Number(f64),
    NotApplicable,
    Overflow,
}

impl Stat {
    /// The statistic on layer `l`, with NaN told apart.
    #[must_use]
    pub fn value(&self, l: &LayerReport) -> StatValue {
        let v = (self.get)(l);
        if v.is_finite() {
            StatValue::Number(v)
        } else if self.of.is_some_and(|of| of(l).nonfinite > 0) || v.is_infinite() {
            StatValue::Overflow
        } else {
            StatValue::NotApplicable
        }
    }
}

/// Every per-layer statistic, in table and CSV order.
pub const STATS: &[Stat] = &[
    stat("weight_std", "weight σ", |l| l.weights.std),
    Stat { of: Some(|l| l.preact), ..stat("preact_mean", "z mean", |l| l.preact.mean) },
    Stat {
        tooltip: "with batch norm: the std of the normalized γ·ẑ + β that enters the activation",
        of: Some(|l| l.preact),
        ..stat("preact_std", "z σ", |l| l.preact.std)
    },
    Stat {
        tooltip: "with batch norm: the std of z = a·W + b before it is normalized; — without batch norm",
        of: Some(|l| l.raw_preact.unwrap_or_default()),
        ..stat("raw_preact_std", "z σ before BN", |l| l.raw_preact.map_or(f64::NAN, |m| m.std))
    },
    Stat {
        tooltip: "std of the residual stream x after the layer's block (a branch's sum, normalized after it with post-norm); — in a plain network",
        of: Some(|l| l.stream.unwrap_or_default()),
        ..stat("stream_std", "stream σ", |l| l.stream.map_or(f64::NAN, |m| m.std))
    },
    Stat { of: Some(|l| l.act), ..stat("act_mean", "a mean", |l| l.act.mean) },
    Stat { of: Some(|l| l.act), ..stat("act_std", "a σ", |l| l.act.std) },
    Stat {
        tooltip: "std of each unit's activation across the samples, averaged over units: 0 means every sample gives the same output",
        of: Some(|l| l.act),
        ..stat("act_sample_std", "a σ across samples", |l| l.act_sample_std)
    },
    Stat { of: Some(|l| l.grad), ..stat("grad_std", "∂L/∂W σ", |l| l.grad.std) },
    Stat { of: Some(|l| l.grad), ..stat("grad_norm", "‖∂L/∂W‖", |l| l.grad_norm) },
    Stat { of: Some(|l| l.act_grad), ..stat("act_grad_std", "∂L/∂a σ", |l| l.act_grad.std) },
    Stat {
        tooltip: "std of z predicted by mean-field theory: q₁ = σ_w²·E[x²] + σ_b², q_{l+1} = σ_w²·E[φ(z)²] + σ_b²; — with batch norm",
        ..stat("pred_preact_std", "z σ theory", |l| l.pred_preact_std)
    },
    Stat { tooltip: "std of a = φ(z) for z ~ N(μ_b, q_l)", ..stat("pred_act_std", "a σ theory", |l| l.pred_act_std) },
    Stat {
        tooltip: "std of ∂L/∂W predicted from the last layer's measured ∂L/∂a and χ_l = σ_w²·E[φ′(z)²]",
        ..stat("pred_grad_std", "∂L/∂W σ theory", |l| l.pred_grad_std)
    },
    Stat { in_table: false, ..stat("pred_act_grad_std", "∂L/∂a σ theory", |l| l.pred_act_grad_std) },
    Stat {
        in_table: false,
        tooltip: "std of the residual stream from the recursion m ← s·m + α·E[F], v ← s²·v + α²·Var[F]; — in a plain network, or with batch norm in a block",
        ..stat("pred_stream_std", "stream σ theory", |l| l.pred_stream_std)
    },
    Stat {
        tooltip: "fraction of (sample, unit) outputs with |tanh| > 0.99, or sigmoid < 0.01 or > 0.99; — for activations that do not saturate",
        ..stat("saturated", "saturated outputs", |l| l.saturated.unwrap_or(f64::NAN))
    },
    Stat {
        tooltip: "fraction of units whose output is 0 for every sample of the batch (at small batches a live unit can be 0 for all of them by chance)",
        ..stat("dead", "dead units", |l| l.dead)
    },
    Stat { whole: true, ..stat("distinct", "distinct", |l| l.distinct as f64) },
    Stat {
        whole: true,
        tooltip: "values of z, a, ∂L/∂W and ∂L/∂a that overflowed to ±Inf or NaN; statistics use the finite ones",
        ..stat("nonfinite", "non-finite", |l| (l.preact.nonfinite + l.act.nonfinite + l.grad.nonfinite + l.act_grad.nonfinite) as f64)
    },
];

impl LayerReport {
    /// The statistic called `name` (see [`STATS`]); NaN for an unknown name or where it does not apply.
    #[must_use]
    pub fn stat(&self, name: &str) -> f64 {
        STATS.iter().find(|s| s.id == name).map_or(f64::NAN, |s| (s.get)(self))
    }
}

impl Report {
    /// The per-layer statistics as CSV: a header line, then one line per hidden layer, with the
    /// theory's fixed point and the configuration's query string as the last columns.
    #[must_use]
    pub fn to_csv(&self, query: &str) -> String {
        let names: Vec<&str> = STATS.iter().map(|s| s.id).collect();
        let fp = &self.theory.prediction.fixed;
        // Whole-network values repeat on every row, so a plain CSV reader (`pandas.read_csv(path)`)
        // gets one table of numbers; the settings are the last column.
        let num = csv_number;
        let tail = format!("{},{},{},{:?},{}", num(fp.q_star), num(fp.chi), num(fp.depth_scale), fp.phase, csv_field(query));
        let mut s = format!("layer,{},q_star,chi,depth_scale,phase,config\n", names.join(","));
        for l in &self.layers {
            s.push_str(&l.layer.to_string());
            for stat in STATS {
                let v = (stat.get)(l);
                s.push(',');
                // Counts as whole numbers (500, not 5e2); an empty cell where a statistic does
                // not apply or overflowed.
                if v.is_finite() {
                    s.push_str(&if stat.whole { format!("{v}") } else { format!("{v:e}") });
                }
            }
            s.push(',');
            s.push_str(&tail);
            s.push('\n');
        }
        s
    }
}

/// A number for a CSV cell: `1.5e-3` (what every reader parses), `inf` for an infinite one, and
/// an empty cell for a NaN.
#[must_use]
pub fn csv_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:e}")
    } else if v.is_infinite() {
        "inf".to_string()
    } else {
        String::new()
    }
}

/// A CSV field: quoted (RFC 4180) when it holds a comma, a quote or a line break, as a query with
/// `compare=a,b` or `show=act,std` does.
#[must_use]
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The default view's report, computed at build time by `examples/default_report.rs` (postcard
/// bytes): the page draws it at once on a plain visit. `tests/default_report.rs` holds it to a
/// fresh run, bit for bit.
pub static PRECOMPUTED_DEFAULT: &[u8] = include_bytes!("../../data/default-report.bin");

/// [`PRECOMPUTED_DEFAULT`], decoded (`None` if it cannot be, and the page computes instead).
#[must_use]
pub fn precomputed_default() -> Option<Report> {
    postcard::from_bytes(PRECOMPUTED_DEFAULT).ok()
}
