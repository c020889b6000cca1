//! `genrescope features`: the command line of [`crate::stages::features`].

use std::process::ExitCode;

use anyhow::{Context, Result};
use genrescope_core::Feature;
use genrescope_core::audio::DamagePolicy;

use crate::cli::FeaturesArgs;
use crate::stages::features::{self, Options};
use crate::track::damage_warning;

pub fn run(args: &FeaturesArgs) -> Result<ExitCode> {
    let options = Options {
        input: args.input.clone(),
        output: args.output.clone(),
        offset: args.signal.offset,
        signal_length: args.signal.signal_length,
        sr: args.signal.sr,
        features: Feature::parse_list(&args.features).context("flag --features")?,
        policy: if args.strict {
            DamagePolicy::Refuse
        } else {
            DamagePolicy::Analyse
        },
    };
    let report = features::run(&options)?;
    let input = args.input.display();
    if !report.damage.is_none() {
        let file = input.to_string();
        eprintln!("{}", damage_warning(&file, &report.damage, "analysed"));
    }
    eprintln!(
        "{input}: {:.2} s of audio, {} features written to {} (decode {:.0} ms, features {:.0} ms)",
        report.samples as f64 / f64::from(options.sr),
        report.features,
        args.output.display(),
        report.decode_seconds * 1e3,
        report.feature_seconds * 1e3
    );
    Ok(ExitCode::SUCCESS)
}
