//! Stage 2, `extract`: streams the signal batches through the core crate and writes
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
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::musicnn::net::Embedders;
use genrescope_core::{Feature, FeatureConfig, FeatureSet, compute_with};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray_npy::{WritableElement, write_zeroed_npy};
use parquet::file::reader::{FileReader, SerializedFileReader};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::formats::features::{FailedTrack, FeatureFile, MANIFEST, Manifest, PROGRESS};
use crate::formats::output::write_json;
use crate::formats::signals::{Signal, read_batch};
use crate::location::Location;
use crate::shard::Shard;
use crate::track::panic_message;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Progress {
    manifest: Manifest,
    batches: Vec<String>,
    rows_done: usize,
    /// The tracks of the rows done whose features failed.
    #[serde(default)]
    failed: Vec<FailedTrack>,
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
        if resume && !partial.exists() && done.exists() {
            // The run being resumed finished this file and stopped before its manifest: carry
            // on from the file, not from zeros.
            fs::rename(&done, &partial).with_context(|| {
                format!("cannot rename {} to {}", done.display(), partial.display())
            })?;
        }
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

/// What stage 2 reads and computes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The signals folder `transform` wrote.
    pub data: Location,
    /// Where to write the features folder.
    pub output: Location,
    /// The features to compute, in the table's order or the order given.
    pub features: Vec<Feature>,
    /// Worker threads; every core when `None`.
    pub jobs: Option<usize>,
    /// One shard of a sharded signals folder (`<data>/shard-I-of-N/`), into the same shard
    /// of the output; the folders themselves when `None`.
    pub shard: Option<Shard>,
}

impl Options {
    /// The signals read and the features folder written: the shard's, when there is one.
    pub fn dirs(&self) -> (Location, Location) {
        match self.shard {
            Some(s) => (self.data.join(&s.name()), self.output.join(&s.name())),
            None => (self.data.clone(), self.output.clone()),
        }
    }
}

/// What stage 2 did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The features folder's manifest.
    pub manifest: Manifest,
    /// Whether the folder already held these features (nothing was computed).
    pub already_done: bool,
    /// The features the folder held from an earlier extraction of the same signals, kept as
    /// they were (this run added the others).
    pub kept: Vec<String>,
    /// The row an interrupted run had reached, when this run resumed it.
    pub resumed_at: Option<usize>,
    /// Tracks computed in this run.
    pub computed: usize,
    /// Worker threads.
    pub jobs: usize,
    /// Wall time.
    pub seconds: f64,
}

/// The signal batches and what their footers say.
struct Signals {
    files: Vec<Location>,
    /// Each file's size (the async Parquet reader of an object needs it).
    #[cfg_attr(not(feature = "cloud"), allow(dead_code))]
    sizes: Vec<u64>,
    counts: Vec<usize>,
    names: Vec<String>,
}

impl Signals {
    fn open(dir: &Location) -> Result<Signals> {
        let listed: Vec<(String, u64)> = dir
            .list()?
            .into_iter()
            .filter(|(n, _)| n.starts_with("batch-") && n.ends_with(".parquet"))
            .collect();
        if listed.is_empty() {
            bail!("{dir} holds no batch-*.parquet files (the output of `genrescope transform`)");
        }
        let files: Vec<Location> = listed.iter().map(|(n, _)| dir.join(n)).collect();
        let sizes: Vec<u64> = listed.iter().map(|(_, s)| *s).collect();
        let counts = files
            .iter()
            .zip(&sizes)
            .map(|(b, &size)| count_rows(b, size))
            .collect::<Result<_>>()?;
        Ok(Signals {
            files,
            sizes,
            counts,
            names: listed.into_iter().map(|(n, _)| n).collect(),
        })
    }

    /// Batch `i`'s signals.
    fn read(&self, i: usize) -> Result<Vec<Signal>> {
        match &self.files[i] {
            Location::Local(path) => read_batch(path),
            #[cfg(feature = "cloud")]
            Location::Remote(object) => {
                crate::formats::signals::remote::read_batch(object, self.sizes[i])
            }
        }
    }

