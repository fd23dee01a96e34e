//! The pool of compute workers (as many as `navigator.hardwareConcurrency`, at most 4).
//!
//! A configuration goes to one worker whole, or, when it allows (no batch norm, which needs the
//! whole batch's statistics; not a diagram-sized network; enough samples), to every worker as a
//! shard of the batch: each returns its part and its ∂L/∂W, the page sums the ∂L/∂W, fixes the
//! shared histogram ranges and asks each shard for its histograms, then assembles the report
//! (`experiment::assemble`, the same path as a whole run). At most one request is in flight;
//! newer settings wait as `pending` (the newest wins), and a pool busy with a stale setting for
//! over [`RESTART_AFTER_MS`] is terminated and started afresh.

use super::dom::{document, window};
use super::{compute_here, finish, now, schedule, APP};
use crate::config::Config;
use crate::report::{Report, BINS, DIAGRAM_MAX_DEPTH, DIAGRAM_MAX_WIDTH};
use crate::shard::{assemble, data_ranges, grad_moments, grad_range, GradStats, ShardPart};
use crate::stats::{Moments, Range};
use crate::stats::Histogram;
use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

/// A computation cannot be interrupted: once the one in flight has run this long, a newer
/// request restarts the pool (a worker starts in ~0.1 s).
pub const RESTART_AFTER_MS: f64 = 400.0;

/// The most workers used.
const MAX_WORKERS: usize = 4;

/// The request being computed.
pub(super) struct InFlight {
    pub id: u32,
    pub config: Config,
    pub sent: f64,
    count: usize,
    parts: Vec<Option<ShardPart>>,
    grads: Vec<Option<Array>>,
    /// The batch's ∂L/∂W per layer (summed over shards), then its statistics.
    summed: Vec<Vec<f32>>,
    first: Vec<(Moments, f64)>,
    grad_stats: Vec<GradStats>,
    grads_done: bool,
    hists: Vec<Option<Vec<[Histogram; 2]>>>,
    /// Time spent in the workers: the slowest shard of each step, added up.
    worker_ms: [f64; 2],
}

#[derive(Default)]
pub(super) struct Pool {
    workers: Vec<Worker>,
    ready: Vec<bool>,
    pub in_flight: Option<InFlight>,
    next_id: u32,
}

impl Pool {
    /// Whether there are workers (else the page computes on its own thread).
    pub fn active(&self) -> bool {
        !self.workers.is_empty()
    }

    pub fn all_ready(&self) -> bool {
        self.active() && self.ready.iter().all(|&r| r)
    }

    pub fn busy(&self) -> bool {
        self.in_flight.is_some()
    }

    pub fn size(&self) -> usize {
        self.workers.len()
    }
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Starts the workers (`worker_loader.js`, module workers built by trunk).
pub(super) fn start() {
    let n = (window().navigator().hardware_concurrency() as usize).clamp(1, MAX_WORKERS);
    let mut workers = Vec::with_capacity(n);
    for k in 0..n {
        let opts = web_sys::WorkerOptions::new();
        opts.set_type(web_sys::WorkerType::Module);
        let Ok(worker) = Worker::new_with_options("./worker_loader.js", &opts) else { break };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| on_message(k, &e.data()));
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|_: web_sys::Event| fail_over());
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        workers.push(worker);
    }
    APP.with(|a| {
        let mut a = a.borrow_mut();
        a.pool.ready = vec![false; workers.len()];
        a.pool.workers = workers;
    });
}

fn terminate_all() -> bool {
    APP.with(|a| {
        let mut a = a.borrow_mut();
        for w in a.pool.workers.drain(..) {
            w.terminate();
        }
        a.pool.ready.clear();
        a.pool.in_flight.take().is_some()
    })
}

/// A worker failed: compute in the page from now on.
fn fail_over() {
    let was_busy = terminate_all();
    if was_busy || APP.with(|a| a.borrow().pending) {
        APP.with(|a| a.borrow_mut().pending = false);
        schedule();
    }
}

/// Terminates the busy pool and starts a fresh one; the pending request goes to it when ready.
pub(super) fn restart() {
    terminate_all();
    start();
    if !APP.with(|a| a.borrow().pool.active()) {
        APP.with(|a| a.borrow_mut().pending = false);
        schedule();
    }
}

/// Whether the request in flight has run long enough to be worth dropping for a newer one.
pub(super) fn stale_is_long() -> bool {
    APP.with(|a| a.borrow().pool.in_flight.as_ref().is_some_and(|f| now() - f.sent > RESTART_AFTER_MS))
}

/// Shards for `config` on a pool of `workers`.
fn shard_count(config: &Config, workers: usize) -> usize {
    let diagram = config.width <= DIAGRAM_MAX_WIDTH && config.depth <= DIAGRAM_MAX_DEPTH;
    if workers < 2 || config.bn || diagram || config.batch < 32 * workers {
        1
    } else {
        workers
    }
}

