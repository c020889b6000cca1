//! Where the milliseconds of `compute(y, &cfg, Feature::LIBROSA)` go: each shared intermediate
//! and each feature's own work, timed alone on its precomputed inputs (median of many runs,
//! one thread), next to the whole call. The README's profile table comes from this.
//!
//! Run: `cargo run --release -p genrescope-core --example feature_profile [signal.npy]`
//! (a float32 22,050 Hz signal, as `tools/bench/features.sh` writes; otherwise the criterion
//! bench's synthetic 14 s signal).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::median;

use genrescope_core::dsp::{convert, cqt, resample, stft, tuning};
use genrescope_core::features::{chroma_stft, mel, spectral, tonal};
use genrescope_core::{Feature, FeatureConfig, compute};
use ndarray::Array1;

// The allocator of the `genrescope` binary and the criterion bench.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let y: Vec<f32> = match std::env::args().nth(1) {
        Some(path) => {
            let a: Array1<f32> =
                ndarray_npy::read_npy(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            a.to_vec()
        }
        None => common::synthetic_14s(),
    };
    let cfg = FeatureConfig::default();
    if std::env::args().any(|a| a == "--cold") {
        cold(&y, &cfg);
        return;
    }
    let (n_fft, hop) = (cfg.n_fft, cfg.hop_length);
    let bpo = cfg.cqt_bins_per_octave;
    let n_cqt = cfg.cqt_n_octaves * bpo;

    // The intermediates, computed once to feed the per-feature timings.
    let mag = stft::stft_magnitude(&y, n_fft, hop);
    let power = mag.mapv(|m| m * m);
    let mel_power = mel::melspectrogram(power.view(), &cfg);
    let tuning_est = tuning::estimate_tuning(mag.view(), cfg.sr, n_fft, bpo);
    let cqt_args = |y: &[f32]| {
        cqt::cqt_magnitude(y, cfg.sr, hop, cfg.cqt_fmin, n_cqt, bpo, tuning_est)
            .expect("a valid CQT")
    };
    let cqt_mag = cqt_args(&y);
    let chroma = tonal::chroma_cqt(cqt_mag.view(), &cfg);
    let centroid = spectral::spectral_centroid(mag.view(), &cfg);

    let rows: Vec<(&str, Duration)> = vec![
        (
            "STFT magnitude (f64 FFT)",
            median(|| stft::stft_magnitude(&y, n_fft, hop)),
        ),
        ("power = magnitude²", median(|| mag.mapv(|m| m * m))),
        ("mel filter bank (built)", median(|| mel::mel_basis(&cfg))),
        (
            "mel power (bank built + applied)",
            median(|| mel::melspectrogram(power.view(), &cfg)),
        ),
        (
            "tuning estimate (piptrack)",
            median(|| tuning::estimate_tuning(mag.view(), cfg.sr, n_fft, bpo)),
        ),
        ("CQT magnitude (7 octaves)", median(|| cqt_args(&y))),
        (
            "  octave halving ×6 (resample 2:1)",
            median(|| {
                let mut s = y.clone();
                for _ in 0..6 {
                    s = resample::resample_scaled(&s, 2, 1).expect("2:1");
                }
                s
            }),
        ),
        ("waveform (copy)", median(|| y.to_vec())),
        ("fourier", median(|| spectral::fourier(&y))),
        (
            "spectrogram (amplitude_to_db)",
            median(|| convert::amplitude_to_db(mag.view(), cfg.top_db)),
        ),
        (
            "mel (power_to_db)",
            median(|| convert::power_to_db(mel_power.view(), cfg.top_db)),
        ),
        ("mfcc", median(|| mel::mfcc(mel_power.view(), &cfg))),
        (
            "chroma_stft",
            median(|| chroma_stft::chroma_stft(power.view(), &cfg)),
        ),
        (
            "chroma_cqt",
            median(|| tonal::chroma_cqt(cqt_mag.view(), &cfg)),
        ),
        (
            "chroma_cens",
            median(|| tonal::chroma_cens(cqt_mag.view(), &cfg)),
        ),
        ("tonnetz", median(|| tonal::tonnetz(chroma.view()))),
        (
            "spectral_centroid",
            median(|| spectral::spectral_centroid(mag.view(), &cfg)),
        ),
        (
            "spectral_bandwidth",
            median(|| spectral::spectral_bandwidth(mag.view(), centroid.view(), &cfg)),
        ),
        (
            "spectral_rolloff",
            median(|| spectral::spectral_rolloff(mag.view(), &cfg)),
        ),
        (
            "spectral_contrast",
            median(|| spectral::spectral_contrast(mag.view(), &cfg)),
        ),
        (
            "zero_crossing_rate",
            median(|| spectral::zero_crossing_rate(&y, &cfg)),
        ),
        ("rms", median(|| spectral::rms(&y, &cfg))),
    ];
    let whole = median(|| compute(&y, &cfg, Feature::LIBROSA).expect("features"));
    let split = median(|| {
        genrescope_core::compute_split(
            &y,
            &cfg,
            Feature::LIBROSA,
            &genrescope_core::features::NoEmbedder,
        )
        .expect("features")
    });
    genrescope_core::dsp::simd::set_enabled(false);
    let baseline = median(|| compute(&y, &cfg, Feature::LIBROSA).expect("features"));
    genrescope_core::dsp::simd::set_enabled(true);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("| part ({:.1} s signal) | ms |", y.len() as f64 / 22_050.0);
    println!("|---|---|");
    let mut sum = 0.0;
    for (name, d) in &rows {
        // The octave halving is inside the CQT's time already.
        if !name.starts_with("  ") && !name.contains("(built)") {
            sum += ms(*d);
        }
        println!("| {name} | {:.2} |", ms(*d));
    }
    println!("| sum of the parts | {sum:.2} |");
    println!(
        "| `compute(y, &cfg, Feature::LIBROSA)` | {:.2} |",
        ms(whole)
    );
    println!(
        "| the same with `dsp::simd` off (baseline SSE2 loops) | {:.2} |",
        ms(baseline)
    );
    println!(
        "| `compute_split`: the CQT features and the rest on two threads | {:.2} |",
        ms(split)
    );
}

