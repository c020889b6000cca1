use std::sync::Arc;

use genrescope_core::Feature;
use genrescope_core::plot::render::{self, Rect};
use genrescope_core::plot::{Body, FeaturePlot, Line};
use leptos::prelude::*;

use super::keep::save_png;
use crate::analysis::{FeatureStats, format_duration};
use crate::canvas::CanvasPainter;
use crate::state::{FeatureView, Session};

/// Drawing size of a feature canvas before it is laid out (its widest).
pub const CANVAS_WIDTH: u32 = 880;
pub const CANVAS_HEIGHT: u32 = 320;
/// Seconds the zoomed waveform shows at first, and its limits.
const ZOOM_SECONDS: f64 = 2.0;
const ZOOM_RANGE: (f64, f64) = (0.01, 60.0);

/// The drawing size of a plot shown `css_width` CSS pixels wide: one drawing pixel per CSS
/// pixel, so its type (12–16 drawing pixels) is as large as the page's from a 320 px phone to
/// a wide screen; half as tall as wide, within 220…320.
pub fn plot_size(css_width: f64) -> (u32, u32) {
    let width = if css_width.is_finite() && css_width >= 1.0 {
        css_width.round().clamp(240.0, 1600.0)
    } else {
        f64::from(CANVAS_WIDTH)
    };
    (
        width as u32,
        (width * 0.5).round().clamp(220.0, 320.0) as u32,
    )
}

/// The drawing size of the zoomed waveform under a plot of `css_width`: three quarters as tall.
fn zoom_size(css_width: f64) -> (u32, u32) {
    let (w, h) = plot_size(css_width);
    (w, h * 3 / 4)
}

/// Where a key pressed on a seekable plot moves the player, now at `now` in `range` (seconds):
/// the arrows by `step`, Page Up/Down by four steps, Home and End to either end. `None` for
/// other keys.
pub fn seek_key(key: &str, now: f64, range: std::ops::Range<f64>, step: f64) -> Option<f64> {
    let to = match key {
        "ArrowRight" | "ArrowUp" => now + step,
        "ArrowLeft" | "ArrowDown" => now - step,
        "PageUp" => now + 4.0 * step,
        "PageDown" => now - 4.0 * step,
        "Home" => range.start,
        "End" => range.end,
        _ => return None,
    };
    Some(to.clamp(range.start, range.end.max(range.start)))
}

/// A plot's figures in words, for screen readers (its `data-stats`): the title, the shape in
/// librosa's order and the range of its values.
pub fn describe(title: &str, stats: &FeatureStats) -> String {
    let shape = stats
        .shape
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" × ");
    format!(
        "{title}: {shape} values, from {} to {}, mean {}.",
        significant(stats.min),
        significant(stats.max),
        significant(stats.mean),
    )
}

/// `v` to five significant digits, in plain notation unless very large or small.
fn significant(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if !(1e-3..1e6).contains(&magnitude) {
        format!("{v:.4e}")
    } else {
        let decimals = (4 - magnitude.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    }
}

/// The screen's `devicePixelRatio` (1 where there is no window).
fn pixel_ratio() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio())
}

/// Draws `plot` on `canvas` at its shown width (`size` gives the drawing size for a CSS
/// width) and the screen's pixel density; resolves to the drawing size and plotting rectangle.
fn draw_fitted(
    canvas: &web_sys::HtmlCanvasElement,
    size: fn(f64) -> (u32, u32),
    plot: &FeaturePlot,
) -> Option<((u32, u32), Rect)> {
    let size = size(f64::from(canvas.client_width()));
    match CanvasPainter::scaled(canvas, size, pixel_ratio())
        .and_then(|mut p| render::draw_feature(&mut p, plot))
    {
        Ok(r) => Some((size, r)),
        Err(e) => {
            web_sys::console::error_1(&e);
            None
        }
    }
}

/// `#features`: one canvas per feature of the whole track, in the registry's order.
#[component]
pub fn FeatureGrid() -> impl IntoView {
    let session = Session::expect();
    view! {
        <section id="features" class="features">
            <For
                each=move || session.features.get()
                key=|view| view.plot.feature
                children=move |view| view! { <FeatureCanvas view=view /> }
            />
        </section>
    }
}

/// The seconds a plot's horizontal axis spans, when it is time.
pub fn time_span(plot: &FeaturePlot) -> Option<f64> {
    match &plot.body {
        Body::Heatmap(h) => Some(h.duration()),
        Body::Line(l) if l.x_label.starts_with("time") => Some(l.x_max()),
        Body::Line(_) => None,
    }
}

