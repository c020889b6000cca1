use leptos::prelude::*;

use crate::state::Session;

/// `#status`: one sentence on where the analysis stands (shown, not spoken: its progress counts
/// would talk over everything; `#announce` speaks the steps); `data-state` holds the phase,
/// `data-run` the number of the run it belongs to, `data-workers` how many workers of the pool
/// ran a share of it.
#[component]
pub fn StatusLine() -> impl IntoView {
    let session = Session::expect();
    view! {
        <p
            id="status"
            data-state=move || session.phase.get().key()
            data-run=move || session.run.get().to_string()
            data-workers=move || session.workers_used.get().to_string()
            data-timings=move || serde_json::to_string(&session.timings.get()).unwrap_or_default()
            class:busy=move || session.phase.get().is_busy()
        >
            {move || session.status_text()}
        </p>
    }
}

/// `#announce`: a polite live region, hidden from sight, that tells screen readers each step
/// of the analysis and its result ([`Session::announcement`]).
#[component]
pub fn Announcer() -> impl IntoView {
    let session = Session::expect();
    view! {
        <p id="announce" class="sr-only" role="status" aria-live="polite">
            {move || session.announcement()}
        </p>
    }
}

/// `#error`: the message of the last failure, hidden while there is none; `data-kind` holds
/// its [`ErrorKind`](crate::error::ErrorKind) (`decode`, `too_long`, …), whichever side of
/// the worker it happened on.
#[component]
pub fn ErrorMessage() -> impl IntoView {
    let session = Session::expect();
    view! {
        <p
            id="error"
            role="alert"
            hidden=move || session.error.with(Option::is_none)
            data-kind=move || session.error.with(|e| e.as_ref().map(|e| e.kind().key()))
        >
            {move || session.error.get().map(|e| e.to_string())}
        </p>
    }
}
