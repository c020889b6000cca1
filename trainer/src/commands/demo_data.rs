//! `genrescope demo-data`: the command line of [`crate::stages::demo_data`].

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::DemoDataArgs;
use crate::stages::demo_data::{self, DemoSettings, Options};

pub fn run(args: &DemoDataArgs) -> Result<ExitCode> {
    let options = Options {
        output: args.output.clone(),
        settings: DemoSettings {
            tracks_per_genre: args.tracks_per_genre,
            seed: args.seed,
            clip_seconds: args.clip_seconds,
        },
    };
    let report = demo_data::run(&options)?;
    let s = &options.settings;
    if report.written {
        println!(
            "wrote the demo dataset ({} tracks per genre, seed {}) to {} in {:.1} s",
            s.tracks_per_genre,
            s.seed,
            options.output.display(),
            report.seconds
        );
    } else {
        println!(
            "{} already holds the demo dataset for these settings",
            options.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
