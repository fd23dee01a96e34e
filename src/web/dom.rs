//! Small DOM helpers.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, Window};

#[must_use]
pub fn window() -> Window {
    web_sys::window().expect("initviz runs in a browser window")
}

#[must_use]
pub fn document() -> Document {
    window().document().expect("a window has a document")
}

#[must_use]
pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

pub fn set_text(id: &str, text: &str) {
    if let Some(el) = by_id(id) {
        el.set_text_content(Some(text));
    }
}

pub fn set_html(id: &str, html: &str) {
    if let Some(el) = by_id(id) {
        el.set_inner_html(html);
    }
}

pub fn set_hidden(id: &str, hidden: bool) {
    if let Some(el) = by_id(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
        el.set_hidden(hidden);
    }
}

/// `document.body.dataset.state`: "computing", "ready" or "error" (the tests' contract).
pub fn set_state(state: &str) {
    if let Some(body) = document().body() {
        let _ = body.dataset().set("state", state);
    }
}

/// Shows an error state with its message.
pub fn show_error(message: &str) {
    set_state("error");
    set_text("status", message);
}

/// Milliseconds since the page started.
#[must_use]
pub fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

pub use crate::export::page::escape;

/// Whether the page is dark: `theme=dark` or `theme=light` from the link (a class on the root),
/// else the system's choice.
#[must_use]
pub fn prefers_dark() -> bool {
    if let Some(root) = document().document_element() {
        if root.class_list().contains("theme-dark") {
            return true;
        }
        if root.class_list().contains("theme-light") {
            return false;
        }
    }
    window().match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|m| m.matches())
}
