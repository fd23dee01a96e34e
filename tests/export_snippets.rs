//! The "Copy as code" snippets, run: each is executed by `python3` beside recording stand-ins for
//! PyTorch, Keras 3, JAX/Flax and optax (`tests/export/mocks/`), which print what every layer's
//! initializer was asked to draw (its std from the framework's documented formula), which draw
//! it was (a new generator call, a Keras initializer's creation-time seed, a Flax key), and, in
//! training, the weight decay each parameter gets and the optimizer and loss.
//!
//! The page's numbers are written here from the papers' and frameworks' formulas, not asked of
//! `initviz`: Xavier σ = gain·√(2/(fan_in + fan_out)) (Glorot & Bengio 2010), He and LeCun
//! σ = gain/√fan, a uniform U[−ℓ, ℓ] of the same variance ℓ = √3·σ, orthogonal entries
//! gain/√max(fan_in, fan_out), `bias=same` the weights' distribution for that layer's own fans
//! (normal for orthogonal), and L2 decay on the weights only (README, `l2`).
//!
//! The real frameworks are run by `scripts/reference/run.sh`.

use initviz::choice::Choice;
use initviz::export::code::{snippet, Framework};
use initviz::spec::config::Config;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One line of the stand-ins' output: `kind key=value ...`.
#[derive(Debug, Clone)]
struct Record {
    kind: String,
    fields: HashMap<String, String>,
}

impl Record {
    fn get(&self, key: &str) -> &str {
        self.fields.get(key).map_or_else(|| panic!("{self:?} has no {key}"), String::as_str)
    }

    fn num(&self, key: &str) -> f64 {
        self.get(key).parse().unwrap_or_else(|_| panic!("{self:?}: {key} is not a number"))
    }

    fn layer(&self) -> usize {
        self.num("layer") as usize
    }
}

fn mocks() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/export/mocks")
}

