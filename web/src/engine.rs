//! What an analysis worker does with each request, apart from the browser: decode the file,
//! keep the run's signals, run a task on them with the models the worker loaded, and say what
//! went wrong in a [`Response::Failed`]. [`crate::worker`] is this engine's glue to the Web
//! Worker (messages, fetches, promises); the `worker_protocol` fuzz target drives the same
//! engine natively with any sequence of requests a page could send.
//!
//! No request may panic the worker: a malformed or out-of-range request (a range of windows or
//! patches past the track's, a signal of no whole `f32`s or of samples no decoder gives, a task
//! before its signal) is that run's failure, and the worker takes the next.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use genrescope_core::FeatureConfig;
use genrescope_core::audio::MAX_AMPLITUDE;
use genrescope_core::model::Bundle;
use genrescope_core::musicnn::{self, net::Tagger};
use ndarray::Array2;

use crate::analysis::{self, TrackInfo};
use crate::backend::Choice;
use crate::error::{AppError, WorkerError};
use crate::protocol::{BundleStatus, Request, Response, Step, Task};

/// A model set loaded on the device that runs it.
pub struct Loaded<T> {
    /// The models.
    pub model: T,
    /// The device and the backend's name.
    pub on: Choice,
}

/// A load's outcome, shared by every request that waits for it.
pub type Load<T> = Rc<Result<Loaded<T>, AppError>>;

/// What the engine needs from the worker around it.
#[expect(
    async_fn_in_trait,
    reason = "a worker is one thread: no future here is sent to another"
)]
pub trait Host {
    /// Sends `response` to the page, with `data` (`f32` values) transferred alongside.
    fn post(&self, response: &Response, data: Option<&[f32]>);
    /// The genre models once their load has finished; `waiting` is called first when it has
    /// not.
    async fn bundle(&self, waiting: impl Fn()) -> Load<Bundle>;
    /// MusiCNN once its load has finished.
    async fn tagger(&self) -> Load<Tagger>;
}

/// A request's payload, as the worker received it.
pub trait Payload {
    /// The bytes (a file's).
    fn into_bytes(self) -> Vec<u8>;
    /// The `f32` values (a signal's), or why there are none.
    fn into_f32(self) -> Result<Vec<f32>, String>;
}

/// Little-endian `f32`s, as [`protocol::f32_buffer`](crate::protocol::f32_buffer) writes them.
impl Payload for Vec<u8> {
    fn into_bytes(self) -> Vec<u8> {
        self
    }

