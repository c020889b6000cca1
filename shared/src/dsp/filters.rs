//! Filter banks (`librosa.filters`): mel, chroma, DCT.
//!
//! Filter banks are stored sparsely ([`FilterBank`]): applying one costs one multiply-add per
//! nonzero weight and frame, not a dense `(filters, bins)` product.
use ndarray::{Array2, ArrayView2};

/// A filter bank of shape `(n_filters, n_bins)` that keeps only the nonzero weights.
#[derive(Clone, Debug, PartialEq)]
pub struct FilterBank {
    n_bins: usize,
    /// `rows[i]..rows[i + 1]` are filter `i`'s entries in `bins`/`weights`.
    rows: Vec<usize>,
    bins: Vec<u32>,
    weights: Vec<f32>,
    /// The same entries by bin: `cols[j]..cols[j + 1]` in `col_filters`/`col_weights`.
    cols: Vec<usize>,
    col_filters: Vec<u32>,
    col_weights: Vec<f32>,
}

/// Frames per tile in [`FilterBank::apply`]: the outputs of a tile stay in cache while the
/// spectrogram's rows stream through once.
const APPLY_TILE: usize = 256;

impl FilterBank {
    /// An empty bank to which filters are added in order with [`FilterBank::push_filter`].
    fn new(n_bins: usize) -> FilterBank {
        FilterBank {
            n_bins,
            rows: vec![0],
            bins: Vec::new(),
            weights: Vec::new(),
            cols: Vec::new(),
            col_filters: Vec::new(),
            col_weights: Vec::new(),
        }
    }

    /// Adds a filter from its nonzero `(bin, weight)` entries in increasing bin order.
    fn push_filter(&mut self, entries: impl IntoIterator<Item = (usize, f32)>) {
        for (j, w) in entries {
            debug_assert!(j < self.n_bins);
            self.bins.push(j as u32);
            self.weights.push(w);
        }
        self.rows.push(self.bins.len());
    }

    /// Builds the by-bin copy of the entries once every filter is in.
    fn finish(mut self) -> FilterBank {
        let mut counts = vec![0usize; self.n_bins + 1];
        for &j in &self.bins {
            counts[j as usize + 1] += 1;
        }
        for j in 0..self.n_bins {
            counts[j + 1] += counts[j];
        }
        let mut next = counts.clone();
        self.col_filters = vec![0; self.bins.len()];
        self.col_weights = vec![0.0; self.bins.len()];
        for i in 0..self.n_filters() {
            for e in self.rows[i]..self.rows[i + 1] {
                let j = self.bins[e] as usize;
                self.col_filters[next[j]] = i as u32;
                self.col_weights[next[j]] = self.weights[e];
                next[j] += 1;
            }
        }
        self.cols = counts;
        self
    }

    /// Number of filters (rows).
    pub fn n_filters(&self) -> usize {
        self.rows.len() - 1
    }

    /// Number of frequency bins (columns).
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// Number of stored (nonzero) weights.
    pub fn nnz(&self) -> usize {
        self.weights.len()
    }

    /// The nonzero entries of filter `i`: `(bin, weight)` pairs in increasing bin order.
    pub fn filter(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let r = self.rows[i]..self.rows[i + 1];
        self.bins[r.clone()]
            .iter()
            .zip(&self.weights[r])
            .map(|(&j, &w)| (j as usize, w))
    }

    /// The dense `(n_filters, n_bins)` matrix, as librosa returns it.
    pub fn to_dense(&self) -> Array2<f32> {
        let mut out = Array2::zeros((self.n_filters(), self.n_bins));
        for i in 0..self.n_filters() {
            for (j, w) in self.filter(i) {
                out[[i, j]] = w;
            }
        }
        out
    }

