//! The one place a file becomes a track: [`load_track`] (a window of it, decoding only what the
//! window needs) and [`decode_track`] (the whole track, for callers that cut several windows),
//! both under one [`DamagePolicy`].
//!
//! The policy, the same for every caller (the CLI's stages and tools, the page's worker):
//! - **Corrupt frames** (packets that fail to decode are skipped as silence-free gaps) and
//!   **truncation** (the stream ends mid-frame, or well short of the length its header
//!   declares) are [`Damage`]. [`DamagePolicy::Refuse`] turns damage into
//!   [`Error::Damaged`]: the dataset stages use it, so a damaged download becomes a listed
//!   failure rather than a silently shorter training example. [`DamagePolicy::Analyse`] keeps
//!   what decoded and reports the damage in [`Track::damage`]: the single-file tools use it
//!   (with a warning on stderr and in their JSON; `--strict` switches them to `Refuse`), and
//!   so does the page (it shows the damage beside the track).
//! - **Short clips**: a window asks for `length` seconds from `offset`; [`Fit`] says what a
//!   shorter track gives: [`Fit::AsIs`] keeps what there is, [`Fit::Pad`] zero-pads to the
//!   length when at least `min_seconds` are there and refuses with [`Error::TooShort`]
//!   otherwise. An offset at or past the end is [`Error::OffsetPastEnd`]; an empty file is
//!   [`Error::Empty`].

use serde::{Deserialize, Serialize};

use super::Damage;
use super::Limits;
use super::decode::{Decoded, decode_frames_window, decode_within};
use crate::error::{Error, Result};

/// What to do with a track that decoded with damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DamagePolicy {
    /// A damaged track is an error ([`Error::Damaged`]).
    Refuse,
    /// A damaged track is analysed as far as it decoded; the damage is reported.
    Analyse,
}

impl Damage {
    /// The damage of a decoded track.
    pub fn of(decoded: &Decoded) -> Damage {
        Damage {
            corrupt_frames: decoded.bad_packets,
            truncated_after: decoded.truncated.then(|| decoded.duration()),
        }
    }
}

/// What a window gives when the track is shorter than it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fit {
    /// Whatever audio there is, up to the window's length.
    AsIs,
    /// Zero-padded to the window's length; fewer than `min_seconds` of audio is
    /// [`Error::TooShort`].
    Pad {
        /// The least audio (seconds after the offset) accepted.
        min_seconds: f64,
    },
}

/// The signal a caller wants from a track: `librosa.load(sr=sr, offset=offset,
/// duration=length)`, and what a short track gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// The sample rate to resample to, in Hz.
    pub sr: u32,
    /// Start in the track, in seconds.
    pub offset: f64,
    /// Length in seconds; the rest of the track when `None`.
    pub length: Option<f64>,
    /// What a shorter track gives.
    pub fit: Fit,
}

impl Window {
    /// The whole track at `sr`, as `librosa.load(path, sr=sr)`.
    pub fn whole(sr: u32) -> Window {
        Window {
            sr,
            offset: 0.0,
            length: None,
            fit: Fit::AsIs,
        }
    }
}

/// A window of a track, with what is known about how it decoded.
#[derive(Clone, Debug)]
pub struct Track {
    /// The mono signal at the window's rate (zero-padded when `padded`).
    pub samples: Vec<f32>,
    /// Whether the track was shorter than the window and zero-padded.
    pub padded: bool,
    /// The damage the decoded part showed (none under [`DamagePolicy::Refuse`]).
    pub damage: Damage,
    /// Seconds of audio the window held before padding.
    pub seconds: f64,
}

/// Decodes the window of `bytes` (`hint`: the file extension, if known) that `window` asks
/// for, stopping once it is complete, under `policy`.
pub fn load_track(
    bytes: Vec<u8>,
    hint: Option<&str>,
    window: &Window,
    policy: DamagePolicy,
) -> Result<Track> {
    let decoded = decode_frames_window(bytes, hint, window.sr, window.offset, window.length)?;
    let damage = check(&decoded, policy)?;
    let mut track = decoded.cut(window)?;
    track.damage = damage;
    Ok(track)
}

/// Decodes the whole of `bytes` under `policy`; a file that passes `limits` is refused
/// ([`Error::OverCap`]) once decoding reaches them. The track's windows are then cut with
/// [`Decoded::cut`] or [`Decoded::window`].
pub fn decode_track(
    bytes: Vec<u8>,
    hint: Option<&str>,
    policy: DamagePolicy,
    limits: &Limits,
) -> Result<(Decoded, Damage)> {
    let decoded = decode_within(bytes, hint, limits)?;
    let damage = check(&decoded, policy)?;
    Ok((decoded, damage))
}

fn check(decoded: &Decoded, policy: DamagePolicy) -> Result<Damage> {
    let damage = Damage::of(decoded);
    match policy {
        DamagePolicy::Refuse if !damage.is_none() => Err(Error::Damaged(damage)),
        _ => Ok(damage),
    }
}

impl Decoded {
    /// `window` of this decoded track, fitted as the window says (the damage is left empty:
    /// the caller knows it from decoding).
    pub fn cut(&self, window: &Window) -> Result<Track> {
        let mut samples = self.window(window.sr, window.offset, window.length)?;
        let sr = f64::from(window.sr);
        let seconds = samples.len() as f64 / sr;
        let mut padded = false;
        if let (Fit::Pad { min_seconds }, Some(length)) = (window.fit, window.length) {
            if seconds < min_seconds {
                return Err(Error::TooShort {
                    seconds,
                    min_seconds,
                });
            }
            let want = (length * sr).round() as usize;
            // One sample of rounding between the file's rate and `sr` is not a short clip.
            padded = samples.len() + 1 < want;
            samples.resize(want, 0.0);
        }
        Ok(Track {
            samples,
            padded,
            damage: Damage::default(),
            seconds,
        })
    }
}
