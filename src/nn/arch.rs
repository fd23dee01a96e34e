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
    /// Fixup (Zhang, Dauphin & Ma 2019, "Fixup initialization: residual learning without
    /// normalization", §3): the last dense layer of every branch and the readout zero (weights
    /// and biases), the branch's other dense layers drawn as usual with their std times
    /// N^(−1/(2m−2)) for m dense layers per branch (N^(−1/2) for two), and a scalar multiplier
    /// per branch starting at 1, learned (α here). Fixup's scalar biases before each layer are
    /// the dense layers' own biases here, one per unit, starting where `bias` says (0 by
    /// default). With one dense layer per branch there is no other layer to scale.
    Fixup,
    /// DeepNorm (Wang, Ma, Dong, Huang, Zhang & Wei 2022, "DeepNet: scaling transformers to
    /// 1,000 layers", Figure 2 and Table 1): post-norm x_{l+1} = LN(a·x_l + F(x_l)) with the skip
    /// up-weighted by a = (2N)^(1/4) and every dense layer of each branch drawn with its std
    /// times β = (8N)^(−1/4), the paper's constants for an encoder-only or decoder-only network
    /// of N blocks (its encoder–decoder constants differ). The norm sits after the sum whatever
    /// `norm_pos` says; without a norm the skip's a multiplies the stream's variance by √(2N)
    /// every block.
    Deepnorm,
}

impl ResScale {
    /// The factor on the std of every branch's last dense layer for `n` branches.
    #[must_use]
    pub fn last_std_factor(self, n: usize) -> f64 {
        self.branch_std_factor(n, 2, 1)
    }

    /// The factor on the std of dense layer `k` (0-based) of a branch of `m` dense layers, for
    /// `n` branches: GPT-2's 1/√n and zero init's 0 on the last; Fixup's 0 on the last and
    /// n^(−1/(2m−2)) on the others; DeepNorm's β = (8n)^(−1/4) on all.
    #[must_use]
    pub fn branch_std_factor(self, n: usize, m: usize, k: usize) -> f64 {
        let (n, last) = (n.max(1) as f64, k + 1 == m);
        match self {
            ResScale::None | ResScale::Rezero => 1.0,
            ResScale::Gpt2 if last => 1.0 / n.sqrt(),
            ResScale::Zero | ResScale::Fixup if last => 0.0,
            ResScale::Gpt2 | ResScale::Zero => 1.0,
            ResScale::Fixup => n.powf(-1.0 / (2.0 * m as f64 - 2.0)),
            ResScale::Deepnorm => (8.0 * n).powf(-0.25),
        }
    }

    /// The factor on the std of the readout (the last dense layer): Fixup's 0 (its bias too).
    #[must_use]
    pub fn readout_std_factor(self) -> f64 {
        if self == ResScale::Fixup {
            0.0
        } else {
            1.0
        }
    }

    /// The weight of the skip, s in y = s·x + α·F: DeepNorm's (2n)^(1/4) for `n` branches, 1
    /// otherwise.
    #[must_use]
    pub fn skip(self, n: usize) -> f64 {
        if self == ResScale::Deepnorm {
            (2.0 * n.max(1) as f64).powf(0.25)
        } else {
            1.0
        }
    }

    /// Where the block's norm sits: DeepNorm's is after the sum whatever was chosen.
    #[must_use]
    pub fn norm_pos(self, chosen: NormPos) -> NormPos {
        if self == ResScale::Deepnorm {
            NormPos::Post
        } else {
            chosen
        }
    }

    /// α of every block at initialization.
    #[must_use]
    pub fn alpha(self) -> f32 {
        match self {
            ResScale::Rezero => 0.0,
            ResScale::None | ResScale::Gpt2 | ResScale::Zero | ResScale::Fixup | ResScale::Deepnorm => 1.0,
        }
    }

    /// Whether α is learned (a parameter of the block): ReZero's from 0, Fixup's multiplier
    /// from 1.
    #[must_use]
    pub fn learns_alpha(self) -> bool {
        matches!(self, ResScale::Rezero | ResScale::Fixup)
    }

