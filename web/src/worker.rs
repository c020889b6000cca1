//! An analysis worker (the `genrescope-worker` binary, a dedicated Web Worker); the page runs a
//! pool of them ([`crate::pool`]). One decodes the dropped file and hands the page its signals
//! and the plan of the work; then every worker of the pool runs tasks of that plan — a range of
//! the bundle's windows, some features of the whole track, a range of MusiCNN's patches — and
//! posts each result as soon as it exists ([`crate::protocol`]). The page stays responsive
//! however long this takes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use genrescope_core::FeatureConfig;
use genrescope_core::model::{Bundle, BundleManifest};
use genrescope_core::musicnn::{self, TagModel, TrackAnalysis, net::Tagger};
use js_sys::ArrayBuffer;
use ndarray::Array2;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::analysis::{self, TrackInfo};
use crate::backend::{self, Choice, Preference};
use crate::browser::describe;
use crate::error::{AppError, WorkerError};
use crate::protocol::{self, BundleStatus, Request, Response, Step, Task};

/// Where the page's bundle lives, relative to the worker script (the site's root).
pub const MANIFEST_URL: &str = "models/manifest.json";

/// Where MusiCNN's weights live, relative to the worker script (trunk copies
/// `models/musicnn/` there).
pub const MUSICNN_DIR: &str = "musicnn";

/// The MusiCNN model the page runs: MSD, whose tags are mostly genres.
pub const PAGE_TAG_MODEL: TagModel = TagModel::Msd;

/// A model set loaded on the device that runs it.
struct Loaded<T> {
    model: T,
    on: Choice,
}

/// The bundle and the tagger, fetched as soon as the worker starts (before any file is
/// dropped) and kept.
#[derive(Default)]
struct State {
    /// The device the worker picked at start ([`backend::choose`]).
    choice: Option<Choice>,
    bundle: Option<Rc<Result<Loaded<Bundle>, AppError>>>,
    tagger: Option<Rc<Result<Loaded<Tagger>, AppError>>>,
    /// Resolves once `bundle` is set.
    loading: Option<js_sys::Promise>,
    /// Resolves once `tagger` is set.
    tagger_loading: Option<js_sys::Promise>,
    /// The signals of the run this worker works on.
    track: Option<Track>,
    /// `?fault=die-on-patches` (the pool's tests): panic on the first patch task.
    die_on_patches: bool,
}

/// One run's decoded track, as the tasks read it.
struct Track {
    run: u64,
    /// The mono signal at each sample rate the tasks need.
    signals: HashMap<u32, Rc<Vec<f32>>>,
    /// MusiCNN's log-mel patches of the 16 kHz signal, cut on the first patch task.
    patches: Option<Rc<Vec<Array2<f32>>>>,
}

/// The page's query parameter that makes a worker fail on purpose, and its value.
pub const FAULT: (&str, &str) = ("fault", "die-on-patches");

/// Installs the message handler. Called once by the worker binary's `main`.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let query = scope.location().search();
    let preference = Preference::from_query(&query);
    let state = Rc::new(RefCell::new(State {
        die_on_patches: query
            .trim_start_matches('?')
            .split('&')
            .any(|p| p == format!("{}={}", FAULT.0, FAULT.1)),
        ..State::default()
    }));
    report_failed_tasks(&scope);
    // The models load while the visitor is still choosing a song: the bundle first (the genre
    // is what most people wait for), then MusiCNN, both on the device picked first.
    let loader = state.clone();
    let loading = wasm_bindgen_futures::future_to_promise(async move {
        let choice = backend::choose(preference).await;
        loader.borrow_mut().choice = Some(choice.clone());
        let bundle = load_bundle(&choice).await;
        loader.borrow_mut().bundle = Some(Rc::new(bundle));
        Ok(JsValue::UNDEFINED)
    });
    let loader = state.clone();
    let bundle_loaded = loading.clone();
    let tagger_loading = wasm_bindgen_futures::future_to_promise(async move {
        let _ = JsFuture::from(bundle_loaded).await;
        let choice = loader.borrow().choice.clone();
        let choice = choice.unwrap_or_else(|| Choice::flex("no device was chosen"));
        let tagger = load_tagger(&choice).await;
        loader.borrow_mut().tagger = Some(Rc::new(tagger));
        Ok(JsValue::UNDEFINED)
    });
    state.borrow_mut().loading = Some(loading);
    state.borrow_mut().tagger_loading = Some(tagger_loading);
    // Runs are handled one after another: each waits for the one before.
    let queue: Rc<RefCell<Option<js_sys::Promise>>> = Rc::new(RefCell::new(None));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let state = state.clone();
        let before = queue.borrow_mut().take();
        let run = wasm_bindgen_futures::future_to_promise(async move {
            if let Some(before) = before {
                let _ = JsFuture::from(before).await;
            }
            handle(event.data(), &state).await;
            Ok(JsValue::UNDEFINED)
        });
        *queue.borrow_mut() = Some(run);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Response::Ready, None);
}

