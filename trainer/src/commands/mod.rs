//! The command line's side of each stage: clap's arguments mapped to the stage's `Options`,
//! its report printed, the exit code chosen. The work is in [`crate::stages`].

mod artifacts;
mod demo_data;
mod extract;
mod features;
mod generalise;
mod pipeline;
mod tag;
mod train;
mod transform;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::stages::tag::Product;

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
        Command::Tag(args) => tag::run(&args.files, Product::Tags, args.top),
        Command::Embed(args) => tag::run(&args.files, Product::Embedding, 5),
    }
}
