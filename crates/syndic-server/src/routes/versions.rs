//! `GET /versions/{id}`: a version family, by any member's id.

use super::Limit;
use crate::{ApiError, AppState, DEFAULT_MEMBER_LIMIT};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    let limit = limit.limit.unwrap_or(DEFAULT_MEMBER_LIMIT);
    match state.index().family(&id, limit)? {
        Some(family) => Ok(Json(family).into_response()),
        None => Err(ApiError::not_found("document", &id)),
    }
}
