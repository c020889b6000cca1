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
