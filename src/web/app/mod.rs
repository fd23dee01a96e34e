//! The page as an explicit machine: one [`App`] value owns the configuration, the worker pool and
//! the job queue, and the views: the initialization view's report ([`init_view`]), the training
//! lab ([`lab_view`]) and the readouts picked on the charts ([`pickers`]). Every event (a control,
//! a worker's message, a timer) is a method call on it, and it routes it. Callbacks reach it only
//! through [`Handle`], which holds it weakly; [`wiring`] starts the page and attaches them, and
//! [`page_ui`] holds the page's own bits (address bar, theme, lessons, progress line).
//!
//! Contract with the tests: `document.body.dataset.state` is `"computing"` while a new
//! configuration is worked on, `"ready"` once its results are drawn, `"error"` (with a message
//! in `#status`) when they cannot be shown.

mod init_view;
mod lab_view;
mod page_ui;
mod pickers;
pub mod wiring;

use self::init_view::{InitView, RunInfo};
use self::lab_view::{LabNews, LabView};
use self::page_ui::{apply_view, lesson_key, post_height, set_url, Progress};
use self::pickers::Pickers;
use super::dom::{by_id, document, now, set_state, show_error, window};
use super::pool::{Finished, Outcome, Pool, RESTART_AFTER_MS};
use super::protocol::{decode_reply, Reply};
use super::tasks::{Job, Tasks, TASK_BUDGET_MS};
use super::{controls, render};
use crate::charts::Chart;
use crate::config::{Config, Notice, View};
use crate::experiment::run;
use crate::init::Init;
use std::cell::{Cell, RefCell};
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

/// The page's state.
pub struct App {
    me: Weak<RefCell<App>>,
    config: Config,
    /// When the configuration last changed (ms): the event a computation answers.
    asked_at: f64,
    /// A computation is wanted and will read the latest `config` when it runs.
    pending: bool,
    pool: Pool,
    /// The workers start once the shipped first view is drawn.
    pool_deferred: bool,
    /// Worker failures since the last answer from a worker.
    worker_failures: u32,
    progress: Progress,
    tasks: Tasks,
    init: InitView,
    lab: LabView,
    pickers: Pickers,
}

/// How long a setting must stay put before a long computation is dropped for it (ms): longer
/// than the gap between a dragged slider's events.
const QUIET_MS: f64 = 250.0;

/// Worker failures in a row after which the page computes on its own thread.
const MAX_WORKER_FAILURES: u32 = 3;

/// A weak reference to the [`App`] for callbacks: each runs a method on it if the page still
/// lives. A callback that finds the app busy (an event inside another's handler) runs later.
#[derive(Clone)]
pub struct Handle(Weak<RefCell<App>>);

thread_local! {
    /// Set by the panic hook. A panic in the page's wasm aborts in the middle of a callback, so the
    /// `RefCell` around the app stays borrowed for good: every later callback would find it busy
    /// and reschedule itself forever. After a panic the page shows its error once and runs nothing.
    static PANICKED: Cell<bool> = const { Cell::new(false) };
}

impl Handle {
    /// Runs `f` on the app now, or in a new task if it is busy; nothing after a panic.
    pub fn with(&self, f: impl FnOnce(&mut App) + 'static) {
        if PANICKED.with(Cell::get) {
            return;
        }
        let Some(rc) = self.0.upgrade() else { return };
        let Ok(mut app) = rc.try_borrow_mut() else {
            let again = self.clone();
            return after(0, move || again.with(f));
        };
        f(&mut app);
    }

    /// Sends worker `k`'s messages to `on_message` and its errors (a panic traps its wasm, which
    /// surfaces as an error event) to `on_error`, for the pool's workers and the lab's alike.
    fn wire_worker(&self, k: usize, worker: &Worker, on_message: fn(&mut App, usize, &JsValue), on_error: fn(&mut App, &str)) {
        let h = self.clone();
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            h.with(move |a| on_message(a, k, &data));
        });
        worker.set_onmessage(Some(message.as_ref().unchecked_ref()));
        message.forget();
        let h = self.clone();
        let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let text = e.dyn_ref::<web_sys::ErrorEvent>().map_or_else(|| "unknown error".to_string(), web_sys::ErrorEvent::message);
            h.with(move |a| on_error(a, &text));
        });
        worker.set_onerror(Some(error.as_ref().unchecked_ref()));
        error.forget();
    }
}

