//! The browser side (wasm only): turns events into a [`Config`], runs the core, draws the
//! [`Report`]. Everything numerical lives in the pure-Rust modules above.
//!
//! Contract with the tests: `document.body.dataset.state` is `"computing"` while a new
//! configuration is worked on, `"ready"` once its results are drawn, `"error"` (with a message
//! in `#status`) when they cannot be shown.

mod bench;
mod controls;
pub mod dom;
mod export;
mod render;

use crate::config::{Config, Notice};
use crate::experiment::{run, Report};
use crate::init::InitKind;
use dom::{by_id, document, set_state, set_text, window};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Default)]
struct App {
    config: Config,
    notices: Vec<Notice>,
    report: Option<Report>,
    /// A computation is scheduled and will read the latest `config` when it runs.
    pending: bool,
}

thread_local! {
    static APP: RefCell<App> = RefCell::new(App::default());
}

fn show_error(message: &str) {
    set_state("error");
    set_text("status", message);
}

/// Entry point, run when the module loads.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_error(&format!("Internal error, please reload the page: {info}"));
    }));
    let search = window().location().search()?;
    apply_query(&search);
    wire_controls();
    wire_buttons();
    wire_lessons();
    let on_pop = Closure::<dyn FnMut()>::new(|| {
        if let Ok(search) = window().location().search() {
            apply_query(&search);
        }
    });
    window().add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref())?;
    on_pop.forget();
    let on_resize = Closure::<dyn FnMut()>::new(redraw);
    window().add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref())?;
    on_resize.forget();
    if let Ok(Some(mq)) = window().match_media("(prefers-color-scheme: dark)") {
        let on_theme = Closure::<dyn FnMut()>::new(redraw);
        mq.add_event_listener_with_callback("change", on_theme.as_ref().unchecked_ref())?;
        on_theme.forget();
    }
    Ok(())
}

/// Parses a query (from the URL or a lesson link) into the page's configuration and computes it.
fn apply_query(search: &str) {
    let (config, notices) = Config::from_query(search);
    if let Some(body) = document().body() {
        let _ = if config.embed { body.class_list().add_1("embed") } else { body.class_list().remove_1("embed") };
    }
    render::notices(&notices);
    APP.with(|a| {
        let mut a = a.borrow_mut();
        a.config = config;
        a.notices = notices;
    });
    controls::write_all(&config);
    set_url(&config, false);
    schedule();
}

