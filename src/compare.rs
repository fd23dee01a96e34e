//! Side-by-side runs (`compare=`): two to four variants of one configuration, on the same data,
//! architecture and seed, differing in one setting.
//!
//! `compare=he_normal,xavier_normal,normal` compares initializers (the key may be written:
//! `init:he_normal,…`); `compare=act:relu,tanh` activations; `compare=opt:sgd,adam` optimizers.

use crate::activation::Activation;
use crate::choice::{self, Choice, UnknownName};
use crate::config::Config;
use crate::init::Init;
use crate::train::OptKind;
use std::fmt;

/// The most runs side by side.
pub const MAX_RUNS: usize = 4;

/// Up to [`MAX_RUNS`] values of one setting (a fixed array, so [`Config`] stays `Copy`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Runs<T> {
    values: [Option<T>; MAX_RUNS],
}

impl<T: Copy> Runs<T> {
    /// The values, in order.
    pub fn values(&self) -> impl Iterator<Item = T> + '_ {
        self.values.iter().flatten().copied()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.values.iter().flatten().count()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What `compare=` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Compare {
    /// One run.
    #[default]
    Off,
    Init(Runs<Init>),
    Act(Runs<Activation>),
    Opt(Runs<OptKind>),
}

/// Why a `compare=` value was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum CompareError {
    /// `KEY:` is not a setting that can be compared.
    UnknownKey(String),
    /// A value is not one of the setting's names.
    Value(UnknownName),
    /// Fewer than 2 or more than [`MAX_RUNS`] values.
    Count(usize),
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::UnknownKey(k) => write!(f, "cannot compare \"{k}\" (expected init, act or opt)"),
            CompareError::Value(e) => write!(f, "{e}"),
            CompareError::Count(n) => write!(f, "{n} values given; a comparison has 2–{MAX_RUNS}"),
        }
    }
}

impl std::error::Error for CompareError {}

fn runs<T: Choice>(list: &str) -> Result<Runs<T>, CompareError> {
    let names: Vec<&str> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if !(2..=MAX_RUNS).contains(&names.len()) {
        return Err(CompareError::Count(names.len()));
    }
    let mut values = [None; MAX_RUNS];
    for (slot, name) in values.iter_mut().zip(names) {
        *slot = Some(choice::parse::<T>(name).map_err(CompareError::Value)?);
    }
    Ok(Runs { values })
}

fn ids<T: Choice>(r: &Runs<T>) -> String {
    r.values().map(Choice::id).collect::<Vec<_>>().join(",")
}

impl Compare {
    /// Parses the value of `compare=` (`off` or empty: one run).
    pub fn parse(v: &str) -> Result<Compare, CompareError> {
        let v = v.trim();
        if v.is_empty() || v.eq_ignore_ascii_case("off") || v.eq_ignore_ascii_case("none") {
            return Ok(Compare::Off);
        }
        let (key, list) = v.split_once(':').unwrap_or(("init", v));
        match key.trim().to_ascii_lowercase().as_str() {
            "init" => runs(list).map(Compare::Init),
            "act" => runs(list).map(Compare::Act),
            "opt" => runs(list).map(Compare::Opt),
            other => Err(CompareError::UnknownKey(other.to_string())),
        }
    }

    /// How many runs (1 when off).
    #[must_use]
    pub fn count(&self) -> usize {
        match self {
            Compare::Off => 1,
            Compare::Init(r) => r.len(),
            Compare::Act(r) => r.len(),
            Compare::Opt(r) => r.len(),
        }
    }

    /// The configurations of the runs: `base` with each value applied (one run, `base`, when off).
    /// An initializer other than the base's takes its own default scale, gain, fan mode and
    /// truncation; the base's own initializer keeps the base's.
    #[must_use]
    pub fn runs(&self, base: &Config) -> Vec<Config> {
        let one = Config { compare: Compare::Off, ..*base };
        match self {
            Compare::Off => vec![one],
            Compare::Init(r) => r
                .values()
                .map(|init| {
                    if init == base.init {
                        return Config { init, ..one };
                    }
                    // Another initializer as its framework defines it: its own scale, and the
                    // default gain, fan mode and truncation, so "xavier" in a comparison is
                    // Xavier, not Xavier × the base's calculate_gain. The bias is its own setting
                    // and stays the base's in every run.
                    let d = Config::default();
                    Config { init, scale: init.default_scale(), gain: d.gain, fan: d.fan, trunc: d.trunc, ..one }
                })
                .collect(),
            Compare::Act(r) => r.values().map(|act| Config { act, ..one }).collect(),
            Compare::Opt(r) => r.values().map(|opt| Config { opt, ..one }).collect(),
        }
    }

