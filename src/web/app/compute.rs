//! Where the initialization view's reports are computed: the worker pool
//! ([`crate::web::workers::pool::Pool`]), whether a computation of the latest configuration waits for it,
//! when a long computation is dropped for a newer setting, and when workers are given up.
//!
//! It answers questions; [`super::App`] acts on the answers (computing in the page, restarting
//! the pool, showing what came back).

use crate::spec::config::Config;
use crate::web::dom::{document, now};
use crate::web::workers::pool::{Outcome, Pool, RESTART_AFTER_MS};
use crate::web::workers::protocol::{decode_reply, Reply};
use wasm_bindgen::JsValue;
use web_sys::Worker;

/// How long a setting must stay put before a long computation is dropped for it (ms): longer
/// than the gap between a dragged slider's events.
const QUIET_MS: f64 = 250.0;

/// Worker failures in a row after which the page computes on its own thread.
const MAX_WORKER_FAILURES: u32 = 3;

/// When a pending setting drops the computations it waits behind.
pub enum Stale {
    /// Now: restart the pool.
    Now,
    /// Look again in this many ms.
    In(i32),
    /// Nothing is in flight.
    Never,
}

/// The pool and what waits for it.
#[derive(Default)]
pub struct Compute {
    pub pool: Pool,
    /// A computation is wanted and will read the latest configuration when it runs.
    pub pending: bool,
    /// The workers start once the shipped first view is drawn.
    pub deferred: bool,
    /// Worker failures since the last answer from a worker.
    failures: u32,
}

impl Compute {
    /// Starts `n` workers; `wire` connects each one's messages.
    pub fn start(&mut self, n: usize, wire: impl Fn(usize, &Worker)) {
        self.deferred = false;
        self.pool.start(n, wire);
    }

    /// A computation of the latest configuration is wanted; returns whether one was already.
    pub fn want(&mut self) -> bool {
        std::mem::replace(&mut self.pending, true)
    }

    /// Sends `config` (changed at `asked`) to the pool if a worker can take it, else it stays
    /// pending until one can. Returns `false` when sending failed: compute it in the page.
    pub fn send(&mut self, config: &Config, asked: f64) -> bool {
        if !self.pool.can_send(config) {
            return true;
        }
        self.pending = false;
        self.pool.send(*config, now(), asked).is_ok()
    }

    /// A newer setting (changed at `asked`) waits behind computations: they are dropped once the
    /// newest has run for [`RESTART_AFTER_MS`] and the setting has been still for [`QUIET_MS`].
    /// While a slider still moves, its setting would be replaced before a restarted pool finished
    /// it, so the workers go on and their results are shown as they come.
    pub fn stale(&self, asked: f64) -> Stale {
        if now() - asked >= QUIET_MS && self.pool.sent_at().is_some_and(|t| now() - t > RESTART_AFTER_MS) {
            return Stale::Now;
        }
        let Some(sent) = self.pool.sent_at() else { return Stale::Never };
        let wait = (sent + RESTART_AFTER_MS).max(asked + QUIET_MS) - now();
        Stale::In(wait.max(0.0).ceil() as i32 + 1)
    }

    /// `config` still waits for a worker.
    pub fn waits(&self, config: &Config) -> bool {
        self.pending && !self.pool.can_send(config)
    }

    /// A worker stopped: whether the workers are given up ([`MAX_WORKER_FAILURES`] failures in
    /// a row without a single answer).
    pub fn failed(&mut self) -> bool {
        self.failures += 1;
        self.failures >= MAX_WORKER_FAILURES
    }

    /// Worker `k`'s message, as the pool reads it (`None`: unreadable, give the workers up). Its
    /// wasm memory goes on the page, so the page can show (and tests bound) its growth.
    pub fn receive(&mut self, k: usize, data: &JsValue) -> Option<Outcome> {
        let Ok((envelope, grads)) = decode_reply(data) else { return None };
        if !matches!(envelope.reply, Reply::Ready) {
            self.failures = 0;
        }
        if let Some(body) = document().body() {
            let memory = format!("{}", envelope.memory);
            let _ = body.dataset().set(&format!("worker{k}Memory"), &memory);
            if k == 0 {
                let _ = body.dataset().set("workerMemory", &memory);
            }
        }
        Some(self.pool.receive(k, envelope.reply, envelope.ms, grads))
    }
}
