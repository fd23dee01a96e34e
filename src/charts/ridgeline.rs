//! A ridgeline of per-layer histograms (layer 1 at the top), in the style of Glorot & Bengio
//! (2010), figures 6 and 7, readable at depth 100: ridges overlap, each scaled to its own peak.

use super::{axis_label, background, layer_ticks, ChartError, Frame, Style};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What to draw: one histogram (bin counts) per layer over a shared range.
#[derive(Debug, Clone, PartialEq)]
pub struct Ridges<'a> {
    pub title: &'a str,
    /// counts[layer][bin]
    pub counts: Vec<&'a [u32]>,
    pub range: (f64, f64),
    /// Per layer, the std to print at the right (or `None`).
    pub stds: Vec<Option<f64>>,
    pub color: RGBColor,
    /// Per layer, the values not drawn: below the range, above it, and not finite.
    pub left_out: Vec<LeftOut>,
}

/// A layer's values that a histogram over the shared range cannot show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeftOut {
    pub below: u64,
    pub above: u64,
    pub nonfinite: u64,
    /// Every value of the layer, drawn or not.
    pub total: u64,
}

impl LeftOut {
    /// The values of a histogram that lie outside its bins.
    #[must_use]
    pub fn of(h: &crate::math::stats::Histogram) -> Self {
        LeftOut { below: u64::from(h.below), above: u64::from(h.above), nonfinite: u64::from(h.nonfinite), total: h.total() }
    }

    fn count(&self) -> u64 {
        self.below + self.above + self.nonfinite
    }
}

/// The plot frame of a ridgeline on an area of `dim` device pixels.
#[must_use]
pub fn frame(dim: (u32, u32), s: &Style) -> Frame {
    Frame::inset(dim, s, 44.0, 34.0, 66.0, 26.0)
}

/// Row spacing and ridge height of `depth` layers in frame `f` (device pixels): in deep networks
/// ridges rise up to 2.5 rows above their baseline (overlap keeps 100 layers readable); in
/// shallow ones less, so each stays distinct. Returns (row, overlap in rows).
fn rows(f: &Frame, depth: usize) -> (f64, f64) {
    let overlap = (0.25 * depth as f64).clamp(0.9, 2.5);
    (f.height() / (depth as f64 - 1.0 + overlap + 0.15), overlap)
}

/// The layer (0-based) whose ridge is at device pixel row `y` of a ridgeline of `depth` layers on
/// an area of `dim`: the one whose baseline is the first at or below `y` (a tap on a ridge, or
/// just under it, picks it). `None` outside the plot.
#[must_use]
pub fn layer_at(dim: (u32, u32), s: &Style, depth: usize, y: i32) -> Option<usize> {
    let f = frame(dim, s);
    if depth == 0 || y < f.top || y > f.bottom + s.px(4.0) {
        return None;
    }
    let (row, overlap) = rows(&f, depth);
    let l = (f64::from(y - f.top) / row - overlap).ceil().max(0.0) as usize;
    Some(l.min(depth - 1))
}

