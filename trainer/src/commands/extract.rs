//! `genrescope extract`: stage 2. Streams the signal batches through the core crate and writes
//! one `<feature>.npy` of shape (N, …) per feature, plus `labels.npy`, `track_ids.npy`,
//! `classes.json` and `manifest.json`.
//!
//! Memory stays bounded: each .npy is created at its full size up front (numpy header, zeroed
//! rows) and rows are written in place as they are computed, a few tracks at a time. The
//! files are `<name>.npy.partial` until every row is in; `.extract-progress.json` records the
//! rows that are on disk (written after the data is synced), so an interrupted run resumes
//! from there, and the finished files appear by rename.

use std::fs::{self, File, OpenOptions};
use std::io::{IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::{Feature, FeatureConfig, compute};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray_npy::{WritableElement, write_zeroed_npy};
use parquet::file::reader::{FileReader, SerializedFileReader};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cli::ExtractArgs;
use crate::output::write_json;
use crate::signals::{batch_files, read_batch};

/// Progress of an unfinished run.
const PROGRESS: &str = ".extract-progress.json";
/// The description of the features folder.
pub const MANIFEST: &str = "manifest.json";

/// What `extract` writes about a features folder (`manifest.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Rows (tracks) in every file.
    pub rows: usize,
    /// Samples per signal.
    pub signal_samples: usize,
    /// The feature parameters (librosa's names and defaults).
    pub feature_config: FeatureConfig,
    /// Genre titles; `labels.npy` indexes them.
    pub classes: Vec<String>,
    /// Each feature: its file and shape (N, …).
    pub features: Vec<FeatureFile>,
    /// `labels.npy`: int64, (N,).
    pub labels: String,
    /// `track_ids.npy`: int64, (N,).
    pub track_ids: String,
}

/// One feature's file in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureFile {
    /// The feature's registry name.
    pub name: String,
    /// The file, relative to the folder.
    pub file: String,
    /// Its shape: (N, …) with librosa's per-track shape after N.
    pub shape: Vec<usize>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Progress {
    manifest: Manifest,
    batches: Vec<String>,
    rows_done: usize,
}

/// A .npy being filled row by row.
struct RowFile {
    file: File,
    data_start: u64,
    row_bytes: u64,
    partial: PathBuf,
    done: PathBuf,
}

impl RowFile {
    fn create<A: WritableElement>(
        dir: &Path,
        name: &str,
        shape: &[usize],
        resume: bool,
    ) -> Result<Self> {
        let done = dir.join(name);
        let partial = dir.join(format!("{name}.partial"));
        let row_bytes = (shape[1..].iter().product::<usize>() * std::mem::size_of::<A>()) as u64;
        let data_bytes = row_bytes * shape[0] as u64;
        let file = if resume && partial.exists() {
            OpenOptions::new().read(true).write(true).open(&partial)
        } else {
            let f = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&partial);
            if let Ok(f) = &f {
                write_zeroed_npy::<A, _>(f, ndarray::IxDyn(shape))
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .with_context(|| format!("creating {}", partial.display()))?;
            }
            f
        }
        .with_context(|| format!("cannot open {}", partial.display()))?;
        let len = file.metadata()?.len();
        let Some(data_start) = len.checked_sub(data_bytes) else {
            bail!(
                "{} is shorter than its {} rows; delete it to start again",
                partial.display(),
                shape[0]
            );
        };
        Ok(RowFile {
            file,
            data_start,
            row_bytes,
            partial,
            done,
        })
    }

    fn write_row(&mut self, row: usize, bytes: &[u8]) -> Result<()> {
        debug_assert_eq!(bytes.len() as u64, self.row_bytes);
        self.file.seek(SeekFrom::Start(
            self.data_start + row as u64 * self.row_bytes,
        ))?;
        self.file
            .write_all(bytes)
            .with_context(|| format!("writing {}", self.partial.display()))
    }

    fn sync(&self) -> Result<()> {
        self.file
            .sync_data()
            .with_context(|| format!("syncing {}", self.partial.display()))
    }

    fn finish(self) -> Result<()> {
        self.sync()?;
        fs::rename(&self.partial, &self.done).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.partial.display(),
                self.done.display()
            )
        })
    }
}

