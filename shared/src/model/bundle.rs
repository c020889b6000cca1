//! The model bundle: `manifest.json` plus one Burnpack `.bpk` per feature model.
//!
//! `genrescope train` writes it; `genrescope artifacts` and the web app load exactly this.
//! The core crate reads no files: callers hand over the manifest's text and a function that
//! returns a weights file's bytes by name (a `fs::read` natively, a `fetch` in the browser).

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use super::cpu::CpuModel;
use super::net::{Architecture, GenreModel};
use super::prep::{InputTransform, Normaliser};
use crate::config::FeatureConfig;
use crate::error::{Error, Result};
use crate::features::{Feature, FeatureSet, Source};
use crate::musicnn::{TagModel, TrackAnalysis, WindowEmbedder};

/// The manifest's file name in a bundle folder.
pub const MANIFEST: &str = "manifest.json";

/// The manifest format this crate reads and writes.
pub const FORMAT: u32 = 1;

/// `manifest.json` of a bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// Always [`FORMAT`].
    pub format: u32,
    /// The genres, in label order: a model's output `i` is `classes[i]`.
    pub classes: Vec<String>,
    /// How the features were computed (`sr` included).
    pub feature_config: FeatureConfig,
    /// Length in samples of the signals the models were trained on.
    pub signal_samples: usize,
    /// The same in seconds (`signal_samples / sr`), as `transform --signal-length` gave it.
    pub signal_length: f64,
    /// When the bundle was written (RFC 3339, UTC).
    pub created: String,
    /// One entry per feature model.
    pub models: Vec<ModelEntry>,
    /// Test-split figures of the ensemble (the mean of the models' probabilities).
    pub ensemble: Option<ModelMetrics>,
    /// What the models were trained on; absent in bundles written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Dataset>,
}

/// What a bundle was trained on: the page and `genrescope artifacts` say plainly when it was
/// the synthesised demo data, whose genres mean nothing for real music.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// `fma_small` (FMA's download), or the genre folder's name (`pipeline --folders`).
    pub name: String,
    /// Tracks in the training, validation and test splits together.
    pub tracks: usize,
    /// Whether the audio was synthesised (`genrescope demo-data`) rather than recorded music.
    pub synthesised: bool,
}

impl Dataset {
    /// The line the page and `artifacts` show about it: a warning when synthesised.
    pub fn notice(&self) -> String {
        if self.synthesised {
            format!(
                "these models were trained on {} synthesised demo tracks ({}), not on real \
                 music: their genres are a demonstration, not a classifier's answer",
                self.tracks, self.name
            )
        } else {
            format!("trained on {} tracks of {}", self.tracks, self.name)
        }
    }
}

/// One feature's model in a bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// The feature the model reads.
    pub feature: Feature,
    /// Shape of the model's input after [`InputTransform`].
    pub input_shape: Vec<usize>,
    /// Pooling and log compression from the extracted feature to the input.
    pub transform: InputTransform,
    /// Per-bin standardisation fitted on the training split.
    pub normalisation: Normaliser,
    /// The network's layout.
    pub architecture: Architecture,
    /// Number of trainable values; checked against the weights on load.
    pub parameters: usize,
    /// The `.bpk` file, relative to the manifest.
    pub weights: String,
    /// burn backend it was trained on (`flex`, `ndarray`, `wgpu`).
    pub backend: String,
    /// When training finished (RFC 3339, UTC).
    pub trained: String,
    /// Test-split figures.
    pub metrics: ModelMetrics,
}

/// The headline figures kept in the manifest (the full report is the models dir's `metrics.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMetrics {
    /// Accuracy on the test split.
    pub test_accuracy: f64,
    /// Unweighted mean F1 over the genres.
    pub macro_f1: f64,
    /// Validation accuracy of the kept epoch (none for the ensemble).
    pub validation_accuracy: Option<f64>,
    /// 1-based epoch whose weights were kept (none for the ensemble).
    pub best_epoch: Option<usize>,
}

