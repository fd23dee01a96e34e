//! Charts of a training run over steps: loss and accuracy, the per-layer gradient norm as a
//! layer × step heatmap, the update-to-weight ratio per layer, percentile bands of weights and
//! gradients, and the classifier's decision regions or confusion matrix, one panel per run.

use super::lines::{decade_range, Marker};
use super::{axis_label, background, fit_title, layer_ticks, mix, ChartError, Frame, Style};
use crate::compute::lab::{ClassView, Points};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// A sequential colour scale (viridis, 5 stops): perceptually even and readable in grey.
#[must_use]
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [RGBColor; 5] =
        [RGBColor(68, 1, 84), RGBColor(59, 82, 139), RGBColor(33, 145, 140), RGBColor(94, 201, 98), RGBColor(253, 231, 37)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    mix(STOPS[i], STOPS[i + 1], x - i as f64)
}

/// One run's curves over steps.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCurves<'a> {
    pub name: &'a str,
    pub color: RGBColor,
    pub marker: Marker,
    /// (step, value): the mini-batch loss of recorded steps, and the whole-set evaluations.
    pub batch_loss: Vec<(f64, f64)>,
    pub train_loss: Vec<(f64, f64)>,
    pub test_loss: Vec<(f64, f64)>,
    pub train_acc: Vec<(f64, f64)>,
    pub test_acc: Vec<(f64, f64)>,
    /// The step it diverged at.
    pub diverged: Option<f64>,
}

/// Linear ticks: about `n` round values over [lo, hi].
#[must_use]
pub fn linear_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|&s| s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    (0..).map(|i| first + f64::from(i) * step).take_while(|&v| v <= hi + step * 1e-9).collect()
}

