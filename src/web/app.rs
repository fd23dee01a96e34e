//! The page as an explicit machine: one [`App`] value owns the configuration, the last report, the
//! worker pool and the job queue, and every event (a control, a worker's message, a timer) is a
//! method call on it. Callbacks reach it only through [`Handle`], which holds it weakly.
//!
//! Contract with the tests: `document.body.dataset.state` is `"computing"` while a new
//! configuration is worked on, `"ready"` once its results are drawn, `"error"` (with a message
//! in `#status`) when they cannot be shown.

use super::dom::{by_id, document, set_state, set_text, window};
use super::lab::{Lab, LabEvent};
use super::lab_view::{self, LabChart};
use super::pool::{Finished, Outcome, Pool, RESTART_AFTER_MS};
use super::protocol::decode_reply;
use super::tasks::{Job, Tasks, TASK_BUDGET_MS};
use super::{controls, export, render};
use crate::charts::Chart;
use crate::choice::Choice;
use crate::config::{Config, Notice, View};
use crate::experiment::{build_network, run, WeightsKey, WeightsPreview};
use crate::init::Init;
use crate::report::Report;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

/// Milliseconds since the page started.
pub fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Shows an error state with its message.
pub fn show_error(message: &str) {
    set_state("error");
    set_text("status", message);
}

/// How the last computation ran, for the status line.
#[derive(Debug, Clone, Copy, Default)]
struct RunInfo {
    /// Workers that shared it (0: computed in the page).
    workers: usize,
    /// Milliseconds spent in the workers.
    worker_ms: f64,
    /// Shipped with the page (the default view, computed at build time).
    precomputed: bool,
}

/// The page's state.
pub struct App {
    me: Weak<RefCell<App>>,
    config: Config,
    /// The last report drawn, with the configuration it belongs to.
    report: Option<(Config, Report)>,
    /// A computation is wanted and will read the latest `config` when it runs.
    pending: bool,
    pool: Pool,
    /// When the current computation started (ms), for the progress line.
    started: f64,
    progress: Option<(i32, Closure<dyn FnMut()>)>,
    /// The fraction done the worker last reported, for the progress line (long computations).
    progress_done: Rc<std::cell::Cell<Option<f64>>>,
    /// Counts reports shown; jobs of an older report are skipped.
    generation: u32,
    last_run: RunInfo,
    tasks: Tasks,
    /// The phase diagram's keyboard cursor (σ_w, σ_b), while it is moved.
    phase_cursor: Option<(f64, f64)>,
    /// Worker failures since the last answer from a worker.
    worker_failures: u32,
    /// The training lab (training view, and comparisons in either view).
    lab: Lab,
    lab_phase: LabPhase,
    /// A lab redraw is queued, and when the last one started (ms).
    lab_draw_queued: bool,
    /// Lab redraws queued as jobs and not yet finished.
    lab_draws_pending: u32,
    lab_drawn_at: f64,
    /// The current report's charts are drawn (reset when a new one is on its way).
    report_drawn: bool,
    /// The ridgeline layer last picked (its readout follows each new report).
    picked: Option<(crate::report::Quantity, usize)>,
    /// The std chart's layer last picked (1-based).
    std_layer: Option<usize>,
    /// The workers start once the shipped first view is drawn.
    pool_deferred: bool,
    /// When the configuration last changed (ms): the event a computation answers.
    asked_at: f64,
    /// When the current report's charts were drawn.
    draw_trace: Option<super::trace::Draw>,
    /// The configurations (and their change's time) whose weights were drawn from a worker's
    /// preview before their report, with the record of that drawing; newest last.
    previewed: Vec<(Config, f64, super::trace::Draw)>,
    /// Whose weights the weights chart shows.
    weights_shown: Option<WeightsKey>,
}

/// Where the lab is in its cycle: its runs step (or start), then each is asked for its report,
/// then everything is drawn and the page is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabPhase {
    /// No runs.
    Idle,
    Running,
    Reporting,
    Settled,
}

/// The most often the lab's charts are redrawn while it trains (ms between redraws): with a
/// report every 45 ms, about 10 redraws a second.
const LAB_REDRAW_MS: f64 = 90.0;

/// How long a setting must stay put before a long computation is dropped for it (ms): longer
/// than the gap between a dragged slider's events.
const QUIET_MS: f64 = 250.0;

/// The most drawing the page does itself before a worker answers, in estimated flops
/// ([`crate::init::InitSpec::cost`]): 2²⁰ normal weights. Measured on the main thread here while both workers
/// computed: 9–24 ms for the default network's 655k, 17–41 ms for 2M, 33–102 ms for the CS231n
/// network's 2.5M (long tasks); an orthogonal layer costs its QR, so 1024 × 1024 (2.9 GFLOP,
/// about 1 s before issue 18) is left to the worker.
const PAGE_PREVIEW_FLOPS: f64 = crate::init::PAGE_TASK_FLOPS;

/// Worker failures in a row after which the page computes on its own thread.
const MAX_WORKER_FAILURES: u32 = 3;

/// A weak reference to the [`App`] for callbacks: each runs a method on it if the page still
/// lives. A callback that finds the app busy (an event inside another's handler) runs later.
#[derive(Clone)]
pub struct Handle(Weak<RefCell<App>>);

thread_local! {
    /// Set by the panic hook. A panic in the page's wasm aborts in the middle of a callback, so the
    /// `RefCell` around the app stays borrowed for good: every later callback would find it busy
    /// and reschedule itself forever. After a panic the page shows its error once and runs nothing.
    static PANICKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Handle {
    /// Runs `f` on the app now, or in a new task if it is busy; nothing after a panic.
    pub fn with(&self, f: impl FnOnce(&mut App) + 'static) {
        if PANICKED.with(std::cell::Cell::get) {
            return;
        }
        let Some(rc) = self.0.upgrade() else { return };
        let Ok(mut app) = rc.try_borrow_mut() else {
            let again = self.clone();
            return after(0, move || again.with(f));
        };
        f(&mut app);
    }

    /// A listener for `event` on `target` that runs `f` on the app, for the page's lifetime.
    pub fn listen(&self, target: &web_sys::EventTarget, event: &str, f: impl Fn(&mut App) + 'static) {
        let h = self.clone();
        let f = Rc::new(f);
        let c = Closure::<dyn FnMut()>::new(move || {
            let f = f.clone();
            h.with(move |a| f(a));
        });
        let _ = target.add_event_listener_with_callback(event, c.as_ref().unchecked_ref());
        c.forget();
    }
}

/// What a button does.
type Action = fn(&mut App);

/// Runs `f` in a new task after `ms` milliseconds.
fn after(ms: i32, f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms);
}

