use genrescope_core::plot::render::{self, Rect};
use genrescope_core::plot::{Body, FeaturePlot};
use leptos::prelude::*;

use crate::canvas::CanvasPainter;
use crate::state::{FeatureView, Session};

/// Drawing size of a feature canvas (CSS scales it to the page's width).
pub const CANVAS_WIDTH: u32 = 880;
pub const CANVAS_HEIGHT: u32 = 320;

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
    // The playhead in percent of the canvas, inside the plotting rectangle.
    let playhead = move || {
        let (r, span) = (rect.get()?, span?);
        let t = session.playhead.get().clamp(0.0, span);
        let x = f64::from(r.x0) + t / span * f64::from(r.width() - 1);
        Some((
            x / w * 100.0,
            f64::from(r.y0) / h * 100.0,
            f64::from(r.height()) / h * 100.0,
        ))
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
                {move || {
                    playhead()
                        .map(|(left, top, height)| {
                            view! {
                                <div
                                    class="playhead"
                                    style:left=format!("{left:.3}%")
                                    style:top=format!("{top:.3}%")
                                    style:height=format!("{height:.3}%")
                                ></div>
                            }
                        })
                }}
            </div>
        </figure>
    }
}
