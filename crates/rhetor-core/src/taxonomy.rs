//! The label inventories of SemEval-2023 Task 3, defined once.
//!
//! Label strings are exactly those of the task's `genres.txt`, `frames.txt`
//! and `techniques.txt`; the definitions are our own one-line summaries.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A string that is not a label of the inventory it was parsed against.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} label {value:?}")]
pub struct LabelError {
    /// Which inventory: `genre`, `frame` or `technique`.
    pub kind: &'static str,
    /// The string that matched none of its labels.
    pub value: String,
}

/// Defines a closed label enum with its exact SemEval string and definition.
macro_rules! label_enum {
    (
        $(#[$meta:meta])* $name:ident, $kind:literal,
        [ $( $variant:ident = $text:literal, $def:literal; )+ ]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( #[doc = $def] $variant, )+ }

        impl $name {
            /// Every label, in the order of the task's label file.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];
            /// Number of labels.
            pub const COUNT: usize = Self::ALL.len();

            /// The exact SemEval label string.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// A one-line definition, shown to users on hover and in `/v1/labels`.
            pub fn definition(self) -> &'static str {
                match self { $( $name::$variant => $def, )+ }
            }

            /// Position in [`Self::ALL`]; stable, used as a class index by models.
            pub fn index(self) -> usize {
                self as usize
            }

            /// The label at position `i` of [`Self::ALL`].
            pub fn from_index(i: usize) -> Option<Self> {
                Self::ALL.get(i).copied()
            }
        }

        impl FromStr for $name {
            type Err = LabelError;
            fn from_str(s: &str) -> Result<Self, LabelError> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(LabelError { kind: $kind, value: s.to_string() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

label_enum!(
    /// Subtask 1: the article's genre.
    Genre, "genre",
    [
        Opinion = "opinion", "Argues for a view; the author's stance is part of the text.";
        Reporting = "reporting", "Informs about events, aiming at a neutral account of facts.";
        Satire = "satire", "Mocks its subject through irony, exaggeration or invented events.";
    ]
);

label_enum!(
    /// Subtask 2: the frames (Media Frames Corpus dimensions) an article uses.
    Frame, "frame",
    [
        Economic = "Economic", "Costs, benefits, money and other financial implications.";
        CapacityAndResources = "Capacity_and_resources", "Availability or lack of physical, human or financial resources.";
        Morality = "Morality", "Religious or ethical implications; what is right or wrong.";
        FairnessAndEquality = "Fairness_and_equality", "Equal or unequal treatment and distribution of rights or burdens.";
        Legality = "Legality_Constitutionality_and_jurisprudence", "Legal rights, constraints, court rulings and constitutionality.";
        PolicyPrescription = "Policy_prescription_and_evaluation", "Particular policies proposed or judged for whether they work.";
        CrimeAndPunishment = "Crime_and_punishment", "Violation of laws, enforcement, sentencing and punishment.";
        SecurityAndDefense = "Security_and_defense", "Threats to a person, group or nation and the defence against them.";
        HealthAndSafety = "Health_and_safety", "Health care, disease, sanitation and public safety.";
        QualityOfLife = "Quality_of_life", "Effects on people's wealth, mobility, happiness and daily life.";
        CulturalIdentity = "Cultural_identity", "Traditions, customs and values of a social group.";
        PublicOpinion = "Public_opinion", "Attitudes of the public: polls, protests, popular sentiment.";
        Political = "Political", "Political actors, parties, elections, lobbying and partisan fights.";
        ExternalRegulation = "External_regulation_and_reputation", "A state's standing, relations and treaties with other states.";
    ]
);

/// The six technique categories of SemEval-2023 Task 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Category {
    #[serde(rename = "Attack_on_Reputation")]
    /// Name calling, doubt, guilt by association, hypocrisy, questioning the reputation: the source, not the claim, is attacked.
    AttackOnReputation,
    #[serde(rename = "Justification")]
    /// Appeals to authority, popularity, values, fear, flag waving: a reason beyond evidence.
    Justification,
    #[serde(rename = "Simplification")]
    /// Causal oversimplification, false dilemma, consequential oversimplification.
    Simplification,
    #[serde(rename = "Distraction")]
    /// Straw man, red herring, whataboutism: attention moved elsewhere.
    Distraction,
    #[serde(rename = "Call")]
    /// Slogans, conversation killers, appeal to time: a push to act or stop thinking.
    Call,
    #[serde(rename = "Manipulative_Wording")]
    /// Loaded language, obfuscation, exaggeration or minimisation, repetition.
    ManipulativeWording,
}

impl Category {
    /// Every category, in the order of the task's description.
    pub const ALL: &'static [Category] = &[
        Category::AttackOnReputation,
        Category::Justification,
        Category::Simplification,
        Category::Distraction,
        Category::Call,
        Category::ManipulativeWording,
    ];

    /// The category's name as SemEval writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::AttackOnReputation => "Attack_on_Reputation",
            Category::Justification => "Justification",
            Category::Simplification => "Simplification",
            Category::Distraction => "Distraction",
            Category::Call => "Call",
            Category::ManipulativeWording => "Manipulative_Wording",
        }
    }

    /// The techniques of this category, in inventory order.
    pub fn techniques(self) -> impl Iterator<Item = Technique> {
        Technique::ALL
            .iter()
            .copied()
            .filter(move |t| t.category() == self)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

label_enum!(
    /// Subtask 3: the 23 persuasion techniques.
    Technique, "technique",
    [
        AppealToAuthority = "Appeal_to_Authority", "Supports a claim by citing someone's authority rather than evidence.";
        AppealToPopularity = "Appeal_to_Popularity", "Claims something is right because many or most people think so.";
        AppealToValues = "Appeal_to_Values", "Links a claim to values the audience holds dear, such as freedom or tradition.";
        AppealToFearPrejudice = "Appeal_to_Fear-Prejudice", "Builds support for an idea by stoking fear of, or prejudice against, an alternative.";
        FlagWaving = "Flag_Waving", "Appeals to a group's pride or identity (nation, party, religion) to justify an idea.";
        CausalOversimplification = "Causal_Oversimplification", "Pins a complex issue on a single cause.";
        FalseDilemma = "False_Dilemma-No_Choice", "Presents two options as the only ones, or one option as the only one.";
        ConsequentialOversimplification = "Consequential_Oversimplification", "Claims a first step will set off a chain of (usually bad) consequences.";
        StrawMan = "Straw_Man", "Refutes a distorted version of the opponent's position instead of the real one.";
        RedHerring = "Red_Herring", "Diverts attention to an irrelevant topic.";
        Whataboutism = "Whataboutism", "Deflects criticism by pointing at the opponent's own misdeeds.";
        Slogans = "Slogans", "A brief, striking phrase that stands in for an argument.";
        AppealToTime = "Appeal_to_Time", "Argues that now is the moment to act, urging immediacy.";
        ConversationKiller = "Conversation_Killer", "A phrase that discourages discussion or critical thought (\"enough said\").";
        LoadedLanguage = "Loaded_Language", "Words or phrases with strong emotional connotations used to sway the reader.";
        Repetition = "Repetition", "Repeats the same word, phrase or idea to make it stick.";
        ExaggerationMinimisation = "Exaggeration-Minimisation", "Makes something seem larger, better or worse, or smaller and less important, than it is.";
        ObfuscationVagueness = "Obfuscation-Vagueness-Confusion", "Uses deliberately unclear words so the reader may read in what they like.";
        NameCallingLabeling = "Name_Calling-Labeling", "Attaches a loaded label to a person or group, positive or negative.";
        Doubt = "Doubt", "Questions the credibility of someone or something without real evidence.";
        GuiltByAssociation = "Guilt_by_Association", "Discredits someone by linking them to a group or person the audience rejects.";
        AppealToHypocrisy = "Appeal_to_Hypocrisy", "Attacks someone for hypocrisy to discredit their position (tu quoque).";
        QuestioningTheReputation = "Questioning_the_Reputation", "Attacks a person's character or record to undermine their argument.";
    ]
);

impl Technique {
    /// The category this technique belongs to.
    pub fn category(self) -> Category {
        use Technique::*;
        match self {
            NameCallingLabeling
            | GuiltByAssociation
            | Doubt
            | AppealToHypocrisy
            | QuestioningTheReputation => Category::AttackOnReputation,
            FlagWaving
            | AppealToAuthority
            | AppealToPopularity
            | AppealToValues
            | AppealToFearPrejudice => Category::Justification,
            CausalOversimplification | FalseDilemma | ConsequentialOversimplification => {
                Category::Simplification
            }
            StrawMan | RedHerring | Whataboutism => Category::Distraction,
            Slogans | ConversationKiller | AppealToTime => Category::Call,
            LoadedLanguage | ObfuscationVagueness | ExaggerationMinimisation | Repetition => {
                Category::ManipulativeWording
            }
        }
    }
}

/// Parses a comma-separated label list as found in SemEval label files.
/// An empty (or all-blank) string is the empty list.
pub fn parse_label_list<T: FromStr<Err = LabelError>>(s: &str) -> Result<Vec<T>, LabelError> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_sizes_match_the_task() {
        assert_eq!(Genre::COUNT, 3);
        assert_eq!(Frame::COUNT, 14);
        assert_eq!(Technique::COUNT, 23);
        assert_eq!(Category::ALL.len(), 6);
        let per_cat: Vec<usize> = Category::ALL
            .iter()
            .map(|c| c.techniques().count())
            .collect();
        assert_eq!(per_cat, vec![5, 5, 3, 3, 3, 4]);
    }

    #[test]
    fn labels_round_trip_through_strings_and_indices() {
        for t in Technique::ALL {
            assert_eq!(t.as_str().parse::<Technique>().unwrap(), *t);
            assert_eq!(Technique::from_index(t.index()), Some(*t));
            assert!(!t.definition().is_empty());
        }
        for f in Frame::ALL {
            assert_eq!(f.as_str().parse::<Frame>().unwrap(), *f);
        }
        for g in Genre::ALL {
            assert_eq!(g.as_str().parse::<Genre>().unwrap(), *g);
        }
    }

    #[test]
    fn unknown_labels_are_errors_naming_the_value() {
        let err = "Loaded_language".parse::<Technique>().unwrap_err();
        assert_eq!(err.kind, "technique");
        assert!(err.to_string().contains("Loaded_language"));
        assert!("news".parse::<Genre>().is_err());
    }

    #[test]
    fn label_lists_parse_with_empty_and_spaces() {
        let v: Vec<Frame> = parse_label_list("Economic, Political").unwrap();
        assert_eq!(v, vec![Frame::Economic, Frame::Political]);
        let e: Vec<Frame> = parse_label_list("").unwrap();
        assert!(e.is_empty());
        assert!(parse_label_list::<Frame>("Economic,Nope").is_err());
    }

    #[test]
    fn labels_serialize_as_their_semeval_strings() {
        let s = serde_json::to_string(&Technique::FalseDilemma).unwrap();
        assert_eq!(s, "\"False_Dilemma-No_Choice\"");
        let t: Technique = serde_json::from_str("\"Doubt\"").unwrap();
        assert_eq!(t, Technique::Doubt);
    }

    /// The inventories must match the task's label files exactly, in order.
    #[test]
    fn inventories_match_the_shared_label_files() {
        // rhetor-formats' shared_data_dir(), which this crate cannot use.
        let dir = std::env::var_os("RHETOR_DATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/data/semeval2023-task3")
            });
        let Some(dir) =
            rhetor_testkit::need(dir.is_dir().then_some(dir), rhetor_testkit::SEMEVAL_DATA)
        else {
            return;
        };
        let read = |f: &str| -> Vec<String> {
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        };
        let strs = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(
            read("genres.txt"),
            strs(Genre::ALL.iter().map(|g| g.as_str()).collect())
        );
        assert_eq!(
            read("frames.txt"),
            strs(Frame::ALL.iter().map(|g| g.as_str()).collect())
        );
        assert_eq!(
            read("techniques.txt"),
            strs(Technique::ALL.iter().map(|g| g.as_str()).collect())
        );
    }
}
