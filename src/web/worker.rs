//! The Web Worker side: one message in (`{id, query}`), one message out
//! (`{id, ok: true, report}` or `{id, ok: false, error}`). Posts `"ready"` once it can take work.
//! No DOM here: plotters cannot run in a worker, so drawing stays on the main thread.

use crate::config::Config;
use crate::experiment::run;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Handles one request.
fn answer(data: &JsValue) -> Object {
    let reply = Object::new();
    let id = Reflect::get(data, &"id".into()).unwrap_or(JsValue::NULL);
    set(&reply, "id", &id);
    let query = Reflect::get(data, &"query".into()).ok().and_then(|q| q.as_string()).unwrap_or_default();
    let (config, _) = Config::from_query(&query);
    let clock = js_sys::global().unchecked_into::<web_sys::WorkerGlobalScope>().performance();
    let t0 = clock.as_ref().map_or(0.0, web_sys::Performance::now);
    let result = run(&config);
    let ms = clock.as_ref().map_or(0.0, web_sys::Performance::now) - t0;
    set(&reply, "ms", &JsValue::from_f64(ms));
    // The worker's wasm memory, so the page can show (and tests bound) its growth.
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
    set(&reply, "memory", &JsValue::from_f64(f64::from(bytes)));
    match result.map_err(|e| e.to_string()).and_then(|r| {
        serde_wasm_bindgen::to_value(&r).map_err(|e| format!("cannot send the report: {e}"))
    }) {
        Ok(report) => {
            set(&reply, "ok", &JsValue::TRUE);
            set(&reply, "report", &report);
        }
        Err(e) => {
            set(&reply, "ok", &JsValue::FALSE);
            set(&reply, "error", &JsValue::from_str(&e));
        }
    }
    reply
}

/// Entry point of the worker bin.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let _ = reply_to.post_message(&answer(&e.data()));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