/// Starts the page: the app, its controls, its workers, and the configuration of the URL.
pub fn start() -> Result<(), JsValue> {
    std::panic::set_hook(Box::new(|info| {
        PANICKED.with(|p| p.set(true));
        console_error_panic_hook::hook(info);
        show_error(&format!("Internal error, please reload the page: {info}"));
    }));
    let app = Rc::new_cyclic(|me| {
        RefCell::new(App {
            me: me.clone(),
            config: Config::default(),
            report: None,
            pending: false,
            pool: Pool::default(),
            started: 0.0,
            progress: None,
            progress_done: Rc::default(),
            generation: 0,
            last_run: RunInfo::default(),
            tasks: Tasks::default(),
            phase_cursor: None,
            worker_failures: 0,
            lab: Lab::default(),
            lab_phase: LabPhase::Idle,
            lab_draw_queued: false,
            lab_draws_pending: 0,
            lab_drawn_at: 0.0,
            report_drawn: false,
            picked: None,
            std_layer: None,
            pool_deferred: false,
            asked_at: 0.0,
            draw_trace: None,
            previewed: Vec::new(),
            weights_shown: None,
        })
    });
    controls::build();
    let h = Handle(Rc::downgrade(&app));
    h.wire()?;
    let mut a = app.borrow_mut();
    let search = window().location().search()?;
    // The workers start now, or (for the shipped default view) once it is drawn, so their start
    // does not compete with the first drawing for the cores.
    // The pool's size is read once, from the link (`workers=`) or the cores.
    a.config.workers = Config::from_query(&search).0.workers;
    if !a.first_view(&search) {
        a.start_pool();
        a.apply_query(&search);
    }
    drop(a);
    // The app lives as long as the page.
    std::mem::forget(app);
    Ok(())
}

impl Handle {
    /// Attaches every listener of the page.
    fn wire(&self) -> Result<(), JsValue> {
        for p in controls::with_control() {
            let Some(el) = by_id(p.key) else { continue };
            let key = p.key;
            // A text field applies on Enter or leaving it, not at every key typed.
            if el.get_attribute("type").as_deref() == Some("text") {
                self.listen(&el, "change", move |a| a.on_control(key));
                continue;
            }
            self.listen(&el, "input", move |a| a.on_control(key));
            if el.tag_name() == "SELECT" || el.get_attribute("type").as_deref() == Some("checkbox") {
                self.listen(&el, "change", move |a| a.on_control(key));
            }
        }
        let buttons: [(&str, Action); 5] = [
            ("new-seed", App::new_seed),
            ("copy-link", |_| {
                if let Ok(href) = window().location().href() {
                    export::copy(&href, "Link");
                }
            }),
            ("copy-embed", |a| {
                if let Ok(href) = window().location().href() {
                    export::copy(&export::embed_snippet(&href, &export::embed_title(&a.config)), "Embed snippet");
                }
            }),
            ("download-csv", App::download_csv),
            ("download-png", |a| {
                let name = format!("{}.png", export::file_stem(&a.config));
                let mut title = vec![format!("initviz · {}", a.config.summary())];
                if let Some((_, r)) = &a.report {
                    if let Some(f) = r.verdict.findings.first() {
                        title.push(f.text.clone());
                    }
                }
                title.push(a.config.to_query());
                if export::download_png(&name, &export::page_background(), &export::page_foreground(), &title).is_err() {
                    set_text("export-status", "The PNG download failed in this browser.");
                }
            }),
        ];
        for (id, f) in buttons {
            if let Some(el) = by_id(id) {
                self.listen(&el, "click", f);
            }
        }
        if let Some(el) = by_id("toggle-controls") {
            self.listen(&el, "click", |_| toggle_controls());
        }
        let lab_buttons: [(&str, Action); 4] = [
            ("train-play", App::toggle_play),
            ("train-step", App::train_step),
            ("train-reset", App::train_reset),
            ("download-train-csv", App::download_train_csv),
        ];
        for (id, f) in lab_buttons {
            if let Some(el) = by_id(id) {
                self.listen(&el, "click", f);
            }
        }
        if let Some(el) = by_id("train-at") {
            self.listen(&el, "input", App::scrub);
        }
        if let Some(el) = by_id("train-run") {
            self.listen(&el, "change", App::queue_lab_draw);
        }
        for f in crate::code::Framework::ALL {
            if let Some(el) = by_id(&format!("copy-{}", f.element_id())) {
                self.listen(&el, "click", move |a| export::copy(&crate::code::snippet(&a.config, f), &format!("{} code", f.name())));
            }
        }
        self.wire_keys();
        self.wire_ridgelines();
        self.wire_std_chart();
        self.wire_diagram();
        if let Some(guide) = by_id("lesson-guide") {
            let h = self.clone();
            let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                let Some(a) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|el| el.closest("a").ok().flatten())
                else {
                    return;
                };
                let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() else { return };
                e.prevent_default();
                let search = a.search();
                h.with(move |app| app.open_lesson(&search));
            });
            let _ = guide.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
            click.forget();
        }
        self.wire_lessons();
        self.wire_phase_diagram();
        // The controls form never submits (no inline handler: a strict CSP forbids those).
        if let Some(form) = by_id("controls") {
            let stop = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| e.prevent_default());
            let _ = form.add_event_listener_with_callback("submit", stop.as_ref().unchecked_ref());
            stop.forget();
        }
        self.listen(&window(), "popstate", |a| {
            if let Ok(search) = window().location().search() {
                a.apply_query(&search);
            }
        });
        self.listen(&window(), "resize", |a| {
            a.redraw();
            if a.config.embed {
                post_height();
            }
        });
        if let Ok(Some(mq)) = window().match_media("(prefers-color-scheme: dark)") {
            self.listen(&mq, "change", App::redraw);
        }
        Ok(())
    }

    /// Lesson links are plain `?query` links (they work without script); with script they apply in place.
    fn wire_lessons(&self) {
        let Ok(links) = document().query_selector_all(".lessons a") else { return };
        for i in 0..links.length() {
            let Some(a) = links.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlAnchorElement>().ok()) else { continue };
            let (link, h) = (a.clone(), self.clone());
            let handler = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                e.prevent_default();
                let search = link.search();
                h.with(move |app| app.open_lesson(&search));
            });
            let _ = a.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
            handler.forget();
        }
    }
}

