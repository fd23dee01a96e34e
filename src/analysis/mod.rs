//! Reading a network's statistics, on plain numbers (never a configuration).
//!
//! - [`theory`] — the mean-field predictions (variance maps, χ, the phase diagram) from a `theory::Setup`
//! - [`report`] — the plain-data result of a run: per-layer statistics, histograms, theory
//! - [`spectrum`] — the singular values of the input–output Jacobian (dynamical isometry) and
//!   free probability's prediction of them
//! - [`verdict`] — the report read in plain language

pub mod report;
pub mod spectrum;
pub mod theory;
pub mod verdict;
