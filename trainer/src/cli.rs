//! Command-line syntax. Meaning (ranges, combinations) is checked by each command.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

pub use crate::device::Backend;
use crate::location::Location;
use crate::shard::Shard;
use crate::stages::SignalWindow;
use crate::stages::demo_data::DemoSettings;
use crate::stages::train::Hyper;
use crate::stages::transform;

/// Genrescope: music-genre recognition over the FMA dataset, with librosa-equal features.
#[derive(Debug, Parser)]
#[command(name = "genrescope", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stage 0: clean FMA's metadata and give every track a top-level genre.
    Generalise(GeneraliseArgs),
    /// Stage 1: decode every track and write fixed-length signals as Parquet batches.
    Transform(TransformArgs),
    /// Write a small FMA-shaped dataset of synthesised music (metadata and real MP3s).
    DemoData(DemoDataArgs),
    /// Stage 2: compute features of every signal and write one .npy per feature.
    Extract(ExtractArgs),
    /// Stage 3: train one burn model per feature, score it and the ensemble, write the bundle.
    Train(TrainArgs),
    /// Stages 0–3 end to end on an FMA folder, skipping stages whose outputs are complete.
    Pipeline(PipelineArgs),
    /// Compute every feature of one audio file and write them as .npy files.
    Features(FeaturesArgs),
    /// Stage 4: everything about one track: its signal, every feature, plots, predictions, a video.
    Artifacts(ArtifactsArgs),
    /// Tag one audio file with the pretrained MusiCNN (50 tags per 3 s patch, no training needed).
    Tag(TagArgs),
    /// MusiCNN's embedding of audio files: the penultimate layer per 3 s patch, pooled.
    Embed(EmbedArgs),
}

impl Command {
    /// The subcommand's name, as typed: the stage an error line names.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Generalise(_) => "generalise",
            Command::Transform(_) => "transform",
            Command::DemoData(_) => "demo-data",
            Command::Extract(_) => "extract",
            Command::Train(_) => "train",
            Command::Pipeline(_) => "pipeline",
            Command::Features(_) => "features",
            Command::Artifacts(_) => "artifacts",
            Command::Tag(_) => "tag",
            Command::Embed(_) => "embed",
        }
    }
}

/// A MusiCNN model, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagModelArg {
    /// `MSD_musicnn`: Million Song Dataset tags (rock, pop, jazz, Hip-Hop, …).
    Msd,
    /// `MTT_musicnn`: MagnaTagATune tags (classical, techno, guitar, …).
    Mtt,
}

impl From<TagModelArg> for genrescope_core::musicnn::TagModel {
    fn from(m: TagModelArg) -> Self {
        match m {
            TagModelArg::Msd => genrescope_core::musicnn::TagModel::Msd,
            TagModelArg::Mtt => genrescope_core::musicnn::TagModel::Mtt,
        }
    }
}

#[derive(Debug, Args)]
pub struct TagArgs {
    #[command(flatten)]
    pub files: FileBatch,
    /// How many tags (and genres) to print.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct EmbedArgs {
    #[command(flatten)]
    pub files: FileBatch,
}

