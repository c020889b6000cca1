//! `genrescope embed` end to end: the TensorFlow original's reference signals (16 kHz, written
//! here as 16-bit WAVs so nothing is resampled) embedded by the binary against the graph's
//! `bn_dense` tensor per patch and its tag activations (`tools/musicnn/run.sh references`),
//! within 1e-3; the pooled values against numpy-style pooling of the reference done here; a
//! folder into Parquet and JSON Lines, resumed, with a tags file refused.

mod common;

use std::path::{Path, PathBuf};

use arrow_array::{Array, FixedSizeListArray, Float32Array, ListArray, StringArray};
use common::{floats, genrescope, pcm_wav, run_ok, text};
use genrescope::formats::table::{column, read_parquet};
use ndarray::{Array1, Array2, ArrayD, Axis, Ix2};
use ndarray_npy::read_npy;
use serde_json::Value;

/// The tolerance the issue states against TensorFlow's tensors.
const TOLERANCE: f32 = 1e-3;

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tests/reference/musicnn")
        .join(name)
}

fn matrix(name: &str) -> Array2<f32> {
    let a: ArrayD<f32> = read_npy(reference(name)).expect("reference");
    a.into_dimensionality::<Ix2>().unwrap()
}

/// The reference signal `name` (16 kHz, the int16 samples TensorFlow was given) as a WAV in
/// `dir`.
fn signal_wav(dir: &Path, name: &str) -> PathBuf {
    let pcm: Array1<i16> = read_npy(reference(&format!("{name}.pcm.npy"))).expect("reference");
    let path = dir.join(format!("{name}.wav"));
    pcm_wav(&path, pcm.as_slice().unwrap(), 16_000);
    path
}

fn worst(got: &[f32], want: impl IntoIterator<Item = f32>) -> f32 {
    let want: Vec<f32> = want.into_iter().collect();
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f32::max)
}

#[test]
fn an_embedding_equals_tensorflows_penultimate_layer_and_its_pooling() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["loud_chords", "short_tone"] {
        let wav = signal_wav(dir.path(), name);
        for model in ["msd", "mtt"] {
            let out = genrescope(&[&"embed", &wav, &"--model", &model, &"--json"]);
            assert!(out.status.success(), "{}", text(&out));
            let got: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
            assert_eq!(got["model"], model);
            let want = matrix(&format!("{name}.{model}.penultimate.npy"));
            let tags = matrix(&format!("{name}.{model}.npy"));
            let patches = got["patches"].as_array().unwrap();
            assert_eq!(patches.len(), want.nrows(), "{name} {model}: patches");
            let mut diff = 0.0f32;
            for (row, want_row) in patches.iter().zip(want.rows()) {
                let row = floats(row);
                assert_eq!(row.len(), 200);
                diff = diff.max(worst(&row, want_row.iter().copied()));
            }
            // numpy's mean and std (ddof = 0) of TensorFlow's rows, and the tags' mean.
            let mean = want.mean_axis(Axis(0)).unwrap();
            let std = want.std_axis(Axis(0), 0.0);
            let tags_mean = tags.mean_axis(Axis(0)).unwrap();
            diff = diff.max(worst(&floats(&got["mean"]), mean.iter().copied()));
            diff = diff.max(worst(&floats(&got["std"]), std.iter().copied()));
            diff = diff.max(worst(&floats(&got["tags_mean"]), tags_mean.iter().copied()));
            assert!(
                diff <= TOLERANCE,
                "{name} {model}: max |Δ| {diff} against TensorFlow"
            );
        }
    }
}

/// path → (patches, mean ‖ std ‖ tags_mean) of an `embed -o out.parquet` table.
type Rows = std::collections::BTreeMap<String, (Vec<f32>, Vec<f32>)>;

fn list_values(a: &dyn Array) -> Vec<f32> {
    let fixed = a.as_any().downcast_ref::<FixedSizeListArray>().unwrap();
    let floats = fixed.values().as_any().downcast_ref::<Float32Array>();
    floats.unwrap().values().to_vec()
}

