//! A SemEval-layout dataset: language folders, each with `train-articles/`
//! and up to four label files; articles come back with gold labels attached.

use crate::articles::{list_articles, read_article_file};
use crate::error::{FormatError, Source};
use crate::labels;
use crate::semeval::Task;
use rhetor_core::{Document, GenreScores, OffsetMap, Scored};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Which gold annotations an article has (a label file may skip articles).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gold {
    /// The genre file lists the article.
    pub genre: bool,
    /// The frames file lists the article.
    pub frames: bool,
    /// The paragraph techniques file lists the article.
    pub techniques: bool,
    /// The language folder has a span label file: the article's gold spans
    /// are its rows there (possibly none).
    pub spans: bool,
}

impl Gold {
    /// Whether `task` has gold labels for this article (what the evaluator and trainer may score or learn).
    pub fn has(&self, task: Task) -> bool {
        match task {
            Task::Genre => self.genre,
            Task::Frames => self.frames,
            Task::Techniques => self.techniques,
            Task::Spans => self.spans,
        }
    }
}

/// An article with its gold labels (in the document's annotation fields,
/// scores 1) and the name of the language folder it came from.
#[derive(Debug, Clone)]
pub struct LabeledDocument {
    /// The article, its annotation fields holding the gold labels.
    pub doc: Document,
    /// The folder name (`en`, `ge`, `po`, …), as the dataset names languages.
    pub folder: String,
    /// Which tasks those gold labels cover.
    pub gold: Gold,
}

/// The SemEval-2023 Task 3 data the tests read: `$RHETOR_DATA`, else
/// `shared/data/semeval2023-task3` beside this repository; None where that
/// is not a directory (tests then skip, saying so).
pub fn shared_data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RHETOR_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/semeval2023-task3")
        });
    dir.is_dir().then_some(dir)
}

/// ISO 639-1 code of a SemEval language folder (`ge` is German, `po` Polish).
pub fn language_code(folder: &str) -> &str {
    match folder {
        "ge" => "de",
        "po" => "pl",
        other => other,
    }
}

/// The language folders under `root` that hold a `train-articles/` folder,
/// sorted by name.
pub fn language_folders(root: &Path) -> Result<Vec<(String, PathBuf)>, FormatError> {
    let source = Source::file(root.display().to_string());
    let entries = std::fs::read_dir(root).map_err(|e| FormatError::io(source.clone(), e))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| FormatError::io(source.clone(), e))?
            .path();
        if path.join("train-articles").is_dir() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, path));
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(FormatError::row(
            source,
            "no language folder with a train-articles/ directory (expected the SemEval layout: <dir>/<lang>/train-articles/)",
        ));
    }
    Ok(out)
}

/// Loads every language folder of `root` (or only those named in `only`,
/// by folder name or ISO code).
pub fn load_dataset(
    root: &Path,
    only: Option<&[String]>,
) -> Result<Vec<LabeledDocument>, FormatError> {
    let mut docs = Vec::new();
    for (folder, path) in language_folders(root)? {
        let wanted = only.is_none_or(|langs| {
            langs
                .iter()
                .any(|l| l == &folder || l == language_code(&folder))
        });
        if wanted {
            docs.extend(load_language(&path, &folder)?);
        }
    }
    Ok(docs)
}

/// Loads one language folder: its articles sorted by file name, with every
/// label file that exists attached. A label row naming an unknown article,
/// a blank line, or offsets outside the article is an error.
pub fn load_language(dir: &Path, folder: &str) -> Result<Vec<LabeledDocument>, FormatError> {
    let mut docs = Vec::new();
    for path in list_articles(&dir.join("train-articles"))? {
        let mut doc = read_article_file(&path)?;
        doc.language = Some(language_code(folder).to_string());
        docs.push(LabeledDocument {
            doc,
            folder: folder.to_string(),
            gold: Gold::default(),
        });
    }
    let index: HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.doc.id.clone(), i))
        .collect();
    let find = |file: &Path, id: &str, row: Option<usize>| -> Result<usize, FormatError> {
        index.get(id).copied().ok_or_else(|| {
            let mut s = Source::file(file.display().to_string());
            s.line = row;
            FormatError::row(s, format!("article {id:?} has no file in train-articles/"))
        })
    };

    let file = dir.join(Task::Genre.label_file());
    if file.exists() {
        for r in labels::read_genres(&file)? {
            let d = &mut docs[find(&file, &r.id, None)?];
            d.doc.genre = Some(GenreScores::certain(r.genre));
            d.gold.genre = true;
        }
    }
    let file = dir.join(Task::Frames.label_file());
    if file.exists() {
        for r in labels::read_frames(&file)? {
            let d = &mut docs[find(&file, &r.id, None)?];
            d.doc.frames = r.frames.into_iter().map(|f| Scored::new(f, 1.0)).collect();
            d.gold.frames = true;
        }
    }
    let file = dir.join(Task::Techniques.label_file());
    if file.exists() {
        for r in labels::read_techniques(&file)? {
            let d = &mut docs[find(&file, &r.id, None)?];
            let p = d.doc.paragraph_at_line_mut(r.line).ok_or_else(|| {
                FormatError::row(
                    Source::file(file.display().to_string()),
                    format!("article {}: line {} is blank or past the end", r.id, r.line),
                )
            })?;
            p.techniques = r
                .techniques
                .into_iter()
                .map(|t| Scored::new(t, 1.0))
                .collect();
            d.gold.techniques = true;
        }
    }
    let file = dir.join(Task::Spans.label_file());
    if file.exists() {
        let mut maps: HashMap<usize, OffsetMap> = HashMap::new();
        for r in labels::read_spans(&file)? {
            let i = find(&file, &r.id, Some(r.row))?;
            let d = &mut docs[i];
            let map = maps.entry(i).or_insert_with(|| OffsetMap::new(&d.doc.text));
            if d.doc
                .add_span(map, r.technique, r.start, r.end, 1.0)
                .is_none()
            {
                let at = Source::file(file.display().to_string()).at_line(r.row);
                return Err(FormatError::row(
                    at,
                    format!(
                        "span {}..{} is outside article {} ({} code points)",
                        r.start,
                        r.end,
                        r.id,
                        map.len_chars()
                    ),
                ));
            }
            d.gold.spans = true;
        }
        // Articles present in a spans file but without a row simply have no spans.
        for d in &mut docs {
            d.gold.spans = true;
        }
    }
    Ok(docs)
}