fn post(worker: &Worker, fields: &[(&str, JsValue)]) -> bool {
    let msg = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&msg, &JsValue::from_str(k), v);
    }
    worker.post_message(&msg).is_ok()
}

/// Sends the latest configuration to the pool (which must be ready and idle).
pub(super) fn send_latest() {
    let (id, config, workers) = APP.with(|a| {
        let mut a = a.borrow_mut();
        a.pending = false;
        a.pool.next_id = a.pool.next_id.wrapping_add(1);
        let (id, config) = (a.pool.next_id, a.config);
        let count = shard_count(&config, a.pool.size());
        a.pool.in_flight = Some(InFlight {
            id,
            config,
            sent: now(),
            count,
            parts: vec![None; count],
            grads: vec![None; count],
            summed: Vec::new(),
            first: Vec::new(),
            grad_stats: Vec::new(),
            grads_done: false,
            hists: vec![None; count],
            worker_ms: [0.0; 2],
        });
        (id, config, a.pool.workers[..count].to_vec())
    });
    let query = JsValue::from_str(&config.to_query());
    let count = workers.len();
    for (k, w) in workers.iter().enumerate() {
        let mut fields = vec![("id", JsValue::from(id)), ("query", query.clone())];
        if count > 1 {
            fields.push(("shard", JsValue::from(k as u32)));
            fields.push(("count", JsValue::from(count as u32)));
        }
        if !post(w, &fields) {
            APP.with(|a| a.borrow_mut().pool.in_flight = None);
            compute_here();
            return;
        }
    }
}

/// Ends the request in flight with `result`; starts the newest setting first if one is waiting.
fn complete(config: Config, result: Result<Report, String>, worker_ms: f64, workers: usize) {
    if let Some(body) = document().body() {
        let _ = body.dataset().set("workerMs", &format!("{worker_ms:.1}"));
        let _ = body.dataset().set("workers", &workers.to_string());
    }
    let newer_waiting = APP.with(|a| a.borrow().pending);
    if newer_waiting {
        send_latest();
    }
    finish(config, result, newer_waiting);
}

fn on_message(k: usize, data: &JsValue) {
    if data.as_string().as_deref() == Some("ready") {
        let go = APP.with(|a| {
            let mut a = a.borrow_mut();
            if let Some(r) = a.pool.ready.get_mut(k) {
                *r = true;
            }
            a.pool.all_ready() && a.pending && !a.pool.busy()
        });
        if go {
            send_latest();
        }
        return;
    }
    if let Some(mem) = get(data, "memory").as_f64() {
        if let Some(body) = document().body() {
            let _ = body.dataset().set(&format!("worker{k}Memory"), &format!("{mem}"));
            if k == 0 {
                let _ = body.dataset().set("workerMemory", &format!("{mem}"));
            }
        }
    }
    let id = get(data, "id").as_f64().unwrap_or(-1.0) as u32;
    let ms = get(data, "ms").as_f64().unwrap_or(0.0);
    let current = APP.with(|a| a.borrow().pool.in_flight.as_ref().map(|f| f.id));
    if current != Some(id) {
        return; // a reply to a request that was dropped
    }
    if get(data, "ok").as_bool() != Some(true) {
        let Some(f) = APP.with(|a| a.borrow_mut().pool.in_flight.take()) else { return };
        let err = get(data, "error").as_string().unwrap_or_default();
        complete(f.config, Err(format!("Cannot show this configuration: {err}.")), ms, f.count);
        return;
    }
    let report = get(data, "report");
    if !report.is_undefined() {
        let Some(f) = APP.with(|a| a.borrow_mut().pool.in_flight.take()) else { return };
        let result = serde_wasm_bindgen::from_value::<Report>(report).map_err(|e| format!("Cannot read the worker's report: {e}"));
        complete(f.config, result, ms, f.count);
        return;
    }
    let part = get(data, "part");
    if !part.is_undefined() {
        let Ok(part) = serde_wasm_bindgen::from_value::<ShardPart>(part) else { return fail_over() };
        let grads: Array = get(data, "grads").unchecked_into();
        let all_in = APP.with(|a| {
            let mut a = a.borrow_mut();
            let Some(f) = a.pool.in_flight.as_mut() else { return false };
            f.parts[k] = Some(part);
            f.grads[k] = Some(grads);
            f.worker_ms[0] = f.worker_ms[0].max(ms);
            f.parts.iter().all(Option::is_some)
        });
        if all_in {
            sum_and_ask_for_histograms();
        }
        return;
    }
    let hists = get(data, "hists");
    if !hists.is_undefined() {
        let Ok(hists) = serde_wasm_bindgen::from_value::<Vec<[Histogram; 2]>>(hists) else { return fail_over() };
        APP.with(|a| {
            if let Some(f) = a.borrow_mut().pool.in_flight.as_mut() {
                f.hists[k] = Some(hists);
                f.worker_ms[1] = f.worker_ms[1].max(ms);
            }
        });
        try_assemble();
    }
}

