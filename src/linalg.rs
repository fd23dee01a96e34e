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
}
