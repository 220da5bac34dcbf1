//! Reading corpora: directories of text files, JSON Lines, stdin — plain, gzip or zstd.
//!
//! The central type is [`Corpus`]: an iterator of [`Record`]s over a list of [`Input`]s, read
//! one record at a time so memory holds one document's text, never the corpus. It applies the
//! bad-input policy ([`OnError`]) in one place for every input kind:
//!
//! | input                      | how it is read                                             |
//! |----------------------------|------------------------------------------------------------|
//! | a directory                | every `.txt`/`.md` file below it, sorted by id; id = path relative to the directory (`a/b.txt`) |
//! | a file named `*.txt`/`*.md`| one document; id = the path as given                       |
//! | any other file, `-` (stdin)| JSON Lines: one object per line ([`FieldNames`])            |
//!
//! Compression (gzip, zstd) is detected from the first bytes of every file and of stdin, never
//! from the name ([`open`]).
//!
//! ## Bad input
//! Each record that cannot be used becomes an [`Error::Input`] naming the file and line:
//! invalid UTF-8, a line that is not a JSON object, a missing or mistyped field, an unreadable
//! `published`, a record larger than [`IngestOptions::max_doc_bytes`], a duplicate id (the
//! second and later ones), a truncated or corrupt compressed stream (the rest of that input is
//! lost, and the message says where). Under [`OnError::Skip`] (the default) such a record is
//! counted and queued for the caller to report ([`Corpus::drain_skipped`]) and reading goes on;
//! under [`OnError::Fail`] the iterator yields the error and stops. Either way nothing is lost
//! silently. An empty text is *not* bad input: the record is yielded (the engine reports it as
//! empty), so every record read appears in the output.
//!
//! Trade-off: duplicate ids are found with a set of 128-bit hashes of the ids seen (16 bytes a
//! document rather than the ids themselves); two distinct ids colliding has a probability
//! around 10⁻²⁴ at a billion documents.

pub mod jsonl;
pub mod open;
pub mod text;

use crate::document::Document;
use crate::error::{Error, Location, Result};
use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

pub use jsonl::JsonLines;
pub use open::{Compression, decompress};
pub use text::{TextFile, TextFiles};

/// Default largest record: 64 MiB. A news article is a few kilobytes; the limit exists so that
/// a runaway line (a whole file without newlines) is reported instead of exhausting memory.
pub const DEFAULT_MAX_DOC_BYTES: usize = 64 * 1024 * 1024;

/// Field names of a JSON Lines record. Fields not named here are ignored (and kept verbatim in
/// [`Record::raw`] when [`IngestOptions::keep_raw`] is set).
///
/// Accepted values: `id` a string (or an integer, read as its decimal form); `text` a string
/// (may be empty); `title`, `source`, `url` a string or null; `published` an RFC 3339 time
/// (`2026-03-01T09:30:00Z`), a date (`2026-03-01`, midnight UTC), integer epoch seconds, or null.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldNames {
    /// Document id (default `id`); required.
    pub id: String,
    /// Body text (default `text`); required.
    pub text: String,
    /// Headline (default `title`).
    pub title: String,
    /// Outlet (default `source`).
    pub source: String,
    /// Address (default `url`).
    pub url: String,
    /// Publication time (default `published`).
    pub published: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            source: "source".into(),
            url: "url".into(),
            published: "published".into(),
        }
    }
}

/// What to do with a record that cannot be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Count it, queue it for the caller to report, read on (default).
    #[default]
    Skip,
    /// Stop at the first one with its error.
    Fail,
}

/// How a corpus is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestOptions {
    /// JSON field names.
    pub fields: FieldNames,
    /// Bad-input policy (default [`OnError::Skip`]).
    pub on_error: OnError,
    /// Largest record in bytes after decompression — a JSON line or a whole text file
    /// (default [`DEFAULT_MAX_DOC_BYTES`]). Larger records are bad input, read past without
    /// being held in memory.
    pub max_doc_bytes: usize,
    /// Keep each JSON line verbatim in [`Record::raw`] (default false), for writing the
    /// original records back out (`dedup --drop-duplicates`).
    pub keep_raw: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            fields: FieldNames::default(),
            on_error: OnError::Skip,
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            keep_raw: false,
        }
    }
}

/// One document read from an input, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The document.
    pub doc: Document,
    /// Its file and (for JSON Lines) line.
    pub location: Location,
    /// Bytes it took in the (decompressed) input.
    pub bytes: u64,
    /// The JSON line as read (without its newline), when [`IngestOptions::keep_raw`] is set
    /// and the input is JSON Lines.
    pub raw: Option<String>,
}

