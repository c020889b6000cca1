//! `genrescope tag`: MusiCNN's tags for one audio file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use genrescope_core::musicnn::{PATCH_SECONDS, SR};

use crate::cli::TagArgs;
use crate::tagging::{load_16k, tagger, taggram_json};

pub fn run(args: &TagArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let tagger = tagger(args.model.into())?;
    let y = load_16k(&args.input)?;
    let taggram = tagger.tag(&y)?;
    if args.json {
        return emit(&format!("{}\n", taggram_json(&taggram)));
    }
    let seconds = y.len() as f64 / f64::from(SR);
    let fmt = |tags: &[(&str, f32)]| {
        tags.iter()
            .map(|(t, a)| format!("{t} {a:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    writeln!(
        out,
        "{}: {}, {} patch{} of 3 s, {} ({:.2} s)",
        args.input.display(),
        clock(seconds),
        taggram.patches.len(),
        if taggram.patches.len() == 1 { "" } else { "es" },
        taggram.model.original_name(),
        started.elapsed().as_secs_f64()
    )?;
    writeln!(out, "tags:   {}", fmt(&taggram.top(args.top)))?;
    let genres = taggram.genres();
    writeln!(
        out,
        "genres: {}",
        fmt(&genres[..genres.len().min(args.top)])
    )?;
    writeln!(out, "timeline:")?;
    let tags = taggram.model.tags();
    for (i, patch) in taggram.patches.iter().enumerate() {
        let mut order: Vec<usize> = (0..patch.len()).collect();
        order.sort_by(|&a, &b| patch[b].total_cmp(&patch[a]));
        let top: Vec<(&str, f32)> = order
            .iter()
            .take(args.top.min(3))
            .map(|&t| (tags[t], patch[t]))
            .collect();
        writeln!(out, "  {}  {}", clock(i as f64 * PATCH_SECONDS), fmt(&top))?;
    }
    emit(&out)
}

/// Writes `text` to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `m:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}
