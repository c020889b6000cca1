//! The layout of a feature plot — title, plotting rectangle, axes with ticks and labels, colour
//! bar — drawn through a [`Painter`], so the CLI's PNGs (plotters) and the page's canvases
//! (Canvas 2D) are one drawing.

use std::ops::Range;

use super::{
    Body, ColourScale, FeaturePlot, Heatmap, Line, Tick, thin_ticks, time_ticks, value_ticks,
};

/// Horizontal anchor of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

/// Vertical anchor of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    Top,
    Center,
    Bottom,
}

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// The primitives a plot is drawn with, in pixels from the top-left corner of the drawing.
pub trait Painter {
    /// What drawing can fail with.
    type Error;
    /// Width and height of the drawing.
    fn size(&self) -> (i32, i32);
    /// Fills `[x0, x1) × [y0, y1)`.
    fn fill_rect(
        &mut self,
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        colour: Rgb,
    ) -> Result<(), Self::Error>;
    /// A polyline through `points`, `width` pixels wide.
    fn line(&mut self, points: &[(i32, i32)], colour: Rgb, width: u32) -> Result<(), Self::Error>;
    /// Text of `size` pixels anchored at `at`; `vertical` turns it a quarter left (reading
    /// upwards), as a vertical axis label.
    fn text(
        &mut self,
        s: &str,
        at: (i32, i32),
        size: u32,
        align: (HAlign, VAlign),
        vertical: bool,
    ) -> Result<(), Self::Error>;
    /// RGBA pixels, `width × height`, row-major, with their top-left corner at `at`.
    fn image(
        &mut self,
        at: (i32, i32),
        width: usize,
        height: usize,
        rgba: &[u8],
    ) -> Result<(), Self::Error>;
}

/// The plotting rectangle inside a drawing, in its pixels (`x1`, `y1` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    /// Width in pixels.
    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }
    /// Height in pixels.
    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }
    /// The pixel column of `v` on an axis spanning `range` across the rectangle.
    pub fn x_of(&self, v: f64, range: &Range<f64>) -> i32 {
        self.x0
            + ((v - range.start) / (range.end - range.start) * f64::from(self.width() - 1)).round()
                as i32
    }
    /// The pixel row of `v` on an axis spanning `range` up the rectangle.
    pub fn y_of(&self, v: f64, range: &Range<f64>) -> i32 {
        self.y1
            - 1
            - ((v - range.start) / (range.end - range.start) * f64::from(self.height() - 1)).round()
                as i32
    }
}

/// Font sizes for a drawing of a given height.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub title: u32,
    pub tick: u32,
    pub label: u32,
}

impl Sizes {
    /// Larger type from 380 pixels up.
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

/// matplotlib's first colour (`tab:blue`), for lines.
pub const LINE_BLUE: Rgb = [31, 119, 180];
const WHITE: Rgb = [255, 255, 255];
const AXIS: Rgb = [40, 40, 40];

/// An axis: its ticks, the range the rectangle spans, its label.
pub type Axis<'a> = (&'a [Tick], Range<f64>, &'a str);

/// Draws `plot` over the whole drawing and returns the plotting rectangle (where a playhead
/// goes).
pub fn draw_feature<P: Painter>(p: &mut P, plot: &FeaturePlot) -> Result<Rect, P::Error> {
    let (w, h) = p.size();
    p.fill_rect(0, 0, w, h, WHITE)?;
    let fs = Sizes::for_height(h);
    p.text(
        &plot.title,
        (w / 2, 6),
        fs.title,
        (HAlign::Center, VAlign::Top),
        false,
    )?;
    let right = match plot.body {
        Body::Heatmap(_) => 100,
        Body::Line(_) => 24,
    };
    let r = Rect {
        x0: 80,
        y0: fs.title as i32 + 16,
        x1: w - right,
        y1: h - (fs.tick + fs.label) as i32 - 22,
    };
    match &plot.body {
        Body::Heatmap(hm) => draw_heatmap(p, &r, fs, hm)?,
        Body::Line(l) => draw_line(p, &r, fs, l)?,
    }
    Ok(r)
}

fn draw_heatmap<P: Painter>(p: &mut P, r: &Rect, fs: Sizes, hm: &Heatmap) -> Result<(), P::Error> {
    let (pw, ph) = (r.width().max(1) as usize, r.height().max(1) as usize);
    p.image((r.x0, r.y0), pw, ph, &hm.rgba(pw, ph))?;
    let duration = hm.duration();
    axes(
        p,
        r,
        fs,
        (&time_ticks(duration), 0.0..duration, "time (s)"),
        (&hm.y_ticks, 0.0..hm.data.nrows() as f64, hm.y_label),
    )?;
    colour_bar(p, r, fs, &hm.scale)
}

fn draw_line<P: Painter>(p: &mut P, r: &Rect, fs: Sizes, l: &Line) -> Result<(), P::Error> {
    let (lo, hi) = l.y_range();
    let margin = f64::from(hi - lo) * 0.05;
    let yr = f64::from(lo) - margin..f64::from(hi) + margin;
    let xr = l.x_range();
    let width = r.width().max(1) as usize;
    if l.values.len() > 2 * width {
        // A long signal: the smallest and largest value under each pixel column.
        for (c, span) in l.envelope(width).into_iter().enumerate() {
            if let Some((a, b)) = span {
                let x = r.x0 + c as i32;
                let (ya, yb) = (r.y_of(f64::from(a), &yr), r.y_of(f64::from(b), &yr));
                // At least one pixel tall where the column is flat.
                let yb = if yb == ya { ya - 1 } else { yb };
                p.line(&[(x, ya), (x, yb)], LINE_BLUE, 1)?;
            }
        }
    } else {
        let points: Vec<(i32, i32)> = l
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| {
                let x = l.x0 + i as f64 * l.x_step;
                (r.x_of(x, &xr), r.y_of(f64::from(v), &yr))
            })
            .collect();
        p.line(&points, LINE_BLUE, 2)?;
    }
    let x_ticks = if l.x_label.starts_with("time") && xr.start == 0.0 {
        time_ticks(xr.end)
    } else {
        value_ticks(xr.start, xr.end, 8)
    };
    let y_ticks = value_ticks(yr.start, yr.end, 5);
    axes(
        p,
        r,
        fs,
        (&x_ticks, xr, l.x_label),
        (&y_ticks, yr, l.y_label),
    )
}