/// About how many records an input of `input_bytes` bytes ([`Corpus::input_bytes`]) holds,
/// judged from its first records: for an index to make room once instead of regrowing its
/// tables. A compressed input underestimates (its bytes on disk are fewer than its records');
/// `None` when the first records are empty.
pub fn expected_records(input_bytes: u64, first: &[Record]) -> Option<usize> {
    let read: u64 = first.iter().map(|r| r.bytes).sum();
    (read > 0).then(|| {
        let expected = input_bytes as f64 * first.len() as f64 / read as f64;
        expected.min(f64::from(u32::MAX)) as usize
    })
}

impl Record {
    /// The record as one line of JSON: the raw line for JSON Lines input (all fields, as
    /// written), else an object `{"id":…,"text":…}`.
    pub fn original_json(&self) -> String {
        match &self.raw {
            Some(raw) => raw.clone(),
            None => serde_json::json!({"id": self.doc.id, "text": self.doc.text}).to_string(),
        }
    }
}

/// One input of a corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input, read as JSON Lines.
    Stdin,
    /// A file or a directory.
    Path(PathBuf),
}

impl Input {
    /// The input a command-line argument names: `-` is stdin, anything else a path.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// The name used in messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// True when a file given directly is one plain-text document rather than JSON Lines: its name
/// ends in `.txt` or `.md`, before an optional `.gz`/`.zst` (the compression itself is detected
/// from the content).
fn is_single_text_file(path: &Path) -> bool {
    let compressed = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "gz" | "zst" | "zstd"));
    if compressed {
        path.file_stem()
            .is_some_and(|s| text::is_text_path(Path::new(s)))
    } else {
        text::is_text_path(path)
    }
}

/// A source still to be opened.
enum Pending {
    Input(Input),
    Reader(String, Box<dyn Read + Send>),
}

type Source = Box<dyn Iterator<Item = Result<Record>> + Send>;

/// Hashes ids that are already uniformly distributed 128-bit hashes: keep 64 bits.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        // Truncation intended: the low half of a uniform hash is uniform.
        self.0 = v as u64;
    }
}

/// A stream of records over several inputs, with the bad-input policy applied. See the module
/// docs.
pub struct Corpus {
    pending: VecDeque<Pending>,
    current: Option<Source>,
    options: IngestOptions,
    seen: HashSet<u128, BuildHasherDefault<IdHasher>>,
    skipped: Vec<Error>,
    skipped_total: u64,
    records: u64,
    bytes: u64,
    stopped: bool,
    /// On-disk size of the inputs, when every input is a file.
    input_bytes: Option<u64>,
}

impl std::fmt::Debug for Corpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corpus")
            .field("pending", &self.pending.len())
            .field("options", &self.options)
            .field("records", &self.records)
            .field("skipped", &self.skipped_total)
            .finish_non_exhaustive()
    }
}

impl Corpus {
    /// A corpus over `inputs`, read in order. Fails at once if a path does not exist (a typo
    /// should not cost a long run); files are opened only when their turn comes.
    pub fn open(inputs: &[Input], options: IngestOptions) -> Result<Corpus> {
        let mut input_bytes = Some(0u64);
        for input in inputs {
            match input {
                Input::Path(path) => {
                    let meta = std::fs::metadata(path).map_err(|e| {
                        Error::io(format!("cannot open input {}", path.display()), e)
                    })?;
                    input_bytes = input_bytes
                        .filter(|_| meta.is_file())
                        .map(|n| n.saturating_add(meta.len()));
                }
                Input::Stdin => input_bytes = None,
            }
        }
        let pending = inputs.iter().cloned().map(Pending::Input).collect();
        let mut corpus = Corpus::with_pending(pending, options);
        corpus.input_bytes = input_bytes;
        Ok(corpus)
    }

