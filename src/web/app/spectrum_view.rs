//! The Jacobian spectrum panel (`spectrum=batch|fixed`): workers of its own, so a long spectrum
//! (width 1024 × depth 100 takes a minute) never holds up the initialization view. The inputs are
//! split across up to [`MAX_WORKERS`] of them (one core each), the parts assembled in input order
//! (the same numbers as one walk); it shows its progress. A new setting during a computation ends
//! those workers; once a spectrum is done they stay, idle, for the next one.

use super::AppHandle;
use crate::analysis::spectrum::{Spectrum, SpectrumPart, SpectrumStats};
use crate::charts::spectrum::{draw_depth, draw_histogram, Run, DEPTH_CANVAS, HISTOGRAM_CANVAS};
use crate::compute::spectrum::{assemble_parts, inputs, part_count};
use crate::format::significant;
use crate::spec::config::Config;
use crate::web::dom::{escape, set_hidden, set_html, set_text};
use crate::web::ui::render;
use crate::web::workers::pool::spawn_worker;
use crate::web::workers::protocol::{decode_reply, encode_request, Reply, Request};
use web_sys::Worker;

/// The most workers a spectrum is split across (the budget counts this many).
pub const MAX_WORKERS: usize = crate::compute::budget::SPECTRUM_WORKERS;

/// One run asked: its name ("" for a single run), query and configuration.
struct RunAsked {
    name: String,
    query: String,
    config: Config,
}

/// One part of one run, sent to one worker.
struct Job {
    id: u32,
    run: usize,
    part: (usize, usize),
    worker: usize,
    done: f64,
    result: Option<(f64, SpectrumPart)>,
}

/// The panel's state.
#[derive(Default)]
pub struct SpectrumView {
    /// The workers and whether each has started.
    workers: Vec<(Worker, bool)>,
    /// The runs asked (one, or each compared run) and their parts.
    runs: Vec<RunAsked>,
    jobs: Vec<Job>,
    /// The slowest worker's time so far (ms).
    ms: Vec<f64>,
    /// The runs shown: (name, query, spectrum).
    shown: Vec<(String, String, Spectrum)>,
    next_id: u32,
}

/// What the panel measures of a configuration: (name, configuration) of each run, if anything.
fn wanted(config: &Config) -> Option<Vec<(String, Config)>> {
    if !crate::compute::spectrum::measured(config) {
        return None;
    }
    let runs = config.compare.runs(config);
    let names = if runs.len() > 1 { config.compare.labels(config) } else { vec![String::new()] };
    Some(names.into_iter().zip(runs).collect())
}

impl SpectrumView {
    /// Whether a spectrum the page asked for is not drawn yet.
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// The settings changed: hide the panel, keep it, or compute it again on up to `cores`
    /// workers (stopping a computation of older settings by ending its workers).
    pub fn update(&mut self, config: &Config, h: &AppHandle, cores: usize) {
        let Some(runs) = wanted(config) else {
            set_hidden("spectrum-panel", true);
            self.stop();
            return;
        };
        set_hidden("spectrum-panel", false);
        let queries: Vec<String> = runs.iter().map(|(_, c)| c.to_query()).collect();
        let same = |b: Vec<&String>| queries.len() == b.len() && queries.iter().zip(b).all(|(q, p)| q == p);
        if self.busy() && same(self.runs.iter().map(|r| &r.query).collect())
            || !self.busy() && same(self.shown.iter().map(|(_, q, _)| q).collect())
        {
            return;
        }
        // A computation of older settings is stopped by ending its workers; idle ones (the last
        // spectrum done) are kept and given the new parts, so a setting changed after a spectrum
        // finished does not start workers again.
        if self.busy() {
            self.stop();
        }
        let n = cores.clamp(1, MAX_WORKERS).min(runs.iter().map(|(_, c)| part_count(c, MAX_WORKERS)).max().unwrap_or(1));
        self.runs = runs.into_iter().zip(queries).map(|((name, config), query)| RunAsked { name, query, config }).collect();
        let mut k = 0;
        for (run, r) in self.runs.iter().enumerate() {
            let of = part_count(&r.config, n);
            for index in 0..of {
                self.next_id += 1;
                self.jobs.push(Job { id: self.next_id, run, part: (index, of), worker: k % n, done: 0.0, result: None });
                k += 1;
            }
        }
        self.ms = vec![0.0; n];
        let each = if self.runs.len() > 1 { format!(" for each of {} runs", self.runs.len()) } else { String::new() };
        set_text("spectrum-status", &format!("Computing the Jacobian at {} of the batch's inputs{each}…", inputs(config)));
        set_hidden("spectrum-progress", false);
        self.set_progress(0.0);
        for (w, _) in self.workers.drain(n.min(self.workers.len())..) {
            w.terminate();
        }
        for k in 0..self.workers.len() {
            self.send(k);
        }
        for k in self.workers.len()..n {
            match spawn_worker() {
                Some(w) => {
                    h.wire_worker(k, &w, super::App::on_spectrum_message, super::App::spectrum_worker_failed);
                    self.workers.push((w, false));
                }
                None => return self.fail("no worker could be started"),
            }
        }
    }

