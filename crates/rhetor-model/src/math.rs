//! The two squashing functions every head uses, in one place so the fast
//! model, its calibration and the accurate model's heads compute them the
//! same way (bit for bit: model outputs and retraining depend on it).

/// The logistic function `1 / (1 + e^-x)`.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax of logits, shifted by their maximum so no exponent overflows.
pub fn softmax(s: &[f32]) -> Vec<f32> {
    let m = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = s.iter().map(|v| (v - m).exp()).collect();
    let z: f32 = e.iter().sum();
    e.into_iter().map(|v| v / z).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_the_logistic_function() {
        assert_eq!(sigmoid(0.0), 0.5);
        // 1 / (1 + e^-2) = 0.880797…
        assert!((sigmoid(2.0) - 0.880_797).abs() < 1e-6);
        assert!((sigmoid(-2.0) + sigmoid(2.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn softmax_sums_to_one_and_survives_huge_logits() {
        // e^0 / (e^0 + e^ln3) = 1/4, e^ln3 / (…) = 3/4.
        let p = softmax(&[0.0, 3f32.ln()]);
        assert!(
            (p[0] - 0.25).abs() < 1e-6 && (p[1] - 0.75).abs() < 1e-6,
            "{p:?}"
        );
        let p = softmax(&[1000.0, 1000.0]);
        assert_eq!(p, vec![0.5, 0.5]);
    }
}
