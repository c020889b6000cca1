//! CQT-based pitch features (`librosa.feature.chroma_cqt`, `chroma_cens`, `tonnetz`).
use ndarray::{Array2, ArrayView2};

use crate::config::FeatureConfig;
use crate::dsp::util::{Norm, normalize};

/// Chroma bins of `chroma_cqt` (librosa's default `n_chroma=12`).
const N_CHROMA: usize = 12;

/// `librosa.feature.chroma_cqt(C=cqt_mag, bins_per_octave=cfg.cqt_bins_per_octave)`, shape `(12, t)`:
/// the CQT bins folded onto pitch classes with [`cq_to_chroma`], then each frame scaled to a
/// maximum of 1 (`norm=np.inf`; all-zero frames stay zero).
pub fn chroma_cqt(cqt_mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    normalize(fold_to_chroma(cqt_mag, cfg).view(), Norm::Inf)
}

/// `librosa.feature.chroma_cens(C=cqt_mag, bins_per_octave=cfg.cqt_bins_per_octave)`, shape `(12, t)`:
/// the un-normalised chroma, L1-normalised per frame, quantised (steps 0.4, 0.2, 0.1, 0.05 of
/// weight 0.25 each), smoothed over time with a 41-frame Hann window (`win_len_smooth=41`,
/// zeros beyond the edges as `scipy.ndimage.convolve(mode='constant')`), L2-normalised.
pub fn chroma_cens(cqt_mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(chroma_cens_body(cqt_mag, cfg) as (ArrayView2<'_, f32>, &FeatureConfig) -> Array2<f32>)
}

/// [`chroma_cens`]'s body, run by `vectorized!`.
#[inline(always)]
fn chroma_cens_body((cqt_mag, cfg): (ArrayView2<f32>, &FeatureConfig)) -> Array2<f32> {
    const WIN_LEN_SMOOTH: usize = 41;
    let chroma = normalize(fold_to_chroma(cqt_mag, cfg).view(), Norm::L1);
    let quant = chroma.mapv(|v| {
        [0.4f32, 0.2, 0.1, 0.05]
            .iter()
            .map(|&step| if v > step { 0.25f32 } else { 0.0 })
            .sum::<f32>()
    });

    // filters.get_window('hann', 43, fftbins=False) / its sum.
    let m = WIN_LEN_SMOOTH + 2;
    let win: Vec<f64> = (0..m)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / (m - 1) as f64).cos())
        .collect();
    let total: f64 = win.iter().sum();
    let win: Vec<f64> = win.iter().map(|w| w / total).collect();
    let half = (m / 2) as isize;

    let (rows, t) = quant.dim();
    let mut smooth = Array2::<f32>::zeros((rows, t));
    for r in 0..rows {
        let row = quant.row(r);
        for i in 0..t {
            let mut acc = 0.0f64;
            for (j, w) in win.iter().enumerate() {
                let k = i as isize + half - j as isize;
                if k >= 0 && (k as usize) < t {
                    acc += w * f64::from(row[k as usize]);
                }
            }
            smooth[[r, i]] = acc as f32;
        }
    }
    normalize(smooth.view(), Norm::L2)
}

/// `librosa.feature.tonnetz(chroma=chroma)` from an (inf-normalised) `chroma_cqt`, shape `(6, t)`:
/// the chroma L1-normalised per frame, projected onto the fifths, minor-thirds and
/// major-thirds circles (`[sin, cos]` pairs with radii 1, 1, 0.5).
pub fn tonnetz(chroma: ArrayView2<f32>) -> Array2<f32> {
    let n_chroma = chroma.nrows();
    let scale = [
        7.0 / 6.0,
        7.0 / 6.0,
        3.0 / 2.0,
        3.0 / 2.0,
        2.0 / 3.0,
        2.0 / 3.0,
    ];
    let radius = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5];
    let phi: Vec<[f64; 6]> = (0..n_chroma)
        .map(|c| {
            let dim = c as f64 * 12.0 / n_chroma as f64;
            std::array::from_fn(|p| {
                let v = scale[p] * dim - if p % 2 == 0 { 0.5 } else { 0.0 };
                radius[p] * (std::f64::consts::PI * v).cos()
            })
        })
        .collect();
    let norm = normalize(chroma, Norm::L1);
    let t = norm.ncols();
    let mut out = Array2::<f32>::zeros((6, t));
    for i in 0..t {
        let col = norm.column(i);
        for p in 0..6 {
            out[[p, i]] = col
                .iter()
                .zip(&phi)
                .map(|(&x, ph)| ph[p] * f64::from(x))
                .sum::<f64>() as f32;
        }
    }
    out
}

