//! What a link asks for.
//!
//! - [`config`] — the configuration's fields, what they build, and why one cannot be shown
//! - [`params`] — the one table of URL parameters, the query parser and writer
//! - [`view`] — the page's view options a link sets (panels, theme, diagram, view)
//! - [`compare`] — what `compare=` asks for (values of the network's own choices)

pub mod compare;
pub mod config;
pub mod params;
pub mod view;
