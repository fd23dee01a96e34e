//! The Web Worker side: answers [`Request`]s with [`Reply`]s (see [`super::protocol`]).
//!
//! - `Run` → first `Weights` (shard 0: the network's weight histograms, before the pass); then, for
//!   the whole batch, `Report`; for a shard → `Part` with its ∂L/∂W transferred, and
//!   the experiment is kept for the `Hists` request that follows → `Hists`;
//! - `Spectrum` → `Progress` now and then, then `Spectrum` (the Jacobian's singular values);
//! - anything that cannot be computed → `Failed` with the reason.
//!
//! Every reply carries the time spent here and this worker's wasm memory. It sends `Ready` once it
//! can take work. No DOM here: plotters cannot run in a worker.

use super::protocol::{decode_request, encode_reply, Envelope, Reply, Request};
use crate::compute::experiment::{build_network, Experiment, WeightsKey, WeightsPreview};
use crate::compute::lab::Trainer;
use crate::compute::shard::Shard;
use crate::nn::network::Mlp;
use crate::spec::config::Config;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// What a worker keeps between requests.
#[derive(Default)]
struct WorkerState {
    /// The shard experiment of the last `Run`, for its `Hists` step.
    last: Option<(u32, Experiment)>,
    /// Training runs by run index, with the lab generation that started them and when their
    /// classifier view was last sent (ms).
    trainers: Vec<(usize, u32, Trainer, f64)>,
    /// The last network built, kept (up to [`KEEP_NETWORK_BYTES`]) for a next request with the
    /// same weights: a batch, input, noise or view change then skips drawing them again.
    network: Option<(WeightsKey, Mlp)>,
}

/// How often a training run's classifier view is recomputed while it trains (ms): about the
/// page's redraw interval.
const VIEW_EVERY_MS: f64 = 90.0;

/// How often a computation layer by layer says how far it is (ms).
const PROGRESS_EVERY_MS: f64 = 250.0;

/// The largest network a worker keeps between requests (its weights, in bytes).
const KEEP_NETWORK_BYTES: usize = 16 << 20;

impl WorkerState {
    /// The kept network if `config` has the same weights.
    fn kept_network(&self, config: &Config) -> Option<Mlp> {
        self.network.as_ref().filter(|(k, _)| *k == WeightsKey::of(config)).map(|(_, m)| m.clone())
    }

    /// Keeps `mlp` (if small enough) for the next request.
    fn keep_network(&mut self, config: &Config, mlp: &Mlp) {
        let bytes: usize = mlp.params().map(|p| 4 * p.value.len()).sum();
        self.network = (bytes <= KEEP_NETWORK_BYTES).then(|| (WeightsKey::of(config), mlp.clone()));
    }
}

impl WorkerState {
    fn trainer(&mut self, gen: u32, run: usize) -> Option<&mut Trainer> {
        self.trainers.iter_mut().find(|(r, g, _, _)| *r == run && *g == gen).map(|(_, _, t, _)| t)
    }

    /// Answers a request; `now` reads the clock (ms), `early` sends a reply before the answer.
    fn train(&mut self, request: Request, now: &dyn Fn() -> f64, early: &dyn Fn(Reply)) -> Reply {
        match request {
            Request::TrainStart { gen, run, query } => {
                // A newer generation replaces every run of older ones.
                self.trainers.retain(|(r, g, _, _)| *g == gen && *r != run);
                let (config, _) = Config::from_query(&query);
                match Trainer::new(&config) {
                    Ok(mut t) => {
                        let points = t.points();
                        let progress = Box::new(t.progress());
                        self.trainers.push((run, gen, t, now()));
                        Reply::Trained { gen, run, progress, points }
                    }
                    Err(e) => Reply::TrainFailed { gen, run, error: e.to_string() },
                }
            }
            Request::TrainSteps { gen, run, steps, budget_ms, beyond } => {
                let t0 = now();
                let Some((_, _, t, view_at)) = self.trainers.iter_mut().find(|(r, g, _, _)| *r == run && *g == gen) else {
                    return Reply::TrainFailed { gen, run, error: "this run was replaced".into() };
                };
                let mut progress = if beyond && t.done() {
                    t.step_beyond()
                } else {
                    // The clock is read every 8 steps (a read costs about as much as a small step).
                    let mut n = 0usize;
                    t.advance(steps, || {
                        n += 1;
                        !n.is_multiple_of(8) || now() - t0 < budget_ms
                    })
                };
                // The classifier's view (a forward pass over a grid or the test set) at the
                // rate the page draws it, and always at the end.
                if progress.view.is_none() && (t.done() || now() - *view_at >= VIEW_EVERY_MS) {
                    progress.view = t.class_view();
                    *view_at = now();
                }
                Reply::Trained { gen, run, progress: Box::new(progress), points: None }
            }
            Request::TrainReport { gen, run, step } => match self.trainer(gen, run).map(|t| t.report_at(step)) {
                Some(Ok((step, report))) => Reply::TrainReport { gen, run, step, report: Box::new(report) },
                Some(Err(e)) => Reply::TrainFailed { gen, run, error: e.to_string() },
                None => Reply::TrainFailed { gen, run, error: "this run was replaced".into() },
            },
            other => self.answer(other, now, early),
        }
    }
}