/// One feature: `canvas[data-feature]` (its statistics in `data-stats`, in words in its
/// description), a playhead over time-axis plots, and seeking by click, tap or keyboard (the
/// canvas is then a slider over the track's seconds). Drawn at its shown width and the
/// screen's pixel density, again when the window changes size.
#[component]
pub fn FeatureCanvas(view: FeatureView) -> impl IntoView {
    let session = Session::expect();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let layout = RwSignal::new(None::<((u32, u32), Rect)>);
    let plot = view.plot.clone();
    let name = plot.feature.name();
    let stats = serde_json::to_string(&*view.stats).unwrap_or_default();
    let description = describe(&plot.title, &view.stats);
    let description_id = format!("{name}-description");
    let title = plot.title.clone();
    let png_label = format!("Save {} as PNG", plot.title);
    let span = time_span(&plot);
    Effect::new(move |_| {
        session.viewport.track();
        if let Some(c) = canvas.get() {
            layout.set(draw_fitted(&c, plot_size, &plot));
        }
    });
    let playhead = move || {
        let ((w, h), r) = layout.get()?;
        let span = span?;
        Some(marker_at(
            &r,
            session.playhead.get() / span,
            (f64::from(w), f64::from(h)),
        ))
    };
    let on_click = move |event: leptos::ev::MouseEvent| {
        let (Some(((w, _), r)), Some(span), Some(c)) =
            (layout.get_untracked(), span, canvas.get_untracked())
        else {
            return;
        };
        let x = f64::from(event.offset_x()) * f64::from(w) / f64::from(c.client_width().max(1));
        let f = (x - f64::from(r.x0)) / f64::from(r.width() - 1);
        if (0.0..=1.0).contains(&f) {
            session.seek.set(Some(f * span));
        }
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let Some(span) = span else { return };
        let step = (span / 20.0).clamp(1.0, 10.0);
        let now = session.playhead.get_untracked();
        if let Some(t) = seek_key(&event.key(), now, 0.0..span, step) {
            event.prevent_default();
            session.seek.set(Some(t));
        }
    };
    let zoom = match (&view.plot.feature, &view.plot.body) {
        (Feature::Waveform, Body::Line(line)) => {
            Some(view! { <WaveformZoom line=Arc::new(line.clone()) /> })
        }
        _ => None,
    };
    let slider = span.map(|span| {
        (
            format!("{span:.2}"),
            move || format!("{:.2}", session.playhead.get().clamp(0.0, span)),
            move || {
                format!(
                    "{} of {}",
                    format_duration(session.playhead.get().clamp(0.0, span)),
                    format_duration(span)
                )
            },
        )
    });
    let (max, now, said) = match slider {
        Some((max, now, said)) => (Some(max), Some(now), Some(said)),
        None => (None, None, None),
    };
    view! {
        <figure class="feature" data-name=name>
            <div class="plot">
                <canvas
                    node_ref=canvas
                    width=CANVAS_WIDTH
                    height=CANVAS_HEIGHT
                    data-feature=name
                    data-stats=stats
                    class:seekable=span.is_some()
                    role=if span.is_some() { "slider" } else { "img" }
                    tabindex=span.map(|_| "0")
                    aria-label=title
                    aria-describedby=description_id.clone()
                    aria-valuemin=span.map(|_| "0")
                    aria-valuemax=max
                    aria-valuenow=now
                    aria-valuetext=said
                    on:click=on_click
                    on:keydown=on_key
                ></canvas>
                {move || playhead().map(playhead_marker)}
            </div>
            <figcaption id=description_id class="sr-only">{description}</figcaption>
            <div class="figure-tools">
                <button
                    type="button"
                    class="save-png"
                    data-feature=name
                    aria-label=png_label
                    on:click=move |_| {
                        if let Some(c) = canvas.get_untracked() {
                            save_png(&c, name);
                        }
                    }
                >
                    "PNG"
                </button>
            </div>
            {zoom}
        </figure>
    }
}

/// A playhead at fraction `f` (clamped to 0…1) across the plotting rectangle `r` of a canvas of
/// `size` drawing pixels: `(left, top, height)` in percent of the canvas.
fn marker_at(r: &Rect, f: f64, (w, h): (f64, f64)) -> (f64, f64, f64) {
    let x = f64::from(r.x0) + f.clamp(0.0, 1.0) * f64::from(r.width() - 1);
    (
        x / w * 100.0,
        f64::from(r.y0) / h * 100.0,
        f64::from(r.height()) / h * 100.0,
    )
}

