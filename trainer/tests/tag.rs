//! `genrescope tag` end to end: a real MP3 (LAME, 44.1 kHz stereo, committed with the MusiCNN
//! references) tagged by the binary against the TensorFlow original's activations for
//! `librosa.load(mp3, sr=16000)` (`tools/musicnn/run.sh references`), within 1e-3 per patch;
//! the JSON layout; short clips; bad input; folders into Parquet and JSON Lines, read back
//! and checked against the TensorFlow reference, and runs killed with SIGKILL and resumed.

mod common;

use std::path::{Path, PathBuf};

use arrow_array::{Array, FixedSizeListArray, Float32Array, ListArray, StringArray};
use common::{floats, genrescope, kill_when, run_ok, text};
use genrescope::formats::table::{column, read_parquet};
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

/// One tagged file as read back from an output: its patches and mean.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    patches: Vec<Vec<f32>>,
    mean: Vec<f32>,
}

type Rows = std::collections::BTreeMap<String, Row>;

/// Every row of a `tag -o tags.parquet` table; a path twice is a failure.
fn parquet_rows(path: &Path) -> Rows {
    let mut rows = Rows::new();
    for batch in read_parquet(path).unwrap() {
        let paths = column::<StringArray>(&batch, "path").unwrap();
        let models = column::<StringArray>(&batch, "model").unwrap();
        let patches = column::<ListArray>(&batch, "patches").unwrap();
        let means = column::<FixedSizeListArray>(&batch, "mean").unwrap();
        let values = |a: &dyn Array| -> Vec<f32> {
            let fixed = a.as_any().downcast_ref::<FixedSizeListArray>().unwrap();
            let floats = fixed.values().as_any().downcast_ref::<Float32Array>();
            floats.unwrap().values().to_vec()
        };
        for i in 0..batch.num_rows() {
            assert_eq!(models.value(i), "msd");
            let flat = values(&patches.value(i));
            let row = Row {
                patches: flat.chunks(50).map(<[f32]>::to_vec).collect(),
                mean: means
                    .value(i)
                    .as_any()
                    .downcast_ref::<Float32Array>()
                    .unwrap()
                    .values()
                    .to_vec(),
            };
            assert_eq!(flat.len() % 50, 0);
            let old = rows.insert(paths.value(i).to_owned(), row);
            assert!(
                old.is_none(),
                "{} twice in {}",
                paths.value(i),
                path.display()
            );
        }
    }
    rows
}

/// Every record of a `tag -o tags.jsonl` file (or `--json`'s stdout); a path twice fails.
fn jsonl_rows(text: &str) -> Rows {
    let mut rows = Rows::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON object per line");
        let row = Row {
            patches: v["patches"]
                .as_array()
                .unwrap()
                .iter()
                .map(floats)
                .collect(),
            mean: floats(&v["mean"]),
        };
        let path = v["path"].as_str().unwrap().to_owned();
        assert!(rows.insert(path.clone(), row).is_none(), "{path} twice");
    }
    rows
}

fn max_diff(a: &Rows, b: &Rows) -> f32 {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let mut worst = 0.0f32;
    for (x, y) in a.values().zip(b.values()) {
        assert_eq!(x.patches.len(), y.patches.len());
        for (p, q) in x.patches.iter().flatten().zip(y.patches.iter().flatten()) {
            worst = worst.max((p - q).abs());
        }
        for (p, q) in x.mean.iter().zip(&y.mean) {
            worst = worst.max((p - q).abs());
        }
    }
    worst
}

/// A folder to tag: the reference MP3, `per_genre` demo tracks of each genre (`clip`
/// seconds) in subfolders, a file that is not audio under an audio name and a text file.
fn dataset(dir: &Path, per_genre: &str, clip: &str) -> (PathBuf, Vec<PathBuf>) {
    let demo = common::demo(dir, per_genre, clip);
    let root = demo.join("fma_small");
    std::fs::copy(
        reference("chords_44100_stereo.mp3"),
        root.join("chords_44100_stereo.mp3"),
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), "not audio, not picked up").unwrap();
    std::fs::write(
        root.join("000").join("junk.mp3"),
        "not audio under an audio name",
    )
    .unwrap();
    let audio: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "mp3"))
        .collect();
    (root, audio)
}

