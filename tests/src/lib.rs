//! Cross-crate end-to-end tests and the fixtures they run on.
//!
//! The `make-mp3` binary writes the fixtures the browser tests (`tests/e2e`) upload, with the
//! trainer's seeded synthesiser and LAME encoder (`genrescope::demo`), so the decoder is
//! tested on the kind of file users have.
