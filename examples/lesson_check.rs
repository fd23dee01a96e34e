//! Trains each query given and prints its summary (to check what a training lesson shows).
fn main() {
    for q in std::env::args().skip(1) {
        let (c, notes) = initviz::spec::config::Config::from_query(&q);
        assert!(notes.is_empty(), "{notes:?}");
        for run in c.compare.runs(&c) {
            let mut t = initviz::compute::lab::Trainer::new(&run).expect("within budget");
            t.advance(usize::MAX, || true);
            let s = initviz::compute::lab::summarize(&t.history, t.diverged.is_some());
            println!("{} {:?} {:?}", run.init, s, t.diverged);
        }
    }
}
