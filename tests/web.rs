//! Browser tests: the core compiled to wasm and run in headless Chromium (wasm-bindgen-test).
//! Run with `cargo test --target wasm32-unknown-unknown --test web` (see scripts/test.sh).
#![cfg(target_arch = "wasm32")]

mod common;
use common::fingerprints::{FINGERPRINTS, SPECTRUM_FINGERPRINTS};
use initviz::charts::{lines, ridgeline, Style, Theme};
use initviz::compute::experiment::{run, Experiment};
use initviz::spec::config::Config;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Same seed, same bits: the fingerprints fixed natively in tests/seed.rs.
#[wasm_bindgen_test]
fn fingerprints_match_native() {
    for (q, want) in FINGERPRINTS {
        let (c, _) = Config::from_query(q);
        let mut e = Experiment::new(&c).unwrap();
        e.pass();
        assert_eq!(e.fingerprint(), want, "{q}");
    }
}

/// The Jacobian spectra give the native singular values to the bit (tests/seed.rs).
#[wasm_bindgen_test]
fn spectrum_fingerprints_match_native() {
    for (q, want) in SPECTRUM_FINGERPRINTS {
        let (c, _) = Config::from_query(q);
        let s = initviz::compute::spectrum::run(&c, |_, _| std::ops::ControlFlow::Continue(())).unwrap();
        assert_eq!(s.fingerprint(), want, "{q}");
    }
}

fn canvas(w: u32, h: u32) -> web_sys::HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: web_sys::HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

/// Counts pixels that differ from the white background.
fn ink(c: &web_sys::HtmlCanvasElement) -> usize {
    let ctx: web_sys::CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let data = ctx.get_image_data(0.0, 0.0, f64::from(c.width()), f64::from(c.height())).unwrap().data();
    data.chunks_exact(4).filter(|p| p[0] < 250 || p[1] < 250 || p[2] < 250).count()
}

/// The charts draw on a real canvas: a ridgeline and a log line chart leave ink.
#[wasm_bindgen_test]
fn charts_draw_on_canvas() {
    let (c, _) = Config::from_query("depth=5&width=32&batch=64");
    let r = run(&c).unwrap();
    let s = Style { theme: Theme::LIGHT, scale: 1.0 };
    let cv = canvas(400, 300);
    {
        let area = CanvasBackend::with_canvas_object(cv.clone()).unwrap().into_drawing_area();
        let data = ridgeline::Ridges {
            title: "Activations",
            counts: r.layers.iter().map(|l| &l.hists[2].counts[..]).collect(),
            range: r.ranges[2],
            stds: vec![None; 5],
            color: Theme::LIGHT.series[0],
            left_out: Vec::new(),
        };
        ridgeline::draw(&area, &data, &s).unwrap();
        area.present().unwrap();
    }
    let drawn = ink(&cv);
    assert!(drawn > 400 * 300 / 20, "only {drawn} pixels drawn");
    let cv2 = canvas(400, 200);
    {
        let area = CanvasBackend::with_canvas_object(cv2.clone()).unwrap().into_drawing_area();
        let chart = lines::Lines {
            band: None,
            title: "std",
            series: vec![lines::Series {
                name: "a",
                values: r.layers.iter().map(|l| l.act.std).collect(),
                color: RGBColor(200, 0, 0),
                marker: lines::Marker::Circle,
                thin: false,
            }],
            axis: lines::Axis::Log,
        };
        lines::draw(&area, &chart, &s).unwrap();
    }
    assert!(ink(&cv2) > 500);
}

/// The notes' vanishing case gives the same verdict in the browser.
#[wasm_bindgen_test]
fn small_init_vanishes_in_wasm_too() {
    let (c, _) = Config::from_query("depth=10&width=100&init=normal&scale=0.01&act=tanh&batch=50");
    let r = run(&c).unwrap();
    assert!(r.verdict.has("vanish"));
    assert!(r.layers[9].act.std < 1e-4);
}

/// The digits are linked only into modules that load them (the compute worker): without them a
/// digits configuration is refused with its reason, never a panic; once loaded it computes.
#[wasm_bindgen_test]
fn digits_only_where_loaded() {
    let (c, _) = Config::from_query("input=digits&depth=2&width=16&batch=32");
    assert!(matches!(run(&c), Err(initviz::spec::config::ConfigError::NoDigits)));
    assert!(run(&c).unwrap_err().to_string().contains("worker"));
    initviz::data::load_digits();
    assert_eq!(initviz::data::digit_count(), 1797);
    assert_eq!(run(&c).unwrap().layers.len(), 2);
}
