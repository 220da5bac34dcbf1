//! The fast path of [`JsonLines`](super::JsonLines): a record that is one flat JSON object —
//! keys without escapes; strings, `null`, `true`, `false` or numbers as values — read by hand.
//!
//! serde_json reads a string by scanning it eight bytes at a time for a quote, a backslash or a
//! control character, and stops at every escape; a news text has one every hundred bytes or so
//! (`\n` between paragraphs, `\"` around quotes). The text was then scanned a second time to
//! unescape it. Here the line is checked for control characters once, in a loop the compiler
//! vectorises, and a string is read in one pass: `memchr2` finds the next quote or backslash,
//! the bytes before it are copied out, an escape is decoded, and on.
//!
//! Anything else makes [`fields`] answer `None` and the line goes through serde_json, which
//! reads it or says what is wrong: a nested value, a number in a configured field, an escape
//! in a key, a control character anywhere (a tab between tokens included), a lone surrogate,
//! anything that is not valid JSON. So the fast path only accepts lines serde_json accepts, and
//! reads them to the same values (tested against serde_json on generated lines).

use super::{BadEscape, Fields, Slot, Text, decode_escape};
use crate::ingest::FieldNames;
use serde_json::Value;

/// The configured fields of `line` when it is a flat JSON object (see the module docs), each
/// decoded as serde_json decodes it into a [`Value`], else `None`.
pub(super) fn fields<'a>(line: &str, names: &FieldNames) -> Option<Fields<'a>> {
    if has_control(line.as_bytes()) {
        return None;
    }
    let mut p = Parser { line, at: 0 };
    let mut out = Fields::default();
    p.space();
    p.eat(b'{')?;
    p.space();
    if p.peek()? == b'}' {
        p.at += 1;
    } else {
        loop {
            p.space();
            let key = p.key()?;
            p.space();
            p.eat(b':')?;
            p.space();
            match out.slot(key, names) {
                Slot::Text => out.text = Some(Text::Decoded(p.value(true)?)),
                Slot::Value(slot) => *slot = Some(p.value(false)?),
                Slot::Ignored => p.skip_value()?,
            }
            p.space();
            match p.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    p.space();
    (p.at == line.len()).then_some(out)
}

/// True when some byte is below 0x20: JSON allows none in a string, and outside strings this
/// path takes only spaces as whitespace. Whole blocks at a time, without an exit per byte, so
/// that the loop is vector code.
fn has_control(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .any(|block| block.iter().fold(false, |any, &b| any | (b < 0x20)))
}

struct Parser<'a> {
    line: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.line.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// Skips spaces (the only whitespace a line without control characters can hold).
    fn space(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes().get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A key: a string without escapes, borrowed.
    fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let len = memchr::memchr2(b'"', b'\\', &self.bytes()[self.at..])?;
        let start = self.at;
        self.at += len;
        self.eat(b'"')?;
        Some(&self.line[start..start + len])
    }

    /// A configured field's value: a string, `null`, `true` or `false`.
    fn value(&mut self, large: bool) -> Option<Value> {
        Some(match self.peek()? {
            b'"' => Value::String(self.string(large)?),
            b'n' => self.literal(b"null").map(|()| Value::Null)?,
            b't' => self.literal(b"true").map(|()| Value::Bool(true))?,
            b'f' => self.literal(b"false").map(|()| Value::Bool(false))?,
            _ => return None,
        })
    }

    /// Skips an ignored field's value: a string, a literal or a number.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A string, decoded. `large` (the text) reserves the rest of the line for it at once,
    /// so that a text is copied out once, into a buffer of the right size give or take the
    /// fields after it (or shrunk, when those are long).
    fn string(&mut self, large: bool) -> Option<String> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let first = memchr::memchr2(b'"', b'\\', &bytes[self.at..])?;
        if bytes[self.at + first] == b'"' {
            // No escapes: the common case for every field but the text.
            let s = self.line[self.at..self.at + first].to_owned();
            self.at += first + 1;
            return Some(s);
        }
        let mut out = String::with_capacity(if large {
            bytes.len() - self.at
        } else {
            first + 16
        });
        let mut from = self.at;
        let mut hit = from + first;
        loop {
            // Quotes and backslashes are ASCII: character boundaries on both sides.
            out.push_str(&self.line[from..hit]);
            if bytes[hit] == b'"' {
                self.at = hit + 1;
                // Long fields after the text (a page's raw HTML, say) would stay reserved
                // with it: given back when they are more than a quarter of it.
                if out.capacity() - out.len() > out.len() / 4 + 256 {
                    out.shrink_to_fit();
                }
                return Some(out);
            }
            let (c, len) = decode_escape(bytes, hit).ok()?;
            out.push(c);
            from = hit + len;
            hit = from + memchr::memchr2(b'"', b'\\', &bytes[from..])?;
        }
    }

    /// Skips a string, checking its escapes as serde_json does when it skips one: a `\u`
    /// needs four hex digits, whatever code unit they make (half a surrogate pair included).
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        loop {
            let hit = self.at + memchr::memchr2(b'"', b'\\', &bytes[self.at..])?;
            if bytes[hit] == b'"' {
                self.at = hit + 1;
                return Some(());
            }
            self.at = hit
                + match decode_escape(bytes, hit) {
                    Ok((_, len)) => len,
                    Err(BadEscape::LoneSurrogate(_)) => 6,
                    Err(BadEscape::Invalid) => return None,
                };
        }
    }

    /// Skips a number, checking JSON's grammar for one.
    fn number(&mut self) -> Option<()> {
        let bytes = self.bytes();
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = self.at + usize::from(bytes.get(self.at) == Some(&b'-'));
        i = match bytes.get(i)? {
            b'0' => i + 1,
            b'1'..=b'9' => digits(i + 1),
            _ => return None,
        };
        if bytes.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return None;
            }
            i = end;
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return None;
            }
            i = end;
        }
        self.at = i;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> FieldNames {
        FieldNames::default()
    }

    /// The configured fields of a line as values: id, text, title, source, url, published.
    type Values = [Option<Value>; 6];

    /// What the flat path reads from `line`, as values.
    fn flat(line: &str, names: &FieldNames) -> Option<Values> {
        let f = fields(line, names)?;
        let text = f.text.map(|t| match t {
            Text::Decoded(value) => value,
            Text::Raw(raw) => panic!("the flat path decodes the text, got {raw}"),
        });
        Some([f.id, text, f.title, f.source, f.url, f.published])
    }

    /// What serde_json makes of the configured fields of `line`, when it reads it.
    fn by_serde(line: &str, names: &FieldNames) -> Option<Values> {
        let value: Value = serde_json::from_str(line).ok()?;
        let map = value.as_object()?;
        let get = |name: &str| map.get(name).cloned();
        Some([
            get(&names.id),
            get(&names.text),
            get(&names.title),
            get(&names.source),
            get(&names.url),
            get(&names.published),
        ])
    }

    #[test]
    fn reads_a_flat_record() {
        let line = r#"{"id": "a1", "text":"Line one.\nHe said \"yes\" \u00e9\ud83d\ude00 \/", "title":"T", "n": -1.5e3, "ok": true, "x": null, "extra": "\u0041\t", "published": "2026-01-02", "url": null, "source": false}"#;
        let got = flat(line, &names()).expect("a flat record");
        assert_eq!(Some(got), by_serde(line, &names()));
    }

    /// A text read before a long field does not keep that field's room.
    #[test]
    fn a_text_does_not_keep_room_for_the_fields_after_it() {
        let html = "x".repeat(100_000);
        let line = format!(r#"{{"id":"a","text":"one\ntwo","html":"{html}"}}"#);
        let Some(Value::String(text)) = flat(&line, &names()).unwrap()[1].take() else {
            panic!("a string text");
        };
        assert_eq!(text, "one\ntwo");
        assert!(text.capacity() < 1_000, "{}", text.capacity());
    }

    #[test]
    fn takes_the_last_of_a_repeated_field() {
        let line = r#"{"text":"one","id":"a","text":"two"}"#;
        let got = flat(line, &names()).unwrap();
        assert_eq!(got[1], Some(Value::String("two".into())));
    }

    #[test]
    fn leaves_everything_else_to_serde() {
        for line in [
            // Not flat, or a number where a field is read: serde_json decides.
            r#"{"id":"a","text":"t","tags":["x"]}"#,
            r#"{"id":"a","text":"t","meta":{"k":1}}"#,
            r#"{"id":7,"text":"t"}"#,
            r#"{"id":"a","published":1700000000,"text":"t"}"#,
            // An escaped key; a tab as whitespace; a raw control character in a string.
            r#"{"i\u0064":"a","text":"t"}"#,
            "{\"id\":\t\"a\",\"text\":\"t\"}",
            "{\"id\":\"a\",\"text\":\"t\u{1}\"}",
            // A lone surrogate in a read field.
            r#"{"id":"a","text":"\ud800 x"}"#,
            r#"{"id":"a","text":"\udc00"}"#,
            // Not JSON.
            r#"{"id":"a","text":"t",}"#,
            r#"{"id":"a" "text":"t"}"#,
            r#"{"id":"a","text":"t"} x"#,
            r#"{"id":"a","text":"t""#,
            r#"{"id":"a","text":"t\x"}"#,
            r#"{"id":"a","n":01,"text":"t"}"#,
            r#"{"id":"a","n":1.,"text":"t"}"#,
            r#"{"id":"a","n":-,"text":"t"}"#,
            r#"{"id":"a","n":1e,"text":"t"}"#,
            r#"{"id":"a","ok":tru,"text":"t"}"#,
            r#"{"id":"a","skip":"\u12","text":"t"}"#,
            r#"["id","a"]"#,
            r#""text""#,
            "",
        ] {
            assert_eq!(flat(line, &names()), None, "{line}");
        }
    }

    #[test]
    fn an_empty_object_has_no_fields() {
        assert_eq!(flat(" { } ", &names()), Some(Values::default()));
    }

    #[test]
    fn reads_configured_names() {
        let names = FieldNames {
            id: "doc".into(),
            text: "body".into(),
            ..FieldNames::default()
        };
        let line = r#"{"doc":"d","body":"b","text":"ignored","id":"ignored"}"#;
        let got = flat(line, &names).unwrap();
        assert_eq!(Some(&got), by_serde(line, &names).as_ref());
        assert_eq!(got[1], Some(Value::String("b".into())));
    }
}
