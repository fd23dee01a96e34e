//! The page and the README are built from, or checked against, the one table of each concept:
//! a parameter, chart or statistic added to its table and missing from the page or the README
//! fails here.

use initviz::charts::Chart;
use initviz::spec::params::{markdown_table, Control, PARAMS};

const INDEX: &str = include_str!("../www/index.html");
const README: &str = include_str!("../README.md");

#[test]
fn every_parameter_with_a_control_has_its_element_and_label_in_the_page() {
    for p in PARAMS.iter().filter(|p| p.control != Control::None) {
        assert!(INDEX.contains(&format!("id=\"{}\"", p.key)), "www/index.html has no control with id=\"{}\"", p.key);
        assert!(INDEX.contains(&format!("<label for=\"{}\"", p.key)), "www/index.html has no <label for=\"{}\">", p.key);
        let tag = match p.control {
            Control::Select => "<select",
            Control::Check => "type=\"checkbox\"",
            Control::Number => "type=\"number\"",
            Control::Text => "type=\"text\"",
            _ => "type=\"range\"",
        };
        let at = INDEX.find(&format!("id=\"{}\"", p.key)).unwrap_or(0);
        let element = &INDEX[INDEX[..at].rfind('<').unwrap_or(0)..at + INDEX[at..].find('>').unwrap_or(0)];
        assert!(element.contains(tag.trim_start_matches('<')), "control {} is not a {tag}: {element}", p.key);
    }
}

#[test]
fn every_chart_has_its_canvas_in_the_page() {
    for c in Chart::ALL {
        assert!(INDEX.contains(&format!("<canvas id=\"{}\"", c.canvas_id())), "www/index.html has no canvas for {c:?}");
    }
}

#[test]
fn the_readme_lists_every_parameter_as_the_table_says() {
    let table = markdown_table();
    assert!(README.contains(&table), "README.md's table of URL keys differs from config::PARAMS; it should read:\n{table}");
}

/// The README's embed snippets are [`initviz::course::embed::snippets`]' own, for its example view.
#[test]
fn readme_embed_snippets_are_the_pages() {
    let md = initviz::course::embed::markdown(EMBED_EXAMPLE, "initviz: normal with tanh, 10 layers of 500");
    assert!(README.contains(&md), "README.md's embed snippets differ from embed::snippets; they should read:\n{md}");
}

const EMBED_EXAMPLE: &str =
    "https://example.edu/initviz/?depth=10&width=500&init=normal&scale=0.01&act=tanh&embed=1&theme=light&show=act,std,verdict";

/// The README's citations are [`initviz::course::cite::markdown`]'s, with the lessons that cite each work.
#[test]
fn readme_citations_are_the_pages() {
    let md = initviz::course::cite::markdown(&initviz::course::tour::lesson_citations());
    assert!(README.contains(&md), "README.md's citations differ from cite::REFERENCES; they should read:\n{md}");
}
