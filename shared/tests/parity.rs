//! Parity with librosa 0.11 on the reference files in `tests/reference`, written by
//! `tools/reference/make_references.py` (run by hand; CI needs no Python).
//!
//! Tolerances are the project's contract with librosa:
//! - relative Frobenius error ≤ 1e-4: waveform, fourier, power_spectrogram;
//! - relative Frobenius error ≤ 1e-3: mfcc and the spectral extras;
//! - mean |Δ| ≤ 0.02 dB over the bins within 60 dB of the maximum: spectrogram, mel;
//! - mean |Δ| ≤ 2e-3: chroma_stft; ≤ 1e-2: chroma_cqt, chroma_cens, tonnetz;
//! - SNR ≥ 40 dB against `librosa.resample(res_type='soxr_hq')` and `librosa.load`.

use std::path::{Path, PathBuf};

use genrescope_core::{Feature, FeatureConfig, audio, compute, dsp::resample::resample};
use ndarray::ArrayD;
use ndarray_npy::read_npy;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("reference")
}

fn load_f32(path: &Path) -> ArrayD<f32> {
    read_npy(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn norm(a: impl Iterator<Item = f64>) -> f64 {
    a.map(|v| v * v).sum::<f64>().sqrt()
}

/// `||got - want|| / ||want||`; when `want` is all zeros, `||got||` itself.
fn rel(got: &ArrayD<f32>, want: &ArrayD<f32>) -> f64 {
    let diff = norm(
        got.iter()
            .zip(want.iter())
            .map(|(&a, &b)| f64::from(a) - f64::from(b)),
    );
    let scale = norm(want.iter().map(|&b| f64::from(b)));
    if scale == 0.0 { diff } else { diff / scale }
}

/// Mean |Δ| over the bins of `want` within 60 dB of its maximum.
fn db_err(got: &ArrayD<f32>, want: &ArrayD<f32>) -> f64 {
    let max = want.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let (sum, n) = got
        .iter()
        .zip(want.iter())
        .filter(|&(_, &b)| b > max - 60.0)
        .fold((0.0, 0usize), |(s, n), (&a, &b)| {
            (s + f64::from((a - b).abs()), n + 1)
        });
    sum / n.max(1) as f64
}

fn mean_abs(got: &ArrayD<f32>, want: &ArrayD<f32>) -> f64 {
    got.iter()
        .zip(want.iter())
        .map(|(&a, &b)| f64::from((a - b).abs()))
        .sum::<f64>()
        / want.len().max(1) as f64
}

/// An error metric: got, want → error.
type Metric = fn(&ArrayD<f32>, &ArrayD<f32>) -> f64;

/// The metric and the limit of each feature.
fn contract(feature: Feature) -> (&'static str, Metric, f64) {
    match feature {
        Feature::Waveform | Feature::Fourier | Feature::PowerSpectrogram => ("rel", rel, 1e-4),
        Feature::Mfcc
        | Feature::SpectralCentroid
        | Feature::SpectralBandwidth
        | Feature::SpectralRolloff
        | Feature::SpectralContrast
        | Feature::ZeroCrossingRate
        | Feature::Rms => ("rel", rel, 1e-3),
        Feature::Spectrogram | Feature::Mel => ("db_err", db_err, 0.02),
        Feature::ChromaStft => ("mean_abs", mean_abs, 2e-3),
        Feature::ChromaCqt | Feature::ChromaCens | Feature::Tonnetz => ("mean_abs", mean_abs, 1e-2),
        // Not librosa's: checked against TensorFlow's graph in tests/musicnn.rs.
        Feature::Musicnn | Feature::MusicnnMtt => {
            unreachable!("{feature} is not a librosa feature")
        }
    }
}

/// The features librosa refused for signal `name`, by `tools/reference/make_references.py`'s
/// record in `features/manifest.json`; the test fails when the signal is not recorded.
fn refused(name: &str) -> Vec<String> {
    let path = reference_dir().join("features").join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let manifest: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let Some(refused) = manifest["signals"][name]["refused"].as_object() else {
        panic!("{}: signal {name} has no `refused` record", path.display());
    };
    refused.keys().cloned().collect()
}

fn check_signal(name: &str) {
    let dir = reference_dir().join("features").join(name);
    let refused = refused(name);
    let y = load_f32(&dir.join("waveform.npy"));
    let y: Vec<f32> = y.iter().copied().collect();
    let cfg = FeatureConfig::default();
    let set = compute(&y, &cfg, Feature::LIBROSA).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut failures = Vec::new();
    for &feature in Feature::LIBROSA {
        let path = dir.join(format!("{}.npy", feature.name()));
        let got = set.get(feature).expect("computed");
        assert!(
            got.iter().all(|v| v.is_finite()),
            "{name}/{feature}: non-finite values"
        );
        let librosa_refused = refused.iter().any(|f| f == feature.name());
        if librosa_refused {
            // librosa refused this input; ours must still be finite, and there can be no
            // reference to compare with.
            assert!(
                !path.exists(),
                "{name}/{feature}: manifest.json says librosa refused it, but {} exists",
                path.display()
            );
            continue;
        }
        // A missing reference is an incomplete reference set, never a pass.
        assert!(
            path.exists(),
            "{name}/{feature}: no reference {} and manifest.json does not say librosa refused it",
            path.display()
        );
        let want = load_f32(&path);
        assert_eq!(
            got.shape(),
            want.shape(),
            "{name}/{feature}: shape differs from librosa's"
        );
        let (metric, f, limit) = contract(feature);
        let err = f(got, &want);
        eprintln!(
            "{name:12} {:18} {metric:8} {err:.3e} (limit {limit:.0e})",
            feature.name()
        );
        if !(err <= limit) {
            failures.push(format!("{feature}: {metric} {err:.3e} > {limit:.0e}"));
        }
    }
    assert!(failures.is_empty(), "{name}: {}", failures.join("; "));
}

#[test]
fn chord_with_noise_matches_librosa() {
    check_signal("chord_noise");
}

#[test]
fn chirp_matches_librosa() {
    check_signal("chirp");
}

#[test]
fn clicks_match_librosa() {
    check_signal("clicks");
}

#[test]
fn silence_matches_librosa() {
    check_signal("silence");
}

#[test]
fn signal_shorter_than_n_fft_matches_librosa() {
    check_signal("short");
}

fn snr_db(got: &[f32], want: &[f32]) -> f64 {
    let signal: f64 = want.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = got
        .iter()
        .zip(want)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    10.0 * (signal / noise.max(1e-300)).log10()
}

fn check_resample(orig: u32, target: u32) {
    let dir = reference_dir().join("resample");
    let input: Vec<f32> = load_f32(&dir.join(format!("{orig}_{target}_in.npy")))
        .iter()
        .copied()
        .collect();
    let want: Vec<f32> = load_f32(&dir.join(format!("{orig}_{target}_out.npy")))
        .iter()
        .copied()
        .collect();
    let got = resample(&input, orig, target).expect("resample");
    assert_eq!(
        got.len(),
        want.len(),
        "{orig}->{target}: length differs from soxr's"
    );
    let snr = snr_db(&got, &want);
    eprintln!("resample {orig}->{target}: SNR {snr:.1} dB against soxr_hq");
    assert!(snr >= 40.0, "{orig}->{target}: SNR {snr:.1} dB < 40 dB");
}

#[test]
fn resample_44100_to_22050_matches_soxr_hq() {
    check_resample(44100, 22050);
}

#[test]
fn resample_48000_to_22050_matches_soxr_hq() {
    check_resample(48000, 22050);
}

#[test]
fn resample_16000_to_22050_matches_soxr_hq() {
    check_resample(16000, 22050);
}

#[test]
fn resample_halving_as_in_the_cqt_matches_soxr_hq() {
    check_resample(2, 1);
}

fn check_load(name: &str) {
    let dir = reference_dir().join("load");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap())
            .unwrap();
    let bytes = std::fs::read(dir.join(format!("{name}.mp3"))).unwrap();
    let want: Vec<f32> = load_f32(&dir.join(format!("{name}.npy")))
        .iter()
        .copied()
        .collect();

    let native = audio::decode(bytes.clone(), Some("mp3")).expect("decode");
    assert_eq!(
        u64::from(native.sample_rate),
        meta["native_sr"].as_u64().unwrap(),
        "{name}: sample rate"
    );
    assert_eq!(
        native.samples.len() as u64,
        meta["native_frames"].as_u64().unwrap(),
        "{name}: native frames"
    );
    assert_eq!(
        native.channels as u64,
        meta["channels"].as_u64().unwrap(),
        "{name}: channels"
    );

    // Windows cut from a whole decode equal librosa.load's as well.
    let windowed = native
        .window(
            meta["sr"].as_u64().unwrap() as u32,
            meta["offset"].as_f64().unwrap(),
            meta["duration"].as_f64(),
        )
        .expect("window");
    assert_eq!(windowed.len(), want.len(), "{name}: window length");
    assert!(snr_db(&windowed, &want) >= 40.0, "{name}: window SNR");

    let got = audio::load(
        bytes,
        Some("mp3"),
        meta["sr"].as_u64().unwrap() as u32,
        meta["offset"].as_f64().unwrap(),
        meta["duration"].as_f64(),
    )
    .expect("load");
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: length differs from librosa.load's"
    );
    let snr = snr_db(&got, &want);
    eprintln!("load {name}: SNR {snr:.1} dB against librosa.load");
    assert!(snr >= 40.0, "{name}: SNR {snr:.1} dB < 40 dB");
}

#[test]
fn load_stereo_44100_cbr_mp3_matches_librosa_load() {
    check_load("stereo_44100_cbr");
}

#[test]
fn load_mono_48000_vbr_mp3_matches_librosa_load() {
    check_load("mono_48000_vbr");
}
