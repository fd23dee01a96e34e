//! The workers and how the page talks to them: nothing here draws (no DOM but spawning workers).
//!
//! - [`pool`]: the compute workers of the initialization view, which return outcomes to the app;
//! - [`lab`]: the training lab's workers (one per run), pumped one slice at a time;
//! - [`protocol`]: page ↔ worker messages as serde enums; [`worker`]: the worker's side;
//! - [`worker_module`]: the worker's wasm, compiled once for every worker.

pub mod lab;
pub mod pool;
pub mod protocol;
pub mod worker;
pub mod worker_module;
