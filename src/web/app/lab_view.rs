//! The training lab's page state: its runs ([`crate::web::workers::lab::Lab`], which talks to the lab
//! workers), where it is in its cycle, and its redraws (at most every [`LAB_REDRAW_MS`], drawn by
//! [`crate::web::ui::lab_charts`]). The buttons and keys of the training view land here.
//!
//! Like the lab itself, each method says what happened and [`super::App`] decides what follows
//! (queuing a redraw, the report of the chosen run, the page's state).

use super::tasks::Job;
use crate::analysis::report::Report;
use crate::compute::lab::{history_csv, RunHistory};
use crate::spec::config::Config;
use crate::spec::view::View;
use crate::web::dom::{by_id, now, set_state, set_text, show_error};
use crate::web::ui::export;
use crate::web::ui::lab_charts::{self, LabChart};
use crate::web::workers::lab::{Lab, LabEvent};
use crate::web::workers::protocol::decode_reply;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Worker;

/// The most often the lab's charts are redrawn while it trains (ms between redraws): with a
/// report every 45 ms, about 10 redraws a second.
const LAB_REDRAW_MS: f64 = 90.0;

/// Where the lab is in its cycle: its runs step (or start), then each is asked for its report,
/// then everything is drawn and the page is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum LabPhase {
    /// No runs.
    #[default]
    Idle,
    Running,
    Reporting,
    Settled,
}

/// What a lab worker's message means for the page.
pub enum LabNews {
    Nothing,
    /// The message could not be read.
    Unreadable,
    /// Every run failed (the lab is stopped): this is the first run's reason.
    AllFailed(String),
    /// A run moved on or failed: redraw.
    Redraw,
    /// Run `run`'s report came in.
    Report {
        run: usize,
    },
}

/// The training lab on the page (training view, and comparisons in either view).
#[derive(Default)]
pub struct LabView {
    pub lab: Lab,
    phase: LabPhase,
    /// A redraw is queued.
    draw_queued: bool,
    /// Redraws queued as jobs and not yet finished.
    draws_pending: u32,
    /// When the last redraw started (ms).
    drawn_at: f64,
}

impl LabView {
    /// No runs.
    pub fn is_idle(&self) -> bool {
        self.phase == LabPhase::Idle
    }

    /// Still has something to do before the page is ready (`train`: in the training view, where
    /// the lab must also be settled).
    pub fn busy(&self, train: bool) -> bool {
        let busy = self.draw_queued || self.draws_pending > 0 || !matches!(self.phase, LabPhase::Idle | LabPhase::Settled);
        busy || (train && self.phase != LabPhase::Settled)
    }

    /// Whether the runs of a changed setting in `view` play: a link in the training view trains
    /// its steps on load; a changed setting restarts, playing if it was.
    pub fn plays_on_restart(&self, view: View) -> bool {
        view == View::Train && (self.phase == LabPhase::Idle || self.lab.playing || self.lab.all_done())
    }

    /// Stops every run.
    pub fn stop(&mut self) {
        self.lab.stop();
        self.phase = LabPhase::Idle;
    }

    /// Stops every run and lays the page out without the lab (a view without runs).
    pub fn close(&mut self, config: &Config) {
        self.stop();
        lab_charts::layout(config, &self.lab);
    }

    /// Replaces the runs with those of `config`, on the lab's workers (started if there are none:
    /// one per run, at most one per core; `wire` connects each one's messages). Every run's
    /// trainer, each in its lab worker, must fit together (crate::compute::budget::total): else the lab
    /// stops, and the error says why.
    pub fn restart(&mut self, config: &Config, playing: bool, cores: usize, wire: impl Fn(usize, &Worker)) -> Result<(), String> {
        let runs = config.compare.runs(config);
        let labels = config.compare.labels(config);
        if let Err(e) = config.validate_page() {
            self.stop();
            let what = if config.view == View::Train { "train this configuration" } else { "compare these runs" };
            return Err(format!("Cannot {what}: {e}."));
        }
        if !self.lab.has_workers() {
            self.lab.start_workers(runs.len().min(cores.max(1)), wire);
        }
        self.lab.restart(runs.into_iter().zip(labels).collect(), playing);
        self.phase = LabPhase::Running;
        lab_charts::layout(config, &self.lab);
        Ok(())
    }

    /// A message of lab worker `k`.
    pub fn receive(&mut self, k: usize, data: &JsValue) -> LabNews {
        let Ok((envelope, _)) = decode_reply(data) else { return LabNews::Unreadable };
        match self.lab.receive(k, envelope.reply, now()) {
            LabEvent::Nothing | LabEvent::AllReady => LabNews::Nothing,
            LabEvent::Failed if self.lab.runs.iter().all(|r| r.error.is_some()) => {
                let error = self.lab.runs.iter().find_map(|r| r.error.clone()).unwrap_or_default();
                self.stop();
                LabNews::AllFailed(error)
            }
            LabEvent::Advanced | LabEvent::Failed => {
                if !self.lab.settled() {
                    self.phase = LabPhase::Running;
                }
                LabNews::Redraw
            }
            LabEvent::Report { run } => LabNews::Report { run },
        }
    }

