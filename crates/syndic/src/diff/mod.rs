//! What changed between two versions (filled in by the diff work).
