//! initviz: what weight initialization does to a deep network, computed in pure Rust.
//!
//! The numerical core (everything but `web`) has no web dependencies and is tested natively.
//! Data flows one way:
//!
//! ```text
//! URL query ──► config::Config::from_query ──► experiment::run ──► report::Report ──► charts / table
//! ```
//!
//! - [`init`] — initializers (PyTorch `torch.nn.init` and Keras formulas)
//! - [`activation`] — nonlinearities and derivatives
//! - [`network`] — the MLP, forward and backward passes, batch norm
//! - [`linalg`] — the one matrix product
//! - [`loss`], [`data`], [`train`] — losses, inputs, optimizers
//! - [`stats`] — moments, histograms, saturation, dead units, distinct neurons
//! - [`experiment`] — a configuration's network, batch and passes; [`shard`] — a batch split
//!   across workers and merged back; [`report`] — the plain-data result; [`verdict`] — its
//!   plain-language reading; [`lean`] — the same report for networks too large to keep, layer by
//!   layer
//! - [`config`] — the one parameter table and parser; [`choice`] — the named-choice tables of
//!   initializers, activations, inputs and fan modes; [`format`] — numbers for people
//! - [`charts`] — drawing over any plotters backend
//! - `web` (wasm only) — the page and the worker

pub mod activation;
pub mod batch;
pub mod budget;
pub mod charts;
pub mod choice;
pub mod code;
pub mod compare;
pub mod config;
pub mod data;
pub mod experiment;
pub mod format;
pub mod formula;
pub mod init;
pub mod lab;
pub mod lean;
pub mod linalg;
pub mod loss;
pub mod network;
pub mod report;
pub mod rng;
pub mod shard;
pub mod stats;
pub mod theory;
pub mod train;
pub mod verdict;

#[cfg(target_arch = "wasm32")]
pub mod web;
