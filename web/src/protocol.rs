//! The messages between the page and its analysis worker.
//!
//! Each message is a plain JS object `{ json, data? }`: `json` is the message serialised with
//! serde (a [`Request`] or a [`Response`]), `data` an optional `ArrayBuffer` that travels
//! without a copy (it is transferred): the file's bytes to the worker, a feature's `f32`
//! values back. [`encode`] and [`decode`] are the only two functions that touch the format.

use genrescope_core::Feature;
use genrescope_core::model::Prediction;
use genrescope_core::model::bundle::Dataset;
use genrescope_core::musicnn::{TagModel, TrackAnalysis};
use js_sys::{Array, ArrayBuffer, Float32Array, Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::analysis::TrackInfo;
use crate::backend::Backend;
use crate::error::WorkerError;

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Decode the file whose bytes are the message's `data`: the worker answers with the track,
    /// the bundle's status, the signals the other tasks read ([`Response::Signal`]) and the
    /// [`Response::Plan`] of the tasks.
    Analyse {
        /// The page's run number, echoed in every response.
        run: u64,
        /// The file's name (messages, the decoder's hint).
        name: String,
    },
    /// The run's signal at `sr` (`f32` values in `data`), decoded by another worker.
    Signal { run: u64, sr: u32 },
    /// A share of a run's work, on the signals already sent; [`Response::Idle`] follows it.
    Task { run: u64, task: Task },
}

impl Request {
    /// The run the request belongs to.
    pub fn run(&self) -> u64 {
        match self {
            Request::Analyse { run, .. }
            | Request::Signal { run, .. }
            | Request::Task { run, .. } => *run,
        }
    }
}

/// A share of one track's analysis that any worker of the pool can run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Task {
    /// The bundle's timeline windows `first..end`; a bundle with a head on MusiCNN's embedding
    /// (the `musicnn` feature) reads it from `musicnn`, the page's MusiCNN run over the whole
    /// track (the patches' penultimate layer and tags), not from a second run of the network.
    Windows {
        first: usize,
        end: usize,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        musicnn: Vec<TrackAnalysis>,
    },
    /// These features of the whole track.
    Features { features: Vec<Feature> },
    /// MusiCNN's patches `first..end`.
    Patches { first: usize, end: usize },
}

/// A step of an analysis, for `#status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Decoding the whole file.
    Decoding,
    /// Fetching and loading the model bundle.
    LoadingModels,
    /// Predicting window `done` of `total`.
    Predicting,
    /// Computing feature `done` of `total` over the whole track.
    Computing,
    /// MusiCNN tagging patch `done` of `total`.
    Tagging,
}

/// Whether the page has genre models, and which.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BundleStatus {
    /// `models/manifest.json` loaded.
    Loaded {
        /// The genres, in the bundle's order.
        classes: Vec<String>,
        /// The features of its models.
        features: Vec<Feature>,
        /// The window the models read, in seconds.
        window_seconds: f64,
        /// The burn backend that runs them.
        backend: Backend,
        /// What they were trained on, when the bundle records it.
        dataset: Option<Dataset>,
    },
    /// No usable bundle: why.
    Missing {
        /// What happened: [`ErrorKind::Fetch`](crate::error::ErrorKind::Fetch) when there is
        /// none to fetch, another kind when the one there cannot be used.
        error: WorkerError,
    },
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// The worker's wasm is running and listening (a message sent before this is lost).
    Ready,
    /// Where the run stands.
    Progress {
        run: u64,
        step: Step,
        done: usize,
        total: usize,
    },
    /// The decoded track.
    Track { run: u64, info: TrackInfo },
    /// What the page can predict with.
    Bundle { run: u64, status: BundleStatus },
    /// The decoded track at `sr` (`f32` values in `data`), for the other workers.
    Signal { run: u64, sr: u32 },
    /// How the run's work is cut: every task has been numbered from these.
    Plan {
        run: u64,
        /// Timeline windows of the bundle (0 without one).
        windows: usize,
        /// MusiCNN's 3 s patches.
        patches: usize,
    },
    /// Windows `first..` of a [`Task::Windows`]: bounds in samples at `sample_rate` and the
    /// bundle's prediction of each.
    Windows {
        run: u64,
        first: usize,
        sample_rate: u32,
        windows: Vec<(usize, usize, Prediction)>,
    },
    /// Patches `first..` of a [`Task::Patches`]: MusiCNN's 50 activations each, and its
    /// penultimate layer's 200 values (what a `musicnn` head reads).
    Patches {
        run: u64,
        first: usize,
        model: TagModel,
        rows: Vec<Vec<f32>>,
        penultimate: Vec<Vec<f32>>,
        /// The burn backend that runs MusiCNN.
        backend: Backend,
    },
    /// The worker finished a request of `run` and can take the next.
    Idle { run: u64 },
    /// MusiCNN could not run (its weights did not load): why.
    TagsMissing { run: u64, error: WorkerError },
    /// One feature of the whole track; its `f32` values (C order, `shape`) are the `data`.
    Feature {
        run: u64,
        feature: Feature,
        shape: Vec<usize>,
    },
    /// The run stopped: the error for `#error`, with its kind.
    Failed { run: u64, error: WorkerError },
}

