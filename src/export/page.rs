//! The page's results from a [`Report`], with no web types: the verdict, the theory lines, the
//! formula and the table as HTML, and every chart over any plotters backend.
//!
//! Two callers draw the same view from these functions: the live page (`web::ui::render`, on
//! canvases) and the build (`src/bin/prerender.rs`, which writes the default view into
//! `dist/index.html` as HTML and SVG, so the first view is painted before the WebAssembly
//! arrives). Sharing them is what makes the pre-rendered view and the live one the same.

use crate::analysis::report::{LayerReport, Level, Quantity, Report, StatValue, STATS};
use crate::charts::lines::{self, Marker};
use crate::charts::{diagram, phase, ridgeline, Chart, ChartError, Style};
use crate::choice::Choice;
use crate::export::formula;
use crate::format::{fmt_num, table_value};
use crate::math::stats::Histogram;
use crate::nn::block::NormKind;
use crate::spec::config::Config;
use crate::spec::view::DiagramView;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Escapes text for HTML (text and double-quoted attribute values): [`crate::format::escape_html`].
pub use crate::format::escape_html as escape;

/// The verdict: one `<li>` per finding, with its level as a class and a word.
#[must_use]
pub fn verdict(report: &Report) -> String {
    let mut html = String::from("<ul>");
    for f in &report.verdict.findings {
        let (class, word) = match f.level {
            Level::Good => ("good", "fine"),
            Level::Warn => ("warn", "watch"),
            Level::Bad => ("bad", "problem"),
        };
        html.push_str(&format!("<li class=\"{class}\" data-tag=\"{}\"><strong>{word}</strong>{}</li>", f.tag, escape(&f.text)));
    }
    html.push_str("</ul>");
    html
}

/// Mean-field theory: a one-line summary beside the verdict (q*, χ*, the phase and the depth scale,
/// in `data-stat` elements), and below the charts σ_w², σ_b² and whether the measurement follows
/// the prediction.
#[must_use]
pub fn theory(config: &Config, report: &Report) -> (String, String) {
    let th = &report.theory;
    let p = &th.prediction;
    let fp = &p.fixed;
    let num = |x: f64| if x.is_infinite() { "∞".to_string() } else { fmt_num(x) };
    let stat = |name: &str, v: f64| format!("<span data-stat=\"{name}\">{}</span>", num(v));
    let sw2 = if (p.sw2_first - p.sw2).abs() > 1e-12 * p.sw2.abs() {
        format!("{} (layer 1: {})", fmt_num(p.sw2), fmt_num(p.sw2_first))
    } else {
        fmt_num(p.sw2)
    };
    let bias = if p.bias_mean != 0.0 { format!(", bias mean {}", fmt_num(p.bias_mean)) } else { String::new() };
    if let Some(r) = config.arch().residual() {
        return residual_theory(config, report, r, &sw2, &bias);
    }
    let scale = match fp.phase {
        crate::analysis::theory::Phase::Chaotic => "layers over which the squared gradient grows by e",
        _ => "layers over which the squared gradient shrinks by e",
    };
    let agreement = if let Some(k) = config.norm {
        format!("With {} the recursion (for plain layers) does not apply: no prediction is drawn.", k.name())
    } else {
        let agrees = match crate::analysis::theory::grad_theory_gap(&config.theory_setup()) {
            None => "The measured std of z, a, ∂L/∂a and ∂L/∂W follows the prediction within 20% in every layer (thin lines in the std chart).".to_string(),
            Some(why) => format!(
                "The measured std of z, a and ∂L/∂a follows the prediction within 20% in every layer (thin lines in the std chart); ∂L/∂W's is not drawn: {why}."
            ),
        };
        th.disagreement.clone().unwrap_or(agrees)
    };
    let summary = format!(
        "<strong>Mean-field theory</strong>: χ* = {}, <strong>{}</strong>; q* = {}; depth scale ξ = {} layers.",
        stat("chi", fp.chi),
        escape(&crate::analysis::theory::phase_sentence(&config.theory_setup(), fp)),
        stat("q_star", fp.q_star),
        stat("depth_scale", fp.depth_scale),
    );
    let detail = format!(
        "<p><strong>Mean-field theory</strong>: σ_w² = n·Var(W) = {sw2}, σ_b² = {}{bias}; q_(l+1) = σ_w²·E[φ(z)²] + σ_b² has the fixed point q*, and χ* = σ_w²·E[φ′(z)²] there; ξ = −1/ln χ* counts the {scale}.</p><p>{}</p>",
        fmt_num(p.sb2),
        escape(&agreement)
    );
    (summary, detail)
}

