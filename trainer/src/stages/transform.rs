//! Stage 1, `transform`: decodes every track of the cleaned table with the one track loader
//! ([`crate::track`]: damaged files are refused), cuts the fixed-length window and writes
//! Parquet files of `batch_size` tracks.
//!
//! - Tracks are decoded in parallel (rayon); one batch is in memory at a time.
//! - Resumable: batch `i` always holds the same tracks, and a finished batch file exists only
//!   once complete (written beside, then renamed), so a rerun skips it. `transform.json`
//!   records the settings; a rerun with others is refused rather than mixing two windows.
//! - Every track that fails goes into `failures.csv` with its reason; the run goes on.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::audio::{DamagePolicy, Fit, Window};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::SignalWindow;
use crate::fma::{self, CleanTrack};
use crate::formats::fnv;
use crate::formats::signals::{Signal, batch_file_name, write_batch};
use crate::location::Location;
use crate::shard::Shard;

/// The settings a signals folder was written with.
const SETTINGS: &str = "transform.json";
/// Per-batch failure lists, merged into `failures.csv` at the end.
const PROGRESS: &str = ".progress";
/// Every track that failed, with its reason.
pub const FAILURES: &str = "failures.csv";

/// `transform.json`: what a rerun must match to reuse finished batches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Settings {
    offset: f64,
    signal_length: f64,
    sr: u32,
    min_length: f64,
    subset: String,
    batch_size: usize,
    tracks: usize,
    /// FNV-1a of the selected track ids, in order: batches hold the same tracks.
    track_ids_fnv: String,
    classes: Vec<String>,
    /// `I/N` for a shard's folder; absent for a whole dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shard: Option<String>,
}

/// One row of `failures.csv`: a track that did not become a signal, and why.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Failure {
    /// FMA's `track_id`.
    pub track_id: u64,
    /// Its audio file, relative to the audio root.
    pub path: String,
    /// `kind: what is wrong` ([`crate::track::TrackError`]).
    pub reason: String,
}

/// Tracks per Parquet file unless told otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 128;

/// What stage 1 reads, cuts and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The folder `generalise` wrote, or the tracks.parquet/tracks.csv in it.
    pub metadata: Location,
    /// The audio root holding FMA's `000/000002.mp3` layout.
    pub data: Location,
    /// Where to write the batches, failures.csv and transform.json.
    pub output: Location,
    /// The window cut from every track.
    pub window: SignalWindow,
    /// Shortest audio after the offset worth keeping (shorter is a failure, longer but short
    /// of the window is zero-padded); half the window when `None`.
    pub min_length: Option<f64>,
    /// The FMA subset the audio root holds.
    pub subset: String,
    /// Worker threads; every core when `None`.
    pub jobs: Option<usize>,
    /// Tracks per Parquet file.
    pub batch_size: usize,
    /// This worker's part of the tracks, written under the shard's own folder; all of them,
    /// into the output itself, when `None`.
    pub shard: Option<Shard>,
}

impl Options {
    /// Where this run writes: the output, or the shard's folder inside it.
    pub fn output_dir(&self) -> Location {
        match self.shard {
            Some(shard) => self.output.join(&shard.name()),
            None => self.output.clone(),
        }
    }

    /// The least audio kept, checked against the window.
    fn min_length(&self) -> Result<f64> {
        let min_length = self.min_length.unwrap_or(self.window.signal_length / 2.0);
        if !(min_length.is_finite() && min_length > 0.0 && min_length <= self.window.signal_length)
        {
            bail!(
                "flag --min-length must be between 0 and --signal-length ({} s), not {min_length}",
                self.window.signal_length
            );
        }
        Ok(min_length)
    }

    /// Refuses options that cannot run; returns the least audio kept.
    pub fn validate(&self) -> Result<f64> {
        self.window.validate()?;
        let min_length = self.min_length()?;
        if !fma::SUBSETS.contains(&self.subset.as_str()) {
            bail!(
                "flag --subset must be one of {}, not `{}`",
                fma::SUBSETS.join(", "),
                self.subset
            );
        }
        if self.batch_size == 0 {
            bail!("flag --batch-size must be at least 1");
        }
        if let Some(root) = self.data.as_local()
            && !root.is_dir()
        {
            bail!("the audio root {} is not a folder", root.display());
        }
        Ok(min_length)
    }
}

