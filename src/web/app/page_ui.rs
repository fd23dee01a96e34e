//! The page around the charts, as plain functions of the configuration: the address bar, the
//! theme and panels a link asks for, the controls and texts that follow a new configuration, the
//! lesson guide, the embed's height, the settings toggle on phones, and the progress line.
//! Nothing here knows the [`super::App`]; it calls these.

use crate::choice::Choice;
use crate::spec::config::Config;
use crate::spec::view::{Panels, ThemeChoice, PANELS};
use crate::web::dom::{by_id, document, escape, now, set_hidden, set_html, set_text, window};
use crate::web::ui::controls;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What the link says about the view itself: whether it is an embed (a class on the body), the
/// theme (a class on the root element, which the stylesheet and the charts follow), the panels
/// shown (`show=`), and in an embed a link to the full page.
pub fn apply_view(config: &Config) {
    if let Some(body) = document().body() {
        let _ = if config.embed { body.class_list().add_1("embed") } else { body.class_list().remove_1("embed") };
    }
    if let Some(root) = document().document_element() {
        let list = root.class_list();
        let _ = list.remove_2("theme-light", "theme-dark");
        match config.theme {
            ThemeChoice::Light => drop(list.add_1("theme-light")),
            ThemeChoice::Dark => drop(list.add_1("theme-dark")),
            ThemeChoice::Auto => {}
        }
    }
    // An embed without show= leaves the table out (the page around it has the text).
    let show = |panel: &str| config.show.shows(panel) && !(config.embed && config.show == Panels::ALL && panel == "table");
    for (panel, id) in PANELS {
        let Some(el) = by_id(id) else { continue };
        // A chart's panel is its figure; the table's its scrolling wrapper.
        let target = el.closest("figure, .table-wrap").ok().flatten().unwrap_or(el);
        let _ = target.class_list().toggle_with_force("not-shown", !show(panel));
        if *panel == "theory" {
            if let Some(detail) = by_id("theory-detail") {
                let _ = detail.class_list().toggle_with_force("not-shown", !show(panel));
            }
        }
    }
    if let Some(a) = by_id("open-full").and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
        let full = Config { embed: false, show: Panels::ALL, ..*config };
        a.set_href(&format!("?{}", full.to_query()));
        a.set_hidden(!config.embed);
    }
}

/// What follows a new configuration on the page: the controls, the address bar, the view, the
/// exported code, the settings' summary, the memory line and the lesson guide.
pub fn show_config(config: &Config) {
    controls::write_all(config);
    set_url(config, false);
    if let Some(body) = document().body() {
        let _ = body.dataset().set("view", config.view.id());
    }
    for f in crate::export::code::Framework::ALL {
        set_text(f.element_id(), &crate::export::code::snippet(config, f));
    }
    set_text("toggle-controls", &format!("Settings: {}", config.summary()));
    set_text("memory-note", &config.memory_note());
    lesson_guide(config);
}

/// Writes a new random seed into the seed field (the caller applies it as a control).
pub fn write_new_seed() {
    let mut bytes = [0u8; 4];
    let seed = match getrandom::getrandom(&mut bytes) {
        Ok(()) => u32::from_le_bytes(bytes),
        Err(_) => (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
    };
    if let Some(el) = by_id("seed").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        el.set_value(&seed.to_string());
    }
}

/// In an embed, tells the parent page the document's height (`{type: "initviz-height", height}`),
/// so a one-line listener can size the iframe and it never shows an inner scroll bar; and the
/// same height in the messages LMS pages listen for (`crate::course::embed::height_messages`).
pub fn post_height() {
    use crate::course::embed::{height_messages, HeightMessage};
    let Ok(Some(parent)) = window().parent() else { return };
    let Some(height) = document().document_element().map(|e| e.scroll_height()) else { return };
    for m in height_messages(u32::try_from(height).unwrap_or(0)) {
        let msg: JsValue = match m {
            HeightMessage::Object { kind, height } => {
                let o = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&o, &"type".into(), &kind.into());
                let _ = js_sys::Reflect::set(&o, &"height".into(), &JsValue::from(height));
                o.into()
            }
            HeightMessage::Json(text) => text.into(),
        };
        let _ = parent.post_message(&msg, "*");
    }
}

