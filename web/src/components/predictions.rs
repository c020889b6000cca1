use genrescope_core::model::argmax;
use genrescope_core::model::bundle::Dataset;
use genrescope_core::plot::genre_colour;
use leptos::prelude::*;

use super::card::{BarRow, NoteCard, Playhead, css_rgb, ink_on};
use crate::error::ErrorKind;
use crate::protocol::BundleStatus;
use crate::state::{Session, milliseconds};

/// `#predictions`: the track's genre (the mean over its windows of the models' ensemble), the
/// top genres with their confidence, each model's verdict, and which backend ran them. Without
/// a bundle, a note on how to get one (`data-state="missing"`, `data-kind` `fetch`), or on how
/// to replace one that cannot be used (another `data-kind`).
#[component]
pub fn Predictions() -> impl IntoView {
    let session = Session::expect();
    move || {
        let bundle = session.bundle.get()?;
        let (classes, backend, window_seconds, dataset) = match bundle {
            BundleStatus::Missing { error } => {
                // None to fetch: how to get one. One that cannot be used: how to replace it.
                let (lead, action) = if error.kind == ErrorKind::Fetch {
                    ("No genre models next to this page (", "To add predictions")
                } else {
                    (
                        "The genre models next to this page could not be used (",
                        "To replace them",
                    )
                };
                return Some(
                    view! {
                        <NoteCard id="predictions" class="card predictions" state="missing" title="Genre" kind=error.kind.key()>
                            {lead} {error.message}
                            "). The features below are computed all the same. " {action} ", train a bundle with "
                            <code>"genrescope train"</code> " (or run " <code>"scripts/run.sh"</code>
                            ") and put its " <code>"models/"</code> " folder beside " <code>"index.html"</code> "."
                        </NoteCard>
                    }
                    .into_any(),
                );
            }
            BundleStatus::Loaded {
                classes,
                backend,
                window_seconds,
                dataset,
                ..
            } => (classes, backend, window_seconds, dataset),
        };
        let Some(prediction) = session.prediction.get() else {
            return Some(
                view! {
                    <NoteCard id="predictions" class="card predictions" state="pending" title="Genre">
                        "Predicting…"
                    </NoteCard>
                }
                .into_any(),
            );
        };
        let mean = &prediction.mean;
        let top = argmax(&mean.ensemble);
        let mut order: Vec<usize> = (0..classes.len()).collect();
        order.sort_by(|&a, &b| mean.ensemble[b].total_cmp(&mean.ensemble[a]));
        let genres = order
            .iter()
            .take(3)
            .map(|&g| {
                let p = mean.ensemble[g];
                view! {
                    <li data-genre=classes[g].clone() data-probability=p.to_string()>
                        <BarRow name=classes[g].clone() fraction=p shown=format!("{:.0} %", p * 100.0) />
                    </li>
                }
            })
            .collect_view();
        let models = mean
            .models
            .iter()
            .map(|(feature, p)| {
                let g = argmax(p);
                // Every class's probability, in the bundle's order, for the Playwright specs.
                let probabilities: Vec<String> = p.iter().map(f32::to_string).collect();
                view! {
                    <tr data-model=feature.name() data-probabilities=probabilities.join(",")>
                        <th scope="row">{feature.title()}</th>
                        <td>{classes[g].clone()}</td>
                        <td class="num">{format!("{:.0} %", p[g] * 100.0)}</td>
                    </tr>
                }
            })
            .collect_view();
        let windows = prediction.windows.len();
        let complete = session.prediction_complete.get();
        let note = format!(
            "{} models on {} over {windows} window{} of {window_seconds:.0} s{}; first genre {} after the file was chosen. {}.",
            mean.models.len(),
            backend.label(),
            if windows == 1 { "" } else { "s" },
            if complete { "" } else { " so far" },
            milliseconds(session.prediction_ms.get()),
            backend.note,
        );
        Some(
            view! {
                <section
                    id="predictions"
                    class="card predictions"
                    data-state=if complete { "done" } else { "partial" }
                    data-top=classes[top].clone()
                    data-backend=backend.name.clone()
                >
                    <h2>"Genre"</h2>
                    <DatasetNote dataset />
                    <p class="verdict">
                        <span class="genre">{classes[top].clone()}</span>
                        <span class="confidence">{format!("{:.0} %", mean.ensemble[top] * 100.0)}</span>
                    </p>
                    <ol class="genres">{genres}</ol>
                    <details>
                        <summary>"Each model's verdict"</summary>
                        <table class="models">
                            <thead>
                                <tr>
                                    <th scope="col">"Feature"</th>
                                    <th scope="col">"Genre"</th>
                                    <th scope="col" class="num">"Confidence"</th>
                                </tr>
                            </thead>
                            <tbody>{models}</tbody>
                        </table>
                    </details>
                    <p class="note" id="backend">{note}</p>
                    <Timeline classes=classes.clone() />
                </section>
            }
                .into_any(),
        )
    }
}

