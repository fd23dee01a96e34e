//! When each report reached the screen, for the drag-latency test and the benchmark:
//! `window.initvizDraws` is an array of `{ asked, sent, workerMs, preview, computed, first, all }`
//! objects, one per configuration drawn, in `performance.now()` milliseconds: the event that asked
//! for it, when it went to a worker and the worker's time to its weights' preview, that preview
//! in the page (these three absent without one, and `builtHereMs` instead when the page built
//! the preview itself), its report in the page, its first chart drawn (the weights, from the worker's preview, may come
//! before the report), and its last (absent when a newer report replaced it first). The newest
//! [`KEEP`] are kept.

use crate::web::dom::window;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

const NAME: &str = "initvizDraws";
/// Records kept.
const KEEP: u32 = 400;

/// The record of one report, filled in as it is drawn.
pub struct Draw(Object);

impl Draw {
    /// A record for a configuration asked for at `asked` (its report in the page at `computed`).
    #[must_use]
    pub fn begin(asked: f64, computed: Option<f64>) -> Self {
        let o = Object::new();
        set(&o, "asked", asked);
        if let Some(t) = computed {
            set(&o, "computed", t);
        }
        let w = window();
        let list = Reflect::get(&w, &JsValue::from_str(NAME)).ok().and_then(|v| v.dyn_into::<Array>().ok()).unwrap_or_else(|| {
            let a = Array::new();
            let _ = Reflect::set(&w, &JsValue::from_str(NAME), &a);
            a
        });
        if list.length() >= KEEP {
            list.shift();
        }
        list.push(&o);
        Self(o)
    }

    /// It was sent to a worker at `sent`, which spent `worker_ms` before its weights' preview,
    /// which reached the page at `t`.
    pub fn preview(&self, sent: f64, worker_ms: f64, t: f64) {
        set(&self.0, "sent", sent);
        set(&self.0, "workerMs", worker_ms);
        set(&self.0, "preview", t);
    }

    /// The page built its weights' preview itself, in `ms`.
    pub fn built_here(&self, ms: f64) {
        set(&self.0, "builtHereMs", ms);
    }

    /// Its report reached the page at `t`.
    pub fn computed(&self, t: f64) {
        set(&self.0, "computed", t);
    }

    /// A chart of it was drawn at `t` (only the first counts).
    pub fn chart(&self, t: f64) {
        if Reflect::get(&self.0, &JsValue::from_str("first")).is_ok_and(|v| v.is_undefined()) {
            set(&self.0, "first", t);
        }
    }

    /// Its last chart was drawn at `t`.
    pub fn all(&self, t: f64) {
        self.chart(t);
        set(&self.0, "all", t);
    }
}

fn set(o: &Object, key: &str, v: f64) {
    let _ = Reflect::set(o, &JsValue::from_str(key), &JsValue::from_f64(v));
}
