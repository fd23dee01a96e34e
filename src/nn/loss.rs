//! Losses and their gradients with respect to the network's output.

/// A loss over a batch of outputs `y` (batch × out, row-major).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// L = (1/(B·K)) Σ (y − t)², as PyTorch `nn.MSELoss()` (mean reduction); dL/dy = 2(y − t)/(B·K).
    MeanSquaredError,
    /// L = −(1/B) Σ_b log softmax(y_b)[c_b], as `nn.CrossEntropyLoss()`; dL/dy = (softmax(y) − onehot)/B.
    SoftmaxCrossEntropy,
}

/// Targets: real values for MSE (batch × out), class indices for cross-entropy.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    Values(Vec<f32>),
    Classes(Vec<usize>),
}

impl Targets {
    /// The targets of rows `rows` (for `out` outputs per row).
    #[must_use]
    pub fn rows(&self, rows: std::ops::Range<usize>, out: usize) -> Targets {
        match self {
            Targets::Values(t) => Targets::Values(t[rows.start * out..rows.end * out].to_vec()),
            Targets::Classes(c) => Targets::Classes(c[rows].to_vec()),
        }
    }
}

impl Loss {
    /// Returns L and writes dL/dy into `dy`. Mismatched loss and targets give `None`.
    pub fn eval(self, y: &[f32], targets: &Targets, out: usize, dy: &mut [f32]) -> Option<f64> {
        self.eval_part(y, targets, out, y.len() / out.max(1), dy)
    }

    /// Like [`Loss::eval`] for rows that are part of a batch of `total` samples: the mean runs over
    /// all `total`, so the parts' losses add up to the batch's and each row's dL/dy is exactly
    /// what the whole batch gives it.
    pub fn eval_part(self, y: &[f32], targets: &Targets, out: usize, total: usize, dy: &mut [f32]) -> Option<f64> {
        let batch = y.len() / out.max(1);
        let total = total.max(1);
        match (self, targets) {
            (Loss::MeanSquaredError, Targets::Values(t)) if t.len() == y.len() => {
                let n = (total * out) as f64;
                let mut l = 0f64;
                for ((d, &y), &t) in dy.iter_mut().zip(y).zip(t) {
                    let e = f64::from(y) - f64::from(t);
                    l += e * e;
                    *d = (2.0 * e / n) as f32;
                }
                Some(l / n)
            }
            // A class index past the outputs has no logit: refused (as a length mismatch is),
            // rather than read as the last class by the loss and as none by its gradient.
            (Loss::SoftmaxCrossEntropy, Targets::Classes(c)) if c.len() == batch && c.iter().all(|&k| k < out) => {
                let mut l = 0f64;
                for (b, &class) in c.iter().enumerate() {
                    let row = &y[b * out..(b + 1) * out];
                    let d = &mut dy[b * out..(b + 1) * out];
                    // log-sum-exp with the max subtracted, so no overflow
                    let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                    let sum: f64 = row.iter().map(|&v| libm::exp(f64::from(v - max))).sum();
                    let lse = f64::from(max) + libm::log(sum);
                    l += lse - f64::from(row[class]);
                    for (j, (d, &v)) in d.iter_mut().zip(row).enumerate() {
                        let p = libm::exp(f64::from(v) - lse);
                        *d = ((p - if j == class { 1.0 } else { 0.0 }) / total as f64) as f32;
                    }
                }
                Some(l / total as f64)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Softmax cross-entropy against its definition: L = mean(log Σ e^y − y_class) and
    /// ∂L/∂y_j = (softmax_j − [j = class])/B (as `torch.nn.functional.cross_entropy`); a class
    /// index with no logit is refused, not read as the last class by the loss alone.
    #[test]
    fn cross_entropy_is_its_formula_and_refuses_a_class_without_a_logit() {
        let y = [1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0];
        let mut dy = [0f32; 6];
        let l = Loss::SoftmaxCrossEntropy.eval(&y, &Targets::Classes(vec![1, 2]), 3, &mut dy).unwrap();
        let lse = |r: &[f64]| r.iter().map(|v| v.exp()).sum::<f64>().ln();
        let (r0, r1) = ([1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]);
        let want = ((lse(&r0) - 2.0) + (lse(&r1) - 3.0)) / 2.0;
        assert!((l - want).abs() < 1e-6, "{l} against {want}");
        let p = |r: &[f64; 3], j: usize| (r[j] - lse(r)).exp();
        for (j, want) in [p(&r0, 0) / 2.0, (p(&r0, 1) - 1.0) / 2.0, p(&r0, 2) / 2.0].into_iter().enumerate() {
            assert!((f64::from(dy[j]) - want).abs() < 1e-6, "∂L/∂y[{j}] {} against {want}", dy[j]);
        }
        assert_eq!(Loss::SoftmaxCrossEntropy.eval(&y, &Targets::Classes(vec![1, 3]), 3, &mut dy), None, "class 3 of 3 outputs");
    }
}
