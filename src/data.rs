//! Inputs: Gaussian features and 2-D toy datasets, all from a seeded generator.

use crate::choice::{self, Choice, Entry, UnknownName};
use crate::rng::Rng;
use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

/// Where the input batch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// x ~ N(0, I) with as many features as the hidden width (as in the CS231n demo).
    #[default]
    Gaussian,
    /// Two interleaved spirals (2 classes).
    Spiral,
    /// Two moons (2 classes).
    Moons,
    /// A disc inside a ring (2 classes).
    Circles,
    /// Quadrant parity (2 classes).
    Xor,
    /// Three Gaussian blobs (3 classes).
    Blobs,
}

/// A batch of inputs with its labels (empty for Gaussian input).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// batch × dim, row-major
    pub x: Vec<f32>,
    pub dim: usize,
    pub labels: Vec<usize>,
    pub classes: usize,
}

impl Choice for InputKind {
    const WHAT: &'static str = "input";
    const TABLE: &'static [Entry<InputKind>] = &[
        Entry {
            value: InputKind::Gaussian, id: "gaussian", aliases: &["normal", "randn"], label: "Gaussian x ∼ N(0, 1), width features"
        },
        Entry { value: InputKind::Spiral, id: "spiral", aliases: &[], label: "spiral (2-D, 2 classes)" },
        Entry { value: InputKind::Moons, id: "moons", aliases: &["moon", "two_moons"], label: "two moons (2-D, 2 classes)" },
        Entry { value: InputKind::Circles, id: "circles", aliases: &["circle"], label: "circles (2-D, 2 classes)" },
        Entry { value: InputKind::Xor, id: "xor", aliases: &[], label: "XOR (2-D, 2 classes)" },
        Entry { value: InputKind::Blobs, id: "blobs", aliases: &["blob"], label: "blobs (2-D, 3 classes)" },
    ];
}

impl InputKind {
    /// Number of classes (0 for unlabelled Gaussian input).
    #[must_use]
    pub fn classes(self) -> usize {
        match self {
            InputKind::Gaussian => 0,
            InputKind::Blobs => 3,
            _ => 2,
        }
    }

    /// Input dimension for a network of hidden width `width`.
    #[must_use]
    pub fn dim(self, width: usize) -> usize {
        if self == InputKind::Gaussian {
            width
        } else {
            2
        }
    }

    /// `n` samples; `noise` is the std of Gaussian jitter added to toy points (ignored for Gaussian).
    #[must_use]
    pub fn sample(self, n: usize, width: usize, noise: f64, rng: &mut Rng) -> Batch {
        let dim = self.dim(width);
        let classes = self.classes();
        let mut x = Vec::with_capacity(n * dim);
        let mut labels = Vec::with_capacity(if classes > 0 { n } else { 0 });
        if self == InputKind::Gaussian {
            x.extend((0..n * dim).map(|_| rng.normal() as f32));
            return Batch { x, dim, labels, classes };
        }
        for i in 0..n {
            let c = i % classes;
            let (px, py) = match self {
                InputKind::Spiral => {
                    // r ∈ [0, 1], angle grows with r; class c is rotated by π·c
                    let r = rng.uniform01();
                    let t = 1.75 * 2.0 * PI * r + PI * c as f64;
                    (r * libm::cos(t), r * libm::sin(t))
                }
                InputKind::Moons => {
                    let t = PI * rng.uniform01();
                    if c == 0 {
                        (libm::cos(t), libm::sin(t) - 0.25)
                    } else {
                        (1.0 - libm::cos(t), 0.25 - libm::sin(t))
                    }
                }
                InputKind::Circles => {
                    let t = 2.0 * PI * rng.uniform01();
                    let r = if c == 0 { 0.5 * rng.uniform01().sqrt() } else { 0.8 + 0.2 * rng.uniform01() };
                    (r * libm::cos(t), r * libm::sin(t))
                }
                InputKind::Xor => {
                    let (a, b) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
                    let label = usize::from((a > 0.0) != (b > 0.0));
                    labels.push(label);
                    x.push((a + noise * rng.normal()) as f32);
                    x.push((b + noise * rng.normal()) as f32);
                    continue;
                }
                InputKind::Blobs => {
                    let t = 2.0 * PI * c as f64 / 3.0;
                    (0.7 * libm::cos(t) + 0.25 * rng.normal(), 0.7 * libm::sin(t) + 0.25 * rng.normal())
                }
                InputKind::Gaussian => unreachable!(),
            };
            labels.push(c);
            x.push((px + noise * rng.normal()) as f32);
            x.push((py + noise * rng.normal()) as f32);
        }
        Batch { x, dim, labels, classes }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for InputKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        choice::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn shapes_and_labels() {
        for kind in InputKind::all() {
            let mut rng = Rng::new(5, Stream::Input);
            let b = kind.sample(30, 8, 0.1, &mut rng);
            assert_eq!(b.x.len(), 30 * b.dim);
            assert!(b.x.iter().all(|v| v.is_finite()));
            if kind.classes() > 0 {
                assert_eq!(b.labels.len(), 30);
                assert!(b.labels.iter().all(|&c| c < kind.classes()));
                for c in 0..kind.classes() {
                    assert!(b.labels.contains(&c), "{kind}: class {c} missing");
                }
            }
        }
        crate::choice::check_table::<InputKind>();
    }
}
