//! The one configuration struct shared by the trainer, the artifacts stage and the browser.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The frequency of C1 in Hz, librosa's `note_to_hz('C1')`.
pub const C1_HZ: f64 = 32.703_195_662_574_83;

/// Every parameter of feature extraction, named as librosa names it.
///
/// The defaults are librosa 0.11's defaults, so a default `FeatureConfig` reproduces
/// `librosa.feature.*(y=y, sr=22050)` with no other argument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Sample rate of the signal in Hz (`sr`). Default: `22050`.
    pub sr: u32,
    /// FFT size of the short-time Fourier transform (`n_fft`); also the frame length of
    /// `zero_crossing_rate` and `rms`. Default: `2048`.
    pub n_fft: usize,
    /// Hop between frames in samples (`hop_length`), for every framed feature. Default: `512`.
    pub hop_length: usize,
    /// Number of mel bands (`n_mels`), Slaney mel scale and Slaney area normalisation. Default: `128`.
    pub n_mels: usize,
    /// Lowest mel band edge in Hz (`fmin`). Default: `0.0`.
    pub mel_fmin: f64,
    /// Highest mel band edge in Hz (`fmax`); `None` means `sr / 2`. Default: `None`.
    pub mel_fmax: Option<f64>,
    /// Number of MFCCs (`n_mfcc`), DCT-II with orthonormal scaling. Default: `20`.
    pub n_mfcc: usize,
    /// Number of chroma bins (`n_chroma`) for `chroma_stft`. Default: `12`.
    pub n_chroma: usize,
    /// Lowest CQT frequency in Hz (`fmin` of `chroma_cqt`), C1. Default: `32.703195662574835`.
    pub cqt_fmin: f64,
    /// CQT bins per octave (`bins_per_octave` of `chroma_cqt`). Default: `36`.
    pub cqt_bins_per_octave: usize,
    /// CQT octaves (`n_octaves` of `chroma_cqt`). Default: `7`.
    pub cqt_n_octaves: usize,
    /// Dynamic range kept by `spectrogram` and `mel` below their maximum, in dB (`top_db`).
    /// Default: `80.0`.
    pub top_db: f32,
    /// Fraction of energy below the roll-off frequency (`roll_percent`). Default: `0.85`.
    pub roll_percent: f32,
    /// Frequency bands of `spectral_contrast` (`n_bands`). Default: `6`.
    pub contrast_n_bands: usize,
    /// Lower edge of the first contrast band in Hz (`fmin` of `spectral_contrast`). Default: `200.0`.
    pub contrast_fmin: f64,
    /// Quantile that defines peaks and valleys in `spectral_contrast` (`quantile`). Default: `0.02`.
    pub contrast_quantile: f64,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            sr: 22_050,
            n_fft: 2048,
            hop_length: 512,
            n_mels: 128,
            mel_fmin: 0.0,
            mel_fmax: None,
            n_mfcc: 20,
            n_chroma: 12,
            cqt_fmin: C1_HZ,
            cqt_bins_per_octave: 36,
            cqt_n_octaves: 7,
            top_db: 80.0,
            roll_percent: 0.85,
            contrast_n_bands: 6,
            contrast_fmin: 200.0,
            contrast_quantile: 0.02,
        }
    }
}

impl FeatureConfig {
    /// Checks every parameter, naming the first bad one and its value.
    pub fn validate(&self) -> Result<()> {
        if self.sr < 1000 {
            return Err(Error::invalid(
                "sr",
                format!("{} Hz is below 1000 Hz", self.sr),
            ));
        }
        if self.n_fft < 16 || !self.n_fft.is_power_of_two() {
            return Err(Error::invalid(
                "n_fft",
                format!("{} is not a power of two >= 16", self.n_fft),
            ));
        }
        if self.hop_length == 0 || self.hop_length > self.n_fft {
            return Err(Error::invalid(
                "hop_length",
                format!("{} is not in 1..=n_fft", self.hop_length),
            ));
        }
        if self.n_mels == 0 {
            return Err(Error::invalid("n_mels", "0 bands"));
        }
        let nyquist = f64::from(self.sr) / 2.0;
        let fmax = self.mel_fmax.unwrap_or(nyquist);
        if !(self.mel_fmin >= 0.0 && self.mel_fmin < fmax && fmax <= nyquist) {
            return Err(Error::invalid(
                "fmax",
                format!(
                    "mel range {}..{} Hz is not inside 0..{} Hz",
                    self.mel_fmin, fmax, nyquist
                ),
            ));
        }
        if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
            return Err(Error::invalid(
                "n_mfcc",
                format!("{} is not in 1..=n_mels", self.n_mfcc),
            ));
        }
        if self.n_chroma == 0 {
            return Err(Error::invalid("n_chroma", "0 bins"));
        }
        if self.cqt_bins_per_octave == 0 || !self.cqt_bins_per_octave.is_multiple_of(12) {
            return Err(Error::invalid(
                "bins_per_octave",
                format!("{} is not a multiple of 12", self.cqt_bins_per_octave),
            ));
        }
        if self.cqt_n_octaves == 0 {
            return Err(Error::invalid("n_octaves", "0 octaves"));
        }
        if !(self.cqt_fmin > 0.0) {
            return Err(Error::invalid(
                "fmin",
                format!("{} Hz is not positive", self.cqt_fmin),
            ));
        }
        if !(self.top_db > 0.0) {
            return Err(Error::invalid(
                "top_db",
                format!("{} dB is not positive", self.top_db),
            ));
        }
        if !(self.roll_percent > 0.0 && self.roll_percent < 1.0) {
            return Err(Error::invalid(
                "roll_percent",
                format!("{} is not in (0, 1)", self.roll_percent),
            ));
        }
        if !(self.contrast_quantile > 0.0 && self.contrast_quantile < 1.0) {
            return Err(Error::invalid(
                "quantile",
                format!("{} is not in (0, 1)", self.contrast_quantile),
            ));
        }
        if self.contrast_n_bands == 0 || !(self.contrast_fmin > 0.0) {
            return Err(Error::invalid(
                "n_bands",
                format!(
                    "{} bands from {} Hz",
                    self.contrast_n_bands, self.contrast_fmin
                ),
            ));
        }
        Ok(())
    }

    /// Number of STFT frames for a signal of `n` samples with `center=True`.
    pub fn n_frames(&self, n: usize) -> usize {
        1 + n / self.hop_length
    }

    /// Number of frequency bins of the STFT, `1 + n_fft / 2`.
    pub fn n_freq(&self) -> usize {
        1 + self.n_fft / 2
    }
}
