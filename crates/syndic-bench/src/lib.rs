//! # syndic-bench — a labelled news corpus and the benchmark of `syndic dedup`
//!
//! The pieces, one module each:
//! * [`corpus`]: the deterministic generator of a labelled JSON Lines corpus — originals and
//!   their versions at controlled edit strength, hard negatives that share stock phrases,
//!   singletons, boilerplate pages.
//! * [`truth`]: exact word-5-gram Jaccard and containment, independent of the engine.
//! * [`evaluate`]: scores a predictions file against a labelled corpus.
//! * [`quality`]: pair precision, pair recall, ARI and recall by Jaccard bucket.
//! * [`rng`]: the seeded generator behind the corpus.
//! * [`vocab`]: the self-written words and sentence templates.
//!
//! The `syndic-bench` binary drives them: `generate`, `bench`, `eval` (see the crate README).

pub mod corpus;
pub mod evaluate;
pub mod quality;
pub mod rng;
pub mod truth;
pub mod vocab;