/// A panic inside a task's future rejects a promise nobody awaits; thrown again from the
/// worker's top level it becomes an `error` event at the page, which replaces the worker and
/// gives its task to another.
fn report_failed_tasks(scope: &DedicatedWorkerGlobalScope) {
    let rethrow = Closure::<dyn FnMut(JsValue)>::new(|event: JsValue| {
        let reason = js_sys::Reflect::get(&event, &"reason".into()).unwrap_or(event);
        wasm_bindgen::throw_val(reason);
    });
    let _ = scope
        .add_event_listener_with_callback("unhandledrejection", rethrow.as_ref().unchecked_ref());
    rethrow.forget();
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `response` (with `data` transferred).
fn post(response: &Response, data: Option<ArrayBuffer>) {
    match protocol::encode(response, data) {
        Ok(enc) => {
            if let Err(e) = scope().post_message_with_transfer(&enc.message, &enc.transfer) {
                web_sys::console::error_1(&format!("posting a message: {}", describe(&e)).into());
            }
        }
        Err(e) => web_sys::console::error_1(&e.into()),
    }
}

async fn handle(message: JsValue, state: &Rc<RefCell<State>>) {
    let (request, data) = match protocol::decode::<Request>(&message) {
        Ok(m) => m,
        Err(e) => {
            web_sys::console::error_1(&format!("the worker got {e}").into());
            return;
        }
    };
    let run = match &request {
        Request::Analyse { run, .. } | Request::Signal { run, .. } | Request::Task { run, .. } => {
            *run
        }
    };
    match request {
        Request::Analyse { run, name } => {
            let bytes = data.map(|b| protocol::bytes(&b)).unwrap_or_default();
            if let Err(e) = analyse(run, &name, bytes, state).await {
                fail(run, &e);
            }
        }
        Request::Signal { run, sr } => {
            match data.map(|b| protocol::f32_values(&b)) {
                Some(Ok(values)) => keep_signal(state, run, sr, values),
                Some(Err(e)) => fail(run, &AppError::Internal(e)),
                None => fail(
                    run,
                    &AppError::Internal(format!("the signal at {sr} Hz came without values")),
                ),
            }
            // A signal is not a task: the page does not wait for it.
            return;
        }
        Request::Task { run, task } => {
            if let Err(e) = run_task(run, task, state).await {
                fail(run, &e);
            }
        }
    }
    post(&Response::Idle { run }, None);
}

/// Tells the page that `run` stopped, with the error's kind.
fn fail(run: u64, error: &AppError) {
    post(
        &Response::Failed {
            run,
            error: error.into(),
        },
        None,
    );
}

/// Keeps `values` as the run's signal at `sr`, dropping an older run's.
fn keep_signal(state: &Rc<RefCell<State>>, run: u64, sr: u32, values: Vec<f32>) {
    let mut state = state.borrow_mut();
    if state.track.as_ref().is_none_or(|t| t.run != run) {
        state.track = Some(Track {
            run,
            signals: HashMap::new(),
            patches: None,
        });
    }
    if let Some(track) = state.track.as_mut() {
        track.signals.insert(sr, Rc::new(values));
    }
}

/// The run's signal at `sr`.
fn signal(state: &Rc<RefCell<State>>, run: u64, sr: u32) -> Result<Rc<Vec<f32>>, AppError> {
    state
        .borrow()
        .track
        .as_ref()
        .filter(|t| t.run == run)
        .and_then(|t| t.signals.get(&sr).cloned())
        .ok_or_else(|| {
            AppError::Internal(format!(
                "run {run}: no signal at {sr} Hz was sent before its task"
            ))
        })
}

/// Decodes the file, posts the track, the bundle's status, the signals the tasks read (kept
/// here too) and the plan.
async fn analyse(
    run: u64,
    name: &str,
    bytes: Vec<u8>,
    state: &Rc<RefCell<State>>,
) -> Result<(), AppError> {
    post(
        &Response::Progress {
            run,
            step: Step::Decoding,
            done: 0,
            total: 1,
        },
        None,
    );
    let decoded = analysis::decode_limited(bytes, name, &analysis::LIMITS)?;
    post(
        &Response::Track {
            run,
            info: TrackInfo::of(&decoded),
        },
        None,
    );
    let resample = |sr: u32| {
        decoded
            .window(sr, 0.0, None)
            .map_err(|e| AppError::Internal(format!("could not resample \"{name}\": {e}")))
    };
    let features_sr = FeatureConfig::default().sr;
    let y16k = resample(musicnn::SR)?;
    let patches = musicnn::patch_count(y16k.len());
    keep_signal(state, run, musicnn::SR, y16k);
    keep_signal(state, run, features_sr, resample(features_sr)?);

    // The genre is what most people wait for: its windows are planned as soon as the models
    // are in (they were fetched while the visitor chose the file).
    let bundle = loaded(
        state,
        |s| (s.bundle.clone(), s.loading.clone()),
        "the models",
        || {
            post(
                &Response::Progress {
                    run,
                    step: Step::LoadingModels,
                    done: 0,
                    total: 1,
                },
                None,
            )
        },
    )
    .await;
    let (status, windows) = match bundle.as_ref() {
        Ok(Loaded { model: b, on }) => {
            let sr = b.manifest.feature_config.sr;
            if sr != features_sr && sr != musicnn::SR {
                keep_signal(state, run, sr, resample(sr)?);
            }
            let samples = signal(state, run, sr)?.len();
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
    post(&Response::Bundle { run, status }, None);
    let signals: Vec<(u32, Rc<Vec<f32>>)> = state
        .borrow()
        .track
        .as_ref()
        .map(|t| t.signals.iter().map(|(sr, y)| (*sr, y.clone())).collect())
        .unwrap_or_default();
    for (sr, y) in signals {
        post(
            &Response::Signal { run, sr },
            Some(protocol::f32_buffer(&y)),
        );
    }
    post(
        &Response::Plan {
            run,
            windows,
            patches,
        },
        None,
    );
    Ok(())
}

/// Runs one share of the run's work and posts its results.
async fn run_task(run: u64, task: Task, state: &Rc<RefCell<State>>) -> Result<(), AppError> {
    match task {
        Task::Windows {
            first,
            end,
            musicnn,
        } => {
            let bundle = loaded(
                state,
                |s| (s.bundle.clone(), s.loading.clone()),
                "the models",
                || {},
            )
            .await;
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
            let y = signal(state, run, sr)?;
            let windows = bundle
                .predict_windows_async(&y, &musicnn, first..end, &on.device)
                .await
                .map_err(|e| AppError::model("could not predict the genre", e))?;
            post(
                &Response::Windows {
                    run,
                    first,
                    sample_rate: sr,
                    windows,
                },
                None,
            );
        }
        Task::Features { features } => {
            let cfg = FeatureConfig::default();
            let y = signal(state, run, cfg.sr)?;
            let set = genrescope_core::compute(&y, &cfg, &features)
                .map_err(|e| AppError::features("the track", e))?;
            for (feature, array) in &set.entries {
                let values = array.as_slice().ok_or_else(|| {
                    AppError::Internal(format!("{feature}: the array is not contiguous"))
                })?;
                post(
                    &Response::Feature {
                        run,
                        feature: *feature,
                        shape: array.shape().to_vec(),
                    },
                    Some(protocol::f32_buffer(values)),
                );
            }
        }
        Task::Patches { first, end } => {
            if state.borrow().die_on_patches {
                panic!(
                    "{}={}: this worker dies on its first patch task",
                    FAULT.0, FAULT.1
                );
            }
            let tagger = loaded(
                state,
                |s| (s.tagger.clone(), s.tagger_loading.clone()),
                "MusiCNN",
                || {},
            )
            .await;
            let Loaded { model: tagger, on } = match tagger.as_ref() {
                Ok(loaded) => loaded,
                Err(e) => {
                    post(
                        &Response::TagsMissing {
                            run,
                            error: e.into(),
                        },
                        None,
                    );
                    return Ok(());
                }
            };
            let patches = patches_of(state, run)?;
            let slice = patches.get(first..end).ok_or_else(|| {
                AppError::Internal(format!("patches {first}..{end} of {}", patches.len()))
            })?;
            let analysis = tagger.track_analysis(
                tagger
                    .patch_outputs_async(slice)
                    .await
                    .map_err(|e| AppError::model("could not tag the track", e))?,
            );
            post(
                &Response::Patches {
                    run,
                    first,
                    model: tagger.model,
                    rows: analysis.tags,
                    penultimate: analysis.penultimate,
                    backend: on.backend.clone(),
                },
                None,
            );
        }
    }
    Ok(())
}

/// MusiCNN's patches of the run's 16 kHz signal, cut once per run.
fn patches_of(state: &Rc<RefCell<State>>, run: u64) -> Result<Rc<Vec<Array2<f32>>>, AppError> {
    if let Some(p) = state
        .borrow()
        .track
        .as_ref()
        .filter(|t| t.run == run)
        .and_then(|t| t.patches.clone())
    {
        return Ok(p);
    }
    let y = signal(state, run, musicnn::SR)?;
    let mel = musicnn::log_mel(&y).map_err(|e| AppError::model("could not tag the track", e))?;
    let patches = Rc::new(musicnn::patches(mel.view()));
    if let Some(t) = state.borrow_mut().track.as_mut() {
        t.patches = Some(patches.clone());
    }
    Ok(patches)
}

/// The result of one of the loads the worker starts with (`slot` picks it and its promise from
/// the state), waiting for it, and saying so through `progress`, while it is under way.
async fn loaded<T>(
    state: &Rc<RefCell<State>>,
    slot: impl Fn(&State) -> (Option<Rc<Result<T, AppError>>>, Option<js_sys::Promise>),
    what: &str,
    progress: impl Fn(),
) -> Rc<Result<T, AppError>> {
    let (value, loading) = slot(&state.borrow());
    if let Some(value) = value {
        return value;
    }
    if let Some(loading) = loading {
        progress();
        let _ = JsFuture::from(loading).await;
    }
    slot(&state.borrow())
        .0
        .unwrap_or_else(|| Rc::new(Err(AppError::Internal(format!("{what} did not load")))))
}

/// Fetches `models/manifest.json` and every weights file it names, and loads them on the
/// chosen device (flex if that fails), warmed up.
async fn load_bundle(choice: &Choice) -> Result<Loaded<Bundle>, AppError> {
    let manifest_text = fetch_text(MANIFEST_URL).await?;
    let manifest: BundleManifest =
        serde_json::from_str(&manifest_text).map_err(|e| AppError::Bundle {
            file: MANIFEST_URL.into(),
            reason: format!("not a bundle manifest: {e}"),
        })?;
    let mut files = HashMap::new();
    for entry in &manifest.models {
        let url = format!("models/{}", entry.weights);
        files.insert(entry.weights.clone(), fetch_bytes(&url).await?);
    }
    let (model, on) = backend::load_with_fallback(choice, |device| {
        let (text, files) = (&manifest_text, &files);
        async move {
            let bundle = Bundle::load(
                text,
                |name| {
                    files
                        .get(name)
                        .cloned()
                        .ok_or_else(|| genrescope_core::Error::MissingFile {
                            file: name.to_string(),
                            reason: "not fetched".into(),
                        })
                },
                &device,
            )
            .map_err(|e| AppError::Bundle {
                file: "models/".into(),
                reason: e.to_string(),
            })?;
            // The page runs one MusiCNN model, and a head reads that model's activations.
            if let Some(other) = bundle
                .musicnn_models()
                .into_iter()
                .find(|&m| m != PAGE_TAG_MODEL)
            {
                return Err(AppError::Bundle {
                    file: MANIFEST_URL.into(),
                    reason: format!(
                        "a model reads the embedding of MusiCNN's {} model, and the page runs \
                         its {} model: train the head with `--features musicnn`",
                        other.original_name(),
                        PAGE_TAG_MODEL.original_name()
                    ),
                });
            }
            // One prediction of silence compiles the hot code (the engine optimises wasm on
            // use; WebGPU compiles its shaders), so the visitor's first window is as fast as
            // the next ones. It also proves the device works before a file depends on it.
            let stand_in: Vec<TrackAnalysis> = bundle
                .musicnn_models()
                .into_iter()
                .map(TrackAnalysis::zeros)
                .collect();
            bundle
                .predict_track_async(
                    &vec![0.0; bundle.manifest.signal_samples],
                    &stand_in,
                    &device,
                    |_, _| {},
                )
                .await
                .map_err(|e| AppError::model("models/", e))?;
            Ok::<_, AppError>(bundle)
        }
    })
    .await?;
    Ok(Loaded { model, on })
}

/// Fetches the page's MusiCNN weights and loads them on the chosen device (flex if that
/// fails), warmed up.
async fn load_tagger(choice: &Choice) -> Result<Loaded<Tagger>, AppError> {
    let url = format!("{MUSICNN_DIR}/{}", PAGE_TAG_MODEL.weights_file());
    let bytes = fetch_bytes(&url).await?;
    let (model, on) = backend::load_with_fallback(choice, |device| {
        let (url, bytes) = (&url, &bytes);
        async move {
            let tagger = Tagger::load(PAGE_TAG_MODEL, bytes.clone(), &device).map_err(|e| {
                AppError::Bundle {
                    file: url.clone(),
                    reason: e.to_string(),
                }
            })?;
            // As above: one patch of silence warms the network up.
            tagger
                .tag_with_progress_async(&vec![0.0; musicnn::SR as usize * 3], |_, _| {})
                .await
                .map_err(|e| AppError::model(url.as_str(), e))?;
            Ok::<_, AppError>(tagger)
        }
    })
    .await?;
    Ok(Loaded { model, on })
}

/// A fetch of `url` that failed: `reason` says how.
fn fetch_error(url: &str, reason: impl Into<String>) -> AppError {
    AppError::Fetch {
        url: url.into(),
        reason: reason.into(),
    }
}

async fn fetch(url: &str) -> Result<web_sys::Response, AppError> {
    let response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| fetch_error(url, describe(&e)))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(fetch_error(url, format!("HTTP {}", response.status())));
    }
    Ok(response)
}

async fn fetch_text(url: &str) -> Result<String, AppError> {
    let promise = fetch(url)
        .await?
        .text()
        .map_err(|e| fetch_error(url, describe(&e)))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| fetch_error(url, describe(&e)))?
        .as_string()
        .ok_or_else(|| fetch_error(url, "not text"))
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, AppError> {
    let promise = fetch(url)
        .await?
        .array_buffer()
        .map_err(|e| fetch_error(url, describe(&e)))?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|e| fetch_error(url, describe(&e)))?;
    Ok(protocol::bytes(&buffer.unchecked_into()))
}
