//! Writes the default view into the built page (`dist/index.html`), as HTML and SVG, so a plain
//! visit paints its first view before the WebAssembly has arrived (issue 19). The page's wasm
//! then takes over the same boxes: it leaves the text as it is and replaces each pre-rendered
//! chart by its canvas when it has drawn it (`web::ui::render`).
//!
//! Run by trunk's post-build hook (`Trunk.toml`) as
//! `cargo run --release --bin prerender -- "$TRUNK_STAGING_DIR/index.html"`.
//!
//! It fails the build when the report shipped with the page (`data/default-report.bin`, which the
//! pre-rendered view draws) and a live run of the default settings here give different numbers or
//! sentences: every piece of HTML and every SVG is made from both and compared.
//!
//! Every chart is drawn four times, each an SVG file beside the page: light and dark, at the
//! sizes the page gives it on a phone (the 390 px layout) and on a desktop (the 1280 px layout).
//! A `<picture>` over the canvas makes the browser fetch the one of its layout and system theme;
//! between those widths the SVG is scaled to its box, until the canvas replaces it.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = native::run() {
        eprintln!("prerender: {e}");
        std::process::exit(1);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use initviz::analysis::report::Report;
    use initviz::charts::{Chart, Style, Theme};
    use initviz::export::page::{self, escape};
    use initviz::spec::config::Config;

    /// A chart's CSS size in the page's two layouts, as `www/style.css` gives it (the end-to-end
    /// test `tests/e2e/first_view.test.mjs` measures the canvases and fails when these drift).
    #[derive(Debug, Clone, Copy)]
    struct Layout {
        /// The class of the SVGs' wrapper (`phone`, `desk`), which CSS shows at its widths.
        class: &'static str,
        /// Width of a wide chart (the whole results column) and of a half-width one.
        wide: u32,
        half: u32,
        /// Heights: wide charts, half-width ones.
        wide_height: u32,
        half_height: u32,
    }

    /// A 390 px phone (one column, `main` padded 10 px, figures with a 1 px border) and a 1280 px
    /// desktop (a 320 px sidebar, a 16 px gap, 20 px padding, two columns 12 px apart).
    const LAYOUTS: [Layout; 2] = [
        Layout { class: "phone", wide: 368, half: 368, wide_height: 260, half_height: 300 },
        Layout { class: "desk", wide: 902, half: 444, wide_height: 260, half_height: 360 },
    ];

    /// The device pixel ratio the SVGs are drawn for: most phones' (2 or 3), so they are the
    /// picture the canvas draws there; the charts' layout rounds to device pixels, so a ridge's
    /// thin tails show at one ratio and not at another.
    const SCALE: f64 = 2.0;

    /// One chart's pre-rendered picture: an SVG file for one layout and theme.
    #[derive(Debug, PartialEq)]
    struct Picture {
        layout: &'static str,
        theme: &'static str,
        /// The CSS size it is drawn for.
        size: (u32, u32),
        svg: String,
    }

    /// Everything the first view shows, as HTML and SVG.
    #[derive(Debug, PartialEq)]
    struct View {
        verdict: String,
        theory: String,
        theory_detail: String,
        formula: String,
        table: String,
        /// Per chart in page order: its text alternative and its four pictures, or none.
        charts: Vec<(Chart, Option<Pictured>)>,
    }

    /// A chart's text alternative and its pictures.
    #[derive(Debug, PartialEq)]
    struct Pictured {
        label: String,
        pictures: Vec<Picture>,
    }

    fn view(config: &Config, report: &Report, wide: &dyn Fn(Chart) -> bool) -> Result<View, String> {
        let (theory, theory_detail) = page::theory(config, report);
        let mut charts = Vec::new();
        for chart in Chart::ALL {
            let mut label = None;
            let mut pictures = Vec::new();
            for l in LAYOUTS {
                let size = if wide(chart) { (l.wide, l.wide_height) } else { (l.half, l.half_height) };
                let device = (size.0 * SCALE as u32, size.1 * SCALE as u32);
                for (theme, name) in [(Theme::LIGHT, "light"), (Theme::DARK, "dark")] {
                    let s = Style { theme, scale: SCALE };
                    let Some((svg, text)) = page::chart_svg(&s, config, report, chart, device).map_err(|e| e.to_string())? else {
                        continue;
                    };
                    pictures.push(Picture { layout: l.class, theme: name, size, svg: fit(&svg, size, device) });
                    label = Some(text);
                }
            }
            charts.push((chart, label.map(|label| Pictured { label, pictures })));
        }
        Ok(View {
            verdict: page::verdict(report),
            theory,
            theory_detail,
            formula: page::formula(config),
            table: page::table_body(report),
            charts,
        })
    }

    /// The `<picture>` laid over a chart's canvas: the browser fetches the one SVG of this layout
    /// and system theme (`media`), so the HTML stays small whether or not the host compresses it.
    fn picture(id: &str, pictures: &[(String, &Picture)], eager: bool) -> String {
        let media = |p: &Picture| {
            let layout = if p.layout == "phone" { Some("(max-width: 760px)") } else { None };
            let theme = if p.theme == "dark" { Some("(prefers-color-scheme: dark)") } else { None };
            layout.into_iter().chain(theme).collect::<Vec<_>>().join(" and ")
        };
        // Most specific first: the browser takes the first <source> whose media matches.
        let order = [("phone", "dark"), ("phone", "light"), ("desk", "dark")];
        let mut html = format!("<picture class=\"pre\" aria-hidden=\"true\" data-for=\"{id}\">");
        for (layout, theme) in order {
            if let Some((file, p)) = pictures.iter().find(|(_, p)| p.layout == layout && p.theme == theme) {
                html.push_str(&format!("<source media=\"{}\" srcset=\"{file}\" width=\"{}\" height=\"{}\">", media(p), p.size.0, p.size.1));
            }
        }
        if let Some((file, p)) = pictures.iter().find(|(_, p)| p.layout == "desk" && p.theme == "light") {
            let loading = if eager { "eager" } else { "lazy" };
            html.push_str(&format!(
                "<img src=\"{file}\" alt=\"\" width=\"{}\" height=\"{}\" loading=\"{loading}\" decoding=\"async\">",
                p.size.0, p.size.1
            ));
        }
        html.push_str("</picture>");
        html
    }

    /// A file name that changes with the content (FNV-1a, 64 bits), so a host's cache never
    /// serves an old picture with a new page.
    fn file_name(id: &str, p: &Picture) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in p.svg.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("pre-{id}-{}-{}-{h:016x}.svg", p.layout, p.theme)
    }

    /// plotters' SVG document as a file that fills its box: its CSS size as width and height, a
    /// `viewBox` of its device pixels. plotters' SVG backend writes a font of `size` as
    /// `font-size="{size / 1.24}"`, the canvas backend as `{size}px`: the sizes are put back, so
    /// the text is the canvas's.
    fn fit(svg: &str, (w, h): (u32, u32), (dw, dh): (u32, u32)) -> String {
        let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(svg);
        let end = body.find('>').unwrap_or(0);
        let mut rest = body[end + 1..].trim_start();
        let mut out = format!(
            "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {dw} {dh}\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        const FONT: &str = "font-size=\"";
        while let Some(i) = rest.find(FONT) {
            let v = i + FONT.len();
            let e = v + rest[v..].find('"').unwrap_or(0);
            let size: f64 = rest[v..e].parse().unwrap_or(0.0);
            out.push_str(&rest[..v]);
            out.push_str(&format!("{}", (size * 1.24 * 1000.0).round() / 1000.0));
            rest = &rest[e..];
        }
        out.push_str(rest);
        out
    }

    pub fn run() -> Result<(), String> {
        let path = std::env::args().nth(1).ok_or("usage: prerender path/to/index.html")?;
        let mut html = Html(std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?);
        let config = Config::default();
        let shipped = initviz::analysis::report::precomputed_default().ok_or("data/default-report.bin does not decode")?;
        let live = initviz::compute::experiment::run(&config).map_err(|e| e.to_string())?;
        let wide = |c: Chart| html.figure_class(c.canvas_id()).is_some_and(|class| class.split(' ').any(|w| w == "wide"));
        let view_shipped = view(&config, &shipped, &wide)?;
        let view_live = view(&config, &live, &wide)?;
        if view_shipped != view_live {
            return Err(first_difference(&view_shipped, &view_live));
        }
        let v = view_shipped;
        html.set_inner("verdict", &v.verdict)?;
        html.set_inner("theory", &v.theory)?;
        html.set_inner("theory-detail", &v.theory_detail)?;
        html.set_inner("formula", &v.formula)?;
        html.set_inner("layer-stats-head", &page::table_head())?;
        html.set_inner("layer-stats-body", &v.table)?;
        html.set_inner("loss-note", &escape(page::loss_note(&config)))?;
        html.set_inner(
            "status",
            &escape(&format!(
                // The page's own words once it has drawn, less the drawing time (the same lines, so
                // nothing below moves when it is added).
                "{}: shipped with the page (a live run gives the same numbers).",
                page::size_words(&config)
            )),
        )?;
        let dir = std::path::Path::new(&path).parent().ok_or("index.html has no folder")?;
        for (i, (chart, drawn)) in v.charts.iter().enumerate() {
            let id = chart.canvas_id();
            if let Some(Pictured { label, pictures }) = drawn {
                let mut files = Vec::new();
                for p in pictures {
                    let name = file_name(id, p);
                    std::fs::write(dir.join(&name), &p.svg).map_err(|e| format!("{name}: {e}"))?;
                    files.push((name, p));
                }
                html.set_attr(id, "aria-label", label)?;
                // The first chart is on a phone's first screen: fetched at once; the rest when near.
                html.insert_before(id, &picture(id, &files, i == 0))?;
            }
        }
        // What www/first.js hides, and the page's wasm uncovers, for a link to another view.
        for id in ["status", "verdict", "theory", "theory-detail", "formula", "layer-stats-body"] {
            html.set_attr(id, "data-pre", "")?;
        }
        controls(&mut html, &config)?;
        lessons(&mut html)?;
        html.set_inner("cite-body", &initviz::course::cite::html(&initviz::course::tour::lesson_citations()))?;
        html.set_attr_tag("body", "data-prerendered", "default")?;
        // oEmbed needs the site's absolute address, which only the host knows.
        if let Ok(site) = std::env::var("INITVIZ_SITE_URL") {
            let site = if site.ends_with('/') { site } else { format!("{site}/") };
            std::fs::write(dir.join("oembed.json"), initviz::course::embed::oembed_json(&site)).map_err(|e| format!("oembed.json: {e}"))?;
            let link = format!(
                "<link rel=\"alternate\" type=\"application/json+oembed\" href=\"{}oembed.json\" title=\"initviz\">\n</head>",
                escape(&site)
            );
            html.0 = html.0.replacen("</head>", &link, 1);
        }
        std::fs::write(&path, html.0).map_err(|e| format!("{path}: {e}"))?;
        Ok(())
    }

    /// The page's lesson lists from the built-in tour (`www/lessons.json`): a part's steps fill
    /// the part's `<ul class="lessons">`, in order. Fails on a lesson that is not a valid step.
    fn lessons(html: &mut Html) -> Result<(), String> {
        let file = initviz::course::tour::lessons_file().map_err(|e| e.to_string())?;
        if let Some(e) = initviz::course::tour::Tour::check(&file).errors.first() {
            return Err(format!("www/lessons.json: {e}"));
        }
        let mut parts: Vec<String> = Vec::new();
        for s in &file.steps {
            if !s.part.is_empty() || parts.is_empty() {
                parts.push(String::new());
            }
            let item = format!("<li><a href=\"?{}\">{}</a>: {}</li>", escape(&s.view), escape(&s.title), escape(&s.text));
            parts.last_mut().ok_or("no part")?.push_str(&item);
        }
        for (id, items) in ["lessons-init", "lessons-training"].iter().zip(&parts) {
            html.set_inner(id, items)?;
        }
        if parts.len() != 2 {
            return Err(format!("www/lessons.json has {} parts; the page has lists for 2", parts.len()));
        }
        Ok(())
    }

    /// The controls as the page's wasm sets them for `config`.
    fn controls(html: &mut Html, config: &Config) -> Result<(), String> {
        for c in page::controls(config) {
            if !html.0.contains(&format!("id=\"{}\"", c.key)) {
                continue;
            }
            if c.key == "scale" {
                html.set_inner("scale-label", &escape(config.scale_label()))?;
            } else {
                html.set_label(c.key, &escape(c.label))?;
            }
            if !c.options.is_empty() {
                let options: String = c
                    .options
                    .iter()
                    .map(|(v, l)| {
                        let sel = if *v == c.value { " selected" } else { "" };
                        format!("<option value=\"{}\"{sel}>{}</option>", escape(v), escape(l))
                    })
                    .collect();
                html.set_inner(c.key, &options)?;
            } else if let Some(checked) = c.checked {
                if checked {
                    html.set_attr(c.key, "checked", "")?;
                }
            } else {
                if let Some((min, max, step)) = &c.range {
                    html.set_attr(c.key, "min", min)?;
                    html.set_attr(c.key, "max", max)?;
                    if let Some(step) = step {
                        html.set_attr(c.key, "step", step)?;
                    }
                }
                html.set_attr(c.key, "value", &c.value)?;
                if let Some(t) = &c.valuetext {
                    html.set_attr(c.key, "aria-valuetext", t)?;
                }
            }
            if c.disabled {
                html.set_attr(c.key, "disabled", "")?;
            }
            if !c.shown.is_empty() && html.0.contains(&format!("id=\"{}-value\"", c.key)) {
                html.set_inner(&format!("{}-value", c.key), &escape(&c.shown))?;
            }
        }
        html.set_inner("toggle-controls", &escape(&format!("Settings: {}", config.summary())))?;
        html.set_inner("memory-note", &escape(&config.memory_note()))?;
        for f in initviz::export::code::Framework::ALL {
            html.set_inner(f.element_id(), &escape(&initviz::export::code::snippet(config, f)))?;
        }
        Ok(())
    }

    fn first_difference(a: &View, b: &View) -> String {
        let parts = [
            ("verdict", &a.verdict, &b.verdict),
            ("theory", &a.theory, &b.theory),
            ("theory detail", &a.theory_detail, &b.theory_detail),
            ("formula", &a.formula, &b.formula),
            ("table", &a.table, &b.table),
        ];
        for (name, x, y) in parts {
            if x != y {
                return format!(
                    "the shipped report's {name} differs from a live run's:\n  shipped: {x}\n  live:    {y}\n\
                     regenerate data/default-report.bin with `cargo run --release --example default_report`"
                );
            }
        }
        for ((chart, x), (_, y)) in a.charts.iter().zip(&b.charts) {
            if x != y {
                return format!("the shipped report's chart {} differs from a live run's", chart.canvas_id());
            }
        }
        "the shipped report differs from a live run".into()
    }

    /// The built page, edited by element id. The page's own `www/index.html` is the only input, so
    /// this is not a general HTML parser: an id is found as `id="…"` inside a start tag, and an
    /// element's content runs to the first closing tag of its name (the elements filled here hold
    /// no element of their own name).
    struct Html(String);

    impl Html {
        /// The byte range of the start tag holding `id="{id}"`, which must occur once.
        fn start_tag(&self, id: &str) -> Result<(usize, usize), String> {
            let needle = format!(" id=\"{id}\"");
            let mut hits = self.0.match_indices(&needle);
            let (at, _) = hits.next().ok_or_else(|| format!("no element with id {id} in the page"))?;
            if hits.next().is_some() {
                return Err(format!("two elements with id {id}"));
            }
            let open = self.0[..at].rfind('<').ok_or("a tag without <")?;
            let close = at + self.0[at..].find('>').ok_or("a tag without >")?;
            Ok((open, close + 1))
        }

        fn tag_name(&self, open: usize) -> &str {
            let rest = &self.0[open + 1..];
            let end = rest.find(|c: char| c.is_whitespace() || c == '>').unwrap_or(rest.len());
            &rest[..end]
        }

        /// Replaces the content of the element `id`.
        fn set_inner(&mut self, id: &str, inner: &str) -> Result<(), String> {
            let (open, start) = self.start_tag(id)?;
            let closing = format!("</{}>", self.tag_name(open));
            let end = start + self.0[start..].find(&closing).ok_or_else(|| format!("{id} is not closed"))?;
            self.0.replace_range(start..end, inner);
            Ok(())
        }

        /// Sets an attribute of the start tag `open..close`.
        fn set_attr_at(&mut self, (open, close): (usize, usize), name: &str, value: &str) {
            let tag = &self.0[open..close];
            let attr = if value.is_empty() && matches!(name, "checked" | "disabled" | "selected" | "data-pre") {
                format!(" {name}")
            } else {
                format!(" {name}=\"{}\"", escape(value))
            };
            let existing = format!(" {name}=\"");
            let new_tag = if let Some(i) = tag.find(&existing) {
                let vstart = i + existing.len();
                let vend = vstart + tag[vstart..].find('"').unwrap_or(0);
                format!("{}{attr}{}", &tag[..i], &tag[vend + 1..])
            } else {
                let end = if tag.ends_with("/>") { tag.len() - 2 } else { tag.len() - 1 };
                format!("{}{attr}{}", &tag[..end], &tag[end..])
            };
            self.0.replace_range(open..close, &new_tag);
        }

        fn set_attr(&mut self, id: &str, name: &str, value: &str) -> Result<(), String> {
            let at = self.start_tag(id)?;
            self.set_attr_at(at, name, value);
            Ok(())
        }

        /// Sets an attribute of the first `<{tag}` start tag.
        fn set_attr_tag(&mut self, tag: &str, name: &str, value: &str) -> Result<(), String> {
            let open =
                self.0.find(&format!("<{tag} ")).or_else(|| self.0.find(&format!("<{tag}>"))).ok_or_else(|| format!("no <{tag}>"))?;
            let close = open + self.0[open..].find('>').ok_or("a tag without >")? + 1;
            self.set_attr_at((open, close), name, value);
            Ok(())
        }

        /// Inserts `html` just before the element `id`.
        fn insert_before(&mut self, id: &str, html: &str) -> Result<(), String> {
            let (open, _) = self.start_tag(id)?;
            self.0.insert_str(open, html);
            Ok(())
        }

        /// The text of `<label for="{key}">`, where the page has one.
        fn set_label(&mut self, key: &str, text: &str) -> Result<(), String> {
            let needle = format!("<label for=\"{key}\"");
            let Some(open) = self.0.find(&needle) else { return Ok(()) };
            let start = open + self.0[open..].find('>').ok_or("a tag without >")? + 1;
            let end = start + self.0[start..].find("</label>").ok_or("a label is not closed")?;
            self.0.replace_range(start..end, text);
            Ok(())
        }

        /// The class of the `<figure>` around the element `id`.
        fn figure_class(&self, id: &str) -> Option<String> {
            let (open, _) = self.start_tag(id).ok()?;
            let fig = self.0[..open].rfind("<figure")?;
            let tag = &self.0[fig..fig + self.0[fig..].find('>')?];
            let i = tag.find("class=\"")? + 7;
            Some(tag[i..i + tag[i..].find('"')?].to_string())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        const PAGE: &str = "<body data-state=\"loading\">\n<div id=\"verdict\"></div><p id=\"theory\">old</p>\n<figure class=\"wide short\"><canvas id=\"chart-weights\" role=\"img\"></canvas></figure>\n<input type=\"range\" id=\"depth\" min=\"1\" value=\"10\"><label for=\"depth\">x</label>\n</body>";

        #[test]
        fn the_page_is_edited_by_id() {
            let mut h = Html(PAGE.to_string());
            h.set_inner("verdict", "<ul><li>a</li></ul>").unwrap();
            h.set_inner("theory", "new &amp; true").unwrap();
            h.set_attr("depth", "value", "20").unwrap();
            h.set_attr("depth", "max", "100").unwrap();
            h.set_attr("depth", "disabled", "").unwrap();
            h.set_label("depth", "Hidden layers").unwrap();
            h.insert_before("chart-weights", "<picture class=\"pre\"></picture>").unwrap();
            h.set_attr_tag("body", "data-prerendered", "default").unwrap();
            assert_eq!(h.figure_class("chart-weights").as_deref(), Some("wide short"));
            assert!(h.0.contains("<div id=\"verdict\"><ul><li>a</li></ul></div>"), "{}", h.0);
            assert!(h.0.contains("<p id=\"theory\">new &amp; true</p>"));
            assert!(h.0.contains("<input type=\"range\" id=\"depth\" min=\"1\" value=\"20\" max=\"100\" disabled>"), "{}", h.0);
            assert!(h.0.contains("<label for=\"depth\">Hidden layers</label>"));
            assert!(h.0.contains("<picture class=\"pre\"></picture><canvas id=\"chart-weights\""));
            assert!(h.0.starts_with("<body data-state=\"loading\" data-prerendered=\"default\">"));
            assert!(h.set_inner("missing", "").is_err(), "an id the page lacks must fail the build");
        }

        #[test]
        fn fonts_are_the_canvas_sizes() {
            let svg =
                "<?xml?>\n<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\">\n<text font-size=\"10.483870967741936\">a</text></svg>";
            let out = fit(svg, (5, 5), (10, 10));
            assert!(out.starts_with("<svg width=\"5\" height=\"5\" viewBox=\"0 0 10 10\""), "{out}");
            assert!(out.contains("font-size=\"13\""), "{out}");
        }

        /// The build's check: a shipped report whose numbers differ from a live run's fails it,
        /// naming the part that differs.
        #[test]
        fn a_stale_shipped_report_fails_the_build() {
            let config = Config::default();
            let live = initviz::compute::experiment::run(&config).unwrap();
            let mut stale = live.clone();
            stale.layers[3].act.std *= 1.01;
            let wide = |_: Chart| true;
            let (a, b) = (view(&config, &stale, &wide).unwrap(), view(&config, &live, &wide).unwrap());
            assert_ne!(a, b);
            let why = first_difference(&a, &b);
            assert!(why.contains("table") && why.contains("default_report"), "{why}");
            assert_eq!(view(&config, &live, &wide).unwrap(), b, "the same report must give the same view");
        }
    }
}
