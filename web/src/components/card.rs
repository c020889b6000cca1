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

/// The text colour that reads best on a background `rgb`: black or white, whichever contrasts
/// more by WCAG 2.1's relative luminance (either gives at least 4.58:1 on any colour, above the
/// 4.5:1 AA asks of small text).
pub fn ink_on(rgb: [u8; 3]) -> &'static str {
    let luminance = relative_luminance(rgb);
    // Contrast with black: (L + 0.05) / 0.05; with white: 1.05 / (L + 0.05).
    if (luminance + 0.05) * (luminance + 0.05) > 0.05 * 1.05 {
        "#000"
    } else {
        "#fff"
    }
}

/// WCAG 2.1's relative luminance of an sRGB colour (0 black … 1 white).
pub fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let [r, g, b] = rgb.map(|c| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// `rgb(r,g,b)` for CSS.
pub fn css_rgb([r, g, b]: [u8; 3]) -> String {
    format!("rgb({r},{g},{b})")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2.1's contrast ratio of two colours.
    fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
        let (x, y) = (relative_luminance(a) + 0.05, relative_luminance(b) + 0.05);
        x.max(y) / x.min(y)
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_ink_on_any_colour_contrasts_at_least_4_5_to_1() {
        // Every 17th level of each channel (4,913 colours), and the greys.
        let levels: Vec<u8> = (0..=255).step_by(17).collect();
        for &r in &levels {
            for &g in &levels {
                for &b in &levels {
                    let ink = if ink_on([r, g, b]) == "#000" {
                        [0; 3]
                    } else {
                        [255; 3]
                    };
                    let c = contrast([r, g, b], ink);
                    assert!(c >= 4.5, "{ink:?} on {:?}: {c:.2}", [r, g, b]);
                }
            }
        }
        // WCAG's own figures: black on white 21:1, #777 on white 4.48:1.
        assert!((contrast([0; 3], [255; 3]) - 21.0).abs() < 1e-9);
        assert!((contrast([0x77; 3], [255; 3]) - 4.48).abs() < 0.01);
        // The colours axe-core found white text failing on: tab20's light orange and blue.
        assert_eq!(ink_on([0xff, 0xbb, 0x78]), "#000");
        assert_eq!(ink_on([0xae, 0xc7, 0xe8]), "#000");
        assert_eq!(ink_on([0x1f, 0x77, 0xb4]), "#fff");
    }
}
