//! The matrix product, in one place.
//!
//! Every product in the passes goes through [`matmul`] (C = A·B, all row-major). The transposed
//! products of the backward pass (dW = Aᵀ·δ and δ_prev = δ·Wᵀ) transpose one operand into a
//! caller-owned scratch buffer first (O(mk) work against O(mkn) for the product), so they run at
//! the same speed as the forward one.
//!
//! The kernel keeps a 4 × 8 block of C in registers while it walks the shared dimension
//! (register blocking; Goto & van de Geijn 2008), so each loaded row segment of B feeds 32
//! multiply-adds. The 8-wide rows are plain arrays that LLVM vectorizes (SSE/AVX natively, simd128
//! in wasm with `-C target-feature=+simd128`).

const MR: usize = 4;
const NR: usize = 8;
/// Depth of one pass over B, so a 8-column panel of B (KC × 8 floats = 8 KiB) stays in L1.
const KC: usize = 256;

/// C (m × n) = A (m × k) · B (k × n). All slices row-major and exactly sized.
pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n, "matmul: shape mismatch");
    c.fill(0.0);
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let n_main = n - n % NR;
    let m_main = m - m % MR;
    let mut k0 = 0;
    while k0 < k {
        let k1 = (k0 + KC).min(k);
        let mut j = 0;
        while j < n_main {
            let mut i = 0;
            while i < m_main {
                kernel_4x8(a, b, c, i, j, k0, k1, k, n);
                i += MR;
            }
            for i in m_main..m {
                edge(a, b, c, i, j, NR, k0, k1, k, n);
            }
            j += NR;
        }
        if n_main < n {
            for i in 0..m {
                edge(a, b, c, i, n_main, n - n_main, k0, k1, k, n);
            }
        }
        k0 = k1;
    }
}

/// C[i..i+4, j..j+8] += A[i..i+4, k0..k1] · B[k0..k1, j..j+8], with wasm simd128: eight f32x4
/// accumulators, two loads of B and four splats of A per step. Each element is summed in the same
/// order as the portable kernel (multiply, then add; no fused multiply-add), so results are
/// bit-identical to native.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn kernel_4x8(a: &[f32], b: &[f32], c: &mut [f32], i: usize, j: usize, k0: usize, k1: usize, k: usize, n: usize) {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};
    // Bounds, checked once: rows i..i+4 of A over k0..k1, rows k0..k1 of B over j..j+8, and C.
    assert!((i + 3) * k + k1 <= a.len() && (k1 - 1) * n + j + NR <= b.len() && (i + 3) * n + j + NR <= c.len());
    let z = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
    // SAFETY: every index below is within the bounds asserted above; v128_load/store are unaligned.
    unsafe {
        let ap = a.as_ptr();
        let bp = b.as_ptr();
        for p in k0..k1 {
            let brow = bp.add(p * n + j);
            let b0 = v128_load(brow.cast::<v128>());
            let b1 = v128_load(brow.add(4).cast::<v128>());
            let a0 = f32x4_splat(*ap.add(i * k + p));
            let a1 = f32x4_splat(*ap.add((i + 1) * k + p));
            let a2 = f32x4_splat(*ap.add((i + 2) * k + p));
            let a3 = f32x4_splat(*ap.add((i + 3) * k + p));
            c00 = f32x4_add(c00, f32x4_mul(a0, b0));
            c01 = f32x4_add(c01, f32x4_mul(a0, b1));
            c10 = f32x4_add(c10, f32x4_mul(a1, b0));
            c11 = f32x4_add(c11, f32x4_mul(a1, b1));
            c20 = f32x4_add(c20, f32x4_mul(a2, b0));
            c21 = f32x4_add(c21, f32x4_mul(a2, b1));
            c30 = f32x4_add(c30, f32x4_mul(a3, b0));
            c31 = f32x4_add(c31, f32x4_mul(a3, b1));
        }
        let cp = c.as_mut_ptr();
        for (r, (lo, hi)) in [(c00, c01), (c10, c11), (c20, c21), (c30, c31)].into_iter().enumerate() {
            let row = cp.add((i + r) * n + j);
            v128_store(row.cast::<v128>(), f32x4_add(v128_load(row.cast::<v128>()), lo));
            v128_store(row.add(4).cast::<v128>(), f32x4_add(v128_load(row.add(4).cast::<v128>()), hi));
        }
    }
}