    /// Whether every block is the identity at initialization (its branch's output is zero or
    /// α = 0) for this branch and an activation with φ(0) = `phi_zero`: ReZero always; zero init
    /// and Fixup where the branch ends in a zero layer (two layers) or in φ(0) = 0.
    #[must_use]
    pub fn starts_as_identity(self, branch: Branch, phi_zero: f64) -> bool {
        match self {
            ResScale::Rezero => true,
            ResScale::Zero | ResScale::Fixup => branch == Branch::Two || phi_zero == 0.0,
            ResScale::None | ResScale::Gpt2 | ResScale::Deepnorm => false,
        }
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
            ResScale::Fixup => {
                "Fixup (Zhang et al. 2019): each branch's last layer and the readout are zero, the branch's other layers' std is multiplied by N^(−1/(2m−2)) for m layers per branch, and a learned multiplier per branch starts at 1, so a deep network trains without normalization"
            }
            ResScale::Deepnorm => {
                "DeepNorm (Wang et al. 2022): post-norm LN(a·x + F(x)) with the skip weighted by a = (2N)^(1/4) and the branch's layers' std multiplied by β = (8N)^(−1/4) (the paper's decoder-only constants), so each update moves the stream by a bounded amount; meant for a network with a norm"
            }
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
        Entry { value: ResScale::Fixup, id: "fixup", aliases: &[], label: "Fixup: N^(−1/(2m−2)), last and readout zero" },
        Entry { value: ResScale::Deepnorm, id: "deepnorm", aliases: &["deepnet"], label: "DeepNorm: skip (2N)^¼, β = (8N)^−¼" },
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

    /// Fixup's N^(−1/(2m−2)) (Zhang et al. 2019, §3) and DeepNorm's decoder-only a = (2N)^(1/4),
    /// β = (8N)^(−1/4) (Wang et al. 2022, Table 1), at N = 6, 12, 50 and 100, written out by hand.
    #[test]
    fn fixup_and_deepnorm_constants_are_the_papers() {
        // (N, N^(−1/2) for m = 2, N^(−1/4) for m = 3, (2N)^(1/4), (8N)^(−1/4))
        let rows = [
            (6, 0.408_248_290_464, 0.638_943_104_246, 1.861_209_718_204, 0.379_917_842_826),
            (12, 0.288_675_134_595, 0.537_284_965_912, 2.213_363_839_401, 0.319_471_552_123),
            (50, 0.141_421_356_237, 0.376_060_309_309, 3.162_277_660_168, 0.223_606_797_750),
            (100, 0.100_000_000_000, 0.316_227_766_017, 3.760_603_093_086, 0.188_030_154_654),
        ];
        for (n, fixup2, fixup3, a, beta) in rows {
            let close = |x: f64, want: f64| (x - want).abs() < 1e-9;
            assert!(close(ResScale::Fixup.branch_std_factor(n, 2, 0), fixup2), "Fixup m = 2 at N = {n}");
            assert!(close(ResScale::Fixup.branch_std_factor(n, 3, 0), fixup3), "Fixup m = 3 at N = {n}");
            assert!(close(ResScale::Fixup.branch_std_factor(n, 3, 1), fixup3), "Fixup m = 3, middle, at N = {n}");
            assert_eq!(ResScale::Fixup.branch_std_factor(n, 2, 1), 0.0, "Fixup's last layer");
            assert_eq!(ResScale::Fixup.readout_std_factor(), 0.0, "Fixup's readout");
            assert!(close(ResScale::Deepnorm.skip(n), a), "DeepNorm a at N = {n}");
            assert!(close(ResScale::Deepnorm.branch_std_factor(n, 2, 0), beta), "DeepNorm β at N = {n}");
            assert!(close(ResScale::Deepnorm.branch_std_factor(n, 2, 1), beta), "DeepNorm β, last, at N = {n}");
            assert_eq!(ResScale::Deepnorm.norm_pos(NormPos::Pre), NormPos::Post);
        }
    }
}
