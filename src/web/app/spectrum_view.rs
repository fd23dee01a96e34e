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

/// One run's spectrum asked of the worker: its request id, name ("" for a single run) and query.
struct RunAsked {
    id: u32,
    name: String,
    query: String,
}

/// The panel's state.
#[derive(Default)]
pub struct SpectrumView {
    worker: Option<Worker>,
    ready: bool,
    /// The runs asked (one, or each compared run, computed one after another in the worker) and
    /// what has come back of them.
    asked: Vec<RunAsked>,
    got: Vec<Option<Spectrum>>,
    /// Worker time of the runs that came back (ms).
    ms: f64,
    computing: bool,
    /// The runs shown: (name, query, spectrum).
    shown: Vec<(String, String, Spectrum)>,
    next_id: u32,
}

/// What the panel measures of a configuration: (name, canonical query) of each run, if anything.
fn wanted(config: &Config) -> Option<Vec<(String, String)>> {
    if !crate::compute::spectrum::measured(config) {
        return None;
    }
    let runs = config.compare.runs(config);
    let names = if runs.len() > 1 { config.compare.labels(config) } else { vec![String::new()] };
    Some(names.into_iter().zip(runs.iter().map(Config::to_query)).collect())
}

/// How many inputs the spectrum of `config` takes.
fn inputs(config: &Config) -> usize {
    let s = config.shape();
    crate::analysis::spectrum::inputs_for(s.input, s.width, config.batch)
}

impl SpectrumView {
    /// Whether a spectrum the page asked for is not drawn yet.
    pub fn busy(&self) -> bool {
        !self.asked.is_empty()
    }

    /// The settings changed: hide the panel, keep it, or compute it again (stopping a
    /// computation of older settings by ending its worker).
    pub fn update(&mut self, config: &Config, h: &AppHandle) {
        let Some(runs) = wanted(config) else {
            set_hidden("spectrum-panel", true);
            self.stop();
            return;
        };
        set_hidden("spectrum-panel", false);
        let same = |a: &[(String, String)], b: Vec<&String>| a.len() == b.len() && a.iter().zip(b).all(|((_, q), p)| q == p);
        if same(&runs, self.shown.iter().map(|(_, q, _)| q).collect()) && !self.busy()
            || self.busy() && same(&runs, self.asked.iter().map(|r| &r.query).collect())
        {
            return;
        }
        if self.computing {
            self.stop();
        }
        self.asked = runs
            .into_iter()
            .map(|(name, query)| {
                self.next_id += 1;
                RunAsked { id: self.next_id, name, query }
            })
            .collect();
        self.got = vec![None; self.asked.len()];
        self.ms = 0.0;
        let each = if self.asked.len() > 1 { format!(" for each of {} runs", self.asked.len()) } else { String::new() };
        set_text("spectrum-status", &format!("Computing the Jacobian at {} of the batch's inputs{each}…", inputs(config)));
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
        (self.ready, self.computing) = (false, false);
        self.asked.clear();
        self.got.clear();
        set_hidden("spectrum-progress", true);
    }

    /// Sends every asked run to the worker, once it has started (it computes them in turn).
    fn send(&mut self) {
        let (Some(w), true, false) = (&self.worker, self.ready, self.computing) else { return };
        for r in &self.asked {
            match encode_request(&Request::Spectrum { id: r.id, query: r.query.clone() }) {
                Ok(msg) if w.post_message(&msg).is_ok() => {}
                _ => return self.fail("the request could not be sent"),
            }
        }
        self.computing = !self.asked.is_empty();
    }

    fn set_progress(&self, done: f64) {
        if let Some(p) = crate::web::dom::by_id("spectrum-progress") {
            let _ = p.set_attribute("value", &format!("{done:.3}"));
        }
    }

    /// Shows why the spectrum is not shown.
    fn fail(&mut self, why: &str) {
        self.stop();
        self.shown.clear();
        set_text("spectrum-status", &format!("The spectrum could not be computed: {why}."));
    }

    /// A message from the worker; returns whether a spectrum the page waited for has ended (drawn
    /// or failed).
    pub fn receive(&mut self, data: &wasm_bindgen::JsValue) -> bool {
        let Ok((envelope, _)) = decode_reply(data) else {
            self.fail("its worker sent a message that could not be read");
            return true;
        };
        let index = |id: u32| self.asked.iter().position(|r| r.id == id);
        match envelope.reply {
            Reply::Ready => {
                self.ready = true;
                self.send();
                false
            }
            Reply::Progress { id, done, total } => {
                let Some(i) = index(id) else { return false };
                let n = self.asked.len();
                self.set_progress((i as f64 + done as f64 / total.max(1) as f64) / n as f64);
                let run = if n > 1 { format!("run {} of {n}, ", i + 1) } else { String::new() };
                set_text("spectrum-status", &format!("Computing the Jacobian: {run}layer {done} of {total}…"));
                false
            }
            Reply::Spectrum { id, spectrum } => {
                let Some(i) = index(id) else { return false };
                self.got[i] = Some(*spectrum);
                self.ms += envelope.ms;
                if self.got.iter().any(Option::is_none) {
                    return false;
                }
                let asked = std::mem::take(&mut self.asked);
                let got = std::mem::take(&mut self.got);
                self.shown = asked.into_iter().zip(got).filter_map(|(r, s)| s.map(|s| (r.name, r.query, s))).collect();
                self.computing = false;
                set_hidden("spectrum-progress", true);
                let n = self.shown.first().map_or(0, |(_, _, s)| s.inputs);
                set_text(
                    "spectrum-status",
                    &format!(
                        "The Jacobian at {n} input{}, computed in its worker in {:.1} s.",
                        if n == 1 { "" } else { "s" },
                        self.ms / 1000.0
                    ),
                );
                self.draw();
                true
            }
            Reply::Failed { id, error } if index(id).is_some() => {
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

    /// Draws the shown spectra: both charts, the sentences and the table (again on a resize or a
    /// theme change).
    pub fn draw(&self) {
        if self.shown.is_empty() {
            return;
        }
        let style = render::style();
        let runs: Vec<Run<'_>> = self.shown.iter().map(|(name, _, s)| Run { name, spectrum: s }).collect();
        let _ = render::labelled(HISTOGRAM_CANVAS, &style, |area| draw_histogram(area, &runs, &style));
        let _ = render::labelled(DEPTH_CANVAS, &style, |area| draw_depth(area, &runs, &style));
        let items: String = if let [(_, _, s)] = self.shown.as_slice() {
            s.sentences().iter().map(|t| format!("<li>{}</li>", escape(t))).collect()
        } else {
            let first = |s: &Spectrum| s.sentences().into_iter().next().unwrap_or_default();
            self.shown.iter().map(|(name, _, s)| format!("<li><strong>{}</strong>: {}</li>", escape(name), escape(&first(s)))).collect()
        };
        set_html("spectrum-sentences", &items);
        let rows: Vec<(&str, &Spectrum)> = self.shown.iter().map(|(n, _, s)| (n.as_str(), s)).collect();
        set_html("jacobian-summary-body", &summary_rows(&rows));
    }

    /// The shown spectra as CSV ([`crate::analysis::spectrum::to_csv`]), if any is shown.
    pub fn csv(&self) -> Option<String> {
        let runs: Vec<(&str, &str, &Spectrum)> = self.shown.iter().map(|(n, q, s)| (n.as_str(), q.as_str(), s)).collect();
        (!runs.is_empty()).then(|| crate::analysis::spectrum::to_csv(&runs))
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
