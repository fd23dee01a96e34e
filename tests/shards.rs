//! Splitting the batch across workers gives the report of the whole batch bit for bit: every
//! pass sums over the same fixed row chunks along the same tree (see `shard`), and a shard is a
//! subtree. So the numbers a student exports do not depend on how many cores their laptop has.

use initviz::config::Config;
use initviz::experiment::Experiment;
use initviz::report::Report;
use initviz::shard::{assemble, chunk_count, data_ranges, grad_stats, shard_count, tree_sum, Shard};

fn split(c: &Config, count: usize) -> Report {
    let mut parts = Vec::new();
    let mut exps = Vec::new();
    for index in 0..count {
        let mut e = Experiment::new_shard(c, Shard { index, count }).unwrap();
        let loss = e.pass();
        parts.push(e.shard_part(loss));
        exps.push(e);
    }
    // As the page does: per layer, the shards' ∂L/∂W combined along the tree.
    let grads: Vec<Vec<f32>> = (0..c.depth).map(|l| tree_sum(exps.iter().map(|e| e.partial_grads()[l].to_vec()).collect())).collect();
    let ranges = data_ranges(c, &parts);
    let hists: Vec<_> = exps.iter().map(|e| e.shard_hists(ranges)).collect();
    let slices: Vec<&[f32]> = grads.iter().map(Vec::as_slice).collect();
    assemble(c, &parts, &grad_stats(c, &slices), &hists, None)
}

#[test]
fn split_reports_equal_the_whole_bit_for_bit() {
    for q in [
        "depth=6&width=64&batch=100&act=tanh",
        "depth=5&width=40&batch=77&act=relu&init=he_normal&input=moons",
        "depth=4&width=32&batch=64&act=sigmoid&init=constant&scale=0.5&bias=same",
        "depth=8&width=50&batch=256&init=normal&scale=1&act=tanh",
        "depth=3&width=48&batch=300&init=xavier_uniform&act=gelu&input=spiral&seed=9",
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
            // Report derives PartialEq over every f64 and histogram: equal means the same bits
            // (and NaN nowhere, which would make it unequal to itself).
            assert_eq!(s.loss.to_bits(), whole.loss.to_bits(), "{q} ×{count}: loss");
            assert_eq!(s.layers, whole.layers, "{q} ×{count}");
            assert_eq!(s.verdict, whole.verdict, "{q} ×{count}");
            count *= 2;
        }
        assert!(chunk_count(c.batch) >= 2, "{q}: the case must split");
    }
}

/// The page picks the shard count from the worker count: 1–8 workers, the same report.
#[test]
fn every_worker_count_gives_the_same_bits() {
    let (c, _) = Config::from_query("depth=4&width=64&batch=256&act=tanh&seed=9");
    let reports: Vec<Report> = (1..=8).map(|workers| split(&c, shard_count(c.batch, workers))).collect();
    for (w, r) in reports.iter().enumerate() {
        assert_eq!(r.layers, reports[0].layers, "{} workers", w + 1);
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
