//! Tours: sequences of views an instructor writes, with questions students answer before they see.
//!
//! A tour is a list of steps; each step is a view (the page's own query keys, as in any link), a
//! title, a short text, the controls to lock, and optionally a question asked before the charts
//! show. It travels as a small JSON file beside the page (`tour=file:intro.json`, same origin) or
//! inside the link (`tour=` + [`encode`]: the JSON deflated and written in base64url, the 64
//! characters that course-page editors and LMS link fields leave alone).
//!
//! ```json
//! { "title": "Initialization in three steps",
//!   "steps": [
//!     { "title": "Small random weights", "view": "depth=10&width=500&init=normal&scale=0.01&act=tanh",
//!       "text": "Each layer multiplies the signal by 0.01·√500.",
//!       "question": { "kind": "choice", "quantity": "activations", "layer": 10 } },
//!     { "title": "Xavier", "view": "depth=10&width=500&init=xavier_normal&act=tanh", "lock": ["init"],
//!       "question": { "kind": "number", "quantity": "activations", "layer": 10 } } ] }
//! ```
//!
//! The true answer is never written in the tour: it is computed from the step's own report
//! ([`Question::truth`]), by the same rule the verdict uses ([`crate::analysis::verdict::direction`]).

use crate::analysis::report::{Quantity, Report};
use crate::analysis::verdict::{direction, Direction};
use crate::format::fmt_num;
use crate::spec::config::Config;
use crate::spec::params::param_of;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest `tour=` value read (bytes of base64url): a link field or an address bar takes
/// about this much, and a tour this long is a course, not a step.
pub const MAX_ENCODED: usize = 32 * 1024;
/// The most a tour may inflate to (bytes of JSON), so a small link cannot ask for a huge buffer.
pub const MAX_JSON: usize = 256 * 1024;
/// The most steps a tour holds.
pub const MAX_STEPS: usize = 100;

/// The built-in lessons, a tour in this format (`www/lessons.json`, served beside the page, so
/// `tour=file:lessons.json` opens them as a tour too). The build writes the page's lesson lists
/// from it (`src/bin/prerender.rs`): one source for both.
pub const LESSONS_JSON: &str = include_str!("../../www/lessons.json");

/// [`LESSONS_JSON`] as written.
///
/// # Errors
/// When the file is not a tour (a test holds it to be one, with no step left out).
pub fn lessons_file() -> Result<TourFile, TourError> {
    serde_json::from_str(LESSONS_JSON).map_err(|e| TourError::Json(e.to_string()))
}

/// The built-in lessons' titles and cite keys, for [`crate::course::cite::html`] and
/// [`crate::course::cite::markdown`].
#[must_use]
pub fn lesson_citations() -> Vec<(String, Vec<String>)> {
    lessons_file().map(|f| f.steps.into_iter().map(|s| (s.title, s.cite)).collect()).unwrap_or_default()
}

/// A tour as written (the JSON file's shape). Unknown fields are refused, so a misspelt key is
/// named rather than ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TourFile {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    pub steps: Vec<StepFile>,
}

/// One step as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    pub title: String,
    /// The view: a query string of the page's keys (`depth=10&act=relu`), with or without `?`.
    pub view: String,
    /// What to look at (plain text; inline math as in the lessons).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// A heading the step starts (the built-in lessons' "in training" part).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub part: String,
    /// URL keys whose controls this step disables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lock: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionFile>,
    /// The works the step shows, by their keys in [`crate::course::cite::REFERENCES`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cite: Vec<String>,
}

/// A question as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionFile {
    /// `choice` (vanish / stay / explode / saturate) or `number` (the std, on a log slider).
    pub kind: String,
    /// `activations`, `preactivations`, `act_grads` (∂L/∂a) or `grads` (∂L/∂W).
    pub quantity: String,
    /// 1-based hidden layer.
    pub layer: usize,
    /// The question in the instructor's words (else one is written from the fields).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prompt: String,
}

/// The editor's operations on a tour being written: no server, so the tour lives in the link
/// ([`encode`]) or a downloaded file ([`TourFile::to_json`]).
impl TourFile {
    /// Adds the view `config` (its canonical query, with `show=` and `theme=` kept) as a step
    /// after `at` (or at the end), titled as the page summarises it; returns its index.
    pub fn add_view(&mut self, config: &Config, at: Option<usize>) -> usize {
        let step = StepFile { title: config.summary(), view: config.to_query(), ..StepFile::default() };
        let i = at.map_or(self.steps.len(), |a| (a + 1).min(self.steps.len()));
        self.steps.insert(i, step);
        i
    }

