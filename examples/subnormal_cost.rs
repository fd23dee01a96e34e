//! What subnormal floats cost: the same 64 × 256 network (batch 256) with tanh and N(0, 0.01²),
//! whose activations fall below f32's smallest normal (1.2e-38) past layer ~40, against Xavier.
//! `cargo run --release --example subnormal_cost`
use initviz::compute::experiment::Experiment;
use initviz::spec::config::Config;
use std::time::Instant;

fn main() {
    for q in ["depth=64&width=256&batch=256&act=tanh&init=normal&scale=0.01", "depth=64&width=256&batch=256&act=tanh&init=xavier_normal"] {
        let (c, _) = Config::from_query(q);
        let best = (0..3)
            .map(|_| {
                let mut e = Experiment::new(&c).expect("within budget");
                let t = Instant::now();
                let l = e.pass();
                std::hint::black_box(e.report(l));
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::INFINITY, f64::min);
        let e = {
            let mut e = Experiment::new(&c).expect("within budget");
            e.pass();
            e
        };
        let acts = || (0..=e.mlp.depth()).flat_map(|l| e.ws.act(l));
        let sub = acts().filter(|v| v.is_subnormal()).count();
        let total = acts().count();
        println!("{q}: pass + statistics {best:.0} ms, {sub} of {total} activations subnormal");
    }
}
