//! Window functions.

/// The periodic Hann window of length `n`, as `scipy.signal.get_window('hann', n)`
/// (`fftbins=True`), which librosa uses for every STFT and CQT filter.
pub fn hann(n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![1.0];
    }
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos())
        .collect()
}
