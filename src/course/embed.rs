//! Embedding a view in a course page: the snippet for each system courses run on, and the height
//! messages an embed sends so the page around it can size its frame.
//!
//! One source for the page's "Copy embed snippet" and the README's table (a test holds the README
//! to [`snippets`]).

use crate::format::escape_html;

/// The least sandbox the lab needs: scripts (the page is a module script driving WebAssembly),
/// same-origin (its module workers and wasm files are same-origin requests, which an opaque origin
/// cannot make), downloads (the CSV and PNG buttons).
pub const SANDBOX: &str = "allow-scripts allow-same-origin allow-downloads";

/// The embed's default frame size, CSS px.
pub const FRAME: (u32, u32) = (960, 720);

/// The `type` of the page's own height message (`{type: "initviz-height", height}`).
pub const HEIGHT_TYPE: &str = "initviz-height";

/// One message the embed posts to its parent with its height in CSS px.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeightMessage {
    /// An object `{type, height}`: the page's own, for the README's one-line listener.
    Object { kind: &'static str, height: u32 },
    /// A JSON string `{"subject": …, "height": …}`: Canvas's `lti.frameResize` and the IMS
    /// `org.imsglobal.lti.frameResize`, which LMS pages listen for on frames of LTI tools.
    Json(String),
}

/// Every height message, in the order they are posted.
#[must_use]
pub fn height_messages(height: u32) -> Vec<HeightMessage> {
    let mut out = vec![HeightMessage::Object { kind: HEIGHT_TYPE, height }];
    for subject in ["lti.frameResize", "org.imsglobal.lti.frameResize"] {
        out.push(HeightMessage::Json(format!("{{\"subject\":\"{subject}\",\"height\":{height}}}")));
    }
    out
}

/// A ready snippet for one system, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub system: &'static str,
    /// Its language for a code block (`html`, `python`, `markdown`).
    pub lang: &'static str,
    pub needs: &'static str,
    pub code: String,
}

/// The `<iframe>` of `src` (a full URL of the view, `embed=1` added by the caller) titled `title`.
#[must_use]
pub fn iframe(src: &str, title: &str) -> String {
    let (w, h) = FRAME;
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"{w}\" height=\"{h}\" sandbox=\"{SANDBOX}\" style=\"border:0;max-width:100%\" loading=\"lazy\"></iframe>",
        escape_html(src),
        escape_html(title)
    )
}

/// The snippet of every system, for the view at `src`.
#[must_use]
pub fn snippets(src: &str, title: &str) -> Vec<Snippet> {
    let frame = iframe(src, title);
    let (w, h) = FRAME;
    let py = src.replace('\\', "\\\\").replace('\'', "\\'");
    vec![
        Snippet {
            system: "A web page",
            lang: "html",
            needs: "an https host for the page and for initviz (a browser blocks an http frame in an https page)",
            code: frame.clone(),
        },
        Snippet {
            system: "Jupyter (notebook or lab)",
            lang: "python",
            needs: "nothing more: IFrame writes the frame into the cell's output; extras adds the sandbox",
            code: format!("from IPython.display import IFrame\nIFrame('{py}', width={w}, height={h}, extras=['sandbox=\"{SANDBOX}\"'])"),
        },
        Snippet {
            system: "Quarto",
            lang: "markdown",
            needs: "HTML output (a raw HTML block is left out of PDF and Word)",
            code: format!("```{{=html}}\n{frame}\n```"),
        },
        Snippet {
            system: "MyST / Jupyter Book",
            lang: "markdown",
            needs: "HTML output; the raw block passes the frame through as written",
            code: format!("```{{raw}} html\n{frame}\n```"),
        },
        Snippet {
            system: "Moodle",
            lang: "html",
            needs: "a Page or Label whose editor is switched to HTML source; if Moodle removes the frame on saving, the site's HTML filtering does not allow iframes for your role and an administrator must",
            code: frame.clone(),
        },
        Snippet {
            system: "Canvas",
            lang: "html",
            needs: "a Page's HTML editor; initviz hosted on an https site (Canvas does not run JavaScript in uploaded HTML files, so a copy in Files does not work)",
            code: frame,
        },
    ]
}

/// The README's section of snippets, for the example view `src` (a test compares it with the
/// README).
#[must_use]
pub fn markdown(src: &str, title: &str) -> String {
    let mut out = String::new();
    for s in snippets(src, title) {
        out.push_str(&format!("**{}**: {}.\n\n```{}\n{}\n```\n\n", s.system, s.needs, s.lang, s.code));
    }
    out
}

/// The oEmbed response (oEmbed 1.0, type `rich`) for the default view of the site at `site`
/// (its absolute URL, ending in `/`): a static file can only describe one view, since oEmbed's
/// `?url=` asks a server. Written by the build beside the page when the site's address is known
/// (`INITVIZ_SITE_URL`), with `<link rel="alternate" type="application/json+oembed">` pointing
/// at it, so link-unfurling editors embed the page.
#[must_use]
pub fn oembed_json(site: &str) -> String {
    let (w, h) = FRAME;
    let title = "initviz: weight initialization, layer by layer";
    let json = serde_json::json!({
        "version": "1.0",
        "type": "rich",
        "provider_name": "initviz",
        "provider_url": site,
        "title": title,
        "width": w,
        "height": h,
        "html": iframe(&format!("{site}?embed=1"), title),
    });
    format!("{json}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_go_out_in_every_form_courses_listen_for() {
        let m = height_messages(812);
        assert_eq!(m[0], HeightMessage::Object { kind: "initviz-height", height: 812 });
        assert_eq!(m[1], HeightMessage::Json(r#"{"subject":"lti.frameResize","height":812}"#.into()));
        assert_eq!(m[2], HeightMessage::Json(r#"{"subject":"org.imsglobal.lti.frameResize","height":812}"#.into()));
    }

    #[test]
    fn oembed_is_json_with_the_frame() {
        let j: serde_json::Value = serde_json::from_str(&oembed_json("https://x.edu/iv/")).unwrap();
        assert_eq!(j["version"], "1.0");
        assert_eq!(j["type"], "rich");
        assert_eq!(j["width"], 960);
        assert!(j["html"].as_str().unwrap().starts_with("<iframe src=\"https://x.edu/iv/?embed=1\""), "{}", j["html"]);
    }

    #[test]
    fn snippets_escape_the_link() {
        let s = snippets("https://x.edu/iv/?a=1&b=2", "say \"hi\"");
        assert!(s[0].code.contains("src=\"https://x.edu/iv/?a=1&amp;b=2\"") && s[0].code.contains("title=\"say &quot;hi&quot;\""));
        assert!(s.iter().all(|x| x.lang == "python" || x.code.contains(SANDBOX)));
        assert!(s[1].code.contains("IFrame('https://x.edu/iv/?a=1&b=2', width=960, height=720"), "{}", s[1].code);
    }
}