/// [`theory`] for a residual network: the stream's recursion and what it says of this network
/// (the plain recursion's fixed point and phase do not describe a stream that adds a branch per
/// block, so they are not shown).
fn residual_theory(config: &Config, report: &Report, r: crate::nn::arch::Residual, sw2: &str, bias: &str) -> (String, String) {
    let p = &report.theory.prediction;
    let v: Vec<f64> = p.stream_std.iter().map(|s| s * s).collect();
    let blocks = v.len();
    let growth = match (v.first(), v.last()) {
        _ if config.norm.is_some() && r.norm_pos == crate::nn::arch::NormPos::Post && v.iter().all(|x| x.is_finite()) => {
            "the norm after each sum sets the stream's variance back to 1 after every block".to_string()
        }
        (Some(&a), Some(&b)) if a > 0.0 && a.is_finite() && b.is_finite() => {
            let total = b / a;
            let per = total.powf(1.0 / (blocks.max(2) - 1) as f64);
            // Zero init's blocks are the identity only where the branch's φ(0) is 0 (a one-layer
            // branch ends in φ); ReZero's α = 0 always is.
            let identity = r.scale.starts_as_identity(r.branch, crate::analysis::theory::phi(config.act, 0.0));
            if identity {
                "every block is the identity at initialization (its branch's output is zero or α = 0): the stream stays as the first layer made it".to_string()
            } else if (total - 1.0).abs() < 1e-9 {
                "the branches add less than a billionth of the stream's variance over all the blocks".to_string()
            } else if per > 1.05 {
                format!("the stream's variance grows ×{} over the {blocks} blocks (×{} a block)", fmt_num(total), fmt_num(per))
            } else {
                format!("the stream's variance grows ×{} over the {blocks} blocks: each adds little", fmt_num(total))
            }
        }
        _ => "with batch norm inside a block the statistics are the batch's, and the recursion has no closed form: no prediction is drawn"
            .to_string(),
    };
    let recursion = if r.scale.skip(blocks) == 1.0 {
        "x_(l+1) = x_l + α·F(x_l), so q_(l+1) = q_l + α²·V_F(q_l)".to_string()
    } else {
        let a = fmt_num(r.scale.skip(blocks));
        format!("x_(l+1) = {a}·x_l + F(x_l), so q_(l+1) = {a}²·q_l + V_F(q_l) before the norm")
    };
    let summary = format!("<strong>Mean-field theory of the stream</strong>: {recursion}; <strong>{}</strong>.", escape(&growth));
    let agreement = report.theory.disagreement.clone().unwrap_or_else(|| {
        "The measured std of the stream and of each branch's z and a follows the prediction within 20% in every block (thin lines in the std chart); the backward pass through the blocks is not predicted.".to_string()
    });
    let detail = format!(
        "<p><strong>Mean-field theory</strong>: σ_w² = n·Var(W) = {sw2}, σ_b² = {}{bias}; each block's branch sees the stream (or its pre-norm) and adds V_F, its output's variance from the same E[φ(z)²] as a plain layer's, times α²; {}.</p><p>{}</p>",
        fmt_num(p.sb2),
        escape(r.scale.meant_for()),
        escape(&agreement)
    );
    (summary, detail)
}

/// The formula panel: the initializer, its formula in MathML, the numbers of the first layer and
/// the rest, the notes on the gain, and the activation.
#[must_use]
pub fn formula(config: &Config) -> String {
    let spec = config.init_spec();
    let shape = config.shape();
    let first = formula::numbers(&spec, shape.input, shape.width, config.act);
    let rest = formula::numbers(&spec, shape.width, shape.width, config.act);
    let numbers = if shape.input == shape.width || config.depth == 1 {
        format!("<p>Here: {}</p>", escape(&rest))
    } else {
        format!("<p>Layer 1: {}. Layers 2–{}: {}</p>", escape(&first), config.depth, escape(&rest))
    };
    let gain_note: String = formula::notes(&spec, config.act, config.norm).iter().map(|n| format!("<p>{}</p>", escape(n))).collect();
    format!(
        "<p><strong>{}</strong> — meant for {}.</p>{}{numbers}{gain_note}<p>Activation {}: {}.</p>",
        escape(config.init.id()),
        escape(config.init.meant_for()),
        formula::mathml(&spec),
        escape(config.act.id()),
        escape(config.act.describe())
    )
}