    /// Moves step `i` one place up (`up`) or down; returns its new index (the same at an end).
    pub fn move_step(&mut self, i: usize, up: bool) -> usize {
        let j = if up { i.checked_sub(1) } else { (i + 1 < self.steps.len()).then_some(i + 1) };
        match j {
            Some(j) if i < self.steps.len() => {
                self.steps.swap(i, j);
                j
            }
            _ => i,
        }
    }

    /// Removes step `i` (nothing when there is none).
    pub fn remove_step(&mut self, i: usize) {
        if i < self.steps.len() {
            self.steps.remove(i);
        }
    }

    /// The file to download: pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// A checked step, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub title: String,
    pub text: String,
    pub part: String,
    /// The canonical query of its view.
    pub query: String,
    pub config: Config,
    /// Keys of the page's parameter table.
    pub lock: Vec<&'static str>,
    pub question: Option<Question>,
    /// Keys of [`crate::course::cite::REFERENCES`].
    pub cite: Vec<&'static str>,
}

/// A checked tour: the steps that are fine, in order, with what was wrong with the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tour {
    pub title: String,
    pub steps: Vec<Step>,
    pub errors: Vec<TourError>,
}

/// The kind of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// What happens to the quantity by the layer: one of [`Outcome::ALL`].
    Choice,
    /// The quantity's std at the layer.
    Number,
}

/// A checked question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub ask: Ask,
    pub quantity: Quantity,
    /// 1-based.
    pub layer: usize,
    pub prompt: String,
}

/// What a quantity does by a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Vanish,
    Stay,
    Explode,
    Saturate,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Vanish, Outcome::Stay, Outcome::Explode, Outcome::Saturate];

    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Vanish => "vanish",
            Outcome::Stay => "stay",
            Outcome::Explode => "explode",
            Outcome::Saturate => "saturate",
        }
    }
}

/// The share of saturated outputs (layers 1 to L, averaged) from which the answer is "saturate":
/// the verdict's own threshold for its "saturated" finding.
pub const SATURATED_SHARE: f64 = 0.3;

/// The true answer, from the report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Truth {
    Choice(Outcome),
    /// The std measured; `None` when it is not finite (overflow).
    Number(Option<f64>),
}

/// A student's answer, graded.
#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    pub right: bool,
    /// For a number: how many decades (|log₁₀(answer / truth)|) it is off; a choice: 0 or 1.
    pub distance: f64,
    /// What happened and why, for the reveal.
    pub sentence: String,
}

/// What is wrong with a tour, or with one of its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TourError {
    /// The `tour=` value is longer than [`MAX_ENCODED`].
    TooLong { bytes: usize },
    /// Not base64url, or not a deflate stream, or it inflates past [`MAX_JSON`].
    Encoding(String),
    /// Not a tour's JSON (the parser's message, with its line and column).
    Json(String),
    /// More than [`MAX_STEPS`] steps.
    TooManySteps { steps: usize },
    /// No step at all.
    Empty,
    /// A step (0-based, with its title) that cannot be shown.
    Step { index: usize, title: String, what: StepError },
    /// `tour=file:` names a file on another site, which the page does not fetch.
    OtherOrigin(String),
    /// `tour=file:` names something other than a `.json` file.
    FileName(String),
    /// The file could not be fetched (its path, and what the server or the browser said).
    Fetch { path: String, why: String },
    /// The file is larger than [`MAX_JSON`].
    FileTooLarge { bytes: usize },
}

/// What is wrong with one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// A key of its view that the page does not know or could not use as written.
    View { key: String, message: String },
    /// A locked key that is not a control.
    Lock(String),
    /// A question that cannot be answered from this view's report.
    Question(String),
    /// A `cite` key that is not one of the page's references.
    Cite(String),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::View { key, message } => write!(f, "its view's `{key}`: {message}"),
            StepError::Lock(k) => write!(f, "`lock` names `{k}`, which is not one of the page's controls"),
            StepError::Question(why) => write!(f, "its question: {why}"),
            StepError::Cite(k) => write!(f, "`cite` names `{k}`, which is not one of the page's references"),
        }
    }
}

