//! `genrescope artifacts`: the command line of [`crate::stages::artifacts`].

use std::process::ExitCode;

use anyhow::{Result, bail};
use genrescope_core::audio::DamagePolicy;

use crate::cli::ArtifactsArgs;
use crate::stages::artifacts::{self, Options, Source};
use crate::track::damage_warning;

pub fn run(args: &ArtifactsArgs) -> Result<ExitCode> {
    let source = match (&args.input, args.song_id, &args.metadata, &args.server_data) {
        (Some(input), ..) => Source::File(input.clone()),
        (None, Some(track_id), Some(metadata), Some(server_data)) => Source::Fma {
            track_id,
            metadata: metadata.clone(),
            server_data: server_data.clone(),
        },
        _ => bail!("give --input FILE, or --song-id ID with --metadata and --server-data"),
    };
    let options = Options {
        source,
        output: args.output.clone(),
        models: args.models.clone(),
        generate_features: args.generate_features,
        generate_video: args.generate_video,
        hop_size: args.hop_size,
        signal_length: args.signal_length,
        offset: args.offset,
        pad: args.pad,
        sr: args.sr,
        policy: if args.strict {
            DamagePolicy::Refuse
        } else {
            DamagePolicy::Analyse
        },
    };
    let report = artifacts::run(&options)?;
    if !report.damage.is_none() {
        let path = report.path.display().to_string();
        eprintln!("{}", damage_warning(&path, &report.damage, "analysed"));
    }
    eprintln!(
        "{}: {:.2} s analysed{}; {} files written to {}{}",
        report.path.display(),
        report.seconds,
        if report.padded { " (zero-padded)" } else { "" },
        report.files,
        args.output,
        report
            .top_genre
            .map(|g| format!("; predicted genre: {g}"))
            .unwrap_or_default(),
    );
    Ok(ExitCode::SUCCESS)
}