/// The lessons of the page, in order: (query, title, what to look at).
fn lessons() -> Vec<(String, String, String)> {
    let Ok(links) = document().query_selector_all(".lessons a") else { return Vec::new() };
    (0..links.length())
        .filter_map(|i| {
            let a = links.item(i)?.dyn_into::<web_sys::HtmlAnchorElement>().ok()?;
            let title = a.text_content().unwrap_or_default();
            let text = a.parent_element().and_then(|li| li.text_content()).unwrap_or_default();
            let what = text.strip_prefix(&title).unwrap_or(&text).trim_start_matches([':', ' ']).to_string();
            Some((a.search(), title, what))
        })
        .collect()
}

/// The view's own settings only (what a lesson's link sets).
pub fn lesson_key(c: &Config) -> Config {
    let d = Config::default();
    Config { embed: d.embed, theme: d.theme, show: d.show, diagram: d.diagram, ..*c }
}

/// Beside the charts, the lesson whose settings are on the page: its title, what to look at, and
/// the previous and next lessons.
fn lesson_guide(config: &Config) {
    let all = lessons();
    let here = all.iter().position(|(q, _, _)| lesson_key(&Config::from_query(q).0) == lesson_key(config));
    let Some(i) = here else {
        set_hidden("lesson-guide", true);
        return;
    };
    let link = |j: usize, label: &str| {
        let (q, t, _) = &all[j];
        format!("<a href=\"{}\" data-lesson=\"{j}\">{label}{}</a>", escape(q), escape(t))
    };
    let prev = if i > 0 { link(i - 1, "← ") } else { "<span></span>".to_string() };
    let next = if i + 1 < all.len() { link(i + 1, "Next: ") } else { String::new() };
    let (_, title, what) = &all[i];
    set_html(
        "lesson-guide",
        &format!(
            "<p><strong>Lesson {} of {}: {}</strong></p><p>{}</p><nav aria-label=\"Lessons\">{prev}{next}</nav>",
            i + 1,
            all.len(),
            escape(title),
            escape(what)
        ),
    );
    set_hidden("lesson-guide", false);
}

/// Opens or folds the settings (phones).
pub fn toggle_controls() {
    let Some(form) = by_id("controls") else { return };
    let open = form.class_list().toggle("open").unwrap_or(false);
    if let Some(b) = by_id("toggle-controls") {
        let _ = b.set_attribute("aria-expanded", if open { "true" } else { "false" });
    }
}

/// Writes the configuration into the address bar (replacing the entry while sliders move).
pub fn set_url(config: &Config, push: bool) {
    let url = format!("?{}{}", config.to_query(), super::tour_view::url_suffix());
    if let Ok(h) = window().history() {
        let _ = if push {
            h.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            h.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

/// The status line while a computation runs: "Computing… 1.2 s", or the share done when the
/// worker reports it.
#[derive(Default)]
pub struct Progress {
    /// When the current computation started (ms).
    pub started: f64,
    timer: Option<(i32, Closure<dyn FnMut()>)>,
    /// The fraction done the worker last reported (long computations).
    done: Rc<Cell<Option<f64>>>,
}

impl Progress {
    /// Shows "Computing… 1.2 s" while a computation takes longer than a moment (`lean`: a
    /// network too large to keep, which takes seconds, and the line says why).
    pub fn start(&mut self, lean: bool) {
        if self.timer.is_some() {
            return;
        }
        let t0 = now();
        let what = if lean { "Computing layer by layer (too large to keep whole)…" } else { "Computing…" };
        let done = Rc::clone(&self.done);
        done.set(None);
        let tick = Closure::<dyn FnMut()>::new(move || {
            let s = (now() - t0) / 1000.0;
            match done.get() {
                Some(f) => set_text("status", &format!("{what} {:.0}% in {s:.1} s", 100.0 * f)),
                None if s >= 0.3 => set_text("status", &format!("{what} {s:.1} s")),
                None => {}
            }
        });
        let id = window().set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 200).ok();
        set_text("status", "Computing…");
        self.started = t0;
        self.timer = id.map(|id| (id, tick));
    }

    /// The worker's latest share done.
    pub fn set_done(&self, fraction: f64) {
        self.done.set(Some(fraction));
    }

    pub fn stop(&mut self) {
        if let Some((id, _tick)) = self.timer.take() {
            window().clear_interval_with_handle(id);
        }
    }
}
