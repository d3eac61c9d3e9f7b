//! The CLI's one progress-bar style, for analysing files, training and
//! embedding. Bars draw on stderr only when it is a terminal (indicatif's
//! default), so scripts and logs stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rhetor_model::train::Progress;

/// A bar of `len` steps labelled `what`.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg} {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b.set_prefix(what.to_string());
    b
}

/// A bar of `len` items (`what`: "articles") with their rate and an ETA,
/// labelled `prefix`; without a length (the total is unknown, e.g. stdin),
/// a spinner with the count and the rate.
pub fn rate_bar(len: Option<u64>, prefix: &str, what: &str) -> ProgressBar {
    let b = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
    let template = match len {
        Some(_) => format!(
            "{{spinner}} {{prefix}} [{{bar:30}}] {{pos}}/{{len}} {what}, {{per_sec}}, eta {{eta}}"
        ),
        None => format!("{{spinner}} {{prefix}} {{pos}} {what}, {{per_sec}}"),
    };
    b.set_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| match len {
            Some(_) => ProgressStyle::default_bar(),
            None => ProgressStyle::default_spinner(),
        }),
    );
    b.set_prefix(prefix.to_string());
    b
}

/// Training progress (one step per finished stage, its name as the
/// message) shown as a [`bar`].
pub struct TrainingBar(ProgressBar);

impl TrainingBar {
    /// A bar of `steps` training stages labelled `what`.
    pub fn new(steps: usize, what: &str) -> Self {
        TrainingBar(bar(steps as u64, what))
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for TrainingBar {
    fn step(&self, message: &str) {
        self.0.set_message(message.to_string());
        self.0.inc(1);
    }
}
