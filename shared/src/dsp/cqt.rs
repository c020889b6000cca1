//! Constant-Q transform (`librosa.cqt`), librosa 0.11's recursive algorithm.
//!
//! `librosa.cqt` is `librosa.vqt` with `gamma=0`: wavelet filters (Hann-windowed complex
//! exponentials, L1-normalised, centred in a power-of-two frame), taken to the frequency
//! domain and sparsified (`sparsity=0.01`); the top octave is computed at the input rate and
//! each lower octave after halving the signal with the soxr-compatible resampler
//! ([`resample_scaled`]); each octave's response is the sparse basis times an STFT (window of
//! ones, `center=True`, zero padding) of that octave's signal; finally every bin is divided by
//! the square root of its filter length.
use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};

use ndarray::Array2;
use num_complex::{Complex32, Complex64};
use rustfft::FftPlanner;

use crate::dsp::resample::{output_len, resample_scaled};
use crate::dsp::window::hann;
use crate::error::{Error, Result};

/// `librosa.filters.window_bandwidth('hann')`.
const HANN_BANDWIDTH: f64 = 1.500_183_105_468_75;
/// `sparsity` of `librosa.cqt`: the fraction of each basis row's L1 mass that is dropped.
const SPARSITY: f32 = 0.01;

/// `np.abs(librosa.cqt(y, sr=sr, hop_length=hop_length, fmin=fmin, n_bins=n_bins,
/// bins_per_octave=bins_per_octave, tuning=tuning))`, shape `(n_bins, frames)`.
///
/// `frames` is librosa's: `1 + len(y) / hop_length` unless early downsampling applies (high
/// sample rates), where librosa's count `1 + ceil(len / 2^k) / (hop / 2^k)` can be one more.
///
/// Every non-empty signal works, however short (librosa does too at 22.05 kHz). Where librosa
/// would raise because an early-downsampled signal is shorter than the downsampling factor,
/// the signal is zero-padded to that factor instead, so the result stays finite.
///
/// Errors: an empty `y`, non-positive or non-finite parameters, or a top filter reaching past
/// the Nyquist frequency (as librosa).
pub fn cqt_magnitude(
    y: &[f32],
    sr: u32,
    hop_length: usize,
    fmin: f64,
    n_bins: usize,
    bins_per_octave: usize,
    tuning: f64,
) -> Result<Array2<f32>> {
    crate::vectorized!(cqt_magnitude_body(y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning) as (&[f32], u32, usize, f64, usize, usize, f64) -> Result<Array2<f32>>)
}

