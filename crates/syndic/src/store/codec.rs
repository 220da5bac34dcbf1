//! Byte encodings of stored values: records as JSON (readable, tolerant of added fields), sketches
//! as little-endian binary (they are most of the bytes and are read on every verification).
//!
//! Format version 1:
//! * `sketches` value: `chars: u64, words: u32, count: u32`, then `count × u64` shingle hashes
//!   (sorted, distinct).
//! * `keys` value: `bands × u64` LSH band keys.
//!
//! Format version 4 writes no `sketches` values (the live index works shingle sets out from the
//! stored text); those of earlier versions are still read.
//!
//! Format version 2 appends to the `keys` value the signature's fingerprint
//! (`num_perm / 8 × u64`, see [`Fingerprint`](crate::minhash::Fingerprint)), which the live
//! index keeps in memory to pre-filter candidates as batch dedup does; a version-1 record (band
//! keys only) is still read, its document simply has no fingerprint.
//!
//! Format version 5 writes the records of bulk-loaded documents to the text log, in binary
//! (JSON escaping was a tenth of a bulk load's CPU, and reading one back is a copy and a UTF-8
//! check instead of a parse): the byte `1`, `received: i64`, a byte of flags (which of
//! `published`, `title`, `source`, `url` follow), `published: i64` when flagged, then `id`,
//! `text` and each flagged string as `len: u32` and UTF-8 bytes. All integers little-endian.
//! A record starting with `{` is JSON, as in `documents`.

use super::StoredDocument;
use crate::document::Document;
use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

const SKETCH_HEAD: usize = 8 + 4 + 4;

/// Encodes the shingle part of a sketch (the `sketches` value written by formats 1 to 3; kept
/// to test that such values are still read).
#[cfg(test)]
pub(crate) fn encode_shingles(s: &super::StoredSketch) -> Result<Vec<u8>> {
    let count = |n: usize, what: &str| {
        u32::try_from(n).map_err(|_| Error::Store(format!("sketch has too many {what}")))
    };
    let words = count(s.sketch.words, "words")?;
    let shingles = count(s.sketch.shingles.len(), "shingles")?;
    let mut out = Vec::with_capacity(SKETCH_HEAD + 8 * shingles as usize);
    out.extend_from_slice(&s.chars.to_le_bytes());
    out.extend_from_slice(&words.to_le_bytes());
    out.extend_from_slice(&shingles.to_le_bytes());
    for v in &s.sketch.shingles {
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// Decodes the shingle set of a `sketches` value.
pub(crate) fn decode_shingles(bytes: &[u8]) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    decode_shingles_into(bytes, &mut out)?;
    Ok(out)
}

/// Decodes the shingle set of a `sketches` value into `out` (cleared first).
pub(crate) fn decode_shingles_into(bytes: &[u8], out: &mut Vec<u64>) -> Result<()> {
    out.clear();
    let corrupt = || Error::Store(format!("corrupt sketch record ({} bytes)", bytes.len()));
    if bytes.len() < SKETCH_HEAD {
        return Err(corrupt());
    }
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[12..16]);
    let count = u32::from_le_bytes(b) as usize;
    if bytes.len() != SKETCH_HEAD + 8 * count {
        return Err(corrupt());
    }
    out.extend(bytes[SKETCH_HEAD..].chunks_exact(8).map(|c| {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        u64::from_le_bytes(b)
    }));
    Ok(())
}

/// Encodes band keys and the fingerprint after them (the `keys` value).
pub(crate) fn encode_keys(keys: &[u64], fingerprint: &[u64]) -> Vec<u8> {
    keys.iter()
        .chain(fingerprint)
        .flat_map(|k| k.to_le_bytes())
        .collect()
}

/// Decodes band keys and fingerprint words (the live index tells them apart by count).
pub(crate) fn decode_keys(bytes: &[u8]) -> Result<Vec<u64>> {
    if bytes.len() % 8 != 0 {
        return Err(Error::Store(format!(
            "corrupt band-key record ({} bytes)",
            bytes.len()
        )));
    }
    Ok(decode_u64s(bytes))
}

fn decode_u64s(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect()
}

/// Encodes a record as JSON.
pub(crate) fn encode_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Store(format!("encoding a record: {e}")))
}

/// The first byte of a binary document record.
const BINARY_RECORD: u8 = 1;
const HAS_PUBLISHED: u8 = 1;
const HAS_TITLE: u8 = 2;
const HAS_SOURCE: u8 = 4;
const HAS_URL: u8 = 8;

