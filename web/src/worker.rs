//! The analysis worker (the `genrescope-worker` binary, a dedicated Web Worker): decodes the
//! dropped file, runs the model bundle over the track's windows, computes every feature of
//! the whole track and tags it with MusiCNN, posting each result to the page as soon as it exists
//! ([`crate::protocol`]). The page stays responsive however long this takes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use genrescope_core::model::{Bundle, BundleManifest};
use genrescope_core::musicnn::{self, TagModel, net::Tagger};
use genrescope_core::{Feature, FeatureConfig};
use js_sys::ArrayBuffer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::analysis::{self, TrackInfo};
use crate::backend::{self, Choice, Preference};
use crate::browser::describe;
use crate::error::AppError;
use crate::protocol::{self, BundleStatus, Request, Response, Step};

/// The longest track the page analyses, in seconds: every feature of ten minutes at full
/// resolution is about a gigabyte of wasm memory.
pub const MAX_SECONDS: f64 = 600.0;

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
    bundle: Option<Rc<Result<Loaded<Bundle>, String>>>,
    tagger: Option<Rc<Result<Loaded<Tagger>, String>>>,
    /// Resolves once `bundle` is set.
    loading: Option<js_sys::Promise>,
    /// Resolves once `tagger` is set.
    tagger_loading: Option<js_sys::Promise>,
}

/// Installs the message handler. Called once by the worker binary's `main`.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let preference = Preference::from_query(&scope.location().search());
    let state = Rc::new(RefCell::new(State::default()));
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
    match request {
        Request::Analyse { run, name } => {
            let bytes = data.map(|b| protocol::bytes(&b)).unwrap_or_default();
            if let Err(message) = analyse(run, &name, bytes, state).await {
                post(&Response::Failed { run, message }, None);
            }
        }
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

async fn analyse(
    run: u64,
    name: &str,
    bytes: Vec<u8>,
    state: &Rc<RefCell<State>>,
) -> Result<(), String> {
    let started = now();
    let mut timings = Vec::new();
    let progress = |step, done, total| {
        post(
            &Response::Progress {
                run,
                step,
                done,
                total,
            },
            None,
        )
    };

    progress(Step::Decoding, 0, 1);
    let t = now();
    let decoded = analysis::decode_limited(bytes, name, MAX_SECONDS).map_err(|e| e.to_string())?;
    let info = TrackInfo::of(&decoded);
    post(
        &Response::Track {
            run,
            info: info.clone(),
        },
        None,
    );
    let cfg = FeatureConfig::default();
    let signal = decoded
        .window(cfg.sr, 0.0, None)
        .map_err(|e| format!("could not resample \"{name}\": {e}"))?;
    timings.push(("decode".to_string(), now() - t));

    // The models first: the genre is what most people wait for.
    let t = now();
    let bundle = loaded(
        state,
        |s| (s.bundle.clone(), s.loading.clone()),
        "the models",
        || progress(Step::LoadingModels, 0, 1),
    )
    .await;
    let status = match bundle.as_ref() {
        Ok(Loaded { model: b, on }) => BundleStatus::Loaded {
            classes: b.manifest.classes.clone(),
            features: b.features(),
            window_seconds: b.manifest.signal_samples as f64
                / f64::from(b.manifest.feature_config.sr),
            backend: on.backend.clone(),
        },
        Err(reason) => BundleStatus::Missing {
            reason: reason.clone(),
        },
    };
    post(&Response::Bundle { run, status }, None);
    timings.push(("models".to_string(), now() - t));
    if let Ok(Loaded { model: bundle, on }) = bundle.as_ref() {
        let t = now();
        let bsr = bundle.manifest.feature_config.sr;
        let resampled;
        let at_rate: &[f32] = if bsr == cfg.sr {
            &signal
        } else {
            resampled = decoded
                .window(bsr, 0.0, None)
                .map_err(|e| format!("could not resample \"{name}\": {e}"))?;
            &resampled
        };
        bundle
            .predict_track_async(at_rate, &on.device, |so_far, total| {
                let done = so_far.windows.len();
                post(
                    &Response::Predictions {
                        run,
                        prediction: so_far.clone(),
                        complete: done == total,
                    },
                    None,
                );
                progress(Step::Predicting, done, total);
            })
            .await
            .map_err(|e| format!("could not predict the genre of \"{name}\": {e}"))?;
        timings.push(("predict".to_string(), now() - t));
    }

    let t = now();
    progress(Step::Computing, 0, Feature::ALL.len());
    let set = genrescope_core::compute(&signal, &cfg, Feature::ALL)
        .map_err(|e| AppError::features(name, e).to_string())?;
    for (i, (feature, array)) in set.entries.iter().enumerate() {
        let values = array
            .as_slice()
            .ok_or("a feature array is not contiguous")?;
        post(
            &Response::Feature {
                run,
                feature: *feature,
                shape: array.shape().to_vec(),
            },
            Some(protocol::f32_buffer(values)),
        );
        progress(Step::Computing, i + 1, set.entries.len());
    }
    timings.push(("features".to_string(), now() - t));
    drop(set);
    drop(signal);

    // MusiCNN's tags: real genres with no bundle at all.
    let t = now();
    let tagger = loaded(
        state,
        |s| (s.tagger.clone(), s.tagger_loading.clone()),
        "MusiCNN",
        || progress(Step::LoadingModels, 0, 1),
    )
    .await;
    match tagger.as_ref() {
        Ok(Loaded { model: tagger, on }) => {
            let y16k = decoded
                .window(musicnn::SR, 0.0, None)
                .map_err(|e| format!("could not resample \"{name}\": {e}"))?;
            progress(Step::Tagging, 0, 1);
            tagger
                .tag_with_progress_async(&y16k, |so_far, total| {
                    let done = so_far.patches.len();
                    post(
                        &Response::Tags {
                            run,
                            taggram: so_far.clone(),
                            complete: done == total,
                            backend: on.backend.clone(),
                        },
                        None,
                    );
                    progress(Step::Tagging, done, total);
                })
                .await
                .map_err(|e| format!("could not tag \"{name}\": {e}"))?;
        }
        Err(reason) => post(
            &Response::TagsMissing {
                run,
                reason: reason.clone(),
            },
            None,
        ),
    }
    timings.push(("tags".to_string(), now() - t));
    timings.push(("total".to_string(), now() - started));
    post(&Response::Done { run, timings }, None);
    Ok(())
}

/// The result of one of the loads the worker starts with (`slot` picks it and its promise from
/// the state), waiting for it, and saying so through `progress`, while it is under way.
async fn loaded<T>(
    state: &Rc<RefCell<State>>,
    slot: impl Fn(&State) -> (Option<Rc<Result<T, String>>>, Option<js_sys::Promise>),
    what: &str,
    progress: impl Fn(),
) -> Rc<Result<T, String>> {
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
        .unwrap_or_else(|| Rc::new(Err(format!("{what} did not load"))))
}

/// Fetches `models/manifest.json` and every weights file it names, and loads them on the
/// chosen device (flex if that fails), warmed up.
async fn load_bundle(choice: &Choice) -> Result<Loaded<Bundle>, String> {
    let manifest_text = fetch_text(MANIFEST_URL).await?;
    let manifest: BundleManifest = serde_json::from_str(&manifest_text)
        .map_err(|e| format!("{MANIFEST_URL} is not a bundle manifest: {e}"))?;
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
                    files.get(name).cloned().ok_or_else(|| {
                        genrescope_core::Error::Bundle(format!("{name} was not fetched"))
                    })
                },
                &device,
            )
            .map_err(|e| format!("models/: {e}"))?;
            // One prediction of silence compiles the hot code (the engine optimises wasm on
            // use; WebGPU compiles its shaders), so the visitor's first window is as fast as
            // the next ones. It also proves the device works before a file depends on it.
            bundle
                .predict_track_async(
                    &vec![0.0; bundle.manifest.signal_samples],
                    &device,
                    |_, _| {},
                )
                .await
                .map_err(|e| format!("models/: {e}"))?;
            Ok(bundle)
        }
    })
    .await?;
    Ok(Loaded { model, on })
}