impl WorkerState {
    /// Answers one request (a shard's ∂L/∂W stay in [`WorkerState::last`], sent beside a `Part`).
    /// Shard 0 of a `Run` sends its network's weights through `early` before the pass.
    fn answer(&mut self, request: Request, now: &dyn Fn() -> f64, early: &dyn Fn(Reply)) -> Reply {
        match request {
            Request::Hists { id, ranges } => match self.last.take() {
                Some((last_id, e)) if last_id == id => Reply::Hists { id, shard: e.shard.index, hists: e.shard_hists(ranges) },
                _ => Reply::Failed { id, error: "no shard is waiting for its histograms".into() },
            },
            request @ (Request::TrainStart { .. } | Request::TrainSteps { .. } | Request::TrainReport { .. }) => {
                self.train(request, now, early)
            }
            Request::Spectrum { id, query, part } => {
                let (config, _) = Config::from_query(&query);
                let mut last = now();
                let tell = |done: usize, total: usize| {
                    if now() - last >= PROGRESS_EVERY_MS {
                        last = now();
                        early(Reply::Progress { id, done, total });
                    }
                    // The page stops a spectrum by ending this worker.
                    std::ops::ControlFlow::Continue(())
                };
                match crate::compute::spectrum::run_part(&config, part, tell) {
                    Ok((input_ms, part)) => Reply::Spectrum { id, input_ms, part: Box::new(part) },
                    Err(e) => Reply::Failed { id, error: e.to_string() },
                }
            }
            Request::Run { id, query, shard } => {
                let (config, _) = Config::from_query(&query);
                // Too large to keep whole: layer by layer, the whole batch here (the pool never
                // splits it), no network kept.
                if config.is_lean() {
                    // Progress at most every PROGRESS_EVERY_MS: it takes seconds.
                    let mut last = now();
                    let mut tell = |p: crate::compute::lean::Progress| {
                        if now() - last >= PROGRESS_EVERY_MS {
                            last = now();
                            early(Reply::Progress { id, done: p.done, total: p.total });
                        }
                    };
                    return match crate::compute::lean::run_with_progress(&config, &mut tell) {
                        Ok(report) => Reply::Report { id, report: Box::new(report) },
                        Err(e) => Reply::Failed { id, error: e.to_string() },
                    };
                }
                let kept = self.kept_network(&config);
                let reused = kept.is_some();
                // The network first, and its weights to the page, before the batch and the buffers.
                let network = kept.or_else(|| config.validate_stored().is_ok().then(|| build_network(&config)));
                if let (Some(mlp), 0) = (&network, shard.index) {
                    early(Reply::Weights { id, preview: Box::new(WeightsPreview::of(mlp, &config)) });
                }
                match Experiment::new_shard_with(&config, shard, network) {
                    Ok(mut e) if shard == Shard::WHOLE => {
                        if !reused {
                            self.keep_network(&config, &e.mlp);
                        }
                        let loss = e.pass();
                        Reply::Report { id, report: Box::new(e.report(loss)) }
                    }
                    Ok(mut e) => {
                        if !reused {
                            self.keep_network(&config, &e.mlp);
                        }
                        let loss = e.pass();
                        let part = e.shard_part(loss);
                        self.last = Some((id, e));
                        Reply::Part { id, shard: shard.index, part }
                    }
                    Err(e) => Reply::Failed { id, error: e.to_string() },
                }
            }
        }
    }
}

/// This worker's wasm memory in bytes.
fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    f64::from(memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length())
}

fn post(scope: &DedicatedWorkerGlobalScope, envelope: &Envelope, grads: &[&[f32]]) {
    if let Ok((msg, transfer)) = encode_reply(envelope, grads) {
        let _ = scope.post_message_with_transfer(&msg, &transfer);
    }
}

/// Entry point of the worker bin.
pub fn start() {
    console_error_panic_hook::set_once();
    crate::data::load_digits();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let clock = scope.performance();
    let now = move || clock.as_ref().map_or(0.0, web_sys::Performance::now);
    let state = Rc::new(RefCell::new(WorkerState::default()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let t0 = now();
        let mut state = state.borrow_mut();
        let early = |reply: Reply| post(&reply_to, &Envelope { reply, ms: now() - t0, memory: memory_bytes() }, &[]);
        let reply = match decode_request(&e.data()) {
            Ok(request) => state.train(request, &now, &early),
            Err(err) => Reply::Failed { id: u32::MAX, error: err.to_string() },
        };
        let grads = match (&reply, &state.last) {
            (Reply::Part { .. }, Some((_, e))) => e.partial_grads(),
            _ => Vec::new(),
        };
        post(&reply_to, &Envelope { reply, ms: now() - t0, memory: memory_bytes() }, &grads);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &Envelope { reply: Reply::Ready, ms: 0.0, memory: memory_bytes() }, &[]);
}
