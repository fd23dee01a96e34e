//! The Jacobian spectrum panel (`spectrum=batch|fixed`): its own worker, so a long spectrum
//! (width 1024 × depth 100 takes seconds) never holds up the initialization view, shows its
//! progress, and is stopped by ending that worker when the settings change.

use super::AppHandle;
use crate::analysis::spectrum::{Spectrum, SpectrumStats};
use crate::charts::spectrum::{draw_depth, draw_histogram, Run, DEPTH_CANVAS, HISTOGRAM_CANVAS};
use crate::format::significant;
use crate::spec::config::Config;
use crate::web::dom::{escape, set_hidden, set_html, set_text};
use crate::web::ui::render;
use crate::web::workers::pool::spawn_worker;
use crate::web::workers::protocol::{decode_reply, encode_request, Reply, Request};
use web_sys::Worker;

/// The panel's state.
#[derive(Default)]
pub struct SpectrumView {
    worker: Option<Worker>,
    ready: bool,
    /// The request waiting for the worker to start, or being computed: (id, query).
    asked: Option<(u32, String)>,
    computing: bool,
    /// The query whose spectrum is shown.
    shown: Option<String>,
    last: Option<Spectrum>,
    next_id: u32,
}

/// How many inputs the spectrum of `config` takes.
fn inputs(config: &Config) -> usize {
    let s = config.shape();
    crate::analysis::spectrum::inputs_for(s.input, s.width, config.batch)
}

/// What the panel measures of a configuration: its canonical query, if it measures anything.
fn wanted(config: &Config) -> Option<String> {
    crate::compute::spectrum::measured(config).then(|| config.to_query())
}

impl SpectrumView {
    /// Whether a spectrum the page asked for is not drawn yet.
    pub fn busy(&self) -> bool {
        self.asked.is_some()
    }

    /// The settings changed: hide the panel, keep it, or compute it again (stopping a
    /// computation of older settings by ending its worker).
    pub fn update(&mut self, config: &Config, h: &AppHandle) {
        let Some(query) = wanted(config) else {
            set_hidden("spectrum-panel", true);
            self.stop();
            return;
        };
        set_hidden("spectrum-panel", false);
        if self.shown.as_deref() == Some(query.as_str()) || self.asked.as_ref().is_some_and(|(_, q)| *q == query) {
            return;
        }
        if self.computing {
            self.stop();
        }
        self.next_id += 1;
        self.asked = Some((self.next_id, query));
        set_text("spectrum-status", &format!("Computing the Jacobian at {} of the batch's inputs…", inputs(config)));
        set_hidden("spectrum-progress", false);
        self.set_progress(0.0);
        if self.worker.is_none() {
            self.worker = spawn_worker();
            self.ready = false;
            match &self.worker {
                Some(w) => h.wire_worker(0, w, super::App::on_spectrum_message, super::App::spectrum_worker_failed),
                None => return self.fail("no worker could be started"),
            }
        }
        self.send();
    }

    /// Ends the worker (and with it any computation in it).
    fn stop(&mut self) {
        if let Some(w) = self.worker.take() {
            w.terminate();
        }
        (self.ready, self.computing, self.asked) = (false, false, None);
        set_hidden("spectrum-progress", true);
    }

    fn send(&mut self) {
        let (Some(w), true, Some((id, query))) = (&self.worker, self.ready, &self.asked) else { return };
        match encode_request(&Request::Spectrum { id: *id, query: query.clone() }) {
            Ok(msg) if w.post_message(&msg).is_ok() => self.computing = true,
            _ => self.fail("the request could not be sent"),
        }
    }

    fn set_progress(&self, done: f64) {
        if let Some(p) = crate::web::dom::by_id("spectrum-progress") {
            let _ = p.set_attribute("value", &format!("{done:.3}"));
        }
    }

    /// Shows why the spectrum is not shown.
    fn fail(&mut self, why: &str) {
        self.stop();
        self.shown = None;
        set_text("spectrum-status", &format!("The spectrum could not be computed: {why}."));
    }

