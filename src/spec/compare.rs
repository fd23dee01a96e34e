//! Side-by-side runs (`compare=`): two to four variants of one configuration, on the same data,
//! architecture and seed, differing in one setting.
//!
//! `compare=he_normal,xavier_normal,normal` compares initializers (the key may be written:
//! `init:he_normal,…`); `compare=act:relu,tanh` activations; `compare=opt:sgd,adam` optimizers;
//! `compare=norm:none,batch,layer,rms` the normalization after each layer.
//!
//! A [`Compare`] is a field of the configuration, so this module sits below `config`: the runs'
//! configurations (`Compare::runs`, `Compare::labels`) are built in `config`.

use crate::choice::Entry;
use crate::choice::{self, Choice, UnknownName};
use crate::nn::activation::Activation;
use crate::nn::arch::{ArchKind, NormPos, ResScale};
use crate::nn::block::NormKind;
use crate::nn::init::Init;
use crate::nn::optim::OptKind;
use std::fmt;

/// The most runs side by side.
pub const MAX_RUNS: usize = 4;

/// Up to [`MAX_RUNS`] values of one setting (a fixed array, so [`crate::spec::config::Config`] stays `Copy`).
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
    Norm(Runs<Option<NormKind>>),
    /// `arch:plain,residual`.
    Arch(Runs<ArchKind>),
    /// `res:none,gpt2,zero,rezero`, each a residual network; `plain` among them is the plain one
    /// (so `res:plain,none,gpt2,rezero` sets plain He beside three residual starts).
    Res(Runs<ResRun>),
    /// `norm_pos:pre,post`.
    NormPos(Runs<NormPos>),
}

/// One run of `compare=res:…`: a plain network, or a residual one with this scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResRun {
    Plain,
    Residual(ResScale),
}

impl Choice for ResRun {
    const WHAT: &'static str = "residual scaling (or plain)";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: ResRun::Plain, id: "plain", aliases: &["mlp"], label: "plain" },
        Entry { value: ResRun::Residual(ResScale::None), id: "none", aliases: &["off"], label: "residual, α = 1" },
        Entry { value: ResRun::Residual(ResScale::Gpt2), id: "gpt2", aliases: &["gpt_2"], label: "residual, GPT-2's 1/√N" },
        Entry { value: ResRun::Residual(ResScale::Zero), id: "zero", aliases: &["zero_init"], label: "residual, zero last layer" },
        Entry { value: ResRun::Residual(ResScale::Rezero), id: "rezero", aliases: &["skipinit"], label: "residual, ReZero" },
        Entry { value: ResRun::Residual(ResScale::Fixup), id: "fixup", aliases: &[], label: "residual, Fixup" },
        Entry { value: ResRun::Residual(ResScale::Deepnorm), id: "deepnorm", aliases: &["deepnet"], label: "residual, DeepNorm" },
    ];
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
            CompareError::UnknownKey(k) => write!(f, "cannot compare \"{k}\" (expected init, act, opt, norm, arch, res or norm_pos)"),
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
            "norm" => runs(list).map(Compare::Norm),
            "arch" => runs(list).map(Compare::Arch),
            "res" => runs(list).map(Compare::Res),
            "norm_pos" => runs(list).map(Compare::NormPos),
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
            Compare::Norm(r) => r.len(),
            Compare::Arch(r) => r.len(),
            Compare::Res(r) => r.len(),
            Compare::NormPos(r) => r.len(),
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
            Compare::Norm(r) => write!(f, "norm:{}", ids(r)),
            Compare::Arch(r) => write!(f, "arch:{}", ids(r)),
            Compare::Res(r) => write!(f, "res:{}", ids(r)),
            Compare::NormPos(r) => write!(f, "norm_pos:{}", ids(r)),
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
            ("norm:none,bn,ln,rms", "norm:none,batch,layer,rms", 4),
            ("arch:mlp,resnet", "arch:plain,residual", 2),
            ("res:plain,none,gpt2,rezero", "res:plain,none,gpt2,rezero", 4),
            ("norm_pos:pre,post", "norm_pos:pre,post", 2),
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
    fn the_res_table_is_sound() {
        crate::choice::check_table::<ResRun>();
    }

    #[test]
    fn refuses_what_it_cannot_run() {
        assert_eq!(Compare::parse("he_normal"), Err(CompareError::Count(1)));
        assert_eq!(Compare::parse("zeros,ones,normal,uniform,he_normal").unwrap_err(), CompareError::Count(5));
        assert!(matches!(Compare::parse("depth:1,2"), Err(CompareError::UnknownKey(k)) if k == "depth"));
        let e = Compare::parse("he_normal,bogus").unwrap_err();
        assert!(e.to_string().contains("\"bogus\""), "{e}");
    }
}
