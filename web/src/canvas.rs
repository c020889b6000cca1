//! The core's plot layout ([`genrescope_core::plot::render`]) drawn on a `<canvas>`: the same
//! titles, axes, ticks, colour maps and colour bars as the CLI's PNGs.

use genrescope_core::plot::render::{HAlign, Painter, Rgb, VAlign};
use wasm_bindgen::{Clamped, JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// A [`Painter`] over a canvas's 2-D context: the layout's drawing pixels are CSS pixels, and
/// the canvas holds `ratio` × `ratio` of its own pixels for each (the screen's
/// `devicePixelRatio`, so plots are as sharp as the text around them).
pub struct CanvasPainter {
    ctx: CanvasRenderingContext2d,
    size: (i32, i32),
    ratio: f64,
}

impl CanvasPainter {
    /// The painter of `canvas`, one canvas pixel per drawing pixel, sized by its `width` and
    /// `height` attributes.
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, JsValue> {
        let size = (canvas.width(), canvas.height());
        Self::scaled(canvas, size, 1.0)
    }

    /// The painter of a layout `size` drawing pixels large on `canvas`, at `ratio` canvas
    /// pixels per drawing pixel: sets the canvas's `width` and `height` (which clears it).
    pub fn scaled(
        canvas: &HtmlCanvasElement,
        size: (u32, u32),
        ratio: f64,
    ) -> Result<Self, JsValue> {
        let ratio = if ratio.is_finite() {
            ratio.clamp(1.0, 4.0)
        } else {
            1.0
        };
        let backing = |n: u32| (f64::from(n) * ratio).round() as u32;
        canvas.set_width(backing(size.0));
        canvas.set_height(backing(size.1));
        let ctx = canvas
            .get_context("2d")?
            .ok_or_else(|| JsValue::from_str("no 2-D context"))?
            .dyn_into::<CanvasRenderingContext2d>()?;
        ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)?;
        Ok(CanvasPainter {
            ctx,
            size: (size.0 as i32, size.1 as i32),
            ratio,
        })
    }
}

fn css(c: Rgb) -> String {
    format!("rgb({},{},{})", c[0], c[1], c[2])
}

impl Painter for CanvasPainter {
    type Error = JsValue;

    fn size(&self) -> (i32, i32) {
        self.size
    }

    fn fill_rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) -> Result<(), JsValue> {
        self.ctx.set_fill_style_str(&css(c));
        self.ctx.fill_rect(
            f64::from(x0),
            f64::from(y0),
            f64::from(x1 - x0),
            f64::from(y1 - y0),
        );
        Ok(())
    }

    fn line(&mut self, points: &[(i32, i32)], c: Rgb, width: u32) -> Result<(), JsValue> {
        let Some((first, rest)) = points.split_first() else {
            return Ok(());
        };
        // Pixel centres, so one-pixel lines are crisp.
        let at = |p: (i32, i32)| (f64::from(p.0) + 0.5, f64::from(p.1) + 0.5);
        self.ctx.begin_path();
        let (x, y) = at(*first);
        self.ctx.move_to(x, y);
        for &p in rest {
            let (x, y) = at(p);
            self.ctx.line_to(x, y);
        }
        self.ctx.set_stroke_style_str(&css(c));
        self.ctx.set_line_width(f64::from(width));
        self.ctx.stroke();
        Ok(())
    }

    fn text(
        &mut self,
        s: &str,
        at: (i32, i32),
        size: u32,
        align: (HAlign, VAlign),
        vertical: bool,
    ) -> Result<(), JsValue> {
        let ctx = &self.ctx;
        ctx.set_font(&format!("{size}px system-ui, sans-serif"));
        ctx.set_fill_style_str("#1f2430");
        ctx.set_text_align(match align.0 {
            HAlign::Left => "left",
            HAlign::Center => "center",
            HAlign::Right => "right",
        });
        ctx.set_text_baseline(match align.1 {
            VAlign::Top => "top",
            VAlign::Center => "middle",
            VAlign::Bottom => "bottom",
        });
        ctx.save();
        ctx.translate(f64::from(at.0), f64::from(at.1))?;
        if vertical {
            ctx.rotate(-std::f64::consts::FRAC_PI_2)?;
        }
        ctx.fill_text(s, 0.0, 0.0)?;
        ctx.restore();
        Ok(())
    }

    fn image(
        &mut self,
        at: (i32, i32),
        width: usize,
        height: usize,
        rgba: &[u8],
    ) -> Result<(), JsValue> {
        if width == 0 || height == 0 {
            return Ok(());
        }
        let data = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(rgba),
            width as u32,
            height as u32,
        )?;
        let (x, y) = (f64::from(at.0), f64::from(at.1));
        if self.ratio == 1.0 {
            return self.ctx.put_image_data(&data, x, y);
        }
        // putImageData ignores the transform: the raster goes through a canvas of its own and
        // is scaled up without smoothing, each of its pixels a block of canvas pixels.
        let raster = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| JsValue::from_str("no document"))?
            .create_element("canvas")?
            .dyn_into::<HtmlCanvasElement>()?;
        raster.set_width(width as u32);
        raster.set_height(height as u32);
        raster
            .get_context("2d")?
            .ok_or_else(|| JsValue::from_str("no 2-D context"))?
            .dyn_into::<CanvasRenderingContext2d>()?
            .put_image_data(&data, 0.0, 0.0)?;
        self.ctx.set_image_smoothing_enabled(false);
        self.ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
            &raster,
            x,
            y,
            width as f64,
            height as f64,
        )
    }
}
