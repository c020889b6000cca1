//! `genrescope pipeline`: the command line of [`crate::stages::pipeline`]; each stage's report
//! is printed as that stage's command prints it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::PipelineArgs;
use crate::stages::folders;
use crate::stages::pipeline::{self, Options, Source, Step};
use crate::stages::train::Hyper;

pub fn run(args: &PipelineArgs) -> Result<ExitCode> {
    let source = match (&args.fma, &args.folders) {
        (Some(root), _) => Source::Fma {
            root: root.clone(),
            subset: args.subset.clone(),
        },
        (None, Some(dir)) => Source::Folders(dir.clone()),
        (None, None) => unreachable!("clap requires --fma or --folders"),
    };
    let options = Options {
        source,
        output: args.output.clone(),
        window: args.signal.window(),
        features: super::train::features(&args.features)?,
        hyper: Hyper {
            epochs: args.epochs,
            backend: args.backend,
            seed: args.seed,
            ..Hyper::default()
        },
        jobs: args.jobs,
    };
    let report = pipeline::run(&options, &mut |step| match step {
        Step::Stage(n, name) => println!("\n== stage {n}: {name}"),
        Step::Skipped(dir) => println!("{dir} is complete, skipped"),
        Step::Generalised(r) => super::generalise::print(r),
        Step::Catalogued(r) => print_folders(r),
        Step::Transformed(r, o) => super::transform::print(r, o),
        Step::Extracted(r, o) => super::extract::print(r, o),
        Step::Trained(r, o) => super::train::print(r, o),
    })?;
    println!(
        "\npipeline done in {:.0} s: bundle and metrics in {}",
        report.seconds, report.models
    );
    Ok(ExitCode::SUCCESS)
}

/// Stage 0's report for genre folders: the genres and their tracks, what was left out.
fn print_folders(r: &folders::Report) {
    let genres: Vec<String> = r
        .per_genre
        .iter()
        .map(|(g, n)| format!("{g} {n}"))
        .collect();
    println!(
        "{}: {} tracks in {} genres ({}); table in {}",
        r.root,
        r.tracks,
        r.per_genre.len(),
        genres.join(", "),
        r.output
    );
    if !r.outside_genres.is_empty() {
        eprintln!(
            "genrescope: warning: {}: {} audio file{} in no genre folder, left out: {}",
            r.root,
            r.outside_genres.len(),
            if r.outside_genres.len() == 1 { "" } else { "s" },
            r.outside_genres.join(", ")
        );
    }
    for g in &r.empty_genres {
        eprintln!(
            "genrescope: warning: {}/{g}: no audio files, not a genre",
            r.root
        );
    }
}
