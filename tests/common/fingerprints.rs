// Shared by tests/seed.rs (native) and tests/web.rs (wasm in Chromium): the same configuration must
// give the same bits on both. (query, fingerprint of weights + activations + gradients)
// Changed once on purpose: `normal&trunc=1` now draws Keras' TruncatedNormal (cut at ±2s, no
// variance correction; it used to cut at ±2.27s with VarianceScaling's correction); `gelu` computes
// Φ(x) as erfc(−x/√2)/2 for x < 0 (the 1 + erf form lost 3 of f32's 7 digits in the left tail).
// Changed again (issue 14): normal draws come from a ziggurat instead of Marsaglia's polar method
// (about 3× faster), so every configuration with normal weights or Gaussian input has new numbers.
pub const FINGERPRINTS: [(&str, u64); 11] = [
    ("depth=3&width=16&init=xavier_normal&act=tanh&batch=8&seed=1", 0x2d3b8e2f9568d074),
    ("depth=2&width=12&init=he_uniform&act=gelu&batch=5&seed=7", 0xf176c8bfa30724f),
    ("depth=2&width=10&init=orthogonal&act=selu&bn=1&batch=6&seed=3", 0xa34306bcdf193b8b),
    ("depth=2&width=8&init=lecun_normal&trunc=1&act=softplus&input=spiral&batch=9&seed=42", 0xcb0e2d6aa5f5e3ff),
    ("depth=4&width=33&init=uniform&scale=0.3&act=swish&bias=same&input=moons&batch=17&seed=4294967295", 0x656a93d10a148383),
    ("depth=2&width=9&init=he_normal&mode=fan_out&act=relu&batch=4&seed=11", 0x838526594097017f),
    ("depth=2&width=9&init=xavier_uniform&gain=auto&act=tanh&batch=4&seed=12", 0xb69b52d3727c8545),
    ("depth=2&width=9&init=lecun_uniform&act=elu&input=xor&batch=4&seed=13", 0x59ba0c57b15f6907),
    ("depth=2&width=9&init=normal&scale=0.5&trunc=1&act=leaky_relu&slope=0.2&input=blobs&batch=4&seed=14", 0x7341db4244a9df7d),
    // Batch 256: eight row chunks, ∂L/∂W summed along the chunk tree (the other cases have one chunk).
    ("depth=3&width=32&init=he_normal&act=relu&batch=256&seed=5", 0xb78f81b100fb136c),
    // Width 72: orthogonal layers of three QR panels (32 + 32 + 8), so the blocked products run.
    // The value is the one-reflector-at-a-time QR's (before issue 18): the same f32 bits.
    ("depth=2&width=72&init=orthogonal&act=tanh&batch=5&seed=21", 0xcfcc5a7236b21427),
];

/// Jacobian spectra (issue 24), `Spectrum::fingerprint`: the f64 tangents and nalgebra's SVD built
/// with `libm-force` give the same singular values natively and in wasm. A tanh network with
/// orthogonal weights at the batch's inputs, and one with layer norm and Gaussian weights at the
/// fixed point (inputs rescaled through libm's functions).
pub const SPECTRUM_FINGERPRINTS: [(&str, u64); 2] = [
    ("depth=6&width=40&init=orthogonal&act=tanh&batch=4&seed=3&spectrum=batch", 0xdc4e74fd3a4f99cb),
    ("depth=5&width=36&init=xavier_normal&act=gelu&norm=layer&bias=normal:0.05&batch=4&seed=8&spectrum=fixed", 0xb140c06a79ac8095),
];
