//! Held-out training, the one loop of it: for each group of examples, a
//! model fitted on all the other examples scores that group. It gives the
//! fast model's out-of-fold scores (calibration and thresholds,
//! [`crate::train`](mod@crate::train)), its cross-validation
//! ([`crate::train::for_each_held_out`]) and the accurate model's stacked
//! heads their inputs.

use rayon::prelude::*;

/// When the trainings of [`held_out`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// One after another, one model alive at a time (large models: the
    /// fast model's heads, whole fast models); each training may use every
    /// core itself.
    OneAtATime,
    /// All at once on rayon's pool (small models: the accurate model's
    /// dense heads).
    AllAtOnce,
}

/// The groups of examples by fold: fold `f` holds, in order, the examples
/// `i` with `groups[i] % k == f` (`groups[i]` is the article or language of
/// example `i`, so a fold never splits one).
pub fn by_fold(groups: &[usize], k: usize) -> Vec<Vec<usize>> {
    (0..k)
        .map(|f| (0..groups.len()).filter(|&i| groups[i] % k == f).collect())
        .collect()
}

/// For each group of `held_out` (indices below `n`), `train` fits a model
/// on every other example (indices in increasing order) and `score` gives
/// the result of each example of the group with that model. Returns one
/// result per example, in order; every example must be in exactly one
/// group. Results do not depend on the schedule: each training sees the
/// same rows either way.
pub fn held_out<M: Send + Sync, S: Send>(
    n: usize,
    held_out: &[Vec<usize>],
    schedule: Schedule,
    train: impl Fn(&[usize]) -> M + Sync,
    score: impl Fn(&M, usize) -> S + Sync,
) -> Vec<S> {
    let rows_without = |test: &[usize]| -> Vec<usize> {
        let mut in_test = vec![false; n];
        test.iter().for_each(|&i| in_test[i] = true);
        (0..n).filter(|&i| !in_test[i]).collect()
    };
    let mut out: Vec<Option<S>> = (0..n).map(|_| None).collect();
    let mut keep = |test: &[usize], model: &M| {
        let results: Vec<S> = test.par_iter().map(|&i| score(model, i)).collect();
        for (&i, r) in test.iter().zip(results) {
            out[i] = Some(r);
        }
    };
    match schedule {
        Schedule::OneAtATime => {
            for test in held_out {
                let model = train(&rows_without(test));
                keep(test, &model);
            }
        }
        Schedule::AllAtOnce => {
            let models: Vec<M> = held_out
                .par_iter()
                .map(|test| train(&rows_without(test)))
                .collect();
            for (test, model) in held_out.iter().zip(&models) {
                keep(test, model);
            }
        }
    }
    out.into_iter()
        .map(|r| r.expect("every example is in exactly one held-out group"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_follow_the_groups() {
        // Groups 0, 1, 2, 3, 0, 5 in 2 folds: even groups in fold 0.
        assert_eq!(
            by_fold(&[0, 1, 2, 3, 0, 5], 2),
            vec![vec![0, 2, 4], vec![1, 3, 5]]
        );
    }

    /// The "model" is the list of rows it was trained on and each example's
    /// score is that list: every example is scored by a model that never
    /// saw it and saw everything else, in order, whatever the schedule.
    #[test]
    fn each_example_is_scored_by_the_model_without_its_group() {
        let groups = vec![vec![1, 3], vec![0], vec![2, 4]];
        for schedule in [Schedule::OneAtATime, Schedule::AllAtOnce] {
            let seen = held_out(
                5,
                &groups,
                schedule,
                |rows| rows.to_vec(),
                |m, i| (i, m.clone()),
            );
            assert_eq!(
                seen,
                vec![
                    (0, vec![1, 2, 3, 4]),
                    (1, vec![0, 2, 4]),
                    (2, vec![0, 1, 3]),
                    (3, vec![0, 2, 4]),
                    (4, vec![0, 1, 3]),
                ],
                "{schedule:?}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "exactly one held-out group")]
    fn an_example_in_no_group_is_a_bug() {
        held_out(
            3,
            &[vec![0], vec![2]],
            Schedule::OneAtATime,
            |_| (),
            |_, _| (),
        );
    }
}
