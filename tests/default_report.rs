//! The page draws `data/default-report.bin` for a plain visit (the default view) without
//! computing it: it must be, bit for bit, what a live run of the default configuration gives.

use initviz::analysis::report::{precomputed_default, PRECOMPUTED_DEFAULT};
use initviz::compute::experiment::run;
use initviz::spec::config::Config;

#[test]
fn the_shipped_default_report_is_a_fresh_run() {
    let live = postcard::to_allocvec(&run(&Config::default()).unwrap()).unwrap();
    assert!(
        live == PRECOMPUTED_DEFAULT,
        "data/default-report.bin is not the default view's report any more: regenerate it with \
         `cargo run --release --example default_report` (and say in the commit why the numbers changed)"
    );
    // And it reads back (the page's path).
    let back = precomputed_default().expect("decodes");
    assert_eq!(postcard::to_allocvec(&back).unwrap(), live);
}