/// [`cqt_magnitude`]'s body, run by `vectorized!`.
#[inline(always)]
fn cqt_magnitude_body(
    (y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning): (
        &[f32],
        u32,
        usize,
        f64,
        usize,
        usize,
        f64,
    ),
) -> Result<Array2<f32>> {
    if y.is_empty() {
        return Err(Error::invalid("y", "the signal has no samples"));
    }
    if sr == 0 {
        return Err(Error::invalid("sr", "0 Hz"));
    }
    if hop_length == 0 {
        return Err(Error::invalid("hop_length", "0 samples"));
    }
    if n_bins == 0 {
        return Err(Error::invalid("n_bins", "0 bins"));
    }
    if bins_per_octave == 0 {
        return Err(Error::invalid("bins_per_octave", "0 bins"));
    }
    if !(fmin > 0.0 && fmin.is_finite()) {
        return Err(Error::invalid("fmin", format!("{fmin} Hz is not positive")));
    }
    if !tuning.is_finite() {
        return Err(Error::invalid("tuning", format!("{tuning} is not finite")));
    }
    let bpo = bins_per_octave;
    let n_octaves = n_bins.div_ceil(bpo);
    let n_filters = bpo.min(n_bins);
    let sr0 = f64::from(sr);

    let fmin_t = fmin * 2f64.powf(tuning / bpo as f64);
    let freqs = interval_frequencies(n_bins, fmin_t, bpo);
    let alpha = if n_bins == 1 {
        let r = 2f64.powf(1.0 / bpo as f64);
        vec![(r * r - 1.0) / (r * r + 1.0)]
    } else {
        relative_bandwidth(&freqs)
    };
    let (_, filter_cutoff) = wavelet_lengths(&freqs, sr0, &alpha);
    let nyquist = sr0 / 2.0;
    if filter_cutoff > nyquist {
        return Err(Error::invalid(
            "n_bins",
            format!(
                "the wavelet basis reaches {filter_cutoff:.1} Hz, beyond the Nyquist frequency {nyquist} Hz"
            ),
        ));
    }

    // Early downsampling (librosa's __early_downsample).
    let count1 = (((nyquist / filter_cutoff).log2().ceil() as i64 - 1) - 1).max(0);
    let count2 = (i64::from(hop_length.trailing_zeros()) - n_octaves as i64 + 1).max(0);
    let count = count1.min(count2) as u32;
    let mut hop = hop_length;
    let mut sr_ds = sr0;
    let mut my_y: Cow<[f32]> = Cow::Borrowed(y);
    if count > 0 {
        let factor = 1usize << count;
        hop /= factor;
        if my_y.len() < factor {
            my_y.to_mut().resize(factor, 0.0);
        }
        my_y = Cow::Owned(resample_scaled(&my_y, factor as u32, 1)?);
        sr_ds = sr0 / factor as f64;
    }

    // Lengths and hops of every octave, to find the common number of frames (__trim_stack).
    let mut lens = Vec::with_capacity(n_octaves);
    let mut hops = Vec::with_capacity(n_octaves);
    let (mut len_i, mut hop_i) = (my_y.len(), hop);
    for _ in 0..n_octaves {
        lens.push(len_i);
        hops.push(hop_i);
        if hop_i % 2 == 0 {
            len_i = output_len(len_i, 2, 1);
            hop_i /= 2;
        }
    }
    let n_frames = lens
        .iter()
        .zip(&hops)
        .map(|(l, h)| 1 + l / h)
        .min()
        .unwrap_or(1);

    // V /= sqrt(lengths), lengths at the (possibly early-downsampled) rate.
    let (final_lengths, _) = wavelet_lengths(&freqs, sr_ds, &alpha);

    let mut out = Array2::<f32>::zeros((n_bins, n_frames));
    let mut my_sr = sr_ds;
    let mut previous: Option<Arc<OctaveBasis>> = None;
    let mut planner = FftPlanner::<f32>::new();
    for i in 0..n_octaves {
        let hi = n_bins - n_filters * i;
        let lo = n_bins.saturating_sub(n_filters * (i + 1));
        let (f_oct, a_oct) = (&freqs[lo..hi], &alpha[lo..hi]);
        // Lower octaves usually see the same filters at half the rate.
        let basis = match previous.take() {
            Some(prev) if prev.matches(f_oct, a_oct, my_sr) => prev,
            _ => cached_basis(f_oct, a_oct, my_sr),
        };
        let oct_scale = (sr_ds / my_sr).sqrt();
        let scales: Vec<f32> = final_lengths[lo..hi]
            .iter()
            .map(|&l| (oct_scale / l.sqrt()) as f32)
            .collect();
        basis.response(
            &my_y,
            hops[i],
            n_frames,
            &scales,
            &mut planner,
            |row, t0, v| {
                out.row_mut(lo + row)
                    .slice_mut(ndarray::s![t0..t0 + v.len()])
                    .assign(&ndarray::ArrayView1::from(v));
            },
        );
        previous = Some(basis);
        if i + 1 < n_octaves && hops[i] % 2 == 0 {
            my_y = Cow::Owned(resample_scaled(&my_y, 2, 1)?);
            my_sr /= 2.0;
        }
    }
    Ok(out)
}

/// `librosa.interval_frequencies(n_bins, fmin=fmin, intervals='equal', bins_per_octave=bpo)`.
fn interval_frequencies(n_bins: usize, fmin: f64, bpo: usize) -> Vec<f64> {
    let ratios: Vec<f64> = (0..bpo).map(|k| 2f64.powf(k as f64 / bpo as f64)).collect();
    let mut all: Vec<f64> = (0..n_bins.div_ceil(bpo))
        .flat_map(|o| {
            let octave = 2f64.powi(o as i32);
            ratios.iter().map(move |r| octave * r)
        })
        .take(n_bins)
        .collect();
    all.sort_by(f64::total_cmp);
    all.iter().map(|r| r * fmin).collect()
}

/// `librosa.filters._relative_bandwidth(freqs=freqs)` (at least two frequencies).
fn relative_bandwidth(freqs: &[f64]) -> Vec<f64> {
    let n = freqs.len();
    let logf: Vec<f64> = freqs.iter().map(|f| f.log2()).collect();
    let bpo: Vec<f64> = (0..n)
        .map(|i| {
            if i == 0 {
                1.0 / (logf[1] - logf[0])
            } else if i == n - 1 {
                1.0 / (logf[n - 1] - logf[n - 2])
            } else {
                2.0 / (logf[i + 1] - logf[i - 1])
            }
        })
        .collect();
    bpo.iter()
        .map(|b| {
            let p = 2f64.powf(2.0 / b);
            (p - 1.0) / (p + 1.0)
        })
        .collect()
}

