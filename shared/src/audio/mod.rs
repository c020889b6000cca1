//! Decoding and resampling: audio files to the mono f32 signal the features are computed on.

#[cfg(feature = "decode")]
pub mod decode;

#[cfg(feature = "decode")]
pub use decode::{Decoded, decode, decode_prefix, load, load_decoded};
