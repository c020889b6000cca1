//! Transforms and filter banks: librosa's `core` and `filters` layers.

pub mod convert;
pub mod cqt;
pub mod filters;
pub mod resample;
pub mod simd;
pub mod stft;
pub mod tuning;
pub mod util;
pub mod window;
