//! Seeded, music-like test signals: a chord progression over a drum beat.

use std::f32::consts::TAU;

pub use crate::rng::SplitMix64;

/// A stereo signal: left and right channels of equal length, in `[-1, 1]`.
#[derive(Clone, Debug)]
pub struct Stereo {
    /// Left channel.
    pub left: Vec<f32>,
    /// Right channel.
    pub right: Vec<f32>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
}

/// Beats per minute of [`music`].
pub const BPM: f32 = 120.0;

/// `seconds` of a I–V–vi–IV progression in C (one chord per bar, with bass) over kick,
/// snare and eighth-note hi-hats at [`BPM`], peak-normalised to 0.8. Noise comes from `seed`.
pub fn music(seconds: f32, sample_rate: u32, seed: u64) -> Stereo {
    let sr = sample_rate as f32;
    let n = (seconds * sr).round() as usize;
    let beat = 60.0 / BPM;
    let bar = 4.0 * beat;
    // MIDI notes of C, G, Am, F.
    let chords: [[f32; 3]; 4] = [
        [60.0, 64.0, 67.0],
        [59.0, 62.0, 67.0],
        [60.0, 64.0, 69.0],
        [60.0, 65.0, 69.0],
    ];
    let bass: [f32; 4] = [36.0, 43.0, 45.0, 41.0];
    let hz = |midi: f32| 440.0 * 2f32.powf((midi - 69.0) / 12.0);
    let mut rng = SplitMix64::new(seed);
    let mut left = Vec::with_capacity(n);
    let mut right = Vec::with_capacity(n);
    let mut last_noise = 0.0f32;
    for i in 0..n {
        let t = i as f32 / sr;
        let in_bar = t % bar;
        let chord = ((t / bar) as usize) % chords.len();
        let pad_env = (in_bar / 0.02).min(1.0) * (-in_bar * 0.6).exp();

        // Chord: each note with two overtones, detuned a little between the channels.
        let (mut pad_l, mut pad_r) = (0.0f32, 0.0f32);
        for &note in &chords[chord] {
            let f = hz(note);
            for (k, gain) in [(1.0, 1.0), (2.0, 0.4), (3.0, 0.15)] {
                pad_l += gain * (TAU * f * k * 0.999 * t).sin();
                pad_r += gain * (TAU * f * k * 1.001 * t).sin();
            }
        }
        let bass_tone = (TAU * hz(bass[chord]) * t).sin() * pad_env;

        // Drums on a 4/4 grid: kick on beats 1 and 3, snare on 2 and 4, hats on eighths.
        let in_beat = t % beat;
        let beat_index = ((t / beat) as usize) % 4;
        let in_eighth = t % (beat / 2.0);
        let noise = rng.next_signed();
        let hat_noise = noise - last_noise; // first difference: a crude high-pass
        last_noise = noise;
        let kick = if beat_index.is_multiple_of(2) {
            let f = 50.0 + 100.0 * (-in_beat * 30.0).exp();
            (TAU * f * in_beat).sin() * (-in_beat * 12.0).exp()
        } else {
            0.0
        };
        let snare = if !beat_index.is_multiple_of(2) {
            (0.6 * noise + 0.4 * (TAU * 190.0 * in_beat).sin()) * (-in_beat * 20.0).exp()
        } else {
            0.0
        };
        let hat = hat_noise * (-in_eighth * 60.0).exp();

        let common = 0.35 * bass_tone + 0.9 * kick + 0.45 * snare;
        left.push(common + 0.12 * pad_env * pad_l + 0.10 * hat);
        right.push(common + 0.12 * pad_env * pad_r + 0.06 * hat);
    }
    let peak = left
        .iter()
        .chain(&right)
        .fold(0.0f32, |m, v| m.max(v.abs()));
    if peak > 0.0 {
        let gain = 0.8 / peak;
        left.iter_mut()
            .chain(right.iter_mut())
            .for_each(|v| *v *= gain);
    }
    Stereo {
        left,
        right,
        sample_rate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn music_is_seeded_normalised_and_stereo() {
        let a = music(2.0, 22_050, 7);
        let b = music(2.0, 22_050, 7);
        assert_eq!(a.left, b.left);
        assert_eq!(a.left.len(), 44_100);
        assert_eq!(a.right.len(), 44_100);
        let peak = a
            .left
            .iter()
            .chain(&a.right)
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.8).abs() < 1e-6, "peak {peak}");
        assert_ne!(a.left, a.right);
        assert_ne!(music(2.0, 22_050, 8).left, a.left);
    }
}
