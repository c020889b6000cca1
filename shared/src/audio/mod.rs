//! Decoding and resampling: audio files to the mono f32 signal the features are computed on.

use serde::{Deserialize, Serialize};

#[cfg(feature = "decode")]
pub mod decode;
#[cfg(feature = "decode")]
pub mod track;

/// The file extensions of the containers the `decode` feature opens (MP3, WAV, FLAC,
/// OGG/Vorbis), lower case: what a folder walk picks up as audio.
pub const EXTENSIONS: &[&str] = &["mp3", "wav", "wave", "flac", "ogg", "oga"];

#[cfg(feature = "decode")]
pub use decode::{Decoded, MAX_AMPLITUDE, decode, decode_prefix, load};
#[cfg(feature = "decode")]
pub use track::{DamagePolicy, Fit, Track, Window, decode_track, load_track};

/// The damage a decoded track shows. [`Damage::is_none`] when it decoded cleanly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Damage {
    /// Frames (packets) that failed to decode and were skipped.
    pub corrupt_frames: usize,
    /// Where the stream was cut off, in seconds of decoded audio, if it was.
    pub truncated_after: Option<f64>,
}

impl Damage {
    /// Whether the track decoded cleanly.
    pub fn is_none(&self) -> bool {
        self.corrupt_frames == 0 && self.truncated_after.is_none()
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.corrupt_frames, self.truncated_after) {
            (0, None) => f.write_str("no damage"),
            (n, None) => write!(f, "corrupt: {n} frames could not be decoded"),
            (0, Some(s)) => write!(f, "truncated: the stream ends mid-frame after {s:.2} s"),
            (n, Some(s)) => write!(
                f,
                "truncated: the stream ends mid-frame after {s:.2} s, and {n} frames could not be \
                 decoded"
            ),
        }
    }
}