/// A model ready to predict: its entry and its loaded network.
#[derive(Debug)]
pub struct LoadedModel {
    /// The manifest's entry.
    pub entry: ModelEntry,
    /// The network with the bundle's weights.
    pub net: GenreModel,
    /// The same weights for the CPU kernels, when loaded on flex (natively or in the
    /// browser); other devices run the module.
    cpu: Option<CpuModel>,
}

impl LoadedModel {
    /// Builds the entry's network on `device` and loads `bpk` into it, refusing weights whose
    /// tensors or parameter count do not match the manifest.
    pub fn load(entry: ModelEntry, classes: usize, bpk: Vec<u8>, device: &Device) -> Result<Self> {
        let bad = |why: String| Error::Bundle(format!("{}: {why}", entry.weights));
        entry.architecture.check().map_err(&bad)?;
        if entry.transform.input_shape() != entry.input_shape
            || entry.architecture.input_len() != entry.input_shape.iter().product::<usize>()
        {
            return Err(bad(format!(
                "input shape {:?} does not match its transform or architecture",
                entry.input_shape
            )));
        }
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bpk))
            .map_err(|e| bad(format!("not a Burnpack file ({e})")))?;
        let net = entry
            .architecture
            .init(classes, device)
            .try_load_record(record)
            .map_err(|e| bad(format!("weights do not match the manifest's model ({e})")))?;
        if net.num_params() != entry.parameters {
            return Err(bad(format!(
                "{} parameters, the manifest says {}",
                net.num_params(),
                entry.parameters
            )));
        }
        let cpu = if *device == Device::flex() {
            Some(CpuModel::of(&net).map_err(|e| bad(e.to_string()))?)
        } else {
            None
        };
        Ok(LoadedModel { entry, net, cpu })
    }

    /// The same model running burn's module on every device, flex included (benchmarks and
    /// tests compare the two paths).
    pub fn modules_only(mut self) -> Self {
        self.cpu = None;
        self
    }

    /// Prepares one extracted feature row (C order) into a normalised model input.
    pub fn prepare(&self, raw: &[f32], out: &mut Vec<f32>) -> Result<()> {
        super::prep::prepare(&self.entry.transform, &self.entry.normalisation, raw, out)
    }

    /// Class probabilities for one extracted feature row.
    pub fn predict(&self, raw: &[f32], device: &Device) -> Result<Vec<f32>> {
        super::blocking(device, self.predict_async(raw, device))
    }

    /// [`LoadedModel::predict`] on any device, WebGPU in a browser included.
    pub async fn predict_async(&self, raw: &[f32], device: &Device) -> Result<Vec<f32>> {
        let mut x = Vec::new();
        self.prepare(raw, &mut x)?;
        if let Some(cpu) = &self.cpu {
            return Ok(super::cpu::softmax(&cpu.logits(&x)));
        }
        let n = x.len();
        let logits = self
            .net
            .forward(Tensor::from_data(TensorData::new(x, [1, n]), device));
        super::read_f32(softmax(logits, 1), "probabilities").await
    }
}

/// A loaded bundle.
#[derive(Debug)]
pub struct Bundle {
    /// The manifest.
    pub manifest: BundleManifest,
    /// Its models, in manifest order.
    pub models: Vec<LoadedModel>,
}

/// What a bundle says of one track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Per model: the feature and its class probabilities.
    pub models: Vec<(Feature, Vec<f32>)>,
    /// Mean of the models' probabilities.
    pub ensemble: Vec<f32>,
}

impl Prediction {
    /// Index of the most probable class of the ensemble.
    pub fn top(&self) -> usize {
        argmax(&self.ensemble)
    }
}

/// Index of the largest value (the first on ties).
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

/// What a bundle says of a whole track: one prediction per timeline window and their mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackPrediction {
    /// Sample rate of the windows' bounds (the bundle's).
    pub sample_rate: u32,
    /// `[start, end)` of each window in samples, and what the bundle says of it.
    pub windows: Vec<(usize, usize, Prediction)>,
    /// The mean over the windows, per model and for the ensemble: the track's prediction.
    pub mean: Prediction,
}