impl Handle {
    /// Sends worker `k`'s messages to `on_message` and its errors (a panic traps its wasm, which
    /// surfaces as an error event) to `on_error`, for the pool's workers and the lab's alike.
    fn wire_worker(&self, k: usize, worker: &Worker, on_message: fn(&mut App, usize, &JsValue), on_error: fn(&mut App, &str)) {
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

    /// Ridgelines: a tap or click on a ridge shows that layer's numbers under the chart; with the
    /// chart focused, ↑ and ↓ move through the layers.
    fn wire_ridgelines(&self) {
        for chart in Chart::ALL {
            let Chart::Ridgeline(quantity) = chart else { continue };
            let Some(canvas) = by_id(chart.canvas_id()) else { continue };
            self.on_click(&canvas, move |a, (_, y)| a.pick_layer_at(quantity, y));
            let key = |k: &str| match k {
                "ArrowUp" => Some(-1),
                "ArrowDown" => Some(1),
                _ => None,
            };
            self.on_keys(&canvas, key, move |a, step| a.move_picked_layer(quantity, step));
        }
    }

    /// The std chart: a tap or click picks the nearest layer's column; ← and → move.
    fn wire_std_chart(&self) {
        let Some(canvas) = by_id(Chart::Std.canvas_id()) else { return };
        self.on_click(&canvas, |a, (x, _)| a.pick_std_at(x));
        let key = |k: &str| match k {
            "ArrowLeft" => Some(-1),
            "ArrowRight" => Some(1),
            _ => None,
        };
        self.on_keys(&canvas, key, App::move_std_layer);
    }

    /// The network diagram: a tap or click on a unit or an edge shows its value.
    fn wire_diagram(&self) {
        let Some(canvas) = by_id(Chart::Network.canvas_id()) else { return };
        self.on_click(&canvas, |a, (x, y)| a.pick_in_diagram(x, y));
    }

    /// Keyboard shortcuts of the training view: Space or K play/pause, . or S one step, R reset
    /// (not while typing in a field, and not with a modifier held).
    fn wire_keys(&self) {
        let h = self.clone();
        let keys = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let tag = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|el| el.tag_name()).unwrap_or_default();
            if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA") {
                return;
            }
            let action: Action = match e.key().as_str() {
                " " if tag == "BUTTON" || tag == "A" || tag == "CANVAS" => return,
                " " | "k" | "K" => App::toggle_play,
                "." | "s" | "S" => App::train_step,
                "r" | "R" => App::train_reset,
                _ => return,
            };
            let train = h.0.upgrade().is_some_and(|a| a.try_borrow().is_ok_and(|a| a.config.view == View::Train));
            if train {
                e.prevent_default();
                h.with(action);
            }
        });
        let _ = document().add_event_listener_with_callback("keydown", keys.as_ref().unchecked_ref());
        keys.forget();
    }

    /// The phase diagram: a click sets (σ_w, σ_b); arrow keys move a cursor and Enter sets it.
    fn wire_phase_diagram(&self) {
        let Some(canvas) = by_id(crate::charts::Chart::Phase.canvas_id()) else { return };
        self.on_click(&canvas, |a, (x, y)| {
            if let Some(v) = render::phase_value_at(x, y) {
                a.set_phase_point(v);
            }
        });
        let key = |k: &str| match k {
            "ArrowLeft" => Some(Some((-0.1, 0.0))),
            "ArrowRight" => Some(Some((0.1, 0.0))),
            "ArrowUp" => Some(Some((0.0, 0.05))),
            "ArrowDown" => Some(Some((0.0, -0.05))),
            "Enter" | " " => Some(None),
            _ => None,
        };
        self.on_keys(&canvas, key, App::phase_key);
    }

    /// A click or tap on `canvas` runs `f` with the point, in CSS pixels of the canvas.
    fn on_click(&self, canvas: &web_sys::Element, f: impl Fn(&mut App, (f64, f64)) + 'static) {
        let (h, f) = (self.clone(), Rc::new(f));
        let click = Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
            let (at, f) = ((f64::from(e.offset_x()), f64::from(e.offset_y())), Rc::clone(&f));
            h.with(move |a| f(a, at));
        });
        let _ = canvas.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
    }

    /// Keys on the focused `canvas`: `key` says what a key means (`None`: not this chart's, left to
    /// the browser), and `f` does it.
    fn on_keys<T: 'static>(&self, canvas: &web_sys::Element, key: fn(&str) -> Option<T>, f: impl Fn(&mut App, T) + 'static) {
        let (h, f) = (self.clone(), Rc::new(f));
        let keys = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let Some(what) = key(e.key().as_str()) else { return };
            e.prevent_default();
            let f = Rc::clone(&f);
            h.with(move |a| f(a, what));
        });
        let _ = canvas.add_event_listener_with_callback("keydown", keys.as_ref().unchecked_ref());
        keys.forget();
    }
}

impl App {
    /// A phase-diagram key: move the cursor by `step`, or (`None`) use it.
    fn phase_key(&mut self, step: Option<(f64, f64)>) {
        let Some((_, report)) = &self.report else { return };
        let at = self.phase_cursor.unwrap_or(report.theory.point);
        match step {
            Some((dw, db)) => {
                use crate::theory::{PHASE_SB, PHASE_SW};
                let c = ((at.0 + dw).clamp(PHASE_SW.0, PHASE_SW.1), (at.1 + db).clamp(PHASE_SB.0, PHASE_SB.1));
                self.phase_cursor = Some(c);
                if let Some((config, report)) = &self.report {
                    if let Err(e) = render::phase_with_cursor(config, report, c) {
                        show_error(&e.to_string());
                    }
                }
            }
            None => self.set_phase_point(at),
        }
    }

    /// Sets the initializer to normal N(0, (σ_w/√n)²) and the biases to N(0, σ_b²).
    fn set_phase_point(&mut self, (sw, sb): (f64, f64)) {
        self.phase_cursor = None;
        let scale = (sw / (self.config.width as f64).sqrt()).max(1e-4);
        let q = format!("{}&init=normal&scale={scale}&bias=normal:{sb}", self.config.to_query());
        let (config, notices) = Config::from_query(&q);
        set_url(&config, true);
        self.set_config(config, &notices);
        self.schedule();
    }

    /// A tap at CSS row `y` of a ridgeline: show the layer under it.
    fn pick_layer_at(&mut self, quantity: crate::report::Quantity, y: f64) {
        let Some((_, report)) = &self.report else { return };
        let id = Chart::Ridgeline(quantity).canvas_id();
        let Some((dim, y, s)) = render::canvas_point(id, y) else { return };
        if let Some(layer) = crate::charts::ridgeline::layer_at(dim, &s, report.layers.len(), y) {
            self.show_layer(quantity, layer);
        }
    }

    /// ↑ or ↓ on a focused ridgeline.
    fn move_picked_layer(&mut self, quantity: crate::report::Quantity, step: i64) {
        let Some((_, report)) = &self.report else { return };
        let depth = report.layers.len() as i64;
        let next = self.picked.filter(|(q, _)| *q == quantity).map_or(0, |(_, l)| (l as i64 + step).clamp(0, depth - 1));
        self.show_layer(quantity, next as usize);
    }

