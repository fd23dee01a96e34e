//! The page as an explicit machine: one [`App`] value owns the configuration, the worker pool
//! ([`compute`]), the job queue ([`tasks`]) and the views: the initialization view's report
//! ([`init_view`]), the training lab ([`lab_view`]) and the readouts picked on the charts
//! ([`pickers`]). Every event (a control, a worker's message, a timer) is a method call on it, and
//! it routes it; the views know nothing of the app, they answer and it acts. Callbacks reach it
//! only through a [`Handle`], which holds it weakly. Above it, [`wiring`] starts the page and
//! attaches every listener, and [`actions`] is what each link, control and button does;
//! [`page_ui`] holds the page's own bits (address bar, theme, lessons, progress line).
//!
//! Contract with the tests: `document.body.dataset.state` is `"computing"` while a new
//! configuration is worked on, `"ready"` once its results are drawn, `"error"` (with a message
//! in `#status`) when they cannot be shown.

mod actions;
mod compute;
mod handle;
mod init_view;
mod lab_view;
mod page_ui;
mod pickers;
mod spectrum_view;
mod tasks;
mod tour_view;
pub mod wiring;

use self::compute::{Compute, Stale};
use self::handle::Handle;
use self::init_view::{InitView, RunInfo};
use self::lab_view::{LabNews, LabView};
use self::page_ui::{post_height, Progress};
use self::pickers::Pickers;
use self::tasks::{Job, Tasks, TASK_BUDGET_MS};
use super::dom::{document, now, set_state, show_error, window};
use super::ui::render;
use super::workers::pool::{Finished, Outcome};
use crate::charts::Chart;
use crate::compute::experiment::run;
use crate::spec::config::Config;
use crate::spec::view::View;
use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Worker;

/// The page's state.
pub struct App {
    me: Weak<RefCell<App>>,
    config: Config,
    /// When the configuration last changed (ms): the event a computation answers.
    asked_at: f64,
    /// The pool, and whether a computation waits for it.
    compute: Compute,
    progress: Progress,
    tasks: Tasks,
    init: InitView,
    lab: LabView,
    pickers: Pickers,
    /// The tour open, if the link had one.
    tour: Option<tour_view::TourView>,
    /// A `tour=file:` link whose file has not arrived: the view drawn meanwhile is not the one
    /// the link asks for, so the page does not say it is ready.
    tour_loading: bool,
    /// The Jacobian spectrum panel and its worker.
    spectrum: spectrum_view::SpectrumView,
}

/// How callbacks reach the app.
pub type AppHandle = Handle<App>;

impl App {
    fn new(me: Weak<RefCell<App>>) -> App {
        App {
            me,
            config: Config::default(),
            asked_at: 0.0,
            compute: Compute::default(),
            progress: Progress::default(),
            tasks: Tasks::default(),
            init: InitView::default(),
            lab: LabView::default(),
            pickers: Pickers::default(),
            tour: None,
            tour_loading: false,
            spectrum: spectrum_view::SpectrumView::default(),
        }
    }

    /// Workers to use: `workers=N` from the link, else one per core.
    fn cores(&self) -> usize {
        match self.config.workers {
            0 => window().navigator().hardware_concurrency() as usize,
            n => n,
        }
    }

    fn handle(&self) -> AppHandle {
        Handle::new(self.me.clone())
    }

    /// Runs `f` on the app in a new task after `ms` milliseconds.
    fn later(&self, ms: i32, f: impl FnOnce(&mut App) + 'static) {
        self.handle().later(ms, f);
    }

    // ---- computing ----------------------------------------------------------------------

    /// One worker per core (`navigator.hardwareConcurrency`, at most 4); their messages come back here.
    fn start_pool(&mut self) {
        let h = self.handle();
        let n = self.cores();
        self.compute.start(n, |k, worker: &Worker| h.wire_worker(k, worker, App::on_worker_message, App::worker_failed));
    }