fn le_bytes_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn run(args: &ExtractArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let which = Feature::parse_list(&args.features).context("flag --features")?;
    let batches = batch_files(&args.data)?;
    if batches.is_empty() {
        bail!(
            "{} holds no batch-*.parquet files (the output of `genrescope transform`)",
            args.data.display()
        );
    }
    let classes: Vec<String> = {
        let p = args.data.join(crate::fma::clean::CLASSES);
        serde_json::from_slice(
            &fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .with_context(|| format!("{} is not a JSON list of genres", p.display()))?
    };
    let counts: Vec<usize> = batches
        .iter()
        .map(|b| {
            File::open(b)
                .map_err(anyhow::Error::from)
                .and_then(|f| Ok(SerializedFileReader::new(f)?))
                .map(|r| r.metadata().file_metadata().num_rows() as usize)
                .with_context(|| format!("{} is not a readable Parquet file", b.display()))
        })
        .collect::<Result<_>>()?;
    let rows: usize = counts.iter().sum();
    if rows == 0 {
        bail!("{}: the batches hold no tracks", args.data.display());
    }
    // Rate and length come from the first track; every other must match.
    let first = batches
        .iter()
        .zip(&counts)
        .find(|(_, c)| **c > 0)
        .map(|(b, _)| read_batch(b))
        .expect("some batch has rows")?;
    let (sr, signal_samples) = (first[0].sample_rate, first[0].samples.len());
    drop(first);
    let cfg = FeatureConfig {
        sr,
        ..FeatureConfig::default()
    };
    cfg.validate().context("the signals' sample rate")?;

    let features: Vec<FeatureFile> = which
        .iter()
        .map(|f| FeatureFile {
            name: f.name().to_owned(),
            file: format!("{}.npy", f.name()),
            shape: std::iter::once(rows)
                .chain(f.shape(signal_samples, &cfg))
                .collect(),
        })
        .collect();
    let manifest = Manifest {
        rows,
        signal_samples,
        feature_config: cfg.clone(),
        classes,
        features,
        labels: "labels.npy".into(),
        track_ids: "track_ids.npy".into(),
    };

    let out = &args.output;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    if out.join(MANIFEST).exists() {
        let old: Manifest =
            serde_json::from_slice(&fs::read(out.join(MANIFEST))?).with_context(|| {
                format!(
                    "{} is not an extract manifest",
                    out.join(MANIFEST).display()
                )
            })?;
        if old == manifest && manifest.features.iter().all(|f| out.join(&f.file).exists()) {
            println!(
                "{} already holds these features of these signals",
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        bail!(
            "{} holds other features or signals; choose another --output or remove it",
            out.display()
        );
    }
    let batch_names: Vec<String> = batches
        .iter()
        .map(|b| {
            b.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let progress_path = out.join(PROGRESS);
    let mut rows_done = 0;
    if let Ok(bytes) = fs::read(&progress_path) {
        match serde_json::from_slice::<Progress>(&bytes) {
            Ok(p) if p.manifest == manifest && p.batches == batch_names => rows_done = p.rows_done,
            _ => bail!(
                "{} holds an unfinished extraction of other features or signals; choose another \
                 --output or remove it",
                out.display()
            ),
        }
    }
    let resume = rows_done > 0;
    let mut files: Vec<RowFile> = manifest
        .features
        .iter()
        .map(|f| RowFile::create::<f32>(out, &f.file, &f.shape, resume))
        .collect::<Result<_>>()?;
    let mut labels = RowFile::create::<i64>(out, "labels.npy", &[rows], resume)?;
    let mut ids = RowFile::create::<i64>(out, "track_ids.npy", &[rows], resume)?;
    let save_progress = |rows_done: usize| {
        write_json(
            &progress_path,
            &Progress {
                manifest: manifest.clone(),
                batches: batch_names.clone(),
                rows_done,
            },
        )
    };
    if !resume {
        save_progress(0)?;
    }

    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()?;
    let bar = ProgressBar::new(rows as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} tracks, {per_sec}, ETA {eta}",
        )
        .expect("a valid template"),
    );
    bar.set_position(rows_done as u64);
    let log_batches = !std::io::stderr().is_terminal();
    let mut row = 0usize;
    let mut computed = 0usize;
    for (index, (path, &count)) in batches.iter().zip(&counts).enumerate() {
        if row + count <= rows_done {
            row += count;
            continue;
        }
        let signals = read_batch(path)?;
        if signals.len() != count {
            bail!(
                "{}: {} rows, its footer says {count}",
                path.display(),
                signals.len()
            );
        }
        let skip = rows_done.saturating_sub(row);
        let mut at = row + skip;
        // A few tracks per step keep memory small (spectrograms are MBs each) and cores busy.
        for chunk in signals[skip..].chunks(4 * jobs.max(1)) {
            for s in chunk {
                if s.sample_rate != sr || s.samples.len() != signal_samples {
                    bail!(
                        "{}: track {} has {} samples at {} Hz where the others have {signal_samples} at {sr} Hz",
                        path.display(),
                        s.track_id,
                        s.samples.len(),
                        s.sample_rate
                    );
                }
            }
            let sets = pool.install(|| {
                chunk
                    .par_iter()
                    .map(|s| {
                        compute(&s.samples, &cfg, &which)
                            .with_context(|| format!("track {}", s.track_id))
                    })
                    .collect::<Result<Vec<_>>>()
            })?;
            for (k, (s, set)) in chunk.iter().zip(&sets).enumerate() {
                for (file, feature) in files.iter_mut().zip(&which) {
                    let array = set
                        .get(*feature)
                        .expect("computed what was asked")
                        .as_standard_layout();
                    file.write_row(
                        at + k,
                        &le_bytes_f32(array.as_slice().expect("standard layout")),
                    )?;
                }
                labels.write_row(at + k, &i64::from(s.label).to_le_bytes())?;
                ids.write_row(at + k, &(s.track_id as i64).to_le_bytes())?;
            }
            at += chunk.len();
            computed += chunk.len();
            bar.inc(chunk.len() as u64);
        }
        row += count;
        debug_assert_eq!(at, row);
        for f in files.iter().chain([&labels, &ids]) {
            f.sync()?;
        }
        save_progress(row)?;
        if log_batches {
            eprintln!("batch {}/{}: {row}/{rows} tracks", index + 1, batches.len());
        }
    }
    bar.finish_and_clear();
    for f in files {
        f.finish()?;
    }
    labels.finish()?;
    ids.finish()?;
    write_json(&out.join(crate::fma::clean::CLASSES), &manifest.classes)?;
    write_json(&out.join(MANIFEST), &manifest)?;
    fs::remove_file(&progress_path).ok();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{rows} tracks × {} features written to {} in {seconds:.1} s ({:.1} tracks/s on {jobs} threads{})",
        manifest.features.len(),
        out.display(),
        computed as f64 / seconds,
        if resume {
            format!(", resumed at track {rows_done}")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}
