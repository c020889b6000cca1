//! Stage 3 end to end: `pipeline` on a small demo dataset writes a bundle that loads and
//! predicts what training recorded, metrics that agree with the predictions, logs and PNGs;
//! `train` is deterministic for a seed and refuses bad input with one line and no bundle.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

mod common;

use common::{genrescope, run_ok, text};
use genrescope::formats::features::FeatureStore;
use genrescope_core::Feature;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::model::{Bundle, BundleManifest, argmax};
use ndarray::Array3;
use serde_json::Value;

/// `genrescope train -d features -o out -m meta -e epochs` followed by `extra`.
fn train_args(
    features: &Path,
    out: &Path,
    meta: &Path,
    epochs: &str,
    extra: &[&str],
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["train".into(), "-d".into(), features.into(), "-o".into()];
    args.extend([
        out.into(),
        "-m".into(),
        meta.into(),
        "-e".into(),
        epochs.into(),
    ]);
    args.extend(extra.iter().map(OsString::from));
    args
}

/// `args` as `genrescope()` takes them.
fn refs(args: &[OsString]) -> Vec<&dyn AsRef<OsStr>> {
    args.iter().map(|a| a as &dyn AsRef<OsStr>).collect()
}

/// A small FMA-shaped demo dataset: `per_genre` tracks of each of the 8 genres, 4 s clips.
fn demo(dir: &Path, per_genre: &str) -> PathBuf {
    common::demo(dir, per_genre, "4")
}

