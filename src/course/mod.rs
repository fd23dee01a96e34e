//! For courses.
//!
//! - [`tour`] — instructors' tours (steps, questions answered from the step's own report), the
//!   built-in lessons among them
//! - [`embed`] — snippets for the systems courses run on, and the oEmbed answer
//! - [`cite`] — how to cite the tool and each result it shows

pub mod cite;
pub mod embed;
pub mod tour;
