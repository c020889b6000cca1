//! `genrescope generalise`: the command line of [`crate::stages::generalise`].

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::GeneraliseArgs;
use crate::stages::generalise::{self, Options, Report};

pub fn run(args: &GeneraliseArgs) -> Result<ExitCode> {
    let report = generalise::run(&Options {
        metadata_path: args.metadata_path.clone(),
        output: args.output.clone(),
    })?;
    print(&report);
    Ok(ExitCode::SUCCESS)
}

/// The per-genre table and the summary line.
pub fn print(report: &Report) {
    print_table(report, report.without_genre_top, report.tracks);
    println!(
        "{} rows read in {:.1} s: {} kept their genre_top, {} generalised, {} dropped{}; wrote {}",
        report.rows,
        report.seconds,
        report.kept,
        report.generalised,
        report.dropped.values().sum::<usize>(),
        if report.unreadable_rows.is_empty() {
            String::new()
        } else {
            format!(", {} unreadable", report.unreadable_rows.len())
        },
        report.output
    );
}

fn print_table(report: &Report, before_none: usize, after_total: usize) {
    let width = report
        .per_genre
        .keys()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(0)
        .max(16);
    println!("{:width$}  {:>8}  {:>8}", "genre", "before", "after");
    for (genre, (before, after)) in &report.per_genre {
        println!("{genre:width$}  {before:>8}  {after:>8}");
    }
    println!("{:width$}  {before_none:>8}  {:>8}", "(no genre_top)", 0);
    println!(
        "{:width$}  {:>8}  {after_total:>8}",
        "total",
        report.per_genre.values().map(|v| v.0).sum::<usize>() + before_none
    );
}
