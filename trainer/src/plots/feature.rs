//! Feature plots drawn from the core's plot math ([`genrescope_core::plot`]): heat maps with a
//! time axis in seconds, librosa.display's vertical axis and a colour bar; lines for the
//! waveform, the Fourier magnitude and the one-row extras. One drawing routine serves the
//! per-feature PNGs, the overview and the video's frames.

use std::ops::Range;
use std::path::Path;

use anyhow::Result;
use genrescope_core::plot::{self, Body, ColourScale, FeaturePlot, Heatmap, Line, Tick};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{draw_err, finish_png, fonts, tmp_for};

/// The plotting rectangle inside an area, in its pixels (`x1`, `y1` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Font sizes for an area of a given height.
#[derive(Clone, Copy)]
pub(super) struct Sizes {
    pub title: u32,
    pub tick: u32,
    pub label: u32,
}

impl Sizes {
    pub fn for_height(h: i32) -> Sizes {
        if h >= 380 {
            Sizes {
                title: 20,
                tick: 14,
                label: 15,
            }
        } else {
            Sizes {
                title: 16,
                tick: 12,
                label: 13,
            }
        }
    }
}

const LINE_BLUE: RGBColor = RGBColor(31, 119, 180);

pub(super) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    size: u32,
    pos: (HPos, VPos),
) -> Result<()> {
    let style = ("sans-serif", size)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(pos.0, pos.1));
    area.draw(&Text::new(s.to_string(), at, style))
        .map_err(|e| anyhow::anyhow!("drawing text {s:?}: {e:?}"))
}

/// Draws one feature into `area` (which it fills) and returns the plotting rectangle.
pub fn draw_feature<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &FeaturePlot,
) -> Result<Rect> {
    let err = |e| anyhow::anyhow!("drawing {}: {e:?}", p.feature);
    area.fill(&WHITE).map_err(err)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let fs = Sizes::for_height(h);
    text(
        area,
        &p.title,
        (w / 2, 6),
        fs.title,
        (HPos::Center, VPos::Top),
    )?;
    let right = match p.body {
        Body::Heatmap(_) => 100,
        Body::Line(_) => 24,
    };
    let r = Rect {
        x0: 80,
        y0: fs.title as i32 + 16,
        x1: w - right,
        y1: h - (fs.tick + fs.label) as i32 - 22,
    };
    match &p.body {
        Body::Heatmap(hm) => draw_heatmap(area, &r, fs, hm)?,
        Body::Line(l) => draw_line(area, &r, fs, l)?,
    }
    Ok(r)
}

fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &Rect,
    fs: Sizes,
    hm: &Heatmap,
) -> Result<()> {
    let err = |e| anyhow::anyhow!("drawing a heat map: {e:?}");
    let (pw, ph) = (r.width().max(1) as usize, r.height().max(1) as usize);
    let px = hm.rgba(pw, ph);
    for (i, c) in px.chunks_exact(4).enumerate() {
        let (x, y) = ((i % pw) as i32, (i / pw) as i32);
        area.draw_pixel((r.x0 + x, r.y0 + y), &RGBColor(c[0], c[1], c[2]))
            .map_err(err)?;
    }
    let duration = hm.duration();
    axes(
        area,
        r,
        fs,
        (&plot::time_ticks(duration), 0.0..duration, "time (s)"),
        (&hm.y_ticks, 0.0..hm.data.nrows() as f64, hm.y_label),
    )?;
    colour_bar(area, r, fs, &hm.scale)
}

fn draw_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &Rect,
    fs: Sizes,
    l: &Line,
) -> Result<()> {
    let err = |e| anyhow::anyhow!("drawing a line: {e:?}");
    let (lo, hi) = l.y_range();
    let margin = f64::from(hi - lo) * 0.05;
    let (lo, hi) = (f64::from(lo) - margin, f64::from(hi) + margin);
    let x_max = l.x_max();
    let fy = |v: f32| {
        r.y1 - 1 - ((f64::from(v) - lo) / (hi - lo) * f64::from(r.height() - 1)).round() as i32
    };
    let width = r.width().max(1) as usize;
    if l.values.len() > 2 * width {
        // A long signal: the smallest and largest value under each pixel column.
        for (c, span) in l.envelope(width).into_iter().enumerate() {
            if let Some((a, b)) = span {
                let x = r.x0 + c as i32;
                area.draw(&PathElement::new([(x, fy(a)), (x, fy(b))], LINE_BLUE))
                    .map_err(err)?;
            }
        }
    } else {
        let points: Vec<(i32, i32)> = l
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| {
                let x = i as f64 * l.x_step / x_max * f64::from(r.width() - 1);
                (r.x0 + x.round() as i32, fy(v))
            })
            .collect();
        area.draw(&PathElement::new(points, LINE_BLUE.stroke_width(2)))
            .map_err(err)?;
    }
    let x_ticks = if l.x_label.starts_with("time") {
        plot::time_ticks(x_max)
    } else {
        plot::value_ticks(0.0, x_max, 8)
    };
    axes(
        area,
        r,
        fs,
        (&x_ticks, 0.0..x_max, l.x_label),
        (&plot::value_ticks(lo, hi, 5), lo..hi, l.y_label),
    )
}

