//! The native half of the `rhetor` Python package (`rhetor._rhetor`); the
//! Python half (`python/rhetor/__init__.py`) adds the documented API on top.
//!
//! Everything here calls `rhetor-engine`, the library the CLI and the server
//! use: the same model loading, the same annotation step, the same JSON.
//! Analysis runs with the interpreter detached (other Python threads go on),
//! many articles on rayon's pool (every core).
//!
//! `#![warn(missing_docs)]` does not apply: this is a `cdylib` with no Rust
//! API (nothing is public at its root). What Python sees is documented
//! where Python reads it: the `///` comments on the `#[pyclass]`,
//! `#[pymethods]` and `#[pyfunction]` items, which PyO3 turns into
//! docstrings, and the type stub `python/rhetor/__init__.pyi`.

mod arrow;

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rhetor_core::{DetectError, Document, Task};
use rhetor_engine::{document_from_fields, is_blank_article, Engine, MissingEncoder};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Models loaded in this process, by (model, encoder directory): every
/// `Analyzer` of the same model shares one copy, loaded once.
type Cache = Vec<((String, Option<PathBuf>), Engine)>;
static ENGINES: Mutex<Cache> = Mutex::new(Vec::new());

/// Loads (or finds already loaded) the engine for `spec`; the notice is
/// returned only by the load that produced it.
fn cached_engine(spec: &str, encoder: Option<&Path>) -> anyhow::Result<(Engine, Option<String>)> {
    // Held while loading, so two threads asking at once load once.
    let mut cache = ENGINES.lock().unwrap_or_else(|p| p.into_inner());
    let key = (spec.to_string(), encoder.map(Path::to_path_buf));
    if let Some((_, engine)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok((engine.clone(), None));
    }
    let (engine, notice) = Engine::load(spec, encoder)?;
    cache.push((key, engine.clone()));
    Ok((engine, notice))
}

/// A load failure as the Python exception a user expects, with the CLI's
/// message: `FileNotFoundError` for a missing model file or encoder,
/// `OSError` for other I/O errors, `ValueError` for anything else (an
/// unknown name, an unreadable model file).
fn load_error(e: anyhow::Error) -> PyErr {
    let msg = format!("{e:#}");
    if e.downcast_ref::<MissingEncoder>().is_some() {
        return PyFileNotFoundError::new_err(msg);
    }
    if let Some(io) = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>()) {
        return if io.kind() == std::io::ErrorKind::NotFound {
            PyFileNotFoundError::new_err(msg)
        } else {
            PyOSError::new_err(msg)
        };
    }
    PyValueError::new_err(msg)
}

/// The native analyzer behind `rhetor.Analyzer`.
#[pyclass(frozen, module = "rhetor._rhetor")]
struct NativeAnalyzer {
    spec: String,
    encoder: Option<PathBuf>,
    /// The span decision every analysis of this analyzer uses.
    evidence: rhetor_core::Evidence,
    engine: OnceLock<Engine>,
}

impl NativeAnalyzer {
    /// The engine, loaded on first use (the interpreter detached meanwhile).
    fn engine(&self, py: Python<'_>) -> PyResult<&Engine> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine);
        }
        let (engine, notice) = py
            .detach(|| cached_engine(&self.spec, self.encoder.as_deref()))
            .map_err(load_error)?;
        if let Some(notice) = notice {
            py.import("warnings")?
                .call_method1("warn", (format!("rhetor: {notice}"),))?;
        }
        Ok(self.engine.get_or_init(|| engine))
    }
}

