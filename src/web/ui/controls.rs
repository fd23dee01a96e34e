//! The page's controls ↔ [`Config`], driven by the one parameter table ([`PARAMS`]): each row with
//! a control names its element (the id is the URL key), its kind and its options. A control yields
//! `key=value`, which goes through the one parser (`Config::from_query`); writing reads the
//! canonical query.

use crate::nn::init::Init;
use crate::spec::config::Config;
use crate::spec::params::{scale_positions, Control, Kind, Param, PARAMS};
use crate::web::dom::{by_id, document, set_text};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};

/// The parameters that have a control on the page.
pub fn with_control() -> impl Iterator<Item = &'static Param> {
    PARAMS.iter().filter(|p| p.control != Control::None)
}

use crate::export::page::nearest;

fn input(id: &str) -> Option<HtmlInputElement> {
    by_id(id)?.dyn_into().ok()
}

fn select(id: &str) -> Option<HtmlSelectElement> {
    by_id(id)?.dyn_into().ok()
}

/// Fills what the table declares into the page once: each `<select>`'s options, each label's
/// text, each slider's range, and the statistics table's header.
pub fn build() {
    for p in with_control() {
        if let Ok(Some(label)) = document().query_selector(&format!("label[for=\"{}\"]", p.key)) {
            label.set_text_content(Some(p.label));
        }
        match (p.control, p.kind) {
            (Control::Select, _) => {
                let Some(el) = select(p.key) else { continue };
                el.set_inner_html("");
                for (value, label) in (p.options)() {
                    if let Ok(o) = web_sys::HtmlOptionElement::new_with_text_and_value(label, value) {
                        let _ = el.add_with_html_option_element(&o);
                    }
                }
            }
            (Control::Slider, Kind::Int { min, max }) => set_range(p.key, &min.to_string(), &max.to_string()),
            (Control::Slider, Kind::Float { min, max }) => set_range(p.key, &min.to_string(), &max.to_string()),
            (Control::Positions(list), _) => set_range(p.key, "0", &(list.len() - 1).to_string()),
            _ => {}
        }
    }
    if let Ok(Some(tr)) = document().query_selector("#layer-stats thead tr") {
        tr.set_inner_html(&crate::export::page::table_head());
    }
}

fn set_range(id: &str, min: &str, max: &str) {
    if let Some(el) = input(id) {
        el.set_min(min);
        el.set_max(max);
    }
}

/// The `key=value` a control currently holds.
#[must_use]
pub fn read(key: &str, config: &Config) -> Option<String> {
    let p = PARAMS.iter().find(|p| p.key == key)?;
    let value = match p.control {
        Control::Slider | Control::Number | Control::Text => input(key)?.value(),
        Control::Positions(list) => list.get(input(key)?.value().parse::<usize>().ok()?)?.to_string(),
        Control::Scale => {
            let raw = input(key)?.value();
            if config.init == Init::Constant {
                raw
            } else {
                scale_positions().get(raw.parse::<usize>().ok()?)?.to_string()
            }
        }
        Control::Select => select(key)?.value(),
        Control::Check => if input(key)?.checked() { "1" } else { "0" }.to_string(),
        Control::None => return None,
    };
    Some(format!("{key}={value}"))
}

/// Sets every control, output and enabled state from `config`.
pub fn write_all(config: &Config) {
    for p in with_control() {
        let id = p.key;
        let value = (p.write)(config);
        match p.control {
            Control::Text => {
                // Not while it is being typed in.
                if let Some(el) = input(id) {
                    let focused = crate::web::dom::document().active_element().is_some_and(|a| a.id() == id);
                    if !focused && el.value() != value {
                        el.set_value(if value == "off" { "" } else { &value });
                    }
                }
            }
            Control::Slider | Control::Number => {
                if let Some(el) = input(id) {
                    // A control that does not apply keeps its position (the slope while another
                    // activation is chosen).
                    if el.value() != value && config.applies(id) {
                        el.set_value(&value);
                    }
                }
            }
            Control::Positions(list) => {
                if let Some(el) = input(id) {
                    el.set_value(&nearest(list, value.parse::<f64>().unwrap_or(0.0)).to_string());
                    let _ = el.set_attribute("aria-valuetext", &config.shown(id));
                }
            }
            Control::Scale => {
                if let Some(el) = input(id) {
                    if config.init == Init::Constant {
                        el.set_min("-10");
                        el.set_max("10");
                        el.set_step("0.05");
                        el.set_value(&value);
                    } else {
                        let s = scale_positions();
                        el.set_min("0");
                        el.set_max(&(s.len() - 1).to_string());
                        el.set_step("1");
                        el.set_value(&nearest(&s, config.scale).to_string());
                    }
                    let _ = el.set_attribute("aria-valuetext", &config.shown(id));
                }
            }
            Control::Select => {
                if let Some(el) = select(id) {
                    ensure_option(&el, &value);
                    el.set_value(&value);
                }
            }
            Control::Check => {
                if let Some(el) = input(id) {
                    el.set_checked(value == "1");
                }
            }
            Control::None => {}
        }
        let text = config.shown(id);
        if !text.is_empty() {
            set_text(&format!("{id}-value"), &text);
        }
        if let Some(el) = by_id(id) {
            let _ = if config.applies(id) { el.remove_attribute("disabled") } else { el.set_attribute("disabled", "") };
        }
    }
    set_text("scale-label", config.scale_label());
}

/// Adds an option for a value that the list lacks (a number typed into the URL).
fn ensure_option(el: &HtmlSelectElement, value: &str) {
    let options = el.options();
    for i in 0..options.length() {
        if options.item(i).and_then(|o| o.get_attribute("value")).as_deref() == Some(value) {
            return;
        }
    }
    if let Ok(o) = web_sys::HtmlOptionElement::new_with_text_and_value(value, value) {
        let _ = el.add_with_html_option_element(&o);
    }
}