/// The frame, ticks and labels of both axes; labels that would collide are left out.
pub fn axes<P: Painter>(
    p: &mut P,
    r: &Rect,
    fs: Sizes,
    x: Axis<'_>,
    y: Axis<'_>,
) -> Result<(), P::Error> {
    let (_, h) = p.size();
    // The frame, one pixel outside the plotting rectangle.
    for (a, b) in [
        ((r.x0 - 1, r.y0 - 1), (r.x1, r.y0 - 1)),
        ((r.x0 - 1, r.y1), (r.x1, r.y1)),
        ((r.x0 - 1, r.y0 - 1), (r.x0 - 1, r.y1)),
        ((r.x1, r.y0 - 1), (r.x1, r.y1)),
    ] {
        p.line(&[a, b], AXIS, 1)?;
    }
    let (xt, xr, xl) = x;
    let widest = xt
        .iter()
        .map(|t| t.label.chars().count())
        .max()
        .unwrap_or(0);
    let gap = widest as f64 * f64::from(fs.tick) * 0.6 + 10.0;
    for t in thin_ticks(xt, |v| f64::from(r.x_of(v, &xr)), gap) {
        let f = (t.pos - xr.start) / (xr.end - xr.start);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let px = r.x_of(t.pos, &xr);
        p.line(&[(px, r.y1), (px, r.y1 + 5)], AXIS, 1)?;
        p.text(
            &t.label,
            (px, r.y1 + 7),
            fs.tick,
            (HAlign::Center, VAlign::Top),
            false,
        )?;
    }
    let (yt, yr, yl) = y;
    for t in thin_ticks(yt, |v| f64::from(r.y_of(v, &yr)), f64::from(fs.tick) * 1.3) {
        let f = (t.pos - yr.start) / (yr.end - yr.start);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let py = r.y_of(t.pos, &yr);
        p.line(&[(r.x0 - 6, py), (r.x0 - 1, py)], AXIS, 1)?;
        p.text(
            &t.label,
            (r.x0 - 9, py),
            fs.tick,
            (HAlign::Right, VAlign::Center),
            false,
        )?;
    }
    p.text(
        xl,
        ((r.x0 + r.x1) / 2, h - 5),
        fs.label,
        (HAlign::Center, VAlign::Bottom),
        false,
    )?;
    p.text(
        yl,
        (6, (r.y0 + r.y1) / 2),
        fs.label,
        (HAlign::Center, VAlign::Top),
        true,
    )
}

