//! Request bodies to documents, with errors that name the field and line.
//!
//! Records are read by the same JSON Lines reader as `syndic dedup` and `syndic stories`
//! ([`syndic::ingest::JsonLines`]), so a document means the same thing over HTTP as in a file:
//! `id` a string (or an integer), `text` a string (may be empty), `title`, `source`, `url`
//! strings or null, `published` RFC 3339, a date or epoch seconds. A single JSON document may be
//! pretty-printed; an NDJSON batch has one document per line.

use crate::ApiError;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;
use std::io::Cursor;
use syndic::Document;
use syndic::ingest::{Compression, IngestOptions, JsonLines};

/// How a body holds its documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// One JSON object (`application/json`, or no content type).
    Json,
    /// One JSON object per line (`application/x-ndjson`, `application/jsonl`, …).
    Ndjson,
}

/// The body kind from the `Content-Type` header.
pub(crate) fn body_kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(BodyKind::Json);
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" | "" => Ok(BodyKind::Json),
        s if s.ends_with("+json") => Ok(BodyKind::Json),
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines"
        | "application/jsonlines" => Ok(BodyKind::Ndjson),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "content type `{other}` is not accepted: send one document as application/json \
                 or a batch as application/x-ndjson"
            ),
        )
        .field("content-type")),
    }
}

/// The documents of a `POST /documents` body.
pub(crate) fn documents(
    body: &[u8],
    kind: BodyKind,
    max_doc_bytes: usize,
) -> Result<Vec<Document>, ApiError> {
    let docs = match kind {
        // A compact object on one line is read as it is; anything else is checked and
        // re-written on one line first.
        BodyKind::Json if is_one_line_object(body) => read_lines(body, max_doc_bytes, false)?,
        BodyKind::Json => {
            let line = one_object(body, None)?;
            read_lines(line.as_bytes(), max_doc_bytes, false)?
        }
        BodyKind::Ndjson => read_lines(body, max_doc_bytes, true)?,
    };
    if docs.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty_body",
            "the body holds no document",
        ));
    }
    Ok(docs)
}

/// The document of a `POST /match` body: like a stored one, but `id` may be left out.
pub(crate) fn match_document(body: &[u8], max_doc_bytes: usize) -> Result<Document, ApiError> {
    let line = one_object(body, Some("match"))?;
    let mut docs = read_lines(line.as_bytes(), max_doc_bytes, false)?;
    docs.pop().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty_body",
            "the body holds no document",
        )
    })
}

/// Whether the body is `{…}` on a single line (the common case, read without a second pass).
fn is_one_line_object(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii();
    trimmed.first() == Some(&b'{')
        && trimmed.last() == Some(&b'}')
        && memchr_newline(trimmed).is_none()
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n' || b == b'\r')
}

/// Checks a body is one JSON object and returns it on one line (filling in a default `id`).
fn one_object(body: &[u8], default_id: Option<&str>) -> Result<String, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        let line = body[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_utf8",
            format!("the body is not valid UTF-8 (byte {} of the body)", at + 1),
        )
        .line(line)
    })?;
    if text.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty_body",
            "the body is empty: send a JSON object with at least `id` and `text`",
        ));
    }
    let mut value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
        .line(e.line() as u64)
    })?;
    let Value::Object(map) = &mut value else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            "expected one JSON object; send a batch as NDJSON (Content-Type: application/x-ndjson)",
        ));
    };
    if let Some(id) = default_id {
        map.entry("id").or_insert_with(|| Value::String(id.into()));
    }
    serde_json::to_string(&value).map_err(|e| ApiError::internal(e.to_string()))
}

/// Reads JSON Lines; the first bad record fails the whole body.
fn read_lines(body: &[u8], max_doc_bytes: usize, ndjson: bool) -> Result<Vec<Document>, ApiError> {
    let options = IngestOptions {
        max_doc_bytes,
        ..IngestOptions::default()
    };
    let reader = JsonLines::new("body", Cursor::new(body), Compression::None, options);
    let mut docs = Vec::new();
    for record in reader {
        match record {
            Ok(r) => docs.push(r.doc),
            Err(e) => return Err(input_error(e, ndjson)),
        }
    }
    Ok(docs)
}

