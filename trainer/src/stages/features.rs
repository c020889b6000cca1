//! `features`: every feature of one file, as .npy files and a `features.json` describing them.
//! The file loads through the one track loader ([`crate::track`]): a damaged file is analysed
//! as far as it decodes, with the damage in the report and in features.json, unless the
//! policy refuses it.

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use genrescope_core::audio::{Damage, DamagePolicy, Fit, Window};
use genrescope_core::{Feature, FeatureConfig};
use serde_json::json;

use crate::formats::output::{write_json, write_npy};
use crate::track;

/// The file, the window and the features.
#[derive(Clone, Debug)]
pub struct Options {
    /// The audio file.
    pub input: PathBuf,
    /// The folder for waveform.npy, one <feature>.npy per feature and features.json.
    pub output: PathBuf,
    /// Start in the track, in seconds.
    pub offset: f64,
    /// Length in seconds; the rest of the track when `None`.
    pub signal_length: Option<f64>,
    /// The sample rate, in Hz.
    pub sr: u32,
    /// The features (the waveform is always written).
    pub features: Vec<Feature>,
    /// Damaged files: analysed with a warning, or refused.
    pub policy: DamagePolicy,
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Report {
    /// Samples analysed.
    pub samples: usize,
    /// Features written.
    pub features: usize,
    /// The damage the file showed (analysed through).
    pub damage: Damage,
    /// Seconds decoding.
    pub decode_seconds: f64,
    /// Seconds computing the features.
    pub feature_seconds: f64,
}

/// Computes and writes the features of one file.
pub fn run(options: &Options) -> Result<Report> {
    if let Some(len) = options
        .signal_length
        .filter(|l| !(l.is_finite() && *l > 0.0))
    {
        anyhow::bail!("flag --signal-length must be a positive number of seconds, not {len}");
    }
    let cfg = FeatureConfig {
        sr: options.sr,
        ..FeatureConfig::default()
    };
    cfg.validate().context("flag --sr")?;
    let input = &options.input;

    let started = Instant::now();
    let window = Window {
        sr: options.sr,
        offset: options.offset,
        length: options.signal_length,
        fit: Fit::AsIs,
    };
    let loaded = track::with_path(input, track::load(input, &window, options.policy))?;
    let y = loaded.samples;
    let decode_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut which = vec![Feature::Waveform];
    which.extend(
        options
            .features
            .iter()
            .copied()
            .filter(|f| *f != Feature::Waveform),
    );
    let embedders = crate::stages::tag::tagger::embedders(&which)?;
    let set = genrescope_core::compute_split(&y, &cfg, &which, &embedders)
        .with_context(|| format!("{}: computing features", input.display()))?;
    let feature_seconds = started.elapsed().as_secs_f64();

    fs::create_dir_all(&options.output)
        .with_context(|| format!("cannot create {}", options.output.display()))?;
    let mut files = Vec::new();
    for (feature, array) in &set.entries {
        let path = options.output.join(format!("{}.npy", feature.name()));
        write_npy(&path, array.view())?;
        files.push(json!({ "feature": feature.name(), "file": format!("{}.npy", feature.name()), "shape": array.shape() }));
    }
    let mut description = json!({
        "input": input.display().to_string(),
        "offset": options.offset,
        "signal_length": options.signal_length,
        "samples": y.len(),
        "config": cfg,
        "features": files,
        "seconds": { "decode": decode_seconds, "features": feature_seconds },
    });
    if let Some(damage) = track::damage_json(&loaded.damage) {
        description["damage"] = damage;
    }
    write_json(&options.output.join("features.json"), &description)?;
    Ok(Report {
        samples: y.len(),
        features: set.entries.len(),
        damage: loaded.damage,
        decode_seconds,
        feature_seconds,
    })
}
