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
use crate::musicnn::{EMBEDDING_LEN, TagModel};
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
    /// The dimensions of an embedding.
    Dimension,
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
            /// Every feature, in the table's order: the librosa features, then the embeddings.
            pub const ALL: &'static [Feature] = &[$(Feature::$variant),*];

            /// The feature's row of the table: everything Genrescope decides per feature.
            pub const fn spec(self) -> &'static FeatureSpec {
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
    /// MusiCNN's embedding (the MSD model): the penultimate layer of every 3 s patch of the
    /// signal at 16 kHz, its mean and standard deviation, and the mean of the 50 tag
    /// activations, shape `(450,)` ([`crate::musicnn::Embedding`]).
    Musicnn => FeatureSpec {
        name: "musicnn", axis: Axis::Dimension, title: "MusiCNN embedding (MSD)",
        source: Source::Embedding(TagModel::Msd), shape: Shape::Values(EMBEDDING_LEN),
        model: ModelFamily::Mlp, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("activation"),
        compute: Reads(|s, _| Ok(Array1::from(s.embedding(TagModel::Msd)?).into_dyn())),
    };
    /// The same with the MagnaTagATune model.
    MusicnnMtt => FeatureSpec {
        name: "musicnn_mtt", axis: Axis::Dimension, title: "MusiCNN embedding (MTT)",
        source: Source::Embedding(TagModel::Mtt), shape: Shape::Values(EMBEDDING_LEN),
        model: ModelFamily::Mlp, prep: Prep::PLAIN, groups: NormGroups::PerRow,
        plot: PlotSpec::unit("activation"),
        compute: Reads(|s, _| Ok(Array1::from(s.embedding(TagModel::Mtt)?).into_dyn())),
    };
}

impl Feature {
    /// The features computed from the signal alone, as librosa computes them: every row
    /// before the first embedding. `all` on the command line, and what the page draws.
    pub const LIBROSA: &'static [Feature] = Feature::ALL.split_at(Feature::librosa_count()).0;

    /// How many rows of the table come before the first embedding.
    const fn librosa_count() -> usize {
        let mut i = 0;
        while i < Feature::ALL.len() && Feature::ALL[i].spec().source.is_librosa() {
            i += 1;
        }
        i
    }

    /// Whether a pretrained network computes the feature (it needs an [`Embedder`]).
    pub fn is_embedding(self) -> bool {
        !self.spec().source.is_librosa()
    }

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

