//! Genrescope in the browser: choose an audio file, see its duration and a summary of its
//! features, all computed in wasm by `genrescope-core`.
//!
//! [`App`] is the page; `main.rs` only installs [`install_panic_hook`] and mounts it.
//! [`analysis`] holds the DOM-free work, [`state`] the session the components share,
//! [`components`] the pieces of the page. Elements the tests read carry stable ids:
//! `#file`, `#status` (with `data-state`), `#error`, `#duration`, `#summary`.

pub mod analysis;
pub mod browser;
pub mod components;
pub mod error;
pub mod state;

use leptos::prelude::*;

pub use error::AppError;
pub use state::{Phase, Session};

use components::{ErrorMessage, FilePicker, StatusLine, SummaryTable, TrackDetails};

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::new();
    provide_context(session);
    let rows = Signal::derive(move || session.summary.get().unwrap_or_default());
    view! {
        <header class="masthead">
            <h1>"Genrescope"</h1>
            <p class="tagline">"What your music looks like to a genre classifier."</p>
        </header>
        <main>
            <section class="card">
                <FilePicker />
                <StatusLine />
                <ErrorMessage />
            </section>
            <Show when=move || session.track.with(Option::is_some)>
                <section class="card">
                    <TrackDetails />
                </section>
            </Show>
            <Show when=move || session.summary.with(Option::is_some)>
                <section class="card">
                    <SummaryTable rows=rows />
                </section>
            </Show>
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