/// `librosa.filters.wavelet_lengths(freqs=freqs, sr=sr, window='hann', filter_scale=1,
/// gamma=0, alpha=alpha)`: the (fractional) filter lengths and the highest frequency reached.
fn wavelet_lengths(freqs: &[f64], sr: f64, alpha: &[f64]) -> (Vec<f64>, f64) {
    let mut cutoff = f64::NEG_INFINITY;
    let lengths = freqs
        .iter()
        .zip(alpha)
        .map(|(&f, &a)| {
            let q = 1.0 / a;
            cutoff = cutoff.max(f * (1.0 + 0.5 * HANN_BANDWIDTH / q));
            q * sr / f
        })
        .collect();
    (lengths, cutoff)
}

/// One octave's sparse frequency-domain filter basis (`__vqt_filter_fft`), before scaling:
/// CSR rows over the rfft bins that `util.sparsify_rows` keeps.
struct OctaveBasis {
    n_fft: usize,
    /// Per filter: the sample range of its support, its length and normalised frequency
    /// (to decide whether another octave's basis is the same).
    shapes: Vec<(i64, i64, f64, f64)>,
    /// The lowest and highest rfft bins any row uses.
    k_min: usize,
    k_max: usize,
    row_start: Vec<usize>,
    /// Bin of each stored value, relative to `k_min`.
    bins: Vec<usize>,
    vals: Vec<Complex32>,
}

/// Frames processed together, so that the basis products run along contiguous frames.
const BLOCK: usize = 64;
/// Distance between the bins of a block: padded so that the bins of a frame do not fall
/// into the same cache sets.
const STRIDE: usize = BLOCK + 8;
/// Frames unpacked together before their bins are spread over the block.
const TILE: usize = 8;

/// Exact inputs of a basis.
#[derive(PartialEq)]
struct BasisKey {
    sr: u64,
    freqs: Vec<u64>,
    alpha: Vec<u64>,
}

/// Recently built bases. `estimate_tuning` is quantised to 0.01 bin, so analyses of one
/// recording (or of similar ones) mostly hit; each basis is about 10 kB.
type BasisCache = Mutex<Vec<(BasisKey, Arc<OctaveBasis>)>>;
const BASIS_CACHE_LEN: usize = 16;

/// The basis for these exact inputs, from the cache or built (and cached).
fn cached_basis(freqs: &[f64], alpha: &[f64], sr: f64) -> Arc<OctaveBasis> {
    static CACHE: OnceLock<BasisCache> = OnceLock::new();
    let key = BasisKey {
        sr: sr.to_bits(),
        freqs: freqs.iter().map(|f| f.to_bits()).collect(),
        alpha: alpha.iter().map(|a| a.to_bits()).collect(),
    };
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    if let Some((_, b)) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(k, _)| *k == key)
    {
        return Arc::clone(b);
    }
    let basis = Arc::new(OctaveBasis::new(freqs, alpha, sr));
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= BASIS_CACHE_LEN {
        cache.remove(0);
    }
    cache.push((key, Arc::clone(&basis)));
    basis
}

/// `n_fft` and, per filter, the sample range of its support, its length and its normalised
/// frequency.
fn basis_shapes(freqs: &[f64], alpha: &[f64], sr: f64) -> (usize, Vec<(i64, i64, f64, f64)>) {
    let (lengths, _) = wavelet_lengths(freqs, sr, alpha);
    let max_len = lengths.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n_fft = (2f64.powf(max_len.log2().ceil()) as usize).max(2);
    let shapes = lengths
        .iter()
        .zip(freqs)
        .map(|(&l, &f)| {
            (
                (-l / 2.0).floor() as i64,
                (l / 2.0).floor() as i64,
                l,
                f / sr,
            )
        })
        .collect();
    (n_fft, shapes)
}

impl OctaveBasis {
    /// Whether the basis for `freqs` at `sr` is this one: the same `n_fft`, and every filter
    /// with the same support and (to rounding) the same length and normalised frequency.
    fn matches(&self, freqs: &[f64], alpha: &[f64], sr: f64) -> bool {
        let (n_fft, shapes) = basis_shapes(freqs, alpha, sr);
        self.n_fft == n_fft
            && self.shapes.len() == shapes.len()
            && self.shapes.iter().zip(&shapes).all(|(a, b)| {
                a.0 == b.0
                    && a.1 == b.1
                    && (a.2 - b.2).abs() <= 1e-12 * b.2
                    && (a.3 - b.3).abs() <= 1e-12 * b.3.abs()
            })
    }

