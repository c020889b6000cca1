use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::Session;

/// The file input (`#file`). Choosing a file starts its analysis.
#[component]
pub fn FilePicker() -> impl IntoView {
    let session = Session::expect();
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
    view! {
        <label class="picker" for="file">
            <span class="picker-title">"Choose an audio file"</span>
            <span class="picker-hint">
                "MP3, FLAC, Ogg Vorbis or WAV — decoded in your browser, never uploaded."
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
