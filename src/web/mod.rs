//! The browser side (wasm only): turns events into a [`crate::config::Config`], computes it in the
//! worker pool, and draws the [`crate::report::Report`]. Everything numerical lives in the
//! pure-Rust modules above.
//!
//! - [`app`]: the page as one `App` value with methods, and the one time-budgeted task runner;
//! - [`tasks`]: the jobs that runner takes (charts, table, the page's share of ∂L/∂W);
//! - [`pool`]: the compute workers, which return outcomes to the app;
//! - [`protocol`]: page ↔ worker messages as serde enums; [`worker`]: the worker's side;
//! - [`controls`]: the controls ↔ the parameter table; [`render`]: charts, table, verdict;
//!   [`export`]: link, embed, CSV, PNG; [`trace`]: when each report was drawn; [`dom`]: small DOM helpers; `bench`: benchmark entry points (feature `bench`).

mod app;
#[cfg(feature = "bench")]
mod bench;
mod controls;
pub mod dom;
mod export;
mod lab;
mod lab_charts;
mod pool;
pub mod protocol;
mod render;
mod tasks;
mod trace;
pub mod worker;
mod worker_module;

/// Entry point of the page's wasm module.
pub fn start() {
    if let Err(e) = app::wiring::start() {
        dom::show_error(&format!("The page could not start: {e:?}"));
    }
}
