//! The feature registry and the one call that computes any subset of features.
//!
//! [`Feature`] is the single table of features that the trainer, the web app and the tests
//! read. [`compute`] shares the work between features: one STFT for every STFT-based feature,
//! one CQT for `chroma_cqt`, `chroma_cens` and `tonnetz`.

pub mod chroma_stft;
pub mod mel;
pub mod spectral;
pub mod tonal;

use ndarray::{Array1, Array2, ArrayD, Ix1, Ix2};
use serde::{Deserialize, Serialize};

use crate::config::FeatureConfig;
use crate::dsp;
use crate::error::{Error, Result};

/// What a feature's rows are, so plots can label their vertical axis as librosa.display would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// A 1-D signal over time (samples).
    Time,
    /// A 1-D magnitude over frequency (Hz), one value per rfft bin.
    Frequency,
    /// STFT bins, linear in Hz.
    Hz,
    /// Mel bands.
    Mel,
    /// Cepstral coefficient index.
    Coefficient,
    /// Pitch classes C, C#, …, B.
    Chroma,
    /// The six tonnetz dimensions.
    Tonnetz,
    /// One row per frame-wise statistic (spectral extras).
    Value,
    /// Spectral contrast bands.
    Band,
}

macro_rules! features {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $axis:ident, $title:literal; )*) => {
        /// One feature of the table, named as librosa names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Feature {
            $( $(#[$doc])* $variant, )*
        }

        impl Feature {
            /// Every feature, in the table's order.
            pub const ALL: &'static [Feature] = &[$(Feature::$variant),*];

            /// The feature's name: the `.npy` file stem, the CLI and manifest name.
            pub fn name(self) -> &'static str {
                match self { $(Feature::$variant => $name,)* }
            }

            /// What the feature's rows are.
            pub fn axis(self) -> Axis {
                match self { $(Feature::$variant => Axis::$axis,)* }
            }

            /// The feature's title in plots and on the page.
            pub fn title(self) -> &'static str {
                match self { $(Feature::$variant => $title,)* }
            }
        }
    };
}

features! {
    /// `y`: the mono signal itself, shape `(n,)`.
    Waveform => "waveform", Time, "Waveform";
    /// `np.abs(np.fft.rfft(y))`, shape `(n // 2 + 1,)`.
    Fourier => "fourier", Frequency, "Fourier magnitude";
    /// `amplitude_to_db(np.abs(stft(y)), ref=np.max)`, shape `(1 + n_fft/2, t)`.
    Spectrogram => "spectrogram", Hz, "Spectrogram";
    /// `np.abs(stft(y))**2`, shape `(1 + n_fft/2, t)`.
    PowerSpectrogram => "power_spectrogram", Hz, "Power spectrogram";
    /// `power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)`, shape `(n_mels, t)`.
    Mel => "mel", Mel, "Mel spectrogram";
    /// `mfcc(y=y, sr=sr, n_mfcc=20)`, shape `(n_mfcc, t)`.
    Mfcc => "mfcc", Coefficient, "MFCC";
    /// `chroma_stft(y=y, sr=sr)`, shape `(n_chroma, t)`.
    ChromaStft => "chroma_stft", Chroma, "Chroma (STFT)";
    /// `chroma_cqt(y=y, sr=sr)`, shape `(12, t)`.
    ChromaCqt => "chroma_cqt", Chroma, "Chroma (CQT)";
    /// `chroma_cens(y=y, sr=sr)`, shape `(12, t)`.
    ChromaCens => "chroma_cens", Chroma, "Chroma (CENS)";
    /// `tonnetz(y=y, sr=sr)`, shape `(6, t)`.
    Tonnetz => "tonnetz", Tonnetz, "Tonnetz";
    /// `spectral_centroid(y=y, sr=sr)`, shape `(1, t)`.
    SpectralCentroid => "spectral_centroid", Value, "Spectral centroid";
    /// `spectral_bandwidth(y=y, sr=sr)`, shape `(1, t)`.
    SpectralBandwidth => "spectral_bandwidth", Value, "Spectral bandwidth";
    /// `spectral_rolloff(y=y, sr=sr)`, shape `(1, t)`.
    SpectralRolloff => "spectral_rolloff", Value, "Spectral roll-off";
    /// `spectral_contrast(y=y, sr=sr)`, shape `(n_bands + 1, t)`.
    SpectralContrast => "spectral_contrast", Band, "Spectral contrast";
    /// `zero_crossing_rate(y)`, shape `(1, t)`.
    ZeroCrossingRate => "zero_crossing_rate", Value, "Zero-crossing rate";
    /// `rms(y=y)`, shape `(1, t)`.
    Rms => "rms", Value, "RMS energy";
}

