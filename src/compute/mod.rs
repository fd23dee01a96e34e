//! A configuration, run.
//!
//! - [`batch`] — its input batch and targets
//! - [`experiment`] — its network and passes, into a report
//! - [`lean`] — the same report for networks too large to keep, layer by layer
//! - [`shard`] — a batch split across workers, and the parts merged back into the batch's measurements
//! - [`assemble`] — a report read from the measurements: the theory beside them, the verdict
//! - [`budget`] — how many bytes every path allocates (the memory line, the refusals, the workers)
//! - [`lab`] — the training lab: runs, evaluations, snapshots
//! - [`spectrum`] — the Jacobian's singular values at a few inputs, the network drawn layer by layer

pub mod assemble;
pub mod batch;
pub mod budget;
pub mod experiment;
pub mod lab;
pub mod lean;
pub mod shard;
pub mod spectrum;
