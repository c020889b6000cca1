//! Stage 3, `train`: one burn model per feature, trained on the training split ([`fit`]),
//! kept at its best validation epoch and scored on the test split; then the ensemble (the mean
//! of the models' probabilities); then the bundle the browser loads ([`outputs`]).
//!
//! Output folder:
//! - `manifest.json` and `<feature>.bpk`: the bundle ([`genrescope_core::model::BundleManifest`]);
//! - `metrics.json`: per model and `ensemble`: `test_accuracy`, `macro_f1`, `per_genre`,
//!   `confusion`, plus the split and the settings;
//! - `training_log.csv` / `training_log.json`: every epoch of every model;
//! - `test_predictions.csv`: every model's and the ensemble's test predictions;
//! - `plots/<model>_confusion.png`, `plots/<feature>_curves.png`.
//!
//! A finished model is recorded in `.train/<feature>.json`; a rerun with the same settings
//! reuses it, so an interrupted run continues with the next feature.

pub mod fit;
pub mod metrics;
mod outputs;
pub mod split;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, anyhow, bail};
use burn::module::Module;
use burn::prelude::*;
use genrescope_core::Feature;
use genrescope_core::model::{
    Architecture, InputTransform, LoadedModel, ModelEntry, ModelMetrics, Normaliser, NormaliserFit,
    argmax,
};
use serde::{Deserialize, Serialize};

pub use fit::Epoch;
use fit::{Fitted, Lesson, predict};
use metrics::{Report as TestReport, report};
use split::{Split, assign};

use crate::device::{Backend, device};
use crate::fma::clean;
use crate::formats::features::{FeatureStore, RowReader};
use crate::formats::fnv;
use crate::formats::output::{write_atomic, write_json};
use crate::location::Location;

/// How models train: the seed's flags, with its defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Hyper {
    /// Epochs per model; the epoch with the best validation accuracy is kept.
    pub epochs: usize,
    /// The burn backend.
    pub backend: Backend,
    /// Seed of the weights, the shuffling and (without FMA's split) the split.
    pub seed: u64,
    /// Examples per training step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Adam's weight decay (an L2 penalty added to the gradients).
    pub weight_decay: f64,
    /// Early stopping: training stops after this many epochs without a better validation
    /// epoch (0: every epoch runs).
    pub patience: usize,
}

impl Default for Hyper {
    /// 12 epochs on flex, seed 42, batches of 16, learning rate 1e-3, weight decay 1e-4,
    /// patience 5.
    fn default() -> Self {
        Hyper {
            epochs: 12,
            backend: Backend::Flex,
            seed: 42,
            batch_size: 16,
            lr: 1e-3,
            weight_decay: 1e-4,
            patience: 5,
        }
    }
}

impl Hyper {
    /// Refuses settings that cannot train.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            bail!("flag --epochs: must be at least 1");
        }
        if self.batch_size < 2 {
            bail!("flag --batch-size: must be at least 2 (batch norm needs two examples)");
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            bail!("flag --lr: must be a positive number, got {}", self.lr);
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            bail!(
                "flag --weight-decay: must be zero or a positive number, got {}",
                self.weight_decay
            );
        }
        Ok(())
    }
}

/// What stage 3 reads, trains and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The features folder `extract` wrote, or a folder of its shards.
    pub data: Location,
    /// The models folder.
    pub output: Location,
    /// The cleaned metadata: FMA's split when it has one.
    pub metadata: Location,
    /// The features to train on: every one the folder holds when `None`.
    pub features: Option<Vec<Feature>>,
    /// How.
    pub hyper: Hyper,
}

/// What stage 3 did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Every model, in training order: its feature and test report.
    pub models: Vec<(Feature, TestReport)>,
    /// The ensemble's test report.
    pub ensemble: TestReport,
    /// Wall time.
    pub seconds: f64,
}

/// Settings that decide a model's weights; a rerun reuses finished models only when equal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Settings {
    epochs: usize,
    seed: u64,
    batch_size: usize,
    lr: f64,
    weight_decay: f64,
    patience: usize,
    backend: String,
    rows: usize,
    track_ids_fnv: String,
}

/// Everything about a finished model (`.train/<feature>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Finished {
    settings: Settings,
    entry: ModelEntry,
    history: Vec<Epoch>,
    report: TestReport,
    /// Test-split probabilities, in `split.test` order.
    test_probs: Vec<Vec<f32>>,
}

