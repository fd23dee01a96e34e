//! The pool of compute workers (as many as `navigator.hardwareConcurrency`, or `workers=N`, at
//! most 8: a batch has at most 8 row chunks to share).
//!
//! Which workers compute what never changes the numbers: shards are power-of-two subtrees of the
//! batch's fixed row chunks, combined along the same tree as a whole pass (see `crate::compute::shard`).
//!
//! A configuration goes to one worker whole, or, when it allows (no block that couples the
//! batch's samples, as batch norm's statistics do; not a diagram-sized network; enough samples),
//! to every worker as a
//! shard of the batch: each returns its part and its ∂L/∂W, the page sums the ∂L/∂W, fixes the
//! shared histogram ranges and asks each shard for its histograms, then assembles the report
//! (`shard::assemble`, the same path as a whole run).
//!
//! Whole requests go to any idle worker, so while one worker computes a setting the next can
//! already start on a newer one (a slider being dragged is answered by the workers in turn).
//! Results are shown newest-first only: a request that ends after a newer one ended is dropped.
//!
//! The pool only holds state and talks to its workers: each method returns what happened (an
//! [`Outcome`]) and the [`crate::web::app::App`] decides what follows.

use super::protocol::{encode_request, Reply, Request};
use crate::analysis::report::{Report, DIAGRAM_MAX_DEPTH, DIAGRAM_MAX_WIDTH};
use crate::compute::experiment::{couples_samples, WeightsPreview};
use crate::compute::shard::{shard_count, Merge, Shard};
use crate::spec::config::Config;
use js_sys::Float32Array;
use web_sys::Worker;

/// A computation cannot be interrupted: once the one in flight has run this long, a newer
/// request restarts the pool (a worker starts in ~0.1 s).
pub const RESTART_AFTER_MS: f64 = 400.0;

/// The work of a pass below which the batch is not split: splitting costs a second round trip
/// (the shards' histograms over shared ranges) and the page's summing of ∂L/∂W. Measured with
/// `bash bench/run.sh` on 2 cores: at 10 × 256 × 256 (about 1 GFLOP) one worker took 138 ms and two
/// 148 ms; at 10 × 500 × 1000 (15 GFLOP) 831 and 705 ms; at 5 × 1000 × 1000 1,462 and 1,108 ms.
pub const SPLIT_MIN_FLOPS: f64 = 3e9;

/// Floating-point operations of a forward and backward pass: 2 per multiply-add, three products
/// per layer (z = a·W, ∂L/∂W = aᵀ·δ, ∂L/∂a = δ·Wᵀ).
#[must_use]
pub fn pass_flops(config: &Config) -> f64 {
    let dims = config.shape().layer_dims();
    6.0 * config.batch as f64 * dims.iter().map(|&(i, o)| (i * o) as f64).sum::<f64>()
}

/// A compute worker (`www/worker_loader.js`, a module worker), for the pool and the lab, handed the
/// worker's wasm compiled once for all ([`super::worker_module`]).
#[must_use]
pub fn spawn_worker() -> Option<Worker> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = Worker::new_with_options("./worker_loader.js", &opts).ok()?;
    super::worker_module::hand_to(&worker);
    Some(worker)
}

/// The most workers used.
const MAX_WORKERS: usize = 8;

/// A request being computed.
struct InFlight {
    id: u32,
    /// The workers on it: one for a whole request, worker i for shard i of a split one.
    workers: std::ops::Range<usize>,
    config: Config,
    sent: f64,
    /// When the change that asked for it happened.
    asked: f64,
    count: usize,
    /// The shards' results, combined as a whole pass would (the same code the tests run).
    merge: Merge,
    /// Each shard's ∂L/∂W per layer, kept in JavaScript until the page sums that layer.
    grads: Vec<Option<Vec<Float32Array>>>,
    /// Time spent in the workers: the slowest shard of each step, added up.
    worker_ms: [f64; 2],
}

