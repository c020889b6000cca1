//! Feature plots as PNGs: the core's plot layout ([`genrescope_core::plot::render`]) drawn
//! with plotters. One drawing routine serves the per-feature PNGs, the overview and the video's
//! frames, and (through a canvas painter) the web page.

use std::path::Path;

use anyhow::{Result, anyhow};
use genrescope_core::plot::FeaturePlot;
use genrescope_core::plot::render::{self, HAlign, Painter, Rect, Rgb, VAlign};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{draw_err, finish_png, fonts, tmp_for};

/// A [`Painter`] over a plotters drawing area.
pub struct PlottersPainter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
}

impl<'a, DB: DrawingBackend> PlottersPainter<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>) -> Self {
        PlottersPainter { area }
    }
}

fn colour(c: Rgb) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

impl<DB: DrawingBackend> Painter for PlottersPainter<'_, DB> {
    type Error = anyhow::Error;

    fn size(&self) -> (i32, i32) {
        let (w, h) = self.area.dim_in_pixel();
        (w as i32, h as i32)
    }

    fn fill_rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) -> Result<()> {
        // plotters' rectangles include both corners.
        self.area
            .draw(&Rectangle::new(
                [(x0, y0), (x1 - 1, y1 - 1)],
                colour(c).filled(),
            ))
            .map_err(|e| anyhow!("drawing a rectangle: {e}"))
    }

    fn line(&mut self, points: &[(i32, i32)], c: Rgb, width: u32) -> Result<()> {
        self.area
            .draw(&PathElement::new(
                points.to_vec(),
                colour(c).stroke_width(width),
            ))
            .map_err(|e| anyhow!("drawing a line: {e}"))
    }

    fn text(
        &mut self,
        s: &str,
        at: (i32, i32),
        size: u32,
        align: (HAlign, VAlign),
        vertical: bool,
    ) -> Result<()> {
        let h = match align.0 {
            HAlign::Left => HPos::Left,
            HAlign::Center => HPos::Center,
            HAlign::Right => HPos::Right,
        };
        let v = match align.1 {
            VAlign::Top => VPos::Top,
            VAlign::Center => VPos::Center,
            VAlign::Bottom => VPos::Bottom,
        };
        let mut font = ("sans-serif", size).into_font();
        if vertical {
            font = font.transform(FontTransform::Rotate270);
        }
        let style = font.color(&BLACK).pos(Pos::new(h, v));
        self.area
            .draw(&Text::new(s.to_string(), at, style))
            .map_err(|e| anyhow!("drawing text {s:?}: {e}"))
    }

    fn image(&mut self, at: (i32, i32), width: usize, _height: usize, rgba: &[u8]) -> Result<()> {
        for (i, c) in rgba.chunks_exact(4).enumerate() {
            let (x, y) = ((i % width) as i32, (i / width) as i32);
            self.area
                .draw_pixel((at.0 + x, at.1 + y), &RGBColor(c[0], c[1], c[2]))
                .map_err(|e| anyhow!("drawing pixels: {e}"))?;
        }
        Ok(())
    }
}

/// Draws one feature into `area` (which it fills) and returns the plotting rectangle.
pub fn draw_feature<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &FeaturePlot,
) -> Result<Rect> {
    render::draw_feature(&mut PlottersPainter::new(area), p)
        .map_err(|e| e.context(format!("drawing {}", p.feature)))
}

/// One feature's PNG, 1000 × 420.
pub fn feature_png(path: &Path, p: &FeaturePlot) -> Result<()> {
    fonts();
    let tmp = tmp_for(path);
    {
        let root = BitMapBackend::new(&tmp, (1000, 420)).into_drawing_area();
        draw_feature(&root, p)?;
        root.present().map_err(draw_err(path))?;
    }
    finish_png(&tmp, path)
}

/// Every plot on one PNG, four to a row, under a title.
pub fn overview_png(path: &Path, title: &str, plots: &[FeaturePlot]) -> Result<()> {
    fonts();
    let cols = 4usize.min(plots.len().max(1));
    let rows = plots.len().div_ceil(cols).max(1);
    let (cell_w, cell_h, head) = (620u32, 300u32, 56u32);
    let size = (cell_w * cols as u32, head + cell_h * rows as u32);
    let tmp = tmp_for(path);
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err(path))?;
        PlottersPainter::new(&root).text(
            title,
            (size.0 as i32 / 2, 14),
            24,
            (HAlign::Center, VAlign::Top),
            false,
        )?;
        let (_, grid) = root.split_vertically(head);
        for (cell, p) in grid.split_evenly((rows, cols)).iter().zip(plots) {
            draw_feature(&cell.margin(4, 4, 4, 4), p)?;
        }
        root.present().map_err(draw_err(path))?;
    }
    finish_png(&tmp, path)
}
