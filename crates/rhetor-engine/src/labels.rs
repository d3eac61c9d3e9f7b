//! The label inventories with definitions and categories, as JSON: what
//! `GET /v1/labels` serves and `rhetor.labels()` returns.

use rhetor_core::{Category, Frame, Genre, Technique};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The inventories as JSON, built once (they never change).
pub fn inventories() -> &'static Value {
    static LABELS: OnceLock<Value> = OnceLock::new();
    LABELS.get_or_init(|| {
        json!({
            "genres": Genre::ALL.iter().map(|g| json!({
                "label": g.as_str(),
                "definition": g.definition(),
            })).collect::<Vec<_>>(),
            "frames": Frame::ALL.iter().map(|f| json!({
                "label": f.as_str(),
                "definition": f.definition(),
            })).collect::<Vec<_>>(),
            "techniques": Technique::ALL.iter().map(|t| json!({
                "label": t.as_str(),
                "category": t.category().as_str(),
                "abbreviation": rhetor_formats::html::abbreviation(*t),
                "definition": t.definition(),
            })).collect::<Vec<_>>(),
            "categories": Category::ALL.iter().map(|c| json!({
                "label": c.as_str(),
                "techniques": c.techniques().map(Technique::as_str).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    })
}
