//! `POST /match`: the family (and story) a text would join, without storing it.

use super::body_error;
use crate::{ApiError, AppState, parse};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};

pub(crate) async fn post(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|r| body_error(&r, state.config().max_body_bytes))?;
    let doc = parse::match_document(&body, state.config().max_doc_bytes)?;
    let answer = state.index().match_document(&doc)?;
    Ok(Json(answer).into_response())
}
