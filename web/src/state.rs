//! The page's shared state: one analysis session, provided as context to every component. The
//! work itself runs in a pool of analysis workers ([`crate::worker`], [`crate::pool`]); this
//! side starts them, sends the file, hands out the shares and merges their results, in order,
//! into signals.

use std::sync::Arc;

use genrescope_core::features::Source;
use genrescope_core::model::{Prediction, TrackPrediction};
use genrescope_core::musicnn::net::Taggram;
use genrescope_core::musicnn::{TagModel, TrackAnalysis};
use genrescope_core::plot::{FeaturePlot, feature_plot};
use genrescope_core::{Feature, FeatureConfig};
use leptos::prelude::*;
use leptos::task::spawn_local;
use ndarray::{ArrayD, IxDyn};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::analysis::{FeatureStats, TrackInfo};
use crate::backend::{self, Backend, Preference};
use crate::browser::{describe, read_file};
use crate::error::{AppError, WorkerError};
use crate::pool::{self, Pool, Slot};
use crate::protocol::{self, BundleStatus, Response, Step};

/// The worker's loader, written by trunk beside `index.html` (relative: any sub-path works).
pub const WORKER_URL: &str = "./genrescope-worker_loader.js";

/// The same worker built with WebGPU (`genrescope-gpu-worker`), fetched only when it is used.
pub const GPU_WORKER_URL: &str = "./genrescope-gpu-worker_loader.js";

/// Where the analysis of the chosen file stands. Its [`Phase::key`] is `#status`'s
/// `data-state`, which the end-to-end tests wait on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No file chosen yet.
    Idle,
    /// The browser is handing over the file's bytes.
    Reading,
    /// The worker is at a step.
    Working(Step),
    /// Everything is shown.
    Done,
    /// `#error` says what went wrong.
    Failed,
}

impl Phase {
    /// The phase as a stable lowercase word.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Reading => "reading",
            Phase::Working(Step::Decoding) => "decoding",
            Phase::Working(Step::LoadingModels) => "loading-models",
            Phase::Working(Step::Predicting) => "predicting",
            Phase::Working(Step::Computing) => "computing",
            Phase::Working(Step::Tagging) => "tagging",
            Phase::Done => "done",
            Phase::Failed => "failed",
        }
    }

    /// Whether work is under way.
    pub fn is_busy(self) -> bool {
        matches!(self, Phase::Reading | Phase::Working(_))
    }
}

/// One feature of the track, ready to draw.
#[derive(Clone, Debug)]
pub struct FeatureView {
    /// What is drawn.
    pub plot: Arc<FeaturePlot>,
    /// `data-stats` of its canvas.
    pub stats: Arc<FeatureStats>,
}

