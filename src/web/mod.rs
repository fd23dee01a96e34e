//! The browser side (wasm only): turns events into a [`crate::spec::config::Config`], computes it in the
//! worker pool, and draws the [`crate::analysis::report::Report`]. Everything numerical lives in the
//! pure-Rust modules above. Three folders, dependencies one way (app → ui → workers → dom):
//!
//! - [`app`]: the page as one `App` that owns the views and routes every event: the
//!   initialization view, the training lab's page state, the pickers (readouts on the charts),
//!   the event wiring, what each control does, the pool's bookkeeping and the one time-budgeted
//!   task runner with its jobs;
//! - [`ui`]: the page's UI helpers: the controls ↔ the parameter table, drawing the report and
//!   the lab, link/embed/CSV/PNG export, and when each report was drawn;
//! - [`workers`]: the compute pool, the lab's workers, page ↔ worker messages as serde enums, the
//!   worker's own side and its shared compiled module;
//! - [`dom`]: small DOM helpers every part uses; `bench`: benchmark entry points (feature `bench`).

mod app;
#[cfg(feature = "bench")]
mod bench;
pub mod dom;
mod ui;
mod workers;

pub use workers::{protocol, worker};

/// Entry point of the page's wasm module.
pub fn start() {
    if let Err(e) = app::wiring::start() {
        dom::show_error(&format!("The page could not start: {e:?}"));
    }
}
