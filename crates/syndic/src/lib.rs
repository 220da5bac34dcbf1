//! # syndic — every version of every news story
//!
//! The engine behind the `syndic` command and service. It answers three questions about a
//! corpus or a live stream of news texts:
//!
//! 1. **Versions** ([`versions`]): which documents are versions of the same text — another
//!    dateline, other quotes and dashes, a caption or footer added, a paragraph rewritten.
//! 2. **Stories** ([`story`]): which documents report the same real-world event, though written
//!    independently.
//! 3. **What changed** ([`diff`]): what one version adds, drops or rewrites against another.
//!
//! The pipeline runs one way, each stage depending only on the ones before it:
//! [`ingest`] → [`document`] → [`normalize`] → [`shingle`] → [`minhash`] → [`lsh`] →
//! [`verify`] → [`versions`] → [`story`] → [`diff`], with persistence behind [`store`].
//!
//! ```
//! use syndic::{Document, versions::{VersionConfig, VersionIndex}};
//!
//! let original = "The city council voted on Tuesday to approve a new budget for the public \
//!     library system, which will extend opening hours at all twelve branches and hire \
//!     twenty new librarians, the mayor said in a statement after the meeting.";
//! let copy = format!("(NEW YORK) \u{2014} {original} All rights reserved.");
//! let other = "Heavy rain flooded several roads in the valley overnight, and the weather \
//!     service warned that more storms were expected to reach the coast by the weekend.";
//!
//! let mut index = VersionIndex::new(VersionConfig::default());
//! let a = index.add(&Document::new("a", original));
//! let b = index.add(&Document::new("b", copy));
//! let c = index.add(&Document::new("c", other));
//! assert_eq!(a.family, b.family);
//! assert_ne!(a.family, c.family);
//! ```
#![forbid(unsafe_code)]

pub mod diff;
pub mod document;
pub mod engine;
pub mod error;
mod families;
pub mod ingest;
pub mod lsh;
pub mod minhash;
pub mod normalize;
mod sets;
pub mod shingle;
pub mod store;
pub mod story;
pub mod verify;
pub mod versions;

pub use document::Document;
pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests so they cannot drift.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
