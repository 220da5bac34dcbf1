//! A [`VersionRecordRef`] as a line of JSON, written by hand: the same bytes serde_json writes
//! (tested), at a fraction of the cost. [`Finished::write_jsonl`](super::Finished::write_jsonl)
//! writes one per document, and through serde_json that took ~400 ns a record — 20 ms of a
//! 1-second run at 100k documents, on both threads.
//!
//! A string that needs no escape (ids nearly always) is copied between quotes, and serde_json
//! writes the others; a measure is a multiple of 1/10,000 (rounded so by the index), written
//! as its four decimals without the trailing zeros, as serde_json's shortest round-trip form
//! has it, and any other number goes through serde_json.

use super::{Status, VersionRecordRef};

/// Appends `r` as serde_json writes it, without a line end.
pub(super) fn write_record(r: &VersionRecordRef<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"id\":");
    string(r.id, out);
    out.extend_from_slice(b",\"version\":");
    string(r.version, out);
    out.extend_from_slice(if r.canonical {
        b",\"canonical\":true,\"similarity\":"
    } else {
        b",\"canonical\":false,\"similarity\":"
    });
    measure(r.similarity, out);
    out.extend_from_slice(b",\"containment\":");
    measure(r.containment, out);
    if let Some(closest) = r.closest {
        out.extend_from_slice(b",\"closest\":");
        string(closest, out);
    }
    out.extend_from_slice(b",\"family_size\":");
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut n = r.family_size;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(match r.status {
        Status::Ok => b",\"status\":\"ok\"}",
        Status::TooShort => b",\"status\":\"too_short\"}",
        Status::Empty => b",\"status\":\"empty\"}",
    });
}

/// A JSON string: copied between quotes when nothing in it needs an escape, else as
/// serde_json escapes it.
fn string(s: &str, out: &mut Vec<u8>) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
    }
}

/// A measure: a multiple of 1/10,000 in [0, 1] as its decimals (`0.9241`, `0.5`, `1.0`),
/// anything else as serde_json writes it.
fn measure(x: f64, out: &mut Vec<u8>) {
    let scaled = (x * 10_000.0).round();
    if x.is_sign_positive() && scaled <= 10_000.0 && scaled / 10_000.0 == x {
        // In range and a whole number, so the conversion is exact.
        let k = scaled as u32;
        if k == 10_000 {
            out.extend_from_slice(b"1.0");
            return;
        }
        out.extend_from_slice(b"0.");
        let all = [
            b'0' + (k / 1000) as u8,
            b'0' + (k / 100 % 10) as u8,
            b'0' + (k / 10 % 10) as u8,
            b'0' + (k % 10) as u8,
        ];
        // Without trailing zeros, but one digit at least (`0.0`).
        let mut digits = &all[..];
        while let [rest @ .., b'0'] = digits
            && !rest.is_empty()
        {
            digits = rest;
        }
        out.extend_from_slice(digits);
    } else {
        serde_json::to_writer(&mut *out, &x).expect("writing to a Vec cannot fail");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_serde(r: &VersionRecordRef<'_>) -> String {
        serde_json::to_string(r).unwrap()
    }

    fn by_hand(r: &VersionRecordRef<'_>) -> String {
        let mut out = Vec::new();
        write_record(r, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn record<'a>(id: &'a str, closest: Option<&'a str>) -> VersionRecordRef<'a> {
        VersionRecordRef {
            id,
            version: "v",
            canonical: false,
            similarity: 0.5,
            containment: 1.0,
            closest,
            family_size: 3,
            status: Status::Ok,
        }
    }

    /// Every multiple of 1/10,000 the index can round a measure to, and numbers it cannot.
    #[test]
    fn measures_are_written_as_serde_json_writes_them() {
        let mut r = record("a", None);
        let rounded = (0..=10_000).map(|k| f64::from(k) / 10_000.0);
        let others = [
            0.123_45,
            1.5,
            -0.25,
            -0.0,
            2.0,
            1e-7,
            f64::NAN,
            f64::INFINITY,
        ];
        for x in rounded.chain(others) {
            r.similarity = x;
            r.containment = 1.0 - x;
            assert_eq!(by_hand(&r), by_serde(&r), "{x}");
        }
    }

    #[test]
    fn strings_statuses_and_sizes_are_written_as_serde_json_writes_them() {
        let ids = [
            "d1",
            "",
            "a\"b",
            "back\\slash",
            "tab\there",
            "nl\n",
            "\u{1}",
            "café/é",
            "\u{7f}",
        ];
        for (i, id) in ids.iter().enumerate() {
            for closest in [None, Some(*id), Some("x")] {
                for status in [Status::Ok, Status::TooShort, Status::Empty] {
                    for size in [0, 1, 9, 10, 12_345, u32::MAX] {
                        let r = VersionRecordRef {
                            canonical: i % 2 == 0,
                            family_size: size,
                            status,
                            version: ids[(i + 1) % ids.len()],
                            ..record(id, closest)
                        };
                        assert_eq!(by_hand(&r), by_serde(&r));
                    }
                }
            }
        }
    }
}
