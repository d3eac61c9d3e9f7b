//! `analyze_arrow`: articles in Arrow record batches → one typed row per
//! article, exchanged with pyarrow through the Arrow C stream interface (no
//! Python object is made per article).
//!
//! Output columns (the JSON article object, typed):
//!
//! | column | type |
//! |---|---|
//! | `id`, `title` | utf8 |
//! | `language`, `model`, `genre` | utf8, null when unknown |
//! | `genre_score` | float32, the chosen genre's probability (null without a genre) |
//! | `frames` | list<struct<label: utf8, score: float32>> |
//! | `paragraphs` | list<struct<line: int32, start: int64, text: utf8, techniques: list<struct<label: utf8, score: float32>>>> |
//! | `spans` | list<struct<technique: utf8, start: int64, end: int64, text: utf8, score: float32>> |
//!
//! Offsets are Unicode code points, as in the JSON.

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{
    Array, ArrayRef, Float32Array, Int32Array, Int64Array, LargeStringArray, ListArray,
    RecordBatch, RecordBatchIterator, StringArray, StringViewArray, StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rhetor_core::Document;
use rhetor_core::Task;
use rhetor_engine::{document_from_fields, is_blank_article, Engine};
use std::sync::Arc;

/// Which input columns hold the articles.
pub struct Columns<'a> {
    pub text: &'a str,
    pub title: Option<&'a str>,
    pub id: Option<&'a str>,
}

fn label_score_fields() -> Fields {
    Fields::from(vec![
        Field::new("label", DataType::Utf8, false),
        Field::new("score", DataType::Float32, false),
    ])
}

fn list_of(fields: Fields) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(fields),
        false,
    )))
}

fn paragraph_fields() -> Fields {
    Fields::from(vec![
        Field::new("line", DataType::Int32, false),
        Field::new("start", DataType::Int64, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("techniques", list_of(label_score_fields()), false),
    ])
}

fn span_fields() -> Fields {
    Fields::from(vec![
        Field::new("technique", DataType::Utf8, false),
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("score", DataType::Float32, false),
    ])
}

/// The output schema (documented above).
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("language", DataType::Utf8, true),
        Field::new("model", DataType::Utf8, true),
        Field::new("genre", DataType::Utf8, true),
        Field::new("genre_score", DataType::Float32, true),
        Field::new("frames", list_of(label_score_fields()), false),
        Field::new("paragraphs", list_of(paragraph_fields()), false),
        Field::new("spans", list_of(span_fields()), false),
    ]))
}

/// A list<struct> column from per-row item counts and the struct's columns.
fn list_column(
    fields: Fields,
    lengths: impl Iterator<Item = usize>,
    columns: Vec<ArrayRef>,
) -> ArrayRef {
    let values = StructArray::new(fields.clone(), columns, None);
    let offsets = OffsetBuffer::<i32>::from_lengths(lengths);
    let item = Arc::new(Field::new("item", DataType::Struct(fields), false));
    Arc::new(ListArray::new(item, offsets, Arc::new(values), None))
}

fn utf8<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

/// One record batch of results, one row per document.
pub fn documents_to_batch(docs: &[Document]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let opt_utf8 = |f: &dyn Fn(&Document) -> Option<&str>| -> ArrayRef {
        Arc::new(docs.iter().map(f).collect::<StringArray>())
    };
    let frames = docs.iter().flat_map(|d| d.frames.iter());
    let frames = list_column(
        label_score_fields(),
        docs.iter().map(|d| d.frames.len()),
        vec![
            utf8(frames.clone().map(|f| f.label.as_str())),
            Arc::new(Float32Array::from_iter_values(frames.map(|f| f.score))),
        ],
    );

    let paragraphs: Vec<_> = docs.iter().flat_map(|d| d.paragraphs.iter()).collect();
    let techniques = paragraphs.iter().flat_map(|p| p.techniques.iter());
    let techniques = list_column(
        label_score_fields(),
        paragraphs.iter().map(|p| p.techniques.len()),
        vec![
            utf8(techniques.clone().map(|t| t.label.as_str())),
            Arc::new(Float32Array::from_iter_values(techniques.map(|t| t.score))),
        ],
    );
    let paragraphs_col = list_column(
        paragraph_fields(),
        docs.iter().map(|d| d.paragraphs.len()),
        vec![
            Arc::new(Int32Array::from_iter_values(
                paragraphs.iter().map(|p| p.line as i32),
            )),
            Arc::new(Int64Array::from_iter_values(
                paragraphs.iter().map(|p| p.start as i64),
            )),
            utf8(paragraphs.iter().map(|p| p.text.as_str())),
            techniques,
        ],
    );

    let spans = docs.iter().flat_map(|d| d.spans.iter());
    let spans_col = list_column(
        span_fields(),
        docs.iter().map(|d| d.spans.len()),
        vec![
            utf8(spans.clone().map(|s| s.technique.as_str())),
            Arc::new(Int64Array::from_iter_values(
                spans.clone().map(|s| s.start as i64),
            )),
            Arc::new(Int64Array::from_iter_values(
                spans.clone().map(|s| s.end as i64),
            )),
            utf8(spans.clone().map(|s| s.text.as_str())),
            Arc::new(Float32Array::from_iter_values(spans.map(|s| s.score))),
        ],
    );

    let genre_score: Float32Array = docs
        .iter()
        .map(|d| {
            d.genre
                .as_ref()
                .and_then(|g| g.scores.get(&g.label).copied())
        })
        .collect();
    RecordBatch::try_new(
        schema(),
        vec![
            utf8(docs.iter().map(|d| d.id.as_str())),
            utf8(docs.iter().map(|d| d.title.as_str())),
            opt_utf8(&|d| d.language.as_deref()),
            opt_utf8(&|d| d.model.as_deref()),
            opt_utf8(&|d| d.genre.as_ref().map(|g| g.label.as_str())),
            Arc::new(genre_score),
            frames,
            paragraphs_col,
            spans_col,
        ],
    )
}

