//! Genrescope in the browser: drop a song, see every feature of the whole track, the genre
//! the trained models give it and the pretrained MusiCNN's tags — decoded, analysed and predicted in wasm, nothing uploaded.
//!
//! Two binaries share this library: the page (`main.rs`: [`App`]) and the analysis worker
//! (`bin/worker.rs`: [`worker::start`]), which talk through [`protocol`]. [`analysis`] holds the
//! DOM-free work, [`state`] the session the components share, [`canvas`] draws the core's plot
//! layout on canvases, [`components`] are the pieces of the page. Elements the tests read carry
//! stable ids: `#file`, `#status` (with `data-state`), `#error`, `#duration`, `#predictions`
//! (`data-top`), `#timeline` (`data-windows`), `#tags` (`data-top-genre`, `data-mean`),
//! `#tag-timeline` (`data-patches`), `canvas[data-feature]` (`data-stats`), `#player`.

pub mod analysis;
pub mod backend;
pub mod browser;
pub mod canvas;
pub mod components;
pub mod engine;
pub mod error;
pub mod pool;
pub mod protocol;
pub mod queue;
pub mod state;
pub mod worker;

// The browser tests (wasm-bindgen-test in headless Chromium) are this library's unit tests, not
// an integration test: `cargo test --lib` then links one test wasm (thin LTO over burn and wgpu,
// about a minute on 2 cores) and no binaries, where an integration test made cargo link all
// three binaries and a harness for each besides.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
#[cfg(test)]
extern crate self as genrescope_web;

use leptos::prelude::*;

pub use error::AppError;
pub use state::{Phase, Session};

use components::{
    Announcer, ErrorMessage, FeatureGrid, FilePicker, Keep, Player, Predictions, QueueTable,
    StatusLine, Tags, TrackDetails,
};
use queue::Queue;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::new();
    provide_context(session);
    let queue = Queue::new();
    provide_context(queue);
    // A run of a queue that ends hands over to the queue's next file.
    Effect::new(move |_| {
        if matches!(session.phase.get(), Phase::Done | Phase::Failed) {
            queue.run_ended(session);
        }
    });
    // The worker starts with the page and fetches the models at once.
    Effect::new(move |_| session.start_worker());
    // Plots are drawn at their shown size: again when the window changes (a phone turned).
    let resized = window_event_listener(leptos::ev::resize, move |_| {
        session.viewport.update(|n| *n += 1);
    });
    on_cleanup(move || resized.remove());
    view! {
        <header class="masthead">
            <h1>"Genrescope"</h1>
            <p class="tagline">"What your music looks like to a genre classifier — and what it thinks."</p>
        </header>
        <main>
            <section class="card">
                <FilePicker />
                <StatusLine />
                <Announcer />
                <ErrorMessage />
            </section>
            <QueueTable />
            <Show when=move || session.track.with(Option::is_some)>
                <section class="card track-card">
                    <TrackDetails />
                    <Player />
                </section>
            </Show>
            <div class="verdicts">
                <Predictions />
                <Tags />
            </div>
            <Keep />
            <FeatureGrid />
        </main>
    }
}

/// Logs panics to the console and, since a panic leaves the wasm instance unusable, also
/// says so in `#error` and marks `#status` failed (directly in the DOM: the reactive system
/// may be mid-update when the panic happens).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_panic(&info.to_string());
    }));
}

fn show_panic(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(error) = document.get_element_by_id("error") {
        error.set_text_content(Some(&format!(
            "internal error ({message}); reload the page to try again"
        )));
        let _ = error.remove_attribute("hidden");
    }
    if let Some(status) = document.get_element_by_id("status") {
        let _ = status.set_attribute("data-state", Phase::Failed.key());
        let _ = status.remove_attribute("class");
        status.set_text_content(Some("Stopped by an internal error."));
    }
}