/// Assembles the report once the shards' histograms and the page's ∂L/∂W statistics are in.
fn try_assemble() {
    let ready = APP.with(|a| a.borrow().pool.in_flight.as_ref().is_some_and(|f| f.grads_done && f.hists.iter().all(Option::is_some)));
    if !ready {
        return;
    }
    let Some(f) = APP.with(|a| a.borrow_mut().pool.in_flight.take()) else { return };
    let parts: Vec<ShardPart> = f.parts.into_iter().flatten().collect();
    let hists: Vec<Vec<[Histogram; 2]>> = f.hists.into_iter().flatten().collect();
    let report = assemble(&f.config, &parts, &f.grad_stats, &hists, None);
    complete(f.config, Ok(report), f.worker_ms[0] + f.worker_ms[1], f.count);
}

/// Work per task before yielding to the browser (ms): well under the 50 ms of a long task, and
/// long enough that the 4 ms clamp of nested timers does not dominate.
pub const TASK_BUDGET_MS: f64 = 12.0;

/// Runs `one(id, l)` for layers l, l+1, … until it says there are no more (`Some(false)`: then
/// `then(id)`), the request was dropped (`None`), or the task's budget is spent (the rest goes
/// on in a new task). Keeps the page-side work on ∂L/∂W in short tasks even at 10 × 500 × 1000.
fn budgeted(id: u32, l: usize, one: fn(u32, usize) -> Option<bool>, then: fn(u32)) {
    let t0 = now();
    let mut l = l;
    loop {
        match one(id, l) {
            Some(true) if now() - t0 < TASK_BUDGET_MS => l += 1,
            Some(true) => {
                let f = Closure::once_into_js(move || budgeted(id, l + 1, one, then));
                let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), 0);
                return;
            }
            Some(false) => return then(id),
            None => return,
        }
    }
}

/// Sums the shards' ∂L/∂W (in shard order) and measures it, layer by layer; then bins it.
fn grad_sum_step(id: u32, l: usize) {
    budgeted(id, l, grad_sum_one, |id| {
        APP.with(|a| {
            if let Some(f) = a.borrow_mut().pool.in_flight.as_mut() {
                f.grads.iter_mut().for_each(|g| *g = None);
            }
        });
        budgeted(id, 0, grad_hist_one, |_| try_assemble());
    });
}

/// Sums and measures one layer's ∂L/∂W; `Some(more)`, or `None` if the request was dropped.
fn grad_sum_one(id: u32, l: usize) -> Option<bool> {
    APP.with(|a| {
        let mut a = a.borrow_mut();
        let f = a.pool.in_flight.as_mut().filter(|f| f.id == id)?;
        let mut sum: Option<Vec<f32>> = None;
        for grads in f.grads.iter().flatten() {
            let g: Float32Array = grads.get(l as u32).unchecked_into();
            match sum.as_mut() {
                None => sum = Some(g.to_vec()),
                Some(s) => {
                    let add = g.to_vec();
                    for (s, x) in s.iter_mut().zip(add) {
                        *s += x;
                    }
                }
            }
        }
        let sum = sum.unwrap_or_default();
        f.first.push(grad_moments(&sum));
        f.summed.push(sum);
        Some(f.summed.len() < f.config.depth)
    })
}

/// Bins one layer's ∂L/∂W over the range shared by all layers.
fn grad_hist_one(id: u32, l: usize) -> Option<bool> {
    APP.with(|a| {
        let mut a = a.borrow_mut();
        let f = a.pool.in_flight.as_mut().filter(|f| f.id == id)?;
        let moments: Vec<Moments> = f.first.iter().map(|m| m.0).collect();
        let (lo, hi) = grad_range(&f.config, &moments);
        let g = std::mem::take(&mut f.summed[l]);
        let (moments, norm) = f.first[l];
        f.grad_stats.push(GradStats { moments, norm, hist: Histogram::of(&g, BINS, Range::Fixed(lo, hi)) });
        let more = f.grad_stats.len() < f.config.depth;
        f.grads_done = !more;
        Some(more)
    })
}

/// All parts are in: the shards get the shared histogram ranges of the data (fixed by the merged
/// moments) at once, while the page sums and measures ∂L/∂W, one layer per task.
fn sum_and_ask_for_histograms() {
    let msg = APP.with(|a| {
        let a = a.borrow();
        let f = a.pool.in_flight.as_ref()?;
        let workers = a.pool.workers[..f.count.min(a.pool.workers.len())].to_vec();
        let parts: Vec<ShardPart> = f.parts.iter().flatten().cloned().collect();
        let r = data_ranges(&f.config, &parts);
        Some((f.id, [r[0].0, r[0].1, r[1].0, r[1].1], workers))
    });
    let Some((id, ranges, workers)) = msg else { return };
    let ranges: Array = ranges.iter().map(|&x| JsValue::from_f64(x)).collect();
    for w in &workers {
        if !post(w, &[("id", JsValue::from(id)), ("ranges", ranges.clone().into())]) {
            return fail_over();
        }
    }
    let f = Closure::once_into_js(move || grad_sum_step(id, 0));
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), 0);
}
