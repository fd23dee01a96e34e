//! Starts the page and wires every event to the [`App`]: the controls, the buttons, the lessons,
//! the keyboard shortcuts of the training view, taps and keys on the charts (the pickers), the
//! address bar, resizing and the theme. Each listener is one method call on the app, through a
//! [`AppHandle`].

use super::actions::{self, new_seed, on_control, open_lesson, phase_key, scrub, toggle_play, train_reset, train_step};
use super::handle::set_panicked;
use super::page_ui::{post_height, toggle_controls};
use super::{tour_view, App, AppHandle};
use crate::charts::Chart;
use crate::spec::config::Config;
use crate::spec::view::View;
use crate::web::dom::{by_id, document, set_text, show_error, window};
use crate::web::ui::{controls, export, render};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a button does.
type Action = fn(&mut App);

/// Starts the page: the app, its controls, its workers, and the configuration of the URL.
pub fn start() -> Result<(), JsValue> {
    std::panic::set_hook(Box::new(|info| {
        set_panicked();
        console_error_panic_hook::hook(info);
        show_error(&format!("Internal error, please reload the page: {info}"));
    }));
    let app = Rc::new_cyclic(|me| RefCell::new(App::new(me.clone())));
    controls::build();
    let h = AppHandle::new(Rc::downgrade(&app));
    h.wire()?;
    let mut a = app.borrow_mut();
    let (search, tour) = tour_view::split(&window().location().search()?);
    // The workers start now, or (for the shipped default view) once it is drawn, so their start
    // does not compete with the first drawing for the cores.
    // The pool's size is read once, from the link (`workers=`) or the cores.
    a.config.workers = Config::from_query(&search).0.workers;
    if let Some((value, at)) = tour {
        if let Some(path) = crate::course::tour::file_path(&value) {
            match path {
                Ok(path) => {
                    // The link's own view (or the shipped one) shows while the file loads.
                    tour_view::show_loading(path, &value, at);
                    a.tour_loading = true;
                    let h2 = h.clone();
                    let value2 = value.clone();
                    tour_view::fetch_file(path, move |text| {
                        h2.with(move |a| {
                            a.tour_loading = false;
                            match text.and_then(|t| tour_view::TourView::from_file(&t, &value2, at)) {
                                Ok(t) => {
                                    let query = t.config().to_query();
                                    t.show();
                                    a.tour = Some(t);
                                    actions::apply_query(a, &query);
                                }
                                Err(e) => {
                                    tour_view::show_error(&e);
                                    // The link's own view is the one shown: it may be drawn already.
                                    a.maybe_ready();
                                }
                            }
                        });
                    });
                }
                Err(e) => tour_view::show_error(&e),
            }
        } else {
            match tour_view::TourView::open(&value, at) {
                Ok(t) => {
                    let query = t.config().to_query();
                    t.show();
                    a.tour = Some(t);
                    a.start_pool();
                    actions::apply_query(&mut a, &query);
                    drop(a);
                    std::mem::forget(app);
                    return Ok(());
                }
                Err(e) => tour_view::show_error(&e),
            }
        }
    }
    if !actions::first_view(&mut a, &search) {
        a.start_pool();
        actions::apply_query(&mut a, &search);
    }
    drop(a);
    // The app lives as long as the page.
    std::mem::forget(app);
    Ok(())
}

impl AppHandle {
    /// A listener for `event` on `target` that runs `f` on the app, for the page's lifetime.
    fn listen(&self, target: &web_sys::EventTarget, event: &str, f: impl Fn(&mut App) + 'static) {
        let h = self.clone();
        let f = Rc::new(f);
        let c = Closure::<dyn FnMut()>::new(move || {
            let f = f.clone();
            h.with(move |a| f(a));
        });
        let _ = target.add_event_listener_with_callback(event, c.as_ref().unchecked_ref());
        c.forget();
    }