impl fmt::Display for TourError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TourError::TooLong { bytes } => {
                write!(f, "the tour in the link is {bytes} bytes; at most {MAX_ENCODED} are read (put a longer one in a file: tour=file:name.json)")
            }
            TourError::Encoding(why) => write!(f, "the tour in the link cannot be read ({why}): was the link cut short?"),
            TourError::Json(why) => write!(f, "the tour is not valid: {why}"),
            TourError::TooManySteps { steps } => write!(f, "the tour has {steps} steps; at most {MAX_STEPS} are shown"),
            TourError::Empty => write!(f, "the tour has no steps"),
            TourError::Step { index, title, what } => write!(f, "step {} (“{title}”) is left out: {what}", index + 1),
            TourError::OtherOrigin(url) => {
                write!(
                    f,
                    "tour=file: reads a file beside the page only; “{url}” is on another site (the page loads nothing from other sites)"
                )
            }
            TourError::FileName(name) => {
                write!(f, "tour=file: takes a .json file beside the page, such as tour=file:intro.json; “{name}” is not one")
            }
            TourError::Fetch { path, why } => write!(f, "the tour file {path} could not be loaded ({why})"),
            TourError::FileTooLarge { bytes } => write!(f, "the tour file is {bytes} bytes; at most {MAX_JSON} are read"),
        }
    }
}

impl std::error::Error for TourError {}

/// The quantity a question names.
fn quantity_of(id: &str) -> Option<Quantity> {
    match id {
        "activations" | "act" | "a" => Some(Quantity::Activations),
        "preactivations" | "preact" | "z" => Some(Quantity::PreActivations),
        "act_grads" | "dl_da" => Some(Quantity::ActGrads),
        "grads" | "dl_dw" => Some(Quantity::Gradients),
        _ => None,
    }
}

fn quantity_words(q: Quantity) -> &'static str {
    match q {
        Quantity::Activations => "the activations a",
        Quantity::PreActivations => "the pre-activations z",
        Quantity::ActGrads => "the gradients ∂L/∂a",
        Quantity::Gradients => "the weight gradients ∂L/∂W",
        Quantity::Weights => "the weights W",
    }
}

impl Question {
    fn check(q: &QuestionFile, config: &Config) -> Result<Question, StepError> {
        let ask = match q.kind.as_str() {
            "choice" => Ask::Choice,
            "number" => Ask::Number,
            other => return Err(StepError::Question(format!("kind `{other}` is not `choice` or `number`"))),
        };
        let quantity = quantity_of(&q.quantity).ok_or_else(|| {
            StepError::Question(format!("quantity `{}` is not one of activations, preactivations, act_grads, grads", q.quantity))
        })?;
        if q.layer == 0 || q.layer > config.depth {
            return Err(StepError::Question(format!("layer {} is not one of this view's hidden layers 1–{}", q.layer, config.depth)));
        }
        if ask == Ask::Choice && q.layer == 1 {
            return Err(StepError::Question(
                "what happens “by layer 1” has no layers before it to compare with: ask about a later layer".into(),
            ));
        }
        let prompt = if q.prompt.is_empty() {
            match ask {
                Ask::Choice => format!("What happens to {} by layer {}?", quantity_words(quantity), q.layer),
                Ask::Number => format!("What is the standard deviation of {} at layer {}?", quantity_words(quantity), q.layer),
            }
        } else {
            q.prompt.clone()
        };
        Ok(Question { ask, quantity, layer: q.layer, prompt })
    }

