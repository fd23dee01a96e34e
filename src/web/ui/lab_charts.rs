//! Draws the training lab: its charts, the summary table, the counter and the explanations.

use super::render::{on_canvas, style};
use crate::charts::lines::{self, Marker};
use crate::charts::training::{self, BandPanel, ClassPanel, Grid, RunCurves};
use crate::charts::ChartError;
use crate::choice::Choice;
use crate::compute::lab::TARGET_LOSS;
use crate::format::fmt_num;
use crate::nn::init::Init;
use crate::spec::config::Config;
use crate::spec::view::View;
use crate::web::dom::{by_id, escape, set_hidden, set_html, set_text};
use crate::web::workers::lab::{Lab, Run};

/// The lab's charts, each on its own canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabChart {
    Loss,
    Classes,
    GradNorm,
    Update,
    WeightBands,
    GradBands,
    Distinct,
    Compare,
}

impl LabChart {
    pub const ALL: [LabChart; 8] = [
        LabChart::Loss,
        LabChart::Classes,
        LabChart::GradNorm,
        LabChart::Update,
        LabChart::WeightBands,
        LabChart::GradBands,
        LabChart::Distinct,
        LabChart::Compare,
    ];

    #[must_use]
    pub fn canvas_id(self) -> &'static str {
        match self {
            LabChart::Loss => "chart-loss",
            LabChart::Classes => "chart-classes",
            LabChart::GradNorm => "chart-gradnorm",
            LabChart::Update => "chart-update",
            LabChart::WeightBands => "chart-wbands",
            LabChart::GradBands => "chart-gbands",
            LabChart::Distinct => "chart-distinct",
            LabChart::Compare => "chart-compare",
        }
    }

    /// Whether the chart is shown in this view.
    fn shown(self, config: &Config, lab: &Lab) -> bool {
        let train = config.view == View::Train;
        match self {
            LabChart::Compare => lab.runs.len() > 1,
            LabChart::Classes => train && lab.runs.iter().any(|r| r.view.is_some()),
            _ => train,
        }
    }
}

/// The run whose per-layer charts are shown (`#train-run`).
fn chosen(lab: &Lab) -> usize {
    by_id("train-run")
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(e).ok())
        .and_then(|s| s.value().parse::<usize>().ok())
        .filter(|&i| i < lab.runs.len())
        .unwrap_or(0)
}

/// Shows or hides the lab's figures for this view.
pub fn layout(config: &Config, lab: &Lab) {
    let train = config.view == View::Train;
    set_hidden("lab", !train && lab.runs.len() < 2);
    set_hidden("lab-controls", !train);
    for c in LabChart::ALL {
        if let Some(fig) = by_id(c.canvas_id()).and_then(|e| e.closest("figure").ok().flatten()) {
            let _ = fig.class_list().toggle_with_force("not-shown", !c.shown(config, lab));
        }
    }
    // The run picker, when there is a choice.
    let options: String =
        lab.runs.iter().enumerate().map(|(i, r)| format!("<option value=\"{i}\">{}</option>", escape(&r.label))).collect();
    if let Some(sel) = by_id("train-run") {
        if sel.inner_html() != options {
            sel.set_inner_html(&options);
        }
    }
    set_hidden("train-run-ctl", lab.runs.len() < 2 || !train);
    set_hidden("download-train-csv", lab.runs.is_empty());
}

