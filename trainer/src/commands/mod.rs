//! One module per subcommand.

mod artifacts;
mod demo_data;
pub mod extract;
pub mod features;
mod generalise;
mod pipeline;
mod tag;
pub mod train;
mod transform;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generalise(args) => generalise::run(&args),
        Command::Transform(args) => transform::run(&args),
        Command::DemoData(args) => demo_data::run(&args),
        Command::Extract(args) => extract::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Pipeline(args) => pipeline::run(&args),
        Command::Features(args) => features::run(&args),
        Command::Artifacts(args) => artifacts::run(&args),
        Command::Tag(args) => tag::run(&args),
    }
}
