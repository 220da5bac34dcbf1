//! `GET /stories/{id}` and `GET /stories?since=…&limit=…`.

use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Documents listed per story by default.
const MEMBER_LIMIT: usize = 1000;
/// Stories listed by default.
const LIST_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
pub(crate) struct StoryQuery {
    limit: Option<usize>,
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<StoryQuery>,
) -> Result<Response, ApiError> {
    match state.index().story(&id, q.limit.unwrap_or(MEMBER_LIMIT))? {
        Some(story) => Ok(Json(story).into_response()),
        None => Err(ApiError::not_found("story", &id)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    since: Option<String>,
    limit: Option<usize>,
}

/// JSON form: `{"stories":[{…summary…,"open":true}, …]}`, latest first.
#[derive(Debug, serde::Serialize)]
struct Listing {
    stories: Vec<syndic::store::live::ListedStory>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let since = match q.since.as_deref() {
        None | Some("") => None,
        Some(text) => Some(syndic::document::parse_timestamp(text).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                format!("`since` is `{text}`, expected an RFC 3339 time or a date (YYYY-MM-DD)"),
            )
            .field("since")
        })?),
    };
    let stories = state
        .index()
        .stories(since, q.limit.unwrap_or(LIST_LIMIT))?;
    Ok(Json(Listing { stories }).into_response())
}
