//! What the page's controls, links and buttons do, as functions of the [`App`]: a link or a
//! lesson becomes the configuration, a changed control re-parses it, the phase diagram sets
//! (σ_w, σ_b), and the training view's buttons play, step, reset and scrub. Which event calls
//! which is in [`super::wiring`]; each ends in the app's own routing (computing, drawing).

use super::init_view::RunInfo;
use super::page_ui::{self, apply_view, lesson_key, set_url};
use super::App;
use crate::charts::Chart;
use crate::nn::init::Init;
use crate::spec::config::{Config, Notice};
use crate::spec::view::View;
use crate::web::dom::{by_id, now, set_state};
use crate::web::ui::{controls, render};

/// Parses a query (from the URL or a lesson link) into the page's configuration and computes it.
pub fn apply_query(a: &mut App, search: &str) {
    let (config, notices) = Config::from_query(search);
    apply_view(&config);
    set_config(a, config, &notices);
    a.schedule();
}

/// The page's first view: a plain visit (the default view, whatever its theme, panels or embed)
/// is drawn from the report shipped with the page, without waiting for the workers to start;
/// any other link is computed.
/// Returns whether it did (else the caller computes the link).
pub fn first_view(a: &mut App, search: &str) -> bool {
    let (config, notices) = Config::from_query(search);
    let default = notices.is_empty() && lesson_key(&config) == lesson_key(&Config::default());
    let shipped = if default { crate::analysis::report::precomputed_default() } else { None };
    let Some(report) = shipped else { return false };
    apply_view(&config);
    set_config(a, config, &notices);
    set_state("computing");
    a.progress.started = now();
    a.init.last_run = RunInfo { precomputed: true, ..RunInfo::default() };
    a.compute.deferred = true;
    a.finish(config, a.asked_at, Ok(report), false);
    true
}

/// A lesson's link: its configuration, a new entry in the history, and the results in view.
pub fn open_lesson(a: &mut App, search: &str) {
    let (config, _) = Config::from_query(search);
    set_url(&config, true);
    apply_query(a, search);
    if let Some(top) = by_id("results") {
        top.scroll_into_view();
    }
}

/// Makes `config` the page's configuration: notices, controls and address bar follow.
fn set_config(a: &mut App, config: Config, notices: &[Notice]) {
    render::notices(notices);
    a.config = config;
    a.asked_at = now();
    page_ui::show_config(&config);
    if let Some(t) = &a.tour {
        t.lock();
    }
}

/// Goes to step `k` of the open tour: its view, a new entry in the history.
pub fn tour_step(a: &mut App, k: usize) {
    let Some(query) = a.tour.as_mut().and_then(|t| t.go(k)) else { return };
    if let Some(t) = &a.tour {
        t.show();
    }
    let (config, _) = Config::from_query(&query);
    set_url(&config, true);
    apply_query(a, &query);
}

/// An answer to the open step's question: graded against the step's report if it is drawn.
pub fn tour_answer(a: &mut App, answer: String) {
    let drawn = a.init.is_drawn() && document_ready();
    let same = a.tour.as_ref().is_some_and(|t| same_view(&t.config(), &a.config));
    let report = if drawn && same { a.init.report().cloned() } else { None };
    if let Some(t) = &mut a.tour {
        t.answer(answer, report.as_ref());
    }
}

fn document_ready() -> bool {
    crate::web::dom::document().body().and_then(|b| b.dataset().get("state")).as_deref() == Some("ready")
}

/// The same view, whatever the pool's size and the page's theme or panels.
fn same_view(a: &Config, b: &Config) -> bool {
    lesson_key(&Config { workers: 0, ..*a }) == lesson_key(&Config { workers: 0, ..*b })
}

/// A control changed: re-parse the configuration with its new `key=value`.
pub fn on_control(a: &mut App, key: &str) {
    let old = a.config;
    let Some(pair) = controls::read(key, &old) else { return };
    let (mut config, notices) = Config::from_query(&format!("{}&{pair}", old.to_query()));
    // Switching between constant and the random initializers resets the scale to that family's default.
    if key == "init" && (old.init == Init::Constant) != (config.init == Init::Constant) {
        config.scale = config.default_scale();
    }
    set_config(a, config, &notices);
    if key == "diagram" {
        a.redraw_chart(Chart::Network);
    } else {
        a.schedule();
    }
}

pub fn new_seed(a: &mut App) {
    page_ui::write_new_seed();
    on_control(a, "seed");
}

/// A phase-diagram key: move the pickers' cursor, or set its point.
pub fn phase_key(a: &mut App, step: Option<(f64, f64)>) {
    if let Some(point) = a.pickers.phase_key(a.init.shown(), step) {
        set_phase_point(a, point);
    }
}

/// Sets the initializer to normal N(0, (σ_w/√n)²) and the biases to N(0, σ_b²).
pub fn set_phase_point(a: &mut App, (sw, sb): (f64, f64)) {
    a.pickers.drop_phase_cursor();
    let scale = (sw / (a.config.width as f64).sqrt()).max(1e-4);
    let q = format!("{}&init=normal&scale={scale}&bias=normal:{sb}", a.config.to_query());
    let (config, notices) = Config::from_query(&q);
    set_url(&config, true);
    set_config(a, config, &notices);
    a.schedule();
}

/// Play or pause the training.
pub fn toggle_play(a: &mut App) {
    if a.lab.toggle_play(a.config.view) {
        a.lab_advance();
        a.queue_lab_draw();
    }
}

/// One training step.
pub fn train_step(a: &mut App) {
    if a.lab.single_step(a.config.view) {
        a.queue_lab_draw();
    }
}

/// Start the training again, paused.
pub fn train_reset(a: &mut App) {
    if a.config.view != View::Train {
        return;
    }
    set_state("computing");
    a.restart_lab(false);
}

/// The scrub slider: show the kept step at its position.
pub fn scrub(a: &mut App) {
    if a.lab.scrub() {
        a.lab_advance();
    }
}
