//! `genrescope features` end to end: real MP3s in, .npy files out, checked against librosa's
//! stored outputs; bad input gets one clear line and a non-zero exit.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::{Array1, ArrayD};
use ndarray_npy::read_npy;

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tests/reference/load")
        .join(name)
}

fn genrescope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args)
        .output()
        .expect("genrescope runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn features_writes_librosa_load_signal_and_every_feature() {
    let dir = tempfile::tempdir().unwrap();
    let mp3 = reference("stereo_44100_cbr.mp3");
    // The reference is librosa.load(mp3, sr=22050, offset=0.5, duration=1.5).
    let out = genrescope(&[
        "features",
        mp3.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--offset",
        "0.5",
        "--signal-length",
        "1.5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let want: Array1<f32> = read_npy(reference("stereo_44100_cbr.npy")).unwrap();
    let got: Array1<f32> = read_npy(dir.path().join("waveform.npy")).unwrap();
    assert_eq!(got.len(), want.len());
    let snr = common::snr_db(got.as_slice().unwrap(), want.as_slice().unwrap());
    assert!(snr >= 40.0, "waveform SNR {snr:.1} dB against librosa.load");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("features.json")).unwrap())
            .unwrap();
    let t = 1 + want.len() / 512;
    let expected: &[(&str, &[usize])] = &[
        ("fourier", &[want.len() / 2 + 1]),
        ("spectrogram", &[1025, t]),
        ("power_spectrogram", &[1025, t]),
        ("mel", &[128, t]),
        ("mfcc", &[20, t]),
        ("chroma_stft", &[12, t]),
        ("chroma_cqt", &[12, t]),
        ("chroma_cens", &[12, t]),
        ("tonnetz", &[6, t]),
        ("spectral_centroid", &[1, t]),
        ("spectral_bandwidth", &[1, t]),
        ("spectral_rolloff", &[1, t]),
        ("spectral_contrast", &[7, t]),
        ("zero_crossing_rate", &[1, t]),
        ("rms", &[1, t]),
    ];
    for (name, shape) in expected {
        let a: ArrayD<f32> = read_npy(dir.path().join(format!("{name}.npy"))).unwrap();
        assert_eq!(a.shape(), *shape, "{name}");
        assert!(a.iter().all(|v| v.is_finite()), "{name}");
        let listed = manifest["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["feature"] == *name)
            .unwrap();
        assert_eq!(listed["shape"].as_array().unwrap().len(), shape.len());
    }
    assert_eq!(manifest["config"]["n_fft"], 2048);
    // Nothing but the outputs: no temporary files left behind.
    let stray: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn a_subset_of_features_writes_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let out = genrescope(&[
        "features",
        reference("mono_48000_vbr.mp3").to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--features",
        "mel,tonnetz",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["features.json", "mel.npy", "tonnetz.npy", "waveform.npy"]
    );
}

#[test]
fn a_missing_file_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = genrescope(&[
        "features",
        "/nonexistent/song.mp3",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/song.mp3"), "{err}");
}

#[test]
fn a_file_that_is_not_audio_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("notes.mp3");
    std::fs::write(&bogus, "track_id,genre\n2,Hip-Hop\n".repeat(200)).unwrap();
    let out_dir = dir.path().join("out");
    let out = genrescope(&[
        "features",
        bogus.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("notes.mp3") && err.contains("unsupported format"),
        "{err}"
    );
    assert!(!out_dir.exists(), "no output folder for a failed file");
}

#[test]
fn an_unknown_feature_or_bad_length_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let mp3 = reference("mono_48000_vbr.mp3");
    let out = genrescope(&[
        "features",
        mp3.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--features",
        "chroma",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown feature 'chroma'"),
        "{}",
        stderr(&out)
    );
    let out = genrescope(&[
        "features",
        mp3.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--signal-length",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--signal-length"), "{}", stderr(&out));
}
