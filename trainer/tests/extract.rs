//! Stage 2 end to end: `extract` on the demo data's signals writes .npy files numpy-shaped
//! (N, …), row i being track i of the batches, and resumes after kill -9 to the same bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use genrescope::signals::{batch_files, read_batch};
use genrescope_core::{Feature, FeatureConfig, compute};
use ndarray::{Array1, Array2, Array3, s};
use ndarray_npy::read_npy;

fn genrescope(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("genrescope runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Demo data (2 tracks per genre, 15 s clips) through stages 0–1, in batches of 4.
fn signals(dir: &Path) -> PathBuf {
    let demo = dir.join("demo");
    let generalised = dir.join("generalised");
    let signals = dir.join("signals");
    for args in [
        vec![
            &"demo-data" as &dyn AsRef<std::ffi::OsStr>,
            &"-o",
            &demo,
            &"--tracks-per-genre",
            &"2",
            &"--clip-seconds",
            &"15",
        ],
        vec![
            &"generalise",
            &"--metadata-path",
            &demo.join("fma_metadata"),
            &"-o",
            &generalised,
        ],
        vec![
            &"transform",
            &"-m",
            &generalised,
            &"-d",
            &demo.join("fma_small"),
            &"-o",
            &signals,
            &"--batch-size",
            &"4",
        ],
    ] {
        let out = genrescope(&args);
        assert!(out.status.success(), "{}", text(&out));
    }
    signals
}

#[test]
fn extract_writes_numpy_rows_in_track_order_and_resumes_after_kill() {
    let dir = tempfile::tempdir().unwrap();
    let signals = signals(dir.path());
    let rows: Vec<_> = batch_files(&signals)
        .unwrap()
        .iter()
        .flat_map(|b| read_batch(b).unwrap())
        .collect();
    let n = rows.len();

    let whole = dir.path().join("whole");
    let out = genrescope(&[
        &"extract",
        &"-d",
        &signals,
        &"-o",
        &whole,
        &"--features",
        &"waveform,mel,spectral_centroid",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(whole.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["rows"], n);
    let ids: Array1<i64> = read_npy(whole.join("track_ids.npy")).unwrap();
    let labels: Array1<i64> = read_npy(whole.join("labels.npy")).unwrap();
    let waveform: Array2<f32> = read_npy(whole.join("waveform.npy")).unwrap();
    let mel: Array3<f32> = read_npy(whole.join("mel.npy")).unwrap();
    let centroid: Array3<f32> = read_npy(whole.join("spectral_centroid.npy")).unwrap();
    assert_eq!(mel.dim(), (n, 128, 603));
    assert_eq!(centroid.dim(), (n, 1, 603));
    let cfg = FeatureConfig::default();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            (ids[i], labels[i]),
            (r.track_id as i64, i64::from(r.label)),
            "row {i}"
        );
        assert_eq!(waveform.row(i).to_vec(), r.samples, "row {i}");
    }
    // Spot-check that the feature rows belong to their tracks (first, middle, last).
    for i in [0, n / 2, n - 1] {
        let set = compute(&rows[i].samples, &cfg, &[Feature::Mel]).unwrap();
        assert_eq!(
            mel.slice(s![i, .., ..]),
            set.get2(Feature::Mel).unwrap(),
            "mel row {i}"
        );
    }
    let again = genrescope(&[
        &"extract",
        &"-d",
        &signals,
        &"-o",
        &whole,
        &"--features",
        &"waveform,mel,spectral_centroid",
    ]);
    assert!(text(&again).contains("already holds"), "{}", text(&again));

    // Kill -9 once some rows are on disk; the rerun finishes to the same bytes.
    let cut = dir.path().join("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args([
            "extract",
            "--jobs",
            "1",
            "--features",
            "waveform,mel,spectral_centroid",
            "-d",
        ])
        .arg(&signals)
        .arg("-o")
        .arg(&cut)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let progress = cut.join(".extract-progress.json");
    loop {
        let done = fs::read(&progress)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["rows_done"].as_u64())
            .unwrap_or(0);
        if done > 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no progress written");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!cut.join("manifest.json").exists(), "killed before the end");
    let out = genrescope(&[
        &"extract",
        &"-d",
        &signals,
        &"-o",
        &cut,
        &"--features",
        &"waveform,mel,spectral_centroid",
    ]);
    assert!(
        out.status.success() && text(&out).contains("resumed at track"),
        "{}",
        text(&out)
    );
    for name in [
        "waveform.npy",
        "mel.npy",
        "spectral_centroid.npy",
        "labels.npy",
        "track_ids.npy",
        "manifest.json",
    ] {
        assert_eq!(
            fs::read(whole.join(name)).unwrap(),
            fs::read(cut.join(name)).unwrap(),
            "{name}"
        );
    }
    assert!(!cut.join(".extract-progress.json").exists());
}

#[test]
fn extract_refuses_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = genrescope(&[
        &"extract",
        &"-d",
        &dir.path(),
        &"-o",
        &dir.path().join("f"),
        &"--features",
        &"mel,loudness",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown feature 'loudness'"),
        "{}",
        text(&out)
    );
    assert_eq!(text(&out).lines().count(), 1, "{}", text(&out));
    let out = genrescope(&[&"extract", &"-d", &dir.path(), &"-o", &dir.path().join("f")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no batch-*.parquet files"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("f").exists(), "nothing written");
}
