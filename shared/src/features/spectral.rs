//! Spectral extras and frame statistics (`librosa.feature.spectral_*`, `zero_crossing_rate`, `rms`).
use ndarray::{Array1, Array2, ArrayView2};

use crate::config::FeatureConfig;

/// `np.abs(np.fft.rfft(y))`, shape `(len(y)/2 + 1,)`.
pub fn fourier(y: &[f32]) -> Array1<f32> {
    let _ = y;
    unimplemented!("helper H1")
}

/// `librosa.feature.spectral_centroid(S=mag, sr=sr)`, shape `(1, t)`.
pub fn spectral_centroid(mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (mag, cfg);
    unimplemented!("helper H1")
}

/// `librosa.feature.spectral_bandwidth(S=mag, sr=sr, centroid=centroid)`, shape `(1, t)`.
pub fn spectral_bandwidth(mag: ArrayView2<f32>, centroid: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (mag, centroid, cfg);
    unimplemented!("helper H1")
}

/// `librosa.feature.spectral_rolloff(S=mag, sr=sr)`, shape `(1, t)`.
pub fn spectral_rolloff(mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (mag, cfg);
    unimplemented!("helper H1")
}

/// `librosa.feature.spectral_contrast(S=mag, sr=sr)`, shape `(n_bands + 1, t)`.
pub fn spectral_contrast(mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (mag, cfg);
    unimplemented!("helper H1")
}

/// `librosa.feature.zero_crossing_rate(y)`, shape `(1, t)`.
pub fn zero_crossing_rate(y: &[f32], cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (y, cfg);
    unimplemented!("helper H1")
}

/// `librosa.feature.rms(y=y)`, shape `(1, t)`.
pub fn rms(y: &[f32], cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (y, cfg);
    unimplemented!("helper H1")
}
