//! The Jacobian's spectrum ([`crate::analysis::spectrum`]): a histogram of the singular values on
//! a log₁₀ axis (the spread is the point), and how their spread grows with depth.

use super::{axis_label, background, lines::Marker, ChartError, Frame, Style};
use crate::analysis::spectrum::{Spectrum, NEAR_ONE};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The histogram's canvas.
pub const HISTOGRAM_CANVAS: &str = "chart-spectrum";
/// The depth chart's canvas.
pub const DEPTH_CANVAS: &str = "chart-spectrum-depth";

/// Bins of the histogram across its decades.
const BINS: usize = 48;

/// One run's spectrum, named for the legend ("" for a single run).
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub name: &'a str,
    pub spectrum: &'a Spectrum,
}

/// The whole decades [a, b] covering log₁₀ of `values` and of the band (0.5, 2) around 1.
#[must_use]
pub fn decades(values: &[f64]) -> (i32, i32) {
    let lo = values.iter().map(|v| v.log10()).fold(NEAR_ONE.0.log10(), f64::min);
    let hi = values.iter().map(|v| v.log10()).fold(NEAR_ONE.1.log10(), f64::max);
    (lo.floor() as i32, (hi.ceil() as i32).max(lo.floor() as i32 + 1))
}

/// The share of `values` in each of [`BINS`] equal bins of log₁₀ s over [a, b].
#[must_use]
pub fn shares(values: &[f64], (a, b): (i32, i32)) -> Vec<f64> {
    let mut h = vec![0f64; BINS];
    let width = f64::from(b - a) / BINS as f64;
    for v in values {
        let i = ((v.log10() - f64::from(a)) / width).floor();
        h[(i.max(0.0) as usize).min(BINS - 1)] += 1.0;
    }
    let n = values.len().max(1) as f64;
    h.iter_mut().for_each(|x| *x /= n);
    h
}

