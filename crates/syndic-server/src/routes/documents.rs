//! `POST /documents`, `GET /documents/{id}`, `DELETE /documents/{id}`.

use super::{WriteAccess, body_error};
use crate::parse::{self, BodyKind};
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use syndic::store::Answer;
use syndic::store::live::{Adds, RejectReason};

/// Documents per request sketched on the request's own thread; larger batches go to the
/// blocking pool so they do not hold up other requests.
const INLINE_SKETCH: usize = 8;

/// The answer for one added document.
///
/// JSON form: an [`Answer`] (the `syndic dedup` fields and `seq`) plus `adds`:
/// ```json
/// {"id":"b","version":"a","canonical":false,"similarity":0.62,"containment":0.91,
///  "closest":"a","family_size":2,"status":"ok","seq":1,
///  "adds":{"against":"a","shared":5,"rewritten":0,"added":1,"dropped":0,"added_text":["…"]}}
/// ```
#[derive(Debug, Serialize)]
pub(crate) struct Added {
    #[serde(flatten)]
    answer: Answer,
    #[serde(skip_serializing_if = "Option::is_none")]
    adds: Option<Adds>,
}

pub(crate) async fn add(
    State(state): State<AppState>,
    _access: WriteAccess,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|r| body_error(&r, state.config().max_body_bytes))?;
    let kind = parse::body_kind(&headers)?;
    let max_doc = state.config().max_doc_bytes;
    let received = now();
    let index = std::sync::Arc::clone(state.index());
    let work = move || -> Result<_, ApiError> {
        let docs = parse::documents(&body, kind, max_doc)?;
        let texts: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
        let prepared = docs
            .into_iter()
            .map(|d| index.prepare(d, received))
            .collect();
        Ok((prepared, texts))
    };
    let (prepared, texts): (Vec<_>, Vec<String>) = if body_is_small(&headers, kind) {
        work()?
    } else {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??
    };
    let outcome = state
        .0
        .writer
        .submit(prepared)
        .await
        .map_err(|e| ApiError::unavailable(e.0))?;
    let answers = outcome.map_err(|r| {
        let line = (kind == BodyKind::Ndjson).then_some(r.index as u64 + 1);
        let status = match r.reason {
            RejectReason::DuplicateId => StatusCode::CONFLICT,
            RejectReason::RepeatedInGroup => StatusCode::CONFLICT,
        };
        let mut e = ApiError::new(status, "duplicate_id", r.to_string()).field("id");
        if let Some(line) = line {
            e = e.line(line);
        }
        e
    })?;
    let adds = state.config().adds;
    let index = std::sync::Arc::clone(state.index());
    let summarise = move || -> Result<Vec<Added>, ApiError> {
        answers
            .into_iter()
            .zip(texts)
            .map(|(answer, text)| {
                let adds = match (&answer.record.closest, adds) {
                    (Some(closest), true) => index.adds(closest, &text)?,
                    _ => None,
                };
                Ok(Added { answer, adds })
            })
            .collect()
    };
    let added = if kind == BodyKind::Json {
        summarise()?
    } else {
        tokio::task::spawn_blocking(summarise)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??
    };
    Ok(match kind {
        BodyKind::Json => {
            let one = added.into_iter().next();
            (StatusCode::CREATED, Json(one)).into_response()
        }
        BodyKind::Ndjson => {
            let mut out = String::new();
            for a in &added {
                out.push_str(
                    &serde_json::to_string(a).map_err(|e| ApiError::internal(e.to_string()))?,
                );
                out.push('\n');
            }
            let mut response = (StatusCode::CREATED, out).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            );
            response
        }
    })
}

/// One JSON document, or a small NDJSON body: sketch on this thread.
fn body_is_small(headers: &HeaderMap, kind: BodyKind) -> bool {
    kind == BodyKind::Json
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n < INLINE_SKETCH * 8192)
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match state.index().document(&id)? {
        Some(view) => Ok(Json(view).into_response()),
        None => Err(ApiError::not_found("document", &id)),
    }
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    _access: WriteAccess,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let index = std::sync::Arc::clone(state.index());
    let key = id.clone();
    let deleted = tokio::task::spawn_blocking(move || index.delete(&key))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    match deleted {
        Some(d) => {
            metrics::counter!("syndic_documents_deleted_total").increment(1);
            Ok(Json(d).into_response())
        }
        None => Err(ApiError::not_found("document", &id)),
    }
}

/// Seconds since the epoch, now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
