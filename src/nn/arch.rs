//! How a network's hidden layers are connected: one after another (`plain`), or as residual
//! blocks around a stream of constant width (`residual`).
//!
//! A residual network (He, Zhang, Ren & Sun 2016, "Deep residual learning") is, in rows:
//!
//! ```text
//! x_0 = input·W_stem + b_stem                (a first dense layer maps the input to the stream)
//! x_{l+1} = x_l + α·F(x_l)                   (l = 0 … depth−1: depth counts blocks)
//! y = x_depth·W_out + b_out                  (a last one reads it out)
//! ```
//!
//! with the branch F = dense → φ → dense ([`Branch::Two`]) or dense → φ ([`Branch::One`]). A
//! normalisation sits before the branch (`pre`: x + F(Norm(x)), Xiong et al. 2020's pre-LN
//! transformer) or after the sum (`post`: Norm(x + F(x)), Vaswani et al. 2017, BERT). How the
//! branch is scaled at initialization is [`ResScale`].

use crate::choice::{Choice, Entry};

/// The layers of one residual branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Branch {
    /// F(x) = φ(x·W + b).
    One,
    /// F(x) = φ(x·W₁ + b₁)·W₂ + b₂ (a ResNet's basic block without its convolutions, a
    /// transformer's MLP).
    #[default]
    Two,
}

impl Branch {
    /// Its dense layers (m of Fixup's N^(−1/(2m−2))).
    #[must_use]
    pub fn denses(self) -> usize {
        match self {
            Branch::One => 1,
            Branch::Two => 2,
        }
    }
}

impl Choice for Branch {
    const WHAT: &'static str = "branch";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: Branch::Two, id: "2", aliases: &["two"], label: "dense → φ → dense" },
        Entry { value: Branch::One, id: "1", aliases: &["one"], label: "dense → φ" },
    ];
}

/// How each residual branch is scaled at initialization. N is the number of residual branches
/// (the depth, one per block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResScale {
    /// α = 1: x_{l+1} = x_l + F(x_l), the original ResNet (He et al. 2016). The stream's variance
    /// adds each branch's: it grows with depth.
    #[default]
    None,
    /// The last dense layer of every branch drawn with its std divided by √N (Radford et al. 2019,
    /// GPT-2 §2.3: "scale the weights of residual layers at initialization by a factor of 1/√N
    /// where N is the number of residual layers"; GPT-2's code writes √(2·n_layer), two branches
    /// per transformer block). Each branch adds 1/N of its variance, so the stream's grows by a
    /// bounded factor over the whole depth ((1 + c/N)^N ≤ e^c).
    Gpt2,
    /// The last dense layer of every branch zero, its bias too (Goyal et al. 2017's zero γ of each
    /// block's last batch norm; Fixup's zero last layer, Zhang et al. 2019): every block is the
    /// identity at initialization, and its branch starts learning from the gradient its last
    /// layer gets.
    Zero,
    /// α a learnable scalar per block starting at 0 (Bachlechner et al. 2020, ReZero; SkipInit's
    /// α, De & Smith 2020): every block is the identity at initialization; the branch's weights
    /// are drawn as usual.
    Rezero,
}

impl ResScale {
    /// The factor on the std of every branch's last dense layer for `n` branches.
    #[must_use]
    pub fn last_std_factor(self, n: usize) -> f64 {
        match self {
            ResScale::None | ResScale::Rezero => 1.0,
            ResScale::Gpt2 => 1.0 / (n.max(1) as f64).sqrt(),
            ResScale::Zero => 0.0,
        }
    }

    /// α of every block at initialization.
    #[must_use]
    pub fn alpha(self) -> f32 {
        match self {
            ResScale::Rezero => 0.0,
            ResScale::None | ResScale::Gpt2 | ResScale::Zero => 1.0,
        }
    }

    /// Whether α is learned (a parameter of the block).
    #[must_use]
    pub fn learns_alpha(self) -> bool {
        self == ResScale::Rezero
    }

