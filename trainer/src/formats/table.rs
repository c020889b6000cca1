//! Parquet I/O shared by the stages: atomic writes and typed column access with clear errors.

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::output::write_atomic;

/// Writes `batches` (all of `schema`) as one Parquet file, atomically, Snappy-compressed.
pub fn write_parquet(path: &Path, schema: Arc<Schema>, batches: &[RecordBatch]) -> Result<()> {
    write_parquet_streamed(path, schema, batches.iter().cloned().map(Ok))
}

/// As [`write_parquet`], taking the batches one at a time (from other Parquet files, say), so
/// only one is in memory.
pub fn write_parquet_streamed(
    path: &Path,
    schema: Arc<Schema>,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<()> {
    write_atomic(path, |w| {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(w, schema, Some(props))?;
        for batch in batches {
            writer.write(&batch?)?;
        }
        writer.close()?;
        Ok(())
    })
}

/// Every row group of a Parquet file.
pub fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>> {
    parquet_batches(path)?.collect()
}

/// The row groups of a Parquet file, read one batch at a time. The parquet crate asserts on
/// some malformed files (found by fuzzing: a column chunk whose start is negative); such a
/// panic is this file's error, and the iterator ends there.
pub fn parquet_batches(path: &Path) -> Result<impl Iterator<Item = Result<RecordBatch>>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let unreadable = |why: String| not_readable(path, why);
    let mut reader = Some(
        unpanicked(|| {
            ParquetRecordBatchReaderBuilder::try_new(file)
                .and_then(|b| b.with_batch_size(8192).build())
        })
        .map_err(&unreadable)?
        .map_err(|e| unreadable(e.to_string()))?,
    );
    let path = path.to_path_buf();
    Ok(std::iter::from_fn(move || {
        let next = unpanicked(|| reader.as_mut()?.next());
        let batch = match next {
            Ok(batch) => batch?,
            Err(why) => {
                reader = None;
                return Some(Err(not_readable(&path, why)));
            }
        };
        Some(batch.with_context(|| format!("reading {}", path.display())))
    }))
}

fn not_readable(path: &Path, why: String) -> anyhow::Error {
    anyhow!("{} is not a readable Parquet file ({why})", path.display())
}

/// `read()`, or the message of the panic it raised (`the Parquet reader panicked: …`).
pub fn unpanicked<T>(read: impl FnOnce() -> T) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(read)).map_err(|panic| {
        format!(
            "the Parquet reader panicked: {}",
            crate::track::panic_message(&*panic)
        )
    })
}

/// The column `name` of `batch` as the array type `A`, or an error naming what is there.
pub fn column<'a, A: Array + 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a A> {
    let Some(col) = batch.column_by_name(name) else {
        let names: Vec<_> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        bail!("no column `{name}` (columns: {})", names.join(", "));
    };
    match col.as_any().downcast_ref::<A>() {
        Some(a) => Ok(a),
        None => bail!(
            "column `{name}` holds {}, not {}",
            col.data_type(),
            std::any::type_name::<A>().rsplit("::").next().unwrap_or("")
        ),
    }
}
