//! Charts render natively to SVG from a real report, and show what the data says.

use initviz::charts::{diagram, lines, ridgeline, Style, Theme};
use initviz::compute::experiment::run;
use initviz::spec::config::Config;
use plotters::prelude::*;

fn style() -> Style {
    Style { theme: Theme::LIGHT, scale: 1.0 }
}

#[test]
fn ridgeline_draws_one_ridge_per_layer() {
    let (c, _) = Config::from_query("depth=7&width=64&batch=64");
    let r = run(&c).unwrap();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (600, 400)).into_drawing_area();
        let data = ridgeline::Ridges {
            title: "Activations",
            counts: r.layers.iter().map(|l| &l.hists[2].counts[..]).collect(),
            range: r.ranges[2],
            stds: r.layers.iter().map(|l| Some(l.act.std)).collect(),
            color: Theme::LIGHT.series[0],
            left_out: Vec::new(),
        };
        ridgeline::draw(&area, &data, &style()).unwrap();
    }
    // Each layer: one filled polygon and one outline.
    assert_eq!(svg.matches("<polygon").count(), 7, "{}", &svg[..svg.len().min(500)]);
    assert!(svg.matches("<polyline").count() >= 7);
    assert!(svg.contains("Activations"));
    assert!(svg.contains(">\n7\n<"), "layer 7 label missing");
}

#[test]
fn log_lines_mark_zeros_and_label_decades() {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (500, 300)).into_drawing_area();
        let chart = lines::Lines {
            band: None,
            title: "std per layer",
            series: vec![lines::Series {
                name: "activations",
                values: vec![1.0, 0.1, 0.0, 0.001],
                color: RGBColor(0, 0, 0),
                marker: lines::Marker::Circle,
                thin: false,
            }],
            axis: lines::Axis::Log,
        };
        lines::draw(&area, &chart, &style()).unwrap();
    }
    assert!(svg.contains(">\n1e-3\n<") && svg.contains(">\n1\n<"), "decade labels missing");
    // 3 markers for the 3 positive values and 1 in the legend; the zero breaks the line and is
    // marked on the bottom edge, with a note saying so.
    assert_eq!(svg.matches("<circle").count(), 4);
    assert!(svg.contains("0 or below"), "the zero is not marked");
}

#[test]
fn diagram_of_the_notes_network() {
    // The notes' 2-input, 2-hidden-unit network with zero weights: every edge drawn as a faint zero.
    let (c, _) = Config::from_query("depth=1&width=2&init=constant&scale=0.5&act=sigmoid&input=xor");
    let r = run(&c).unwrap();
    let net = r.small_net.expect("small network");
    assert_eq!(net.sizes, vec![2, 2, 2]);
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (400, 300)).into_drawing_area();
        let d = diagram::Diagram { title: "weights", sizes: &net.sizes, edges: &net.weights, mean_act: &net.mean_act };
        diagram::draw(&area, &d, &style()).unwrap();
    }
    // 2·2 + 2·2 edges, 6 nodes × 3 circles
    assert_eq!(svg.matches("<polyline").count() + svg.matches("<line").count(), 8);
    assert_eq!(svg.matches("<circle").count(), 18);
}
