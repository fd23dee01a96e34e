//! A tour on the page (`crate::course::tour`): the step panel beside the charts (`#tour-guide`), the
//! step's view as the page's configuration, its locked controls, and its question asked before
//! the charts show (`body.asking` hides them) and graded against the step's own report once it is
//! drawn. The address keeps `tour=` and `step=` after the view's own keys.

use crate::analysis::report::Report;
use crate::course::tour::{html, Tour, TourError};
use crate::spec::config::Config;
use crate::spec::params::PARAMS;
use crate::web::dom::{by_id, document, set_hidden, set_html};
use std::cell::RefCell;

thread_local! {
    /// `&tour=…&step=k` while a tour is open: what the address bar keeps after the view's keys.
    static SUFFIX: RefCell<String> = const { RefCell::new(String::new()) };
}

/// What to append to the view's query in the address bar (empty without a tour).
#[must_use]
pub fn url_suffix() -> String {
    SUFFIX.with(|s| s.borrow().clone())
}

/// The open tour.
pub struct TourView {
    tour: Tour,
    /// The `tour=` value, as the link had it.
    value: String,
    at: usize,
    /// The question is asked and not answered yet.
    asking: bool,
    /// An answer given before the step's report was drawn, graded once it is.
    waiting: Option<String>,
}

/// `tour=` and `step=` of a query, and the rest.
#[must_use]
pub fn split(search: &str) -> (String, Option<(String, usize)>) {
    let mut rest = Vec::new();
    let (mut value, mut step) = (None, 0);
    for pair in search.trim_start_matches('?').split('&').filter(|s| !s.is_empty()) {
        match pair.split_once('=') {
            Some(("tour", v)) => value = Some(crate::spec::params::percent_decode(v)),
            Some(("step", v)) => step = v.parse().unwrap_or(0),
            _ => rest.push(pair),
        }
    }
    (rest.join("&"), value.map(|v| (v, step)))
}

impl TourView {
    /// Opens the tour of a link at step `at` (clamped to its steps).
    ///
    /// # Errors
    /// The tour cannot be read at all, or none of its steps can be shown.
    pub fn open(value: &str, at: usize) -> Result<TourView, TourError> {
        Self::of(Tour::from_link(value)?, value, at)
    }

    /// The tour read from a `tour=file:` file, opened at step `at`; `value`: the `tour=` value,
    /// which the address keeps.
    ///
    /// # Errors
    /// The file is not a tour, or none of its steps can be shown.
    pub fn from_file(text: &str, value: &str, at: usize) -> Result<TourView, TourError> {
        Self::of(Tour::from_file(text)?, value, at)
    }

    fn of(tour: Tour, value: &str, at: usize) -> Result<TourView, TourError> {
        if tour.steps.is_empty() {
            return Err(tour.errors.first().cloned().unwrap_or(TourError::Empty));
        }
        let at = at.min(tour.steps.len() - 1);
        let asking = tour.steps[at].question.is_some();
        Ok(TourView { tour, value: value.to_string(), at, asking, waiting: None })
    }

    /// The configuration of the step shown.
    #[must_use]
    pub fn config(&self) -> Config {
        self.tour.steps[self.at].config
    }

    /// The link of step `k`: its view, then the tour.
    fn href(&self, k: usize) -> String {
        let q = self.tour.steps.get(k).map_or(String::new(), |s| s.query.clone());
        format!("?{q}&tour={}&step={k}", self.value)
    }

    /// Goes to step `k`; returns its view's query, for the page to apply.
    pub fn go(&mut self, k: usize) -> Option<String> {
        let step = self.tour.steps.get(k)?;
        self.at = k;
        self.asking = step.question.is_some();
        self.waiting = None;
        Some(step.query.clone())
    }

    /// Step `at ± 1`, if there is one.
    #[must_use]
    pub fn neighbour(&self, forward: bool) -> Option<usize> {
        if forward {
            (self.at + 1 < self.tour.steps.len()).then_some(self.at + 1)
        } else {
            self.at.checked_sub(1)
        }
    }

    /// Shows the step panel, hides the charts while the question is asked, and sets what the
    /// address bar keeps.
    pub fn show(&self) {
        SUFFIX.with(|s| *s.borrow_mut() = format!("&tour={}&step={}", self.value, self.at));
        let panel = html::step_panel(&self.tour, self.at, self.asking, &|k| self.href(k));
        set_html("tour-guide", &format!("{panel}<div id=\"tour-answer\"></div>{}", html::errors(&self.tour)));
        set_hidden("tour-guide", false);
        set_hidden("lesson-guide", true);
        set_asking(self.asking);
        self.lock();
    }

