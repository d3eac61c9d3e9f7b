//! `GET /v1/labels`: the label inventories (built in `rhetor-engine`).

use axum::Json;
use serde_json::Value;

pub async fn labels() -> Json<&'static Value> {
    Json(rhetor_engine::labels::inventories())
}
