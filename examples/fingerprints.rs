//! Prints the fingerprint of each configuration given as an argument (to refresh
//! tests/common/fingerprints.rs after a deliberate change of the numerics).
use initviz::compute::experiment::Experiment;
use initviz::spec::config::Config;

fn main() {
    for q in std::env::args().skip(1) {
        let (c, _) = Config::from_query(&q);
        match Experiment::new(&c) {
            Ok(mut e) => {
                e.pass();
                println!("(\"{q}\", {:#x}),", e.fingerprint());
            }
            Err(err) => println!("{q}: {err}"),
        }
    }
}
