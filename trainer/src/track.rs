//! Files to tracks for every stage and tool: the core's one loader
//! ([`genrescope_core::audio::load_track`], whose damage policy is documented there) behind a
//! path, with one vocabulary of reasons (`missing`, `unreadable`, `empty`, `not audio`,
//! `corrupt`, `truncated`, `too short`) that failures.csv, the tools' messages and the tests
//! share.

use std::fmt;
use std::fs;
use std::io;
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
}

impl TrackError {
    /// The reason's first word(s), as failures.csv starts it: `missing`, `unreadable`,
    /// `empty`, `not audio`, `corrupt`, `truncated`, `too short`.
    pub fn kind(&self) -> &'static str {
        match self {
            TrackError::Missing => "missing",
            TrackError::Unreadable(_) | TrackError::Store(_) => "unreadable",
            TrackError::Audio(e) => match e {
                CoreError::Empty => "empty",
                CoreError::Malformed(_) => "corrupt",
                CoreError::Damaged(d) if d.truncated_after.is_some() => "truncated",
                CoreError::Damaged(_) => "corrupt",
                CoreError::OffsetPastEnd { .. } | CoreError::TooShort { .. } => "too short",
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
            // These already start with their kind.
            TrackError::Audio(
                e @ (CoreError::Empty | CoreError::Damaged(_) | CoreError::TooShort { .. }),
            ) => write!(f, "{e}"),
            TrackError::Audio(e) => write!(f, "{}: {e}", self.kind()),
        }
    }
}

impl std::error::Error for TrackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TrackError::Missing | TrackError::Store(_) => None,
            TrackError::Unreadable(e) => Some(e),
            TrackError::Audio(e) => Some(e),
        }
    }
}

impl From<CoreError> for TrackError {
    fn from(e: CoreError) -> Self {
        TrackError::Audio(e)
    }
}

/// A track's failure with its file: `path: kind: what is wrong`.
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
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

/// The window of the file at `path` (decoding stops once it is complete), under `policy`.
pub fn load(path: &Path, window: &Window, policy: DamagePolicy) -> Result<Track, TrackError> {
    Ok(audio::load_track(read(path)?, hint(path), window, policy)?)
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
            Ok(audio::load_track(bytes.to_vec(), hint, window, policy)?)
        }
    }
}

/// The whole file at `path`, decoded once at its own rate, under `policy`: for a caller that
/// cuts several windows ([`Decoded::cut`]).
pub fn decode(path: &Path, policy: DamagePolicy) -> Result<(Decoded, audio::Damage), TrackError> {
    Ok(audio::decode_track(read(path)?, hint(path), policy, None)?)
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
