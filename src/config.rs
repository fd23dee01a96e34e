//! The one configuration type, and the one parser of it.
//!
//! A [`Config`] round-trips the URL query string: the URL key, the struct field and the DOM id of
//! the control are spelled the same. Parsing never fails: an unknown key, an unparsable value or an
//! out-of-range number falls back (to the default, or to the nearest value in range) and leaves a
//! [`Notice`] naming the key, for the page to show. What cannot be shown at all (a configuration
//! over the memory budget) is a [`ConfigError`] from [`Config::validate`].

use crate::activation::{Activation, DEFAULT_LEAKY_SLOPE};
use crate::data::InputKind;
use crate::init::{BiasInit, FanMode, Gain, InitKind, InitSpec};
use crate::network::{Shape, Workspace};
use std::fmt;

/// Hidden layers: 1..=100.
pub const DEPTH_RANGE: (usize, usize) = (1, 100);
/// Units per hidden layer: 2..=1024.
pub const WIDTH_RANGE: (usize, usize) = (2, 1024);
/// Samples per batch: 1..=4096.
pub const BATCH_RANGE: (usize, usize) = (1, 4096);
/// `scale` of `normal` and `uniform`: 1e-4..=10 (a log slider).
pub const SCALE_RANGE: (f64, f64) = (1e-4, 10.0);
/// `scale` of `constant`: −10..=10.
pub const CONSTANT_RANGE: (f64, f64) = (-10.0, 10.0);
/// A numeric gain: 0..=10.
pub const GAIN_RANGE: (f64, f64) = (0.0, 10.0);
/// Leaky ReLU slope: 0..=1.
pub const SLOPE_RANGE: (f64, f64) = (0.0, 1.0);
/// Jitter of toy datasets: 0..=1.
pub const NOISE_RANGE: (f64, f64) = (0.0, 1.0);
/// The largest working set a configuration may need, in bytes (256 MiB): wasm32 can address
/// 4 GiB, but a tab that large is slow to allocate and fragile on phones.
pub const MEMORY_BUDGET: u64 = 256 << 20;

/// Which tensor the network diagram colours its edges by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagramView {
    #[default]
    Weights,
    Grads,
}

/// Every control of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub depth: usize,
    pub width: usize,
    pub init: InitKind,
    pub scale: f64,
    pub gain: Gain,
    pub mode: FanMode,
    pub trunc: bool,
    pub act: Activation,
    pub bias: BiasInit,
    pub bn: bool,
    pub batch: usize,
    pub input: InputKind,
    pub noise: f64,
    pub seed: u32,
    pub diagram: DiagramView,
    pub embed: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            depth: 10,
            width: 256,
            init: InitKind::XavierNormal,
            scale: 0.01,
            gain: Gain::Default,
            mode: FanMode::FanIn,
            trunc: false,
            act: Activation::Tanh,
            bias: BiasInit::Zeros,
            bn: false,
            batch: 256,
            input: InputKind::Gaussian,
            noise: 0.1,
            seed: 1,
            diagram: DiagramView::Weights,
            embed: false,
        }
    }
}

/// Something in the query that was not used as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// A configuration that cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The buffers would exceed [`MEMORY_BUDGET`].
    TooLarge { bytes: u64, budget: u64 },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::TooLarge { bytes, budget } => write!(
                f,
                "this network needs about {} MiB of memory, more than the {} MiB budget: reduce depth, width or batch",
                bytes >> 20,
                budget >> 20
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Decodes `%XX` escapes and `+` (as a space) of a query component.
#[must_use]
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a float in the shortest form that parses back to it.
fn num(x: f64) -> String {
    format!("{x}")
}

struct Parser {
    notices: Vec<Notice>,
}

impl Parser {
    fn note(&mut self, key: &str, message: String) {
        self.notices.push(Notice { key: key.to_string(), message });
    }

    fn int(&mut self, key: &str, v: &str, (lo, hi): (usize, usize), default: usize) -> usize {
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                let r = x.round();
                if r < lo as f64 || r > hi as f64 || r != x {
                    let c = r.clamp(lo as f64, hi as f64) as usize;
                    self.note(key, format!("{v} is outside {lo}–{hi} or not whole; using {c}"));
                    c
                } else {
                    r as usize
                }
            }
            _ => {
                self.note(key, format!("\"{v}\" is not a number; using {default}"));
                default
            }
        }
    }

    fn float(&mut self, key: &str, v: &str, (lo, hi): (f64, f64), default: f64) -> f64 {
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                if x < lo || x > hi {
                    let c = x.clamp(lo, hi);
                    self.note(key, format!("{v} is outside {}–{}; using {}", num(lo), num(hi), num(c)));
                    c
                } else {
                    x
                }
            }
            _ => {
                self.note(key, format!("\"{v}\" is not a number; using {}", num(default)));
                default
            }
        }
    }

    fn flag(&mut self, key: &str, v: &str, default: bool) -> bool {
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => true,
            "0" | "false" | "off" | "no" => false,
            _ => {
                self.note(key, format!("\"{v}\" is not 0 or 1; using {}", u8::from(default)));
                default
            }
        }
    }
}

