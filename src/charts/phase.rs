//! The (σ_w, σ_b) phase diagram of an activation (Poole et al. 2016, figure 3; Schoenholz et al.
//! 2017, figure 1): χ* < 1 ordered, χ* > 1 chaotic, the curve χ* = 1 between them, and where the
//! current network sits.

use super::{axis_label, background, ChartError, Frame, Style};
use crate::analysis::theory::{PhaseGrid, PHASE_SB, PHASE_SW};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram<'a> {
    pub grid: &'a PhaseGrid,
    /// The current network's (σ_w, σ_b).
    pub point: (f64, f64),
    /// A keyboard cursor (σ_w, σ_b), if one is being moved.
    pub cursor: Option<(f64, f64)>,
    pub activation: &'a str,
}

/// The plot frame for a canvas of `dim` device pixels (shared with the page's click mapping).
#[must_use]
pub fn frame(dim: (u32, u32), s: &Style) -> Frame {
    Frame::inset(dim, s, 46.0, 30.0, 14.0, 40.0)
}

/// The (σ_w, σ_b) under device pixel (x, y), if inside the frame.
#[must_use]
pub fn value_at(f: &Frame, x: i32, y: i32) -> Option<(f64, f64)> {
    let tx = f64::from(x - f.left) / f.width();
    let ty = f64::from(f.bottom - y) / f.height();
    ((0.0..=1.0).contains(&tx) && (0.0..=1.0).contains(&ty))
        .then_some((PHASE_SW.0 + tx * (PHASE_SW.1 - PHASE_SW.0), PHASE_SB.0 + ty * (PHASE_SB.1 - PHASE_SB.0)))
}

/// Draws the diagram.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, d: &Diagram<'_>, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, &format!("Phase diagram of {}: ordered (χ* < 1) and chaotic (χ* > 1)", d.activation))?;
    let t = &s.theme;
    let f = frame(area.dim_in_pixel(), s);
    let (nw, nb) = (d.grid.sw.len(), d.grid.sb.len());
    let px = |sw: f64| f.x((sw - PHASE_SW.0) / (PHASE_SW.1 - PHASE_SW.0));
    let py = |sb: f64| f.y((sb - PHASE_SB.0) / (PHASE_SB.1 - PHASE_SB.0));
    let tint = |c: RGBColor, w: f64| {
        let m = |a: u8, b: u8| (f64::from(a) * (1.0 - w) + f64::from(b) * w).round() as u8;
        RGBColor(m(t.background.0, c.0), m(t.background.1, c.1), m(t.background.2, c.2))
    };
    let (ordered, chaotic) = (tint(t.positive, 0.22), tint(t.negative, 0.22));
    if nw > 0 && nb > 0 {
        let (cw, cb) = ((PHASE_SW.1 - PHASE_SW.0) / nw as f64, (PHASE_SB.1 - PHASE_SB.0) / nb as f64);
        for (j, row) in d.grid.chi.iter().enumerate() {
            for (i, &chi) in row.iter().enumerate() {
                let (w0, b0) = (PHASE_SW.0 + cw * i as f64, PHASE_SB.0 + cb * j as f64);
                let colour = if chi < 1.0 { ordered } else { chaotic };
                area.draw(&Rectangle::new([(px(w0), py(b0 + cb)), (px(w0 + cw), py(b0))], colour.filled()))?;
            }
        }
        // χ* = 1: along each σ_b row, where χ* crosses 1 (interpolated between cell centres).
        let mut curve = Vec::new();
        for (j, row) in d.grid.chi.iter().enumerate() {
            if let Some(i) = row.windows(2).position(|w| (w[0] < 1.0) != (w[1] < 1.0)) {
                let (a, b) = (row[i], row[i + 1]);
                let k = if (b - a).abs() > 0.0 { (1.0 - a) / (b - a) } else { 0.5 };
                curve.push((px(d.grid.sw[i] + k * (d.grid.sw[i + 1] - d.grid.sw[i])), py(d.grid.sb[j])));
            }
        }
        if curve.len() > 1 {
            area.draw(&PathElement::new(curve, t.foreground.stroke_width(s.px(2.0) as u32)))?;
        }
    }
    for (label, x, col) in [("ordered", 0.12, t.positive), ("chaotic", 0.85, t.negative)] {
        area.draw(&Text::new(label, (f.x(x), f.y(0.12)), s.text(12.0, col, HPos::Center, VPos::Center)))?;
    }
    // Axes.
    for i in 0..=4 {
        let w = PHASE_SW.0 + (PHASE_SW.1 - PHASE_SW.0) * f64::from(i) / 4.0;
        area.draw(&Text::new(axis_label(w), (px(w), f.bottom + s.px(4.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
        let b = PHASE_SB.0 + (PHASE_SB.1 - PHASE_SB.0) * f64::from(i) / 4.0;
        area.draw(&Text::new(axis_label(b), (f.left - s.px(6.0), py(b)), s.text(11.0, t.muted, HPos::Right, VPos::Center)))?;
    }
    area.draw(&Text::new("σ_w (weight std × √fan_in)", (f.x(0.5), f.bottom + s.px(20.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
    area.draw(&Text::new("σ_b", (s.px(6.0), f.top - s.px(2.0)), s.text(11.0, t.muted, HPos::Left, VPos::Bottom)))?;
    area.draw(&PathElement::new(vec![(f.left, f.top), (f.left, f.bottom), (f.right, f.bottom)], t.muted.stroke_width(1)))?;
    // This network (clamped to the drawn range), and the keyboard cursor.
    let clamp = |(w, b): (f64, f64)| (px(w.clamp(PHASE_SW.0, PHASE_SW.1)), py(b.clamp(PHASE_SB.0, PHASE_SB.1)));
    let p = clamp(d.point);
    area.draw(&Circle::new(p, s.px(6.0), t.foreground.filled()))?;
    area.draw(&Circle::new(p, s.px(3.0), t.background.filled()))?;
    if let Some(c) = d.cursor {
        let c = clamp(c);
        let r = s.px(8.0);
        area.draw(&Rectangle::new([(c.0 - r, c.1 - r), (c.0 + r, c.1 + r)], t.foreground.stroke_width(s.px(2.0) as u32)))?;
    }
    Ok(())
}