/// `#timeline`: the ensemble's genre of each window across the track, with the playhead. A
/// genre's colour is that of its name ([`genre_colour`]), as in `#tag-timeline`.
#[component]
fn Timeline(classes: Vec<String>) -> impl IntoView {
    let session = Session::expect();
    move || {
        let prediction = session.prediction.get()?;
        let sr = f64::from(prediction.sample_rate);
        let duration = session
            .track
            .get()
            .map(|t| t.duration_s)
            .or_else(|| prediction.windows.last().map(|w| w.1 as f64 / sr))?
            .max(1e-3);
        let centres: Vec<f64> = prediction
            .windows
            .iter()
            .map(|(s, e, _)| (*s + *e) as f64 / 2.0 / sr)
            .collect();
        let segments = prediction
            .windows
            .iter()
            .enumerate()
            .map(|(i, (start, end, p))| {
                // Each window covers the part of the track nearest its centre.
                let left = if i == 0 {
                    0.0
                } else {
                    (centres[i] + centres[i - 1]) / 2.0
                };
                let right = centres
                    .get(i + 1)
                    .map_or(duration, |c| (centres[i] + c) / 2.0);
                let g = argmax(&p.ensemble);
                let title = format!(
                    "{:.1}–{:.1} s: {} ({:.0} %)",
                    *start as f64 / sr,
                    *end as f64 / sr,
                    classes[g],
                    p.ensemble[g] * 100.0
                );
                view! {
                    <div
                        class="segment"
                        data-genre=classes[g].clone()
                        title=title
                        style:left=format!("{:.3}%", left / duration * 100.0)
                        style:width=format!("{:.3}%", (right - left) / duration * 100.0)
                        style:background=css_rgb(genre_colour(&classes[g]))
                        style:color=ink_on(genre_colour(&classes[g]))
                    >
                        <span>{classes[g].clone()}</span>
                    </div>
                }
            })
            .collect_view();
        let windows = prediction.windows.len();
        Some(view! {
            <div class="timeline-block">
                <h3>"Across the track"</h3>
                <div id="timeline" class="timeline" data-windows=windows.to_string()>
                    {segments}
                    <Playhead duration />
                </div>
            </div>
        })
    }
}

/// `#dataset`: what the bundle was trained on, from its manifest. A bundle trained on the
/// synthesised demo data says so first and plainly (`data-synthesised="true"`): its genres
/// mean nothing for real music, where MusiCNN's genres (trained on real recordings) do.
#[component]
fn DatasetNote(dataset: Option<Dataset>) -> impl IntoView {
    let dataset = dataset?;
    let synthesised = dataset.synthesised;
    let text = if synthesised {
        format!(
            "{}. For real music, read the FMA genres under Tags · MusiCNN: it learnt from \
             real recordings.",
            capitalised(&dataset.notice())
        )
    } else {
        format!("{}.", capitalised(&dataset.notice()))
    };
    Some(view! {
        <p
            id="dataset"
            class=if synthesised { "note warning" } else { "note" }
            data-synthesised=synthesised.to_string()
            data-tracks=dataset.tracks.to_string()
        >
            {text}
        </p>
    })
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