    /// A corpus over one JSON Lines stream (compression detected), named `name` in messages.
    /// The seam for tests and for callers holding a reader rather than a path.
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl Read + Send + 'static,
        options: IngestOptions,
    ) -> Corpus {
        let pending = VecDeque::from([Pending::Reader(name.into(), Box::new(reader))]);
        Corpus::with_pending(pending, options)
    }

    fn with_pending(pending: VecDeque<Pending>, options: IngestOptions) -> Corpus {
        Corpus {
            pending,
            current: None,
            options,
            seen: HashSet::default(),
            skipped: Vec::new(),
            skipped_total: 0,
            records: 0,
            bytes: 0,
            stopped: false,
            input_bytes: None,
        }
    }

    /// The options in use.
    pub fn options(&self) -> &IngestOptions {
        &self.options
    }

    /// Records yielded so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Bytes of the records yielded so far (decompressed).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The inputs' size on disk when every input is a file (a compressed one counts its
    /// compressed bytes), else `None` (standard input, a directory, a reader): with
    /// [`Corpus::bytes`] and [`Corpus::records`], enough to estimate how many records are
    /// coming.
    pub fn input_bytes(&self) -> Option<u64> {
        self.input_bytes
    }

    /// Records skipped so far (under [`OnError::Skip`]).
    pub fn skipped(&self) -> u64 {
        self.skipped_total
    }

    /// Takes the skipped records' errors queued since the last call, in input order, for the
    /// caller to report. They accumulate until taken.
    pub fn drain_skipped(&mut self) -> Vec<Error> {
        std::mem::take(&mut self.skipped)
    }

    /// Opens the next pending input as a source. Errors concern that input only.
    fn open_next(&mut self, pending: Pending) -> Result<Source> {
        let options = self.options.clone();
        let lines = |name: String, reader: Box<dyn Read + Send>| -> Result<Source> {
            let (reader, compression) = decompress(reader).map_err(|e| {
                Error::input(
                    Location {
                        file: name.clone(),
                        line: None,
                    },
                    format!("cannot read: {e}"),
                )
            })?;
            Ok(Box::new(JsonLines::new(
                name,
                reader,
                compression,
                options.clone(),
            )))
        };
        match pending {
            Pending::Reader(name, reader) => lines(name, reader),
            Pending::Input(Input::Stdin) => lines("<stdin>".into(), Box::new(std::io::stdin())),
            Pending::Input(Input::Path(path)) => {
                let name = path.display().to_string();
                let whole = Location {
                    file: name.clone(),
                    line: None,
                };
                let meta = std::fs::metadata(&path)
                    .map_err(|e| Error::input(whole.clone(), format!("cannot open: {e}")))?;
                if meta.is_dir() {
                    let (files, errors) = text::walk(&path);
                    let errors = errors.into_iter().map(Err);
                    Ok(Box::new(errors.chain(TextFiles::new(files, options))))
                } else if is_single_text_file(&path) {
                    let file = TextFile {
                        id: name.replace('\\', "/"),
                        path,
                    };
                    Ok(Box::new(TextFiles::new(vec![file], options)))
                } else {
                    let file = std::fs::File::open(&path)
                        .map_err(|e| Error::input(whole, format!("cannot open: {e}")))?;
                    lines(name, Box::new(file))
                }
            }
        }
    }

    /// Applies the policy to a bad record: `Some(error)` to yield (and stop), `None` to go on.
    fn bad(&mut self, error: Error) -> Option<Error> {
        match self.options.on_error {
            OnError::Skip => {
                self.skipped_total += 1;
                self.skipped.push(error);
                None
            }
            OnError::Fail => {
                self.stopped = true;
                Some(error)
            }
        }
    }
}

impl Iterator for Corpus {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        while !self.stopped {
            let Some(source) = self.current.as_mut() else {
                let pending = self.pending.pop_front()?;
                match self.open_next(pending) {
                    Ok(source) => self.current = Some(source),
                    Err(e) => {
                        if let Some(e) = self.bad(e) {
                            return Some(Err(e));
                        }
                    }
                }
                continue;
            };
            let error = match source.next() {
                None => {
                    self.current = None;
                    continue;
                }
                Some(Err(e)) => e,
                Some(Ok(record)) => {
                    let key = xxhash_rust::xxh3::xxh3_128(record.doc.id.as_bytes());
                    if self.seen.insert(key) {
                        self.records += 1;
                        self.bytes += record.bytes;
                        return Some(Ok(record));
                    }
                    Error::input(
                        record.location,
                        format!(
                            "duplicate id `{}`: an earlier record has the same id",
                            record.doc.id
                        ),
                    )
                }
            };
            if let Some(e) = self.bad(error) {
                return Some(Err(e));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn ids(corpus: &mut Corpus) -> Vec<String> {
        corpus.map(|r| r.unwrap().doc.id).collect()
    }

    fn jsonl(ids: &[&str]) -> String {
        ids.iter()
            .map(|id| format!("{{\"id\":\"{id}\",\"text\":\"text of {id}\"}}\n"))
            .collect()
    }

    /// Files give their size on disk, which with the records read so far estimates the
    /// records to come; standard input and directories give none.
    #[test]
    fn input_bytes_are_known_for_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        std::fs::write(&a, jsonl(&["a1", "a2"])).unwrap();
        std::fs::write(&b, jsonl(&["b1", "b2", "b3"])).unwrap();
        let size = |inputs: &[Input]| {
            Corpus::open(inputs, IngestOptions::default())
                .unwrap()
                .input_bytes()
        };
        let files = [Input::Path(a.clone()), Input::Path(b.clone())];
        let total = std::fs::metadata(&a).unwrap().len() + std::fs::metadata(&b).unwrap().len();
        assert_eq!(size(&files), Some(total));
        let mut corpus = Corpus::open(&files, IngestOptions::default()).unwrap();
        assert_eq!(ids(&mut corpus).len(), 5);
        // Every byte is a record's (its line end included): bytes read / records read is the
        // size of a record on disk.
        assert_eq!(corpus.bytes(), total);
        let mut corpus = Corpus::open(&files, IngestOptions::default()).unwrap();
        let first: Vec<Record> = corpus.by_ref().take(2).map(Result::unwrap).collect();
        let expected = expected_records(total, &first).unwrap();
        assert!((4..=6).contains(&expected), "{expected}");
        assert_eq!(expected_records(total, &[]), None);
        assert_eq!(size(&[Input::Path(a.clone()), Input::Stdin]), None);
        assert_eq!(size(&[Input::Path(dir.path().to_path_buf())]), None);
    }

