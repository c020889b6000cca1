//! Where `genrescope tag`'s and `genrescope embed`'s results go: stdout (text or JSON Lines), or a resumable file.
//!
//! - `.jsonl`: one record per line, appended and flushed as each file is tagged. A rerun
//!   reads the records back, skips their files and cuts a line torn by `kill -9`.
//! - `.parquet`: rows gather into part files in `<name>.parts/` (each written beside, then
//!   renamed) every [`PART_ROWS`] files or [`PART_SECONDS`]; at the end the old table and the
//!   parts are streamed into one new table, renamed over the old, and the parts removed. A
//!   rerun skips every file in the table or a part.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use arrow_array::{
    Array, FixedSizeListArray, Float32Array, Float64Array, ListArray, RecordBatch, StringArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema};
use genrescope_core::audio::Damage;
use genrescope_core::model::report;
use genrescope_core::musicnn::net::Taggram;
use genrescope_core::musicnn::{Embedding, N_PENULTIMATE, N_TAGS, PATCH_SECONDS, TagModel};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use super::Product;
use super::tagger::embedding_json;
use crate::formats::output::write_atomic;
use crate::formats::table::{column, parquet_batches, write_parquet, write_parquet_streamed};

/// One tagged file.
pub struct Tagged {
    /// The path as it was found (the command line's spelling, joined with a folder's files).
    pub path: String,
    /// The decoded audio's length.
    pub seconds: f64,
    /// MusiCNN's activations.
    pub taggram: Taggram,
    /// Its penultimate layer, pooled: `embed`'s result.
    pub embedding: Option<Embedding>,
    /// What was wrong with the file, when it was tagged as far as it decoded.
    pub damage: Damage,
}

/// The JSON Lines record of one file: [`embedding_json`] when it was embedded, else
/// [`report::taggram`](genrescope_core::model::report::taggram), with its path and length.
pub fn record(t: &Tagged) -> Value {
    let mut v = match &t.embedding {
        Some(e) => embedding_json(e),
        None => report::taggram(&t.taggram),
    };
    v["path"] = t.path.clone().into();
    v["seconds"] = t.seconds.into();
    if !t.damage.is_none() {
        v["damage"] = t.damage.to_string().into();
    }
    v
}

/// A resumable output file.
pub enum Output {
    Jsonl(JsonLines),
    Parquet(Box<ParquetTable>),
}

impl Output {
    /// Opens `path` for `model`'s `product` (its format from the extension), returning the
    /// files an earlier run already did.
    pub fn open(
        path: &Path,
        model: TagModel,
        product: Product,
    ) -> Result<(Output, HashSet<String>)> {
        let kind = Kind { model, product };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet") => {
                let (t, done) = ParquetTable::open(path, kind)?;
                Ok((Output::Parquet(Box::new(t)), done))
            }
            Some("jsonl" | "ndjson" | "json") => {
                let (j, done) = JsonLines::open(path, kind)?;
                Ok((Output::Jsonl(j), done))
            }
            _ => bail!(
                "flag --output: {} must end in .parquet or .jsonl",
                path.display()
            ),
        }
    }

    pub fn write(&mut self, t: Tagged) -> Result<()> {
        match self {
            Output::Jsonl(j) => j.write(&t),
            Output::Parquet(p) => p.write(t),
        }
    }

    /// Everything written and complete.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Jsonl(j) => j.finish(),
            Output::Parquet(p) => p.finish(),
        }
    }
}

/// Where the files that failed are listed: `tags.parquet` → `tags.failures.csv`.
pub fn failures_path(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    output.with_file_name(format!("{stem}.failures.csv"))
}

/// Writes `path,reason` rows, atomically.
pub fn write_failures(path: &Path, failures: &[(String, String)]) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["path", "reason"])?;
        for (p, r) in failures {
            csv.write_record([p, r])?;
        }
        csv.flush()?;
        Ok(())
    })
}

/// What an output file holds: one model's tags or embeddings.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub model: TagModel,
    pub product: Product,
}

impl Kind {
    /// Checks that a file's record (or table) of `model`, holding embeddings or not, is this
    /// kind.
    fn check(self, path: &Path, model: &str, embeddings: bool) -> Result<()> {
        let product = if embeddings {
            Product::Embedding
        } else {
            Product::Tags
        };
        if product != self.product {
            bail!(
                "{} holds {} (`{}`), not {}; choose another --output",
                path.display(),
                product.noun(),
                product.command(),
                self.product.noun()
            );
        }
        if model != self.model.name() {
            bail!(
                "{} holds {} of the model `{model}`, not `{}`; choose another --output or --model",
                path.display(),
                product.noun(),
                self.model.name()
            );
        }
        Ok(())
    }
}

pub struct JsonLines {
    file: fs::File,
}

