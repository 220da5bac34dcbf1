//! JSON Lines: one JSON object per line, read one line at a time.
//!
//! The central type is [`JsonLines`], an iterator of records over any [`BufRead`]. Only the
//! configured fields are decoded; every other field is skipped without being built (and kept
//! verbatim in the raw line when the caller asked for it). A line longer than the size limit is
//! consumed and discarded without being buffered, so one runaway record cannot exhaust memory.
//! Blank lines are not records and are passed over; line numbers still count them.
//!
//! The text field, the one that is large, is taken as the raw JSON string serde_json checked
//! and unescaped here straight into a `String` of the right size: one copy of the text, where
//! serde_json would unescape into a scratch buffer grown afresh for every line, then copy it.
//! (Handing finished texts back to the reader to decode into was tried: the buffers kept the
//! size of the largest text each had held, and peak memory rose by 30 MB at 100k documents.)
//!
//! Most lines do not get that far: a flat object of strings (what news corpora hold) is read
//! by hand, in one pass over the text instead of two (see `flat`); serde_json reads the rest.

use super::{FieldNames, IngestOptions, Record};
use crate::document::{Document, parse_timestamp};
use crate::error::{Error, Location, Result};
use crate::ingest::open::Compression;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead};

mod flat;

/// Reads records from a JSON Lines stream.
///
/// Yields `Err` for a record that cannot be used (the caller decides whether to skip it); after
/// an I/O error (a truncated compressed file) the stream cannot be resynchronised, so the
/// iterator reports it once and ends.
pub struct JsonLines<R> {
    reader: R,
    name: String,
    compression: Compression,
    options: IngestOptions,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// A reader of `reader`, named `name` in messages; `compression` is what the input was
    /// decompressed from (it only shapes messages).
    pub fn new(
        name: impl Into<String>,
        reader: R,
        compression: Compression,
        options: IngestOptions,
    ) -> Self {
        JsonLines {
            reader,
            name: name.into(),
            compression,
            options,
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    fn location(&self) -> Location {
        Location {
            file: self.name.clone(),
            line: Some(self.line),
        }
    }

    fn io_error(&self, e: &io::Error) -> Error {
        let message = match self.compression.name() {
            Some(kind) => format!("truncated or corrupt {kind} data: {e}"),
            None => format!("read error: {e}"),
        };
        Error::input(self.location(), message)
    }
}

impl<R: BufRead> JsonLines<R> {
    /// The record (or the error) of a line judged by [`judge`]; `size` is its bytes.
    fn record(&self, judged: ParsedLine, size: u64) -> Result<Record> {
        match judged {
            Ok((doc, raw)) => Ok(Record {
                doc,
                location: self.location(),
                bytes: size,
                raw,
            }),
            Err(message) => Err(Error::input(self.location(), message)),
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let max = self.options.max_doc_bytes;
            // The common case: the whole line is in the reader's buffer already, and is judged
            // there instead of being copied out first.
            // (An error is reported here: a decoder asked again after one may say "end".)
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some(Err(self.io_error(&e)));
                }
            };
            if let Some(end) = memchr::memchr(b'\n', available)
                && end <= max
            {
                let line = available[..end]
                    .strip_suffix(b"\r")
                    .unwrap_or(&available[..end]);
                let size = line.len() as u64 + 1;
                let judged = judge(line, self.line == 0, &self.options);
                self.reader.consume(end + 1);
                self.line += 1;
                match judged {
                    Some(judged) => return Some(self.record(judged, size)),
                    None => continue,
                }
            }
            let line = match read_line(&mut self.reader, &mut self.buf, max) {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Ok(Some(line)) => line,
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some(Err(self.io_error(&e)));
                }
            };
            self.line += 1;
            if let Line::TooLong(len) = line {
                return Some(Err(Error::input(
                    self.location(),
                    format!(
                        "record of {len} bytes is larger than the limit of {max} bytes \
                         (raise it with --max-doc-bytes)"
                    ),
                )));
            }
            let size = self.buf.len() as u64 + 1;
            if let Some(judged) = judge(&self.buf, self.line == 1, &self.options) {
                return Some(self.record(judged, size));
            }
        }
    }
}