    /// Run `run`'s report, with its configuration.
    pub fn report(&self, run: usize) -> Option<(Config, Report)> {
        let r = self.lab.runs.get(run)?;
        let (_, report) = r.report.clone()?;
        Some((r.config, report))
    }

    /// Moves the lab on: once every run has stopped, each is asked for its report (at the
    /// scrubbed step in the training view, else the first); once every report is in, the lab is
    /// settled. Returns whether to redraw.
    pub fn advance(&mut self, view: View) -> bool {
        match self.phase {
            LabPhase::Running if self.lab.settled() => {
                let step = if view == View::Train { self.lab.at } else { Some(0) };
                self.lab.ask_reports(step);
                self.phase = LabPhase::Reporting;
                self.lab.settled() && self.advance(view)
            }
            LabPhase::Reporting if self.lab.settled() => {
                self.phase = LabPhase::Settled;
                true
            }
            _ => false,
        }
    }

    /// A redraw is wanted: how long to wait for it (ms), or `None` if one is queued already.
    pub fn want_draw(&mut self) -> Option<i32> {
        if self.draw_queued {
            return None;
        }
        self.draw_queued = true;
        Some((self.drawn_at + LAB_REDRAW_MS - now()).max(0.0).ceil() as i32)
    }

    /// The queued redraw starts: lays the lab out and returns its jobs (anything that happens from
    /// here on queues a redraw of its own).
    pub fn begin_draw(&mut self, config: &Config) -> Vec<Job> {
        self.draw_queued = false;
        self.draws_pending += 1;
        self.drawn_at = now();
        lab_charts::layout(config, &self.lab);
        LabChart::ALL.into_iter().map(Job::Lab).chain([Job::LabText]).collect()
    }

    /// One chart of a redraw.
    pub fn draw_chart(&self, config: &Config, chart: LabChart) {
        if let Err(e) = lab_charts::chart(config, &self.lab, chart) {
            show_error(&e.to_string());
        }
    }

    /// The table and texts: the last job of a redraw.
    pub fn draw_text(&mut self, config: &Config) {
        lab_charts::text(config, &self.lab);
        self.draws_pending = self.draws_pending.saturating_sub(1);
    }

    /// The status line once the training view is drawn.
    pub fn say_trained(&self) {
        let runs = self.lab.runs.len();
        let place = if runs > 1 { format!("{runs} runs, each in a worker") } else { "in a worker".to_string() };
        set_text("status", &format!("Trained {} steps ({place}); drawn.", self.lab.step()));
    }

    /// The status line once a comparison at initialization is drawn (the progress line had
    /// overwritten the report's own while the runs were computed).
    pub fn say_compared(&self) {
        let runs = self.lab.runs.len();
        set_text("status", &format!("{runs} runs compared at initialization, each in a worker; drawn."));
    }

    /// Play or pause (training view); returns whether it did.
    pub fn toggle_play(&mut self, view: View) -> bool {
        if view != View::Train || self.lab.runs.is_empty() {
            return false;
        }
        if self.lab.all_done() {
            return false;
        }
        let play = !self.lab.playing;
        self.lab.set_playing(play);
        if play {
            set_state("computing");
            self.phase = LabPhase::Running;
        }
        true
    }

    /// One step (training view); returns whether it did.
    pub fn single_step(&mut self, view: View) -> bool {
        if view != View::Train || self.lab.runs.is_empty() {
            return false;
        }
        set_state("computing");
        self.lab.single_step();
        self.phase = LabPhase::Running;
        true
    }

    /// The scrub slider: show the kept step at its position; returns whether it moved.
    pub fn scrub(&mut self) -> bool {
        let Some(pos) =
            by_id("train-at").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|e| e.value().parse::<usize>().ok())
        else {
            return false;
        };
        let Some(&step) = self.lab.runs.first().and_then(|r| r.snapshots.get(pos)) else { return false };
        self.lab.set_playing(false);
        self.lab.at = Some(step);
        set_state("computing");
        self.phase = LabPhase::Running;
        true
    }

    /// Every evaluation of every run (`lab::history_csv`), named after `config`.
    pub fn download_csv(&self, config: &Config) {
        let runs: Vec<RunHistory<'_>> = self
            .lab
            .runs
            .iter()
            .map(|r| RunHistory { label: &r.label, config: &r.config, evals: &r.evals, diverged: r.diverged.as_ref().map(|d| d.step) })
            .collect();
        let name = format!("{}-training.csv", export::file_stem(config));
        if export::download_text(&history_csv(&runs), &name, "text/csv").is_err() {
            set_text("export-status", "The CSV download failed in this browser.");
        }
    }
}