    /// `bank · s` for a spectrogram `s` of shape `(n_bins, t)`: shape `(n_filters, t)`, one
    /// `f32` multiply-add per stored weight and frame.
    ///
    /// # Panics
    /// If `s` does not have `n_bins` rows.
    pub fn apply(&self, s: ArrayView2<f32>) -> Array2<f32> {
        crate::vectorized!(apply_body(self, s) as (&FilterBank, ArrayView2<'_, f32>) -> Array2<f32>)
    }
}

/// [`FilterBank::apply`]'s body, run by `vectorized!`.
#[inline(always)]
fn apply_body((bank, s): (&FilterBank, ArrayView2<f32>)) -> Array2<f32> {
    assert_eq!(
        s.nrows(),
        bank.n_bins,
        "spectrogram rows must match the filter bank"
    );
    let n_frames = s.ncols();
    let mut out = Array2::<f32>::zeros((bank.n_filters(), n_frames));
    if n_frames == 0 {
        return out;
    }
    let s = s.as_standard_layout();
    let src = s.as_slice().expect("standard layout is contiguous");
    let dst = out.as_slice_mut().expect("a new array is contiguous");
    for t0 in (0..n_frames).step_by(APPLY_TILE) {
        let t1 = (t0 + APPLY_TILE).min(n_frames);
        for j in 0..bank.n_bins {
            let entries = bank.cols[j]..bank.cols[j + 1];
            if entries.is_empty() {
                continue;
            }
            let row = &src[j * n_frames + t0..j * n_frames + t1];
            for (&i, &w) in bank.col_filters[entries.clone()]
                .iter()
                .zip(&bank.col_weights[entries])
            {
                let i = i as usize;
                let out_row = &mut dst[i * n_frames + t0..i * n_frames + t1];
                for (d, &v) in out_row.iter_mut().zip(row) {
                    *d += w * v;
                }
            }
        }
    }
    out
}

/// `librosa.fft_frequencies(sr=sr, n_fft=n_fft)`: `np.fft.rfftfreq(n_fft, 1/sr)`, bit for bit.
pub fn fft_frequencies(sr: f64, n_fft: usize) -> Vec<f64> {
    let val = 1.0 / (n_fft as f64 * (1.0 / sr));
    (0..=n_fft / 2).map(|k| k as f64 * val).collect()
}

/// `np.linspace(start, stop, num)` (endpoint included), bit for bit.
pub(crate) fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut y: Vec<f64> = (0..num).map(|k| k as f64 * step + start).collect();
    if let Some(last) = y.last_mut() {
        *last = stop;
    }
    y
}

const MEL_F_SP: f64 = 200.0 / 3.0;
const MEL_MIN_LOG_HZ: f64 = 1000.0;

fn mel_logstep() -> f64 {
    6.4f64.ln() / 27.0
}

/// `librosa.hz_to_mel(f, htk=False)`: the Slaney mel scale.
pub fn hz_to_mel(f: f64) -> f64 {
    let min_log_mel = MEL_MIN_LOG_HZ / MEL_F_SP;
    if f >= MEL_MIN_LOG_HZ {
        min_log_mel + (f / MEL_MIN_LOG_HZ).ln() / mel_logstep()
    } else {
        f / MEL_F_SP
    }
}

/// `librosa.mel_to_hz(m, htk=False)`: the inverse of [`hz_to_mel`].
pub fn mel_to_hz(m: f64) -> f64 {
    let min_log_mel = MEL_MIN_LOG_HZ / MEL_F_SP;
    if m >= min_log_mel {
        MEL_MIN_LOG_HZ * (mel_logstep() * (m - min_log_mel)).exp()
    } else {
        MEL_F_SP * m
    }
}

/// `librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=False)`.
pub fn mel_frequencies(n_mels: usize, fmin: f64, fmax: f64) -> Vec<f64> {
    linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels)
        .into_iter()
        .map(mel_to_hz)
        .collect()
}

