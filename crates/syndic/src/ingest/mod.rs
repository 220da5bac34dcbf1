//! Reading corpora: directories, JSON Lines, stdin, gzip and zstd (filled in by the ingest work).