    /// Parses a comma-separated list of names, where `all` stands for the 16 librosa
    /// features ([`Feature::LIBROSA`]): `all`, `mel,mfcc`, `all,musicnn`.
    pub fn parse_list(list: &str) -> Result<Vec<Feature>> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let named = if name == "all" {
                Feature::LIBROSA
            } else {
                &[Feature::from_name(name)?][..]
            };
            for &f in named {
                if !out.contains(&f) {
                    out.push(f);
                }
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

/// What computes the embedding features ([`Feature::is_embedding`]): a pretrained network's
/// pooled embedding of a signal. `musicnn::net::Embedders` runs MusiCNN over the signal;
/// the page and `genrescope artifacts` hand over the patches of the one run they make over a
/// whole track.
pub trait Embedder: Sync {
    /// `model`'s embedding of the mono signal `y` at `sr` Hz: [`crate::musicnn::EMBEDDING_LEN`]
    /// values ([`crate::musicnn::Embedding::feature_values`]).
    fn embedding(&self, model: TagModel, y: &[f32], sr: u32) -> Result<Vec<f32>>;
}

/// The embedder of [`compute`]: there is none, so asking for an embedding feature is an error
/// that says what it needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEmbedder;

impl Embedder for NoEmbedder {
    fn embedding(&self, model: TagModel, _: &[f32], _: u32) -> Result<Vec<f32>> {
        Err(Error::invalid(
            "features",
            format!(
                "the {} embedding needs MusiCNN's {} weights, which this call was not given",
                model.original_name(),
                model.weights_file()
            ),
        ))
    }
}

/// Computes `which` features of the mono signal `y` (at `cfg.sr`), sharing the STFT and the CQT.
/// The embedding features need an embedder: [`compute_with`].
///
/// An empty signal is an error; silence and signals shorter than `n_fft` give finite values.
pub fn compute(y: &[f32], cfg: &FeatureConfig, which: &[Feature]) -> Result<FeatureSet> {
    compute_with(y, cfg, which, &NoEmbedder)
}

/// [`compute`], with `embedder` computing the embedding features.
pub fn compute_with(
    y: &[f32],
    cfg: &FeatureConfig,
    which: &[Feature],
    embedder: &dyn Embedder,
) -> Result<FeatureSet> {
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
    let mut shared = Intermediates::new(y, cfg, embedder);
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

/// [`compute_with`] on two threads, for one track at a time (`genrescope features`,
/// `genrescope artifacts`): the CQT features on one, the rest on the other, each with its own
/// intermediates (both compute the STFT, which the CQT's tuning estimate reads), returned in the
/// order asked and equal to [`compute_with`]'s. Batch stages spread tracks over the cores
/// instead. Native only (the browser runs one worker per share of the work).
#[cfg(not(target_arch = "wasm32"))]
pub fn compute_split(
    y: &[f32],
    cfg: &FeatureConfig,
    which: &[Feature],
    embedder: &dyn Embedder,
) -> Result<FeatureSet> {
    let (cqt, rest): (Vec<Feature>, Vec<Feature>) =
        which.iter().partition(|f| f.spec().source.uses_cqt());
    if cqt.is_empty() || rest.is_empty() {
        return compute_with(y, cfg, which, embedder);
    }
    let (cqt, rest) = rayon::join(
        || compute_with(y, cfg, &cqt, embedder),
        || compute_with(y, cfg, &rest, embedder),
    );
    let mut parts = [cqt?, rest?];
    let mut entries: Vec<(Feature, ArrayD<f32>)> = Vec::with_capacity(which.len());
    for &feature in which {
        if entries.iter().any(|(f, _)| *f == feature) {
            continue;
        }
        let part = parts
            .iter_mut()
            .find(|p| p.entries.iter().any(|(f, _)| *f == feature))
            .expect("each feature is in one part");
        let at = part
            .entries
            .iter()
            .position(|(f, _)| *f == feature)
            .expect("found above");
        entries.push(part.entries.swap_remove(at));
    }
    Ok(FeatureSet { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_consistent() {
        for &f in Feature::ALL {
            let spec = f.spec();
            let one_d = matches!(
                spec.shape,
                Shape::Samples | Shape::RfftBins | Shape::Values(_)
            );
            let axis_one_d = match spec.axis {
                Axis::Time | Axis::Frequency | Axis::Dimension => true,
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
            assert_eq!(
                f.is_embedding(),
                spec.axis == Axis::Dimension,
                "{f}: embeddings are drawn over their dimensions"
            );
        }
        // The librosa features come first and are the 16 of librosa's table.
        assert_eq!(Feature::LIBROSA.len(), 16);
        assert!(Feature::LIBROSA.iter().all(|f| !f.is_embedding()));
        assert!(Feature::ALL[16..].iter().all(|f| f.is_embedding()));
        assert_eq!(Feature::parse_list("all").unwrap(), Feature::LIBROSA);
        let mut with_head = Feature::LIBROSA.to_vec();
        with_head.push(Feature::Musicnn);
        assert_eq!(Feature::parse_list("all, musicnn,mel").unwrap(), with_head);
    }

    #[test]
    fn an_embedding_without_an_embedder_is_refused_by_name() {
        let y = vec![0.1f32; 4096];
        let err = compute(
            &y,
            &FeatureConfig::default(),
            &[Feature::Mel, Feature::Musicnn],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("msd_musicnn.bpk"), "{err}");
    }
}