    fn new(freqs: &[f64], alpha: &[f64], sr: f64) -> OctaveBasis {
        let (n_fft, shapes) = basis_shapes(freqs, alpha, sr);
        let (lengths, _) = wavelet_lengths(freqs, sr, alpha);

        let mut planner = FftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(n_fft);
        let n_keep = n_fft / 2 + 1;
        let mut row_start = vec![0];
        let mut bins = Vec::new();
        let mut vals = Vec::new();
        let mut buf = vec![Complex64::default(); n_fft];
        let mut mags = vec![0.0f32; n_keep];
        let mut sorted = vec![0.0f32; n_keep];
        for ((&ilen, &freq), &(start, stop, _, _)) in lengths.iter().zip(freqs).zip(&shapes) {
            // filters.wavelet: a Hann-windowed phasor, L1-normalised, centred in n_fft.
            let m = (stop - start) as usize;
            let win = hann(m);
            let mut sig: Vec<Complex64> = (0..m)
                .map(|j| {
                    let angle = (start + j as i64) as f64 * 2.0 * std::f64::consts::PI * freq / sr;
                    Complex64::new(angle.cos(), angle.sin()) * win[j]
                })
                .collect();
            let l1: f64 = sig.iter().map(|c| c.norm()).sum();
            if l1 >= f64::MIN_POSITIVE {
                for c in &mut sig {
                    *c /= l1;
                }
            }
            buf.fill(Complex64::default());
            let lpad = (n_fft - m) / 2;
            let scale = ilen / n_fft as f64;
            for (b, c) in buf[lpad..lpad + m].iter_mut().zip(&sig) {
                // The basis is stored as complex64 before its FFT.
                let c = Complex64::new(f64::from(c.re as f32), f64::from(c.im as f32));
                *b = c * scale;
            }
            fft.process(&mut buf);
            // util.sparsify_rows(quantile=0.01) on the complex64 row.
            let row: Vec<Complex32> = buf[..n_keep]
                .iter()
                .map(|c| Complex32::new(c.re as f32, c.im as f32))
                .collect();
            for (m, c) in mags.iter_mut().zip(&row) {
                *m = c.norm();
            }
            let norm = mags.iter().map(|&v| f64::from(v)).sum::<f64>() as f32;
            sorted.copy_from_slice(&mags);
            sorted.sort_by(f32::total_cmp);
            let mut cum = 0.0f32;
            let mut threshold = sorted[0];
            for &v in &sorted {
                cum += v / norm;
                threshold = v;
                if cum >= SPARSITY {
                    break;
                }
            }
            for (k, (&mg, c)) in mags.iter().zip(&row).enumerate() {
                if mg >= threshold {
                    bins.push(k);
                    vals.push(*c);
                }
            }
            row_start.push(bins.len());
        }
        let k_min = bins.iter().copied().min().unwrap_or(0);
        let k_max = bins.iter().copied().max().unwrap_or(0);
        for b in &mut bins {
            *b -= k_min;
        }
        OctaveBasis {
            n_fft,
            shapes,
            k_min,
            k_max,
            row_start,
            bins,
            vals,
        }
    }

