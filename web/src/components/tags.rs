use genrescope_core::musicnn::net::top_tags;
use genrescope_core::musicnn::{PATCH_SECONDS, fma_genres};
use genrescope_core::plot::genre_colour;
use leptos::prelude::*;

use super::card::{BarRow, NoteCard, Playhead, css_rgb, ink_on};
use crate::backend::Backend;
use crate::error::ErrorKind;
use crate::state::Session;

/// The colour of a patch whose tags name no FMA genre.
const NO_GENRE: [u8; 3] = [120, 120, 120];

/// `#tags`: the pretrained MusiCNN's tags of the whole track (the mean over its 3 s patches),
/// the FMA genres they name (the strongest tag of each genre, `musicnn::fma_genres`), and in
/// `#tag-timeline` the strongest tag of each patch, coloured by its genre (`data-genre`; the
/// colour of the genre's name, [`genre_colour`], as in `#timeline`). Needs no bundle.
/// `data-state` is `pending`, `partial` (patches still coming), `done` or `missing` (weights
/// not found, or not loadable: `data-kind` says which); `data-mean` holds the 50 mean
/// activations in the model's tag order.
#[component]
pub fn Tags() -> impl IntoView {
    let session = Session::expect();
    move || {
        if let Some(error) = session.tags_missing.get() {
            // Not there, or there but unusable (damaged, another version): copying fixes both.
            let lead = if error.kind == ErrorKind::Fetch {
                "MusiCNN's weights are not next to this page ("
            } else {
                "MusiCNN's weights next to this page could not be used ("
            };
            return Some(
                view! {
                    <NoteCard id="tags" class="card predictions tags" state="missing" title="Tags · MusiCNN" kind=error.kind.key()>
                        {lead} {error.message}
                        "); copy " <code>"models/musicnn/"</code> " to " <code>"musicnn/"</code>
                        " beside " <code>"index.html"</code> "."
                    </NoteCard>
                }
                .into_any(),
            );
        }
        session.file_name.get()?;
        let Some(taggram) = session.tags.get() else {
            return Some(
                view! {
                    <NoteCard id="tags" class="card predictions tags" state="pending" title="Tags · MusiCNN">
                        "Listening with MusiCNN…"
                    </NoteCard>
                }
                .into_any(),
            );
        };
        let model = taggram.model;
        let genres = taggram.genres();
        let (top_genre, top_score) = genres.first().copied().unwrap_or(("—", 0.0));
        let tags = taggram.top(5);
        let bars = |items: &[(&'static str, f32)], attr: &'static str| {
            items
                .iter()
                .map(|&(name, score)| {
                    view! {
                        <li attr:data-name=name attr:data-kind=attr data-score=score.to_string()>
                            <BarRow name=name.to_string() fraction=score shown=format!("{score:.2}") />
                        </li>
                    }
                })
                .collect_view()
        };
        let genre_bars = bars(&genres[..genres.len().min(3)], "genre");
        let tag_bars = bars(&tags, "tag");
        let complete = session.tags_complete.get();
        let patches = taggram.patches.len();
        let mean = taggram
            .mean
            .iter()
            .map(f32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let backend = session.tags_backend.get();
        let note = format!(
            "MusiCNN ({}, pretrained on real music; Pons & Serra 2019) over {patches} patch{} of 3 s{} on {}. Genre scores are the strongest tag naming each FMA genre.",
            model.original_name(),
            if patches == 1 { "" } else { "es" },
            if complete { "" } else { " so far" },
            backend.as_ref().map_or("flex (CPU)", Backend::label),
        );
        let duration = session
            .track
            .get()
            .map(|t| t.duration_s)
            .unwrap_or(patches as f64 * PATCH_SECONDS)
            .max(1e-3);
        // Labels fit while a patch is at least ~8 % of the strip; narrower ones keep a tooltip.
        let labelled = PATCH_SECONDS / duration >= 0.08;
        let mut legend: Vec<(&'static str, [u8; 3])> = Vec::new();
        let segments = taggram
            .patches
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (tag, score) = top_tags(model, p, 1)[0];
                let genre = fma_genres(model, p).first().map(|g| g.0);
                let colour = genre.map_or(NO_GENRE, genre_colour);
                if let Some(g) = genre
                    && !legend.iter().any(|(name, _)| *name == g)
                {
                    legend.push((g, colour));
                }
                let start = i as f64 * PATCH_SECONDS;
                let title = format!(
                    "{:.1}–{:.1} s: {tag} {score:.2} ({})",
                    start,
                    start + PATCH_SECONDS,
                    genre.unwrap_or("no genre tag")
                );
                view! {
                    <div
                        class="segment"
                        data-tag=tag
                        data-genre=genre
                        title=title
                        style:left=format!("{:.3}%", start / duration * 100.0)
                        style:width=format!("{:.3}%", PATCH_SECONDS / duration * 100.0)
                        style:background=css_rgb(colour)
                        style:color=ink_on(colour)
                    >
                        <span>{labelled.then_some(tag)}</span>
                    </div>
                }
            })
            .collect_view();
        let legend = legend
            .into_iter()
            .map(|(g, colour)| {
                view! {
                    <li>
                        <span class="swatch" style:background=css_rgb(colour)></span>
                        {g}
                    </li>
                }
            })
            .collect_view();
        Some(
            view! {
                <section
                    id="tags"
                    class="card predictions tags"
                    data-state=if complete { "done" } else { "partial" }
                    data-model=model.name()
                    data-top-genre=top_genre
                    data-top-tag=tags.first().map(|t| t.0).unwrap_or_default()
                    data-patches=patches.to_string()
                    data-mean=mean
                    data-backend=backend.map(|b| b.name)
                >
                    <h2>"Tags · MusiCNN"</h2>
                    <p class="verdict">
                        <span class="genre">{top_genre}</span>
                        <span class="confidence">{format!("{top_score:.2}")}</span>
                    </p>
                    <div class="tag-lists">
                        <div>
                            <h3>"FMA genres"</h3>
                            <ol class="genres">{genre_bars}</ol>
                        </div>
                        <div>
                            <h3>"Top tags"</h3>
                            <ol class="genres">{tag_bars}</ol>
                        </div>
                    </div>
                    <p class="note" id="tags-note">{note}</p>
                    <div class="timeline-block">
                        <h3>"Strongest tag, every 3 s"</h3>
                        <div id="tag-timeline" class="timeline" data-patches=patches.to_string()>
                            {segments}
                            <Playhead duration />
                        </div>
                        <ul class="legend">{legend}</ul>
                    </div>
                </section>
            }
            .into_any(),
        )
    }
}
