//! Inputs: Gaussian features and 2-D toy datasets, all from a seeded generator.

use crate::choice::{self, Choice, Entry, UnknownName};
use crate::math::rng::Rng;
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
    /// The UCI optical handwritten digits: 8×8 images, 1,797 samples, 10 classes (see [`digits`]).
    Digits,
}

/// The UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin & Kaynak 1998, CC BY 4.0;
/// the copy scikit-learn ships): 65 bytes per image, 64 pixels 0–16 in row order, then the label.
/// Packed from `data/digits/digits.csv.gz` by `build.rs`. Read through [`digits`].
static DIGITS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/digits.bin"));

#[cfg(target_arch = "wasm32")]
static LOADED_DIGITS: std::sync::OnceLock<&'static [u8]> = std::sync::OnceLock::new();

/// The digits' bytes ([`DIGITS`]). Natively always; in wasm only in a module that called
/// [`load_digits`] (the compute worker, which trains and computes them): the page does not carry
/// the 46 KB (gzipped) it would only need for computing without a worker. Empty otherwise.
#[must_use]
pub fn digits() -> &'static [u8] {
    #[cfg(target_arch = "wasm32")]
    return LOADED_DIGITS.get().copied().unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    DIGITS
}

/// Links the digits into this wasm module and makes [`digits`] return them (natively a no-op).
pub fn load_digits() {
    #[cfg(target_arch = "wasm32")]
    let _ = LOADED_DIGITS.set(DIGITS);
}

/// Images in the digits set, known without the data: the page (which does not load the digits)
/// budgets a digits run with it. Held to [`digit_count`] by a test.
pub const DIGIT_IMAGES: usize = 1797;

/// Images in [`digits`] (0 in a wasm module that did not [`load_digits`]).
#[must_use]
pub fn digit_count() -> usize {
    digits().len() / 65
}

/// Samples a training run draws its train/test split from: the whole digits set; 1,000 points
/// of a 2-D dataset or of Gaussian input.
pub const POOL_SIZE: usize = 1000;

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
        Entry {
            value: InputKind::Digits, id: "digits", aliases: &["mnist8", "uci_digits"], label: "handwritten digits (8×8, 10 classes)"
        },
    ];
}

impl InputKind {
    /// Number of classes (0 for unlabelled Gaussian input).
    #[must_use]
    pub fn classes(self) -> usize {
        match self {
            InputKind::Gaussian => 0,
            InputKind::Blobs => 3,
            InputKind::Digits => 10,
            _ => 2,
        }
    }

    /// Input dimension for a network of hidden width `width`.
    #[must_use]
    pub fn dim(self, width: usize) -> usize {
        match self {
            InputKind::Gaussian => width,
            InputKind::Digits => 64,
            _ => 2,
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
        if self == InputKind::Digits {
            // n images without replacement (a seeded shuffle; past 1,797 it starts over).
            let count = digit_count();
            let mut order: Vec<usize> = (0..count).collect();
            for i in 0..n {
                let k = i % count;
                if k == 0 {
                    shuffle(&mut order, rng);
                }
                push_digit(order[k], &mut x, &mut labels);
            }
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
                InputKind::Gaussian | InputKind::Digits => unreachable!(),
            };
            labels.push(c);
            x.push((px + noise * rng.normal()) as f32);
            x.push((py + noise * rng.normal()) as f32);
        }
        Batch { x, dim, labels, classes }
    }
}

/// Appends image `i` of [`digits`] as pixels scaled to [0, 1] (x/16, as scikit-learn's examples do).
fn push_digit(i: usize, x: &mut Vec<f32>, labels: &mut Vec<usize>) {
    let row = &digits()[i * 65..(i + 1) * 65];
    x.extend(row[..64].iter().map(|&p| f32::from(p) / 16.0));
    labels.push(usize::from(row[64]));
}

/// Fisher–Yates shuffle with the seeded generator.
pub fn shuffle(v: &mut [usize], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
}

impl Batch {
    /// The rows `idx`, in that order.
    #[must_use]
    pub fn select(&self, idx: &[usize]) -> Batch {
        let mut x = Vec::with_capacity(idx.len() * self.dim);
        for &i in idx {
            x.extend_from_slice(&self.x[i * self.dim..(i + 1) * self.dim]);
        }
        let labels = if self.labels.is_empty() { Vec::new() } else { idx.iter().map(|&i| self.labels[i]).collect() };
        Batch { x, dim: self.dim, labels, classes: self.classes }
    }

    /// Samples in the batch.
    #[must_use]
    pub fn len(&self) -> usize {
        self.x.len() / self.dim.max(1)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

impl InputKind {
    /// The pool a training run splits into train and test: every digit image (in file order),
    /// or [`POOL_SIZE`] fresh samples.
    #[must_use]
    pub fn pool(self, width: usize, noise: f64, rng: &mut Rng) -> Batch {
        if self == InputKind::Digits {
            let (mut x, mut labels) = (Vec::with_capacity(digit_count() * 64), Vec::with_capacity(digit_count()));
            for i in 0..digit_count() {
                push_digit(i, &mut x, &mut labels);
            }
            return Batch { x, dim: 64, labels, classes: 10 };
        }
        self.sample(POOL_SIZE, width, noise, rng)
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
    use crate::math::rng::Stream;

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

    /// The packed digits match their source's description: 1,797 images, 10 classes of about
    /// 180 each (scikit-learn's `load_digits` docs: 178–183 per class), pixels 0–16.
    #[test]
    fn digits_are_the_uci_set() {
        assert_eq!(digit_count(), 1797);
        assert_eq!(DIGIT_IMAGES, digit_count());
        let mut per_class = [0usize; 10];
        for row in DIGITS.chunks_exact(65) {
            per_class[usize::from(row[64])] += 1;
            assert!(row[..64].iter().all(|&p| p <= 16));
        }
        assert!(per_class.iter().all(|&n| (170..=190).contains(&n)), "{per_class:?}");
        assert_eq!(per_class.iter().sum::<usize>(), 1797);
        // The first image is a 0 (its top row is 0,0,5,13,9,1,0,0).
        assert_eq!(&DIGITS[..8], &[0, 0, 5, 13, 9, 1, 0, 0]);
        assert_eq!(DIGITS[64], 0);
    }
}