impl Response {
    /// The run a response belongs to (0: none).
    pub fn run(&self) -> u64 {
        match self {
            Response::Ready => 0,
            Response::Progress { run, .. }
            | Response::Track { run, .. }
            | Response::Bundle { run, .. }
            | Response::Signal { run, .. }
            | Response::Plan { run, .. }
            | Response::Windows { run, .. }
            | Response::Patches { run, .. }
            | Response::Idle { run }
            | Response::TagsMissing { run, .. }
            | Response::Feature { run, .. }
            | Response::Failed { run, .. } => *run,
        }
    }
}

/// A message ready for `postMessage`: the object and the list of buffers to transfer.
pub struct Encoded {
    /// `{ json, data? }`.
    pub message: JsValue,
    /// `[data]`, or empty.
    pub transfer: Array,
}

/// Encodes `msg` with an optional payload of bytes.
pub fn encode<T: Serialize>(msg: &T, data: Option<ArrayBuffer>) -> Result<Encoded, String> {
    let json = serde_json::to_string(msg).map_err(|e| format!("encoding a message: {e}"))?;
    let object = Object::new();
    let set = |k: &str, v: &JsValue| {
        Reflect::set(&object, &JsValue::from_str(k), v).map_err(|_| format!("setting {k}"))
    };
    set("json", &JsValue::from_str(&json))?;
    let transfer = Array::new();
    if let Some(buffer) = data {
        set("data", &buffer)?;
        transfer.push(&buffer);
    }
    Ok(Encoded {
        message: object.into(),
        transfer,
    })
}

/// Decodes a message: the value and its payload, if any.
pub fn decode<T: DeserializeOwned>(message: &JsValue) -> Result<(T, Option<ArrayBuffer>), String> {
    let json = Reflect::get(message, &JsValue::from_str("json"))
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("a message without `json`")?;
    let value = parse(&json)?;
    let data = Reflect::get(message, &JsValue::from_str("data"))
        .ok()
        .and_then(|v| v.dyn_into::<ArrayBuffer>().ok());
    Ok((value, data))
}

/// A message's `json`, read as a `T`.
pub fn parse<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|e| format!("a malformed message: {e}"))
}

/// `f32` values as a new `ArrayBuffer` (one copy out of wasm memory).
pub fn f32_buffer(values: &[f32]) -> ArrayBuffer {
    let array = Float32Array::new_with_length(values.len() as u32);
    array.copy_from(values);
    array.buffer()
}

/// The `f32` values of an `ArrayBuffer` made by [`f32_buffer`].
pub fn f32_values(buffer: &ArrayBuffer) -> Result<Vec<f32>, String> {
    if !buffer.byte_length().is_multiple_of(4) {
        return Err(crate::engine::not_whole_f32(buffer.byte_length() as usize));
    }
    Ok(Float32Array::new(buffer).to_vec())
}

/// The bytes of an `ArrayBuffer`.
pub fn bytes(buffer: &ArrayBuffer) -> Vec<u8> {
    Uint8Array::new(buffer).to_vec()
}

/// An `ArrayBuffer` holding `bytes`.
pub fn byte_buffer(bytes: &[u8]) -> ArrayBuffer {
    let array = Uint8Array::new_with_length(bytes.len() as u32);
    array.copy_from(bytes);
    array.buffer()
}