    /// A tap at CSS (x, y) on the diagram: the unit's mean activation, or the edge's value.
    fn pick_in_diagram(&mut self, x: f64, y: f64) {
        use crate::charts::diagram::{hit, Hit};
        let Some((_, report)) = &self.report else { return };
        let Some(net) = &report.small_net else { return };
        let Some((w, px, s)) = render::canvas_column(Chart::Network.canvas_id(), x) else { return };
        let Some((dim, py, _)) = render::canvas_point(Chart::Network.canvas_id(), y) else { return };
        let grads = self.config.diagram == crate::config::DiagramView::Grads;
        let edges = if grads { &net.grads } else { &net.weights };
        let last = net.sizes.len() - 1;
        let text = match hit((w, dim.1), &s, &net.sizes, edges, (px, py)) {
            Some(Hit::Unit { layer: 0, unit }) => format!("Input feature {}.", unit + 1),
            Some(Hit::Unit { layer, unit }) if layer == last => format!("Output unit {}.", unit + 1),
            Some(Hit::Unit { layer, unit }) => {
                let m = net.mean_act.get(layer - 1).and_then(|a| a.get(unit)).copied().unwrap_or(f32::NAN);
                format!("Layer {layer}, unit {}: mean activation over the batch {}.", unit + 1, table_value_f32(m))
            }
            Some(Hit::Edge { layer, from, to, value }) => {
                let what = if grads { "∂L/∂W" } else { "W" };
                let from_name = if layer == 0 { format!("input {}", from + 1) } else { format!("layer {layer} unit {}", from + 1) };
                let to_name = if layer + 1 == last { format!("output {}", to + 1) } else { format!("layer {} unit {}", layer + 1, to + 1) };
                format!("{what} from {from_name} to {to_name}: {}.", table_value_f32(value))
            }
            None => return,
        };
        set_text("readout-chart-net", &text);
        if let Some(el) = by_id("readout-chart-net") {
            let _ = el.class_list().add_1("picked");
        }
    }

    /// A tap on the std chart at `x` (CSS px) picks the nearest layer's column.
    fn pick_std_at(&mut self, x: f64) {
        let Some((_, report)) = &self.report else { return };
        let depth = report.layers.len();
        if let Some((w, x, s)) = render::canvas_column(Chart::Std.canvas_id(), x) {
            if let Some(l) = crate::charts::lines::layer_at_x(w, &s, depth, x) {
                self.show_std_layer(l);
            }
        }
    }

    /// ← or → on the std chart: the layer `step` away from the picked one (layer 1 first).
    fn move_std_layer(&mut self, step: i64) {
        let Some((_, report)) = &self.report else { return };
        let depth = report.layers.len() as i64;
        let l = self.std_layer.map_or(1, |l| (l as i64 + step).clamp(1, depth.max(1)) as usize);
        self.show_std_layer(l);
    }

    fn show_std_layer(&mut self, layer: usize) {
        let Some((_, report)) = &self.report else { return };
        set_text("readout-chart-std", &render::std_readout(report, layer));
        if let Some(el) = by_id("readout-chart-std") {
            let _ = el.class_list().add_1("picked");
        }
        self.std_layer = Some(layer);
    }

    fn show_layer(&mut self, quantity: crate::report::Quantity, layer: usize) {
        let Some((_, report)) = &self.report else { return };
        let id = format!("readout-{}", Chart::Ridgeline(quantity).canvas_id());
        set_text(&id, &render::readout(report, quantity, layer));
        if let Some(el) = by_id(&id) {
            let _ = el.class_list().add_1("picked");
        }
        self.picked = Some((quantity, layer));
    }

    /// Workers to use: `workers=N` from the link, else one per core.
    fn cores(&self) -> usize {
        match self.config.workers {
            0 => window().navigator().hardware_concurrency() as usize,
            n => n,
        }
    }

    fn handle(&self) -> Handle {
        Handle(self.me.clone())
    }

    /// Runs `f` on the app in a new task after `ms` milliseconds.
    fn later(&self, ms: i32, f: impl FnOnce(&mut App) + 'static) {
        let h = self.handle();
        after(ms, move || h.with(f));
    }

    // ---- configuration ------------------------------------------------------------------

    /// Parses a query (from the URL or a lesson link) into the page's configuration and computes it.
    fn apply_query(&mut self, search: &str) {
        let (config, notices) = Config::from_query(search);
        if let Some(body) = document().body() {
            let _ = if config.embed { body.class_list().add_1("embed") } else { body.class_list().remove_1("embed") };
        }
        apply_view(&config);
        self.set_config(config, &notices);
        self.schedule();
    }

    /// The page's first view: a plain visit (the default view, whatever its theme, panels or embed)
    /// is drawn from the report shipped with the page, without waiting for the workers to start;
    /// any other link is computed.
    /// Returns whether it did (else the caller computes the link).
    fn first_view(&mut self, search: &str) -> bool {
        let (config, notices) = Config::from_query(search);
        let default = notices.is_empty() && lesson_key(&config) == lesson_key(&Config::default());
        let shipped = if default { crate::report::precomputed_default() } else { None };
        let Some(report) = shipped else { return false };
        if let Some(body) = document().body() {
            let _ = if config.embed { body.class_list().add_1("embed") } else { body.class_list().remove_1("embed") };
        }
        apply_view(&config);
        self.set_config(config, &notices);
        set_state("computing");
        self.started = now();
        self.last_run = RunInfo { precomputed: true, ..RunInfo::default() };
        self.pool_deferred = true;
        self.finish(config, self.asked_at, Ok(report), false);
        true
    }

    fn open_lesson(&mut self, search: &str) {
        let (config, _) = Config::from_query(search);
        set_url(&config, true);
        self.apply_query(search);
        if let Some(top) = by_id("results") {
            top.scroll_into_view();
        }
    }

    /// Makes `config` the page's configuration: notices, controls and address bar follow.
    fn set_config(&mut self, config: Config, notices: &[Notice]) {
        render::notices(notices);
        self.config = config;
        self.asked_at = now();
        controls::write_all(&config);
        set_url(&config, false);
        if let Some(body) = document().body() {
            let _ = body.dataset().set("view", config.view.id());
        }
        for f in crate::code::Framework::ALL {
            super::dom::set_text(f.element_id(), &crate::code::snippet(&config, f));
        }
        set_text("toggle-controls", &format!("Settings: {}", config.summary()));
        set_text("memory-note", &config.memory_note());
        lesson_guide(&config);
    }

    /// A control changed: re-parse the configuration with its new `key=value`.
    fn on_control(&mut self, key: &str) {
        let old = self.config;
        let Some(pair) = controls::read(key, &old) else { return };
        let (mut config, notices) = Config::from_query(&format!("{}&{pair}", old.to_query()));
        // Switching between constant and the random initializers resets the scale to that family's default.
        if key == "init" && (old.init == Init::Constant) != (config.init == Init::Constant) {
            config.scale = config.default_scale();
        }
        self.set_config(config, &notices);
        if key == "diagram" {
            self.redraw_chart(Chart::Network);
        } else {
            self.schedule();
        }
    }

    fn new_seed(&mut self) {
        let mut bytes = [0u8; 4];
        let seed = match getrandom::getrandom(&mut bytes) {
            Ok(()) => u32::from_le_bytes(bytes),
            Err(_) => (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
        };
        if let Some(el) = by_id("seed").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            el.set_value(&seed.to_string());
        }
        self.on_control("seed");
    }

    fn download_csv(&mut self) {
        let Some((c, r)) = &self.report else { return };
        let name = format!("{}.csv", export::file_stem(c));
        if export::download_text(&r.to_csv(&c.to_query()), &name, "text/csv").is_err() {
            set_text("export-status", "The CSV download failed in this browser.");
        }
    }

