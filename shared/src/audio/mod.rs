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
pub use decode::{Decoded, MAX_AMPLITUDE, decode, decode_prefix, decode_within, load};
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
            (0, Some(s)) => write!(f, "truncated: the stream is cut off after {s:.2} s"),
            (n, Some(s)) => write!(
                f,
                "truncated: the stream is cut off after {s:.2} s, and {n} frames could not be \
                 decoded"
            ),
        }
    }
}

/// The most audio decoding turns one file into. Decoding stops at the first bound the file
/// passes and refuses it ([`Error::OverCap`], naming the bound), so a file that is (or claims
/// to be) hours long costs no more memory than the bound: at most `4 × max_samples` bytes of
/// decoded signal, whatever its header says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Seconds of audio: bounds what is computed from the track (the features of an hour at
    /// 22,050 Hz peak at ~3 GB).
    pub max_seconds: f64,
    /// Mono samples at the file's own rate, 4 bytes each: bounds decoding itself, whatever the
    /// rate (a 384 kHz file reaches it sooner than its seconds).
    pub max_samples: usize,
}

impl Limits {
    /// What the CLI decodes of one file: an hour, and no more than an hour at 48 kHz
    /// (172,800,000 samples, 691 MB).
    pub const HOUR: Limits = Limits {
        max_seconds: 3_600.0,
        max_samples: 3_600 * 48_000,
    };

    /// The bytes the decoded signal may take at most.
    pub fn max_bytes(&self) -> usize {
        self.max_samples.saturating_mul(std::mem::size_of::<f32>())
    }

    /// The most mono samples a file at `rate` Hz may decode to: the tighter bound.
    #[cfg(feature = "decode")]
    fn samples_at(&self, rate: u32) -> usize {
        let by_seconds = (self.max_seconds * f64::from(rate)).floor();
        if by_seconds < self.max_samples as f64 {
            by_seconds as usize
        } else {
            self.max_samples
        }
    }

    /// The error for a file at `rate` Hz that passes the cap.
    #[cfg(feature = "decode")]
    fn passed(&self, rate: u32) -> crate::Error {
        crate::Error::OverCap(OverCap {
            limits: *self,
            rate,
        })
    }
}

/// A file that decodes to more audio than its caller's [`Limits`]: which bound it passed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OverCap {
    /// The caller's limits.
    pub limits: Limits,
    /// The file's sample rate in Hz.
    pub rate: u32,
}

impl OverCap {
    /// Whether the bound passed was the number of samples (a high rate) rather than the
    /// seconds.
    pub fn by_samples(&self) -> bool {
        (self.limits.max_samples as f64) < self.limits.max_seconds * f64::from(self.rate)
    }
}

impl std::fmt::Display for OverCap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Limits {
            max_seconds,
            max_samples,
        } = self.limits;
        if self.by_samples() {
            let seconds = max_samples as f64 / f64::from(self.rate);
            write!(
                f,
                "too long: at {rate} Hz the audio passes {max_samples} samples ({mb} MB, {at} of \
                 this file), the cap on one file's decoded audio; decoding stopped there",
                rate = self.rate,
                mb = self.limits.max_bytes() / 1_000_000,
                at = clock(seconds),
            )
        } else {
            write!(
                f,
                "too long: the audio runs past {}, the cap on one file's decoded audio; decoding \
                 stopped there",
                clock(max_seconds)
            )
        }
    }
}

/// `h:mm:ss` or `m:ss` of a time in seconds (whole seconds, rounded down).
pub fn clock(seconds: f64) -> String {
    let s = seconds.floor() as u64;
    let (h, m, s) = (s / 3_600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
