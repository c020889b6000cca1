//! `--shard I/N` (issue 17, item 2): stages 1 and 2 and tagging split into shards give the
//! whole run's tracks, each once, value for value; `train` reads a sharded features location
//! through the shards' manifests and refuses a set with a shard missing, unfinished,
//! duplicated or of another run; a finished shard is skipped on a rerun.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{demo_signals, genrescope, run_ok, text};
use genrescope::formats::signals::{Signal, batch_files, read_batch};
use genrescope::shard::Shard;
use ndarray::{ArrayD, Axis};
use ndarray_npy::read_npy;

const SHARDS: usize = 3;

fn shards() -> impl Iterator<Item = Shard> {
    (0..SHARDS).map(|index| Shard {
        index,
        count: SHARDS,
    })
}

/// Every signal of a signals folder, by track id.
fn signals(dir: &Path) -> BTreeMap<u64, Signal> {
    let mut out = BTreeMap::new();
    for file in batch_files(dir).unwrap() {
        for s in read_batch(&file).unwrap() {
            assert!(
                out.insert(s.track_id, s).is_none(),
                "a track twice in {dir:?}"
            );
        }
    }
    out
}

/// One feature's rows of a features folder, by track id.
fn feature_rows(dir: &Path, feature: &str) -> BTreeMap<u64, ArrayD<f32>> {
    let ids: ndarray::Array1<i64> = read_npy(dir.join("track_ids.npy")).unwrap();
    let values: ArrayD<f32> = read_npy(dir.join(format!("{feature}.npy"))).unwrap();
    ids.iter()
        .zip(values.axis_iter(Axis(0)))
        .map(|(&id, row)| (id as u64, row.to_owned()))
        .collect()
}

struct Work {
    root: PathBuf,
    audio: PathBuf,
    generalised: PathBuf,
    signals: PathBuf,
}

fn sharded_stages(root: &Path) -> Work {
    // The whole run: stages 1 and 2 on one machine.
    let whole = demo_signals(root, "3", "4", &["--signal-length", "3"]);
    let audio = whole.demo.join("fma_small");
    run_ok(&[
        &"extract",
        &"-d",
        &whole.signals,
        &"-o",
        &root.join("features"),
        &"--features",
        &"mfcc,rms",
    ]);
    // The same as three shards, as three array tasks would run them.
    let (sharded_signals, sharded_features) = (root.join("sh-signals"), root.join("sh-features"));
    for shard in shards() {
        let flag = shard.to_string();
        run_ok(&[
            &"transform",
            &"-m",
            &whole.generalised,
            &"-d",
            &audio,
            &"-o",
            &sharded_signals,
            &"--signal-length",
            &"3",
            &"--shard",
            &flag,
        ]);
        run_ok(&[
            &"extract",
            &"-d",
            &sharded_signals,
            &"-o",
            &sharded_features,
            &"--features",
            &"mfcc,rms",
            &"--shard",
            &flag,
        ]);
    }
    Work {
        root: root.to_owned(),
        audio,
        generalised: whole.generalised,
        signals: whole.signals,
    }
}

#[test]
fn shards_hold_every_track_once_value_for_value_and_train_reads_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let w = sharded_stages(dir.path());
    let root = &w.root;

    // Stage 1: the shards' signals are the whole run's, each track in exactly one shard.
    let whole = signals(&w.signals);
    let mut union = BTreeMap::new();
    for shard in shards() {
        let part = signals(&root.join("sh-signals").join(shard.name()));
        assert!(!part.is_empty(), "shard {shard} is empty");
        for (id, s) in part {
            assert!(shard.holds_track(id));
            assert!(union.insert(id, s).is_none(), "track {id} in two shards");
        }
    }
    assert_eq!(union.len(), whole.len());
    assert!(
        union == whole,
        "the shards' signals differ from the whole run's"
    );
    // Nothing written outside the shards' folders.
    let mut names: Vec<String> = fs::read_dir(root.join("sh-signals"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, shards().map(|s| s.name()).collect::<Vec<_>>());

    // Stage 2: every feature row equals the whole run's, bit for bit.
    for feature in ["mfcc", "rms"] {
        let whole = feature_rows(&root.join("features"), feature);
        let mut union = BTreeMap::new();
        for shard in shards() {
            union.extend(feature_rows(
                &root.join("sh-features").join(shard.name()),
                feature,
            ));
        }
        assert_eq!(union.len(), whole.len(), "{feature}");
        assert!(union == whole, "{feature}: the shards' rows differ");
    }

    // Stage 3 reads the sharded location through the shards' manifests.
    let models = root.join("models");
    let out = run_ok(&[
        &"train",
        &"-d",
        &root.join("sh-features"),
        &"-o",
        &models,
        &"-m",
        &w.generalised,
        &"-e",
        &"1",
    ]);
    assert!(out.contains("trained 2 model(s)"), "{out}");
    let metrics: serde_json::Value =
        serde_json::from_slice(&fs::read(models.join("metrics.json")).unwrap()).unwrap();
    let split = &metrics["split"];
    let tracks = split["training"].as_u64().unwrap()
        + split["validation"].as_u64().unwrap()
        + split["test"].as_u64().unwrap();
    assert_eq!(tracks as usize, whole.len(), "{metrics}");

    // A rerun of a finished shard is skipped.
    let out = run_ok(&[
        &"transform",
        &"-m",
        &w.generalised,
        &"-d",
        &w.audio,
        &"-o",
        &root.join("sh-signals"),
        &"--signal-length",
        &"3",
        &"--shard",
        &"1/3",
    ]);
    assert!(
        out.contains("resumed)") && !out.contains("(0 resumed)"),
        "{out}"
    );
}

