//! Time: when a document was published, and how much a gap in time counts against joining a
//! story.
//!
//! The central items are [`DocTime`], [`find_dateline`] and [`TimeFactor`].
//!
//! A document's time is its `published` field when it has one. Many texts carry no such field
//! but open with a dateline — a headline, then "May 03, 2013", "Published: July 28, 2004 at 1:24
//! PM", "08 / 02 / 2013" — so [`find_dateline`] reads the first full date (day, month and year)
//! in the title and the first [`HEAD_CHARS`] characters of the text. Dates further down are
//! more often the past a report recalls ("he was at the clinic from September 2010") than its
//! own day, so they are not read; a text with no dateline has no time, and time then neither
//! helps nor hurts it.
//!
//! [`TimeFactor`] multiplies a story similarity: 1 while the document falls within the
//! story's time span widened by the window on both sides, then halving for every further window
//! of distance. Trade-off: a short window keeps two similar events days apart separate (two
//! storms in one week) but splits a story whose coverage pauses; a long one does the reverse.

use crate::document::Timestamp;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Characters of a text's start searched for a dateline.
pub const HEAD_CHARS: usize = 300;

/// Where a document's time came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// The document's `published` field.
    Published,
    /// A date near the top of its text (a dateline).
    Text,
}

/// A document's time and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocTime {
    /// Seconds since the epoch, UTC (a dateline's date is read as midnight UTC).
    pub at: Timestamp,
    /// Where it came from.
    pub source: TimeSource,
}

/// How a time gap scales a story similarity. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeFactor {
    /// The window, in seconds (at least 1).
    pub window: i64,
}

impl TimeFactor {
    /// The factor for a document at `at` against a story seen from `first` to `last`; 1 when
    /// either side has no time.
    pub fn factor(&self, at: Option<Timestamp>, span: Option<(Timestamp, Timestamp)>) -> f32 {
        let (Some(at), Some((first, last))) = (at, span) else {
            return 1.0;
        };
        let window = self.window.max(1);
        let distance = if at < first {
            first - at
        } else {
            at.saturating_sub(last)
        };
        let beyond = distance - window;
        if beyond <= 0 {
            return 1.0;
        }
        let windows = beyond as f64 / window as f64;
        0.5f64.powf(windows) as f32
    }
}

/// One scanned piece of a dateline.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Piece {
    /// A number (and whether it had an ordinal suffix: 2nd, 3rd).
    Number(u32, usize),
    /// A month name or abbreviation (1–12).
    Month(u32),
    /// A separator character (`/`, `-`, `.`).
    Sep(char),
    /// Any other word.
    Word,
}

/// The first full date in `title` and the first [`HEAD_CHARS`] characters of `text`, as
/// midnight UTC, or `None`. Reads `May 03, 2013`, `Aug. 2nd, 2013`, `Friday August 2, 2013`,
/// `9 September 2013`, `05/02/2013` and `8 / 2 / 13` (month first unless the first number is
/// above 12), `2013-05-03`.
pub fn find_dateline(title: &str, text: &str) -> Option<Timestamp> {
    let head_end = text
        .char_indices()
        .nth(HEAD_CHARS)
        .map_or(text.len(), |(i, _)| i);
    [title, &text[..head_end]]
        .into_iter()
        .find_map(|part| first_date(&pieces(part)))
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = chars.peek() {
                if !n.is_alphanumeric() {
                    break;
                }
                chars.next();
                end = i + n.len_utf8();
            }
            out.push(piece(&text[start..end]));
        } else if matches!(c, '/' | '-' | '.') {
            out.push(Piece::Sep(c));
        }
    }
    out
}

fn piece(word: &str) -> Piece {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let rest = word[digits..].to_ascii_lowercase();
        if (rest.is_empty() || matches!(rest.as_str(), "st" | "nd" | "rd" | "th"))
            && digits <= 4
            && let Ok(n) = word[..digits].parse()
        {
            return Piece::Number(n, digits);
        }
        return Piece::Word;
    }
    month(&word.to_lowercase()).map_or(Piece::Word, Piece::Month)
}

fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS.iter().zip(1..).find_map(|(name, n)| {
        let abbreviation =
            (word.len() == 3 && name.starts_with(word)) || (word == "sept" && n == 9);
        (*name == word || abbreviation).then_some(n)
    })
}

