//! Per-layer line charts: a log axis for standard deviations (vanishing and exploding read as a
//! slope), a linear 0–1 axis for fractions.

use super::{axis_label, background, layer_ticks, mix, ChartError, Frame, Style};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One line: a value per layer (layer 1 first). A value the axis cannot place is not dropped:
/// on a log axis, 0 or a value below the lowest decade is marked ▼ on the bottom edge; a
/// non-finite value (an overflow) is marked × on the top edge; the line breaks at both.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
    pub color: RGBColor,
    /// Tells the series apart beside its colour (solid lines only: a dash half a layer long
    /// reads as a broken line at 3–10 layers).
    pub marker: Marker,
    /// A prediction: a thin line without markers, and no edge marks.
    pub thin: bool,
}

impl<'a> Series<'a> {
    /// A measured series.
    #[must_use]
    pub fn measured(name: &'a str, values: Vec<f64>, color: RGBColor, marker: Marker) -> Self {
        Series { name, values, color, marker, thin: false }
    }

    /// A predicted series (thin, no markers).
    #[must_use]
    pub fn predicted(name: &'a str, values: Vec<f64>, color: RGBColor) -> Self {
        Series { name, values, color, marker: Marker::Circle, thin: true }
    }
}

/// A shaded range per layer (lo, hi) behind the lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub name: String,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub color: RGBColor,
}

/// The shape drawn at each point of a series and in its legend swatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
}

impl Marker {
    /// One marker per series, in order.
    pub const ALL: [Marker; 5] = [Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Cross];

    /// Draws the marker centred at a point, radius `r` device pixels.
    pub fn draw_at<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
        at: (i32, i32),
        r: i32,
        color: RGBColor,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        self.draw(area, at, r, color)
    }

    fn draw<DB: DrawingBackend>(self, area: &DrawingArea<DB, Shift>, (x, y): (i32, i32), r: i32, color: RGBColor) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let fill = color.filled();
        match self {
            Marker::Circle => area.draw(&Circle::new((x, y), r, fill))?,
            Marker::Square => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], fill))?,
            Marker::Triangle => area.draw(&Polygon::new(vec![(x, y - r - 1), (x - r - 1, y + r), (x + r + 1, y + r)], fill))?,
            Marker::Diamond => area.draw(&Polygon::new(vec![(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)], fill))?,
            Marker::Cross => {
                let st = color.stroke_width((r / 2).max(1) as u32);
                area.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], st))?;
                area.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], st))?;
            }
        }
        Ok(())
    }
}

/// The y axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Axis {
    /// log₁₀, range fitted to whole decades of the data.
    Log,
    /// Linear over [lo, hi].
    Linear(f64, f64),
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines<'a> {
    pub title: &'a str,
    pub series: Vec<Series<'a>>,
    pub axis: Axis,
    /// Drawn first, under the series (e.g. the spread over seeds).
    pub band: Option<Band>,
}

fn usable(v: f64, axis: Axis) -> bool {
    v.is_finite() && (axis != Axis::Log || v > 0.0)
}

/// Decade range [10^a, 10^b] covering the positive finite values (at least one decade).
#[must_use]
pub fn decade_range(values: impl Iterator<Item = f64>) -> (i32, i32) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v.log10());
        hi = hi.max(v.log10());
    }
    if !lo.is_finite() {
        return (-1, 1);
    }
    let (a, mut b) = (lo.floor() as i32, hi.ceil() as i32);
    if b <= a {
        b = a + 1;
    }
    (a.max(-40), b.min(40).max(a.max(-40) + 1))
}

/// The layer (1-based) whose column is nearest device pixel column `x` of a chart of `depth`
/// layers on an area `width` device pixels wide (the plot spans 52 CSS px from the left to 14
/// from the right, as [`draw`] lays it out); `None` outside the plot.
#[must_use]
pub fn layer_at_x(width: u32, s: &Style, depth: usize, x: i32) -> Option<usize> {
    let f = Frame::inset((width, 100), s, 52.0, 0.0, 14.0, 0.0);
    if depth == 0 || x < f.left - s.px(8.0) || x > f.right + s.px(8.0) {
        return None;
    }
    if depth == 1 {
        return Some(1);
    }
    let t = (f64::from(x - f.left) / f.width()).clamp(0.0, 1.0);
    Some((t * (depth - 1) as f64).round() as usize + 1)
}