impl JsonLines {
    fn open(path: &Path, kind: Kind) -> Result<(JsonLines, HashSet<String>)> {
        let mut file = fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let mut done = HashSet::new();
        let mut kept = 0u64;
        let mut reader = BufReader::new(&mut file);
        let mut line = String::new();
        let mut number = 0usize;
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if n == 0 {
                break;
            }
            number += 1;
            let whole = line.ends_with('\n');
            let parsed = serde_json::from_str::<Value>(line.trim_end()).ok();
            let fields = parsed.as_ref().and_then(|v| {
                let embedded = v.get("tags_mean").is_some();
                Some((
                    v.get("path")?.as_str()?,
                    v.get("model")?.as_str()?,
                    embedded,
                ))
            });
            match fields {
                Some((p, m, embedded)) if whole => {
                    kind.check(path, m, embedded)?;
                    done.insert(p.to_owned());
                    kept += n as u64;
                }
                // The last line, cut short when a run was killed while writing it.
                _ if reader.fill_buf()?.is_empty() => break,
                _ => bail!(
                    "{} line {number} is not a `{}` record; choose another --output",
                    path.display(),
                    kind.product.command()
                ),
            }
        }
        drop(reader);
        file.set_len(kept)
            .with_context(|| format!("cannot truncate {}", path.display()))?;
        file.seek(SeekFrom::End(0))?;
        Ok((JsonLines { file }, done))
    }

    fn write(&mut self, t: &Tagged) -> Result<()> {
        let mut line = serde_json::to_string(&record(t))?;
        line.push('\n');
        // One write per record: a kill leaves at most the last line torn.
        self.file.write_all(line.as_bytes())?;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        self.file.sync_all()?;
        Ok(())
    }
}

/// Rows per part file.
pub const PART_ROWS: usize = 32;
/// The longest a tagged file waits in memory before its part is written.
pub const PART_SECONDS: Duration = Duration::from_secs(10);

pub struct ParquetTable {
    path: PathBuf,
    parts: PathBuf,
    kind: Kind,
    pending: Vec<Tagged>,
    since: Instant,
    next_part: usize,
}

impl ParquetTable {
    fn open(path: &Path, kind: Kind) -> Result<(ParquetTable, HashSet<String>)> {
        let parts = parts_dir(path);
        let mut done = HashSet::new();
        if path.exists() {
            done = read_paths(path, kind)?;
        }
        fs::create_dir_all(&parts).with_context(|| format!("cannot create {}", parts.display()))?;
        let part_files = list_parts(&parts)?;
        let mut in_parts = HashSet::new();
        for part in &part_files {
            in_parts.extend(read_paths(part, kind)?);
        }
        if !part_files.is_empty() && in_parts.is_subset(&done) {
            // The table was written but the run ended before the parts were removed.
            fs::remove_dir_all(&parts)?;
            fs::create_dir_all(&parts)?;
        }
        let next_part = part_files.len();
        done.extend(in_parts);
        let table = ParquetTable {
            path: path.to_path_buf(),
            parts,
            kind,
            pending: Vec::new(),
            since: Instant::now(),
            next_part,
        };
        Ok((table, done))
    }

    fn write(&mut self, t: Tagged) -> Result<()> {
        self.pending.push(t);
        if self.pending.len() >= PART_ROWS || self.since.elapsed() >= PART_SECONDS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.since = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = to_batch(self.kind, &self.pending)?;
        let part = self
            .parts
            .join(format!("part-{:06}.parquet", self.next_part));
        write_parquet(&part, batch.schema(), &[batch])?;
        self.next_part += 1;
        self.pending.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.flush()?;
        let mut sources = list_parts(&self.parts)?;
        if self.path.exists() {
            sources.insert(0, self.path.clone());
        }
        let schema = to_batch(self.kind, &[])?.schema();
        let command = self.kind.product.command();
        // One batch in memory at a time (and one file open): a 100,000-file table is not.
        let rows = sources.iter().flat_map(|source| {
            let batches: Box<dyn Iterator<Item = Result<RecordBatch>>> =
                match parquet_batches(source) {
                    Ok(b) => Box::new(b),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                };
            let schema = schema.clone();
            batches.map(move |b| {
                RecordBatch::try_new(schema.clone(), b?.columns().to_vec())
                    .with_context(|| format!("{} is not a `{command}` table", source.display()))
            })
        });
        write_parquet_streamed(&self.path, schema.clone(), rows)?;
        fs::remove_dir_all(&self.parts)
            .with_context(|| format!("cannot remove {}", self.parts.display()))?;
        Ok(())
    }
}

/// `tags.parquet` → `tags.parquet.parts/`.
fn parts_dir(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".parts");
    path.with_file_name(name)
}

/// The finished part files, in order; what a killed run was writing is removed.
fn list_parts(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut parts = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") {
            fs::remove_file(&path)?;
        } else if name.starts_with("part-") && name.ends_with(".parquet") {
            parts.push(path);
        }
    }
    parts.sort();
    Ok(parts)
}