    /// Ends the workers (and with them any computation in them).
    fn stop(&mut self) {
        for (w, _) in self.workers.drain(..) {
            w.terminate();
        }
        self.jobs.clear();
        self.runs.clear();
        set_hidden("spectrum-progress", true);
    }

    /// Sends worker `k` its jobs once it has started (it computes them in turn).
    fn send(&mut self, k: usize) {
        let Some((w, true)) = self.workers.get(k) else { return };
        for j in self.jobs.iter().filter(|j| j.worker == k) {
            let query = self.runs[j.run].query.clone();
            match encode_request(&Request::Spectrum { id: j.id, query, part: j.part }) {
                Ok(msg) if w.post_message(&msg).is_ok() => {}
                _ => return self.fail("the request could not be sent"),
            }
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
        self.shown.clear();
        set_text("spectrum-status", &format!("The spectrum could not be computed: {why}."));
    }

    /// A message from worker `k`; returns whether a spectrum the page waited for has ended (drawn
    /// or failed).
    pub fn receive(&mut self, k: usize, data: &wasm_bindgen::JsValue) -> bool {
        let Ok((envelope, _)) = decode_reply(data) else {
            self.fail("its worker sent a message that could not be read");
            return true;
        };
        let index = |jobs: &[Job], id: u32| jobs.iter().position(|j| j.id == id);
        match envelope.reply {
            Reply::Ready => {
                if let Some(w) = self.workers.get_mut(k) {
                    w.1 = true;
                }
                self.send(k);
                false
            }
            Reply::Progress { id, done, total } => {
                let Some(i) = index(&self.jobs, id) else { return false };
                self.jobs[i].done = done as f64 / total.max(1) as f64;
                let share = self.jobs.iter().map(|j| j.done).sum::<f64>() / self.jobs.len() as f64;
                self.set_progress(share);
                set_text("spectrum-status", &format!("Computing the Jacobian: {:.0}% of the layers of every input…", 100.0 * share));
                false
            }
            Reply::Spectrum { id, input_ms, part } => {
                let Some(i) = index(&self.jobs, id) else { return false };
                self.jobs[i].result = Some((input_ms, *part));
                self.jobs[i].done = 1.0;
                if let Some(t) = self.ms.get_mut(self.jobs[i].worker) {
                    *t += envelope.ms;
                }
                if self.jobs.iter().any(|j| j.result.is_none()) {
                    return false;
                }
                self.finish();
                true
            }
            Reply::Failed { id, error } if index(&self.jobs, id).is_some() => {
                self.fail(&error);
                true
            }
            _ => false,
        }
    }

    /// Every part is in: each run's spectrum from its parts in order, then drawn.
    fn finish(&mut self) {
        let jobs = std::mem::take(&mut self.jobs);
        let runs = std::mem::take(&mut self.runs);
        self.shown = runs
            .into_iter()
            .enumerate()
            .map(|(r, run)| {
                let mut mine: Vec<&Job> = jobs.iter().filter(|j| j.run == r).collect();
                mine.sort_by_key(|j| j.part.0);
                let input_ms = mine.first().and_then(|j| j.result.as_ref()).map_or(0.0, |x| x.0);
                let parts: Vec<SpectrumPart> = mine.iter().filter_map(|j| j.result.as_ref().map(|x| x.1.clone())).collect();
                (run.name, run.query, assemble_parts(&run.config, input_ms, &parts))
            })
            .collect();
        // The workers stay, idle, for the next setting.
        let workers = self.workers.len();
        set_hidden("spectrum-progress", true);
        let n = self.shown.first().map_or(0, |(_, _, s)| s.inputs);
        let slowest = self.ms.iter().copied().fold(0.0, f64::max);
        set_text(
            "spectrum-status",
            &format!(
                "The Jacobian at {n} input{}, computed in {workers} worker{} in {}.",
                if n == 1 { "" } else { "s" },
                if workers == 1 { "" } else { "s" },
                if slowest < 100.0 { "under 0.1 s".to_string() } else { format!("{:.1} s", slowest / 1000.0) }
            ),
        );
        self.draw();
    }

    /// A worker stopped (a trap): say so; the next change of a setting starts new ones.
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
