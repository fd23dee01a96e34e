//! Trains one configuration (the first argument, a query string) to its steps, for profiling:
//! `cargo run --release --example train_profile -- 'mode=train&input=digits&…'`.
fn main() {
    let q = std::env::args().nth(1).unwrap_or_else(|| {
        "mode=train&input=digits&depth=3&width=128&batch=64&init=he_normal&act=relu&opt=adam&lr=0.001&steps=1000".into()
    });
    let (c, _) = initviz::spec::config::Config::from_query(&q);
    let mut t = initviz::compute::lab::Trainer::new(&c).expect("a configuration within the memory budget");
    let p = t.advance(usize::MAX, || true);
    println!("step {} loss {:?}", p.step, t.history.last().map(|e| e.train_loss));
}
