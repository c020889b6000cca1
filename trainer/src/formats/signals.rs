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

/// `signals` as one Arrow record batch of [`schema`].
fn record_batch(signals: &[Signal]) -> Result<RecordBatch> {
    let total: usize = signals.iter().map(|s| s.samples.len()).sum();
    let mut samples = ListBuilder::new(Float32Builder::with_capacity(total))
        .with_field(Arc::new(Field::new("item", DataType::Float32, false)));
    for s in signals {
        samples.values().append_slice(&s.samples);
        samples.append(true);
    }
    Ok(RecordBatch::try_new(
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
    )?)
}

/// Writes `signals` as one Parquet file, atomically.
pub fn write_batch(path: &Path, signals: &[Signal]) -> Result<()> {
    write_parquet(path, schema(), &[record_batch(signals)?])
}

/// Reads a batch file back.
pub fn read_batch(path: &Path) -> Result<Vec<Signal>> {
    signals_of(read_parquet(path)?, &path.display().to_string())
}

/// The signals of a batch file's record batches; `name` names the file in messages.
fn signals_of(batches: Vec<RecordBatch>, name: &str) -> Result<Vec<Signal>> {
    let mut out = Vec::new();
    for batch in batches {
        let context = || name.to_owned();
        let id = column::<Int64Array>(&batch, "track_id").with_context(context)?;
        let genre = column::<StringArray>(&batch, "genre").with_context(context)?;
        let label = column::<Int64Array>(&batch, "label").with_context(context)?;
        let sr = column::<Int32Array>(&batch, "sample_rate").with_context(context)?;
        let samples = column::<ListArray>(&batch, "samples").with_context(context)?;
        let padded = column::<BooleanArray>(&batch, "padded").with_context(context)?;
        for i in 0..batch.num_rows() {
            let values = samples.value(i);
            let Some(values) = values.as_any().downcast_ref::<Float32Array>() else {
                bail!("{name}: `samples` is not a list of float32");
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

/// Batch files in object storage, through parquet's async reader and writer.
#[cfg(feature = "cloud")]
pub mod remote {
    use std::ops::Range;
    use std::sync::Arc;

    use anyhow::{Result, anyhow};
    use bytes::Bytes;
    use futures::future::BoxFuture;
    use futures::{FutureExt, TryStreamExt};
    use object_store::path::Path as ObjectPath;
    use object_store::{ObjectStore, ObjectStoreExt};
    use parquet::arrow::ParquetRecordBatchStreamBuilder;
    use parquet::arrow::arrow_reader::ArrowReaderOptions;
    use parquet::arrow::async_reader::AsyncFileReader;
    use parquet::arrow::async_writer::AsyncArrowWriter;
    use parquet::basic::Compression;
    use parquet::errors::ParquetError;
    use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
    use parquet::file::properties::WriterProperties;

    use super::{Signal, record_batch, schema, signals_of};
    use crate::formats::table::unpanicked;
    use crate::location::remote::{Remote, runtime, scrub};

    /// A Parquet object read by ranges.
    struct Reader {
        store: Arc<dyn ObjectStore>,
        path: ObjectPath,
        size: u64,
    }

    fn parquet_err(e: object_store::Error) -> ParquetError {
        ParquetError::External(Box::new(e))
    }

    impl AsyncFileReader for Reader {
        fn get_bytes(
            &mut self,
            range: Range<u64>,
        ) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
            let (store, path) = (self.store.clone(), self.path.clone());
            async move { store.get_range(&path, range).await.map_err(parquet_err) }.boxed()
        }

        fn get_metadata<'a>(
            &'a mut self,
            options: Option<&'a ArrowReaderOptions>,
        ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
            async move {
                let size = self.size;
                let metadata = ParquetMetaDataReader::new()
                    .with_arrow_reader_options(options)
                    .load_and_finish(&mut *self, size)
                    .await?;
                Ok(Arc::new(metadata))
            }
            .boxed()
        }
    }

    fn reader(object: &Remote, size: u64) -> Reader {
        let (store, path) = object.parts();
        Reader { store, path, size }
    }

    /// Writes `signals` as one Parquet object, uploaded in parts: it appears only once whole.
    pub fn write_batch(object: &Remote, signals: &[Signal]) -> Result<()> {
        let batch = record_batch(signals)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        runtime()
            .block_on(async {
                let mut w = AsyncArrowWriter::try_new(object.writer(), schema(), Some(props))?;
                w.write(&batch).await?;
                w.close().await?;
                Ok::<_, ParquetError>(())
            })
            .map_err(|e| anyhow!("{object}: {}", scrub(&e.to_string())))
    }

    /// Reads a Parquet object of `size` bytes back.
    pub fn read_batch(object: &Remote, size: u64) -> Result<Vec<Signal>> {
        let read = || {
            runtime().block_on(async {
                ParquetRecordBatchStreamBuilder::new(reader(object, size))
                    .await?
                    .build()?
                    .try_collect::<Vec<_>>()
                    .await
            })
        };
        let batches = unpanicked(read)
            .map_err(|why| anyhow!("{object} is not a readable Parquet object ({why})"))?
            .map_err(|e| anyhow!("{object}: {}", scrub(&e.to_string())))?;
        signals_of(batches, &object.to_string())
    }

    /// The rows a Parquet object's footer counts.
    pub fn count_rows(object: &Remote, size: u64) -> Result<usize> {
        let metadata = runtime()
            .block_on(reader(object, size).get_metadata(None))
            .map_err(|e| {
                anyhow!(
                    "{object} is not a readable Parquet object: {}",
                    scrub(&e.to_string())
                )
            })?;
        Ok(metadata.file_metadata().num_rows() as usize)
    }
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