/// `librosa.filters.cq_to_chroma(n_input, bins_per_octave=bins_per_octave, n_chroma=n_chroma,
/// fmin=fmin)`, shape `(n_chroma, n_input)`: each pitch class sums the `bins_per_octave /
/// n_chroma` CQT bins centred on it, in every octave, rotated so that row 0 is C.
///
/// `bins_per_octave` must be a positive multiple of `n_chroma`.
pub fn cq_to_chroma(
    n_input: usize,
    bins_per_octave: usize,
    n_chroma: usize,
    fmin: f64,
) -> Array2<f32> {
    let n_merge = bins_per_octave / n_chroma;
    let shift = n_merge / 2;
    let midi_0 = (12.0 * (fmin.log2() - 440f64.log2()) + 69.0).rem_euclid(12.0);
    let roll = (midi_0 * (n_chroma as f64 / 12.0)).round_ties_even() as i64;
    Array2::from_shape_fn((n_chroma, n_input), |(c, j)| {
        // np.roll(axis=0) by `roll`, then the column pattern rolled left by `shift`.
        let source = (c as i64 - roll).rem_euclid(n_chroma as i64) as usize;
        let col = (j % bins_per_octave + shift) % bins_per_octave;
        if col / n_merge == source { 1.0 } else { 0.0 }
    })
}

