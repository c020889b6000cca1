//! `#keep`: the analysis as files to keep, made in the browser (nothing is uploaded): a JSON
//! document with the fields `genrescope artifacts` writes, and each plot as a PNG.

use genrescope_core::model::report::{self, Signal};
use leptos::prelude::*;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::protocol::BundleStatus;
use crate::state::{Phase, Session};

/// The analysis of the file shown, or `None` before it is decoded: `file` (name, duration,
/// format), `predictions` (predictions.json: the bundle's first window, the signal `artifacts`
/// predicts from), `timeline` (timeline.json: every window and the track's genre), `tags`
/// (tags.json's object for the page's MusiCNN model) and `timings` (milliseconds per step).
/// The parts a run did not give (no bundle, MusiCNN missing) are absent.
pub fn analysis_json(session: &Session) -> Option<Value> {
    let name = session.file_name.get_untracked()?;
    let track = session.track.get_untracked()?;
    let timings: serde_json::Map<String, Value> = session
        .timings
        .get_untracked()
        .into_iter()
        .map(|(step, ms)| (step, json!(ms)))
        .collect();
    let mut doc = json!({
        "file": {
            "name": name,
            "duration_seconds": track.duration_s,
            "sample_rate": track.sample_rate,
            "channels": track.channels,
        },
        "timings": timings,
    });
    if let (
        Some(BundleStatus::Loaded {
            classes,
            window_seconds,
            dataset,
            ..
        }),
        Some(p),
    ) = (
        session.bundle.get_untracked(),
        session.prediction.get_untracked(),
    ) {
        if let Some((_, _, first)) = p.windows.first() {
            let signal = Signal {
                offset: 0.0,
                seconds: window_seconds,
            };
            let models = Some("models/");
            doc["predictions"] =
                report::predictions(&classes, first, signal, models, None, dataset.as_ref());
        }
        doc["timeline"] = report::timeline(&classes, window_seconds, &p);
    }
    if let Some(taggram) = session.tags.get_untracked() {
        doc["tags"] = json!({ taggram.model.name(): report::taggram(&taggram) });
    }
    Some(doc)
}

/// The chosen file's name without its extension, for the names of the files saved.
fn stem(session: &Session) -> String {
    let name = session.file_name.get_untracked().unwrap_or_default();
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name,
    }
}

/// Saves `href` (a `blob:` or `data:` URL) as `name`, as a link with `download` does.
fn save(href: &str, name: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link = document.create_element("a")?;
    link.set_attribute("href", href)?;
    link.set_attribute("download", name)?;
    link.dyn_into::<web_sys::HtmlElement>()?.click();
    Ok(())
}

/// Saves `value` as the JSON file `name`.
fn save_json(name: &str, value: &Value) -> Result<(), JsValue> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| JsValue::from_str(&e.to_string()))?;
    save_text(name, &text)
}

/// Saves `text` as the file `name`.
pub fn save_text(name: &str, text: &str) -> Result<(), JsValue> {
    let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&JsValue::from_str(text)))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    save(&url, name)?;
    // The download has its bytes once it starts; the URL goes a minute later.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000)?;
    Ok(())
}

/// Saves what `canvas` shows as `<file>-<feature>.png`.
pub fn save_png(canvas: &web_sys::HtmlCanvasElement, feature: &str) {
    let session = Session::expect();
    let saved = canvas
        .to_data_url()
        .and_then(|url| save(&url, &format!("{}-{feature}.png", stem(&session))));
    if let Err(e) = saved {
        web_sys::console::error_1(&e);
    }
}

/// `#keep`, once a file is analysed: `#download-json` saves [`analysis_json`] as
/// `<file>.genrescope.json`; each plot has its own PNG button.
#[component]
pub fn Keep() -> impl IntoView {
    let session = Session::expect();
    let download = move |_| {
        let Some(doc) = analysis_json(&session) else {
            return;
        };
        if let Err(e) = save_json(&format!("{}.genrescope.json", stem(&session)), &doc) {
            web_sys::console::error_1(&e);
        }
    };
    view! {
        <Show when=move || session.phase.get() == Phase::Done>
            <section id="keep" class="card keep">
                <h2>"Keep the results"</h2>
                <p class="note">
                    "Made here, on your device: the genre of every window, each model's verdict and MusiCNN's tags of every patch, with the fields "
                    <code>"genrescope artifacts"</code> " writes. Each plot saves as a PNG with its own button."
                </p>
                <button type="button" id="download-json" class="action" on:click=download>
                    "Download the analysis (JSON)"
                </button>
            </section>
        </Show>
    }
}
