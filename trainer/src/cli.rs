//! Command-line syntax. Meaning (ranges, combinations) is checked by each command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Genrescope: music-genre recognition over the FMA dataset, with librosa-equal features.
#[derive(Debug, Parser)]
#[command(name = "genrescope", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute every feature of one audio file and write them as .npy files.
    Features(FeaturesArgs),
}

/// Where a signal is cut from a track: the seed's flags.
#[derive(Debug, Clone, Args)]
pub struct SignalArgs {
    /// Start of the signal in the track, in seconds.
    #[arg(long, default_value_t = 0.0, value_name = "S")]
    pub offset: f64,
    /// Length of the signal in seconds; the whole track from --offset when absent.
    #[arg(long, value_name = "S")]
    pub signal_length: Option<f64>,
    /// Sample rate the track is resampled to, in Hz.
    #[arg(long, default_value_t = 22_050, value_name = "HZ")]
    pub sr: u32,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// The audio file (MP3, FLAC, OGG/Vorbis or WAV).
    pub input: PathBuf,
    /// The folder to write waveform.npy and one <feature>.npy per feature into.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    #[command(flatten)]
    pub signal: SignalArgs,
    /// `all`, or a comma-separated list of feature names.
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub features: String,
}
