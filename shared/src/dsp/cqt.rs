//! Constant-Q transform (`librosa.cqt`).
use ndarray::Array2;

use crate::error::Result;

/// `np.abs(librosa.cqt(y, sr=sr, hop_length=hop_length, fmin=fmin, n_bins=n_bins,
/// bins_per_octave=bins_per_octave, tuning=tuning))`, shape `(n_bins, 1 + len(y)/hop_length)`.
pub fn cqt_magnitude(
    y: &[f32],
    sr: u32,
    hop_length: usize,
    fmin: f64,
    n_bins: usize,
    bins_per_octave: usize,
    tuning: f64,
) -> Result<Array2<f32>> {
    let _ = (y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning);
    unimplemented!("helper H2")
}