/// A line's document and raw text, or what is wrong with it.
type ParsedLine = std::result::Result<(Document, Option<String>), String>;

/// Judges one line (without its line end): `None` for a blank line, else its document or what
/// is wrong with it. The first line of an input may start with a byte-order mark.
fn judge(line: &[u8], first: bool, options: &IngestOptions) -> Option<ParsedLine> {
    let mut bytes = line;
    if first {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(text) => parse_record(text, &options.fields, options.keep_raw),
        Err(e) => Err(format!(
            "not valid UTF-8 (byte {} of the line)",
            e.valid_up_to() + 1
        )),
    })
}

/// The outcome of reading one line.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// The line is in the buffer, without its `\n` (or `\r\n`).
    Read,
    /// The line was longer than the limit: this many bytes were consumed and dropped.
    TooLong(u64),
}

/// Reads one line into `buf` without buffering more than `max` bytes. `Ok(None)` at the end.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Option<Line>> {
    buf.clear();
    let mut total = 0u64;
    let mut too_long = false;
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let (chunk, used, end) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        total += chunk.len() as u64;
        if !too_long {
            if buf.len() + chunk.len() > max {
                too_long = true;
                buf.clear();
                buf.shrink_to(64 * 1024);
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        reader.consume(used);
        if end {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong(total)));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(Line::Read))
}

/// Parses one line into a document (and the raw line, when asked to keep it).
fn parse_record(
    line: &str,
    names: &FieldNames,
    keep_raw: bool,
) -> std::result::Result<(Document, Option<String>), String> {
    let fields = match flat::fields(line, names) {
        Some(fields) => fields,
        None => serde_fields(line, names)?,
    };
    let doc = fields.into_document(names)?;
    Ok((doc, keep_raw.then(|| line.to_string())))
}

/// The configured fields of a line, read by serde_json (any JSON: see the module docs).
fn serde_fields<'de>(
    line: &'de str,
    names: &FieldNames,
) -> std::result::Result<Fields<'de>, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    FieldsSeed { names }
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
        .map_err(|e| json_message(&e))
}

/// Appends the JSON string body `escaped` (what lies between the quotes, as serde_json checked
/// it: no control characters, every escape well-formed) to `out`, unescaped. Fails only on a
/// `\u` escape of half a surrogate pair, which no Rust string can hold.
fn unescape_into(escaped: &str, out: &mut String) -> std::result::Result<(), String> {
    let bytes = escaped.as_bytes();
    let (mut copied, mut at) = (0, 0);
    while let Some(found) = memchr::memchr(b'\\', &bytes[at..]) {
        let escape = at + found;
        // A backslash and what it escapes are ASCII, so these are character boundaries.
        out.push_str(&escaped[copied..escape]);
        let (c, len) = decode_escape(bytes, escape).map_err(|bad| match bad {
            BadEscape::Invalid => "an invalid escape".to_string(),
            BadEscape::LoneSurrogate(unit) => format!("a lone surrogate \\u{unit:04X}"),
        })?;
        out.push(c);
        at = escape + len;
        copied = at;
    }
    out.push_str(&escaped[copied..]);
    Ok(())
}

/// What is wrong with an escape in a JSON string.
enum BadEscape {
    /// Not one of JSON's escapes, or a `\u` without four hex digits.
    Invalid,
    /// A `\u` escape of half a surrogate pair (the unit given), which no Rust string can hold.
    LoneSurrogate(u32),
}