    /// The manifest the output will have: rate and length from the first track (every other
    /// must match, checked as they are read).
    fn manifest(&self, dir: &Location, which: &[Feature]) -> Result<Manifest> {
        let rows: usize = self.counts.iter().sum();
        let Some(first) = self.counts.iter().position(|c| *c > 0) else {
            bail!("{dir}: the batches hold no tracks");
        };
        let batch = self.read(first)?;
        let Some(track) = batch.first() else {
            bail!(
                "{}: its footer counts rows it does not hold",
                self.files[first]
            );
        };
        let (sr, signal_samples) = (track.sample_rate, track.samples.len());
        let cfg = FeatureConfig {
            sr,
            ..FeatureConfig::default()
        };
        cfg.validate().context("the signals' sample rate")?;
        let classes: Vec<String> = {
            let p = dir.join(crate::fma::clean::CLASSES);
            let bytes = p
                .read_opt()?
                .with_context(|| format!("{p}: no such file"))?;
            serde_json::from_slice(&bytes)
                .with_context(|| format!("{p} is not a JSON list of genres"))?
        };
        let features = which
            .iter()
            .map(|f| FeatureFile {
                name: f.name().to_owned(),
                file: format!("{}.npy", f.name()),
                shape: std::iter::once(rows)
                    .chain(f.shape(signal_samples, &cfg))
                    .collect(),
            })
            .collect();
        Ok(Manifest {
            rows,
            signal_samples,
            feature_config: cfg,
            classes,
            features,
            labels: "labels.npy".into(),
            track_ids: "track_ids.npy".into(),
            shard: None,
            failed: Vec::new(),
        })
    }
}

/// The rows a batch's Parquet footer counts.
fn count_rows(batch: &Location, size: u64) -> Result<usize> {
    let _ = size;
    match batch {
        Location::Local(path) => File::open(path)
            .map_err(anyhow::Error::from)
            .and_then(|f| Ok(SerializedFileReader::new(f)?))
            .map(|r| r.metadata().file_metadata().num_rows() as usize)
            .with_context(|| format!("{} is not a readable Parquet file", path.display())),
        #[cfg(feature = "cloud")]
        Location::Remote(object) => crate::formats::signals::remote::count_rows(object, size),
    }
}

/// The features of `manifest` that `location` (written in `out`) already holds: none for a new
/// folder, all of them when it is done, and some when it holds a complete extraction of the
/// same signals with fewer features, which this run extends (adding `musicnn` to the 16
/// features of a whole dataset computes only `musicnn`). An error when it holds others. An
/// object store's manifest is its completion marker, uploaded last.
/// With them, the tracks whose features failed when they were computed.
fn features_held(
    location: &Location,
    out: &Path,
    manifest: &Manifest,
) -> Result<(Vec<FeatureFile>, Vec<FailedTrack>)> {
    let marker = location.join(MANIFEST);
    let Some(bytes) = marker.read_opt()? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let old: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("{marker} is not an extract manifest"))?;
    let on_disk = |f: &FeatureFile| location.as_local().is_none() || out.join(&f.file).exists();
    let same_signals = Manifest {
        features: Vec::new(),
        failed: Vec::new(),
        ..old.clone()
    } == Manifest {
        features: Vec::new(),
        failed: Vec::new(),
        ..manifest.clone()
    };
    if same_signals
        && old
            .features
            .iter()
            .all(|f| manifest.features.contains(f) && on_disk(f))
    {
        return Ok((old.features, old.failed));
    }
    bail!("{location} holds other features or signals; choose another --output or remove it");
}

/// The rows an interrupted run of the same extraction left on disk.
fn rows_done(
    progress_path: &Path,
    manifest: &Manifest,
    batches: &[String],
) -> Result<(usize, Vec<FailedTrack>)> {
    let Ok(bytes) = fs::read(progress_path) else {
        return Ok((0, Vec::new()));
    };
    match serde_json::from_slice::<Progress>(&bytes) {
        Ok(p) if p.manifest == *manifest && p.batches == batches => Ok((p.rows_done, p.failed)),
        _ => bail!(
            "{} holds an unfinished extraction of other features or signals; choose another \
             --output or remove it",
            progress_path.parent().unwrap_or(progress_path).display()
        ),
    }
}

/// The output files being filled.
struct Outputs {
    features: Vec<RowFile>,
    labels: RowFile,
    ids: RowFile,
}