/// Draws one lab chart.
pub fn chart(config: &Config, lab: &Lab, chart: LabChart) -> Result<(), ChartError> {
    if !chart.shown(config, lab) {
        return Ok(());
    }
    let s = style();
    let t = s.theme;
    let id = chart.canvas_id();
    let max_step = lab.runs.iter().map(|r| r.config.steps.max(r.step)).max().unwrap_or(1) as f64;
    let run = lab.runs.get(chosen(lab));
    let per_layer = |f: fn(&crate::compute::lab::Record) -> &Vec<f32>, log: bool| -> Grid<'static> {
        let r = run.map_or(&[][..], |r| &r.records[..]);
        Grid {
            title: "",
            unit: "",
            steps: r.iter().map(|x| x.step as f64).collect(),
            values: r.iter().map(|x| f(x).iter().map(|&v| if log { f64::from(v).log10() } else { f64::from(v) }).collect()).collect(),
        }
    };
    let name = run.map_or(String::new(), |r| if lab.runs.len() > 1 { format!(" ({})", r.label) } else { String::new() });
    match chart {
        LabChart::Loss => {
            let curves: Vec<RunCurves<'_>> = lab
                .runs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let ev = |f: fn(&crate::compute::lab::Eval) -> Option<f64>| {
                        r.evals.iter().filter_map(|e| f(e).map(|v| (e.step as f64, v))).collect()
                    };
                    RunCurves {
                        name: &r.label,
                        color: t.series[i % t.series.len()],
                        marker: Marker::ALL[i % Marker::ALL.len()],
                        batch_loss: r.records.iter().map(|x| (x.step as f64, x.loss)).collect(),
                        train_loss: ev(|e| Some(e.train_loss)),
                        test_loss: ev(|e| Some(e.test_loss)),
                        train_acc: ev(|e| e.train_acc),
                        test_acc: ev(|e| e.test_acc),
                        diverged: r.diverged.as_ref().map(|d| d.step as f64),
                    }
                })
                .collect();
            let label = lab
                .runs
                .iter()
                .filter_map(|r| r.summary().map(|s| format!("{}: loss {}", r.label, fmt_num(s.train_loss))))
                .collect::<Vec<_>>()
                .join("; ");
            on_canvas(id, &s, &format!("Loss and accuracy over training steps. {label}"), |area| {
                training::loss(area, &curves, max_step, &s)
            })
        }
        LabChart::Classes => {
            let panels: Vec<ClassPanel<'_>> = lab
                .runs
                .iter()
                .filter_map(|r| {
                    let view = r.view.as_ref()?;
                    let acc = r.summary().and_then(|s| s.test_acc).map_or(String::new(), |a| format!(": test {:.0}%", a * 100.0));
                    Some(ClassPanel { name: format!("{}{acc}", r.label), view, points: r.points.as_ref() })
                })
                .collect();
            fit_height(id, panels.len());
            on_canvas(id, &s, "What each run predicts: decision regions with the data, or the digits' confusion matrix", |area| {
                training::classes(area, &panels, &s)
            })
        }
        LabChart::GradNorm => {
            let title = format!("Gradient norm ‖∂L/∂W‖ per layer over steps{name}");
            let g = Grid { title: &title, unit: "log₁₀ ‖∂L/∂W‖", ..per_layer(|x| &x.grad_norm, true) };
            on_canvas(id, &s, &format!("{title}: a heatmap, layer 1 at the top; dark rows are vanishing gradients"), |area| {
                training::heatmap(area, &g, max_step, &s)
            })
        }
        LabChart::Update => {
            let title = format!("Update-to-weight ratio log₁₀(‖ΔW‖/‖W‖) per layer{name}");
            let g = Grid { title: &title, unit: "log₁₀ ratio", ..per_layer(|x| &x.update, false) };
            on_canvas(id, &s, &format!("{title}; healthy near −3"), |area| {
                training::layer_lines(area, &g, (-4.0, -2.0, "shaded: −4 to −2, healthy near −3"), max_step, &s)
            })
        }
        LabChart::WeightBands | LabChart::GradBands => {
            let Some(r) = run else { return Ok(()) };
            let weights = chart == LabChart::WeightBands;
            let depth = r.config.depth + 1;
            let mut layers = vec![0, depth / 2, depth.saturating_sub(2), depth - 1];
            layers.dedup();
            layers.sort_unstable();
            layers.dedup();
            let panels: Vec<BandPanel> = layers
                .iter()
                .map(|&l| BandPanel {
                    name: if l + 1 == depth { "output layer".into() } else { format!("layer {}", l + 1) },
                    steps: r.records.iter().map(|x| x.step as f64).collect(),
                    bands: r.records.iter().map(|x| if weights { x.w_bands[l] } else { x.g_bands[l] }).collect(),
                })
                .collect();
            let title = if weights {
                format!("Weights W over steps: percentile bands{name}")
            } else {
                format!("Gradients ∂L/∂W over steps: percentile bands{name}")
            };
            let color = if weights { t.series[0] } else { t.series[3] };
            on_canvas(id, &s, &format!("{title}: the median, and the ranges holding 38%, 68%, 87% and all of the entries"), |area| {
                training::bands(area, &title, &panels, color, max_step, &s)
            })
        }
        LabChart::Distinct => {
            let Some(r) = run else { return Ok(()) };
            let title = format!("Distinct neurons per hidden layer over steps, as a fraction of {} units{name}", r.config.width);
            let g = Grid {
                title: &title,
                unit: "distinct / width",
                steps: r.evals.iter().map(|e| e.step as f64).collect(),
                values: r.evals.iter().map(|e| e.distinct.iter().map(|&d| d as f64 / r.config.width as f64).collect()).collect(),
            };
            let one = 1.0 / r.config.width as f64;
            let note = format!("{} = one neuron per layer (symmetry)", crate::charts::sig2(one));
            on_canvas(id, &s, &format!("{title}: a layer at {} has collapsed to one neuron", crate::charts::sig2(one)), |area| {
                training::layer_lines(area, &g, (one, one, &note), max_step, &s)
            })
        }
        LabChart::Compare => {
            let names: Vec<String> = lab
                .runs
                .iter()
                .map(|r| match &r.report {
                    Some((step, _)) if config.view == View::Train => format!("{} (step {step})", r.label),
                    _ => r.label.clone(),
                })
                .collect();
            let series: Vec<lines::Series<'_>> = lab
                .runs
                .iter()
                .zip(&names)
                .enumerate()
                .filter_map(|(i, (r, n))| {
                    let (_, rep) = r.report.as_ref()?;
                    Some(lines::Series::measured(
                        n,
                        rep.layers.iter().map(|l| l.act.std).collect(),
                        t.series[i % t.series.len()],
                        Marker::ALL[i % Marker::ALL.len()],
                    ))
                })
                .collect();
            let c = lines::Lines { title: "Activation std per layer of each run, log scale", series, axis: lines::Axis::Log, band: None };
            on_canvas(id, &s, "Activation standard deviation per layer of each compared run", |area| lines::draw(area, &c, &s))
        }
    }
}

