//! `genrescope train`: stage 3. One burn model per feature, trained on the training split,
//! kept at its best validation epoch and scored on the test split; then the ensemble (the mean
//! of the models' probabilities); then the bundle the browser loads.
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

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use genrescope_core::Feature;
use genrescope_core::model::{
    Architecture, BundleManifest, GenreModel, InputTransform, LoadedModel, ModelEntry,
    ModelMetrics, Normaliser, NormaliserFit, argmax, bundle,
};
use serde::{Deserialize, Serialize};

use super::transform::fnv;
use crate::cli::{Backend, TrainArgs};
use crate::demo::synth::SplitMix64;
use crate::fma::clean;
use crate::output::{write_atomic, write_json};
use crate::plots::{CurvePoint, confusion_png, curves_png};
use crate::train::data::{FeatureStore, RowReader};
use crate::train::metrics::{Report, report};
use crate::train::split::{Split, assign};

/// Settings that decide a model's weights; a rerun reuses finished models only when equal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Settings {
    epochs: usize,
    seed: u64,
    batch_size: usize,
    lr: f64,
    backend: String,
    rows: usize,
    track_ids_fnv: String,
}

/// One epoch of one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    /// The feature (model) name.
    pub model: String,
    /// 1-based.
    pub epoch: usize,
    /// Mean cross-entropy over the training batches.
    pub train_loss: f64,
    /// Accuracy on the training batches (in training mode, dropout on).
    pub train_accuracy: f64,
    /// Mean cross-entropy on the validation split.
    pub validation_loss: f64,
    /// Accuracy on the validation split.
    pub validation_accuracy: f64,
    /// Wall time of the epoch.
    pub seconds: f64,
}

/// Everything about a finished model (`.train/<feature>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Finished {
    settings: Settings,
    entry: ModelEntry,
    history: Vec<Epoch>,
    report: Report,
    /// Test-split probabilities, in `split.test` order.
    test_probs: Vec<Vec<f32>>,
}

/// `metrics.json`.
#[derive(Debug, Serialize)]
struct MetricsFile<'a> {
    classes: &'a [String],
    split: SplitSummary,
    settings: &'a Settings,
    models: Vec<String>,
    #[serde(flatten)]
    reports: std::collections::BTreeMap<String, ModelReport<'a>>,
}

#[derive(Debug, Serialize)]
struct ModelReport<'a> {
    #[serde(flatten)]
    report: &'a Report,
    best_epoch: Option<usize>,
    validation_accuracy: Option<f64>,
}

#[derive(Debug, Serialize)]
struct SplitSummary {
    source: String,
    training: usize,
    validation: usize,
    test: usize,
}

/// Now, as RFC 3339 UTC to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The training device of a backend (with autodiff) and its name.
pub fn device(backend: Backend) -> Result<Device> {
    let dev = match backend {
        Backend::Flex => Device::flex(),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        Backend::Ndarray => Device::ndarray(),
        #[cfg(feature = "wgpu")]
        Backend::Wgpu => Device::wgpu_options()
            .init()
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("--backend wgpu: no usable GPU adapter (on a machine without a GPU, install Mesa's lavapipe: Debian package mesa-vulkan-drivers)")?,
        #[cfg(not(all(feature = "ndarray", feature = "wgpu")))]
        other => bail!(
            "--backend {name}: this genrescope was built without it; build it with \
             `cargo build --release -p genrescope --features {name}`",
            name = other.name()
        ),
    };
    Ok(dev)
}

pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if args.train.epochs == 0 {
        bail!("flag --epochs: must be at least 1");
    }
    if args.train.batch_size < 2 {
        bail!("flag --batch-size: must be at least 2 (batch norm needs two examples)");
    }
    if !(args.train.lr > 0.0 && args.train.lr.is_finite()) {
        bail!(
            "flag --lr: must be a positive number, got {}",
            args.train.lr
        );
    }
    // Before reading anything or creating the output: a backend this binary lacks (or a GPU
    // that is not there) is refused in one line, with nothing written.
    let dev = device(args.train.backend)?;
    let store = FeatureStore::open(&args.data)?;
    let available = store.features()?;
    let features: Vec<Feature> = if args.train.features.trim() == "all" {
        available.clone()
    } else {
        let wanted = Feature::parse_list(&args.train.features).context("flag --features")?;
        if let Some(f) = wanted.iter().find(|f| !available.contains(f)) {
            bail!(
                "flag --features: {} holds no `{f}` (extracted: {})",
                args.data.display(),
                available
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        wanted
    };
    let classes = store.manifest.classes.clone();
    let (tracks, meta_classes) = clean::read(&args.metadata)?;
    let split = assign(
        &store.track_ids,
        &store.labels,
        &classes,
        &tracks,
        &meta_classes,
        args.train.seed,
    )
    .with_context(|| {
        format!(
            "{} against {}",
            args.data.display(),
            args.metadata.display()
        )
    })?;
    println!(
        "split ({}): {} training, {} validation, {} test tracks; {} classes; backend {}",
        split.source,
        split.train.len(),
        split.validation.len(),
        split.test.len(),
        classes.len(),
        args.train.backend.name()
    );
    if split.train.is_empty() || split.validation.is_empty() || split.test.is_empty() {
        bail!(
            "{}: {} tracks are too few for a training/validation/test split (at least 3 per genre)",
            args.data.display(),
            store.labels.len()
        );
    }
    let settings = Settings {
        epochs: args.train.epochs,
        seed: args.train.seed,
        batch_size: args.train.batch_size,
        lr: args.train.lr,
        backend: args.train.backend.name().into(),
        rows: store.manifest.rows,
        track_ids_fnv: fnv(store.track_ids.iter().copied()),
    };
    let out = &args.output;
    let state = out.join(".train");
    fs::create_dir_all(&state).with_context(|| format!("cannot create {}", state.display()))?;
    fs::create_dir_all(out.join("plots"))?;

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
    write_outputs(out, &store, &classes, &split, &settings, &finished)?;
    println!(
        "trained {} model(s) in {:.1} s; bundle in {}",
        finished.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads rows, prepares and normalises them: a `[rows.len(), input_len]` batch.
fn batch(
    reader: &mut RowReader,
    rows: &[usize],
    transform: &InputTransform,
    norm: &Normaliser,
    raw: &mut Vec<f32>,
) -> Result<Vec<f32>> {
    let mut data = Vec::new();
    let mut x = Vec::new();
    for &r in rows {
        reader.read(r, raw)?;
        genrescope_core::model::prep::prepare(transform, norm, raw, &mut x)?;
        data.extend_from_slice(&x);
    }
    Ok(data)
}

/// Probabilities for `rows` from a model in inference mode.
fn predict(
    model: &GenreModel,
    dev: &Device,
    reader: &mut RowReader,
    rows: &[usize],
    transform: &InputTransform,
    norm: &Normaliser,
    batch_size: usize,
) -> Result<Vec<Vec<f32>>> {
    let mut raw = Vec::new();
    let n_in: usize = transform.input_shape().iter().product();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(batch_size) {
        let data = batch(reader, chunk, transform, norm, &mut raw)?;
        let x = Tensor::<2>::from_data(TensorData::new(data, [chunk.len(), n_in]), dev);
        let probs: Vec<f32> = softmax(model.forward(x), 1)
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("reading probabilities: {e:?}"))?;
        out.extend(probs.chunks(probs.len() / chunk.len()).map(<[f32]>::to_vec));
    }
    Ok(out)
}

fn mean_loss_and_accuracy(probs: &[Vec<f32>], labels: &[usize]) -> (f64, f64) {
    let n = probs.len().max(1) as f64;
    let loss: f64 = probs
        .iter()
        .zip(labels)
        .map(|(p, &l)| -(p[l].max(1e-12) as f64).ln())
        .sum();
    let correct = probs
        .iter()
        .zip(labels)
        .filter(|(p, l)| argmax(p) == **l)
        .count();
    (loss / n, correct as f64 / n)
}

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
    let n_in: usize = input_shape.iter().product();
    let arch = Architecture::for_feature(feature, &input_shape);

    // Normalisation from the training rows only.
    let mut fit = NormaliserFit::new(Normaliser::groups_for(feature, &input_shape));
    let (mut raw, mut x) = (Vec::new(), Vec::new());
    for &r in &split.train {
        reader.read(r, &mut raw)?;
        transform.apply(&raw, &mut x)?;
        fit.add(&x);
    }
    let norm = fit.finish();

    let train_dev = dev.clone().autodiff();
    train_dev.seed(settings.seed);
    let mut model = arch.init(classes, &train_dev);
    let parameters = model.num_params();
    println!(
        "{feature}: {} on input {:?} ({parameters} parameters)",
        arch.kind(),
        input_shape
    );
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&train_dev);
    let mut rng = SplitMix64::new(settings.seed ^ 0x7EA1_0000 ^ feature as u64);
    let val_labels: Vec<usize> = split.validation.iter().map(|&r| store.labels[r]).collect();
    let mut history = Vec::new();
    let mut best: Option<(f64, f64, usize, GenreModel)> = None;
    for epoch in 1..=settings.epochs {
        let t0 = Instant::now();
        let mut order = split.train.clone();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for chunk in order.chunks(settings.batch_size) {
            if chunk.len() < 2 {
                continue; // batch norm cannot train on a single example
            }
            let data = batch(&mut reader, chunk, &transform, &norm, &mut raw)?;
            let b = chunk.len();
            let xb = Tensor::<2>::from_data(TensorData::new(data, [b, n_in]), &train_dev);
            let labels: Vec<i64> = chunk.iter().map(|&r| store.labels[r] as i64).collect();
            let yb = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [b]), &train_dev);
            let logits = model.forward(xb);
            let pred: Vec<i64> = logits
                .clone()
                .argmax(1)
                .into_data()
                .try_into_vec_as::<i64>()
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            correct += pred.iter().zip(&labels).filter(|(p, l)| p == l).count();
            let loss = loss_fn.forward(logits, yb);
            loss_sum += loss.clone().into_scalar::<f32>() as f64 * b as f64;
            seen += b;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(settings.lr, model, grads);
        }
        let eval = model.valid();
        let probs = predict(
            &eval,
            dev,
            &mut reader,
            &split.validation,
            &transform,
            &norm,
            settings.batch_size,
        )?;
        let (val_loss, val_acc) = mean_loss_and_accuracy(&probs, &val_labels);
        let e = Epoch {
            model: feature.name().into(),
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            validation_loss: val_loss,
            validation_accuracy: val_acc,
            seconds: t0.elapsed().as_secs_f64(),
        };
        println!(
            "{feature:>18}  epoch {epoch:>3}/{}  train loss {:.4}  train acc {:.3}  val loss {:.4}  val acc {:.3}  ({:.1} s)",
            settings.epochs, e.train_loss, e.train_accuracy, val_loss, val_acc, e.seconds
        );
        history.push(e);
        let better = match &best {
            None => true,
            Some((acc, loss, _, _)) => val_acc > *acc || (val_acc == *acc && val_loss < *loss),
        };
        if better {
            best = Some((val_acc, val_loss, epoch, eval));
        }
    }
    let (val_acc, _, best_epoch, eval) = best.expect("at least one epoch");

    // Save the kept weights, then load them back exactly as a bundle user will.
    let weights = format!("{feature}.bpk");
    let bytes = eval
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let bytes = bytes.to_vec();
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

