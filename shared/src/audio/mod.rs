//! Decoding and resampling: audio files to the mono f32 signal the features are computed on.

#[cfg(feature = "decode")]
pub mod decode;

/// The file extensions of the containers the `decode` feature opens (MP3, WAV, FLAC,
/// OGG/Vorbis), lower case: what a folder walk picks up as audio.
pub const EXTENSIONS: &[&str] = &["mp3", "wav", "wave", "flac", "ogg", "oga"];

#[cfg(feature = "decode")]
pub use decode::{Decoded, decode, decode_prefix, load, load_decoded};