    /// A message from the worker; returns whether a spectrum the page waited for has ended (drawn
    /// or failed).
    pub fn receive(&mut self, data: &wasm_bindgen::JsValue) -> bool {
        let Ok((envelope, _)) = decode_reply(data) else {
            self.fail("its worker sent a message that could not be read");
            return true;
        };
        let current = |id: u32, asked: &Option<(u32, String)>| asked.as_ref().is_some_and(|(i, _)| *i == id);
        match envelope.reply {
            Reply::Ready => {
                self.ready = true;
                self.send();
                false
            }
            Reply::Progress { id, done, total } if current(id, &self.asked) => {
                self.set_progress(done as f64 / total.max(1) as f64);
                set_text("spectrum-status", &format!("Computing the Jacobian: layer {done} of {total}…"));
                false
            }
            Reply::Spectrum { id, spectrum } if current(id, &self.asked) => {
                let query = self.asked.take().map(|(_, q)| q);
                self.computing = false;
                set_hidden("spectrum-progress", true);
                let n = spectrum.inputs;
                set_text(
                    "spectrum-status",
                    &format!(
                        "The Jacobian at {n} input{}, computed in its worker in {:.1} s.",
                        if n == 1 { "" } else { "s" },
                        envelope.ms / 1000.0
                    ),
                );
                self.shown = query;
                self.last = Some(*spectrum);
                self.draw();
                true
            }
            Reply::Failed { id, error } if current(id, &self.asked) => {
                self.fail(&error);
                true
            }
            _ => false,
        }
    }

    /// The worker stopped (a trap): say so; the next change of a setting starts a new one.
    pub fn worker_failed(&mut self, message: &str) -> bool {
        let was = self.busy();
        self.fail(&format!("its worker stopped ({message})"));
        was
    }

    /// Draws the shown spectrum: both charts, the sentences and the table (again on a resize or
    /// a theme change).
    pub fn draw(&self) {
        let Some(s) = &self.last else { return };
        let style = render::style();
        let runs = [Run { name: "", spectrum: s }];
        let _ = render::labelled(HISTOGRAM_CANVAS, &style, |area| draw_histogram(area, &runs, &style));
        let _ = render::labelled(DEPTH_CANVAS, &style, |area| draw_depth(area, &runs, &style));
        let items: String = s.sentences().iter().map(|t| format!("<li>{}</li>", escape(t))).collect();
        set_html("spectrum-sentences", &items);
        set_html("jacobian-summary-body", &summary_rows(&[("", s)]));
    }
}

/// The numbers of `#jacobian-summary`: one `<tr data-run>` per run, a `<td data-stat>` each.
#[must_use]
pub fn summary_rows(runs: &[(&str, &Spectrum)]) -> String {
    let g = |x: f64| if x.is_finite() { significant(x, 3) } else { "∞".to_string() };
    let dash = || "—".to_string();
    runs.iter()
        .enumerate()
        .filter_map(|(i, (name, s))| {
            let d = s.last()?;
            let SpectrumStats { mean_lambda, var_lambda, share_near_1, sd_log10_s, condition, resolved, count } = d.stats;
            let (pm, pv) = d.theory.map_or((dash(), dash()), |t| (g(t.mean_lambda), g(t.var_lambda)));
            let label = if name.is_empty() { format!("L = {}", d.depth) } else { escape(name) };
            Some(format!(
                "<tr data-run=\"{i}\"><th scope=\"row\">{label}</th><td data-stat=\"mean_lambda\">{}</td><td data-stat=\"pred_mean_lambda\">{pm}</td><td data-stat=\"var_lambda\">{}</td><td data-stat=\"pred_var_lambda\">{pv}</td><td data-stat=\"share_near_1\">{}</td><td data-stat=\"sd_log10_s\">{}</td><td data-stat=\"condition\">{}</td><td data-stat=\"resolved\">{resolved} of {count}</td></tr>",
                g(mean_lambda),
                g(var_lambda),
                g(share_near_1),
                g(sd_log10_s),
                g(condition),
            ))
        })
        .collect()
}
