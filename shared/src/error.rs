//! The one error type of the core crate.

use std::fmt;

/// Everything that can go wrong in `genrescope-core`.
///
/// Messages are short and lowercase, and carry the value that was wrong.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not audio, or a format the decoder cannot open.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// The stream was recognised but its contents are damaged or truncated.
    #[error("malformed stream: {0}")]
    Malformed(String),
    /// The stream decoded, but held no audio samples.
    #[error("no audio: {0}")]
    NoAudio(String),
    /// The file has no bytes at all.
    #[error("empty: the file has 0 bytes")]
    Empty,
    /// The stream decoded with damage (corrupt frames skipped, or cut off mid-frame) and the
    /// caller's [`DamagePolicy`](crate::audio::DamagePolicy) refuses damaged tracks.
    #[error("{0}")]
    Damaged(crate::audio::Damage),
    /// The file decodes to more audio than the caller's [`Limits`](crate::audio::Limits)
    /// allow (decoding stopped at the cap).
    #[error("{0}")]
    OverCap(crate::audio::OverCap),
    /// The requested offset lies at or beyond the end of the audio.
    #[error("no audio: offset {offset} s is past the end of the audio ({duration:.3} s)")]
    OffsetPastEnd {
        /// The requested offset in seconds.
        offset: f64,
        /// The audio's duration in seconds.
        duration: f64,
    },
    /// Less audio after the offset than the caller's window accepts.
    #[error(
        "too short: {seconds:.2} s of audio after the offset, below the {min_seconds} s the window needs"
    )]
    TooShort {
        /// Seconds of audio after the offset.
        seconds: f64,
        /// The least the window accepts.
        min_seconds: f64,
    },
    /// A parameter is outside what the computation accepts.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The librosa-style name of the parameter.
        name: &'static str,
        /// What is wrong with its value, including the value.
        reason: String,
    },
    /// An unknown feature name.
    #[error("unknown feature '{0}' (known: {known})", known = crate::features::Feature::names_joined())]
    UnknownFeature(String),
    /// A model bundle that cannot be used: bad manifest, or weights that do not match it.
    #[error("bundle: {0}")]
    Bundle(String),
    /// A file a bundle or a model needs could not be had (not in the folder, not fetched).
    #[error("bundle: {file}: {reason}")]
    MissingFile {
        /// The file, as the manifest names it.
        file: String,
        /// Why it could not be had.
        reason: String,
    },
    /// The device a model runs on failed or cannot do what was asked (a GPU that lost its
    /// device, a read the browser only allows asynchronously): another device may succeed.
    #[error("device: {0}")]
    Device(String),
    /// Reading the input failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Builds an [`Error::InvalidParameter`].
    pub fn invalid(name: &'static str, reason: impl fmt::Display) -> Self {
        Error::InvalidParameter {
            name,
            reason: reason.to_string(),
        }
    }
}

/// The core crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
