//! What a link asks for.
//!
//! - [`config`]: the configuration's fields, the one parameter table, the query parser and writer
//! - [`compare`]: what `compare=` asks for (values of the network's own choices)

pub mod compare;
pub mod config;