/// Draws the singular values of every run as a histogram (share of values per bin) over log₁₀ s,
/// with the band (0.5, 2) shaded and s = 1 marked. Returns the text alternative.
pub fn draw_histogram<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, runs: &[Run<'_>], s: &Style) -> Result<String, ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, "Singular values of the Jacobian ∂a_L/∂x, log scale")?;
    let t = &s.theme;
    let values: Vec<Vec<f64>> = runs.iter().map(|r| r.spectrum.resolved()).collect();
    let all: Vec<f64> = values.iter().flatten().copied().collect();
    let (a, b) = decades(&all);
    let hists: Vec<Vec<f64>> = values.iter().map(|v| shares(v, (a, b))).collect();
    let max = hists.iter().flatten().copied().fold(0.0, f64::max);
    // Four gridlines a round share apart (1%, 2%, 5%, 10%, 20% or 25%).
    let top = 4.0 * [0.01, 0.02, 0.05, 0.1, 0.2, 0.25].into_iter().find(|&st| 4.0 * st >= max).unwrap_or(0.25);
    let legend_rows = legend(area, s, runs, true)?;
    let f = Frame::inset(area.dim_in_pixel(), s, 52.0, 48.0 + 16.0 * f64::from(legend_rows), 14.0, 38.0);
    let tx = |l: f64| (l - f64::from(a)) / f64::from(b - a);
    // The band (0.5, 2): "near 1".
    let tint = super::mix(t.background, t.series[2], 0.25);
    area.draw(&Rectangle::new([(f.x(tx(NEAR_ONE.0.log10())), f.top), (f.x(tx(NEAR_ONE.1.log10())), f.bottom)], tint.filled()))?;
    for k in 0..=4 {
        let y = f.y(f64::from(k) / 4.0);
        area.draw(&PathElement::new(vec![(f.left, y), (f.right, y)], t.grid.stroke_width(1)))?;
        let label = format!("{:.0}%", 100.0 * top * f64::from(k) / 4.0);
        area.draw(&Text::new(label, (f.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    let step = ((b - a) as f64 / (f.width() / (44.0 * s.scale)).max(1.0)).ceil().max(1.0) as i32;
    for e in (a..=b).step_by(step as usize) {
        let x = f.x(tx(f64::from(e)));
        area.draw(&PathElement::new(vec![(x, f.bottom), (x, f.bottom + s.px(4.0))], t.muted.stroke_width(1)))?;
        area.draw(&Text::new(axis_label(10f64.powi(e)), (x, f.bottom + s.px(6.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
    }
    area.draw(&Text::new("singular value s", (f.right, f.bottom + s.px(22.0)), s.text(11.0, t.muted, HPos::Right, VPos::Top)))?;
    let one = f.x(tx(0.0));
    area.draw(&PathElement::new(vec![(one, f.top), (one, f.bottom)], t.foreground.stroke_width(1)))?;
    for (i, h) in hists.iter().enumerate() {
        let color = t.series[i % t.series.len()];
        let mut path = vec![(f.left, f.bottom)];
        for (j, &v) in h.iter().enumerate() {
            let (x0, x1) = (f.x(j as f64 / BINS as f64), f.x((j + 1) as f64 / BINS as f64));
            let y = f.y(v / top);
            path.extend([(x0, y), (x1, y)]);
        }
        path.push((f.right, f.bottom));
        area.draw(&PathElement::new(path, color.stroke_width(s.px(2.0).max(1) as u32)))?;
    }
    area.draw(&PathElement::new(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)], t.muted.stroke_width(1)))?;
    if all.is_empty() {
        let msg = "every s is 0: nothing on a log axis";
        area.draw(&Text::new(msg, (f.x(0.5), f.y(0.5)), s.text(13.0, t.foreground, HPos::Center, VPos::Center)))?;
    }
    Ok(histogram_label(runs))
}

/// The legend across the top (runs with names only); returns how many rows it took.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &Style, runs: &[Run<'_>], band: bool) -> Result<u32, ChartError>
where
    DB::ErrorType: 'static,
{
    let t = &s.theme;
    let dim = area.dim_in_pixel();
    let (mut x, mut row) = (s.px(8.0), 0u32);
    let mut entries: Vec<(String, Option<RGBColor>)> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.name.is_empty())
        .map(|(i, r)| (r.name.to_string(), Some(t.series[i % t.series.len()])))
        .collect();
    if band {
        entries.push(("shaded: 0.5 < s < 2".to_string(), None));
    }
    for (name, color) in entries {
        let w = s.px(30.0 + 6.5 * name.chars().count() as f64);
        if x + w > dim.0 as i32 && x > s.px(8.0) {
            x = s.px(8.0);
            row += 1;
        }
        let y = s.px(28.0 + 16.0 * f64::from(row));
        if let Some(c) = color {
            area.draw(&PathElement::new(vec![(x, y), (x + s.px(16.0), y)], c.stroke_width(s.px(2.0).max(1) as u32)))?;
        }
        let tx = if color.is_some() { x + s.px(20.0) } else { x };
        area.draw(&Text::new(name, (tx, y), s.text(11.0, t.foreground, HPos::Left, VPos::Center)))?;
        x += w;
    }
    Ok(row)
}

fn histogram_label(runs: &[Run<'_>]) -> String {
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let d = r.spectrum.last()?;
            let name = if r.name.is_empty() { String::new() } else { format!("{}: ", r.name) };
            Some(format!(
                "{name}{:.0}% of the singular values within a factor 2 of 1, standard deviation of log10 s {}",
                100.0 * d.stats.share_near_1,
                crate::format::significant(d.stats.sd_log10_s, 2)
            ))
        })
        .collect();
    format!("Histogram of the singular values of the input–output Jacobian on a log scale. {}.", parts.join("; "))
}

/// Draws the spread of log₁₀ s (its standard deviation, in decades) against depth l: the same
/// numbers for the first l layers, for every run. Returns the text alternative.
pub fn draw_depth<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, runs: &[Run<'_>], s: &Style) -> Result<String, ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, "Spread with depth: standard deviation of log₁₀ s")?;
    let t = &s.theme;
    let depth = runs.iter().filter_map(|r| r.spectrum.last().map(|d| d.depth)).max().unwrap_or(1);
    let max = runs.iter().flat_map(|r| r.spectrum.by_depth.iter().map(|d| d.stats.sd_log10_s)).fold(0.0, f64::max);
    // Four gridlines a round step apart: 0.05, 0.1, 0.25, 0.5, 1 or 2 decades.
    let step = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0].into_iter().find(|&st| 4.0 * st >= max).unwrap_or((max / 4.0).ceil());
    let top = 4.0 * step;
    let legend_rows = legend(area, s, runs, false)?;
    let f = Frame::inset(area.dim_in_pixel(), s, 52.0, 48.0 + 16.0 * f64::from(legend_rows), 14.0, 38.0);
    let tx = |l: usize| if depth > 1 { (l - 1) as f64 / (depth - 1) as f64 } else { 0.5 };
    for k in 0..=4 {
        let v = top * f64::from(k) / 4.0;
        let y = f.y(v / top);
        area.draw(&PathElement::new(vec![(f.left, y), (f.right, y)], t.grid.stroke_width(1)))?;
        area.draw(&Text::new(axis_label(v), (f.left - s.px(6.0), y), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    for l in super::layer_ticks(depth, (f.width() / (28.0 * s.scale)).floor().max(2.0) as usize) {
        let x = f.x(tx(l));
        area.draw(&PathElement::new(vec![(x, f.bottom), (x, f.bottom + s.px(4.0))], t.muted.stroke_width(1)))?;
        area.draw(&Text::new(format!("{l}"), (x, f.bottom + s.px(6.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
    }
    area.draw(&Text::new("layers l", (f.right, f.bottom + s.px(22.0)), s.text(11.0, t.muted, HPos::Right, VPos::Top)))?;
    for (i, r) in runs.iter().enumerate() {
        let color = t.series[i % t.series.len()];
        let pts: Vec<(i32, i32)> = r.spectrum.by_depth.iter().map(|d| (f.x(tx(d.depth)), f.y(d.stats.sd_log10_s / top))).collect();
        area.draw(&PathElement::new(pts.clone(), color.stroke_width(s.px(2.0).max(1) as u32)))?;
        let marker = Marker::ALL[i % Marker::ALL.len()];
        for p in pts {
            marker.draw_at(area, p, s.px(3.5), color)?;
        }
    }
    area.draw(&PathElement::new(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)], t.muted.stroke_width(1)))?;
    let parts: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            let (first, last) = (r.spectrum.by_depth.first()?, r.spectrum.last()?);
            let name = if r.name.is_empty() { String::new() } else { format!("{}: ", r.name) };
            Some(format!(
                "{name}{} decades after layer {}, {} after layer {}",
                crate::format::significant(first.stats.sd_log10_s, 2),
                first.depth,
                crate::format::significant(last.stats.sd_log10_s, 2),
                last.depth
            ))
        })
        .collect();
    Ok(format!("Standard deviation of log10 of the singular values against depth. {}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades_cover_the_band_and_the_values() {
        assert_eq!(decades(&[]), (-1, 1));
        assert_eq!(decades(&[1e-4, 30.0]), (-4, 2));
        let h = shares(&[0.001, 1.0, 1.0, 1000.0], (-3, 3));
        assert_eq!(h.len(), BINS);
        assert_eq!((h[0], h[BINS / 2], h[BINS - 1]), (0.25, 0.5, 0.25));
        assert!((h.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    fn spectrum(values: Vec<f64>, by_depth: &[(usize, f64)]) -> Spectrum {
        use crate::analysis::spectrum::{DepthSpectrum, SpectrumStats};
        let n = values.len();
        let stats = SpectrumStats::of(std::slice::from_ref(&values), (n, n), 1);
        Spectrum {
            singular: vec![values],
            dims: (n, n),
            by_depth: by_depth
                .iter()
                .map(|&(depth, sd)| DepthSpectrum { depth, stats: SpectrumStats { sd_log10_s: sd, ..stats }, theory: None })
                .collect(),
            no_theory: None,
            inputs: 1,
            input_ms: 1.0,
            q_first: 1.0,
            q_star: None,
        }
    }

    /// Both charts draw on an SVG backend, and their text alternatives carry the numbers: an
    /// isometric spectrum (every s = 1) and a spread one (s over four decades).
    #[test]
    fn both_charts_draw_and_say_their_numbers() {
        let style = Style { theme: super::super::Theme::LIGHT, scale: 1.0 };
        let flat = spectrum(vec![1.0; 8], &[(1, 0.0), (5, 0.0)]);
        let spread = spectrum(vec![100.0, 10.0, 1.0, 0.1, 0.01], &[(1, 0.2), (5, 1.375)]);
        let runs = [Run { name: "orthogonal", spectrum: &flat }, Run { name: "Gaussian", spectrum: &spread }];
        let mut svg = String::new();
        let label = {
            let area = SVGBackend::with_string(&mut svg, (480, 300)).into_drawing_area();
            draw_histogram(&area, &runs, &style).unwrap()
        };
        assert!(label.contains("orthogonal: 100% of the singular values within a factor 2 of 1"), "{label}");
        assert!(label.contains("Gaussian: 20% of the singular values"), "{label}");
        assert!(svg.contains("<polyline") && svg.contains("shaded: 0.5 &lt; s &lt; 2"), "{svg}");
        let mut svg = String::new();
        let label = {
            let area = SVGBackend::with_string(&mut svg, (480, 300)).into_drawing_area();
            draw_depth(&area, &runs, &style).unwrap()
        };
        assert!(label.contains("Gaussian: 0.20 decades after layer 1, 1.4 after layer 5"), "{label}");
        assert!(!svg.contains("shaded"), "the depth chart has no band");
    }
}
