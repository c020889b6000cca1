//! `genrescope pipeline`: stages 0–3 on one FMA folder, into one work folder.
//!
//! `<work>/generalised`, `<work>/signals`, `<work>/features`, `<work>/models`. Every stage
//! resumes and skips what is complete (generalise's `report.json` newer than the metadata, transform's
//! finished batches, extract's manifest, train's finished models with equal settings), so a
//! rerun after an interruption, or with more epochs, redoes only what it must.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::{
    ExtractArgs, GeneraliseArgs, PipelineArgs, TrainArgs, TrainSettings, TransformArgs,
};

fn stage(n: usize, name: &str) {
    println!("\n== stage {n}: {name}");
}

fn check(code: ExitCode, what: &str) -> Result<()> {
    if code != ExitCode::SUCCESS {
        bail!("stage {what} failed");
    }
    Ok(())
}

pub fn run(args: &PipelineArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let fma = &args.fma;
    let metadata = fma.join("fma_metadata");
    let audio = fma.join(format!("fma_{}", args.subset));
    for (p, what) in [(&metadata, "metadata"), (&audio, "audio")] {
        if !p.is_dir() {
            bail!(
                "{}: no {what} folder {} (an FMA folder holds fma_metadata/ and fma_{}/)",
                fma.display(),
                p.display(),
                args.subset
            );
        }
    }
    let work = &args.output;
    let generalised = work.join("generalised");
    let signals = work.join("signals");
    let features = work.join("features");
    let models = work.join("models");

    stage(0, "generalise");
    if complete(&generalised, &metadata) {
        println!("{} is complete, skipped", generalised.display());
    } else {
        check(
            super::generalise::run(&GeneraliseArgs {
                metadata_path: metadata,
                output: Some(generalised.clone()),
            })?,
            "0 (generalise)",
        )?;
    }

    stage(1, "transform");
    check(
        super::transform::run(&TransformArgs {
            metadata: generalised.clone(),
            data: audio,
            output: signals.clone(),
            signal: args.signal.clone(),
            min_length: None,
            subset: args.subset.clone(),
            jobs: args.jobs,
            batch_size: 128,
            strict: false,
        })?,
        "1 (transform)",
    )?;

    stage(2, "extract");
    check(
        super::extract::run(&ExtractArgs {
            data: signals,
            output: features.clone(),
            features: args.features.clone(),
            jobs: args.jobs,
        })?,
        "2 (extract)",
    )?;

    stage(3, "train");
    check(
        super::train::run(&TrainArgs {
            data: features,
            output: models.clone(),
            metadata: generalised,
            train: TrainSettings {
                epochs: args.epochs,
                features: args.features.clone(),
                backend: args.backend,
                seed: args.seed,
                batch_size: 16,
                lr: 1e-3,
            },
        })?,
        "3 (train)",
    )?;
    println!(
        "\npipeline done in {:.0} s: bundle and metrics in {}",
        started.elapsed().as_secs_f64(),
        models.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// generalise writes `report.json` after its tables: complete when it is there and newer than
/// the metadata it was made from.
fn complete(generalised: &Path, metadata: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(done) = modified(&generalised.join("report.json")) else {
        return false;
    };
    ["tracks.csv", "genres.csv"]
        .iter()
        .all(|f| modified(&metadata.join(f)).is_some_and(|m| m <= done))
}
