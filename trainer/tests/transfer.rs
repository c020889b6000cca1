//! Transfer learning end to end: a small head on MusiCNN's embedding (`--features musicnn`)
//! learns the demo data's genres (≥ 95 % test accuracy, the figure) in one short
//! pipeline run, records that it learnt from synthesised music, and predicts through
//! `artifacts`; `pipeline --folders` trains from genre folders (the demo's MP3s sorted by
//! genre, with a loose file, an empty genre and a broken file, each reported, none fatal).

mod common;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use common::{genrescope, run_ok, text};
use genrescope::fma::clean;
use genrescope_core::model::BundleManifest;
use serde_json::Value;

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

fn manifest(models: &Path) -> BundleManifest {
    serde_json::from_slice(&fs::read(models.join("manifest.json")).unwrap()).unwrap()
}

/// The demo data (30 tracks of each of 8 genres, 15 s clips) and its cleaned table.
fn demo(dir: &Path) -> (PathBuf, Vec<clean::CleanTrack>) {
    let (demo, generalised) = common::demo_generalised(dir, "30", "15");
    let (tracks, _) = clean::read(&generalised).unwrap();
    (demo, tracks)
}

/// `metrics.json`'s test accuracy of `model`, checked against its confusion matrix.
fn test_accuracy(models: &Path, model: &str) -> f64 {
    let metrics = json(&models.join("metrics.json"));
    let m = &metrics[model];
    let confusion: Vec<Vec<u64>> = serde_json::from_value(m["confusion"].clone()).unwrap();
    let total: u64 = confusion.iter().flatten().sum();
    let correct: u64 = (0..confusion.len()).map(|i| confusion[i][i]).sum();
    assert_eq!(total, metrics["split"]["test"].as_u64().unwrap());
    let acc = m["test_accuracy"].as_f64().unwrap();
    assert!((acc - correct as f64 / total as f64).abs() < 1e-9);
    acc
}

#[test]
fn the_musicnn_head_learns_the_demo_genres_and_says_they_were_synthesised() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, tracks) = demo(dir.path());
    let work = dir.path().join("work");
    let log = run_ok(&[
        &"pipeline",
        &"--fma",
        &demo,
        &"-o",
        &work,
        &"--features",
        &"musicnn",
        &"-e",
        &"40",
    ]);
    assert!(log.contains("ensemble of 1"), "{log}");
    let models = work.join("models");
    let accuracy = test_accuracy(&models, "musicnn");
    assert!(
        accuracy >= 0.95,
        "the musicnn head: test accuracy {accuracy}"
    );
    let m = manifest(&models);
    assert_eq!(
        m.models
            .iter()
            .map(|e| e.feature.name())
            .collect::<Vec<_>>(),
        ["musicnn"]
    );
    let dataset = m.dataset.expect("the bundle records its dataset");
    assert_eq!(
        (dataset.name.as_str(), dataset.synthesised),
        ("genrescope demo-data", true)
    );
    let metrics = json(&models.join("metrics.json"));
    let split = &metrics["split"];
    let rows = ["training", "validation", "test"]
        .iter()
        .map(|s| split[s].as_u64().unwrap() as usize)
        .sum::<usize>();
    assert_eq!(
        dataset.tracks, rows,
        "the tracks it trained, validated and tested on"
    );

    // artifacts runs MusiCNN over the track once and gives the head the patches inside the
    // bundle's window; it names the synthesised data.
    let test_ids: Vec<u64> = fs::read_to_string(models.join("test_predictions.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .take(3)
        .collect();
    for id in test_ids {
        let track = tracks.iter().find(|t| t.track_id == id).unwrap();
        let out = dir.path().join(format!("artifacts-{id}"));
        let run = genrescope(&[
            &"artifacts",
            &"-i",
            &demo.join("fma_small").join(&track.path),
            &"-o",
            &out,
            &"--models",
            &models,
        ]);
        assert!(run.status.success(), "{}", text(&run));
        assert!(
            text(&run).contains("synthesised demo tracks"),
            "{}",
            text(&run)
        );
        let predictions = json(&out.join("predictions.json"));
        assert_eq!(predictions["models"][0]["feature"], "musicnn");
        assert_eq!(predictions["dataset"]["synthesised"], true);
        assert_eq!(
            predictions["models"][0]["top"], track.genre,
            "track {id}: {predictions}"
        );
    }
}

#[test]
fn pipeline_trains_from_genre_folders_and_reports_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, tracks) = demo(dir.path());
    // The demo's MP3s sorted into one folder per genre, as people keep their music.
    let music = dir.path().join("music");
    let mut copied = 0;
    for t in &tracks {
        let from = demo.join("fma_small").join(&t.path);
        let Ok(len) = fs::metadata(&from).map(|m| m.len()) else {
            continue;
        };
        if len == 0 || t.subset != "small" {
            continue;
        }
        let to = music
            .join(&t.genre)
            .join(format!("track {}.mp3", t.track_id));
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
        copied += 1;
    }
    let genre = &tracks[0].genre;
    fs::write(music.join(genre).join("broken.mp3"), "not audio").unwrap();
    fs::copy(
        demo.join("fma_small").join(&tracks[0].path),
        music.join("loose.mp3"),
    )
    .unwrap();
    fs::create_dir_all(music.join("Empty genre")).unwrap();
    fs::write(music.join("Empty genre/cover.jpg"), "not audio").unwrap();

    let work = dir.path().join("work");
    let args: [&dyn AsRef<OsStr>; 9] = [
        &"pipeline",
        &"--folders",
        &music,
        &"-o",
        &work,
        &"--features",
        &"musicnn",
        &"-e",
        &"40",
    ];
    let out = genrescope(&args);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains(&format!("{} tracks in 8 genres", copied + 1)),
        "{log}"
    );
    assert!(
        log.contains("1 audio file in no genre folder, left out: loose.mp3"),
        "{log}"
    );
    assert!(
        log.contains("Empty genre: no audio files, not a genre"),
        "{log}"
    );
    let failures = fs::read_to_string(work.join("signals/failures.csv")).unwrap();
    assert!(
        failures.contains(&format!("{genre}/broken.mp3")),
        "{failures}"
    );
    let models = work.join("models");
    let metrics = json(&models.join("metrics.json"));
    assert_eq!(metrics["split"]["source"], "stratified");
    let accuracy = test_accuracy(&models, "musicnn");
    assert!(accuracy >= 0.9, "from folders: test accuracy {accuracy}");
    let dataset = manifest(&models).dataset.expect("a dataset record");
    assert_eq!(
        (dataset.name.as_str(), dataset.synthesised),
        ("music", false)
    );
    let mut genres: Vec<String> = tracks.iter().map(|t| t.genre.clone()).collect();
    genres.sort();
    genres.dedup();
    assert_eq!(manifest(&models).classes, genres, "the folders' names");
    // A rerun finds the same tracks and keeps everything.
    let again = run_ok(&args);
    assert!(
        again.contains("musicnn: already trained with these settings, kept"),
        "{again}"
    );
}
