//! Charts over any plotters backend, from plain data.
//!
//! Each chart is one file with one `draw` taking a `&DrawingArea<DB, Shift>`, its data and a
//! [`Style`]; the page passes a canvas backend, the tests an SVG string backend. Layout is computed
//! here (no text measurement), so drawing never touches the DOM beyond the canvas.

pub mod diagram;
pub mod lines;
pub mod phase;
pub mod ridgeline;
pub mod spectrum;
pub mod training;

use crate::analysis::report::Quantity;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The page's charts, in page (and PNG export) order. Each has one canvas, whose id and text
/// alternative come from here; the page's `index.html` holds one `<canvas>` per chart (a test
/// checks it) and `web::render` draws each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// One histogram per layer of a quantity ([`ridgeline`]).
    Ridgeline(Quantity),
    /// Std per layer on a log axis ([`lines`]).
    Std,
    /// Saturated, dead and distinct fractions per layer ([`lines`]).
    Fractions,
    /// The network unit by unit, for small networks ([`diagram`]).
    Network,
    /// The (σ_w, σ_b) phase diagram of the activation ([`phase`]).
    Phase,
}

impl Chart {
    /// Every chart, in page order.
    pub const ALL: [Chart; 9] = [
        Chart::Ridgeline(Quantity::Weights),
        Chart::Ridgeline(Quantity::PreActivations),
        Chart::Ridgeline(Quantity::Activations),
        Chart::Ridgeline(Quantity::ActGrads),
        Chart::Ridgeline(Quantity::Gradients),
        Chart::Std,
        Chart::Fractions,
        Chart::Phase,
        Chart::Network,
    ];

    /// The id of its `<canvas>`.
    #[must_use]
    pub fn canvas_id(self) -> &'static str {
        match self {
            Chart::Ridgeline(Quantity::Weights) => "chart-weights",
            Chart::Ridgeline(Quantity::PreActivations) => "chart-preact",
            Chart::Ridgeline(Quantity::Activations) => "chart-act",
            Chart::Ridgeline(Quantity::Gradients) => "chart-grad",
            Chart::Ridgeline(Quantity::ActGrads) => "chart-act-grad",
            Chart::Std => "chart-std",
            Chart::Fractions => "chart-frac",
            Chart::Network => "chart-net",
            Chart::Phase => "chart-phase",
        }
    }

    /// Its title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Chart::Ridgeline(q) => q.title(),
            Chart::Std => "Std per layer, log scale: a slope means vanishing or exploding",
            Chart::Fractions => "Fraction per layer: saturated outputs, dead units, distinct neurons",
            Chart::Network => "Network diagram",
            Chart::Phase => "Phase diagram",
        }
    }
}

/// Colours of one theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub background: RGBColor,
    pub foreground: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    /// Positive and negative (weights in the diagram; two series elsewhere).
    pub positive: RGBColor,
    pub negative: RGBColor,
    /// Series colours, colour-blind safe (Okabe & Ito 2008).
    pub series: [RGBColor; 5],
}

impl Theme {
    /// Light theme: text contrast ≥ 7:1 on white.
    pub const LIGHT: Theme = Theme {
        background: RGBColor(255, 255, 255),
        foreground: RGBColor(28, 28, 30),
        muted: RGBColor(84, 84, 92),
        grid: RGBColor(226, 226, 232),
        positive: RGBColor(0, 114, 178),
        negative: RGBColor(213, 94, 0),
        series: [RGBColor(0, 114, 178), RGBColor(213, 94, 0), RGBColor(0, 158, 115), RGBColor(204, 121, 167), RGBColor(86, 180, 233)],
    };
    /// Dark theme.
    pub const DARK: Theme = Theme {
        background: RGBColor(24, 24, 27),
        foreground: RGBColor(236, 236, 240),
        muted: RGBColor(176, 176, 186),
        grid: RGBColor(58, 58, 66),
        positive: RGBColor(86, 180, 233),
        negative: RGBColor(240, 160, 60),
        series: [RGBColor(86, 180, 233), RGBColor(240, 160, 60), RGBColor(60, 200, 150), RGBColor(230, 150, 200), RGBColor(240, 228, 66)],
    };
}

/// Theme plus the device pixel ratio (every length is multiplied by `scale`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub theme: Theme,
    pub scale: f64,
}

impl Style {
    /// A length in device pixels.
    #[must_use]
    pub fn px(&self, css_px: f64) -> i32 {
        (css_px * self.scale).round() as i32
    }

    /// A text style of `size` CSS pixels.
    #[must_use]
    pub fn text(&self, size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
        TextStyle { font: ("sans-serif", size * self.scale).into_font(), color: color.to_backend_color(), pos: Pos::new(h, v) }
    }
}

/// Errors from drawing, with the backend's error turned into text once, here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing failed: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

/// A plot rectangle inside an area, in device pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Frame {
    /// Margins (CSS px) around the plot inside an area of `dim` device pixels.
    #[must_use]
    pub fn inset(dim: (u32, u32), s: &Style, left: f64, top: f64, right: f64, bottom: f64) -> Self {
        Self {
            left: s.px(left),
            top: s.px(top),
            right: (dim.0 as i32 - s.px(right)).max(s.px(left) + 1),
            bottom: (dim.1 as i32 - s.px(bottom)).max(s.px(top) + 1),
        }
    }

    #[must_use]
    pub fn width(&self) -> f64 {
        f64::from(self.right - self.left)
    }

    #[must_use]
    pub fn height(&self) -> f64 {
        f64::from(self.bottom - self.top)
    }

    /// x pixel of `t` ∈ [0, 1].
    #[must_use]
    pub fn x(&self, t: f64) -> i32 {
        self.left + (t * self.width()).round() as i32
    }

    /// y pixel of `t` ∈ [0, 1] (0 at the bottom).
    #[must_use]
    pub fn y(&self, t: f64) -> i32 {
        self.bottom - (t * self.height()).round() as i32
    }
}

