//! `genrescope demo-data`: writes the built-in FMA-shaped demo dataset (see
//! [`crate::demo::dataset`]).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::DemoDataArgs;
use crate::demo::dataset::{self, DemoSettings};

pub fn run(args: &DemoDataArgs) -> Result<ExitCode> {
    if args.tracks_per_genre == 0 {
        bail!("flag --tracks-per-genre must be at least 1");
    }
    if !(args.clip_seconds.is_finite() && (1.0..=600.0).contains(&args.clip_seconds)) {
        bail!(
            "flag --clip-seconds must be between 1 and 600, not {}",
            args.clip_seconds
        );
    }
    let settings = DemoSettings {
        tracks_per_genre: args.tracks_per_genre,
        seed: args.seed,
        clip_seconds: args.clip_seconds,
    };
    let started = Instant::now();
    if dataset::write(&args.output, &settings)? {
        println!(
            "wrote the demo dataset ({} tracks per genre, seed {}) to {} in {:.1} s",
            settings.tracks_per_genre,
            settings.seed,
            args.output.display(),
            started.elapsed().as_secs_f64()
        );
    } else {
        println!(
            "{} already holds the demo dataset for these settings",
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