impl Config {
    /// Every URL key, in the order [`Config::to_query`] writes them.
    pub const KEYS: [&'static str; 16] = [
        "depth", "width", "init", "scale", "gain", "mode", "trunc", "act", "slope", "bias", "bn", "batch", "input",
        "noise", "seed", "diagram",
    ];

    /// Parses a query string (with or without the leading `?`). Never fails; see the module docs.
    #[must_use]
    pub fn from_query(query: &str) -> (Config, Vec<Notice>) {
        let mut c = Config::default();
        let mut p = Parser { notices: Vec::new() };
        let mut slope: Option<f64> = None;
        let mut scale: Option<(String, String)> = None;
        for pair in query.trim_start_matches('?').split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            match k.as_str() {
                "depth" => c.depth = p.int("depth", &v, DEPTH_RANGE, c.depth),
                "width" => c.width = p.int("width", &v, WIDTH_RANGE, c.width),
                "batch" => c.batch = p.int("batch", &v, BATCH_RANGE, c.batch),
                "init" => match v.parse() {
                    Ok(i) => c.init = i,
                    Err(e) => p.note("init", format!("{e}; using {}", c.init)),
                },
                "scale" => scale = Some((k.clone(), v.clone())),
                "gain" => {
                    c.gain = match v.trim().to_ascii_lowercase().as_str() {
                        "" | "default" => Gain::Default,
                        "auto" => Gain::Auto,
                        _ => match v.trim().parse::<f64>() {
                            Ok(g) if g.is_finite() => Gain::Value(p.float("gain", &v, GAIN_RANGE, 1.0)),
                            _ => {
                                p.note("gain", format!("\"{v}\" is not a number, \"auto\" or \"default\"; using default"));
                                Gain::Default
                            }
                        },
                    }
                }
                "mode" => match v.parse() {
                    Ok(m) => c.mode = m,
                    Err(()) => p.note("mode", format!("\"{v}\" is not fan_in, fan_out or fan_avg; using fan_in")),
                },
                "trunc" => c.trunc = p.flag("trunc", &v, false),
                "act" => match v.parse() {
                    Ok(a) => c.act = a,
                    Err(e) => p.note("act", format!("{e}; using {}", c.act)),
                },
                "slope" => slope = Some(p.float("slope", &v, SLOPE_RANGE, f64::from(DEFAULT_LEAKY_SLOPE))),
                "bias" => {
                    c.bias = match v.trim().to_ascii_lowercase().as_str() {
                        "zeros" | "zero" => BiasInit::Zeros,
                        "same" | "weights" => BiasInit::SameAsWeights,
                        "constant" => BiasInit::Constant(0.5),
                        other => match other.parse::<f64>() {
                            Ok(b) if b.is_finite() => BiasInit::Constant(p.float("bias", &v, CONSTANT_RANGE, 0.0)),
                            _ => {
                                p.note("bias", format!("\"{v}\" is not zeros, same, constant or a number; using zeros"));
                                BiasInit::Zeros
                            }
                        },
                    }
                }
                "bn" => c.bn = p.flag("bn", &v, false),
                "input" => match v.parse() {
                    Ok(i) => c.input = i,
                    Err(()) => p.note("input", format!("unknown input \"{v}\" (expected one of: {}); using gaussian", InputKind::IDS.join(", "))),
                },
                "noise" => c.noise = p.float("noise", &v, NOISE_RANGE, c.noise),
                "seed" => match v.trim().parse::<u32>() {
                    Ok(s) => c.seed = s,
                    Err(_) => p.note("seed", format!("\"{v}\" is not a whole number 0–4294967295; using {}", c.seed)),
                },
                "diagram" => match v.trim() {
                    "weights" => c.diagram = DiagramView::Weights,
                    "grads" | "gradients" => c.diagram = DiagramView::Grads,
                    _ => p.note("diagram", format!("\"{v}\" is not weights or grads; using weights")),
                },
                "embed" => c.embed = p.flag("embed", &v, false),
                _ => p.note(&k, "unknown parameter, ignored".to_string()),
            }
        }
        if let Some(s) = slope {
            if matches!(c.act, Activation::LeakyRelu(_)) {
                c.act = Activation::LeakyRelu(s as f32);
            }
        }
        // scale's range depends on init, so it is read last.
        c.scale = match scale {
            Some((_, v)) => {
                let range = if c.init == InitKind::Constant { CONSTANT_RANGE } else { SCALE_RANGE };
                p.float("scale", &v, range, c.default_scale())
            }
            None => c.default_scale(),
        };
        (c, p.notices)
    }

    /// The default `scale` for the chosen initializer: 0.5 for `constant` (the notes' example),
    /// 0.01 ("small random") otherwise.
    #[must_use]
    pub fn default_scale(&self) -> f64 {
        if self.init == InitKind::Constant {
            0.5
        } else {
            0.01
        }
    }

    /// The canonical query string (without `?`), every key written, so a link reproduces the view
    /// even if defaults change later.
    #[must_use]
    pub fn to_query(&self) -> String {
        let gain = match self.gain {
            Gain::Default => "default".to_string(),
            Gain::Auto => "auto".to_string(),
            Gain::Value(g) => num(g),
        };
        let slope = match self.act {
            // f32 printed as f32: 0.02, not 0.019999999552965164
            Activation::LeakyRelu(s) => format!("{s}"),
            _ => format!("{DEFAULT_LEAKY_SLOPE}"),
        };
        let bias = match self.bias {
            BiasInit::Zeros => "zeros".to_string(),
            BiasInit::SameAsWeights => "same".to_string(),
            BiasInit::Constant(b) => num(b),
        };
        let diagram = match self.diagram {
            DiagramView::Weights => "weights",
            DiagramView::Grads => "grads",
        };
        let mut q = format!(
            "depth={}&width={}&init={}&scale={}&gain={}&mode={}&trunc={}&act={}&slope={}&bias={}&bn={}&batch={}&input={}&noise={}&seed={}&diagram={}",
            self.depth,
            self.width,
            self.init,
            num(self.scale),
            gain,
            self.mode.id(),
            u8::from(self.trunc),
            self.act,
            slope,
            bias,
            u8::from(self.bn),
            self.batch,
            self.input,
            num(self.noise),
            self.seed,
            diagram
        );
        if self.embed {
            q.push_str("&embed=1");
        }
        q
    }

    /// The initializer this configuration describes.
    #[must_use]
    pub fn init_spec(&self) -> InitSpec {
        InitSpec { kind: self.init, scale: self.scale, gain: self.gain, mode: self.mode, truncated: self.trunc, bias: self.bias }
    }

    /// The network's shape: Gaussian input has `width` features and one regression output;
    /// toy datasets have 2 features and one output per class.
    #[must_use]
    pub fn shape(&self) -> Shape {
        let output = match self.input.classes() {
            0 => 1,
            k => k,
        };
        Shape { input: self.input.dim(self.width), depth: self.depth, width: self.width, output }
    }

    /// Refuses configurations whose buffers would exceed [`MEMORY_BUDGET`], before any allocation.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bytes = Workspace::bytes_for(self.shape(), self.batch, self.bn) + 4 * (self.batch * self.shape().input) as u64;
        if bytes > MEMORY_BUDGET {
            return Err(ConfigError::TooLarge { bytes, budget: MEMORY_BUDGET });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips() {
        let c = Config::default();
        let (d, notes) = Config::from_query(&c.to_query());
        assert_eq!(c, d);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn every_field_round_trips() {
        let q = "depth=37&width=12&init=constant&scale=-2.5&gain=auto&mode=fan_out&trunc=1&act=leaky_relu&slope=0.02&bias=same&bn=1&batch=9&input=moons&noise=0.3&seed=4000000000&diagram=grads&embed=1";
        let (c, notes) = Config::from_query(q);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(c.depth, 37);
        assert_eq!(c.act, Activation::LeakyRelu(0.02));
        assert!(c.to_query().contains("slope=0.02&"), "{}", c.to_query());
        assert_eq!(c.scale, -2.5);
        let (d, _) = Config::from_query(&c.to_query());
        assert_eq!(c, d);
    }

    #[test]
    fn aliases_and_percent_encoding() {
        let (c, notes) = Config::from_query("?init=kaiming_uniform&act=ReLU&gain=1.5&input=two_moons&x%3D=1");
        assert_eq!(c.init, InitKind::HeUniform);
        assert_eq!(c.act, Activation::Relu);
        assert_eq!(c.gain, Gain::Value(1.5));
        assert_eq!(c.input, InputKind::Moons);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].key, "x=");
        assert_eq!(percent_decode("a%20b+c%zz%4"), "a b c%zz%4");
    }

    #[test]
    fn bad_values_fall_back_with_a_notice_naming_the_key() {
        let (c, notes) = Config::from_query("depth=500&width=abc&init=magic&scale=100&batch=0&seed=-1&bn=maybe");
        assert_eq!(c.depth, 100);
        assert_eq!(c.width, 256);
        assert_eq!(c.init, InitKind::XavierNormal);
        assert_eq!(c.scale, 10.0);
        assert_eq!(c.batch, 1);
        assert_eq!(c.seed, 1);
        let keys: Vec<&str> = notes.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(keys, ["depth", "width", "init", "batch", "seed", "bn", "scale"]);
        // NaN and infinities are not numbers here
        let (c, notes) = Config::from_query("scale=NaN&gain=inf");
        assert_eq!(c.scale, 0.01);
        assert_eq!(c.gain, Gain::Default);
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn memory_budget() {
        let (big, _) = Config::from_query("depth=100&width=1024&batch=4096");
        assert!(matches!(big.validate(), Err(ConfigError::TooLarge { .. })));
        assert!(Config::default().validate().is_ok());
        let (cs231n, _) = Config::from_query("depth=10&width=500&batch=1000");
        assert!(cs231n.validate().is_ok());
        let (glorot, _) = Config::from_query("depth=5&width=1000&batch=1000");
        assert!(glorot.validate().is_ok());
    }
}
