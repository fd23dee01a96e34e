//! The initializers' formulas as MathML (rendered natively by browsers, no CDN), and the
//! numbers they give for a layer.

use crate::format::fmt_num;
use crate::nn::activation::Activation;
use crate::nn::block::NormKind;
use crate::nn::init::{Dist, Draw, FanMode, Gain, Init, InitSpec};

fn sqrt_frac(num: &str, den: &str) -> String {
    format!("<msqrt><mfrac><mn>{num}</mn><mrow>{den}</mrow></mfrac></msqrt>")
}

const N_IN: &str = "<msub><mi>n</mi><mtext>in</mtext></msub>";
const N_OUT: &str = "<msub><mi>n</mi><mtext>out</mtext></msub>";

fn fan_mathml(mode: FanMode) -> String {
    match mode {
        FanMode::FanIn => N_IN.to_string(),
        FanMode::FanOut => N_OUT.to_string(),
        FanMode::FanAvg => format!("<mo>(</mo>{N_IN}<mo>+</mo>{N_OUT}<mo>)</mo><mo>/</mo><mn>2</mn>"),
    }
}

/// MathML for the distribution of `spec` (display block). `n_in`/`n_out` are the fans.
#[must_use]
pub fn mathml(spec: &InitSpec) -> String {
    let normal = "<mi>W</mi><mo>∼</mo><mi mathvariant=\"script\">N</mi><mo>(</mo><mn>0</mn><mo>,</mo><msup><mi>σ</mi><mn>2</mn></msup><mo>)</mo><mo separator=\"true\">,</mo><mspace width=\"1em\"/><mi>σ</mi><mo>=</mo>";
    let uniform = "<mi>W</mi><mo>∼</mo><mi>U</mi><mo>[</mo><mo>−</mo><mi>ℓ</mi><mo>,</mo><mi>ℓ</mi><mo>]</mo><mo separator=\"true\">,</mo><mspace width=\"1em\"/><mi>ℓ</mi><mo>=</mo>";
    let g = "<mtext>gain</mtext><mo>·</mo>";
    let fan = fan_mathml(spec.mode);
    let body = match spec.kind {
        Init::Zeros => "<mi>W</mi><mo>=</mo><mn>0</mn>".to_string(),
        Init::Constant => "<mi>W</mi><mo>=</mo><mi>c</mi>".to_string(),
        Init::Random(Dist::Normal) => "<mi>W</mi><mo>∼</mo><mi mathvariant=\"script\">N</mi><mo>(</mo><mn>0</mn><mo>,</mo><msup><mi>s</mi><mn>2</mn></msup><mo>)</mo>".to_string(),
        Init::Random(Dist::Uniform) => "<mi>W</mi><mo>∼</mo><mi>U</mi><mo>[</mo><mo>−</mo><mi>a</mi><mo>,</mo><mi>a</mi><mo>]</mo>".to_string(),
        Init::Xavier(Dist::Normal) => format!("{normal}{g}{}", sqrt_frac("2", &format!("{N_IN}<mo>+</mo>{N_OUT}"))),
        Init::Xavier(Dist::Uniform) => format!("{uniform}{g}{}", sqrt_frac("6", &format!("{N_IN}<mo>+</mo>{N_OUT}"))),
        Init::He(Dist::Normal) | Init::Lecun(Dist::Normal) => format!("{normal}<mfrac><mtext>gain</mtext><msqrt>{fan}</msqrt></mfrac>"),
        Init::He(Dist::Uniform) | Init::Lecun(Dist::Uniform) => format!("{uniform}{g}{}", sqrt_frac("3", &fan)),
        Init::Orthogonal => "<mi>W</mi><mo>=</mo><mtext>gain</mtext><mo>·</mo><mi>Q</mi><mo separator=\"true\">,</mo><mspace width=\"1em\"/><msup><mi>Q</mi><mo>⊤</mo></msup><mi>Q</mi><mo>=</mo><mi>I</mi>".to_string(),
    };
    format!("<math display=\"block\">{body}</math>")
}

