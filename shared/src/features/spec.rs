//! The columns of the feature table: what each row of [`super::Feature`]'s table declares.
//!
//! Every per-feature decision (what a feature is computed from, its shape, the model trained on
//! it, how its input is prepared and normalised, how it is plotted) is one field of a
//! [`FeatureSpec`]; the code that acts on it matches on these small enums, never on
//! [`super::Feature`] itself.

use ndarray::ArrayD;

use super::Axis;
use super::intermediates::Intermediates;
use crate::config::FeatureConfig;
use crate::error::Result;
use crate::musicnn::TagModel;

/// What a feature is computed from: the signal itself or one of the intermediates
/// [`super::compute`] shares between features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The samples `y`.
    Signal,
    /// The STFT magnitude `|stft(y)|`.
    Stft,
    /// The power spectrogram `|stft(y)|²`.
    Power,
    /// The mel power spectrogram.
    Mel,
    /// The CQT magnitude.
    Cqt,
    /// The CQT chromagram.
    ChromaCqt,
    /// A pretrained MusiCNN model's embedding of the signal resampled to 16 kHz (a
    /// [`super::Embedder`] computes it).
    Embedding(TagModel),
}

impl Source {
    /// Whether the feature is computed from the signal alone, as librosa computes it (not by a
    /// pretrained network).
    pub const fn is_librosa(self) -> bool {
        !matches!(self, Source::Embedding(_))
    }

    /// Whether the feature goes through the CQT (whose frame count can exceed the STFT's above
    /// 22,050 Hz).
    pub fn uses_cqt(self) -> bool {
        match self {
            Source::Cqt | Source::ChromaCqt => true,
            Source::Signal | Source::Stft | Source::Power | Source::Mel | Source::Embedding(_) => {
                false
            }
        }
    }
}

/// How many rows a frame-wise (2-D) feature has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rows {
    /// `1 + n_fft / 2` STFT bins.
    NFreq,
    /// `n_mels` mel bands.
    NMels,
    /// `n_mfcc` coefficients.
    NMfcc,
    /// `n_chroma` pitch classes.
    NChroma,
    /// A fixed count, whatever the configuration (12 CQT pitch classes, 6 tonnetz dimensions,
    /// 1 for the frame-wise statistics).
    Fixed(usize),
    /// `contrast_n_bands + 1` spectral contrast bands.
    ContrastBands,
}

impl Rows {
    /// The row count under `cfg`.
    pub fn count(self, cfg: &FeatureConfig) -> usize {
        match self {
            Rows::NFreq => cfg.n_freq(),
            Rows::NMels => cfg.n_mels,
            Rows::NMfcc => cfg.n_mfcc,
            Rows::NChroma => cfg.n_chroma,
            Rows::Fixed(rows) => rows,
            Rows::ContrastBands => cfg.contrast_n_bands + 1,
        }
    }
}

/// A feature's shape rule, as librosa gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `(n,)`: one value per sample.
    Samples,
    /// `(n / 2 + 1,)`: one value per rfft bin of the whole signal.
    RfftBins,
    /// `(rows, t)`: rows over the `t` STFT frames.
    Frames(Rows),
    /// `(len,)`: a fixed number of values per track, whatever its length.
    Values(usize),
}

impl Shape {
    /// The shape for a signal of `n` samples under `cfg`.
    pub fn of(self, n: usize, cfg: &FeatureConfig) -> Vec<usize> {
        match self {
            Shape::Samples => vec![n],
            Shape::RfftBins => vec![n / 2 + 1],
            Shape::Frames(rows) => vec![rows.count(cfg), cfg.n_frames(n)],
            Shape::Values(len) => vec![len],
        }
    }
}

