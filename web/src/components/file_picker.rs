use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::Session;

/// The drop zone with its file input (`#file`). Dropping or choosing a file starts its
/// analysis.
#[component]
pub fn FilePicker() -> impl IntoView {
    let session = Session::expect();
    let dragging = RwSignal::new(false);
    let on_change = move |event: leptos::ev::Event| {
        let file = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            session.analyse(file);
        }
    };
    let on_drop = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        let file = event
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            session.analyse(file);
        }
    };
    view! {
        <label
            class="picker"
            class:dragging=move || dragging.get()
            for="file"
            id="dropzone"
            on:dragover=move |e: leptos::ev::DragEvent| {
                e.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <span class="picker-title">"Drop a song here, or click to choose one"</span>
            <span class="picker-hint">
                "MP3, FLAC, Ogg Vorbis or WAV, up to 10 minutes — decoded and analysed in your browser, never uploaded."
            </span>
            <input
                type="file"
                id="file"
                accept="audio/*,.mp3,.flac,.ogg,.wav"
                on:change=on_change
            />
        </label>
    }
}