/// Runs `f` in a new task after `ms` milliseconds.
fn after(ms: i32, f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms);
}

impl App {
    fn new(me: Weak<RefCell<App>>) -> App {
        App {
            me,
            config: Config::default(),
            asked_at: 0.0,
            pending: false,
            pool: Pool::default(),
            pool_deferred: false,
            worker_failures: 0,
            progress: Progress::default(),
            tasks: Tasks::default(),
            init: InitView::default(),
            lab: LabView::default(),
            pickers: Pickers::default(),
        }
    }

    /// Workers to use: `workers=N` from the link, else one per core.
    fn cores(&self) -> usize {
        match self.config.workers {
            0 => window().navigator().hardware_concurrency() as usize,
            n => n,
        }
    }

    fn handle(&self) -> Handle {
        Handle(self.me.clone())
    }

    /// Runs `f` on the app in a new task after `ms` milliseconds.
    fn later(&self, ms: i32, f: impl FnOnce(&mut App) + 'static) {
        let h = self.handle();
        after(ms, move || h.with(f));
    }

    // ---- configuration ------------------------------------------------------------------

    /// Parses a query (from the URL or a lesson link) into the page's configuration and computes it.
    fn apply_query(&mut self, search: &str) {
        let (config, notices) = Config::from_query(search);
        apply_view(&config);
        self.set_config(config, &notices);
        self.schedule();
    }

    /// The page's first view: a plain visit (the default view, whatever its theme, panels or embed)
    /// is drawn from the report shipped with the page, without waiting for the workers to start;
    /// any other link is computed.
    /// Returns whether it did (else the caller computes the link).
    fn first_view(&mut self, search: &str) -> bool {
        let (config, notices) = Config::from_query(search);
        let default = notices.is_empty() && lesson_key(&config) == lesson_key(&Config::default());
        let shipped = if default { crate::report::precomputed_default() } else { None };
        let Some(report) = shipped else { return false };
        apply_view(&config);
        self.set_config(config, &notices);
        set_state("computing");
        self.progress.started = now();
        self.init.last_run = RunInfo { precomputed: true, ..RunInfo::default() };
        self.pool_deferred = true;
        self.finish(config, self.asked_at, Ok(report), false);
        true
    }

    fn open_lesson(&mut self, search: &str) {
        let (config, _) = Config::from_query(search);
        set_url(&config, true);
        self.apply_query(search);
        if let Some(top) = by_id("results") {
            top.scroll_into_view();
        }
    }

    /// Makes `config` the page's configuration: notices, controls and address bar follow.
    fn set_config(&mut self, config: Config, notices: &[Notice]) {
        render::notices(notices);
        self.config = config;
        self.asked_at = now();
        page_ui::show_config(&config);
    }

    /// A control changed: re-parse the configuration with its new `key=value`.
    fn on_control(&mut self, key: &str) {
        let old = self.config;
        let Some(pair) = controls::read(key, &old) else { return };
        let (mut config, notices) = Config::from_query(&format!("{}&{pair}", old.to_query()));
        // Switching between constant and the random initializers resets the scale to that family's default.
        if key == "init" && (old.init == Init::Constant) != (config.init == Init::Constant) {
            config.scale = config.default_scale();
        }
        self.set_config(config, &notices);
        if key == "diagram" {
            self.redraw_chart(Chart::Network);
        } else {
            self.schedule();
        }
    }

    fn new_seed(&mut self) {
        page_ui::write_new_seed();
        self.on_control("seed");
    }

    /// A phase-diagram key: move the pickers' cursor, or set its point.
    fn phase_key(&mut self, step: Option<(f64, f64)>) {
        if let Some(point) = self.pickers.phase_key(self.init.shown(), step) {
            self.set_phase_point(point);
        }
    }

    /// Sets the initializer to normal N(0, (σ_w/√n)²) and the biases to N(0, σ_b²).
    fn set_phase_point(&mut self, (sw, sb): (f64, f64)) {
        self.pickers.drop_phase_cursor();
        let scale = (sw / (self.config.width as f64).sqrt()).max(1e-4);
        let q = format!("{}&init=normal&scale={scale}&bias=normal:{sb}", self.config.to_query());
        let (config, notices) = Config::from_query(&q);
        set_url(&config, true);
        self.set_config(config, &notices);
        self.schedule();
    }

