//! The library's one error type.
//!
//! Every fallible function of the engine returns [`Result`]. Errors that come from reading input
//! name the input (file or stream) and the line, so a user can find the record at fault.

use std::fmt;

/// Where an input record came from: a file (or `-` for stdin) and a 1-based line number
/// (for JSON Lines) or `None` for whole-file documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The input's name as the user gave it (a path, or `-` for stdin).
    pub file: String,
    /// 1-based line number in the (decompressed) input, where the input has lines.
    pub line: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// The engine's error type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error while reading or writing `context`.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An input record that cannot be used (bad UTF-8, bad JSON, missing field, ...).
    #[error("{location}: {message}")]
    Input {
        /// Where the record is.
        location: Location,
        /// What is wrong with it, in words a user understands.
        message: String,
    },
    /// A configuration value outside its valid range.
    #[error("invalid setting `{name}`: {message}")]
    Config {
        /// The setting's name, as the CLI flag spells it.
        name: &'static str,
        /// Why the value is rejected.
        message: String,
    },
    /// A persisted store that cannot be opened or is corrupt.
    #[error("store: {0}")]
    Store(String),
    /// A document id that is not known.
    #[error("unknown document id `{0}`")]
    UnknownId(String),
}

impl Error {
    /// An [`Error::Io`] with the given context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// An [`Error::Input`] at the given location.
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            message: message.into(),
        }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
