//! Spectral extras and frame statistics (`librosa.feature.spectral_*`, `zero_crossing_rate`, `rms`).
//!
//! The spectral features take the magnitude STFT `(1 + n_fft/2, t)`, row-major, and reduce
//! over frequency row by row, vectorised across frames, accumulating in `f64`.
use std::cell::RefCell;
use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView2};
use realfft::{RealFftPlanner, RealToComplex};

use crate::config::FeatureConfig;
use crate::dsp::filters::fft_frequencies;

/// Signals up to this length keep their transform's plan for the next call (see [`fourier`]).
const FOURIER_CACHE_MAX_LEN: usize = 1 << 21;

thread_local! {
    /// The plan of the last [`fourier`] call, if its length was at most
    /// [`FOURIER_CACHE_MAX_LEN`]: planning a long transform (its twiddle factors) costs several
    /// times the transform itself, and clips of one length usually come in a row.
    static FOURIER_PLAN: RefCell<Option<Arc<dyn RealToComplex<f32>>>> = const { RefCell::new(None) };
}

/// The forward real FFT plan for length `n`, reusing the last one when it fits.
fn fourier_plan(n: usize) -> Arc<dyn RealToComplex<f32>> {
    FOURIER_PLAN.with(|cell| {
        let mut cached = cell.borrow_mut();
        if let Some(plan) = cached.as_ref().filter(|p| p.len() == n) {
            return Arc::clone(plan);
        }
        let plan = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        *cached = (n <= FOURIER_CACHE_MAX_LEN).then(|| Arc::clone(&plan));
        plan
    })
}

/// `np.abs(np.fft.rfft(y))`, shape `(len(y)/2 + 1,)`, for any length.
///
/// numpy transforms `float32` input in single precision, and so does this. The plan of the
/// last length (up to 2^21 samples) is kept per thread for the next call.
pub fn fourier(y: &[f32]) -> Array1<f32> {
    let n = y.len();
    if n < 2 {
        return y.iter().map(|v| v.abs()).collect();
    }
    let fft = fourier_plan(n);
    let mut input = y.to_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
        .expect("buffer sizes come from the plan");
    // |X| as numpy's hypotf gives it: the f64 hypotenuse of the f32 parts, rounded once.
    spectrum
        .iter()
        .map(|c| {
            let (re, im) = (f64::from(c.re), f64::from(c.im));
            (re * re + im * im).sqrt() as f32
        })
        .collect()
}

/// Per frame, the `f64` sums that `add_row(k, row, sums)` accumulates over the rows `k`.
#[inline(always)]
fn weighted_sums(
    data: &[f32],
    n_frames: usize,
    mut add_row: impl FnMut(usize, &[f32], &mut [f64]),
) -> Vec<f64> {
    let mut acc = vec![0.0f64; n_frames];
    for (k, row) in data.chunks_exact(n_frames).enumerate() {
        add_row(k, row, &mut acc);
    }
    acc
}

/// The per-frame L1 norms of `librosa.util.normalize(S, norm=1, axis=-2)`, in `f64`, with
/// librosa's convention that columns below `tiny(float32)` stay unscaled (norm 1).
#[inline(always)]
fn l1_norms(data: &[f32], n_frames: usize) -> Vec<f64> {
    let mut length = weighted_sums(data, n_frames, |_, row, acc| {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a += f64::from(v.abs());
        }
    });
    for l in &mut length {
        if *l < f64::from(f32::MIN_POSITIVE) {
            *l = 1.0;
        }
    }
    length
}

