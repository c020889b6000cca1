//! Mel spectrogram and MFCC (`librosa.feature.melspectrogram`, `librosa.feature.mfcc`).
use ndarray::{Array2, ArrayView2};

use crate::config::FeatureConfig;
use crate::dsp::convert::{DbRef, POWER_AMIN, power_to_db_with};
use crate::dsp::filters::{self, FilterBank};

/// `top_db` of the `power_to_db` inside `librosa.feature.mfcc`, which does not pass one.
const MFCC_TOP_DB: f32 = 80.0;

/// `librosa.filters.mel(sr=cfg.sr, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=…, fmax=…)`.
pub fn mel_basis(cfg: &FeatureConfig) -> FilterBank {
    filters::mel(
        f64::from(cfg.sr),
        cfg.n_fft,
        cfg.n_mels,
        cfg.mel_fmin,
        cfg.mel_fmax,
    )
}

/// `librosa.feature.melspectrogram(S=power)`: mel power, shape `(n_mels, t)`.
pub fn melspectrogram(power: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    mel_basis(cfg).apply(power)
}

/// `librosa.feature.mfcc(S=power_to_db(mel_power), n_mfcc=cfg.n_mfcc)`, shape `(n_mfcc, t)`.
///
/// As in `librosa.feature.mfcc(y=y, sr=sr)`, the log-mel spectrogram is
/// `power_to_db(mel_power)` with librosa's defaults (`ref=1.0`, `amin=1e-10`, `top_db=80`),
/// whatever `cfg.top_db` is; then the orthonormal DCT-II along the mel axis, first `n_mfcc`
/// coefficients.
pub fn mfcc(mel_power: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(mfcc_body(mel_power, cfg) as (ArrayView2<'_, f32>, &FeatureConfig) -> Array2<f32>)
}

/// [`mfcc`]'s body, run by `vectorized!`.
#[inline(always)]
fn mfcc_body((mel_power, cfg): (ArrayView2<f32>, &FeatureConfig)) -> Array2<f32> {
    let log_mel = power_to_db_with(mel_power, DbRef::Value(1.0), POWER_AMIN, Some(MFCC_TOP_DB));
    let (n_mels, n_frames) = log_mel.dim();
    let n_mfcc = cfg.n_mfcc.min(n_mels);
    let dct = filters::dct_ortho(n_mfcc, n_mels);
    let src = log_mel.as_slice().expect("a new array is contiguous");
    let mut acc = vec![0.0f64; n_frames];
    let mut out = Array2::<f32>::zeros((n_mfcc, n_frames));
    for (k, mut out_row) in out.rows_mut().into_iter().enumerate() {
        acc.fill(0.0);
        for (m, row) in src.chunks_exact(n_frames.max(1)).take(n_mels).enumerate() {
            let w = dct[[k, m]];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += w * f64::from(v);
            }
        }
        for (o, &a) in out_row.iter_mut().zip(&acc) {
            *o = a as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_spectrum_mel_is_filter_area() {
        // With a flat power spectrum of 1, each Slaney-normalised band sums its weights:
        // librosa.feature.melspectrogram(S=np.ones((1025, 1), np.float32), sr=22050).
        let cfg = FeatureConfig::default();
        let ones = Array2::<f32>::ones((1025, 3));
        let mel = melspectrogram(ones.view(), &cfg);
        assert_eq!(mel.dim(), (128, 3));
        let expected = [
            (0, 0.090_345_88),
            (10, 0.091_041_125),
            (64, 0.092_800_48),
            (127, 0.092_869_24),
        ];
        for (i, e) in expected {
            assert!(
                (mel[[i, 1]] - e).abs() <= 1e-5 * e,
                "{i}: {} vs {e}",
                mel[[i, 1]]
            );
        }
    }

    #[test]
    fn mfcc_of_constant_mel_is_dc_only() {
        // A constant log-mel spectrogram has only c0 = sqrt(n_mels) * dB.
        let cfg = FeatureConfig::default();
        let mel_power = Array2::<f32>::from_elem((128, 4), 1e-2);
        let m = mfcc(mel_power.view(), &cfg);
        assert_eq!(m.dim(), (20, 4));
        assert!((m[[0, 2]] - (-20.0 * 128f32.sqrt())).abs() < 1e-3);
        assert!(
            m.rows()
                .into_iter()
                .skip(1)
                .all(|r| r.iter().all(|v| v.abs() < 1e-4))
        );
    }

    #[test]
    fn mfcc_of_silence_matches_librosa() {
        // librosa.feature.mfcc(y=np.zeros(2048, np.float32), sr=22050)[:, 0][:2]
        let cfg = FeatureConfig::default();
        let mel_power = Array2::<f32>::zeros((128, 5));
        let m = mfcc(mel_power.view(), &cfg);
        assert!((m[[0, 0]] + 1_131.371).abs() < 1e-2, "{}", m[[0, 0]]);
        assert!(m[[1, 0]].abs() < 1e-3);
    }
}
