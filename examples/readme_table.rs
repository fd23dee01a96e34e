//! Prints the README's table of URL keys (`cargo run --example readme_table`), built from `config::PARAMS`.
fn main() {
    print!("{}", initviz::config::markdown_table());
}
