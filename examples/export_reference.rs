//! Writes, for each configuration given as a URL query, the page's three "Copy as code" snippets
//! and the page's own per-layer statistics at initialization, for `scripts/reference/run.sh` to
//! run the snippets with the real frameworks and compare:
//!
//! `cargo run --release --example export_reference -- OUT_DIR QUERY...` writes
//! `OUT_DIR/<k>/{query.txt,pytorch_snippet.py,keras_snippet.py,jax_snippet.py,page.csv}`, where `page.csv` has one row
//! per dense layer: `layer,fan_in,fan_out,weight_std,bias_std,bias_mean_abs` of the network the
//! page builds (weights' and biases' std over their entries, about the mean).
use initviz::compute::experiment::build_network;
use initviz::export::code::{snippet, Framework};
use initviz::spec::config::Config;
use std::fmt::Write as _;

fn std_of(x: &[f32]) -> f64 {
    let n = x.len().max(1) as f64;
    let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    (x.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n).sqrt()
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: export_reference OUT_DIR QUERY...");
        std::process::exit(2);
    };
    for (k, q) in args.enumerate() {
        let (c, notices) = Config::from_query(&q);
        for n in notices {
            eprintln!("{q}: {n}");
        }
        let dir = std::path::Path::new(&out).join(k.to_string());
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("query.txt"), &q)?;
        for (f, name) in
            [(Framework::PyTorch, "pytorch_snippet.py"), (Framework::Keras, "keras_snippet.py"), (Framework::Jax, "jax_snippet.py")]
        {
            std::fs::write(dir.join(name), snippet(&c, f))?;
        }
        let mlp = build_network(&c);
        let mut csv = String::from("layer,fan_in,fan_out,weight_std,bias_std,bias_mean_abs\n");
        for (l, layer) in mlp.denses().enumerate() {
            let mean_abs = layer.b.iter().map(|&v| f64::from(v).abs()).sum::<f64>() / layer.b.len().max(1) as f64;
            let _ = writeln!(csv, "{},{},{},{},{},{}", l + 1, layer.fan_in, layer.fan_out, std_of(&layer.w), std_of(&layer.b), mean_abs);
        }
        std::fs::write(dir.join("page.csv"), csv)?;
    }
    Ok(())
}