/// A request that ended.
pub struct Finished {
    pub config: Config,
    /// When the change that asked for it happened (ms).
    pub asked: f64,
    pub result: Result<Report, String>,
    /// Milliseconds spent in the workers.
    pub worker_ms: f64,
    /// How many workers shared it.
    pub workers: usize,
}

/// What a message from a worker led to.
pub enum Outcome {
    /// Nothing for the page to do yet.
    Waiting,
    /// Every worker has started and can take work.
    AllReady,
    /// How far the newest request is (`done` of `total`), when it says.
    Progress { done: usize, total: usize },
    /// The weights of the request in flight's network, before its pass: drawn at once.
    Weights { config: Config, asked: f64, sent: f64, ms: f64, preview: Box<WeightsPreview> },
    /// The request in flight ended.
    Done(Box<Finished>),
    /// Every shard's part of request `id` is in: the page sums ∂L/∂W while the shards bin.
    PartsIn { id: u32 },
    /// A worker sent what it should not: compute in the page from now on.
    Broken,
}

#[derive(Default)]
pub struct Pool {
    workers: Vec<Worker>,
    ready: Vec<bool>,
    /// Requests being computed, oldest first.
    in_flight: Vec<InFlight>,
    next_id: u32,
    /// The newest request that ended (older ones still computing are dropped when they end).
    done_id: u32,
}

impl Pool {
    /// Starts `n` workers (`worker_loader.js`, module workers built by trunk); `wire` attaches
    /// each one's message and error handlers.
    pub fn start(&mut self, n: usize, wire: impl Fn(usize, &Worker)) {
        let n = n.clamp(1, MAX_WORKERS);
        for k in 0..n {
            let Some(worker) = spawn_worker() else { break };
            wire(k, &worker);
            self.workers.push(worker);
        }
        self.ready = vec![false; self.workers.len()];
    }

    /// Terminates every worker; returns whether a request was in flight.
    pub fn terminate(&mut self) -> bool {
        for w in self.workers.drain(..) {
            w.terminate();
        }
        self.ready.clear();
        let busy = self.busy();
        self.in_flight.clear();
        busy
    }

    /// Whether there are workers (else the page computes on its own thread).
    #[must_use]
    pub fn active(&self) -> bool {
        !self.workers.is_empty()
    }

    #[must_use]
    pub fn all_ready(&self) -> bool {
        self.active() && self.ready.iter().all(|&r| r)
    }

    /// Whether a request that can still be shown is being computed.
    #[must_use]
    pub fn busy(&self) -> bool {
        self.in_flight.iter().any(|f| f.id > self.done_id)
    }

