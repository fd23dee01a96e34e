//! Draws a [`Report`] into the page: charts on canvases, the table, the verdict, the formula.

use super::dom::{by_id, escape, prefers_dark, set_hidden, set_html, window};
use crate::charts::lines::Marker;
use crate::charts::{diagram, lines, phase, ridgeline, Chart, ChartError, Style, Theme};
use crate::choice::Choice;
use crate::config::{Config, DiagramView, Notice};
use crate::experiment::WeightsPreview;
use crate::format::{fmt_num, table_value};
use crate::formula;
use crate::report::{LayerReport, Level, Quantity, Report, StatValue, STATS};
use crate::stats::Histogram;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

pub(super) fn style() -> Style {
    Style { theme: if prefers_dark() { Theme::DARK } else { Theme::LIGHT }, scale: window().device_pixel_ratio().clamp(1.0, 4.0) }
}

/// Sizes a canvas to its CSS box times the device pixel ratio and draws on it.
pub(super) fn on_canvas(
    id: &str,
    s: &Style,
    label: &str,
    f: impl FnOnce(&DrawingArea<CanvasBackend, plotters::coord::Shift>) -> Result<(), ChartError>,
) -> Result<(), ChartError> {
    let Some(canvas) = by_id(id).and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok()) else {
        return Ok(());
    };
    let (w, h) = (canvas.client_width().max(1), canvas.client_height().max(1));
    let (pw, ph) = ((f64::from(w) * s.scale).round() as u32, (f64::from(h) * s.scale).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let _ = canvas.set_attribute("aria-label", label);
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or_else(|| ChartError("no 2-D context".into()))?;
    let area = backend.into_drawing_area();
    f(&area)?;
    area.present()?;
    Ok(())
}

fn range_text(values: impl Iterator<Item = f64>) -> String {
    let v: Vec<f64> = values.collect();
    match (v.first(), v.last()) {
        (Some(a), Some(b)) => format!("σ {} at layer 1, {} at layer {}", fmt_num(*a), fmt_num(*b), v.len()),
        _ => String::new(),
    }
}

/// Draws the weights' ridgeline from a worker's preview, before the report: the same chart the
/// report draws (the preview is its weights, bit for bit).
pub fn weights_preview(config: &Config, p: &WeightsPreview) -> Result<(), ChartError> {
    let stds: Vec<f64> = p.moments.iter().map(|m| m.std).collect();
    ridgeline_chart(config, Quantity::Weights, &p.hists.iter().collect::<Vec<_>>(), p.range, &stds)
}

/// One histogram per layer of `quantity` over the shared `range`, with each layer's std.
fn ridgeline_chart(config: &Config, quantity: Quantity, hists: &[&Histogram], range: (f64, f64), stds: &[f64]) -> Result<(), ChartError> {
    let s = style();
    let title = match quantity {
        Quantity::PreActivations if config.bn => "Pre-activations after batch norm, γ·ẑ + β",
        _ => quantity.title(),
    };
    let label = format!("{title}: histogram of every layer; {}", range_text(stds.iter().copied()));
    on_canvas(Chart::Ridgeline(quantity).canvas_id(), &s, &label, |area| {
        let r = ridgeline::Ridges {
            title,
            counts: hists.iter().map(|h| &h.counts[..]).collect(),
            range,
            stds: stds.iter().map(|&v| Some(v)).collect(),
            color: s.theme.series[quantity.index() % s.theme.series.len()],
            left_out: hists.iter().map(|h| ridgeline::LeftOut::of(h)).collect(),
        };
        ridgeline::draw(area, &r, &s)
    })
}