/// `librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)` with
/// `htk=False, norm='slaney', dtype=float32`: triangular filters on the Slaney mel scale,
/// each scaled to unit area. `fmax=None` means `sr / 2`.
pub fn mel(sr: f64, n_fft: usize, n_mels: usize, fmin: f64, fmax: Option<f64>) -> FilterBank {
    let fmax = fmax.unwrap_or(sr / 2.0);
    let fftfreqs = fft_frequencies(sr, n_fft);
    let mel_f = mel_frequencies(n_mels + 2, fmin, fmax);
    let mut bank = FilterBank::new(fftfreqs.len());
    let mut entries = Vec::new();
    for i in 0..n_mels {
        let (f0, f1, f2) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
        let (fdiff0, fdiff1) = (f1 - f0, f2 - f1);
        let enorm = 2.0 / (f2 - f0);
        // Weights are nonzero only strictly between f0 and f2.
        let first = fftfreqs.partition_point(|&f| f <= f0);
        entries.clear();
        for (j, &f) in fftfreqs.iter().enumerate().skip(first) {
            if f >= f2 {
                break;
            }
            let lower = -(f0 - f) / fdiff0;
            let upper = (f2 - f) / fdiff1;
            // librosa stores the triangle as float32, then scales it by the float64 norm.
            let w = 0.0f64.max(lower.min(upper)) as f32;
            let w = (f64::from(w) * enorm) as f32;
            if w != 0.0 {
                entries.push((j, w));
            }
        }
        bank.push_filter(entries.iter().copied());
    }
    bank.finish()
}

/// `librosa.hz_to_octs(f, tuning=tuning, bins_per_octave=bins_per_octave)`: octaves above
/// A0 (27.5 Hz at `tuning=0`), in `f64`.
pub fn hz_to_octs(f: f64, tuning: f64, bins_per_octave: usize) -> f64 {
    let a440 = 440.0 * 2.0f64.powf(tuning / bins_per_octave as f64);
    (f / (a440 / 16.0)).log2()
}

/// numpy's `np.remainder(a, b)` for a positive integer-valued divisor `b` and `|a| < 2^52`:
/// in `[0, b)`, exact (equal to `fmod` for positive `a`) without calling `fmod`.
fn py_mod(a: f64, b: f64) -> f64 {
    // b * floor(a / b) is an integer, so the difference is exact; a quotient rounded up to
    // the next integer leaves a small negative remainder, moved back by b (exactly too).
    let r = a - b * (a / b).floor();
    if r < 0.0 {
        r + b
    } else if r >= b {
        r - b
    } else {
        r
    }
}

/// Chroma weights smaller than this are dropped from the sparse bank. Every column of the bank
/// carries at least `~4.5e-4` of weight, so the dropped weights change no chroma value by more
/// than `~1e-7` of its frame's largest value.
const CHROMA_DROP: f64 = 1e-12;

