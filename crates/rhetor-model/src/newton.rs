//! Newton's method with a backtracking line search: the one copy behind
//! Platt scaling ([`crate::calibrate::Platt::fit`]) and the accurate
//! model's per-label blend (`rhetor_accurate::blend::fit_blend`). Each
//! caller supplies its loss, its Newton direction (gradient and Hessian
//! solved, or `None` when the Hessian is singular) and its rules for
//! accepting a step and for stopping; the loop, the halving of the step
//! and the order of every floating-point operation are here, so shipped
//! models retrain bit for bit.

/// How many Newton steps, and how many halvings of each, at the most.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Newton steps at the most.
    pub steps: usize,
    /// Trial points per step: the full step, then half of it, and so on.
    pub halvings: usize,
}

/// What the line search makes of a trial point, given its loss and the
/// current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trial {
    /// Too little (or no) decrease: try half the step.
    Reject,
    /// Move there and take another Newton step.
    Accept,
    /// Move there, then stop: the decrease was too small to go on.
    AcceptAndStop,
}

/// `log(1 + e^z)`, computed without overflow for large `|z|`: the log
/// loss of a logistic model is `softplus(z) - y·z`.
pub fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Minimises `loss` from `start`. Each step moves from `t` to
/// `t - s·direction(t)` for the first `s` of 1, 1/2, 1/4, … (at most
/// `budget.halvings` of them) that `judge(loss, current loss)` accepts.
/// It stops when no trial is accepted, when `judge` says
/// [`Trial::AcceptAndStop`], when `direction` is `None`, when
/// `converged(s·direction)` holds after a step, or after `budget.steps`.
pub fn minimize<const N: usize>(
    start: [f64; N],
    budget: Budget,
    loss: impl Fn(&[f64; N]) -> f64,
    direction: impl Fn(&[f64; N]) -> Option<[f64; N]>,
    judge: impl Fn(f64, f64) -> Trial,
    converged: impl Fn(&[f64; N]) -> bool,
) -> [f64; N] {
    let mut t = start;
    let mut current = loss(&t);
    for _ in 0..budget.steps {
        let Some(dir) = direction(&t) else { break };
        let mut scale = 1.0f64;
        let mut outcome = Trial::Reject;
        for _ in 0..budget.halvings {
            let mut cand = t;
            for (c, d) in cand.iter_mut().zip(&dir) {
                *c -= scale * d;
            }
            let l = loss(&cand);
            outcome = judge(l, current);
            if outcome != Trial::Reject {
                t = cand;
                current = l;
                break;
            }
            scale *= 0.5;
        }
        if outcome != Trial::Accept {
            break;
        }
        let mut taken = dir;
        for d in taken.iter_mut() {
            *d *= scale;
        }
        if converged(&taken) {
            break;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softplus_is_log_one_plus_exp_without_overflow() {
        // log(1 + e^0) = ln 2.
        assert_eq!(softplus(0.0), 2f64.ln());
        assert!((softplus(1.0) - (1.0 + 1f64.exp()).ln()).abs() < 1e-15);
        // e^1000 overflows; log(1 + e^1000) is 1000 to double precision.
        assert_eq!(softplus(1000.0), 1000.0);
        assert_eq!(softplus(-1000.0), 0.0);
    }

    /// (x - 3)² + 2 (y + 1)², least at (3, -1).
    fn bowl(t: &[f64; 2]) -> f64 {
        (t[0] - 3.0).powi(2) + 2.0 * (t[1] + 1.0).powi(2)
    }

    /// Platt's rule: a step must lower the loss by more than 1e-12.
    fn strict(l: f64, current: f64) -> Trial {
        if l < current - 1e-12 {
            Trial::Accept
        } else {
            Trial::Reject
        }
    }

    /// Newton's direction on the bowl is exact (the gradient
    /// (2(x-3), 4(y+1)) over the Hessian diag(2, 4)), so the first full
    /// step lands on the minimum and the second finds nothing better.
    #[test]
    fn a_quadratic_is_solved_in_one_step() {
        let direction = |t: &[f64; 2]| Some([t[0] - 3.0, t[1] + 1.0]);
        let budget = Budget {
            steps: 10,
            halvings: 20,
        };
        let t = minimize([0.0, 0.0], budget, bowl, direction, strict, |_| false);
        assert_eq!(t, [3.0, -1.0]);
    }

    /// A direction twice too long overshoots: the full step is rejected
    /// (at (6, -2) the loss is 9 + 2 = 11, the start's), the half step
    /// lands on the minimum.
    #[test]
    fn an_overshooting_step_is_halved() {
        let direction = |t: &[f64; 2]| Some([2.0 * (t[0] - 3.0), 2.0 * (t[1] + 1.0)]);
        let budget = Budget {
            steps: 1,
            halvings: 20,
        };
        let t = minimize([0.0, 0.0], budget, bowl, direction, strict, |_| false);
        assert_eq!(t, [3.0, -1.0]);
    }

    #[test]
    fn stops_where_the_direction_is_undefined_or_judged_small() {
        let loss = |t: &[f64; 1]| (t[0] - 1.0).powi(2);
        let budget = Budget {
            steps: 50,
            halvings: 30,
        };
        let none = minimize(
            [5.0],
            budget,
            loss,
            |_| None,
            |_, _| Trial::Accept,
            |_| false,
        );
        assert_eq!(none, [5.0]);
        // A quarter of the way at each step, stopped by `judge` at once:
        // one move, 5 → 4.
        let quarter = |t: &[f64; 1]| Some([(t[0] - 1.0) / 4.0]);
        let once = minimize(
            [5.0],
            budget,
            loss,
            quarter,
            |_, _| Trial::AcceptAndStop,
            |_| false,
        );
        assert_eq!(once, [4.0]);
        // Stopped by `converged` once a step is under 0.5: 5 → 4 → 3.25 → …
        let small = |s: &[f64; 1]| s[0].abs() < 0.5;
        let t = minimize([5.0], budget, loss, quarter, |_, _| Trial::Accept, small);
        // Steps 1, 0.75, 0.5625, 0.421875 (the last one stops it).
        assert_eq!(t, [5.0 - 1.0 - 0.75 - 0.5625 - 0.421875]);
    }
}