/// The family of genre network trained on a feature; `model::Architecture::for_feature` sizes
/// it to the prepared input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelFamily {
    /// A 1-D CNN with a wide strided stem, over the raw waveform.
    WaveformCnn,
    /// A multi-layer perceptron over a 1-D spectrum or an embedding.
    Mlp,
    /// A 1-D CNN over frames, the feature's rows as channels.
    FrameCnn,
    /// A 2-D CNN over a time–frequency image.
    Cnn2d,
}

/// The log compression a model's input gets (`model::prep::Db`), if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DbConversion {
    /// The values are used as they are.
    None,
    /// `amplitude_to_db` (`ref = 1`).
    Amplitude,
    /// `power_to_db` (`ref = 1`).
    Power,
}

/// The fixed part of a model input's preparation (`model::prep::InputTransform`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prep {
    /// Log compression after pooling.
    pub db: DbConversion,
    /// Whether a 1-D spectrum is averaged into log-spaced bands.
    pub log_bands: bool,
}

impl Prep {
    /// Neither pooled into bands nor compressed (2-D features taller than the models read are
    /// still pooled to fewer rows).
    pub const PLAIN: Prep = Prep {
        db: DbConversion::None,
        log_bands: false,
    };
}

/// How the prepared input is split into groups for normalisation (`model::prep::Normaliser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NormGroups {
    /// One group: every value shares one mean and standard deviation.
    One,
    /// One group per row (frequency row, band, coefficient) of the prepared input.
    PerRow,
}

/// How a feature is drawn (`plot::feature_plot`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlotSpec {
    /// Appended to the title after a space (empty: the title alone).
    pub title_suffix: &'static str,
    /// The unit of the values drawn: a line's vertical axis label, or a heat map's colour bar
    /// unit (empty when the values have none).
    pub unit: &'static str,
    /// Whether the values are a power shown in dB (`power_to_db(S, ref=np.max)`).
    pub power_to_db: bool,
}

impl PlotSpec {
    /// A plot with the bare title.
    pub const fn unit(unit: &'static str) -> PlotSpec {
        PlotSpec {
            title_suffix: "",
            unit,
            power_to_db: false,
        }
    }

    /// A plot of values already in dB relative to their maximum.
    pub const DB_REF_MAX: PlotSpec = PlotSpec {
        title_suffix: "(dB, ref = max)",
        unit: "dB",
        power_to_db: false,
    };
}

/// A feature's computation, given the shared intermediates and the configuration.
pub(crate) type ComputeFn = fn(&mut Intermediates<'_>, &FeatureConfig) -> Result<ArrayD<f32>>;

/// How a feature is computed, and when [`super::compute`] runs it.
#[derive(Clone, Copy)]
pub(crate) enum Compute {
    /// Reads the signal or intermediates: runs first, in the order asked.
    Reads(ComputeFn),
    /// Is an intermediate itself: moved out, uncopied, once every reader has run.
    Takes(ComputeFn),
}

/// One row of the feature table: everything Genrescope decides per feature.
#[derive(Clone, Copy)]
pub struct FeatureSpec {
    /// The `.npy` file stem, the CLI and manifest name.
    pub name: &'static str,
    /// What the rows are.
    pub axis: Axis,
    /// The title in plots and on the page.
    pub title: &'static str,
    /// What the feature is computed from.
    pub source: Source,
    /// Its shape rule.
    pub shape: Shape,
    /// The network trained on it.
    pub model: ModelFamily,
    /// Its input preparation.
    pub prep: Prep,
    /// Its normalisation groups.
    pub groups: NormGroups,
    /// How it is drawn.
    pub plot: PlotSpec,
    /// How it is computed.
    pub(crate) compute: Compute,
}

impl std::fmt::Debug for FeatureSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureSpec")
            .field("name", &self.name)
            .field("axis", &self.axis)
            .field("title", &self.title)
            .field("source", &self.source)
            .field("shape", &self.shape)
            .field("model", &self.model)
            .field("prep", &self.prep)
            .field("groups", &self.groups)
            .field("plot", &self.plot)
            .finish_non_exhaustive()
    }
}
