//! What layer and RMS norm do to a network at initialization, against their definitions (Ba,
//! Kiros & Hinton 2016; Zhang & Sennrich 2019), not against this code's output: after a layer
//! norm at γ = 1, β = 0 every sample's units have mean 0 and variance σ²/(σ² + ε) (1 within 1e-4
//! where σ² ≫ ε = 1e-5); after an RMS norm every sample's mean square is m/(m + ε) (1 within 1e-4
//! where m ≫ ε = 1e-6). Batch norm's statement is per unit over the batch instead.

use initviz::nn::block::{Block, NormKind};
use initviz::nn::network::{Mlp, Workspace};
use initviz::spec::config::Config;

/// The network, its batch and a forward pass of `q`.
fn forward(q: &str) -> (Config, Mlp, Workspace) {
    let (c, mlp, _, ws) = forward_with_input(q);
    (c, mlp, ws)
}

fn forward_with_input(q: &str) -> (Config, Mlp, Vec<f32>, Workspace) {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let mlp = initviz::compute::experiment::build_network(&c);
    let (batch, _, _) = initviz::compute::batch::make_batch(&c);
    let mut ws = Workspace::new(&mlp, c.batch);
    mlp.forward(&batch.x, &mut ws);
    (c, mlp, batch.x, ws)
}

/// Hidden layer `l`'s z = a·W + b before its norm, computed here in f64 from the layer's input
/// (the batch, or the activation of layer l − 1) and its weights.
fn raw_z(mlp: &Mlp, x: &[f32], ws: &Workspace, l: usize) -> Vec<f64> {
    let d = mlp.dense(l).unwrap();
    let input = if l == 0 { x } else { ws.act(l - 1) };
    input
        .chunks_exact(d.fan_in)
        .flat_map(|a| {
            (0..d.fan_out)
                .map(move |j| f64::from(d.b[j]) + (0..d.fan_in).map(|i| f64::from(a[i]) * f64::from(d.w[i * d.fan_out + j])).sum::<f64>())
        })
        .collect()
}

/// Mean and biased variance of `xs`, in f64.
fn mean_var(xs: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = xs.clone().count() as f64;
    let mean = xs.clone().sum::<f64>() / n;
    (mean, xs.map(|x| (x - mean).powi(2)).sum::<f64>() / n)
}

/// Each sample's units after the norm: mean 0 and variance σ²/(σ² + ε) of that sample's own z
/// (within 1e-4, f32's rounding), which is 1 within 1e-3 at these scales.
#[test]
fn after_layer_norm_every_sample_has_mean_0_and_variance_1() {
    // Scales from vanishing (0.05 with tanh: σ² of z far below 1, still ≫ ε) to exploding.
    for q in ["init=normal&scale=0.05&act=tanh", "init=he_normal&act=relu", "init=normal&scale=1&act=tanh&bias=normal:0.3"] {
        let (c, mlp, x, ws) = forward_with_input(&format!("depth=6&width=64&batch=32&norm=layer&{q}"));
        for l in 0..c.depth {
            let z = raw_z(&mlp, &x, &ws, l);
            for (s, (row, zrow)) in ws.pre(l).chunks_exact(c.width).zip(z.chunks_exact(c.width)).enumerate() {
                let (mean, var) = mean_var(row.iter().map(|&v| f64::from(v)));
                let (_, sz) = mean_var(zrow.iter().copied());
                let want = sz / (sz + 1e-5);
                assert!(mean.abs() < 1e-4, "{q}: layer {l} sample {s}: mean {mean}");
                assert!(
                    (var - want).abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
                    "{q}: layer {l} sample {s}: variance {var}, σ²/(σ² + ε) = {want}"
                );
            }
        }
    }
}

