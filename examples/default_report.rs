//! Writes the default view's report (postcard bytes) to `data/default-report.bin`, which the page
//! draws at once on a plain visit instead of waiting for its workers to start:
//! `cargo run --release --example default_report`. `tests/default_report.rs` holds the file to a
//! fresh run (the same bits: same seed, same code), and fails with this command when the numbers
//! change.
fn main() {
    let report = initviz::compute::experiment::run(&initviz::spec::config::Config::default()).expect("the default fits the budget");
    let bytes = postcard::to_allocvec(&report).expect("a report serializes");
    std::fs::write("data/default-report.bin", bytes).expect("run from the repository's root");
}
