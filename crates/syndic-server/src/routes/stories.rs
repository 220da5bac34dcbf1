//! `GET /stories/{id}` and `GET /stories?since=…`.

use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

pub(crate) async fn get(
    State(_state): State<AppState>,
    Path(_id): Path<String>,
) -> Result<Response, ApiError> {
    Err(not_yet())
}

pub(crate) async fn list(State(_state): State<AppState>) -> Result<Response, ApiError> {
    Err(not_yet())
}

fn not_yet() -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "stories are not in the live index yet",
    )
}