    /// The true answer in `report` (the step's own): a choice by the verdict's rule
    /// ([`direction`] over layers 1 to L for quantities that travel forward, L to the last for
    /// ∂L/∂a and ∂L/∂W, which travel backward), "saturate" first when the mean share of
    /// saturated outputs over layers 1 to L is at least [`SATURATED_SHARE`]; a number, the std.
    #[must_use]
    pub fn truth(&self, report: &Report) -> Truth {
        let l = self.layer.min(report.layers.len()).max(1);
        match self.ask {
            Ask::Number => {
                let s = self.quantity.moments(&report.layers[l - 1]).std;
                Truth::Number(s.is_finite().then_some(s))
            }
            Ask::Choice => {
                let forward = matches!(self.quantity, Quantity::Activations | Quantity::PreActivations);
                let sat: Vec<f64> = report.layers[..l].iter().filter_map(|x| x.saturated).collect();
                if forward && !sat.is_empty() && sat.iter().sum::<f64>() / sat.len() as f64 >= SATURATED_SHARE {
                    return Truth::Choice(Outcome::Saturate);
                }
                let moments: Vec<_> = if forward {
                    report.layers[..l].iter().map(|x| self.quantity.moments(x)).collect()
                } else {
                    report.layers[l - 1..].iter().map(|x| self.quantity.moments(x)).collect()
                };
                Truth::Choice(match direction(&moments, forward) {
                    Direction::Vanishes => Outcome::Vanish,
                    Direction::Level => Outcome::Stay,
                    Direction::Explodes => Outcome::Explode,
                })
            }
        }
    }

    /// Grades `answer` (an [`Outcome::id`] for a choice, a number for a number) against the
    /// report, with the sentence the reveal shows.
    #[must_use]
    pub fn grade(&self, answer: &str, report: &Report) -> Graded {
        let l = self.layer.min(report.layers.len()).max(1);
        let first = self.quantity.moments(&report.layers[0]).std;
        let here = self.quantity.moments(&report.layers[l - 1]).std;
        let what = quantity_words(self.quantity);
        match self.truth(report) {
            Truth::Choice(truth) => {
                let right = answer == truth.id();
                let why = match truth {
                    Outcome::Saturate => format!("most outputs of layers 1–{l} sit where the activation is flat"),
                    _ if self.quantity == Quantity::ActGrads || self.quantity == Quantity::Gradients => {
                        let last = self.quantity.moments(&report.layers[report.layers.len() - 1]).std;
                        format!("σ of {what} is {} at the last layer and {} at layer {l}", fmt_num(last), fmt_num(here))
                    }
                    _ => format!("σ of {what} is {} at layer 1 and {} at layer {l}", fmt_num(first), fmt_num(here)),
                };
                let verdict = if right { "Right" } else { "Not quite" };
                Graded {
                    right,
                    distance: if right { 0.0 } else { 1.0 },
                    sentence: format!("{verdict}: {what} {} by layer {l}: {why}.", outcome_verb(truth)),
                }
            }
            Truth::Number(truth) => {
                let guess: f64 = answer.trim().parse().unwrap_or(f64::NAN);
                match truth {
                    Some(t) if t > 0.0 && guess > 0.0 => {
                        let distance = (guess / t).log10().abs();
                        // Within a factor of 2 (0.3 decades) counts as right: the slider moves in
                        // steps of 1, 2, 5 per decade.
                        let right = distance <= 2f64.log10() + 1e-12;
                        let factor = 10f64.powf(distance);
                        let off = if distance < 1e-9 { "exactly".to_string() } else { format!("off by a factor of {}", fmt_num(factor)) };
                        Graded {
                            right,
                            distance,
                            sentence: format!("σ of {what} at layer {l} is {}; you said {}: {off}.", fmt_num(t), fmt_num(guess)),
                        }
                    }
                    Some(t) => Graded {
                        right: guess == t,
                        distance: f64::INFINITY,
                        sentence: format!("σ of {what} at layer {l} is exactly {}: every value is the same.", fmt_num(t)),
                    },
                    None => Graded {
                        right: false,
                        distance: f64::INFINITY,
                        sentence: format!("{what} at layer {l} overflowed: no finite std to give."),
                    },
                }
            }
        }
    }
}

fn outcome_verb(o: Outcome) -> &'static str {
    match o {
        Outcome::Vanish => "vanish",
        Outcome::Stay => "keep their scale",
        Outcome::Explode => "explode",
        Outcome::Saturate => "saturate",
    }
}

impl Tour {
    /// Checks a written tour: every step whose view, locks and question are fine is kept;
    /// each other step is named in [`Tour::errors`].
    #[must_use]
    pub fn check(file: &TourFile) -> Tour {
        let mut tour = Tour { title: file.title.clone(), ..Tour::default() };
        if file.steps.is_empty() {
            tour.errors.push(TourError::Empty);
        }
        if file.steps.len() > MAX_STEPS {
            tour.errors.push(TourError::TooManySteps { steps: file.steps.len() });
        }
        for (index, s) in file.steps.iter().take(MAX_STEPS).enumerate() {
            match Step::check(s) {
                Ok(step) => tour.steps.push(step),
                Err(what) => tour.errors.push(TourError::Step { index, title: s.title.clone(), what }),
            }
        }
        tour
    }

