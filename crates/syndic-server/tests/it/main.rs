//! Integration tests of the syndic service (one test binary for the crate).

mod api;
mod concurrency;
mod corpus;
mod openapi;
