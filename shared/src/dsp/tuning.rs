//! Tuning estimation (`librosa.piptrack`, `librosa.estimate_tuning`, `librosa.pitch_tuning`).
//!
//! The arithmetic follows librosa's dtypes step by step (`float32` spectra, the `float64`
//! parabolic shift of its numba stencil, `float32` pitches and octaves), so that the histogram
//! of pitch residuals, and with it the estimate, is librosa's.
use ndarray::ArrayView2;

/// `piptrack`'s lowest frequency in Hz.
const PIPTRACK_FMIN: f64 = 150.0;
/// `piptrack`'s highest frequency in Hz (exclusive).
const PIPTRACK_FMAX: f64 = 4000.0;
/// `piptrack`'s threshold, relative to each frame's maximum.
const PIPTRACK_THRESHOLD: f32 = 0.1;
/// `estimate_tuning`'s resolution, in fractions of a bin.
const RESOLUTION: f64 = 0.01;

/// `librosa.estimate_tuning(S=s, sr=sr, n_fft=n_fft, bins_per_octave=bins_per_octave)`, in
/// fractions of a bin, from a magnitude or power spectrogram `s` of shape `(1 + n_fft/2, t)`.
///
/// As in librosa, if `s` does not have `1 + n_fft/2` rows, `n_fft` is taken as
/// `2 * (rows - 1)`. A spectrogram with no peak in 150–4000 Hz (e.g. silence) gives `0.0`.
pub fn estimate_tuning(s: ArrayView2<f32>, sr: u32, n_fft: usize, bins_per_octave: usize) -> f64 {
    let pitches = piptrack_peaks(s, sr, n_fft);
    tuning_from_peaks(pitches, bins_per_octave)
}