/// Writes the configuration into the address bar (replacing the entry while sliders move).
fn set_url(config: &Config, push: bool) {
    let url = format!("?{}", config.to_query());
    if let Ok(h) = window().history() {
        let _ = if push {
            h.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            h.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

/// A control changed: re-parse the configuration with its new `key=value`.
fn on_control(id: &str) {
    let old = APP.with(|a| a.borrow().config);
    let Some(pair) = controls::read(id, &old) else { return };
    let (mut config, notices) = Config::from_query(&format!("{}&{pair}", old.to_query()));
    // Switching between constant and the random initializers resets the scale to that family's default.
    if id == "init" && (old.init == InitKind::Constant) != (config.init == InitKind::Constant) {
        config.scale = config.default_scale();
    }
    render::notices(&notices);
    APP.with(|a| {
        let mut a = a.borrow_mut();
        a.config = config;
        a.notices = notices;
    });
    controls::write_all(&config);
    set_url(&config, false);
    if id == "diagram" {
        redraw();
    } else {
        schedule();
    }
}

fn wire_controls() {
    for id in controls::ids() {
        let Some(el) = by_id(id) else { continue };
        let handler = Closure::<dyn FnMut()>::new(move || on_control(id));
        let _ = el.add_event_listener_with_callback("input", handler.as_ref().unchecked_ref());
        if el.tag_name() == "SELECT" || el.get_attribute("type").as_deref() == Some("checkbox") {
            let _ = el.add_event_listener_with_callback("change", handler.as_ref().unchecked_ref());
        }
        handler.forget();
    }
}

fn wire_buttons() {
    export::on_click("new-seed", || {
        let mut bytes = [0u8; 4];
        let seed = match getrandom::getrandom(&mut bytes) {
            Ok(()) => u32::from_le_bytes(bytes),
            Err(_) => (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
        };
        if let Some(el) = by_id("seed").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            el.set_value(&seed.to_string());
        }
        on_control("seed");
    });
    export::on_click("copy-link", || {
        if let Ok(href) = window().location().href() {
            export::copy(&href, "Link");
        }
    });
    export::on_click("copy-embed", || {
        if let Ok(href) = window().location().href() {
            export::copy(&export::embed_snippet(&href), "Embed snippet");
        }
    });
    export::on_click("download-csv", || {
        let csv = APP.with(|a| {
            let a = a.borrow();
            a.report.as_ref().map(|r| r.to_csv(&a.config.to_query()))
        });
        if let Some(csv) = csv {
            if export::download_text(&csv, "initviz-layers.csv", "text/csv").is_err() {
                set_text("export-status", "The CSV download failed in this browser.");
            }
        }
    });
    export::on_click("download-png", || {
        if export::download_png("initviz-charts.png", &export::page_background()).is_err() {
            set_text("export-status", "The PNG download failed in this browser.");
        }
    });
}

/// Lesson links are plain `?query` links (they work without script); with script they apply in place.
fn wire_lessons() {
    let Ok(links) = document().query_selector_all(".lessons a") else { return };
    for i in 0..links.length() {
        let Some(a) = links.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlAnchorElement>().ok()) else { continue };
        let link = a.clone();
        let handler = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            let (config, _) = Config::from_query(&link.search());
            set_url(&config, true);
            apply_query(&link.search());
            if let Some(top) = by_id("results") {
                top.scroll_into_view();
            }
        });
        let _ = a.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
        handler.forget();
    }
}

/// Marks the page as computing and runs the latest configuration after the browser has painted.
/// Requests arriving meanwhile only update the configuration: the newest one wins.
fn schedule() {
    set_state("computing");
    set_text("status", "Computing…");
    let already = APP.with(|a| std::mem::replace(&mut a.borrow_mut().pending, true));
    if already {
        return;
    }
    let run_it = Closure::once_into_js(|| {
        let later = Closure::once_into_js(compute);
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
    });
    let _ = window().request_animation_frame(run_it.unchecked_ref());
}

fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

fn compute() {
    let config = APP.with(|a| {
        let mut a = a.borrow_mut();
        a.pending = false;
        a.config
    });
    let t0 = now();
    match run(&config) {
        Ok(report) => {
            let t1 = now();
            let drawn = draw(&config, &report);
            let t2 = now();
            APP.with(|a| a.borrow_mut().report = Some(report));
            match drawn {
                Ok(()) => {
                    set_text(
                        "status",
                        &format!("Computed {} layers × {} units × {} samples in {:.0} ms, drawn in {:.0} ms.", config.depth, config.width, config.batch, t1 - t0, t2 - t1),
                    );
                    if let Some(body) = document().body() {
                        let _ = body.dataset().set("computeMs", &format!("{:.1}", t1 - t0));
                        let _ = body.dataset().set("drawMs", &format!("{:.1}", t2 - t1));
                    }
                    // Only "ready" if no newer configuration is waiting.
                    if !APP.with(|a| a.borrow().pending) {
                        set_state("ready");
                    }
                }
                Err(e) => show_error(&e.to_string()),
            }
        }
        Err(e) => show_error(&format!("Cannot show this configuration: {e}.")),
    }
}

fn draw(config: &Config, report: &Report) -> Result<(), crate::charts::ChartError> {
    render::text(config, report);
    render::table(report);
    render::charts(config, report)
}

/// Redraws the last report (resize, theme change, diagram toggle) without recomputing.
fn redraw() {
    let done = APP.with(|a| {
        let a = a.borrow();
        match &a.report {
            Some(r) if !a.pending => Some(render::charts(&a.config, r)),
            _ => None,
        }
    });
    if let Some(Err(e)) = done {
        show_error(&e.to_string());
    }
}
