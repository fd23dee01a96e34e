//! The page's controls ↔ [`Config`], through the query string: a control yields `key=value`,
//! which goes through the one parser (`Config::from_query`); writing reads the canonical query.

use super::dom::{by_id, set_text};
use crate::activation::Activation;
use crate::choice::Choice;
use crate::config::Config;
use crate::init::{Dist, Init};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};

/// Slider positions of `width` (log-spaced, with the papers' 500 and 1000).
pub const WIDTHS: [f64; 31] = [
    2., 3., 4., 5., 6., 8., 10., 12., 16., 20., 24., 32., 40., 48., 64., 80., 96., 128., 160., 192., 256., 320., 384., 448.,
    500., 512., 640., 768., 896., 1000., 1024.,
];
/// Slider positions of `batch`.
pub const BATCHES: [f64; 17] = [1., 2., 4., 8., 16., 32., 64., 100., 128., 200., 256., 500., 512., 1000., 1024., 2048., 4096.];

/// Slider positions of `scale` for `normal` and `uniform`: 1, 1.5, 2, 3, 5, 7 per decade, 1e-4 to 10.
#[must_use]
pub fn scales() -> Vec<f64> {
    let mut v: Vec<f64> = (-4..=0)
        .flat_map(|e| ["1", "1.5", "2", "3", "5", "7"].map(|m| format!("{m}e{e}").parse::<f64>().unwrap_or(1.0)))
        .collect();
    v.push(10.0);
    v
}

/// How a control holds its value.
#[derive(Clone, Copy)]
enum Kind {
    /// A range whose value is the number itself.
    Direct,
    /// A range whose value is an index into a list.
    List(&'static [f64]),
    /// `scale`: a list (log) for normal/uniform, direct for constant.
    Scale,
    Select,
    Check,
    Number,
}

const CONTROLS: [(&str, Kind); 16] = [
    ("depth", Kind::Direct),
    ("width", Kind::List(&WIDTHS)),
    ("act", Kind::Select),
    ("slope", Kind::Direct),
    ("bn", Kind::Check),
    ("init", Kind::Select),
    ("scale", Kind::Scale),
    ("gain", Kind::Select),
    ("mode", Kind::Select),
    ("trunc", Kind::Check),
    ("bias", Kind::Select),
    ("input", Kind::Select),
    ("batch", Kind::List(&BATCHES)),
    ("noise", Kind::Direct),
    ("seed", Kind::Number),
    ("diagram", Kind::Select),
];

/// Ids of every control (each is also its URL key).
pub fn ids() -> impl Iterator<Item = &'static str> {
    CONTROLS.iter().map(|(id, _)| *id)
}

fn nearest(list: &[f64], x: f64) -> usize {
    let key = |v: f64| if x > 0.0 && v > 0.0 { (v.ln() - x.ln()).abs() } else { (v - x).abs() };
    (0..list.len()).min_by(|&a, &b| key(list[a]).total_cmp(&key(list[b]))).unwrap_or(0)
}

/// The value of `key` in a canonical query string.
fn query_value(query: &str, key: &str) -> String {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(key).and_then(|r| r.strip_prefix('=')).map(str::to_string))
        .unwrap_or_default()
}

fn input(id: &str) -> Option<HtmlInputElement> {
    by_id(id)?.dyn_into().ok()
}

fn select(id: &str) -> Option<HtmlSelectElement> {
    by_id(id)?.dyn_into().ok()
}

/// The `key=value` a control currently holds.
#[must_use]
pub fn read(id: &str, config: &Config) -> Option<String> {
    let (_, kind) = CONTROLS.iter().find(|(i, _)| *i == id)?;
    let value = match kind {
        Kind::Direct | Kind::Number => input(id)?.value(),
        Kind::List(list) => list.get(input(id)?.value().parse::<usize>().ok()?)?.to_string(),
        Kind::Scale => {
            let raw = input(id)?.value();
            if config.init == Init::Constant {
                raw
            } else {
                scales().get(raw.parse::<usize>().ok()?)?.to_string()
            }
        }
        Kind::Select => select(id)?.value(),
        Kind::Check => if input(id)?.checked() { "1" } else { "0" }.to_string(),
    };
    Some(format!("{id}={value}"))
}