/// The `path` column of a tags or embeddings table, checking it holds `kind`.
fn read_paths(path: &Path, kind: Kind) -> Result<HashSet<String>> {
    let file = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let command = kind.product.command();
    let not_ours = || format!("{} is not a `{command}` table", path.display());
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).with_context(not_ours)?;
    let embedded = builder.schema().index_of("tags_mean").is_ok();
    let wanted: Vec<usize> = ["path", "model"]
        .iter()
        .map(|name| {
            builder
                .schema()
                .index_of(name)
                .with_context(|| format!("{}: no column `{name}`", not_ours()))
        })
        .collect::<Result<_>>()?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let reader = builder
        .with_projection(mask)
        .build()
        .with_context(not_ours)?;
    let mut paths = HashSet::new();
    for batch in reader {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let paths_col = column::<StringArray>(&batch, "path").with_context(not_ours)?;
        let models = column::<StringArray>(&batch, "model").with_context(not_ours)?;
        for i in 0..batch.num_rows() {
            kind.check(path, models.value(i), embedded)?;
            paths.insert(paths_col.value(i).to_owned());
        }
    }
    Ok(paths)
}

/// The table's columns: `path`, `model`, `seconds`, then for tags `patches` (a list of 50
/// activations per 3 s patch) and `mean`; for embeddings `patches` (a list of the 200 values of
/// the penultimate layer per patch), `mean`, `std` and `tags_mean`. The schema's metadata names
/// the 50 tags in order and the patch length.
fn to_batch(kind: Kind, rows: &[Tagged]) -> Result<RecordBatch> {
    let mut columns: Vec<(&str, Arc<dyn Array>)> = vec![
        (
            "path",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.path.as_str()),
            )),
        ),
        (
            "model",
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|_| kind.model.name()),
            )),
        ),
        (
            "seconds",
            Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.seconds),
            )),
        ),
    ];
    match kind.product {
        Product::Tags => {
            let patches = rows.iter().map(|r| r.taggram.patches.as_slice());
            columns.push(("patches", Arc::new(patch_lists(N_TAGS, patches)?)));
            let mean = rows.iter().map(|r| r.taggram.mean.as_slice());
            columns.push(("mean", Arc::new(fixed_lists(N_TAGS, mean)?)));
        }
        Product::Embedding => {
            let embeddings: Vec<&Embedding> = rows
                .iter()
                .map(|r| r.embedding.as_ref().context("a file without its embedding"))
                .collect::<Result<_>>()?;
            let patches = embeddings.iter().map(|e| e.patches.as_slice());
            columns.push(("patches", Arc::new(patch_lists(N_PENULTIMATE, patches)?)));
            for (name, width, values) in [
                (
                    "mean",
                    N_PENULTIMATE,
                    embeddings.iter().map(|e| &e.mean[..]).collect::<Vec<_>>(),
                ),
                (
                    "std",
                    N_PENULTIMATE,
                    embeddings.iter().map(|e| &e.std[..]).collect(),
                ),
                (
                    "tags_mean",
                    N_TAGS,
                    embeddings.iter().map(|e| &e.tags_mean[..]).collect(),
                ),
            ] {
                columns.push((name, Arc::new(fixed_lists(width, values.into_iter())?)));
            }
        }
    }
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, c)| Field::new(*name, c.data_type().clone(), false))
        .collect();
    let metadata = [
        (
            "tags".to_owned(),
            serde_json::to_string(kind.model.tags().as_slice())?,
        ),
        ("patch_seconds".to_owned(), PATCH_SECONDS.to_string()),
    ];
    let schema = Schema::new(fields).with_metadata(
        metadata
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
    );
    let columns = columns.into_iter().map(|(_, c)| c).collect();
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

/// One `width`-wide list of f32 per row.
fn fixed_lists<'a>(
    width: usize,
    rows: impl Iterator<Item = &'a [f32]>,
) -> Result<FixedSizeListArray> {
    let values: Vec<f32> = rows.flat_map(|r| r.iter().copied()).collect();
    Ok(FixedSizeListArray::try_new(
        Arc::new(Field::new_list_field(DataType::Float32, false)),
        width as i32,
        Arc::new(Float32Array::from(values)),
        None,
    )?)
}

/// A list per row of `width`-wide lists of f32 (one per patch).
fn patch_lists<'a>(
    width: usize,
    rows: impl Iterator<Item = &'a [Vec<f32>]> + Clone,
) -> Result<ListArray> {
    let lengths = rows.clone().map(<[Vec<f32>]>::len);
    let values = fixed_lists(width, rows.flatten().map(Vec::as_slice))?;
    let field = Arc::new(Field::new_list_field(values.data_type().clone(), false));
    Ok(ListArray::try_new(
        field,
        OffsetBuffer::from_lengths(lengths),
        Arc::new(values),
        None,
    )?)
}
