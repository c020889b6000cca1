use leptos::prelude::*;

use crate::analysis::{FeatureStats, SUMMARY_SECONDS, format_number};

/// `#summary`: one row per feature (`data-feature` = its name) with shape, min, mean and
/// max. The shape cell holds the dimensions in `data-shape` (`20,603`), each number cell
/// the exact value in `data-value`.
#[component]
pub fn SummaryTable(
    /// The rows, in display order.
    #[prop(into)]
    rows: Signal<Vec<FeatureStats>>,
) -> impl IntoView {
    view! {
        <table id="summary">
            <caption>{format!("Features of the first {SUMMARY_SECONDS} s")}</caption>
            <thead>
                <tr>
                    <th scope="col">"Feature"</th>
                    <th scope="col">"Shape"</th>
                    <th scope="col" class="num">"Min"</th>
                    <th scope="col" class="num">"Mean"</th>
                    <th scope="col" class="num">"Max"</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    rows.get()
                        .into_iter()
                        .map(|row| {
                            let shape = row.shape_text();
                            let dims = row
                                .shape
                                .iter()
                                .map(usize::to_string)
                                .collect::<Vec<_>>()
                                .join(",");
                            view! {
                                <tr data-feature=row.name>
                                    <th scope="row" class="name">{row.name}</th>
                                    <td class="shape" data-shape=dims>{shape}</td>
                                    <NumberCell class="min" value=row.min />
                                    <NumberCell class="mean" value=row.mean />
                                    <NumberCell class="max" value=row.max />
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}

/// One statistic: rounded for reading, exact in `data-value`.
#[component]
fn NumberCell(
    /// The cell's class: `min`, `mean` or `max`.
    class: &'static str,
    /// The value.
    value: f64,
) -> impl IntoView {
    view! {
        <td class=format!("num {class}") data-value=value.to_string()>
            {format_number(value)}
        </td>
    }
}
