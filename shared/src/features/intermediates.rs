//! The work features share, computed on first use: one STFT for every STFT-based feature and
//! the CQT's tuning estimate, one CQT for `chroma_cqt`, `chroma_cens` and `tonnetz`.
//!
//! Each intermediate has a `take_*` method that hands it over (computing it if it is not held)
//! and a borrowing method that keeps it for the next feature. Features that *are* an
//! intermediate take it, after every feature that reads it has run (see
//! [`super::spec::Compute`]).

use ndarray::Array2;

use super::{Embedder, mel, spectral, tonal};
use crate::config::FeatureConfig;
use crate::dsp;
use crate::error::Result;
use crate::musicnn::TagModel;

/// `librosa.estimate_tuning`'s default FFT size, which `chroma_cqt` always uses.
const TUNING_N_FFT: usize = 2048;

/// The signal, its configuration and the intermediates computed so far.
pub(crate) struct Intermediates<'a> {
    y: &'a [f32],
    cfg: &'a FeatureConfig,
    embedder: &'a dyn Embedder,
    mag: Option<Array2<f32>>,
    power: Option<Array2<f32>>,
    mel_power: Option<Array2<f32>>,
    cqt_mag: Option<Array2<f32>>,
    chroma_cqt: Option<Array2<f32>>,
    centroid: Option<Array2<f32>>,
}

/// `|stft(y)|` at the configured FFT size and hop.
fn stft_magnitude(y: &[f32], cfg: &FeatureConfig) -> Array2<f32> {
    dsp::stft::stft_magnitude(y, cfg.n_fft, cfg.hop_length)
}

impl<'a> Intermediates<'a> {
    /// Nothing computed yet.
    pub(crate) fn new(y: &'a [f32], cfg: &'a FeatureConfig, embedder: &'a dyn Embedder) -> Self {
        Intermediates {
            y,
            cfg,
            embedder,
            mag: None,
            power: None,
            mel_power: None,
            cqt_mag: None,
            chroma_cqt: None,
            centroid: None,
        }
    }

    /// The signal.
    pub(crate) fn y(&self) -> &'a [f32] {
        self.y
    }

    /// `model`'s embedding of the signal as a feature ([`crate::musicnn::EMBEDDING_LEN`]
    /// values), from the embedder `compute_with` was given.
    pub(crate) fn embedding(&self, model: TagModel) -> Result<Vec<f32>> {
        self.embedder.embedding(model, self.y, self.cfg.sr)
    }

    /// The STFT magnitude `|stft(y)|`.
    pub(crate) fn mag(&mut self) -> &Array2<f32> {
        let (y, cfg) = (self.y, self.cfg);
        self.mag.get_or_insert_with(|| stft_magnitude(y, cfg))
    }

    /// The power spectrogram `|stft(y)|²`, handed over.
    pub(crate) fn take_power(&mut self) -> Array2<f32> {
        match self.power.take() {
            Some(power) => power,
            None => self.mag().mapv(|m| m * m),
        }
    }

    /// The power spectrogram `|stft(y)|²`.
    pub(crate) fn power(&mut self) -> &Array2<f32> {
        let power = self.take_power();
        self.power.insert(power)
    }

    /// The mel power spectrogram `melspectrogram(S=power)`.
    pub(crate) fn mel_power(&mut self) -> &Array2<f32> {
        let mel_power = match self.mel_power.take() {
            Some(mel_power) => mel_power,
            None => {
                let cfg = self.cfg;
                mel::melspectrogram(self.power().view(), cfg)
            }
        };
        self.mel_power.insert(mel_power)
    }

    /// The CQT magnitude, tuned as librosa's `chroma_cqt` tunes it.
    pub(crate) fn cqt_mag(&mut self) -> Result<&Array2<f32>> {
        let cqt_mag = match self.cqt_mag.take() {
            Some(cqt_mag) => cqt_mag,
            None => {
                let (y, cfg) = (self.y, self.cfg);
                let tuning = self.cqt_tuning();
                dsp::cqt::cqt_magnitude(
                    y,
                    cfg.sr,
                    cfg.hop_length,
                    cfg.cqt_fmin,
                    cfg.cqt_n_octaves * cfg.cqt_bins_per_octave,
                    cfg.cqt_bins_per_octave,
                    tuning,
                )?
            }
        };
        Ok(self.cqt_mag.insert(cqt_mag))
    }

    /// librosa's `chroma_cqt` estimates tuning from piptrack's own STFT (n_fft 2048, hop 512),
    /// whatever the configured STFT is; ours is shared only when it is that one.
    fn cqt_tuning(&mut self) -> f64 {
        let (y, cfg) = (self.y, self.cfg);
        let estimate = |mag: &Array2<f32>| {
            dsp::tuning::estimate_tuning(mag.view(), cfg.sr, TUNING_N_FFT, cfg.cqt_bins_per_octave)
        };
        if cfg.n_fft == TUNING_N_FFT && cfg.hop_length == TUNING_N_FFT / 4 {
            estimate(self.mag())
        } else {
            estimate(&dsp::stft::stft_magnitude(
                y,
                TUNING_N_FFT,
                TUNING_N_FFT / 4,
            ))
        }
    }

    /// The CQT chromagram `chroma_cqt(C=cqt_mag)`, handed over.
    pub(crate) fn take_chroma_cqt(&mut self) -> Result<Array2<f32>> {
        Ok(match self.chroma_cqt.take() {
            Some(chroma) => chroma,
            None => {
                let cfg = self.cfg;
                tonal::chroma_cqt(self.cqt_mag()?.view(), cfg)
            }
        })
    }

    /// The CQT chromagram `chroma_cqt(C=cqt_mag)`.
    pub(crate) fn chroma_cqt(&mut self) -> Result<&Array2<f32>> {
        let chroma = self.take_chroma_cqt()?;
        Ok(self.chroma_cqt.insert(chroma))
    }

    /// The spectral centroid, handed over.
    pub(crate) fn take_centroid(&mut self) -> Array2<f32> {
        match self.centroid.take() {
            Some(centroid) => centroid,
            None => {
                let cfg = self.cfg;
                spectral::spectral_centroid(self.mag().view(), cfg)
            }
        }
    }

    /// The STFT magnitude and the spectral centroid computed from it.
    pub(crate) fn mag_and_centroid(&mut self) -> (&Array2<f32>, &Array2<f32>) {
        let centroid = self.take_centroid();
        let (y, cfg) = (self.y, self.cfg);
        let mag = self.mag.get_or_insert_with(|| stft_magnitude(y, cfg));
        (mag, self.centroid.insert(centroid))
    }
}
