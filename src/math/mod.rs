//! The leaves the rest computes with, importing no other module.
//!
//! - [`rng`] — counter-based random streams, one per layer and purpose, the same bits natively and in wasm
//! - [`linalg`] — the matrix products and the Householder QR behind the orthogonal initializer
//! - [`stats`] — moments, histograms, saturation, dead units, distinct neurons

pub mod linalg;
pub mod rng;
pub mod stats;