/// The analysis of the file the user chose last. `Copy`: every field is a signal.
///
/// Choosing a new file starts a new run; messages of an older run are dropped.
#[derive(Clone, Copy)]
pub struct Session {
    /// The chosen file's name.
    pub file_name: RwSignal<Option<String>>,
    /// Where the analysis stands, and how far (`done` of `total`).
    pub phase: RwSignal<Phase>,
    pub progress: RwSignal<(usize, usize)>,
    /// Duration and format of the track, once decoded.
    pub track: RwSignal<Option<TrackInfo>>,
    /// Whether there are models, once the worker has looked.
    pub bundle: RwSignal<Option<BundleStatus>>,
    /// The genre of every window and of the track.
    pub prediction: RwSignal<Option<Arc<TrackPrediction>>>,
    /// Whether every window is in (else the genre is that of the windows so far).
    pub prediction_complete: RwSignal<bool>,
    /// Milliseconds from choosing the file to the first genre shown.
    pub prediction_ms: RwSignal<Option<f64>>,
    /// MusiCNN's tags of the patches so far.
    pub tags: RwSignal<Option<Arc<Taggram>>>,
    /// Whether every patch is tagged.
    pub tags_complete: RwSignal<bool>,
    /// Why MusiCNN could not run, if it could not.
    pub tags_missing: RwSignal<Option<WorkerError>>,
    /// The backend MusiCNN runs on.
    pub tags_backend: RwSignal<Option<Backend>>,
    /// Every feature received so far, in the registry's order.
    pub features: RwSignal<Vec<FeatureView>>,
    /// Step timings of the finished run.
    pub timings: RwSignal<Vec<(String, f64)>>,
    /// How many workers have run a share of this run.
    pub workers_used: RwSignal<usize>,
    /// What went wrong, if anything.
    pub error: RwSignal<Option<AppError>>,
    /// Number of the current run: 0 before the first file, one more for each file chosen.
    pub run: RwSignal<u64>,
    /// An object URL of the chosen file, for the `<audio>` player.
    pub audio_url: RwSignal<Option<String>>,
    /// The player's position in seconds.
    pub playhead: RwSignal<f64>,
    /// A request to move the player to this time (set by clicks on plots).
    pub seek: RwSignal<Option<f64>>,
    /// Counts the window's resizes: plots drawn at their shown size track it.
    pub viewport: RwSignal<u64>,
    started_ms: RwSignal<f64>,
    /// The workers and the queue of the current run's shares.
    pool: StoredValue<Pool, LocalStorage>,
    /// The address the workers were started from (a replacement uses it too).
    worker_url: StoredValue<Option<String>>,
    /// The current run's results as they come in, in plan order.
    merge: StoredValue<Merge>,
    /// Whether the current worker said it runs a model set on WebGPU.
    webgpu_used: StoredValue<bool>,
    /// Set when a worker running WebGPU died: the next ones run on flex.
    flex_only: StoredValue<bool>,
}

/// One run's results from every worker, by their place in the track.
#[derive(Default)]
struct Merge {
    /// The plan came: how many of each there are.
    planned: bool,
    windows: Vec<Option<(usize, usize, Prediction)>>,
    sample_rate: u32,
    patches: Vec<Option<Vec<f32>>>,
    /// MusiCNN's penultimate layer of each patch, beside its tags.
    penultimate: Vec<Option<Vec<f32>>>,
    /// Timeline windows held back until MusiCNN has run over the whole track: the bundle's
    /// `musicnn` head reads its patches.
    deferred_windows: usize,
    model: Option<TagModel>,
    features: usize,
    tags_missing: bool,
    /// The workers that sent a result.
    contributors: std::collections::BTreeSet<usize>,
    /// Milliseconds from choosing the file to each step's end.
    timings: Vec<(String, f64)>,
}

impl Merge {
    fn windows_done(&self) -> usize {
        self.windows.iter().flatten().count()
    }

    /// The patches in, up to the first still missing (a taggram has no gaps).
    fn patch_prefix(&self) -> Vec<Vec<f32>> {
        self.patches.iter().map_while(|p| p.clone()).collect()
    }

    fn tags_done(&self) -> bool {
        self.tags_missing || self.patches.iter().all(Option::is_some)
    }

