use std::sync::Arc;

use genrescope_core::Feature;
use genrescope_core::plot::render::{self, Rect};
use genrescope_core::plot::{Body, FeaturePlot, Line};
use leptos::prelude::*;

use crate::canvas::CanvasPainter;
use crate::state::{FeatureView, Session};

/// Drawing size of a feature canvas (CSS scales it to the page's width).
pub const CANVAS_WIDTH: u32 = 880;
pub const CANVAS_HEIGHT: u32 = 320;
/// Drawing height of the waveform's zoomed view.
pub const ZOOM_HEIGHT: u32 = 240;
/// Seconds the zoomed waveform shows at first, and its limits.
const ZOOM_SECONDS: f64 = 2.0;
const ZOOM_RANGE: (f64, f64) = (0.01, 60.0);

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

/// One feature: `canvas[data-feature]` (its statistics in `data-stats`), a playhead over
/// time-axis plots, and click-to-seek.
#[component]
pub fn FeatureCanvas(view: FeatureView) -> impl IntoView {
    let session = Session::expect();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let rect = RwSignal::new(None::<Rect>);
    let plot = view.plot.clone();
    let name = plot.feature.name();
    let stats = serde_json::to_string(&*view.stats).unwrap_or_default();
    let span = time_span(&plot);
    Effect::new(move |_| {
        let Some(c) = canvas.get() else { return };
        match CanvasPainter::new(&c).and_then(|mut p| render::draw_feature(&mut p, &plot)) {
            Ok(r) => rect.set(Some(r)),
            Err(e) => web_sys::console::error_1(&e),
        }
    });
    let (w, h) = (f64::from(CANVAS_WIDTH), f64::from(CANVAS_HEIGHT));
    let playhead = move || {
        let (r, span) = (rect.get()?, span?);
        Some(marker_at(&r, session.playhead.get() / span, (w, h)))
    };
    let on_click = move |event: leptos::ev::MouseEvent| {
        let (Some(r), Some(span), Some(c)) = (rect.get_untracked(), span, canvas.get_untracked())
        else {
            return;
        };
        let scale = w / f64::from(c.client_width().max(1));
        let x = f64::from(event.offset_x()) * scale;
        let f = (x - f64::from(r.x0)) / f64::from(r.width() - 1);
        if (0.0..=1.0).contains(&f) {
            session.seek.set(Some(f * span));
        }
    };
    let zoom = match (&view.plot.feature, &view.plot.body) {
        (Feature::Waveform, Body::Line(line)) => {
            Some(view! { <WaveformZoom line=Arc::new(line.clone()) /> })
        }
        _ => None,
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
                    on:click=on_click
                ></canvas>
                {move || playhead().map(playhead_marker)}
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
/// `data-end` in seconds), with buttons to zoom in and out; a click seeks there.
#[component]
fn WaveformZoom(line: Arc<Line>) -> impl IntoView {
    let session = Session::expect();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let rect = RwSignal::new(None::<Rect>);
    let span = RwSignal::new(ZOOM_SECONDS);
    let duration = line.x_range().end;
    let window = move || {
        let span = span.get().min(duration);
        let start = zoom_start(session.playhead.get(), span, duration);
        (start, start + span)
    };
    let drawn = line.clone();
    Effect::new(move |_| {
        let (start, end) = window();
        let Some(c) = canvas.get() else { return };
        let plot = FeaturePlot {
            feature: Feature::Waveform,
            title: format!("Waveform around the playhead ({start:.2}–{end:.2} s)"),
            body: Body::Line(drawn.window(start, end - start)),
        };
        match CanvasPainter::new(&c).and_then(|mut p| render::draw_feature(&mut p, &plot)) {
            Ok(r) => rect.set(Some(r)),
            Err(e) => web_sys::console::error_1(&e),
        }
    });
    let (w, h) = (f64::from(CANVAS_WIDTH), f64::from(ZOOM_HEIGHT));
    let playhead = move || {
        let r = rect.get()?;
        let (start, end) = window();
        let f = (session.playhead.get() - start) / (end - start).max(1e-9);
        Some(marker_at(&r, f, (w, h)))
    };
    let on_click = move |event: leptos::ev::MouseEvent| {
        let (Some(r), Some(c)) = (rect.get_untracked(), canvas.get_untracked()) else {
            return;
        };
        let x = f64::from(event.offset_x()) * w / f64::from(c.client_width().max(1));
        let f = (x - f64::from(r.x0)) / f64::from(r.width() - 1);
        if (0.0..=1.0).contains(&f) {
            let (start, end) = window();
            session.seek.set(Some(start + f * (end - start)));
        }
    };
    let zoom = move |factor: f64| {
        span.update(|s| *s = (*s * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1.min(duration)));
    };
    view! {
        <div class="zoom">
            <div class="zoom-bar">
                <span>"Zoom: " {move || format_span(span.get().min(duration))}</span>
                <button type="button" id="zoom-in" title="Zoom in" on:click=move |_| zoom(0.5)>"+"</button>
                <button type="button" id="zoom-out" title="Zoom out" on:click=move |_| zoom(2.0)>"−"</button>
            </div>
            <div class="plot">
                <canvas
                    node_ref=canvas
                    id="waveform-zoom"
                    width=CANVAS_WIDTH
                    height=ZOOM_HEIGHT
                    data-start=move || format!("{:.4}", window().0)
                    data-end=move || format!("{:.4}", window().1)
                    class="seekable"
                    on:click=on_click
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