    /// Marks the page as computing and computes the latest configuration: in the pool when there
    /// is one, else in the page after the browser has painted. Requests arriving meanwhile only
    /// update the configuration: the newest one wins, stale ones are never started.
    fn schedule(&mut self) {
        set_state("computing");
        self.init.undrawn();
        let (h, cores) = (self.handle(), self.cores());
        self.spectrum.update(&self.config, &h, cores);
        if self.compute.deferred {
            self.start_pool();
        }
        self.progress.start(self.config.is_lean());
        let comparing = self.config.compare.count() > 1;
        if self.config.view == View::Train || comparing {
            let playing = self.lab.plays_on_restart(self.config.view);
            self.restart_lab(playing);
            if self.config.view == View::Train {
                return;
            }
        } else if !self.lab.is_idle() {
            self.lab.close(&self.config);
        }
        let already = self.compute.want();
        if self.compute.pool.active() {
            if self.compute.pool.can_send(&self.config) {
                self.send_latest();
            } else if self.compute.pool.computing() {
                self.check_stale_later();
            }
            self.init.preview_here(self.config, self.asked_at, &mut self.tasks);
            return;
        }
        if already {
            return;
        }
        let h = self.handle();
        let on_frame = Closure::once_into_js(move || h.with(|a| a.later(0, App::compute_here)));
        let _ = window().request_animation_frame(on_frame.unchecked_ref());
    }

    /// Sends the latest configuration to the pool if a worker can take it (else it stays pending
    /// until one can), or computes it here if sending fails.
    fn send_latest(&mut self) {
        if !self.compute.send(&self.config, self.asked_at) {
            self.compute_here();
        }
    }

    /// Computes the latest configuration on the page's own thread (no worker).
    fn compute_here(&mut self) {
        self.compute.pending = false;
        let (config, asked) = (self.config, self.asked_at);
        let result = run(&config).map_err(|e| format!("Cannot show this configuration: {e}."));
        self.init.last_run = RunInfo::default();
        let newer = self.compute.pending;
        self.finish(config, asked, result, newer);
    }

    /// A newer setting waits behind computations: drop them when they are stale
    /// ([`Compute::stale`]), else look again when they may be.
    fn check_stale_later(&mut self) {
        match self.compute.stale(self.asked_at) {
            Stale::Now => self.restart_pool(),
            Stale::In(ms) => self.later(ms, |a| {
                if a.compute.waits(&a.config) {
                    a.check_stale_later();
                }
            }),
            Stale::Never => {}
        }
    }

    /// Terminates the pool (busy with an older setting, or with a failed worker), drops the page's
    /// share of its requests and starts a fresh one; returns whether it was busy.
    fn renew_pool(&mut self) -> bool {
        let was_busy = self.compute.pool.terminate();
        self.tasks.retain(|j| !matches!(j, Job::GradSum { .. } | Job::GradHist { .. }));
        self.start_pool();
        was_busy
    }

    /// Terminates the busy pool and starts a fresh one; the pending request goes to it when ready.
    fn restart_pool(&mut self) {
        self.renew_pool();
        if !self.compute.pool.active() {
            self.compute.pending = false;
            self.schedule();
        }
    }

    /// A worker stopped (a panic traps its wasm, which surfaces as an error event): the request it
    /// was on is shown as failed, with the reason, and the pool is restarted, so the next change of
    /// a setting computes again. After a few failures in a row without a single answer
    /// ([`Compute::failed`]), workers are given up and the page computes on its own thread.
    fn worker_failed(&mut self, message: &str) {
        if self.compute.failed() {
            return self.fail_over();
        }
        if self.renew_pool() {
            self.compute.pending = false;
            self.progress.stop();
            render::clear_results();
            show_error(&format!(
                "A compute worker stopped ({message}). It has been restarted: change any setting to compute again, or reload the page."
            ));
        }
    }

    /// Workers cannot be used: compute in the page from now on.
    fn fail_over(&mut self) {
        let was_busy = self.compute.pool.terminate();
        if was_busy || self.compute.pending {
            self.compute.pending = false;
            self.schedule();
        }
    }

    /// A message of the spectrum panel's worker.
    fn on_spectrum_message(&mut self, k: usize, data: &JsValue) {
        if self.spectrum.receive(k, data) {
            self.maybe_ready();
        }
    }

    /// The spectrum panel's worker stopped.
    fn spectrum_worker_failed(&mut self, message: &str) {
        if self.spectrum.worker_failed(message) {
            self.maybe_ready();
        }
    }

