//! The Web Worker side. Messages in and out:
//!
//! - `{id, query}` → `{id, ok, report}`: the whole configuration;
//! - `{id, query, shard, count}` → `{id, ok, shard, part, grads}`: one shard of the batch, its
//!   mergeable statistics and its ∂L/∂W (Float32Arrays, transferred); the experiment is kept;
//! - `{id, ranges}` → `{id, ok, shard, hists}`: that shard's histograms over the shared ranges;
//! - on failure `{id, ok: false, error}`.
//!
//! Every reply carries `ms` (time spent here) and `memory` (bytes of this worker's wasm memory).
//! It posts `"ready"` once it can take work. No DOM here: plotters cannot run in a worker.

use crate::config::Config;
use crate::experiment::{run, Experiment};
use crate::shard::Shard;
use js_sys::{Array, Float32Array, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

thread_local! {
    /// The shard experiment of the last `{id, query, shard, count}`, for its histogram step.
    static LAST: RefCell<Option<(f64, Experiment)>> = const { RefCell::new(None) };
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, String> {
    serde_wasm_bindgen::to_value(v).map_err(|e| format!("cannot send the result: {e}"))
}

/// Handles one request; returns the reply and the buffers to transfer with it.
fn answer(data: &JsValue, reply: &Object, transfer: &Array) -> Result<(), String> {
    let id = get(data, "id").as_f64().unwrap_or(-1.0);
    if let Ok(ranges) = get(data, "ranges").dyn_into::<Array>() {
        let r: Vec<f64> = ranges.iter().filter_map(|v| v.as_f64()).collect();
        let [a, b, c, d] = r[..] else { return Err("ranges needs four numbers".into()) };
        let (shard, hists) = LAST.with(|last| {
            let last = last.borrow_mut().take();
            match last {
                Some((last_id, e)) if last_id == id => Ok((e.shard.index, e.shard_hists([(a, b), (c, d)]))),
                _ => Err("no shard is waiting for its histograms".to_string()),
            }
        })?;
        set(reply, "shard", &JsValue::from(shard as u32));
        set(reply, "hists", &to_js(&hists)?);
        return Ok(());
    }
    let query = get(data, "query").as_string().unwrap_or_default();
    let (config, _) = Config::from_query(&query);
    let count = get(data, "count").as_f64().map_or(1, |c| c as usize);
    if count <= 1 {
        let report = run(&config).map_err(|e| e.to_string())?;
        set(reply, "report", &to_js(&report)?);
        return Ok(());
    }
    let index = get(data, "shard").as_f64().map_or(0, |s| s as usize);
    let mut e = Experiment::new_shard(&config, Shard { index, count }).map_err(|e| e.to_string())?;
    let loss = e.pass();
    set(reply, "shard", &JsValue::from(index as u32));
    set(reply, "part", &to_js(&e.shard_part(loss))?);
    let grads = Array::new();
    for g in e.partial_grads() {
        let arr = Float32Array::from(g);
        transfer.push(&arr.buffer());
        grads.push(&arr);
    }
    set(reply, "grads", &grads);
    LAST.with(|last| *last.borrow_mut() = Some((id, e)));
    Ok(())
}

/// Entry point of the worker bin.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let clock = scope.performance();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let t0 = clock.as_ref().map_or(0.0, web_sys::Performance::now);
        let data = e.data();
        let reply = Object::new();
        let transfer = Array::new();
        set(&reply, "id", &get(&data, "id"));
        match answer(&data, &reply, &transfer) {
            Ok(()) => set(&reply, "ok", &JsValue::TRUE),
            Err(err) => {
                set(&reply, "ok", &JsValue::FALSE);
                set(&reply, "error", &JsValue::from_str(&err));
            }
        }
        set(&reply, "ms", &JsValue::from_f64(clock.as_ref().map_or(0.0, web_sys::Performance::now) - t0));
        // This worker's wasm memory, so the page can show (and tests bound) its growth.
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        let bytes = memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
        set(&reply, "memory", &JsValue::from_f64(f64::from(bytes)));
        let _ = reply_to.post_message_with_transfer(&reply, &transfer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
