//! What the worker and the page compute from a file, in plain Rust (no DOM): decoding with a
//! length limit, the track's details, per-feature statistics (which the end-to-end tests
//! compare with the CLI's files) and number formatting.

use genrescope_core::audio::{DamagePolicy, Decoded, Limits};
use ndarray::ArrayD;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What decoding the whole file tells about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackInfo {
    /// Length of the whole track in seconds.
    pub duration_s: f64,
    /// The file's own sample rate in Hz.
    pub sample_rate: u32,
    /// The file's number of channels.
    pub channels: usize,
    /// Damaged packets the decoder skipped.
    pub skipped_packets: usize,
    /// Whether the file ends in the middle of a packet.
    pub truncated: bool,
}

/// The most audio the page decodes of one file: ten minutes (every feature of ten minutes at
/// full resolution is about a gigabyte of wasm memory), and no more than ten minutes at 96 kHz
/// (57,600,000 samples, 230 MB), so an 8-channel 384 kHz file is refused at 2:30 rather than
/// filling the tab's memory.
pub const LIMITS: Limits = Limits {
    max_seconds: 600.0,
    max_samples: 600 * 96_000,
};

/// Decodes the file through the core's one track loader
/// ([`genrescope_core::audio::decode_track`]) under its [`DamagePolicy::Analyse`]: a damaged
/// file is analysed as far as it decodes and its damage shown with the track (as the CLI's
/// single-file tools do). Refuses it when it holds no audio or decodes to more than `limits`
/// (decoding stops there, so an hour-long or 384 kHz file costs no more memory than the
/// limits). `name` is the file's name, for messages; its extension is the decoder's hint.
pub fn decode_limited(bytes: Vec<u8>, name: &str, limits: &Limits) -> Result<Decoded, AppError> {
    let no_audio = |reason: &str| AppError::NoAudio {
        file: name.to_string(),
        reason: reason.into(),
    };
    let hint = extension(name);
    let (decoded, _damage) =
        genrescope_core::audio::decode_track(bytes, hint.as_deref(), DamagePolicy::Analyse, limits)
            .map_err(|e| match e {
                genrescope_core::Error::Empty => no_audio("the file is empty (0 bytes)"),
                genrescope_core::Error::OverCap(cap) => AppError::TooLong {
                    file: name.to_string(),
                    cap,
                },
                e => AppError::decode(name, e),
            })?;
    if decoded.sample_rate == 0 {
        return Err(no_audio("the stream has no sample rate"));
    }
    if decoded.samples.is_empty() {
        return Err(no_audio("no samples decoded"));
    }
    Ok(decoded)
}

impl TrackInfo {
    /// What a decoded track tells about the file.
    pub fn of(decoded: &Decoded) -> Self {
        TrackInfo {
            duration_s: decoded.duration(),
            sample_rate: decoded.sample_rate,
            channels: decoded.channels,
            skipped_packets: decoded.bad_packets,
            truncated: decoded.truncated,
        }
    }
}

/// Shape, value range and a few sampled values of one feature: `data-stats` of its canvas.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureStats {
    /// The feature's name, as [`Feature::name`] gives it.
    pub name: &'static str,
    /// The array's shape, librosa's order.
    pub shape: Vec<usize>,
    /// Smallest value; NaN when the array is empty or holds a NaN.
    pub min: f64,
    /// Mean of all values; NaN when the array is empty or holds a NaN.
    pub mean: f64,
    /// Largest value; NaN when the array is empty or holds a NaN.
    pub max: f64,
    /// `[flat index, value]` at [`PROBES`] evenly spaced places (C order).
    pub probes: Vec<(usize, f32)>,
}

/// How many values [`FeatureStats`] samples.
pub const PROBES: usize = 32;

impl FeatureStats {
    /// Summarises `values` (accumulated in f64). NaN anywhere makes every statistic NaN, so
    /// a broken feature cannot hide behind a plausible minimum.
    pub fn of(name: &'static str, values: &ArrayD<f32>) -> Self {
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        let mut sum = 0.0f64;
        let mut nan = values.is_empty();
        for &v in values {
            let v = f64::from(v);
            if v.is_nan() {
                nan = true;
                break;
            }
            min = min.min(v);
            max = max.max(v);
            sum += v;
        }
        let (min, mean, max) = if nan {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            (min, sum / values.len() as f64, max)
        };
        let flat: Vec<f32> = values.iter().copied().collect();
        let probes = if flat.is_empty() {
            vec![]
        } else {
            (0..PROBES)
                .map(|k| k * (flat.len() - 1) / (PROBES - 1))
                .map(|i| (i, flat[i]))
                .collect()
        };
        FeatureStats {
            name,
            shape: values.shape().to_vec(),
            min,
            mean,
            max,
            probes,
        }
    }
}

/// The lowercase extension of a file name (`"Song.MP3"` → `"mp3"`), the decoder's hint.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// A duration as `m:ss.ss` (`16.0` → `0:16.00`).
pub fn format_duration(seconds: f64) -> String {
    let minutes = (seconds / 60.0).floor();
    let rest = seconds - minutes * 60.0;
    format!("{minutes:.0}:{rest:05.2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn stats_of_a_known_array() {
        let a =
            ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0, -2.0, 3.0, 4.0, 0.5, 5.5]).unwrap();
        let s = FeatureStats::of("mfcc", &a);
        assert_eq!(s.shape, vec![2, 3]);
        assert_eq!((s.min, s.max), (-2.0, 5.5));
        assert!((s.mean - 2.0).abs() < 1e-12);
        // Probes run evenly from the first value to the last, in C order.
        assert_eq!(s.probes.len(), PROBES);
        assert_eq!((s.probes[0], s.probes[PROBES - 1]), ((0, 1.0), (5, 5.5)));
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn nan_poisons_every_statistic() {
        let a = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1.0, f32::NAN, 3.0]).unwrap();
        let s = FeatureStats::of("rms", &a);
        assert!(s.min.is_nan() && s.mean.is_nan() && s.max.is_nan());
        let empty = ArrayD::<f32>::zeros(IxDyn(&[0]));
        assert!(FeatureStats::of("rms", &empty).mean.is_nan());
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(format_duration(16.0), "0:16.00");
        assert_eq!(format_duration(185.25), "3:05.25");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn extensions_are_lowercase_hints() {
        assert_eq!(extension("Song.MP3").as_deref(), Some("mp3"));
        assert_eq!(extension("a.b.flac").as_deref(), Some("flac"));
        assert_eq!(extension("noext"), None);
        assert_eq!(extension(".hidden"), None);
    }
}
