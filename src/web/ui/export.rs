//! Copy link, copy embed snippet, download CSV, download PNG.

use crate::charts::Chart;
use crate::web::dom::{by_id, document, set_text, window};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlAnchorElement, HtmlCanvasElement};

/// Copies `text` to the clipboard, saying whether it worked (and showing the text if not).
pub fn copy(text: &str, what: &str) {
    let clipboard = window().navigator().clipboard();
    let ok_msg = format!("{what} copied.");
    let fail_text = format!("Copy failed; select it here: {text}");
    let ok = Closure::once(move |_: JsValue| set_text("export-status", &ok_msg));
    let fail = Closure::once(move |_: JsValue| set_text("export-status", &fail_text));
    let _ = clipboard.write_text(text).then2(&ok, &fail);
    // One of the two runs once; both are small and live until the page closes.
    ok.forget();
    fail.forget();
}

/// A title that says what an embed shows: "initviz: xavier_normal with tanh, 10 layers of 256".
#[must_use]
pub fn embed_title(c: &crate::spec::config::Config) -> String {
    use crate::choice::Choice;
    // Plain text: the snippet escapes it (crate::course::embed::iframe).
    format!("initviz: {} with {}, {} layers of {}", c.init.id(), c.act.id(), c.depth, c.width)
}

/// A file name that says what it holds: `initviz-xavier_normal-tanh-10x256`.
#[must_use]
pub fn file_stem(c: &crate::spec::config::Config) -> String {
    use crate::choice::Choice;
    format!("initviz-{}-{}-{}x{}", c.init.id(), c.act.id(), c.depth, c.width)
}

/// The iframe snippet for the current view, titled after it.
#[must_use]
pub fn embed_snippet(href: &str, title: &str) -> String {
    let sep = if href.contains('?') { "&" } else { "?" };
    crate::course::embed::iframe(&format!("{href}{sep}embed=1"), title)
}

fn download_url(url: &str, filename: &str) -> Result<(), JsValue> {
    let a: HtmlAnchorElement = document().create_element("a")?.dyn_into()?;
    a.set_href(url);
    a.set_download(filename);
    a.style().set_property("display", "none")?;
    document().body().ok_or("no body")?.append_child(&a)?;
    a.click();
    a.remove();
    Ok(())
}

/// Downloads `text` as a file.
pub fn download_text(text: &str, filename: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    download_url(&url, filename)?;
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// Composes the visible charts into one PNG (two columns) and downloads it.
pub fn download_png(filename: &str, background: &str, foreground: &str, title: &[String]) -> Result<(), JsValue> {
    // The charts shown, lab charts first in the training view (page order).
    let shown = |c: &HtmlCanvasElement| {
        c.width() > 1 && c.closest("[hidden]").ok().flatten().is_none() && c.closest(".not-shown").ok().flatten().is_none()
    };
    let lab = super::lab_charts::LabChart::ALL.iter().map(|c| c.canvas_id());
    let canvases: Vec<HtmlCanvasElement> = lab
        .chain(Chart::ALL.iter().map(|c| c.canvas_id()))
        .filter_map(|id| by_id(id)?.dyn_into::<HtmlCanvasElement>().ok())
        .filter(shown)
        .collect();
    // Rows as the page lays them out: a wide chart alone, half-width charts side by side, each
    // canvas at its own size (so every chart fills its cell).
    let page_w = canvases.iter().map(HtmlCanvasElement::width).max().unwrap_or(1);
    let mut rows: Vec<Vec<&HtmlCanvasElement>> = Vec::new();
    for c in &canvases {
        match rows.last_mut() {
            Some(row) if row.iter().map(|r| r.width()).sum::<u32>() + c.width() <= page_w + 2 => row.push(c),
            _ => rows.push(vec![c]),
        }
    }
    let heights: Vec<u32> = rows.iter().map(|r| r.iter().map(|c| c.height()).max().unwrap_or(0)).collect();
    // A title band: what the image shows (the settings and the verdict), so it stands alone on a slide.
    let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
    let line = (22.0 * dpr).round();
    let band = (line * title.len() as f64 + 12.0 * dpr).round() as u32;
    let out: HtmlCanvasElement = document().create_element("canvas")?.dyn_into()?;
    out.set_width(page_w);
    out.set_height(heights.iter().sum::<u32>().max(1) + band);
    let ctx: web_sys::CanvasRenderingContext2d = out.get_context("2d")?.ok_or("no 2-D context")?.dyn_into()?;
    ctx.set_fill_style_str(background);
    ctx.fill_rect(0.0, 0.0, f64::from(out.width()), f64::from(out.height()));
    ctx.set_fill_style_str(foreground);
    for (i, text) in title.iter().enumerate() {
        let size = if i == 0 { 16.0 } else { 13.0 };
        ctx.set_font(&format!("{}{}px sans-serif", if i == 0 { "bold " } else { "" }, (size * dpr).round()));
        ctx.fill_text_with_max_width(text, 10.0 * dpr, line * (i as f64 + 1.0), f64::from(out.width()) - 20.0 * dpr)?;
    }
    let mut y = band;
    for (row, h) in rows.iter().zip(&heights) {
        let mut x = 0u32;
        for c in row {
            ctx.draw_image_with_html_canvas_element(c, f64::from(x), f64::from(y))?;
            x += c.width();
        }
        y += h;
    }
    let url = out.to_data_url_with_type("image/png")?;
    download_url(&url, filename)
}

/// Text colour of the page (for the PNG's title).
#[must_use]
pub fn page_foreground() -> String {
    body_style("color", "#1c1c1e")
}

/// Background colour of the page (for the PNG).
#[must_use]
pub fn page_background() -> String {
    body_style("background-color", "#ffffff")
}

/// A computed style property of the page's body, or `fallback`.
fn body_style(property: &str, fallback: &str) -> String {
    document()
        .body()
        .and_then(|b| window().get_computed_style(&b).ok().flatten())
        .and_then(|s| s.get_property_value(property).ok())
        .unwrap_or_else(|| fallback.into())
}
