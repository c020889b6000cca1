//! Band-limited resampling close to `librosa.resample(res_type='soxr_hq')`.
use crate::error::Result;

/// Resamples `y` from `orig_sr` to `target_sr`; the output has `ceil(len * target / orig)`
/// samples, as `librosa.resample(..., fix=True, scale=False)`.
pub fn resample(y: &[f32], orig_sr: u32, target_sr: u32) -> Result<Vec<f32>> {
    let _ = (y, orig_sr, target_sr);
    unimplemented!("helper H2")
}