/// Stages 0–2 of the pipeline on a demo (5 tracks a genre) with 3 s signals, for the features
/// in `features`.
fn features(dir: &Path, features: &str) -> (PathBuf, PathBuf) {
    let work = dir.join("work");
    let stages = common::demo_signals(&work, "5", "4", &["--signal-length", "3"]);
    let feats = work.join("features");
    run_ok(&[
        &"extract",
        &"-d",
        &stages.signals,
        &"-o",
        &feats,
        &"--features",
        &features,
    ]);
    (feats, stages.generalised)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let b = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

fn load_bundle(models: &Path) -> Result<Bundle, genrescope_core::Error> {
    let manifest = fs::read_to_string(models.join("manifest.json")).unwrap();
    Bundle::load(
        &manifest,
        |name| Ok(fs::read(models.join(name))?),
        &Device::flex(),
    )
}

/// Loads the bundle in `models` on flex, as the browser loads it, and checks that every model
/// gives each test track of `features` the class and probability `test_predictions.csv`
/// recorded (within `tol`).
fn assert_bundle_predicts_as_recorded(models: &Path, features: &Path, tol: f32) {
    let bundle = load_bundle(models).expect("bundle loads");
    let store = FeatureStore::open(features).unwrap();
    let predictions = fs::read_to_string(models.join("test_predictions.csv")).unwrap();
    let mut recorded: BTreeMap<(String, u64), (usize, f32)> = BTreeMap::new();
    for line in predictions.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        recorded.insert(
            (f[0].to_string(), f[1].parse().unwrap()),
            (f[3].parse().unwrap(), f[4].parse().unwrap()),
        );
    }
    let models_n = bundle.models.len();
    assert_eq!(recorded.len() % (models_n + 1), 0);
    let test_rows = recorded.len() / (models_n + 1);
    assert!(test_rows > 0);
    let mut checked = 0;
    for m in &bundle.models {
        let mut rows = store.rows(m.entry.feature).unwrap();
        let mut raw = Vec::new();
        for (row, &id) in store.track_ids.iter().enumerate() {
            let Some(&(class, p)) = recorded.get(&(m.entry.feature.name().to_string(), id)) else {
                continue;
            };
            rows.read(row, &mut raw).unwrap();
            let probs = m.predict(&raw, &Device::flex()).unwrap();
            assert_eq!(argmax(&probs), class, "{} track {id}", m.entry.feature);
            assert!(
                (probs[class] - p).abs() < tol,
                "{} track {id}: {} vs {p}",
                m.entry.feature,
                probs[class]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, models_n * test_rows);
}

#[test]
fn train_runs_on_ndarray_and_wgpu_and_their_bundles_load_on_flex() {
    // wgpu runs on Mesa's lavapipe where the machine has no GPU (scripts/test.sh installs it).
    let dir = tempfile::tempdir().unwrap();
    let (feats, meta) = features(dir.path(), "mel,rms");
    // Each backend is a cargo feature of the trainer (scripts/test.sh builds with both); a build
    // without one refuses it in one line that says how to get it.
    for (backend, built) in [
        ("ndarray", cfg!(feature = "ndarray")),
        ("wgpu", cfg!(feature = "wgpu")),
    ] {
        let out = dir.path().join(backend);
        let args = train_args(&feats, &out, &meta, "2", &["--backend", backend]);
        if !built {
            let refused = genrescope(&refs(&args));
            assert!(!refused.status.success());
            assert!(
                text(&refused).contains(&format!("--features {backend}`")),
                "{}",
                text(&refused)
            );
            assert!(!out.exists(), "a refused run created {}", out.display());
            continue;
        }
        let log = run_ok(&refs(&args));
        assert!(log.contains(&format!("backend {backend}")), "{log}");
        let manifest: BundleManifest =
            serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert!(manifest.models.iter().all(|m| m.backend == backend));
        assert_bundle_predicts_as_recorded(&out, &feats, 1e-3);
    }
}

#[test]
fn pipeline_writes_a_bundle_that_predicts_what_training_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo(dir.path(), "6");
    let work = dir.path().join("work");
    let args: [&dyn AsRef<OsStr>; 9] = [
        &"pipeline",
        &"--fma",
        &demo,
        &"-o",
        &work,
        &"-e",
        &"2",
        &"--signal-length",
        &"3",
    ];
    let log = run_ok(&args);
    for needle in [
        "stage 0",
        "stage 1",
        "stage 2",
        "stage 3",
        "epoch   2/2",
        "ensemble of 16",
    ] {
        assert!(log.contains(needle), "no `{needle}` in:\n{log}");
    }
    let models = work.join("models");

    // The bundle: every feature of the registry, each weights file present.
    let manifest: BundleManifest =
        serde_json::from_slice(&fs::read(models.join("manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = manifest.models.iter().map(|m| m.feature.name()).collect();
    let all: Vec<&str> = Feature::LIBROSA.iter().map(|f| f.name()).collect();
    assert_eq!(names, all);
    assert_eq!(manifest.signal_samples, 3 * 22_050);
    assert_eq!(manifest.classes.len(), 8);

    // metrics.json: every model and the ensemble, with the four figures.
    let metrics = json(&models.join("metrics.json"));
    let test_rows = metrics["split"]["test"].as_u64().unwrap();
    assert_eq!(metrics["split"]["source"], "fma");
    assert!(test_rows >= 8, "{metrics}");
    for name in all.iter().copied().chain(["ensemble"]) {
        let m = &metrics[name];
        let acc = m["test_accuracy"].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&acc), "{name}: {m}");
        assert!(m["macro_f1"].as_f64().is_some(), "{name}");
        assert_eq!(m["per_genre"].as_object().unwrap().len(), 8, "{name}");
        let confusion: Vec<Vec<u64>> = serde_json::from_value(m["confusion"].clone()).unwrap();
        let total: u64 = confusion.iter().flatten().sum();
        assert_eq!(total, test_rows, "{name}");
        let correct: u64 = (0..8).map(|i| confusion[i][i]).sum();
        assert!((correct as f64 / total as f64 - acc).abs() < 1e-9, "{name}");
    }

    // Logs: 2 epochs per model, CSV and JSON.
    let log_json = json(&models.join("training_log.json"));
    assert_eq!(log_json.as_array().unwrap().len(), 2 * 16);
    let csv = fs::read_to_string(models.join("training_log.csv")).unwrap();
    assert!(csv.starts_with(
        "model,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds"
    ));
    assert_eq!(csv.lines().count(), 1 + 2 * 16);

    // Plots: one confusion matrix and one curve per model, and the ensemble's matrix.
    for name in &all {
        let (w, h) = png_size(&models.join(format!("plots/{name}_confusion.png")));
        assert!(w > 300 && h > 300);
        assert_eq!(
            png_size(&models.join(format!("plots/{name}_curves.png"))),
            (1100, 440)
        );
    }
    png_size(&models.join("plots/ensemble_confusion.png"));

    // The bundle loads through the core crate (as the browser loads it) and gives, for every
    // test track, the class and probability training recorded.
    assert_bundle_predicts_as_recorded(&models, &work.join("features"), 1e-5);

    // Windows past the track's (a page worker's task from a stale page, say) are refused by
    // name before anything is reserved for them: a range to usize::MAX once asked for that
    // much capacity and panicked.
    let bundle = load_bundle(&models).unwrap();
    let y = vec![0.1; 5 * 22_050];
    let flex = Device::flex();
    let backwards = std::ops::Range { start: 2, end: 1 };
    for which in [
        0..usize::MAX,
        backwards,
        0..bundle.window_count(y.len()) + 1,
    ] {
        let asked = bundle.predict_windows_async(&y, &[], which.clone(), &flex);
        let answer = genrescope_core::model::burn::tensor::try_read_sync(asked);
        let err = answer.expect("flex answers at once").unwrap_err();
        assert!(
            err.to_string().contains("asked of a track with"),
            "{which:?}: {err}"
        );
    }

    // A rerun skips what is complete and keeps the weights.
    let before = fs::read(models.join("mel.bpk")).unwrap();
    let again = run_ok(&args);
    assert!(again.contains("is complete, skipped"), "{again}");
    assert!(
        again.contains("mel: already trained with these settings, kept"),
        "{again}"
    );
    assert_eq!(fs::read(models.join("mel.bpk")).unwrap(), before);
}

#[test]
fn train_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (feats, meta) = features(dir.path(), "mel,rms");
    let train = |out: &Path, seed: &str| {
        run_ok(&refs(&train_args(
            &feats,
            out,
            &meta,
            "2",
            &["--seed", seed],
        )))
    };
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    train(&a, "7");
    train(&b, "7");
    train(&c, "8");
    // A .bpk also holds burn's random parameter ids, so the files differ in those bytes; the
    // weights are compared through what they compute: every row's probabilities, bit for bit.
    let store = FeatureStore::open(&feats).unwrap();
    let probs = |models: &Path| -> Vec<Vec<f32>> {
        let bundle = load_bundle(models).expect("bundle loads");
        let mut all = Vec::new();
        for m in &bundle.models {
            let mut rows = store.rows(m.entry.feature).unwrap();
            let mut raw = Vec::new();
            for row in 0..store.track_ids.len() {
                rows.read(row, &mut raw).unwrap();
                all.push(m.predict(&raw, &Device::flex()).unwrap());
            }
        }
        all
    };
    let (pa, pb, pc) = (probs(&a), probs(&b), probs(&c));
    assert_eq!(pa.len(), 2 * store.track_ids.len());
    assert!(pa == pb, "equal seeds gave different weights");
    assert!(pa != pc, "another seed gave the same weights");
    // The training logs agree too, but for the wall times.
    let log = |dir: &Path| -> Vec<String> {
        fs::read_to_string(dir.join("training_log.csv"))
            .unwrap()
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    assert_eq!(log(&a), log(&b));
}

#[test]
fn train_and_bundles_refuse_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (feats, meta) = features(dir.path(), "mel,rms");
    let fail = |args: &[OsString], needle: &str| {
        let out = genrescope(&refs(args));
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "no `{needle}` in: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    };
    let out = dir.path().join("models");

    // An unknown feature, and a feature that was not extracted.
    for (list, needle) in [
        ("mel,bogus", "unknown feature 'bogus'"),
        ("tonnetz", "holds no `tonnetz`"),
    ] {
        fail(
            &train_args(&feats, &out, &meta, "1", &["--features", list]),
            needle,
        );
    }

    // A features folder whose rms.npy has a row fewer than the manifest says.
    let broken = dir.path().join("broken");
    fs::create_dir(&broken).unwrap();
    for e in fs::read_dir(&feats).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), broken.join(e.file_name())).unwrap();
    }
    let rms: Array3<f32> = ndarray_npy::read_npy(feats.join("rms.npy")).unwrap();
    let short = rms.slice(ndarray::s![1.., .., ..]).to_owned();
    ndarray_npy::write_npy(broken.join("rms.npy"), &short).unwrap();
    let rows = rms.shape()[0];
    fail(
        &train_args(&broken, &out, &meta, "1", &[]),
        &format!("rms.npy: {} rows, but manifest.json says {rows}", rows - 1),
    );
    assert!(!out.join("manifest.json").exists());

    // A manifest naming files outside its folder (a downloaded folder reads nothing else).
    fs::copy(feats.join("rms.npy"), broken.join("rms.npy")).unwrap();
    let manifest = fs::read_to_string(feats.join("manifest.json")).unwrap();
    for (from, to) in [
        ("\"labels.npy\"", "\"../work/features/labels.npy\""),
        ("\"rms.npy\"", "\"/etc/passwd\""),
    ] {
        assert!(manifest.contains(from), "{from} in {manifest}");
        fs::write(broken.join("manifest.json"), manifest.replace(from, to)).unwrap();
        fail(
            &train_args(&broken, &out, &meta, "1", &[]),
            &format!("file {to} is not a plain file name in the folder"),
        );
    }
    assert!(!out.join("manifest.json").exists());

    // A good bundle, then weights that do not match its manifest.
    run_ok(&refs(&train_args(&feats, &out, &meta, "1", &[])));
    load_bundle(&out).expect("the bundle loads");
    fs::copy(out.join("rms.bpk"), out.join("mel.bpk")).unwrap();
    let err = load_bundle(&out).unwrap_err().to_string();
    assert!(err.contains("mel.bpk: weights do not match"), "{err}");
    fs::write(out.join("mel.bpk"), b"not burnpack").unwrap();
    let err = load_bundle(&out).unwrap_err().to_string();
    assert!(err.contains("mel.bpk: not a Burnpack file"), "{err}");
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    let err = Bundle::load(
        &manifest.replace("\"format\": 1", "\"format\": 9"),
        |_| Ok(vec![]),
        &Device::flex(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("format 9"), "{err}");
}
