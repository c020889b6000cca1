//! Cross-crate end-to-end tests and the fixtures they run on.
//!
//! [`synth`] makes seeded, music-like audio; [`mp3`] encodes it with LAME, a real encoder, so
//! the decoder is tested on the kind of file users have. The `make-mp3` binary writes the
//! fixtures the browser tests (`tests/e2e`) upload.

pub mod mp3;
pub mod synth;
