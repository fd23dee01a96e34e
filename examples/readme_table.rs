//! Prints the README's table of URL keys (`cargo run --example readme_table`), built from `config::PARAMS`.
fn main() {
    print!("{}", initviz::spec::params::markdown_table());
}