impl Feature {
    /// Looks a feature up by its name.
    pub fn from_name(name: &str) -> Result<Feature> {
        Feature::ALL
            .iter()
            .copied()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::UnknownFeature(name.to_string()))
    }

    /// Parses `all` or a comma-separated list of names.
    pub fn parse_list(list: &str) -> Result<Vec<Feature>> {
        if list.trim() == "all" {
            return Ok(Feature::ALL.to_vec());
        }
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let f = Feature::from_name(name)?;
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// All names, comma-separated (for messages).
    pub fn names_joined() -> String {
        Feature::ALL
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The shape this feature has for a signal of `n` samples under `cfg`, as librosa gives it.
    ///
    /// Exact at `sr <= 22050`; above it, the CQT features can have one frame more, as in librosa.
    pub fn shape(self, n: usize, cfg: &FeatureConfig) -> Vec<usize> {
        let t = cfg.n_frames(n);
        match self {
            Feature::Waveform => vec![n],
            Feature::Fourier => vec![n / 2 + 1],
            Feature::Spectrogram | Feature::PowerSpectrogram => vec![cfg.n_freq(), t],
            Feature::Mel => vec![cfg.n_mels, t],
            Feature::Mfcc => vec![cfg.n_mfcc, t],
            Feature::ChromaStft => vec![cfg.n_chroma, t],
            Feature::ChromaCqt | Feature::ChromaCens => vec![12, t],
            Feature::Tonnetz => vec![6, t],
            Feature::SpectralContrast => vec![cfg.contrast_n_bands + 1, t],
            Feature::SpectralCentroid
            | Feature::SpectralBandwidth
            | Feature::SpectralRolloff
            | Feature::ZeroCrossingRate
            | Feature::Rms => vec![1, t],
        }
    }

    /// Whether the feature is computed from the shared STFT.
    fn needs_stft(self) -> bool {
        matches!(
            self,
            Feature::Spectrogram
                | Feature::PowerSpectrogram
                | Feature::Mel
                | Feature::Mfcc
                | Feature::ChromaStft
                | Feature::SpectralCentroid
                | Feature::SpectralBandwidth
                | Feature::SpectralRolloff
                | Feature::SpectralContrast
        )
    }

    /// Whether the feature is computed from the shared CQT.
    fn needs_cqt(self) -> bool {
        matches!(
            self,
            Feature::ChromaCqt | Feature::ChromaCens | Feature::Tonnetz
        )
    }
}

impl std::fmt::Display for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Feature {
    type Err = Error;
    fn from_str(s: &str) -> Result<Feature> {
        Feature::from_name(s)
    }
}

/// Computed features, in the order they were asked for. Arrays are row-major f32 with
/// librosa's shapes: `(n,)` for 1-D features, `(bins, frames)` for the rest.
#[derive(Clone, Debug, Default)]
pub struct FeatureSet {
    /// The features and their values.
    pub entries: Vec<(Feature, ArrayD<f32>)>,
}

impl FeatureSet {
    /// The array of one feature, if it was computed.
    pub fn get(&self, feature: Feature) -> Option<&ArrayD<f32>> {
        self.entries
            .iter()
            .find(|(f, _)| *f == feature)
            .map(|(_, a)| a)
    }

    /// The array of a 2-D feature, if it was computed.
    pub fn get2(&self, feature: Feature) -> Option<ndarray::ArrayView2<'_, f32>> {
        self.get(feature)
            .and_then(|a| a.view().into_dimensionality::<Ix2>().ok())
    }

    /// The array of a 1-D feature, if it was computed.
    pub fn get1(&self, feature: Feature) -> Option<ndarray::ArrayView1<'_, f32>> {
        self.get(feature)
            .and_then(|a| a.view().into_dimensionality::<Ix1>().ok())
    }
}

/// `librosa.estimate_tuning`'s default FFT size, which `chroma_cqt` always uses.
const TUNING_N_FFT: usize = 2048;