fn write_outputs(
    out: &Path,
    store: &FeatureStore,
    classes: &[String],
    split: &Split,
    settings: &Settings,
    finished: &[Finished],
) -> Result<()> {
    let truth: Vec<usize> = split.test.iter().map(|&r| store.labels[r]).collect();
    // The ensemble: the mean of the models' probabilities.
    let mut ensemble = vec![vec![0.0f32; classes.len()]; split.test.len()];
    for f in finished {
        for (e, p) in ensemble.iter_mut().zip(&f.test_probs) {
            e.iter_mut()
                .zip(p)
                .for_each(|(e, &v)| *e += v / finished.len() as f32);
        }
    }
    let ens_pred: Vec<usize> = ensemble.iter().map(|p| argmax(p)).collect();
    let ens = report(classes, &truth, &ens_pred);
    println!(
        "ensemble of {}: test accuracy {:.3}, macro-F1 {:.3}",
        finished.len(),
        ens.test_accuracy,
        ens.macro_f1
    );

    // Plots.
    let plots = out.join("plots");
    for f in finished {
        let name = f.entry.feature.name();
        confusion_png(
            &plots.join(format!("{name}_confusion.png")),
            &format!(
                "{name}: test accuracy {:.1} %, macro-F1 {:.3}",
                100.0 * f.report.test_accuracy,
                f.report.macro_f1
            ),
            classes,
            &f.report.confusion,
        )?;
        let points: Vec<CurvePoint> = f
            .history
            .iter()
            .map(|e| CurvePoint {
                epoch: e.epoch,
                train_loss: e.train_loss,
                validation_loss: e.validation_loss,
                train_accuracy: e.train_accuracy,
                validation_accuracy: e.validation_accuracy,
            })
            .collect();
        curves_png(
            &plots.join(format!("{name}_curves.png")),
            &format!("{name} ({})", f.entry.architecture.kind()),
            &points,
            f.entry.metrics.best_epoch.unwrap_or(1),
        )?;
    }
    confusion_png(
        &plots.join("ensemble_confusion.png"),
        &format!(
            "ensemble of {} models: test accuracy {:.1} %, macro-F1 {:.3}",
            finished.len(),
            100.0 * ens.test_accuracy,
            ens.macro_f1
        ),
        classes,
        &ens.confusion,
    )?;

    // Logs.
    let history: Vec<&Epoch> = finished.iter().flat_map(|f| &f.history).collect();
    write_json(&out.join("training_log.json"), &history)?;
    write_atomic(&out.join("training_log.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        for e in &history {
            csv.serialize(e)?;
        }
        csv.flush()?;
        Ok(())
    })?;
    write_atomic(&out.join("test_predictions.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["model", "track_id", "label", "predicted", "probability"])?;
        let mut rows = |model: &str, probs: &[Vec<f32>]| -> Result<()> {
            for (i, p) in probs.iter().enumerate() {
                let r = split.test[i];
                let top = argmax(p);
                csv.write_record([
                    model.to_string(),
                    store.track_ids[r].to_string(),
                    store.labels[r].to_string(),
                    top.to_string(),
                    format!("{:.6}", p[top]),
                ])?;
            }
            Ok(())
        };
        for f in finished {
            rows(f.entry.feature.name(), &f.test_probs)?;
        }
        rows("ensemble", &ensemble)?;
        csv.flush()?;
        Ok(())
    })?;

    // metrics.json, keyed by model name and `ensemble`.
    let mut reports = std::collections::BTreeMap::new();
    for f in finished {
        reports.insert(
            f.entry.feature.name().to_string(),
            ModelReport {
                report: &f.report,
                best_epoch: f.entry.metrics.best_epoch,
                validation_accuracy: f.entry.metrics.validation_accuracy,
            },
        );
    }
    reports.insert(
        "ensemble".into(),
        ModelReport {
            report: &ens,
            best_epoch: None,
            validation_accuracy: None,
        },
    );
    write_json(
        &out.join("metrics.json"),
        &MetricsFile {
            classes,
            split: SplitSummary {
                source: split.source.clone(),
                training: split.train.len(),
                validation: split.validation.len(),
                test: split.test.len(),
            },
            settings,
            models: finished
                .iter()
                .map(|f| f.entry.feature.name().to_string())
                .collect(),
            reports,
        },
    )?;

    // The bundle's manifest last: its presence means the bundle is complete.
    let cfg = store.manifest.feature_config.clone();
    let manifest = BundleManifest {
        format: bundle::FORMAT,
        classes: classes.to_vec(),
        signal_samples: store.manifest.signal_samples,
        signal_length: store.manifest.signal_samples as f64 / cfg.sr as f64,
        feature_config: cfg,
        created: now(),
        models: finished.iter().map(|f| f.entry.clone()).collect(),
        ensemble: Some(ModelMetrics {
            test_accuracy: ens.test_accuracy,
            macro_f1: ens.macro_f1,
            validation_accuracy: None,
            best_epoch: None,
        }),
    };
    write_json(&out.join(bundle::MANIFEST), &manifest)
}
