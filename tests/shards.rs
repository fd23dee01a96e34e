//! Splitting the batch across workers gives the report of the whole batch: forward rows are
//! bit-identical, moments merge exactly (to f64 rounding), histogram counts add up, and ∂L/∂W is
//! the sum of the shards' (equal to f32 rounding of the summation order).

use initviz::config::Config;
use initviz::experiment::Experiment;
use initviz::report::Report;
use initviz::shard::{assemble, data_ranges, grad_stats, Shard};

fn split(c: &Config, count: usize) -> Report {
    let mut parts = Vec::new();
    let mut exps = Vec::new();
    for index in 0..count {
        let mut e = Experiment::new_shard(c, Shard { index, count }).unwrap();
        let loss = e.pass();
        parts.push(e.shard_part(loss));
        exps.push(e);
    }
    let depth = c.depth;
    let mut grads: Vec<Vec<f32>> = exps[0].partial_grads().iter().map(|g| g.to_vec()).collect();
    for e in &exps[1..] {
        for (sum, g) in grads.iter_mut().zip(e.partial_grads()) {
            for (s, x) in sum.iter_mut().zip(g) {
                *s += x;
            }
        }
    }
    assert_eq!(grads.len(), depth);
    let ranges = data_ranges(c, &parts);
    let hists: Vec<_> = exps.iter().map(|e| e.shard_hists(ranges)).collect();
    let slices: Vec<&[f32]> = grads.iter().map(Vec::as_slice).collect();
    assemble(c, &parts, &grad_stats(c, &slices), &hists, None)
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-30
}

#[test]
fn split_reports_equal_the_whole() {
    for q in [
        "depth=6&width=64&batch=100&act=tanh",
        "depth=5&width=40&batch=77&act=relu&init=he_normal&input=moons",
        "depth=4&width=32&batch=64&act=sigmoid&init=constant&scale=0.5&bias=same",
        "depth=8&width=50&batch=90&init=normal&scale=1&act=tanh",
    ] {
        let (c, _) = Config::from_query(q);
        let whole = {
            let mut e = Experiment::new(&c).unwrap();
            let l = e.pass();
            e.report(l)
        };
        for count in [2, 3] {
            let s = split(&c, count);
            assert!(close(s.loss, whole.loss, 1e-9), "{q}: loss {} vs {}", s.loss, whole.loss);
            assert_eq!(
                s.verdict.findings.iter().map(|f| &f.tag).collect::<Vec<_>>(),
                whole.verdict.findings.iter().map(|f| &f.tag).collect::<Vec<_>>(),
                "{q}"
            );
            for (a, b) in s.layers.iter().zip(&whole.layers) {
                let tag = format!("{q} ×{count} layer {}", a.layer);
                for (ma, mb) in [(a.weights, b.weights), (a.preact, b.preact), (a.act, b.act), (a.act_grad, b.act_grad)] {
                    assert_eq!(ma.count, mb.count, "{tag}");
                    assert!(close(ma.mean, mb.mean, 1e-9) || (ma.mean - mb.mean).abs() < 1e-12, "{tag}: mean {} vs {}", ma.mean, mb.mean);
                    assert!(close(ma.std, mb.std, 1e-9), "{tag}: std {} vs {}", ma.std, mb.std);
                    assert_eq!((ma.min, ma.max), (mb.min, mb.max), "{tag}");
                }
                // dW summed in another order: equal to f32 rounding.
                assert!(close(a.grad.std, b.grad.std, 1e-5), "{tag}: grad std {} vs {}", a.grad.std, b.grad.std);
                assert!(close(a.grad_norm, b.grad_norm, 1e-5), "{tag}");
                assert_eq!((a.saturated, a.dead, a.distinct), (b.saturated, b.dead, b.distinct), "{tag}");
                for q in 0..3 {
                    assert_eq!(a.hists[q].counts, b.hists[q].counts, "{tag}: histogram {q}");
                }
                assert_eq!(a.hists[3].total(), b.hists[3].total(), "{tag}");
            }
        }
    }
}

#[test]
fn shards_cover_the_batch_once() {
    for batch in [1usize, 7, 64, 4096] {
        for count in 1..=4 {
            let rows: Vec<_> = (0..count).map(|index| Shard { index, count }.rows(batch)).collect();
            assert_eq!(rows[0].start, 0);
            assert_eq!(rows[count - 1].end, batch);
            for w in rows.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
        }
    }
}