/// The escape at `at` in `bytes` (a backslash) decoded, and its length in bytes: 2, 6 for a
/// `\u` escape, 12 for a surrogate pair.
fn decode_escape(bytes: &[u8], at: usize) -> std::result::Result<(char, usize), BadEscape> {
    let c = match *bytes.get(at + 1).ok_or(BadEscape::Invalid)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(bytes, at + 2).ok_or(BadEscape::Invalid)?;
            let (code, len) = match unit {
                0xD800..=0xDBFF if bytes.get(at + 6..at + 8) == Some(b"\\u") => {
                    let low = hex4(bytes, at + 8).ok_or(BadEscape::Invalid)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return Err(BadEscape::LoneSurrogate(unit));
                    }
                    (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
                }
                0xD800..=0xDFFF => return Err(BadEscape::LoneSurrogate(unit)),
                _ => (unit, 6),
            };
            return Ok((char::from_u32(code).ok_or(BadEscape::Invalid)?, len));
        }
        _ => return Err(BadEscape::Invalid),
    };
    Ok((c, 2))
}

/// Four hex digits at `at`, as a number.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4)?.iter().try_fold(0u32, |n, &b| {
        let digit = char::from(b).to_digit(16)?;
        Some(n << 4 | digit)
    })
}

/// serde_json's message without its "at line 1 column N" suffix (every record is line 1 of
/// itself), with the column said in words.
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let what = full
        .rfind(" at line ")
        .map_or(full.as_str(), |at| &full[..at]);
    if e.column() > 0 {
        format!("invalid JSON at column {}: {what}", e.column())
    } else {
        format!("invalid JSON: {what}")
    }
}

/// The configured fields of one record, as found: the text as its raw JSON, the others
/// decoded.
#[derive(Default)]
struct Fields<'de> {
    id: Option<Value>,
    text: Option<Text<'de>>,
    title: Option<Value>,
    source: Option<Value>,
    url: Option<Value>,
    published: Option<Value>,
}

/// The text field as found: raw JSON (serde_json's path), or decoded already (the flat path).
enum Text<'de> {
    Raw(&'de RawValue),
    Decoded(Value),
}

/// Where the value of a key goes (see [`Fields::slot`]).
enum Slot<'f> {
    /// The text field.
    Text,
    /// Another configured field.
    Value(&'f mut Option<Value>),
    /// A field nobody asked for: skipped.
    Ignored,
}

impl Fields<'_> {
    /// Where the value of `key` goes: the text first, should two names be the same; a field
    /// given twice keeps its last value. Both readers (serde_json's and the flat one) route
    /// keys through here.
    fn slot(&mut self, key: &str, names: &FieldNames) -> Slot<'_> {
        if key == names.text {
            return Slot::Text;
        }
        let slot = if key == names.id {
            &mut self.id
        } else if key == names.title {
            &mut self.title
        } else if key == names.source {
            &mut self.source
        } else if key == names.url {
            &mut self.url
        } else if key == names.published {
            &mut self.published
        } else {
            return Slot::Ignored;
        };
        Slot::Value(slot)
    }

    fn into_document(self, names: &FieldNames) -> std::result::Result<Document, String> {
        let id = match self.id {
            Some(Value::String(s)) => s,
            // Integer ids are common in data sets; they read as their decimal form.
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
            Some(other) => return Err(wrong_type(&names.id, &other, "a string or an integer")),
            None => return Err(format!("missing field `{}`", names.id)),
        };
        let text = match self.text {
            Some(Text::Raw(raw)) => {
                let raw = raw.get();
                if raw.len() >= 2 && raw.starts_with('"') {
                    let escaped = &raw[1..raw.len() - 1];
                    let mut text = String::with_capacity(escaped.len());
                    unescape_into(escaped, &mut text).map_err(|what| {
                        format!("invalid JSON: field `{}` holds {what}", names.text)
                    })?;
                    text
                } else {
                    let value: Value = serde_json::from_str(raw).map_err(|e| json_message(&e))?;
                    return Err(wrong_type(&names.text, &value, "a string"));
                }
            }
            Some(Text::Decoded(Value::String(text))) => text,
            Some(Text::Decoded(value)) => return Err(wrong_type(&names.text, &value, "a string")),
            None => return Err(format!("missing field `{}` (record `{id}`)", names.text)),
        };
        let published = match self.published {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_timestamp(&s).ok_or_else(|| {
                format!(
                    "field `{}`: cannot read {s:?} as an RFC 3339 time or a YYYY-MM-DD date",
                    names.published
                )
            })?),
            Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
            Some(other) => {
                return Err(wrong_type(
                    &names.published,
                    &other,
                    "an RFC 3339 string, a date or epoch seconds",
                ));
            }
        };
        Ok(Document {
            title: optional_string(self.title, &names.title)?,
            source: optional_string(self.source, &names.source)?,
            url: optional_string(self.url, &names.url)?,
            id,
            text,
            published,
        })
    }
}

