//! Short-time Fourier transform (`librosa.stft`).
use ndarray::Array2;
use num_complex::Complex32;

/// `librosa.stft(y, n_fft=n_fft, hop_length=hop_length)`: periodic Hann window, `center=True`
/// with zero padding. Shape `(1 + n_fft/2, 1 + len(y)/hop_length)`.
pub fn stft(y: &[f32], n_fft: usize, hop_length: usize) -> Array2<Complex32> {
    let _ = (y, n_fft, hop_length);
    unimplemented!("helper H1")
}
