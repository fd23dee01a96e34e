//! Splitting the batch across workers gives the report of the whole batch bit for bit: every
//! pass sums over the same fixed row chunks along the same tree (see `shard`), and a shard is a
//! subtree. So the numbers a student exports do not depend on how many cores their laptop has.

use initviz::analysis::report::Report;
use initviz::compute::experiment::Experiment;
use initviz::compute::shard::{chunk_count, shard_count, Merge, Shard, ShardPart};
use initviz::spec::config::Config;

/// Each shard computed as a worker computes it, its part as the worker sends it.
fn shards(c: &Config, count: usize) -> Vec<(Experiment, ShardPart)> {
    (0..count)
        .map(|index| {
            let mut e = Experiment::new_shard(c, Shard { index, count }).unwrap();
            let loss = e.pass();
            let part = e.shard_part(loss);
            (e, part)
        })
        .collect()
}

/// The page's merge (`shard::Merge`, which `web::workers::pool` runs) over the shards' replies, step by step
/// in the page's order.
fn merge(c: &Config, shards: Vec<(Experiment, ShardPart)>) -> Report {
    let count = shards.len();
    let mut m = Merge::new(*c, count);
    for (index, (_, part)) in shards.iter().enumerate() {
        assert_eq!(m.add_part(index, part.clone()), Ok(index + 1 == count));
    }
    for l in 0..c.depth {
        let more = m.sum_grad(shards.iter().map(|(e, _)| e.partial_grads()[l].to_vec()).collect()).unwrap();
        assert_eq!(more, l + 1 < c.depth);
    }
    while m.bin_grad().unwrap() {}
    let ranges = m.ranges().unwrap();
    for (index, (e, _)) in shards.iter().enumerate() {
        assert!(!m.ready());
        m.add_hists(index, e.shard_hists(ranges)).unwrap();
    }
    m.assemble().unwrap()
}

/// A report's layers and theory (not the seed band, which only a whole run computes) as bytes,
/// so equal means bit for bit.
fn bits(r: &Report) -> Vec<u8> {
    postcard::to_allocvec(&(&r.layers, &r.theory.prediction, &r.theory.disagreement)).unwrap()
}

fn split(c: &Config, count: usize) -> Report {
    merge(c, shards(c, count))
}

#[test]
fn split_reports_equal_the_whole_bit_for_bit() {
    for q in [
        "depth=6&width=64&batch=100&act=tanh",
        "depth=5&width=40&batch=77&act=relu&init=he_normal&input=moons",
        "depth=4&width=32&batch=64&act=sigmoid&init=constant&scale=0.5&bias=same",
        "depth=8&width=50&batch=256&init=normal&scale=1&act=tanh",
        "depth=3&width=48&batch=300&init=xavier_uniform&act=gelu&input=spiral&seed=9",
        // The page trapped on this one: the theory asked the page (which holds no digits) for E[x²].
        "input=digits&depth=4&width=64&batch=128",
        // Batch ≤ width/4 with Gaussian input: the ∂L/∂W line is drawn, so the shards' merged
        // ∂L/∂a cross moment (its coherent part) is in the compared bits.
        "depth=3&width=256&batch=64&act=relu&init=he_normal",
        // Layer and RMS norm are per sample: their statistics, and z's moments before them
        // (merged along the chunk tree), are each shard's own rows'.
        "depth=4&width=48&batch=256&act=tanh&norm=layer",
        "depth=3&width=40&batch=128&act=relu&init=he_normal&norm=rms&input=moons",
        "depth=3&width=32&batch=100&act=gelu&norm=layer&bias=normal:0.3",
    ] {
        let (c, _) = Config::from_query(q);
        let whole = {
            let mut e = Experiment::new(&c).unwrap();
            let l = e.pass();
            e.report(l)
        };
        let mut count = 2;
        while count <= chunk_count(c.batch) {
            let s = split(&c, count);
            assert_eq!(s.loss.to_bits(), whole.loss.to_bits(), "{q} ×{count}: loss");
            // The same bytes serialized: every f64 and histogram the same bits (NaN included,
            // where a prediction is not drawn; PartialEq would call NaN unequal to itself).
            assert!(bits(&s) == bits(&whole), "{q} ×{count}: {:?}", s.layers);
            assert_eq!(s.verdict, whole.verdict, "{q} ×{count}: {:?} vs {:?}", s.verdict, whole.verdict);
            count *= 2;
        }
        assert!(chunk_count(c.batch) >= 2, "{q}: the case must split");
        if initviz::analysis::theory::grad_theory_holds(&c.theory_setup()) {
            assert!(whole.layers.iter().all(|l| l.pred_grad_std.is_finite()), "{q}: ∂L/∂W's line must be drawn");
        }
    }
}