/// `librosa.feature.spectral_centroid(S=mag, sr=sr)`, shape `(1, t)`.
///
/// `sum_k freq[k] S[k] / sum_k S[k]` per frame (librosa normalises `S` first; the sums here
/// are in `f64`). Silent frames give 0.
pub fn spectral_centroid(mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(spectral_centroid_body(mag, cfg) as (ArrayView2<'_, f32>, &FeatureConfig) -> Array2<f32>)
}

/// [`spectral_centroid`]'s body, run by `vectorized!`.
#[inline(always)]
fn spectral_centroid_body((mag, cfg): (ArrayView2<f32>, &FeatureConfig)) -> Array2<f32> {
    let (n_bins, n_frames) = mag.dim();
    if n_frames == 0 || n_bins == 0 {
        return Array2::zeros((1, n_frames));
    }
    let freq = fft_frequencies(f64::from(cfg.sr), 2 * (n_bins - 1));
    let mag = mag.as_standard_layout();
    let data = mag.as_slice().expect("standard layout is contiguous");
    let length = l1_norms(data, n_frames);
    let moment = weighted_sums(data, n_frames, |k, row, acc| {
        let f = freq[k];
        for (a, &v) in acc.iter_mut().zip(row) {
            *a += f * f64::from(v);
        }
    });
    Array2::from_shape_fn((1, n_frames), |(_, t)| (moment[t] / length[t]) as f32)
}

/// `librosa.feature.spectral_bandwidth(S=mag, sr=sr, centroid=centroid)`, shape `(1, t)`.
///
/// `(sum_k S_norm[k] * (freq[k] - centroid)^2)^(1/2)` with `S` normalised to sum 1 per frame;
/// silent frames give 0.
pub fn spectral_bandwidth(
    mag: ArrayView2<f32>,
    centroid: ArrayView2<f32>,
    cfg: &FeatureConfig,
) -> Array2<f32> {
    crate::vectorized!(spectral_bandwidth_body(mag, centroid, cfg) as (ArrayView2<'_, f32>, ArrayView2<'_, f32>, &FeatureConfig) -> Array2<f32>)
}

/// [`spectral_bandwidth`]'s body, run by `vectorized!`.
#[inline(always)]
fn spectral_bandwidth_body(
    (mag, centroid, cfg): (ArrayView2<f32>, ArrayView2<f32>, &FeatureConfig),
) -> Array2<f32> {
    let (n_bins, n_frames) = mag.dim();
    assert_eq!(centroid.ncols(), n_frames, "one centroid per frame");
    if n_frames == 0 || n_bins == 0 {
        return Array2::zeros((1, n_frames));
    }
    let freq = fft_frequencies(f64::from(cfg.sr), 2 * (n_bins - 1));
    let mag = mag.as_standard_layout();
    let data = mag.as_slice().expect("standard layout is contiguous");
    let length = l1_norms(data, n_frames);
    let centroid: Vec<f64> = centroid.row(0).iter().map(|&c| f64::from(c)).collect();
    let moment = weighted_sums(data, n_frames, |k, row, acc| {
        let f = freq[k];
        for ((a, &v), &c) in acc.iter_mut().zip(row).zip(&centroid) {
            let d = c - f;
            *a += f64::from(v) * (d * d);
        }
    });
    Array2::from_shape_fn((1, n_frames), |(_, t)| {
        (moment[t] / length[t]).sqrt() as f32
    })
}

/// `librosa.feature.spectral_rolloff(S=mag, sr=sr, roll_percent=cfg.roll_percent)`, shape `(1, t)`.
///
/// The frequency of the first bin where the (`float32`) cumulative sum reaches `roll_percent`
/// of the frame's total; silent frames give 0.
pub fn spectral_rolloff(mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(spectral_rolloff_body(mag, cfg) as (ArrayView2<'_, f32>, &FeatureConfig) -> Array2<f32>)
}

/// [`spectral_rolloff`]'s body, run by `vectorized!`.
#[inline(always)]
fn spectral_rolloff_body((mag, cfg): (ArrayView2<f32>, &FeatureConfig)) -> Array2<f32> {
    let (n_bins, n_frames) = mag.dim();
    if n_frames == 0 || n_bins == 0 {
        return Array2::zeros((1, n_frames));
    }
    let freq = fft_frequencies(f64::from(cfg.sr), 2 * (n_bins - 1));
    let mag = mag.as_standard_layout();
    let data = mag.as_slice().expect("standard layout is contiguous");
    // np.cumsum along frequency, in float32, as librosa does.
    let mut total = vec![0.0f32; n_frames];
    for row in data.chunks_exact(n_frames) {
        for (t, &v) in total.iter_mut().zip(row) {
            *t += v;
        }
    }
    let threshold: Vec<f32> = total.iter().map(|&t| cfg.roll_percent * t).collect();
    // The cumulative sum never decreases, so the first bin that reaches the threshold is the
    // number of bins that do not.
    let mut cum = vec![0.0f32; n_frames];
    let mut below = vec![0u32; n_frames];
    for row in data.chunks_exact(n_frames) {
        for (((c, b), &v), &th) in cum
            .iter_mut()
            .zip(below.iter_mut())
            .zip(row)
            .zip(&threshold)
        {
            *c += v;
            *b += u32::from(*c < th);
        }
    }
    Array2::from_shape_fn((1, n_frames), |(_, t)| {
        freq[(below[t] as usize).min(n_bins - 1)] as f32
    })
}

/// `librosa.feature.spectral_contrast(S=mag, sr=sr)`, shape `(n_bands + 1, t)`, with
/// `fmin`, `n_bands` and `quantile` from `cfg` and `linear=False`.
///
/// Per octave band: the mean of the top and of the bottom `quantile` of its bins (at least
/// one), converted with `power_to_db` (ref 1, `top_db=80` over the whole array, as librosa
/// does), then peak minus valley. Silent frames give 0.
pub fn spectral_contrast(mag: ArrayView2<f32>, cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(spectral_contrast_body(mag, cfg) as (ArrayView2<'_, f32>, &FeatureConfig) -> Array2<f32>)
}

/// [`spectral_contrast`]'s body, run by `vectorized!`.
#[inline(always)]
fn spectral_contrast_body((mag, cfg): (ArrayView2<f32>, &FeatureConfig)) -> Array2<f32> {
    let (n_bins, n_frames) = mag.dim();
    let n_rows = cfg.contrast_n_bands + 1;
    let mut out = Array2::<f32>::zeros((n_rows, n_frames));
    if n_frames == 0 {
        return out;
    }
    let freq = fft_frequencies(f64::from(cfg.sr), 2 * (n_bins - 1));
    let bands = contrast_bands(&freq, cfg);

    let mag = mag.as_standard_layout();
    let data = mag.as_slice().expect("standard layout is contiguous");
    let row = |k: usize| &data[k * n_frames..(k + 1) * n_frames];

    let mut peak = vec![0.0f64; n_rows * n_frames];
    let mut valley = vec![0.0f64; n_rows * n_frames];
    for (b, band) in bands.iter().enumerate() {
        if band.end <= band.start {
            continue;
        }
        let q = band.quantile_count.min(band.end - band.start);
        let (valley_b, peak_b) = (
            &mut valley[b * n_frames..(b + 1) * n_frames],
            &mut peak[b * n_frames..(b + 1) * n_frames],
        );
        // Per frame, the q smallest values (ascending) and the q largest (descending). Spectra
        // tend to fall with frequency, so the smallest are sought from the top of the band
        // down and the largest from the bottom up: most rows then change nothing.
        let low = extreme_levels::<true>(q, n_frames, (band.start..band.end).rev().map(row));
        let high = extreme_levels::<false>(q, n_frames, (band.start..band.end).map(row));
        for t in 0..n_frames {
            valley_b[t] = ascending_mean((0..q).map(|i| low.level(i, t)));
            peak_b[t] = ascending_mean((0..q).rev().map(|i| high.level(i, t)));
        }
    }
    let to_db = |v: &mut Vec<f64>| {
        let mut max_db = f64::NEG_INFINITY;
        for x in v.iter_mut() {
            *x = 10.0 * x.max(1e-10).log10();
            max_db = max_db.max(*x);
        }
        let floor = max_db - 80.0;
        for x in v.iter_mut() {
            *x = x.max(floor);
        }
    };
    to_db(&mut peak);
    to_db(&mut valley);
    for ((o, p), v) in out.iter_mut().zip(&peak).zip(&valley) {
        *o = (p - v) as f32;
    }
    out
}

/// The mean of ascending `values` as numpy takes it after `np.sort`: summed in order, in `float32`.
#[inline(always)]
fn ascending_mean(values: impl ExactSizeIterator<Item = f32>) -> f64 {
    let n = values.len();
    let sum = values.fold(0.0f32, |a, v| a + v);
    f64::from(sum / n as f32)
}

/// Frames handled together by [`extreme_levels`].
const LEVEL_CHUNK: usize = 8;

/// Per frame, the `q` smallest (`LOW`) or largest values of `rows` (each `n_frames` long):
/// `level(i, t)` of the result is the `i`-th most extreme value of frame `t`.
///
/// Each row goes through a branch-free insertion network, eight frames at a time, skipping
/// the frames where it would change nothing.
#[inline(always)]
fn extreme_levels<'a, const LOW: bool>(
    q: usize,
    n_frames: usize,
    rows: impl Iterator<Item = &'a [f32]>,
) -> Levels {
    let init = if LOW {
        f32::INFINITY
    } else {
        f32::NEG_INFINITY
    };
    let n_chunks = n_frames.div_ceil(LEVEL_CHUNK);
    // Chunk-major: the q levels of a chunk of frames are adjacent.
    let mut levels = vec![[init; LEVEL_CHUNK]; n_chunks * q];
    for row in rows {
        for (c, chunk_levels) in levels.chunks_exact_mut(q).enumerate() {
            let t0 = c * LEVEL_CHUNK;
            let mut carry = match row.get(t0..t0 + LEVEL_CHUNK) {
                Some(full) => <[f32; LEVEL_CHUNK]>::try_from(full).expect("a full chunk"),
                None => {
                    // The last, partial chunk: its missing frames never win.
                    let mut partial = [init; LEVEL_CHUNK];
                    partial[..n_frames - t0].copy_from_slice(&row[t0..]);
                    partial
                }
            };
            let worst = &chunk_levels[q - 1];
            let mut beats_worst = false;
            for k in 0..LEVEL_CHUNK {
                beats_worst |= if LOW {
                    carry[k] < worst[k]
                } else {
                    carry[k] > worst[k]
                };
            }
            if !beats_worst {
                continue;
            }
            for level in chunk_levels.iter_mut() {
                for k in 0..LEVEL_CHUNK {
                    let (a, v) = (level[k], carry[k]);
                    if LOW {
                        level[k] = a.min(v);
                        carry[k] = a.max(v);
                    } else {
                        level[k] = a.max(v);
                        carry[k] = a.min(v);
                    }
                }
            }
        }
    }
    Levels { q, levels }
}

/// The result of [`extreme_levels`].
struct Levels {
    q: usize,
    levels: Vec<[f32; LEVEL_CHUNK]>,
}

impl Levels {
    /// The `i`-th most extreme value of frame `t`.
    fn level(&self, i: usize, t: usize) -> f32 {
        self.levels[(t / LEVEL_CHUNK) * self.q + i][t % LEVEL_CHUNK]
    }
}

/// One band of `spectral_contrast`: the rows it sorts and how many of them it averages.
struct ContrastBand {
    start: usize,
    end: usize,
    quantile_count: usize,
}

/// The bands of `librosa.feature.spectral_contrast`: `[0, fmin]`, `[fmin, 2 fmin]`, …, each
/// widened by the bin below it, the last running to the top of the spectrum; all but the last
/// drop their top bin. Bands without bins (librosa fails there) come out empty.
fn contrast_bands(freq: &[f64], cfg: &FeatureConfig) -> Vec<ContrastBand> {
    let n_bands = cfg.contrast_n_bands;
    let mut octa = vec![0.0f64; n_bands + 2];
    for (i, o) in octa.iter_mut().enumerate().skip(1) {
        *o = cfg.contrast_fmin * 2f64.powi(i as i32 - 1);
    }
    let n_bins = freq.len();
    let mut bands = Vec::with_capacity(n_bands + 1);
    for k in 0..=n_bands {
        let (f_low, f_high) = (octa[k], octa[k + 1]);
        let a = freq.partition_point(|&f| f < f_low);
        let b = freq.partition_point(|&f| f <= f_high);
        if a >= b {
            bands.push(ContrastBand {
                start: 0,
                end: 0,
                quantile_count: 1,
            });
            continue;
        }
        let start = if k > 0 { a.saturating_sub(1) } else { a };
        let end = if k == n_bands { n_bins } else { b };
        let count = end - start;
        let quantile_count =
            ((cfg.contrast_quantile * count as f64).round_ties_even() as usize).max(1);
        let end = if k < n_bands { end - 1 } else { end };
        bands.push(ContrastBand {
            start,
            end,
            quantile_count,
        });
    }
    bands
}

/// `librosa.feature.zero_crossing_rate(y, frame_length=cfg.n_fft, hop_length=cfg.hop_length)`,
/// shape `(1, t)`.
///
/// librosa 0.11 pads `frame_length // 2` copies of the edge samples on each side
/// (`center=True`, `mode='edge'`), counts sign changes (`zero_pos=True`, samples with
/// `|y| <= 1e-10` count as zero) between consecutive samples of each frame, and divides by
/// `frame_length`.
pub fn zero_crossing_rate(y: &[f32], cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(zero_crossing_rate_body(y, cfg) as (&[f32], &FeatureConfig) -> Array2<f32>)
}

/// [`zero_crossing_rate`]'s body, run by `vectorized!`.
#[inline(always)]
fn zero_crossing_rate_body((y, cfg): (&[f32], &FeatureConfig)) -> Array2<f32> {
    let frame_length = cfg.n_fft;
    let hop = cfg.hop_length;
    let n = y.len();
    let n_frames = 1 + n / hop;
    let mut out = Array2::<f32>::zeros((1, n_frames));
    if n == 0 {
        return out;
    }
    // Sign bits after thresholding: only samples below -1e-10 count as negative.
    let negative: Vec<u8> = y.iter().map(|&v| u8::from(f64::from(v) < -1e-10)).collect();
    // The edge padding repeats y[0] and y[n-1], which adds no crossings, so frame t counts
    // the crossings into y[i] for i in (t*hop - half, t*hop - half + frame_length) within y.
    let half = (frame_length / 2) as isize;
    let out_row = out.as_slice_mut().expect("a new array is contiguous");
    for (t, o) in out_row.iter_mut().enumerate() {
        let start = (t * hop) as isize - half;
        let lo = (start + 1).clamp(1, n as isize) as usize;
        let hi = (start + frame_length as isize).clamp(lo as isize, n as isize) as usize;
        let count: u32 = negative[lo..hi]
            .iter()
            .zip(&negative[lo - 1..hi - 1])
            .map(|(&a, &b)| u32::from(a ^ b))
            .sum();
        *o = (f64::from(count) / frame_length as f64) as f32;
    }
    out
}

/// `librosa.feature.rms(y=y, frame_length=cfg.n_fft, hop_length=cfg.hop_length)`, shape `(1, t)`.
///
/// Frames are centred with `frame_length // 2` zeros on each side; each is
/// `sqrt(mean(y**2))` over `frame_length` samples.
pub fn rms(y: &[f32], cfg: &FeatureConfig) -> Array2<f32> {
    crate::vectorized!(rms_body(y, cfg) as (&[f32], &FeatureConfig) -> Array2<f32>)
}

/// [`rms`]'s body, run by `vectorized!`.
#[inline(always)]
fn rms_body((y, cfg): (&[f32], &FeatureConfig)) -> Array2<f32> {
    let frame_length = cfg.n_fft;
    let hop = cfg.hop_length;
    let n_frames = 1 + y.len() / hop;
    let half = frame_length / 2;
    let mut out = Array2::<f32>::zeros((1, n_frames));
    let out_row = out.as_slice_mut().expect("a new array is contiguous");
    for (t, o) in out_row.iter_mut().enumerate() {
        let start = (t * hop) as isize - half as isize;
        let lo = start.max(0) as usize;
        let hi = ((start + frame_length as isize).max(0) as usize).min(y.len());
        let sum = if lo < hi {
            sum_squares(&y[lo..hi])
        } else {
            0.0
        };
        let power = (sum / frame_length as f64) as f32;
        *o = power.sqrt();
    }
    out
}

/// `sum(x**2)` in `f64`, in four independent lanes so it vectorises.
#[inline(always)]
fn sum_squares(x: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            let v = f64::from(v);
            *l += v * v;
        }
    }
    let tail: f64 = rest.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn cfg() -> FeatureConfig {
        FeatureConfig::default()
    }

    #[test]
    fn fourier_of_a_cosine_and_parseval() {
        let n = 1001;
        let y: Vec<f32> = (0..n)
            .map(|i| (2.0 * PI * 50.0 * i as f64 / n as f64).cos() as f32)
            .collect();
        let f = fourier(&y);
        assert_eq!(f.len(), n / 2 + 1);
        assert!((f[50] - n as f32 / 2.0).abs() < 1e-2);
        assert!(f.iter().enumerate().all(|(k, &v)| k == 50 || v < 1e-2));
        // Parseval for odd n: sum y^2 = (|X0|^2 + 2 sum_{k>0} |Xk|^2) / n.
        let z: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let fz = fourier(&z);
        let e_time: f64 = z.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let e_freq: f64 = fz
            .iter()
            .enumerate()
            .map(|(k, &v)| if k == 0 { 1.0 } else { 2.0 } * f64::from(v) * f64::from(v))
            .sum::<f64>()
            / n as f64;
        assert!((e_time - e_freq).abs() / e_time < 1e-5);
        assert_eq!(fourier(&[-0.5]).to_vec(), vec![0.5]);
    }

    #[test]
    fn centroid_and_bandwidth_of_a_line_spectrum() {
        let mut mag = Array2::<f32>::zeros((1025, 3));
        mag[[100, 0]] = 2.0; // a single bin: centroid at its frequency, bandwidth 0
        mag[[100, 1]] = 1.0; // two equal bins: centroid midway, bandwidth half the spacing
        mag[[300, 1]] = 1.0;
        let c = spectral_centroid(mag.view(), &cfg());
        let bin = 22050.0 / 2048.0;
        assert!((c[[0, 0]] - (100.0 * bin) as f32).abs() < 1e-3);
        assert!((c[[0, 1]] - (200.0 * bin) as f32).abs() < 1e-3);
        assert_eq!(c[[0, 2]], 0.0);
        let b = spectral_bandwidth(mag.view(), c.view(), &cfg());
        assert!(b[[0, 0]].abs() < 1e-3);
        assert!((b[[0, 1]] - (100.0 * bin) as f32).abs() < 1e-2);
        assert_eq!(b[[0, 2]], 0.0);
    }

    #[test]
    fn rolloff_of_a_flat_spectrum() {
        // Flat spectrum of 1025 bins: 85% (871.25 bins) is reached at bin 871.
        // librosa.feature.spectral_rolloff(S=np.ones((1025, 1), np.float32)) == 9377.70996
        let mag = Array2::<f32>::ones((1025, 2));
        let r = spectral_rolloff(mag.view(), &cfg());
        assert!((r[[0, 0]] - 9_377.71).abs() < 1e-2, "{}", r[[0, 0]]);
        let silent = Array2::<f32>::zeros((1025, 1));
        assert_eq!(spectral_rolloff(silent.view(), &cfg())[[0, 0]], 0.0);
    }

    #[test]
    fn contrast_matches_librosa() {
        // librosa.feature.spectral_contrast(S=S, sr=22050) for S[k, 0] = 1 + (k * 37 % 101) / 10.
        let mag = Array2::from_shape_fn((1025, 1), |(k, _)| 1.0 + ((k * 37) % 101) as f32 / 10.0);
        let c = spectral_contrast(mag.view(), &cfg());
        let expected = [
            10.170_333, 8.372_727, 9.960_338, 9.960_338, 10.107_239, 10.182_248, 10.198_672,
        ];
        for (b, e) in expected.iter().enumerate() {
            assert!(
                (c[[b, 0]] - e).abs() < 1e-4,
                "band {b}: {} vs {e}",
                c[[b, 0]]
            );
        }
        let silent = Array2::<f32>::zeros((1025, 2));
        assert!(
            spectral_contrast(silent.view(), &cfg())
                .iter()
                .all(|&v| v == 0.0)
        );
    }

    #[test]
    fn zero_crossing_rate_matches_librosa() {
        // librosa.feature.zero_crossing_rate(y) for y = sin(2*pi*1000*n/22050), n < 5000.
        let y: Vec<f32> = (0..5000)
            .map(|i| (2.0 * PI * 1000.0 * i as f64 / 22050.0).sin() as f32)
            .collect();
        let z = zero_crossing_rate(&y, &cfg());
        assert_eq!(z.dim(), (1, 10));
        let expected = [
            0.044_921_875,
            0.067_871_09,
            0.090_332_03,
            0.090_820_31,
            0.090_820_31,
            0.090_332_03,
        ];
        for (t, e) in expected.iter().enumerate() {
            assert!(
                (z[[0, t]] - e).abs() < 1e-7,
                "frame {t}: {} vs {e}",
                z[[0, t]]
            );
        }
        // Alternating signs cross at every step but the frame's first sample.
        let alt: Vec<f32> = (0..8192)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let z = zero_crossing_rate(&alt, &cfg());
        assert!((z[[0, 8]] - 2047.0 / 2048.0).abs() < 1e-7);
    }

    #[test]
    fn rms_of_a_constant_and_at_the_edges() {
        let y = vec![0.5f32; 10_000];
        let r = rms(&y, &cfg());
        assert_eq!(r.dim(), (1, 20));
        assert!((r[[0, 0]] - 0.5 * 0.5f32.sqrt()).abs() < 1e-6); // half the first frame is padding
        assert!((r[[0, 10]] - 0.5).abs() < 1e-6);
        let short = rms(&[1.0; 10], &cfg());
        assert_eq!(short.dim(), (1, 1));
        assert!((short[[0, 0]] - (10.0f32 / 2048.0).sqrt()).abs() < 1e-7);
    }
}
