//! The cleaned table that `generalise` writes and the later stages read: one row per track
//! with its top-level genre and label, as `tracks.parquet` and `tracks.csv`, with the sorted
//! class list in `classes.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};

pub use genrescope_core::model::bundle::Dataset;

use crate::formats::output::{write_atomic, write_json};
use crate::formats::table::{column, read_parquet, write_parquet};

/// File names inside the folder `generalise` writes.
pub const PARQUET: &str = "tracks.parquet";
/// The same table as CSV.
pub const CSV: &str = "tracks.csv";
/// The sorted list of genre titles; a track's `label` indexes it.
pub const CLASSES: &str = "classes.json";
/// What the tracks are ([`Dataset`]): written by `demo-data` into its `fma_metadata/`, by
/// `generalise` and `pipeline --folders` beside the table; `train` copies it into the bundle.
pub const DATASET: &str = "dataset.json";

/// One row of the cleaned table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanTrack {
    /// FMA's `track_id`.
    pub track_id: u64,
    /// The top-level genre's title.
    pub genre: String,
    /// Index of `genre` in the sorted class list.
    pub label: u32,
    /// Whether the genre was derived from `track.genres` rather than given as `genre_top`.
    pub generalised: bool,
    /// `set.subset`: `small`, `medium` or `large` (the smallest FMA subset holding it).
    pub subset: String,
    /// `set.split`: `training`, `validation` or `test`; empty when not given.
    pub split: String,
    /// `track.duration` in seconds, when given.
    pub duration: Option<f64>,
    /// The audio file relative to the audio root, `000/000002.mp3`.
    pub path: String,
}

/// FMA's audio layout: `<first three digits of the six-digit id>/<six-digit id>.mp3`.
pub fn audio_path(track_id: u64) -> String {
    format!("{:03}/{:06}.mp3", track_id / 1000, track_id)
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("track_id", DataType::Int64, false),
        Field::new("genre", DataType::Utf8, false),
        Field::new("label", DataType::Int64, false),
        Field::new("generalised", DataType::Boolean, false),
        Field::new("subset", DataType::Utf8, false),
        Field::new("split", DataType::Utf8, false),
        Field::new("duration", DataType::Float64, true),
        Field::new("path", DataType::Utf8, false),
    ]))
}

/// Writes `tracks.parquet`, `tracks.csv` and `classes.json` into `dir`, each atomically.
pub fn write(dir: &Path, tracks: &[CleanTrack], classes: &[String]) -> Result<()> {
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(
                tracks.iter().map(|t| t.track_id as i64),
            )),
            Arc::new(StringArray::from_iter_values(
                tracks.iter().map(|t| &t.genre),
            )),
            Arc::new(Int64Array::from_iter_values(
                tracks.iter().map(|t| i64::from(t.label)),
            )),
            Arc::new(BooleanArray::from_iter(
                tracks.iter().map(|t| Some(t.generalised)),
            )),
            Arc::new(StringArray::from_iter_values(
                tracks.iter().map(|t| &t.subset),
            )),
            Arc::new(StringArray::from_iter_values(
                tracks.iter().map(|t| &t.split),
            )),
            Arc::new(Float64Array::from_iter(tracks.iter().map(|t| t.duration))),
            Arc::new(StringArray::from_iter_values(
                tracks.iter().map(|t| &t.path),
            )),
        ],
    )?;
    write_parquet(&dir.join(PARQUET), schema(), &[batch])?;
    write_atomic(&dir.join(CSV), |w| {
        let mut csv = csv::Writer::from_writer(w);
        for t in tracks {
            csv.serialize(t)?;
        }
        csv.flush()?;
        Ok(())
    })?;
    write_json(&dir.join(CLASSES), &classes)
}