#[test]
fn a_folder_is_tagged_into_parquet_and_json_lines_with_failures_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (root, audio) = dataset(dir.path(), "2", "7");
    let table = dir.path().join("out/tags.parquet");
    std::fs::create_dir_all(table.parent().unwrap()).unwrap();
    let out = genrescope(&[&"tag", &root, &"-o", &table, &"--jobs", &"2"]);
    assert!(out.status.success(), "{}", text(&out));
    // Every failure is one line naming the file and one row of the failures list (the demo
    // data has an empty and a broken MP3 as FMA does; junk.mp3 is ours); the rest are rows.
    // Damaged files (the demo's truncated MP3s) are tagged as far as they decode, each with
    // one warning line naming it and the damage.
    let err = String::from_utf8_lossy(&out.stderr);
    let (warnings, lines): (Vec<&str>, Vec<&str>) = err
        .trim()
        .lines()
        .partition(|l| l.starts_with("genrescope: warning: "));
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings.iter().all(|w| w.contains(": truncated: ")),
        "{err}"
    );
    let (summary, failed_lines) = lines
        .split_last()
        .map(|(s, f)| (s.to_string(), f.to_vec()))
        .unwrap();
    let failures = std::fs::read_to_string(dir.path().join("out/tags.failures.csv")).unwrap();
    let failed: Vec<String> = failures
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(failed.len(), failed_lines.len(), "{err}\n{failures}");
    for (line, path) in failed_lines.iter().zip(&failed) {
        assert!(line.starts_with(&format!("genrescope: {path}: ")), "{line}");
    }
    assert!(failed.iter().any(|p| p.ends_with("junk.mp3")), "{failures}");
    assert!(!dir.path().join("out/tags.parquet.parts").exists());
    let rows = parquet_rows(&table);
    for w in &warnings {
        let path = w["genrescope: warning: ".len()..]
            .split(": truncated")
            .next()
            .unwrap();
        assert!(rows.contains_key(path), "{path} was not tagged: {err}");
    }
    assert!(
        summary.contains(&format!("{} files: {} tagged", audio.len(), rows.len())),
        "{err}"
    );
    let mut names: Vec<String> = rows.keys().chain(&failed).cloned().collect();
    names.sort();
    let mut all: Vec<String> = audio.iter().map(|p| p.display().to_string()).collect();
    all.sort();
    assert_eq!(names, all, "each file is a row or a failure, once");
    let names: Vec<&String> = rows.keys().collect();
    // The reference MP3's row equals the TensorFlow original's activations.
    let want: ArrayD<f32> = read_npy(reference("chords_44100_stereo.msd.npy")).unwrap();
    let want = want.into_dimensionality::<Ix2>().unwrap();
    let chords = &rows[&root.join("chords_44100_stereo.mp3").display().to_string()];
    assert_eq!(chords.patches.len(), want.nrows());
    for (row, want_row) in chords.patches.iter().zip(want.rows()) {
        for (a, b) in row.iter().zip(want_row) {
            assert!((a - b).abs() <= 1e-3, "{a} vs TensorFlow {b}");
        }
    }
    // Every row equals the one-file command's.
    for name in names.iter().take(3) {
        let one = jsonl_rows(&run_ok(&[&"tag", name, &"--json"]));
        let mine: Rows = [((*name).clone(), rows[*name].clone())].into();
        assert!(max_diff(&mine, &one) <= 1e-6, "{name}");
    }
    // JSON Lines, to a file and to stdout, hold the same.
    let jsonl = dir.path().join("out/tags.jsonl");
    run_ok(&[&"tag", &root, &"-o", &jsonl]);
    let from_file = jsonl_rows(&std::fs::read_to_string(&jsonl).unwrap());
    assert!(max_diff(&rows, &from_file) <= 1e-6);
    let out = genrescope(&[&"tag", &root, &"--json"]);
    assert!(out.status.success());
    assert!(max_diff(&rows, &jsonl_rows(&String::from_utf8_lossy(&out.stdout))) <= 1e-6);

    // A finished run is not redone; another model's table is refused in one line.
    let again = genrescope(&[&"tag", &root, &"-o", &table]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains(&format!("0 tagged, {} already done", rows.len())),
        "{err}"
    );
    assert_eq!(parquet_rows(&table), rows);
    let other = genrescope(&[&"tag", &root, &"-o", &table, &"--model", &"mtt"]);
    assert_eq!(other.status.code(), Some(2));
    let err = String::from_utf8_lossy(&other.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("tags.parquet") && err.contains("msd"), "{err}");
}

#[test]
fn a_killed_run_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (root, audio) = dataset(dir.path(), "8", "8");
    assert!(audio.len() > 2 * 32, "more than two parts of 32 files");
    let whole = dir.path().join("whole.jsonl");
    run_ok(&[&"tag", &root, &"-o", &whole]);
    let want = jsonl_rows(&std::fs::read_to_string(&whole).unwrap());

    // Parquet: killed once a part is on disk.
    let table = dir.path().join("tags.parquet");
    let parts = dir.path().join("tags.parquet.parts");
    kill_when(&[&"tag", &root, &"-o", &table, &"--jobs", &"1"], || {
        parts.is_dir() && common::names(&parts).iter().any(|n| n.starts_with("part-"))
    });
    assert!(!table.exists(), "the run was killed before it finished");
    let out = genrescope(&[&"tag", &root, &"-o", &table]);
    assert!(out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let done: usize = err
        .split(" already done")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(done >= 32, "the first part was kept: {err}");
    assert!(max_diff(&parquet_rows(&table), &want) <= 1e-6);

    // JSON Lines: killed after a few records, with a torn line left at the end.
    let jsonl = dir.path().join("tags.jsonl");
    kill_when(&[&"tag", &root, &"-o", &jsonl, &"--jobs", &"1"], || {
        std::fs::read_to_string(&jsonl).is_ok_and(|t| t.lines().count() >= 3)
    });
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&jsonl)
        .unwrap();
    std::io::Write::write_all(&mut file, br#"{"path":"torn by a kil"#).unwrap();
    drop(file);
    let out = genrescope(&[&"tag", &root, &"-o", &jsonl]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(" 0 already done"));
    assert!(
        max_diff(
            &jsonl_rows(&std::fs::read_to_string(&jsonl).unwrap()),
            &want
        ) <= 1e-6
    );
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
