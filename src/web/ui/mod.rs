//! The page's UI helpers, plain functions of a configuration and its results (no page state):
//!
//! - [`controls`]: the controls ↔ the parameter table;
//! - [`render`]: the report's charts, table, verdict and notices;
//! - [`lab_charts`]: the training lab's charts, table and texts;
//! - [`export`]: link, embed, CSV, PNG;
//! - [`trace`]: when each report was drawn (`window.initvizDraws`).

pub mod controls;
pub mod export;
pub mod lab_charts;
pub mod render;
pub mod trace;