/// The playhead line over a plot, placed by [`marker_at`].
fn playhead_marker((left, top, height): (f64, f64, f64)) -> impl IntoView {
    view! {
        <div
            class="playhead"
            style:left=format!("{left:.3}%")
            style:top=format!("{top:.3}%")
            style:height=format!("{height:.3}%")
        ></div>
    }
}

/// Where a zoomed window of `span` seconds starts so that it holds `t` in its middle, inside
/// a track of `duration` seconds.
pub fn zoom_start(t: f64, span: f64, duration: f64) -> f64 {
    (t - span / 2.0).clamp(0.0, (duration - span).max(0.0))
}

/// `canvas#waveform-zoom`: the waveform around the playhead, `span` seconds wide (`data-start`,
/// `data-end` in seconds), with buttons to zoom in and out; a click, tap or key seeks there.
#[component]
fn WaveformZoom(line: Arc<Line>) -> impl IntoView {
    let session = Session::expect();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let layout = RwSignal::new(None::<((u32, u32), Rect)>);
    let span = RwSignal::new(ZOOM_SECONDS);
    let duration = line.x_range().end;
    let window = move || {
        let span = span.get().min(duration);
        let start = zoom_start(session.playhead.get(), span, duration);
        (start, start + span)
    };
    let drawn = line.clone();
    Effect::new(move |_| {
        session.viewport.track();
        let (start, end) = window();
        let Some(c) = canvas.get() else { return };
        let plot = FeaturePlot {
            feature: Feature::Waveform,
            // Short enough for a 320 px phone.
            title: format!("Waveform, {start:.2}–{end:.2} s"),
            body: Body::Line(drawn.window(start, end - start)),
        };
        layout.set(draw_fitted(&c, zoom_size, &plot));
    });
    let playhead = move || {
        let ((w, h), r) = layout.get()?;
        let (start, end) = window();
        let f = (session.playhead.get() - start) / (end - start).max(1e-9);
        Some(marker_at(&r, f, (f64::from(w), f64::from(h))))
    };
    let on_click = move |event: leptos::ev::MouseEvent| {
        let (Some(((w, _), r)), Some(c)) = (layout.get_untracked(), canvas.get_untracked()) else {
            return;
        };
        let x = f64::from(event.offset_x()) * f64::from(w) / f64::from(c.client_width().max(1));
        let f = (x - f64::from(r.x0)) / f64::from(r.width() - 1);
        if (0.0..=1.0).contains(&f) {
            let (start, end) = window();
            session.seek.set(Some(start + f * (end - start)));
        }
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let (start, end) = window();
        let now = session.playhead.get_untracked();
        if let Some(t) = seek_key(&event.key(), now, 0.0..duration, (end - start) / 10.0) {
            event.prevent_default();
            session.seek.set(Some(t));
        }
    };
    let zoom = move |factor: f64| {
        span.update(|s| *s = (*s * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1.min(duration)));
    };
    view! {
        <div class="zoom">
            <div class="zoom-bar">
                <span>"Zoom: " {move || format_span(span.get().min(duration))}</span>
                <button type="button" id="zoom-in" title="Zoom in" aria-label="Zoom in" on:click=move |_| zoom(0.5)>"+"</button>
                <button type="button" id="zoom-out" title="Zoom out" aria-label="Zoom out" on:click=move |_| zoom(2.0)>"−"</button>
            </div>
            <div class="plot">
                <canvas
                    node_ref=canvas
                    id="waveform-zoom"
                    width=CANVAS_WIDTH
                    height=CANVAS_HEIGHT * 3 / 4
                    data-start=move || format!("{:.4}", window().0)
                    data-end=move || format!("{:.4}", window().1)
                    class="seekable"
                    role="slider"
                    tabindex="0"
                    aria-label="Waveform around the playhead"
                    aria-valuemin="0"
                    aria-valuemax=format!("{duration:.2}")
                    aria-valuenow=move || format!("{:.2}", session.playhead.get())
                    aria-valuetext=move || {
                        let (start, end) = window();
                        format!(
                            "{} of {}, showing {:.2} to {:.2} s",
                            format_duration(session.playhead.get()),
                            format_duration(duration),
                            start,
                            end
                        )
                    }
                    on:click=on_click
                    on:keydown=on_key
                ></canvas>
                {move || playhead().map(playhead_marker)}
            </div>
        </div>
    }
}

/// `2 s`, `250 ms`.
fn format_span(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{:.0} ms", seconds * 1000.0)
    }
}
