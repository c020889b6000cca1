//! `genrescope features`: every feature of one file, as .npy files.

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::{Feature, FeatureConfig, audio};
use serde_json::json;

use crate::cli::{FeaturesArgs, SignalArgs};
use crate::output::{write_json, write_npy};

/// Reads and decodes `path` to the mono signal `librosa.load(path, sr, offset, duration)` gives.
pub fn load_signal(path: &Path, signal: &SignalArgs) -> Result<Vec<f32>> {
    if let Some(len) = signal
        .signal_length
        .filter(|l| !(l.is_finite() && *l > 0.0))
    {
        bail!("flag --signal-length must be a positive number of seconds, not {len}");
    }
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let hint = path.extension().and_then(|e| e.to_str());
    audio::load(bytes, hint, signal.sr, signal.offset, signal.signal_length)
        .with_context(|| format!("{}", path.display()))
}

pub fn run(args: &FeaturesArgs) -> Result<ExitCode> {
    let which = Feature::parse_list(&args.features).context("flag --features")?;
    let cfg = FeatureConfig {
        sr: args.signal.sr,
        ..FeatureConfig::default()
    };
    cfg.validate().context("flag --sr")?;

    let started = Instant::now();
    let y = load_signal(&args.input, &args.signal)?;
    let decoded_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut which_all = vec![Feature::Waveform];
    which_all.extend(which.iter().copied().filter(|f| *f != Feature::Waveform));
    let set = genrescope_core::compute(&y, &cfg, &which_all)
        .with_context(|| format!("{}: computing features", args.input.display()))?;
    let computed_s = started.elapsed().as_secs_f64();

    fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let mut files = Vec::new();
    for (feature, array) in &set.entries {
        let path = args.output.join(format!("{}.npy", feature.name()));
        write_npy(&path, array.view())?;
        files.push(json!({ "feature": feature.name(), "file": format!("{}.npy", feature.name()), "shape": array.shape() }));
    }
    write_json(
        &args.output.join("features.json"),
        &json!({
            "input": args.input.display().to_string(),
            "offset": args.signal.offset,
            "signal_length": args.signal.signal_length,
            "samples": y.len(),
            "config": cfg,
            "features": files,
            "seconds": { "decode": decoded_s, "features": computed_s },
        }),
    )?;
    eprintln!(
        "{}: {:.2} s of audio, {} features written to {} (decode {:.0} ms, features {:.0} ms)",
        args.input.display(),
        y.len() as f64 / f64::from(cfg.sr),
        set.entries.len(),
        args.output.display(),
        decoded_s * 1e3,
        computed_s * 1e3
    );
    Ok(ExitCode::SUCCESS)
}