/// C[i..i+4, j..j+8] += A[i..i+4, k0..k1] · B[k0..k1, j..j+8] (portable; LLVM vectorizes it).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn kernel_4x8(a: &[f32], b: &[f32], c: &mut [f32], i: usize, j: usize, k0: usize, k1: usize, k: usize, n: usize) {
    let mut acc = [[0f32; NR]; MR];
    let a0 = &a[i * k + k0..i * k + k1];
    let a1 = &a[(i + 1) * k + k0..(i + 1) * k + k1];
    let a2 = &a[(i + 2) * k + k0..(i + 2) * k + k1];
    let a3 = &a[(i + 3) * k + k0..(i + 3) * k + k1];
    let b_panel = &b[k0 * n + j..(k1 - 1) * n + j + NR];
    for (p, (((&x0, &x1), &x2), &x3)) in a0.iter().zip(a1).zip(a2).zip(a3).enumerate() {
        let row: &[f32; NR] = b_panel[p * n..p * n + NR].try_into().expect("panel row");
        for q in 0..NR {
            acc[0][q] += x0 * row[q];
            acc[1][q] += x1 * row[q];
            acc[2][q] += x2 * row[q];
            acc[3][q] += x3 * row[q];
        }
    }
    for (r, acc_row) in acc.iter().enumerate() {
        let c_row = &mut c[(i + r) * n + j..(i + r) * n + j + NR];
        for q in 0..NR {
            c_row[q] += acc_row[q];
        }
    }
}

/// C[i, j..j+w] += A[i, k0..k1] · B[k0..k1, j..j+w], for the ragged edges.
#[allow(clippy::too_many_arguments)]
fn edge(a: &[f32], b: &[f32], c: &mut [f32], i: usize, j: usize, w: usize, k0: usize, k1: usize, k: usize, n: usize) {
    let mut acc = [0f32; NR];
    for p in k0..k1 {
        let x = a[i * k + p];
        let row = &b[p * n + j..p * n + j + w];
        for (acc, &y) in acc.iter_mut().zip(row) {
            *acc += x * y;
        }
    }
    for (dst, &v) in c[i * n + j..i * n + j + w].iter_mut().zip(&acc) {
        *dst += v;
    }
}