    /// Reads a tour's JSON.
    ///
    /// # Errors
    /// [`TourError::Json`] when it is not a tour (unknown keys included); the steps' own problems
    /// are in the returned tour's `errors`.
    pub fn from_json(json: &str) -> Result<Tour, TourError> {
        let file: TourFile = serde_json::from_str(json).map_err(|e| TourError::Json(e.to_string()))?;
        Ok(Tour::check(&file))
    }

    /// Reads the text of a `tour=file:` file ([`file_path`]).
    ///
    /// # Errors
    /// [`TourError::FileTooLarge`] past [`MAX_JSON`] bytes, else as [`Tour::from_json`].
    pub fn from_file(text: &str) -> Result<Tour, TourError> {
        if text.len() > MAX_JSON {
            return Err(TourError::FileTooLarge { bytes: text.len() });
        }
        Tour::from_json(text)
    }

    /// Reads a `tour=` value of a link ([`encode`]'s form).
    ///
    /// # Errors
    /// When it is too long, not base64url, not deflate, too large inflated, or not a tour.
    pub fn from_link(value: &str) -> Result<Tour, TourError> {
        Tour::from_json(&decode(value)?)
    }
}

impl Step {
    fn check(s: &StepFile) -> Result<Step, StepError> {
        let (config, notices) = Config::from_query(s.view.trim_start_matches('?'));
        if let Some(n) = notices.first() {
            return Err(StepError::View { key: n.key.clone(), message: n.message.clone() });
        }
        let mut lock = Vec::new();
        for k in &s.lock {
            match param_of(k).filter(|p| p.control != crate::spec::params::Control::None) {
                Some(p) => lock.push(p.key),
                None => return Err(StepError::Lock(k.clone())),
            }
        }
        let question = s.question.as_ref().map(|q| Question::check(q, &config)).transpose()?;
        let cite = s
            .cite
            .iter()
            .map(|k| crate::course::cite::find(k).map(|r| r.key).ok_or_else(|| StepError::Cite(k.clone())))
            .collect::<Result<_, _>>()?;
        Ok(Step {
            title: s.title.clone(),
            text: s.text.clone(),
            part: s.part.clone(),
            query: config.to_query(),
            config,
            lock,
            question,
            cite,
        })
    }
}

/// The path to fetch for a `tour=file:…` value (`None` when the value is the link form): a
/// `.json` file on the page's own site, relative to the page (`file:intro.json`,
/// `file:tours/week2.json`) or to the site's root (`file:/course/intro.json`).
///
/// # Errors
/// [`TourError::OtherOrigin`] for anything a browser would resolve on another site (a scheme such
/// as `https:` or `data:`, a `//host/` path, a backslash, which some browsers read as a slash),
/// [`TourError::FileName`] for a name that is not a `.json` file.
pub fn file_path(value: &str) -> Option<Result<&str, TourError>> {
    let path = value.strip_prefix("file:")?;
    let scheme = path.split_once(':').is_some_and(|(s, _)| !s.contains('/'));
    if scheme || path.starts_with("//") || path.contains('\\') {
        return Some(Err(TourError::OtherOrigin(path.to_string())));
    }
    let name = path.split(['?', '#']).next().unwrap_or("");
    if !name.to_ascii_lowercase().ends_with(".json") || name.ends_with("/.json") || name == ".json" {
        return Some(Err(TourError::FileName(path.to_string())));
    }
    Some(Ok(path))
}

/// A tour's JSON as a `tour=` value: deflated (raw deflate, level 9) and written in base64url
/// without padding (RFC 4648 §5).
#[must_use]
pub fn encode(file: &TourFile) -> String {
    let json = serde_json::to_string(file).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, packed)
}