/// Draws one chart, so the page can draw one per task and never hold the main thread for long.
pub fn chart(config: &Config, report: &Report, chart: Chart) -> Result<(), ChartError> {
    let s = style();
    let t = s.theme;
    let id = chart.canvas_id();
    let col = |f: fn(&LayerReport) -> f64| report.layers.iter().map(f).collect::<Vec<f64>>();
    let colour = |q: Quantity| t.series[q.index() % t.series.len()];
    match chart {
        Chart::Ridgeline(quantity) => {
            let q = quantity.index();
            let stds: Vec<f64> = report.layers.iter().map(|l| quantity.moments(l).std).collect();
            let hists: Vec<&Histogram> = report.layers.iter().map(|l| &l.hists[q]).collect();
            ridgeline_chart(config, quantity, &hists, report.ranges[q], &stds)
        }
        Chart::Network => {
            set_hidden("net-figure", report.small_net.is_none() || !config.show.shows("net"));
            let Some(net) = &report.small_net else { return Ok(()) };
            let (edges, title) = match config.diagram {
                DiagramView::Weights => (&net.weights, "Network: weights W"),
                DiagramView::Grads => (&net.grads, "Network: gradients ∂L/∂W"),
            };
            let d = diagram::Diagram { title, sizes: &net.sizes, edges, mean_act: &net.mean_act };
            on_canvas(id, &s, &format!("{title}, {} layers of units", net.sizes.len()), |area| diagram::draw(area, &d, &s))
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
            if !config.bn {
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
            let label = format!("Std per layer, log scale: activations {}", range_text(col(|l| l.act.std).into_iter()));
            on_canvas(id, &s, &label, |area| lines::draw(area, &std_chart, &s))
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
            on_canvas(id, &s, "Saturated, dead and distinct fractions per layer", |area| lines::draw(area, &frac_chart, &s))
        }
        Chart::Phase => {
            let th = &report.theory;
            let d = phase::Diagram { grid: &th.grid, point: th.point, cursor: None, activation: config.act.id() };
            let label = format!(
                "Phase diagram of {}: χ* = 1 between ordered and chaotic; this network at σ_w = {}, σ_b = {}",
                config.act.id(),
                fmt_num(th.point.0),
                fmt_num(th.point.1)
            );
            on_canvas(id, &s, &label, |area| phase::draw(area, &d, &s))
        }
    }
}

/// Mean-field theory: a one-line summary beside the verdict (q*, χ*, the phase and the depth scale,
/// in `data-stat` elements), and below the charts σ_w², σ_b² and whether the measurement follows
/// the prediction.
fn theory_html(config: &Config, report: &Report) -> (String, String) {
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
    let scale = match fp.phase {
        crate::theory::Phase::Chaotic => "layers over which the squared gradient grows by e",
        _ => "layers over which the squared gradient shrinks by e",
    };
    let agreement = if config.bn {
        "With batch norm the recursion (for plain layers) does not apply: no prediction is drawn.".to_string()
    } else {
        let agrees = match crate::theory::grad_theory_gap(&config.theory_setup()) {
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
        escape(&crate::theory::phase_sentence(&config.theory_setup(), fp)),
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

/// Redraws the phase diagram with a keyboard cursor at (σ_w, σ_b).
pub fn phase_with_cursor(config: &Config, report: &Report, cursor: (f64, f64)) -> Result<(), ChartError> {
    let s = style();
    let th = &report.theory;
    let d = phase::Diagram { grid: &th.grid, point: th.point, cursor: Some(cursor), activation: config.act.id() };
    let label = format!("Phase diagram: cursor at σ_w = {}, σ_b = {}; press Enter to use it", fmt_num(cursor.0), fmt_num(cursor.1));
    on_canvas(Chart::Phase.canvas_id(), &s, &label, |area| phase::draw(area, &d, &s))
}

/// The (σ_w, σ_b) under a click at CSS pixel (x, y) of the phase diagram's canvas.
#[must_use]
pub fn phase_value_at(x: f64, y: f64) -> Option<(f64, f64)> {
    let canvas = by_id(Chart::Phase.canvas_id())?.dyn_into::<HtmlCanvasElement>().ok()?;
    let s = style();
    let f = phase::frame((canvas.width(), canvas.height()), &s);
    // CSS pixels to the canvas's own pixels (its drawing may lag a resize of its box).
    let kx = f64::from(canvas.width()) / f64::from(canvas.client_width().max(1));
    let ky = f64::from(canvas.height()) / f64::from(canvas.client_height().max(1));
    phase::value_at(&f, (x * kx).round() as i32, (y * ky).round() as i32)
}

/// The readout under a ridgeline: one layer's numbers (after a tap, a click or the arrow keys).
#[must_use]
pub fn readout(report: &Report, quantity: Quantity, layer: usize) -> String {
    let Some(l) = report.layers.get(layer) else { return String::new() };
    let m = quantity.moments(l);
    let mut text = format!(
        "Layer {} of {}: σ = {}, mean = {}, from {} to {} ({} values)",
        l.layer,
        report.layers.len(),
        table_value(m.std, false),
        table_value(m.mean, false),
        table_value(m.min, false),
        table_value(m.max, false),
        m.count
    );
    if m.nonfinite > 0 {
        text.push_str(&format!("; {} not finite (overflowed)", m.nonfinite));
    }
    text.push('.');
    text
}

/// The std chart's readout: every std of one layer, measured and predicted.
#[must_use]
pub fn std_readout(report: &Report, layer: usize) -> String {
    let Some(l) = report.layers.get(layer.saturating_sub(1)) else { return String::new() };
    let v = |x: f64| table_value(x, false);
    format!(
        "Layer {} of {}: σ of z {}, of a {} (across samples {}), of ∂L/∂a {}, of ∂L/∂W {}; theory: z {}, a {}.",
        l.layer,
        report.layers.len(),
        v(l.preact.std),
        v(l.act.std),
        v(l.act_sample_std),
        v(l.act_grad.std),
        v(l.grad.std),
        v(l.pred_preact_std),
        v(l.pred_act_std)
    )
}

/// The device pixel column of CSS x on canvas `id`, with the canvas width.
#[must_use]
pub fn canvas_column(id: &str, x_css: f64) -> Option<(u32, i32, Style)> {
    let canvas = by_id(id)?.dyn_into::<HtmlCanvasElement>().ok()?;
    let kx = f64::from(canvas.width()) / f64::from(canvas.client_width().max(1));
    Some((canvas.width(), (x_css * kx).round() as i32, style()))
}

/// The canvas of a ridgeline's (CSS px) y on it in device pixels, with the canvas's size.
#[must_use]
pub fn canvas_point(id: &str, y_css: f64) -> Option<((u32, u32), i32, Style)> {
    let canvas = by_id(id)?.dyn_into::<HtmlCanvasElement>().ok()?;
    let ky = f64::from(canvas.height()) / f64::from(canvas.client_height().max(1));
    Some(((canvas.width(), canvas.height()), (y_css * ky).round() as i32, style()))
}

/// Fills `#layer-stats` (the columns of [`STATS`] shown in the table).
pub fn table(report: &Report) {
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
    if let Some(body) = by_id("layer-stats").and_then(|t| t.query_selector("tbody").ok().flatten()) {
        body.set_inner_html(&html);
    }
}

/// The verdict, the formula and the numbers of the first two layers.
pub fn text(config: &Config, report: &Report) {
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
    set_html("verdict", &html);
    let (summary, detail) = theory_html(config, report);
    set_html("theory", &summary);
    set_html("theory-detail", &detail);
    let spec = config.init_spec();
    let shape = config.shape();
    let first = formula::numbers(&spec, shape.input, shape.width, config.act);
    let rest = formula::numbers(&spec, shape.width, shape.width, config.act);
    let numbers = if shape.input == shape.width || config.depth == 1 {
        format!("<p>Here: {}</p>", escape(&rest))
    } else {
        format!("<p>Layer 1: {}. Layers 2–{}: {}</p>", escape(&first), config.depth, escape(&rest))
    };
    let gain_note: String = formula::notes(&spec, config.act, config.bn).iter().map(|n| format!("<p>{}</p>", escape(n))).collect();
    set_html(
        "formula",
        &format!(
            "<p><strong>{}</strong> — meant for {}.</p>{}{numbers}{gain_note}<p>Activation {}: {}.</p>",
            escape(config.init.id()),
            escape(config.init.meant_for()),
            formula::mathml(&spec),
            escape(config.act.id()),
            escape(config.act.describe())
        ),
    );
    let loss_note = if config.input.classes() == 0 {
        "Backward pass: mean squared error of the single linear output against seeded random targets t ∼ N(0, 1)."
    } else {
        "Backward pass: softmax cross-entropy of the output layer (one unit per class) against the labels."
    };
    super::dom::set_text("loss-note", loss_note);
}

/// After a configuration that cannot be shown: the previous verdict, formula and table are
/// removed and the previous charts marked stale, so nothing on the page describes another setting.
pub fn clear_results() {
    set_html("verdict", "");
    set_html("formula", "");
    if let Some(body) = by_id("layer-stats").and_then(|t| t.query_selector("tbody").ok().flatten()) {
        body.set_inner_html("");
    }
    if let Some(charts) = by_id("charts") {
        let _ = charts.class_list().add_1("stale");
    }
}

/// A new report is shown: the charts are current again.
pub fn mark_current() {
    if let Some(charts) = by_id("charts") {
        let _ = charts.class_list().remove_1("stale");
    }
}

/// Shows what in the URL was not used as written.
pub fn notices(notices: &[Notice]) {
    if notices.is_empty() {
        set_hidden("notices", true);
        return;
    }
    let items: String = notices.iter().map(|n| format!("<li><code>{}</code>: {}</li>", escape(&n.key), escape(&n.message))).collect();
    set_html("notices", &format!("Some settings in the link were adjusted:<ul>{items}</ul>"));
    set_hidden("notices", false);
}