    /// Attaches every listener of the page.
    fn wire(&self) -> Result<(), JsValue> {
        for p in controls::with_control() {
            let Some(el) = by_id(p.key) else { continue };
            let key = p.key;
            // A text field applies on Enter or leaving it, not at every key typed.
            if el.get_attribute("type").as_deref() == Some("text") {
                self.listen(&el, "change", move |a| on_control(a, key));
                continue;
            }
            self.listen(&el, "input", move |a| on_control(a, key));
            if el.tag_name() == "SELECT" || el.get_attribute("type").as_deref() == Some("checkbox") {
                self.listen(&el, "change", move |a| on_control(a, key));
            }
        }
        let buttons: [(&str, Action); 6] = [
            ("new-seed", new_seed),
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
            ("download-csv", |a| a.init.download_csv()),
            ("download-spectrum-csv", |a| {
                let Some(csv) = a.spectrum.csv() else { return };
                let name = format!("{}-spectrum.csv", export::file_stem(&a.config));
                if export::download_text(&csv, &name, "text/csv").is_err() {
                    crate::web::dom::set_text("spectrum-status", "The CSV download failed in this browser.");
                }
            }),
            ("download-png", |a| {
                let name = format!("{}.png", export::file_stem(&a.config));
                let mut title = vec![format!("initviz · {}", a.config.summary())];
                if let Some(r) = a.init.report() {
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
            ("train-play", toggle_play),
            ("train-step", train_step),
            ("train-reset", train_reset),
            ("download-train-csv", |a| a.lab.download_csv(&a.config)),
        ];
        for (id, f) in lab_buttons {
            if let Some(el) = by_id(id) {
                self.listen(&el, "click", f);
            }
        }
        if let Some(el) = by_id("train-at") {
            self.listen(&el, "input", scrub);
        }
        if let Some(el) = by_id("train-run") {
            self.listen(&el, "change", App::queue_lab_draw);
        }
        for f in crate::export::code::Framework::ALL {
            if let Some(el) = by_id(&format!("copy-{}", f.element_id())) {
                self.listen(&el, "click", move |a| {
                    export::copy(&crate::export::code::snippet(&a.config, f), &format!("{} code", f.name()))
                });
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
                h.with(move |app| open_lesson(app, &search));
            });
            let _ = guide.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
            click.forget();
        }
        self.wire_lessons();
        self.wire_tour();
        self.wire_phase_diagram();
        // The controls form never submits (no inline handler: a strict CSP forbids those).
        if let Some(form) = by_id("controls") {
            let stop = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| e.prevent_default());
            let _ = form.add_event_listener_with_callback("submit", stop.as_ref().unchecked_ref());
            stop.forget();
        }
        self.listen(&window(), "popstate", |a| {
            if let Ok(search) = window().location().search() {
                let (rest, tour) = tour_view::split(&search);
                if let (Some((_, k)), Some(t)) = (tour, &mut a.tour) {
                    if t.go(k).is_some() {
                        t.show();
                    }
                }
                actions::apply_query(a, &rest);
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

    /// The tour's panel: its step links, its answer buttons, its guess slider; ← → (or P, N) for
    /// the previous and next step when focus is not in a form field.
    fn wire_tour(&self) {
        let Some(guide) = by_id("tour-guide") else { return };
        let h = self.clone();
        let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            if let Some(link) = el.closest("a[data-step]").ok().flatten() {
                e.prevent_default();
                let Some(k) = link.get_attribute("data-step").and_then(|k| k.parse::<usize>().ok()) else { return };
                h.with(move |a| actions::tour_step(a, k));
            } else if let Some(button) = el.closest("button[data-answer]").ok().flatten() {
                let answer = match button.get_attribute("data-answer").as_deref() {
                    Some("number") => tour_view::read_guess().map(|g| g.to_string()),
                    other => other.map(str::to_string),
                };
                if let Some(answer) = answer {
                    h.with(move |a| actions::tour_answer(a, answer));
                }
            }
        });
        let _ = guide.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
        let input = Closure::<dyn FnMut()>::new(tour_view::show_guess);
        let _ = guide.add_event_listener_with_callback("input", input.as_ref().unchecked_ref());
        input.forget();
        let h = self.clone();
        let keys = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let tag = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|el| el.tag_name()).unwrap_or_default();
            if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA" | "CANVAS") {
                return;
            }
            let forward = match e.key().as_str() {
                "ArrowRight" | "n" | "N" => true,
                "ArrowLeft" | "p" | "P" => false,
                _ => return,
            };
            let Some(k) = h.read(|a| a.tour.as_ref().and_then(|t| t.neighbour(forward))) else { return };
            e.prevent_default();
            h.with(move |a| actions::tour_step(a, k));
        });
        let _ = document().add_event_listener_with_callback("keydown", keys.as_ref().unchecked_ref());
        keys.forget();
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
                h.with(move |app| open_lesson(app, &search));
            });
            let _ = a.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
            handler.forget();
        }
    }

    /// Ridgelines: a tap or click on a ridge shows that layer's numbers under the chart; with the
    /// chart focused, ↑ and ↓ move through the layers.
    fn wire_ridgelines(&self) {
        for chart in Chart::ALL {
            let Chart::Ridgeline(quantity) = chart else { continue };
            let Some(canvas) = by_id(chart.canvas_id()) else { continue };
            self.on_click(&canvas, move |a, (_, y)| a.pickers.pick_layer_at(a.init.report(), quantity, y));
            let key = |k: &str| match k {
                "ArrowUp" => Some(-1),
                "ArrowDown" => Some(1),
                _ => None,
            };
            self.on_keys(&canvas, key, move |a, step| a.pickers.move_picked_layer(a.init.report(), quantity, step));
        }
    }

    /// The std chart: a tap or click picks the nearest layer's column; ← and → move.
    fn wire_std_chart(&self) {
        let Some(canvas) = by_id(Chart::Std.canvas_id()) else { return };
        self.on_click(&canvas, |a, (x, _)| a.pickers.pick_std_at(a.init.report(), x));
        let key = |k: &str| match k {
            "ArrowLeft" => Some(-1),
            "ArrowRight" => Some(1),
            _ => None,
        };
        self.on_keys(&canvas, key, |a, step| a.pickers.move_std_layer(a.init.report(), step));
    }

    /// The network diagram: a tap or click on a unit or an edge shows its value.
    fn wire_diagram(&self) {
        let Some(canvas) = by_id(Chart::Network.canvas_id()) else { return };
        self.on_click(&canvas, |a, (x, y)| a.pickers.pick_in_diagram(a.init.report(), a.config.diagram, x, y));
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
                " " | "k" | "K" => toggle_play,
                "." | "s" | "S" => train_step,
                "r" | "R" => train_reset,
                _ => return,
            };
            let train = h.test(|a| a.config.view == View::Train);
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
        let Some(canvas) = by_id(Chart::Phase.canvas_id()) else { return };
        self.on_click(&canvas, |a, (x, y)| {
            if let Some(v) = render::phase_value_at(x, y) {
                actions::set_phase_point(a, v);
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
        self.on_keys(&canvas, key, phase_key);
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
