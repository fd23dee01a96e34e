//! Named choices: the one table shape shared by every extensible concept (initializers,
//! activations, inputs, fan modes).
//!
//! Each concept declares a table of [`Entry`] rows — value, URL id, aliases, label — and implements
//! [`Choice`]. From that one table come the parser (`FromStr` through [`parse`], with a typed
//! [`UnknownName`] error that names the value), the URL writer ([`Choice::id`]), the page's
//! `<select>` options and the README's tables (both checked by tests).

use std::fmt;

/// One row of a concept's table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<T: 'static> {
    /// The value (for a variant with parameters, the variant at its default parameters).
    pub value: T,
    /// Canonical id, as written in URLs.
    pub id: &'static str,
    /// Other names accepted by the parser (lower case, `_` for `-`).
    pub aliases: &'static [&'static str],
    /// Text of the page's `<option>`.
    pub label: &'static str,
}

/// A concept with a table of named choices.
pub trait Choice: Copy + PartialEq + 'static {
    /// What the concept is called in messages ("initializer").
    const WHAT: &'static str;
    /// Every choice, in the order the page lists them.
    const TABLE: &'static [Entry<Self>];

    /// Whether `self` is the table row `row`: equality, unless a variant carries a parameter that
    /// does not make another row (leaky ReLU's slope).
    fn is(self, row: &Self) -> bool {
        self == *row
    }

    /// The table row of `self`.
    ///
    /// # Panics
    /// Never for a value whose variant has a row; every concept's tests check that each variant has one.
    #[must_use]
    fn entry(self) -> &'static Entry<Self> {
        Self::TABLE.iter().find(|e| self.is(&e.value)).unwrap_or_else(|| panic!("a {} without a row in its table", Self::WHAT))
    }

    /// Canonical id.
    #[must_use]
    fn id(self) -> &'static str {
        self.entry().id
    }

    /// Every choice, in table order.
    #[must_use]
    fn all() -> Vec<Self> {
        Self::TABLE.iter().map(|e| e.value).collect()
    }

    /// Every canonical id, in table order.
    #[must_use]
    fn ids() -> Vec<&'static str> {
        Self::TABLE.iter().map(|e| e.id).collect()
    }
}

/// A name that is no choice of its concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The concept ("activation").
    pub what: &'static str,
    /// What was given.
    pub given: String,
    /// The canonical ids that would have been accepted.
    pub expected: Vec<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} \"{}\" (expected one of: {})", self.what, self.given, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownName {}

/// Parses an id or alias of `T`: case-insensitive, `-` read as `_`, surrounding space ignored.
pub fn parse<T: Choice>(s: &str) -> Result<T, UnknownName> {
    let key = s.trim().to_ascii_lowercase().replace('-', "_");
    T::TABLE.iter().find(|e| e.id == key || e.aliases.contains(&key.as_str())).map(|e| e.value).ok_or_else(|| UnknownName {
        what: T::WHAT,
        given: s.to_string(),
        expected: T::ids(),
    })
}

/// Checks a table: ids and aliases unique, lower case, and each row's value parses back to itself.
/// Every concept's unit tests call this.
#[cfg(test)]
pub fn check_table<T: Choice + fmt::Debug>() {
    let mut names: Vec<&str> = Vec::new();
    for e in T::TABLE {
        for n in std::iter::once(&e.id).chain(e.aliases) {
            assert_eq!(*n, n.to_ascii_lowercase(), "{}: {n} is not lower case", T::WHAT);
            assert!(!names.contains(n), "{}: {n} is listed twice", T::WHAT);
            names.push(n);
        }
        let back: T = parse(e.id).expect("an id parses");
        assert!(back.is(&e.value), "{}: {} parses to {back:?}", T::WHAT, e.id);
        assert!(!e.label.is_empty());
    }
}