    #[test]
    fn mixed_inputs_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("docs/sub")).unwrap();
        std::fs::write(root.join("docs/sub/b.txt"), "b").unwrap();
        std::fs::write(root.join("docs/a.md"), "a").unwrap();
        std::fs::write(root.join("one.txt"), "single").unwrap();
        std::fs::write(root.join("c.jsonl"), jsonl(&["c1", "c2"])).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(jsonl(&["g1"]).as_bytes()).unwrap();
        // The name says nothing: compression is found from the content.
        std::fs::write(root.join("g.data"), gz.finish().unwrap()).unwrap();
        std::fs::write(
            root.join("z.jsonl"),
            zstd::encode_all(jsonl(&["z1"]).as_bytes(), 3).unwrap(),
        )
        .unwrap();
        let inputs: Vec<Input> = ["docs", "one.txt", "c.jsonl", "g.data", "z.jsonl"]
            .iter()
            .map(|p| Input::Path(root.join(p)))
            .collect();
        let mut corpus = Corpus::open(&inputs, IngestOptions::default()).unwrap();
        let got = ids(&mut corpus);
        let single = root.join("one.txt").display().to_string();
        assert_eq!(
            got,
            ["a.md", "sub/b.txt", single.as_str(), "c1", "c2", "g1", "z1"]
        );
        assert_eq!(corpus.records(), 7);
        assert_eq!(corpus.skipped(), 0);
    }

    #[test]
    fn a_missing_path_fails_at_open() {
        let err = Corpus::open(
            &[Input::from_arg("/no/such/file.jsonl")],
            IngestOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot open input /no/such/file.jsonl: ")
        );
    }

    #[test]
    fn duplicates_are_skipped_and_counted_or_fail() {
        let input = jsonl(&["a", "b", "a", "c", "b"]);
        let mut corpus =
            Corpus::from_reader("in", Cursor::new(input.clone()), IngestOptions::default());
        assert_eq!(ids(&mut corpus), ["a", "b", "c"]);
        assert_eq!(corpus.skipped(), 2);
        let skipped: Vec<String> = corpus
            .drain_skipped()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            skipped,
            [
                "in line 3: duplicate id `a`: an earlier record has the same id",
                "in line 5: duplicate id `b`: an earlier record has the same id",
            ]
        );
        assert!(corpus.drain_skipped().is_empty());

        let options = IngestOptions {
            on_error: OnError::Fail,
            ..IngestOptions::default()
        };
        let corpus = Corpus::from_reader("in", Cursor::new(input), options);
        let out: Vec<_> = corpus.collect();
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[2].as_ref().unwrap_err().to_string(),
            "in line 3: duplicate id `a`: an earlier record has the same id"
        );
    }

    #[test]
    fn empty_documents_are_records() {
        let input = "{\"id\":\"e\",\"text\":\"\"}\n{\"id\":\"w\",\"text\":\"  \\n \"}\n";
        let mut corpus = Corpus::from_reader("in", Cursor::new(input), IngestOptions::default());
        assert_eq!(ids(&mut corpus), ["e", "w"]);
        assert_eq!(corpus.skipped(), 0);
    }

    fn truncated_case(bytes: Vec<u8>, kind: &str) {
        let mut corpus = Corpus::from_reader("t", Cursor::new(bytes), IngestOptions::default());
        let got = ids(&mut corpus);
        assert!(
            got.len() < 2000,
            "{kind}: all records read from a truncated stream"
        );
        assert!(got.iter().enumerate().all(|(i, id)| *id == format!("d{i}")));
        assert_eq!(corpus.skipped(), 1, "{kind}");
        let message = corpus.drain_skipped()[0].to_string();
        let expected = format!(
            "t line {}: truncated or corrupt {kind} data: ",
            got.len() + 1
        );
        assert!(message.starts_with(&expected), "{message}");
    }

    #[test]
    fn truncated_gzip_and_zstd_are_reported_at_their_line() {
        let ids: Vec<String> = (0..2000).map(|i| format!("d{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let text = jsonl(&refs);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let mut gz = gz.finish().unwrap();
        gz.truncate(gz.len() / 2);
        truncated_case(gz, "gzip");

        let mut zst = zstd::encode_all(text.as_bytes(), 3).unwrap();
        zst.truncate(zst.len() / 2);
        truncated_case(zst, "zstd");
    }

    #[test]
    fn fail_stops_at_the_first_bad_record() {
        let input = "{\"id\":\"a\",\"text\":\"x\"}\nnot json\n{\"id\":\"b\",\"text\":\"y\"}\n";
        let options = IngestOptions {
            on_error: OnError::Fail,
            ..IngestOptions::default()
        };
        let out: Vec<_> = Corpus::from_reader("f.jsonl", Cursor::new(input), options).collect();
        assert_eq!(out.len(), 2);
        let err = out[1].as_ref().unwrap_err();
        assert!(matches!(
            err,
            Error::Input { location, .. } if location.line == Some(2) && location.file == "f.jsonl"
        ));
    }

    /// A 100 MB single-line document is refused under the default limit without being held in
    /// memory, and read whole when the limit allows it.
    #[test]
    fn a_100_mb_single_line_document() {
        const SIZE: usize = 100 * 1000 * 1000;
        let mut line = Vec::with_capacity(SIZE + 64);
        line.extend_from_slice(b"{\"id\":\"huge\",\"text\":\"");
        while line.len() < SIZE {
            line.extend_from_slice(b"word ");
        }
        line.extend_from_slice(b"\"}\n{\"id\":\"small\",\"text\":\"after\"}\n");
        let line = std::sync::Arc::new(line);

        let mut corpus = Corpus::from_reader(
            "big.jsonl",
            Cursor::new(ArcBytes(line.clone())),
            IngestOptions::default(),
        );
        assert_eq!(ids(&mut corpus), ["small"]);
        let skipped = corpus.drain_skipped();
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0].to_string().starts_with(
                "big.jsonl line 1: record of 100000003 bytes is larger than the limit of 67108864 bytes"
            ),
            "{}",
            skipped[0]
        );

        let options = IngestOptions {
            max_doc_bytes: 128 * 1024 * 1024,
            ..IngestOptions::default()
        };
        let mut corpus = Corpus::from_reader("big.jsonl", Cursor::new(ArcBytes(line)), options);
        let huge = corpus.next().unwrap().unwrap();
        assert_eq!(huge.doc.id, "huge");
        assert!(huge.doc.text.len() >= SIZE - 30);
        assert_eq!(corpus.next().unwrap().unwrap().doc.id, "small");
        assert!(corpus.next().is_none());
    }

    /// Shared bytes, so the test holds the 100 MB once.
    struct ArcBytes(std::sync::Arc<Vec<u8>>);

    impl AsRef<[u8]> for ArcBytes {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }

    #[test]
    fn original_json_is_the_raw_line_or_id_and_text() {
        let input = "{\"id\":\"a\",\"text\":\"x\",\"lang\":\"en\"}\n";
        let options = IngestOptions {
            keep_raw: true,
            ..IngestOptions::default()
        };
        let mut corpus = Corpus::from_reader("in", Cursor::new(input), options);
        let r = corpus.next().unwrap().unwrap();
        assert_eq!(
            r.original_json(),
            "{\"id\":\"a\",\"text\":\"x\",\"lang\":\"en\"}"
        );
        let plain = Record {
            doc: Document::new("d/e.txt", "line \"one\"\n"),
            location: r.location,
            bytes: 0,
            raw: None,
        };
        assert_eq!(
            plain.original_json(),
            "{\"id\":\"d/e.txt\",\"text\":\"line \\\"one\\\"\\n\"}"
        );
    }
}
