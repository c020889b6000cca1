//! The faster paths change speed, not results: every feature is bit for bit the same with the
//! runtime choice of vector instructions (`dsp::simd`) on (AVX2 + FMA where the CPU has them)
//! and off (the baseline SSE2 build), and computed on two threads (`compute_split`) or one.

use genrescope_core::dsp::simd;
use genrescope_core::features::NoEmbedder;
use genrescope_core::{Feature, FeatureConfig, compute, compute_split};

/// Chords, a bass line, noise bursts and a stretch of near-silence (denormal-scale values).
fn signal() -> Vec<f32> {
    let mut state = 7u32;
    (0..5 * 22_050)
        .map(|i| {
            let t = i as f32 / 22_050.0;
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let tone = [196.0f32, 246.94, 293.66]
                .iter()
                .map(|f| (std::f32::consts::TAU * f * t).sin())
                .sum::<f32>();
            let v = 0.2 * tone + 0.05 * noise + 0.3 * (std::f32::consts::TAU * 55.0 * t).sin();
            if (2.0..2.5).contains(&t) {
                v * 1e-30
            } else {
                v
            }
        })
        .collect()
}

#[test]
fn every_feature_is_bit_identical_with_and_without_the_wider_instructions() {
    let y = signal();
    let cfg = FeatureConfig::default();
    simd::set_enabled(false);
    let baseline = compute(&y, &cfg, Feature::LIBROSA).expect("features");
    simd::set_enabled(true);
    let dispatched = compute(&y, &cfg, Feature::LIBROSA).expect("features");
    for ((feature, a), (_, b)) in baseline.entries.iter().zip(&dispatched.entries) {
        assert_eq!(a.shape(), b.shape(), "{feature}");
        let differing = a
            .iter()
            .zip(b.iter())
            .filter(|(x, y)| x.to_bits() != y.to_bits())
            .count();
        assert_eq!(differing, 0, "{feature}: {differing} values differ");
    }
}

#[test]
fn two_threads_give_one_thread_s_features_in_the_order_asked() {
    let y = signal();
    let cfg = FeatureConfig::default();
    // A shuffled order with a repeat, mixing CQT and STFT features.
    let which = [
        Feature::Tonnetz,
        Feature::Mel,
        Feature::ChromaCqt,
        Feature::Waveform,
        Feature::Mel,
        Feature::SpectralContrast,
        Feature::ChromaCens,
        Feature::Fourier,
    ];
    let one = compute(&y, &cfg, &which).expect("features");
    let two = compute_split(&y, &cfg, &which, &NoEmbedder).expect("features");
    let names =
        |s: &genrescope_core::FeatureSet| s.entries.iter().map(|(f, _)| *f).collect::<Vec<_>>();
    assert_eq!(names(&one), names(&two));
    for ((feature, a), (_, b)) in one.entries.iter().zip(&two.entries) {
        assert!(
            a.iter()
                .zip(b.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "{feature}"
        );
    }
}
