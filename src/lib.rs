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
//! - [`block`] — the blocks a network is made of (Dense, Norm, Act): forward, backward,
//!   parameters, probe points
//! - [`network`] — the MLP as a list of blocks, and the one forward and backward pass over a
//!   weight source (kept or drawn again) and a tape (keep everything, or the checkpoints)
//! - [`linalg`] — the one matrix product
//! - [`loss`], [`data`], [`train`] — losses, inputs, optimizers
//! - [`stats`] — moments, histograms, saturation, dead units, distinct neurons
//! - [`experiment`] — a configuration's network and passes; [`batch`] — its input batch and
//!   targets; [`shard`] — a batch split across workers and merged back; [`report`] — the
//!   plain-data result; [`verdict`] — its plain-language reading; [`lean`] — the same report for
//!   networks too large to keep, layer by layer
//! - [`config`] — the one parameter table and parser; [`choice`] — the named-choice tables of
//!   initializers, activations, inputs and fan modes; [`format`] — numbers for people
//! - [`charts`] — drawing over any plotters backend
//! - `web` (wasm only) — the page and the worker
//!
//! # Which module may use which
//!
//! Dependencies go one way, never back: no module imports one that imports it
//! (`tests/module_graph.rs` reads every `crate::`/`super::` path under `src/` and fails naming
//! any circle). Bottom to top, each module below uses only modules listed before it:
//!
//! 1. **Leaves**, which import no other module: [`rng`], [`format`](mod@format), [`choice`],
//!    [`linalg`], [`loss`], [`stats`].
//! 2. **The network and its inputs**: [`activation`], [`init`], [`data`], [`block`], [`network`], [`train`]
//!    (the optimizers), and [`compare`] (what `compare=` asks for: values of those).
//! 3. **Analysis**, on plain numbers: [`theory`] (it reads a [`theory::Setup`], never a
//!    configuration), [`report`], [`verdict`].
//! 4. **The configuration**: [`config`] (its fields, the parameter table, the parser; it builds
//!    the `theory::Setup` and a comparison's runs).
//! 5. **Compute**, which reads a configuration: [`batch`], [`shard`], [`lean`], [`experiment`],
//!    [`budget`] (which also holds the configuration's memory checks, `impl Config` there), [`lab`].
//! 6. **Export**: [`code`], [`formula`].
//! 7. **Drawing and the page**: [`charts`], then `web`.
//!
//! To keep it so: a lower module takes the numbers it needs (as [`theory::Setup`]) rather than
//! the configuration, and a method that needs a higher module lives in an `impl` block there (as
//! `Config::validate` in `budget`, `Compare::runs` in `config`).

pub mod activation;
pub mod batch;
pub mod block;
pub mod budget;
pub mod charts;
pub mod choice;
pub mod cite;
pub mod code;
pub mod compare;
pub mod config;
pub mod data;
pub mod embed;
pub mod experiment;
pub mod format;
pub mod formula;
pub mod init;
pub mod lab;
pub mod lean;
pub mod linalg;
pub mod loss;
pub mod network;
pub mod page;
pub mod report;
pub mod rng;
pub mod shard;
pub mod stats;
pub mod theory;
pub mod tour;
pub mod train;
pub mod verdict;

#[cfg(target_arch = "wasm32")]
pub mod web;