/// `cq_to_chroma @ cqt_mag` with librosa's chroma_cqt arguments (`fmin` of the CQT).
fn fold_to_chroma(cqt_mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    let (n_bins, t) = cqt_mag.dim();
    let map = cq_to_chroma(n_bins, cfg.cqt_bins_per_octave, N_CHROMA, cfg.cqt_fmin);
    let mut out = Array2::<f32>::zeros((N_CHROMA, t));
    for c in 0..N_CHROMA {
        let bins: Vec<usize> = (0..n_bins).filter(|&j| map[[c, j]] != 0.0).collect();
        for i in 0..t {
            // threshold=0.0 clips negatives, which a magnitude never has.
            let s: f64 = bins.iter().map(|&j| f64::from(cqt_mag[[j, i]])).sum();
            out[[c, i]] = (s as f32).max(0.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn matches_librosa_on_two_tones() {
        // librosa 0.11 on C = np.abs(librosa.cqt(y, sr=22050, n_bins=252, bins_per_octave=36,
        // tuning=0.0)) of the cqt module's two-tone test signal (A4, then A4 + C4), frame 6:
        // chroma_cqt(C=C), chroma_cens(C=C), tonnetz(chroma=chroma_cqt(C=C)); tolerance 1e-5.
        let cfg = FeatureConfig::default();
        let y = crate::dsp::cqt::tests::two_tones();
        let c = crate::dsp::cqt::cqt_magnitude(&y, 22050, 512, cfg.cqt_fmin, 252, 36, 0.0).unwrap();
        let chroma = chroma_cqt(c.view(), &cfg);
        let cens = chroma_cens(c.view(), &cfg);
        let ton = tonnetz(chroma.view());
        let want_chroma = [
            0.611128, 0.11326, 0.065056, 0.047354, 0.045025, 0.042846, 0.052089, 0.056855,
            0.068529, 1.0, 0.071206, 0.123637,
        ];
        let want_cens = [
            0.426658, 0.133092, 0.0, 0.0, 0.0, 0.0, 0.022071, 0.048657, 0.121328, 0.847273,
            0.147914, 0.207181,
        ];
        let want_ton = [0.408866, 0.196596, -0.404121, 0.233494, -0.002587, 0.308527];
        for k in 0..12 {
            assert!(
                (chroma[[k, 6]] - want_chroma[k]).abs() < 1e-5,
                "chroma {k}: {}",
                chroma[[k, 6]]
            );
            assert!(
                (cens[[k, 6]] - want_cens[k]).abs() < 1e-5,
                "cens {k}: {}",
                cens[[k, 6]]
            );
        }
        for p in 0..6 {
            assert!(
                (ton[[p, 6]] - want_ton[p]).abs() < 1e-5,
                "tonnetz {p}: {}",
                ton[[p, 6]]
            );
        }
    }

    #[test]
    fn cq_to_chroma_matches_librosa() {
        // librosa.filters.cq_to_chroma(252, bins_per_octave=36): row c sums bins 3c-1, 3c, 3c+1
        // of every octave (bin -1 wrapping to 35).
        let m = cq_to_chroma(252, 36, 12, crate::config::C1_HZ);
        assert_eq!(m.dim(), (12, 252));
        for c in 0..12 {
            for j in 0..252 {
                let k = j % 36;
                let want = k == (3 * c + 35) % 36 || k == 3 * c || k == 3 * c + 1;
                assert_eq!(m[[c, j]] == 1.0, want, "c={c} j={j}");
            }
        }
        // Starting at A (midi 9 mod 12) rotates the classes so that row 0 is still C.
        let a = cq_to_chroma(36, 36, 12, 55.0);
        assert_eq!(a[[9, 0]], 1.0);
    }

    #[test]
    fn pure_pitch_class_gives_one_hot_chroma_and_its_tonnetz() {
        // All energy in the bins of pitch class E (4): chroma_cqt is one-hot, tonnetz is
        // phi[:, 4] (values from librosa: librosa.feature.tonnetz(chroma=one_hot_E)).
        let cfg = FeatureConfig::default();
        let mut c = Array2::<f32>::zeros((252, 3));
        for oct in 0..7 {
            c[[oct * 36 + 12, 1]] = 2.0;
        }
        let chroma = chroma_cqt(c.view(), &cfg);
        for k in 0..12 {
            assert_eq!(chroma[[k, 1]], if k == 4 { 1.0 } else { 0.0 });
            assert_eq!(chroma[[k, 0]], 0.0);
        }
        let ton = tonnetz(chroma.view());
        let want = [0.8660254, -0.5, 0.0, 1.0, 0.4330127, -0.25];
        for p in 0..6 {
            assert!((ton[[p, 1]] - want[p]).abs() < 1e-6, "{p}: {}", ton[[p, 1]]);
            assert_eq!(ton[[p, 0]], 0.0);
        }
    }

    #[test]
    fn cens_of_a_steady_class_and_of_silence() {
        // A steady one-hot chroma over 100 frames: CENS is one-hot (after L2 norm) in every
        // frame, since the smoothing only scales it; silence stays zero.
        let cfg = FeatureConfig::default();
        let mut c = Array2::<f32>::zeros((252, 100));
        for i in 0..100 {
            c[[36 + 3 * 7, i]] = 1.0;
        }
        let cens = chroma_cens(c.view(), &cfg);
        for i in 0..100 {
            for k in 0..12 {
                let want = if k == 7 { 1.0 } else { 0.0 };
                assert!((cens[[k, i]] - want).abs() < 1e-6);
            }
        }
        let zero = chroma_cens(Array2::<f32>::zeros((252, 5)).view(), &cfg);
        assert!(zero.iter().all(|&v| v == 0.0));
    }
}
