//! The training lab's page side: its own workers (one per run, at most one per core), the runs'
//! histories as they come in, and play / pause / step / reset. Like [`super::pool::Pool`], it holds
//! state and talks to workers; each method says what happened and [`crate::web::app::App`] decides what
//! follows (drawing, asking for a report, the page's state).
//!
//! A run is pumped: each reply of a playing run is answered by the next `TrainSteps` request, so
//! a worker trains continuously, replying every [`SLICE_MS`], and a
//! pause takes effect at the next reply. A newer generation (a setting changed, reset) replaces
//! every run; replies of older generations are dropped.

use super::protocol::{encode_request, Reply, Request};
use crate::analysis::report::Report;
use crate::compute::lab::{summarize, ClassView, Divergence, Eval, Points, Record, Summary};
use crate::spec::config::Config;
use web_sys::Worker;

/// How long a worker trains before it reports (ms): a redraw every 90 ms finds a new report.
pub const SLICE_MS: f64 = 45.0;

/// The most lab workers.
const MAX_WORKERS: usize = 4;

/// While a run plays, the first run's report (the initialization view's charts and table at the
/// current step) is refreshed this often (ms).
pub const REPORT_EVERY_MS: f64 = 1000.0;

/// One run as the page knows it.
#[derive(Debug, Default)]
pub struct Run {
    pub config: Config,
    pub label: String,
    pub worker: usize,
    pub records: Vec<Record>,
    pub evals: Vec<Eval>,
    pub step: usize,
    pub epoch: f64,
    pub diverged: Option<Divergence>,
    pub view: Option<ClassView>,
    pub points: Option<Points>,
    pub snapshots: Vec<usize>,
    /// A request is in flight.
    pub busy: bool,
    /// Its first reply came.
    pub started: bool,
    /// The report at a step (for the initialization view's charts and comparisons).
    pub report: Option<(usize, Report)>,
    pub error: Option<String>,
}

impl Run {
    /// Reached its steps or diverged.
    #[must_use]
    pub fn done(&self) -> bool {
        self.error.is_some() || self.diverged.is_some() || (self.started && self.step >= self.config.steps)
    }

    /// Its summary row.
    #[must_use]
    pub fn summary(&self) -> Option<Summary> {
        summarize(&self.evals, self.diverged.is_some())
    }
}

/// What a lab message led to.
pub enum LabEvent {
    /// Nothing to show.
    Nothing,
    /// Every lab worker started.
    AllReady,
    /// A run advanced (its charts should be redrawn).
    Advanced,
    /// A report came in for run `run`.
    Report { run: usize },
    /// A run failed.
    Failed,
}

#[derive(Default)]
pub struct Lab {
    workers: Vec<Worker>,
    ready: Vec<bool>,
    pub gen: u32,
    pub runs: Vec<Run>,
    pub playing: bool,
    /// The step the charts show (None: the latest).
    pub at: Option<usize>,
    /// A run to start when the workers are ready.
    waiting: Option<Vec<(Config, String)>>,
    /// When the first run's report was last asked for while playing (ms).
    reported_at: f64,
}

impl Lab {
    /// Starts `n` workers (as the pool does); `wire` attaches their handlers.
    pub fn start_workers(&mut self, n: usize, wire: impl Fn(usize, &Worker)) {
        let n = n.clamp(1, MAX_WORKERS);
        for k in self.workers.len()..n {
            let Some(worker) = super::pool::spawn_worker() else { break };
            wire(k, &worker);
            self.workers.push(worker);
            self.ready.push(false);
        }
    }

    #[must_use]
    pub fn has_workers(&self) -> bool {
        !self.workers.is_empty()
    }

    /// Stops every worker (leaving the training view, or a worker failed).
    pub fn stop(&mut self) {
        for w in self.workers.drain(..) {
            w.terminate();
        }
        self.ready.clear();
        self.runs.clear();
        self.playing = false;
        self.waiting = None;
    }

    fn post(&self, k: usize, request: &Request) -> bool {
        let Some(w) = self.workers.get(k) else { return false };
        encode_request(request).is_ok_and(|m| w.post_message(&m).is_ok())
    }

    /// Replaces every run with `runs` (a new generation); starts them now, or when the workers are ready.
    pub fn restart(&mut self, runs: Vec<(Config, String)>, playing: bool) {
        self.gen = self.gen.wrapping_add(1);
        self.playing = playing;
        self.at = None;
        self.runs.clear();
        if !self.ready.is_empty() && self.ready.iter().all(|&r| r) {
            self.launch(runs);
        } else {
            self.waiting = Some(runs);
        }
    }

    fn launch(&mut self, runs: Vec<(Config, String)>) {
        let n = self.workers.len().max(1);
        self.runs =
            runs.into_iter().enumerate().map(|(i, (config, label))| Run { config, label, worker: i % n, ..Run::default() }).collect();
        for i in 0..self.runs.len() {
            let r = &self.runs[i];
            let ok = self.post(r.worker, &Request::TrainStart { gen: self.gen, run: i, query: r.config.to_query() });
            self.runs[i].busy = ok;
            if !ok {
                self.runs[i].error = Some("a compute worker could not be reached".into());
            }
        }
    }

