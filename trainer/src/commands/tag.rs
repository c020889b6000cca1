//! `genrescope tag` and `genrescope embed`: the command line of [`crate::stages::tag`]:
//! results as text or JSON Lines on stdout, or into a resumable file; failures and damage on
//! stderr.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use genrescope_core::audio::DamagePolicy;
use genrescope_core::musicnn::PATCH_SECONDS;

use crate::cli::FileBatch;
use crate::stages::tag::sink::{self, Tagged};
use crate::stages::tag::{self, Observer, Options, Product};
use crate::track::damage_warning;

/// Runs `tag` (`Product::Tags`, printing the `top` tags) or `embed`.
pub fn run(args: &FileBatch, product: Product, top: usize) -> Result<ExitCode> {
    if let Some(path) = &args.output
        && args.json
        && !is_jsonl(Path::new(&path.file_name()))
    {
        bail!("flag --json writes JSON Lines; --output {path} is not .jsonl");
    }
    let options = Options {
        inputs: args.inputs.clone(),
        model: args.model.into(),
        product,
        output: args.output.clone(),
        jobs: args.jobs,
        policy: if args.strict {
            DamagePolicy::Refuse
        } else {
            DamagePolicy::Analyse
        },
        shard: args.shard,
    };
    let mut printer = Printer {
        args,
        top,
        one_file: false,
    };
    let report = tag::run(&options, &mut printer)?;
    if !printer.one_file {
        summary(&options, &report);
    }
    Ok(if report.tagged + report.resumed == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

struct Printer<'a> {
    args: &'a FileBatch,
    top: usize,
    one_file: bool,
}

impl Observer for Printer<'_> {
    fn started(&mut self, files: usize) {
        // One file, printed: the full report, without a progress summary.
        self.one_file = files == 1 && self.args.output.is_none();
    }

    fn tagged(&mut self, t: &Tagged, seconds: f64) -> Result<()> {
        print_result(t, self, seconds)
    }

    fn failed(&mut self, path: &str, reason: &str) {
        eprintln!("genrescope: {path}: {reason}");
    }

    fn damaged(&mut self, t: &Tagged) {
        eprintln!("{}", damage_warning(&t.path, &t.damage, "tagged"));
    }
}

/// One file's result on stdout: a JSON Lines record or the text report.
fn print_result(t: &Tagged, printer: &Printer, seconds: f64) -> Result<()> {
    let text = if printer.args.json {
        format!("{}\n", sink::record(t))
    } else if printer.one_file {
        report(t, printer.top, seconds)?
    } else {
        // A blank line between files.
        format!("{}\n", report(t, printer.top, seconds)?)
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
    if let Some(e) = &t.embedding {
        writeln!(
            out,
            "embedding: {} values per patch; mean, std and tags' mean pooled ({} values; --json or -o writes them)",
            e.mean.len(),
            e.feature_values().len()
        )?;
    }
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

fn summary(options: &Options, report: &tag::Report) {
    let failed = report.failures.len();
    let failures = match (&options.output_file(), failed) {
        (Some(out), 1..) => {
            let local = sink::failures_path(Path::new(&out.file_name()));
            let name = local.file_name().unwrap_or_default().to_string_lossy();
            format!(" (see {})", out.sibling(&name))
        }
        _ => String::new(),
    };
    let done = match options.product {
        Product::Tags => "tagged",
        Product::Embedding => "embedded",
    };
    eprintln!(
        "{} files: {} {done}, {} already done, {failed} failed{failures}; {:.1} s, {:.1} files/s",
        report.files,
        report.tagged,
        report.resumed,
        report.seconds,
        report.tagged as f64 / report.seconds
    );
}

/// `m:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json"))
}