/// Sizes the classifier canvas to its panels: as many near-square panels per row as fit at
/// 240–420 CSS px a side, plus the title line (a CSSOM property, which a strict CSP allows).
fn fit_height(id: &str, panels: usize) {
    let Some(canvas) = by_id(id).and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) else { return };
    let width = f64::from(canvas.client_width().max(1));
    let n = panels.max(1);
    let cols = ((width / 240.0).floor() as usize).clamp(1, n);
    let side = (width / cols as f64).min(420.0);
    let height = n.div_ceil(cols) as f64 * side + 30.0;
    let _ = canvas.style().set_property("height", &format!("{height:.0}px"));
}

fn cell(name: &str, text: &str) -> String {
    format!("<td data-stat=\"{name}\">{text}</td>")
}

/// The summary table, the counter and what the runs show.
pub fn text(config: &Config, lab: &Lab) {
    let mut rows = String::new();
    for (i, r) in lab.runs.iter().enumerate() {
        let s = r.summary();
        let num = |v: Option<f64>| v.filter(|v| v.is_finite()).map_or("—".to_string(), fmt_num);
        let acc = |v: Option<f64>| v.map_or("—".to_string(), |a| format!("{a:.3}"));
        rows.push_str(&format!(
            "<tr data-run=\"{}\"><th scope=\"row\">{}</th>{}{}{}{}{}{}{}{}{}{}</tr>",
            i + 1,
            escape(&r.label),
            cell("init", r.config.init.id()),
            cell("act", r.config.act.id()),
            cell("step", &r.step.to_string()),
            cell("train_loss", &num(s.as_ref().map(|s| s.train_loss))),
            cell("test_loss", &num(s.as_ref().map(|s| s.test_loss))),
            cell("train_acc", &acc(s.as_ref().and_then(|s| s.train_acc))),
            cell("test_acc", &acc(s.as_ref().and_then(|s| s.test_acc))),
            cell("diverged", if r.diverged.is_some() { "1" } else { "0" }),
            cell("distinct_min", &s.as_ref().map_or("—".to_string(), |s| s.distinct_min.to_string())),
            cell("steps_to_target", &s.as_ref().and_then(|s| s.steps_to_target).map_or("—".to_string(), |n| n.to_string())),
        ));
    }
    set_html("train-summary-body", &rows);
    let step = lab.step();
    let epoch = lab.runs.iter().map(|r| r.epoch).fold(0.0, f64::max);
    let state = if lab.playing && !lab.all_done() {
        "training"
    } else if lab.all_done() {
        "done"
    } else {
        "paused"
    };
    if config.view == View::Train {
        set_text("train-counter", &format!("Step {step} of {} · epoch {epoch:.1} · {state}", config.steps));
    }
    if let Some(b) = by_id("train-play") {
        b.set_text_content(Some(if lab.playing && !lab.all_done() { "Pause" } else { "Play" }));
        let _ = b.set_attribute("aria-pressed", if lab.playing && !lab.all_done() { "true" } else { "false" });
    }
    let notes: String = lab.runs.iter().flat_map(|r| explain(r, lab.runs.len() > 1)).map(|n| format!("<li>{}</li>", escape(&n))).collect();
    set_html("train-message", &if notes.is_empty() { String::new() } else { format!("<ul>{notes}</ul>") });
    // The scrub slider: over the steps whose weights are kept.
    if let Some(el) = by_id("train-at").and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok()) {
        let snaps = lab.runs.first().map_or(&[][..], |r| &r.snapshots[..]);
        let n = snaps.len().max(1);
        el.set_max(&(n - 1).to_string());
        let pos = lab.at.and_then(|a| snaps.iter().rposition(|&s| s <= a)).unwrap_or(n - 1);
        el.set_value(&pos.to_string());
        el.set_disabled(snaps.len() < 2 || (lab.playing && !lab.all_done()));
        let shown = lab.runs.first().and_then(|r| r.report.as_ref()).map(|(s, _)| *s);
        set_text("train-at-value", &shown.map_or("—".to_string(), |s| format!("step {s}")));
    }
}

