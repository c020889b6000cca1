//! Chromagram from a power spectrogram (`librosa.feature.chroma_stft`).
use ndarray::{Array2, ArrayView2};

use crate::config::FeatureConfig;
use crate::dsp::filters;
use crate::dsp::tuning::estimate_tuning;
use crate::dsp::util::{Norm, normalize};

/// `librosa.feature.chroma_stft(S=power, sr=cfg.sr)` with tuning estimated from `power`,
/// shape `(n_chroma, t)`.
///
/// As librosa does: `tuning = estimate_tuning(S=power, sr=sr, bins_per_octave=n_chroma)`,
/// the chroma filter bank for that tuning applied to `power`, then each frame scaled to a
/// maximum of 1 (`norm=np.inf`; silent frames stay zero).
pub fn chroma_stft(power: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let tuning = estimate_tuning(power, cfg.sr, cfg.n_fft, cfg.n_chroma);
    let bank = filters::chroma(f64::from(cfg.sr), cfg.n_fft, cfg.n_chroma, tuning);
    let raw = bank.apply(power);
    normalize(raw.view(), Norm::Inf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A floor of 1e-3 with, per frame, a peak at bin k (neighbours a, b) and its octave at 2k.
    fn peaks() -> Array2<f32> {
        let mut s = Array2::<f32>::from_elem((1025, 3), 1e-3);
        for (t, (k, a, b)) in [(41, 0.3, 0.6), (82, 0.5, 0.2), (52, 0.1, 0.4)]
            .into_iter()
            .enumerate()
        {
            s[[k, t]] = 1.0;
            s[[k - 1, t]] = a;
            s[[k + 1, t]] = b;
            s[[2 * k, t]] = 0.5;
            s[[2 * k - 1, t]] = b;
            s[[2 * k + 1, t]] = a;
        }
        s
    }

    #[test]
    fn matches_librosa_on_a_peaky_spectrum() {
        // librosa.estimate_tuning(S=peaks(), sr=22050) == 0.03 (and -0.39 at 36 bins per
        // octave); librosa.feature.chroma_stft(S=peaks(), sr=22050):
        let s = peaks();
        assert!(
            (crate::dsp::tuning::estimate_tuning(s.view(), 22050, 2048, 12) - 0.03).abs() < 1e-12
        );
        assert!(
            (crate::dsp::tuning::estimate_tuning(s.view(), 22050, 2048, 36) + 0.39).abs() < 1e-12
        );
        let expected = [
            [
                0.019_758_921,
                0.020_167_492,
                0.020_587_191,
                0.020_976_963,
                0.021_035_31,
                0.018_226_007,
                0.017_080_486,
                0.018_564_967,
                0.190_283_42,
                1.0,
                0.252_387_52,
                0.021_397_257,
            ],
            [
                0.020_975_86,
                0.021_410_074,
                0.021_855_634,
                0.022_269_418,
                0.022_331_36,
                0.019_348_97,
                0.018_132_718,
                0.019_057_086,
                0.159_938_74,
                1.0,
                0.174_909_59,
                0.021_027_807,
            ],
            [
                0.112_390_26,
                1.0,
                0.320_230_5,
                0.029_039_303,
                0.026_502_872,
                0.022_962_84,
                0.021_519_385,
                0.022_066_535,
                0.022_665_22,
                0.023_256_319,
                0.023_796_525,
                0.024_513_26,
            ],
        ];
        let c = chroma_stft(s.view(), &FeatureConfig::default());
        for (t, col) in expected.iter().enumerate() {
            for (p, &e) in col.iter().enumerate() {
                assert!(
                    (c[[p, t]] - e).abs() < 1e-6,
                    "[{p}, {t}]: {} vs {e}",
                    c[[p, t]]
                );
            }
        }
    }

    #[test]
    fn a440_lights_up_a() {
        // A power spectrum with all its energy in bin 41 (441.4 Hz): chroma peaks on A (9).
        let cfg = FeatureConfig::default();
        let mut power = Array2::<f32>::zeros((1025, 2));
        power[[40, 0]] = 0.2;
        power[[41, 0]] = 1.0;
        power[[42, 0]] = 0.2;
        let c = chroma_stft(power.view(), &cfg);
        assert_eq!(c.dim(), (12, 2));
        let col = c.column(0);
        assert_eq!(col[9], 1.0);
        assert!(col.iter().enumerate().all(|(i, &v)| i == 9 || v < 0.5));
        // The silent frame stays zero.
        assert!(c.column(1).iter().all(|&v| v == 0.0));
    }
}
