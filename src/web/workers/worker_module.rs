//! The compute worker's wasm, compiled once for every worker.
//!
//! Each worker used to fetch and compile its own `worker_bg.wasm` (two workers: two downloads,
//! two compiles). The page now compiles it once, `WebAssembly.compileStreaming(fetch(…))`, and
//! posts the compiled `WebAssembly.Module` as every worker's first message (`www/worker_loader.js`
//! instantiates it). Workers spawned while it compiles wait for it; if compiling fails (a host
//! that sends the wrong MIME type, say), each worker is sent `null` and fetches its own copy, as
//! before.

use crate::web::dom::window;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::Worker;

/// The worker's wasm, next to the page.
const WORKER_WASM: &str = "./worker_bg.wasm";

/// Where the compiled module is.
enum State {
    NotStarted,
    /// Compiling; these workers wait for it.
    Compiling(Vec<Worker>),
    /// Compiled (a `WebAssembly.Module`), or `null` if it could not be.
    Ready(JsValue),
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::NotStarted) };
}

/// Gives `worker` the compiled module: now if it is ready, else once it is (starting the compile
/// on the first call).
pub fn hand_to(worker: &Worker) {
    let start = STATE.with(|s| {
        let mut s = s.borrow_mut();
        match &mut *s {
            State::Ready(module) => {
                let _ = worker.post_message(module);
                false
            }
            State::Compiling(waiting) => {
                waiting.push(worker.clone());
                false
            }
            State::NotStarted => {
                *s = State::Compiling(vec![worker.clone()]);
                true
            }
        }
    });
    if start {
        compile();
    }
}

/// Starts compiling; when it ends, every waiting worker gets the module (or `null`).
fn compile() {
    let settle = |module: JsValue| {
        let waiting = STATE.with(|s| match std::mem::replace(&mut *s.borrow_mut(), State::Ready(module.clone())) {
            State::Compiling(w) => w,
            _ => Vec::new(),
        });
        for w in waiting {
            let _ = w.post_message(&module);
        }
    };
    let ok = Closure::once(move |module: JsValue| settle(module));
    let fail = Closure::once(move |_: JsValue| settle(JsValue::NULL));
    let compiled = js_sys::WebAssembly::compile_streaming(&window().fetch_with_str(WORKER_WASM));
    let _ = compiled.then2(&ok, &fail);
    // One of the two runs once; both are small and live until the page closes.
    ok.forget();
    fail.forget();
}