/// Appends a document record in binary (see the module docs) to `out`.
pub(crate) fn encode_record_into(record: &StoredDocument, out: &mut Vec<u8>) -> Result<()> {
    let d = &record.document;
    let flag = |present: bool, bit: u8| if present { bit } else { 0 };
    let flags = flag(d.published.is_some(), HAS_PUBLISHED)
        | flag(d.title.is_some(), HAS_TITLE)
        | flag(d.source.is_some(), HAS_SOURCE)
        | flag(d.url.is_some(), HAS_URL);
    out.push(BINARY_RECORD);
    out.extend_from_slice(&record.received.to_le_bytes());
    out.push(flags);
    if let Some(t) = d.published {
        out.extend_from_slice(&t.to_le_bytes());
    }
    let strings = [
        Some(&d.id),
        Some(&d.text),
        d.title.as_ref(),
        d.source.as_ref(),
    ];
    for s in strings.into_iter().chain([d.url.as_ref()]).flatten() {
        let len = u32::try_from(s.len())
            .map_err(|_| Error::Store(format!("document `{}` is over 4 GB", d.id)))?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    Ok(())
}

/// Decodes a document record: binary (see the module docs) or JSON.
pub(crate) fn decode_record(bytes: &[u8]) -> Result<StoredDocument> {
    if bytes.first() != Some(&BINARY_RECORD) {
        return decode_json(bytes, "document");
    }
    let corrupt = || Error::Store(format!("corrupt document record ({} bytes)", bytes.len()));
    let mut at = 1;
    let mut take = |n: usize| -> Result<&[u8]> {
        let piece = bytes.get(at..at + n).ok_or_else(corrupt)?;
        at += n;
        Ok(piece)
    };
    let mut word = [0u8; 8];
    word.copy_from_slice(take(8)?);
    let received = i64::from_le_bytes(word);
    let flags = take(1)?[0];
    let published = if flags & HAS_PUBLISHED != 0 {
        word.copy_from_slice(take(8)?);
        Some(i64::from_le_bytes(word))
    } else {
        None
    };
    let mut string = |present: bool| -> Result<Option<String>> {
        if !present {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(take(4)?);
        let raw = take(u32::from_le_bytes(len) as usize)?;
        String::from_utf8(raw.to_vec())
            .map(Some)
            .map_err(|_| corrupt())
    };
    let id = string(true)?.unwrap_or_default();
    let text = string(true)?.unwrap_or_default();
    let title = string(flags & HAS_TITLE != 0)?;
    let source = string(flags & HAS_SOURCE != 0)?;
    let url = string(flags & HAS_URL != 0)?;
    if at != bytes.len() {
        return Err(corrupt());
    }
    Ok(StoredDocument {
        document: Document {
            id,
            text,
            title,
            source,
            url,
            published,
        },
        received,
    })
}

/// Decodes a JSON record; `what` names the table in the error.
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Store(format!("corrupt {what} record: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoredSketch;
    use crate::versions::Sketch;

    #[test]
    fn binary_records_round_trip_and_truncation_is_refused() {
        let full = StoredDocument {
            document: Document {
                id: "wire/1".into(),
                text: "Caf\u{e9} \"quoted\"\nnew line \u{2014} ok".into(),
                title: Some("A title".into()),
                source: Some(String::new()),
                url: Some("https://example.org/a".into()),
                published: Some(-5),
            },
            received: 1_767_700_000,
        };
        let bare = StoredDocument {
            document: Document::new("b", ""),
            received: 0,
        };
        for record in [full, bare] {
            let mut bytes = Vec::new();
            encode_record_into(&record, &mut bytes).unwrap();
            assert_eq!(decode_record(&bytes).unwrap(), record);
            assert!(decode_record(&bytes[..bytes.len() - 1]).is_err());
            bytes.push(0);
            assert!(decode_record(&bytes).is_err());
            // JSON records still read.
            let json = encode_json(&record).unwrap();
            assert_eq!(decode_record(&json).unwrap(), record);
        }
    }

    #[test]
    fn sketches_round_trip_and_truncation_is_refused() {
        let s = StoredSketch {
            chars: 1234,
            sketch: Sketch {
                shingles: vec![1, 5, u64::MAX],
                keys: vec![42, 7],
                fingerprint: Vec::new(),
                words: 17,
            },
        };
        let bytes = encode_shingles(&s).unwrap();
        assert_eq!(bytes.len(), SKETCH_HEAD + 8 * 3);
        assert_eq!(decode_shingles(&bytes).unwrap(), s.sketch.shingles);
        assert!(decode_shingles(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_shingles(&bytes[..3]).is_err());
        let keys = encode_keys(&s.sketch.keys, &[]);
        assert_eq!(decode_keys(&keys).unwrap(), vec![42, 7]);
        let with_print = encode_keys(&s.sketch.keys, &[9]);
        assert_eq!(decode_keys(&with_print).unwrap(), vec![42, 7, 9]);
        assert!(decode_keys(&keys[..5]).is_err());
    }
}
