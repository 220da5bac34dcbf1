//! The unit of input: a [`Document`] — an id, its text, and the metadata syndic uses.
//!
//! Ids are unique within a corpus. `published` is a UTC timestamp in whole seconds; inputs give
//! it as RFC 3339 (`2026-03-01T09:30:00Z`) or a plain date (`2026-03-01`, read as midnight UTC).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// One input document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Unique id within the corpus (for a directory input, the path relative to it).
    pub id: String,
    /// The body text.
    pub text: String,
    /// Headline, if the input has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Outlet or feed name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Address the document was fetched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication time, seconds since the epoch (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
}

impl Document {
    /// A document with just an id and a text.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document {
            id: id.into(),
            text: text.into(),
            ..Document::default()
        }
    }

    /// Sets `published` (builder style).
    #[must_use]
    pub fn with_published(mut self, published: Timestamp) -> Self {
        self.published = Some(published);
        self
    }

    /// Sets `title` (builder style).
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets `source` (builder style).
    #[must_use]
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// Parses a publication time: RFC 3339, or a date `YYYY-MM-DD` (midnight UTC).
///
/// Returns `None` when the text is neither.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp());
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    }
    None
}

/// Formats a timestamp as RFC 3339 in UTC (`2026-03-01T09:30:00Z`).
pub fn format_timestamp(t: Timestamp) -> String {
    DateTime::<Utc>::from_timestamp(t, 0).map_or_else(
        || t.to_string(),
        |d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_rfc3339_and_dates() {
        assert_eq!(parse_timestamp("1970-01-02"), Some(86_400));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00Z"), Some(3_600));
        assert_eq!(parse_timestamp("1970-01-01T02:00:00+01:00"), Some(3_600));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(format_timestamp(86_400), "1970-01-02T00:00:00Z");
    }
}
