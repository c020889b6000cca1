//! What the profiling examples and the criterion bench share: the synthetic 14 s signal and a
//! median timer.
#![allow(dead_code)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Chords over a bass line with noise bursts, 14 s at 22,050 Hz: every feature has something
/// to do.
pub fn synthetic_14s() -> Vec<f32> {
    let sr = 22_050.0f32;
    let mut state = 12345u32;
    (0..14 * 22_050)
        .map(|i| {
            let t = i as f32 / sr;
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let chord = [220.0f32, 277.18, 329.63, 440.0]
                .iter()
                .map(|f| (std::f32::consts::TAU * f * t).sin())
                .sum::<f32>();
            let bass = (std::f32::consts::TAU * 55.0 * t).sin()
                * if (t * 2.0).fract() < 0.5 { 1.0 } else { 0.2 };
            0.1 * chord
                + 0.3 * bass
                + 0.05 * noise * if (t * 4.0).fract() < 0.1 { 4.0 } else { 1.0 }
        })
        .collect()
}

/// The median wall time of `f`, after two untimed runs, over at least 15 runs and 1.5 s.
pub fn median<T>(mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    black_box(f());
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 15 || start.elapsed() < Duration::from_millis(1500) {
        let t = Instant::now();
        black_box(f());
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}
