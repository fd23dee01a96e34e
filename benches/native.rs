//! Native timings of the core (run by bench/run.sh; `cargo bench --bench native` alone prints
//! JSON lines). Medians of repeated runs, single thread.

use initviz::compute::experiment::Experiment;
use initviz::compute::lab::Trainer;
use initviz::compute::lean;
use initviz::math::linalg::{matmul, matmul_a_bt, matmul_at_b};
use initviz::math::rng::{Rng, Stream};
use initviz::nn::init::orthogonal;
use initviz::spec::config::Config;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench --bench native -- orthogonal` runs only the figures whose kind contains the word.
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let run = |kind: &str| only.as_deref().is_none_or(|w| kind.contains(w));
    if run("orthogonal") {
        orthogonal_figures();
    }
    if run("matmul") {
        matmul_figures();
    }
    if run("pass") {
        pass_figures();
    }
    if run("train") {
        train_figures();
    }
    if run("spectrum") {
        spectrum_figures();
    }
}

/// The matrix product's three variants.
fn matmul_figures() {
    for (m, k, n) in [(512usize, 512usize, 512usize), (256, 256, 256), (1000, 500, 500), (1000, 1000, 1000)] {
        let a: Vec<f32> = (0..m * k).map(|i| (i % 17) as f32 * 0.01).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 13) as f32 * 0.01).collect();
        let mut c = vec![0f32; m * n];
        let mut s = Vec::new();
        for (v, name) in ["A·B", "Aᵀ·B", "A·Bᵀ"].iter().enumerate() {
            let reps = if m * k * n > 300_000_000 { 3 } else { 9 };
            let times: Vec<f64> = (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    match v {
                        1 => matmul_at_b(&a, &b, &mut c, k, m, n, &mut s),
                        2 => matmul_a_bt(&a, &b, &mut c, m, k, n, &mut s),
                        _ => matmul(&a, &b, &mut c, m, k, n),
                    }
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            // Best of N (the statistic of the ceiling) and the median.
            let ms = times.iter().copied().fold(f64::INFINITY, f64::min);
            let med = median(times);
            std::hint::black_box(&c);
            println!(
                "{{\"kind\":\"matmul\",\"variant\":\"{name}\",\"m\":{m},\"k\":{k},\"n\":{n},\"ms\":{ms:.3},\"gflops\":{:.2},\"median_ms\":{med:.3},\"median_gflops\":{:.2}}}",
                2.0 * (m * k * n) as f64 / ms / 1e6,
                2.0 * (m * k * n) as f64 / med / 1e6
            );
        }
    }
}

/// One kept network's build, pass and report.
fn pass_figures() {
    for (depth, width, batch) in [(10, 256, 256), (10, 500, 1000), (5, 1000, 1000)] {
        let (c, _) = Config::from_query(&format!("depth={depth}&width={width}&batch={batch}"));
        let (mut ti, mut tp, mut tr) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..3 {
            let t0 = Instant::now();
            let mut e = Experiment::new(&c).expect("within budget");
            let t1 = Instant::now();
            let l = e.pass();
            let t2 = Instant::now();
            std::hint::black_box(e.report(l));
            let t3 = Instant::now();
            ti.push((t1 - t0).as_secs_f64() * 1e3);
            tp.push((t2 - t1).as_secs_f64() * 1e3);
            tr.push((t3 - t2).as_secs_f64() * 1e3);
        }
        let (i, p, r) = (median(ti), median(tp), median(tr));
        println!(
            "{{\"kind\":\"pass\",\"depth\":{depth},\"width\":{width},\"batch\":{batch},\"init_ms\":{i:.2},\"pass_ms\":{p:.2},\"report_ms\":{r:.2},\"total_ms\":{:.2}}}",
            i + p + r
        );
    }
}

/// Training throughput: the lab's own steps (mini-batch, backward, Adam, records and
/// evaluations included), best of 3, as in the browser benchmark and against TF.js there.
fn train_figures() {
    for (name, q) in TRAIN_SETUPS {
        let (c, _) = Config::from_query(q);
        let best = (0..3)
            .map(|_| {
                let mut t = Trainer::new(&c).expect("within budget");
                let t0 = Instant::now();
                t.advance(usize::MAX, || true);
                t0.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!(
            "{{\"kind\":\"train\",\"setup\":\"{name}\",\"steps\":{},\"s\":{best:.4},\"steps_per_s\":{:.0}}}",
            c.steps,
            c.steps as f64 / best
        );
    }
}

/// Orthogonal initialization of one 1024 × 1024 layer (QR of a Gaussian matrix), best of 3, and a
/// network of orthogonal layers built whole against layer by layer ([`lean::run`]).
fn orthogonal_figures() {
    let n = 1024;
    let mut w = vec![0f32; n * n];
    let ms = (0..3)
        .map(|_| {
            let t = Instant::now();
            orthogonal(&mut w, n, n, 1.0, &mut Rng::new(0, Stream::Layer(1)));
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min);
    std::hint::black_box(&w);
    println!("{{\"kind\":\"orthogonal\",\"n\":{n},\"ms\":{ms:.1}}}");
    let q = "depth=5&width=1024&init=orthogonal";
    let (c, _) = Config::from_query(q);
    let t = Instant::now();
    let mut e = Experiment::new(&c).expect("within budget");
    let l = e.pass();
    std::hint::black_box(e.report(l));
    let kept = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    std::hint::black_box(lean::run(&c).expect("valid"));
    let layered = t.elapsed().as_secs_f64() * 1e3;
    println!("{{\"kind\":\"orthogonal_pass\",\"query\":\"{q}\",\"kept_ms\":{kept:.0},\"layer_by_layer_ms\":{layered:.0}}}");
}

/// The Jacobian spectrum at depth 100: 4 inputs at width 256, 1 at width 1024 (as bench/browser.mjs).
fn spectrum_figures() {
    for (width, batch) in [(256, 256), (1024, 1)] {
        let q = format!("depth=100&width={width}&batch={batch}&init=orthogonal&act=tanh&spectrum=batch");
        let (c, _) = Config::from_query(&q);
        let t = Instant::now();
        std::hint::black_box(initviz::compute::spectrum::run(&c, |_, _| std::ops::ControlFlow::Continue(())).ok());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!("{{\"kind\":\"spectrum\",\"depth\":100,\"width\":{width},\"inputs\":{},\"ms\":{ms:.0}}}", batch.min(4));
    }
}

/// The two training setups (the same in bench/browser.mjs and bench/tfjs.mjs).
const TRAIN_SETUPS: [(&str, &str); 2] = [
    ("spiral", "mode=train&input=spiral&depth=6&width=32&batch=32&init=he_normal&act=relu&opt=adam&lr=0.01&steps=3000"),
    ("digits", "mode=train&input=digits&depth=3&width=128&batch=64&init=he_normal&act=relu&opt=adam&lr=0.001&steps=1000"),
];
