//! An analysis worker (the `genrescope-worker` binary, a dedicated Web Worker); the page runs a
//! pool of them ([`crate::pool`]). One decodes the dropped file and hands the page its signals
//! and the plan of the work; then every worker of the pool runs tasks of that plan — a range of
//! the bundle's windows, some features of the whole track, a range of MusiCNN's patches — and
//! posts each result as soon as it exists ([`crate::protocol`]). The page stays responsive
//! however long this takes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use genrescope_core::model::{Bundle, BundleManifest};
use genrescope_core::musicnn::{self, TagModel, TrackAnalysis, net::Tagger};
use js_sys::ArrayBuffer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::backend::{self, Choice, Preference};
use crate::browser::describe;
use crate::engine::{Engine, Host, Load, Loaded, Payload};
use crate::error::AppError;
use crate::protocol::{self, Request, Response};

/// Where the page's bundle lives, relative to the worker script (the site's root).
pub const MANIFEST_URL: &str = "models/manifest.json";

/// Where MusiCNN's weights live, relative to the worker script (trunk copies
/// `models/musicnn/` there).
pub const MUSICNN_DIR: &str = "musicnn";

/// The MusiCNN model the page runs: MSD, whose tags are mostly genres.
pub const PAGE_TAG_MODEL: TagModel = TagModel::Msd;

/// The bundle and the tagger, fetched as soon as the worker starts (before any file is
/// dropped) and kept.
#[derive(Default)]
struct Loads {
    /// The device the worker picked at start ([`backend::choose`]).
    choice: Option<Choice>,
    bundle: Option<Load<Bundle>>,
    tagger: Option<Load<Tagger>>,
    /// Resolves once `bundle` is set.
    loading: Option<js_sys::Promise>,
    /// Resolves once `tagger` is set.
    tagger_loading: Option<js_sys::Promise>,
}

/// The worker: its loads and the engine that handles requests with them.
struct Worker {
    loads: RefCell<Loads>,
    engine: Engine,
}

impl Host for Worker {
    fn post(&self, response: &Response, data: Option<&[f32]>) {
        post(response, data.map(protocol::f32_buffer));
    }

    async fn bundle(&self, waiting: impl Fn()) -> Load<Bundle> {
        let slot = |l: &Loads| (l.bundle.clone(), l.loading.clone());
        loaded(&self.loads, slot, "the models", waiting).await
    }

    async fn tagger(&self) -> Load<Tagger> {
        let slot = |l: &Loads| (l.tagger.clone(), l.tagger_loading.clone());
        loaded(&self.loads, slot, "MusiCNN", || {}).await
    }
}

/// A message's `ArrayBuffer`.
impl Payload for ArrayBuffer {
    fn into_bytes(self) -> Vec<u8> {
        protocol::bytes(&self)
    }

    fn into_f32(self) -> Result<Vec<f32>, String> {
        protocol::f32_values(&self)
    }
}

/// Installs the message handler. Called once by the worker binary's `main`.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let query = scope.location().search();
    let preference = Preference::from_query(&query);
    let worker = Rc::new(Worker {
        loads: RefCell::default(),
        engine: Engine::new(&query),
    });
    report_failed_tasks(&scope);
    // The models load while the visitor is still choosing a song: the bundle first (the genre
    // is what most people wait for), then MusiCNN, both on the device picked first.
    let loader = worker.clone();
    let loading = wasm_bindgen_futures::future_to_promise(async move {
        let choice = backend::choose(preference).await;
        loader.loads.borrow_mut().choice = Some(choice.clone());
        let bundle = load_bundle(&choice).await;
        loader.loads.borrow_mut().bundle = Some(Rc::new(bundle));
        Ok(JsValue::UNDEFINED)
    });
    let loader = worker.clone();
    let bundle_loaded = loading.clone();
    let tagger_loading = wasm_bindgen_futures::future_to_promise(async move {
        let _ = JsFuture::from(bundle_loaded).await;
        let choice = loader.loads.borrow().choice.clone();
        let choice = choice.unwrap_or_else(|| Choice::flex("no device was chosen"));
        let tagger = load_tagger(&choice).await;
        loader.loads.borrow_mut().tagger = Some(Rc::new(tagger));
        Ok(JsValue::UNDEFINED)
    });
    worker.loads.borrow_mut().loading = Some(loading);
    worker.loads.borrow_mut().tagger_loading = Some(tagger_loading);
    // Runs are handled one after another: each waits for the one before.
    let queue: Rc<RefCell<Option<js_sys::Promise>>> = Rc::new(RefCell::new(None));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let worker = worker.clone();
        let before = queue.borrow_mut().take();
        let run = wasm_bindgen_futures::future_to_promise(async move {
            if let Some(before) = before {
                let _ = JsFuture::from(before).await;
            }
            handle(event.data(), &worker).await;
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

async fn handle(message: JsValue, worker: &Worker) {
    match protocol::decode::<Request>(&message) {
        Ok((request, data)) => worker.engine.handle(worker, request, data).await,
        Err(e) => web_sys::console::error_1(&format!("the worker got {e}").into()),
    }
}

/// The result of one of the loads the worker starts with (`slot` picks it and its promise from
/// the state), waiting for it, and saying so through `progress`, while it is under way.
async fn loaded<T>(
    loads: &RefCell<Loads>,
    slot: impl Fn(&Loads) -> (Option<Load<T>>, Option<js_sys::Promise>),
    what: &str,
    waiting: impl Fn(),
) -> Load<T> {
    let (value, loading) = slot(&loads.borrow());
    if let Some(value) = value {
        return value;
    }
    if let Some(loading) = loading {
        waiting();
        let _ = JsFuture::from(loading).await;
    }
    slot(&loads.borrow())
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