/// What stage 1 did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Tracks of the subset.
    pub tracks: usize,
    /// Signals in the batches (this run and earlier ones).
    pub written: usize,
    /// Batch files.
    pub batches: usize,
    /// Batches an earlier run had finished.
    pub resumed: usize,
    /// Signals zero-padded in this run.
    pub padded: usize,
    /// Every failure, this run's and earlier ones'.
    pub failures: Vec<Failure>,
    /// Tracks decoded in this run.
    pub decoded: usize,
    /// Worker threads.
    pub jobs: usize,
    /// Wall time.
    pub seconds: f64,
}

/// Runs stage 1. Fails only when nothing could be transformed; failed tracks are in the
/// report and failures.csv.
pub fn run(options: &Options) -> Result<Report> {
    let started = Instant::now();
    let min_length = options.validate()?;
    let window = &options.window;
    let (selected, classes) = select(options)?;

    let out = &options.output_dir();
    if let Some(dir) = out.as_local() {
        fs::create_dir_all(dir.join(PROGRESS))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        remove_stale_temporaries(dir)?;
    }
    let settings = Settings {
        offset: window.offset,
        signal_length: window.signal_length,
        sr: window.sr,
        min_length,
        subset: options.subset.clone(),
        batch_size: options.batch_size,
        tracks: selected.len(),
        track_ids_fnv: fnv(selected.iter().map(|t| t.track_id)),
        classes: classes.clone(),
        shard: options.shard.map(|s| s.to_string()),
    };
    check_settings(out, &settings)?;
    out.join(fma::clean::CLASSES).write_json(&classes)?;

    let jobs = super::jobs(options.jobs);
    let load = Window {
        sr: window.sr,
        offset: window.offset,
        length: Some(window.signal_length),
        fit: Fit::Pad {
            min_seconds: min_length,
        },
    };
    let batches: Vec<&[CleanTrack]> = selected.chunks(options.batch_size).collect();
    let counts = write_batches(out, &options.data, &batches, &load, jobs)?;

    let mut failures = Vec::new();
    for index in 0..batches.len() {
        failures.extend(read_failures(&batch_failures(out, index))?);
    }
    write_failures(&out.join(FAILURES), &failures)?;
    let Counts {
        written,
        padded,
        resumed,
        decoded,
    } = counts;
    if written == 0 {
        for f in failures.iter().take(20) {
            eprintln!(
                "genrescope: track {} ({}): {}",
                f.track_id, f.path, f.reason
            );
        }
        bail!("no track could be transformed; see {}", out.join(FAILURES));
    }
    Ok(Report {
        tracks: selected.len(),
        written,
        batches: batches.len(),
        resumed,
        padded,
        failures,
        decoded,
        jobs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Tracks counted over the batches.
#[derive(Default)]
struct Counts {
    written: usize,
    padded: usize,
    resumed: usize,
    decoded: usize,
}

/// Decodes every batch not finished by an earlier run, `jobs` tracks at a time, and writes
/// its failure list, then its Parquet file.
fn write_batches(
    out: &Location,
    root: &Location,
    batches: &[&[CleanTrack]],
    load: &Window,
    jobs: usize,
) -> Result<Counts> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("cannot start the worker threads")?;
    let progress = progress_bar(batches.iter().map(|b| b.len() as u64).sum());
    let log_batches = !std::io::stderr().is_terminal();
    let mut n = Counts::default();
    for (index, batch) in batches.iter().enumerate() {
        let path = out.join(&batch_file_name(index));
        let failures_path = batch_failures(out, index);
        if path.exists()? {
            // Finished in an earlier run: the file is complete, or it would not be there.
            let failed = read_failures(&failures_path)?.len();
            n.written += batch.len() - failed;
            n.resumed += 1;
            progress.inc(batch.len() as u64);
            continue;
        }
        let results: Vec<Result<Signal, Failure>> = pool.install(|| {
            batch
                .par_iter()
                .map(|track| {
                    let r = load_signal(track, root, load);
                    progress.inc(1);
                    r
                })
                .collect()
        });
        let (signals, failures): (Vec<Signal>, Vec<Failure>) = split_results(results);
        // The failure list first: a batch file on disk means both are complete.
        write_failures(&failures_path, &failures)?;
        put_batch(&path, &signals)?;
        n.written += signals.len();
        n.decoded += batch.len();
        n.padded += signals.iter().filter(|s| s.padded).count();
        if log_batches {
            eprintln!(
                "batch {}/{}: {} tracks, {} failed",
                index + 1,
                batches.len(),
                batch.len(),
                failures.len()
            );
        }
    }
    progress.finish_and_clear();
    Ok(n)
}

/// The subset's tracks in track_id order, and the classes.
fn select(options: &Options) -> Result<(Vec<CleanTrack>, Vec<String>)> {
    let (tracks, classes) =
        fma::clean::read(&options.metadata.fetch_with(&[fma::clean::CLASSES])?)?;
    let mut selected: Vec<CleanTrack> = tracks
        .into_iter()
        .filter(|t| fma::in_subset(&t.subset, &options.subset))
        .filter(|t| options.shard.is_none_or(|s| s.holds_track(t.track_id)))
        .collect();
    selected.sort_by_key(|t| t.track_id);
    if selected.is_empty() {
        bail!(
            "{}: no track is in subset `{}`{}",
            options.metadata,
            options.subset,
            options
                .shard
                .map(|s| format!(" and shard {s}"))
                .unwrap_or_default()
        );
    }
    Ok((selected, classes))
}

fn split_results(results: Vec<Result<Signal, Failure>>) -> (Vec<Signal>, Vec<Failure>) {
    let (mut signals, mut failures) = (Vec::new(), Vec::new());
    for r in results {
        match r {
            Ok(s) => signals.push(s),
            Err(f) => failures.push(f),
        }
    }
    (signals, failures)
}

fn batch_failures(out: &Location, index: usize) -> Location {
    out.join(PROGRESS)
        .join(&format!("batch-{index:05}.failures.csv"))
}

/// Writes a batch file or object whole.
fn put_batch(at: &Location, signals: &[Signal]) -> Result<()> {
    match at {
        Location::Local(path) => write_batch(path, signals),
        #[cfg(feature = "cloud")]
        Location::Remote(object) => crate::formats::signals::remote::write_batch(object, signals),
    }
}

/// Writes transform.json, or refuses a folder written with other settings.
fn check_settings(out: &Location, settings: &Settings) -> Result<()> {
    let settings_path = out.join(SETTINGS);
    if let Some(bytes) = settings_path.read_opt()? {
        let previous: Settings = serde_json::from_slice(&bytes)
            .with_context(|| format!("{settings_path} is not a transform.json"))?;
        if previous != *settings {
            bail!(
                "{out} holds signals written with other settings or tracks ({settings_path}); \
                 choose another --output or remove it"
            );
        }
    } else {
        settings_path.write_json(settings)?;
    }
    Ok(())
}

/// Decodes one track's window; a failure carries the reason for `failures.csv`.
fn load_signal(track: &CleanTrack, root: &Location, window: &Window) -> Result<Signal, Failure> {
    let loaded = crate::track::load_at(&root.join(&track.path), window, DamagePolicy::Refuse)
        .map_err(|e| Failure {
            track_id: track.track_id,
            path: track.path.clone(),
            reason: e.to_string(),
        })?;
    Ok(Signal {
        track_id: track.track_id,
        genre: track.genre.clone(),
        label: track.label,
        sample_rate: window.sr,
        samples: loaded.samples,
        padded: loaded.padded,
    })
}

fn write_failures(at: &Location, failures: &[Failure]) -> Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    csv.write_record(["track_id", "path", "reason"])?;
    for f in failures {
        csv.serialize(f)?;
    }
    let bytes = csv.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    at.write(&bytes)
}

fn read_failures(at: &Location) -> Result<Vec<Failure>> {
    let Some(bytes) = at.read_opt()? else {
        return Ok(Vec::new());
    };
    csv::Reader::from_reader(bytes.as_slice())
        .deserialize()
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {at}"))
}

/// Deletes what an interrupted run was writing (`.<name>.<pid>.tmp`), never trusted.
fn remove_stale_temporaries(out: &Path) -> Result<()> {
    for dir in [out.to_path_buf(), out.join(PROGRESS)] {
        for entry in fs::read_dir(&dir)? {
            let path: PathBuf = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') && name.ends_with(".tmp") {
                fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    Ok(())
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} tracks, {per_sec}, ETA {eta}",
        )
        .expect("a valid template"),
    );
    bar
}
