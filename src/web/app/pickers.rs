//! The readouts on the charts: a tap, a click or an arrow key on a chart picks a layer, a unit or
//! a point, and its numbers show under the chart. What is picked stays picked when a new report
//! comes in (its readout follows it); the phase diagram's keyboard cursor waits for Enter.
//!
//! Each method gets the report on the screen; which event calls which is in [`super::wiring`].

use crate::analysis::report::{Quantity, Report};
use crate::analysis::theory::{PHASE_SB, PHASE_SW};
use crate::charts::diagram::{hit, Hit};
use crate::charts::Chart;
use crate::spec::config::Config;
use crate::spec::view::DiagramView;
use crate::web::dom::{by_id, set_text, show_error};
use crate::web::ui::render;

/// What is picked on the charts.
#[derive(Debug, Default)]
pub struct Pickers {
    /// The ridgeline layer last picked (its readout follows each new report).
    picked: Option<(Quantity, usize)>,
    /// The std chart's layer last picked (1-based).
    std_layer: Option<usize>,
    /// The phase diagram's keyboard cursor (σ_w, σ_b), while it is moved.
    phase_cursor: Option<(f64, f64)>,
}

impl Pickers {
    /// A new report is shown: the picked layers' readouts follow it.
    pub fn follow(&self, report: &Report) {
        if let Some((q, l)) = self.picked {
            let id = format!("readout-{}", Chart::Ridgeline(q).canvas_id());
            set_text(&id, &render::readout(report, q, l.min(report.layers.len().saturating_sub(1))));
        }
        if let Some(l) = self.std_layer {
            set_text("readout-chart-std", &render::std_readout(report, l.min(report.layers.len()).max(1)));
        }
    }

    /// A phase-diagram key: move the cursor by `step` (drawn on the diagram), or (`None`) use it:
    /// returns the point to set.
    pub fn phase_key(&mut self, shown: Option<&(Config, Report)>, step: Option<(f64, f64)>) -> Option<(f64, f64)> {
        let (config, report) = shown?;
        let at = self.phase_cursor.unwrap_or(report.theory.point);
        match step {
            Some((dw, db)) => {
                let c = ((at.0 + dw).clamp(PHASE_SW.0, PHASE_SW.1), (at.1 + db).clamp(PHASE_SB.0, PHASE_SB.1));
                self.phase_cursor = Some(c);
                if let Err(e) = render::phase_with_cursor(config, report, c) {
                    show_error(&e.to_string());
                }
                None
            }
            None => Some(at),
        }
    }

    /// A point of the phase diagram was set: the cursor is gone.
    pub fn drop_phase_cursor(&mut self) {
        self.phase_cursor = None;
    }

    /// A tap at CSS row `y` of a ridgeline: show the layer under it.
    pub fn pick_layer_at(&mut self, report: Option<&Report>, quantity: Quantity, y: f64) {
        let Some(report) = report else { return };
        let id = Chart::Ridgeline(quantity).canvas_id();
        let Some((dim, y, s)) = render::canvas_point(id, y) else { return };
        if let Some(layer) = crate::charts::ridgeline::layer_at(dim, &s, report.layers.len(), y) {
            self.show_layer(report, quantity, layer);
        }
    }

    /// ↑ or ↓ on a focused ridgeline.
    pub fn move_picked_layer(&mut self, report: Option<&Report>, quantity: Quantity, step: i64) {
        let Some(report) = report else { return };
        let depth = report.layers.len() as i64;
        let next = self.picked.filter(|(q, _)| *q == quantity).map_or(0, |(_, l)| (l as i64 + step).clamp(0, depth - 1));
        self.show_layer(report, quantity, next as usize);
    }

    /// A tap at CSS (x, y) on the diagram (showing `diagram`): the unit's mean activation, or the
    /// edge's value.
    pub fn pick_in_diagram(&self, report: Option<&Report>, diagram: DiagramView, x: f64, y: f64) {
        let Some(report) = report else { return };
        let Some(net) = &report.small_net else { return };
        let Some((w, px, s)) = render::canvas_column(Chart::Network.canvas_id(), x) else { return };
        let Some((dim, py, _)) = render::canvas_point(Chart::Network.canvas_id(), y) else { return };
        let grads = diagram == DiagramView::Grads;
        let edges = if grads { &net.grads } else { &net.weights };
        let last = net.sizes.len() - 1;
        let text = match hit((w, dim.1), &s, &net.sizes, edges, (px, py)) {
            Some(Hit::Unit { layer: 0, unit }) => format!("Input feature {}.", unit + 1),
            Some(Hit::Unit { layer, unit }) if layer == last => format!("Output unit {}.", unit + 1),
            Some(Hit::Unit { layer, unit }) => {
                let m = net.mean_act.get(layer - 1).and_then(|a| a.get(unit)).copied().unwrap_or(f32::NAN);
                format!("Layer {layer}, unit {}: mean activation over the batch {}.", unit + 1, table_value_f32(m))
            }
            Some(Hit::Edge { layer, from, to, value }) => {
                let what = if grads { "∂L/∂W" } else { "W" };
                let from_name = if layer == 0 { format!("input {}", from + 1) } else { format!("layer {layer} unit {}", from + 1) };
                let to_name = if layer + 1 == last { format!("output {}", to + 1) } else { format!("layer {} unit {}", layer + 1, to + 1) };
                format!("{what} from {from_name} to {to_name}: {}.", table_value_f32(value))
            }
            None => return,
        };
        set_text("readout-chart-net", &text);
        if let Some(el) = by_id("readout-chart-net") {
            let _ = el.class_list().add_1("picked");
        }
    }

    /// A tap on the std chart at `x` (CSS px) picks the nearest layer's column.
    pub fn pick_std_at(&mut self, report: Option<&Report>, x: f64) {
        let Some(report) = report else { return };
        let depth = report.layers.len();
        if let Some((w, x, s)) = render::canvas_column(Chart::Std.canvas_id(), x) {
            if let Some(l) = crate::charts::lines::layer_at_x(w, &s, depth, x) {
                self.show_std_layer(report, l);
            }
        }
    }

    /// ← or → on the std chart: the layer `step` away from the picked one (layer 1 first).
    pub fn move_std_layer(&mut self, report: Option<&Report>, step: i64) {
        let Some(report) = report else { return };
        let depth = report.layers.len() as i64;
        let l = self.std_layer.map_or(1, |l| (l as i64 + step).clamp(1, depth.max(1)) as usize);
        self.show_std_layer(report, l);
    }

    fn show_std_layer(&mut self, report: &Report, layer: usize) {
        set_text("readout-chart-std", &render::std_readout(report, layer));
        if let Some(el) = by_id("readout-chart-std") {
            let _ = el.class_list().add_1("picked");
        }
        self.std_layer = Some(layer);
    }

    fn show_layer(&mut self, report: &Report, quantity: Quantity, layer: usize) {
        let id = format!("readout-{}", Chart::Ridgeline(quantity).canvas_id());
        set_text(&id, &render::readout(report, quantity, layer));
        if let Some(el) = by_id(&id) {
            let _ = el.class_list().add_1("picked");
        }
        self.picked = Some((quantity, layer));
    }
}

/// A value as the table writes it ("overflow" when not finite).
fn table_value_f32(v: f32) -> String {
    if v.is_finite() {
        crate::format::table_value(f64::from(v), false)
    } else {
        "overflow".to_string()
    }
}
