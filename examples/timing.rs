//! Quick native timing of the pieces of one configuration (not a benchmark: see benches/).
use initviz::compute::experiment::Experiment;
use initviz::math::linalg::matmul;
use initviz::spec::config::Config;
use std::time::Instant;

fn main() {
    let q = std::env::args().nth(1).unwrap_or_else(|| "depth=10&width=256&batch=256".into());
    let (c, _) = Config::from_query(&q);
    if c.is_lean() {
        let t = Instant::now();
        let r = initviz::compute::experiment::run(&c).unwrap();
        println!("{q}: layer by layer ({} MiB) in {:?}, loss {}", c.bytes() >> 20, t.elapsed(), r.loss);
        return;
    }
    let t = Instant::now();
    let mut e = Experiment::new(&c).unwrap();
    let t_new = t.elapsed();
    let t = Instant::now();
    let l = e.pass();
    let t_pass = t.elapsed();
    let t = Instant::now();
    let r = e.report(l);
    let t_rep = t.elapsed();
    println!("{q}: init {t_new:?}, pass {t_pass:?}, report {t_rep:?} ({} layers)", r.layers.len());
    for n in [256usize, 512] {
        let a = vec![0.5f32; n * n];
        let b = vec![0.25f32; n * n];
        let mut cm = vec![0f32; n * n];
        let reps = 10;
        let t = Instant::now();
        for _ in 0..reps {
            matmul(&a, &b, &mut cm, n, n, n);
        }
        let s = t.elapsed().as_secs_f64() / reps as f64;
        println!("matmul {n}: {:.2} ms, {:.1} GFLOP/s", s * 1e3, 2.0 * (n * n * n) as f64 / s / 1e9);
    }
}
