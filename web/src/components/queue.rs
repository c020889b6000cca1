use std::cmp::Ordering;

use leptos::prelude::*;

use super::keep::save_text;
use crate::analysis::format_duration;
use crate::queue::{Queue, Row, RowState, csv};
use crate::state::Session;

/// A column of `#queue` that sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    File,
    Duration,
    Genre,
}

impl Column {
    fn order(self, a: &Row, b: &Row) -> Ordering {
        match self {
            Column::File => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            Column::Duration => a
                .duration_s
                .partial_cmp(&b.duration_s)
                .unwrap_or(Ordering::Equal),
            Column::Genre => a
                .genre
                .as_ref()
                .map(|g| &g.0)
                .cmp(&b.genre.as_ref().map(|g| &g.0)),
        }
    }
}

/// `#queue`, when several files were dropped or chosen together: one row per file
/// (`tr[data-file]`, `data-state` waiting, analysing, done or failed) with its duration, genre
/// and MusiCNN's three strongest tags; the File, Duration and Genre headers sort it (`aria-sort`),
/// a file's name opens it in the detailed view, and `#queue-csv` saves the table as CSV.
#[component]
pub fn QueueTable() -> impl IntoView {
    let session = Session::expect();
    let queue = Queue::expect();
    // The column sorted on, and whether ascending; none: the order the files came in.
    let sort = RwSignal::new(None::<(Column, bool)>);
    let header = move |column: Column, label: &'static str| {
        let aria = move || match sort.get() {
            Some((c, true)) if c == column => "ascending",
            Some((c, false)) if c == column => "descending",
            _ => "none",
        };
        let click = move |_| {
            sort.update(|s| {
                *s = match *s {
                    Some((c, ascending)) if c == column => Some((c, !ascending)),
                    _ => Some((column, true)),
                }
            })
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button type="button" class="sort" data-sort=label.to_lowercase() on:click=click>
                    {label}
                </button>
            </th>
        }
    };
    let rows = move || {
        let mut rows: Vec<(usize, Row)> = queue.rows.get().into_iter().enumerate().collect();
        if let Some((column, ascending)) = sort.get() {
            rows.sort_by(|(_, a), (_, b)| {
                let o = column.order(a, b);
                if ascending { o } else { o.reverse() }
            });
        }
        rows.into_iter()
            .map(|(i, row)| {
                let genre = row
                    .genre
                    .as_ref()
                    .map(|(g, p)| format!("{g} ({:.0} %)", p * 100.0))
                    .unwrap_or_else(|| "—".into());
                let said = match row.state {
                    RowState::Waiting => "waiting".to_string(),
                    RowState::Analysing => "analysing…".to_string(),
                    RowState::Done => "done".to_string(),
                    RowState::Failed => row.error.clone().unwrap_or_else(|| "failed".into()),
                };
                view! {
                    <tr data-file=row.name.clone() data-state=row.state.key()>
                        <th scope="row">
                            <button
                                type="button"
                                class="open-row"
                                disabled=row.state == RowState::Waiting
                                on:click=move |_| queue.open(session, i)
                            >
                                {row.name.clone()}
                            </button>
                        </th>
                        <td class="num" data-seconds=row.duration_s.map(|d| d.to_string())>
                            {row.duration_s.map(format_duration).unwrap_or_else(|| "—".into())}
                        </td>
                        <td data-genre=row.genre.as_ref().map(|g| g.0.clone())>{genre}</td>
                        <td data-tags=row.tags.join(",")>{row.tags.join(", ")}</td>
                        <td>{said}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let download = move |_| {
        if let Err(e) = save_text("genrescope-files.csv", &csv(&queue.rows.get_untracked())) {
            web_sys::console::error_1(&e);
        }
    };
    view! {
        <Show when=move || queue.rows.with(|r| !r.is_empty())>
            <section id="queue" class="card">
                <h2>"Files"</h2>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Files">
                    <table class="queue-table">
                        <caption class="sr-only">"The files analysed together; a name opens its analysis."</caption>
                        <thead>
                            <tr>
                                {header(Column::File, "File")}
                                {header(Column::Duration, "Duration")}
                                {header(Column::Genre, "Genre")}
                                <th scope="col">"Top tags"</th>
                                <th scope="col">"State"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <button type="button" id="queue-csv" class="action" on:click=download>
                    "Download the table (CSV)"
                </button>
            </section>
        </Show>
    }
}
