//! Stage 2 end to end: `extract` on the demo data's signals writes .npy files numpy-shaped
//! (N, …), row i being track i of the batches, and resumes after kill -9 to the same bytes.

use std::fs;
use std::path::{Path, PathBuf};

mod common;

use common::{genrescope, kill_when, text};
use genrescope::formats::signals::{batch_files, read_batch, write_batch};
use genrescope_core::{Feature, FeatureConfig, compute};
use ndarray::{Array1, Array2, Array3, s};
use ndarray_npy::read_npy;

/// Demo data (2 tracks per genre, 15 s clips) through stages 0–1, in batches of 4.
fn signals(dir: &Path) -> PathBuf {
    common::demo_signals(dir, "2", "15", &["--batch-size", "4"]).signals
}

/// The features the test extracts: a 1-D, a 2-D and a one-row feature.
const FEATURES: &str = "waveform,mel,spectral_centroid";

/// The files of an extraction of [`FEATURES`].
const FILES: [&str; 6] = [
    "waveform.npy",
    "mel.npy",
    "spectral_centroid.npy",
    "labels.npy",
    "track_ids.npy",
    "manifest.json",
];

/// Every file of [`FILES`] in `got` is byte for byte the one in `want`.
fn assert_same_files(want: &Path, got: &Path, what: &str) {
    for name in FILES {
        assert_eq!(
            fs::read(want.join(name)).unwrap(),
            fs::read(got.join(name)).unwrap(),
            "{name}: {what}"
        );
    }
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
        &FEATURES,
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
        &FEATURES,
    ]);
    assert!(text(&again).contains("already holds"), "{}", text(&again));

    // Kill -9 once some rows are on disk; the rerun finishes to the same bytes.
    let cut = dir.path().join("cut");
    let progress = cut.join(".extract-progress.json");
    let rows_done = || {
        fs::read(&progress)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["rows_done"].as_u64())
            .unwrap_or(0)
    };
    kill_when(
        &[
            &"extract",
            &"--jobs",
            &"1",
            &"--features",
            &FEATURES,
            &"-d",
            &signals,
            &"-o",
            &cut,
        ],
        || rows_done() > 0,
    );
    assert!(!cut.join("manifest.json").exists(), "killed before the end");
    let out = genrescope(&[
        &"extract",
        &"-d",
        &signals,
        &"-o",
        &cut,
        &"--features",
        &FEATURES,
    ]);
    assert!(
        out.status.success() && text(&out).contains("resumed at track"),
        "{}",
        text(&out)
    );
    assert_same_files(&whole, &cut, "resumed after kill -9");
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

/// `extract -d SIGNALS -o OUT --features LIST`.
fn extract(signals: &Path, out: &Path, features: &str) -> std::process::Output {
    genrescope(&[
        &"extract",
        &"-d",
        &signals,
        &"-o",
        &out,
        &"--features",
        &features,
    ])
}

