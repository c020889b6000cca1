//! Chromagram from a power spectrogram (`librosa.feature.chroma_stft`).
use ndarray::{Array2, ArrayView2};

use crate::config::FeatureConfig;

/// `librosa.feature.chroma_stft(S=power, sr=cfg.sr)` with tuning estimated from `power`,
/// shape `(n_chroma, t)`.
pub fn chroma_stft(power: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (power, cfg);
    unimplemented!("helper H1")
}
