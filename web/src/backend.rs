//! Which burn backend the worker runs the models on: WebGPU when the browser offers a GPU
//! adapter, flex (wasm SIMD on the CPU) otherwise, and flex again whenever WebGPU fails.
//!
//! The page's address can ask for one: `?backend=flex` or `?backend=webgpu` (the page hands
//! its query to the worker). Without it ([`Preference::Auto`]) a software adapter (Chromium's
//! SwiftShader, `isFallbackAdapter`) is passed over: it emulates a GPU on the same CPU that
//! flex runs on, only slower.
//!
//! burn-wgpu adds 5 MB of gzipped wasm, so it lives in its own worker build
//! (`genrescope-gpu-worker`, cargo feature `webgpu`): the page runs [`wanted`] and fetches
//! that worker only when it would use WebGPU; everyone else gets the flex-only worker.

use genrescope_core::model::burn::prelude::Device;
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::describe;

/// The query parameter that picks a backend.
pub const PARAMETER: &str = "backend";

/// What the page's address asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preference {
    /// A hardware GPU if there is one, else flex.
    Auto,
    /// flex, always.
    Flex,
    /// WebGPU on any adapter, software ones included; flex only if WebGPU fails.
    WebGpu,
    /// flex, because a worker on WebGPU died (the page asks for it then).
    FlexAfterFailure,
}

/// The `backend=` value the page gives a worker after one on WebGPU died.
pub const FLEX_AFTER_FAILURE: &str = "flex-after-webgpu-failed";

impl Preference {
    /// Reads `backend=` from a URL query (`?a=b&backend=flex`); anything else is [`Preference::Auto`].
    pub fn from_query(query: &str) -> Self {
        let value = query
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix(PARAMETER)?.strip_prefix('='));
        match value {
            Some("flex") => Preference::Flex,
            Some(FLEX_AFTER_FAILURE) => Preference::FlexAfterFailure,
            Some("webgpu") => Preference::WebGpu,
            _ => Preference::Auto,
        }
    }
}

/// The backend that ran a set of models, as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backend {
    /// `webgpu` or `flex`.
    pub name: String,
    /// For people: the adapter WebGPU runs on, or why flex runs instead.
    pub note: String,
}

impl Backend {
    /// The name of the WebGPU backend.
    pub const WEBGPU: &str = "webgpu";
    /// The name of the CPU backend.
    pub const FLEX: &str = "flex";

    /// flex, for the reason given.
    pub fn flex(why: impl Into<String>) -> Self {
        Backend {
            name: Self::FLEX.into(),
            note: why.into(),
        }
    }

    /// Whether this is WebGPU.
    pub fn is_webgpu(&self) -> bool {
        self.name == Self::WEBGPU
    }

    /// How the page names it.
    pub fn label(&self) -> &'static str {
        if self.is_webgpu() {
            "WebGPU"
        } else {
            "flex (CPU)"
        }
    }
}

/// A device and what the page says of it.
#[derive(Clone, Debug)]
pub struct Choice {
    /// Where tensors go.
    pub device: Device,
    /// Its name and note.
    pub backend: Backend,
}

impl Choice {
    /// flex, for the reason given.
    pub fn flex(why: impl Into<String>) -> Self {
        Choice {
            device: Device::flex(),
            backend: Backend::flex(why),
        }
    }
}

/// What the browser's `navigator.gpu.requestAdapter()` gives.
#[derive(Clone, Debug)]
pub struct Adapter {
    /// `vendor architecture`, as far as the browser says.
    pub name: String,
    /// A software adapter (`isFallbackAdapter`).
    pub software: bool,
}