/// A step axis under `f` over [0, max].
fn step_axis<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &Frame, max: f64, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let t = &s.theme;
    let n = (f.width() / (70.0 * s.scale)).floor().max(2.0) as usize;
    for v in linear_ticks(0.0, max, n) {
        let x = f.x(v / max.max(1e-12));
        area.draw(&PathElement::new(vec![(x, f.bottom), (x, f.bottom + s.px(4.0))], t.muted.stroke_width(1)))?;
        area.draw(&Text::new(format!("{}", v.round()), (x, f.bottom + s.px(6.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
    }
    area.draw(&Text::new("step", (f.right, f.bottom + s.px(20.0)), s.text(11.0, t.muted, HPos::Right, VPos::Top)))?;
    area.draw(&PathElement::new(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)], t.muted.stroke_width(1)))?;
    Ok(())
}

/// A polyline through the finite points (broken at the others).
fn polyline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: impl Iterator<Item = Option<(i32, i32)>>,
    style: ShapeStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let mut run = Vec::new();
    for p in pts {
        match p {
            Some(p) => run.push(p),
            None => {
                if run.len() > 1 {
                    area.draw(&PathElement::new(std::mem::take(&mut run), style))?;
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        area.draw(&PathElement::new(run, style))?;
    }
    Ok(())
}

/// Loss (log axis, top) and accuracy (0–1, bottom, classifiers only) over steps, every run in
/// one chart: the whole training set solid, the test set thin with markers, the mini-batch loss faint.
pub fn loss<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, runs: &[RunCurves<'_>], max_step: f64, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, "Loss (log scale) and accuracy over training steps")?;
    let t = &s.theme;
    let dim = area.dim_in_pixel();
    // Legend: runs (if more than one), then the line kinds.
    let mut x = s.px(8.0);
    let mut row = 0;
    let mut legend = Vec::new();
    let names: Vec<String> = if runs.len() > 1 { runs.iter().map(|r| r.name.to_string()).collect() } else { Vec::new() };
    for name in names.iter().map(String::as_str).chain(["train (whole set)", "test", "mini-batch"]) {
        let w = s.px(30.0 + 6.5 * name.chars().count() as f64);
        if x + w > dim.0 as i32 && x > s.px(8.0) {
            x = s.px(8.0);
            row += 1;
        }
        legend.push((name, x, s.px(32.0 + 16.0 * f64::from(row))));
        x += w;
    }
    let first = runs.first().map_or(t.series[0], |r| r.color);
    for (i, (name, x, y)) in legend.iter().enumerate() {
        let (x, y) = (*x, *y);
        if i < names.len() {
            let r = &runs[i];
            area.draw(&PathElement::new(vec![(x, y), (x + s.px(16.0), y)], r.color.stroke_width(s.px(2.0) as u32)))?;
            r.marker.draw_at(area, (x + s.px(8.0), y), s.px(3.5), r.color)?;
        } else {
            let kind = i - names.len();
            let color = if runs.len() > 1 { t.muted } else { first };
            let (w, faint) = match kind {
                0 => (2.0, false),
                1 => (1.0, false),
                _ => (1.0, true),
            };
            let c = if faint { mix(t.background, color, 0.45) } else { color };
            area.draw(&PathElement::new(vec![(x, y), (x + s.px(16.0), y)], c.stroke_width(s.px(w).max(1) as u32)))?;
            if kind == 1 {
                area.draw(&Rectangle::new([(x + s.px(6.0), y - s.px(2.5)), (x + s.px(11.0), y + s.px(2.5))], c.filled()))?;
            }
        }
        area.draw(&Text::new(name.to_string(), (x + s.px(20.0), y), s.text(11.0, t.foreground, HPos::Left, VPos::Center)))?;
    }
    let top = 48.0 + 16.0 * f64::from(row);
    let classifier = runs.iter().any(|r| !r.train_acc.is_empty());
    let (h, _) = (f64::from(dim.1) / s.scale, ());
    let split = if classifier { top + (h - top - 34.0) * 0.62 } else { h - 34.0 };
    let fl = Frame::inset(dim, s, 52.0, top, 14.0, h - split + if classifier { 16.0 } else { 0.0 });
    let max_step = max_step.max(1.0);
    let tx = |step: f64| step / max_step;
    let (a, b) = decade_range(runs.iter().flat_map(|r| r.batch_loss.iter().chain(&r.train_loss).chain(&r.test_loss).map(|p| p.1)));
    let (a, b) = (f64::from(a), f64::from(b));
    let ty = |v: f64| (v.log10() - a) / (b - a);
    let every = ((b - a) / 4.0).ceil().max(1.0) as i32;
    for e in (a as i32..=b as i32).step_by(every as usize) {
        let y = fl.y(ty(10f64.powi(e)));
        area.draw(&PathElement::new(vec![(fl.left, y), (fl.right, y)], t.grid.stroke_width(1)))?;
        area.draw(&Text::new(axis_label(10f64.powi(e)), (fl.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    area.draw(&PathElement::new(vec![(fl.left, fl.top), (fl.left, fl.bottom), (fl.right, fl.bottom)], t.muted.stroke_width(1)))?;
    let place = |f: &Frame, ty: &dyn Fn(f64) -> f64, (step, v): (f64, f64)| {
        (v.is_finite() && ty(v).is_finite()).then(|| (f.x(tx(step)), f.y(ty(v).clamp(-0.02, 1.02))))
    };
    for r in runs {
        let faint = mix(t.background, r.color, 0.4);
        polyline(area, r.batch_loss.iter().map(|&p| place(&fl, &ty, p)), faint.stroke_width(s.px(1.0).max(1) as u32))?;
        polyline(area, r.train_loss.iter().map(|&p| place(&fl, &ty, p)), r.color.stroke_width(s.px(2.0) as u32))?;
        polyline(area, r.test_loss.iter().map(|&p| place(&fl, &ty, p)), r.color.stroke_width(s.px(1.0).max(1) as u32))?;
        for &p in &r.test_loss {
            if let Some((x, y)) = place(&fl, &ty, p) {
                area.draw(&Rectangle::new([(x - s.px(2.0), y - s.px(2.0)), (x + s.px(2.0), y + s.px(2.0))], r.color.filled()))?;
            }
        }
        if let Some(&last) = r.train_loss.last() {
            if let Some(p) = place(&fl, &ty, last) {
                r.marker.draw_at(area, p, s.px(3.5), r.color)?;
            }
        }
        if let Some(step) = r.diverged {
            let x = fl.x(tx(step));
            area.draw(&PathElement::new(vec![(x, fl.top), (x, fl.bottom)], r.color.stroke_width(s.px(1.5) as u32)))?;
            area.draw(&Text::new(
                format!("× diverged at {step}"),
                (x + s.px(4.0), fl.top + s.px(2.0)),
                s.text(11.0, t.foreground, HPos::Left, VPos::Top),
            ))?;
        }
    }
    area.draw(&Text::new("loss", (s.px(6.0), fl.top - s.px(12.0)), s.text(11.0, t.muted, HPos::Left, VPos::Center)))?;
    if classifier {
        let fa = Frame::inset(dim, s, 52.0, split + 8.0, 14.0, 34.0);
        for v in [0.0, 0.5, 1.0] {
            let y = fa.y(v);
            area.draw(&PathElement::new(vec![(fa.left, y), (fa.right, y)], t.grid.stroke_width(1)))?;
            area.draw(&Text::new(axis_label(v), (fa.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
        }
        area.draw(&Text::new("accuracy", (s.px(6.0), fa.top - s.px(2.0)), s.text(11.0, t.muted, HPos::Left, VPos::Bottom)))?;
        let lin = |v: f64| v;
        for r in runs {
            polyline(area, r.train_acc.iter().map(|&p| place(&fa, &lin, p)), r.color.stroke_width(s.px(2.0) as u32))?;
            polyline(area, r.test_acc.iter().map(|&p| place(&fa, &lin, p)), r.color.stroke_width(s.px(1.0).max(1) as u32))?;
            for &p in &r.test_acc {
                if let Some((x, y)) = place(&fa, &lin, p) {
                    area.draw(&Rectangle::new([(x - s.px(2.0), y - s.px(2.0)), (x + s.px(2.0), y + s.px(2.0))], r.color.filled()))?;
                }
            }
        }
        step_axis(area, &fa, max_step, s)?;
    } else {
        step_axis(area, &fl, max_step, s)?;
    }
    Ok(())
}

/// A value per (recorded step, layer).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid<'a> {
    pub title: &'a str,
    /// What the colour encodes, for the colour bar ("log₁₀ ‖∂L/∂W‖").
    pub unit: &'a str,
    pub steps: Vec<f64>,
    /// values[record][layer], already on the scale coloured (e.g. log₁₀).
    pub values: Vec<Vec<f64>>,
}

/// A layer × step heatmap: layer 1 at the top, steps left to right, colour by value (viridis
/// over the finite range); a value that is not finite is drawn in the negative colour.
pub fn heatmap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, g: &Grid<'_>, max_step: f64, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, g.title)?;
    let t = &s.theme;
    let dim = area.dim_in_pixel();
    let f = Frame::inset(dim, s, 52.0, 56.0, 14.0, 34.0);
    let layers = g.values.iter().map(Vec::len).max().unwrap_or(0);
    let finite = || g.values.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) = (finite().fold(f64::INFINITY, f64::min), finite().fold(f64::NEG_INFINITY, f64::max));
    let (lo, hi) = if lo.is_finite() { (lo, if hi > lo { hi } else { lo + 1.0 }) } else { (0.0, 1.0) };
    // Colour bar.
    let bar = (s.px(8.0), s.px(30.0), s.px(128.0), s.px(40.0));
    for i in 0..60 {
        let x0 = bar.0 + (bar.2 - bar.0) * i / 60;
        let x1 = bar.0 + (bar.2 - bar.0) * (i + 1) / 60;
        area.draw(&Rectangle::new([(x0, bar.1), (x1 + 1, bar.3)], viridis(f64::from(i) / 59.0).filled()))?;
    }
    let label = format!("{} … {}  {}", super::sig2(lo), super::sig2(hi), g.unit);
    area.draw(&Text::new(label, (bar.2 + s.px(6.0), (bar.1 + bar.3) / 2), s.text(11.0, t.foreground, HPos::Left, VPos::Center)))?;
    if layers == 0 || g.steps.is_empty() {
        return step_axis(area, &f, max_step.max(1.0), s);
    }
    let max_step = max_step.max(1.0);
    let row_h = f.height() / layers as f64;
    for (k, (col, &step)) in g.values.iter().zip(&g.steps).enumerate() {
        let next = g.steps.get(k + 1).copied().unwrap_or(step + (step - if k > 0 { g.steps[k - 1] } else { 0.0 }).max(1.0));
        let (x0, x1) = (f.x(step / max_step), f.x((next / max_step).min(1.0)).max(f.x(step / max_step) + 1));
        for (l, &v) in col.iter().enumerate() {
            let y0 = f.top + (l as f64 * row_h).round() as i32;
            let y1 = f.top + ((l + 1) as f64 * row_h).round() as i32;
            let c = if v.is_finite() { viridis((v - lo) / (hi - lo)) } else { t.negative };
            area.draw(&Rectangle::new([(x0, y0), (x1, y1.max(y0 + 1))], c.filled()))?;
        }
    }
    for l in layer_ticks(layers, (f.height() / (16.0 * s.scale)).floor().max(2.0) as usize) {
        let y = f.top + ((l as f64 - 0.5) * row_h).round() as i32;
        let name = if l == layers { "out".to_string() } else { l.to_string() };
        area.draw(&Text::new(name, (f.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    area.draw(&Text::new("layer", (s.px(6.0), f.top - s.px(4.0)), s.text(11.0, t.muted, HPos::Left, VPos::Bottom)))?;
    step_axis(area, &f, max_step, s)
}

/// Lines per layer over steps (the update-to-weight ratio), coloured from the first layer to the
/// output, with a reference band.
pub fn layer_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &Grid<'_>,
    reference: (f64, f64, &str),
    max_step: f64,
    s: &Style,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, g.title)?;
    let t = &s.theme;
    let dim = area.dim_in_pixel();
    let f = Frame::inset(dim, s, 52.0, 56.0, 14.0, 34.0);
    let layers = g.values.iter().map(Vec::len).max().unwrap_or(0);
    let finite = || g.values.iter().flatten().copied().filter(|v| v.is_finite());
    let lo = finite().fold(reference.0, f64::min).floor().max(-12.0);
    let hi = finite().fold(reference.1, f64::max).ceil().min(6.0);
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let ty = |v: f64| (v - lo) / (hi - lo);
    let (first, last) = (t.series[0], t.series[1]);
    // Legend: the colour ramp and the reference.
    let (x, y) = (s.px(8.0), s.px(35.0));
    for i in 0..20 {
        let c = mix(first, last, f64::from(i) / 19.0);
        area.draw(&Rectangle::new([(x + s.px(2.0) * i, y - s.px(4.0)), (x + s.px(2.0) * (i + 1), y + s.px(4.0))], c.filled()))?;
    }
    area.draw(&Text::new(
        format!("layer 1 → output;  {}", reference.2),
        (x + s.px(46.0), y),
        s.text(11.0, t.foreground, HPos::Left, VPos::Center),
    ))?;
    let band = mix(t.background, t.series[2], 0.25);
    area.draw(&Rectangle::new([(f.left, f.y(ty(reference.1))), (f.right, f.y(ty(reference.0)))], band.filled()))?;
    for v in linear_ticks(lo, hi, 5) {
        let yy = f.y(ty(v));
        area.draw(&PathElement::new(vec![(f.left, yy), (f.right, yy)], t.grid.stroke_width(1)))?;
        area.draw(&Text::new(axis_label(v), (f.left - s.px(6.0), yy), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    area.draw(&Text::new(g.unit, (s.px(6.0), f.top - s.px(4.0)), s.text(11.0, t.muted, HPos::Left, VPos::Bottom)))?;
    let max_step = max_step.max(1.0);
    for l in 0..layers {
        let c = mix(first, last, if layers > 1 { l as f64 / (layers - 1) as f64 } else { 0.0 });
        let pts = g.steps.iter().zip(&g.values).map(|(&step, col)| {
            col.get(l).copied().filter(|v| v.is_finite()).map(|v| (f.x(step / max_step), f.y(ty(v).clamp(-0.02, 1.02))))
        });
        polyline(area, pts, c.stroke_width(s.px(1.5).max(1) as u32))?;
    }
    step_axis(area, &f, max_step, s)
}

/// One layer's percentile bands over steps.
#[derive(Debug, Clone, PartialEq)]
pub struct BandPanel {
    pub name: String,
    pub steps: Vec<f64>,
    /// The 9 percentiles at each step.
    pub bands: Vec<[f32; 9]>,
}

/// Panels of percentile bands (TensorBoard's distributions), in a grid of `cols` columns: the
/// 0–100, 6.7–93.3, 15.9–84.1 and 30.9–69.1 percentile bands shaded darker inward, the median a line.
pub fn bands<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[BandPanel],
    color: RGBColor,
    max_step: f64,
    s: &Style,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, title)?;
    let t = &s.theme;
    let (w, h) = area.dim_in_pixel();
    // Every panel in one row if each gets 150 CSS px, else as few rows as fit, filled evenly.
    let n = panels.len().max(1);
    let fit = ((f64::from(w) / s.scale / 150.0).floor() as usize).max(1);
    let cols = if n <= fit { n } else { n.div_ceil(n.div_ceil(fit)) };
    let rows = panels.len().div_ceil(cols).max(1);
    let top = s.px(28.0) as u32;
    let cell = (w / cols as u32, (h.saturating_sub(top)) / rows as u32);
    let max_step = max_step.max(1.0);
    for (i, p) in panels.iter().enumerate() {
        let (c, r) = ((i % cols) as u32, (i / cols) as u32);
        let sub = area.clone().shrink((c * cell.0, top + r * cell.1), cell);
        let f = Frame::inset(cell, s, 46.0, 20.0, 8.0, 30.0);
        sub.draw(&Text::new(
            fit_title(&p.name, f64::from(cell.0) / s.scale - 10.0),
            (s.px(6.0), s.px(2.0)),
            s.text(11.0, t.foreground, HPos::Left, VPos::Top),
        ))?;
        let finite = || p.bands.iter().flat_map(|b| b.iter().copied()).filter(|v| v.is_finite()).map(f64::from);
        let (lo, hi) = (finite().fold(f64::INFINITY, f64::min), finite().fold(f64::NEG_INFINITY, f64::max));
        if !lo.is_finite() {
            sub.draw(&Text::new("no finite values", (f.x(0.5), f.y(0.5)), s.text(11.0, t.foreground, HPos::Center, VPos::Center)))?;
            continue;
        }
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1e-3 - lo.abs() * 0.01, hi + 1e-3 + hi.abs() * 0.01) };
        let ty = |v: f32| (f64::from(v) - lo) / (hi - lo);
        for v in [lo, (lo + hi) / 2.0, hi] {
            let y = f.y((v - lo) / (hi - lo));
            sub.draw(&PathElement::new(vec![(f.left, y), (f.right, y)], t.grid.stroke_width(1)))?;
            sub.draw(&Text::new(super::sig2(v), (f.left - s.px(4.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
        }
        for (k, shade) in [(0usize, 0.18), (1, 0.32), (2, 0.48), (3, 0.66)] {
            let tint = mix(t.background, color, shade);
            for j in 1..p.steps.len() {
                let (a, b) = (&p.bands[j - 1], &p.bands[j]);
                if [a[k], a[8 - k], b[k], b[8 - k]].iter().all(|v| v.is_finite()) {
                    let (x0, x1) = (f.x(p.steps[j - 1] / max_step), f.x(p.steps[j] / max_step));
                    let quad = vec![(x0, f.y(ty(a[k]))), (x1, f.y(ty(b[k]))), (x1, f.y(ty(b[8 - k]))), (x0, f.y(ty(a[8 - k])))];
                    sub.draw(&Polygon::new(quad, tint.filled()))?;
                }
            }
        }
        let median = p.steps.iter().zip(&p.bands).map(|(&st, b)| b[4].is_finite().then(|| (f.x(st / max_step), f.y(ty(b[4])))));
        polyline(&sub, median, color.stroke_width(s.px(1.5).max(1) as u32))?;
        sub.draw(&PathElement::new(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)], t.muted.stroke_width(1)))?;
        sub.draw(&Text::new("0", (f.left, f.bottom + s.px(4.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
        sub.draw(&Text::new(format!("{max_step} steps"), (f.right, f.bottom + s.px(4.0)), s.text(11.0, t.muted, HPos::Right, VPos::Top)))?;
    }
    Ok(())
}

/// One run's panel of the classifier view.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassPanel<'a> {
    pub name: String,
    pub view: &'a ClassView,
    pub points: Option<&'a Points>,
}

/// Decision regions with the data (train filled, test hollow), or confusion matrices, one panel
/// per run.
pub fn classes<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panels: &[ClassPanel<'_>], s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let confusion = panels.iter().any(|p| matches!(p.view, ClassView::Confusion { .. }));
    let title = if confusion {
        "Confusion matrix of the test set: rows true digit, columns predicted"
    } else {
        "Decision regions: colour is the predicted class, paler where less sure; ● train, ○ test"
    };
    background(area, s, title)?;
    let t = &s.theme;
    let (w, h) = area.dim_in_pixel();
    let top = s.px(26.0) as u32;
    let n = panels.len().max(1);
    // As many columns as give the largest panels (the fewest on a tie).
    let avail = (f64::from(w), f64::from(h.saturating_sub(top)));
    let side = |c: usize| (avail.0 / c as f64).min(avail.1 / n.div_ceil(c) as f64);
    let cols = (1..=n).fold(1, |best, c| if side(c) > side(best) + 0.5 { c } else { best });
    let rows = n.div_ceil(cols);
    let cell = (w / cols as u32, h.saturating_sub(top) / rows as u32);
    for (i, p) in panels.iter().enumerate() {
        let (c, r) = ((i % cols) as u32, (i / cols) as u32);
        let sub = area.clone().shrink((c * cell.0, top + r * cell.1), cell);
        sub.draw(&Text::new(
            fit_title(&p.name, f64::from(cell.0) / s.scale - 12.0),
            (s.px(8.0), s.px(2.0)),
            s.text(11.0, t.foreground, HPos::Left, VPos::Top),
        ))?;
        let side = (i32::try_from(cell.0).unwrap_or(0) - s.px(16.0)).min(i32::try_from(cell.1).unwrap_or(0) - s.px(22.0)).max(s.px(20.0));
        let (x0, y0) = (s.px(8.0) + (i32::try_from(cell.0).unwrap_or(0) - s.px(16.0) - side) / 2, s.px(18.0));
        match p.view {
            ClassView::Boundary { extent, class, prob } => {
                let g = (class.len() as f64).sqrt().round() as usize;
                let classes =
                    class.iter().copied().max().unwrap_or(0).max(p.points.map_or(0, |pt| pt.labels.iter().copied().max().unwrap_or(0)))
                        as usize
                        + 1;
                let chance = 1.0 / classes.max(2) as f64;
                for (k, (&cl, &pr)) in class.iter().zip(prob).enumerate() {
                    let (gr, gc) = (k / g.max(1), k % g.max(1));
                    let (a, b) = (x0 + side * gc as i32 / g as i32, y0 + side * gr as i32 / g as i32);
                    let (a1, b1) = (x0 + side * (gc as i32 + 1) / g as i32, y0 + side * (gr as i32 + 1) / g as i32);
                    let conf = ((f64::from(pr) / 255.0 - chance) / (1.0 - chance)).clamp(0.0, 1.0);
                    let col = mix(t.background, t.series[usize::from(cl) % t.series.len()], 0.12 + 0.5 * conf);
                    sub.draw(&Rectangle::new([(a, b), (a1.max(a + 1), b1.max(b + 1))], col.filled()))?;
                }
                if let Some(pts) = p.points {
                    let to = |v: f32, lo: f32, hi: f32| f64::from((v - lo) / (hi - lo));
                    let r = s.px(2.5).max(2);
                    for ((xy, &l), &test) in pts.xy.iter().zip(&pts.labels).zip(&pts.test) {
                        let px = x0 + (to(xy[0], extent[0], extent[1]) * f64::from(side)).round() as i32;
                        let py = y0 + ((1.0 - to(xy[1], extent[2], extent[3])) * f64::from(side)).round() as i32;
                        let col = t.series[usize::from(l) % t.series.len()];
                        if test {
                            sub.draw(&Circle::new((px, py), r, col.stroke_width(s.px(1.25).max(1) as u32)))?;
                        } else {
                            sub.draw(&Circle::new((px, py), r, col.filled()))?;
                            sub.draw(&Circle::new((px, py), r, t.foreground.mix(0.5).stroke_width(1)))?;
                        }
                    }
                }
                sub.draw(&Rectangle::new([(x0, y0), (x0 + side, y0 + side)], t.muted.stroke_width(1)))?;
            }
            ClassView::Confusion { classes, counts } => {
                let k = (*classes).max(1);
                let label_w = s.px(14.0);
                let side = side - label_w;
                let (x0, y0) = (x0 + label_w, y0 + label_w);
                for tr in 0..k {
                    let row_total: u32 = counts[tr * k..(tr + 1) * k].iter().sum();
                    for pr in 0..k {
                        let n = counts[tr * k + pr];
                        let frac = if row_total > 0 { f64::from(n) / f64::from(row_total) } else { 0.0 };
                        let hue = if tr == pr { t.series[2] } else { t.negative };
                        let col = mix(t.background, hue, if n == 0 { 0.0 } else { 0.15 + 0.85 * frac });
                        let (a, b) = (x0 + side * pr as i32 / k as i32, y0 + side * tr as i32 / k as i32);
                        let (a1, b1) = (x0 + side * (pr as i32 + 1) / k as i32, y0 + side * (tr as i32 + 1) / k as i32);
                        sub.draw(&Rectangle::new([(a, b), (a1, b1)], col.filled()))?;
                        sub.draw(&Rectangle::new([(a, b), (a1, b1)], t.grid.stroke_width(1)))?;
                        if n > 0 && (a1 - a) >= s.px(16.0) {
                            let ink = if frac > 0.55 { t.background } else { t.foreground };
                            sub.draw(&Text::new(
                                n.to_string(),
                                ((a + a1) / 2, (b + b1) / 2),
                                s.text(11.0, ink, HPos::Center, VPos::Center),
                            ))?;
                        }
                    }
                    let yc = y0 + side * (2 * tr as i32 + 1) / (2 * k as i32);
                    sub.draw(&Text::new(tr.to_string(), (x0 - s.px(4.0), yc), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
                    let xc = x0 + side * (2 * tr as i32 + 1) / (2 * k as i32);
                    sub.draw(&Text::new(tr.to_string(), (xc, y0 - s.px(2.0)), s.text(11.0, t.muted, HPos::Center, VPos::Bottom)))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_ticks() {
        assert_eq!(linear_ticks(0.0, 1000.0, 5), vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        assert_eq!(linear_ticks(0.0, 3000.0, 4), vec![0.0, 1000.0, 2000.0, 3000.0]);
        assert_eq!(linear_ticks(-4.0, 0.0, 4), vec![-4.0, -3.0, -2.0, -1.0, 0.0]);
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), RGBColor(68, 1, 84));
    }
}
