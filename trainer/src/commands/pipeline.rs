//! `genrescope pipeline`: the command line of [`crate::stages::pipeline`]; each stage's report
//! is printed as that stage's command prints it.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::PipelineArgs;
use crate::stages::pipeline::{self, Options, Step};
use crate::stages::train::Hyper;

pub fn run(args: &PipelineArgs) -> Result<ExitCode> {
    let options = Options {
        fma: args.fma.clone(),
        output: args.output.clone(),
        subset: args.subset.clone(),
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
