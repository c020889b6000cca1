//! The web app's errors: [`AppError`], what went wrong and with which file, and
//! [`WorkerError`], the form in which an error crosses from a worker to the page with its
//! [`ErrorKind`] intact.

use std::sync::Arc;

use genrescope_core::audio::OverCap;
use serde::{Deserialize, Serialize};

/// What kind of failure an error is: what the page can act on (the `data-kind` of `#error`
/// and of a result card that could not load its models), whichever side it happened on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The browser could not hand over the file's bytes.
    Read,
    /// The bytes are not audio the decoder understands.
    Decode,
    /// The audio is damaged (corrupt frames, cut off) and was refused.
    Damaged,
    /// The file holds no audio: no bytes, no samples or no sample rate.
    NoAudio,
    /// The track runs longer than the page analyses.
    TooLong,
    /// Feature extraction failed on the decoded signal.
    Features,
    /// A file the page needs (the models) could not be fetched: missing, or the network.
    Fetch,
    /// Model files that were fetched but cannot be used: a bad manifest or weights.
    Bundle,
    /// A loaded model failed to run.
    Model,
    /// Anything else: a fault of the page or its workers, not of the file.
    Internal,
}

impl ErrorKind {
    /// Whether the chosen file is at fault (another file may work), not the page or its models.
    pub fn is_the_files(self) -> bool {
        matches!(
            self,
            ErrorKind::Read
                | ErrorKind::Decode
                | ErrorKind::Damaged
                | ErrorKind::NoAudio
                | ErrorKind::TooLong
        )
    }

    /// The kind as a stable lowercase word (its serde name), for `data-kind`.
    pub fn key(self) -> &'static str {
        match self {
            ErrorKind::Read => "read",
            ErrorKind::Decode => "decode",
            ErrorKind::Damaged => "damaged",
            ErrorKind::NoAudio => "no_audio",
            ErrorKind::TooLong => "too_long",
            ErrorKind::Features => "features",
            ErrorKind::Fetch => "fetch",
            ErrorKind::Bundle => "bundle",
            ErrorKind::Model => "model",
            ErrorKind::Internal => "internal",
        }
    }
}

/// An error as it travels in the worker protocol ([`crate::protocol`]): its kind, the file it
/// concerns, and the message [`AppError`] wrote. It displays as that message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct WorkerError {
    /// What kind of failure it is.
    pub kind: ErrorKind,
    /// The file it concerns: the user's file, or a model file the page fetched.
    pub file: Option<String>,
    /// What the user reads.
    pub message: String,
}

impl WorkerError {
    /// An error of `kind` with `message`, about no file in particular.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        WorkerError {
            kind,
            file: None,
            message: message.into(),
        }
    }
}

impl From<&AppError> for WorkerError {
    fn from(error: &AppError) -> Self {
        match error {
            // Already in the protocol's form: as it came.
            AppError::Worker(e) => e.clone(),
            _ => WorkerError {
                kind: error.kind(),
                file: error.file().map(str::to_string),
                message: error.to_string(),
            },
        }
    }
}

impl From<AppError> for WorkerError {
    fn from(error: AppError) -> Self {
        WorkerError::from(&error)
    }
}

/// Everything the page can report in `#error`.
///
/// Each message names the file, so a user who tried several files knows which one failed.
/// Core errors are kept (behind an [`Arc`], so the error can live in a signal) as the source.
/// A worker sends its errors to the page as a [`WorkerError`], which the page keeps as
/// [`AppError::Worker`], with the same message and kind.
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
    /// The file decodes to more audio than the page analyses: longer than its minutes, or (at a
    /// high sample rate) more samples than its memory cap.
    #[error("{}", too_long(file, cap))]
    TooLong {
        /// The file's name.
        file: String,
        /// The cap it passed.
        cap: OverCap,
    },
    /// Feature extraction failed on a decoded signal.
    #[error("could not compute the features of \"{file}\": {source}")]
    Features {
        /// The file's name.
        file: String,
        /// The core's error.
        source: Arc<genrescope_core::Error>,
    },
    /// A file the page needs could not be fetched.
    #[error("{url}: {reason}")]
    Fetch {
        /// Its address, relative to the page.
        url: String,
        /// What the browser or the server said (`HTTP 404`, …).
        reason: String,
    },
    /// Model files that were fetched but cannot be used.
    #[error("{file}: {reason}")]
    Bundle {
        /// The file, or the folder of the set.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A loaded model failed to run.
    #[error("{what}: {source}")]
    Model {
        /// What was under way (`could not predict the genre`, or the model's file).
        what: String,
        /// The core's error.
        source: Arc<genrescope_core::Error>,
    },
    /// A fault of the page or its workers: a message lost, a worker stopped.
    #[error("{0}")]
    Internal(String),
    /// An error a worker reported, as it sent it.
    #[error("{0}")]
    Worker(WorkerError),
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

    /// Wraps a model's failure while doing `what`.
    pub fn model(what: impl Into<String>, source: genrescope_core::Error) -> Self {
        AppError::Model {
            what: what.into(),
            source: Arc::new(source),
        }
    }

    /// What kind of failure this is. A decoding error is [`ErrorKind::Damaged`] or
    /// [`ErrorKind::NoAudio`] when the decoder says so, else [`ErrorKind::Decode`].
    pub fn kind(&self) -> ErrorKind {
        use genrescope_core::Error as Core;
        match self {
            AppError::Read { .. } => ErrorKind::Read,
            AppError::Decode { source, .. } => match source.as_ref() {
                Core::Damaged(_) => ErrorKind::Damaged,
                Core::Empty | Core::NoAudio(_) => ErrorKind::NoAudio,
                Core::Io(_) => ErrorKind::Read,
                _ => ErrorKind::Decode,
            },
            AppError::NoAudio { .. } => ErrorKind::NoAudio,
            AppError::TooLong { .. } => ErrorKind::TooLong,
            AppError::Features { .. } => ErrorKind::Features,
            AppError::Fetch { .. } => ErrorKind::Fetch,
            AppError::Bundle { .. } => ErrorKind::Bundle,
            AppError::Model { .. } => ErrorKind::Model,
            AppError::Internal(_) => ErrorKind::Internal,
            AppError::Worker(e) => e.kind,
        }
    }

    /// The file the error concerns, if it names one.
    pub fn file(&self) -> Option<&str> {
        match self {
            AppError::Read { file, .. }
            | AppError::Decode { file, .. }
            | AppError::NoAudio { file, .. }
            | AppError::TooLong { file, .. }
            | AppError::Features { file, .. }
            | AppError::Bundle { file, .. } => Some(file),
            AppError::Fetch { url, .. } => Some(url),
            AppError::Worker(e) => e.file.as_deref(),
            AppError::Model { .. } | AppError::Internal(_) => None,
        }
    }
}