    /// Every evaluation of every run (`lab::history_csv`).
    fn download_train_csv(&mut self) {
        use crate::lab::{history_csv, RunHistory};
        let runs: Vec<RunHistory<'_>> = self
            .lab
            .runs
            .iter()
            .map(|r| RunHistory { label: &r.label, config: &r.config, evals: &r.evals, diverged: r.diverged.as_ref().map(|d| d.step) })
            .collect();
        let name = format!("{}-training.csv", export::file_stem(&self.config));
        if export::download_text(&history_csv(&runs), &name, "text/csv").is_err() {
            set_text("export-status", "The CSV download failed in this browser.");
        }
    }

    // ---- computing ----------------------------------------------------------------------

    /// One worker per core (`navigator.hardwareConcurrency`, at most 4); their messages come back here.
    fn start_pool(&mut self) {
        self.pool_deferred = false;
        let h = self.handle();
        let n = self.cores();
        self.pool.start(n, |k, worker: &Worker| h.wire_worker(k, worker, App::on_worker_message, App::worker_failed));
    }

    /// Marks the page as computing and computes the latest configuration: in the pool when there
    /// is one, else in the page after the browser has painted. Requests arriving meanwhile only
    /// update the configuration: the newest one wins, stale ones are never started.
    fn schedule(&mut self) {
        set_state("computing");
        self.report_drawn = false;
        if self.pool_deferred {
            self.start_pool();
        }
        self.start_progress();
        let comparing = self.config.compare.count() > 1;
        if self.config.view == View::Train || comparing {
            // A link in the training view trains its steps on load; a changed setting restarts,
            // playing if it was.
            let playing = self.config.view == View::Train && (self.lab_phase == LabPhase::Idle || self.lab.playing || self.lab.all_done());
            self.restart_lab(playing);
            if self.config.view == View::Train {
                return;
            }
        } else if self.lab_phase != LabPhase::Idle {
            self.lab.stop();
            self.lab_phase = LabPhase::Idle;
            lab_view::layout(&self.config, &self.lab);
        }
        let already = std::mem::replace(&mut self.pending, true);
        if self.pool.active() {
            if self.pool.can_send(&self.config) {
                self.send_latest();
            } else if self.pool.computing() {
                self.check_stale_later();
            }
            self.preview_here();
            return;
        }
        if already {
            return;
        }
        let h = self.handle();
        let on_frame = Closure::once_into_js(move || h.with(|a| a.later(0, App::compute_here)));
        let _ = window().request_animation_frame(on_frame.unchecked_ref());
    }

    /// Sends the latest configuration to the pool if a worker can take it (else it stays pending
    /// until one can), or computes it here if sending fails.
    fn send_latest(&mut self) {
        if !self.pool.can_send(&self.config) {
            return;
        }
        self.pending = false;
        if self.pool.send(self.config, now(), self.asked_at).is_err() {
            self.compute_here();
        }
    }

    /// Computes the latest configuration on the page's own thread (no worker).
    fn compute_here(&mut self) {
        self.pending = false;
        let (config, asked) = (self.config, self.asked_at);
        let result = run(&config).map_err(|e| format!("Cannot show this configuration: {e}."));
        self.last_run = RunInfo::default();
        let newer = self.pending;
        self.finish(config, asked, result, newer);
    }

    /// Whether the newest request in flight has run long enough to be worth dropping for the
    /// pending setting, and that setting has stayed put for [`QUIET_MS`]: while a slider still
    /// moves, its setting would be replaced before a restarted pool finished it, so the workers
    /// go on and their results are shown as they come.
    fn stale_is_long(&self) -> bool {
        now() - self.asked_at >= QUIET_MS && self.pool.sent_at().is_some_and(|t| now() - t > RESTART_AFTER_MS)
    }

    /// A newer setting waits behind computations: drop them once the newest has run for
    /// [`RESTART_AFTER_MS`] and the setting has been still for [`QUIET_MS`].
    fn check_stale_later(&mut self) {
        if self.stale_is_long() {
            return self.restart_pool();
        }
        let Some(sent) = self.pool.sent_at() else { return };
        let wait = (sent + RESTART_AFTER_MS).max(self.asked_at + QUIET_MS) - now();
        self.later(wait.max(0.0).ceil() as i32 + 1, |a| {
            if a.pending && !a.pool.can_send(&a.config) {
                a.check_stale_later();
            }
        });
    }

    /// Terminates the busy pool and starts a fresh one; the pending request goes to it when ready.
    fn restart_pool(&mut self) {
        self.pool.terminate();
        self.tasks.retain(|j| !matches!(j, Job::GradSum { .. } | Job::GradHist { .. }));
        self.start_pool();
        if !self.pool.active() {
            self.pending = false;
            self.schedule();
        }
    }

    /// A worker stopped (a panic traps its wasm, which surfaces as an error event): the request it
    /// was on is shown as failed, with the reason, and the pool is restarted, so the next change of
    /// a setting computes again. After [`MAX_WORKER_FAILURES`] failures in a row without a single
    /// answer, workers are given up and the page computes on its own thread.
    fn worker_failed(&mut self, message: &str) {
        self.worker_failures += 1;
        if self.worker_failures >= MAX_WORKER_FAILURES {
            return self.fail_over();
        }
        let was_busy = self.pool.terminate();
        self.tasks.retain(|j| !matches!(j, Job::GradSum { .. } | Job::GradHist { .. }));
        self.start_pool();
        if was_busy {
            self.pending = false;
            self.stop_progress();
            render::clear_results();
            show_error(&format!(
                "A compute worker stopped ({message}). It has been restarted: change any setting to compute again, or reload the page."
            ));
        }
    }

    /// Workers cannot be used: compute in the page from now on.
    fn fail_over(&mut self) {
        let was_busy = self.pool.terminate();
        if was_busy || self.pending {
            self.pending = false;
            self.schedule();
        }
    }

    fn on_worker_message(&mut self, k: usize, data: &JsValue) {
        let Ok((envelope, grads)) = decode_reply(data) else { return self.fail_over() };
        if !matches!(envelope.reply, crate::web::protocol::Reply::Ready) {
            self.worker_failures = 0;
        }
        if let Some(body) = document().body() {
            // This worker's wasm memory, so the page can show (and tests bound) its growth.
            let memory = format!("{}", envelope.memory);
            let _ = body.dataset().set(&format!("worker{k}Memory"), &memory);
            if k == 0 {
                let _ = body.dataset().set("workerMemory", &memory);
            }
        }
        match self.pool.receive(k, envelope.reply, envelope.ms, grads) {
            Outcome::Waiting => {}
            Outcome::AllReady => {}
            Outcome::Progress { done, total } => self.progress_done.set(Some(done as f64 / total.max(1) as f64)),
            Outcome::Weights { config, asked, sent, ms, preview } => self.draw_preview(config, asked, Some((sent, ms)), &preview),
            Outcome::Done(finished) => self.complete(*finished),
            Outcome::PartsIn { id } => {
                if self.pool.ask_for_histograms(id).is_err() {
                    return self.fail_over();
                }
                self.queue(Job::GradSum { id, layer: 0 });
            }
            Outcome::Broken => return self.fail_over(),
        }
        // A worker may have come free (started, finished, or dropped an older request).
        if self.pending {
            self.send_latest();
        }
    }

