//! Integration tests of the engine library (one test binary, one module per topic).

mod example_corpus;