/// Reads one item of `analyze_many`: a `str` (line 1 the title) or a dict
/// with `text` and optional `title` and `id`.
fn read_item(item: &Bound<'_, PyAny>, position: usize) -> PyResult<Document> {
    let default_id = position.to_string();
    if let Ok(text) = item.cast::<PyString>() {
        let text = text.to_cow()?;
        let text: &str = &text;
        check_not_blank(None, text, &format!("item {position}: "))?;
        return Ok(document_from_fields(default_id, None, text));
    }
    let Ok(dict) = item.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "item {position}: expected a str or a dict with \"text\", got {}",
            item.get_type().name()?
        )));
    };
    let field = |name: &str| -> PyResult<Option<String>> {
        match dict.get_item(name)? {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) => match v.cast::<PyString>() {
                Ok(s) => Ok(Some(s.to_cow()?.into_owned())),
                // Ids are often numbers; they become strings as in JSON.
                Err(_) if name == "id" => Ok(Some(v.str()?.to_cow()?.into_owned())),
                Err(_) => Err(PyTypeError::new_err(format!(
                    "item {position}: \"{name}\" must be a str, got {}",
                    v.get_type().name()?
                ))),
            },
        }
    };
    let Some(text) = field("text")? else {
        return Err(PyValueError::new_err(format!(
            "item {position}: missing \"text\""
        )));
    };
    let title = field("title")?;
    check_not_blank(title.as_deref(), &text, &format!("item {position}: "))?;
    let id = field("id")?.unwrap_or(default_id);
    Ok(document_from_fields(id, title.as_deref(), &text))
}

fn check_not_blank(title: Option<&str>, text: &str, context: &str) -> PyResult<()> {
    if is_blank_article(title, text) {
        return Err(PyValueError::new_err(format!("{context}text is empty")));
    }
    Ok(())
}

/// A model failure, raised as `RuntimeError` naming the model and article.
fn model_error(e: DetectError) -> PyErr {
    PyRuntimeError::new_err(e.to_string())
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))
}

#[pymethods]
impl NativeAnalyzer {
    #[new]
    #[pyo3(signature = (model = "auto", encoder_dir = None, evidence = "balanced"))]
    fn new(model: &str, encoder_dir: Option<PathBuf>, evidence: &str) -> PyResult<Self> {
        Ok(NativeAnalyzer {
            spec: model.to_string(),
            encoder: encoder_dir,
            evidence: evidence.parse().map_err(PyValueError::new_err)?,
            engine: OnceLock::new(),
        })
    }

    /// Loads the model now (otherwise the first analysis does); returns the
    /// name of the model loaded (`fast`, `accurate`, …).
    fn load(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.engine(py)?.model_name().to_string())
    }

    /// Whether the model is loaded already.
    fn is_loaded(&self) -> bool {
        self.engine.get().is_some()
    }

    /// One article → its JSON object, as a JSON string.
    #[pyo3(signature = (text, title = None, id = None))]
    fn analyze(
        &self,
        py: Python<'_>,
        text: &str,
        title: Option<&str>,
        id: Option<&str>,
    ) -> PyResult<String> {
        check_not_blank(title, text, "")?;
        let engine = self.engine(py)?;
        let mut doc = document_from_fields(id.unwrap_or("1").to_string(), title, text);
        py.detach(|| {
            engine
                .annotate_with(&mut doc, &Task::ALL, self.evidence)
                .map_err(model_error)?;
            to_json(&doc)
        })
    }

    /// A list of items (str or dict) → a JSON array of article objects, in
    /// order, analysed on every core. Items without an id get their 1-based
    /// position plus `offset`.
    #[pyo3(signature = (items, offset = 0))]
    fn analyze_items(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyList>,
        offset: usize,
    ) -> PyResult<String> {
        let mut docs = items
            .iter()
            .enumerate()
            .map(|(i, item)| read_item(&item, offset + i + 1))
            .collect::<PyResult<Vec<_>>>()?;
        let engine = self.engine(py)?;
        py.detach(|| {
            engine
                .annotate_all_with(&mut docs, &Task::ALL, self.evidence)
                .map_err(model_error)?;
            to_json(&docs)
        })
    }

    /// A pyarrow `RecordBatchReader` of articles → a `RecordBatchReader` of
    /// results (see `arrow.rs`), through the Arrow C stream interface.
    #[pyo3(signature = (reader, text_column, title_column = None, id_column = None, offset = 0))]
    fn analyze_stream<'py>(
        &self,
        py: Python<'py>,
        reader: &Bound<'py, PyAny>,
        text_column: &str,
        title_column: Option<&str>,
        id_column: Option<&str>,
        offset: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine(py)?;
        let columns = arrow::Columns {
            text: text_column,
            title: title_column,
            id: id_column,
        };
        arrow::analyze_stream(py, engine, self.evidence, reader, &columns, offset)
    }
}