/// Sentences for what a run shows: divergence, symmetry, a loss that cannot move, a layer that does not learn.
fn explain(r: &Run, named: bool) -> Vec<String> {
    let who = if named { format!("{}: ", r.label) } else { String::new() };
    let mut out = Vec::new();
    if let Some(e) = &r.error {
        out.push(format!("{who}cannot train this configuration: {e}."));
        return out;
    }
    if let Some(d) = &r.diverged {
        out.push(format!("{who}{d}. The run stopped; lower the learning rate or the initial scale."));
        return out;
    }
    let (Some(first), Some(last)) = (r.evals.first(), r.evals.last()) else { return out };
    if last.step == 0 {
        return out;
    }
    let width = r.config.width;
    let symmetric = width > 1 && last.distinct.iter().all(|&d| d == 1);
    let still = (last.train_loss - first.train_loss).abs() <= 1e-6 * first.train_loss.abs().max(1e-12);
    let zero_like = matches!(r.config.init, Init::Zeros | Init::Constant);
    let depth = r.config.depth;
    let no_hidden_grad = r.records.last().is_some_and(|rec| rec.grad_norm[..depth.min(rec.grad_norm.len())].iter().all(|&g| g == 0.0));
    if no_hidden_grad && !still {
        let step = r.records.last().map_or(0, |x| x.step);
        out.push(format!(
            "{who}every hidden layer's weight gradient is exactly 0 at step {step} (zero weights, φ(0) = 0, or dead ReLU units stop the signal): no hidden layer can learn, and the output layer alone predicts little more than the class frequencies."
        ));
    } else if still && zero_like && r.config.input.classes() > 0 {
        out.push(format!(
            "{who}nothing moved in {} steps: with {} init every unit of a layer computes the same, and with softmax cross-entropy on balanced classes the symmetric network sits at an exact stationary point (every weight gradient is 0 or cancels), so no step can change it.",
            last.step, r.config.init.id()
        ));
    } else if symmetric {
        out.push(format!(
            "{who}every hidden layer still has 1 distinct neuron of {width} after {} steps: identical units get identical gradients, so {} init stays one neuron per layer for ever.",
            last.step,
            r.config.init.id()
        ));
    }
    if r.config.input.classes() > 0 && last.train_loss > 0.9 * first.train_loss && !still && last.step >= 200 {
        out.push(format!("{who}the training loss has fallen by less than 10% in {} steps.", last.step));
    }
    if let Some(rec) = r.records.last() {
        if let Some((l, &u)) = rec.update.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) {
            if u.is_finite() && u < -6.0 {
                // One minus sign throughout (U+2212), as in "10^−3".
                let exp = format!("{u:.0}").replace('-', "−");
                out.push(format!("{who}layer {} barely moves: its updates are 10^{exp} of its weights (healthy is near 10^−3).", l + 1));
            }
        }
    }
    if let Some(n) = r.summary().and_then(|s| s.steps_to_target) {
        if named {
            out.push(format!("{who}reached a training loss of {TARGET_LOSS} at step {n}."));
        }
    }
    out
}
