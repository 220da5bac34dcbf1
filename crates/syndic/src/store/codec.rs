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

/// Appends a record's JSON to `out`.
pub(crate) fn encode_json_into<T: Serialize>(value: &T, out: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(out, value).map_err(|e| Error::Store(format!("encoding a record: {e}")))
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
