//! `genrescope transform`: stage 1. Decodes every track of the cleaned table with the core
//! crate, cuts the fixed-length window and writes Parquet files of `--batch-size` tracks.
//!
//! - Tracks are decoded in parallel (rayon); one batch is in memory at a time.
//! - Resumable: batch `i` always holds the same tracks, and a finished batch file exists only
//!   once complete (written beside, then renamed), so a rerun skips it. `transform.json`
//!   records the settings; a rerun with others is refused rather than mixing two windows.
//! - Every track that fails goes into `failures.csv` with its reason; the run goes on.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::audio;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cli::{TransformArgs, WindowArgs};
use crate::fma::{self, CleanTrack};
use crate::output::{write_atomic, write_json};
use crate::signals::{Signal, batch_file_name, write_batch};

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
}

/// One row of `failures.csv`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Failure {
    track_id: u64,
    path: String,
    reason: String,
}

pub fn run(args: &TransformArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let window = &args.signal;
    check_window(window)?;
    let min_length = args.min_length.unwrap_or(window.signal_length / 2.0);
    if !(min_length.is_finite() && min_length > 0.0 && min_length <= window.signal_length) {
        bail!(
            "flag --min-length must be between 0 and --signal-length ({} s), not {min_length}",
            window.signal_length
        );
    }
    if !fma::SUBSETS.contains(&args.subset.as_str()) {
        bail!(
            "flag --subset must be one of {}, not `{}`",
            fma::SUBSETS.join(", "),
            args.subset
        );
    }
    if args.batch_size == 0 {
        bail!("flag --batch-size must be at least 1");
    }
    if !args.data.is_dir() {
        bail!("the audio root {} is not a folder", args.data.display());
    }

    let (tracks, classes) = fma::clean::read(&args.metadata)?;
    let mut selected: Vec<CleanTrack> = tracks
        .into_iter()
        .filter(|t| fma::in_subset(&t.subset, &args.subset))
        .collect();
    selected.sort_by_key(|t| t.track_id);
    if selected.is_empty() {
        bail!(
            "{}: no track is in subset `{}`",
            args.metadata.display(),
            args.subset
        );
    }

    let out = &args.output;
    fs::create_dir_all(out.join(PROGRESS))
        .with_context(|| format!("cannot create {}", out.display()))?;
    remove_stale_temporaries(out)?;
    let settings = Settings {
        offset: window.offset,
        signal_length: window.signal_length,
        sr: window.sr,
        min_length,
        subset: args.subset.clone(),
        batch_size: args.batch_size,
        tracks: selected.len(),
        track_ids_fnv: fnv(selected.iter().map(|t| t.track_id)),
        classes: classes.clone(),
    };
    let settings_path = out.join(SETTINGS);
    if settings_path.exists() {
        let previous: Settings = serde_json::from_slice(&fs::read(&settings_path)?)
            .with_context(|| format!("{} is not a transform.json", settings_path.display()))?;
        if previous != settings {
            bail!(
                "{} holds signals written with other settings or tracks ({}); choose another \
                 --output or remove it",
                out.display(),
                settings_path.display()
            );
        }
    } else {
        write_json(&settings_path, &settings)?;
    }
    write_json(&out.join(fma::clean::CLASSES), &classes)?;

    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .context("cannot start the worker threads")?;

    let batches: Vec<&[CleanTrack]> = selected.chunks(args.batch_size).collect();
    let progress = progress_bar(selected.len() as u64);
    let log_batches = !std::io::stderr().is_terminal();
    let (mut written, mut padded, mut resumed, mut decoded_now) = (0usize, 0usize, 0usize, 0usize);
    for (index, batch) in batches.iter().enumerate() {
        let path = out.join(batch_file_name(index));
        let failures_path = out
            .join(PROGRESS)
            .join(format!("batch-{index:05}.failures.csv"));
        if path.exists() {
            // Finished in an earlier run: the file is complete, or it would not be there.
            let failed = read_failures(&failures_path)?.len();
            written += batch.len() - failed;
            resumed += 1;
            progress.inc(batch.len() as u64);
            continue;
        }
        let results: Vec<Result<Signal, Failure>> = pool.install(|| {
            batch
                .par_iter()
                .map(|track| {
                    let r = load_track(track, &args.data, window, min_length);
                    progress.inc(1);
                    r
                })
                .collect()
        });
        let (signals, failures): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        let signals: Vec<Signal> = signals.into_iter().map(Result::unwrap).collect();
        let failures: Vec<Failure> = failures.into_iter().map(|f| f.unwrap_err()).collect();
        // The failure list first: a batch file on disk means both are complete.
        write_failures(&failures_path, &failures)?;
        write_batch(&path, &signals)?;
        written += signals.len();
        decoded_now += batch.len();
        padded += signals.iter().filter(|s| s.padded).count();
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

    let mut all_failures = Vec::new();
    for index in 0..batches.len() {
        let p = out
            .join(PROGRESS)
            .join(format!("batch-{index:05}.failures.csv"));
        all_failures.extend(read_failures(&p)?);
    }
    write_failures(&out.join(FAILURES), &all_failures)?;
    for f in all_failures.iter().take(20) {
        eprintln!(
            "genrescope: track {} ({}): {}",
            f.track_id, f.path, f.reason
        );
    }
    if all_failures.len() > 20 {
        eprintln!(
            "genrescope: … and {} more failures",
            all_failures.len() - 20
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} tracks of subset {}: {written} written in {} batches ({resumed} resumed), {} failed \
         (see {}), {padded} padded; {:.1} s, {:.1} tracks/s on {jobs} threads",
        selected.len(),
        args.subset,
        batches.len(),
        all_failures.len(),
        out.join(FAILURES).display(),
        seconds,
        decoded_now as f64 / seconds,
    );
    if written == 0 {
        bail!(
            "no track could be transformed; see {}",
            out.join(FAILURES).display()
        );
    }
    if args.strict && !all_failures.is_empty() {
        eprintln!("genrescope: --strict: {} tracks failed", all_failures.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn check_window(w: &WindowArgs) -> Result<()> {
    if !(w.signal_length.is_finite() && w.signal_length > 0.0) {
        bail!(
            "flag --signal-length must be a positive number of seconds, not {}",
            w.signal_length
        );
    }
    if !(w.offset.is_finite() && w.offset >= 0.0) {
        bail!("flag --offset must be a time >= 0 s, not {}", w.offset);
    }
    if w.sr == 0 {
        bail!("flag --sr must be a positive sample rate");
    }
    Ok(())
}

/// Decodes one track's window; a failure carries the reason for `failures.csv`.
fn load_track(
    track: &CleanTrack,
    root: &Path,
    window: &WindowArgs,
    min_length: f64,
) -> Result<Signal, Failure> {
    let fail = |reason: String| Failure {
        track_id: track.track_id,
        path: track.path.clone(),
        reason,
    };
    let file = root.join(&track.path);
    let bytes = match fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(fail(format!("missing: no file {}", file.display())));
        }
        Err(e) => return Err(fail(format!("unreadable: {e}"))),
    };
    if bytes.is_empty() {
        return Err(fail("empty: the file has 0 bytes".into()));
    }
    let hint = Path::new(&track.path).extension().and_then(|e| e.to_str());
    let decoded = match audio::load_decoded(
        bytes,
        hint,
        window.sr,
        window.offset,
        Some(window.signal_length),
    ) {
        Ok(d) => d,
        Err(genrescope_core::Error::NoAudio(m)) if m.contains("past the end") => {
            return Err(fail(format!("too short: {m}")));
        }
        Err(e @ genrescope_core::Error::Malformed(_)) => {
            return Err(fail(format!("corrupt: {e}")));
        }
        Err(e) => return Err(fail(format!("not audio: {e}"))),
    };
    let got = decoded.samples.len() as f64 / f64::from(window.sr);
    if decoded.bad_packets > 0 {
        return Err(fail(format!(
            "corrupt: {} frames in the window could not be decoded",
            decoded.bad_packets
        )));
    }
    if decoded.truncated {
        return Err(fail(format!(
            "truncated: the stream ends mid-frame {got:.2} s after the offset"
        )));
    }
    if got < min_length {
        return Err(fail(format!(
            "too short: {got:.2} s of audio after the offset, below --min-length {min_length} s"
        )));
    }
    let want = (window.signal_length * f64::from(window.sr)).round() as usize;
    let mut samples = decoded.samples;
    // One sample of rounding between the file's rate and --sr is not a short clip.
    let padded = samples.len() + 1 < want;
    samples.resize(want, 0.0);
    Ok(Signal {
        track_id: track.track_id,
        genre: track.genre.clone(),
        label: track.label,
        sample_rate: window.sr,
        samples,
        padded,
    })
}

fn write_failures(path: &Path, failures: &[Failure]) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::WriterBuilder::new().has_headers(false).from_writer(w);
        csv.write_record(["track_id", "path", "reason"])?;
        for f in failures {
            csv.serialize(f)?;
        }
        csv.flush()?;
        Ok(())
    })
}

fn read_failures(path: &Path) -> Result<Vec<Failure>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    csv::Reader::from_path(path)
        .and_then(|mut r| r.deserialize().collect())
        .with_context(|| format!("cannot read {}", path.display()))
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

pub(crate) fn fnv(ids: impl Iterator<Item = u64>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