/// `librosa.filters.chroma(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning)` with
/// librosa's defaults `ctroct=5.0, octwidth=2, norm=2, base_c=True, dtype=float32`.
///
/// Weights below `1e-12` (Gaussian tails far from their pitch class, about 40% of librosa's
/// entries) are not stored; the others are librosa's, bit for bit.
pub fn chroma(sr: f64, n_fft: usize, n_chroma: usize, tuning: f64) -> FilterBank {
    let ctroct = 5.0;
    let octwidth = 2.0;
    let nc = n_chroma as f64;
    let n_bins = 1 + n_fft / 2;
    // np.linspace(0, sr, n_fft, endpoint=False)[1:], in chroma bins; librosa computes all
    // n_fft columns and keeps the first n_bins, which need one more for their widths.
    let n_cols = n_fft.min(n_bins + 1);
    let step = sr / n_fft as f64;
    let mut frqbins: Vec<f64> = Vec::with_capacity(n_cols);
    frqbins.push(0.0);
    // hz_to_octs(f, tuning, n_chroma), with its reference frequency computed once.
    let a0 = 440.0 * 2.0f64.powf(tuning / nc) / 16.0;
    frqbins.extend((1..n_cols).map(|k| nc * (k as f64 * step / a0).log2()));
    // A made-up value for the 0 Hz bin, 1.5 octaves below bin 1.
    frqbins[0] = if n_cols > 1 {
        frqbins[1] - 1.5 * nc
    } else {
        0.0
    };
    // Widths to the next bin; the very last of librosa's n_fft columns gets 1.
    let mut binwidth: Vec<f64> = frqbins.windows(2).map(|w| (w[1] - w[0]).max(1.0)).collect();
    binwidth.push(1.0);

    let n_chroma2 = (nc / 2.0).round_ties_even();
    let mut dense = vec![vec![0.0f32; n_bins]; n_chroma];
    let mut col = vec![0.0f64; n_chroma];
    for j in 0..n_bins {
        for (c, w) in col.iter_mut().enumerate() {
            let d = py_mod(frqbins[j] - c as f64 + n_chroma2 + 10.0 * nc, nc) - n_chroma2;
            let z = 2.0 * d / binwidth[j];
            let e = 0.5 * (z * z);
            // Every column peaks above exp(-0.5) and the octave weight is at most 1, so a
            // Gaussian tail below exp(-28.2) ends below CHROMA_DROP and is dropped anyway;
            // its square cannot move the column's norm either. Skip its exp.
            *w = if e > 28.2 { 0.0 } else { (-e).exp() };
        }
        // Columns to unit L2 norm (summed in row order, as numpy does along axis 0).
        let mut sq = 0.0f64;
        for w in &col {
            sq += w * w;
        }
        let mut length = sq.sqrt();
        if length < f64::MIN_POSITIVE {
            length = 1.0;
        }
        let z = (frqbins[j] / nc - ctroct) / octwidth;
        let oct_weight = (-0.5 * (z * z)).exp();
        for (c, &w) in col.iter().enumerate() {
            let w = w / length * oct_weight;
            // base_c: roll by -3 * (n_chroma // 12) along the chroma axis.
            let r = (c + n_chroma - (3 * (n_chroma / 12)) % n_chroma) % n_chroma;
            dense[r][j] = if w < CHROMA_DROP { 0.0 } else { w as f32 };
        }
    }
    let mut bank = FilterBank::new(n_bins);
    for row in &dense {
        bank.push_filter(
            row.iter()
                .enumerate()
                .filter(|(_, w)| **w != 0.0)
                .map(|(j, &w)| (j, w)),
        );
    }
    bank.finish()
}

