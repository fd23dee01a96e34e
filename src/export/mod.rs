//! What leaves the core as text.
//!
//! - [`code`] — the same network in PyTorch, Keras and JAX
//! - [`formula`] — the initializer's formula, in text and MathML
//! - [`page`] — the view's HTML and every chart over any plotters backend (the page and the
//!   build's pre-rendered first view)

pub mod code;
pub mod formula;
pub mod page;