/// Human text of a control's value, with units.
fn shown(id: &str, c: &Config) -> String {
    match id {
        "depth" => format!("{} layer{}", c.depth, if c.depth == 1 { "" } else { "s" }),
        "width" => format!("{} units", c.width),
        "batch" => format!("{} sample{}", c.batch, if c.batch == 1 { "" } else { "s" }),
        "scale" => crate::format::fmt_num(c.scale),
        "slope" => match c.act {
            Activation::LeakyRelu(s) => format!("{s}"),
            _ => "0.01".into(),
        },
        "noise" => format!("σ = {}", c.noise),
        _ => String::new(),
    }
}

/// Sets every control, output and enabled state from `config`.
pub fn write_all(config: &Config) {
    let query = config.to_query();
    for (id, kind) in CONTROLS {
        let value = query_value(&query, id);
        match kind {
            Kind::Direct | Kind::Number => {
                if let Some(el) = input(id) {
                    // The slope slider keeps its position while another activation is chosen.
                    let keep_slope = id == "slope" && !matches!(config.act, Activation::LeakyRelu(_));
                    if el.value() != value && !keep_slope {
                        el.set_value(&value);
                    }
                }
            }
            Kind::List(list) => {
                if let Some(el) = input(id) {
                    el.set_max(&(list.len() - 1).to_string());
                    let x = value.parse::<f64>().unwrap_or(0.0);
                    el.set_value(&nearest(list, x).to_string());
                    let _ = el.set_attribute("aria-valuetext", &shown(id, config));
                }
            }
            Kind::Scale => {
                if let Some(el) = input(id) {
                    if config.init == Init::Constant {
                        el.set_min("-10");
                        el.set_max("10");
                        el.set_step("0.05");
                        el.set_value(&value);
                    } else {
                        let s = scales();
                        el.set_min("0");
                        el.set_max(&(s.len() - 1).to_string());
                        el.set_step("1");
                        el.set_value(&nearest(&s, config.scale).to_string());
                    }
                    let _ = el.set_attribute("aria-valuetext", &shown(id, config));
                }
            }
            Kind::Select => {
                if let Some(el) = select(id) {
                    let want = if id == "act" { config.act.id().to_string() } else { value.clone() };
                    ensure_option(&el, &want);
                    el.set_value(&want);
                }
            }
            Kind::Check => {
                if let Some(el) = input(id) {
                    el.set_checked(value == "1");
                }
            }
        }
        let text = shown(id, config);
        if !text.is_empty() {
            set_text(&format!("{id}-value"), &text);
        }
    }
    let scale_label = match config.init {
        Init::Constant => "Constant value c",
        Init::Random(Dist::Uniform) => "Limit a of U[−a, a]",
        _ => "Std s of N(0, s²)",
    };
    set_text("scale-label", scale_label);
    let enable = |id: &str, on: bool| {
        if let Some(el) = by_id(id) {
            let _ = if on { el.remove_attribute("disabled") } else { el.set_attribute("disabled", "") };
        }
    };
    enable("scale", config.init.uses_scale());
    enable("gain", config.init.uses_gain());
    enable("mode", config.init.uses_fan_mode());
    enable("trunc", config.init.is_normal());
    enable("slope", matches!(config.act, Activation::LeakyRelu(_)));
    enable("noise", config.input != crate::data::InputKind::Gaussian);
}

/// Adds an option for a value that the list lacks (a number typed into the URL).
fn ensure_option(el: &HtmlSelectElement, value: &str) {
    let options = el.options();
    for i in 0..options.length() {
        if let Some(o) = options.item(i) {
            if o.get_attribute("value").as_deref() == Some(value) {
                return;
            }
        }
    }
    if let Ok(o) = web_sys::HtmlOptionElement::new_with_text_and_value(value, value) {
        let _ = el.add_with_html_option_element(&o);
    }
}
