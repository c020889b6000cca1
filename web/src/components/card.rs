//! Pieces the result cards (`#predictions`, `#tags`) share.

use leptos::prelude::*;

use crate::state::Session;

/// A result card that holds only a note: its result is on its way (`state` `pending`) or
/// cannot come (`missing`, with what to do about it).
#[component]
pub fn NoteCard(
    /// The card's element id.
    id: &'static str,
    /// Its classes.
    class: &'static str,
    /// Its `data-state`.
    state: &'static str,
    /// Its heading.
    title: &'static str,
    /// Its `data-kind`, when it is `missing`: why
    /// ([`ErrorKind::key`](crate::error::ErrorKind::key)).
    #[prop(optional)]
    kind: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <section id=id class=class data-state=state data-kind=kind>
            <h2>{title}</h2>
            <p class="note">{children()}</p>
        </section>
    }
}

/// One row of a bar list: the name, a bar filled to `fraction` and the figure `shown`.
#[component]
pub fn BarRow(name: String, fraction: f32, shown: String) -> impl IntoView {
    view! {
        <span class="genre-name">{name}</span>
        <span class="bar">
            <span class="fill" style:width=format!("{:.1}%", fraction * 100.0)></span>
        </span>
        <span class="pct">{shown}</span>
    }
}

/// The playhead over a timeline of a track `duration` seconds long: it follows the player.
#[component]
pub fn Playhead(duration: f64) -> impl IntoView {
    let session = Session::expect();
    view! {
        <div
            class="playhead"
            style:left=move || format!("{:.3}%", (session.playhead.get() / duration * 100.0).clamp(0.0, 100.0))
        ></div>
    }
}
