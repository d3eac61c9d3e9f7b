//! How much evidence to show: the reader's trade-off between highlights
//! that are usually right and highlights that miss little.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The span decision a reader asks for (`--evidence`, the API's
/// `evidence` field, `rhetor.analyze(..., evidence=...)`). Each level's
/// parameters were chosen by cross-validation and are stored in the model
/// file (docs/evaluation.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// Fewer highlights, most of them right (precision first).
    Precise,
    /// The best span F1: the default.
    #[default]
    Balanced,
    /// More highlights, missing fewer (recall first).
    Recall,
}

impl Evidence {
    /// The three levels, in the order the model file stores their rules.
    pub const ALL: [Evidence; 3] = [Evidence::Precise, Evidence::Balanced, Evidence::Recall];

    /// The name used on the command line, in the API and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Precise => "precise",
            Evidence::Balanced => "balanced",
            Evidence::Recall => "recall",
        }
    }

    /// Position in [`Evidence::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Evidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Evidence::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                format!("unknown evidence level {s:?} (expected precise, balanced or recall)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for e in Evidence::ALL {
            assert_eq!(e.as_str().parse::<Evidence>(), Ok(e));
            assert_eq!(Evidence::ALL[e.index()], e);
        }
        assert_eq!(Evidence::default(), Evidence::Balanced);
        let err = "exact".parse::<Evidence>().unwrap_err();
        assert!(
            err.contains("\"exact\"") && err.contains("precise"),
            "{err}"
        );
    }
}
