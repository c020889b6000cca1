//! `genrescope tag`: MusiCNN's tags for audio files, one or a whole dataset.
//!
//! Files are tagged `--jobs` at a time (each file's patches shared by the cores as well);
//! results go to stdout (text, or JSON Lines with `--json`) or to a resumable `-o` file (see
//! [`sink`]). A file that fails is one line on stderr and one row of
//! `<name>.failures.csv`; the run goes on.

mod inputs;
mod sink;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::musicnn::net::Tagger;
use genrescope_core::musicnn::{PATCH_SECONDS, SR};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::TagArgs;
use crate::tagging::{load_16k, tagger};
use sink::{Output, Tagged};

pub fn run(args: &TagArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let files = inputs::collect(&args.inputs)?;
    let model = args.model.into();
    let (mut output, done) = match &args.output {
        Some(path) if args.json && !is_jsonl(path) => {
            bail!(
                "flag --json writes JSON Lines; --output {} is not .jsonl",
                path.display()
            )
        }
        Some(path) => {
            let (o, done) = Output::open(path, model)?;
            (Some(o), done)
        }
        None => (None, HashSet::new()),
    };
    let todo: Vec<&Path> = files
        .iter()
        .map(|f| f.as_path())
        .filter(|f| !done.contains(&f.display().to_string()))
        .collect();
    let resumed = files.len() - todo.len();
    let tagger = tagger(model)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("cannot start the worker threads")?;

    let one_file = files.len() == 1 && args.output.is_none();
    let bar = progress_bar(todo.len() as u64, one_file);
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut tagged = 0usize;
    let (tx, rx) = mpsc::sync_channel::<(String, Result<Tagged, String>, f64)>(2 * jobs);
    let stop = AtomicBool::new(false);
    let written: Result<()> = std::thread::scope(|s| {
        s.spawn(|| {
            pool.install(|| {
                todo.par_iter().for_each_with(tx, |tx, path| {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let t = Instant::now();
                    let result = tag_file(&tagger, path);
                    let _ = tx.send((
                        path.display().to_string(),
                        result,
                        t.elapsed().as_secs_f64(),
                    ));
                });
            });
        });
        let result = (|| {
            for (path, result, seconds) in rx {
                bar.inc(1);
                match result {
                    Ok(t) => {
                        tagged += 1;
                        match &mut output {
                            Some(o) => o.write(t)?,
                            None => bar.suspend(|| print_result(&t, args, seconds, one_file))?,
                        }
                    }
                    Err(reason) => {
                        bar.suspend(|| eprintln!("genrescope: {path}: {reason}"));
                        failures.push((path, reason));
                    }
                }
            }
            Ok(())
        })();
        if result.is_err() {
            // The output cannot take more: stop tagging what nobody will keep.
            stop.store(true, Ordering::Relaxed);
        }
        result
    });
    bar.finish_and_clear();
    written?;
    if let (Some(output), Some(path)) = (output, &args.output) {
        output.finish()?;
        sink::write_failures(&sink::failures_path(path), &failures)?;
    }
    if !one_file {
        summary(args, files.len(), resumed, tagged, failures.len(), started);
    }
    Ok(if tagged + resumed == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json"))
}

/// Decodes and tags one file; the error is the reason, without the path.
fn tag_file(tagger: &Tagger, path: &Path) -> Result<Tagged, String> {
    // A decoder that panics on a hostile file costs that file, not the batch.
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Tagged> {
        let y = load_16k(path)?;
        if y.is_empty() {
            bail!("no audio: the file decodes to 0 samples");
        }
        let taggram = tagger.tag(&y)?;
        Ok(Tagged {
            path: path.display().to_string(),
            seconds: y.len() as f64 / f64::from(SR),
            taggram,
        })
    }));
    match result {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(reason(&e, path)),
        Err(panic) => Err(format!(
            "internal error while decoding: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        )),
    }
}

/// The error's chain without the path it may begin with (the line names it already).
fn reason(e: &anyhow::Error, path: &Path) -> String {
    let text = format!("{e:#}");
    let prefix = format!("{}: ", path.display());
    text.strip_prefix(&prefix).unwrap_or(&text).to_owned()
}

/// One file's result on stdout: a JSON Lines record or the text report.
fn print_result(t: &Tagged, args: &TagArgs, seconds: f64, one_file: bool) -> Result<()> {
    let text = if args.json {
        format!("{}\n", sink::record(t))
    } else if one_file {
        report(t, args.top, seconds)?
    } else {
        // A blank line between files.
        format!("{}\n", report(t, args.top, seconds)?)
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A reader that went away (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The text report: the file, its length and patches, top tags and genres, a timeline.
fn report(t: &Tagged, top: usize, seconds: f64) -> Result<String> {
    let taggram = &t.taggram;
    let fmt = |tags: &[(&str, f32)]| {
        tags.iter()
            .map(|(t, a)| format!("{t} {a:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    writeln!(
        out,
        "{}: {}, {} patch{} of 3 s, {} ({seconds:.2} s)",
        t.path,
        clock(t.seconds),
        taggram.patches.len(),
        if taggram.patches.len() == 1 { "" } else { "es" },
        taggram.model.original_name(),
    )?;
    writeln!(out, "tags:   {}", fmt(&taggram.top(top)))?;
    let genres = taggram.genres();
    writeln!(out, "genres: {}", fmt(&genres[..genres.len().min(top)]))?;
    writeln!(out, "timeline:")?;
    let tags = taggram.model.tags();
    for (i, patch) in taggram.patches.iter().enumerate() {
        let mut order: Vec<usize> = (0..patch.len()).collect();
        order.sort_by(|&a, &b| patch[b].total_cmp(&patch[a]));
        let best: Vec<(&str, f32)> = order
            .iter()
            .take(top.min(3))
            .map(|&t| (tags[t], patch[t]))
            .collect();
        writeln!(out, "  {}  {}", clock(i as f64 * PATCH_SECONDS), fmt(&best))?;
    }
    Ok(out)
}

fn summary(
    args: &TagArgs,
    files: usize,
    resumed: usize,
    tagged: usize,
    failed: usize,
    started: Instant,
) {
    let seconds = started.elapsed().as_secs_f64();
    let failures = match (&args.output, failed) {
        (Some(path), 1..) => format!(" (see {})", sink::failures_path(path).display()),
        _ => String::new(),
    };
    eprintln!(
        "{files} files: {tagged} tagged, {resumed} already done, {failed} failed{failures}; \
         {seconds:.1} s, {:.1} files/s",
        tagged as f64 / seconds
    );
}

fn progress_bar(total: u64, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files, {per_sec}, ETA {eta}",
        )
        .expect("a valid template"),
    );
    bar
}

/// `m:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}