#[test]
fn extract_adds_features_to_a_folder_of_the_same_signals_and_refuses_others() {
    let dir = tempfile::tempdir().unwrap();
    let signals = signals(dir.path());
    let whole = dir.path().join("whole");
    assert!(extract(&signals, &whole, FEATURES).status.success());

    // Adding features (as `musicnn` to the 16 of a whole dataset) computes only them.
    let grown = dir.path().join("grown");
    assert!(extract(&signals, &grown, "waveform").status.success());
    let written = fs::metadata(grown.join("waveform.npy"))
        .unwrap()
        .modified()
        .unwrap();
    let out = extract(&signals, &grown, FEATURES);
    assert!(
        out.status.success() && text(&out).contains("held waveform of these signals: kept"),
        "{}",
        text(&out)
    );
    let again = fs::metadata(grown.join("waveform.npy"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(written, again, "waveform.npy is not written again");
    assert_same_files(&whole, &grown, "grown, against one extraction of all");

    // A folder holding a feature not asked for is another extraction: refused, untouched.
    let other = dir.path().join("other");
    assert!(extract(&signals, &other, "rms").status.success());
    let out = extract(&signals, &other, FEATURES);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("holds other features or signals"),
        "{}",
        text(&out)
    );
    assert!(!other.join("mel.npy").exists() && !other.join("mel.npy.partial").exists());
}

#[test]
fn a_run_stopped_between_its_last_file_and_its_manifest_resumes_from_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let signals = signals(dir.path());
    let whole = dir.path().join("whole");
    assert!(extract(&signals, &whole, FEATURES).status.success());
    // Every .npy renamed into place, the progress file saying every row is done, no manifest:
    // what a crash just before the manifest leaves.
    let stopped = dir.path().join("stopped");
    fs::create_dir_all(&stopped).unwrap();
    for name in &FILES[..5] {
        fs::copy(whole.join(name), stopped.join(name)).unwrap();
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(whole.join("manifest.json")).unwrap()).unwrap();
    let mut batches: Vec<String> = batch_files(&signals)
        .unwrap()
        .iter()
        .map(|b| b.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    batches.sort();
    let progress = serde_json::json!({
        "manifest": manifest,
        "batches": batches,
        "rows_done": manifest["rows"],
    });
    fs::write(
        stopped.join(".extract-progress.json"),
        serde_json::to_vec(&progress).unwrap(),
    )
    .unwrap();
    let out = extract(&signals, &stopped, FEATURES);
    assert!(out.status.success(), "{}", text(&out));
    assert_same_files(&whole, &stopped, "resumed, against the whole run");
}

#[test]
fn a_track_whose_features_fail_costs_its_row_and_train_leaves_it_out() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::demo_signals(dir.path(), "3", "15", &["--batch-size", "4"]);
    let signals = demo.signals;
    let whole = dir.path().join("whole");
    assert!(extract(&signals, &whole, FEATURES).status.success());

    // The second batch's third track gets a NaN: the core refuses that signal (a bug found
    // by a stranger's data would fail, or panic, the same way).
    let batches = batch_files(&signals).unwrap();
    let mut batch = read_batch(&batches[1]).unwrap();
    batch[2].samples[1000] = f32::NAN;
    let (row, track_id) = (4 + 2, batch[2].track_id);
    write_batch(&batches[1], &batch).unwrap();

    let out_dir = dir.path().join("broken");
    let out = extract(&signals, &out_dir, FEATURES);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    let line = format!("track {track_id}: its features failed (");
    assert_eq!(said.matches(&line).count(), 1, "{said}");
    assert!(said.contains("sample 1000 is not finite"), "{said}");
    assert!(said.contains("1 track failed"), "{said}");

    // The manifest names it; its rows are zeros, every other row is the clean run's.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    let failed = manifest["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["row"], row);
    assert_eq!(failed[0]["track_id"], track_id);
    assert!(failed[0]["error"].as_str().unwrap().contains("not finite"));
    let clean: Array3<f32> = read_npy(whole.join("mel.npy")).unwrap();
    let mel: Array3<f32> = read_npy(out_dir.join("mel.npy")).unwrap();
    assert_eq!(clean.dim(), mel.dim());
    for r in 0..mel.dim().0 {
        if r == row {
            assert!(mel.slice(s![r, .., ..]).iter().all(|&v| v == 0.0));
        } else {
            assert_eq!(
                mel.slice(s![r, .., ..]),
                clean.slice(s![r, .., ..]),
                "row {r}"
            );
        }
    }
    let ids: Array1<i64> = read_npy(out_dir.join("track_ids.npy")).unwrap();
    assert_eq!(ids[row], track_id as i64, "its id and label are kept");

    // The store knows; train says so and learns from the others only.
    let store = genrescope::formats::features::FeatureStore::open(&out_dir).unwrap();
    assert_eq!(store.failed, vec![row]);
    let trained = genrescope(&[
        &"train",
        &"-d",
        &out_dir,
        &"-o",
        &dir.path().join("models"),
        &"-m",
        &demo.generalised,
        &"-e",
        &"1",
        &"--features",
        &"spectral_centroid",
    ]);
    let said = text(&trained);
    assert!(trained.status.success(), "{said}");
    assert!(
        said.contains("1 track left out: its features failed in extract"),
        "{said}"
    );
    let split = said.lines().find(|l| l.starts_with("split (")).unwrap();
    let counts: Vec<usize> = split
        .split([' ', ','])
        .filter_map(|w| w.parse().ok())
        .take(3)
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), ids.len() - 1, "{split}");
}
