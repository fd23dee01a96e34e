//! Activation functions and their derivatives.
//!
//! Every transcendental function goes through `libm`, so results are bit-identical natively and
//! in wasm. Forms are the numerically stable ones: sigmoid and softplus never overflow, even at
//! |x| = 1000.

use crate::choice::{self, Choice, Entry, UnknownName};
use std::fmt;
use std::str::FromStr;

/// SELU constants from Klambauer et al. (2017), "Self-Normalizing Neural Networks", eq. 14
/// (the same values as PyTorch `nn.SELU` and Keras `selu`).
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// SELU scale λ (Klambauer et al. 2017).
pub const SELU_LAMBDA: f32 = 1.050_701;

/// Default negative slope of leaky ReLU (PyTorch `nn.LeakyReLU` default).
pub const DEFAULT_LEAKY_SLOPE: f32 = 0.01;

/// A hidden-layer nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// f(x) = x
    Linear,
    /// f(x) = 1 / (1 + e⁻ˣ)
    Sigmoid,
    /// f(x) = tanh x
    Tanh,
    /// f(x) = max(0, x)
    Relu,
    /// f(x) = x for x > 0, slope·x otherwise
    LeakyRelu(f32),
    /// f(x) = x for x > 0, eˣ − 1 otherwise (α = 1, PyTorch default)
    Elu,
    /// f(x) = λ·x for x > 0, λ·α·(eˣ − 1) otherwise
    Selu,
    /// Exact GELU (Hendrycks & Gimpel 2016): f(x) = x·Φ(x) = x·(1 + erf(x/√2))/2, as PyTorch
    /// `nn.GELU()` with its default `approximate='none'`.
    Gelu,
    /// Swish / SiLU (Ramachandran et al. 2017; Elfwing et al. 2018): f(x) = x·σ(x)
    Swish,
    /// f(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|)
    Softplus,
}

impl Choice for Activation {
    const WHAT: &'static str = "activation";
    const TABLE: &'static [Entry<Activation>] = &[
        Entry { value: Activation::Linear, id: "linear", aliases: &["identity", "none"], label: "linear" },
        Entry { value: Activation::Sigmoid, id: "sigmoid", aliases: &["logistic"], label: "sigmoid" },
        Entry { value: Activation::Tanh, id: "tanh", aliases: &[], label: "tanh" },
        Entry { value: Activation::Relu, id: "relu", aliases: &[], label: "ReLU" },
        Entry {
            value: Activation::LeakyRelu(DEFAULT_LEAKY_SLOPE),
            id: "leaky_relu",
            aliases: &["leakyrelu", "lrelu"],
            label: "leaky ReLU",
        },
        Entry { value: Activation::Elu, id: "elu", aliases: &[], label: "ELU" },
        Entry { value: Activation::Selu, id: "selu", aliases: &[], label: "SELU" },
        Entry { value: Activation::Gelu, id: "gelu", aliases: &[], label: "GELU (exact, erf)" },
        Entry { value: Activation::Swish, id: "swish", aliases: &["silu"], label: "swish / SiLU" },
        Entry { value: Activation::Softplus, id: "softplus", aliases: &[], label: "softplus" },
    ];

    /// By variant: leaky ReLU is one row whatever its slope.
    fn is(self, row: &Activation) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(row)
    }
}

/// Logistic sigmoid in a form that never overflows.
#[inline]
#[must_use]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Φ(x), the standard normal CDF, accurate in both tails: (1 + erf(x/√2))/2 for x ≥ 0, and
/// erfc(−x/√2)/2 for x < 0, where 1 + erf would cancel (at x = −4 it keeps 3 of f32's 7 digits).
#[inline]
fn std_normal_cdf(x: f32) -> f32 {
    if x >= 0.0 {
        0.5 * (1.0 + libm::erff(x * FRAC_1_SQRT_2))
    } else {
        0.5 * libm::erfcf(-x * FRAC_1_SQRT_2)
    }
}
/// 1/√(2π)
const INV_SQRT_2PI: f32 = 0.398_942_3;

impl Activation {
    /// Every activation, with leaky ReLU at its default slope.
    #[must_use]
    pub fn all() -> Vec<Activation> {
        <Self as Choice>::all()
    }

    /// f(x).
    #[inline]
    #[must_use]
    pub fn apply(self, x: f32) -> f32 {
        use Activation::*;
        match self {
            Linear => x,
            Sigmoid => sigmoid(x),
            Tanh => libm::tanhf(x),
            Relu => x.max(0.0),
            LeakyRelu(s) => {
                if x > 0.0 {
                    x
                } else {
                    s * x
                }
            }
            Elu => {
                if x > 0.0 {
                    x
                } else {
                    libm::expm1f(x)
                }
            }
            Selu => {
                if x > 0.0 {
                    SELU_LAMBDA * x
                } else {
                    SELU_LAMBDA * SELU_ALPHA * libm::expm1f(x)
                }
            }
            Gelu => x * std_normal_cdf(x),
            Swish => x * sigmoid(x),
            Softplus => x.max(0.0) + libm::log1pf(libm::expf(-x.abs())),
        }
    }