    /// The name of each run (the compared value), or the initializer of a single run.
    #[must_use]
    pub fn labels(&self, base: &Config) -> Vec<String> {
        match self {
            Compare::Off => vec![base.init.id().to_string()],
            Compare::Init(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Act(r) => r.values().map(|v| v.id().to_string()).collect(),
            Compare::Opt(r) => r.values().map(|v| v.id().to_string()).collect(),
        }
    }
}

impl fmt::Display for Compare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compare::Off => f.write_str("off"),
            Compare::Init(r) => f.write_str(&ids(r)),
            Compare::Act(r) => write!(f, "act:{}", ids(r)),
            Compare::Opt(r) => write!(f, "opt:{}", ids(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_back() {
        for (given, written, n) in [
            ("he_normal,xavier_normal,normal", "he_normal,xavier_normal,normal", 3),
            ("init:kaiming_normal,glorot_uniform", "he_normal,xavier_uniform", 2),
            ("act:relu,tanh", "act:relu,tanh", 2),
            ("opt:sgd,momentum,adam", "opt:sgd,momentum,adam", 3),
            ("off", "off", 1),
            ("", "off", 1),
        ] {
            let c = Compare::parse(given).unwrap();
            assert_eq!(c.to_string(), written);
            assert_eq!(c.count(), n);
            assert_eq!(Compare::parse(written).unwrap(), c);
        }
    }

    #[test]
    fn refuses_what_it_cannot_run() {
        assert_eq!(Compare::parse("he_normal"), Err(CompareError::Count(1)));
        assert_eq!(Compare::parse("zeros,ones,normal,uniform,he_normal").unwrap_err(), CompareError::Count(5));
        assert!(matches!(Compare::parse("depth:1,2"), Err(CompareError::UnknownKey(k)) if k == "depth"));
        let e = Compare::parse("he_normal,bogus").unwrap_err();
        assert!(e.to_string().contains("\"bogus\""), "{e}");
    }

    #[test]
    fn runs_differ_in_one_setting() {
        let base = Config { init: Init::Random(crate::init::Dist::Normal), scale: 3.0, ..Config::default() };
        let runs = Compare::parse("normal,he_normal").unwrap().runs(&base);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].scale, 3.0, "the base's own initializer keeps its scale");
        assert_eq!(runs[1].init, Init::He(crate::init::Dist::Normal));
        assert!(runs.iter().all(|r| r.compare == Compare::Off && r.seed == base.seed && r.depth == base.depth));
    }

    /// A base with a custom gain, fan_out and truncation: the other initializers in the comparison
    /// are what their frameworks define (PyTorch's xavier_normal_ has gain 1 and no truncation;
    /// kaiming_normal_ uses fan_in), the base's own keeps its settings.
    #[test]
    fn other_initializers_take_their_own_defaults() {
        let (base, _) = Config::from_query("init=he_normal&gain=3&fan=fan_out&trunc=1");
        let runs = Compare::parse("he_normal,xavier_normal").unwrap().runs(&base);
        assert_eq!((runs[0].gain, runs[0].fan, runs[0].trunc), (base.gain, base.fan, base.trunc));
        let d = Config::default();
        assert_eq!((runs[1].gain, runs[1].fan, runs[1].trunc), (d.gain, d.fan, d.trunc));
        // The drawn std is Glorot's √(2/(fan_in + fan_out)) at the default width 256.
        let std = runs[1].init_spec().draw(256, 256, runs[1].act).std(256, 256);
        assert!((std - (2.0f64 / 512.0).sqrt()).abs() < 1e-12, "{std}");
    }
}