    /// Whether any request is being computed (one that can still be shown or not).
    #[must_use]
    pub fn computing(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// Whether `config` can be sent now: every worker ready, and an idle worker for a whole
    /// request, or every worker idle for a split one.
    #[must_use]
    pub fn can_send(&self, config: &Config) -> bool {
        let idle = (0..self.workers.len()).filter(|&k| self.idle(k)).count();
        self.all_ready() && if Self::shard_count(config, self.workers.len()) > 1 { idle == self.workers.len() } else { idle > 0 }
    }

    fn idle(&self, k: usize) -> bool {
        !self.in_flight.iter().any(|f| f.workers.contains(&k))
    }

    /// When the newest request in flight was sent (ms), if there is one.
    #[must_use]
    pub fn sent_at(&self) -> Option<f64> {
        self.in_flight.last().map(|f| f.sent)
    }

    fn flight(&mut self, id: u32) -> Option<&mut InFlight> {
        self.in_flight.iter_mut().find(|f| f.id == id)
    }

    /// Takes request `id` out of the flight list; `None` if it is unknown, or older than one that
    /// ended already (a newer result is on the screen).
    fn land(&mut self, id: u32) -> Option<InFlight> {
        let i = self.in_flight.iter().position(|f| f.id == id)?;
        let f = self.in_flight.remove(i);
        (f.id > self.done_id).then(|| {
            self.done_id = f.id;
            f
        })
    }

    /// Shards for `config` on a pool of `workers`.
    /// A power of two, so each shard is a subtree of the batch's row chunks and the report has
    /// the same bits for any number of workers (`shard::shard_count`).
    /// Below [`SPLIT_MIN_FLOPS`] a whole run in one worker is as fast as a split one, unless the
    /// link asks for a number of workers (`workers=N`, for tests and benchmarks). A network too
    /// large to keep is computed layer by layer in one worker (`crate::compute::lean`).
    fn shard_count(config: &Config, workers: usize) -> usize {
        let diagram = config.width <= DIAGRAM_MAX_WIDTH && config.depth <= DIAGRAM_MAX_DEPTH;
        let small = config.workers == 0 && pass_flops(config) < SPLIT_MIN_FLOPS;
        if couples_samples(config) || diagram || small || config.is_lean() {
            1
        } else {
            shard_count(config.batch, workers)
        }
    }

    /// Sends `config` to the pool (which must [`Pool::can_send`] it), at time `now`; `asked`: when
    /// the change that asked for it happened. On failure it is not in flight.
    pub fn send(&mut self, config: Config, now: f64, asked: f64) -> Result<(), ()> {
        self.next_id += 1;
        let id = self.next_id;
        let count = Self::shard_count(&config, self.workers.len());
        let first = if count > 1 { Some(0) } else { (0..self.workers.len()).find(|&k| self.idle(k)) };
        let Some(first) = first.filter(|_| self.all_ready()) else { return Err(()) };
        let workers = first..first + count;
        self.in_flight.push(InFlight {
            id,
            workers: workers.clone(),
            config,
            sent: now,
            asked,
            count,
            merge: Merge::new(config, count),
            grads: vec![None; count],
            worker_ms: [0.0; 2],
        });
        let query = config.to_query();
        for (index, w) in self.workers[workers].iter().enumerate() {
            let request = Request::Run { id, query: query.clone(), shard: Shard { index, count } };
            if !encode_request(&request).is_ok_and(|m| w.post_message(&m).is_ok()) {
                self.in_flight.retain(|f| f.id != id);
                return Err(());
            }
        }
        Ok(())
    }

    /// Takes a reply of worker `k` that spent `ms` on it, with the ∂L/∂W it carried.
    pub fn receive(&mut self, k: usize, reply: Reply, ms: f64, grads: Vec<Float32Array>) -> Outcome {
        if let Reply::Ready = reply {
            if let Some(r) = self.ready.get_mut(k) {
                *r = true;
            }
            return if self.all_ready() { Outcome::AllReady } else { Outcome::Waiting };
        }
        let id = match &reply {
            Reply::Weights { id, .. }
            | Reply::Progress { id, .. }
            | Reply::Report { id, .. }
            | Reply::Part { id, .. }
            | Reply::Hists { id, .. }
            | Reply::Failed { id, .. } => *id,
            Reply::Ready | Reply::Trained { .. } | Reply::TrainReport { .. } | Reply::TrainFailed { .. } | Reply::Spectrum { .. } => {
                return Outcome::Waiting
            }
        };
        if !self.in_flight.iter().any(|f| f.id == id) {
            return Outcome::Waiting; // a reply to a request that was dropped
        }
        match reply {
            Reply::Ready | Reply::Trained { .. } | Reply::TrainReport { .. } | Reply::TrainFailed { .. } | Reply::Spectrum { .. } => {
                Outcome::Waiting
            }
            // Drawn unless a newer request's results are on the screen.
            Reply::Weights { preview, .. } => match self.in_flight.iter().find(|f| f.id == id && f.id > self.done_id) {
                Some(f) => Outcome::Weights { config: f.config, asked: f.asked, sent: f.sent, ms, preview },
                None => Outcome::Waiting,
            },
            Reply::Progress { done, total, .. } if self.in_flight.last().is_some_and(|f| f.id == id) => Outcome::Progress { done, total },
            Reply::Progress { .. } => Outcome::Waiting,
            Reply::Failed { error, .. } => self.finish(id, Err(format!("Cannot show this configuration: {error}.")), ms),
            Reply::Report { report, .. } => self.finish(id, Ok(*report), ms),
            Reply::Part { shard, part, .. } => {
                let Some(f) = self.flight(id) else { return Outcome::Waiting };
                let Some(g) = f.grads.get_mut(shard) else { return Outcome::Broken };
                *g = Some(grads);
                f.worker_ms[0] = f.worker_ms[0].max(ms);
                match f.merge.add_part(shard, part) {
                    Ok(true) => Outcome::PartsIn { id },
                    Ok(false) => Outcome::Waiting,
                    Err(_) => Outcome::Broken,
                }
            }
            Reply::Hists { shard, hists, .. } => {
                let Some(f) = self.flight(id) else { return Outcome::Waiting };
                if f.merge.add_hists(shard, hists).is_err() {
                    return Outcome::Broken;
                }
                f.worker_ms[1] = f.worker_ms[1].max(ms);
                self.assemble_if_ready(id).map_or(Outcome::Waiting, |f| Outcome::Done(Box::new(f)))
            }
        }
    }

    /// Ends request `id` with `result` (dropped if a newer one ended first).
    fn finish(&mut self, id: u32, result: Result<Report, String>, ms: f64) -> Outcome {
        match self.land(id) {
            Some(f) => Outcome::Done(Box::new(Finished { config: f.config, asked: f.asked, result, worker_ms: ms, workers: f.count })),
            None => Outcome::Waiting,
        }
    }

    /// Sends every shard the shared histogram ranges of the data, fixed by the merged moments.
    pub fn ask_for_histograms(&self, id: u32) -> Result<(), ()> {
        let Some(f) = self.in_flight.iter().find(|f| f.id == id) else { return Ok(()) };
        let Some(ranges) = f.merge.ranges() else { return Err(()) };
        for w in &self.workers[f.workers.start..f.workers.end.min(self.workers.len())] {
            let msg = encode_request(&Request::Hists { id, ranges }).map_err(|_| ())?;
            w.post_message(&msg).map_err(|_| ())?;
        }
        Ok(())
    }

    /// Sums (along the chunk tree) and measures one layer's ∂L/∂W; `Some(more layers)`, or `None` if
    /// request `id` was dropped or a shard's reply lacks the layer.
    pub fn grad_sum_one(&mut self, id: u32, layer: usize) -> Option<bool> {
        let f = self.flight(id)?;
        if f.merge.summed_layers() != layer {
            return None;
        }
        // Along the chunk tree, in shard order: the same bits as one worker's whole pass.
        let parts: Option<Vec<Vec<f32>>> = f.grads.iter().flatten().map(|grads| grads.get(layer).map(Float32Array::to_vec)).collect();
        let more = f.merge.sum_grad(parts?).ok()?;
        if !more {
            f.grads.iter_mut().for_each(|g| *g = None);
        }
        Some(more)
    }

    /// Bins one layer's summed ∂L/∂W over the range shared by all layers; as [`Pool::grad_sum_one`].
    pub fn grad_hist_one(&mut self, id: u32, _layer: usize) -> Option<bool> {
        self.flight(id)?.merge.bin_grad().ok()
    }

    /// Request `id`'s report, once the shards' histograms and the page's ∂L/∂W statistics are all in.
    pub fn assemble_if_ready(&mut self, id: u32) -> Option<Finished> {
        if !self.in_flight.iter().find(|f| f.id == id)?.merge.ready() {
            return None;
        }
        let f = self.land(id)?;
        let result = f.merge.assemble().map_err(|e| format!("Cannot show this configuration: {e}."));
        Some(Finished { config: f.config, asked: f.asked, result, worker_ms: f.worker_ms[0] + f.worker_ms[1], workers: f.count })
    }
}