fn parquet_rows(path: &Path) -> Rows {
    let mut rows = Rows::new();
    for batch in read_parquet(path).unwrap() {
        let paths = column::<StringArray>(&batch, "path").unwrap();
        let models = column::<StringArray>(&batch, "model").unwrap();
        let patches = column::<ListArray>(&batch, "patches").unwrap();
        let pooled: Vec<&FixedSizeListArray> = ["mean", "std", "tags_mean"]
            .iter()
            .map(|c| column::<FixedSizeListArray>(&batch, c).unwrap())
            .collect();
        assert_eq!(
            pooled.iter().map(|c| c.value_length()).collect::<Vec<_>>(),
            [200, 200, 50]
        );
        for i in 0..batch.num_rows() {
            assert_eq!(models.value(i), "msd");
            let flat = list_values(&patches.value(i));
            assert_eq!(flat.len() % 200, 0);
            let values: Vec<f32> = pooled
                .iter()
                .flat_map(|c| {
                    let v = c.value(i);
                    v.as_any()
                        .downcast_ref::<Float32Array>()
                        .unwrap()
                        .values()
                        .to_vec()
                })
                .collect();
            assert!(
                rows.insert(paths.value(i).to_owned(), (flat, values))
                    .is_none()
            );
        }
    }
    rows
}

fn jsonl_rows(text: &str) -> Rows {
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("one JSON object per line");
            let patches: Vec<f32> = v["patches"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(floats)
                .collect();
            let pooled = [
                floats(&v["mean"]),
                floats(&v["std"]),
                floats(&v["tags_mean"]),
            ];
            (
                v["path"].as_str().unwrap().to_owned(),
                (patches, pooled.concat()),
            )
        })
        .collect()
}

#[test]
fn a_folder_is_embedded_into_parquet_and_json_lines_resumably() {
    let dir = tempfile::tempdir().unwrap();
    let songs = dir.path().join("songs");
    std::fs::create_dir_all(songs.join("more")).unwrap();
    signal_wav(&songs, "loud_chords");
    signal_wav(&songs.join("more"), "quiet_sweep");
    std::fs::write(songs.join("broken.mp3"), "not audio under an audio name").unwrap();
    let table = dir.path().join("embeddings.parquet");
    let out = genrescope(&[&"embed", &songs, &"-o", &table]);
    assert!(out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.mp3") && err.contains("3 files: 2 embedded, 0 already done, 1 failed"),
        "{err}"
    );
    let failures = std::fs::read_to_string(dir.path().join("embeddings.failures.csv")).unwrap();
    assert_eq!(failures.lines().count(), 2, "{failures}");
    let rows = parquet_rows(&table);
    assert_eq!(rows.len(), 2);
    // With --json the broken file fails on stderr and stdout holds only the two objects.
    let out = genrescope(&[&"embed", &songs, &"--json"]);
    let from_json = jsonl_rows(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        from_json.keys().collect::<Vec<_>>()
    );
    for ((p, v), (q, w)) in rows.values().zip(from_json.values()) {
        assert_eq!(p, q, "the table and the JSON hold the same patches");
        assert_eq!(v, w);
    }
    // A rerun does nothing new; a tags file is not an embeddings file, nor the reverse.
    let again = run_ok(&[&"embed", &songs, &"-o", &table]);
    assert!(
        again.contains("3 files: 0 embedded, 2 already done"),
        "{again}"
    );
    let out = genrescope(&[&"tag", &songs, &"-o", &table]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("holds embeddings (`genrescope embed`), not tags"),
        "{}",
        text(&out)
    );
    let tags = dir.path().join("tags.jsonl");
    run_ok(&[&"tag", &songs, &"-o", &tags]);
    let out = genrescope(&[&"embed", &songs, &"-o", &tags]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("holds tags (`genrescope tag`), not embeddings"),
        "{}",
        text(&out)
    );
    assert_eq!(parquet_rows(&table).len(), 2, "the table is as it was");
}
