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
mod pool;
mod render;
pub mod worker;

use crate::config::{Config, Notice};
use crate::experiment::run;
use crate::report::Report;
use crate::init::Init;
use dom::{by_id, document, set_state, set_text, window};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Default)]
struct App {
    config: Config,
    notices: Vec<Notice>,
    /// The last report drawn, with the configuration it belongs to.
    report: Option<(Config, Report)>,
    /// A computation is scheduled and will read the latest `config` when it runs.
    pending: bool,
    /// The compute workers (none: the page computes on its own thread).
    pool: pool::Pool,
    /// When the current computation started (ms), for the progress line.
    started: f64,
    progress_timer: Option<i32>,
    /// Counts reports shown; a chart-drawing sequence stops when a newer report takes over.
    generation: u32,
}

thread_local! {
    pub(super) static APP: RefCell<App> = RefCell::new(App::default());
}

fn show_error(message: &str) {
    set_state("error");
    set_text("status", message);
}

/// Entry point of the page's wasm module.
pub fn start() {
    if let Err(e) = try_start() {
        show_error(&format!("The page could not start: {e:?}"));
    }
}

fn try_start() -> Result<(), JsValue> {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_error(&format!("Internal error, please reload the page: {info}"));
    }));
    pool::start();
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
    set_config(config, notices);
    schedule();
}

/// Makes `config` the page's configuration: notices, controls and address bar follow.
fn set_config(config: Config, notices: Vec<Notice>) {
    render::notices(&notices);
    APP.with(|a| {
        let mut a = a.borrow_mut();
        a.config = config;
        a.notices = notices;
    });
    controls::write_all(&config);
    set_url(&config, false);
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
    if id == "init" && (old.init == Init::Constant) != (config.init == Init::Constant) {
        config.scale = config.default_scale();
    }
    set_config(config, notices);
    if id == "diagram" {
        redraw_chart(render::CHART_COUNT - 1);
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
            a.report.as_ref().map(|(c, r)| r.to_csv(&c.to_query()))
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

/// Marks the page as computing and computes the latest configuration: in the worker when there
/// is one, else in the page after the browser has painted. Requests arriving meanwhile only
/// update the configuration: the newest one wins, stale ones are never started.
pub(super) fn schedule() {
    set_state("computing");
    start_progress();
    let (already, active, ready, busy) = APP.with(|a| {
        let mut a = a.borrow_mut();
        (std::mem::replace(&mut a.pending, true), a.pool.active(), a.pool.all_ready(), a.pool.busy())
    });
    if active {
        if ready && !busy {
            pool::send_latest();
        } else if busy {
            check_stale_later();
        }
        return;
    }
    if already {
        return;
    }
    let run_it = Closure::once_into_js(|| {
        let later = Closure::once_into_js(compute_here);
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), 0);
    });
    let _ = window().request_animation_frame(run_it.unchecked_ref());
}

/// A newer setting waits behind a computation: drop that computation once it has run for
/// [`pool::RESTART_AFTER_MS`], whether or not more events come.
fn check_stale_later() {
    if pool::stale_is_long() {
        return pool::restart();
    }
    let wait = APP.with(|a| a.borrow().pool.in_flight.as_ref().map(|f| f.sent + pool::RESTART_AFTER_MS - now()));
    let Some(wait) = wait else { return };
    let check = Closure::once_into_js(|| {
        if APP.with(|a| a.borrow().pending) && pool::stale_is_long() {
            pool::restart();
        }
    });
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(check.unchecked_ref(), wait.max(0.0).ceil() as i32 + 1);
}

pub(super) fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Shows "Computing… 1.2 s" while a computation takes longer than a moment.
fn start_progress() {
    if APP.with(|a| a.borrow().progress_timer.is_some()) {
        return;
    }
    let t0 = now();
    let tick = Closure::<dyn FnMut()>::new(move || {
        let s = (now() - t0) / 1000.0;
        if s >= 0.3 {
            set_text("status", &format!("Computing… {s:.1} s"));
        }
    });
    let id = window()
        .set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 200)
        .ok();
    tick.forget();
    set_text("status", "Computing…");
    APP.with(|a| {
        let mut a = a.borrow_mut();
        a.started = t0;
        a.progress_timer = id;
    });
}

fn stop_progress() {
    if let Some(id) = APP.with(|a| a.borrow_mut().progress_timer.take()) {
        window().clear_interval_with_handle(id);
    }
}

/// Computes the latest configuration on the page's own thread (no worker).
pub(super) fn compute_here() {
    let config = APP.with(|a| {
        let mut a = a.borrow_mut();
        a.pending = false;
        a.config
    });
    let result = run(&config).map_err(|e| format!("Cannot show this configuration: {e}."));
    let newer = APP.with(|a| a.borrow().pending);
    finish(config, result, newer);
}