    fn on_worker_message(&mut self, k: usize, data: &JsValue) {
        let Some(outcome) = self.compute.receive(k, data) else { return self.fail_over() };
        match outcome {
            Outcome::Waiting | Outcome::AllReady => {}
            Outcome::Progress { done, total } => self.progress.set_done(done as f64 / total.max(1) as f64),
            Outcome::Weights { config, asked, sent, ms, preview } => {
                self.init.draw_preview(config, asked, Some((sent, ms)), &preview, &mut self.tasks);
            }
            Outcome::Done(finished) => self.complete(*finished),
            Outcome::PartsIn { id } => {
                if self.compute.pool.ask_for_histograms(id).is_err() {
                    return self.fail_over();
                }
                self.queue(Job::GradSum { id, layer: 0 });
            }
            Outcome::Broken => return self.fail_over(),
        }
        // A worker may have come free (started, finished, or dropped an older request).
        if self.compute.pending {
            self.send_latest();
        }
    }

    /// A pooled request ended: start the newest setting first if one waits, then show this one.
    fn complete(&mut self, f: Finished) {
        self.init.last_run = RunInfo { workers: f.workers, worker_ms: f.worker_ms, precomputed: false };
        if let Some(body) = document().body() {
            let _ = body.dataset().set("workerMs", &format!("{:.1}", f.worker_ms));
            let _ = body.dataset().set("workers", &f.workers.to_string());
        }
        let newer = self.compute.pending;
        if newer {
            self.send_latest();
        }
        self.finish(f.config, f.asked, f.result, newer);
    }

    /// Shows a finished computation: the verdict, formula and table at once, then one chart per
    /// job. The page is "ready" after the last one, and only if no newer configuration waits.
    /// `asked`: when the change that asked for it happened.
    fn finish(&mut self, config: Config, asked: f64, result: Result<crate::analysis::report::Report, String>, newer_waiting: bool) {
        let computed_at = now();
        match result {
            Ok(report) => {
                for job in self.init.show(config, asked, report, computed_at, newer_waiting, &self.pickers) {
                    self.queue(job);
                }
                // Start drawing in this task, as soon as the report is in.
                self.run_tasks();
            }
            Err(e) => {
                if newer_waiting {
                    return;
                }
                self.progress.stop();
                render::clear_results();
                show_error(&e);
            }
        }
    }

    // ---- the one task runner --------------------------------------------------------------

    /// Adds a job and makes sure a runner task will take it.
    fn queue(&mut self, job: Job) {
        self.tasks.push(job);
        if !self.tasks.scheduled {
            self.tasks.scheduled = true;
            self.later(0, App::run_tasks);
        }
    }

    /// Runs jobs until the queue is empty or this task has used its budget; the rest goes on in
    /// a new task.
    fn run_tasks(&mut self) {
        self.tasks.scheduled = false;
        let t0 = now();
        let mut first = true;
        while let Some(job) = self.tasks.peek() {
            if !first && (now() - t0 > TASK_BUDGET_MS || job.wants_own_task()) {
                self.tasks.scheduled = true;
                self.later(0, App::run_tasks);
                return;
            }
            self.tasks.pop();
            first = false;
            self.run_job(job);
        }
    }

    fn run_job(&mut self, job: Job) {
        let current = self.init.generation();
        match job {
            Job::Chart { generation, chart } if generation == current => {
                if let Err(e) = self.init.draw(self.config.diagram, chart) {
                    self.progress.stop();
                    show_error(&e.to_string());
                }
                self.init.chart_drawn();
            }
            Job::Table { generation } if generation == current => self.init.table(),
            Job::Drawn { generation, computed_at, newer_waiting } if generation == current => {
                let waiting = newer_waiting || self.compute.pool.busy() || self.compute.pending;
                if self.init.all_drawn(computed_at, self.progress.started, waiting) {
                    self.maybe_ready();
                }
            }
            Job::GradSum { id, layer } => match self.compute.pool.grad_sum_one(id, layer) {
                Some(true) => self.queue(Job::GradSum { id, layer: layer + 1 }),
                Some(false) => self.queue(Job::GradHist { id, layer: 0 }),
                None => {}
            },
            Job::GradHist { id, layer } => match self.compute.pool.grad_hist_one(id, layer) {
                Some(true) => self.queue(Job::GradHist { id, layer: layer + 1 }),
                Some(false) => {
                    if let Some(finished) = self.compute.pool.assemble_if_ready(id) {
                        self.complete(finished);
                    }
                }
                None => {}
            },
            Job::Lab(chart) => self.lab.draw_chart(&self.config, chart),
            Job::LabText => {
                self.lab.draw_text(&self.config);
                self.maybe_ready();
            }
            // A job of a report that a newer one replaced.
            Job::Chart { .. } | Job::Table { .. } | Job::Drawn { .. } => {}
        }
    }

