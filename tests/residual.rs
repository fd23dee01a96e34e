//! Residual networks at initialization against the formulas (issue 21): the stream's variance
//! q_{l+1} = q_l + α²·V_F(q_l) worked out by hand here for linear and ReLU branches (closed
//! forms, not the code's quadrature), GPT-2's 1/√N, the identity blocks of zero init and ReZero,
//! pre-LN's linear growth and post-LN's unit variance.

use initviz::compute::batch::make_batch;
use initviz::math::linalg::matmul;
use initviz::math::stats::Moments;
use initviz::nn::block::Block;
use initviz::nn::network::{Mlp, Workspace};
use initviz::spec::config::Config;

/// The network of query `q`, after a forward and a backward pass on its batch.
fn run(q: &str) -> (Config, Mlp, Workspace, Vec<f32>) {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{q}: {notes:?}");
    let mlp = Mlp::new(c.shape(), c.act, &c.init_spec(), c.norm, u64::from(c.seed));
    let (batch, loss, targets) = make_batch(&c);
    let mut ws = Workspace::new(&mlp, c.batch);
    let y = mlp.forward(&batch.x, &mut ws).to_vec();
    let mut dy = vec![0f32; y.len()];
    loss.eval(&y, &targets, mlp.output_dim(), &mut dy).expect("a finite loss");
    mlp.backward(&batch.x, &dy, &mut ws);
    (c, mlp, ws, batch.x)
}

/// The measured E[x²] of the stream after each block.
fn stream_ms(ws: &Workspace, depth: usize) -> Vec<f64> {
    (0..depth)
        .map(|l| {
            let m = Moments::of(ws.stream(l).expect("a residual network has a stream"));
            m.std * m.std + m.mean * m.mean
        })
        .collect()
}

/// Linear branches, Xavier (σ_w² = 1 for square layers, the stem's fan-in the input's width):
/// q₀ = 1 and each block adds f²·q in expectation over the weights (F = x·W₁·W₂, W₂'s std times
/// f): E[q_{l+1} | x_l] = (1 + f²)·q_l, so q_l = (1 + f²)^l: 2^l with α = 1, (1 + 1/N)^l with
/// GPT-2's f = 1/√N.
///
/// - Every block's factor q_{l+1}/q_l, averaged over the 50 blocks, is within 1% of 1 + f².
/// - With GPT-2's scaling, E[x²] at block 50 is within 5% of (1 + 1/50)^50.
/// - With α = 1 one draw's q₅₀ is a product of 50 random factors: across seeds 1–8 at width 512
///   it ranged ×0.91 to ×1.24 of 2⁵⁰ (mean ×1.05), so the 5% bound is held by the seeds' mean.
#[test]
fn linear_branches_follow_the_recursion_within_5_percent() {
    for (res, f2) in [("none", 1.0), ("gpt2", 1.0 / 50.0)] {
        let mut finals = Vec::new();
        for seed in 1..=8 {
            let q = format!("arch=residual&res={res}&act=linear&init=xavier_normal&depth=50&width=512&batch=128&seed={seed}");
            let (c, _, ws, _) = run(&q);
            let ms = stream_ms(&ws, c.depth);
            let factors: f64 = ms.windows(2).map(|w| w[1] / w[0]).sum::<f64>() / (ms.len() - 1) as f64;
            assert!((factors / (1.0 + f2) - 1.0).abs() < 0.01, "{q}: the blocks' mean factor {factors}, the recursion's {}", 1.0 + f2);
            let ratio = ms[49] / (1.0f64 + f2).powi(50);
            if res == "gpt2" {
                assert!((ratio - 1.0).abs() < 0.05, "{q}: E[x²] at block 50 is {ratio} of the recursion's");
            }
            finals.push(ratio);
        }
        let mean = finals.iter().sum::<f64>() / finals.len() as f64;
        assert!((mean - 1.0).abs() < 0.05, "{res}: E[x²] at block 50 is on average {mean} of the recursion's ({finals:?})");
    }
}