/// Now, as RFC 3339 UTC to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Runs stage 3: every model, then the ensemble, the reports and the bundle.
pub fn run(options: &Options) -> Result<Report> {
    let started = Instant::now();
    let hyper = &options.hyper;
    hyper.validate()?;
    // Before reading anything or creating the output: a backend this binary lacks (or a GPU
    // that is not there) is refused in one line, with nothing written.
    let dev = device(hyper.backend)?;
    // Object-store inputs are read from a local copy (rows are read at random while training).
    let store = FeatureStore::open(&options.data.fetch()?)
        .with_context(|| format!("--data {}", options.data))?;
    let features = choose(options, &store)?;
    let classes = store.manifest.classes.clone();
    let meta = options
        .metadata
        .fetch_with(&[clean::CLASSES, clean::DATASET])?;
    let (tracks, meta_classes) = clean::read(&meta)?;
    // The bundle records what it learnt from: the tracks of the features folder.
    let dataset = clean::read_dataset(&meta)?.map(|d| clean::Dataset {
        tracks: store.labels.len() - store.failed.len(),
        ..d
    });
    let mut split = assign(
        &store.track_ids,
        &store.labels,
        &classes,
        &tracks,
        &meta_classes,
        hyper.seed,
    )
    .with_context(|| format!("{} against {}", options.data, options.metadata))?;
    if !store.failed.is_empty() {
        split.leave_out(&store.failed);
        let n = store.failed.len();
        let (plural, their) = if n == 1 { ("", "its") } else { ("s", "their") };
        println!(
            "{n} track{plural} left out: {their} features failed in extract (manifest.json's \"failed\")"
        );
    }
    println!(
        "split ({}): {} training, {} validation, {} test tracks; {} classes; backend {}",
        split.source,
        split.train.len(),
        split.validation.len(),
        split.test.len(),
        classes.len(),
        hyper.backend.name()
    );
    if split.train.is_empty() || split.validation.is_empty() || split.test.is_empty() {
        bail!(
            "{}: {} tracks are too few for a training/validation/test split (at least 3 per genre)",
            options.data,
            store.labels.len()
        );
    }
    let settings = Settings {
        epochs: hyper.epochs,
        seed: hyper.seed,
        batch_size: hyper.batch_size,
        lr: hyper.lr,
        weight_decay: hyper.weight_decay,
        patience: hyper.patience,
        backend: hyper.backend.name().into(),
        rows: store.manifest.rows,
        track_ids_fnv: fnv(store.track_ids.iter().copied()),
    };
    // An object-store output is written in a local staging folder and uploaded when
    // complete, the bundle's manifest.json last.
    let staged = options.output.staging()?;
    let out = &staged;
    let state = out.join(".train");
    fs::create_dir_all(&state).with_context(|| format!("cannot create {}", state.display()))?;
    fs::create_dir_all(out.join("plots"))
        .with_context(|| format!("cannot create {}", out.join("plots").display()))?;

    let mut finished = Vec::new();
    for &feature in &features {
        let path = state.join(format!("{feature}.json"));
        let reuse = fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Finished>(&b).ok())
            .filter(|f| f.settings == settings && out.join(&f.entry.weights).exists());
        let done = match reuse {
            Some(f) => {
                println!("{feature}: already trained with these settings, kept");
                f
            }
            None => {
                let f = train_one(&store, feature, &split, &settings, &dev, out)?;
                write_json(&path, &f)?;
                f
            }
        };
        finished.push(done);
    }
    let ensemble = outputs::write(
        out,
        &outputs::Trained {
            store: &store,
            classes: &classes,
            split: &split,
            settings: &settings,
            finished: &finished,
            dataset,
        },
    )?;
    options
        .output
        .publish(out, &[genrescope_core::model::bundle::MANIFEST])?;
    Ok(Report {
        models: finished
            .into_iter()
            .map(|f| (f.entry.feature, f.report))
            .collect(),
        ensemble,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The features to train: the options' (each must be in the folder), or all the folder holds.
fn choose(options: &Options, store: &FeatureStore) -> Result<Vec<Feature>> {
    let available = store.features()?;
    let Some(wanted) = &options.features else {
        return Ok(available);
    };
    if let Some(f) = wanted.iter().find(|f| !available.contains(f)) {
        bail!(
            "flag --features: {} holds no `{f}` (extracted: {})",
            options.data,
            available
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(wanted.clone())
}

/// The standardisation of the prepared inputs of `rows`, in `groups` groups.
fn fit_normaliser(
    reader: &mut RowReader,
    transform: &InputTransform,
    groups: usize,
    rows: &[usize],
) -> Result<Normaliser> {
    let mut norm_fit = NormaliserFit::new(groups);
    let (mut raw, mut x) = (Vec::new(), Vec::new());
    for &r in rows {
        reader.read(r, &mut raw)?;
        transform.apply(&raw, &mut x)?;
        norm_fit.add(&x);
    }
    Ok(norm_fit.finish())
}

/// Trains, saves and scores one feature's model.
fn train_one(
    store: &FeatureStore,
    feature: Feature,
    split: &Split,
    settings: &Settings,
    dev: &Device,
    out: &Path,
) -> Result<Finished> {
    let classes = store.manifest.classes.len();
    let mut reader = store.rows(feature)?;
    let transform = InputTransform::for_feature(feature, &reader.shape);
    let input_shape = transform.input_shape();
    let arch = Architecture::for_feature(feature, &input_shape);

    // Normalisation from the training rows only.
    let groups = Normaliser::groups_for(feature, &input_shape);
    let norm = fit_normaliser(&mut reader, &transform, groups, &split.train)?;

    let train_dev = dev.clone().autodiff();
    train_dev.seed(settings.seed);
    let model = arch.init(classes, &train_dev);
    let parameters = model.num_params();
    println!(
        "{feature}: {} on input {:?} ({parameters} parameters)",
        arch.kind(),
        input_shape
    );
    let name = feature.name();
    let lesson = Lesson {
        name,
        train: &split.train,
        validation: &split.validation,
        labels: &store.labels,
        transform: &transform,
        norm: &norm,
        epochs: settings.epochs,
        batch_size: settings.batch_size,
        lr: settings.lr,
        weight_decay: settings.weight_decay,
        patience: settings.patience,
        seed: settings.seed ^ 0x7EA1_0000 ^ feature as u64,
    };
    let Fitted {
        model,
        best_epoch,
        validation_accuracy: val_acc,
        history,
    } = fit::fit(model, &mut reader, &lesson, dev)?;

    // Save the kept weights, then load them back exactly as a bundle user will.
    let weights = format!("{feature}.bpk");
    let bytes = model
        .into_record()
        .into_bytes()
        .map_err(|e| anyhow!("{feature}: serialising the weights: {e}"))?
        .to_vec();
    write_atomic(&out.join(&weights), |w| Ok(w.write_all(&bytes)?))?;
    let entry = ModelEntry {
        feature,
        input_shape,
        transform,
        normalisation: norm,
        architecture: arch,
        parameters,
        weights,
        backend: settings.backend.clone(),
        trained: now(),
        metrics: ModelMetrics {
            test_accuracy: 0.0,
            macro_f1: 0.0,
            validation_accuracy: Some(val_acc),
            best_epoch: Some(best_epoch),
        },
    };
    let loaded = LoadedModel::load(entry, classes, bytes, dev)?;
    let test_probs = predict(
        &loaded.net,
        dev,
        &mut reader,
        &split.test,
        &loaded.entry.transform,
        &loaded.entry.normalisation,
        settings.batch_size,
    )?;
    let truth: Vec<usize> = split.test.iter().map(|&r| store.labels[r]).collect();
    let pred: Vec<usize> = test_probs.iter().map(|p| argmax(p)).collect();
    let rep = report(&store.manifest.classes, &truth, &pred);
    let mut entry = loaded.entry;
    entry.metrics.test_accuracy = rep.test_accuracy;
    entry.metrics.macro_f1 = rep.macro_f1;
    println!(
        "{feature}: kept epoch {best_epoch} (val acc {val_acc:.3}); test accuracy {:.3}, macro-F1 {:.3}",
        rep.test_accuracy, rep.macro_f1
    );
    Ok(Finished {
        settings: settings.clone(),
        entry,
        history,
        report: rep,
        test_probs,
    })
}