/// The label inventories (genres, frames, techniques with categories,
/// abbreviations and definitions, categories) as a JSON string.
#[pyfunction]
fn labels_json() -> PyResult<String> {
    to_json(rhetor_engine::labels::inventories())
}

/// The Arrow schema of `analyze_arrow`'s output, as a pyarrow `Schema`.
#[pyfunction]
fn output_schema<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    arrow::schema_to_pyarrow(py)
}

/// Article records from saved pages, feeds, WARC files, JSON Lines or
/// SemEval text files and folders, as `rhetor extract` prints them: a JSON
/// array of records, and the messages of what was skipped. The first input
/// that cannot be read raises `ValueError` (`FileNotFoundError` for a
/// missing path) unless `keep_going`, when it is only reported.
#[pyfunction]
#[pyo3(signature = (paths, keep_going = false))]
fn extract_paths_json(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    keep_going: bool,
) -> PyResult<(String, Vec<String>)> {
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(PyFileNotFoundError::new_err(format!(
            "{}: no such file or directory",
            missing.display()
        )));
    }
    let outcome = py.detach(|| {
        use rayon::prelude::*;
        let lid = rhetor_core::lang::LanguageIdentifier::new();
        let mut units = rhetor_extract::Units::new(&paths);
        let mut articles = Vec::new();
        let mut messages = Vec::new();
        // In chunks, as `rhetor extract` does: a large WARC file's records
        // are extracted as they are read, not all held first.
        loop {
            let chunk: Vec<rhetor_extract::Unit> = units.by_ref().take(512).collect();
            if chunk.is_empty() {
                break;
            }
            let outcomes: Vec<rhetor_extract::Outcome> = chunk
                .into_par_iter()
                .map(|u| rhetor_extract::finish(u, &lid))
                .collect();
            for outcome in outcomes {
                match outcome {
                    rhetor_extract::Outcome::Article(a) => articles.push(a),
                    // As `rhetor extract`: a page without article text is
                    // worth a word; a WARC's images are not.
                    rhetor_extract::Outcome::NoArticleText { location, reason } => {
                        messages.push(format!("skipped: {location}: {reason}"))
                    }
                    rhetor_extract::Outcome::Skipped { .. } => {}
                    rhetor_extract::Outcome::Failed(e) if keep_going => {
                        messages.push(format!("skipped: {e}"))
                    }
                    rhetor_extract::Outcome::Failed(e) => return Err(e.to_string()),
                }
            }
        }
        Ok((articles, messages))
    });
    let (articles, messages) = outcome.map_err(PyValueError::new_err)?;
    Ok((to_json(&articles)?, messages))
}

/// The article record of one saved page given as its bytes (encoding
/// detected as a browser would), as JSON; `None` when the page has no
/// article text (a list of links, say).
#[pyfunction]
fn extract_html_json(py: Python<'_>, html: Vec<u8>) -> PyResult<Option<String>> {
    let outcome = py.detach(|| {
        let lid = rhetor_core::lang::LanguageIdentifier::new();
        match rhetor_extract::html::read_html(&html) {
            Ok(Some(a)) => Ok(Some(rhetor_extract::finish(
                rhetor_extract::Unit::Article(a),
                &lid,
            ))),
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    });
    match outcome.map_err(PyValueError::new_err)? {
        Some(rhetor_extract::Outcome::Article(a)) => Ok(Some(to_json(&a)?)),
        _ => Ok(None),
    }
}

#[pymodule]
fn _rhetor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeAnalyzer>()?;
    m.add_function(wrap_pyfunction!(extract_paths_json, m)?)?;
    m.add_function(wrap_pyfunction!(extract_html_json, m)?)?;
    m.add_function(wrap_pyfunction!(labels_json, m)?)?;
    m.add_function(wrap_pyfunction!(output_schema, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
