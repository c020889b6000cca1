//! Short-time Fourier transform (`librosa.stft`).
use ndarray::Array2;
use num_complex::{Complex, Complex32};
use realfft::RealFftPlanner;

use crate::dsp::window::hann;

/// Frames transformed before their spectra are written, column-wise, into the
/// `(bins, frames)` output; a block keeps those writes cache-friendly.
const BLOCK: usize = 32;

/// `librosa.stft(y, n_fft=n_fft, hop_length=hop_length)`: periodic Hann window, `center=True`
/// with zero padding. Shape `(1 + n_fft/2, 1 + len(y)/hop_length)`.
///
/// Like librosa, which windows the `float32` signal with a `float64` window and transforms in
/// double precision before storing `complex64`, each frame is windowed and transformed in `f64`
/// and rounded to `Complex32` once. Works for any `len(y)`, including signals shorter than
/// `n_fft` (librosa pads them with zeros on both sides).
///
/// # Panics
/// If `n_fft` or `hop_length` is zero.
pub fn stft(y: &[f32], n_fft: usize, hop_length: usize) -> Array2<Complex32> {
    crate::vectorized!(stft_body(y, n_fft, hop_length) as (&[f32], usize, usize) -> Array2<Complex32>)
}

/// [`stft`]'s body, run by `vectorized!`.
#[inline(always)]
fn stft_body((y, n_fft, hop_length): (&[f32], usize, usize)) -> Array2<Complex32> {
    stft_map(y, n_fft, hop_length, |c| {
        Complex32::new(c.re as f32, c.im as f32)
    })
}

/// `np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length))`, the magnitude of [`stft`]
/// without materialising the complex array, and faster than `stft(..).mapv(|c| c.norm())`.
///
/// Each value is within one `f32` ulp of the correctly rounded `|X|` of the `complex64` bin
/// (equal to it for most bins); numpy's own `abs` of `complex64` is not correctly rounded
/// either (on AVX-512 machines about a third of its values are one ulp off).
///
/// # Panics
/// If `n_fft` or `hop_length` is zero.
pub fn stft_magnitude(y: &[f32], n_fft: usize, hop_length: usize) -> Array2<f32> {
    crate::vectorized!(stft_magnitude_body(y, n_fft, hop_length) as (&[f32], usize, usize) -> Array2<f32>)
}

/// [`stft_magnitude`]'s body, run by `vectorized!`.
#[inline(always)]
fn stft_magnitude_body((y, n_fft, hop_length): (&[f32], usize, usize)) -> Array2<f32> {
    stft_map(y, n_fft, hop_length, |c| {
        // Round the parts to float32 as librosa stores them, sum their squares in f64, then a
        // float32 square root (four lanes wide where f64 would be two).
        let (re, im) = (f64::from(c.re as f32), f64::from(c.im as f32));
        ((re * re + im * im) as f32).sqrt()
    })
}