/// One-layer ReLU branches F = relu(x·W + b), He: with h = σ_w²·f²·E[x²] the pre-activation's
/// variance, E[F] = √(h/2π) and E[F²] = h/2, so the stream's mean and mean square follow
/// m ← m + √(h/2π), q ← q + h/2 + 2·m·√(h/2π) (x and F independent given the mean). Without the
/// branch's mean, GPT-2's f² = 1/N would give (1 + 1/N)^l (e at the last block); the mean's cross
/// term makes it grow far more. With α = 1 the stream more than doubles every block.
///
/// - Each block's step from the measured (m, q) before it, averaged over the blocks, is within 2%
///   of the measured q after it.
/// - With GPT-2's scaling the whole recursion from q₀ = 2 is within 10% at blocks 10, 20, … 50.
///   (With α = 1 one draw is a product of 50 random factors, as in the linear case.)
#[test]
fn relu_branches_follow_the_recursion_with_and_without_gpt2() {
    let step = |m: f64, q: f64, f2: f64| {
        let h = 2.0 * f2 * q;
        let mean_f = (h / (2.0 * std::f64::consts::PI)).sqrt();
        (m + mean_f, q + h / 2.0 + 2.0 * m * mean_f)
    };
    for (res, f2) in [("gpt2", 1.0 / 50.0), ("none", 1.0)] {
        let q = format!("arch=residual&branch=1&res={res}&act=relu&init=he_normal&depth=50&width=512&batch=128&seed=5");
        let (c, _, ws, _) = run(&q);
        let moments: Vec<Moments> = (0..c.depth).map(|l| Moments::of(ws.stream(l).unwrap())).collect();
        let ms: Vec<f64> = moments.iter().map(|m| m.std * m.std + m.mean * m.mean).collect();
        let ratios: Vec<f64> = (1..c.depth).map(|l| ms[l] / step(moments[l - 1].mean, ms[l - 1], f2).1).collect();
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "{q}: measured over one step of the recursion, on average {mean}");
        if res == "gpt2" {
            let (mut m, mut qq) = (0.0, 2.0);
            for (l, &measured) in ms.iter().enumerate() {
                (m, qq) = step(m, qq, f2);
                if l % 10 == 9 {
                    assert!((measured / qq - 1.0).abs() < 0.1, "{q}: block {}: E[x²] {measured}, the recursion {qq}", l + 1);
                }
            }
            assert!(ms[49] > 10.0 * std::f64::consts::E * 2.0, "{q}: {}", ms[49]);
        } else {
            assert!(ms.windows(2).all(|w| w[1] > 2.0 * w[0]), "{q}: the stream more than doubles every block");
        }
    }
}

/// Zero init and ReZero: every block is the identity, so the stream after every block is the
/// stem's output bit for bit, and the gradient reaches the stem unchanged: its ∂L/∂W is xᵀ·g with
/// g = ∂L/∂y·W_outᵀ, the readout's input gradient.
#[test]
fn zero_and_rezero_blocks_are_the_identity() {
    for res in ["zero", "rezero"] {
        let q = format!("arch=residual&res={res}&act=tanh&depth=12&width=64&batch=32&seed=2");
        let (c, mlp, ws, x) = run(&q);
        let stem = mlp.dense(0).unwrap();
        let mut z0 = vec![0f32; c.batch * c.width];
        stem.affine(&x, &mut z0, c.batch);
        for l in 0..c.depth {
            assert!(ws.stream(l).unwrap() == z0.as_slice(), "{q}: block {} changed the stream", l + 1);
        }
        // g = ∂L/∂y · W_outᵀ (f64), then ∂L/∂W_stem = xᵀ·g.
        let out = mlp.denses().last().unwrap();
        let (batch, (w, o), n_in) = (c.batch, (c.width, out.fan_out), stem.fan_in);
        let (_, loss, targets) = make_batch(&c);
        let mut y = vec![0f32; batch * o];
        matmul(&z0, &out.w, &mut y, batch, w, o);
        y.chunks_exact_mut(o).for_each(|r| r.iter_mut().zip(&out.b).for_each(|(v, b)| *v += b));
        let mut dy = vec![0f32; y.len()];
        loss.eval(&y, &targets, o, &mut dy).expect("a finite loss");
        let g: Vec<f64> = (0..batch * w)
            .map(|k| {
                let (s, i) = (k / w, k % w);
                (0..o).map(|j| f64::from(dy[s * o + j]) * f64::from(out.w[i * o + j])).sum()
            })
            .collect();
        let dw = ws.dw(0);
        let scale = dw.iter().map(|v| v.abs()).fold(0f32, f32::max) as f64;
        assert!(scale > 0.0, "{q}: the stem has no gradient");
        for i in 0..n_in {
            for j in 0..w {
                let want: f64 = (0..batch).map(|s| f64::from(x[s * n_in + i]) * g[s * w + j]).sum();
                assert!(
                    (f64::from(dw[i * w + j]) - want).abs() < 1e-5 * scale,
                    "{q}: ∂L/∂W_stem[{i},{j}] {} against {want}",
                    dw[i * w + j]
                );
            }
        }
    }
}

