//! The compute worker's wasm module: runs experiments off the main thread (see `src/web/worker.rs`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    initviz::web::worker::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the initviz worker runs in a browser Web Worker");
}
