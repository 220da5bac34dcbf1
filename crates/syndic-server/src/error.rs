//! [`ApiError`]: the service's one error type, and the one place errors become HTTP responses.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to the client.
///
/// JSON form (every error response):
/// ```json
/// {"error":"line 2: missing field `text` (record `a`)","code":"missing_field","field":"text","line":2}
/// ```
/// `code` is one of `bad_json`, `bad_utf8`, `missing_field`, `invalid_field`, `empty_body`,
/// `unsupported_media_type`, `duplicate_id`, `too_large`, `unauthorized`, `not_found`,
/// `no_route`, `method_not_allowed`, `unavailable`, `internal`; `field` and `line` appear when
/// they apply.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// What is wrong, in words.
    pub error: String,
    /// A stable code for programs.
    pub code: &'static str,
    /// The request field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The line of an NDJSON body (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, error: impl Into<String>) -> Self {
        ApiError {
            status,
            error: error.into(),
            code,
            field: None,
            line: None,
        }
    }

    /// Names the field at fault.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Names the NDJSON line at fault.
    #[must_use]
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// `404`: no such resource.
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} with id `{id}`"),
        )
        .field("id")
    }

    /// `503`: the index cannot take writes now.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// `500`: a failure of the server or its store.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<syndic::Error> for ApiError {
    fn from(e: syndic::Error) -> Self {
        ApiError::internal(e.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.error, self.status)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = (status, Json(&self)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"syndic\""),
            );
        }
        response
    }
}
