//! `pipeline`: stages 0–3 on one FMA folder or a folder of genre folders, into one work
//! folder, composed from the stage functions.
//!
//! `<work>/generalised`, `<work>/signals`, `<work>/features`, `<work>/models`. Every stage
//! resumes and skips what is complete (generalise's `report.json` newer than the metadata,
//! transform's finished batches, extract's manifest, train's finished models with equal
//! settings), so a rerun after an interruption, or with more epochs, redoes only what it must.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use genrescope_core::Feature;

use super::{SignalWindow, extract, folders, generalise, train, transform};
use crate::location::Location;

/// The music the pipeline learns from.
#[derive(Clone, Debug)]
pub enum Source {
    /// An FMA folder (or prefix) holding `fma_metadata/` and the audio (`fma_<subset>/`), and
    /// the download it holds (`small`, …).
    Fma { root: Location, subset: String },
    /// A folder whose subfolders are genres ([`folders`]).
    Folders(std::path::PathBuf),
}

/// What the pipeline runs on, and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// The music.
    pub source: Source,
    /// The work folder (or prefix).
    pub output: Location,
    /// The window cut from every track.
    pub window: SignalWindow,
    /// The features to extract and train; all of them when `None`.
    pub features: Option<Vec<Feature>>,
    /// How the models train.
    pub hyper: train::Hyper,
    /// Worker threads for transform and extract; every core when `None`.
    pub jobs: Option<usize>,
}

/// One step of the pipeline, as it happens.
#[derive(Debug)]
pub enum Step<'a> {
    /// Stage `n` (`name`) begins.
    Stage(usize, &'static str),
    /// Stage 0 found its output complete and skipped.
    Skipped(&'a Location),
    /// Stage 0 finished.
    Generalised(&'a generalise::Report),
    /// Stage 0 listed the genre folders.
    Catalogued(&'a folders::Report),
    /// Stage 1 finished.
    Transformed(&'a transform::Report, &'a transform::Options),
    /// Stage 2 finished.
    Extracted(&'a extract::Report, &'a extract::Options),
    /// Stage 3 finished.
    Trained(&'a train::Report, &'a train::Options),
}

/// What the pipeline did.
#[derive(Debug)]
pub struct Report {
    /// Stage 3's report.
    pub train: train::Report,
    /// The models folder.
    pub models: Location,
    /// Wall time.
    pub seconds: f64,
}

/// Runs stages 0–3, telling `on_step` about each as it goes.
pub fn run(options: &Options, on_step: &mut dyn FnMut(Step)) -> Result<Report> {
    let started = Instant::now();
    let work = &options.output;
    let generalised = work.join("generalised");
    let signals = work.join("signals");
    let features = work.join("features");
    let models = work.join("models");

    on_step(Step::Stage(0, "generalise"));
    let (audio, subset) = match &options.source {
        Source::Fma { root, subset } => {
            let audio = generalise_fma(root, subset, &generalised, on_step)?;
            (audio, subset.clone())
        }
        Source::Folders(root) => {
            let report = folders::run(&folders::Options {
                root: root.clone(),
                output: generalised.clone(),
            })
            .context("stage 0 (the genre folders)")?;
            on_step(Step::Catalogued(&report));
            // The table has no FMA subsets: `full` holds every track.
            (Location::Local(root.clone()), "full".to_owned())
        }
    };

    on_step(Step::Stage(1, "transform"));
    let transform = transform::Options {
        metadata: generalised.clone(),
        data: audio,
        output: signals.clone(),
        window: options.window,
        min_length: None,
        subset,
        jobs: options.jobs,
        batch_size: transform::DEFAULT_BATCH_SIZE,
        shard: None,
    };
    let report = transform::run(&transform).context("stage 1 (transform)")?;
    on_step(Step::Transformed(&report, &transform));

    on_step(Step::Stage(2, "extract"));
    let extract = extract::Options {
        data: signals,
        output: features.clone(),
        features: options
            .features
            .clone()
            .unwrap_or_else(|| Feature::LIBROSA.to_vec()),
        jobs: options.jobs,
        shard: None,
    };
    let report = extract::run(&extract).context("stage 2 (extract)")?;
    on_step(Step::Extracted(&report, &extract));

    on_step(Step::Stage(3, "train"));
    let train = train::Options {
        data: features,
        output: models.clone(),
        metadata: generalised,
        features: options.features.clone(),
        hyper: options.hyper.clone(),
    };
    let report = train::run(&train).context("stage 3 (train)")?;
    on_step(Step::Trained(&report, &train));
    Ok(Report {
        train: report,
        models,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Stage 0 on an FMA folder, skipped when its output is complete; returns the audio folder.
fn generalise_fma(
    fma: &Location,
    subset: &str,
    generalised: &Location,
    on_step: &mut dyn FnMut(Step),
) -> Result<Location> {
    let metadata = fma.join("fma_metadata");
    let audio = fma.join(&format!("fma_{subset}"));
    for (p, what) in [(&metadata, "metadata"), (&audio, "audio")] {
        if let Some(p) = p.as_local()
            && !p.is_dir()
        {
            bail!(
                "{fma}: no {what} folder {} (an FMA folder holds fma_metadata/ and fma_{subset}/)",
                p.display(),
            );
        }
    }
    if complete(generalised, &metadata)? {
        on_step(Step::Skipped(generalised));
    } else {
        let report = generalise::run(&generalise::Options {
            metadata_path: metadata,
            output: Some(generalised.clone()),
        })
        .context("stage 0 (generalise)")?;
        on_step(Step::Generalised(&report));
    }
    Ok(audio)
}

/// generalise writes `report.json` after its tables: complete when it is there and newer than
/// the metadata it was made from (in object storage, where it is uploaded last: when it is
/// there).
fn complete(generalised: &Location, metadata: &Location) -> Result<bool> {
    let (Some(generalised), Some(metadata)) = (generalised.as_local(), metadata.as_local()) else {
        return generalised.join("report.json").exists();
    };
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(done) = modified(&generalised.join("report.json")) else {
        return Ok(false);
    };
    Ok(["tracks.csv", "genres.csv"]
        .iter()
        .all(|f| modified(&metadata.join(f)).is_some_and(|m| m <= done)))
}