/// `train -d location` with what is there: its failure message.
fn train_fails(root: &Path, location: &Path, generalised: &Path) -> String {
    let o = genrescope(&[
        &"train",
        &"-d",
        &location,
        &"-o",
        &root.join("refused-models"),
        &"-m",
        &generalised,
        &"-e",
        &"1",
    ]);
    let msg = text(&o);
    assert!(!o.status.success(), "{msg}");
    assert!(!root.join("refused-models").exists(), "wrote models: {msg}");
    msg
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_sharded_set_with_a_shard_missing_unfinished_twice_or_foreign_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let w = sharded_stages(dir.path());
    let root = &w.root;
    let features = root.join("sh-features");
    let shard = |i: usize| {
        features.join(
            Shard {
                index: i,
                count: SHARDS,
            }
            .name(),
        )
    };

    // Missing: shard 1's folder gone.
    let moved = root.join("moved");
    fs::rename(shard(1), &moved).unwrap();
    let msg = train_fails(root, &features, &w.generalised);
    assert!(msg.contains("shard 1 of 3 is missing"), "{msg}");

    // Unfinished: its folder is there but its manifest is not (a task killed mid-run).
    copy_dir(&moved, &shard(1));
    fs::remove_file(shard(1).join("manifest.json")).unwrap();
    let msg = train_fails(root, &features, &w.generalised);
    assert!(
        msg.contains("shard 1/3") && msg.contains("manifest.json"),
        "{msg}"
    );

    // Twice: shard 1 holds shard 0's tracks.
    fs::remove_dir_all(shard(1)).unwrap();
    copy_dir(&shard(0), &shard(1));
    let manifest = fs::read_to_string(shard(1).join("manifest.json")).unwrap();
    fs::write(
        shard(1).join("manifest.json"),
        manifest.replace("\"0/3\"", "\"1/3\""),
    )
    .unwrap();
    let msg = train_fails(root, &features, &w.generalised);
    assert!(msg.contains("is in shard 0/3 and in shard 1/3"), "{msg}");

    // Foreign: a shard of a 4-way run beside the 3-way one.
    fs::remove_dir_all(shard(1)).unwrap();
    fs::rename(&moved, shard(1)).unwrap();
    copy_dir(
        &shard(0),
        &features.join(Shard { index: 0, count: 4 }.name()),
    );
    let msg = train_fails(root, &features, &w.generalised);
    assert!(msg.contains("shards of different runs"), "{msg}");
}

#[test]
fn tagging_in_shards_tags_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let w = sharded_stages(dir.path());
    let jsonl = dir.path().join("tags.jsonl");
    let mut paths = Vec::new();
    for shard in shards() {
        let flag = shard.to_string();
        let o = genrescope(&[&"tag", &w.audio, &"-o", &jsonl, &"--shard", &flag]);
        assert!(o.status.success(), "{}", text(&o));
        let part = dir.path().join(format!("tags.{}.jsonl", shard.name()));
        for line in fs::read_to_string(&part).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            paths.push(v["path"].as_str().unwrap().to_owned());
        }
        let failures = dir
            .path()
            .join(format!("tags.{}.failures.csv", shard.name()));
        for line in fs::read_to_string(&failures).unwrap().lines().skip(1) {
            paths.push(line.split(',').next().unwrap().to_owned());
        }
    }
    assert!(!jsonl.exists(), "a shard wrote the whole run's file");
    let o = genrescope(&[&"tag", &w.audio, &"-o", &jsonl]);
    assert!(o.status.success(), "{}", text(&o));
    let mut whole: Vec<String> = fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    whole.extend(
        fs::read_to_string(dir.path().join("tags.failures.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_owned()),
    );
    paths.sort();
    whole.sort();
    assert_eq!(
        paths, whole,
        "the shards' files are not the whole run's, each once"
    );
}