/// The numbers for a `fan_in × fan_out` layer, in words: "σ = 0.0625 (gain 1, n_in 256, n_out 256)".
#[must_use]
pub fn numbers(spec: &InitSpec, fan_in: usize, fan_out: usize, act: Activation) -> String {
    let gain = spec.resolved_gain(act);
    let fans = format!("n_in = {fan_in}, n_out = {fan_out}");
    // VarianceScaling cuts at ±2 std of the uncorrected normal = ±2σ/0.8796 of the σ shown.
    let cut = 2.0 / crate::nn::init::TRUNCATED_NORMAL_STD;
    let trunc = if spec.truncated { format!(", truncated at ±{}σ as Keras' VarianceScaling", short(cut)) } else { String::new() };
    match spec.draw(fan_in, fan_out, act) {
        Draw::Constant(c) => format!("every weight = {c}"),
        Draw::Normal { std, .. } if spec.kind.is_variance_scaling() => {
            format!("σ = {} (gain = {}, {fans}{trunc})", short(std), short(gain))
        }
        Draw::Normal { std, truncated: true } => {
            format!("σ = 0.88·s = {}: N(0, s²) cut at ±2s = ±{}, as Keras' TruncatedNormal", short(std), short(2.0 * spec.scale))
        }
        Draw::Normal { std, .. } => format!("σ = {}", short(std)),
        Draw::Uniform { limit } if spec.kind.is_variance_scaling() => {
            format!("ℓ = {} (σ = ℓ/√3 = {}; gain = {}, {fans})", short(limit), short(limit / 3f64.sqrt()), short(gain))
        }
        Draw::Uniform { limit } => format!("a = {} (σ = a/√3 = {})", short(limit), short(limit / 3f64.sqrt())),
        Draw::Orthogonal { gain } => format!(
            "gain = {}; entries have σ = gain/√max(n_in, n_out) = {}",
            short(gain),
            short(gain / (fan_in.max(fan_out) as f64).sqrt())
        ),
    }
}

/// Caveats of this initializer with this activation and normalization, in plain words.
#[must_use]
pub fn notes(spec: &InitSpec, act: Activation, norm: Option<NormKind>) -> Vec<String> {
    let mut notes = Vec::new();
    if spec.gain == Gain::Auto && spec.kind.uses_gain() {
        match act.calculate_gain() {
            None => notes.push(format!("PyTorch's calculate_gain has no value for {act}: gain 1 is used.")),
            Some(g) if act == Activation::Selu => notes.push(format!(
                "calculate_gain(\"selu\") = {} (PyTorch's choice); it makes σ² = {}·σ²(LeCun), and SELU self-normalizes only at LeCun's σ² = 1/fan_in (gain 1, Klambauer et al. 2017): with this gain the activations drift from mean 0, variance 1 with depth.",
                short(g),
                short(g * g)
            )),
            Some(_) => {}
        }
    }
    match norm {
        Some(NormKind::Batch) => notes.push(format!(
            "Batch norm (ε = {}, as PyTorch) rescales z to unit variance per unit, which removes most of the sensitivity to the weights' scale, but not all: where Var(z) is not ≫ ε (tiny weights) its output has σ = √(Var(z)/(Var(z) + ε)) < 1, and it needs a batch of 2 or more.",
            crate::nn::network::BN_EPS
        )),
        Some(NormKind::Layer) => notes.push(format!(
            "Layer norm (ε = {}, as PyTorch's nn.LayerNorm) rescales each sample's z to mean 0 and variance 1 over its units, whatever the batch (a batch of 1 works, and the samples are independent), which removes most of the sensitivity to the weights' scale, but not all: where a sample's variance is not ≫ ε (tiny weights) its output has σ = √(Var/(Var + ε)) < 1.",
            crate::nn::block::LN_EPS
        )),
        Some(NormKind::Rms) => notes.push(format!(
            "RMS norm (ε = {}, as T5, LLaMA and Keras) rescales each sample's z to mean square 1 over its units and keeps its mean (no centering, no β), whatever the batch, which removes most of the sensitivity to the weights' scale, but not all: where a sample's mean square is not ≫ ε (tiny weights) its output's is m/(m + ε) < 1.",
            crate::nn::block::RMS_EPS
        )),
        None => {}
    }
    notes
}

fn short(x: f64) -> String {
    fmt_num(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choice::Choice;

    #[test]
    fn mathml_is_well_formed_enough() {
        for kind in Init::all() {
            let m = mathml(&InitSpec { kind, ..InitSpec::default() });
            assert!(m.starts_with("<math") && m.ends_with("</math>"));
            assert_eq!(m.matches("<msqrt>").count(), m.matches("</msqrt>").count());
            assert_eq!(m.matches("<mfrac>").count(), m.matches("</mfrac>").count());
        }
        let s = InitSpec { kind: Init::Xavier(Dist::Normal), ..InitSpec::default() };
        assert_eq!(numbers(&s, 256, 256, Activation::Tanh), "σ = 0.0625 (gain = 1.00, n_in = 256, n_out = 256)");
    }

    #[test]
    fn selu_with_auto_gain_is_flagged() {
        let s = InitSpec { kind: Init::Lecun(Dist::Normal), gain: Gain::Auto, ..InitSpec::default() };
        let n = notes(&s, Activation::Selu, None);
        assert!(n.len() == 1 && n[0].contains("0.750") && n[0].contains("drift"), "{n:?}");
        assert!(notes(&InitSpec { gain: Gain::Default, ..s }, Activation::Selu, None).is_empty());
        assert!(notes(&s, Activation::Gelu, None)[0].contains("gain 1 is used"));
    }
}
