//! Files to tracks for every stage and tool: the core's one loader
//! ([`genrescope_core::audio::load_track`], whose damage policy is documented there) behind a
//! path, with one vocabulary of reasons (`missing`, `unreadable`, `empty`, `not audio`,
//! `corrupt`, `truncated`, `too short`, `too long`) that failures.csv, the tools' messages and the tests
//! share.

use std::any::Any;
use std::fmt;
use std::fs;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use genrescope_core::Error as CoreError;
use genrescope_core::audio::{self, DamagePolicy, Decoded, Track, Window};

use crate::location::Location;

/// Why a file did not become a track.
#[derive(Debug)]
pub enum TrackError {
    /// There is no such file.
    Missing,
    /// The file is there but cannot be read.
    Unreadable(io::Error),
    /// The object store did not hand the object over (denied, unreachable).
    Store(String),
    /// The bytes were read; the core refused them.
    Audio(CoreError),
    /// Decoding the bytes panicked (a bug the file found): the panic's message.
    Internal(String),
}

impl TrackError {
    /// The reason's first word(s), as failures.csv starts it: `missing`, `unreadable`,
    /// `empty`, `not audio`, `corrupt`, `truncated`, `too short`, `too long`.
    pub fn kind(&self) -> &'static str {
        match self {
            TrackError::Missing => "missing",
            TrackError::Unreadable(_) | TrackError::Store(_) => "unreadable",
            TrackError::Internal(_) => "internal error",
            TrackError::Audio(e) => match e {
                CoreError::Empty => "empty",
                CoreError::Malformed(_) => "corrupt",
                CoreError::Damaged(d) if d.truncated_after.is_some() => "truncated",
                CoreError::Damaged(_) => "corrupt",
                CoreError::OffsetPastEnd { .. } | CoreError::TooShort { .. } => "too short",
                CoreError::OverCap(_) => "too long",
                _ => "not audio",
            },
        }
    }
}

impl fmt::Display for TrackError {
    /// `kind: what is wrong`, without the path (the caller's line names it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackError::Missing => f.write_str("missing: no such file"),
            TrackError::Unreadable(e) => write!(f, "unreadable: {e}"),
            TrackError::Store(e) => write!(f, "unreadable: {e}"),
            TrackError::Internal(e) => write!(f, "internal error while decoding: {e}"),
            // These already start with their kind.
            TrackError::Audio(
                e @ (CoreError::Empty
                | CoreError::Damaged(_)
                | CoreError::TooShort { .. }
                | CoreError::OverCap(_)),
            ) => write!(f, "{e}"),
            TrackError::Audio(e) => write!(f, "{}: {e}", self.kind()),
        }
    }
}

/// No `source`: the message already holds the cause's, and a chain printer (`{:#}`) would
/// repeat it.
impl std::error::Error for TrackError {}

impl From<CoreError> for TrackError {
    fn from(e: CoreError) -> Self {
        TrackError::Audio(e)
    }
}

/// A track's failure with its file: `path: kind: what is wrong`, on one line (the message
/// holds the cause's, so it is not a `source` as well).
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub error: TrackError,
}

fn read(path: &Path) -> Result<Vec<u8>, TrackError> {
    fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => TrackError::Missing,
        _ => TrackError::Unreadable(e),
    })
}

fn hint(path: &Path) -> Option<&str> {
    path.extension().and_then(|e| e.to_str())
}

/// The text of a caught panic's payload (`panic!`'s message), or a placeholder.
pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs the core on a stranger's bytes with a panic turned into [`TrackError::Internal`]: a
/// file that finds a bug costs that file, and the rest of a batch goes on.
fn guarded<T>(decode: impl FnOnce() -> Result<T, CoreError>) -> Result<T, TrackError> {
    match catch_unwind(AssertUnwindSafe(decode)) {
        Ok(result) => Ok(result?),
        Err(panic) => Err(TrackError::Internal(panic_message(&*panic))),
    }
}

/// The window of the file at `path` (decoding stops once it is complete), under `policy`.
pub fn load(path: &Path, window: &Window, policy: DamagePolicy) -> Result<Track, TrackError> {
    let bytes = read(path)?;
    guarded(|| audio::load_track(bytes, hint(path), window, policy))
}

/// The window of the file or object at `location`, under `policy`.
pub fn load_at(
    location: &Location,
    window: &Window,
    policy: DamagePolicy,
) -> Result<Track, TrackError> {
    match location {
        Location::Local(path) => load(path, window, policy),
        #[cfg(feature = "cloud")]
        Location::Remote(r) => {
            let bytes = r
                .get_opt()
                .map_err(|e| TrackError::Store(format!("{e:#}")))?
                .ok_or(TrackError::Missing)?;
            let name = r.name();
            let hint = Path::new(&name).extension().and_then(|e| e.to_str());
            guarded(|| audio::load_track(bytes.to_vec(), hint, window, policy))
        }
    }
}

/// The whole file at `path`, decoded once at its own rate, under `policy`: for a caller that
/// cuts several windows ([`Decoded::cut`]).
pub fn decode(path: &Path, policy: DamagePolicy) -> Result<(Decoded, audio::Damage), TrackError> {
    let bytes = read(path)?;
    guarded(|| audio::decode_track(bytes, hint(path), policy, &audio::Limits::HOUR))
}

/// Attaches the path: the error as a tool prints it.
pub fn with_path<T>(path: &Path, r: Result<T, TrackError>) -> Result<T, FileError> {
    r.map_err(|error| FileError {
        path: path.to_path_buf(),
        error,
    })
}

/// How the single-file tools record damage they analysed through: `damage` in their JSON
/// (`message`, `corrupt_frames`, `truncated_after` in seconds), absent for a clean file.
pub fn damage_json(damage: &audio::Damage) -> Option<serde_json::Value> {
    (!damage.is_none()).then(|| {
        serde_json::json!({
            "message": damage.to_string(),
            "corrupt_frames": damage.corrupt_frames,
            "truncated_after": damage.truncated_after,
        })
    })
}

/// The warning line a single-file tool prints for a damaged file it `did` anyway.
pub fn damage_warning(file: &str, damage: &audio::Damage, did: &str) -> String {
    format!(
        "genrescope: warning: {file}: {damage}; {did} what decoded (--strict refuses damaged files)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_decoding_is_that_files_internal_error() {
        let err = guarded(|| -> Result<(), CoreError> { panic!("index out of bounds") });
        let err = err.unwrap_err();
        assert_eq!(err.kind(), "internal error");
        assert_eq!(
            err.to_string(),
            "internal error while decoding: index out of bounds"
        );
        let at = 7;
        let err = guarded(|| -> Result<(), CoreError> { panic!("frame {at} is torn") });
        assert_eq!(
            err.unwrap_err().to_string(),
            "internal error while decoding: frame 7 is torn"
        );
        let err = guarded(|| -> Result<(), CoreError> { std::panic::panic_any(7u8) });
        assert_eq!(
            err.unwrap_err().to_string(),
            "internal error while decoding: a panic without a message"
        );
        let refused = guarded(|| -> Result<(), CoreError> { Err(CoreError::Empty) });
        assert_eq!(refused.unwrap_err().kind(), "empty");
        assert_eq!(guarded(|| Ok::<_, CoreError>(3)).unwrap(), 3);
    }
}