/// dst (cols × rows) = srcᵀ, for a row-major `rows × cols` source; blocked for cache lines.
pub fn transpose(src: &[f32], dst: &mut [f32], rows: usize, cols: usize) {
    assert!(src.len() == rows * cols && dst.len() == rows * cols, "transpose: shape mismatch");
    const B: usize = 32;
    for r0 in (0..rows).step_by(B) {
        for c0 in (0..cols).step_by(B) {
            for r in r0..(r0 + B).min(rows) {
                for c in c0..(c0 + B).min(cols) {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
        }
    }
}

/// C (k × n) = Aᵀ · B for A (m × k) and B (m × n); `scratch` is resized to m·k and reused.
pub fn matmul_at_b(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, scratch: &mut Vec<f32>) {
    scratch.resize(m * k, 0.0);
    transpose(a, scratch, m, k);
    matmul(scratch, b, c, k, m, n);
}

/// C (m × k) = A · Bᵀ for A (m × n) and B (k × n); `scratch` is resized to k·n and reused.
pub fn matmul_a_bt(a: &[f32], b: &[f32], c: &mut [f32], m: usize, n: usize, k: usize, scratch: &mut Vec<f32>) {
    scratch.resize(k * n, 0.0);
    transpose(b, scratch, k, n);
    matmul(a, scratch, c, m, n, k);
}

/// Panel width of the blocked QR ([`householder_q`]): the reflectors of one panel are applied
/// together, as one block reflector, so most of the work is in the products of [`gemm_f64`].
pub const QR_NB: usize = 32;

/// The thin QR factorization of a row-major `m × n` matrix A (m ≥ n) by Householder reflections,
/// in f64: returns Q (row-major `m × n`, orthonormal columns, A = QR) and the signs of R's
/// diagonal (±1 each).
///
/// Reflector j is H_j = I − 2v_jv_jᵀ with ‖v_j‖ = 1, mapping column j below the diagonal to
/// R[j][j]·e₁ with R[j][j] = −sign(a_jj)·‖a_j‖ (Golub & Van Loan, *Matrix Computations*, 4th ed.,
/// Alg. 5.1.1). Reflectors are taken in panels of [`QR_NB`] columns, and each panel's product
/// H₀H₁⋯H_{b−1} is written as the block reflector I − V·T·Vᵀ (the compact WY form, Schreiber &
/// Van Loan 1989; LAPACK's `dlarft`), so the trailing matrix is updated as A −= V·(Tᵀ·(Vᵀ·A)) and
/// Q = H₀⋯H_{n−1}·[I; 0] is built panel by panel from the last (`dgeqrf`, `dorgqr`): about
/// (8/3)n³ flops for a square matrix, nearly all of them in level-3 products. With n ≤ [`QR_NB`]
/// there is one panel and the reflectors are applied one at a time.
///
/// Plain f64 arithmetic in a fixed order (no fused multiply-add, no threads, no run-time feature
/// detection), so the bits are the same natively and in wasm.
#[must_use]
pub fn householder_q(a: &mut [f64], m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(m >= n && a.len() == m * n, "householder_q: needs a tall m × n matrix");
    let mut signs = vec![1.0f64; n];
    let mut panels: Vec<Panel> = Vec::with_capacity(n.div_ceil(QR_NB));
    let mut k0 = 0;
    while k0 < n {
        let kb = QR_NB.min(n - k0);
        let panel = Panel::factor(a, m, n, k0, kb, &mut signs[k0..k0 + kb]);
        if k0 + kb < n {
            // A[k0.., k0+kb..] = (I − V·T·Vᵀ)ᵀ·A[k0.., k0+kb..]
            panel.apply(a, n, k0 + kb, n - k0 - kb, true);
        }
        panels.push(panel);
        k0 += kb;
    }
    let mut q = vec![0f64; m * n];
    for c in 0..n {
        q[c * n + c] = 1.0;
    }
    if let [only] = panels.as_slice() {
        only.apply_one_by_one(&mut q, n);
    } else {
        for panel in panels.iter().rev() {
            // Q[k0.., k0..] = (I − V·T·Vᵀ)·Q[k0.., k0..]; the columns left of k0 are still e_c there.
            panel.apply(&mut q, n, panel.k0, n - panel.k0, false);
        }
    }
    (q, signs)
}

/// One panel of reflectors: rows `k0..`, in compact WY form.
struct Panel {
    k0: usize,
    /// Rows below k0 (m − k0).
    rows: usize,
    /// Reflectors in the panel.
    kb: usize,
    /// V, row-major `rows × kb`: column j is v_j (unit norm, zero above row j).
    v: Vec<f64>,
    /// T, row-major `kb × kb`, upper triangular: H₀⋯H_{kb−1} = I − V·T·Vᵀ.
    t: Vec<f64>,
}

impl Panel {
    /// Householder QR of the panel A[k0.., k0..k0+kb] (one reflector at a time, on a
    /// column-major copy), writing sign(R[j][j]) into `signs`, and T by LAPACK's `dlarft`
    /// recurrence: T[j][j] = τ_j, T[..j, j] = −τ_j·T[..j, ..j]·(V[:, ..j]ᵀ·v_j), with τ_j = 2
    /// (0 for a zero column, whose reflector is I).
    fn factor(a: &[f64], m: usize, n: usize, k0: usize, kb: usize, signs: &mut [f64]) -> Panel {
        let rows = m - k0;
        let mut cols: Vec<Vec<f64>> = (0..kb).map(|j| (0..rows).map(|i| a[(k0 + i) * n + k0 + j]).collect()).collect();
        let mut v = vec![0f64; rows * kb];
        let mut tau = vec![0f64; kb];
        for j in 0..kb {
            let col = &cols[j][j..];
            let norm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
            let alpha = if col[0] >= 0.0 { -norm } else { norm }; // R[j][j]
            signs[j] = if alpha >= 0.0 { 1.0 } else { -1.0 };
            let mut u: Vec<f64> = col.to_vec();
            u[0] -= alpha;
            let unorm = u.iter().map(|x| x * x).sum::<f64>().sqrt();
            if unorm > 0.0 {
                for x in &mut u {
                    *x /= unorm;
                }
                tau[j] = 2.0;
                // A[j.., c] −= 2 u (u · A[j.., c]) for the panel's remaining columns
                for c in cols.iter_mut().skip(j) {
                    let tail = &mut c[j..];
                    let dot: f64 = u.iter().zip(tail.iter()).map(|(a, b)| a * b).sum();
                    for (x, ui) in tail.iter_mut().zip(&u) {
                        *x -= 2.0 * dot * ui;
                    }
                }
            } else {
                u.fill(0.0);
            }
            for (i, &ui) in u.iter().enumerate() {
                v[(j + i) * kb + j] = ui;
            }
        }
        // G = VᵀV, then T column by column.
        let mut g = vec![0f64; kb * kb];
        gemm_f64(&mut g, kb, (&v, 1, kb), (&v, kb), (kb, rows, kb), false);
        let mut t = vec![0f64; kb * kb];
        for j in 0..kb {
            t[j * kb + j] = tau[j];
            // z = −τ_j·V[:, ..j]ᵀ·v_j
            let z: Vec<f64> = (0..j).map(|p| -tau[j] * g[p * kb + j]).collect();
            for r in 0..j {
                t[r * kb + j] = (r..j).map(|p| t[r * kb + p] * z[p]).sum();
            }
        }
        Panel { k0, rows, kb, v, t }
    }

    /// C = (I − V·T·Vᵀ)·C, or with Tᵀ if `transposed`, for C = the rows k0.. and columns
    /// `c0..c0 + nc` of the row-major `x` (row length `ld`): W = Vᵀ·C, W = T·W (or Tᵀ·W), C −= V·W.
    fn apply(&self, x: &mut [f64], ld: usize, c0: usize, nc: usize, transposed: bool) {
        let (kb, rows) = (self.kb, self.rows);
        let c = &mut x[self.k0 * ld + c0..];
        let mut w = vec![0f64; kb * nc];
        // Vᵀ: A(i, p) = V[p][i], so its row stride is 1 and its column stride kb.
        gemm_f64(&mut w, nc, (&self.v, 1, kb), (c, ld), (kb, rows, nc), false);
        let mut tw = vec![0f64; kb * nc];
        let t = &self.t;
        let (rs, cs) = if transposed { (1, kb) } else { (kb, 1) };
        // T is upper triangular: (T·W)[r] = Σ_{p ≥ r} T[r][p]·W[p]; (Tᵀ·W)[r] = Σ_{p ≤ r} T[p][r]·W[p].
        for r in 0..kb {
            let ps = if transposed { 0..r + 1 } else { r..kb };
            let row = &mut tw[r * nc..(r + 1) * nc];
            for p in ps {
                let f = t[r * rs + p * cs];
                for (y, &wv) in row.iter_mut().zip(&w[p * nc..(p + 1) * nc]) {
                    *y += f * wv;
                }
            }
        }
        gemm_f64(c, ld, (&self.v, kb, 1), (&tw, nc), (rows, kb, nc), true);
    }

    /// Q = H₀⋯H_{kb−1}·Q applied one reflector at a time (the last first), for a single panel
    /// at k0 = 0: Q[.., c] −= 2v(v·Q[.., c]) over the rows at and below each reflector's row.
    fn apply_one_by_one(&self, q: &mut [f64], ld: usize) {
        let kb = self.kb;
        for j in (0..kb).rev() {
            let v: Vec<f64> = (j..self.rows).map(|i| self.v[i * kb + j]).collect();
            for c in 0..ld {
                let dot: f64 = v.iter().enumerate().map(|(i, vi)| vi * q[(j + i) * ld + c]).sum();
                for (i, vi) in v.iter().enumerate() {
                    q[(j + i) * ld + c] -= 2.0 * dot * vi;
                }
            }
        }
    }
}

/// Rows of C in one register block of [`gemm_f64`].
const GM: usize = 4;
/// Pairs of columns of C in one register block of [`gemm_f64`]: the 4 × 4 f64 accumulators are
/// eight of the sixteen 128-bit registers of SSE2 and of wasm simd128.
const GH: usize = 2;
/// Columns of C in one register block.
const GN: usize = 2 * GH;
/// Depth of one pass over A and B in [`gemm_f64`]: a packed GM-row strip of A (16 KiB) stays in L1.
pub const GK: usize = 256;
/// Columns of B packed at once in [`gemm_f64`] (GK × GC f64 = 512 KiB, for L2).
pub const GC: usize = 256;

/// Two f64 lanes (one 128-bit register).
type Pair = [f64; 2];

/// C (m × n) += A·B, or −= if `subtract`, in f64. C and B are row-major with row lengths `ldc`
/// and `ldb` (sub-blocks of larger matrices); A is read at `a[i·rs + p·cs]`, so either A or Aᵀ
/// can be passed as stored. A and B are copied into contiguous strips first (packing; Goto &
/// van de Geijn 2008; A's entries twice each, so a register of A is one load) and C is updated in
/// GM × GN register blocks. Each entry of C gets Σ_p A(i,p)·B(p,j) summed in order of p within
/// passes of [`GK`], added to C pass by pass: a fixed order of plain multiplies and adds, the
/// same on every target.
fn gemm_f64(
    c: &mut [f64],
    ldc: usize,
    (a, rs, cs): (&[f64], usize, usize),
    (b, ldb): (&[f64], usize),
    (m, k, n): (usize, usize, usize),
    subtract: bool,
) {
    // C −= A·B as C += (−A)·B: negation is exact, so this is −(A·B) to the bit.
    let sign = if subtract { -1.0 } else { 1.0 };
    let mut bp: Vec<[Pair; GH]> = Vec::new();
    let mut ap: Vec<[Pair; GM]> = Vec::new();
    for k0 in (0..k).step_by(GK) {
        let k1 = (k0 + GK).min(k);
        let kk = k1 - k0;
        // ±A[.., k0..k1] as strips of GM rows (zero-padded), each kk long, each entry twice, read
        // in the order A is stored (along p if cs = 1, along i otherwise).
        ap.clear();
        ap.resize(m.div_ceil(GM) * kk, [[0f64; 2]; GM]);
        let mut put = |i: usize, p: usize| ap[(i / GM) * kk + p - k0][i % GM] = [sign * a[i * rs + p * cs]; 2];
        if cs == 1 {
            (0..m).for_each(|i| (k0..k1).for_each(|p| put(i, p)));
        } else {
            (k0..k1).for_each(|p| (0..m).for_each(|i| put(i, p)));
        }
        for j0 in (0..n).step_by(GC) {
            let j1 = (j0 + GC).min(n);
            // B[k0..k1, j0..j1] as panels of GN columns (zero-padded), each kk rows long, read
            // row by row.
            bp.clear();
            bp.resize((j1 - j0).div_ceil(GN) * kk, [[0f64; 2]; GH]);
            for p in k0..k1 {
                for (q, &x) in b[p * ldb + j0..p * ldb + j1].iter().enumerate() {
                    bp[(q / GN) * kk + p - k0][(q % GN) / 2][q % 2] = x;
                }
            }
            for (strip, i) in ap.chunks_exact(kk).zip((0..m).step_by(GM)) {
                let iw = GM.min(m - i);
                for (panel, j) in bp.chunks_exact(kk).zip((j0..j1).step_by(GN)) {
                    let jw = GN.min(j1 - j);
                    let acc = kernel_f64(strip, panel);
                    for (r, acc_row) in acc.iter().enumerate().take(iw) {
                        for (q, dst) in c[(i + r) * ldc + j..(i + r) * ldc + j + jw].iter_mut().enumerate() {
                            *dst += acc_row[q / 2][q % 2];
                        }
                    }
                }
            }
        }
    }
}

/// Σ_p a[p] ⊗ b[p]: a GM × GN block of A·B from packed strips, in order of p.
#[inline(always)]
fn kernel_f64(a: &[[Pair; GM]], b: &[[Pair; GH]]) -> [[Pair; GH]; GM] {
    let mut acc = [[[0f64; 2]; GH]; GM];
    for (x, y) in a.iter().zip(b) {
        for r in 0..GM {
            for h in 0..GH {
                acc[r][h][0] += x[r][0] * y[h][0];
                acc[r][h][1] += x[r][1] * y[h][1];
            }
        }
    }
    acc
}

/// C (m × n) = A (m × k) · B (k × n) in f64, all row-major: [`gemm_f64`]'s fixed order of plain
/// multiplies and adds, so the same bits on every target.
pub fn matmul_f64(a: &[f64], b: &[f64], c: &mut [f64], m: usize, k: usize, n: usize) {
    assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n, "matmul_f64: shape mismatch");
    c.fill(0.0);
    if m > 0 && n > 0 && k > 0 {
        gemm_f64(c, n, (a, k, 1), (b, n), (m, k, n), false);
    }
}

/// The decomposition did not converge, or the matrix has entries that are not finite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvdFailed;

impl std::fmt::Display for SvdFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the singular value decomposition failed (an entry is not finite, or it did not converge)")
    }
}

