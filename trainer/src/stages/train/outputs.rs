//! Stage 3's outputs beside the bundle: the ensemble, plots, logs, metrics.json; the bundle's
//! manifest last, so its presence means the bundle is complete.

use std::path::Path;

use anyhow::Result;
use genrescope_core::model::bundle::Dataset;
use genrescope_core::model::{BundleManifest, ModelMetrics, argmax, bundle};
use serde::Serialize;

use super::metrics::{Report as TestReport, report};
use super::split::Split;
use super::{Epoch, Finished, Settings, now};
use crate::formats::features::FeatureStore;
use crate::formats::output::{write_atomic, write_json};
use crate::plots::{CurvePoint, confusion_png, curves_png};

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
    report: &'a TestReport,
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

/// What stage 3 trained, for its outputs.
pub(super) struct Trained<'a> {
    pub store: &'a FeatureStore,
    pub classes: &'a [String],
    pub split: &'a Split,
    pub settings: &'a Settings,
    pub finished: &'a [Finished],
    /// What the features were computed from, when the metadata records it.
    pub dataset: Option<Dataset>,
}

/// Writes the ensemble's figures, the plots, the logs, metrics.json and, last, the bundle's
/// manifest; returns the ensemble's test report.
pub(super) fn write(out: &Path, trained: &Trained) -> Result<TestReport> {
    let &Trained {
        store,
        classes,
        split,
        settings,
        finished,
        ..
    } = trained;
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

    write_plots(out, classes, finished, &ens)?;
    write_logs(out, store, split, finished, &ensemble)?;
    write_metrics(out, classes, split, settings, finished, &ens)?;
    // The bundle's manifest last: its presence means the bundle is complete.
    write_manifest(out, trained, &ens)?;
    Ok(ens)
}

/// Each model's confusion matrix and curves, and the ensemble's confusion matrix.
fn write_plots(
    out: &Path,
    classes: &[String],
    finished: &[Finished],
    ens: &TestReport,
) -> Result<()> {
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
    Ok(())
}

/// training_log.json/.csv (every epoch) and test_predictions.csv (every model and the
/// ensemble).
fn write_logs(
    out: &Path,
    store: &FeatureStore,
    split: &Split,
    finished: &[Finished],
    ensemble: &[Vec<f32>],
) -> Result<()> {
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
        rows("ensemble", ensemble)?;
        csv.flush()?;
        Ok(())
    })?;
    Ok(())
}

/// metrics.json, keyed by model name and `ensemble`.
fn write_metrics(
    out: &Path,
    classes: &[String],
    split: &Split,
    settings: &Settings,
    finished: &[Finished],
    ens: &TestReport,
) -> Result<()> {
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
            report: ens,
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
    )
}

/// The bundle's manifest.json: every model's entry and the ensemble's figures.
fn write_manifest(out: &Path, trained: &Trained, ens: &TestReport) -> Result<()> {
    let &Trained {
        store,
        classes,
        finished,
        ..
    } = trained;
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
        dataset: trained.dataset.clone(),
    };
    write_json(&out.join(bundle::MANIFEST), &manifest)
}