/// A string column's values (nulls as `None`); ids may also be integers.
fn column_strings(array: &dyn Array, integers_too: bool) -> Option<Vec<Option<String>>> {
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        return Some(a.iter().map(|v| v.map(str::to_string)).collect());
    }
    if let Some(a) = any.downcast_ref::<LargeStringArray>() {
        return Some(a.iter().map(|v| v.map(str::to_string)).collect());
    }
    if let Some(a) = any.downcast_ref::<StringViewArray>() {
        return Some(a.iter().map(|v| v.map(str::to_string)).collect());
    }
    if integers_too {
        if let Some(a) = any.downcast_ref::<Int64Array>() {
            return Some(a.iter().map(|v| v.map(|n| n.to_string())).collect());
        }
        if let Some(a) = any.downcast_ref::<Int32Array>() {
            return Some(a.iter().map(|v| v.map(|n| n.to_string())).collect());
        }
    }
    None
}

/// The documents of one input batch; `first` is the 1-based position of its
/// first row in the whole input (the id of rows without one).
fn batch_documents(
    batch: &RecordBatch,
    columns: &Columns,
    first: usize,
) -> Result<Vec<Document>, String> {
    let get = |name: &str, integers: bool| -> Result<Vec<Option<String>>, String> {
        let col = batch.column_by_name(name).ok_or_else(|| {
            let names: Vec<_> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            format!("no column {name:?} (columns: {})", names.join(", "))
        })?;
        column_strings(col.as_ref(), integers)
            .ok_or_else(|| format!("column {name:?} must hold strings, not {}", col.data_type()))
    };
    let texts = get(columns.text, false)?;
    let titles = columns.title.map(|c| get(c, false)).transpose()?;
    let ids = columns.id.map(|c| get(c, true)).transpose()?;
    let mut docs = Vec::with_capacity(texts.len());
    for (row, text) in texts.into_iter().enumerate() {
        let position = first + row;
        let title = titles.as_ref().and_then(|t| t[row].as_deref());
        let text = text.unwrap_or_default();
        if is_blank_article(title, &text) {
            return Err(format!("row {position}: text is empty"));
        }
        let id = ids
            .as_ref()
            .and_then(|ids| ids[row].clone())
            .unwrap_or_else(|| position.to_string());
        docs.push(document_from_fields(id, title, &text));
    }
    Ok(docs)
}

/// Reads the pyarrow reader's batches, analyses each on every core with the
/// interpreter detached, and returns the results as a pyarrow reader.
pub fn analyze_stream<'py>(
    py: Python<'py>,
    engine: &Engine,
    evidence: rhetor_core::Evidence,
    reader: &Bound<'py, PyAny>,
    columns: &Columns,
    offset: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let mut stream = FFI_ArrowArrayStream::empty();
    reader.call_method1("_export_to_c", (&raw mut stream as usize,))?;
    let input = RecordBatchStreamReader::try_new(stream)
        .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow input: {e}")))?;
    let batches = py.detach(|| -> Result<Vec<RecordBatch>, String> {
        let mut out = Vec::new();
        let mut first = offset + 1;
        for batch in input {
            let batch = batch.map_err(|e| format!("cannot read the Arrow input: {e}"))?;
            let mut docs = batch_documents(&batch, columns, first)?;
            first += batch.num_rows();
            engine
                .annotate_all_with(&mut docs, &Task::ALL, evidence)
                .map_err(|e| e.to_string())?;
            out.push(documents_to_batch(&docs).map_err(|e| e.to_string())?);
        }
        Ok(out)
    });
    let batches = batches.map_err(PyValueError::new_err)?;
    let output = RecordBatchIterator::new(batches.into_iter().map(Ok), schema());
    let mut ffi = FFI_ArrowArrayStream::new(Box::new(output));
    let pyarrow = py.import("pyarrow")?;
    // pyarrow moves the stream out of `ffi` (marking it released).
    pyarrow
        .getattr("RecordBatchReader")?
        .call_method1("_import_from_c", (&raw mut ffi as usize,))
}

/// [`schema`] as a pyarrow `Schema`.
pub fn schema_to_pyarrow(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let mut ffi = FFI_ArrowSchema::try_from(schema().as_ref())
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    py.import("pyarrow")?
        .getattr("Schema")?
        .call_method1("_import_from_c", (&raw mut ffi as usize,))
}