    // ---- computing ----------------------------------------------------------------------

    /// One worker per core (`navigator.hardwareConcurrency`, at most 4); their messages come back here.
    fn start_pool(&mut self) {
        self.pool_deferred = false;
        let h = self.handle();
        let n = self.cores();
        self.pool.start(n, |k, worker: &Worker| h.wire_worker(k, worker, App::on_worker_message, App::worker_failed));
    }

    /// Marks the page as computing and computes the latest configuration: in the pool when there
    /// is one, else in the page after the browser has painted. Requests arriving meanwhile only
    /// update the configuration: the newest one wins, stale ones are never started.
    fn schedule(&mut self) {
        set_state("computing");
        self.init.undrawn();
        if self.pool_deferred {
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
        let already = std::mem::replace(&mut self.pending, true);
        if self.pool.active() {
            if self.pool.can_send(&self.config) {
                self.send_latest();
            } else if self.pool.computing() {
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
        if !self.pool.can_send(&self.config) {
            return;
        }
        self.pending = false;
        if self.pool.send(self.config, now(), self.asked_at).is_err() {
            self.compute_here();
        }
    }

    /// Computes the latest configuration on the page's own thread (no worker).
    fn compute_here(&mut self) {
        self.pending = false;
        let (config, asked) = (self.config, self.asked_at);
        let result = run(&config).map_err(|e| format!("Cannot show this configuration: {e}."));
        self.init.last_run = RunInfo::default();
        let newer = self.pending;
        self.finish(config, asked, result, newer);
    }

    /// A newer setting waits behind computations: drop them once the newest has run for
    /// [`RESTART_AFTER_MS`] and the setting has been still for [`QUIET_MS`] (while a slider still
    /// moves, its setting would be replaced before a restarted pool finished it, so the workers
    /// go on and their results are shown as they come).
    fn check_stale_later(&mut self) {
        if now() - self.asked_at >= QUIET_MS && self.pool.sent_at().is_some_and(|t| now() - t > RESTART_AFTER_MS) {
            return self.restart_pool();
        }
        let Some(sent) = self.pool.sent_at() else { return };
        let wait = (sent + RESTART_AFTER_MS).max(self.asked_at + QUIET_MS) - now();
        self.later(wait.max(0.0).ceil() as i32 + 1, |a| {
            if a.pending && !a.pool.can_send(&a.config) {
                a.check_stale_later();
            }
        });
    }

    /// Terminates the pool (busy with an older setting, or with a failed worker), drops the page's
    /// share of its requests and starts a fresh one; returns whether it was busy.
    fn renew_pool(&mut self) -> bool {
        let was_busy = self.pool.terminate();
        self.tasks.retain(|j| !matches!(j, Job::GradSum { .. } | Job::GradHist { .. }));
        self.start_pool();
        was_busy
    }

    /// Terminates the busy pool and starts a fresh one; the pending request goes to it when ready.
    fn restart_pool(&mut self) {
        self.renew_pool();
        if !self.pool.active() {
            self.pending = false;
            self.schedule();
        }
    }

    /// A worker stopped (a panic traps its wasm, which surfaces as an error event): the request it
    /// was on is shown as failed, with the reason, and the pool is restarted, so the next change of
    /// a setting computes again. After [`MAX_WORKER_FAILURES`] failures in a row without a single
    /// answer, workers are given up and the page computes on its own thread.
    fn worker_failed(&mut self, message: &str) {
        self.worker_failures += 1;
        if self.worker_failures >= MAX_WORKER_FAILURES {
            return self.fail_over();
        }
        if self.renew_pool() {
            self.pending = false;
            self.progress.stop();
            render::clear_results();
            show_error(&format!(
                "A compute worker stopped ({message}). It has been restarted: change any setting to compute again, or reload the page."
            ));
        }
    }

    /// Workers cannot be used: compute in the page from now on.
    fn fail_over(&mut self) {
        let was_busy = self.pool.terminate();
        if was_busy || self.pending {
            self.pending = false;
            self.schedule();
        }
    }

    fn on_worker_message(&mut self, k: usize, data: &JsValue) {
        let Ok((envelope, grads)) = decode_reply(data) else { return self.fail_over() };
        if !matches!(envelope.reply, Reply::Ready) {
            self.worker_failures = 0;
        }
        if let Some(body) = document().body() {
            // This worker's wasm memory, so the page can show (and tests bound) its growth.
            let memory = format!("{}", envelope.memory);
            let _ = body.dataset().set(&format!("worker{k}Memory"), &memory);
            if k == 0 {
                let _ = body.dataset().set("workerMemory", &memory);
            }
        }
        match self.pool.receive(k, envelope.reply, envelope.ms, grads) {
            Outcome::Waiting | Outcome::AllReady => {}
            Outcome::Progress { done, total } => self.progress.set_done(done as f64 / total.max(1) as f64),
            Outcome::Weights { config, asked, sent, ms, preview } => {
                self.init.draw_preview(config, asked, Some((sent, ms)), &preview, &mut self.tasks);
            }
            Outcome::Done(finished) => self.complete(*finished),
            Outcome::PartsIn { id } => {
                if self.pool.ask_for_histograms(id).is_err() {
                    return self.fail_over();
                }
                self.queue(Job::GradSum { id, layer: 0 });
            }
            Outcome::Broken => return self.fail_over(),
        }
        // A worker may have come free (started, finished, or dropped an older request).
        if self.pending {
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
        let newer = self.pending;
        if newer {
            self.send_latest();
        }
        self.finish(f.config, f.asked, f.result, newer);
    }

    /// Shows a finished computation: the verdict, formula and table at once, then one chart per
    /// job. The page is "ready" after the last one, and only if no newer configuration waits.
    /// `asked`: when the change that asked for it happened.
    fn finish(&mut self, config: Config, asked: f64, result: Result<crate::report::Report, String>, newer_waiting: bool) {
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
                let waiting = newer_waiting || self.pool.busy() || self.pending;
                if self.init.all_drawn(computed_at, self.progress.started, waiting) {
                    self.maybe_ready();
                }
            }
            Job::GradSum { id, layer } => match self.pool.grad_sum_one(id, layer) {
                Some(true) => self.queue(Job::GradSum { id, layer: layer + 1 }),
                Some(false) => self.queue(Job::GradHist { id, layer: 0 }),
                None => {}
            },
            Job::GradHist { id, layer } => match self.pool.grad_hist_one(id, layer) {
                Some(true) => self.queue(Job::GradHist { id, layer: layer + 1 }),
                Some(false) => {
                    if let Some(finished) = self.pool.assemble_if_ready(id) {
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
        if self.pending || self.pool.busy() || !self.init.is_drawn() || self.lab.busy(train) {
            return;
        }
        self.progress.stop();
        if train {
            self.lab.say_trained();
        }
        set_state("ready");
        if self.config.embed {
            post_height();
        }
        if self.pool_deferred {
            self.later(0, |a| {
                if a.pool_deferred {
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
        let runs = self.config.compare.runs(&self.config);
        let labels = self.config.compare.labels(&self.config);
        // Every run's trainer, each in its lab worker, together (crate::budget::total).
        if let Err(e) = self.config.validate_page() {
            self.lab.stop();
            self.progress.stop();
            render::clear_results();
            let what = if self.config.view == View::Train { "train this configuration" } else { "compare these runs" };
            return show_error(&format!("Cannot {what}: {e}."));
        }
        let (h, cores) = (self.handle(), self.cores());
        self.lab.start_workers(runs.len(), cores, |k, worker: &Worker| h.wire_worker(k, worker, App::on_lab_message, App::lab_failed));
        self.lab.restart(&self.config, runs.into_iter().zip(labels).collect(), playing);
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

    fn toggle_play(&mut self) {
        if self.lab.toggle_play(self.config.view) {
            self.lab_advance();
            self.queue_lab_draw();
        }
    }

    fn train_step(&mut self) {
        if self.lab.single_step(self.config.view) {
            self.queue_lab_draw();
        }
    }

    fn train_reset(&mut self) {
        if self.config.view != View::Train {
            return;
        }
        set_state("computing");
        self.restart_lab(false);
    }

    /// The scrub slider: show the kept step at its position.
    fn scrub(&mut self) {
        if self.lab.scrub() {
            self.lab_advance();
        }
    }
}