/// Draws the ridgeline.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Ridges<'_>, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, r.title)?;
    let f = frame(area.dim_in_pixel(), s);
    let depth = r.counts.len();
    if depth == 0 {
        return Ok(());
    }
    let t = &s.theme;
    // Axis: x range labels and a zero line.
    let (lo, hi) = r.range;
    let xt = |x: f64| f.x(((x - lo) / (hi - lo)).clamp(0.0, 1.0));
    for x in [lo, if lo < 0.0 && hi > 0.0 { 0.0 } else { f64::NAN }, hi] {
        if x.is_finite() {
            area.draw(&PathElement::new(vec![(xt(x), f.top), (xt(x), f.bottom)], t.grid.stroke_width(1)))?;
            area.draw(&Text::new(axis_label(x), (xt(x), f.bottom + s.px(4.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
        }
    }
    let (row, overlap) = rows(&f, depth);
    let amp = row * overlap;
    let ticks = layer_ticks(depth, (f.height() / (14.0 * s.scale)).floor().max(2.0) as usize);
    for (l, counts) in r.counts.iter().enumerate() {
        let base = f.top as f64 + row * (l as f64 + overlap);
        // For one-signed quantities (ReLU outputs, range [0, r]) the first bin holds the exact zeros,
        // often half the mass: it is clipped so the shape of the positive part stays readable.
        let rest = if lo == 0.0 && counts.len() > 1 { &counts[1..] } else { &counts[..] };
        let peak = rest.iter().copied().max().unwrap_or(0).max(1) as f64;
        let n = counts.len();
        // Step outline with runs of equal bins merged: a spike over empty bins costs a handful
        // of points, not 2·bins (each point is a call into the canvas).
        let base_y = base.round() as i32;
        let height = |c: u32| (base - amp * (f64::from(c) / peak).min(1.15)).round() as i32;
        let mut pts: Vec<(i32, i32)> = Vec::with_capacity(2 * n + 2);
        pts.push((f.left, base_y));
        let mut y_prev = base_y;
        for (i, &c) in counts.iter().enumerate() {
            let y = height(c);
            if y != y_prev {
                let x0 = f.x(i as f64 / n as f64);
                pts.push((x0, y_prev));
                pts.push((x0, y));
                y_prev = y;
            }
        }
        pts.push((f.right, y_prev));
        pts.push((f.right, base_y));
        // Fade from full colour (layer 1) a little towards the foreground, so order reads.
        let k = if depth > 1 { l as f64 / (depth - 1) as f64 } else { 0.0 };
        let mix = |a: u8, b: u8, w: f64| (f64::from(a) * (1.0 - w) + f64::from(b) * w).round() as u8;
        let line = RGBColor(
            mix(r.color.0, t.foreground.0, 0.45 * k),
            mix(r.color.1, t.foreground.1, 0.45 * k),
            mix(r.color.2, t.foreground.2, 0.45 * k),
        );
        // One opaque fill (a 28% tint of the line colour over the background) hides the ridges
        // behind it; then one stroke over the ridge's support only.
        let fill = RGBColor(mix(t.background.0, line.0, 0.28), mix(t.background.1, line.1, 0.28), mix(t.background.2, line.2, 0.28));
        area.draw(&Polygon::new(pts.clone(), fill.filled()))?;
        let first = pts.iter().position(|p| p.1 != base_y).map_or(0, |i| i - 1);
        let last = pts.iter().rposition(|p| p.1 != base_y).map_or(pts.len() - 1, |i| i + 1);
        let outline: Vec<(i32, i32)> = if last > first { pts[first..=last].to_vec() } else { pts };
        area.draw(&PathElement::new(outline, line.stroke_width(s.px(1.0).max(1) as u32)))?;
        if ticks.contains(&(l + 1)) {
            let y = base.round() as i32;
            area.draw(&Text::new(format!("{}", l + 1), (f.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
            if let Some(Some(sd)) = r.stds.get(l) {
                let label = if sd.is_finite() { format!("σ {}", super::sig2(*sd)) } else { "σ —".to_string() };
                area.draw(&Text::new(label, (f.right + s.px(9.0), y), s.text(11.0, t.muted, HPos::Left, VPos::Center)))?;
            }
        }
        // Values beyond the axis: a mark at the edge they fall off (◀ below, ▶ above).
        if let Some(out) = r.left_out.get(l) {
            let (y, h) = (base.round() as i32 - s.px(4.0), s.px(3.5));
            if out.below > 0 {
                area.draw(&Polygon::new(vec![(f.left, y - h), (f.left, y + h), (f.left - h - 1, y)], line.filled()))?;
            }
            if out.above > 0 {
                area.draw(&Polygon::new(vec![(f.right, y - h), (f.right, y + h), (f.right + h + 1, y)], line.filled()))?;
            }
        }
    }
    area.draw(&Text::new("layer", (s.px(4.0), f.top + s.px(2.0)), s.text(11.0, t.muted, HPos::Left, VPos::Top)))?;
    let (out, total, nonfinite) = r.left_out.iter().fold((0u64, 0u64, 0u64), |a, o| (a.0 + o.count(), a.1 + o.total, a.2 + o.nonfinite));
    if out > 0 {
        let share = 100.0 * out as f64 / total.max(1) as f64;
        let share = if share < 0.1 { "<0.1".to_string() } else { format!("{share:.1}") };
        let what = if nonfinite > 0 {
            format!("{share}% not drawn ({nonfinite} not finite; ◀▶ beyond the axis)")
        } else {
            format!("{share}% beyond the axis ◀▶")
        };
        let at = (area.dim_in_pixel().0 as i32 - s.px(8.0), s.px(21.0));
        area.draw(&Text::new(what, at, s.text(11.0, t.foreground, HPos::Right, VPos::Top)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Theme;

    /// A tap on each layer's baseline, or half a row above it inside its ridge, picks that layer.
    #[test]
    fn taps_pick_the_ridge_under_them() {
        let s = Style { theme: Theme::LIGHT, scale: 2.0 };
        let dim = (1200, 720);
        for depth in [1usize, 3, 10, 100] {
            let f = frame(dim, &s);
            let (row, overlap) = rows(&f, depth);
            for l in 0..depth {
                let base = f.top as f64 + row * (l as f64 + overlap);
                assert_eq!(layer_at(dim, &s, depth, base.floor() as i32), Some(l), "depth {depth}, layer {l} baseline");
                assert_eq!(layer_at(dim, &s, depth, (base - 0.5 * row).round() as i32), Some(l), "depth {depth}, layer {l} ridge");
            }
            assert_eq!(layer_at(dim, &s, depth, 0), None);
        }
    }
}
