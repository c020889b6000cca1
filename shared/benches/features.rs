//! All features of a 14 s signal at one thread (the core has no threads).
//!
//! `GENRESCOPE_BENCH_SIGNAL=signal.npy` benchmarks that float32 22,050 Hz signal, which is how
//! `tools/bench/features.sh` runs this side by side with librosa; otherwise a synthetic 14 s
//! signal is used. Run: `cargo bench -p genrescope-core --bench features`.

#[path = "../examples/common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use genrescope_core::{Feature, FeatureConfig, compute, dsp::resample::resample};
use ndarray::Array1;

// The allocator the `genrescope` binary uses (see trainer/src/main.rs): glibc's malloc hands
// large arrays back to the kernel on every free, so each track would pay for fresh pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn signal() -> Vec<f32> {
    if let Ok(path) = std::env::var("GENRESCOPE_BENCH_SIGNAL") {
        let a: Array1<f32> = ndarray_npy::read_npy(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        return a.to_vec();
    }
    common::synthetic_14s()
}

fn bench(c: &mut Criterion) {
    let y = signal();
    let cfg = FeatureConfig::default();
    c.bench_function("all_features_14s", |b| {
        b.iter(|| compute(black_box(&y), &cfg, Feature::LIBROSA).unwrap())
    });
    c.bench_function("stft_features_14s", |b| {
        let which: Vec<Feature> = Feature::LIBROSA
            .iter()
            .copied()
            .filter(|f| {
                !matches!(
                    f,
                    Feature::ChromaCqt | Feature::ChromaCens | Feature::Tonnetz
                )
            })
            .collect();
        b.iter(|| compute(black_box(&y), &cfg, &which).unwrap())
    });
    c.bench_function("cqt_features_14s", |b| {
        b.iter(|| {
            compute(
                black_box(&y),
                &cfg,
                &[Feature::ChromaCqt, Feature::ChromaCens, Feature::Tonnetz],
            )
            .unwrap()
        })
    });
    let y44: Vec<f32> = (0..14 * 44_100)
        .map(|i| (i as f32 * 0.031).sin() * 0.5)
        .collect();
    c.bench_function("resample_44100_to_22050_14s", |b| {
        b.iter(|| resample(black_box(&y44), 44_100, 22_050).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