/// The singular values of a row-major `rows × cols` matrix by one-sided Jacobi rotations
/// (Hestenes 1958; Demmel & Veselić 1992, who show its high relative accuracy): the columns of
/// the wider-than-tall orientation are rotated pairwise until every pair is orthogonal to
/// ε·‖a_p‖·‖a_q‖, and the values are the columns' norms. Slower than bidiagonalization (a sweep
/// is O(m·n²)) but it converges on every finite matrix: the fallback where nalgebra's QR sweeps
/// do not (Jacobians through saturated tanh units: exact zeros among values 10⁻³⁰⁰ apart).
/// `None` after 60 sweeps.
fn jacobi_singular_values(a: &[f64], rows: usize, cols: usize) -> Option<Vec<f64>> {
    // Columns of length m, n ≤ m of them, column-major.
    let (n, mut c): (usize, Vec<Vec<f64>>) = if cols <= rows {
        (cols, (0..cols).map(|j| (0..rows).map(|i| a[i * cols + j]).collect()).collect())
    } else {
        (rows, (0..rows).map(|i| a[i * cols..(i + 1) * cols].to_vec()).collect())
    };
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    for _ in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (alpha, beta, gamma) = (dot(&c[p], &c[p]), dot(&c[q], &c[q]), dot(&c[p], &c[q]));
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let cs = 1.0 / (1.0 + t * t).sqrt();
                let sn = cs * t;
                let (lo, hi) = c.split_at_mut(q);
                for (x, y) in lo[p].iter_mut().zip(hi[0].iter_mut()) {
                    let (u, v) = (*x, *y);
                    *x = cs * u - sn * v;
                    *y = sn * u + cs * v;
                }
            }
        }
        if !rotated {
            return Some(c.iter().map(|col| dot(col, col).sqrt()).collect());
        }
    }
    None
}