/// Pre-LN: every branch sees a unit-variance input, so each adds the same variance and the
/// stream's grows linearly: with He and ReLU, h = 2, E[a²] = 1, V_F = 2·1 = 2, q₀ = 2, so
/// q_l = 2 + 2·l. Post-LN: the stream is normalised after every block, variance 1 (to its ε).
#[test]
fn pre_ln_grows_linearly_and_post_ln_stays_at_one() {
    let q = "arch=residual&norm=layer&norm_pos=pre&act=relu&init=he_normal&depth=40&width=256&batch=64&seed=4";
    let (c, _, ws, _) = run(q);
    let ms = stream_ms(&ws, c.depth);
    for (l, &m) in ms.iter().enumerate() {
        let want = 2.0 + 2.0 * (l + 1) as f64;
        assert!((m / want - 1.0).abs() < 0.1, "{q}: block {}: E[x²] {m}, linear growth says {want}", l + 1);
    }
    for kind in ["layer", "rms"] {
        let q = format!("arch=residual&norm={kind}&norm_pos=post&act=relu&init=he_normal&depth=40&width=256&batch=64&seed=4");
        let (c, _, ws, _) = run(&q);
        for (l, m) in stream_ms(&ws, c.depth).into_iter().enumerate() {
            assert!((m - 1.0).abs() < 1e-3, "{q}: block {}: E[x²] {m}", l + 1);
        }
    }
}

/// The blocks a residual plan lists: a stem, then per block Fork, (pre-norm), Dense, Act,
/// (Dense), Merge, (post-norm), then the readout.
#[test]
fn a_residual_plan_is_stem_blocks_readout() {
    let (c, _) = Config::from_query("arch=residual&depth=3&width=8&norm=layer&norm_pos=post&branch=1");
    let plan = Mlp::plan(c.shape(), c.act, c.norm);
    let kinds: String = plan
        .blocks
        .iter()
        .map(|b| match b {
            Block::Dense(_) => 'D',
            Block::Norm(_) => 'N',
            Block::Act(_) => 'A',
            Block::Fork => '(',
            Block::Merge(_) => ')',
        })
        .collect();
    assert_eq!(kinds, "D(DA)N(DA)N(DA)ND");
    assert_eq!(plan.depth(), 3);
}