/// Asks the browser (from a window or a worker) for a WebGPU adapter.
async fn adapter() -> Result<Adapter, String> {
    let global = js_sys::global();
    let gpu = Reflect::get(&global, &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"gpu".into()))
        .unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no WebGPU".into());
    }
    let request: js_sys::Function = Reflect::get(&gpu, &"requestAdapter".into())
        .map_err(|e| describe(&e))?
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is not a function".to_string())?;
    let promise: js_sys::Promise = request
        .call0(&gpu)
        .map_err(|e| describe(&e))?
        .dyn_into()
        .map_err(|_| "requestAdapter did not return a promise".to_string())?;
    let adapter = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("the browser offers no WebGPU adapter".into());
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let text = |key: &str| {
        Reflect::get(&info, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let name = [text("vendor"), text("architecture"), text("description")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // `info.isFallbackAdapter` in current browsers, `adapter.isFallbackAdapter` in older ones.
    let software = [&info, &adapter].into_iter().any(|o| {
        Reflect::get(o, &"isFallbackAdapter".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    });
    Ok(Adapter {
        name: if name.is_empty() {
            "an unnamed adapter".into()
        } else {
            name
        },
        software,
    })
}

/// Whether `preference` leads to WebGPU on this browser: its adapter, or why flex.
pub async fn wanted(preference: Preference) -> Result<Adapter, String> {
    match preference {
        Preference::Flex => return Err(format!("flex asked for (?{PARAMETER}=flex)")),
        Preference::FlexAfterFailure => {
            return Err("the WebGPU worker stopped, or could not start; flex from now on".into());
        }
        Preference::Auto | Preference::WebGpu => {}
    }
    let adapter = adapter()
        .await
        .map_err(|why| format!("WebGPU not used: {why}"))?;
    if adapter.software && preference == Preference::Auto {
        return Err(format!(
            "WebGPU not used: the adapter it offers ({}) is a software one, slower than flex; \
             ?{PARAMETER}=webgpu uses it anyway",
            adapter.name
        ));
    }
    Ok(adapter)
}

/// Picks the device for `preference` ([`wanted`]). Initialises burn's wgpu runtime when WebGPU
/// is chosen (once per worker: a runtime cannot be initialised twice).
pub async fn choose(preference: Preference) -> Choice {
    match wanted(preference).await {
        Ok(adapter) => start_webgpu(adapter).await,
        Err(why) => Choice::flex(why),
    }
}

#[cfg(feature = "webgpu")]
async fn start_webgpu(adapter: Adapter) -> Choice {
    match Device::wgpu_options().init_async().await {
        Ok(device) => Choice {
            device,
            backend: Backend {
                name: Backend::WEBGPU.into(),
                note: format!(
                    "WebGPU on {}{}",
                    adapter.name,
                    if adapter.software { " (software)" } else { "" }
                ),
            },
        },
        Err(e) => Choice::flex(format!("WebGPU failed to start ({e}); flex instead")),
    }
}

#[cfg(not(feature = "webgpu"))]
async fn start_webgpu(adapter: Adapter) -> Choice {
    Choice::flex(format!(
        "this worker is built without WebGPU (genrescope-gpu-worker has it); {} unused",
        adapter.name
    ))
}

/// Loads (and warms up) a model set with `load` on `choice`'s device; if that fails on WebGPU,
/// again on flex, saying why in the backend's note. Errors on flex (no bundle, bad weights)
/// are the caller's to show.
pub async fn load_with_fallback<T, E, F, Fut>(choice: &Choice, load: F) -> Result<(T, Choice), E>
where
    E: std::fmt::Display,
    F: Fn(Device) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    if choice.backend.is_webgpu() {
        match load(choice.device.clone()).await {
            Ok(model) => return Ok((model, choice.clone())),
            Err(e) => {
                web_sys::console::warn_1(&format!("WebGPU failed, using flex: {e}").into());
                let flex = Choice::flex(format!("WebGPU failed ({e}); flex instead"));
                return load(flex.device.clone()).await.map(|m| (m, flex));
            }
        }
    }
    load(choice.device.clone())
        .await
        .map(|m| (m, choice.clone()))
}
