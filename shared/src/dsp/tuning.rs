//! Tuning estimation (`librosa.piptrack`, `librosa.estimate_tuning`, `librosa.pitch_tuning`).
use ndarray::ArrayView2;

/// `librosa.estimate_tuning(S=s, sr=sr, n_fft=n_fft, bins_per_octave=bins_per_octave)`, in
/// fractions of a bin, from a magnitude or power spectrogram `s` of shape `(1 + n_fft/2, t)`.
pub fn estimate_tuning(s: ArrayView2<f32>, sr: u32, n_fft: usize, bins_per_octave: usize) -> f64 {
    let _ = (s, sr, n_fft, bins_per_octave);
    unimplemented!("helper H1")
}