/// The files `tag` and `embed` run MusiCNN over, and where the results go.
#[derive(Debug, Args)]
pub struct FileBatch {
    /// Audio files (MP3, FLAC, OGG/Vorbis or WAV) and folders, searched recursively for
    /// them (paths, or object-store URLs: an object, or a prefix); each whole file is analysed.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<Location>,
    /// Which pretrained model.
    #[arg(long, value_enum, default_value_t = TagModelArg::Msd)]
    pub model: TagModelArg,
    /// Print one JSON object per file (JSON Lines): `tag`: path, model, tags, patches (50
    /// activations per 3 s patch), mean; `embed`: path, model, patches (the 200 values of the
    /// penultimate layer per 3 s patch), mean, std, tags_mean.
    #[arg(long)]
    pub json: bool,
    /// Write the results to a file instead, resumable: `.parquet` (path, model, seconds and
    /// the JSON's arrays as columns) or `.jsonl`. Files that fail are listed in
    /// `<name>.failures.csv` beside it (a path or an object-store URL).
    #[arg(short, long, value_name = "FILE|URL")]
    pub output: Option<Location>,
    /// Files analysed at once [default: every core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Refuse damaged files (corrupt frames, cut off mid-frame) instead of analysing what
    /// decoded with a warning.
    #[arg(long)]
    pub strict: bool,
    /// Analyse only shard I of N of the files found; with -o, into
    /// `<name>.shard-I-of-N.<ext>` beside it.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

/// How stage 3 trains: the seed's flags.
#[derive(Debug, Clone, Args)]
pub struct TrainSettings {
    /// Epochs per model; the epoch with the best validation accuracy is kept.
    #[arg(short, long, value_name = "N")]
    pub epochs: usize,
    /// `all` (every feature the folder holds), or a comma-separated list of feature names: one
    /// model each (`musicnn`: a small head on MusiCNN's embedding).
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub features: String,
    /// The burn backend.
    #[arg(long, value_enum, default_value_t = Hyper::default().backend)]
    pub backend: Backend,
    /// Seed of the weights, the shuffling and (without FMA's split) the split.
    #[arg(long, default_value_t = Hyper::default().seed, value_name = "S")]
    pub seed: u64,
    /// Examples per training step.
    #[arg(long, default_value_t = Hyper::default().batch_size, value_name = "B")]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = Hyper::default().lr, value_name = "X")]
    pub lr: f64,
    /// Adam's weight decay.
    #[arg(long, default_value_t = Hyper::default().weight_decay, value_name = "X")]
    pub weight_decay: f64,
    /// Early stopping: stop a model after this many epochs without a better validation epoch
    /// (0: run every epoch).
    #[arg(long, default_value_t = Hyper::default().patience, value_name = "N")]
    pub patience: usize,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The features folder `genrescope extract` wrote, or a folder of its shards (a path or
    /// an object-store URL).
    #[arg(short = 'd', long, value_name = "DIR|URL")]
    pub data: Location,
    /// The models folder: the bundle (manifest.json, <feature>.bpk), metrics.json, logs, plots.
    #[arg(short, long, value_name = "DIR|URL")]
    pub output: Location,
    /// The cleaned metadata (`genrescope generalise`'s folder or its tracks.parquet/.csv):
    /// FMA's split when it has one.
    #[arg(short, long, value_name = "PATH|URL")]
    pub metadata: Location,
    #[command(flatten)]
    pub train: TrainSettings,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("music").required(true).args(["fma", "folders"])))]
pub struct PipelineArgs {
    /// An FMA folder holding `fma_metadata/` and the audio (`fma_small/`, or the --subset's);
    /// a path or an object-store URL.
    #[arg(long, value_name = "DIR|URL")]
    pub fma: Option<Location>,
    /// Your own music instead: every subfolder of DIR is a genre (its name), every audio file
    /// in it (MP3, FLAC, OGG/Vorbis, WAV; searched recursively) a track. The split is a
    /// stratified 80/10/10 drawn from --seed.
    #[arg(long, value_name = "DIR")]
    pub folders: Option<PathBuf>,
    /// The work folder: generalised/, signals/, features/, models/.
    #[arg(short, long, value_name = "DIR|URL")]
    pub output: Location,
    /// Epochs per model.
    #[arg(short, long, default_value_t = Hyper::default().epochs, value_name = "N")]
    pub epochs: usize,
    /// `all` (the 16 librosa features), or a comma-separated list of feature names to extract
    /// and train, `all` among them if you like: `musicnn` and `musicnn_mtt` are MusiCNN's
    /// pretrained embeddings, on which a small head trains in minutes (`all,musicnn`).
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub features: String,
    /// The FMA download the audio folder holds: small, medium, large or full.
    #[arg(
        long,
        default_value = "small",
        value_name = "NAME",
        conflicts_with = "folders"
    )]
    pub subset: String,
    #[command(flatten)]
    pub signal: WindowArgs,
    /// The burn backend.
    #[arg(long, value_enum, default_value_t = Hyper::default().backend)]
    pub backend: Backend,
    /// Seed of the weights, the shuffling and (without FMA's split) the split.
    #[arg(long, default_value_t = Hyper::default().seed, value_name = "S")]
    pub seed: u64,
    /// Worker threads for transform and extract [default: every core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The signals folder `genrescope transform` wrote (a path or an object-store URL).
    #[arg(short = 'd', long, value_name = "DIR|URL")]
    pub data: Location,
    /// Where to write <feature>.npy, labels.npy, track_ids.npy, classes.json, manifest.json.
    #[arg(short, long, value_name = "DIR|URL")]
    pub output: Location,
    /// `all` (the 16 librosa features), or a comma-separated list of feature names, `all`
    /// among them if you like: `musicnn` and `musicnn_mtt` are MusiCNN's pretrained embeddings
    /// (`all,musicnn`).
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub features: String,
    /// Worker threads [default: every core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Extract only shard I of N: `<data>/shard-I-of-N/` (transform's) into
    /// `<output>/shard-I-of-N/`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

