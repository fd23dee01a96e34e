//! A network diagram for small networks: every unit a node, every weight (or weight gradient)
//! an edge coloured by sign and drawn with width and opacity ∝ |value|, so symmetry shows unit by unit.

use super::{background, ChartError, Frame, Style};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram<'a> {
    pub title: &'a str,
    /// Units per layer, input first, output last.
    pub sizes: &'a [usize],
    /// Per layer, row-major fan_in × fan_out (weights or gradients).
    pub edges: &'a [Vec<f32>],
    /// Mean activation of each hidden unit (shading of the nodes), per hidden layer.
    pub mean_act: &'a [Vec<f32>],
}

/// What a point of the diagram is on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hit {
    /// Unit `unit` of column `layer` (0 is the input, the last the output).
    Unit { layer: usize, unit: usize },
    /// The edge from unit `from` of column `layer` to unit `to` of column `layer + 1`, and its value.
    Edge { layer: usize, from: usize, to: usize, value: f32 },
}

/// The unit or edge under device pixel `p` of a diagram drawn on an area of `dim` (as [`draw`]
/// lays it out): a unit within twice its radius, else the nearest edge within 6 CSS px.
#[must_use]
pub fn hit(dim: (u32, u32), s: &Style, sizes: &[usize], edges: &[Vec<f32>], p: (i32, i32)) -> Option<Hit> {
    let f = Frame::inset(dim, s, 24.0, 34.0, 24.0, 34.0);
    let cols = sizes.len();
    if cols < 2 {
        return None;
    }
    let pos = |layer: usize, unit: usize| -> (f64, f64) {
        (f64::from(f.x(layer as f64 / (cols - 1) as f64)), f64::from(f.y(1.0 - (unit as f64 + 0.5) / sizes[layer] as f64)))
    };
    let (px, py) = (f64::from(p.0), f64::from(p.1));
    let r = f64::from(s.px(5.0).max(2));
    for (l, &n) in sizes.iter().enumerate() {
        for u in 0..n {
            let (x, y) = pos(l, u);
            if (x - px).hypot(y - py) <= 2.0 * r {
                return Some(Hit::Unit { layer: l, unit: u });
            }
        }
    }
    let mut best: Option<(f64, Hit)> = None;
    for (l, w) in edges.iter().enumerate().take(cols - 1) {
        let (fi, fo) = (sizes[l], sizes[l + 1]);
        for i in 0..fi {
            for j in 0..fo {
                let ((ax, ay), (bx, by)) = (pos(l, i), pos(l + 1, j));
                // Distance from p to the segment a–b.
                let (dx, dy) = (bx - ax, by - ay);
                let t = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy).max(1e-9)).clamp(0.0, 1.0);
                let d = (ax + t * dx - px).hypot(ay + t * dy - py);
                if d <= 6.0 * s.scale && best.as_ref().is_none_or(|(b, _)| d < *b) {
                    best = Some((d, Hit::Edge { layer: l, from: i, to: j, value: w.get(i * fo + j).copied().unwrap_or(f32::NAN) }));
                }
            }
        }
    }
    best.map(|(_, h)| h)
}

/// Draws the diagram. Edge width and opacity are scaled by the largest |value| of each layer, so
/// a layer's pattern is visible even where its values are tiny; equal values look equal.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, d: &Diagram<'_>, s: &Style) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    background(area, s, d.title)?;
    let t = &s.theme;
    let f = Frame::inset(area.dim_in_pixel(), s, 24.0, 34.0, 24.0, 34.0);
    let cols = d.sizes.len();
    if cols < 2 {
        return Ok(());
    }
    let pos = |layer: usize, unit: usize| -> (i32, i32) {
        let n = d.sizes[layer];
        let x = f.x(layer as f64 / (cols - 1) as f64);
        let y = f.y(1.0 - (unit as f64 + 0.5) / n as f64);
        (x, y)
    };
    for (l, w) in d.edges.iter().enumerate() {
        let (fi, fo) = (d.sizes[l], d.sizes[l + 1]);
        let max = w.iter().filter(|v| v.is_finite()).fold(0f32, |m, v| m.max(v.abs()));
        for i in 0..fi {
            for j in 0..fo {
                let v = w.get(i * fo + j).copied().unwrap_or(0.0);
                let (a, b) = (pos(l, i), pos(l + 1, j));
                if max == 0.0 || v == 0.0 || !v.is_finite() {
                    area.draw(&PathElement::new(vec![a, b], t.grid.stroke_width(1)))?;
                    continue;
                }
                let m = f64::from(v.abs() / max);
                let color = if v > 0.0 { t.positive } else { t.negative };
                let width = (s.scale * (0.5 + 3.5 * m)).round().max(1.0) as u32;
                area.draw(&PathElement::new(vec![a, b], color.mix(0.25 + 0.75 * m).stroke_width(width)))?;
            }
        }
    }
    let r = s.px(5.0).max(2);
    for (l, &n) in d.sizes.iter().enumerate() {
        for u in 0..n {
            let p = pos(l, u);
            let shade = if l >= 1 && l < cols - 1 {
                let acts = &d.mean_act[l - 1];
                let max = acts.iter().fold(0f32, |m, v| m.max(v.abs()));
                if max > 0.0 {
                    f64::from(acts[u].abs() / max)
                } else {
                    0.0
                }
            } else {
                0.0
            };
            area.draw(&Circle::new(p, r, t.background.filled()))?;
            area.draw(&Circle::new(p, r, t.foreground.mix(0.15 + 0.7 * shade).filled()))?;
            area.draw(&Circle::new(p, r, t.foreground.stroke_width(1)))?;
        }
        let label = if l == 0 {
            "input".to_string()
        } else if l == cols - 1 {
            "output".to_string()
        } else {
            format!("{l}")
        };
        area.draw(&Text::new(label, (pos(l, 0).0, f.bottom + s.px(14.0)), s.text(11.0, t.muted, HPos::Center, VPos::Top)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Theme;

    #[test]
    fn a_point_finds_its_unit_or_edge() {
        let s = Style { theme: Theme::LIGHT, scale: 1.0 };
        let dim = (400, 300);
        // Input 2 units, one hidden layer of 2, output 1; frame x from 24 to 376, y from 34 to 266.
        let sizes = [2usize, 2, 1];
        let edges = vec![vec![0.5, -0.25, 1.0, 2.0], vec![3.0, -4.0]];
        // Unit 0 is drawn at the top: input unit 0 at x = 24, y = 266 − 0.75·232 = 92.
        assert_eq!(hit(dim, &s, &sizes, &edges, (24, 92)), Some(Hit::Unit { layer: 0, unit: 0 }));
        // Midway between hidden unit 1 (200, 208) and the output (376, 150): that edge, value −4.
        assert_eq!(hit(dim, &s, &sizes, &edges, (288, 179)), Some(Hit::Edge { layer: 1, from: 1, to: 0, value: -4.0 }));
        assert_eq!(hit(dim, &s, &sizes, &edges, (5, 5)), None);
    }
}
