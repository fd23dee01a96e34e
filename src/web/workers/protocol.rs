//! Page ↔ worker messages, as serde enums both sides use (gloo-worker's `messages.rs` style).
//!
//! A message is a JS object `{ msg, grads }`: `msg` is the enum, converted by serde-wasm-bindgen;
//! `grads` (replies with a shard's ∂L/∂W only) is an array of `Float32Array`s whose buffers are
//! transferred, not copied. Nothing else in the program reads or writes message fields by name.

use crate::analysis::report::Report;
use crate::analysis::spectrum::SpectrumPart;
use crate::compute::experiment::WeightsPreview;
use crate::compute::lab::{Points, Progress};
use crate::compute::shard::{DataHists, Shard, ShardPart};
use js_sys::{Array, Float32Array, Object, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// What the page asks of a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Compute the configuration of `query` (its canonical query string) on `shard` of the batch:
    /// [`Reply::Report`] for the whole batch, else [`Reply::Part`] (the worker keeps the experiment
    /// for the [`Request::Hists`] that follows).
    Run { id: u32, query: String, shard: Shard },
    /// Bin the kept shard's data quantities (`Quantity::DATA`) over these shared ranges.
    Hists { id: u32, ranges: [(f64, f64); 3] },
    /// Start training run `run` of the configuration `query` (generation `gen` of the lab; a
    /// newer generation replaces the run) → [`Reply::Trained`] with step 0 and the data points.
    TrainStart { gen: u32, run: usize, query: String },
    /// Train run `run` for up to `steps` steps or `budget_ms` milliseconds, whichever ends first;
    /// `beyond`: one step even past the configured `steps` → [`Reply::Trained`].
    TrainSteps { gen: u32, run: usize, steps: usize, budget_ms: f64, beyond: bool },
    /// The initialization view's report of run `run` as it was at `step` (the nearest kept step
    /// at or before it) → [`Reply::TrainReport`].
    TrainReport { gen: u32, run: usize, step: usize },
    /// Part `part` = (index, of) of the Jacobian spectrum of the configuration of `query` (its
    /// inputs split across workers) → [`Reply::Progress`] as it goes, then [`Reply::Spectrum`].
    Spectrum { id: u32, query: String, part: (usize, usize) },
}

/// What a worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// Started and ready for work.
    Ready,
    /// The weights of request `id`'s network, sent as soon as it is built (before the pass), so
    /// the page draws them first; the report that follows has the same.
    Weights { id: u32, preview: Box<WeightsPreview> },
    /// How far request `id` is, for one computed layer by layer: `done` of `total` layer steps.
    Progress { id: u32, done: usize, total: usize },
    /// The whole configuration's report.
    Report { id: u32, report: Box<Report> },
    /// One shard's mergeable statistics; its ∂L/∂W travel in the message's `grads`.
    Part { id: u32, shard: usize, part: ShardPart },
    /// One shard's histograms over the shared ranges.
    Hists { id: u32, shard: usize, hists: Vec<DataHists> },
    /// The request could not be computed.
    Failed { id: u32, error: String },
    /// What training run `run` did since the last reply (`points`: the 2-D data, with step 0).
    Trained { gen: u32, run: usize, progress: Box<Progress>, points: Option<Points> },
    /// The report of run `run` at step `step`.
    TrainReport { gen: u32, run: usize, step: usize, report: Box<Report> },
    /// Run `run` could not start or go on.
    TrainFailed { gen: u32, run: usize, error: String },
    /// Request `id`'s part of a spectrum, and the inputs' mean square the theory reads.
    Spectrum { id: u32, input_ms: f64, part: Box<SpectrumPart> },
}

/// A reply with what every reply carries: time spent in the worker and its wasm memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub reply: Reply,
    /// Milliseconds the worker spent on the request.
    pub ms: f64,
    /// Bytes of the worker's wasm memory after it.
    pub memory: f64,
}

const MSG: &str = "msg";
const GRADS: &str = "grads";

/// A message that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMessage(pub String);

impl std::fmt::Display for BadMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unreadable worker message: {}", self.0)
    }
}

fn wrap<T: Serialize>(msg: &T, grads: Option<&Array>) -> Result<Object, BadMessage> {
    let value = serde_wasm_bindgen::to_value(msg).map_err(|e| BadMessage(e.to_string()))?;
    let obj = Object::new();
    let _ = Reflect::set(&obj, &JsValue::from_str(MSG), &value);
    if let Some(g) = grads {
        let _ = Reflect::set(&obj, &JsValue::from_str(GRADS), g);
    }
    Ok(obj)
}

fn unwrap_msg<T: for<'de> Deserialize<'de>>(data: &JsValue) -> Result<T, BadMessage> {
    let value = Reflect::get(data, &JsValue::from_str(MSG)).map_err(|_| BadMessage("no msg".into()))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| BadMessage(e.to_string()))
}

/// Encodes a request.
pub fn encode_request(r: &Request) -> Result<JsValue, BadMessage> {
    wrap(r, None).map(Into::into)
}

/// Decodes a request.
pub fn decode_request(data: &JsValue) -> Result<Request, BadMessage> {
    unwrap_msg(data)
}

/// Encodes a reply with the ∂L/∂W to transfer; returns the message and its transfer list.
pub fn encode_reply(e: &Envelope, grads: &[&[f32]]) -> Result<(JsValue, Array), BadMessage> {
    let transfer = Array::new();
    let arrays = (!grads.is_empty()).then(|| {
        let arrays = Array::new();
        for g in grads {
            let arr = Float32Array::from(*g);
            transfer.push(&arr.buffer());
            arrays.push(&arr);
        }
        arrays
    });
    Ok((wrap(e, arrays.as_ref())?.into(), transfer))
}

/// Decodes a reply and its ∂L/∂W arrays (empty when it has none).
pub fn decode_reply(data: &JsValue) -> Result<(Envelope, Vec<Float32Array>), BadMessage> {
    let envelope = unwrap_msg(data)?;
    let grads = Reflect::get(data, &JsValue::from_str(GRADS))
        .ok()
        .and_then(|g| g.dyn_into::<Array>().ok())
        .map(|a| a.iter().filter_map(|x| x.dyn_into::<Float32Array>().ok()).collect())
        .unwrap_or_default();
    Ok((envelope, grads))
}