/// What the backward pass differentiates, under the settings.
#[must_use]
pub fn loss_note(config: &Config) -> &'static str {
    if config.input.classes() == 0 {
        "Backward pass: mean squared error of the single linear output against seeded random targets t ∼ N(0, 1)."
    } else {
        "Backward pass: softmax cross-entropy of the output layer (one unit per class) against the labels."
    }
}

/// The statistics table's header row (the columns of [`STATS`] shown in the table).
#[must_use]
pub fn table_head() -> String {
    let head: String = STATS
        .iter()
        .filter(|s| s.in_table)
        .map(|s| {
            let title = if s.tooltip.is_empty() { String::new() } else { format!(" title=\"{}\"", escape(s.tooltip)) };
            format!("<th scope=\"col\"{title}>{}</th>", s.header)
        })
        .collect();
    format!("<th scope=\"col\">layer</th>{head}")
}

/// The statistics table's rows, one `<tr data-layer>` per layer.
#[must_use]
pub fn table_body(report: &Report) -> String {
    let mut html = String::with_capacity(report.layers.len() * 600);
    for l in &report.layers {
        html.push_str(&format!("<tr data-layer=\"{}\"><th scope=\"row\">{}</th>", l.layer, l.layer));
        for stat in STATS.iter().filter(|s| s.in_table) {
            // No NaN printed as a number: a statistic of an overflowed quantity, or one that does not apply.
            let text = match stat.value(l) {
                StatValue::Number(v) => table_value(v, stat.whole),
                StatValue::NotApplicable => "—".to_string(),
                StatValue::Overflow => "overflow".to_string(),
            };
            html.push_str(&format!("<td data-stat=\"{}\">{text}</td>", stat.id));
        }
        html.push_str("</tr>");
    }
    html
}

/// The network's size as the status line says it: "10 × 256 × 256" (the controls' own words).
#[must_use]
pub fn size_words(config: &Config) -> String {
    format!("{} × {} × {}", config.shown("depth"), config.shown("width"), config.shown("batch"))
}

/// "σ 0.5 at layer 1, 0.4 at layer 10": a chart's text alternative's range.
fn range_text(values: impl Iterator<Item = f64>) -> String {
    let v: Vec<f64> = values.collect();
    match (v.first(), v.last()) {
        (Some(a), Some(b)) => format!("σ {} at layer 1, {} at layer {}", fmt_num(*a), fmt_num(*b), v.len()),
        _ => String::new(),
    }
}

/// A chart drawn, with its text alternative; or not drawn, as the settings have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drawn {
    /// Drawn; the `aria-label` of its image.
    Chart(String),
    /// This chart is not shown for these settings (the diagram of a large network).
    Hidden,
}

/// The ridgeline of `quantity`: one histogram per layer over the shared `range`, with each
/// layer's std. Returns its text alternative.
pub fn ridgeline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &Style,
    config: &Config,
    quantity: Quantity,
    hists: &[&Histogram],
    range: (f64, f64),
    stds: &[f64],
) -> Result<String, ChartError>
where
    DB::ErrorType: 'static,
{
    let title = match quantity {
        Quantity::PreActivations => match config.norm {
            Some(NormKind::Batch) => "Pre-activations after batch norm, γ·ẑ + β",
            Some(NormKind::Layer) => "Pre-activations after layer norm, γ·ẑ + β",
            Some(NormKind::Rms) => "Pre-activations after RMS norm, γ·ẑ",
            None => quantity.title(),
        },
        _ => quantity.title(),
    };
    let r = ridgeline::Ridges {
        title,
        counts: hists.iter().map(|h| &h.counts[..]).collect(),
        range,
        stds: stds.iter().map(|&v| Some(v)).collect(),
        color: s.theme.series[quantity.index() % s.theme.series.len()],
        left_out: hists.iter().map(|h| ridgeline::LeftOut::of(h)).collect(),
    };
    ridgeline::draw(area, &r, s)?;
    Ok(format!("{title}: histogram of every layer; {}", range_text(stds.iter().copied())))
}