/// Shows a finished computation: the verdict, formula and table at once, then one chart per task
/// (so the main thread is never held for long). The page is "ready" after the last chart, and
/// only if no newer configuration is waiting.
pub(super) fn finish(config: Config, result: Result<Report, String>, newer_waiting: bool) {
    let t1 = now();
    match result {
        Ok(report) => {
            render::text(&config, &report);
            let generation = APP.with(|a| {
                let mut a = a.borrow_mut();
                a.report = Some((config, report));
                a.generation = a.generation.wrapping_add(1);
                a.generation
            });
            draw_step(generation, 0, t1, newer_waiting);
        }
        Err(e) => {
            if newer_waiting {
                return;
            }
            stop_progress();
            show_error(&e);
        }
    }
}

/// Draws charts of the stored report from `index` on, for at most a task's budget, then queues
/// the rest as a new task; the table comes last, in its own task.
fn draw_step(generation: u32, index: usize, t1: f64, newer_waiting: bool) {
    let t0 = now();
    let mut index = index;
    while index < render::CHART_COUNT {
        let drawn = APP.with(|a| {
            let a = a.borrow();
            if a.generation != generation {
                return None; // a newer report took over
            }
            let (c, r) = a.report.as_ref()?;
            Some(render::chart(&Config { diagram: a.config.diagram, ..*c }, r, index))
        });
        match drawn {
            None => return,
            Some(Err(e)) => {
                stop_progress();
                return show_error(&e.to_string());
            }
            Some(Ok(())) => index += 1,
        }
        if index < render::CHART_COUNT && now() - t0 > pool::TASK_BUDGET_MS {
            let next = Closure::once_into_js(move || draw_step(generation, index, t1, newer_waiting));
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(next.unchecked_ref(), 0);
            return;
        }
    }
    // The table last, in its own task: a 100-row table costs a layout, and reading a canvas size
    // after it would force that layout inside a chart's task.
    let next = Closure::once_into_js(move || {
        if APP.with(|a| a.borrow().generation) == generation {
            APP.with(|a| {
                if let Some((_, r)) = &a.borrow().report {
                    render::table(r);
                }
            });
            done(t1, newer_waiting);
        }
    });
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(next.unchecked_ref(), 0);
}

/// Every chart of the current report is drawn.
fn done(t1: f64, newer_waiting: bool) {
    let t2 = now();
    if newer_waiting || APP.with(|a| a.borrow().pool.busy() || a.borrow().pending) {
        return;
    }
    stop_progress();
    let Some(config) = APP.with(|a| a.borrow().report.as_ref().map(|(c, _)| *c)) else { return };
    let started = APP.with(|a| a.borrow().started);
    let worker_ms = document().body().and_then(|b| b.dataset().get("workerMs"));
    let workers = if APP.with(|a| a.borrow().pool.active()) {
        document().body().and_then(|b| b.dataset().get("workers")).and_then(|w| w.parse::<usize>().ok()).unwrap_or(0)
    } else {
        0
    };
    let place = match (workers, worker_ms) {
        (0, _) | (_, None) => "in the page".to_string(),
        (1, Some(ms)) => format!("in a worker ({ms} ms there)"),
        (n, Some(ms)) => format!("in {n} workers, each on part of the batch ({ms} ms there)"),
    };
    set_text(
        "status",
        &format!(
            "{} layers × {} units × {} samples: computed {place} in {:.0} ms, drawn in {:.0} ms.",
            config.depth,
            config.width,
            config.batch,
            t1 - started,
            t2 - t1
        ),
    );
    if let Some(body) = document().body() {
        let _ = body.dataset().set("computeMs", &format!("{:.1}", t1 - started));
        let _ = body.dataset().set("drawMs", &format!("{:.1}", t2 - t1));
    }
    set_state("ready");
}

/// Redraws the last report's charts (resize, theme change) without recomputing, one task's
/// budget at a time, like a fresh report.
fn redraw() {
    redraw_from(0);
}

fn redraw_from(index: usize) {
    let t0 = now();
    let mut index = index;
    while index < render::CHART_COUNT {
        if let Some(Err(e)) = redraw_one(index) {
            return show_error(&e.to_string());
        }
        index += 1;
        if index < render::CHART_COUNT && now() - t0 > pool::TASK_BUDGET_MS {
            let next = Closure::once_into_js(move || redraw_from(index));
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(next.unchecked_ref(), 0);
            return;
        }
    }
}

/// Redraws one chart of the last report (the diagram toggle needs only the diagram).
fn redraw_chart(index: usize) {
    if let Some(Err(e)) = redraw_one(index) {
        show_error(&e.to_string());
    }
}

fn redraw_one(index: usize) -> Option<Result<(), crate::charts::ChartError>> {
    APP.with(|a| {
        let a = a.borrow();
        let (c, r) = a.report.as_ref()?;
        // The current diagram choice, which needs no recomputation.
        Some(render::chart(&Config { diagram: a.config.diagram, ..*c }, r, index))
    })
}