/// The first call of each part in a fresh process, as `genrescope features` makes them: plans,
/// filter banks and bases are built then.
fn cold(y: &[f32], cfg: &FeatureConfig) {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mag = stft::stft_magnitude(y, cfg.n_fft, cfg.hop_length);
    println!("first STFT: {:.2} ms", ms(t));
    let t = Instant::now();
    black_box(spectral::fourier(y));
    println!("first fourier: {:.2} ms", ms(t));
    let t = Instant::now();
    let tuning_est =
        tuning::estimate_tuning(mag.view(), cfg.sr, cfg.n_fft, cfg.cqt_bins_per_octave);
    println!("first tuning: {:.2} ms", ms(t));
    let t = Instant::now();
    black_box(resample::resample_scaled(y, 2, 1).expect("2:1"));
    println!("first 2:1 resample: {:.2} ms", ms(t));
    let t = Instant::now();
    let n_cqt = cfg.cqt_n_octaves * cfg.cqt_bins_per_octave;
    let _ = black_box(cqt::cqt_magnitude(
        y,
        cfg.sr,
        cfg.hop_length,
        cfg.cqt_fmin,
        n_cqt,
        cfg.cqt_bins_per_octave,
        tuning_est,
    ));
    println!("first CQT (2:1 plan built): {:.2} ms", ms(t));
    let t = Instant::now();
    black_box(compute(y, cfg, Feature::LIBROSA).expect("features"));
    println!("then compute(all): {:.2} ms", ms(t));
    let t = Instant::now();
    black_box(compute(y, cfg, Feature::LIBROSA).expect("features"));
    println!("again compute(all): {:.2} ms", ms(t));
}
