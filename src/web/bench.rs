//! Benchmark entry points, called from `bench/browser.mjs` on the built page
//! (`window.wasmBindings.bench_*`). They time the core in the real browser's wasm engine.

use super::dom::window;
use crate::compute::experiment::Experiment;
use crate::math::linalg::{matmul, matmul_a_bt, matmul_at_b};
use crate::spec::config::Config;
use wasm_bindgen::prelude::*;

fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Milliseconds of C (m × n) = A (m × k) · B (k × n) over `reps` runs, `[best, median]`;
/// `variant` 0 is A·B, 1 is Aᵀ·B, 2 is A·Bᵀ (the backward pass's products).
#[wasm_bindgen]
pub fn bench_matmul(m: usize, k: usize, n: usize, variant: u32, reps: u32) -> Vec<f64> {
    let a: Vec<f32> = (0..m * k).map(|i| (i % 17) as f32 * 0.01).collect();
    let b: Vec<f32> = (0..k * n).map(|i| (i % 13) as f32 * 0.01).collect();
    let mut c = vec![0f32; m * n];
    let mut scratch = Vec::new();
    let times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = now();
            match variant {
                1 => matmul_at_b(&a, &b[..], &mut c[..], k, m, n, &mut scratch),
                2 => matmul_a_bt(&a, &b[..], &mut c[..], m, k, n, &mut scratch),
                _ => matmul(&a, &b, &mut c, m, k, n),
            }
            now() - t
        })
        .collect();
    std::hint::black_box(&c);
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    vec![best, median(times)]
}

/// Milliseconds of one orthogonal `n × n` layer (`init::orthogonal`: the Gaussian draws and the
/// blocked Householder QR), over `reps` runs, `[best, median]`: against numpy's `np.linalg.qr`
/// of the same shape in bench/ceiling.py.
#[wasm_bindgen]
pub fn bench_orthogonal(n: usize, reps: u32) -> Vec<f64> {
    let mut w = vec![0f32; n * n];
    let times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = now();
            crate::nn::init::orthogonal(&mut w, n, n, 1.0, &mut crate::math::rng::Rng::new(0, crate::math::rng::Stream::Layer(1)));
            now() - t
        })
        .collect();
    std::hint::black_box(&w);
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    vec![best, median(times)]
}

/// Median milliseconds of building the network, one forward + backward pass, and the report,
/// over `reps` runs, for the configuration in `query`: `[init, pass, report]`.
#[wasm_bindgen]
pub fn bench_pass(query: &str, reps: u32) -> Result<Vec<f64>, JsValue> {
    let (c, _) = Config::from_query(query);
    let (mut ti, mut tp, mut tr) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps.max(1) {
        let t0 = now();
        let mut e = Experiment::new(&c).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let t1 = now();
        let l = e.pass();
        let t2 = now();
        let r = e.report(l);
        let t3 = now();
        std::hint::black_box(&r);
        ti.push(t1 - t0);
        tp.push(t2 - t1);
        tr.push(t3 - t2);
    }
    Ok(vec![median(ti), median(tp), median(tr)])
}

/// Training throughput of the lab's trainer in this thread (as a lab worker runs it: records and
/// evaluations included): the best of `reps` runs of the configuration's `steps`, in steps per second.
#[wasm_bindgen]
pub fn bench_train(query: &str, reps: u32) -> Result<f64, JsValue> {
    // As the lab's worker does: the digits are linked where they are loaded.
    crate::data::load_digits();
    let (c, _) = Config::from_query(query);
    let mut best = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let mut t = crate::compute::lab::Trainer::new(&c).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let t0 = now();
        std::hint::black_box(t.advance(usize::MAX, || true));
        best = best.min(now() - t0);
    }
    Ok(c.steps as f64 / (best / 1000.0))
}

/// Milliseconds of the Jacobian spectrum of the configuration `query` (`compute::spectrum::run`:
/// the network drawn layer by layer, the f64 tangents of its inputs, the SVDs at the depth
/// points), over `reps` runs, `[best, median]`.
#[wasm_bindgen]
pub fn bench_spectrum(query: &str, reps: u32) -> Vec<f64> {
    let (c, _) = Config::from_query(query);
    let times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = now();
            std::hint::black_box(crate::compute::spectrum::run(&c, |_, _| std::ops::ControlFlow::Continue(())).ok());
            now() - t
        })
        .collect();
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    vec![best, median(times)]
}