/// Each sample's mean square after the norm: m/(m + ε) of that sample's own z, 1 within 1e-3.
#[test]
fn after_rms_norm_every_sample_has_mean_square_1() {
    for q in ["init=normal&scale=0.05&act=tanh", "init=he_normal&act=relu&bias=0.5"] {
        let (c, mlp, x, ws) = forward_with_input(&format!("depth=6&width=64&batch=32&norm=rms&{q}"));
        for l in 0..c.depth {
            let z = raw_z(&mlp, &x, &ws, l);
            for (s, (row, zrow)) in ws.pre(l).chunks_exact(c.width).zip(z.chunks_exact(c.width)).enumerate() {
                let ms = row.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / c.width as f64;
                let m = zrow.iter().map(|v| v * v).sum::<f64>() / c.width as f64;
                let want = m / (m + 1e-6);
                assert!(
                    (ms - want).abs() < 1e-4 && (ms - 1.0).abs() < 1e-3,
                    "{q}: layer {l} sample {s}: mean square {ms}, m/(m + ε) = {want}"
                );
            }
        }
    }
    // RMS norm keeps a sample's mean (no centering): after ReLU with a constant bias every z of a
    // layer above the first is positive on average, and so is its output.
    let (_, _, ws) = forward("depth=3&width=64&batch=32&norm=rms&init=he_normal&act=relu&bias=0.5");
    let (mean, _) = mean_var(ws.pre(2).iter().map(|&v| f64::from(v)));
    assert!(mean > 0.3, "mean {mean} of an RMS-normalised layer of positive inputs");
}

/// Where σ² is not ≫ ε the output's variance is σ²/(σ² + ε) < 1: with weights of std 1e-4 on
/// 64 units of N(0, 1) input, σ² of z is about 64·1e-8 = 6.4e-7, against ε = 1e-5 for layer norm.
/// The raw moments the pass measured give σ² of z; each sample's own σ² differs from it, so the
/// check is on the batch's average against the formula at the batch's σ², within 20%.
#[test]
fn epsilon_shows_where_the_variance_is_small() {
    let (c, _, ws) = forward("depth=1&width=64&batch=64&norm=layer&init=normal&scale=0.0001&act=tanh");
    let raw = ws.raw_pre(0).expect("z's moments before the norm");
    let want = raw.std.powi(2) / (raw.std.powi(2) + 1e-5);
    let got: f64 = ws.pre(0).chunks_exact(c.width).map(|r| mean_var(r.iter().map(|&v| f64::from(v))).1).sum::<f64>() / c.batch as f64;
    assert!(want < 0.2 && (got / want - 1.0).abs() < 0.2, "variance {got}, σ²/(σ² + ε) = {want}");
}

/// RMS norm has γ and no β: its parameter walk (what the optimizers and the export see) yields
/// `weight` only, one per unit; layer norm's yields `weight` and `bias`.
#[test]
fn rms_norm_has_a_scale_and_no_shift() {
    let (_, mlp, _) = forward("depth=2&width=16&batch=8&norm=rms");
    let norms: Vec<_> = mlp.blocks.iter().filter(|b| matches!(b, Block::Norm(_))).collect();
    assert_eq!(norms.len(), 2);
    for b in &norms {
        let names: Vec<&str> = b.params().iter().map(|p| p.name).collect();
        assert_eq!(names, ["weight"]);
        assert_eq!(b.grad_sizes(16), [16]);
    }
    let (_, ln, _) = forward("depth=2&width=16&batch=8&norm=layer");
    let b = ln.blocks.iter().find(|b| matches!(b, Block::Norm(n) if n.kind == NormKind::Layer)).unwrap();
    assert_eq!(b.params().iter().map(|p| p.name).collect::<Vec<_>>(), ["weight", "bias"]);
}

/// Layer and RMS norm work on a batch of one (batch norm would zero every value: the verdict's
/// `bn_single_sample`), and the verdict does not say otherwise.
#[test]
fn a_batch_of_one_is_fine_per_sample() {
    for norm in ["layer", "rms"] {
        let (c, _) = Config::from_query(&format!("depth=4&width=32&batch=1&norm={norm}&act=tanh"));
        let r = initviz::compute::experiment::run(&c).unwrap();
        assert!(r.verdict.findings.iter().all(|f| f.tag != "bn_single_sample"), "{norm}: {:?}", r.verdict);
        // Layer norm: the one sample's units have (biased) variance 1, which is the layer's σ.
        if norm == "layer" {
            let stds: Vec<f64> = r.layers.iter().map(|l| l.preact.std).collect();
            assert!(stds.iter().all(|s| (s - 1.0).abs() < 1e-3), "{stds:?}");
        }
    }
}
