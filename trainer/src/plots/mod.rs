//! PNG plots drawn with plotters, labelled with a bundled font (no system fonts needed).

pub mod feature;
pub mod predictions;

use std::path::Path;
use std::sync::Once;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Registers the bundled font as `sans-serif` (once per process).
pub fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bytes are a valid TrueType font shipped inside the crate; failure is a bug.
            plotters::style::register_font("sans-serif", style, epaint_default_fonts::UBUNTU_LIGHT)
                .unwrap_or_else(|_| panic!("the bundled Ubuntu font does not parse"));
        }
    });
}

fn draw_err<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> anyhow::Error + '_ {
    move |e| anyhow!("drawing {}: {e}", path.display())
}

/// Writes `path` through a temporary file, so a crash never leaves a torn PNG.
fn finish_png(tmp: &Path, path: &Path) -> Result<()> {
    std::fs::rename(tmp, path)
        .map_err(|e| anyhow!("cannot rename {} to {}: {e}", tmp.display(), path.display()))
}

fn tmp_for(path: &Path) -> std::path::PathBuf {
    // The image encoder picks the format from the extension: keep `.png` last.
    path.with_extension("tmp.png")
}

/// A confusion matrix: rows are the true genres, columns the predicted ones; each cell shows
/// its count, shaded by the share of its row.
pub fn confusion_png(
    path: &Path,
    title: &str,
    classes: &[String],
    confusion: &[Vec<u64>],
) -> Result<()> {
    fonts();
    let k = classes.len().max(1);
    let cell = (560 / k).clamp(28, 72) as i32;
    let (left, top, bottom) = (150i32, 60i32, 130i32);
    let size = (
        (left + cell * k as i32 + 40) as u32,
        (top + cell * k as i32 + bottom) as u32,
    );
    let tmp = tmp_for(path);
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        let err = draw_err(path);
        root.fill(&WHITE).map_err(&err)?;
        let text = |s: u32| ("sans-serif", s).into_font().color(&BLACK);
        root.draw(&Text::new(title.to_string(), (left, 18), text(20)))
            .map_err(&err)?;
        for (t, row) in confusion.iter().enumerate() {
            let total: u64 = row.iter().sum();
            for (p, &count) in row.iter().enumerate() {
                let share = if total == 0 {
                    0.0
                } else {
                    count as f64 / total as f64
                };
                let (x0, y0) = (left + p as i32 * cell, top + t as i32 * cell);
                // White to a deep blue.
                let shade = RGBColor(
                    (255.0 - 222.0 * share) as u8,
                    (255.0 - 160.0 * share) as u8,
                    (255.0 - 75.0 * share) as u8,
                );
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell, y0 + cell)],
                    shade.filled(),
                ))
                .map_err(&err)?;
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell, y0 + cell)],
                    RGBColor(200, 200, 200),
                ))
                .map_err(&err)?;
                let colour = if share > 0.55 { WHITE } else { BLACK };
                root.draw(&Text::new(
                    count.to_string(),
                    (x0 + cell / 2, y0 + cell / 2),
                    ("sans-serif", 15)
                        .into_font()
                        .color(&colour)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(&err)?;
            }
        }
        for (i, name) in classes.iter().enumerate() {
            let c = i as i32 * cell + cell / 2;
            root.draw(&Text::new(
                name.clone(),
                (left - 8, top + c),
                text(14).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(&err)?;
            root.draw(&Text::new(
                name.clone(),
                (left + c, top + cell * k as i32 + 8),
                text(14)
                    .transform(FontTransform::Rotate90)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(&err)?;
        }
        root.draw(&Text::new(
            "true genre",
            (12, top + cell * k as i32 / 2),
            text(15)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(&err)?;
        root.draw(&Text::new(
            "predicted genre",
            (left + cell * k as i32 / 2, size.1 as i32 - 16),
            text(15).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(&err)?;
        root.present().map_err(&err)?;
    }
    finish_png(&tmp, path)
}

/// One epoch's figures, for the training-curve plot.
#[derive(Clone, Debug)]
pub struct CurvePoint {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Mean validation loss.
    pub validation_loss: f64,
    /// Training accuracy.
    pub train_accuracy: f64,
    /// Validation accuracy.
    pub validation_accuracy: f64,
}

/// Loss (left) and accuracy (right) per epoch, training and validation, with the kept epoch
/// marked.
pub fn curves_png(
    path: &Path,
    title: &str,
    points: &[CurvePoint],
    best_epoch: usize,
) -> Result<()> {
    fonts();
    let tmp = tmp_for(path);
    {
        let root = BitMapBackend::new(&tmp, (1100, 440)).into_drawing_area();
        let err = draw_err(path);
        root.fill(&WHITE).map_err(&err)?;
        let root = root.titled(title, ("sans-serif", 20)).map_err(&err)?;
        let (left, right) = root.split_horizontally(550);
        let epochs = points.len().max(1) as f64;
        let max_loss = points
            .iter()
            .flat_map(|p| [p.train_loss, p.validation_loss])
            .filter(|v| v.is_finite())
            .fold(0.1f64, f64::max)
            * 1.05;
        let train = RGBColor(31, 119, 180);
        let val = RGBColor(255, 127, 14);
        for (area, ylabel, ymax, pick) in [
            (&left, "loss", max_loss, 0usize),
            (&right, "accuracy", 1.0, 1usize),
        ] {
            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(55)
                .build_cartesian_2d(0.5f64..epochs + 0.5, 0.0f64..ymax)
                .map_err(&err)?;
            chart
                .configure_mesh()
                .x_desc("epoch")
                .x_label_formatter(&|x| format!("{x:.0}"))
                .x_labels(points.len().clamp(2, 12))
                .y_desc(ylabel)
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 15))
                .draw()
                .map_err(&err)?;
            let series = |f: fn(&CurvePoint) -> f64| -> Vec<(f64, f64)> {
                points.iter().map(|p| (p.epoch as f64, f(p))).collect()
            };
            type Pick = fn(&CurvePoint) -> f64;
            let (t, v): (Pick, Pick) = if pick == 0 {
                (|p| p.train_loss, |p| p.validation_loss)
            } else {
                (|p| p.train_accuracy, |p| p.validation_accuracy)
            };
            chart
                .draw_series(LineSeries::new(series(t), train.stroke_width(2)))
                .map_err(&err)?
                .label("training")
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], train.stroke_width(2))
                });
            chart
                .draw_series(LineSeries::new(series(v), val.stroke_width(2)))
                .map_err(&err)?
                .label("validation")
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], val.stroke_width(2)));
            chart
                .draw_series(std::iter::once(PathElement::new(
                    [(best_epoch as f64, 0.0), (best_epoch as f64, ymax)],
                    RGBColor(150, 150, 150).stroke_width(1),
                )))
                .map_err(&err)?
                .label(format!("kept: epoch {best_epoch}"))
                .legend(|(x, y)| {
                    PathElement::new(
                        [(x, y), (x + 18, y)],
                        RGBColor(150, 150, 150).stroke_width(1),
                    )
                });
            chart
                .configure_series_labels()
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .position(if pick == 0 {
                    SeriesLabelPosition::UpperRight
                } else {
                    SeriesLabelPosition::LowerRight
                })
                .draw()
                .map_err(&err)?;
        }
        root.present().map_err(&err)?;
    }
    finish_png(&tmp, path)
}
