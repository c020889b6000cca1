use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::queue::Queue;
use crate::state::Session;

/// The audio files of a chosen folder (any depth), by name: what the decoder reads.
fn audio_only(files: Vec<web_sys::File>) -> Vec<web_sys::File> {
    const AUDIO: [&str; 5] = [".mp3", ".flac", ".ogg", ".oga", ".wav"];
    files
        .into_iter()
        .filter(|f| {
            let name = f.name().to_lowercase();
            AUDIO.iter().any(|ext| name.ends_with(ext))
        })
        .collect()
}

/// Every file of a `FileList`, in its order.
fn all(files: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    files.map_or_else(Vec::new, |f| {
        (0..f.length()).filter_map(|i| f.get(i)).collect()
    })
}

/// The drop zone with its file input (`#file`, `multiple`), and `#folder` to choose a folder
/// (where the browser allows it: `webkitdirectory`). Dropping or choosing a file starts its
/// analysis; several start a queue ([`Queue`]), analysed one after another.
#[component]
pub fn FilePicker() -> impl IntoView {
    let session = Session::expect();
    let queue = Queue::expect();
    let dragging = RwSignal::new(false);
    // `webkitdirectory` (a folder, its files at any depth), which the view's attributes lack.
    let folder = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = folder.get() {
            input.set_webkitdirectory(true);
        }
    });
    let on_change = move |event: leptos::ev::Event| {
        let input = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let files = all(input.as_ref().and_then(|i| i.files()));
        if !files.is_empty() {
            queue.analyse(session, files);
        }
    };
    let on_folder = move |event: leptos::ev::Event| {
        let input = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let files = audio_only(all(input.as_ref().and_then(|i| i.files())));
        if !files.is_empty() {
            queue.analyse(session, files);
        }
    };
    let on_drop = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        let files = all(event.data_transfer().and_then(|d| d.files()));
        if !files.is_empty() {
            queue.analyse(session, files);
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
            <span class="picker-title">"Drop songs here, or click to choose them"</span>
            <span class="picker-hint">
                "MP3, FLAC, Ogg Vorbis or WAV, up to 10 minutes each — decoded and analysed in your browser, never uploaded. Several at once make a table."
            </span>
            <input
                type="file"
                id="file"
                multiple=true
                accept="audio/*,.mp3,.flac,.ogg,.wav"
                on:change=on_change
            />
        </label>
        <p class="folder-picker">
            <label for="folder">"Or a whole folder (its MP3, FLAC, Ogg and WAV files): "</label>
            <input type="file" id="folder" node_ref=folder multiple=true on:change=on_folder />
        </p>
    }
}