/// Draws one chart of `report` on `area`.
pub fn chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &Style,
    config: &Config,
    report: &Report,
    chart: Chart,
) -> Result<Drawn, ChartError>
where
    DB::ErrorType: 'static,
{
    let t = s.theme;
    let col = |f: fn(&LayerReport) -> f64| report.layers.iter().map(f).collect::<Vec<f64>>();
    let colour = |q: Quantity| t.series[q.index() % t.series.len()];
    let label = match chart {
        Chart::Ridgeline(quantity) => {
            let q = quantity.index();
            let stds: Vec<f64> = report.layers.iter().map(|l| quantity.moments(l).std).collect();
            let hists: Vec<&Histogram> = report.layers.iter().map(|l| &l.hists[q]).collect();
            ridgeline(area, s, config, quantity, &hists, report.ranges[q], &stds)?
        }
        Chart::Network => {
            let Some(net) = &report.small_net else { return Ok(Drawn::Hidden) };
            let (edges, title) = match config.diagram {
                DiagramView::Weights => (&net.weights, "Network: weights W"),
                DiagramView::Grads => (&net.grads, "Network: gradients ∂L/∂W"),
            };
            let d = diagram::Diagram { title, sizes: &net.sizes, edges, mean_act: &net.mean_act };
            diagram::draw(area, &d, s)?;
            format!("{title}, {} layers of units", net.sizes.len())
        }
        Chart::Std => {
            use lines::Series;
            // Each quantity in its ridgeline's colour; the spread across samples is a's, with its
            // own marker; theory's predictions as thin lines of the same colours.
            let (z, a, da, dw) =
                (colour(Quantity::PreActivations), colour(Quantity::Activations), colour(Quantity::ActGrads), colour(Quantity::Gradients));
            let mut series = vec![
                Series::measured("pre-activation z", col(|l| l.preact.std), z, Marker::Circle),
                Series::measured("activation a", col(|l| l.act.std), a, Marker::Square),
                Series::measured("a across samples", col(|l| l.act_sample_std), a, Marker::Cross),
                Series::measured("∂L/∂a", col(|l| l.act_grad.std), da, Marker::Triangle),
                Series::measured("∂L/∂W", col(|l| l.grad.std), dw, Marker::Diamond),
            ];
            if config.arch().residual().is_some() {
                // The stream after each block in the colour no other line of this chart has; its
                // theory (and the branch's z and a) where the recursion has one.
                let x = t.series[Quantity::Weights.index() % t.series.len()];
                series.insert(0, Series::measured("residual stream x", col(|l| l.stream.map_or(f64::NAN, |m| m.std)), x, Marker::Diamond));
                if report.layers.iter().any(|l| l.pred_stream_std.is_finite()) {
                    series.push(Series::predicted("theory: stream, z, a", col(|l| l.pred_stream_std), x));
                    series.push(Series::predicted("", col(|l| l.pred_preact_std), z));
                    series.push(Series::predicted("", col(|l| l.pred_act_std), a));
                }
            } else if config.norm.is_none() {
                series.push(Series::predicted("theory: z, a, ∂L/∂a, ∂L/∂W", col(|l| l.pred_preact_std), z));
                series.push(Series::predicted("", col(|l| l.pred_act_std), a));
                series.push(Series::predicted("", col(|l| l.pred_act_grad_std), da));
                series.push(Series::predicted("", col(|l| l.pred_grad_std), dw));
            }
            let band = report.theory.band.as_ref().map(|b| lines::Band {
                name: "a σ over 5 seeds".to_string(),
                lo: b.iter().map(|x| x.0).collect(),
                hi: b.iter().map(|x| x.1).collect(),
                color: a,
            });
            let std_chart = lines::Lines { title: chart.title(), series, axis: lines::Axis::Log, band };
            lines::draw(area, &std_chart, s)?;
            format!("Std per layer, log scale: activations {}", range_text(col(|l| l.act.std).into_iter()))
        }
        Chart::Fractions => {
            use lines::Series;
            let distinct = report.layers.iter().map(|l| l.distinct as f64 / config.width as f64).collect();
            let mut frac = vec![
                Series::measured("dead units", col(|l| l.dead), t.series[1], Marker::Circle),
                Series::measured("distinct / width", distinct, t.series[2], Marker::Square),
            ];
            if report.layers.iter().any(|l| l.saturated.is_some()) {
                let saturated = col(|l| l.saturated.unwrap_or(f64::NAN));
                frac.insert(0, Series::measured("saturated outputs", saturated, t.series[3], Marker::Triangle));
            }
            let frac_chart = lines::Lines { title: chart.title(), series: frac, axis: lines::Axis::Linear(0.0, 1.0), band: None };
            lines::draw(area, &frac_chart, s)?;
            "Saturated, dead and distinct fractions per layer".to_string()
        }
        Chart::Phase => {
            let th = &report.theory;
            let d = phase::Diagram { grid: &th.grid, point: th.point, cursor: None, activation: config.act.id() };
            phase::draw(area, &d, s)?;
            format!(
                "Phase diagram of {}: χ* = 1 between ordered and chaotic; this network at σ_w = {}, σ_b = {}",
                config.act.id(),
                fmt_num(th.point.0),
                fmt_num(th.point.1)
            )
        }
    };
    Ok(Drawn::Chart(label))
}