/// A `tour=` value back to its JSON.
///
/// # Errors
/// [`TourError::TooLong`], or [`TourError::Encoding`] naming what failed.
pub fn decode(value: &str) -> Result<String, TourError> {
    if value.len() > MAX_ENCODED {
        return Err(TourError::TooLong { bytes: value.len() });
    }
    let packed = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, value.trim().trim_end_matches('='))
        .map_err(|e| TourError::Encoding(format!("not base64url: {e}")))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_JSON)
        .map_err(|e| TourError::Encoding(format!("not a deflate stream of at most {MAX_JSON} bytes: {e:?}")))?;
    String::from_utf8(json).map_err(|_| TourError::Encoding("not UTF-8 text".into()))
}

/// HTML of a tour's parts for the page (`#tour-guide`): plain strings, so the page's side only
/// places them and listens.
pub mod html {
    use super::{Ask, Graded, Outcome, Question, Tour};
    use crate::export::page::escape;

    /// The lowest and highest guess of the number slider, in decades (1e-8 to 100): every std the
    /// page shows short of an overflow sits in it.
    pub const GUESS_DECADES: (f64, f64) = (-8.0, 2.0);

    /// The step panel: "Step k of n: title", the text, the question while it is asked, and links
    /// to the previous and next steps (`href(k)` for 0-based step k).
    #[must_use]
    pub fn step_panel(tour: &Tour, at: usize, asking: bool, href: &dyn Fn(usize) -> String) -> String {
        let Some(step) = tour.steps.get(at) else { return String::new() };
        let n = tour.steps.len();
        let mut out = format!("<p><strong>Step {} of {n}: {}</strong>", at + 1, escape(&step.title));
        if !tour.title.is_empty() {
            out.push_str(&format!(" <span class=\"hint\">{}</span>", escape(&tour.title)));
        }
        out.push_str("</p>");
        if !step.text.is_empty() {
            out.push_str(&format!("<p>{}</p>", escape(&step.text)));
        }
        if let (true, Some(q)) = (asking, &step.question) {
            out.push_str(&question_form(q));
        }
        out.push_str("<nav aria-label=\"Tour steps\">");
        if at > 0 {
            out.push_str(&format!(
                "<a href=\"{}\" data-step=\"{}\" rel=\"prev\" aria-keyshortcuts=\"ArrowLeft P\">← {}</a>",
                escape(&href(at - 1)),
                at - 1,
                escape(&tour.steps[at - 1].title)
            ));
        }
        if at + 1 < n {
            out.push_str(&format!(
                "<a href=\"{}\" data-step=\"{}\" rel=\"next\" aria-keyshortcuts=\"ArrowRight N\">{} →</a>",
                escape(&href(at + 1)),
                at + 1,
                escape(&tour.steps[at + 1].title)
            ));
        }
        out.push_str("</nav>");
        out
    }

    /// The question, before the charts show: the four outcomes as buttons, or a log-scale slider
    /// and an answer button.
    #[must_use]
    pub fn question_form(q: &Question) -> String {
        let mut out = format!("<fieldset class=\"question\"><legend>{}</legend>", escape(&q.prompt));
        match q.ask {
            Ask::Choice => {
                for o in Outcome::ALL {
                    out.push_str(&format!("<button type=\"button\" data-answer=\"{0}\">{0}</button>", o.id()));
                }
            }
            Ask::Number => {
                let (lo, hi) = GUESS_DECADES;
                out.push_str(&format!(
                    "<label for=\"tour-guess\">Your guess, on a log scale</label><input type=\"range\" id=\"tour-guess\" min=\"{lo}\" max=\"{hi}\" step=\"0.1\" value=\"-1\" aria-valuetext=\"0.1\"><output id=\"tour-guess-value\" for=\"tour-guess\">0.1</output><button type=\"button\" data-answer=\"number\">Answer</button>"
                ));
            }
        }
        out.push_str("<p class=\"hint\">The charts show once you have answered.</p></fieldset>");
        out
    }

    /// The guess of slider position `decades` (10^decades), as the output shows it.
    #[must_use]
    pub fn guess(decades: f64) -> f64 {
        let (lo, hi) = GUESS_DECADES;
        10f64.powf(decades.clamp(lo, hi))
    }

    /// The answer revealed.
    #[must_use]
    pub fn reveal(g: &Graded) -> String {
        let class = if g.right { "right" } else { "wrong" };
        format!("<p class=\"reveal {class}\" role=\"status\">{}</p>", escape(&g.sentence))
    }