/// Draws the chart with a legend across the top.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &Lines<'_>, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, c.title)?;
    let t = &s.theme;
    // y axis
    let (ylo, yhi, log) = match c.axis {
        Axis::Log => {
            let band = c.band.iter().flat_map(|b| b.lo.iter().chain(&b.hi).copied());
            let (a, b) = decade_range(c.series.iter().flat_map(|s| s.values.iter().copied()).chain(band));
            (f64::from(a), f64::from(b), true)
        }
        Axis::Linear(lo, hi) => (lo, hi, false),
    };
    // What the axis cannot place: marked on its edges, and explained in the legend.
    let values = || c.series.iter().filter(|s| !s.thin).flat_map(|s| s.values.iter().copied());
    let floored = log && values().any(|v| v.is_finite() && (v <= 0.0 || v.log10() < ylo));
    let overflowed = values().any(|v| !v.is_finite());
    let notes: Vec<String> =
        [floored.then(|| format!("▼ 0 or below {}", axis_label(10f64.powf(ylo)))), overflowed.then(|| "× not finite".to_string())]
            .into_iter()
            .flatten()
            .collect();
    // Legend across the top, wrapping onto more rows when the chart is narrow (phones).
    let dim = area.dim_in_pixel();
    let mut placed = Vec::new();
    let (mut x, mut row) = (s.px(8.0), 0);
    // Legend entries: named series (a prediction's other lines share one entry), the band, notes.
    let named: Vec<&Series<'_>> = c.series.iter().filter(|se| !se.name.is_empty()).collect();
    let band_name = c.band.as_ref().map(|b| b.name.as_str());
    let labels = named.iter().map(|se| (se.name, 30.0)).chain(band_name.map(|n| (n, 30.0))).chain(notes.iter().map(|n| (n.as_str(), 8.0)));
    for (name, swatch) in labels {
        let w = s.px(swatch + 6.5 * name.chars().count() as f64);
        if x + w > dim.0 as i32 && x > s.px(8.0) {
            x = s.px(8.0);
            row += 1;
        }
        placed.push((x, s.px(32.0 + 16.0 * f64::from(row))));
        x += w;
    }
    let f = Frame::inset(dim, s, 52.0, 48.0 + 16.0 * f64::from(row), 14.0, 34.0);
    let depth = c.series.iter().map(|s| s.values.len()).max().unwrap_or(0);
    for (se, &(x, y)) in named.iter().zip(&placed) {
        let style = se.color.stroke_width(s.px(if se.thin { 1.0 } else { 2.0 }).max(1) as u32);
        area.draw(&PathElement::new(vec![(x, y), (x + s.px(16.0), y)], style))?;
        if !se.thin {
            se.marker.draw(area, (x + s.px(8.0), y), s.px(3.5), se.color)?;
        }
        area.draw(&Text::new(se.name.to_string(), (x + s.px(20.0), y), s.text(11.0, t.foreground, HPos::Left, VPos::Center)))?;
    }
    let mut rest = &placed[named.len()..];
    if let (Some(b), Some(&(x, y))) = (&c.band, rest.first()) {
        let tint = mix(s.theme.background, b.color, 0.3);
        area.draw(&Rectangle::new([(x, y - s.px(5.0)), (x + s.px(16.0), y + s.px(5.0))], tint.filled()))?;
        area.draw(&Text::new(b.name.clone(), (x + s.px(20.0), y), s.text(11.0, t.foreground, HPos::Left, VPos::Center)))?;
        rest = &rest[1..];
    }
    for (note, &(x, y)) in notes.iter().zip(rest) {
        area.draw(&Text::new(note.clone(), (x, y), s.text(11.0, t.foreground, HPos::Left, VPos::Center)))?;
    }
    let ty = |v: f64| -> f64 {
        let v = if log { v.log10() } else { v };
        (v - ylo) / (yhi - ylo)
    };
    let yticks: Vec<f64> = if log {
        let (a, b) = (ylo as i32, yhi as i32);
        let step = ((b - a) as f64 / 6.0).ceil().max(1.0) as i32;
        (a..=b).step_by(step as usize).map(|e| 10f64.powi(e)).collect()
    } else {
        (0..=4).map(|i| ylo + (yhi - ylo) * f64::from(i) / 4.0).collect()
    };
    for v in yticks {
        let y = f.y(ty(v));
        area.draw(&PathElement::new(vec![(f.left, y), (f.right, y)], t.grid.stroke_width(1)))?;
        area.draw(&Text::new(axis_label(v), (f.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    // x axis: layers
    let tx = |l: usize| if depth > 1 { (l - 1) as f64 / (depth - 1) as f64 } else { 0.5 };
    for l in layer_ticks(depth, (f.width() / (28.0 * s.scale)).floor().max(2.0) as usize) {
        let x = f.x(tx(l));
        area.draw(&PathElement::new(vec![(x, f.bottom), (x, f.bottom + s.px(4.0))], t.muted.stroke_width(1)))?;
        area.draw(&Text::new(format!("{l}"), (x, f.bottom + s.px(6.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
    }
    area.draw(&Text::new("layer", (f.right, f.bottom + s.px(20.0)), s.text(11.0, t.muted, HPos::Right, VPos::Top)))?;
    area.draw(&PathElement::new(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)], t.muted.stroke_width(1)))?;
    if !c.series.iter().any(|se| se.values.iter().any(|&v| usable(v, c.axis))) {
        let msg = if c.axis == Axis::Log { "every value is 0: nothing to show on a log axis" } else { "no values" };
        area.draw(&Text::new(msg, (f.x(0.5), f.y(0.5)), s.text(13.0, t.foreground, HPos::Center, VPos::Center)))?;
    }
    // Series: solid polylines broken where a value cannot be placed, a marker per layer (every
    // k-th layer when there are many), and edge marks for what the axis cannot show.
    if let Some(b) = &c.band {
        let tint = mix(t.background, b.color, 0.3);
        let place = |i: usize, v: f64| (f.x(tx(i + 1)), f.y(ty(v).clamp(-0.02, 1.02)));
        let ok = |i: usize| usable(b.lo[i], c.axis) && usable(b.hi[i], c.axis);
        for i in 0..b.lo.len().min(b.hi.len()) {
            if b.lo.len() == 1 && ok(0) {
                let (x, y0, y1) = (f.x(tx(1)), place(0, b.lo[0]).1, place(0, b.hi[0]).1);
                area.draw(&Rectangle::new([(x - s.px(4.0), y1), (x + s.px(4.0), y0)], tint.filled()))?;
            } else if i + 1 < b.lo.len() && ok(i) && ok(i + 1) {
                let quad = vec![place(i, b.lo[i]), place(i + 1, b.lo[i + 1]), place(i + 1, b.hi[i + 1]), place(i, b.hi[i])];
                area.draw(&Polygon::new(quad, tint.filled()))?;
            }
        }
    }
    let every = depth.div_ceil(30).max(1);
    for se in &c.series {
        let width = s.px(if se.thin { 1.25 } else { 2.0 }).max(1) as u32;
        let mut run: Vec<(i32, i32)> = Vec::new();
        let flush = |run: &mut Vec<(i32, i32)>| -> Result<(), ChartError> {
            if run.len() > 1 {
                area.draw(&PathElement::new(run.clone(), se.color.stroke_width(width)))?;
            }
            run.clear();
            Ok(())
        };
        for (i, &v) in se.values.iter().enumerate() {
            let x = f.x(tx(i + 1));
            let below = log && v.is_finite() && (v <= 0.0 || v.log10() < ylo);
            if se.thin && !usable(v, c.axis) {
                flush(&mut run)?;
            } else if !v.is_finite() {
                flush(&mut run)?;
                Marker::Cross.draw(area, (x, f.top + s.px(4.0)), s.px(3.5), se.color)?;
            } else if below {
                flush(&mut run)?;
                let (r, y) = (s.px(4.0), f.bottom - s.px(5.0));
                area.draw(&Polygon::new(vec![(x - r, y - r), (x + r, y - r), (x, y + r)], se.color.filled()))?;
            } else {
                let p = (f.x(tx(i + 1)), f.y(ty(v).clamp(-0.02, 1.02)));
                run.push(p);
                if !se.thin && (i % every == 0 || i + 1 == se.values.len()) {
                    se.marker.draw(area, p, s.px(3.0), se.color)?;
                }
            }
        }
        flush(&mut run)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_map_to_layers() {
        let s = Style { theme: crate::charts::Theme::LIGHT, scale: 1.0 };
        // Plot from x = 52 to 1000 − 14 = 986 for 10 layers: layer l at 52 + (l − 1)·934/9.
        assert_eq!(layer_at_x(1000, &s, 10, 52), Some(1));
        assert_eq!(layer_at_x(1000, &s, 10, 986), Some(10));
        assert_eq!(layer_at_x(1000, &s, 10, 52 + 4 * 934 / 9), Some(5));
        assert_eq!(layer_at_x(1000, &s, 10, 10), None);
        assert_eq!(layer_at_x(1000, &s, 1, 500), Some(1));
    }

    #[test]
    fn decades() {
        assert_eq!(decade_range([0.5, 0.002, 0.0, f64::NAN].into_iter()), (-3, 0));
        assert_eq!(decade_range([1.0].into_iter()), (0, 1));
        assert_eq!(decade_range(std::iter::empty()), (-1, 1));
    }
}
