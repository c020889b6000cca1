use leptos::prelude::*;

use crate::state::Session;

/// `#player`: the chosen file itself (an object URL: nothing leaves the page). Its position
/// moves the playheads; clicks on the plots move it.
#[component]
pub fn Player() -> impl IntoView {
    let session = Session::expect();
    let audio = NodeRef::<leptos::html::Audio>::new();
    Effect::new(move |_| {
        if let (Some(t), Some(a)) = (session.seek.get(), audio.get_untracked()) {
            a.set_current_time(t);
            session.playhead.set(t);
            if a.paused() {
                let _ = a.play();
            }
        }
    });
    let update = move |_| {
        if let Some(a) = audio.get_untracked() {
            session.playhead.set(a.current_time());
        }
    };
    move || {
        session.audio_url.get().map(|url| {
            view! {
                <audio
                    id="player"
                    node_ref=audio
                    controls=true
                    preload="auto"
                    src=url
                    on:timeupdate=update
                    on:seeked=update
                ></audio>
            }
        })
    }
}