    /// What was wrong with the tour: one item per problem, naming the step.
    #[must_use]
    pub fn errors(tour: &Tour) -> String {
        if tour.errors.is_empty() {
            return String::new();
        }
        let items: String = tour.errors.iter().map(|e| format!("<li>{}</li>", escape(&e.to_string()))).collect();
        format!("<ul class=\"tour-errors\">{items}</ul>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(view: &str) -> StepFile {
        StepFile { title: "t".into(), view: view.into(), ..StepFile::default() }
    }

    #[test]
    fn a_link_round_trips_and_stays_short() {
        let file = TourFile {
            title: "Three steps".into(),
            steps: vec![
                StepFile {
                    question: Some(QuestionFile {
                        kind: "choice".into(),
                        quantity: "activations".into(),
                        layer: 10,
                        prompt: String::new(),
                    }),
                    ..step("depth=10&width=500&init=normal&scale=0.01&act=tanh")
                },
                StepFile { lock: vec!["init".into()], ..step("?depth=10&width=500&init=xavier_normal&act=tanh") },
                step("depth=20&width=512&init=he_normal&act=relu"),
            ],
        };
        let link = encode(&file);
        assert!(link.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{link}");
        assert!(link.len() < serde_json::to_string(&file).unwrap().len(), "deflate should pay for base64 here");
        let tour = Tour::from_link(&link).unwrap();
        assert_eq!(tour.errors, vec![]);
        assert_eq!(tour.steps.len(), 3);
        assert_eq!(tour.steps[1].lock, vec!["init"]);
        assert_eq!(tour.steps[0].config.depth, 10);
        assert_eq!(tour.steps[0].question.as_ref().unwrap().prompt, "What happens to the activations a by layer 10?");
    }

    #[test]
    fn bad_input_names_the_step_and_keeps_the_rest() {
        let json = r#"{"steps":[{"title":"fine","view":"depth=3"},{"title":"typo","view":"dpeth=3"},
            {"title":"deep","view":"depth=3","question":{"kind":"choice","quantity":"activations","layer":7}},
            {"title":"lock","view":"depth=3","lock":["embed"]}]}"#;
        let tour = Tour::from_json(json).unwrap();
        assert_eq!(tour.steps.len(), 1);
        let words: Vec<String> = tour.errors.iter().map(ToString::to_string).collect();
        assert!(words[0].starts_with("step 2 (“typo”) is left out: its view's `dpeth`"), "{}", words[0]);
        assert!(words[1].contains("step 3") && words[1].contains("layer 7 is not one of this view's hidden layers 1–3"), "{}", words[1]);
        assert!(words[2].contains("step 4") && words[2].contains("`embed`"), "{}", words[2]);
        // Unknown keys of a step are named by the parser, with where they are.
        let e = Tour::from_json(r#"{"steps":[{"title":"a","view":"","colour":"red"}]}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `colour`"), "{e}");
        assert!(matches!(Tour::from_link("%%%"), Err(TourError::Encoding(_))));
        assert!(matches!(Tour::from_link(&"A".repeat(MAX_ENCODED + 1)), Err(TourError::TooLong { .. })));
        assert_eq!(Tour::from_json(r#"{"steps":[]}"#).unwrap().errors, vec![TourError::Empty]);
    }

    /// Every built-in lesson is a step that shows as written: no key adjusted, no step left out.
    #[test]
    fn the_lessons_are_a_tour() {
        let file = lessons_file().unwrap();
        let tour = Tour::check(&file);
        assert_eq!(tour.errors, vec![]);
        assert_eq!(tour.steps.len(), 28);
        let parts: Vec<&str> = tour.steps.iter().map(|s| s.part.as_str()).filter(|p| !p.is_empty()).collect();
        assert_eq!(parts, ["Lessons from the notes", "Lessons in training: what happens next"]);
        assert!(tour.steps.iter().all(|s| !s.title.is_empty() && !s.text.is_empty() && !s.cite.is_empty()));
    }

    #[test]
    fn the_step_panel_asks_then_links() {
        let json = r#"{"title":"T","steps":[{"title":"one","view":"depth=3","text":"a < b"},
            {"title":"two","view":"depth=4","question":{"kind":"number","quantity":"activations","layer":4}},
            {"title":"three","view":"depth=5","question":{"kind":"choice","quantity":"act_grads","layer":2}}]}"#;
        let tour = Tour::from_json(json).unwrap();
        let href = |k: usize| format!("?tour=x&step={k}");
        let first = html::step_panel(&tour, 0, true, &href);
        assert!(first.starts_with("<p><strong>Step 1 of 3: one</strong> <span class=\"hint\">T</span></p><p>a &lt; b</p>"), "{first}");
        assert!(!first.contains("rel=\"prev\"") && first.contains("href=\"?tour=x&amp;step=1\" data-step=\"1\" rel=\"next\""), "{first}");
        let second = html::step_panel(&tour, 1, true, &href);
        assert!(
            second.contains("id=\"tour-guess\" min=\"-8\" max=\"2\"") && second.contains("rel=\"prev\"") && second.contains("rel=\"next\"")
        );
        assert!(!html::step_panel(&tour, 1, false, &href).contains("fieldset"), "answered: no question");
        let third = html::step_panel(&tour, 2, true, &href);
        assert_eq!(third.matches("data-answer=").count(), 4);
        assert!(third.contains("What happens to the gradients ∂L/∂a by layer 2?"));
        assert_eq!(html::step_panel(&tour, 3, true, &href), "");
        assert!((html::guess(-1.0) - 0.1).abs() < 1e-15 && html::guess(9.0) == 100.0);
    }

    #[test]
    fn the_editor_adds_moves_and_removes_views() {
        let mut t = TourFile::default();
        let (a, _) = Config::from_query("depth=3&act=relu");
        let (b, _) = Config::from_query("depth=20&init=he_normal&act=relu");
        assert_eq!(t.add_view(&a, None), 0);
        assert_eq!(t.add_view(&b, None), 1);
        assert_eq!(t.add_view(&a, Some(0)), 1, "inserted after step 0");
        assert_eq!(t.steps.iter().map(|s| Config::from_query(&s.view).0.depth).collect::<Vec<_>>(), [3, 3, 20]);
        assert_eq!(t.move_step(2, true), 1);
        assert_eq!(t.move_step(0, true), 0, "the first cannot move up");
        assert_eq!(t.move_step(2, false), 2, "the last cannot move down");
        t.remove_step(0);
        t.remove_step(9);
        assert_eq!(t.steps.len(), 2);
        assert_eq!(t.steps[0].title, b.summary());
        let back = Tour::from_json(&t.to_json()).unwrap();
        assert_eq!((back.steps.len(), back.errors.len()), (2, 0));
        assert_eq!(back.steps[0].config, b);
    }

    #[test]
    fn a_link_cannot_inflate_past_the_limit() {
        let zeros = vec![b' '; MAX_JSON + 10];
        let packed = miniz_oxide::deflate::compress_to_vec(&zeros, 9);
        let link = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, packed);
        assert!(link.len() < MAX_ENCODED, "the bomb is small: {}", link.len());
        assert!(matches!(decode(&link), Err(TourError::Encoding(_))));
    }