/// The peaks `librosa.piptrack(S=s, sr=sr, n_fft=n_fft)` finds, as `(pitch, magnitude)` pairs
/// (its nonzero entries, in no particular order), with `fmin=150, fmax=4000, threshold=0.1`
/// and `ref=np.max` per frame.
pub fn piptrack_peaks(s: ArrayView2<f32>, sr: u32, n_fft: usize) -> Vec<(f32, f32)> {
    crate::vectorized!(piptrack_peaks_body(s, sr, n_fft) as (ArrayView2<'_, f32>, u32, usize) -> Vec<(f32, f32)>)
}

/// [`piptrack_peaks`]'s body, run by `vectorized!`.
#[inline(always)]
fn piptrack_peaks_body((s, sr, n_fft): (ArrayView2<f32>, u32, usize)) -> Vec<(f32, f32)> {
    let (n_bins, n_frames) = s.dim();
    let n_fft = if n_fft / 2 + 1 != n_bins {
        2 * n_bins.saturating_sub(1)
    } else {
        n_fft
    };
    let mut peaks = Vec::new();
    if n_bins < 3 || n_frames == 0 {
        return peaks;
    }
    let srf = f64::from(sr);
    let fmax = PIPTRACK_FMAX.min(srf / 2.0);
    let freqs = crate::dsp::filters::fft_frequencies(srf, n_fft);
    // Bins with fmin <= f < fmax; bin 0 and the last bin can never be interior maxima here.
    let lo = freqs.partition_point(|&f| f < PIPTRACK_FMIN).max(1);
    let hi = freqs.partition_point(|&f| f < fmax).min(n_bins - 1);
    if lo >= hi {
        return peaks;
    }

    let s = s.as_standard_layout();
    let data = s.as_slice().expect("standard layout is contiguous");
    let row = |k: usize| &data[k * n_frames..(k + 1) * n_frames];

    // ref = threshold * max over each frame (of |S|).
    let mut refv = vec![0.0f32; n_frames];
    for k in 0..n_bins {
        for (r, &v) in refv.iter_mut().zip(row(k)) {
            *r = r.max(v.abs());
        }
    }
    for r in &mut refv {
        *r *= PIPTRACK_THRESHOLD;
    }
    let gate = |v: f32, r: f32| if v > r { v } else { 0.0 };

    // Per row, first flag the local maxima of the thresholded spectrum (branch-free, so it
    // vectorises), then interpolate at the few flagged frames.
    let mut is_peak = vec![0u8; n_frames];
    for k in lo..hi {
        let (below, here, above) = (row(k - 1), row(k), row(k + 1));
        for ((((p, &xm), &x0), &xp), &r) in is_peak
            .iter_mut()
            .zip(below)
            .zip(here)
            .zip(above)
            .zip(&refv)
        {
            let g0 = gate(x0.abs(), r);
            *p = u8::from(g0 > gate(xm.abs(), r)) & u8::from(g0 >= gate(xp.abs(), r));
        }
        for (t, _) in is_peak.iter().enumerate().filter(|(_, p)| **p != 0) {
            let (xm, x0, xp) = (below[t].abs(), here[t].abs(), above[t].abs());
            // librosa's numba stencil: float32 sums, promoted to float64 by the integer 2.
            let a = f64::from(xp + xm) - 2.0 * f64::from(x0);
            let b = f64::from(xp - xm) / 2.0;
            let shift = if b.abs() >= a.abs() {
                0.0f32
            } else {
                (-b / a) as f32
            };
            let avg = (xp - xm) / 2.0;
            let dskew = 0.5 * avg * shift;
            let pitch = ((k as f64 + f64::from(shift)) * srf / n_fft as f64) as f32;
            peaks.push((pitch, x0 + dskew));
        }
    }
    peaks
}

/// `estimate_tuning`'s second half: the median magnitude threshold, then `pitch_tuning`.
fn tuning_from_peaks(mut peaks: Vec<(f32, f32)>, bins_per_octave: usize) -> f64 {
    peaks.retain(|&(p, _)| p > 0.0);
    let threshold = if peaks.is_empty() {
        0.0f32
    } else {
        let mut mags: Vec<f32> = peaks.iter().map(|&(_, m)| m).collect();
        let n = mags.len();
        let mid = n / 2;
        let (_, &mut upper, _) = mags.select_nth_unstable_by(mid, f32::total_cmp);
        if n % 2 == 1 {
            upper
        } else {
            let lower = mags[..mid]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max);
            (lower + upper) / 2.0
        }
    };
    let freqs: Vec<f32> = peaks
        .iter()
        .filter(|&&(_, m)| m >= threshold)
        .map(|&(p, _)| p)
        .collect();
    pitch_tuning(&freqs, bins_per_octave)
}

/// `librosa.pitch_tuning(frequencies, resolution=0.01, bins_per_octave=bins_per_octave)` for
/// `float32` frequencies: the left edge of the fullest histogram bin of the residuals from
/// the equal-tempered grid. No positive frequency gives `0.0`.
pub fn pitch_tuning(frequencies: &[f32], bins_per_octave: usize) -> f64 {
    let n_edges = (1.0 / RESOLUTION).ceil() as usize + 1;
    let edges = crate::dsp::filters::linspace(-0.5, 0.5, n_edges);
    let n_hist = n_edges - 1;
    let mut counts = vec![0usize; n_hist];
    let mut any = false;
    let bpo = bins_per_octave as f32;
    for &f in frequencies.iter().filter(|&&f| f > 0.0) {
        any = true;
        // hz_to_octs in float32: log2(f / (440 / 16)), then the residual mod 1.
        let octs = (f / 27.5f32).log2();
        let mut r = np_mod_f32(bpo * octs, 1.0);
        if r >= 0.5 {
            r -= 1.0;
        }
        let r = f64::from(r);
        if !(r >= edges[0] && r <= edges[n_hist]) {
            continue;
        }
        // np.histogram: edges[i] <= r < edges[i + 1], the last bin closed.
        let mut i = edges.partition_point(|&e| e <= r).saturating_sub(1);
        if i >= n_hist {
            i = n_hist - 1;
        }
        counts[i] += 1;
    }
    if !any {
        return 0.0;
    }
    let mut best = 0;
    for (i, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = i;
        }
    }
    edges[best]
}

/// numpy's `np.mod` for `float32`: `fmod`, moved to the divisor's sign.
fn np_mod_f32(a: f32, b: f32) -> f32 {
    let m = a % b;
    if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
        m + b
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn silence_gives_zero() {
        // librosa.estimate_tuning(S=np.zeros((1025, 10)), sr=22050) == 0.0
        let s = Array2::<f32>::zeros((1025, 10));
        assert_eq!(estimate_tuning(s.view(), 22050, 2048, 12), 0.0);
    }

    #[test]
    fn pitch_tuning_matches_librosa() {
        // librosa.pitch_tuning(np.array([440, 441, 442, 880, 443], np.float32))
        assert!((pitch_tuning(&[440.0, 441.0, 442.0, 880.0, 443.0], 12) - 0.0).abs() < 1e-12);
        // librosa.pitch_tuning([f, 2f, 4f, 300]) with f = 440 * 2**(0.255/12): 0.25.
        let f = 440.0 * 2f64.powf(0.255 / 12.0);
        let t = pitch_tuning(&[f as f32, (2.0 * f) as f32, (4.0 * f) as f32, 300.0], 12);
        assert!((t - 0.25).abs() < 1e-12, "{t}");
        assert_eq!(pitch_tuning(&[], 12), 0.0);
        assert_eq!(pitch_tuning(&[0.0, -1.0], 12), 0.0);
    }

    #[test]
    fn histogram_edges_are_left_edges() {
        // Residual -0.4999 falls in the first bin, whose left edge is -0.5.
        let f = 440.0 * 2f64.powf(-0.4999 / 12.0);
        assert!((pitch_tuning(&[f as f32], 12) + 0.5).abs() < 1e-12);
    }
}