/// Fixup (Zhang et al. 2019): each branch's last layer and the readout are zero, so at
/// initialization every block is the identity, the output is 0, and the only nonzero gradient is
/// the readout's (∂L/∂W_out = xᵀ·∂L/∂y, x the stem's output; every other gradient passes through
/// W_out = 0). The branch's first layer is drawn as He's times N^(−1/2) (m = 2): its std
/// √(2/n)/√N, within 5% at width 256.
#[test]
fn fixup_starts_as_the_identity_with_only_the_readout_learning() {
    let q = "arch=residual&res=fixup&act=relu&init=he_normal&depth=16&width=256&batch=32&seed=3";
    let (c, mlp, ws, x) = run(q);
    let stem = mlp.dense(0).unwrap();
    let mut z0 = vec![0f32; c.batch * c.width];
    stem.affine(&x, &mut z0, c.batch);
    for l in 0..c.depth {
        assert!(ws.stream(l).unwrap() == z0.as_slice(), "{q}: block {} changed the stream", l + 1);
    }
    let first = Moments::of(&mlp.dense(1).unwrap().w).std;
    let want = (2.0 / 256.0f64).sqrt() / 16f64.sqrt();
    assert!((first / want - 1.0).abs() < 0.05, "{q}: the branch's first layer std {first}, Fixup's {want}");
    let n = mlp.denses().count();
    assert!(mlp.dense(n - 1).unwrap().w.iter().all(|&w| w == 0.0), "{q}: the readout is zero");
    for j in 0..n - 1 {
        assert!(ws.dw(j).iter().all(|&g| g == 0.0), "{q}: layer {j} has a gradient through a zero readout");
    }
    assert!(ws.dw(n - 1).iter().any(|&g| g != 0.0), "{q}: the readout has no gradient");
}

/// DeepNorm without a norm, linear branches, LeCun (σ_w² = 1): y = a·x + W₂·W₁·x with a = (2N)^(1/4)
/// and both W's std times β = (8N)^(−1/4), so E[q_{l+1}] = (a² + β⁴)·q_l = (√(2N) + 1/(8N))·q_l
/// (Wang et al. 2022's constants). With the post-norm (layer norm) the stream's E[x²] is 1 after
/// every block.
#[test]
fn deepnorm_weights_the_skip_and_the_post_norm_resets_it() {
    let n = 6.0f64;
    let want = (2.0 * n).sqrt() + 1.0 / (8.0 * n);
    let q = "arch=residual&res=deepnorm&act=linear&init=lecun_normal&depth=6&width=512&batch=128&seed=5";
    let (c, _, ws, _) = run(q);
    let ms = stream_ms(&ws, c.depth);
    for (l, w) in ms.windows(2).enumerate() {
        let factor = w[1] / w[0];
        assert!((factor / want - 1.0).abs() < 0.01, "{q}: block {}: ×{factor}, DeepNorm's a² + β⁴ = {want}", l + 2);
    }
    // norm_pos=pre is overruled: DeepNorm is post-norm.
    let q = "arch=residual&res=deepnorm&norm=layer&norm_pos=pre&act=relu&init=he_normal&depth=12&width=256&batch=64&seed=5";
    let (c, _, ws, _) = run(q);
    for (l, m) in stream_ms(&ws, c.depth).into_iter().enumerate() {
        assert!((m - 1.0).abs() < 1e-3, "{q}: block {}: E[x²] {m}", l + 1);
    }
}

/// The verdict speaks of blocks and of what moves first: with Fixup every gradient but the
/// readout's is 0 (shown above), with zero init the branches' first layers only, and a healthy
/// residual network is described by its stream after each block.
#[test]
fn the_verdict_says_what_moves_first_and_counts_blocks() {
    let text = |q: &str| {
        let (c, _) = Config::from_query(q);
        let r = initviz::compute::experiment::run(&c).expect("a report");
        r.verdict.findings.iter().map(|f| format!("{}: {}", f.tag, f.text)).collect::<Vec<_>>().join("\n")
    };
    let fixup = text("arch=residual&res=fixup&act=relu&init=he_normal&depth=8&width=64");
    assert!(fixup.contains("no_hidden_grad: every gradient but the readout's is exactly 0"), "{fixup}");
    let zero = text("arch=residual&res=zero&act=relu&init=he_normal&depth=8&width=64");
    assert!(zero.contains("the first step moves the stem, the readout and each branch's last layer"), "{zero}");
    let plain = text("arch=residual&depth=8&width=64");
    assert!(plain.contains("healthy: the stream's std goes from") && plain.contains("after block 8"), "{plain}");
}