/// The STFT with each `f64` bin mapped to an output value by `map`.
#[inline(always)]
fn stft_map<T: Copy + rustfft::num_traits::Zero>(
    y: &[f32],
    n_fft: usize,
    hop_length: usize,
    map: impl Fn(Complex<f64>) -> T,
) -> Array2<T> {
    assert!(
        n_fft > 0 && hop_length > 0,
        "n_fft and hop_length must be positive"
    );
    let n_bins = 1 + n_fft / 2;
    let n_frames = 1 + y.len() / hop_length;
    let half = n_fft / 2;
    let window = hann(n_fft);

    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n_fft);
    let mut frame = fft.make_input_vec();
    let mut scratch = fft.make_scratch_vec();
    let mut spectrum = fft.make_output_vec();
    // Mapped spectra of one block of frames, frame-major. The padded stride keeps the frames
    // of a block from falling into the same cache sets when they are read across.
    let stride = n_bins + 16;
    let mut block = vec![T::zero(); BLOCK * stride];

    let mut out = Array2::<T>::zeros((n_bins, n_frames));
    let out_data = out.as_slice_mut().expect("a new array is contiguous");

    for block_start in (0..n_frames).step_by(BLOCK) {
        let block_len = BLOCK.min(n_frames - block_start);
        for j in 0..block_len {
            let t = block_start + j;
            // Frame t covers y[t*hop - half .. t*hop - half + n_fft], zeros outside y.
            let start = (t * hop_length) as isize - half as isize;
            let lo = (-start).clamp(0, n_fft as isize) as usize;
            let hi = (y.len() as isize - start).clamp(lo as isize, n_fft as isize) as usize;
            frame[..lo].fill(0.0);
            frame[hi..].fill(0.0);
            let src = &y[(start + lo as isize) as usize..(start + hi as isize) as usize];
            for ((dst, &s), &w) in frame[lo..hi].iter_mut().zip(src).zip(&window[lo..hi]) {
                *dst = w * f64::from(s);
            }
            fft.process_with_scratch(&mut frame, &mut spectrum, &mut scratch)
                .expect("buffer sizes come from the plan");
            for (b, &c) in block[j * stride..j * stride + n_bins]
                .iter_mut()
                .zip(&spectrum)
            {
                *b = map(c);
            }
        }
        for (f, row) in out_data.chunks_exact_mut(n_frames).enumerate() {
            let dst = &mut row[block_start..block_start + block_len];
            for (j, d) in dst.iter_mut().enumerate() {
                *d = block[j * stride + f];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_follows_librosa() {
        assert_eq!(stft(&[0.0; 1000], 2048, 512).dim(), (1025, 2));
        assert_eq!(stft(&[0.5], 2048, 512).dim(), (1025, 1));
        assert_eq!(stft(&vec![0.0; 22050], 2048, 512).dim(), (1025, 44));
        assert_eq!(stft(&vec![0.0; 4096], 512, 128).dim(), (257, 33));
    }

    #[test]
    fn parseval_holds_per_frame() {
        // For a frame x (windowed), sum |X_k|^2 over the full spectrum equals n * sum x^2; with
        // the one-sided spectrum, DC and Nyquist count once and the others twice.
        let n_fft = 256;
        let hop = 64;
        let y: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 113) as f32 / 113.0 - 0.5)
            .collect();
        let s = stft(&y, n_fft, hop);
        let w = hann(n_fft);
        for t in 0..s.ncols() {
            let mut energy = 0.0f64;
            for i in 0..n_fft {
                let k = (t * hop + i) as isize - (n_fft / 2) as isize;
                if k >= 0 && (k as usize) < y.len() {
                    let v = w[i] * f64::from(y[k as usize]);
                    energy += v * v;
                }
            }
            let col = s.column(t);
            let mut spec = 0.0f64;
            for (k, c) in col.iter().enumerate() {
                let p = f64::from(c.norm_sqr());
                spec += if k == 0 || k == n_fft / 2 { p } else { 2.0 * p };
            }
            let rel = (spec / n_fft as f64 - energy).abs() / energy.max(1e-12);
            assert!(rel < 1e-5, "frame {t}: {rel}");
        }
    }

    #[test]
    fn pure_tone_peaks_at_its_bin() {
        // A cosine at exactly bin 32 of a 512-point FFT: Hann-windowed, its interior frames
        // have |X[32]| = n/4 * amplitude and |X[31]| = |X[33]| = n/8 * amplitude.
        let n_fft = 512;
        let y: Vec<f32> = (0..8192)
            .map(|i| (2.0 * std::f64::consts::PI * 32.0 * i as f64 / n_fft as f64).cos() as f32)
            .collect();
        let s = stft(&y, n_fft, 128);
        let col = s.column(8);
        assert!((col[32].norm() - 128.0).abs() < 1e-3);
        assert!((col[31].norm() - 64.0).abs() < 1e-3);
        assert!((col[33].norm() - 64.0).abs() < 1e-3);
        assert!(col[40].norm() < 1e-3);
    }

    #[test]
    fn magnitude_is_the_norm_of_the_stft() {
        let y: Vec<f32> = (0..5000)
            .map(|i| ((i * 7919) % 113) as f32 / 113.0 - 0.5)
            .collect();
        let full = stft(&y, 512, 128);
        let mag = stft_magnitude(&y, 512, 128);
        assert_eq!(full.dim(), mag.dim());
        // Within an ulp of the correctly rounded hypotenuse, and mostly equal to it.
        let mut equal = 0;
        for (c, &m) in full.iter().zip(&mag) {
            let n = c.norm();
            assert!((n - m).abs() <= n * f32::EPSILON, "{n} vs {m}");
            equal += usize::from(n == m);
        }
        assert!(equal * 4 > full.len() * 3, "{equal} of {}", full.len());
    }

    #[test]
    fn matches_librosa_values() {
        // librosa.stft(y)[k, t] for y = sin(2*pi*440*n/22050)*0.3, n in 0..1000 (float32).
        let y: Vec<f32> = (0..1000)
            .map(|i| (0.3 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 22050.0).sin()) as f32)
            .collect();
        let s = stft(&y, 2048, 512);
        let expected = [
            (0, 0, Complex32::new(2.388_574_1, 0.0)),
            (41, 0, Complex32::new(8.875_058, 75.928_314)),
            (41, 1, Complex32::new(-120.574_684, 25.134_706)),
            (100, 1, Complex32::new(0.037_919_4, 0.166_798_07)),
        ];
        for (k, t, e) in expected {
            let d = (s[[k, t]] - e).norm();
            assert!(
                d <= 1e-5 * e.norm().max(1.0),
                "[{k},{t}]: {} vs {e}",
                s[[k, t]]
            );
        }
    }
}