    /// Disables the step's locked controls (after the controls were written), and keeps the
    /// lesson guide out of the way of the tour's panel.
    pub fn lock(&self) {
        set_hidden("lesson-guide", true);
        let step = &self.tour.steps[self.at];
        for p in PARAMS.iter().filter(|p| step.lock.contains(&p.key)) {
            if let Some(el) = by_id(p.key) {
                let _ = el.set_attribute("disabled", "");
                let _ = el.set_attribute("title", "Locked by this tour step");
            }
        }
    }

    /// An answer (an outcome's id, or a number): graded now if the step's report is drawn
    /// (`report`), else once it is ([`TourView::on_drawn`]).
    pub fn answer(&mut self, answer: String, report: Option<&Report>) {
        if !self.asking {
            return;
        }
        match report {
            Some(r) => self.reveal(&answer, r),
            None => {
                self.waiting = Some(answer);
                set_html("tour-answer", "<p class=\"hint\" role=\"status\">Computing this step's network; the answer follows.</p>");
            }
        }
    }

    /// The step's report is drawn: an answer waiting for it is graded.
    pub fn on_drawn(&mut self, report: Option<&Report>) {
        if let (Some(answer), Some(r)) = (self.waiting.take(), report) {
            self.reveal(&answer, r);
        }
    }

    fn reveal(&mut self, answer: &str, report: &Report) {
        let Some(q) = &self.tour.steps[self.at].question else { return };
        let graded = q.grade(answer, report);
        self.asking = false;
        self.show();
        set_html("tour-answer", &html::reveal(&graded));
    }
}

/// The charts and numbers hidden (`body.asking`) while a question waits for its answer.
fn set_asking(asking: bool) {
    if let Some(body) = document().body() {
        let _ = body.class_list().toggle_with_force("asking", asking);
    }
}

/// A tour that cannot be opened: why, where the step panel would be.
pub fn show_error(e: &TourError) {
    set_html("tour-guide", &format!("<p class=\"tour-errors\" role=\"alert\">{}</p>", crate::export::page::escape(&e.to_string())));
    set_hidden("tour-guide", false);
}

/// The step panel while the tour file at `path` loads; the address keeps `tour=value&step=at`
/// meanwhile.
pub fn show_loading(path: &str, value: &str, at: usize) {
    SUFFIX.with(|s| *s.borrow_mut() = format!("&tour={value}&step={at}"));
    set_html("tour-guide", &format!("<p role=\"status\">Loading the tour {}…</p>", crate::export::page::escape(path)));
    set_hidden("tour-guide", false);
}

/// Fetches the text of the tour file at `path` (relative to the page, same origin), then calls
/// `done` with it, or with why it could not be loaded.
pub fn fetch_file(path: &str, done: impl FnOnce(Result<String, TourError>) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let finish = {
        let done = done.clone();
        move |r: Result<String, TourError>| {
            if let Some(f) = done.borrow_mut().take() {
                f(r);
            }
        }
    };
    let failed = {
        let (finish, path) = (finish.clone(), path.to_string());
        move |why: String| finish(Err(TourError::Fetch { path: path.clone(), why }))
    };
    let on_text = {
        let finish = finish.clone();
        Closure::once(move |text: JsValue| finish(Ok(text.as_string().unwrap_or_default())))
    };
    let on_fail = {
        let failed = failed.clone();
        Closure::once(move |e: JsValue| failed(e.as_string().unwrap_or_else(|| "the network refused it".to_string())))
    };
    let on_response = {
        let failed = failed.clone();
        Closure::once(move |r: JsValue| {
            let Ok(r) = r.dyn_into::<web_sys::Response>() else { return failed("no response".to_string()) };
            if !r.ok() {
                return failed(format!("HTTP {} {}", r.status(), r.status_text()));
            }
            match r.text() {
                Ok(p) => {
                    let _ = p.then2(&on_text, &on_fail);
                    on_text.forget();
                    on_fail.forget();
                }
                Err(_) => failed("its text could not be read".to_string()),
            }
        })
    };
    let on_network = Closure::once(move |_: JsValue| failed("the network refused it".to_string()));
    let _ = crate::web::dom::window().fetch_with_str(path).then2(&on_response, &on_network);
    on_response.forget();
    on_network.forget();
}

/// The slider's guess as the output shows it.
pub fn show_guess() {
    let Some(input) = by_id("tour-guess").and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok()) else {
        return;
    };
    let g = html::guess(input.value().parse().unwrap_or(-1.0));
    let text = crate::format::fmt_num(g);
    crate::web::dom::set_text("tour-guess-value", &text);
    let _ = input.set_attribute("aria-valuetext", &text);
}

/// The slider's guess.
#[must_use]
pub fn read_guess() -> Option<f64> {
    let input = by_id("tour-guess").and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok())?;
    Some(html::guess(input.value().parse().ok()?))
}
