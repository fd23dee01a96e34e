//! The page's wasm module: `initviz::web::start` wires the DOM (see `src/web/`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    initviz::web::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("initviz runs in the browser: `bash scripts/serve.sh` builds and serves it");
}
