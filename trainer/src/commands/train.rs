//! `genrescope train`: the command line of [`crate::stages::train`].

use std::process::ExitCode;

use anyhow::{Context, Result};
use genrescope_core::Feature;

use crate::cli::{TrainArgs, TrainSettings};
use crate::stages::train::{self, Hyper, Options};

/// `--features`: `all` (every feature the folder holds) or a list.
pub fn features(list: &str) -> Result<Option<Vec<Feature>>> {
    if list.trim() == "all" {
        return Ok(None);
    }
    Ok(Some(Feature::parse_list(list).context("flag --features")?))
}

/// The stage's hyper-parameters from the flags.
pub fn hyper(s: &TrainSettings) -> Hyper {
    Hyper {
        epochs: s.epochs,
        backend: s.backend,
        seed: s.seed,
        batch_size: s.batch_size,
        lr: s.lr,
        weight_decay: s.weight_decay,
        patience: s.patience,
    }
}

pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    let options = Options {
        data: args.data.clone(),
        output: args.output.clone(),
        metadata: args.metadata.clone(),
        features: features(&args.train.features)?,
        hyper: hyper(&args.train),
    };
    let report = train::run(&options)?;
    print(&report, &options);
    Ok(ExitCode::SUCCESS)
}

/// The ensemble's figures and where the bundle is.
pub fn print(report: &train::Report, options: &Options) {
    println!(
        "ensemble of {}: test accuracy {:.3}, macro-F1 {:.3}",
        report.models.len(),
        report.ensemble.test_accuracy,
        report.ensemble.macro_f1
    );
    println!(
        "trained {} model(s) in {:.1} s; bundle in {}",
        report.models.len(),
        report.seconds,
        options.output
    );
}
