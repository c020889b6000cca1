//! Array utilities with librosa's semantics (`librosa.util`).

use ndarray::{Array2, ArrayView2, Axis};

/// Which norm [`normalize`] scales each column to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Norm {
    /// Maximum absolute value (`norm=np.inf`).
    Inf,
    /// Sum of absolute values (`norm=1`).
    L1,
    /// Euclidean length (`norm=2`).
    L2,
}

/// `librosa.util.normalize(S, norm=norm, axis=0, threshold=None, fill=None)` on a
/// `(bins, frames)` array: each column is divided by its norm; columns whose norm is below
/// the smallest positive normal number (`threshold=None`) are left unscaled.
pub fn normalize(s: ArrayView2<f32>, norm: Norm) -> Array2<f32> {
    crate::vectorized!(normalize_body(s, norm) as (ArrayView2<'_, f32>, Norm) -> Array2<f32>)
}

/// [`normalize`]'s body, run by `vectorized!`.
#[inline(always)]
fn normalize_body((s, norm): (ArrayView2<f32>, Norm)) -> Array2<f32> {
    let mut out = s.to_owned();
    let tiny = f32::MIN_POSITIVE;
    for mut col in out.axis_iter_mut(Axis(1)) {
        let length = match norm {
            Norm::Inf => col.iter().fold(0.0f32, |m, v| m.max(v.abs())),
            Norm::L1 => col.iter().map(|v| v.abs()).sum(),
            Norm::L2 => col.iter().map(|v| v * v).sum::<f32>().sqrt(),
        };
        if length >= tiny {
            col.mapv_inplace(|v| v / length);
        }
    }
    out
}
