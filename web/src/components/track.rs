use leptos::prelude::*;

use crate::analysis::format_duration;
use crate::state::Session;

/// Duration (`#duration`, exact seconds in `data-seconds`) and format of the decoded file,
/// with a note (`#decode-note`) when the decoder had to skip damaged parts.
#[component]
pub fn TrackDetails() -> impl IntoView {
    let session = Session::expect();
    move || {
        session.track.get().map(|track| {
            let channels = match track.channels {
                1 => "mono".to_string(),
                2 => "stereo".to_string(),
                n => format!("{n} channels"),
            };
            let note = damage_note(track.skipped_packets, track.truncated)
                .map(|note| view! { <p id="decode-note" class="note">{note}</p> });
            view! {
                <dl class="track">
                    <div>
                        <dt>"Duration"</dt>
                        <dd id="duration" data-seconds=track.duration_s.to_string()>
                            {format_duration(track.duration_s)}
                        </dd>
                    </div>
                    <div>
                        <dt>"Format"</dt>
                        <dd id="format">{format!("{} Hz, {channels}", track.sample_rate)}</dd>
                    </div>
                </dl>
                {note}
            }
        })
    }
}

/// What the user should know about a damaged file, if anything.
fn damage_note(skipped_packets: usize, truncated: bool) -> Option<String> {
    let skipped = match skipped_packets {
        0 => None,
        1 => Some("1 damaged packet was skipped".to_string()),
        n => Some(format!("{n} damaged packets were skipped")),
    };
    let note = match (skipped, truncated) {
        (None, false) => return None,
        (Some(s), false) => s,
        (None, true) => "the file ends early (truncated)".to_string(),
        (Some(s), true) => format!("{s} and the file ends early (truncated)"),
    };
    Some(format!("Decoded with damage: {note}."))
}