    fn into_f32(self) -> Result<Vec<f32>, String> {
        if !self.len().is_multiple_of(4) {
            return Err(not_whole_f32(self.len()));
        }
        Ok(self
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

/// Why a payload of `len` bytes holds no signal.
pub fn not_whole_f32(len: usize) -> String {
    format!("{len} bytes are not a whole number of f32")
}

/// One run's decoded track, as the tasks read it.
struct Track {
    run: u64,
    /// The mono signal at each sample rate the tasks need.
    signals: HashMap<u32, Rc<Vec<f32>>>,
    /// MusiCNN's log-mel patches of the 16 kHz signal, cut on the first patch task.
    patches: Option<Rc<Vec<Array2<f32>>>>,
}

/// A worker's memory between requests: the signals of the run it works on.
pub struct Engine {
    track: RefCell<Option<Track>>,
    /// `?fault=die-on-patches` (the pool's tests): panic on the first patch task.
    die_on_patches: bool,
}

/// The page's query parameter that makes a worker fail on purpose, and its value.
pub const FAULT: (&str, &str) = ("fault", "die-on-patches");

impl Engine {
    /// An engine for a worker whose query string is `query` (`?fault=die-on-patches` makes it
    /// panic on its first patch task: the pool's tests).
    pub fn new(query: &str) -> Self {
        let fault = format!("{}={}", FAULT.0, FAULT.1);
        Engine {
            track: RefCell::default(),
            die_on_patches: query.trim_start_matches('?').split('&').any(|p| p == fault),
        }
    }

    /// Handles one request: its responses go to `host`, a failure as [`Response::Failed`], and
    /// every request but a signal ends with [`Response::Idle`].
    pub async fn handle(&self, host: &impl Host, request: Request, data: Option<impl Payload>) {
        let run = request.run();
        let done = match request {
            Request::Analyse { run, name } => {
                let bytes = data.map(Payload::into_bytes).unwrap_or_default();
                self.analyse(host, run, &name, bytes).await
            }
            Request::Signal { run, sr } => {
                let kept = match data.map(Payload::into_f32) {
                    Some(Ok(values)) => audio(sr, &values).map(|()| {
                        self.keep_signal(run, sr, values);
                    }),
                    Some(Err(e)) => Err(AppError::Internal(e)),
                    None => Err(AppError::Internal(format!(
                        "the signal at {sr} Hz came without values"
                    ))),
                };
                if let Err(e) = kept {
                    fail(host, run, &e);
                }
                // A signal is not a task: the page does not wait for it.
                return;
            }
            Request::Task { run, task } => self.run_task(host, run, task).await,
        };
        if let Err(e) = done {
            fail(host, run, &e);
        }
        host.post(&Response::Idle { run }, None);
    }

    /// Keeps `values` as the run's signal at `sr`, dropping an older run's.
    fn keep_signal(&self, run: u64, sr: u32, values: Vec<f32>) {
        let mut track = self.track.borrow_mut();
        if track.as_ref().is_none_or(|t| t.run != run) {
            *track = Some(Track {
                run,
                signals: HashMap::new(),
                patches: None,
            });
        }
        if let Some(track) = track.as_mut() {
            track.signals.insert(sr, Rc::new(values));
        }
    }

    /// The run's signal at `sr`.
    fn signal(&self, run: u64, sr: u32) -> Result<Rc<Vec<f32>>, AppError> {
        self.track
            .borrow()
            .as_ref()
            .filter(|t| t.run == run)
            .and_then(|t| t.signals.get(&sr).cloned())
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "run {run}: no signal at {sr} Hz was sent before its task"
                ))
            })
    }

    /// The signals of the run the engine holds.
    fn signals(&self) -> Vec<(u32, Rc<Vec<f32>>)> {
        self.track
            .borrow()
            .as_ref()
            .map(|t| t.signals.iter().map(|(sr, y)| (*sr, y.clone())).collect())
            .unwrap_or_default()
    }

    /// Decodes the file, posts the track, the bundle's status, the signals the tasks read (kept
    /// here too) and the plan.
    async fn analyse(
        &self,
        host: &impl Host,
        run: u64,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<(), AppError> {
        let progress = |step| Response::Progress {
            run,
            step,
            done: 0,
            total: 1,
        };
        host.post(&progress(Step::Decoding), None);
        let decoded = analysis::decode_limited(bytes, name, &analysis::LIMITS)?;
        let info = TrackInfo::of(&decoded);
        host.post(&Response::Track { run, info }, None);
        let resample = |sr: u32| {
            decoded
                .window(sr, 0.0, None)
                .map_err(|e| AppError::Internal(format!("could not resample \"{name}\": {e}")))
        };
        let features_sr = FeatureConfig::default().sr;
        let y16k = resample(musicnn::SR)?;
        let patches = musicnn::patch_count(y16k.len());
        self.keep_signal(run, musicnn::SR, y16k);
        self.keep_signal(run, features_sr, resample(features_sr)?);

        // The genre is what most people wait for: its windows are planned as soon as the models
        // are in (they were fetched while the visitor chose the file).
        let bundle = host
            .bundle(|| host.post(&progress(Step::LoadingModels), None))
            .await;
        let (status, windows) = match bundle.as_ref() {
            Ok(Loaded { model: b, on }) => {
                let sr = b.manifest.feature_config.sr;
                if sr != features_sr && sr != musicnn::SR {
                    self.keep_signal(run, sr, resample(sr)?);
                }
                let samples = self.signal(run, sr)?.len();
                let status = BundleStatus::Loaded {
                    classes: b.manifest.classes.clone(),
                    features: b.features(),
                    window_seconds: b.manifest.signal_samples as f64 / f64::from(sr),
                    backend: on.backend.clone(),
                    dataset: b.manifest.dataset.clone(),
                };
                (status, b.window_count(samples))
            }
            Err(e) => (BundleStatus::Missing { error: e.into() }, 0),
        };
        host.post(&Response::Bundle { run, status }, None);
        for (sr, y) in self.signals() {
            host.post(&Response::Signal { run, sr }, Some(&y));
        }
        let plan = Response::Plan {
            run,
            windows,
            patches,
        };
        host.post(&plan, None);
        Ok(())
    }

    /// Runs one share of the run's work and posts its results.
    async fn run_task(&self, host: &impl Host, run: u64, task: Task) -> Result<(), AppError> {
        match task {
            Task::Windows {
                first,
                end,
                musicnn,
            } => {
                let bundle = host.bundle(|| {}).await;
                let Loaded { model: bundle, on } = match bundle.as_ref() {
                    Ok(loaded) => loaded,
                    Err(e) => {
                        let e = WorkerError::from(e);
                        return Err(AppError::Worker(WorkerError {
                            message: format!("the genre models did not load in this worker ({e})"),
                            ..e
                        }));
                    }
                };
                let sr = bundle.manifest.feature_config.sr;
                let y = self.signal(run, sr)?;
                let windows = bundle
                    .predict_windows_async(&y, &musicnn, first..end, &on.device)
                    .await
                    .map_err(|e| AppError::model("could not predict the genre", e))?;
                let response = Response::Windows {
                    run,
                    first,
                    sample_rate: sr,
                    windows,
                };
                host.post(&response, None);
            }
            Task::Features { features } => {
                let cfg = FeatureConfig::default();
                let y = self.signal(run, cfg.sr)?;
                let set = genrescope_core::compute(&y, &cfg, &features)
                    .map_err(|e| AppError::features("the track", e))?;
                for (feature, array) in &set.entries {
                    let values = array.as_slice().ok_or_else(|| {
                        AppError::Internal(format!("{feature}: the array is not contiguous"))
                    })?;
                    let response = Response::Feature {
                        run,
                        feature: *feature,
                        shape: array.shape().to_vec(),
                    };
                    host.post(&response, Some(values));
                }
            }
            Task::Patches { first, end } => self.tag(host, run, first, end).await?,
        }
        Ok(())
    }

    /// MusiCNN on patches `first..end` of the run.
    async fn tag(
        &self,
        host: &impl Host,
        run: u64,
        first: usize,
        end: usize,
    ) -> Result<(), AppError> {
        if self.die_on_patches {
            panic!(
                "{}={}: this worker dies on its first patch task",
                FAULT.0, FAULT.1
            );
        }
        let tagger = host.tagger().await;
        let Loaded { model: tagger, on } = match tagger.as_ref() {
            Ok(loaded) => loaded,
            Err(e) => {
                let error = e.into();
                host.post(&Response::TagsMissing { run, error }, None);
                return Ok(());
            }
        };
        let patches = self.patches(run)?;
        let slice = patches.get(first..end).ok_or_else(|| {
            AppError::Internal(format!("patches {first}..{end} of {}", patches.len()))
        })?;
        let outputs = tagger
            .patch_outputs_async(slice)
            .await
            .map_err(|e| AppError::model("could not tag the track", e))?;
        let analysis = tagger.track_analysis(outputs);
        let response = Response::Patches {
            run,
            first,
            model: tagger.model,
            rows: analysis.tags,
            penultimate: analysis.penultimate,
            backend: on.backend.clone(),
        };
        host.post(&response, None);
        Ok(())
    }

    /// MusiCNN's patches of the run's 16 kHz signal, cut once per run.
    fn patches(&self, run: u64) -> Result<Rc<Vec<Array2<f32>>>, AppError> {
        let cut = self
            .track
            .borrow()
            .as_ref()
            .filter(|t| t.run == run)
            .and_then(|t| t.patches.clone());
        if let Some(p) = cut {
            return Ok(p);
        }
        let y = self.signal(run, musicnn::SR)?;
        let mel =
            musicnn::log_mel(&y).map_err(|e| AppError::model("could not tag the track", e))?;
        let patches = Rc::new(musicnn::patches(mel.view()));
        if let Some(t) = self.track.borrow_mut().as_mut() {
            t.patches = Some(patches.clone());
        }
        Ok(patches)
    }
}

/// A signal from the page holds what a decoder gives ([`MAX_AMPLITUDE`]): finite samples, none
/// beyond ±2^16, so that every feature of it is finite.
fn audio(sr: u32, values: &[f32]) -> Result<(), AppError> {
    match values.iter().position(|v| !(v.abs() <= MAX_AMPLITUDE)) {
        Some(i) => Err(AppError::Internal(format!(
            "the signal at {sr} Hz has sample {i} = {}: not audio",
            values[i]
        ))),
        None => Ok(()),
    }
}

/// Tells the page that `run` stopped, with the error's kind.
fn fail(host: &impl Host, run: u64, error: &AppError) {
    let error = error.into();
    host.post(&Response::Failed { run, error }, None);
}
