//! A tour's questions are answered from the step's own report. The expected answers are the lecture
//! notes' (../shared/seeds/): what happens to the activations of each of their networks, and the
//! std the notes' recursion gives.

use initviz::compute::experiment::run;
use initviz::course::tour::{Outcome, Tour, Truth};

/// One step asking a choice about `quantity` by `layer` of `view`, checked and computed.
fn answer(view: &str, quantity: &str, layer: usize) -> (Truth, initviz::course::tour::Question, initviz::analysis::report::Report) {
    let json =
        format!(r#"{{"steps":[{{"title":"q","view":"{view}","question":{{"kind":"choice","quantity":"{quantity}","layer":{layer}}}}}]}}"#);
    let tour = Tour::from_json(&json).unwrap();
    assert_eq!(tour.errors, vec![], "{view}");
    let step = &tour.steps[0];
    let q = step.question.clone().unwrap();
    let report = run(&step.config).unwrap();
    (q.truth(&report), q, report)
}

#[test]
fn the_notes_networks_do_what_the_notes_say() {
    let cases = [
        // Small random N(0, 0.01²), tanh: each layer multiplies the signal by 0.01·√500 ≈ 0.22.
        ("depth=10&width=500&init=normal&scale=0.01&act=tanh&batch=1000", Outcome::Vanish),
        // Large random N(0, 1), tanh: pre-activations of σ ≈ √500 ≈ 22 saturate the units.
        ("depth=10&width=500&init=normal&scale=1&act=tanh&batch=1000", Outcome::Saturate),
        // Xavier keeps the signal alive through every layer.
        ("depth=10&width=500&init=xavier_normal&act=tanh&batch=1000", Outcome::Stay),
        // He with ReLU: the variance stays level.
        ("depth=20&width=512&init=he_normal&act=relu&batch=256", Outcome::Stay),
        // Xavier with ReLU: the variance halves every layer (std × 0.71, ×0.0014 over 20 layers).
        ("depth=20&width=512&init=xavier_normal&act=relu&batch=256", Outcome::Vanish),
        // N(0, 3²) with ReLU: ×3·√(32/2) = ×12 a layer.
        ("depth=20&width=32&init=normal&scale=3&act=relu&batch=32", Outcome::Explode),
        // Zero init: every activation is 0.
        ("depth=3&width=8&init=zeros&bias=zeros&act=relu", Outcome::Vanish),
    ];
    for (view, want) in cases {
        let depth: usize = view.split('&').find_map(|kv| kv.strip_prefix("depth=")).unwrap().parse().unwrap();
        let (truth, q, report) = answer(view, "activations", depth);
        assert_eq!(truth, Truth::Choice(want), "{view}");
        let right = q.grade(want.id(), &report);
        assert!(right.right && right.sentence.starts_with("Right"), "{view}: {}", right.sentence);
        let wrong = Outcome::ALL.into_iter().find(|&o| o != want).unwrap();
        assert!(!q.grade(wrong.id(), &report).right, "{view}");
    }
}

#[test]
fn a_number_is_graded_by_how_many_decades_it_is_off() {
    // Small random, tanh, 500 wide: std(z₁) = 0.01·√500·std(x) = 0.224 for x ~ N(0, 1), and tanh
    // is nearly linear there, so the activations shrink by 0.224 a layer: 0.224¹⁰ ≈ 3.2e-7 at
    // layer 10 (the notes' "activations vanish").
    let json = r#"{"steps":[{"title":"q","view":"depth=10&width=500&init=normal&scale=0.01&act=tanh&batch=1000",
        "question":{"kind":"number","quantity":"activations","layer":10}}]}"#;
    let tour = Tour::from_json(json).unwrap();
    let q = tour.steps[0].question.clone().unwrap();
    let report = run(&tour.steps[0].config).unwrap();
    let Truth::Number(Some(t)) = q.truth(&report) else { panic!("no std") };
    let expected = (0.01f64 * 500f64.sqrt()).powi(10);
    assert!((t / expected - 1.0).abs() < 0.05, "measured {t}, the recursion's {expected}");
    let g = q.grade(&format!("{}", t * 1.5), &report);
    assert!(g.right && (g.distance - 1.5f64.log10()).abs() < 1e-9, "{g:?}");
    let g = q.grade("0.1", &report);
    assert!(!g.right && (g.distance - (0.1 / t).log10()).abs() < 1e-9 && g.sentence.contains("off by a factor"), "{g:?}");
}

/// The README's complete example is a tour the page shows whole.
#[test]
fn the_readme_example_is_a_valid_tour() {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("### Tours (`tour=`)").expect("the README has a Tours section")..];
    let json = &section[section.find("```json\n").unwrap() + 8..];
    let json = &json[..json.find("```").unwrap()];
    let tour = Tour::from_json(json).unwrap();
    assert_eq!(tour.errors, vec![]);
    assert_eq!(tour.steps.len(), 3);
    assert_eq!(tour.steps[1].lock, vec!["init"]);
    assert_eq!(tour.steps[1].question.as_ref().unwrap().prompt, "What is σ of the activations at layer 10 now?");
}