    /// `__cqt_response`: for frames `0..n_frames` of the centred, zero-padded STFT (window of
    /// ones) of `y` with this basis' `n_fft` and `hop`, calls `put(row, first_frame, values)`
    /// with `|basis·X| · scales[row]` for a block of consecutive frames.
    ///
    /// The real FFT is a complex FFT of half the size over sample pairs, unpacked only for the
    /// bins the basis uses, into bin-major blocks of [`BLOCK`] frames.
    #[inline(always)]
    fn response(
        &self,
        y: &[f32],
        hop: usize,
        n_frames: usize,
        scales: &[f32],
        planner: &mut FftPlanner<f32>,
        mut put: impl FnMut(usize, usize, &[f32]),
    ) {
        let n_fft = self.n_fft;
        let half = n_fft / 2;
        let fft = planner.plan_fft_forward(half);
        // One element more than the FFT: z[half] = z[0], so that bin k of the real FFT reads
        // Z[k] and Z[half - k] for every k in 0..=half.
        let mut z = vec![Complex32::default(); half + 1];
        let mut scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        let (k_min, k_max) = (self.k_min, self.k_max);
        let width = k_max - k_min + 1;
        // e^{-2πik/n_fft} for the bins the basis uses.
        let (w_re, w_im): (Vec<f32>, Vec<f32>) = (k_min..=k_max)
            .map(|k| {
                let a = -2.0 * std::f64::consts::PI * k as f64 / n_fft as f64;
                (a.cos() as f32, a.sin() as f32)
            })
            .unzip();
        // Unpacked spectra of up to TILE frames, frame-major, before they go bin-major.
        let mut fre = vec![0.0f32; TILE * width];
        let mut fim = vec![0.0f32; TILE * width];
        let mut xre = vec![0.0f32; width * STRIDE];
        let mut xim = vec![0.0f32; width * STRIDE];
        let mut acc_re = [0.0f32; BLOCK];
        let mut acc_im = [0.0f32; BLOCK];
        let mut mag = [0.0f32; BLOCK];
        let offset = half as isize;
        // With even frame starts, every frame is a run of the signal's sample pairs (zero
        // padded on both sides), copied as is.
        let pairs: Option<Vec<Complex32>> =
            (hop.is_multiple_of(2) && half.is_multiple_of(2)).then(|| {
                let n_pairs = ((n_frames - 1) * hop + n_fft) / 2;
                let mut pairs = vec![Complex32::default(); n_pairs.max(half / 2)];
                let body = &mut pairs[half / 2..];
                let chunks = y.chunks_exact(2);
                let rest = chunks.remainder();
                let n_full = chunks.len().min(body.len());
                for (c, p) in body.iter_mut().zip(chunks) {
                    *c = Complex32::new(p[0], p[1]);
                }
                if let (Some(&last), Some(c)) = (rest.first(), body.get_mut(n_full)) {
                    *c = Complex32::new(last, 0.0);
                }
                pairs
            });
        for t0 in (0..n_frames).step_by(BLOCK) {
            let nb = BLOCK.min(n_frames - t0);
            for f in 0..nb {
                let t = t0 + f;
                if let Some(pairs) = &pairs {
                    let p = t * hop / 2;
                    z[..half].copy_from_slice(&pairs[p..p + half]);
                } else {
                    // Frame samples y[start .. start + n_fft], zero outside, packed as pairs.
                    let start = (t * hop) as isize - offset;
                    let at = |i: isize| {
                        if i >= 0 && (i as usize) < y.len() {
                            y[i as usize]
                        } else {
                            0.0
                        }
                    };
                    for (n, c) in z[..half].iter_mut().enumerate() {
                        let i = start + 2 * n as isize;
                        *c = Complex32::new(at(i), at(i + 1));
                    }
                }
                fft.process_with_scratch(&mut z[..half], &mut scratch);
                z[half] = z[0];
                // X[k] = (Z[k] + Z*[half-k]) / 2 + w_k (-i) (Z[k] - Z*[half-k]) / 2, over
                // contiguous bins.
                let q = f % TILE;
                let zk = &z[k_min..=k_max];
                let zb = &z[half - k_max..=half - k_min];
                for ((((xr, xi), &a), &b), (&wr, &wi)) in fre[q * width..(q + 1) * width]
                    .iter_mut()
                    .zip(&mut fim[q * width..(q + 1) * width])
                    .zip(zk)
                    .zip(zb.iter().rev())
                    .zip(w_re.iter().zip(&w_im))
                {
                    let even_re = (a.re + b.re) * 0.5;
                    let even_im = (a.im - b.im) * 0.5;
                    let d_re = (a.re - b.re) * 0.5;
                    let d_im = (a.im + b.im) * 0.5;
                    *xr = even_re + (wr * d_im - wi * -d_re);
                    *xi = even_im + (wr * -d_re + wi * d_im);
                }
                // A full tile (or the block's last frames) goes bin-major.
                if q == TILE - 1 || f == nb - 1 {
                    let f0 = f - q;
                    for j in 0..width {
                        let (dr, di) = (
                            &mut xre[j * STRIDE + f0..j * STRIDE + f + 1],
                            &mut xim[j * STRIDE + f0..j * STRIDE + f + 1],
                        );
                        for (qq, (dr, di)) in dr.iter_mut().zip(di.iter_mut()).enumerate() {
                            *dr = fre[qq * width + j];
                            *di = fim[qq * width + j];
                        }
                    }
                }
            }
            for r in 0..self.row_start.len() - 1 {
                acc_re.fill(0.0);
                acc_im.fill(0.0);
                for i in self.row_start[r]..self.row_start[r + 1] {
                    let (br, bi) = (self.vals[i].re, self.vals[i].im);
                    let k = self.bins[i] * STRIDE;
                    let (xr, xi) = (&xre[k..k + BLOCK], &xim[k..k + BLOCK]);
                    for f in 0..BLOCK {
                        acc_re[f] += br * xr[f] - bi * xi[f];
                        acc_im[f] += br * xi[f] + bi * xr[f];
                    }
                }
                let s = scales[r];
                for f in 0..BLOCK {
                    mag[f] = (acc_re[f] * acc_re[f] + acc_im[f] * acc_im[f]).sqrt() * s;
                }
                put(r, t0, &mag[..nb]);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::C1_HZ;

    fn tone(n: usize, f: f64) -> Vec<f32> {
        (0..n)
            .map(|i| (0.5 * (2.0 * std::f64::consts::PI * f * i as f64 / 22050.0).sin()) as f32)
            .collect()
    }

    #[test]
    fn shape_and_peak_bin_of_a_pure_tone() {
        // A4 = 440 Hz is bin 36 * log2(440 / C1) = 36 * 3.75 = 135 of a C1-based CQT.
        let y = tone(22050, 440.0);
        let c = cqt_magnitude(&y, 22050, 512, C1_HZ, 252, 36, 0.0).unwrap();
        assert_eq!(c.shape(), &[252, 1 + 22050 / 512]);
        let col = c.column(20);
        let peak = (0..252).max_by(|&a, &b| col[a].total_cmp(&col[b])).unwrap();
        assert_eq!(peak, 135);
    }

    /// 0.5 sin(2π·440 t) for 4096 samples plus 0.25 sin(2π·261.63 t) from sample 2048 on.
    pub(crate) fn two_tones() -> Vec<f32> {
        (0..4096)
            .map(|i| {
                let t = f64::from(i) / 22050.0;
                let c4 = if i >= 2048 {
                    0.25 * (2.0 * std::f64::consts::PI * 261.63 * t).sin()
                } else {
                    0.0
                };
                (0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin() + c4) as f32
            })
            .collect()
    }

    #[test]
    fn matches_librosa_reference_values() {
        // np.abs(librosa.cqt(two_tones(), sr=22050, n_bins=252, bins_per_octave=36,
        // tuning=0.0)) with librosa 0.11: (bin, frame, value), relative tolerance 1e-4.
        let want = [
            (135, 4, 12.811_333),
            (134, 4, 6.429_751),
            (136, 4, 6.464_112),
            (108, 6, 6.495_831_5),
            (100, 2, 0.108_236_88),
            (200, 4, 0.041_883_137),
            (135, 0, 6.419_579),
            (20, 7, 0.063_242_78),
            (250, 3, 0.000_134_715_7),
        ];
        let c = cqt_magnitude(&two_tones(), 22050, 512, C1_HZ, 252, 36, 0.0).unwrap();
        assert_eq!(c.shape(), &[252, 9]);
        for (bin, frame, value) in want {
            let got = c[[bin, frame]];
            assert!(
                (got - value).abs() <= 1e-4 * value,
                "C[{bin}, {frame}] = {got}, librosa {value}"
            );
        }
    }

    #[test]
    fn silence_and_short_signals_are_finite() {
        for n in [1usize, 7, 100, 1000, 3000] {
            let c = cqt_magnitude(&vec![0.0; n], 22050, 512, C1_HZ, 252, 36, 0.0).unwrap();
            assert_eq!(c.shape(), &[252, 1 + n / 512]);
            assert!(c.iter().all(|&v| v == 0.0));
            let y = tone(n, 1000.0);
            let c = cqt_magnitude(&y, 22050, 512, C1_HZ, 252, 36, 0.0).unwrap();
            assert!(c.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(cqt_magnitude(&[], 22050, 512, C1_HZ, 252, 36, 0.0).is_err());
        assert!(cqt_magnitude(&[0.0; 10], 22050, 0, C1_HZ, 252, 36, 0.0).is_err());
        assert!(cqt_magnitude(&[0.0; 10], 22050, 512, -1.0, 252, 36, 0.0).is_err());
        // 9 octaves from C1 reach past 11025 Hz.
        assert!(cqt_magnitude(&[0.0; 10], 22050, 512, C1_HZ, 324, 36, 0.0).is_err());
    }
}
