//! initviz: what weight initialization does to a deep network, computed in pure Rust.
//!
//! The numerical core (everything but `web`) has no web dependencies and is tested natively.
//! Data flows one way:
//!
//! ```text
//! URL query ──► spec::config::Config::from_query ──► compute::experiment::run ──► analysis::report::Report ──► charts / table
//! ```
//!
//! # Folders by concept, bottom to top
//!
//! Dependencies go one way, never back: no module imports one that imports it, and no folder
//! imports a folder that imports it (`tests/module_graph.rs` reads every `crate::`/`super::` path
//! under `src/` and fails naming any circle, between modules or between folders). Each folder
//! below uses only those listed before it:
//!
//! 1. **Leaves**: [`choice`] (the named-choice tables every menu is read from), [`format`](mod@format)
//!    (numbers for people), [`math`] (the seeded random streams, the matrix products and QR,
//!    moments and histograms).
//! 2. [`nn`]: a network and what it is made of: activations, initializers, blocks, the network and
//!    its one pass, losses, optimizers.
//! 3. [`data`]: the inputs (Gaussian, moons, spirals, digits).
//! 4. [`analysis`]: on plain numbers: the mean-field theory (it reads a `theory::Setup`, never a
//!    configuration), the report's data type, the verdict's sentences.
//! 5. [`spec`]: what a link asks for: the configuration's fields, the one parameter table and the
//!    query parser, what `compare=` asks for, the page's view options.
//! 6. [`compute`]: a configuration run: its batch, the pass kept whole or layer by layer, shards
//!    across workers and their merge, the memory budget of every path, the training lab.
//! 7. [`charts`]: drawing over any plotters backend.
//! 8. [`export`]: what leaves the core as text: the PyTorch/Keras/JAX code, the formula, the
//!    view's HTML and charts (for the page and the build's pre-rendered first view).
//! 9. [`course`]: tours written by instructors, embeds for course systems, citations.
//! 10. `web` (wasm only): the page and the workers.
//!
//! To keep it so: a lower module takes the numbers it needs (as `theory::Setup`) rather than
//! the configuration, and a method that needs a higher module lives in an `impl` block there (as
//! `Config::validate` in `compute::budget`, `Compare::runs` in `spec::config`).

pub mod analysis;
pub mod charts;
pub mod choice;
pub mod compute;
pub mod course;
pub mod data;
pub mod export;
pub mod format;
pub mod math;
pub mod nn;
pub mod spec;

#[cfg(target_arch = "wasm32")]
pub mod web;
