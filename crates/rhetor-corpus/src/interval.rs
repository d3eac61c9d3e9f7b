//! The two intervals `stats` reports.

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `k` successes in `n` trials: (low, high).
/// Unlike the normal approximation it stays inside [0, 1] and is honest
/// for small `n` and for k = 0 or k = n.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n, z) = (k as f64, n as f64, Z95);
    let p = k / n;
    let z2n = z * z / n;
    let center = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// Lift of a group's rate `a / n1` over the rest's rate `c / n2`, with the
/// 95 % interval of the ratio of two proportions on the log scale (Katz):
/// ln(lift) ± z·√(1/a − 1/n1 + 1/c − 1/n2). When `a` or `c` is zero, 0.5
/// is added to both counts and 1 to both sizes (Haldane–Anscombe), so the
/// lift and its interval stay finite; the point estimate of a group that
/// never shows the label stays 0 (the correction only widens its
/// interval). `None` when the rest is empty.
pub fn lift(a: u64, n1: u64, c: u64, n2: u64) -> Option<(f64, f64, f64)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let never = a == 0;
    let (mut a, mut n1, mut c, mut n2) = (a as f64, n1 as f64, c as f64, n2 as f64);
    if a == 0.0 || c == 0.0 {
        a += 0.5;
        c += 0.5;
        n1 += 1.0;
        n2 += 1.0;
    }
    let ratio = (a / n1) / (c / n2);
    let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2).max(0.0).sqrt();
    let point = if never { 0.0 } else { ratio };
    Some((point, ratio * (-Z95 * se).exp(), ratio * (Z95 * se).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    #[test]
    fn wilson_by_hand() {
        // k = 3, n = 10, z² = 3.8415: p = 0.3, z²/n = 0.38415,
        // center = (0.3 + 0.19207) / 1.38415 = 0.35550,
        // half = 1.95996 / 1.38415 · √(0.021 + 0.0096037) = 1.41600 · 0.17494
        //      = 0.24772 → (0.10778, 0.60322).
        let (lo, hi) = wilson(3, 10);
        assert!(close(lo, 0.1078) && close(hi, 0.6032), "{lo} {hi}");
        // k = 0, n = 20: center = half = (1.92073/20) / 1.19207 = 0.08056
        // → (0, 0.16113): never below 0.
        let (lo, hi) = wilson(0, 20);
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.1611), "{hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
        let (lo, hi) = wilson(20, 20);
        assert!(close(lo, 1.0 - 0.1611) && hi == 1.0, "{lo}");
    }

    #[test]
    fn lift_by_hand() {
        // Group 30 of 100, rest 10 of 100: lift 3;
        // se = √(1/30 − 1/100 + 1/10 − 1/100) = √0.11333 = 0.33665,
        // ×/÷ e^(1.95996 · 0.33665) = e^0.65982 = 1.93445 → (1.5508, 5.8033).
        let (l, lo, hi) = lift(30, 100, 10, 100).unwrap();
        assert!(
            close(l, 3.0) && close(lo, 1.5508) && close(hi, 5.8033),
            "{l} {lo} {hi}"
        );
        // Zero in the rest: 5.5/11 over 0.5/101 = 101; finite interval.
        let (l, lo, hi) = lift(5, 10, 0, 100).unwrap();
        assert!(
            close(l, 101.0) && lo > 1.0 && hi.is_finite(),
            "{l} {lo} {hi}"
        );
        // Equal rates: lift 1, interval around it.
        let (l, lo, hi) = lift(10, 100, 20, 200).unwrap();
        assert!(close(l, 1.0) && lo < 1.0 && hi > 1.0);
        assert_eq!(lift(1, 10, 0, 0), None);
        // Never in a small group: lift 0, the interval (from 0.5/11 over
        // 10.5/101 = 0.437) wide and reaching above 1.
        let (l, lo, hi) = lift(0, 10, 10, 100).unwrap();
        assert!(l == 0.0 && lo < 0.437 && hi > 1.0, "{l} {lo} {hi}");
    }
}