/// Fetches the page's MusiCNN weights and loads them on the chosen device (flex if that
/// fails), warmed up.
async fn load_tagger(choice: &Choice) -> Result<Loaded<Tagger>, String> {
    let url = format!("{MUSICNN_DIR}/{}", PAGE_TAG_MODEL.weights_file());
    let bytes = fetch_bytes(&url).await?;
    let (model, on) = backend::load_with_fallback(choice, |device| {
        let (url, bytes) = (&url, &bytes);
        async move {
            let tagger = Tagger::load(PAGE_TAG_MODEL, bytes.clone(), &device)
                .map_err(|e| format!("{url}: {e}"))?;
            // As above: one patch of silence warms the network up.
            tagger
                .tag_with_progress_async(&vec![0.0; musicnn::SR as usize * 3], |_, _| {})
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            Ok(tagger)
        }
    })
    .await?;
    Ok(Loaded { model, on })
}

async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    let response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| format!("{url}: {}", describe(&e)))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    Ok(response)
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let promise = fetch(url).await?.text().map_err(|e| describe(&e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| format!("{url}: {}", describe(&e)))?
        .as_string()
        .ok_or_else(|| format!("{url}: not text"))
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let promise = fetch(url).await?.array_buffer().map_err(|e| describe(&e))?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|e| format!("{url}: {}", describe(&e)))?;
    Ok(protocol::bytes(&buffer.unchecked_into()))
}
