//! `genrescope transform`: the command line of [`crate::stages::transform`].

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::TransformArgs;
use crate::stages::transform::{self, FAILURES, Options};

pub fn run(args: &TransformArgs) -> Result<ExitCode> {
    let options = Options {
        metadata: args.metadata.clone(),
        data: args.data.clone(),
        output: args.output.clone(),
        window: args.signal.window(),
        min_length: args.min_length,
        subset: args.subset.clone(),
        jobs: args.jobs,
        batch_size: args.batch_size,
        shard: args.shard,
    };
    let report = transform::run(&options)?;
    print(&report, &options);
    if args.strict && !report.failures.is_empty() {
        eprintln!(
            "genrescope: --strict: {} tracks failed",
            report.failures.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The failures (the first 20) and the summary line.
pub fn print(report: &transform::Report, options: &Options) {
    for f in report.failures.iter().take(20) {
        eprintln!(
            "genrescope: track {} ({}): {}",
            f.track_id, f.path, f.reason
        );
    }
    if report.failures.len() > 20 {
        eprintln!(
            "genrescope: … and {} more failures",
            report.failures.len() - 20
        );
    }
    println!(
        "{} tracks of subset {}: {} written in {} batches ({} resumed), {} failed \
         (see {}), {} padded; {:.1} s, {:.1} tracks/s on {} threads",
        report.tracks,
        options.subset,
        report.written,
        report.batches,
        report.resumed,
        report.failures.len(),
        options.output_dir().join(FAILURES),
        report.padded,
        report.seconds,
        report.decoded as f64 / report.seconds,
        report.jobs,
    );
}