/// The page picks the shard count from the worker count: 1–8 workers, the same report.
#[test]
fn every_worker_count_gives_the_same_bits() {
    let (c, _) = Config::from_query("depth=4&width=64&batch=256&act=tanh&seed=9");
    let reports: Vec<Report> = (1..=8).map(|workers| split(&c, shard_count(c.batch, workers))).collect();
    for (w, r) in reports.iter().enumerate() {
        assert_eq!(bits(r), bits(&reports[0]), "{} workers", w + 1);
    }
    assert_eq!([1, 2, 3, 4, 8].map(|w| shard_count(256, w)), [1, 2, 2, 4, 8]);
    assert_eq!(shard_count(100, 8), 2);
    assert_eq!(shard_count(31, 4), 1);
}

#[test]
fn shards_cover_the_batch_once() {
    for batch in [1usize, 7, 64, 100, 4096] {
        let k = chunk_count(batch);
        assert!(k.is_power_of_two() && k <= 8 && (k == 1 || batch / k >= 32), "batch {batch}: {k} chunks");
        let mut count = 1;
        while count <= k {
            let rows: Vec<_> = (0..count).map(|index| Shard { index, count }.rows(batch)).collect();
            assert_eq!(rows[0].start, 0);
            assert_eq!(rows[count - 1].end, batch);
            for (index, w) in rows.windows(2).enumerate() {
                assert_eq!(w[0].end, w[1].start);
                // Each shard's chunks tile its rows.
                let chunks = Shard { index, count }.local_chunks(batch);
                assert_eq!(chunks.last().unwrap().end, w[0].len());
            }
            count *= 2;
        }
        assert!(!Shard { index: 0, count: 3 }.fits(batch));
    }
}

/// The theory's input prior is what the shards measured on their rows, not something recomputed
/// from the configuration where the data may not be: E[x²] of the digits' batch, computed here
/// directly from the batch, gives layer 1's predicted std √(σ_w²·E[x²] + σ_b²); and a part that
/// says its rows have 4× the second moment moves the prediction by exactly 2×.
#[test]
fn the_theory_reads_the_input_moments_the_shards_measured() {
    let (c, _) = Config::from_query("input=digits&depth=3&width=64&batch=128&init=he_normal&act=relu");
    let (batch, _, _) = initviz::compute::batch::make_batch(&c);
    let ms = batch.x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / batch.x.len() as f64;
    // He normal, fan_in = 64 pixels: σ_w² = 2, no bias.
    let want = (2.0 * ms).sqrt();
    let parts = shards(&c, 2);
    let r = merge(&c, parts);
    let got = r.layers[0].pred_preact_std;
    assert!((got / want - 1.0).abs() < 1e-9, "layer 1: predicted {got}, σ_w²·E[x²] gives {want}");

    let mut parts = shards(&c, 2);
    for (_, p) in &mut parts {
        p.input.sum_sq *= 4.0;
    }
    let scaled = merge(&c, parts).layers[0].pred_preact_std;
    assert!((scaled / got - 2.0).abs() < 1e-9, "4× E[x²] gave {scaled} against {got}");
}

/// A reply for a shard the request does not have is refused, not indexed past the end.
#[test]
fn a_merge_refuses_replies_it_did_not_ask_for() {
    let (c, _) = Config::from_query("depth=2&width=32&batch=64");
    let mut parts = shards(&c, 2);
    let mut m = Merge::new(c, 2);
    assert!(m.add_part(2, parts[0].1.clone()).is_err());
    assert!(m.sum_grad(vec![vec![0.0; 4]]).is_err(), "one shard's ∂L/∂W for a two-shard request");
    assert!(m.bin_grad().is_err(), "binned before summed");
    let (_, p) = parts.pop().unwrap();
    assert_eq!(m.add_part(1, p), Ok(false));
    assert!(m.clone().assemble().is_err(), "assembled before every part is in");
}

/// Batch norm's μ_B and σ²_B are the whole batch's, so a network with it is never split
/// (`experiment::couples_samples`, which the page's pool asks): split anyway, its shards would
/// normalise by their own rows' statistics and give other numbers. Layer and RMS norm's are each
/// sample's, so they may be split.
#[test]
fn batch_norm_stays_whole_and_per_sample_norms_may_split() {
    use initviz::compute::experiment::couples_samples;
    let q = "depth=3&width=32&batch=128&act=tanh";
    let of = |norm: &str| Config::from_query(&format!("{q}&norm={norm}")).0;
    assert!(couples_samples(&of("batch")));
    assert!(!couples_samples(&of("layer")) && !couples_samples(&of("rms")) && !couples_samples(&of("none")));
    let bn = of("batch");
    let whole = {
        let mut e = Experiment::new(&bn).unwrap();
        let l = e.pass();
        e.report(l)
    };
    assert!(bits(&split(&bn, 2)) != bits(&whole), "batch norm split by rows gave the whole batch's numbers");
}