    #[test]
    fn a_tour_file_is_a_json_file_on_the_pages_own_site() {
        assert!(file_path("eJx").is_none(), "the link form is not a file");
        assert_eq!(file_path("file:intro.json").unwrap(), Ok("intro.json"));
        assert_eq!(file_path("file:tours/week2.JSON").unwrap(), Ok("tours/week2.JSON"));
        assert_eq!(file_path("file:/course/intro.json").unwrap(), Ok("/course/intro.json"));
        for other in
            ["file:https://evil.example/t.json", "file://evil.example/t.json", "file:data:application/json,{}", "file:\\\\evil\\t.json"]
        {
            assert!(matches!(file_path(other), Some(Err(TourError::OtherOrigin(_)))), "{other}");
        }
        for bad in ["file:", "file:intro", "file:intro.js", "file:tours/.json"] {
            assert!(matches!(file_path(bad), Some(Err(TourError::FileName(_)))), "{bad}");
        }
        let big = format!("{{\"title\": \"{}\", \"steps\": []}}", "x".repeat(MAX_JSON));
        assert!(matches!(Tour::from_file(&big), Err(TourError::FileTooLarge { .. })));
        assert!(Tour::from_file(LESSONS_JSON).is_ok_and(|t| t.errors.is_empty() && t.steps.len() > 10));
    }
}
