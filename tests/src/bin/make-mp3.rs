//! Writes the browser tests' fixtures: a music-like MP3 encoded by LAME, an hour-long MP3 (its
//! audio frames repeated), a corrupt file and `fixtures.json` describing them.
//!
//! ```text
//! make-mp3 <out-dir> [--seconds 16] [--seed 1]
//! ```

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use genrescope::demo::{mp3, synth};
use serde::Serialize;

/// Sample rate of the MP3 fixture, the most common one for MP3s.
const SAMPLE_RATE: u32 = 44_100;
/// Bytes of the corrupt fixture.
const CORRUPT_BYTES: usize = 24 * 1024;
/// Least length of the long fixture, in seconds: an hour, six times what the page analyses.
const LONG_SECONDS: f64 = 3600.0;

#[derive(Parser)]
#[command(about = "Write the MP3 and corrupt-file fixtures for the browser tests")]
struct Args {
    /// Folder to write `fixture.mp3`, `corrupt.mp3` and `fixtures.json` into.
    out_dir: PathBuf,
    /// Length of the MP3 in seconds. The default is longer than the demo bundle's 14 s window,
    /// so the page's timeline has two windows.
    #[arg(long, default_value_t = 16.0)]
    seconds: f32,
    /// Seed of the noise in the drums and of the corrupt file's bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// What the tests know about each fixture.
#[derive(Serialize)]
struct Manifest {
    mp3: Mp3Fixture,
    long: LongFixture,
    corrupt: CorruptFixture,
}

#[derive(Serialize)]
struct LongFixture {
    path: PathBuf,
    bytes: usize,
    /// Its length (without the encoder delay a decoder adds at the start).
    seconds: f64,
}

#[derive(Serialize)]
struct Mp3Fixture {
    path: PathBuf,
    bytes: usize,
    seconds: f64,
    samples_per_channel: usize,
    sample_rate: u32,
    channels: usize,
    encoder: String,
}

#[derive(Serialize)]
struct CorruptFixture {
    path: PathBuf,
    bytes: usize,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make-mp3: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let out_dir = fs::canonicalize(&args.out_dir)?;

    let audio = synth::music(args.seconds, SAMPLE_RATE, args.seed);
    let encoded = mp3::encode(&audio)?;
    let info = mp3::lame_info(&encoded).context("LAME wrote no Info tag")?;
    ensure!(
        info.gapless_samples() == audio.left.len() as u64,
        "the Info tag describes {} samples, not {} ({info:?})",
        info.gapless_samples(),
        audio.left.len()
    );
    let mp3_path = out_dir.join("fixture.mp3");
    fs::write(&mp3_path, &encoded).with_context(|| format!("writing {}", mp3_path.display()))?;

    // Random bytes: no decoder should mistake them for audio.
    let garbage = synth::SplitMix64::new(args.seed ^ 0xC0FF_EE00).bytes(CORRUPT_BYTES);
    let corrupt_path = out_dir.join("corrupt.mp3");
    fs::write(&corrupt_path, &garbage)
        .with_context(|| format!("writing {}", corrupt_path.display()))?;

    let n = audio.left.len();
    let seconds = n as f64 / f64::from(SAMPLE_RATE);

    // An hour: the fixture's audio frames, without the Info tag that would tell a gapless
    // decoder the stream's length, repeated. Valid MP3 throughout (the page must refuse it for
    // its length, not for damage).
    let frames = &encoded[mpeg1_layer3_frame_len(&encoded)?..];
    let repeats = (LONG_SECONDS / seconds).ceil() as usize;
    let long = frames.repeat(repeats);
    let long_path = out_dir.join("long.mp3");
    fs::write(&long_path, &long).with_context(|| format!("writing {}", long_path.display()))?;

    let manifest = Manifest {
        mp3: Mp3Fixture {
            path: mp3_path,
            bytes: encoded.len(),
            seconds,
            samples_per_channel: n,
            sample_rate: SAMPLE_RATE,
            channels: 2,
            encoder: format!("LAME {}", mp3::lame_version()),
        },
        long: LongFixture {
            path: long_path,
            bytes: long.len(),
            seconds: repeats as f64 * seconds,
        },
        corrupt: CorruptFixture {
            path: corrupt_path,
            bytes: garbage.len(),
        },
    };
    let manifest_path = out_dir.join("fixtures.json");
    fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest)? + "\n",
    )
    .with_context(|| format!("writing {}", manifest_path.display()))?;
    println!("{}", manifest_path.display());
    Ok(())
}

/// Bytes of the MPEG-1 Layer III frame `mp3` starts with (from its header: bit rate, sample
/// rate, padding bit).
fn mpeg1_layer3_frame_len(mp3: &[u8]) -> Result<usize> {
    const KBPS: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const RATES: [u32; 3] = [44_100, 48_000, 32_000];
    ensure!(
        mp3.len() >= 4 && mp3[0] == 0xFF && mp3[1] & 0xFE == 0xFA,
        "the MP3 does not start with an MPEG-1 Layer III frame"
    );
    let kbps = KBPS
        .get(usize::from(mp3[2] >> 4))
        .copied()
        .filter(|&k| k > 0)
        .context("a free or bad bit-rate index")?;
    let rate = RATES
        .get(usize::from((mp3[2] >> 2) & 3))
        .copied()
        .context("a bad sample-rate index")?;
    let padding = usize::from((mp3[2] >> 1) & 1);
    Ok((144 * kbps * 1000 / rate) as usize + padding)
}