    /// The weights of the network being computed, before its pass: drawn at once (an older
    /// report's weights chart, if still queued, is dropped so it cannot cover them), unless the
    /// page drew them already. `from_worker`: when it went to the worker, which spent that many
    /// ms on it before the preview (none when the page built it).
    fn draw_preview(&mut self, config: Config, asked: f64, from_worker: Option<(f64, f64)>, preview: &WeightsPreview) {
        use crate::report::Quantity;
        if self.previewed.iter().any(|(c, a, _)| *c == config && *a == asked) {
            return;
        }
        let weights = Chart::Ridgeline(Quantity::Weights);
        self.tasks.retain(|j| !matches!(j, Job::Chart { chart, .. } if *chart == weights));
        let arrived = now();
        if render::weights_preview(&config, preview).is_ok() {
            let trace = super::trace::Draw::begin(asked, None);
            if let Some((sent, worker_ms)) = from_worker {
                trace.preview(sent, worker_ms, arrived);
            }
            trace.chart(now());
            self.previewed.push((config, asked, trace));
            self.weights_shown = Some(WeightsKey::of(&config));
        }
    }

    /// Draws the new weights at once, built here, when they are cheap to draw (at most
    /// [`PAGE_PREVIEW_FLOPS`]) and differ from those on the screen: the first chart then
    /// changes within a few milliseconds of the event, while the workers compute the rest (they
    /// may be busy with an earlier setting of a dragged slider).
    fn preview_here(&mut self) {
        let c = self.config;
        let cost = c.init_spec().cost(&c.shape().layer_dims(), c.act);
        let key = WeightsKey::of(&c);
        if c.view != View::Init || c.compare.count() > 1 || cost > PAGE_PREVIEW_FLOPS || self.weights_shown == Some(key) {
            return;
        }
        if c.validate_stored().is_err() {
            return;
        }
        let t0 = now();
        let preview = WeightsPreview::of(&build_network(&c), &c);
        let built = now() - t0;
        self.draw_preview(c, self.asked_at, None, &preview);
        if let Some((_, _, trace)) = self.previewed.last() {
            trace.built_here(built);
        }
    }

    /// A pooled request ended: start the newest setting first if one waits, then show this one.
    fn complete(&mut self, f: Finished) {
        self.last_run = RunInfo { workers: f.workers, worker_ms: f.worker_ms, precomputed: false };
        if let Some(body) = document().body() {
            let _ = body.dataset().set("workerMs", &format!("{:.1}", f.worker_ms));
            let _ = body.dataset().set("workers", &f.workers.to_string());
        }
        let newer = self.pending;
        if newer {
            self.send_latest();
        }
        self.finish(f.config, f.asked, f.result, newer);
    }

    /// Shows a finished computation: the verdict, formula and table at once, then one chart per
    /// job. The page is "ready" after the last one, and only if no newer configuration waits.
    /// `asked`: when the change that asked for it happened.
    fn finish(&mut self, config: Config, asked: f64, result: Result<Report, String>, newer_waiting: bool) {
        let computed_at = now();
        match result {
            Ok(report) => {
                self.report_drawn = false;
                // The build's pre-rendered first view is this report's text already.
                let prerendered = render::take_prerendered();
                if !prerendered {
                    render::text(&config, &report);
                }
                if let Some((q, l)) = self.picked {
                    let id = format!("readout-{}", Chart::Ridgeline(q).canvas_id());
                    set_text(&id, &render::readout(&report, q, l.min(report.layers.len().saturating_sub(1))));
                }
                if let Some(l) = self.std_layer {
                    set_text("readout-chart-std", &render::std_readout(&report, l.min(report.layers.len()).max(1)));
                }
                render::mark_current();
                self.report = Some((config, report));
                self.weights_shown = Some(WeightsKey::of(&config));
                // The weights are on the screen already when their preview was this configuration's.
                let early = self.previewed.iter().position(|(c, a, _)| *c == config && *a == asked).map(|i| self.previewed.remove(i).2);
                // Previews of older settings will have no report drawn.
                self.previewed.retain(|(_, a, _)| *a > asked);
                let skip = early.is_some().then_some(Chart::Ridgeline(crate::report::Quantity::Weights));
                let trace = early.unwrap_or_else(|| super::trace::Draw::begin(asked, None));
                trace.computed(computed_at);
                self.draw_trace = Some(trace);
                self.generation = self.generation.wrapping_add(1);
                let generation = self.generation;
                for chart in Chart::ALL.into_iter().filter(|c| Some(*c) != skip) {
                    self.queue(Job::Chart { generation, chart });
                }
                if !prerendered {
                    self.queue(Job::Table { generation });
                }
                self.queue(Job::Drawn { generation, computed_at, newer_waiting });
                // Start drawing in this task, as soon as the report is in.
                self.run_tasks();
            }
            Err(e) => {
                if newer_waiting {
                    return;
                }
                self.stop_progress();
                render::clear_results();
                show_error(&e);
            }
        }
    }

    // ---- the one task runner --------------------------------------------------------------

    /// Adds a job and makes sure a runner task will take it.
    fn queue(&mut self, job: Job) {
        self.tasks.push(job);
        if !self.tasks.scheduled {
            self.tasks.scheduled = true;
            self.later(0, App::run_tasks);
        }
    }

    /// Runs jobs until the queue is empty or this task has used its budget; the rest goes on in
    /// a new task.
    fn run_tasks(&mut self) {
        self.tasks.scheduled = false;
        let t0 = now();
        let mut first = true;
        while let Some(job) = self.tasks.peek() {
            if !first && (now() - t0 > TASK_BUDGET_MS || job.wants_own_task()) {
                self.tasks.scheduled = true;
                self.later(0, App::run_tasks);
                return;
            }
            self.tasks.pop();
            first = false;
            self.run_job(job);
        }
    }