impl Outputs {
    fn create(out: &Path, manifest: &Manifest, resume: bool) -> Result<Outputs> {
        let rows = manifest.rows;
        Ok(Outputs {
            features: manifest
                .features
                .iter()
                .map(|f| RowFile::create::<f32>(out, &f.file, &f.shape, resume))
                .collect::<Result<_>>()?,
            labels: RowFile::create::<i64>(out, "labels.npy", &[rows], resume)?,
            ids: RowFile::create::<i64>(out, "track_ids.npy", &[rows], resume)?,
        })
    }

    fn sync(&self) -> Result<()> {
        for f in self.features.iter().chain([&self.labels, &self.ids]) {
            f.sync()?;
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        for f in self.features {
            f.finish()?;
        }
        self.labels.finish()?;
        self.ids.finish()
    }
}

/// Runs stage 2, resuming an interrupted run of the same extraction.
pub fn run(options: &Options) -> Result<Report> {
    let started = Instant::now();
    let which = &options.features;
    let (data, out) = options.dirs();
    let signals = Signals::open(&data)?;
    let mut manifest = signals.manifest(&data, which)?;
    manifest.shard = options.shard.map(|s| s.to_string());
    let jobs = super::jobs(options.jobs);
    let location = out;
    // A local output is written in place; an object-store one in a local staging folder,
    // uploaded when complete (manifest.json last).
    let staged = location.staging()?;
    let out = &staged;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (kept, failed_before) = features_held(&location, out, &manifest)?;
    manifest.failed.clone_from(&failed_before);
    let kept_names: Vec<String> = kept.iter().map(|f| f.name.clone()).collect();
    if kept.len() == manifest.features.len() {
        return Ok(Report {
            manifest,
            already_done: true,
            kept: kept_names,
            resumed_at: None,
            computed: 0,
            jobs,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    // What this run computes: the features the folder does not hold yet.
    let adding = Manifest {
        features: manifest
            .features
            .iter()
            .filter(|f| !kept.contains(f))
            .cloned()
            .collect(),
        ..manifest.clone()
    };
    let which: &[Feature] = &which
        .iter()
        .copied()
        .filter(|f| !kept_names.iter().any(|k| k == f.name()))
        .collect::<Vec<_>>();
    let progress_path = out.join(PROGRESS);
    let (rows_done, mut failed) = rows_done(&progress_path, &adding, &signals.names)?;
    let resume = rows_done > 0;
    let mut files = Outputs::create(out, &adding, resume)?;
    let save_progress = |rows_done: usize, failed: &[FailedTrack]| {
        write_json(
            &progress_path,
            &Progress {
                manifest: adding.clone(),
                batches: signals.names.clone(),
                rows_done,
                failed: failed.to_vec(),
            },
        )
    };
    if !resume {
        save_progress(0, &[])?;
    }

    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let embedders = super::tag::tagger::embedders(which)?;
    let rows = manifest.rows;
    let bar = ProgressBar::new(rows as u64);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} tracks, {per_sec}, ETA {eta}",
    )?);
    bar.set_position(rows_done as u64);
    let log_batches = !std::io::stderr().is_terminal();
    let mut row = 0usize;
    let mut computed = 0usize;
    for (index, &count) in signals.counts.iter().enumerate() {
        if row + count <= rows_done {
            row += count;
            continue;
        }
        let path = &signals.files[index];
        let batch = signals.read(index)?;
        if batch.len() != count {
            bail!("{path}: {} rows, its footer says {count}", batch.len());
        }
        let skip = rows_done.saturating_sub(row);
        check_signals(path, &batch, &manifest)?;
        let todo = Rows {
            first: row + skip,
            signals: &batch[skip..],
        };
        let work = Work {
            pool: &pool,
            manifest: &adding,
            which,
            embedders: &embedders,
        };
        computed += compute_rows(&work, todo, &mut files, &bar, &mut failed)?;
        row += count;
        files.sync()?;
        save_progress(row, &failed)?;
        if log_batches {
            eprintln!(
                "batch {}/{}: {row}/{rows} tracks",
                index + 1,
                signals.files.len()
            );
        }
    }
    bar.finish_and_clear();
    files.finish()?;
    // The tracks that failed now, and those the folder's features failed for before.
    failed.extend(failed_before);
    failed.sort_by_key(|f| f.row);
    failed.dedup_by_key(|f| f.row);
    manifest.failed = failed;
    write_json(&out.join(crate::fma::clean::CLASSES), &manifest.classes)?;
    write_json(&out.join(MANIFEST), &manifest)?;
    fs::remove_file(&progress_path).ok();
    location.publish(out, &[MANIFEST])?;
    Ok(Report {
        manifest,
        already_done: false,
        kept: kept_names,
        resumed_at: resume.then_some(rows_done),
        computed,
        jobs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Consecutive rows of the output, `first` being the row of `signals[0]`.
struct Rows<'a> {
    first: usize,
    signals: &'a [Signal],
}

/// What computes the rows: the threads, the features and the networks of the embeddings.
struct Work<'a> {
    pool: &'a rayon::ThreadPool,
    manifest: &'a Manifest,
    which: &'a [Feature],
    embedders: &'a Embedders,
}

/// Computes and writes `rows`, a few tracks per step (spectrograms are MBs each) across the
/// pool's threads; returns how many. A track whose features fail (or panic) costs its row: it
/// is said in one line, its rows stay zeros and it joins `failed`; the rest go on.
fn compute_rows(
    work: &Work,
    rows: Rows,
    files: &mut Outputs,
    bar: &ProgressBar,
    failed: &mut Vec<FailedTrack>,
) -> Result<usize> {
    let step = 4 * work.pool.current_num_threads();
    for (k, chunk) in rows.signals.chunks(step).enumerate() {
        let first = rows.first + k * step;
        let sets: Vec<Result<FeatureSet, String>> = work.pool.install(|| {
            chunk
                .par_iter()
                .map(|s| {
                    let cfg = &work.manifest.feature_config;
                    catch_unwind(AssertUnwindSafe(|| {
                        compute_with(&s.samples, cfg, work.which, work.embedders)
                    }))
                    .map_err(|panic| format!("internal error: {}", panic_message(&*panic)))?
                    .map_err(|e| e.to_string())
                })
                .collect()
        });
        for (i, (s, set)) in chunk.iter().zip(&sets).enumerate() {
            if let Err(error) = set {
                bar.suspend(|| {
                    eprintln!(
                        "track {}: its features failed ({error}); its row is left out",
                        s.track_id
                    )
                });
                failed.push(FailedTrack {
                    row: first + i,
                    track_id: s.track_id,
                    error: error.clone(),
                });
            }
        }
        write_rows(files, first, chunk, &sets, work.which)?;
        bar.inc(chunk.len() as u64);
    }
    Ok(rows.signals.len())
}

/// Every track of a batch must have the first track's rate and length.
fn check_signals(path: &Location, chunk: &[Signal], manifest: &Manifest) -> Result<()> {
    let (sr, n) = (manifest.feature_config.sr, manifest.signal_samples);
    for s in chunk {
        if s.sample_rate != sr || s.samples.len() != n {
            bail!(
                "{}: track {} has {} samples at {} Hz where the others have {n} at {sr} Hz",
                path,
                s.track_id,
                s.samples.len(),
                s.sample_rate
            );
        }
    }
    Ok(())
}

/// Writes the computed rows `at..` of every file; a failed track's rows are zeros.
fn write_rows(
    files: &mut Outputs,
    at: usize,
    chunk: &[Signal],
    sets: &[Result<FeatureSet, String>],
    which: &[Feature],
) -> Result<()> {
    let mut bytes = Vec::new();
    for (k, (s, set)) in chunk.iter().zip(sets).enumerate() {
        for (file, feature) in files.features.iter_mut().zip(which) {
            let Ok(set) = set else {
                bytes.clear();
                bytes.resize(file.row_bytes as usize, 0);
                file.write_row(at + k, &bytes)?;
                continue;
            };
            let Some(array) = set.get(*feature) else {
                bail!("track {}: {feature} was not computed", s.track_id);
            };
            let array = array.as_standard_layout();
            match array.as_slice() {
                Some(values) => crate::formats::f32_le_bytes(values, &mut bytes),
                None => crate::formats::f32_le_bytes(array.iter(), &mut bytes),
            }
            file.write_row(at + k, &bytes)?;
        }
        files
            .labels
            .write_row(at + k, &i64::from(s.label).to_le_bytes())?;
        files
            .ids
            .write_row(at + k, &(s.track_id as i64).to_le_bytes())?;
    }
    Ok(())
}
