//! initviz: what weight initialization does to a deep network, computed in pure Rust.
//!
//! The numerical core (everything but `web`) has no web dependencies and is tested natively.
//! Data flows one way:
//!
//! ```text
//! URL query ──► config::Config::from_query ──► experiment::run ──► experiment::Report ──► charts / table
//! ```
//!
//! - [`init`] — initializers (PyTorch `torch.nn.init` and Keras formulas)
//! - [`activation`] — nonlinearities and derivatives
//! - [`network`] — the MLP, forward and backward passes, batch norm
//! - [`linalg`] — the one matrix product
//! - [`loss`], [`data`], [`train`] — losses, inputs, optimizers
//! - [`stats`] — moments, histograms, saturation, dead units, distinct neurons
//! - [`experiment`], [`verdict`] — a configuration's report and its plain-language reading
//! - [`charts`] — drawing over any plotters backend
//! - `web` (wasm only) — the page and the worker

pub mod activation;
pub mod charts;
pub mod config;
pub mod data;
pub mod experiment;
pub mod formula;
pub mod init;
pub mod linalg;
pub mod loss;
pub mod network;
pub mod rng;
pub mod stats;
pub mod train;
pub mod verdict;

#[cfg(target_arch = "wasm32")]
pub mod web;