#[derive(Debug, Args)]
pub struct GeneraliseArgs {
    /// FMA's `fma_metadata` folder, holding tracks.csv and genres.csv (a path or an
    /// object-store URL).
    #[arg(long, value_name = "DIR|URL")]
    pub metadata_path: Location,
    /// Where to write tracks.parquet, tracks.csv, classes.json and report.json
    /// [default: `generalised` beside a local metadata folder].
    #[arg(short, long, value_name = "DIR|URL")]
    pub output: Option<Location>,
}

#[derive(Debug, Args)]
pub struct TransformArgs {
    /// The folder `genrescope generalise` wrote, or the tracks.parquet/tracks.csv in it (a
    /// path or an object-store URL, as every location).
    #[arg(short, long, value_name = "PATH|URL")]
    pub metadata: Location,
    /// The audio root holding FMA's `000/000002.mp3` layout (e.g. `fma_small`, or
    /// `s3://bucket/fma_small`).
    #[arg(short = 'd', long, value_name = "DIR|URL")]
    pub data: Location,
    /// Where to write the Parquet batches, failures.csv and transform.json.
    #[arg(short, long, value_name = "DIR|URL")]
    pub output: Location,
    #[command(flatten)]
    pub signal: WindowArgs,
    /// Shortest audio (seconds after --offset) worth keeping: shorter clips are failures,
    /// longer ones shorter than --signal-length are padded with zeros and flagged
    /// [default: half of --signal-length].
    #[arg(long, value_name = "S")]
    pub min_length: Option<f64>,
    /// The FMA download the audio root holds: small, medium, large or full (each holds the
    /// smaller ones).
    #[arg(long, default_value = "small", value_name = "NAME")]
    pub subset: String,
    /// Worker threads [default: every core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Tracks per Parquet file.
    #[arg(long, default_value_t = transform::DEFAULT_BATCH_SIZE, value_name = "K")]
    pub batch_size: usize,
    /// Exit non-zero when any track fails.
    #[arg(long)]
    pub strict: bool,
    /// Transform only shard I of N (`$SLURM_ARRAY_TASK_ID/N`, N given, not the array's task
    /// count: a resubmitted task would be `0/1`), into `<output>/shard-I-of-N/`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

/// The fixed-length window the pipeline cuts from every track: the seed's flags.
#[derive(Debug, Clone, Args)]
pub struct WindowArgs {
    /// Start of the signal in the track, in seconds.
    #[arg(long, default_value_t = SignalWindow::default().offset, value_name = "S")]
    pub offset: f64,
    /// Length of the signal in seconds.
    #[arg(long, default_value_t = SignalWindow::default().signal_length, value_name = "S")]
    pub signal_length: f64,
    /// Sample rate the tracks are resampled to, in Hz.
    #[arg(long, default_value_t = SignalWindow::default().sr, value_name = "HZ")]
    pub sr: u32,
}

impl WindowArgs {
    /// The stages' window.
    pub fn window(&self) -> SignalWindow {
        SignalWindow {
            offset: self.offset,
            signal_length: self.signal_length,
            sr: self.sr,
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoDataArgs {
    /// Where to write fma_metadata/ and fma_small/.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Tracks of each genre.
    #[arg(long, default_value_t = DemoSettings::default().tracks_per_genre, value_name = "N")]
    pub tracks_per_genre: usize,
    /// Seed of every random choice: the same seed writes the same files.
    #[arg(long, default_value_t = DemoSettings::default().seed, value_name = "S")]
    pub seed: u64,
    /// Length of each clip in seconds (FMA's clips are 30 s).
    #[arg(long, default_value_t = DemoSettings::default().clip_seconds, value_name = "S")]
    pub clip_seconds: f32,
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
    /// `all` (the 16 librosa features), or a comma-separated list of feature names, `all`
    /// among them if you like: `musicnn` and `musicnn_mtt` are MusiCNN's pretrained embeddings
    /// (`all,musicnn`).
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub features: String,
    /// Refuse a damaged file (corrupt frames, cut off mid-frame) instead of analysing what
    /// decoded with a warning.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("track").required(true).args(["song_id", "input"])))]
pub struct ArtifactsArgs {
    /// FMA's `track_id` of the track, found through --metadata under --server-data.
    #[arg(long, value_name = "ID", requires_all = ["metadata", "server_data"])]
    pub song_id: Option<u64>,
    /// The cleaned metadata (`genrescope generalise`'s folder or its tracks.parquet/.csv).
    #[arg(short, long, value_name = "PATH|URL")]
    pub metadata: Option<Location>,
    /// The audio root holding FMA's `000/000002.mp3` layout.
    #[arg(long, value_name = "DIR|URL")]
    pub server_data: Option<Location>,
    /// An audio file (MP3, FLAC, OGG/Vorbis or WAV), instead of --song-id.
    #[arg(short, long, value_name = "FILE|URL")]
    pub input: Option<Location>,
    /// Where to write the artifacts.
    #[arg(short, long, value_name = "DIR|URL")]
    pub output: Location,
    /// A model bundle (`genrescope train`'s models folder): predictions.json, a bar chart and,
    /// for tracks longer than the bundle's signal, a genre timeline; also tags.json, the
    /// pretrained MusiCNN's tags of the whole track (`genrescope tag --json` of both models).
    #[arg(long, value_name = "DIR|URL")]
    pub models: Option<Location>,
    /// Also write one <feature>.npy per feature (as `genrescope features` does).
    #[arg(long)]
    pub generate_features: bool,
    /// Also write video.mp4: the mel spectrogram with a moving playhead and the audio (ffmpeg).
    #[arg(long)]
    pub generate_video: bool,
    /// Hop between frames in samples (librosa's `hop_length`).
    #[arg(long, default_value_t = 512, value_name = "N")]
    pub hop_size: usize,
    /// Length of the analysed signal in seconds.
    #[arg(long, default_value_t = 14.0, value_name = "S")]
    pub signal_length: f64,
    /// Start of the analysed signal in the track, in seconds.
    #[arg(long, default_value_t = 0.0, value_name = "S")]
    pub offset: f64,
    /// Zero-pad a track shorter than --offset + --signal-length instead of refusing it.
    #[arg(long)]
    pub pad: bool,
    /// Refuse a damaged file (corrupt frames, cut off mid-frame) instead of analysing what
    /// decoded with a warning.
    #[arg(long)]
    pub strict: bool,
    /// Sample rate the track is resampled to, in Hz.
    #[arg(long, default_value_t = 22_050, value_name = "HZ")]
    pub sr: u32,
}
