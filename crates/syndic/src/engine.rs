//! The batch driver: ingest → versions → records (filled in by the ingest/CLI work).
