//! The page's shared state: one analysis session, provided as context to every component. The
//! work itself runs in the analysis worker ([`crate::worker`]); this side sends it the file and
//! turns its messages into signals.

use std::sync::Arc;

use genrescope_core::model::TrackPrediction;
use genrescope_core::musicnn::net::Taggram;
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
use crate::error::AppError;
use crate::protocol::{self, BundleStatus, Request, Response, Step};

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
    pub tags_missing: RwSignal<Option<String>>,
    /// The backend MusiCNN runs on.
    pub tags_backend: RwSignal<Option<Backend>>,
    /// Every feature received so far, in the registry's order.
    pub features: RwSignal<Vec<FeatureView>>,
    /// Step timings of the finished run.
    pub timings: RwSignal<Vec<(String, f64)>>,
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
    started_ms: RwSignal<f64>,
    worker: StoredValue<Option<Worker>, LocalStorage>,
    /// Whether the worker said [`Response::Ready`]; until then a request waits in `pending`.
    ready: StoredValue<bool>,
    pending: StoredValue<Option<(JsValue, js_sys::Array)>, LocalStorage>,
    /// Whether the current worker said it runs a model set on WebGPU.
    webgpu_used: StoredValue<bool>,
    /// Set when a worker running WebGPU died: the next ones run on flex.
    flex_only: StoredValue<bool>,
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
            error: RwSignal::new(None),
            run: RwSignal::new(0),
            audio_url: RwSignal::new(None),
            playhead: RwSignal::new(0.0),
            seek: RwSignal::new(None),
            started_ms: RwSignal::new(0.0),
            worker: StoredValue::new_local(None),
            ready: StoredValue::new(false),
            pending: StoredValue::new_local(None),
            webgpu_used: StoredValue::new(false),
            flex_only: StoredValue::new(false),
        }
    }

    /// The session provided by [`crate::App`].
    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    /// Starts analysing `file` in the worker, replacing whatever was shown. A worker still busy
    /// with an earlier file is stopped and replaced.
    pub fn analyse(self, file: web_sys::File) {
        let run = self.run.get_untracked() + 1;
        if self.phase.get_untracked().is_busy() {
            self.stop_worker();
        }
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
        self.error.set(None);
        self.playhead.set(0.0);
        self.progress.set((0, 0));
        self.phase.set(Phase::Reading);
        if let Some(old) = self.audio_url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        self.audio_url
            .set(web_sys::Url::create_object_url_with_blob(&file).ok());
        spawn_local(async move {
            let name = file.name();
            let bytes = match read_file(&file).await {
                Ok(bytes) => bytes,
                Err(e) => return self.fail(run, e),
            };
            if self.run.get_untracked() != run {
                return;
            }
            let sent = self.worker().await.and_then(|worker| {
                let enc = protocol::encode(
                    &Request::Analyse { run, name },
                    Some(protocol::byte_buffer(&bytes)),
                )
                .map_err(|e| JsValue::from_str(&e))?;
                if self.ready.get_value() {
                    worker.post_message_with_transfer(&enc.message, &enc.transfer)
                } else {
                    // A message sent before the worker listens is lost: it waits for Ready.
                    self.pending.set_value(Some((enc.message, enc.transfer)));
                    Ok(())
                }
            });
            if let Err(e) = sent {
                self.fail(
                    run,
                    AppError::Worker(format!("could not start the analysis: {}", describe(&e))),
                );
            }
        });
    }

    /// Starts the worker now, so it fetches the models while the visitor picks a song.
    pub fn start_worker(self) {
        spawn_local(async move {
            if let Err(e) = self.worker().await {
                web_sys::console::error_1(
                    &format!("could not start the analysis worker: {}", describe(&e)).into(),
                );
            }
        });
    }

    /// The worker, started on first use.
    async fn worker(self) -> Result<Worker, JsValue> {
        if let Some(w) = self.worker.get_value() {
            return Ok(w);
        }
        let url = self.worker_url().await;
        // Another call may have started one while this one asked for an adapter.
        if let Some(w) = self.worker.get_value() {
            return Ok(w);
        }
        let worker = Worker::new(&url)?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            self.receive(&event.data());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        // A worker that dies (a panic, memory) takes its run with it; the next file gets a new one.
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
                event.prevent_default();
                let run = self.run.get_untracked();
                if self.webgpu_used.get_value() {
                    // A GPU driver that kills the worker would kill every run: flex from now on.
                    self.flex_only.set_value(true);
                }
                self.stop_worker();
                self.fail(
                run,
                AppError::Worker(format!(
                    "the analysis stopped unexpectedly ({}); choose the file again or another one",
                    event.message()
                )),
            );
            });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        self.worker.set_value(Some(worker.clone()));
        Ok(worker)
    }

    fn stop_worker(self) {
        if let Some(w) = self.worker.get_value() {
            w.terminate();
        }
        self.worker.set_value(None);
        self.ready.set_value(false);
        self.pending.set_value(None);
        self.webgpu_used.set_value(false);
    }

    /// The worker's address: the WebGPU build when [`backend::wanted`] says WebGPU, else the
    /// flex one; the page's own query (`?backend=…`) goes along, unless a worker on WebGPU
    /// died, when flex is asked for.
    async fn worker_url(self) -> String {
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

    /// Handles one message of the worker.
    fn receive(self, message: &JsValue) {
        let (response, data) = match protocol::decode::<Response>(message) {
            Ok(m) => m,
            Err(e) => {
                web_sys::console::error_1(&format!("the page got {e}").into());
                return;
            }
        };
        if response == Response::Ready {
            self.ready.set_value(true);
            let pending = self.pending.try_update_value(Option::take).flatten();
            if let (Some(worker), Some((message, transfer))) = (self.worker.get_value(), pending)
                && let Err(e) = worker.post_message_with_transfer(&message, &transfer)
            {
                let run = self.run.get_untracked();
                self.fail(
                    run,
                    AppError::Worker(format!("could not start the analysis: {}", describe(&e))),
                );
            }
            return;
        }
        let run = response.run();
        if run != self.run.get_untracked() {
            return;
        }
        match response {
            Response::Ready => {}
            Response::Progress {
                step, done, total, ..
            } => {
                self.phase.set(Phase::Working(step));
                self.progress.set((done, total));
            }
            Response::Track { info, .. } => self.track.set(Some(info)),
            Response::Bundle { status, .. } => {
                if let BundleStatus::Loaded { backend, .. } = &status
                    && backend.is_webgpu()
                {
                    self.webgpu_used.set_value(true);
                }
                self.bundle.set(Some(status));
            }
            Response::Predictions {
                prediction,
                complete,
                ..
            } => {
                if self.prediction_ms.get_untracked().is_none() {
                    self.prediction_ms
                        .set(Some(js_sys::Date::now() - self.started_ms.get_untracked()));
                }
                self.prediction_complete.set(complete);
                self.prediction.set(Some(Arc::new(prediction)));
            }
            Response::Tags {
                taggram,
                complete,
                backend,
                ..
            } => {
                if backend.is_webgpu() {
                    self.webgpu_used.set_value(true);
                }
                self.tags_backend.set(Some(backend));
                self.tags_complete.set(complete);
                self.tags.set(Some(Arc::new(taggram)));
            }
            Response::TagsMissing { reason, .. } => self.tags_missing.set(Some(reason)),
            Response::Feature { feature, shape, .. } => {
                let values = match data.as_ref().map(protocol::f32_values) {
                    Some(Ok(v)) => v,
                    Some(Err(e)) => return self.fail(run, AppError::Worker(e)),
                    None => {
                        return self.fail(
                            run,
                            AppError::Worker(format!("{feature} came without values")),
                        );
                    }
                };
                match feature_view(feature, &shape, values) {
                    Ok(view) => self.features.update(|f| f.push(view)),
                    Err(e) => self.fail(run, AppError::Worker(e)),
                }
            }
            Response::Done { timings, .. } => {
                self.timings.set(timings);
                self.phase.set(Phase::Done);
            }
            Response::Failed { message, .. } => self.fail(run, AppError::Worker(message)),
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