/// The cleaned table and its classes, read from the folder `generalise` wrote or from a
/// `tracks.parquet` / `tracks.csv` in it (`classes.json` is read from beside the file).
pub fn read(path: &Path) -> Result<(Vec<CleanTrack>, Vec<String>)> {
    let file: PathBuf = if path.is_dir() {
        path.join(PARQUET)
    } else {
        path.to_owned()
    };
    let tracks = match file.extension().and_then(|e| e.to_str()) {
        Some("parquet") => read_table_parquet(&file),
        Some("csv") => read_table_csv(&file),
        _ => bail!(
            "{} is neither the folder `genrescope generalise` wrote nor a .parquet/.csv table",
            file.display()
        ),
    }
    .with_context(|| format!("{}", file.display()))?;
    let classes_path = file.with_file_name(CLASSES);
    let classes: Vec<String> = serde_json::from_slice(
        &std::fs::read(&classes_path)
            .with_context(|| format!("cannot read {}", classes_path.display()))?,
    )
    .with_context(|| format!("{} is not a JSON list of genres", classes_path.display()))?;
    for t in &tracks {
        if classes.get(t.label as usize) != Some(&t.genre) {
            bail!(
                "{}: track {} has label {} and genre `{}`, which {} does not match",
                file.display(),
                t.track_id,
                t.label,
                t.genre,
                classes_path.display()
            );
        }
    }
    Ok((tracks, classes))
}

fn read_table_csv(path: &Path) -> Result<Vec<CleanTrack>> {
    let mut csv = csv::Reader::from_path(path)?;
    csv.deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("row {}", i + 1)))
        .collect()
}

fn read_table_parquet(path: &Path) -> Result<Vec<CleanTrack>> {
    let mut tracks = Vec::new();
    for batch in read_parquet(path)? {
        let id = column::<Int64Array>(&batch, "track_id")?;
        let genre = column::<StringArray>(&batch, "genre")?;
        let label = column::<Int64Array>(&batch, "label")?;
        let generalised = column::<BooleanArray>(&batch, "generalised")?;
        let subset = column::<StringArray>(&batch, "subset")?;
        let split = column::<StringArray>(&batch, "split")?;
        let duration = column::<Float64Array>(&batch, "duration")?;
        let file = column::<StringArray>(&batch, "path")?;
        for i in 0..batch.num_rows() {
            tracks.push(CleanTrack {
                track_id: u64::try_from(id.value(i)).context("negative track_id")?,
                genre: genre.value(i).to_owned(),
                label: u32::try_from(label.value(i)).context("negative label")?,
                generalised: generalised.value(i),
                subset: subset.value(i).to_owned(),
                split: split.value(i).to_owned(),
                duration: duration.is_valid(i).then(|| duration.value(i)),
                path: file.value(i).to_owned(),
            });
        }
    }
    Ok(tracks)
}

/// The [`DATASET`] record in the folder `dir`, or beside the table file `dir` names; `None`
/// where there is none (FMA's own metadata, a folder written before it was recorded).
pub fn read_dataset(dir: &Path) -> Result<Option<Dataset>> {
    let path = if dir.is_dir() {
        dir.join(DATASET)
    } else {
        dir.with_file_name(DATASET)
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .with_context(|| format!("{} is not a dataset record", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_paths_follow_fma_layout() {
        assert_eq!(audio_path(2), "000/000002.mp3");
        assert_eq!(audio_path(155_066), "155/155066.mp3");
    }

    #[test]
    fn parquet_and_csv_read_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let classes = vec!["Folk".to_owned(), "Rock, Punk".to_owned()];
        let tracks = vec![
            CleanTrack {
                track_id: 2,
                genre: "Rock, Punk".into(),
                label: 1,
                generalised: true,
                subset: "small".into(),
                split: "training".into(),
                duration: Some(30.5),
                path: audio_path(2),
            },
            CleanTrack {
                track_id: 140_000,
                genre: "Folk".into(),
                label: 0,
                generalised: false,
                subset: "large".into(),
                split: String::new(),
                duration: None,
                path: audio_path(140_000),
            },
        ];
        write(dir.path(), &tracks, &classes).unwrap();
        assert_eq!(read(dir.path()).unwrap(), (tracks.clone(), classes.clone()));
        assert_eq!(read(&dir.path().join(CSV)).unwrap(), (tracks, classes));
        std::fs::write(dir.path().join(CLASSES), "[\"Folk\"]").unwrap();
        let err = read(dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("track 2 has label 1"),
            "{err:#}"
        );
    }
}