/// A vertical colour bar right of the rectangle, with its ticks and unit.
fn colour_bar<P: Painter>(
    p: &mut P,
    r: &Rect,
    fs: Sizes,
    scale: &ColourScale,
) -> Result<(), P::Error> {
    let (bx0, bx1) = (r.x1 + 14, r.x1 + 30);
    let span = scale.vmax - scale.vmin;
    let (bw, bh) = ((bx1 - bx0) as usize, r.height().max(1) as usize);
    let mut rgba = vec![0u8; bw * bh * 4];
    for y in 0..bh {
        let t = (bh - 1 - y) as f32 / (bh - 1).max(1) as f32;
        let [red, green, blue] = scale.rgb(scale.vmin + t * span);
        for x in 0..bw {
            rgba[(y * bw + x) * 4..][..4].copy_from_slice(&[red, green, blue, 255]);
        }
    }
    p.image((bx0, r.y0), bw, bh, &rgba)?;
    for (a, b) in [
        ((bx0 - 1, r.y0 - 1), (bx1, r.y0 - 1)),
        ((bx0 - 1, r.y1), (bx1, r.y1)),
        ((bx0 - 1, r.y0 - 1), (bx0 - 1, r.y1)),
        ((bx1, r.y0 - 1), (bx1, r.y1)),
    ] {
        p.line(&[a, b], AXIS, 1)?;
    }
    if span > 0.0 {
        let range = f64::from(scale.vmin)..f64::from(scale.vmax);
        for t in thin_ticks(
            &scale.ticks(),
            |v| f64::from(r.y_of(v, &range)),
            f64::from(fs.tick) * 1.3,
        ) {
            let py = r.y_of(t.pos, &range);
            p.line(&[(bx1, py), (bx1 + 4, py)], AXIS, 1)?;
            p.text(
                &t.label,
                (bx1 + 7, py),
                fs.tick,
                (HAlign::Left, VAlign::Center),
                false,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Feature, FeatureConfig};

    /// Records what is drawn.
    #[derive(Default)]
    struct Recorder {
        texts: Vec<(String, (i32, i32), bool)>,
        images: Vec<((i32, i32), usize, usize)>,
        lines: usize,
    }

    impl Painter for Recorder {
        type Error = ();
        fn size(&self) -> (i32, i32) {
            (1000, 420)
        }
        fn fill_rect(&mut self, _: i32, _: i32, _: i32, _: i32, _: Rgb) -> Result<(), ()> {
            Ok(())
        }
        fn line(&mut self, points: &[(i32, i32)], _: Rgb, _: u32) -> Result<(), ()> {
            assert!(
                points
                    .iter()
                    .all(|&(x, y)| (0..1000).contains(&x) && (0..420).contains(&y))
            );
            self.lines += 1;
            Ok(())
        }
        fn text(
            &mut self,
            s: &str,
            at: (i32, i32),
            _: u32,
            _: (HAlign, VAlign),
            vertical: bool,
        ) -> Result<(), ()> {
            self.texts.push((s.to_string(), at, vertical));
            Ok(())
        }
        fn image(&mut self, at: (i32, i32), w: usize, h: usize, rgba: &[u8]) -> Result<(), ()> {
            assert_eq!(rgba.len(), w * h * 4);
            self.images.push((at, w, h));
            Ok(())
        }
    }

    #[test]
    fn a_heat_map_has_its_title_axes_labels_and_colour_bar_inside_the_drawing() {
        let cfg = FeatureConfig::default();
        let y: Vec<f32> = (0..44100)
            .map(|i| ((i * 7 % 100) as f32 / 100.0 - 0.5) * 0.3)
            .collect();
        let set = crate::compute(&y, &cfg, &[Feature::Mel]).unwrap();
        let plot =
            super::super::feature_plot(Feature::Mel, set.get(Feature::Mel).unwrap(), &cfg).unwrap();
        let mut rec = Recorder::default();
        let r = draw_feature(&mut rec, &plot).unwrap();
        assert!(r.x0 > 0 && r.x1 < 1000 && r.y0 > 0 && r.y1 < 420);
        // The heat map fills the rectangle; the colour bar sits right of it.
        assert_eq!(
            rec.images[0],
            ((r.x0, r.y0), r.width() as usize, r.height() as usize)
        );
        assert!(rec.images[1].0.0 > r.x1);
        let texts: Vec<&str> = rec.texts.iter().map(|t| t.0.as_str()).collect();
        for needle in [
            plot.title.as_str(),
            "time (s)",
            "Hz (mel scale)",
            "0",
            "1.0",
            "+0 dB",
            "-80 dB",
            "1024",
        ] {
            assert!(texts.contains(&needle), "no {needle:?} in {texts:?}");
        }
        assert!(
            rec.texts.iter().any(|t| t.0 == "Hz (mel scale)" && t.2),
            "the y label is vertical"
        );
        assert!(
            rec.texts
                .iter()
                .all(|t| (0..1000).contains(&t.1.0) && (0..420).contains(&t.1.1))
        );
    }
}