    /// Asks run `i` for its next slice (if it is playing and idle), or a single step.
    fn pump(&mut self, i: usize, single: bool) {
        let gen = self.gen;
        let Some(r) = self.runs.get(i) else { return };
        if r.busy || !r.started || r.error.is_some() || r.diverged.is_some() {
            return;
        }
        let request = if single {
            Request::TrainSteps { gen, run: i, steps: 1, budget_ms: SLICE_MS, beyond: true }
        } else if self.playing && !r.done() {
            Request::TrainSteps { gen, run: i, steps: r.config.steps - r.step, budget_ms: SLICE_MS, beyond: false }
        } else {
            return;
        };
        let worker = r.worker;
        let ok = self.post(worker, &request);
        if let Some(r) = self.runs.get_mut(i) {
            r.busy = ok;
        }
    }

    /// Play (true) or pause (false).
    pub fn set_playing(&mut self, playing: bool) {
        self.playing = playing;
        if playing {
            self.at = None;
            for i in 0..self.runs.len() {
                self.pump(i, false);
            }
        }
    }

    /// One step of every run (pausing first).
    pub fn single_step(&mut self) {
        self.playing = false;
        self.at = None;
        for i in 0..self.runs.len() {
            self.pump(i, true);
        }
    }

    /// Asks every run for its report at `step` (None: its current step).
    pub fn ask_reports(&mut self, step: Option<usize>) {
        let gen = self.gen;
        for i in 0..self.runs.len() {
            let r = &self.runs[i];
            if r.busy || !r.started || r.error.is_some() {
                continue;
            }
            let step = step.unwrap_or(r.step);
            let ok = self.post(r.worker, &Request::TrainReport { gen, run: i, step });
            self.runs[i].busy = ok;
        }
    }

    /// Whether every run is idle and stopped (done, or paused).
    #[must_use]
    pub fn settled(&self) -> bool {
        self.waiting.is_none() && self.runs.iter().all(|r| r.error.is_some() || (r.started && !r.busy && (r.done() || !self.playing)))
    }

    /// Whether every run reached its steps (or diverged, or failed).
    #[must_use]
    pub fn all_done(&self) -> bool {
        !self.runs.is_empty() && self.runs.iter().all(Run::done)
    }

    /// The largest step any run reached.
    #[must_use]
    pub fn step(&self) -> usize {
        self.runs.iter().map(|r| r.step).max().unwrap_or(0)
    }

    /// Takes a reply of lab worker `k` at time `now` (ms).
    pub fn receive(&mut self, k: usize, reply: Reply, now: f64) -> LabEvent {
        match reply {
            Reply::Ready => {
                if let Some(r) = self.ready.get_mut(k) {
                    *r = true;
                }
                if self.ready.iter().all(|&r| r) {
                    if let Some(runs) = self.waiting.take() {
                        self.launch(runs);
                    }
                    return LabEvent::AllReady;
                }
                LabEvent::Nothing
            }
            Reply::Trained { gen, run, progress, points } if gen == self.gen => {
                let Some(r) = self.runs.get_mut(run) else { return LabEvent::Nothing };
                r.busy = false;
                r.started = true;
                r.step = progress.step;
                r.epoch = progress.epoch;
                r.records.extend(progress.records);
                r.evals.extend(progress.evals);
                r.diverged = progress.diverged;
                r.snapshots = progress.snapshots;
                if progress.view.is_some() {
                    r.view = progress.view;
                }
                if points.is_some() {
                    r.points = points;
                }
                // Now and then, the first run's report at this step instead of the next slice.
                if run == 0 && self.playing && !r.done() && now - self.reported_at >= REPORT_EVERY_MS {
                    let (worker, step) = (r.worker, r.step);
                    self.reported_at = now;
                    let sent = self.post(worker, &Request::TrainReport { gen, run, step });
                    self.runs[run].busy = sent;
                    if sent {
                        return LabEvent::Advanced;
                    }
                }
                self.pump(run, false);
                LabEvent::Advanced
            }
            Reply::TrainReport { gen, run, step, report } if gen == self.gen => {
                let Some(r) = self.runs.get_mut(run) else { return LabEvent::Nothing };
                r.busy = false;
                r.report = Some((step, *report));
                // A play pressed while the report was computed.
                self.pump(run, false);
                LabEvent::Report { run }
            }
            Reply::TrainFailed { gen, run, error } if gen == self.gen => {
                if let Some(r) = self.runs.get_mut(run) {
                    r.busy = false;
                    r.error = Some(error);
                }
                LabEvent::Failed
            }
            _ => LabEvent::Nothing,
        }
    }
}