impl TrackPrediction {
    /// The mean of `predictions` (all of the same models), model by model.
    pub fn mean_of(predictions: &[&Prediction]) -> Prediction {
        let n = predictions.len().max(1) as f32;
        let first = predictions.first();
        let mean = |pick: &dyn Fn(&Prediction) -> &[f32]| -> Vec<f32> {
            let len = first.map_or(0, |p| pick(p).len());
            let mut out = vec![0.0f32; len];
            for p in predictions {
                out.iter_mut().zip(pick(p)).for_each(|(o, &v)| *o += v / n);
            }
            out
        };
        let models = first.map_or_else(Vec::new, |p| {
            p.models
                .iter()
                .enumerate()
                .map(|(i, (feature, _))| {
                    (*feature, mean(&|q: &Prediction| q.models[i].1.as_slice()))
                })
                .collect()
        });
        Prediction {
            models,
            ensemble: mean(&|q: &Prediction| q.ensemble.as_slice()),
        }
    }
}

impl Bundle {
    /// Parses `manifest.json` and loads every model's weights through `read(weights_name)`.
    pub fn load(
        manifest_json: &str,
        mut read: impl FnMut(&str) -> Result<Vec<u8>>,
        device: &Device,
    ) -> Result<Bundle> {
        let manifest: BundleManifest = serde_json::from_str(manifest_json)
            .map_err(|e| Error::Bundle(format!("manifest.json: {e}")))?;
        if manifest.format != FORMAT {
            return Err(Error::Bundle(format!(
                "manifest.json: format {}, this build reads {FORMAT}",
                manifest.format
            )));
        }
        let mut models = Vec::with_capacity(manifest.models.len());
        for entry in &manifest.models {
            let bytes = read(&entry.weights)?;
            models.push(LoadedModel::load(
                entry.clone(),
                manifest.classes.len(),
                bytes,
                device,
            )?);
        }
        Ok(Bundle { manifest, models })
    }

    /// The same bundle running burn's modules on every device, flex included.
    pub fn modules_only(mut self) -> Self {
        self.models = self
            .models
            .into_iter()
            .map(LoadedModel::modules_only)
            .collect();
        self
    }

    /// The features the bundle's models read.
    pub fn features(&self) -> Vec<Feature> {
        self.models.iter().map(|m| m.entry.feature).collect()
    }

    /// The MusiCNN models whose runs over a track its embedding features are made of (see
    /// [`Bundle::predict_track`]).
    pub fn musicnn_models(&self) -> Vec<TagModel> {
        let mut out = Vec::new();
        for f in self.features() {
            if let Source::Embedding(model) = f.spec().source
                && !out.contains(&model)
            {
                out.push(model);
            }
        }
        out
    }

    /// Predicts every timeline window of `signal` (mono, at the bundle's sample rate; see
    /// [`super::timeline_windows`]: windows of the bundle's signal length every half window, a
    /// short track zero-padded to one window) and their mean. After each window,
    /// `progress(&so_far, total)` sees the prediction of the windows done so far, so a caller
    /// can show a first genre before the last window.
    ///
    /// `musicnn` holds a run over the whole track of each model in
    /// [`Bundle::musicnn_models`] (none when it is empty): a window's embedding features pool
    /// the patches inside the window ([`crate::musicnn::patches_in`]).
    pub fn predict_track(
        &self,
        signal: &[f32],
        musicnn: &[TrackAnalysis],
        device: &Device,
        progress: impl FnMut(&TrackPrediction, usize),
    ) -> Result<TrackPrediction> {
        super::blocking(
            device,
            self.predict_track_async(signal, musicnn, device, progress),
        )
    }

    /// [`Bundle::predict_track`] on any device, WebGPU in a browser included.
    pub async fn predict_track_async(
        &self,
        signal: &[f32],
        musicnn: &[TrackAnalysis],
        device: &Device,
        mut progress: impl FnMut(&TrackPrediction, usize),
    ) -> Result<TrackPrediction> {
        let m = &self.manifest;
        let total = self.window_count(signal.len());
        let mut windows = Vec::with_capacity(total);
        for i in 0..total {
            windows.extend(
                self.predict_windows_async(signal, musicnn, i..i + 1, device)
                    .await?,
            );
            let so_far = TrackPrediction {
                sample_rate: m.feature_config.sr,
                mean: TrackPrediction::mean_of(&windows.iter().map(|w| &w.2).collect::<Vec<_>>()),
                windows,
            };
            progress(&so_far, total);
            if i + 1 == total {
                return Ok(so_far);
            }
            windows = so_far.windows;
        }
        unreachable!("timeline_windows gives at least one window")
    }