    /// MusiCNN's run over the whole track, once every patch is in.
    fn musicnn_run(&self) -> Option<TrackAnalysis> {
        Some(TrackAnalysis {
            model: Some(self.model?),
            tags: self.patches.iter().cloned().collect::<Option<_>>()?,
            penultimate: self.penultimate.iter().cloned().collect::<Option<_>>()?,
        })
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// An idle session.
    pub fn new() -> Self {
        Session {
            file_name: RwSignal::new(None),
            phase: RwSignal::new(Phase::Idle),
            progress: RwSignal::new((0, 0)),
            track: RwSignal::new(None),
            bundle: RwSignal::new(None),
            prediction: RwSignal::new(None),
            prediction_complete: RwSignal::new(false),
            prediction_ms: RwSignal::new(None),
            tags: RwSignal::new(None),
            tags_complete: RwSignal::new(false),
            tags_missing: RwSignal::new(None),
            tags_backend: RwSignal::new(None),
            features: RwSignal::new(Vec::new()),
            timings: RwSignal::new(Vec::new()),
            workers_used: RwSignal::new(0),
            error: RwSignal::new(None),
            run: RwSignal::new(0),
            audio_url: RwSignal::new(None),
            playhead: RwSignal::new(0.0),
            seek: RwSignal::new(None),
            viewport: RwSignal::new(0),
            started_ms: RwSignal::new(0.0),
            pool: StoredValue::new_local(Pool::default()),
            worker_url: StoredValue::new(None),
            merge: StoredValue::new(Merge::default()),
            webgpu_used: StoredValue::new(false),
            flex_only: StoredValue::new(false),
        }
    }

    /// The session provided by [`crate::App`].
    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    /// Starts analysing `file`, replacing whatever was shown. Workers still busy with an
    /// earlier file finish their current share and go on with this one.
    pub fn analyse(self, file: web_sys::File) {
        let run = self.run.get_untracked() + 1;
        self.pool.update_value(|p| p.begin(run));
        self.merge.set_value(Merge::default());
        self.run.set(run);
        self.started_ms.set(js_sys::Date::now());
        self.file_name.set(Some(file.name()));
        self.track.set(None);
        self.prediction.set(None);
        self.prediction_ms.set(None);
        self.prediction_complete.set(false);
        self.tags.set(None);
        self.tags_complete.set(false);
        self.tags_missing.set(None);
        self.tags_backend.set(None);
        self.features.set(Vec::new());
        self.timings.set(Vec::new());
        self.workers_used.set(0);
        self.error.set(None);
        self.playhead.set(0.0);
        self.progress.set((0, 0));
        self.phase.set(Phase::Reading);
        if let Some(old) = self.audio_url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        self.audio_url
            .set(web_sys::Url::create_object_url_with_blob(&file).ok());
        self.start_worker();
        spawn_local(async move {
            let name = file.name();
            let bytes = match read_file(&file).await {
                Ok(bytes) => bytes,
                Err(e) => return self.fail(run, e),
            };
            if self.run.get_untracked() != run {
                return;
            }
            // The first worker to be free decodes it (once they have all said Ready).
            self.pool
                .update_value(|p| p.analyse(run, name, protocol::byte_buffer(&bytes)));
            self.dispatch();
        });
    }

    /// Starts the workers now, so they fetch the models while the visitor picks a song.
    pub fn start_worker(self) {
        if self.worker_url.get_value().is_some() {
            return;
        }
        self.worker_url.set_value(Some(String::new()));
        spawn_local(async move {
            let url = self.url_of_workers().await;
            self.worker_url.set_value(Some(url.clone()));
            let query = web_sys::window()
                .and_then(|w| w.location().search().ok())
                .unwrap_or_default();
            // WebGPU runs one worker: the GPU is the parallel part.
            let size = if url.starts_with(GPU_WORKER_URL) {
                1
            } else {
                pool::size(&query)
            };
            for i in 0..size {
                match self.spawn(i, &url) {
                    Ok(worker) => self.pool.update_value(|p| p.slots.push(Slot::new(worker))),
                    Err(e) => web_sys::console::error_1(
                        &format!("could not start an analysis worker: {}", describe(&e)).into(),
                    ),
                }
            }
        });
    }

    /// Starts worker `i` from `url`, its messages and errors wired to this session.
    fn spawn(self, i: usize, url: &str) -> Result<Worker, JsValue> {
        let worker = Worker::new(url)?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            self.receive(i, &event.data());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        // An uncaught error inside the worker is an ErrorEvent; a script that cannot be fetched
        // (a site without the WebGPU worker) is a plain Event, with no message to read.
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            let why = match event.dyn_ref::<web_sys::ErrorEvent>() {
                Some(error) => error.message(),
                None => "its script could not be loaded".to_string(),
            };
            self.worker_died(i, &why);
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(worker)
    }

    /// Worker `i` died (a panic, memory, a GPU driver): a new one takes its place and its share
    /// is run again by the next free worker; the run fails only when its file killed the
    /// decoding worker or a share killed two.
    fn worker_died(self, i: usize, why: &str) {
        web_sys::console::warn_1(&format!("analysis worker {i} stopped: {why}").into());
        let started = self
            .pool
            .with_value(|p| p.slots.get(i).is_some_and(|s| s.ready));
        let gpu_worker = self
            .worker_url
            .get_value()
            .is_some_and(|u| u.starts_with(GPU_WORKER_URL));
        if self.webgpu_used.get_value() || (gpu_worker && !started) {
            // A GPU driver that kills the worker would kill every run, and a GPU worker that
            // never starts (a site deployed without it, or still building it) never will:
            // flex from now on.
            self.flex_only.set_value(true);
            self.webgpu_used.set_value(false);
        }
        let url = if self.flex_only.get_value() {
            format!(
                "{WORKER_URL}?{}={}",
                backend::PARAMETER,
                backend::FLEX_AFTER_FAILURE
            )
        } else {
            // Without the test's fault: the replacement is a healthy worker.
            let url = self.worker_url.get_value().unwrap_or_default();
            let fault = format!("{}={}", crate::engine::FAULT.0, crate::engine::FAULT.1);
            url.replace(&format!("&{fault}"), "")
                .replace(&format!("{fault}&"), "")
                .replace(&format!("?{fault}"), "")
        };
        let lost = match self.spawn(i, &url) {
            Ok(worker) => self
                .pool
                .try_update_value(|p| p.replace(i, worker))
                .flatten(),
            Err(e) => {
                web_sys::console::error_1(
                    &format!("could not restart a worker: {}", describe(&e)).into(),
                );
                None
            }
        };
        if let Some(job) = lost {
            let run = self.run.get_untracked();
            self.pool.update_value(|p| p.cancel(run));
            self.fail(
                run,
                AppError::Internal(format!(
                    "the analysis stopped unexpectedly ({why}); choose the file again or another one{}",
                    if matches!(job, pool::Job::Analyse { .. }) { "" } else { " (a share of the work stopped two workers)" }
                )),
            );
        }
        self.dispatch();
    }

    /// Hands queued shares to free workers.
    fn dispatch(self) {
        if let Some(Err(e)) = self.pool.try_update_value(Pool::dispatch) {
            self.fail(
                e.run,
                AppError::Internal(format!("could not start the analysis: {}", e.message)),
            );
        }
    }

    /// The worker's address: the WebGPU build when [`backend::wanted`] says WebGPU, else the
    /// flex one; the page's own query (`?backend=…`) goes along, unless a worker on WebGPU
    /// died, when flex is asked for.
    async fn url_of_workers(self) -> String {
        if self.flex_only.get_value() {
            return format!(
                "{WORKER_URL}?{}={}",
                backend::PARAMETER,
                backend::FLEX_AFTER_FAILURE
            );
        }
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let gpu = backend::wanted(Preference::from_query(&query))
            .await
            .is_ok();
        format!("{}{query}", if gpu { GPU_WORKER_URL } else { WORKER_URL })
    }

    /// Handles one message of worker `i`.
    fn receive(self, i: usize, message: &JsValue) {
        let (response, data) = match protocol::decode::<Response>(message) {
            Ok(m) => m,
            Err(e) => {
                web_sys::console::error_1(&format!("the page got {e}").into());
                return;
            }
        };
        match response {
            Response::Ready => {
                self.pool.update_value(|p| {
                    if let Some(slot) = p.slots.get_mut(i) {
                        slot.ready = true;
                    }
                });
                return self.dispatch();
            }
            Response::Idle { .. } => {
                self.pool.update_value(|p| p.idle_now(i));
                return self.dispatch();
            }
            _ => {}
        }
        let run = response.run();
        if run != self.run.get_untracked()
            || matches!(self.phase.get_untracked(), Phase::Failed | Phase::Done)
        {
            return;
        }
        if matches!(
            response,
            Response::Windows { .. } | Response::Patches { .. } | Response::Feature { .. }
        ) {
            let n = self
                .merge
                .try_update_value(|m| {
                    m.contributors.insert(i);
                    m.contributors.len()
                })
                .unwrap_or(0);
            self.workers_used.set(n);
        }
        match response {
            Response::Ready | Response::Idle { .. } => {}
            Response::Progress {
                step, done, total, ..
            } => {
                self.phase.set(Phase::Working(step));
                self.progress.set((done, total));
            }
            Response::Track { info, .. } => {
                self.mark("decode");
                self.track.set(Some(info));
            }
            Response::Bundle { status, .. } => {
                if let BundleStatus::Loaded { backend, .. } = &status
                    && backend.is_webgpu()
                {
                    self.webgpu_used.set_value(true);
                }
                self.bundle.set(Some(status));
            }
            Response::Signal { sr, .. } => match data {
                Some(values) => self.pool.update_value(|p| p.add_signal(i, run, sr, values)),
                None => {
                    return self.fail(
                        run,
                        AppError::Internal(format!("the signal at {sr} Hz came without values")),
                    );
                }
            },
            Response::Plan {
                windows, patches, ..
            } => self.plan(run, windows, patches),
            Response::Windows {
                first,
                sample_rate,
                windows,
                ..
            } => self.merge_windows(first, sample_rate, windows),
            Response::Patches {
                first,
                model,
                rows,
                penultimate,
                backend,
                ..
            } => {
                if backend.is_webgpu() {
                    self.webgpu_used.set_value(true);
                }
                self.tags_backend.set(Some(backend));
                self.merge_patches(run, first, model, rows, penultimate);
            }
            Response::TagsMissing { error, .. } => {
                let deferred = self.merge.with_value(|m| m.deferred_windows);
                self.merge.update_value(|m| m.tags_missing = true);
                self.pool.update_value(|p| p.drop_patches(run));
                self.tags_missing.set(Some(error.clone()));
                if deferred > 0 {
                    self.pool.update_value(|p| p.cancel(run));
                    return self.fail(
                        run,
                        AppError::Worker(WorkerError {
                            message: format!(
                                "the bundle's musicnn model reads MusiCNN, which did not load ({})",
                                error.message
                            ),
                            ..error
                        }),
                    );
                }
            }
            Response::Feature { feature, shape, .. } => {
                if let Err(e) = self.add_feature(feature, &shape, data.as_ref()) {
                    return self.fail(run, e);
                }
            }
            Response::Failed { error, .. } => {
                self.pool.update_value(|p| p.cancel(run));
                return self.fail(run, AppError::Worker(error));
            }
        }
        self.show_progress();
    }

    /// The worker's plan for the run: `windows` genre windows and `patches` MusiCNN patches,
    /// shared among the pool's workers.
    fn plan(self, run: u64, windows: usize, patches: usize) {
        // A head on MusiCNN's embedding waits for MusiCNN's run over the track.
        let deferred = if patches > 0 && self.bundle_reads_musicnn() {
            windows
        } else {
            0
        };
        self.merge.update_value(|m| {
            m.planned = true;
            m.windows = vec![None; windows];
            m.patches = vec![None; patches];
            m.penultimate = vec![None; patches];
            m.deferred_windows = deferred;
        });
        let workers = self.pool.with_value(|p| p.slots.len());
        self.pool.update_value(|p| {
            p.plan(run, pool::tasks(windows - deferred, patches, workers));
        });
        self.dispatch();
    }

    /// Whether a model of the bundle reads MusiCNN's embedding (the `musicnn` feature).
    fn bundle_reads_musicnn(self) -> bool {
        self.bundle.with_untracked(|b| match b {
            Some(BundleStatus::Loaded { features, .. }) => features
                .iter()
                .any(|f| matches!(f.spec().source, Source::Embedding(_))),
            _ => false,
        })
    }

    /// One feature's values: its view, in the registry's order, whichever worker computed it;
    /// once, though a worker that died after posting it had its share run again.
    fn add_feature(
        self,
        feature: Feature,
        shape: &[usize],
        data: Option<&js_sys::ArrayBuffer>,
    ) -> Result<(), AppError> {
        let values = match data.map(protocol::f32_values) {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(AppError::Internal(e)),
            None => {
                return Err(AppError::Internal(format!("{feature} came without values")));
            }
        };
        let view = feature_view(feature, shape, values).map_err(AppError::Internal)?;
        let at = |name: &str| Feature::LIBROSA.iter().position(|x| x.name() == name);
        let mut added = false;
        self.features.update(|f| {
            if f.iter().all(|v| v.stats.name != view.stats.name) {
                let place = f.partition_point(|v| at(v.stats.name) < at(view.stats.name));
                f.insert(place, view);
                added = true;
            }
        });
        if added {
            self.merge.update_value(|m| m.features += 1);
            if self.merge.with_value(|m| m.features) == Feature::LIBROSA.len() {
                self.mark("features");
            }
        }
        Ok(())
    }

    /// A share of windows: the genre of every window in so far, in order, and their mean.
    fn merge_windows(
        self,
        first: usize,
        sample_rate: u32,
        windows: Vec<(usize, usize, Prediction)>,
    ) {
        let (prediction, complete) = self
            .merge
            .try_update_value(|m| {
                m.sample_rate = sample_rate;
                for (k, w) in windows.into_iter().enumerate() {
                    if let Some(slot) = m.windows.get_mut(first + k) {
                        *slot = Some(w);
                    }
                }
                let windows: Vec<(usize, usize, Prediction)> =
                    m.windows.iter().flatten().cloned().collect();
                let mean =
                    TrackPrediction::mean_of(&windows.iter().map(|w| &w.2).collect::<Vec<_>>());
                let complete = windows.len() == m.windows.len();
                (
                    TrackPrediction {
                        sample_rate,
                        windows,
                        mean,
                    },
                    complete,
                )
            })
            .expect("the session's merge lives as long as the page");
        if self.prediction_ms.get_untracked().is_none() {
            self.prediction_ms
                .set(Some(js_sys::Date::now() - self.started_ms.get_untracked()));
        }
        if complete {
            self.mark("predict");
        }
        self.prediction_complete.set(complete);
        self.prediction.set(Some(Arc::new(prediction)));
    }

    /// A share of patches: the tags of the patches in so far, up to the first still missing;
    /// with the last of them, the timeline windows that waited for MusiCNN's run.
    fn merge_patches(
        self,
        run: u64,
        first: usize,
        model: TagModel,
        rows: Vec<Vec<f32>>,
        penultimate: Vec<Vec<f32>>,
    ) {
        let (prefix, complete, waiting) = self
            .merge
            .try_update_value(|m| {
                m.model = Some(model);
                for (k, row) in rows.into_iter().enumerate() {
                    if let Some(slot) = m.patches.get_mut(first + k) {
                        *slot = Some(row);
                    }
                }
                for (k, row) in penultimate.into_iter().enumerate() {
                    if let Some(slot) = m.penultimate.get_mut(first + k) {
                        *slot = Some(row);
                    }
                }
                let complete = m.tags_done();
                let waiting = match m.musicnn_run() {
                    Some(analysis) if m.deferred_windows > 0 => {
                        Some((std::mem::take(&mut m.deferred_windows), analysis))
                    }
                    _ => None,
                };
                (m.patch_prefix(), complete, waiting)
            })
            .expect("the session's merge lives as long as the page");
        if complete {
            self.mark("tags");
        }
        if let Some((windows, analysis)) = waiting {
            let workers = self.pool.with_value(|p| p.slots.len());
            self.pool.update_value(|p| {
                p.plan(run, pool::window_tasks(windows, &[analysis], workers));
            });
            self.dispatch();
        }
        if !prefix.is_empty() {
            self.tags_complete.set(complete);
            self.tags.set(Some(Arc::new(Taggram::of(model, prefix))));
        }
    }

    /// Records the time since the file was chosen under `step` (`data-timings`).
    fn mark(self, step: &str) {
        let ms = js_sys::Date::now() - self.started_ms.get_untracked();
        self.merge
            .update_value(|m| m.timings.push((step.to_string(), ms)));
    }

    /// `#status` from the merge: windows, then features, then patches; done once all are in.
    fn show_progress(self) {
        let Some((planned, windows, windows_done, features, tags_done, patches, patches_done)) =
            self.merge.try_with_value(|m| {
                (
                    m.planned,
                    m.windows.len(),
                    m.windows_done(),
                    m.features,
                    m.tags_done(),
                    m.patches.len(),
                    m.patches.iter().flatten().count(),
                )
            })
        else {
            return;
        };
        if !planned {
            return;
        }
        let all_features = Feature::LIBROSA.len();
        if windows_done < windows {
            self.phase.set(Phase::Working(Step::Predicting));
            self.progress.set((windows_done, windows));
        } else if features < all_features {
            self.phase.set(Phase::Working(Step::Computing));
            self.progress.set((features, all_features));
        } else if !tags_done {
            self.phase.set(Phase::Working(Step::Tagging));
            self.progress.set((patches_done, patches));
        } else {
            self.mark("total");
            let timings = self.merge.with_value(|m| m.timings.clone());
            self.timings.set(timings);
            self.phase.set(Phase::Done);
        }
    }

    /// One sentence for `#status`.
    pub fn status_text(&self) -> String {
        let name = self.file_name.get().unwrap_or_default();
        let (done, total) = self.progress.get();
        match self.phase.get() {
            Phase::Idle => {
                "Drop an audio file here or choose one (MP3, FLAC, Ogg Vorbis or WAV).".into()
            }
            Phase::Reading => format!("Reading {name}…"),
            Phase::Working(Step::Decoding) => format!("Decoding {name}…"),
            Phase::Working(Step::LoadingModels) => "Loading the genre models…".into(),
            Phase::Working(Step::Predicting) => {
                format!("Predicting the genre: window {done} of {total}…")
            }
            Phase::Working(Step::Computing) => format!("Computing features: {done} of {total}…"),
            Phase::Working(Step::Tagging) => {
                format!("Tagging with MusiCNN: patch {done} of {total}…")
            }
            Phase::Done => {
                let timings = self.timings.get();
                let total = timings.iter().find(|(k, _)| k == "total").map(|t| t.1);
                format!("{name}: analysed in {}.", milliseconds(total))
            }
            Phase::Failed => format!("{name} could not be analysed."),
        }
    }

    /// What the live region `#announce` tells a screen reader: each step as it starts (not its
    /// progress, which would talk over everything else), then the result — the genre and
    /// MusiCNN's strongest tags. Failures are `#error`'s to say.
    pub fn announcement(&self) -> String {
        let name = self.file_name.get().unwrap_or_default();
        match self.phase.get() {
            Phase::Idle | Phase::Failed => String::new(),
            Phase::Reading | Phase::Working(Step::Decoding) => format!("Analysing {name}."),
            Phase::Working(Step::LoadingModels) => "Loading the genre models.".into(),
            Phase::Working(Step::Predicting) => "Predicting the genre.".into(),
            Phase::Working(Step::Computing) => "Computing the features.".into(),
            Phase::Working(Step::Tagging) => "Tagging with MusiCNN.".into(),
            Phase::Done => {
                let mut said = format!("{name} analysed.");
                if let (Some(BundleStatus::Loaded { classes, .. }), Some(p)) =
                    (self.bundle.get(), self.prediction.get())
                {
                    let top = p.mean.top();
                    if let (Some(genre), Some(share)) = (classes.get(top), p.mean.ensemble.get(top))
                    {
                        said += &format!(" Genre: {genre}, {:.0} %.", share * 100.0);
                    }
                }
                if let Some(taggram) = self.tags.get() {
                    let tags: Vec<_> = taggram.top(3).into_iter().map(|(tag, _)| tag).collect();
                    said += &format!(" MusiCNN's strongest tags: {}.", tags.join(", "));
                }
                said
            }
        }
    }

    fn fail(self, run: u64, error: AppError) {
        if self.run.get_untracked() == run {
            self.error.set(Some(error));
            self.phase.set(Phase::Failed);
        }
    }
}

/// A feature's values as the page draws them (the default feature configuration's axes).
fn feature_view(
    feature: Feature,
    shape: &[usize],
    values: Vec<f32>,
) -> Result<FeatureView, String> {
    let array =
        ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| format!("{feature}: {e}"))?;
    let plot =
        feature_plot(feature, &array, &FeatureConfig::default()).map_err(|e| e.to_string())?;
    Ok(FeatureView {
        plot: Arc::new(plot),
        stats: Arc::new(FeatureStats::of(feature.name(), &array)),
    })
}

/// `850 ms` or `1.2 s`.
pub fn milliseconds(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms >= 1000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) => format!("{ms:.0} ms"),
        None => "—".into(),
    }
}
