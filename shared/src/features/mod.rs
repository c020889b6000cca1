//! The feature registry and the one call that computes any subset of features.
//!
//! [`Feature`] is the single table of features that the trainer, the web app and the tests
//! read: each feature's row (a [`FeatureSpec`], in the `features!` table below) declares its
//! name, axis and title, what it is computed from and how, its shape, the model trained on it,
//! its input preparation and normalisation, and its plot. **A new feature is one row of that
//! table**; the code that acts on a row ([`compute`], `model::Architecture::for_feature`,
//! `model::InputTransform::for_feature`, `model::Normaliser::groups_for`,
//! `plot::feature_plot`) reads these fields and never matches on [`Feature`].
//!
//! [`compute`] shares the work between features: one STFT for every STFT-based feature, one
//! CQT for `chroma_cqt`, `chroma_cens` and `tonnetz`, each computed on first use.

pub mod chroma_stft;
mod intermediates;
pub mod mel;
mod spec;
pub mod spectral;
pub mod tonal;

use ndarray::{Array1, ArrayD, Ix1, Ix2};
use serde::{Deserialize, Serialize};

use crate::config::FeatureConfig;
use crate::dsp::convert;
use crate::error::{Error, Result};
use intermediates::Intermediates;
use spec::Compute::{Reads, Takes};
pub use spec::{
    DbConversion, FeatureSpec, ModelFamily, NormGroups, PlotSpec, Prep, Rows, Shape, Source,
};

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
    ($( $(#[$doc:meta])* $variant:ident => $spec:expr; )*) => {
        /// One feature of the table, named as librosa names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Feature {
            $( $(#[$doc])* $variant, )*
        }

        impl Feature {
            /// Every feature, in the table's order.
            pub const ALL: &'static [Feature] = &[$(Feature::$variant),*];

            /// The feature's row of the table: everything Genrescope decides per feature.
            pub fn spec(self) -> &'static FeatureSpec {
                match self {
                    $(Feature::$variant => {
                        const SPEC: FeatureSpec = $spec;
                        &SPEC
                    })*
                }
            }
        }
    };
}

// The table. A new feature is one row here (and its variant's doc): its compute function reads
// the intermediates it needs from `Intermediates` (add one there if it is new and shared).
features! {
    /// `y`: the mono signal itself, shape `(n,)`.
    Waveform => FeatureSpec {
        name: "waveform", axis: Axis::Time, title: "Waveform",
        source: Source::Signal, shape: Shape::Samples,
        model: ModelFamily::WaveformCnn, prep: Prep::PLAIN, groups: NormGroups::One,
        plot: PlotSpec::unit("amplitude"),
        compute: Reads(|s, _| Ok(Array1::from(s.y().to_vec()).into_dyn())),
    };
    /// `np.abs(np.fft.rfft(y))`, shape `(n // 2 + 1,)`.
    Fourier => FeatureSpec {
        name: "fourier", axis: Axis::Frequency, title: "Fourier magnitude",
        source: Source::Signal, shape: Shape::RfftBins,
        model: ModelFamily::Mlp, prep: Prep { db: DbConversion::Amplitude, log_bands: true },
        groups: NormGroups::PerRow,
        plot: PlotSpec::unit("|rfft(y)|"),
        compute: Reads(|s, _| Ok(spectral::fourier(s.y()).into_dyn())),
    };
    /// `amplitude_to_db(np.abs(stft(y)), ref=np.max)`, shape `(1 + n_fft/2, t)`.
    Spectrogram => FeatureSpec {
        name: "spectrogram", axis: Axis::Hz, title: "Spectrogram",
        source: Source::Stft, shape: Shape::Frames(Rows::NFreq),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::DB_REF_MAX,
        compute: Reads(|s, cfg| {
            Ok(convert::amplitude_to_db(s.mag().view(), cfg.top_db).into_dyn())
        }),
    };
    /// `np.abs(stft(y))**2`, shape `(1 + n_fft/2, t)`.
    PowerSpectrogram => FeatureSpec {
        name: "power_spectrogram", axis: Axis::Hz, title: "Power spectrogram",
        source: Source::Power, shape: Shape::Frames(Rows::NFreq),
        model: ModelFamily::Cnn2d, prep: Prep { db: DbConversion::Power, log_bands: false },
        groups: NormGroups::PerRow,
        plot: PlotSpec { title_suffix: "(shown in dB, ref = max)", unit: "dB", power_to_db: true },
        compute: Takes(|s, _| Ok(s.take_power().into_dyn())),
    };
    /// `power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)`, shape `(n_mels, t)`.
    Mel => FeatureSpec {
        name: "mel", axis: Axis::Mel, title: "Mel spectrogram",
        source: Source::Mel, shape: Shape::Frames(Rows::NMels),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::DB_REF_MAX,
        compute: Reads(|s, cfg| {
            Ok(convert::power_to_db(s.mel_power().view(), cfg.top_db).into_dyn())
        }),
    };
    /// `mfcc(y=y, sr=sr, n_mfcc=20)`, shape `(n_mfcc, t)`.
    Mfcc => FeatureSpec {
        name: "mfcc", axis: Axis::Coefficient, title: "MFCC",
        source: Source::Mel, shape: Shape::Frames(Rows::NMfcc),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit(""),
        compute: Reads(|s, cfg| Ok(mel::mfcc(s.mel_power().view(), cfg).into_dyn())),
    };
    /// `chroma_stft(y=y, sr=sr)`, shape `(n_chroma, t)`.
    ChromaStft => FeatureSpec {
        name: "chroma_stft", axis: Axis::Chroma, title: "Chroma (STFT)",
        source: Source::Power, shape: Shape::Frames(Rows::NChroma),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit(""),
        compute: Reads(|s, cfg| Ok(chroma_stft::chroma_stft(s.power().view(), cfg).into_dyn())),
    };
    /// `chroma_cqt(y=y, sr=sr)`, shape `(12, t)`.
    ChromaCqt => FeatureSpec {
        name: "chroma_cqt", axis: Axis::Chroma, title: "Chroma (CQT)",
        source: Source::ChromaCqt, shape: Shape::Frames(Rows::Fixed(12)),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit(""),
        compute: Takes(|s, _| Ok(s.take_chroma_cqt()?.into_dyn())),
    };
    /// `chroma_cens(y=y, sr=sr)`, shape `(12, t)`.
    ChromaCens => FeatureSpec {
        name: "chroma_cens", axis: Axis::Chroma, title: "Chroma (CENS)",
        source: Source::Cqt, shape: Shape::Frames(Rows::Fixed(12)),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit(""),
        compute: Reads(|s, cfg| Ok(tonal::chroma_cens(s.cqt_mag()?.view(), cfg).into_dyn())),
    };
    /// `tonnetz(y=y, sr=sr)`, shape `(6, t)`.
    Tonnetz => FeatureSpec {
        name: "tonnetz", axis: Axis::Tonnetz, title: "Tonnetz",
        source: Source::ChromaCqt, shape: Shape::Frames(Rows::Fixed(6)),
        model: ModelFamily::Cnn2d, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit(""),
        compute: Reads(|s, _| Ok(tonal::tonnetz(s.chroma_cqt()?.view()).into_dyn())),
    };
    /// `spectral_centroid(y=y, sr=sr)`, shape `(1, t)`.
    SpectralCentroid => FeatureSpec {
        name: "spectral_centroid", axis: Axis::Value, title: "Spectral centroid",
        source: Source::Stft, shape: Shape::Frames(Rows::Fixed(1)),
        model: ModelFamily::FrameCnn, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("Hz"),
        compute: Takes(|s, _| Ok(s.take_centroid().into_dyn())),
    };
    /// `spectral_bandwidth(y=y, sr=sr)`, shape `(1, t)`.
    SpectralBandwidth => FeatureSpec {
        name: "spectral_bandwidth", axis: Axis::Value, title: "Spectral bandwidth",
        source: Source::Stft, shape: Shape::Frames(Rows::Fixed(1)),
        model: ModelFamily::FrameCnn, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("Hz"),
        compute: Reads(|s, cfg| {
            let (mag, centroid) = s.mag_and_centroid();
            Ok(spectral::spectral_bandwidth(mag.view(), centroid.view(), cfg).into_dyn())
        }),
    };
    /// `spectral_rolloff(y=y, sr=sr)`, shape `(1, t)`.
    SpectralRolloff => FeatureSpec {
        name: "spectral_rolloff", axis: Axis::Value, title: "Spectral roll-off",
        source: Source::Stft, shape: Shape::Frames(Rows::Fixed(1)),
        model: ModelFamily::FrameCnn, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("Hz"),
        compute: Reads(|s, cfg| Ok(spectral::spectral_rolloff(s.mag().view(), cfg).into_dyn())),
    };
    /// `spectral_contrast(y=y, sr=sr)`, shape `(n_bands + 1, t)`.
    SpectralContrast => FeatureSpec {
        name: "spectral_contrast", axis: Axis::Band, title: "Spectral contrast",
        source: Source::Stft, shape: Shape::Frames(Rows::ContrastBands),
        model: ModelFamily::FrameCnn, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("dB"),
        compute: Reads(|s, cfg| Ok(spectral::spectral_contrast(s.mag().view(), cfg).into_dyn())),
    };
    /// `zero_crossing_rate(y)`, shape `(1, t)`.
    ZeroCrossingRate => FeatureSpec {
        name: "zero_crossing_rate", axis: Axis::Value, title: "Zero-crossing rate",
        source: Source::Signal, shape: Shape::Frames(Rows::Fixed(1)),
        model: ModelFamily::FrameCnn, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("rate"),
        compute: Reads(|s, cfg| Ok(spectral::zero_crossing_rate(s.y(), cfg).into_dyn())),
    };
    /// `rms(y=y)`, shape `(1, t)`.
    Rms => FeatureSpec {
        name: "rms", axis: Axis::Value, title: "RMS energy",
        source: Source::Signal, shape: Shape::Frames(Rows::Fixed(1)),
        model: ModelFamily::FrameCnn, prep: Prep { db: DbConversion::Amplitude, log_bands: false },
        groups: NormGroups::PerRow,
        plot: PlotSpec::unit("RMS"),
        compute: Reads(|s, cfg| Ok(spectral::rms(s.y(), cfg).into_dyn())),
    };
}

impl Feature {
    /// The feature's name: the `.npy` file stem, the CLI and manifest name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// What the feature's rows are.
    pub fn axis(self) -> Axis {
        self.spec().axis
    }

    /// The feature's title in plots and on the page.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

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
        self.spec().shape.of(n, cfg)
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

    let mut unique: Vec<Feature> = Vec::with_capacity(which.len());
    for &feature in which {
        if !unique.contains(&feature) {
            unique.push(feature);
        }
    }
    let mut shared = Intermediates::new(y, cfg);
    // First every feature that reads the shared intermediates, then those that are one of them
    // move it out, uncopied.
    let mut values: Vec<(usize, ArrayD<f32>)> = Vec::with_capacity(unique.len());
    for takes in [false, true] {
        for (i, &feature) in unique.iter().enumerate() {
            let run = match (feature.spec().compute, takes) {
                (Reads(run), false) | (Takes(run), true) => run,
                (Reads(_), true) | (Takes(_), false) => continue,
            };
            values.push((i, run(&mut shared, cfg)?));
        }
    }
    values.sort_unstable_by_key(|&(i, _)| i);

    let entries = unique
        .into_iter()
        .zip(values)
        .map(|(feature, (_, value))| {
            // Above 22,050 Hz librosa's CQT (early downsampling) can hold one frame more than
            // the STFT, and ours follows it; everywhere else the registry's shape is exact.
            debug_assert!(
                feature.spec().source.uses_cqt() && cfg.sr > 22_050
                    || value.shape() == feature.shape(y.len(), cfg).as_slice(),
                "{feature}: shape {:?}",
                value.shape()
            );
            (feature, value)
        })
        .collect();
    Ok(FeatureSet { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_consistent() {
        for &f in Feature::ALL {
            let spec = f.spec();
            let one_d = matches!(spec.shape, Shape::Samples | Shape::RfftBins);
            let axis_one_d = match spec.axis {
                Axis::Time | Axis::Frequency => true,
                Axis::Hz
                | Axis::Mel
                | Axis::Coefficient
                | Axis::Chroma
                | Axis::Tonnetz
                | Axis::Value
                | Axis::Band => false,
            };
            let model_one_d = match spec.model {
                ModelFamily::WaveformCnn | ModelFamily::Mlp => true,
                ModelFamily::FrameCnn | ModelFamily::Cnn2d => false,
            };
            assert_eq!(one_d, axis_one_d, "{f}: shape and axis");
            assert_eq!(one_d, model_one_d, "{f}: shape and model");
            assert_eq!(
                spec.axis == Axis::Value,
                spec.shape == Shape::Frames(Rows::Fixed(1)),
                "{f}: one-row features are drawn as lines"
            );
            assert!(
                !spec.prep.log_bands || one_d,
                "{f}: log bands need a 1-D spectrum"
            );
        }
    }
}
