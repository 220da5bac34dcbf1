//! `GET /health` and `GET /metrics`.

use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// JSON form: `{"status":"ok","documents":120,"families":97,"open_stories":40,
/// "closed_stories":12,"uptime_seconds":42,"version":"0.1.0"}`.
#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    documents: u64,
    families: u64,
    open_stories: u64,
    closed_stories: u64,
    uptime_seconds: u64,
    version: &'static str,
}

pub(crate) async fn health(State(state): State<AppState>) -> Result<Response, ApiError> {
    let stats = state.index().stats()?;
    Ok(Json(Health {
        status: "ok",
        documents: stats.documents,
        families: stats.families,
        open_stories: stats.open_stories,
        closed_stories: stats.closed_stories,
        uptime_seconds: state.0.started.elapsed().as_secs(),
        version: env!("CARGO_PKG_VERSION"),
    })
    .into_response())
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    metrics::gauge!("syndic_documents").set(state.index().len() as f64);
    let mut response = state.0.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