fn date(year: u32, month: u32, day: u32) -> Option<Timestamp> {
    let year = i32::try_from(year).ok()?;
    if !(1900..=2100).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

fn full_year(n: u32, digits: usize) -> Option<u32> {
    match digits {
        4 => Some(n),
        2 => Some(if n < 70 { 2000 + n } else { 1900 + n }),
        _ => None,
    }
}

fn first_date(p: &[Piece]) -> Option<Timestamp> {
    use Piece::{Month, Number, Sep};
    for i in 0..p.len() {
        let rest = &p[i..];
        let found = match rest {
            // May 03, 2013 / Aug. 2nd, 2013 (a full stop after the month is a separator)
            [Month(m), Sep('.'), Number(d, dd), Number(y, 4), ..]
            | [Month(m), Number(d, dd), Number(y, 4), ..]
                if *dd <= 2 =>
            {
                date(*y, *m, *d)
            }
            // 9 September 2013
            [Number(d, dd), Month(m), Number(y, 4), ..] if *dd <= 2 => date(*y, *m, *d),
            // 2013-05-03
            [
                Number(y, 4),
                Sep('-'),
                Number(m, _),
                Sep('-'),
                Number(d, _),
                ..,
            ] => date(*y, *m, *d),
            // 05/02/2013, 8 / 2 / 13 (month first, unless the first number cannot be one)
            [
                Number(a, da),
                Sep('/'),
                Number(b, db),
                Sep('/'),
                Number(y, dy),
                ..,
            ] if *da <= 2 && *db <= 2 => {
                let (m, d) = if *a > 12 { (*b, *a) } else { (*a, *b) };
                full_year(*y, *dy).and_then(|y| date(y, m, d))
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::format_timestamp;

    fn day(title: &str, text: &str) -> Option<String> {
        find_dateline(title, text).map(|t| format_timestamp(t)[..10].to_string())
    }

    #[test]
    fn datelines_in_their_usual_forms() {
        let cases = [
            (
                "Lohan checks in\nMay 03, 2013\nAfter skipping",
                "2013-05-03",
            ),
            ("Posted: August 2nd, 2013 at 5: 19 pm", "2013-08-02"),
            ("Fri Aug 2, 2013 6: 50pm EDT", "2013-08-02"),
            ("Published on: Fri, 11 Nov 2011 at 09: 56 IST", "2011-11-11"),
            ("9 September 2013, 14: 08 | Paris", "2013-09-09"),
            ("UPDATED 05 / 03 / 2013 at 11: 00 AM", "2013-05-03"),
            ("8 / 2 / 13 at 1: 30 PM", "2013-08-02"),
            ("25/12/2012 Christmas", "2012-12-25"),
            ("2026-03-03 Harbor fire", "2026-03-03"),
            ("WEDNESDAY, MARCH 4, 2009, 10: 53 AM", "2009-03-04"),
            ("Sept. 15, 2008 - Markets fell", "2008-09-15"),
        ];
        for (text, want) in cases {
            assert_eq!(day("", text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn no_full_date_no_time() {
        for text in [
            "The fire started on Tuesday.",
            "He was there from September 2010 to January 2011.",
            "Scores were 9-14 and 52-3 this season.",
            "February 30, 2013 is not a day.",
            "",
        ] {
            assert_eq!(day("", text), None, "{text}");
        }
    }

    #[test]
    fn only_the_head_is_read_and_the_title_first() {
        let far = format!("{} June 8, 2013", "word ".repeat(100));
        assert_eq!(day("", &far), None);
        assert_eq!(
            day("Storm, March 10, 2026", "March 9, 2026").as_deref(),
            Some("2026-03-10")
        );
    }

    #[test]
    fn the_factor_is_one_inside_the_window_and_halves_per_window_beyond() {
        let f = TimeFactor { window: 100 };
        assert_eq!(f.factor(None, Some((0, 10))), 1.0);
        assert_eq!(f.factor(Some(5), None), 1.0);
        assert_eq!(f.factor(Some(50), Some((0, 10))), 1.0);
        assert_eq!(f.factor(Some(110), Some((0, 10))), 1.0);
        assert!((f.factor(Some(210), Some((0, 10))) - 0.5).abs() < 1e-6);
        assert!((f.factor(Some(-200), Some((0, 10))) - 0.5).abs() < 1e-6);
        assert!(f.factor(Some(10_000), Some((0, 10))) < 1e-9);
    }
}