/// The frame, ticks and labels of both axes. Each axis is (ticks, the range the rectangle
/// spans, label).
pub(super) fn axes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &Rect,
    fs: Sizes,
    x: (&[Tick], Range<f64>, &str),
    y: (&[Tick], Range<f64>, &str),
) -> Result<()> {
    let err = |e| anyhow::anyhow!("drawing axes: {e:?}");
    let axis_colour = RGBColor(40, 40, 40);
    area.draw(&Rectangle::new(
        [(r.x0 - 1, r.y0 - 1), (r.x1, r.y1)],
        axis_colour.stroke_width(1),
    ))
    .map_err(err)?;
    let (xt, xr, xl) = x;
    let x_px = |pos: f64| (pos - xr.start) / (xr.end - xr.start) * f64::from(r.width() - 1);
    let widest = xt
        .iter()
        .map(|t| t.label.chars().count())
        .max()
        .unwrap_or(0);
    let xt = plot::thin_ticks(xt, x_px, widest as f64 * f64::from(fs.tick) * 0.6 + 10.0);
    for t in &xt {
        let f = (t.pos - xr.start) / (xr.end - xr.start);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let px = r.x0 + (f * f64::from(r.width() - 1)).round() as i32;
        area.draw(&PathElement::new([(px, r.y1), (px, r.y1 + 5)], axis_colour))
            .map_err(err)?;
        text(
            area,
            &t.label,
            (px, r.y1 + 7),
            fs.tick,
            (HPos::Center, VPos::Top),
        )?;
    }
    let (yt, yr, yl) = y;
    let y_px = |pos: f64| (pos - yr.start) / (yr.end - yr.start) * f64::from(r.height() - 1);
    let yt = plot::thin_ticks(yt, y_px, f64::from(fs.tick) * 1.3);
    for t in &yt {
        let f = (t.pos - yr.start) / (yr.end - yr.start);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let py = r.y1 - 1 - (f * f64::from(r.height() - 1)).round() as i32;
        area.draw(&PathElement::new(
            [(r.x0 - 6, py), (r.x0 - 1, py)],
            axis_colour,
        ))
        .map_err(err)?;
        text(
            area,
            &t.label,
            (r.x0 - 9, py),
            fs.tick,
            (HPos::Right, VPos::Center),
        )?;
    }
    let (_, h) = area.dim_in_pixel();
    text(
        area,
        xl,
        ((r.x0 + r.x1) / 2, h as i32 - 5),
        fs.label,
        (HPos::Center, VPos::Bottom),
    )?;
    let style = ("sans-serif", fs.label)
        .into_font()
        .color(&BLACK)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(yl.to_string(), (6, (r.y0 + r.y1) / 2), style))
        .map_err(err)?;
    Ok(())
}

/// A vertical colour bar to the right of the rectangle, with its ticks and unit.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &Rect,
    fs: Sizes,
    scale: &ColourScale,
) -> Result<()> {
    let err = |e| anyhow::anyhow!("drawing a colour bar: {e:?}");
    let (bx0, bx1) = (r.x1 + 14, r.x1 + 30);
    let span = scale.vmax - scale.vmin;
    for y in r.y0..r.y1 {
        let t = (r.y1 - 1 - y) as f32 / (r.height() - 1).max(1) as f32;
        let [red, green, blue] = scale.rgb(scale.vmin + t * span);
        area.draw(&PathElement::new(
            [(bx0, y), (bx1 - 1, y)],
            RGBColor(red, green, blue),
        ))
        .map_err(err)?;
    }
    area.draw(&Rectangle::new(
        [(bx0 - 1, r.y0 - 1), (bx1, r.y1)],
        RGBColor(40, 40, 40),
    ))
    .map_err(err)?;
    if span > 0.0 {
        for t in scale.ticks() {
            let f = (t.pos - f64::from(scale.vmin)) / f64::from(span);
            let py = r.y1 - 1 - (f * f64::from(r.height() - 1)).round() as i32;
            area.draw(&PathElement::new(
                [(bx1, py), (bx1 + 4, py)],
                RGBColor(40, 40, 40),
            ))
            .map_err(err)?;
            text(
                area,
                &t.label,
                (bx1 + 7, py),
                fs.tick,
                (HPos::Left, VPos::Center),
            )?;
        }
    }
    Ok(())
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
        text(
            &root,
            title,
            (size.0 as i32 / 2, 14),
            24,
            (HPos::Center, VPos::Top),
        )?;
        let (_, grid) = root.split_vertically(head);
        for (cell, p) in grid.split_evenly((rows, cols)).iter().zip(plots) {
            draw_feature(&cell.margin(4, 4, 4, 4), p)?;
        }
        root.present().map_err(draw_err(path))?;
    }
    finish_png(&tmp, path)
}
