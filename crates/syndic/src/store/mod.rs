//! Persistence of the engine state behind a small trait (filled in by the live-index work).