    /// What it is meant for, in a sentence with its source.
    #[must_use]
    pub fn meant_for(self) -> &'static str {
        match self {
            ResScale::None => "α = 1, as the original ResNet (He et al. 2016): each block adds its branch's variance to the stream's",
            ResScale::Gpt2 => {
                "the last dense layer of each branch has its std divided by √N (GPT-2, Radford et al. 2019), so the N branches together add a bounded share to the stream"
            }
            ResScale::Zero => {
                "the last dense layer of each branch is zero (Goyal et al. 2017; Fixup, Zhang et al. 2019), so every block starts as the identity (a one-layer branch only where φ(0) = 0)"
            }
            ResScale::Rezero => "α is a learned scalar per block starting at 0 (ReZero, Bachlechner et al. 2020), so every block starts as the identity",
        }
    }
}

impl Choice for ResScale {
    const WHAT: &'static str = "residual scaling";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: ResScale::None, id: "none", aliases: &["off"], label: "none (α = 1)" },
        Entry { value: ResScale::Gpt2, id: "gpt2", aliases: &["gpt_2"], label: "GPT-2: last layer std ÷ √N" },
        Entry { value: ResScale::Zero, id: "zero", aliases: &["zero_init", "skipinit_zero"], label: "zero last layer" },
        Entry { value: ResScale::Rezero, id: "rezero", aliases: &["skipinit"], label: "ReZero: learned α from 0" },
    ];
}

/// Where a residual block's normalisation sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NormPos {
    /// x + F(Norm(x)): the stream itself is never normalised (pre-LN, Xiong et al. 2020; GPT-2).
    #[default]
    Pre,
    /// Norm(x + F(x)): the stream is normalised after every block (the original transformer,
    /// Vaswani et al. 2017; BERT).
    Post,
}

impl Choice for NormPos {
    const WHAT: &'static str = "normalization position";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: NormPos::Pre, id: "pre", aliases: &["pre_ln", "preln"], label: "pre: x + F(Norm(x))" },
        Entry { value: NormPos::Post, id: "post", aliases: &["post_ln", "postln"], label: "post: Norm(x + F(x))" },
    ];
}

/// A residual network's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Residual {
    pub branch: Branch,
    pub scale: ResScale,
    pub norm_pos: NormPos,
}

/// How the hidden layers are connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arch {
    /// Dense → (Norm) → φ, one hidden layer after another.
    #[default]
    Plain,
    /// Residual blocks x + α·F(x) around a stream `width` wide.
    Residual(Residual),
}

impl Arch {
    /// The residual settings, if residual.
    #[must_use]
    pub fn residual(self) -> Option<Residual> {
        match self {
            Arch::Plain => None,
            Arch::Residual(r) => Some(r),
        }
    }
}

/// Which architecture: the URL's `arch` (a residual network's settings are their own keys,
/// `branch`, `res` and `norm_pos`, read whatever their order: [`ArchKind::with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchKind {
    #[default]
    Plain,
    Residual,
}

impl ArchKind {
    /// The architecture of this kind with these residual settings (ignored when plain).
    #[must_use]
    pub fn with(self, residual: Residual) -> Arch {
        match self {
            ArchKind::Plain => Arch::Plain,
            ArchKind::Residual => Arch::Residual(residual),
        }
    }
}

impl Choice for ArchKind {
    const WHAT: &'static str = "architecture";
    const TABLE: &'static [Entry<Self>] = &[
        Entry { value: ArchKind::Plain, id: "plain", aliases: &["mlp"], label: "plain: dense → φ, layer after layer" },
        Entry { value: ArchKind::Residual, id: "residual", aliases: &["resnet", "res"], label: "residual: x + α·F(x)" },
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choice::check_table;

    #[test]
    fn tables_are_sound() {
        check_table::<Branch>();
        check_table::<ResScale>();
        check_table::<NormPos>();
        check_table::<ArchKind>();
    }

    /// GPT-2's factor is 1/√N (Radford et al. 2019): 1/√50 at 50 branches.
    #[test]
    fn gpt2_divides_the_std_by_root_n() {
        assert!((ResScale::Gpt2.last_std_factor(50) - 0.141_421_356).abs() < 1e-8);
        assert_eq!(ResScale::Zero.last_std_factor(50), 0.0);
        assert_eq!(ResScale::None.last_std_factor(50), 1.0);
    }
}
