//! Stage 1's output: fixed-length signals in Parquet files of K tracks each, with columns
//! `track_id` (int64), `genre` (string), `label` (int64), `sample_rate` (int32), `samples`
//! (list<float32>) and `padded` (bool: the clip was shorter than the window and zero-padded).
//! pandas and pyarrow read them with no glue: `pd.read_parquet("batch-00000.parquet")`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow_array::builder::{Float32Builder, ListBuilder};
use arrow_array::{
    Array, BooleanArray, Float32Array, Int32Array, Int64Array, ListArray, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};

use super::table::{column, read_parquet, write_parquet};

/// One track's signal.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// FMA's `track_id`.
    pub track_id: u64,
    /// Top-level genre title.
    pub genre: String,
    /// Index of `genre` in `classes.json`.
    pub label: u32,
    /// Sample rate of `samples`, in Hz.
    pub sample_rate: u32,
    /// The mono window, `librosa.load(path, sr, offset, duration)`, zero-padded if short.
    pub samples: Vec<f32>,
    /// Whether the clip was shorter than the window and zero-padded.
    pub padded: bool,
}

/// The name of batch `index`'s file: `batch-00000.parquet`.
pub fn batch_file_name(index: usize) -> String {
    format!("batch-{index:05}.parquet")
}

/// The batch files in `dir`, in order.
pub fn batch_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("batch-") && n.ends_with(".parquet"))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("track_id", DataType::Int64, false),
        Field::new("genre", DataType::Utf8, false),
        Field::new("label", DataType::Int64, false),
        Field::new("sample_rate", DataType::Int32, false),
        Field::new(
            "samples",
            DataType::new_list(DataType::Float32, false),
            false,
        ),
        Field::new("padded", DataType::Boolean, false),
    ]))
}

/// Writes `signals` as one Parquet file, atomically.
pub fn write_batch(path: &Path, signals: &[Signal]) -> Result<()> {
    let total: usize = signals.iter().map(|s| s.samples.len()).sum();
    let mut samples = ListBuilder::new(Float32Builder::with_capacity(total))
        .with_field(Arc::new(Field::new("item", DataType::Float32, false)));
    for s in signals {
        samples.values().append_slice(&s.samples);
        samples.append(true);
    }
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(
                signals.iter().map(|s| s.track_id as i64),
            )),
            Arc::new(StringArray::from_iter_values(
                signals.iter().map(|s| &s.genre),
            )),
            Arc::new(Int64Array::from_iter_values(
                signals.iter().map(|s| i64::from(s.label)),
            )),
            Arc::new(Int32Array::from_iter_values(
                signals.iter().map(|s| s.sample_rate as i32),
            )),
            Arc::new(samples.finish()),
            Arc::new(BooleanArray::from_iter(
                signals.iter().map(|s| Some(s.padded)),
            )),
        ],
    )?;
    write_parquet(path, schema(), &[batch])
}

/// Reads a batch file back.
pub fn read_batch(path: &Path) -> Result<Vec<Signal>> {
    let mut out = Vec::new();
    for batch in read_parquet(path)? {
        let context = || format!("{}", path.display());
        let id = column::<Int64Array>(&batch, "track_id").with_context(context)?;
        let genre = column::<StringArray>(&batch, "genre").with_context(context)?;
        let label = column::<Int64Array>(&batch, "label").with_context(context)?;
        let sr = column::<Int32Array>(&batch, "sample_rate").with_context(context)?;
        let samples = column::<ListArray>(&batch, "samples").with_context(context)?;
        let padded = column::<BooleanArray>(&batch, "padded").with_context(context)?;
        for i in 0..batch.num_rows() {
            let values = samples.value(i);
            let Some(values) = values.as_any().downcast_ref::<Float32Array>() else {
                bail!("{}: `samples` is not a list of float32", path.display());
            };
            out.push(Signal {
                track_id: id.value(i) as u64,
                genre: genre.value(i).to_owned(),
                label: label.value(i) as u32,
                sample_rate: sr.value(i) as u32,
                samples: values.values().to_vec(),
                padded: padded.value(i),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_read_back_bit_exact() {
        let dir = tempfile::tempdir().unwrap();
        let signals: Vec<Signal> = (0..3)
            .map(|i| Signal {
                track_id: 1000 + i,
                genre: ["Rock", "Folk", "Pop"][i as usize].into(),
                label: i as u32,
                sample_rate: 22_050,
                samples: (0..500)
                    .map(|k| ((k * (i + 1)) as f32 * 0.01).sin())
                    .collect(),
                padded: i == 1,
            })
            .collect();
        let path = dir.path().join(batch_file_name(3));
        write_batch(&path, &signals).unwrap();
        assert_eq!(read_batch(&path).unwrap(), signals);
        assert_eq!(batch_files(dir.path()).unwrap(), [path]);
    }
}
