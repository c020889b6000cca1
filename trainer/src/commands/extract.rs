//! `genrescope extract`: the command line of [`crate::stages::extract`].

use std::process::ExitCode;

use anyhow::{Context, Result};
use genrescope_core::Feature;

use crate::cli::ExtractArgs;
use crate::stages::extract::{self, Options};

pub fn run(args: &ExtractArgs) -> Result<ExitCode> {
    let options = Options {
        data: args.data.clone(),
        output: args.output.clone(),
        features: Feature::parse_list(&args.features).context("flag --features")?,
        jobs: args.jobs,
        shard: args.shard,
    };
    let report = extract::run(&options)?;
    print(&report, &options);
    Ok(ExitCode::SUCCESS)
}

/// The summary line.
pub fn print(report: &extract::Report, options: &Options) {
    let out = options.dirs().1;
    if report.already_done {
        println!("{out} already holds these features of these signals");
        return;
    }
    if !report.kept.is_empty() {
        println!(
            "{out} held {} of these signals: kept, the others added",
            report.kept.join(", ")
        );
    }
    println!(
        "{} tracks × {} features written to {out} in {:.1} s ({:.1} tracks/s on {} threads{})",
        report.manifest.rows,
        report.manifest.features.len() - report.kept.len(),
        report.seconds,
        report.computed as f64 / report.seconds,
        report.jobs,
        report
            .resumed_at
            .map(|row| format!(", resumed at track {row}"))
            .unwrap_or_default()
    );
    let failed = &report.manifest.failed;
    if !failed.is_empty() {
        println!(
            "{} track{} failed (their rows are zeros, listed under \"failed\" in {out}/manifest.json; train leaves them out)",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" }
        );
    }
}
