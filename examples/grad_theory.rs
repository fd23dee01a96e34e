//! Measured over predicted std of ∂L/∂W per layer, for the configurations given as arguments
//! (a query each): `cargo run --release --example grad_theory -- 'depth=20&width=512&act=relu'`.
use initviz::spec::config::Config;

fn main() {
    for q in std::env::args().skip(1) {
        let (c, notes) = Config::from_query(&q);
        if !notes.is_empty() {
            eprintln!("{q}: {notes:?}");
        }
        let r = match initviz::compute::experiment::run(&c) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{q}: {e}");
                continue;
            }
        };
        let ratios: Vec<String> = r.layers.iter().map(|l| format!("{:.2}", l.grad.std / l.pred_grad_std)).collect();
        println!("{q}\n  ∂L/∂W measured/predicted by layer: {}", ratios.join(" "));
        println!("  theory: {}", r.theory.disagreement.as_deref().unwrap_or("agrees"));
    }
}
