//! CQT-based pitch features (`librosa.feature.chroma_cqt`, `chroma_cens`, `tonnetz`).
use ndarray::{Array2, ArrayView2};

use crate::config::FeatureConfig;

/// `librosa.feature.chroma_cqt(C=cqt_mag, bins_per_octave=cfg.cqt_bins_per_octave)`, shape `(12, t)`.
pub fn chroma_cqt(cqt_mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (cqt_mag, cfg);
    unimplemented!("helper H2")
}

/// `librosa.feature.chroma_cens(C=cqt_mag, bins_per_octave=cfg.cqt_bins_per_octave)`, shape `(12, t)`.
pub fn chroma_cens(cqt_mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let _ = (cqt_mag, cfg);
    unimplemented!("helper H2")
}

/// `librosa.feature.tonnetz(chroma=chroma)` from an (inf-normalised) `chroma_cqt`, shape `(6, t)`.
pub fn tonnetz(chroma: ArrayView2<f32>) -> Array2<f32> {
    let _ = chroma;
    unimplemented!("helper H2")
}