/// Computes `which` features of the mono signal `y` (at `cfg.sr`), sharing the STFT and the CQT.
///
/// An empty signal is an error; silence and signals shorter than `n_fft` give finite values.
pub fn compute(y: &[f32], cfg: &FeatureConfig, which: &[Feature]) -> Result<FeatureSet> {
    cfg.validate()?;
    if y.is_empty() {
        return Err(Error::NoAudio("the signal has no samples".into()));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid("y", format!("sample {i} is not finite")));
    }

    let wants_stft = which.iter().any(|f| f.needs_stft());
    let wants_cqt = which.iter().any(|f| f.needs_cqt());

    // One STFT serves every STFT-based feature and the CQT's tuning estimate.
    let mag: Option<Array2<f32>> =
        (wants_stft || wants_cqt).then(|| dsp::stft::stft_magnitude(y, cfg.n_fft, cfg.hop_length));
    let power: Option<Array2<f32>> = which
        .iter()
        .any(|f| {
            matches!(
                f,
                Feature::PowerSpectrogram | Feature::Mel | Feature::Mfcc | Feature::ChromaStft
            )
        })
        .then(|| mag.as_ref().expect("stft computed").mapv(|m| m * m));
    let mel_power: Option<Array2<f32>> = which
        .iter()
        .any(|f| matches!(f, Feature::Mel | Feature::Mfcc))
        .then(|| mel::melspectrogram(power.as_ref().expect("power computed").view(), cfg));

    // One CQT serves chroma_cqt, chroma_cens and tonnetz.
    let cqt_mag: Option<Array2<f32>> = if wants_cqt {
        // librosa's chroma_cqt estimates tuning from piptrack's own STFT (n_fft 2048, hop 512),
        // whatever the configured STFT is; share ours only when it is that one.
        let own;
        let tuning_mag = if cfg.n_fft == TUNING_N_FFT && cfg.hop_length == TUNING_N_FFT / 4 {
            mag.as_ref().expect("stft computed")
        } else {
            own = dsp::stft::stft_magnitude(y, TUNING_N_FFT, TUNING_N_FFT / 4);
            &own
        };
        let tuning = dsp::tuning::estimate_tuning(
            tuning_mag.view(),
            cfg.sr,
            TUNING_N_FFT,
            cfg.cqt_bins_per_octave,
        );
        Some(dsp::cqt::cqt_magnitude(
            y,
            cfg.sr,
            cfg.hop_length,
            cfg.cqt_fmin,
            cfg.cqt_n_octaves * cfg.cqt_bins_per_octave,
            cfg.cqt_bins_per_octave,
            tuning,
        )?)
    } else {
        None
    };
    let chroma_cqt: Option<Array2<f32>> = which
        .iter()
        .any(|f| matches!(f, Feature::ChromaCqt | Feature::Tonnetz))
        .then(|| tonal::chroma_cqt(cqt_mag.as_ref().expect("cqt computed").view(), cfg));
    let centroid: Option<Array2<f32>> = which
        .iter()
        .any(|f| matches!(f, Feature::SpectralCentroid | Feature::SpectralBandwidth))
        .then(|| spectral::spectral_centroid(mag.as_ref().expect("stft computed").view(), cfg));

    let mut unique: Vec<Feature> = Vec::with_capacity(which.len());
    for &feature in which {
        if !unique.contains(&feature) {
            unique.push(feature);
        }
    }
    let mag = || mag.as_ref().expect("stft computed").view();
    // First every feature that reads the shared intermediates…
    let mut values: Vec<Option<ArrayD<f32>>> = unique
        .iter()
        .map(|&feature| match feature {
            Feature::PowerSpectrogram | Feature::ChromaCqt | Feature::SpectralCentroid => None,
            Feature::Waveform => Some(Array1::from(y.to_vec()).into_dyn()),
            Feature::Fourier => Some(spectral::fourier(y).into_dyn()),
            Feature::Spectrogram => {
                Some(dsp::convert::amplitude_to_db(mag(), cfg.top_db).into_dyn())
            }
            Feature::Mel => Some(
                dsp::convert::power_to_db(
                    mel_power.as_ref().expect("mel computed").view(),
                    cfg.top_db,
                )
                .into_dyn(),
            ),
            Feature::Mfcc => {
                Some(mel::mfcc(mel_power.as_ref().expect("mel computed").view(), cfg).into_dyn())
            }
            Feature::ChromaStft => Some(
                chroma_stft::chroma_stft(power.as_ref().expect("power computed").view(), cfg)
                    .into_dyn(),
            ),
            Feature::ChromaCens => Some(
                tonal::chroma_cens(cqt_mag.as_ref().expect("cqt computed").view(), cfg).into_dyn(),
            ),
            Feature::Tonnetz => Some(
                tonal::tonnetz(chroma_cqt.as_ref().expect("chroma computed").view()).into_dyn(),
            ),
            Feature::SpectralBandwidth => Some(
                spectral::spectral_bandwidth(
                    mag(),
                    centroid.as_ref().expect("centroid computed").view(),
                    cfg,
                )
                .into_dyn(),
            ),
            Feature::SpectralRolloff => Some(spectral::spectral_rolloff(mag(), cfg).into_dyn()),
            Feature::SpectralContrast => Some(spectral::spectral_contrast(mag(), cfg).into_dyn()),
            Feature::ZeroCrossingRate => Some(spectral::zero_crossing_rate(y, cfg).into_dyn()),
            Feature::Rms => Some(spectral::rms(y, cfg).into_dyn()),
        })
        .collect();
    // …then the intermediates that are features themselves move in, uncopied.
    let (mut power, mut chroma_cqt, mut centroid) = (power, chroma_cqt, centroid);
    for (feature, value) in unique.iter().zip(values.iter_mut()) {
        if value.is_none() {
            let moved = match feature {
                Feature::PowerSpectrogram => power.take(),
                Feature::ChromaCqt => chroma_cqt.take(),
                Feature::SpectralCentroid => centroid.take(),
                _ => None,
            };
            *value = Some(moved.expect("intermediate computed").into_dyn());
        }
    }

    let mut out = FeatureSet {
        entries: Vec::with_capacity(unique.len()),
    };
    for (feature, value) in unique.into_iter().zip(values) {
        let value = value.expect("every feature computed");
        // Above 22,050 Hz librosa's CQT (early downsampling) can hold one frame more than the
        // STFT, and ours follows it; everywhere else the registry's shape is exact.
        debug_assert!(
            feature.needs_cqt() && cfg.sr > 22_050
                || value.shape() == feature.shape(y.len(), cfg).as_slice(),
            "{feature}: shape {:?}",
            value.shape()
        );
        out.entries.push((feature, value));
    }
    Ok(out)
}
