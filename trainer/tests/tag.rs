//! `genrescope tag` end to end: a real MP3 (LAME, 44.1 kHz stereo, committed with the MusiCNN
//! references) tagged by the binary against the TensorFlow original's activations for
//! `librosa.load(mp3, sr=16000)` (`tools/musicnn/run.sh references`), within 1e-3 per patch;
//! the JSON layout; short clips; bad input.

mod common;

use std::path::{Path, PathBuf};

use common::{genrescope, run_ok, text};
use ndarray::{Array2, ArrayD, Ix2};
use ndarray_npy::read_npy;
use serde_json::Value;

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tests/reference/musicnn")
        .join(name)
}

fn tag_json(file: &Path, model: &str) -> Value {
    let out = genrescope(&[&"tag", &file, &"--model", &model, &"--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

#[test]
fn tags_of_an_mp3_equal_the_tensorflow_original() {
    let mp3 = reference("chords_44100_stereo.mp3");
    for (model, first_tags) in [("msd", ["rock", "pop"]), ("mtt", ["guitar", "classical"])] {
        let want: ArrayD<f32> =
            read_npy(reference(&format!("chords_44100_stereo.{model}.npy"))).expect("reference");
        let want: Array2<f32> = want.into_dimensionality::<Ix2>().unwrap();
        let got = tag_json(&mp3, model);
        assert_eq!(got["model"], model);
        let tags = got["tags"].as_array().unwrap();
        assert_eq!(tags.len(), 50);
        assert_eq!(tags[0], first_tags[0]);
        assert_eq!(tags[1], first_tags[1]);
        let patches = got["patches"].as_array().unwrap();
        assert_eq!(
            patches.len(),
            want.nrows(),
            "{model}: 7 s is two 3 s patches"
        );
        let mut worst = 0.0f32;
        for (row, want_row) in patches.iter().zip(want.rows()) {
            let row = floats(row);
            assert_eq!(row.len(), 50);
            for (a, b) in row.iter().zip(want_row) {
                worst = worst.max((a - b).abs());
            }
        }
        assert!(worst <= 1e-3, "{model}: max |Δ| = {worst}");
        let mean = floats(&got["mean"]);
        for (t, m) in mean.iter().enumerate() {
            let w = want.column(t).mean().unwrap();
            assert!((m - w).abs() <= 1e-3, "{model} mean of tag {t}: {m} vs {w}");
        }
        // The FMA genres are the strongest genre tag of each genre, best first.
        let genres = got["fma_genres"].as_array().unwrap();
        assert!(!genres.is_empty());
        let scores: Vec<f64> = genres.iter().map(|g| g[1].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    }
}

#[test]
fn text_output_names_the_file_its_patches_and_top_tags() {
    let mp3 = reference("chords_44100_stereo.mp3");
    let out = run_ok(&[&"tag", &mp3, &"--top", &"3"]);
    assert!(
        out.contains("chords_44100_stereo.mp3: 0:07, 2 patches of 3 s, MSD_musicnn"),
        "{out}"
    );
    let tags = out
        .lines()
        .find(|l| l.starts_with("tags:"))
        .expect("a tags line");
    assert_eq!(tags.matches(", ").count(), 2, "{tags}");
    assert!(out.contains("timeline:\n  0:00  "), "{out}");
    assert!(out.contains("\n  0:03  "), "{out}");
}

#[test]
fn a_clip_shorter_than_a_patch_gets_one_padded_patch() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::demo(dir.path(), "1", "2");
    let mp3 = walk(&demo)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "mp3"))
        .unwrap();
    let got = tag_json(&mp3, "msd");
    let patches = got["patches"].as_array().unwrap();
    assert_eq!(patches.len(), 1);
    assert!(
        floats(&patches[0])
            .iter()
            .all(|a| a.is_finite() && (0.0..=1.0).contains(a))
    );
}

#[test]
fn bad_input_gets_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mp3");
    std::fs::write(&junk, b"this is not audio at all, only text").unwrap();
    let empty = dir.path().join("empty.mp3");
    std::fs::write(&empty, b"").unwrap();
    let missing = dir.path().join("missing.mp3");
    for file in [&junk, &empty, &missing] {
        let out = genrescope(&[&"tag", file]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains(file.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = genrescope(&[&"tag", &junk, &"--model", &"vgg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("msd"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
