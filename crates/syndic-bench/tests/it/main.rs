//! Integration tests of syndic-bench: the engine's quality on a generated corpus.

mod engine_quality;