    /// The page is ready when everything asked for is drawn: the report's charts (no computation
    /// waiting) and, when the lab has runs, the lab settled with its last redraw done.
    fn maybe_ready(&mut self) {
        let train = self.config.view == View::Train;
        if self.tour_loading
            || self.spectrum.busy()
            || self.compute.pending
            || self.compute.pool.busy()
            || !self.init.is_drawn()
            || self.lab.busy(train)
        {
            return;
        }
        self.progress.stop();
        if train {
            self.lab.say_trained();
        } else if self.config.compare.count() > 1 {
            self.lab.say_compared();
        }
        set_state("ready");
        if let Some(t) = &mut self.tour {
            t.on_drawn(self.init.report());
        }
        if self.config.embed {
            post_height();
        }
        if self.compute.deferred {
            self.later(0, |a| {
                if a.compute.deferred {
                    a.start_pool();
                }
            });
        }
    }

    /// Redraws the last report's charts (resize, theme change) without recomputing, as jobs.
    fn redraw(&mut self) {
        let generation = self.init.generation();
        for chart in Chart::ALL {
            self.queue(Job::Chart { generation, chart });
        }
        if !self.lab.is_idle() {
            self.queue_lab_draw();
        }
        self.spectrum.draw();
    }

    /// Redraws one chart of the last report now (the diagram toggle needs only the diagram).
    fn redraw_chart(&mut self, chart: Chart) {
        if let Err(e) = self.init.draw(self.config.diagram, chart) {
            show_error(&e.to_string());
        }
    }

    // ---- the training lab -------------------------------------------------------------------

    /// Replaces the lab's runs with those of the current configuration.
    fn restart_lab(&mut self, playing: bool) {
        let (h, cores) = (self.handle(), self.cores());
        let wire = |k, worker: &Worker| h.wire_worker(k, worker, App::on_lab_message, App::lab_failed);
        if let Err(e) = self.lab.restart(&self.config, playing, cores, wire) {
            self.progress.stop();
            render::clear_results();
            return show_error(&e);
        }
        self.queue_lab_draw();
    }

    fn on_lab_message(&mut self, k: usize, data: &JsValue) {
        match self.lab.receive(k, data) {
            LabNews::Unreadable => return self.lab_failed("an unreadable message"),
            LabNews::Nothing => {}
            LabNews::AllFailed(error) => {
                self.progress.stop();
                return show_error(&format!("Cannot train this configuration: {error}."));
            }
            LabNews::Redraw => self.queue_lab_draw(),
            LabNews::Report { run } => {
                // The initialization view's charts follow the chosen run in the training view.
                if self.config.view == View::Train && run == 0 {
                    if let Some((config, report)) = self.lab.report(0) {
                        self.finish(config, self.asked_at, Ok(report), false);
                    }
                }
                self.queue_lab_draw();
            }
        }
        self.lab_advance();
    }

    /// Moves the lab on (its reports, then settled), redrawing when it settles.
    fn lab_advance(&mut self) {
        if self.lab.advance(self.config.view) {
            self.queue_lab_draw();
        }
    }

    /// A lab worker stopped: every run is restarted on fresh workers, paused, with the reason shown.
    fn lab_failed(&mut self, message: &str) {
        self.lab.stop();
        self.progress.stop();
        show_error(&format!("A training worker stopped ({message}). Press Reset, or change any setting, to start again."));
    }

    /// Queues a redraw of the lab, at most every `LAB_REDRAW_MS`.
    fn queue_lab_draw(&mut self) {
        let Some(wait) = self.lab.want_draw() else { return };
        self.later(wait, |a| {
            for job in a.lab.begin_draw(&a.config) {
                a.queue(job);
            }
        });
    }
}
