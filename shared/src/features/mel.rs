//! Mel spectrogram and MFCC (`librosa.feature.melspectrogram`, `librosa.feature.mfcc`).
use ndarray::{Array2, ArrayView2};

use crate::config::FeatureConfig;

/// `librosa.feature.melspectrogram(S=power)`: mel power, shape `(n_mels, t)`.
pub fn melspectrogram(power: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (power, cfg);
    unimplemented!("helper H1")
}

/// `librosa.feature.mfcc(S=power_to_db(mel_power), n_mfcc=cfg.n_mfcc)`, shape `(n_mfcc, t)`.
pub fn mfcc(mel_power: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (mel_power, cfg);
    unimplemented!("helper H1")
}
