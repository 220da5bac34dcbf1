//! Handlers, one file per resource, and what every route shares: the method table, the bearer
//! check for writes, the metrics middleware and the fallback.

mod documents;
mod matching;
mod service;
mod stories;
mod versions;

use crate::{ApiError, AppState, Route};
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, post};
use std::time::Instant;

/// The handler of each route.
pub(crate) fn method_router(route: Route) -> MethodRouter<AppState> {
    match route {
        Route::AddDocuments => post(documents::add),
        Route::GetDocument => get(documents::get),
        Route::DeleteDocument => delete(documents::delete),
        Route::GetVersions => get(versions::get),
        Route::GetStory => get(stories::get),
        Route::ListStories => get(stories::list),
        Route::Match => post(matching::post),
        Route::Health => get(service::health),
        Route::Metrics => get(service::metrics),
    }
}

/// Any path the API does not have.
pub(crate) async fn no_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        format!("no route {method} {}; see openapi.json", uri.path()),
    )
}

pub(crate) async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} does not accept {method}", uri.path()),
    )
}

/// Counts requests and their latency by route and status (`GET /metrics`).
pub(crate) async fn observe(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("syndic_http_requests_total", &labels).increment(1);
    metrics::histogram!("syndic_http_request_seconds", &labels[..2])
        .record(start.elapsed().as_secs_f64());
    response
}

/// Proof that a write request carries the bearer token (when the service has one).
pub(crate) struct WriteAccess;

impl FromRequestParts<AppState> for WriteAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = state.config().token.as_deref() else {
            return Ok(WriteAccess);
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            Some(given) if same(given.as_bytes(), token.as_bytes()) => Ok(WriteAccess),
            Some(_) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the bearer token is not the one this server expects",
            )
            .field("authorization")),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this endpoint writes and needs `Authorization: Bearer <token>`",
            )
            .field("authorization")),
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A request body, with a too-large body reported as `413` naming the limit.
pub(crate) fn body_error(
    rejection: &axum::extract::rejection::BytesRejection,
    limit: usize,
) -> ApiError {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "too_large",
            format!("the request body is larger than the limit of {limit} bytes (the server's --max-body-bytes)"),
        )
        .field("body")
    } else {
        ApiError::new(status, "bad_request", rejection.body_text()).field("body")
    }
}

/// The `limit` query parameter.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Limit {
    pub(crate) limit: Option<usize>,
}