/// One chart as an SVG document of `size` CSS pixels (`Style::scale` 1), with its text
/// alternative; `None` when the settings do not show it.
pub fn chart_svg(
    s: &Style,
    config: &Config,
    report: &Report,
    which: Chart,
    size: (u32, u32),
) -> Result<Option<(String, String)>, ChartError> {
    let mut svg = String::new();
    let drawn = {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let drawn = chart(&area, s, config, report, which)?;
        area.present()?;
        drawn
    };
    Ok(match drawn {
        Drawn::Chart(label) => Some((svg, label)),
        Drawn::Hidden => None,
    })
}

/// The slider position in `list` nearest to `x` (on a log scale for positive values).
#[must_use]
pub fn nearest(list: &[f64], x: f64) -> usize {
    let key = |v: f64| if x > 0.0 && v > 0.0 { (v.ln() - x.ln()).abs() } else { (v - x).abs() };
    (0..list.len()).min_by(|&a, &b| key(list[a]).total_cmp(&key(list[b]))).unwrap_or(0)
}

/// What one control shows for a configuration, as attributes: the page's `web::controls` sets
/// the same through the DOM, and the build writes it into the pre-rendered first view.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlState {
    /// The URL key and the control's id.
    pub key: &'static str,
    pub label: &'static str,
    /// A `<select>`'s options (value, label).
    pub options: Vec<(&'static str, &'static str)>,
    /// A range input's min, max and step.
    pub range: Option<(String, String, Option<&'static str>)>,
    /// The `value` attribute (a select's selected option; a range's position).
    pub value: String,
    /// A checkbox's state.
    pub checked: Option<bool>,
    /// The setting does not use it.
    pub disabled: bool,
    /// The text of its `<output>` (empty: none).
    pub shown: String,
    /// A positional slider's `aria-valuetext`.
    pub valuetext: Option<String>,
}

/// Every control's state for `config`, in the table's order.
#[must_use]
pub fn controls(config: &Config) -> Vec<ControlState> {
    use crate::spec::params::{scale_positions, Control, Kind, PARAMS};
    PARAMS
        .iter()
        .filter(|p| p.control != Control::None)
        .map(|p| {
            let written = (p.write)(config);
            let mut c = ControlState {
                key: p.key,
                label: p.label,
                options: Vec::new(),
                range: None,
                value: written.clone(),
                checked: None,
                disabled: !config.applies(p.key),
                shown: config.shown(p.key),
                valuetext: None,
            };
            match (p.control, p.kind) {
                (Control::Select, _) => c.options = (p.options)(),
                (Control::Slider, Kind::Int { min, max }) => c.range = Some((min.to_string(), max.to_string(), None)),
                (Control::Slider, Kind::Float { min, max }) => c.range = Some((min.to_string(), max.to_string(), None)),
                (Control::Positions(list), _) => {
                    c.range = Some(("0".into(), (list.len() - 1).to_string(), None));
                    c.value = nearest(list, written.parse::<f64>().unwrap_or(0.0)).to_string();
                    c.valuetext = Some(c.shown.clone());
                }
                (Control::Scale, _) => {
                    if config.init == crate::nn::init::Init::Constant {
                        c.range = Some(("-10".into(), "10".into(), Some("0.05")));
                    } else {
                        let s = scale_positions();
                        c.range = Some(("0".into(), (s.len() - 1).to_string(), Some("1")));
                        c.value = nearest(&s, config.scale).to_string();
                    }
                    c.valuetext = Some(c.shown.clone());
                }
                (Control::Check, _) => c.checked = Some(written == "1"),
                (Control::Text, _) if written == "off" => c.value = String::new(),
                _ => {}
            }
            c
        })
        .collect()
}