impl From<WorkerError> for AppError {
    fn from(error: WorkerError) -> Self {
        AppError::Worker(error)
    }
}

/// The message of [`AppError::TooLong`]: the page's own words for the core's cap.
fn too_long(file: &str, cap: &OverCap) -> String {
    if cap.by_samples() {
        let limits = cap.limits;
        format!(
            "\"{file}\" is more audio than the page decodes: at {rate} Hz it passes {samples} \
             samples ({mb} MB, the first {first} of it); try `genrescope features` for this one",
            rate = cap.rate,
            samples = limits.max_samples,
            mb = limits.max_bytes() / 1_000_000,
            first = genrescope_core::audio::clock(limits.max_samples as f64 / f64::from(cap.rate)),
        )
    } else {
        format!(
            "\"{file}\" runs longer than {} minutes, the most the page analyses; try a shorter \
             track, or `genrescope features` for this one",
            cap.limits.max_seconds / 60.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Through serde_json, the encoding of the protocol's `json` field.
    fn round_trip(error: &WorkerError) -> WorkerError {
        let json = serde_json::to_string(error).unwrap();
        serde_json::from_str(&json).unwrap()
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn an_error_keeps_its_kind_file_and_message_across_the_protocol() {
        let cases = [
            (
                AppError::decode(
                    "noise.mp3",
                    genrescope_core::Error::Unsupported("no reader".into()),
                ),
                ErrorKind::Decode,
                Some("noise.mp3"),
            ),
            (
                AppError::decode("empty.mp3", genrescope_core::Error::Empty),
                ErrorKind::NoAudio,
                Some("empty.mp3"),
            ),
            (
                AppError::TooLong {
                    file: "long.mp3".into(),
                    cap: OverCap {
                        limits: crate::analysis::LIMITS,
                        rate: 44_100,
                    },
                },
                ErrorKind::TooLong,
                Some("long.mp3"),
            ),
            (
                AppError::Fetch {
                    url: "models/manifest.json".into(),
                    reason: "HTTP 404".into(),
                },
                ErrorKind::Fetch,
                Some("models/manifest.json"),
            ),
            (
                AppError::model(
                    "could not predict the genre",
                    genrescope_core::Error::Bundle("shape".into()),
                ),
                ErrorKind::Model,
                None,
            ),
            (
                AppError::Internal("the signal at 16000 Hz came without values".into()),
                ErrorKind::Internal,
                None,
            ),
        ];
        for (error, kind, file) in cases {
            let sent = WorkerError::from(&error);
            let got = round_trip(&sent);
            assert_eq!(got, sent);
            assert_eq!((got.kind, got.file.as_deref()), (kind, file), "{error}");
            // The page's error reads as the worker's did, and keeps its kind.
            let shown = AppError::from(got);
            assert_eq!(shown.to_string(), error.to_string());
            assert_eq!(shown.kind(), kind);
            assert_eq!(shown.file(), file);
        }
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn kinds_travel_as_their_keys() {
        for kind in [
            ErrorKind::Read,
            ErrorKind::Decode,
            ErrorKind::Damaged,
            ErrorKind::NoAudio,
            ErrorKind::TooLong,
            ErrorKind::Features,
            ErrorKind::Fetch,
            ErrorKind::Bundle,
            ErrorKind::Model,
            ErrorKind::Internal,
        ] {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.key())
            );
        }
        assert!(ErrorKind::TooLong.is_the_files() && !ErrorKind::Fetch.is_the_files());
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn messages_the_end_to_end_tests_read_are_unchanged() {
        let e = AppError::decode(
            "corrupt.mp3",
            genrescope_core::Error::Unsupported("x".into()),
        );
        assert!(
            e.to_string()
                .starts_with("could not decode \"corrupt.mp3\": "),
            "{e}"
        );
        let e = WorkerError::from(AppError::TooLong {
            file: "long.mp3".into(),
            cap: OverCap {
                limits: crate::analysis::LIMITS,
                rate: 44_100,
            },
        });
        assert!(
            e.to_string().starts_with(
                "\"long.mp3\" runs longer than 10 minutes, the most the page analyses"
            ),
            "{e}"
        );
        // At 384 kHz the samples run out first: the cap is named in samples and megabytes.
        let e = AppError::TooLong {
            file: "hires.wav".into(),
            cap: OverCap {
                limits: crate::analysis::LIMITS,
                rate: 384_000,
            },
        };
        assert_eq!(
            e.to_string(),
            "\"hires.wav\" is more audio than the page decodes: at 384000 Hz it passes \
             57600000 samples (230 MB, the first 2:30 of it); try `genrescope features` for \
             this one"
        );
    }
}
