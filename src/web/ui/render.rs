//! Draws a [`Report`] into the page: charts on canvases, the table, the verdict, the formula (the
//! HTML and the charts themselves come from [`crate::export::page`], which the build's pre-rendered first
//! view shares).

use crate::analysis::report::{Quantity, Report};
use crate::charts::{phase, Chart, ChartError, Style, Theme};
use crate::choice::Choice;
use crate::compute::experiment::WeightsPreview;
use crate::export::page;
use crate::format::{fmt_num, table_value};
use crate::math::stats::Histogram;
use crate::spec::config::{Config, Notice};
use crate::web::dom::{by_id, escape, prefers_dark, set_hidden, set_html, window};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

pub(crate) fn style() -> Style {
    Style { theme: if prefers_dark() { Theme::DARK } else { Theme::LIGHT }, scale: window().device_pixel_ratio().clamp(1.0, 4.0) }
}

/// Sizes a canvas to its CSS box times the device pixel ratio and draws on it.
pub(super) fn on_canvas(
    id: &str,
    s: &Style,
    label: &str,
    f: impl FnOnce(&DrawingArea<CanvasBackend, plotters::coord::Shift>) -> Result<(), ChartError>,
) -> Result<(), ChartError> {
    labelled(id, s, |area| f(area).map(|()| label.to_string()))
}

/// [`on_canvas`] for a drawing that returns its own text alternative (empty: leave it).
pub(crate) fn labelled(
    id: &str,
    s: &Style,
    f: impl FnOnce(&DrawingArea<CanvasBackend, plotters::coord::Shift>) -> Result<String, ChartError>,
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
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| ChartError("no 2-D context".into()))?;
    let area = backend.into_drawing_area();
    let label = f(&area)?;
    area.present()?;
    if !label.is_empty() {
        let _ = canvas.set_attribute("aria-label", &label);
    }
    drop_prerendered(&canvas);
    Ok(())
}

/// Removes the build's pre-rendered picture of this canvas's chart (a `.pre` sibling laid over
/// it, `src/bin/prerender.rs`) now that the canvas holds the chart: the box keeps its size, so
/// nothing moves.
fn drop_prerendered(canvas: &HtmlCanvasElement) {
    if let Some(pre) = canvas.previous_element_sibling().filter(|e| e.class_list().contains("pre")) {
        pre.remove();
    }
}

/// Draws the weights' ridgeline from a worker's preview, before the report: the same chart the
/// report draws (the preview is its weights, bit for bit).
pub fn weights_preview(config: &Config, p: &WeightsPreview) -> Result<(), ChartError> {
    let s = style();
    let stds: Vec<f64> = p.moments.iter().map(|m| m.std).collect();
    let hists: Vec<&Histogram> = p.hists.iter().collect();
    labelled(Chart::Ridgeline(Quantity::Weights).canvas_id(), &s, |area| {
        page::ridgeline(area, &s, config, Quantity::Weights, &hists, p.range, &stds)
    })
}

/// Draws one chart, so the page can draw one per task and never hold the main thread for long.
/// Its pre-rendered picture (the build's SVG of the first view, `src/bin/prerender.rs`) goes
/// once the canvas holds the same chart.
pub fn chart(config: &Config, report: &Report, chart: Chart) -> Result<(), ChartError> {
    let s = style();
    let id = chart.canvas_id();
    if chart == Chart::Network {
        set_hidden("net-figure", report.small_net.is_none() || !config.show.shows("net"));
        if report.small_net.is_none() {
            return Ok(());
        }
    }
    labelled(id, &s, |area| match page::chart(area, &s, config, report, chart)? {
        page::Drawn::Chart(label) => Ok(label),
        page::Drawn::Hidden => Ok(String::new()),
    })
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

/// Fills `#layer-stats`'s rows.
pub fn table(report: &Report) {
    fill("layer-stats-body", &page::table_body(report));
}

/// Sets an element's HTML; what the build pre-rendered there (`data-pre`) is replaced.
fn fill(id: &str, html: &str) {
    if let Some(el) = by_id(id) {
        el.set_inner_html(html);
        let _ = el.remove_attribute("data-pre");
    }
}

/// The verdict, the theory lines, the formula and the loss note.
pub fn text(config: &Config, report: &Report) {
    fill("verdict", &page::verdict(report));
    let (summary, detail) = page::theory(config, report);
    fill("theory", &summary);
    fill("theory-detail", &detail);
    fill("formula", &page::formula(config));
    crate::web::dom::set_text("loss-note", page::loss_note(config));
}

/// Whether the page holds the build's pre-rendered default view, shown (`www/first.js` did not
/// hide it): its text is already what [`text`] and [`table`] would write, so the first report
/// leaves it as it is. Asked once: the answer is false from then on.
pub fn take_prerendered() -> bool {
    let Some(body) = crate::web::dom::document().body() else { return false };
    let shown = body.get_attribute("data-prerendered").as_deref() == Some("default")
        && !crate::web::dom::document().document_element().is_some_and(|r| r.class_list().contains("not-default"));
    let _ = body.remove_attribute("data-prerendered");
    shown
}

/// After a configuration that cannot be shown: the previous verdict, formula and table are
/// removed and the previous charts marked stale, so nothing on the page describes another setting.
pub fn clear_results() {
    fill("verdict", "");
    fill("formula", "");
    fill("layer-stats-body", "");
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