    /// f′(x), given the pre-activation `x` and the already computed output `y = f(x)`.
    /// ReLU-like kinks take the derivative of the x ≤ 0 side at 0, as PyTorch does.
    #[inline]
    #[must_use]
    pub fn derivative(self, x: f32, y: f32) -> f32 {
        use Activation::*;
        match self {
            Linear => 1.0,
            Sigmoid => y * (1.0 - y),
            Tanh => 1.0 - y * y,
            Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            LeakyRelu(s) => {
                if x > 0.0 {
                    1.0
                } else {
                    s
                }
            }
            Elu => {
                if x > 0.0 {
                    1.0
                } else {
                    y + 1.0
                }
            }
            Selu => {
                if x > 0.0 {
                    SELU_LAMBDA
                } else {
                    y + SELU_LAMBDA * SELU_ALPHA
                }
            }
            // d/dx x·Φ(x) = Φ(x) + x·φ(x)
            Gelu => std_normal_cdf(x) + x * INV_SQRT_2PI * libm::expf(-0.5 * x * x),
            // d/dx x·σ(x) = σ(x) + x·σ(x)(1 − σ(x))
            Swish => {
                let s = sigmoid(x);
                s + x * s * (1.0 - s)
            }
            Softplus => sigmoid(x),
        }
    }

    /// a = f(z), element-wise.
    pub fn forward(self, z: &[f32], a: &mut [f32]) {
        for (a, &z) in a.iter_mut().zip(z) {
            *a = self.apply(z);
        }
    }

    /// dz = da ⊙ f′(z), element-wise (the chain rule through the nonlinearity).
    pub fn backward(self, z: &[f32], a: &[f32], da: &[f32], dz: &mut [f32]) {
        for (((dz, &da), &z), &a) in dz.iter_mut().zip(da).zip(z).zip(a) {
            *dz = da * self.derivative(z, a);
        }
    }

    /// PyTorch's `torch.nn.init.calculate_gain` for this nonlinearity: linear and sigmoid 1,
    /// tanh 5/3, relu √2, leaky_relu √(2/(1 + slope²)), selu 3/4. PyTorch defines no gain for the
    /// others (it raises `ValueError`), so this returns `None` for them.
    #[must_use]
    pub fn calculate_gain(self) -> Option<f64> {
        use Activation::*;
        match self {
            Linear | Sigmoid => Some(1.0),
            Tanh => Some(5.0 / 3.0),
            Relu => Some(std::f64::consts::SQRT_2),
            LeakyRelu(s) => Some((2.0 / (1.0 + f64::from(s) * f64::from(s))).sqrt()),
            Selu => Some(0.75),
            Elu | Gelu | Swish | Softplus => None,
        }
    }

    /// Whether a unit's output counts as saturated: |tanh| > 0.99, or sigmoid < 0.01 or > 0.99.
    /// `None` for activations that do not saturate on both sides.
    #[must_use]
    pub fn saturation_test(self) -> Option<fn(f32) -> bool> {
        match self {
            Activation::Tanh => Some(|y: f32| y.abs() > 0.99),
            // A NaN is counted as non-finite, not as saturated.
            Activation::Sigmoid => Some(|y: f32| !y.is_nan() && !(0.01..=0.99).contains(&y)),
            _ => None,
        }
    }