/// Clears the area and writes a title at its top left.
pub fn background<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &Style, title: &str) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&s.theme.background)?;
    let width = f64::from(area.dim_in_pixel().0) / s.scale;
    let title = fit_title(title, width - 16.0);
    area.draw(&Text::new(title, (s.px(8.0), s.px(6.0)), s.text(13.0, s.theme.foreground, HPos::Left, VPos::Top)))?;
    Ok(())
}

/// A title that fits `width` CSS pixels of 13 px text (about 7 px a character, no text
/// measurement here): the whole title, else its part before the colon ("Std per layer, log
/// scale"), else cut at a word with an ellipsis.
#[must_use]
pub fn fit_title(title: &str, width: f64) -> String {
    let fits = |t: &str| t.chars().count() as f64 * 7.0 <= width;
    if fits(title) {
        return title.to_string();
    }
    if let Some((head, _)) = title.split_once(':') {
        if fits(head) {
            return head.to_string();
        }
    }
    let mut out = String::new();
    for word in title.split(' ') {
        let next = if out.is_empty() { word.to_string() } else { format!("{out} {word}") };
        if !fits(&format!("{next} …")) {
            break;
        }
        out = next;
    }
    format!("{out} …")
}

/// Layer ticks to label: at most about `max` of them, always including the first and last.
#[must_use]
pub fn layer_ticks(depth: usize, max: usize) -> Vec<usize> {
    let step = depth.div_ceil(max.max(1)).max(1);
    let step = [1, 2, 5, 10, 20, 25, 50].into_iter().find(|&s| s >= step).unwrap_or(step);
    // Steps of 2 count 1, 3, 5, … (1, 2, 4 would crowd the top); larger steps use round numbers.
    let mut t: Vec<usize> =
        if step <= 2 { (1..=depth).step_by(step).collect() } else { std::iter::once(1).chain((step..=depth).step_by(step)).collect() };
    if t.last() != Some(&depth) {
        if let Some(last) = t.last_mut() {
            // A label less than a full step before the last would touch it: the last takes its place.
            if depth - *last < step && *last != 1 {
                *last = depth;
            } else {
                t.push(depth);
            }
        }
    }
    t
}

/// `a` mixed towards `b` by `w` ∈ [0, 1].
#[must_use]
pub fn mix(a: RGBColor, b: RGBColor, w: f64) -> RGBColor {
    let w = w.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f64::from(x) * (1.0 - w) + f64::from(y) * w).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// A short number for an axis label.
#[must_use]
pub fn axis_label(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-2 && x.abs() < 1e3 {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.0e}")
    }
}

/// Two significant digits: 0.22, 0.011, 3.1e-7, 0.
#[must_use]
pub fn sig2(x: f64) -> String {
    crate::format::significant(x, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant is in `Chart::ALL` (the match is exhaustive: a new variant fails to compile
    /// here until it is listed, and then this test fails until it is in `ALL`), and canvas ids
    /// are unique.
    #[test]
    fn every_chart_is_listed_once() {
        let listed = |c: Chart| match c {
            Chart::Ridgeline(_) | Chart::Std | Chart::Fractions | Chart::Network | Chart::Phase => c,
        };
        let mut every: Vec<Chart> = Quantity::ALL.iter().map(|&q| Chart::Ridgeline(q)).collect();
        every.extend([Chart::Std, Chart::Fractions, Chart::Network, Chart::Phase]);
        for c in every {
            assert!(Chart::ALL.contains(&listed(c)), "{c:?} is not in Chart::ALL");
        }
        let mut ids: Vec<&str> = Chart::ALL.iter().map(|c| c.canvas_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Chart::ALL.len());
    }

    #[test]
    fn titles_fit_narrow_charts() {
        let t = "Fraction per layer: saturated outputs, dead units, distinct neurons";
        assert_eq!(fit_title(t, 1000.0), t);
        assert_eq!(fit_title(t, 330.0), "Fraction per layer");
        assert_eq!(fit_title("Weights W of every layer in the network", 120.0), "Weights W of …");
    }

    #[test]
    fn ticks() {
        assert_eq!(layer_ticks(10, 12), (1..=10).collect::<Vec<_>>());
        assert_eq!(layer_ticks(100, 12), vec![1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
        assert_eq!(layer_ticks(1, 12), vec![1]);
        // 39 and 40 would touch: 40 takes 39's place.
        assert_eq!(layer_ticks(40, 20).last_chunk::<2>(), Some(&[37, 40]));
        // A label less than a step before the last touches it (19 and 20 at depth 20 did): dropped.
        assert_eq!(layer_ticks(23, 5), vec![1, 5, 10, 15, 23]);
        assert_eq!(layer_ticks(20, 12), vec![1, 3, 5, 7, 9, 11, 13, 15, 17, 20]);
        assert_eq!(layer_ticks(2, 12), vec![1, 2]);
        assert_eq!(axis_label(0.25), "0.25");
        assert_eq!(axis_label(1e-5), "1e-5");
        assert_eq!(sig2(0.0100), "0.010");
        assert_eq!(sig2(0.2243), "0.22");
        assert_eq!(sig2(3.07e-7), "3.1e-7");
        assert_eq!(sig2(22.4), "22");
    }
}
