//! How callbacks reach the page's state: a [`Handle`] holds it weakly and runs a method on it
//! if the page still lives, later if it is busy, never after a panic.

use crate::web::dom::window;
use std::cell::{Cell, RefCell};
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

thread_local! {
    /// Set by the panic hook. A panic in the page's wasm aborts in the middle of a callback, so the
    /// `RefCell` around the app stays borrowed for good: every later callback would find it busy
    /// and reschedule itself forever. After a panic the page shows its error once and runs nothing.
    static PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// The page panicked: no callback runs from now on.
pub fn set_panicked() {
    PANICKED.with(|p| p.set(true));
}

/// A weak reference to the app for callbacks: each runs a method on it if the page still
/// lives. A callback that finds the app busy (an event inside another's handler) runs later.
pub struct Handle<A>(Weak<RefCell<A>>);

impl<A> Clone for Handle<A> {
    fn clone(&self) -> Self {
        Handle(self.0.clone())
    }
}

impl<A: 'static> Handle<A> {
    pub fn new(app: Weak<RefCell<A>>) -> Self {
        Handle(app)
    }

    /// Runs `f` on the app now, or in a new task if it is busy; nothing after a panic.
    pub fn with(&self, f: impl FnOnce(&mut A) + 'static) {
        if PANICKED.with(Cell::get) {
            return;
        }
        let Some(rc) = self.0.upgrade() else { return };
        let Ok(mut app) = rc.try_borrow_mut() else {
            let again = self.clone();
            return after(0, move || again.with(f));
        };
        f(&mut app);
    }

    /// Runs `f` on the app in a new task after `ms` milliseconds.
    pub fn later(&self, ms: i32, f: impl FnOnce(&mut A) + 'static) {
        let h = self.clone();
        after(ms, move || h.with(f));
    }

    /// Whether the app lives, is not busy, and `test` holds for it.
    pub fn test(&self, test: impl FnOnce(&A) -> bool) -> bool {
        self.0.upgrade().is_some_and(|a| a.try_borrow().is_ok_and(|a| test(&a)))
    }

    /// A value read from the app (none while it is borrowed or gone).
    pub fn read<T>(&self, f: impl FnOnce(&A) -> Option<T>) -> Option<T> {
        self.0.upgrade().and_then(|a| a.try_borrow().ok().and_then(|a| f(&a)))
    }

    /// Sends worker `k`'s messages to `on_message` and its errors (a panic traps its wasm, which
    /// surfaces as an error event) to `on_error`, for the pool's workers and the lab's alike.
    pub fn wire_worker(&self, k: usize, worker: &Worker, on_message: fn(&mut A, usize, &JsValue), on_error: fn(&mut A, &str)) {
        let h = self.clone();
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            h.with(move |a| on_message(a, k, &data));
        });
        worker.set_onmessage(Some(message.as_ref().unchecked_ref()));
        message.forget();
        let h = self.clone();
        let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let text = e.dyn_ref::<web_sys::ErrorEvent>().map_or_else(|| "unknown error".to_string(), web_sys::ErrorEvent::message);
            h.with(move |a| on_error(a, &text));
        });
        worker.set_onerror(Some(error.as_ref().unchecked_ref()));
        error.forget();
    }
}

/// Runs `f` in a new task after `ms` milliseconds.
fn after(ms: i32, f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms);
}