/// Writes the snippet to a directory of its own and runs it with the stand-ins first on the path.
fn run(query: &str, framework: Framework) -> Vec<Record> {
    let (c, _) = Config::from_query(query);
    let code = snippet(&c, framework);
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("initviz-export-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // Not named keras.py or jax.py: the script's own folder comes first on Python's path.
    let file = dir.join("snippet.py");
    std::fs::write(&file, &code).expect("write snippet");
    let out = Command::new("python3").arg(&file).env("PYTHONPATH", mocks()).env("PYTHONDONTWRITEBYTECODE", "1").output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.unwrap_or_else(|e| {
        panic!("python3 is needed to run the exported snippets (tests/export_snippets.rs) and could not be started: {e}")
    });
    assert!(
        out.status.success(),
        "{query} ({}): the snippet failed:\n{}\n--- snippet ---\n{code}",
        framework.name(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split(' ');
            let kind = parts.next().unwrap_or_default().to_string();
            let fields = parts.filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Record { kind, fields }
        })
        .collect()
}

/// The distribution and std of one layer's weights on the page.
type Expect = fn(f64, f64) -> (&'static str, f64);

#[derive(Clone, Copy)]
enum Bias {
    Zeros,
    Normal(f64),
    /// Drawn as that layer's weights (an orthogonal vector as a normal of the same std).
    Same,
}

struct Case {
    query: &'static str,
    weights: Expect,
    bias: Bias,
}

const SQRT2: f64 = std::f64::consts::SQRT_2;
/// The std of N(0, 1) cut to [−2, 2] (Keras' `VarianceScaling` correction).
const TRUNC: f64 = 0.879_625_661_034_239_8;

const CASES: &[Case] = &[
    // He: σ = √2/√fan_in (He et al. 2015, eq. 10).
    Case {
        query: "depth=6&width=64&init=he_normal&act=relu&bias=normal:0.05",
        weights: |fi, _| ("normal", SQRT2 / fi.sqrt()),
        bias: Bias::Normal(0.05),
    },
    // The example: layer 1 of digits (64 → 256) at xavier_uniform, bias std 0.0778.
    Case {
        query: "init=xavier_uniform&bias=same&input=digits&width=256&depth=3",
        weights: |fi, fo| ("uniform", (2.0 / (fi + fo)).sqrt()),
        bias: Bias::Same,
    },
    Case {
        query: "init=he_uniform&act=relu&bias=same&depth=3&width=32&fan=fan_out",
        weights: |_, fo| ("uniform", SQRT2 / fo.sqrt()),
        bias: Bias::Same,
    },
    // Truncated at ±2 parent σ with the parent σ/0.8796, so the draws keep σ = 1/√fan_in.
    Case {
        query: "init=lecun_normal&act=selu&trunc=1&bias=same&depth=3&width=32&input=spiral",
        weights: |fi, _| ("truncated", 1.0 / fi.sqrt()),
        bias: Bias::Same,
    },
    // calculate_gain("tanh") = 5/3; orthogonal entries gain/√max(m, n).
    Case {
        query: "init=orthogonal&act=tanh&gain=auto&bias=same&depth=3&width=16",
        weights: |fi, fo| ("orthogonal", 5.0 / 3.0 / fi.max(fo).sqrt()),
        bias: Bias::Same,
    },
    // Keras' TruncatedNormal(stddev=s) is uncorrected: the draws have 0.8796·s.
    Case {
        query: "init=normal&scale=0.05&trunc=1&bias=same&depth=3&width=16",
        weights: |_, _| ("truncated", 0.05 * TRUNC),
        bias: Bias::Same,
    },
    Case { query: "init=uniform&scale=0.1&bias=same&depth=2&width=16", weights: |_, _| ("uniform", 0.1 / 3f64.sqrt()), bias: Bias::Same },
    Case {
        query: "init=he_normal&gain=3&bias=same&depth=2&width=16&fan=fan_avg&input=digits",
        weights: |fi, fo| ("normal", 3.0 / ((fi + fo) / 2.0).sqrt()),
        bias: Bias::Same,
    },
    Case {
        query: "init=xavier_normal&act=tanh&bias=same&depth=2&width=16&trunc=1&input=moons",
        weights: |fi, fo| ("truncated", (2.0 / (fi + fo)).sqrt()),
        bias: Bias::Same,
    },
    Case {
        query: "init=xavier_normal&act=tanh&depth=4&width=32",
        weights: |fi, fo| ("normal", (2.0 / (fi + fo)).sqrt()),
        bias: Bias::Zeros,
    },
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-300)
}

fn params(records: &[Record]) -> Vec<&Record> {
    records.iter().filter(|r| r.kind == "param" && (r.get("role") == "weight" || r.get("role") == "bias")).collect()
}

/// Every dense layer's weights and bias have the page's distribution and std for that layer's fans.
#[test]
fn every_layer_draws_the_pages_distribution_for_its_own_fans() {
    for case in CASES {
        let (c, _) = Config::from_query(case.query);
        let dims = c.shape().layer_dims();
        for f in Framework::ALL {
            let records = run(case.query, f);
            let ps = params(&records);
            assert_eq!(ps.len(), 2 * dims.len(), "{} ({}): one weight and one bias per layer: {ps:?}", case.query, f.name());
            for (l, &(fi, fo)) in dims.iter().enumerate() {
                let (fi, fo) = (fi as f64, fo as f64);
                let (dist, std) = (case.weights)(fi, fo);
                let at = |role: &str| {
                    ps.iter()
                        .find(|r| r.layer() == l + 1 && r.get("role") == role)
                        .unwrap_or_else(|| panic!("{}: layer {} {role}", case.query, l + 1))
                };
                let w = at("weight");
                assert_eq!(w.get("dist"), dist, "{} ({}) layer {} weights", case.query, f.name(), l + 1);
                assert!(close(w.num("std"), std), "{} ({}) layer {} weight std {} want {std}", case.query, f.name(), l + 1, w.get("std"));
                let b = at("bias");
                let (bdist, bstd) = match case.bias {
                    Bias::Zeros => ("constant", 0.0),
                    Bias::Normal(s) => ("normal", s),
                    Bias::Same if dist == "orthogonal" => ("normal", std),
                    Bias::Same => (dist, std),
                };
                assert_eq!(b.get("dist"), bdist, "{} ({}) layer {} bias", case.query, f.name(), l + 1);
                assert!(
                    close(b.num("std"), bstd) || (bstd == 0.0 && b.num("std") == 0.0),
                    "{} ({}) layer {} (fans {fi}, {fo}) bias std {} want {bstd}",
                    case.query,
                    f.name(),
                    l + 1,
                    b.get("std")
                );
            }
        }
    }
}

/// No two parameters share a draw: Keras 3 fixes an unseeded initializer's seed when it is made,
/// so one object passed to every `Dense` gives every layer the same W (and b).
#[test]
fn every_layer_draws_its_own_random_numbers() {
    for case in CASES {
        for f in Framework::ALL {
            let records = run(case.query, f);
            let mut seen = HashSet::new();
            for r in params(&records).into_iter().filter(|r| r.get("dist") != "constant") {
                assert!(
                    seen.insert(r.get("draw").to_string()),
                    "{} ({}): layer {} {} repeats draw {} of an earlier parameter",
                    case.query,
                    f.name(),
                    r.layer(),
                    r.get("role"),
                    r.get("draw")
                );
            }
        }
    }
}

/// Training: L2 decay λ on every dense layer's weights and on nothing else (not the biases, not
/// batch norm's γ, β), coupled (added to the gradient, as PyTorch's `weight_decay`); the page's
/// rule and loss.
#[test]
fn training_decays_the_weights_only_with_the_pages_rule_and_loss() {
    let cases = [
        ("mode=train&input=spiral&depth=3&width=32&init=he_normal&act=relu&bn=1&opt=adam&lr=0.01&l2=0.001", "Adam", 0.01, 0.001, true),
        ("mode=train&depth=2&width=16&opt=momentum&lr=0.05&l2=0.01", "SGD", 0.05, 0.01, false),
        ("mode=train&input=digits&depth=2&width=16&opt=sgd&lr=0.1&l2=0.1&bias=same", "SGD", 0.1, 0.1, true),
    ];
    for (q, opt, lr, l2, classes) in cases {
        let (c, _) = Config::from_query(q);
        let layers = c.depth + 1;
        let momentum = if q.contains("opt=momentum") { 0.9 } else { 0.0 };
        for f in Framework::ALL {
            let records = run(q, f);
            let what = format!("{q} ({})", f.name());
            let decays: Vec<&Record> = records.iter().filter(|r| r.kind == "decay").collect();
            let weights = decays.iter().filter(|r| r.get("role") == "weight").count();
            assert_eq!(weights, layers, "{what}: every dense layer's weights reach the optimizer: {decays:?}");
            for d in &decays {
                let want = if d.get("role") == "weight" { l2 } else { 0.0 };
                assert!(
                    close(d.num("wd"), want) || d.num("wd") == want,
                    "{what}: layer {} {} decays by {} (want {want})",
                    d.layer(),
                    d.get("role"),
                    d.get("wd")
                );
            }
            if c.norm == Some(initviz::nn::block::NormKind::Batch) && f != Framework::Keras {
                assert!(decays.iter().any(|d| d.get("role") == "bn_gamma"), "{what}: batch norm's γ reaches the optimizer");
            }
            let o: Vec<&Record> = records.iter().filter(|r| r.kind == "optimizer").collect();
            assert_eq!(o.len(), 1, "{what}: one optimizer: {o:?}");
            let o = o[0];
            assert_eq!(o.get("name"), opt, "{what}");
            assert!(close(o.num("lr"), lr), "{what}: lr {}", o.get("lr"));
            if opt == "SGD" {
                assert!(o.num("momentum") == momentum, "{what}: momentum {}", o.get("momentum"));
            } else {
                assert!(o.num("beta1") == 0.9 && o.num("beta2") == 0.999 && o.num("eps") == 1e-8, "{what}: Adam's hyper-parameters {o:?}");
            }
            if f == Framework::Keras {
                assert_eq!(o.get("decoupled_weight_decay"), "None", "{what}: Keras' weight_decay is decoupled (AdamW), not the page's L2");
            }
            let code = snippet(&c, f);
            let loss = records.iter().find(|r| r.kind == "loss").map(|r| r.get("name").to_string());
            match (f, classes) {
                (Framework::PyTorch, true) => assert_eq!(loss.as_deref(), Some("CrossEntropyLoss"), "{what}"),
                (Framework::PyTorch, false) => assert_eq!(loss.as_deref(), Some("MSELoss"), "{what}"),
                (Framework::Keras, true) => {
                    assert_eq!(loss.as_deref(), Some("SparseCategoricalCrossentropy"), "{what}");
                    assert!(code.contains("from_logits=True"), "{what}: the network's outputs are logits");
                }
                (Framework::Keras, false) => assert_eq!(loss.as_deref(), Some("MeanSquaredError"), "{what}"),
                (Framework::Jax, true) => assert!(code.contains("optax.softmax_cross_entropy_with_integer_labels(y, t).mean()"), "{what}"),
                (Framework::Jax, false) => assert!(code.contains("jnp.mean((y - t) ** 2)"), "{what}"),
            }
        }
    }
}

/// A residual network's export builds the page's network: a stem, `depth` branches of one or two
/// dense layers, a readout, every one drawn by the initializer for its own fans, and each
/// branch's last layer as the scaling says: GPT-2's std ÷ √N (Radford et al. 2019), zero
/// weights and bias (Goyal et al. 2017), or drawn as usual with a learned α from 0 (ReZero). The
/// last record of a tensor is what it holds (PyTorch initializes, then rescales or zeroes).
#[test]
fn residual_exports_scale_each_branchs_last_layer() {
    for query in [
        "arch=residual&res=gpt2&depth=4&width=16&init=he_normal&act=relu",
        "arch=residual&res=zero&branch=1&depth=3&width=16&init=he_normal&act=relu&bias=normal:0.05",
        "arch=residual&res=rezero&depth=3&width=16&init=he_normal&act=relu&norm=layer&norm_pos=post",
        "arch=residual&res=none&depth=2&width=16&init=he_normal&act=relu&norm=rms&mode=train&l2=0.01",
        "arch=residual&res=fixup&depth=6&width=16&init=he_normal&act=relu",
        "arch=residual&res=deepnorm&depth=12&width=16&init=he_normal&act=relu&norm=layer",
    ] {
        let (c, _) = Config::from_query(query);
        let shape = c.shape();
        let dims = shape.layer_dims();
        for f in Framework::ALL {
            let records = run(query, f);
            let last = |l: usize, role: &str| -> (String, f64) {
                let mut std = None;
                let mut factor = 1.0;
                for r in &records {
                    if r.kind == "param" && r.layer() == l && r.get("role") == role {
                        (std, factor) = (Some((r.get("dist").to_string(), r.num("std"))), 1.0);
                    }
                    if r.kind == "scale" && r.layer() == l && r.get("role") == role {
                        factor *= r.num("factor");
                    }
                }
                let (dist, s) = std.unwrap_or_else(|| panic!("{query} ({}): layer {l} has no {role}", f.name()));
                (dist, s * factor)
            };
            let n = c.depth as f64;
            for (j, &(fi, _)) in dims.iter().enumerate() {
                let he = SQRT2 / (fi as f64).sqrt();
                let ends = shape.ends_branch(j);
                let (readout, stem) = (j + 1 == dims.len(), j == 0);
                // Fixup's N^(−1/(2m−2)) is N^(−1/2) for two layers; DeepNorm's β = (8N)^(−1/4).
                let (want_dist, want) = match (ends, c.res.id()) {
                    (true, "gpt2") => ("normal", he / n.sqrt()),
                    (true, "zero" | "fixup") => ("constant", 0.0),
                    (false, "fixup") if readout => ("constant", 0.0),
                    (false, "fixup") if !stem => ("normal", he / n.sqrt()),
                    (_, "deepnorm") if !stem && !readout => ("normal", he * (8.0 * n).powf(-0.25)),
                    _ => ("normal", he),
                };
                let (dist, std) = last(j + 1, "weight");
                assert_eq!(dist, want_dist, "{query} ({}): layer {} weights", f.name(), j + 1);
                assert!(
                    close(std, want) || (want == 0.0 && std == 0.0),
                    "{query} ({}): layer {} weight std {std}, want {want}",
                    f.name(),
                    j + 1
                );
                if want == 0.0 {
                    assert_eq!(last(j + 1, "bias").0, "constant", "{query} ({}): layer {} bias", f.name(), j + 1);
                }
            }
            let alphas: Vec<&Record> = records.iter().filter(|r| r.kind == "param" && r.get("role") == "alpha").collect();
            let (count, start) = match c.res.id() {
                "rezero" => (c.depth, 0.0),
                "fixup" => (c.depth, 1.0),
                _ => (0, 0.0),
            };
            assert_eq!(alphas.len(), count, "{query} ({}): α per block", f.name());
            for a in alphas {
                assert_eq!(a.num("value"), start, "{query} ({}): α starts at {start}", f.name());
            }
            let denses = records.iter().filter(|r| r.kind == "param" && r.get("role") == "weight").map(Record::layer).max();
            assert_eq!(denses, Some(dims.len()), "{query} ({}): {} dense layers", f.name(), dims.len());
        }
    }
}
