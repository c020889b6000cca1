//! What the models say of one track: a bar chart of the genres and a timeline over windows.

use std::path::Path;

use anyhow::Result;
use genrescope_core::Feature;
use genrescope_core::plot;
use plotters::prelude::*;

use genrescope_core::plot::render::{HAlign, Painter, Rect, Sizes, VAlign, axes};

use super::feature::PlottersPainter;
use super::{draw_err, finish_png, fonts, tmp_for};

/// The colour of the genre called `name` ([`plot::genre_colour`]: by its name, as on the page,
/// whatever its place among the bundle's classes).
fn genre_colour(name: &str) -> RGBColor {
    let [r, g, b] = plot::genre_colour(name);
    RGBColor(r, g, b)
}

/// Horizontal bars of the ensemble's probability per genre, each model's probability marked
/// on its bar, the top genre in the title.
pub fn predictions_png(
    path: &Path,
    title: &str,
    classes: &[String],
    ensemble: &[f32],
    models: &[(Feature, Vec<f32>)],
) -> Result<()> {
    fonts();
    let k = classes.len().max(1) as i32;
    let row = 34;
    let size = (1000u32, (56 + row * k + 56) as u32);
    let tmp = tmp_for(path);
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        let err = draw_err(path);
        root.fill(&WHITE).map_err(&err)?;
        let mut painter = PlottersPainter::new(&root);
        let fs = Sizes::for_height(400);
        painter.text(
            title,
            (size.0 as i32 / 2, 10),
            fs.title,
            (HAlign::Center, VAlign::Top),
            false,
        )?;
        let r = Rect {
            x0: 170,
            y0: 56,
            x1: size.0 as i32 - 80,
            y1: 56 + row * k,
        };
        let x_of = |p: f32| {
            r.x0 + (f64::from(p.clamp(0.0, 1.0)) * f64::from(r.width() - 1)).round() as i32
        };
        let top = genrescope_core::model::argmax(ensemble);
        for (i, name) in classes.iter().enumerate() {
            let y = r.y0 + i as i32 * row;
            let p = ensemble.get(i).copied().unwrap_or(0.0);
            let colour = if i == top {
                RGBColor(31, 119, 180)
            } else {
                RGBColor(158, 202, 225)
            };
            root.draw(&Rectangle::new(
                [(r.x0, y + 6), (x_of(p).max(r.x0 + 1), y + row - 6)],
                colour.filled(),
            ))
            .map_err(&err)?;
            for (_, probs) in models {
                let x = x_of(probs.get(i).copied().unwrap_or(0.0));
                root.draw(&Circle::new((x, y + row / 2), 3, BLACK.mix(0.55).filled()))
                    .map_err(&err)?;
            }
            painter.text(
                name,
                (r.x0 - 10, y + row / 2),
                fs.tick,
                (HAlign::Right, VAlign::Center),
                false,
            )?;
            painter.text(
                &format!("{:.0} %", p * 100.0),
                (r.x1 + 12, y + row / 2),
                fs.tick,
                (HAlign::Left, VAlign::Center),
                false,
            )?;
        }
        let ticks = percent_ticks();
        axes(
            &mut painter,
            &r,
            fs,
            (
                &ticks,
                0.0..1.0,
                "probability (bars: ensemble; dots: one model each)",
            ),
            (&[], 0.0..1.0, ""),
        )?;
        root.present().map_err(&err)?;
    }
    finish_png(&tmp, path)
}

/// One window of a genre timeline.
#[derive(Clone, Debug)]
pub struct TimelinePoint {
    /// Start of the window in seconds.
    pub start: f64,
    /// End of the window in seconds.
    pub end: f64,
    /// The ensemble's probability of each genre.
    pub ensemble: Vec<f32>,
}

/// The ensemble's probability of each genre over the track: one line per genre through the
/// windows' centres, with a legend; the top genre of each window as a coloured strip on top.
pub fn timeline_png(
    path: &Path,
    title: &str,
    classes: &[String],
    points: &[TimelinePoint],
) -> Result<()> {
    fonts();
    let size = (1100u32, 460u32);
    let tmp = tmp_for(path);
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        let err = draw_err(path);
        root.fill(&WHITE).map_err(&err)?;
        let mut painter = PlottersPainter::new(&root);
        let fs = Sizes::for_height(size.1 as i32);
        painter.text(
            title,
            (size.0 as i32 / 2, 8),
            fs.title,
            (HAlign::Center, VAlign::Top),
            false,
        )?;
        let duration = points.iter().map(|p| p.end).fold(0.0, f64::max).max(1e-3);
        let r = Rect {
            x0: 80,
            y0: 62,
            x1: size.0 as i32 - 190,
            y1: size.1 as i32 - 60,
        };
        let fx = |t: f64| r.x0 + (t / duration * f64::from(r.width() - 1)).round() as i32;
        let fy = |p: f32| {
            r.y1 - 1 - (f64::from(p.clamp(0.0, 1.0)) * f64::from(r.height() - 1)).round() as i32
        };
        // The strip: each window's top genre over the part of the track it is nearest to.
        for (i, p) in points.iter().enumerate() {
            let centre = (p.start + p.end) / 2.0;
            let left = if i == 0 {
                0.0
            } else {
                (centre + (points[i - 1].start + points[i - 1].end) / 2.0) / 2.0
            };
            let right = points
                .get(i + 1)
                .map_or(duration, |q| (centre + (q.start + q.end) / 2.0) / 2.0);
            let top = genrescope_core::model::argmax(&p.ensemble);
            let colour = classes
                .get(top)
                .map_or(RGBColor(120, 120, 120), |name| genre_colour(name));
            root.draw(&Rectangle::new(
                [(fx(left), r.y0 - 26), (fx(right), r.y0 - 10)],
                colour.filled(),
            ))
            .map_err(&err)?;
        }
        for (g, name) in classes.iter().enumerate() {
            let colour = genre_colour(name);
            let line: Vec<(i32, i32)> = points
                .iter()
                .map(|p| {
                    (
                        fx((p.start + p.end) / 2.0),
                        fy(p.ensemble.get(g).copied().unwrap_or(0.0)),
                    )
                })
                .collect();
            root.draw(&PathElement::new(line.clone(), colour.stroke_width(2)))
                .map_err(&err)?;
            for &at in &line {
                root.draw(&Circle::new(at, 3, colour.filled()))
                    .map_err(&err)?;
            }
            let ly = r.y0 + 4 + g as i32 * 22;
            root.draw(&Rectangle::new(
                [(r.x1 + 20, ly + 5), (r.x1 + 40, ly + 15)],
                colour.filled(),
            ))
            .map_err(&err)?;
            painter.text(
                name,
                (r.x1 + 48, ly + 10),
                fs.tick,
                (HAlign::Left, VAlign::Center),
                false,
            )?;
        }
        let y_ticks = percent_ticks();
        axes(
            &mut painter,
            &r,
            fs,
            (
                &plot::time_ticks(duration),
                0.0..duration,
                "time (s) — window centres; strip: top genre",
            ),
            (&y_ticks, 0.0..1.0, "ensemble probability"),
        )?;
        root.present().map_err(&err)?;
    }
    finish_png(&tmp, path)
}

/// 0 %, 20 %, …, 100 % on a probability axis.
fn percent_ticks() -> Vec<plot::Tick> {
    (0..=5)
        .map(|i| plot::Tick {
            pos: f64::from(i) / 5.0,
            label: format!("{} %", i * 20),
        })
        .collect()
}
