//! Plain-text documents: a directory of `.txt`/`.md` files, one document per file.
//!
//! The central type is [`TextFiles`], an iterator of records over a list of files found by
//! [`walk`]. The list (paths only, no text) is gathered up front and sorted by id, so the order
//! does not depend on the file system; each file is read only when its turn comes. A document's
//! id is its path relative to the directory, with `/` separators on every platform (`a/b.txt`).
//! Symbolic links to files are followed; links to directories are not (no cycles).

use super::{IngestOptions, Record};
use crate::document::Document;
use crate::error::{Error, Location, Result};
use crate::ingest::open::decompress;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// True when `path` names a text document by its extension (`.txt`, `.md`, any case).
pub fn is_text_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"))
}

/// One text file to read: its id and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextFile {
    /// The document id.
    pub id: String,
    /// The file's path.
    pub path: PathBuf,
}

/// Lists the text files under `dir`, recursively, sorted by id. Entries that cannot be listed
/// or have names that are not UTF-8 come back as errors (the caller skips or fails).
pub fn walk(dir: &Path) -> (Vec<TextFile>, Vec<Error>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = stack.pop() {
        let entries = match fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(whole_file_error(
                    &path,
                    format!("cannot list directory: {e}"),
                ));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    errors.push(whole_file_error(
                        &path,
                        format!("cannot list directory: {e}"),
                    ));
                    continue;
                }
            };
            let child = entry.path();
            let Ok(file_type) = entry.file_type() else {
                errors.push(whole_file_error(&child, "cannot read file type".into()));
                continue;
            };
            let is_dir = file_type.is_dir();
            let is_file = file_type.is_file()
                || (file_type.is_symlink() && fs::metadata(&child).is_ok_and(|m| m.is_file()));
            if !(is_dir || is_file && is_text_path(&child)) {
                continue;
            }
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                errors.push(whole_file_error(
                    &child,
                    "file name is not valid UTF-8".into(),
                ));
                continue;
            };
            let id = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if is_dir {
                stack.push((child, id));
            } else {
                files.push(TextFile { id, path: child });
            }
        }
    }
    files.sort_by(|a, b| a.id.cmp(&b.id));
    (files, errors)
}

fn whole_file_error(path: &Path, message: String) -> Error {
    Error::input(
        Location {
            file: path.display().to_string(),
            line: None,
        },
        message,
    )
}

/// Reads text files one at a time, in the given order.
#[derive(Debug)]
pub struct TextFiles {
    files: std::vec::IntoIter<TextFile>,
    options: IngestOptions,
}

impl TextFiles {
    /// A reader of `files`, in order.
    pub fn new(files: Vec<TextFile>, options: IngestOptions) -> Self {
        TextFiles {
            files: files.into_iter(),
            options,
        }
    }
}

impl Iterator for TextFiles {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        let file = self.files.next()?;
        let location = Location {
            file: file.path.display().to_string(),
            line: None,
        };
        let max = self.options.max_doc_bytes;
        Some(
            read_text(&file.path, max)
                .map_err(|message| Error::input(location.clone(), message))
                .map(|(text, bytes)| Record {
                    doc: Document::new(file.id, text),
                    location,
                    bytes,
                    raw: None,
                }),
        )
    }
}

/// Reads one file's text (decompressed if need be), at most `max` bytes.
fn read_text(path: &Path, max: usize) -> std::result::Result<(String, u64), String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let (reader, compression) = decompress(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    reader
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| match compression.name() {
            Some(kind) => format!("truncated or corrupt {kind} data: {e}"),
            None => format!("read error: {e}"),
        })?;
    if bytes.len() > max {
        return Err(format!(
            "document is larger than the limit of {max} bytes (raise it with --max-doc-bytes)"
        ));
    }
    let size = bytes.len() as u64;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (byte {} of the file)",
            e.utf8_error().valid_up_to() + 1
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok((text, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_recursively_in_id_order_with_slash_ids() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/c")).unwrap();
        fs::write(root.join("b/c/deep.md"), "deep").unwrap();
        fs::write(root.join("b/one.txt"), "one").unwrap();
        fs::write(root.join("a.TXT"), "a").unwrap();
        fs::write(root.join("skip.json"), "{}").unwrap();
        fs::write(root.join("empty.txt"), "").unwrap();
        let (files, errors) = walk(root);
        assert!(errors.is_empty());
        let ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a.TXT", "b/c/deep.md", "b/one.txt", "empty.txt"]);
        let records: Vec<Record> = TextFiles::new(files, IngestOptions::default())
            .collect::<Result<_>>()
            .unwrap();
        let texts: Vec<&str> = records.iter().map(|r| r.doc.text.as_str()).collect();
        assert_eq!(texts, ["a", "deep", "one", ""]);
        assert_eq!(records[2].bytes, 3);
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("bad.txt"), b"ok \xc3\x28 no").unwrap();
        fs::write(root.join("big.txt"), "x".repeat(50)).unwrap();
        fs::write(root.join("bom.txt"), "\u{feff}text").unwrap();
        let (files, _) = walk(root);
        let options = IngestOptions {
            max_doc_bytes: 20,
            ..IngestOptions::default()
        };
        let out: Vec<std::result::Result<Record, String>> = TextFiles::new(files, options)
            .map(|r| r.map_err(|e| e.to_string()))
            .collect();
        let bad = root.join("bad.txt").display().to_string();
        assert_eq!(
            out[0].as_ref().unwrap_err(),
            &format!("{bad}: not valid UTF-8 (byte 4 of the file)")
        );
        assert!(out[1].as_ref().unwrap_err().ends_with(
            "big.txt: document is larger than the limit of 20 bytes (raise it with --max-doc-bytes)"
        ));
        assert_eq!(out[2].as_ref().unwrap().doc.text, "text");
    }
}
