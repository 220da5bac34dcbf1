//! What syndic reports about stories: one [`StoryRecord`] per document (`syndic stories`) and
//! one [`StorySummary`] per story (`syndic stories --summary`, and the live service).
//!
//! Both are plain data with a documented JSON form, shared by the command line and the
//! service. Times are RFC 3339 in UTC.

use crate::document::{Timestamp, format_timestamp};
use serde::{Deserialize, Serialize, Serializer};

/// How a document was placed in its story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// It founded a new story: no earlier story was similar enough.
    New,
    /// It joined the most similar earlier story.
    Similar,
    /// It is a version of an earlier document, and joined that document's story.
    Version,
    /// Too few content words to judge (a paywall notice, a caption): kept in a story of its
    /// own, like the versions engine keeps such texts in a family of their own.
    TooShort,
}

/// One output line of `syndic stories`: a document, its version family and its story.
///
/// JSON form (one object per line, in input order):
/// ```json
/// {"id":"b","version":"a","story":"a","placement":"similar","similarity":0.41}
/// ```
/// `version` is the version family id (as `syndic dedup` reports it); `story` is the story id:
/// the id of the story's first document, stable for a given input order. `similarity` is the
/// story similarity at which the document joined (`placement` `similar` only), or, for `new`,
/// the similarity of the closest story it did not join (absent when there was none). With the
/// refinement pass (`--refine`), `story` is the refined story and `online_story` the story the
/// document was placed in on arrival, when the two differ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoryRecord {
    /// Document id.
    pub id: String,
    /// Version family id.
    pub version: String,
    /// Story id.
    pub story: String,
    /// How the document was placed.
    pub placement: Placement,
    /// See the type docs; rounded to 4 decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// The story on arrival, when refinement moved the document (see the type docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_story: Option<String>,
}

/// One story, as `syndic stories --summary` writes it (one per line, in order of creation).
///
/// JSON form:
/// ```json
/// {"id":"harbor-fire-wire","headline":"Fire destroys warehouse at Port Ellis harbor",
///  "first_seen":"2026-03-03T07:40:00Z","last_seen":"2026-03-03T18:45:00Z",
///  "documents":9,"versions":4,"sources":7,
///  "names":["Port Ellis","Halvorsen Marine Supply","Achterberg"],
///  "terms":["warehouse","fire","pier"]}
/// ```
/// `id` is the story id (its first document's id); `headline` the title of its first
/// document, else that document's first sentence. `first_seen`/`last_seen` span the times of
/// its documents that have one (`published`, else a dateline in the text); null when none has.
/// `documents` counts its documents, `versions` its version families (a wire copy run by fifty
/// outlets is one), `sources` its distinct `source` values. `names` are its most telling names
/// and multi-word entities, `terms` its most telling words, best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    /// Story id.
    pub id: String,
    /// Headline.
    pub headline: String,
    /// Time of its earliest dated document.
    #[serde(serialize_with = "rfc3339", deserialize_with = "from_rfc3339")]
    pub first_seen: Option<Timestamp>,
    /// Time of its latest dated document.
    #[serde(serialize_with = "rfc3339", deserialize_with = "from_rfc3339")]
    pub last_seen: Option<Timestamp>,
    /// Documents.
    pub documents: u32,
    /// Version families.
    pub versions: u32,
    /// Distinct sources.
    pub sources: u32,
    /// Most telling names, best first.
    pub names: Vec<String>,
    /// Most telling terms, best first.
    pub terms: Vec<String>,
}

fn rfc3339<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_timestamp(*t)),
        None => s.serialize_none(),
    }
}

fn from_rfc3339<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text {
        None => Ok(None),
        Some(t) => crate::document::parse_timestamp(&t)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {t}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms_round_trip() {
        let s = StorySummary {
            id: "a".into(),
            headline: "Fire".into(),
            first_seen: Some(86_400),
            last_seen: None,
            documents: 2,
            versions: 1,
            sources: 2,
            names: vec!["Port Ellis".into()],
            terms: vec!["fire".into()],
        };
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""first_seen":"1970-01-02T00:00:00Z","last_seen":null"#));
        assert_eq!(serde_json::from_str::<StorySummary>(&json).unwrap(), s);
        let r = StoryRecord {
            id: "b".into(),
            version: "a".into(),
            story: "a".into(),
            placement: Placement::Similar,
            similarity: Some(0.41),
            online_story: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"id":"b","version":"a","story":"a","placement":"similar","similarity":0.41}"#
        );
    }
}