/// The type-II DCT with orthonormal scaling (`scipy.fft.dct(x, type=2, norm='ortho')`, as
/// `librosa.feature.mfcc` uses it) as a `(n_out, n)` matrix: its first `n_out` rows.
pub fn dct_ortho(n_out: usize, n: usize) -> Array2<f64> {
    let nf = n as f64;
    Array2::from_shape_fn((n_out, n), |(k, i)| {
        let scale = if k == 0 {
            (1.0 / nf).sqrt()
        } else {
            (2.0 / nf).sqrt()
        };
        scale * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * nf)).cos()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_matches_librosa() {
        // librosa.hz_to_mel / mel_to_hz (Slaney).
        assert!((hz_to_mel(440.0) - 6.6).abs() < 1e-12);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(11025.0) - 49.910_594_480_159_05).abs() < 1e-9);
        assert!((mel_to_hz(30.0) - 2_804.644_130_738_921_4).abs() < 1e-9);
        for f in [0.0, 100.0, 999.0, 1000.0, 5000.0, 11025.0] {
            assert!((mel_to_hz(hz_to_mel(f)) - f).abs() < 1e-9 * f.max(1.0));
        }
    }

    #[test]
    fn mel_bank_matches_librosa() {
        let bank = mel(22050.0, 2048, 128, 0.0, None);
        assert_eq!((bank.n_filters(), bank.n_bins()), (128, 1025));
        let dense = bank.to_dense();
        // Values of librosa.filters.mel(sr=22050, n_fft=2048) (float32).
        let expected = [
            ((0, 1), 0.016_182_853),
            ((0, 3), 0.028_990_088),
            ((1, 5), 0.035_393_704),
            ((10, 26), 0.033_060_946),
            ((40, 99), 0.029_527_638),
            ((127, 997), 0.003_485_250_5),
            ((127, 1000), 0.003_126_247),
        ];
        for ((i, j), e) in expected {
            assert!(
                (dense[[i, j]] - e).abs() <= 1e-6 * e,
                "[{i},{j}] {} vs {e}",
                dense[[i, j]]
            );
        }
        assert_eq!(dense[[1, 2]], 0.0);
        assert_eq!(dense[[40, 84]], 0.0);
        // np.count_nonzero of librosa's bank.
        assert_eq!(bank.nnz(), 2_018);
    }

    #[test]
    fn chroma_bank_matches_librosa() {
        let bank = chroma(22050.0, 2048, 12, 0.0);
        let dense = bank.to_dense();
        assert_eq!(dense.dim(), (12, 1025));
        // Values of librosa.filters.chroma(sr=22050, n_fft=2048) (float32).
        let expected = [
            ((9, 41), 0.866_205_63),
            ((0, 24), 0.643_508),
            ((3, 30), 0.372_283_64),
            ((5, 1), 0.002_150_168_9),
            ((7, 500), 4.005_934_8e-7),
        ];
        for ((i, j), e) in expected {
            assert!(
                (dense[[i, j]] - e).abs() <= 1e-6 * e,
                "[{i},{j}] {} vs {e}",
                dense[[i, j]]
            );
        }
        // librosa has 1.6e-18 here, below the weights kept.
        assert_eq!(dense[[3, 300]], 0.0);
        // Tuning +0.5 bins moves the bank by half a chroma bin.
        let tuned = chroma(22050.0, 2048, 12, 0.5).to_dense();
        assert!(
            (tuned[[9, 41]] - 0.682_958_3).abs() < 1e-6,
            "{}",
            tuned[[9, 41]]
        );
    }

    #[test]
    fn py_mod_is_fmod_for_positive_values() {
        let mut a = 1e-3f64;
        while a < 1e6 {
            for x in [a, a.next_up(), a.next_down(), a.round()] {
                for b in [12.0, 24.0, 36.0] {
                    assert_eq!(py_mod(x, b), x % b, "{x} mod {b}");
                }
            }
            a *= 1.013;
        }
        assert_eq!(py_mod(-1.0, 12.0), 11.0);
    }

    #[test]
    fn dct_is_orthonormal() {
        let d = dct_ortho(16, 16);
        let g = d.dot(&d.t());
        for ((i, j), v) in g.indexed_iter() {
            let e = if i == j { 1.0 } else { 0.0 };
            assert!((v - e).abs() < 1e-12);
        }
        // DCT-II of a constant has only a DC term, sqrt(n) * c.
        let x = ndarray::Array1::from_elem(128, 2.0f64);
        let y = dct_ortho(20, 128).dot(&x);
        assert!((y[0] - 2.0 * 128f64.sqrt()).abs() < 1e-12);
        assert!(y.iter().skip(1).all(|v| v.abs() < 1e-12));
    }

    #[test]
    fn apply_equals_dense_product() {
        let bank = mel(8000.0, 64, 10, 0.0, None);
        let s = Array2::from_shape_fn((33, 5), |(i, j)| ((i * 31 + j * 7) % 11) as f32 * 0.25);
        let sparse = bank.apply(s.view());
        let dense = bank.to_dense().dot(&s);
        for (a, b) in sparse.iter().zip(&dense) {
            assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0));
        }
    }
}