    /// How many timeline windows a signal of `samples` has ([`super::timeline_windows`]).
    pub fn window_count(&self, samples: usize) -> usize {
        super::timeline_windows(samples, self.manifest.signal_samples).len()
    }

    /// The timeline windows numbered `which` of `signal` (as [`Bundle::predict_track_async`]
    /// cuts them): `[start, end)` in samples and the prediction of each, in order. Workers that
    /// share a track's windows each run a range.
    pub async fn predict_windows_async(
        &self,
        signal: &[f32],
        musicnn: &[TrackAnalysis],
        which: std::ops::Range<usize>,
        device: &Device,
    ) -> Result<Vec<(usize, usize, Prediction)>> {
        let m = &self.manifest;
        let window = m.signal_samples;
        let starts = super::timeline_windows(signal.len(), window);
        let asked = starts.get(which.clone()).ok_or_else(|| {
            Error::Bundle(format!(
                "windows {which:?} asked of a track with {} windows",
                starts.len()
            ))
        })?;
        let features = self.features();
        let mut out = Vec::with_capacity(asked.len());
        let mut y = Vec::with_capacity(window);
        for &start in asked {
            let end = (start + window).min(signal.len());
            y.clear();
            y.extend_from_slice(&signal[start..end]);
            y.resize(window, 0.0);
            let sr = f64::from(m.feature_config.sr);
            let embedder = WindowEmbedder {
                tracks: musicnn,
                start: start as f64 / sr,
                end: (start + window) as f64 / sr,
            };
            let set = crate::compute_with(&y, &m.feature_config, &features, &embedder)?;
            out.push((start, end, self.predict_async(&set, device).await?));
        }
        Ok(out)
    }

    /// Runs every model whose feature `features` holds and averages their probabilities.
    pub fn predict(&self, features: &FeatureSet, device: &Device) -> Result<Prediction> {
        super::blocking(device, self.predict_async(features, device))
    }

    /// [`Bundle::predict`] on any device, WebGPU in a browser included.
    pub async fn predict_async(
        &self,
        features: &FeatureSet,
        device: &Device,
    ) -> Result<Prediction> {
        let mut models = Vec::new();
        // On the CPU kernels, the models' inputs are prepared here and the models run at once
        // (on every core natively).
        let mut on_cpu: Vec<(&CpuModel, Vec<f32>)> = Vec::new();
        for m in &self.models {
            let Some(x) = features.get(m.entry.feature) else {
                continue;
            };
            let raw: Vec<f32> = x.iter().copied().collect();
            match &m.cpu {
                Some(cpu) => {
                    let mut input = Vec::new();
                    m.prepare(&raw, &mut input)?;
                    on_cpu.push((cpu, input));
                    models.push((m.entry.feature, Vec::new()));
                }
                None => models.push((m.entry.feature, m.predict_async(&raw, device).await?)),
            }
        }
        let mut probabilities = vec![Vec::new(); on_cpu.len()];
        super::kernels::for_each_chunk(&mut probabilities, 1, |i, p| {
            p[0] = super::cpu::softmax(&on_cpu[i].0.logits(&on_cpu[i].1));
        });
        let mut computed = probabilities.into_iter();
        for (_, p) in models.iter_mut().filter(|(_, p)| p.is_empty()) {
            *p = computed.next().expect("one result per model on the CPU");
        }
        if models.is_empty() {
            return Err(Error::Bundle(
                "none of the bundle's features were computed".into(),
            ));
        }
        let mut ensemble = vec![0.0f32; self.manifest.classes.len()];
        for (_, p) in &models {
            ensemble.iter_mut().zip(p).for_each(|(e, &v)| *e += v);
        }
        let n = models.len() as f32;
        ensemble.iter_mut().for_each(|e| *e /= n);
        Ok(Prediction { models, ensemble })
    }
}