    fn run_job(&mut self, job: Job) {
        match job {
            Job::Chart { generation, chart } if generation == self.generation => {
                if let Err(e) = self.draw(chart) {
                    self.stop_progress();
                    show_error(&e.to_string());
                }
                if let Some(t) = &self.draw_trace {
                    t.chart(now());
                }
            }
            Job::Table { generation } if generation == self.generation => {
                if let Some((_, r)) = &self.report {
                    render::table(r);
                }
            }
            Job::Drawn { generation, computed_at, newer_waiting } if generation == self.generation => {
                self.drawn(computed_at, newer_waiting);
            }
            Job::GradSum { id, layer } => match self.pool.grad_sum_one(id, layer) {
                Some(true) => self.queue(Job::GradSum { id, layer: layer + 1 }),
                Some(false) => self.queue(Job::GradHist { id, layer: 0 }),
                None => {}
            },
            Job::GradHist { id, layer } => match self.pool.grad_hist_one(id, layer) {
                Some(true) => self.queue(Job::GradHist { id, layer: layer + 1 }),
                Some(false) => {
                    if let Some(finished) = self.pool.assemble_if_ready(id) {
                        self.complete(finished);
                    }
                }
                None => {}
            },
            Job::Lab(chart) => {
                if let Err(e) = lab_view::chart(&self.config, &self.lab, chart) {
                    show_error(&e.to_string());
                }
            }
            Job::LabText => {
                lab_view::text(&self.config, &self.lab);
                self.lab_draws_pending = self.lab_draws_pending.saturating_sub(1);
                self.maybe_ready();
            }
            // A job of a report that a newer one replaced.
            Job::Chart { .. } | Job::Table { .. } | Job::Drawn { .. } => {}
        }
    }

    /// Draws one chart of the last report, with the current diagram choice (which needs no
    /// recomputation).
    fn draw(&self, chart: Chart) -> Result<(), crate::charts::ChartError> {
        let Some((c, r)) = &self.report else { return Ok(()) };
        render::chart(&Config { diagram: self.config.diagram, ..*c }, r, chart)
    }

    /// Every chart of the current report is drawn.
    fn drawn(&mut self, computed_at: f64, newer_waiting: bool) {
        let t2 = now();
        if let Some(t) = self.draw_trace.take() {
            t.all(t2);
        }
        if newer_waiting || self.pool.busy() || self.pending {
            return;
        }
        self.report_drawn = true;
        let Some((config, _)) = &self.report else { return };
        if config.view != View::Train {
            let place = match self.last_run {
                RunInfo { precomputed: true, .. } => String::new(),
                RunInfo { workers: 0, .. } => "in the page".to_string(),
                RunInfo { workers: 1, worker_ms, .. } => format!("in a worker ({worker_ms:.1} ms there)"),
                RunInfo { workers, worker_ms, .. } => format!("in {workers} workers, each on part of the batch ({worker_ms:.1} ms there)"),
            };
            // "1 layer", "1 sample": the controls' own wording (Config::shown).
            let mut size = crate::page::size_words(config);
            if config.is_lean() {
                size += &format!(
                    " (layer by layer, each layer's weights drawn again when needed: kept whole it would need {} MiB)",
                    config.stored_bytes() >> 20
                );
            }
            let text = if self.last_run.precomputed {
                format!("{size}: shipped with the page (a live run gives the same numbers), drawn in {:.0} ms.", t2 - computed_at)
            } else {
                format!("{size}: computed {place} in {:.0} ms, drawn in {:.0} ms.", computed_at - self.started, t2 - computed_at)
            };
            set_text("status", &text);
            if let Some(body) = document().body() {
                let _ = body.dataset().set("computeMs", &format!("{:.1}", computed_at - self.started));
                let _ = body.dataset().set("drawMs", &format!("{:.1}", t2 - computed_at));
            }
        }
        self.maybe_ready();
    }

    /// The page is ready when everything asked for is drawn: the report's charts (no computation
    /// waiting) and, when the lab has runs, the lab settled with its last redraw done.
    fn maybe_ready(&mut self) {
        let lab_busy = self.lab_draw_queued || self.lab_draws_pending > 0 || !matches!(self.lab_phase, LabPhase::Idle | LabPhase::Settled);
        let train = self.config.view == View::Train;
        if self.pending || self.pool.busy() || !self.report_drawn || lab_busy || (train && self.lab_phase != LabPhase::Settled) {
            return;
        }
        self.stop_progress();
        if train {
            let runs = self.lab.runs.len();
            let place = if runs > 1 { format!("{runs} runs, each in a worker") } else { "in a worker".to_string() };
            set_text("status", &format!("Trained {} steps ({place}); drawn.", self.lab.step()));
        }
        set_state("ready");
        if self.config.embed {
            post_height();
        }
        if self.pool_deferred {
            self.later(0, |a| {
                if a.pool_deferred {
                    a.start_pool();
                }
            });
        }
    }

    /// Redraws the last report's charts (resize, theme change) without recomputing, as jobs.
    fn redraw(&mut self) {
        let generation = self.generation;
        for chart in Chart::ALL {
            self.queue(Job::Chart { generation, chart });
        }
        if self.lab_phase != LabPhase::Idle {
            self.queue_lab_draw();
        }
    }

    /// Redraws one chart of the last report now (the diagram toggle needs only the diagram).
    fn redraw_chart(&mut self, chart: Chart) {
        if let Err(e) = self.draw(chart) {
            show_error(&e.to_string());
        }
    }

    // ---- progress -----------------------------------------------------------------------

    /// Shows "Computing… 1.2 s" while a computation takes longer than a moment.
    fn start_progress(&mut self) {
        if self.progress.is_some() {
            return;
        }
        let t0 = now();
        // A network too large to keep takes seconds: say why.
        let what = if self.config.is_lean() { "Computing layer by layer (too large to keep whole)…" } else { "Computing…" };
        let done = Rc::clone(&self.progress_done);
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
        self.progress = id.map(|id| (id, tick));
    }

    fn stop_progress(&mut self) {
        if let Some((id, _tick)) = self.progress.take() {
            window().clear_interval_with_handle(id);
        }
    }
}

impl App {
    // ---- the training lab -------------------------------------------------------------------

    /// Starts the lab's workers if it has none (one per run, at most one per core).
    fn start_lab_workers(&mut self, runs: usize) {
        if self.lab.has_workers() {
            return;
        }
        let h = self.handle();
        let cores = self.cores();
        self.lab.start_workers(runs.min(cores.max(1)), |k, worker: &Worker| {
            h.wire_worker(k, worker, App::on_lab_message, App::lab_failed);
        });
    }

    /// Replaces the lab's runs with those of the current configuration.
    fn restart_lab(&mut self, playing: bool) {
        let runs = self.config.compare.runs(&self.config);
        let labels = self.config.compare.labels(&self.config);
        // Every run's trainer, each in its lab worker, together (crate::budget::total).
        if let Err(e) = self.config.validate_page() {
            self.lab.stop();
            self.lab_phase = LabPhase::Idle;
            self.stop_progress();
            render::clear_results();
            let what = if self.config.view == View::Train { "train this configuration" } else { "compare these runs" };
            return show_error(&format!("Cannot {what}: {e}."));
        }
        self.start_lab_workers(runs.len());
        self.lab.restart(runs.into_iter().zip(labels).collect(), playing);
        self.lab_phase = LabPhase::Running;
        lab_view::layout(&self.config, &self.lab);
        self.queue_lab_draw();
    }