fn optional_string(
    value: Option<Value>,
    name: &str,
) -> std::result::Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(name, &other, "a string")),
    }
}

fn wrong_type(name: &str, value: &Value, expected: &str) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("field `{name}` is {kind}, expected {expected}")
}

/// Decodes an object, building only the configured fields.
struct FieldsSeed<'a> {
    names: &'a FieldNames,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = Fields<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Fields<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Fields<'de>, A::Error> {
        let mut out = Fields::default();
        while let Some(Key(key)) = map.next_key()? {
            match out.slot(&key, self.names) {
                Slot::Text => out.text = Some(Text::Raw(map.next_value()?)),
                Slot::Value(slot) => *slot = Some(map.next_value()?),
                Slot::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A line read both ways: by the flat path (`None` when it leaves the line to serde_json)
    /// and by serde_json alone.
    fn both_ways(
        line: &str,
    ) -> (
        Option<std::result::Result<Document, String>>,
        std::result::Result<Document, String>,
    ) {
        let names = FieldNames::default();
        let fast = flat::fields(line, &names).map(|f| f.into_document(&names));
        let slow = serde_fields(line, &names).and_then(|f| f.into_document(&names));
        (fast, slow)
    }

    /// Keys, values and broken pieces of records, put together at random below.
    const PIECES: [&str; 32] = [
        "{",
        "}",
        ",",
        ":",
        " ",
        "\"id\"",
        "\"text\"",
        "\"title\"",
        "\"published\"",
        "\"other\"",
        "\"a b\"",
        "\"x\\ny\"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\q\"",
        "\"2026-01-02\"",
        "null",
        "true",
        "false",
        "0",
        "-12.5e+3",
        "01",
        "1.",
        "[",
        "]",
        "\"",
        "\\",
        "\t",
        "é",
        "{\"id\":\"a\",",
        "\"text\":\"t\"}",
    ];

    proptest::proptest! {
        /// On lines made of pieces of JSON, valid or not, the flat path either leaves the line
        /// to serde_json or reads it to the same document, or fails it with the same message.
        #[test]
        fn the_flat_path_agrees_with_serde_json(
            pieces in proptest::collection::vec(0usize..PIECES.len(), 0..24),
        ) {
            let line: String = pieces.iter().map(|&p| PIECES[p]).collect();
            let (fast, slow) = both_ways(&line);
            if let Some(fast) = fast {
                proptest::prop_assert_eq!(fast, slow, "{}", line);
            }
        }

        /// Every record of string fields without control characters takes the flat path, and
        /// reads as serde_json reads it.
        #[test]
        fn records_of_strings_take_the_flat_path(
            fields in proptest::collection::vec((0usize..8, proptest::prelude::any::<String>()), 0..8),
            spaced in proptest::prelude::any::<bool>(),
        ) {
            const KEYS: [&str; 8] = ["id", "text", "title", "source", "url", "published", "x", "y"];
            let map: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (KEYS[*k].to_string(), Value::String(v.clone())))
                .collect();
            let line = if spaced {
                serde_json::to_string_pretty(&map).unwrap().replace('\n', " ")
            } else {
                serde_json::to_string(&map).unwrap()
            };
            let (fast, slow) = both_ways(&line);
            // serde_json escapes every control character, so none is left raw in a line.
            let fast = fast.expect("a flat record takes the flat path");
            proptest::prop_assert_eq!(fast, slow, "{}", line);
        }
    }

    fn read(input: &str, options: IngestOptions) -> Vec<std::result::Result<Record, String>> {
        JsonLines::new(
            "in.jsonl",
            Cursor::new(input.as_bytes().to_vec()),
            Compression::None,
            options,
        )
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
    }

    #[test]
    fn reads_fields_and_keeps_the_raw_line() {
        let input = "{\"id\":\"a\",\"text\":\"Hello\",\"title\":\"T\",\"source\":\"S\",\
                     \"url\":\"http://x\",\"published\":\"1970-01-02\",\"extra\":[1,{\"k\":2}]}\r\n\
                     \n\
                     {\"text\":\"caf\\u00e9\",\"id\":7,\"published\":\"1970-01-01T01:00:00Z\"}";
        let options = IngestOptions {
            keep_raw: true,
            ..IngestOptions::default()
        };
        let out = read(input, options);
        assert_eq!(out.len(), 2);
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.doc.id, "a");
        assert_eq!(a.doc.text, "Hello");
        assert_eq!(a.doc.title.as_deref(), Some("T"));
        assert_eq!(a.doc.source.as_deref(), Some("S"));
        assert_eq!(a.doc.url.as_deref(), Some("http://x"));
        assert_eq!(a.doc.published, Some(86_400));
        assert!(
            a.raw
                .as_deref()
                .unwrap()
                .ends_with("\"extra\":[1,{\"k\":2}]}")
        );
        assert_eq!(a.location.line, Some(1));
        let b = out[1].as_ref().unwrap();
        assert_eq!((b.doc.id.as_str(), b.doc.text.as_str()), ("7", "café"));
        assert_eq!(b.doc.published, Some(3_600));
        // The blank line 2 is counted.
        assert_eq!(b.location.line, Some(3));
    }

    #[test]
    fn texts_are_unescaped_as_serde_json_would() {
        let input = r#"{"id":"a","text":"q\"b\\s\/n\nt\tr\rb\bf\f \u00e9\u20AC \ud83d\ude00 end"}"#;
        let out = read(input, IngestOptions::default());
        assert_eq!(
            out[0].as_ref().unwrap().doc.text,
            "q\"b\\s/n\nt\tr\rb\u{8}f\u{c} é€ 😀 end"
        );
        let lone = [
            (r#"{"id":"a","text":"x \ud83d y"}"#, "\\uD83D"),
            (r#"{"id":"a","text":"x \ude00"}"#, "\\uDE00"),
            (r#"{"id":"a","text":"\ud83d\u0041"}"#, "\\uD83D"),
        ];
        for (line, unit) in lone {
            let out = read(line, IngestOptions::default());
            assert_eq!(
                out[0].as_ref().unwrap_err(),
                &format!(
                    "in.jsonl line 1: invalid JSON: field `text` holds a lone surrogate {unit}"
                ),
                "{line}"
            );
        }
    }

    proptest::proptest! {
        /// Any string, written by serde_json, reads back the same.
        #[test]
        fn any_text_round_trips(text in "\\PC*|[\\x00-\\x20\"\\\\/\u{7f}-\u{a0}\u{2028}\u{1F600}]*") {
            let line = serde_json::json!({"id": "x", "text": text}).to_string();
            let out = read(&line, IngestOptions::default());
            proptest::prop_assert_eq!(&out[0].as_ref().unwrap().doc.text, &text);
        }

        /// Any string written with every character as `\u` escapes (astral ones as surrogate
        /// pairs) reads back the same.
        #[test]
        fn any_text_round_trips_through_unicode_escapes(text in "\\PC*") {
            let escaped: String = text.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
            let line = format!("{{\"id\":\"x\",\"text\":\"{escaped}\"}}");
            let out = read(&line, IngestOptions::default());
            proptest::prop_assert_eq!(&out[0].as_ref().unwrap().doc.text, &text);
        }
    }

    #[test]
    fn field_names_can_be_renamed() {
        let options = IngestOptions {
            fields: FieldNames {
                id: "doc_id".into(),
                text: "body".into(),
                ..FieldNames::default()
            },
            ..IngestOptions::default()
        };
        let out = read("{\"doc_id\":\"x\",\"body\":\"b\",\"text\":5}\n", options);
        let r = out[0].as_ref().unwrap();
        assert_eq!((r.doc.id.as_str(), r.doc.text.as_str()), ("x", "b"));
        assert!(r.raw.is_none());
    }

    #[test]
    fn bad_records_name_the_line_and_the_fault() {
        let input = [
            "{\"id\":\"a\",\"text\":\"fine\"}",
            "{\"id\":\"b\",\"text\":",
            "{\"id\":\"c\"}",
            "{\"id\":\"d\",\"text\":42}",
            "{\"text\":\"no id\"}",
            "{\"id\":true,\"text\":\"x\"}",
            "[1,2]",
            "{\"id\":\"e\",\"text\":\"x\",\"published\":\"yesterday\"}",
            "{\"id\":\"f\",\"text\":\"x\"} trailing",
            "{\"id\":\"g\",\"text\":\"x\",\"title\":[]}",
            "{\"id\":\"h\",\"text\":\"\"}",
        ]
        .join("\n");
        let out = read(&input, IngestOptions::default());
        let messages: Vec<String> = out
            .iter()
            .map(|r| match r {
                Ok(r) => format!("ok {}", r.doc.id),
                Err(e) => e.clone(),
            })
            .collect();
        assert_eq!(
            messages,
            [
                "ok a",
                "in.jsonl line 2: invalid JSON at column 17: EOF while parsing a value",
                "in.jsonl line 3: missing field `text` (record `c`)",
                "in.jsonl line 4: field `text` is a number, expected a string",
                "in.jsonl line 5: missing field `id`",
                "in.jsonl line 6: field `id` is a boolean, expected a string or an integer",
                "in.jsonl line 7: invalid JSON: invalid type: sequence, expected a JSON object",
                "in.jsonl line 8: field `published`: cannot read \"yesterday\" as an RFC 3339 time or a YYYY-MM-DD date",
                "in.jsonl line 9: invalid JSON at column 23: trailing characters",
                "in.jsonl line 10: field `title` is an array, expected a string",
                "ok h",
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_position() {
        let mut bytes =
            b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\"\xff\"}\n".to_vec();
        bytes.extend_from_slice(b"{\"id\":\"c\",\"text\":\"ok\"}\n");
        let out: Vec<_> = JsonLines::new(
            "x",
            Cursor::new(bytes),
            Compression::None,
            IngestOptions::default(),
        )
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[1].as_ref().unwrap_err(),
            "x line 2: not valid UTF-8 (byte 19 of the line)"
        );
        assert_eq!(out[2].as_ref().unwrap().doc.id, "c");
    }

    #[test]
    fn over_long_lines_are_dropped_without_losing_sync() {
        let long = format!("{{\"id\":\"big\",\"text\":\"{}\"}}", "x".repeat(1000));
        let input = format!("{long}\n{{\"id\":\"next\",\"text\":\"y\"}}\n");
        let options = IngestOptions {
            max_doc_bytes: 100,
            ..IngestOptions::default()
        };
        let out = read(&input, options);
        assert_eq!(
            out[0].as_ref().unwrap_err(),
            "in.jsonl line 1: record of 1022 bytes is larger than the limit of 100 bytes \
             (raise it with --max-doc-bytes)"
        );
        assert_eq!(out[1].as_ref().unwrap().doc.id, "next");
    }

    #[test]
    fn read_line_handles_tiny_buffers() {
        let data = b"ab\ncdef\r\n\nlast";
        let mut r = io::BufReader::with_capacity(2, &data[..]);
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        while let Some(line) = read_line(&mut r, &mut buf, 3).unwrap() {
            lines.push((line, String::from_utf8(buf.clone()).unwrap()));
        }
        assert_eq!(
            lines,
            [
                (Line::Read, "ab".to_string()),
                (Line::TooLong(5), String::new()),
                (Line::Read, String::new()),
                (Line::TooLong(4), String::new()),
            ]
        );
    }
}