/// Turns the reader's error into an answer: the code from the message, the field it names, the
/// line (for NDJSON).
fn input_error(e: syndic::Error, ndjson: bool) -> ApiError {
    let syndic::Error::Input { location, message } = e else {
        return ApiError::internal(e.to_string());
    };
    let (status, code) = if message.contains("larger than the limit") {
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    } else if message.contains("UTF-8") {
        (StatusCode::BAD_REQUEST, "bad_utf8")
    } else if message.starts_with("missing field") {
        (StatusCode::BAD_REQUEST, "missing_field")
    } else if message.starts_with("invalid JSON") || message.contains("not a JSON object") {
        (StatusCode::BAD_REQUEST, "bad_json")
    } else {
        (StatusCode::BAD_REQUEST, "invalid_field")
    };
    let message = message.replace(
        "(raise it with --max-doc-bytes)",
        "(the server's --max-doc-bytes)",
    );
    let mut error = match (ndjson, location.line) {
        (true, Some(line)) => {
            ApiError::new(status, code, format!("line {line}: {message}")).line(line)
        }
        // A JSON body read as one line: name the line for bad UTF-8, as the other path does.
        (false, Some(line)) if code == "bad_utf8" => {
            ApiError::new(status, code, message.clone()).line(line)
        }
        _ => ApiError::new(status, code, message.clone()),
    };
    if let Some(field) = named_field(&message) {
        error = error.field(field);
    } else if code == "too_large" {
        error = error.field("text");
    }
    error
}

/// The field a reader message names: the first `` `name` `` after the word "field".
fn named_field(message: &str) -> Option<String> {
    let rest = &message[message.find("field `")? + "field `".len()..];
    Some(rest[..rest.find('`')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str, kind: BodyKind) -> ApiError {
        documents(body.as_bytes(), kind, 1000).unwrap_err()
    }

    #[test]
    fn bodies_become_documents() {
        let one = documents(
            b"{\n  \"id\": \"a\",\n  \"text\": \"x y\"\n}",
            BodyKind::Json,
            100,
        );
        assert_eq!(one.unwrap()[0].id, "a");
        let two = documents(
            b"{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":7,\"text\":\"y\",\"published\":\"2026-03-01\"}\n",
            BodyKind::Ndjson,
            100,
        )
        .unwrap();
        assert_eq!(two[1].id, "7");
        assert_eq!(two[1].published, Some(1_772_323_200));
    }

    #[test]
    #[expect(clippy::type_complexity, reason = "a table of test rows")]
    fn errors_name_code_field_and_line() {
        // (body, kind, status, code, field, line)
        let rows: [(&str, BodyKind, u16, &str, Option<&str>, Option<u64>); 8] = [
            (
                "{\"id\":\"a\"}",
                BodyKind::Json,
                400,
                "missing_field",
                Some("text"),
                None,
            ),
            (
                "{\"text\":\"a\"}",
                BodyKind::Json,
                400,
                "missing_field",
                Some("id"),
                None,
            ),
            (
                "{\"id\":\"a\",\"text\":5}",
                BodyKind::Json,
                400,
                "invalid_field",
                Some("text"),
                None,
            ),
            (
                "{\"id\":\"a\",",
                BodyKind::Json,
                400,
                "bad_json",
                None,
                Some(1),
            ),
            ("[1,2]", BodyKind::Json, 400, "bad_json", None, None),
            ("", BodyKind::Json, 400, "empty_body", None, None),
            (
                "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\",\"published\":\"soon\"}",
                BodyKind::Ndjson,
                400,
                "invalid_field",
                Some("published"),
                Some(2),
            ),
            (
                "{\"id\":\"a\",\"text\":\"x\"}\n{oops}\n",
                BodyKind::Ndjson,
                400,
                "bad_json",
                None,
                Some(2),
            ),
        ];
        for (body, kind, status, code, field, line) in rows {
            let e = err(body, kind);
            assert_eq!(
                (e.status().as_u16(), e.code, e.field.as_deref(), e.line),
                (status, code, field, line),
                "{body}: {}",
                e.error
            );
        }
        let big = format!("{{\"id\":\"a\",\"text\":\"{}\"}}", "x".repeat(2000));
        let e = err(&big, BodyKind::Json);
        assert_eq!((e.status().as_u16(), e.code), (413, "too_large"));
        assert_eq!(e.field.as_deref(), Some("text"));
    }

    #[test]
    fn bad_utf8_is_reported_with_its_line() {
        let e = documents(b"{\"id\":\"a\",\"text\":\"x\xff\"}", BodyKind::Json, 100).unwrap_err();
        assert_eq!(e.code, "bad_utf8");
        let e = documents(
            b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"\xc3\"}",
            BodyKind::Ndjson,
            100,
        )
        .unwrap_err();
        assert_eq!((e.code, e.line), ("bad_utf8", Some(2)));
    }

    #[test]
    fn match_bodies_need_no_id() {
        let d = match_document(b"{\"text\":\"hello world\"}", 100).unwrap();
        assert_eq!(d.id, "match");
        assert_eq!(d.text, "hello world");
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert_eq!(body_kind(&h).unwrap(), BodyKind::Json);
        h.insert(
            header::CONTENT_TYPE,
            "application/x-ndjson; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(body_kind(&h).unwrap(), BodyKind::Ndjson);
        h.insert(header::CONTENT_TYPE, "text/csv".parse().unwrap());
        assert_eq!(body_kind(&h).unwrap_err().status().as_u16(), 415);
    }
}
