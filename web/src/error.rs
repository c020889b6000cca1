//! The web app's one error type: what went wrong, and with which file.

use std::sync::Arc;

/// Everything the page can report in `#error`.
///
/// Each message names the file, so a user who tried several files knows which one failed.
/// Core errors are kept (behind an [`Arc`], so the error can live in a signal) as the source.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AppError {
    /// The browser could not hand over the file's bytes.
    #[error("could not read \"{file}\": {reason}")]
    Read {
        /// The file's name.
        file: String,
        /// What the browser said.
        reason: String,
    },
    /// The bytes are not audio the decoder understands, or are damaged.
    #[error("could not decode \"{file}\": {source}")]
    Decode {
        /// The file's name.
        file: String,
        /// The decoder's error.
        source: Arc<genrescope_core::Error>,
    },
    /// The file decoded, but to nothing that can be analysed.
    #[error("\"{file}\" holds no audio: {reason}")]
    NoAudio {
        /// The file's name.
        file: String,
        /// What was missing.
        reason: String,
    },
    /// The track runs longer than the page analyses.
    #[error(
        "\"{file}\" runs longer than {max_minutes} minutes, the most the page analyses; try a shorter track, or `genrescope features` for this one"
    )]
    TooLong {
        /// The file's name.
        file: String,
        /// The limit in minutes.
        max_minutes: f64,
    },
    /// The worker reported a failure, or stopped.
    #[error("{0}")]
    Worker(String),
    /// Feature extraction failed on a decoded signal.
    #[error("could not compute the features of \"{file}\": {source}")]
    Features {
        /// The file's name.
        file: String,
        /// The core's error.
        source: Arc<genrescope_core::Error>,
    },
}

impl AppError {
    /// Wraps a decoding error of `file`.
    pub fn decode(file: &str, source: genrescope_core::Error) -> Self {
        AppError::Decode {
            file: file.to_string(),
            source: Arc::new(source),
        }
    }

    /// Wraps a feature-extraction error of `file`.
    pub fn features(file: &str, source: genrescope_core::Error) -> Self {
        AppError::Features {
            file: file.to_string(),
            source: Arc::new(source),
        }
    }
}