/// The singular values of a row-major `rows × cols` matrix, largest first (min(rows, cols) of
/// them): nalgebra's SVD (Householder bidiagonalization, then implicit-shift QR sweeps; Golub &
/// Van Loan, *Matrix Computations*, 4th ed., §8.6), to a relative tolerance of 5ε per
/// off-diagonal entry. Built with `libm-force`, so every function it calls is the libm crate's
/// on every target, and a matrix gives the same bits natively and in wasm.
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>, SvdFailed> {
    assert_eq!(a.len(), rows * cols, "singular_values: shape mismatch");
    if rows == 0 || cols == 0 {
        return Ok(Vec::new());
    }
    if a.iter().any(|x| !x.is_finite()) {
        return Err(SvdFailed);
    }
    // Entries far from 1 (a Jacobian after a hundred layers of ×160, or of ×0.002) would overflow
    // or underflow in the decomposition's squares: it runs on A·2^k, with max |a| near 1, and the
    // values are scaled back by 2^−k (a power of two: exact both ways). Entries within 2^±400 are
    // left as they are.
    let max = a.iter().fold(0f64, |m, x| m.max(x.abs()));
    let k = if max > 0.0 && !(2f64.powi(-400)..=2f64.powi(400)).contains(&max) { -libm::ilogb(max) } else { 0 };
    // Entries below max·ε² are set to 0: they move no singular value by more than about
    // √(rows·cols)·max·ε², far below the SVD's own rounding (max·ε), and left as they are (tiny
    // and subnormal values among exact zeros, as in a Jacobian through saturated units) they kept
    // the implicit-shift QR from ever meeting its convergence test.
    let tiny = max * f64::EPSILON * f64::EPSILON;
    let scaled: Vec<f64>;
    let a = if k == 0 && a.iter().all(|x| *x == 0.0 || x.abs() >= tiny) {
        a
    } else {
        scaled = a.iter().map(|&x| if x.abs() < tiny { 0.0 } else { libm::scalbn(x, k) }).collect();
        &scaled
    };
    let m = nalgebra::DMatrix::from_row_slice(rows, cols, a);
    // A sweep budget far above what convergence takes (a few sweeps per singular value).
    let sweeps = 30 * rows.min(cols) + 100;
    let values: Vec<f64> = match nalgebra::SVD::try_new_unordered(m, false, false, f64::EPSILON * 5.0, sweeps) {
        Some(svd) => svd.singular_values.iter().copied().collect(),
        None => jacobi_singular_values(a, rows, cols).ok_or(SvdFailed)?,
    };
    let mut s: Vec<f64> = values.iter().map(|&v| libm::scalbn(v, -k)).collect();
    s.sort_by(|x, y| y.total_cmp(x));
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| f64::from(a[i * k + p]) * f64::from(b[p * n + j])).sum();
            }
        }
        c
    }

    fn data(len: usize, salt: u32) -> Vec<f32> {
        (0..len as u32).map(|i| ((i.wrapping_mul(2_654_435_761) ^ salt) % 1000) as f32 / 500.0 - 1.0).collect()
    }

    #[test]
    fn matches_naive_on_ragged_shapes() {
        for (m, k, n) in [(1, 1, 1), (4, 8, 8), (5, 3, 9), (17, 300, 13), (33, 257, 40), (3, 600, 2)] {
            let a = data(m * k, 1);
            let b = data(k * n, 2);
            let mut c = vec![0f32; m * n];
            matmul(&a, &b, &mut c, m, k, n);
            let r = naive(&a, &b, m, k, n);
            for (x, y) in c.iter().zip(&r) {
                // f32 accumulation of k terms of size ≤ 1: error ≲ k·ε
                assert!((f64::from(*x) - y).abs() < 1e-6 * k as f64 + 1e-6, "{m}x{k}x{n}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn transposed_products() {
        let (m, k, n) = (19, 11, 23);
        let a = data(m * k, 3);
        let b = data(m * n, 4);
        let mut c = vec![0f32; k * n];
        let mut s = Vec::new();
        matmul_at_b(&a, &b, &mut c, m, k, n, &mut s);
        for i in 0..k {
            for j in 0..n {
                let r: f32 = (0..m).map(|p| a[p * k + i] * b[p * n + j]).sum();
                assert!((c[i * n + j] - r).abs() < 1e-4);
            }
        }
        let bt = data(k * n, 5);
        let a2 = data(m * n, 6);
        let mut c2 = vec![0f32; m * k];
        matmul_a_bt(&a2, &bt, &mut c2, m, n, k, &mut s);
        for i in 0..m {
            for j in 0..k {
                let r: f32 = (0..n).map(|p| a2[i * n + p] * bt[j * n + p]).sum();
                assert!((c2[i * k + j] - r).abs() < 1e-4);
            }
        }
    }

    /// Q has orthonormal columns and QᵀA is upper triangular with the returned signs on its
    /// diagonal (the definition of A = QR), on shapes of one panel, several, and a ragged last one.
    #[test]
    fn householder_q_is_the_qr_factor() {
        for (m, n) in [(1, 1), (7, 1), (30, 30), (64, 64), (100, 33), (200, 200), (300, 65), (97, 96)] {
            let a: Vec<f64> = data(m * n, 7).iter().map(|&x| f64::from(x)).collect();
            let (q, signs) = householder_q(&mut a.clone(), m, n);
            let qtq = |x: usize, y: usize| (0..m).map(|i| q[i * n + x] * q[i * n + y]).sum::<f64>();
            let qta = |x: usize, y: usize| (0..m).map(|i| q[i * n + x] * a[i * n + y]).sum::<f64>();
            for (x, &sign) in signs.iter().enumerate() {
                for y in 0..n {
                    let want = if x == y { 1.0 } else { 0.0 };
                    assert!((qtq(x, y) - want).abs() < 1e-12, "{m}x{n}: (QᵀQ)[{x}][{y}] = {}", qtq(x, y));
                    let r = qta(x, y);
                    if x > y {
                        assert!(r.abs() < 1e-12, "{m}x{n}: R[{x}][{y}] = {r} below the diagonal");
                    }
                    if x == y {
                        assert_eq!(r.signum(), sign, "{m}x{n}: sign of R[{x}][{x}] = {r}");
                    }
                }
            }
        }
    }

    /// The fallback gives nalgebra's values on ordinary matrices (both within 1e-13 of each other).
    #[test]
    fn jacobi_agrees_with_nalgebra() {
        for (r, c) in [(7, 7), (9, 4), (3, 8)] {
            let a: Vec<f64> = data(r * c, 11).iter().map(|&x| f64::from(x)).collect();
            let mut j = jacobi_singular_values(&a, r, c).unwrap();
            j.sort_by(|x, y| y.total_cmp(x));
            let s = singular_values(&a, r, c).unwrap();
            assert_eq!(j.len(), s.len());
            for (x, y) in j.iter().zip(&s) {
                assert!((x - y).abs() < 1e-13 * s[0], "{r}x{c}: {j:?} vs {s:?}");
            }
        }
    }

    #[test]
    fn f64_product_matches_naive() {
        let (m, k, n) = (37, 300, 21);
        let a: Vec<f64> = data(m * k, 8).iter().map(|&x| f64::from(x)).collect();
        let b: Vec<f64> = data(k * n, 9).iter().map(|&x| f64::from(x)).collect();
        let mut c = vec![0f64; m * n];
        matmul_f64(&a, &b, &mut c, m, k, n);
        for i in 0..m {
            for j in 0..n {
                let r: f64 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                assert!((c[i * n + j] - r).abs() < 1e-12, "({i}, {j}): {} vs {r}", c[i * n + j]);
            }
        }
    }

    /// Singular values against matrices whose values are known by construction: a diagonal one
    /// with its entries permuted (|d| sorted), a rotation times a diagonal (rotations keep them),
    /// a rank-one outer product u·vᵀ (one value ‖u‖·‖v‖, the rest 0), and a wide shape.
    #[test]
    fn singular_values_of_known_matrices() {
        let d = [3.0, -0.5, 7.0, 1e-9];
        let mut a = vec![0f64; 16];
        for (i, &x) in d.iter().enumerate() {
            a[i * 4 + (i + 1) % 4] = x;
        }
        let s = singular_values(&a, 4, 4).unwrap();
        for (got, want) in s.iter().zip([7.0, 3.0, 0.5, 1e-9]) {
            assert!((got - want).abs() <= 1e-15 * 7.0 + 1e-12 * want, "{got} vs {want}");
        }
        // R(θ)·diag(2, 0.25)
        let (c, sn) = (0.3f64.cos(), 0.3f64.sin());
        let s = singular_values(&[2.0 * c, -0.25 * sn, 2.0 * sn, 0.25 * c], 2, 2).unwrap();
        assert!((s[0] - 2.0).abs() < 1e-14 && (s[1] - 0.25).abs() < 1e-14, "{s:?}");
        let (u, v) = ([1.0, 2.0, 2.0], [3.0, 4.0]);
        let outer: Vec<f64> = u.iter().flat_map(|x| v.iter().map(move |y| x * y)).collect();
        let s = singular_values(&outer, 3, 2).unwrap();
        assert_eq!(s.len(), 2);
        assert!((s[0] - 15.0).abs() < 1e-13 && s[1].abs() < 1e-13, "{s:?}");
        let wide = singular_values(&[0.0, 0.0, 5.0], 1, 3).unwrap();
        assert_eq!(wide, vec![5.0]);
        assert_eq!(singular_values(&[f64::NAN, 1.0], 1, 2), Err(SvdFailed));
        // Far from 1: diag(3e250, 1e250) and diag(3e-250, 1e-250) (their squares are out of f64).
        for scale in [1e250, 1e-250, 1e-310] {
            let s = singular_values(&[3.0 * scale, 0.0, 0.0, scale], 2, 2).unwrap();
            assert!((s[0] / (3.0 * scale) - 1.0).abs() < 1e-15 && (s[1] / scale - 1.0).abs() < 1e-15, "{s:?}");
        }
    }
}