    fn on_lab_message(&mut self, k: usize, data: &JsValue) {
        let Ok((envelope, _)) = decode_reply(data) else { return self.lab_failed("an unreadable message") };
        match self.lab.receive(k, envelope.reply, now()) {
            LabEvent::Nothing | LabEvent::AllReady => {}
            LabEvent::Failed if self.lab.runs.iter().all(|r| r.error.is_some()) => {
                let error = self.lab.runs.iter().find_map(|r| r.error.clone()).unwrap_or_default();
                self.lab.stop();
                self.lab_phase = LabPhase::Idle;
                self.stop_progress();
                return show_error(&format!("Cannot train this configuration: {error}."));
            }
            LabEvent::Advanced | LabEvent::Failed => {
                if !self.lab.settled() {
                    self.lab_phase = LabPhase::Running;
                }
                self.queue_lab_draw();
            }
            LabEvent::Report { run } => {
                // The initialization view's charts follow the chosen run in the training view.
                if self.config.view == View::Train && run == 0 {
                    if let Some((_, report)) = self.lab.runs[0].report.clone() {
                        let config = self.lab.runs[0].config;
                        self.finish(config, self.asked_at, Ok(report), false);
                    }
                }
                self.queue_lab_draw();
            }
        }
        self.lab_advance_phase();
    }

    /// Moves the lab on: once every run has stopped, each is asked for its report; once every
    /// report is in, the lab is settled (and the page ready when drawn).
    fn lab_advance_phase(&mut self) {
        match self.lab_phase {
            LabPhase::Running if self.lab.settled() => {
                let step = if self.config.view == View::Train { self.lab.at } else { Some(0) };
                self.lab.ask_reports(step);
                self.lab_phase = LabPhase::Reporting;
                if self.lab.settled() {
                    self.lab_advance_phase();
                }
            }
            LabPhase::Reporting if self.lab.settled() => {
                self.lab_phase = LabPhase::Settled;
                self.queue_lab_draw();
            }
            _ => {}
        }
    }

    /// A lab worker stopped: every run is restarted on fresh workers, paused, with the reason shown.
    fn lab_failed(&mut self, message: &str) {
        self.lab.stop();
        self.lab_phase = LabPhase::Idle;
        self.stop_progress();
        show_error(&format!("A training worker stopped ({message}). Press Reset, or change any setting, to start again."));
    }

    /// Queues a redraw of the lab, at most every [`LAB_REDRAW_MS`].
    fn queue_lab_draw(&mut self) {
        if self.lab_draw_queued {
            return;
        }
        self.lab_draw_queued = true;
        let wait = (self.lab_drawn_at + LAB_REDRAW_MS - now()).max(0.0).ceil() as i32;
        self.later(wait, |a| {
            // Anything that happens from here on queues a redraw of its own.
            a.lab_draw_queued = false;
            a.lab_draws_pending += 1;
            a.lab_drawn_at = now();
            lab_view::layout(&a.config, &a.lab);
            for chart in LabChart::ALL {
                a.queue(Job::Lab(chart));
            }
            a.queue(Job::LabText);
        });
    }

    fn toggle_play(&mut self) {
        if self.config.view != View::Train || self.lab.runs.is_empty() {
            return;
        }
        if self.lab.all_done() {
            return;
        }
        let play = !self.lab.playing;
        self.lab.set_playing(play);
        if play {
            set_state("computing");
            self.lab_phase = LabPhase::Running;
        }
        self.lab_advance_phase();
        self.queue_lab_draw();
    }

    fn train_step(&mut self) {
        if self.config.view != View::Train || self.lab.runs.is_empty() {
            return;
        }
        set_state("computing");
        self.lab.single_step();
        self.lab_phase = LabPhase::Running;
        self.queue_lab_draw();
    }

    fn train_reset(&mut self) {
        if self.config.view != View::Train {
            return;
        }
        set_state("computing");
        self.restart_lab(false);
    }

    /// The scrub slider: show the kept step at its position.
    fn scrub(&mut self) {
        let Some(pos) =
            by_id("train-at").and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|e| e.value().parse::<usize>().ok())
        else {
            return;
        };
        let Some(&step) = self.lab.runs.first().and_then(|r| r.snapshots.get(pos)) else { return };
        self.lab.set_playing(false);
        self.lab.at = Some(step);
        set_state("computing");
        self.lab_phase = LabPhase::Running;
        self.lab_advance_phase();
    }
}

/// What the link says about the view itself: the theme (a class on the root element, which the
/// stylesheet and the charts follow), the panels shown (`show=`), and in an embed a link to the
/// full page.
fn apply_view(config: &Config) {
    use crate::config::{ThemeChoice, PANELS};
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
    let show = |panel: &str| config.show.shows(panel) && !(config.embed && config.show == crate::config::Panels::ALL && panel == "table");
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
        let full = Config { embed: false, show: crate::config::Panels::ALL, ..*config };
        a.set_href(&format!("?{}", full.to_query()));
        a.set_hidden(!config.embed);
    }
}

/// In an embed, tells the parent page the document's height (`{type: "initviz-height", height}`),
/// so a one-line listener can size the iframe and it never shows an inner scroll bar.
fn post_height() {
    use crate::embed::{height_messages, HeightMessage};
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
fn lesson_key(c: &Config) -> Config {
    let d = Config::default();
    Config { embed: d.embed, theme: d.theme, show: d.show, diagram: d.diagram, ..*c }
}

/// Beside the charts, the lesson whose settings are on the page: its title, what to look at, and
/// the previous and next lessons.
fn lesson_guide(config: &Config) {
    let all = lessons();
    let here = all.iter().position(|(q, _, _)| lesson_key(&Config::from_query(q).0) == lesson_key(config));
    let Some(i) = here else {
        super::dom::set_hidden("lesson-guide", true);
        return;
    };
    let link = |j: usize, label: &str| {
        let (q, t, _) = &all[j];
        format!("<a href=\"{}\" data-lesson=\"{j}\">{label}{}</a>", super::dom::escape(q), super::dom::escape(t))
    };
    let prev = if i > 0 { link(i - 1, "← ") } else { "<span></span>".to_string() };
    let next = if i + 1 < all.len() { link(i + 1, "Next: ") } else { String::new() };
    let (_, title, what) = &all[i];
    super::dom::set_html(
        "lesson-guide",
        &format!(
            "<p><strong>Lesson {} of {}: {}</strong></p><p>{}</p><nav aria-label=\"Lessons\">{prev}{next}</nav>",
            i + 1,
            all.len(),
            super::dom::escape(title),
            super::dom::escape(what)
        ),
    );
    super::dom::set_hidden("lesson-guide", false);
}

/// A value as the table writes it ("overflow" when not finite).
fn table_value_f32(v: f32) -> String {
    if v.is_finite() {
        crate::format::table_value(f64::from(v), false)
    } else {
        "overflow".to_string()
    }
}

/// Opens or folds the settings (phones).
fn toggle_controls() {
    let Some(form) = by_id("controls") else { return };
    let open = form.class_list().toggle("open").unwrap_or(false);
    if let Some(b) = by_id("toggle-controls") {
        let _ = b.set_attribute("aria-expanded", if open { "true" } else { "false" });
    }
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