    /// A short description for the UI.
    #[must_use]
    pub fn describe(self) -> &'static str {
        use Activation::*;
        match self {
            Linear => "f(x) = x",
            Sigmoid => "f(x) = 1/(1+e^−x), saturates at 0 and 1",
            Tanh => "f(x) = tanh x, saturates at ±1",
            Relu => "f(x) = max(0, x)",
            LeakyRelu(_) => "f(x) = x if x > 0, else slope·x",
            Elu => "f(x) = x if x > 0, else e^x − 1",
            Selu => "f(x) = λx if x > 0, else λα(e^x − 1); λ ≈ 1.0507, α ≈ 1.6733",
            Gelu => "f(x) = x·Φ(x), exact (erf) form",
            Swish => "f(x) = x·σ(x) (SiLU)",
            Softplus => "f(x) = ln(1 + e^x)",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Activation {
    type Err = UnknownName;

    /// Parses an id or alias (case-insensitive): `identity`, `logistic`, `leakyrelu`, `silu`, ...
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        choice::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central difference in f64 of the f32 function, compared to the analytic derivative.
    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-3f64;
        for act in Activation::all() {
            for i in -40..=40 {
                let x = i as f64 * 0.1 + 0.013; // at least 0.013 > h from the kink at 0
                                                // The step actually taken, after rounding x ± h to f32.
                let (xp, xm) = ((x + h) as f32, (x - h) as f32);
                let (fp, fm) = (f64::from(act.apply(xp)), f64::from(act.apply(xm)));
                let numeric = (fp - fm) / (f64::from(xp) - f64::from(xm));
                let y = act.apply(x as f32);
                let analytic = f64::from(act.derivative(x as f32, y));
                // Each f32 value of f is within 4 ulp (4·2⁻²⁴·|f|: libm's f32 functions are within a
                // few ulp, plus the rounding of the products), so the difference quotient over
                // 2h = 2e-3 is off by at most 2·4·6e-8·|f|/2e-3 ≈ 2.4e-4·|f|; the truncation error
                // h²/6·|f‴| is under 1e-6 (|f‴| < 6 for all of these).
                let tol = 2.4e-4 * fp.abs().max(fm.abs()) + 1e-6;
                assert!((numeric - analytic).abs() < tol, "{act} at {x}: {numeric} vs {analytic} (tolerance {tol:e})");
            }
        }
    }

    /// GELU against x·Φ(x) in f64 (Φ by libm's f64 erfc): within 4 f32 ulp from −6 to 6, where
    /// f32 (1 + erf(x/√2))/2 used to be off by 1e-3 relative near x = −4 (cancellation).
    #[test]
    fn gelu_is_accurate_in_both_tails() {
        for i in -60..=60 {
            let x = f64::from(i) * 0.1 + 0.003;
            let want = x * 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
            let got = f64::from(Activation::Gelu.apply(x as f32));
            // x rounded to f32 moves f by |f′|·|Δx| too.
            let dx = (f64::from(x as f32) - x).abs();
            let tol = 4.0 * f64::from(f32::EPSILON) * want.abs() + 1.2 * dx;
            assert!((got - want).abs() <= tol, "gelu({x}) = {got}, f64 {want}");
        }
    }

    #[test]
    fn stable_at_extremes() {
        for act in Activation::all() {
            for x in [-1000.0f32, -100.0, 100.0, 1000.0] {
                let y = act.apply(x);
                let d = act.derivative(x, y);
                assert!(y.is_finite() && d.is_finite(), "{act}({x}) = {y}, f' = {d}");
            }
        }
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(Activation::Softplus.apply(1000.0), 1000.0);
        assert_eq!(Activation::Softplus.apply(-1000.0), 0.0);
    }

    #[test]
    fn reference_values() {
        // Values from the definitions (PyTorch gives the same to float precision).
        assert!((Activation::Selu.apply(-1.0) - (-1.111_330_7)).abs() < 1e-6);
        assert!((Activation::Gelu.apply(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((Activation::Swish.apply(1.0) - 0.731_058_6).abs() < 1e-6);
        assert!((Activation::Softplus.apply(0.0) - std::f32::consts::LN_2).abs() < 1e-7);
        assert_eq!(Activation::LeakyRelu(0.01).apply(-2.0), -0.02);
    }

    #[test]
    fn gains_match_pytorch_calculate_gain() {
        assert_eq!(Activation::Linear.calculate_gain(), Some(1.0));
        assert_eq!(Activation::Sigmoid.calculate_gain(), Some(1.0));
        assert_eq!(Activation::Tanh.calculate_gain(), Some(5.0 / 3.0));
        assert_eq!(Activation::Relu.calculate_gain(), Some(2f64.sqrt()));
        let g = Activation::LeakyRelu(0.01).calculate_gain().unwrap();
        assert!((g - (2.0 / 1.0001f64).sqrt()).abs() < 1e-7);
        assert_eq!(Activation::Selu.calculate_gain(), Some(0.75));
        assert_eq!(Activation::Gelu.calculate_gain(), None);
    }

    #[test]
    fn ids_round_trip_and_aliases() {
        for act in Activation::all() {
            assert_eq!(act.id().parse::<Activation>().unwrap().id(), act.id());
        }
        assert_eq!("SiLU".parse::<Activation>().unwrap(), Activation::Swish);
        for act in [Activation::Tanh, Activation::Sigmoid] {
            let saturated = act.saturation_test().unwrap();
            assert!(!saturated(f32::NAN), "{act}: NaN counted as saturated");
            assert!(saturated(act.apply(10.0)) && !saturated(act.apply(0.1)));
        }
        assert_eq!("logistic".parse::<Activation>().unwrap(), Activation::Sigmoid);
        assert_eq!("relu6".parse::<Activation>().unwrap_err().given, "relu6");
        crate::choice::check_table::<Activation>();
    }
}
