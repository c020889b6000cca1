//! Plot math shared by the CLI's PNGs and the page's canvases: what each feature's plot shows,
//! which colour map librosa.display would pick, where the ticks go, and how a feature is
//! rasterised. Drawing itself (plotters natively, a canvas in the browser) is the caller's.
//!
//! Coordinates follow `librosa.display.specshow`: frame `t` spans `[t, t + 1) · hop / sr`
//! seconds, row `i` of a heat map spans `[i, i + 1)` in row units with row 0 at the bottom.

mod colormaps;
pub mod render;

use ndarray::{Array2, ArrayD, ArrayView, Dimension, Ix1, Ix2};

use crate::config::FeatureConfig;
use crate::dsp::convert::power_to_db;
use crate::dsp::filters::hz_to_mel;
use crate::error::{Error, Result};
use crate::features::{Axis, Feature};

/// A colour map, as matplotlib names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colormap {
    /// Sequential, for data of one sign (librosa's `cmap_seq`).
    Magma,
    /// Diverging, for data on both sides of zero (librosa's `cmap_div`).
    Coolwarm,
}

impl Colormap {
    /// `librosa.display.cmap(data, robust=True)`: `magma` when the 2nd and 98th percentiles of
    /// the finite values lie on one side of zero, `coolwarm` otherwise.
    pub fn for_data(values: impl Iterator<Item = f32>) -> Colormap {
        let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Colormap::Magma;
        }
        v.sort_unstable_by(f32::total_cmp);
        let (lo, hi) = (percentile(&v, 2.0), percentile(&v, 98.0));
        if lo >= 0.0 || hi <= 0.0 {
            Colormap::Magma
        } else {
            Colormap::Coolwarm
        }
    }

    /// The colour at `t` in `[0, 1]` (clamped; NaN gives the lowest colour).
    pub fn rgb(self, t: f32) -> [u8; 3] {
        let table = match self {
            Colormap::Magma => &colormaps::MAGMA,
            Colormap::Coolwarm => &colormaps::COOLWARM,
        };
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        table[((t * 255.0).round() as usize).min(255)]
    }
}

/// numpy's default (linear) percentile of sorted values.
fn percentile(sorted: &[f32], q: f64) -> f32 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract() as f32);
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (sorted[j] - sorted[i]) * frac
}

/// The colour of the genre called `name` wherever genres are drawn (the CLI's timeline, the
/// page's genre timeline and its MusiCNN tag timeline), so one genre has one colour everywhere,
/// whatever order a bundle lists its classes in.
///
/// The colours are matplotlib's `tab20`, its ten dark shades first. FMA's 16 top-level genres
/// ([`FMA_GENRES`](crate::musicnn::FMA_GENRES), compared without regard to ASCII case) take
/// the first 16 in that list's order; any other name (a user's own genre folder) takes one of
/// the last 4, picked by a hash of its name (FNV-1a, the same on every platform and run), so it
/// keeps its colour from bundle to bundle. Two such names may share a colour.
pub fn genre_colour(name: &str) -> [u8; 3] {
    const TAB20: [[u8; 3]; 20] = [
        [31, 119, 180],
        [255, 127, 14],
        [44, 160, 44],
        [214, 39, 40],
        [148, 103, 189],
        [140, 86, 75],
        [227, 119, 194],
        [127, 127, 127],
        [188, 189, 34],
        [23, 190, 207],
        [174, 199, 232],
        [255, 187, 120],
        [152, 223, 138],
        [255, 152, 150],
        [197, 176, 213],
        [196, 156, 148],
        [247, 182, 210],
        [199, 199, 199],
        [219, 219, 141],
        [158, 218, 229],
    ];
    let fma = crate::musicnn::FMA_GENRES.len();
    if let Some(i) = crate::musicnn::FMA_GENRES
        .iter()
        .position(|g| g.eq_ignore_ascii_case(name))
    {
        return TAB20[i];
    }
    // FNV-1a (64 bits) of the name's bytes.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let rest = (TAB20.len() - fma) as u64;
    TAB20[fma + (hash % rest) as usize]
}

/// A labelled tick: `pos` is in the axis's own units (seconds, Hz, row units or value).
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Where the tick sits.
    pub pos: f64,
    /// Its label.
    pub label: String,
}

/// How a heat map's values become colours, and its colour bar.
#[derive(Clone, Debug, PartialEq)]
pub struct ColourScale {
    /// The colour map.
    pub cmap: Colormap,
    /// The value drawn with the map's lowest colour.
    pub vmin: f32,
    /// The value drawn with the map's highest colour.
    pub vmax: f32,
    /// The colour bar's unit, e.g. `dB`; empty when the values have none.
    pub unit: &'static str,
}

impl ColourScale {
    /// A scale over the finite values' range, with librosa's choice of colour map.
    pub fn fit(values: &[f32], unit: &'static str) -> ColourScale {
        let (lo, hi) = finite_range(values.iter().copied()).unwrap_or((0.0, 1.0));
        ColourScale {
            cmap: Colormap::for_data(values.iter().copied()),
            vmin: lo,
            vmax: hi,
            unit,
        }
    }

    /// The colour of `v`.
    pub fn rgb(&self, v: f32) -> [u8; 3] {
        let span = self.vmax - self.vmin;
        let t = if span > 0.0 {
            (v - self.vmin) / span
        } else {
            0.5
        };
        self.cmap.rgb(t)
    }

    /// The colour bar's ticks, labelled as matplotlib's `%+2.0f dB` for decibels.
    pub fn ticks(&self) -> Vec<Tick> {
        let step = nice_step(f64::from(self.vmax - self.vmin), 5);
        nice_ticks(f64::from(self.vmin), f64::from(self.vmax), step)
            .into_iter()
            .map(|v| Tick {
                pos: v,
                label: if self.unit == "dB" {
                    format!("{v:+.0} dB")
                } else {
                    format_tick(v, step)
                },
            })
            .collect()
    }
}

/// A feature drawn as a heat map: rows over frames.
#[derive(Clone, Debug)]
pub struct Heatmap {
    /// The values drawn, `(rows, frames)`; row 0 is drawn at the bottom.
    pub data: Array2<f32>,
    /// Seconds per frame (`hop_length / sr`).
    pub seconds_per_frame: f64,
    /// The vertical axis's label.
    pub y_label: &'static str,
    /// The vertical axis's ticks, in row units (row `i` spans `[i, i + 1)`).
    pub y_ticks: Vec<Tick>,
    /// Values to colours.
    pub scale: ColourScale,
}

impl Heatmap {
    /// Length of the time axis in seconds.
    pub fn duration(&self) -> f64 {
        self.data.ncols() as f64 * self.seconds_per_frame
    }

    /// RGBA pixels, `width × height`, row-major from the top-left, nearest-neighbour sampled:
    /// the first pixel row shows the highest data row.
    pub fn rgba(&self, width: usize, height: usize) -> Vec<u8> {
        let (rows, cols) = self.data.dim();
        let mut out = vec![0u8; width * height * 4];
        if rows == 0 || cols == 0 {
            return out;
        }
        let col_of: Vec<usize> = (0..width)
            .map(|x| (((x as f64 + 0.5) * cols as f64 / width as f64) as usize).min(cols - 1))
            .collect();
        for y in 0..height {
            let r = rows
                - 1
                - (((y as f64 + 0.5) * rows as f64 / height as f64) as usize).min(rows - 1);
            let row = self.data.row(r);
            for (x, &c) in col_of.iter().enumerate() {
                let [red, green, blue] = self.scale.rgb(row[c]);
                out[(y * width + x) * 4..][..4].copy_from_slice(&[red, green, blue, 255]);
            }
        }
        out
    }
}

/// A feature drawn as a line over time or frequency.
#[derive(Clone, Debug)]
pub struct Line {
    /// The values, one per step of the horizontal axis.
    pub values: Vec<f32>,
    /// The horizontal position of value 0 (0, or a zoomed window's start).
    pub x0: f64,
    /// The horizontal position of value `i` is `x0 + i * x_step` (seconds or Hz).
    pub x_step: f64,
    /// The horizontal axis's label.
    pub x_label: &'static str,
    /// The vertical axis's label.
    pub y_label: &'static str,
}

impl Line {
    /// The span of the horizontal axis from `x0`: the signal's duration, or the Nyquist
    /// frequency.
    pub fn x_max(&self) -> f64 {
        self.values.len().saturating_sub(1).max(1) as f64 * self.x_step
    }

    /// The horizontal axis: `x0 .. x0 + x_max()`.
    pub fn x_range(&self) -> std::ops::Range<f64> {
        self.x0..self.x0 + self.x_max()
    }

    /// The part of the line over `[start, start + span]` (clamped to the line; at least two
    /// values), with `x0` at its first value: the zoomed view of a waveform.
    pub fn window(&self, start: f64, span: f64) -> Line {
        let n = self.values.len();
        let step = self.x_step.max(f64::MIN_POSITIVE);
        let index = |x: f64| ((x - self.x0) / step).clamp(0.0, n as f64);
        let mut i0 = index(start).floor() as usize;
        let mut i1 = (index(start + span).ceil() as usize + 1).min(n);
        if i1 < i0 + 2 {
            i1 = (i0 + 2).min(n);
            i0 = i1.saturating_sub(2);
        }
        Line {
            values: self.values[i0..i1].to_vec(),
            x0: self.x0 + i0 as f64 * self.x_step,
            ..*self
        }
    }

    /// The finite values' range, widened when flat.
    pub fn y_range(&self) -> (f32, f32) {
        let (lo, hi) = finite_range(self.values.iter().copied()).unwrap_or((0.0, 1.0));
        if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, hi + 0.5)
        }
    }

    /// The smallest and largest value under each of `width` pixel columns, as
    /// `librosa.display.waveshow` draws a long signal; `None` where a column has no finite value.
    pub fn envelope(&self, width: usize) -> Vec<Option<(f32, f32)>> {
        let n = self.values.len();
        (0..width)
            .map(|c| {
                let start = c * n / width;
                let end = ((c + 1) * n / width).max(start + 1).min(n);
                finite_range(self.values.get(start..end)?.iter().copied())
            })
            .collect()
    }
}

/// What one feature's plot shows.
#[derive(Clone, Debug)]
pub enum Body {
    /// Rows over frames (spectrograms, chroma, MFCC, tonnetz, contrast).
    Heatmap(Heatmap),
    /// One value per sample, bin or frame (waveform, Fourier magnitude, one-row extras).
    Line(Line),
}

/// A feature ready to draw.
#[derive(Clone, Debug)]
pub struct FeaturePlot {
    /// The feature.
    pub feature: Feature,
    /// The plot's title.
    pub title: String,
    /// What is drawn.
    pub body: Body,
}

/// Turns a computed feature (librosa's shape) into what its plot shows, as the feature's row of
/// the table ([`Feature::spec`]'s `plot`) says: the power spectrogram in dB
/// (`power_to_db(S, ref=np.max)`), one-row features as lines, the rest as heat maps with the
/// vertical axis librosa.display would give them.
pub fn feature_plot(
    feature: Feature,
    array: &ArrayD<f32>,
    cfg: &FeatureConfig,
) -> Result<FeaturePlot> {
    let spec = feature.spec().plot;
    let title = if spec.title_suffix.is_empty() {
        feature.title().to_string()
    } else {
        format!("{} {}", feature.title(), spec.title_suffix)
    };
    let sr = f64::from(cfg.sr);
    let seconds_per_frame = cfg.hop_length as f64 / sr;
    let body = match feature.axis() {
        Axis::Time => {
            let y = plot_view::<Ix1>(feature, array)?;
            line(y.to_vec(), 1.0 / sr, "time (s)", spec.unit)
        }
        Axis::Frequency => {
            let y = plot_view::<Ix1>(feature, array)?;
            // rfft of n samples: bin k is k·sr/n Hz, and n is 2·(bins − 1) or one more.
            let n = (2 * y.len()).saturating_sub(2).max(1);
            line(y.to_vec(), sr / n as f64, "frequency (Hz)", spec.unit)
        }
        Axis::Dimension => {
            let y = plot_view::<Ix1>(feature, array)?;
            line(y.to_vec(), 1.0, "dimension", spec.unit)
        }
        Axis::Value => {
            let a = plot_view::<Ix2>(feature, array)?;
            line(a.row(0).to_vec(), seconds_per_frame, "time (s)", spec.unit)
        }
        Axis::Hz | Axis::Mel | Axis::Coefficient | Axis::Chroma | Axis::Tonnetz | Axis::Band => {
            let a = plot_view::<Ix2>(feature, array)?;
            let data = if spec.power_to_db {
                power_to_db(a, cfg.top_db)
            } else {
                a.to_owned()
            };
            let scale = ColourScale::fit(data.as_slice().unwrap_or(&[]), spec.unit);
            let (y_label, y_ticks) = row_ticks(feature.axis(), data.nrows(), cfg);
            Body::Heatmap(Heatmap {
                data,
                seconds_per_frame,
                y_label,
                y_ticks,
                scale,
            })
        }
    };
    Ok(FeaturePlot {
        feature,
        title,
        body,
    })
}

/// `array` as a view of `D`'s dimensionality, or the error saying `feature` cannot be plotted.
fn plot_view<D: Dimension>(feature: Feature, array: &ArrayD<f32>) -> Result<ArrayView<'_, f32, D>> {
    array.view().into_dimensionality::<D>().map_err(|_| {
        Error::invalid(
            feature.name(),
            format!("cannot plot an array of shape {:?}", array.shape()),
        )
    })
}

/// A line plot's body, starting at 0.
fn line(values: Vec<f32>, x_step: f64, x_label: &'static str, y_label: &'static str) -> Body {
    Body::Line(Line {
        values,
        x0: 0.0,
        x_step,
        x_label,
        y_label,
    })
}

/// The vertical axis of a heat map with `rows` rows: its label and ticks in row units.
pub fn row_ticks(axis: Axis, rows: usize, cfg: &FeatureConfig) -> (&'static str, Vec<Tick>) {
    let sr = f64::from(cfg.sr);
    let index_ticks = |every: usize, label: &dyn Fn(usize) -> String| -> Vec<Tick> {
        (0..rows)
            .step_by(every.max(1))
            .map(|i| Tick {
                pos: i as f64 + 0.5,
                label: label(i),
            })
            .collect()
    };
    match axis {
        Axis::Hz => {
            // Bin k is centred on k·sr/n_fft Hz.
            let df = sr / cfg.n_fft as f64;
            let top = (rows as f64 - 0.5) * df;
            let step = nice_step(top, 6);
            let ticks = nice_ticks(0.0, top, step)
                .into_iter()
                .map(|f| Tick {
                    pos: f / df + 0.5,
                    label: format_tick(f, step),
                })
                .collect();
            ("Hz", ticks)
        }
        Axis::Mel => {
            // Band i is centred on mel_frequencies(n_mels + 2, fmin, fmax)[i + 1].
            let fmax = cfg.mel_fmax.unwrap_or(sr / 2.0);
            let (lo, hi) = (hz_to_mel(cfg.mel_fmin), hz_to_mel(fmax));
            let mel_step = (hi - lo) / (rows + 1) as f64;
            let pos = |f: f64| (hz_to_mel(f) - lo) / mel_step - 0.5;
            // librosa's mel axis: 0 and powers of two from 64 Hz (…, 512, 1024, 2048, …).
            let mut ticks = vec![];
            for f in std::iter::once(0.0).chain((6..20).map(|k| f64::from(1u32 << k))) {
                // The lowest edge is drawn at the bottom, half a band below the first centre.
                let p = if f <= cfg.mel_fmin { 0.0 } else { pos(f) };
                if f >= cfg.mel_fmin && f <= fmax && (0.0..=rows as f64).contains(&p) {
                    ticks.push((f, p));
                }
            }
            // Keep labels apart: at most nine (0 and 64 … 8192 Hz at librosa's defaults).
            let keep = ticks.len().div_ceil(9).max(1);
            let n = ticks.len();
            let ticks = ticks
                .into_iter()
                .enumerate()
                .filter(|(i, _)| (n - 1 - i) % keep == 0)
                .map(|(_, (f, p))| Tick {
                    pos: p,
                    label: format!("{f:.0}"),
                })
                .collect();
            ("Hz (mel scale)", ticks)
        }
        Axis::Chroma => {
            const NAMES: [&str; 12] = [
                "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
            ];
            let ticks = if rows == 12 {
                index_ticks(1, &|i| NAMES[i].to_string())
            } else {
                index_ticks(rows.div_ceil(12), &|i| i.to_string())
            };
            ("pitch class", ticks)
        }
        Axis::Tonnetz => {
            const NAMES: [&str; 6] = ["5x", "5y", "m3x", "m3y", "M3x", "M3y"];
            let ticks = index_ticks(1, &|i| {
                NAMES.get(i).map_or(i.to_string(), |s| s.to_string())
            });
            ("tonal centroid", ticks)
        }
        Axis::Coefficient => (
            "coefficient",
            index_ticks(rows.div_ceil(5).clamp(1, 5), &|i| i.to_string()),
        ),
        Axis::Band => ("frequency band", index_ticks(1, &|i| i.to_string())),
        Axis::Value | Axis::Time | Axis::Frequency | Axis::Dimension => {
            ("", index_ticks(1, &|i| i.to_string()))
        }
    }
}

/// The ticks whose labels do not collide: walking down from the axis's end (librosa's mel
/// axis keeps its high frequencies), a tick is kept when `px` (position → pixel) puts it at
/// least `min_gap` pixels from the last one kept; the first tick (the axis's start) is always
/// kept. Returned in the input's order.
pub fn thin_ticks(ticks: &[Tick], px: impl Fn(f64) -> f64, min_gap: f64) -> Vec<Tick> {
    let mut kept: Vec<Tick> = Vec::with_capacity(ticks.len());
    for t in ticks.iter().rev() {
        if kept
            .last()
            .is_none_or(|last| (px(last.pos) - px(t.pos)).abs() >= min_gap)
        {
            kept.push(t.clone());
        }
    }
    // The axis's start (0 Hz, 0 s) is kept too, in place of the ticks crowding it.
    if let Some(first) = ticks.first()
        && kept.last().is_some_and(|k| k.pos != first.pos)
    {
        kept.retain(|k| (px(k.pos) - px(first.pos)).abs() >= min_gap);
        kept.push(first.clone());
    }
    kept.reverse();
    kept
}

/// Ticks of a time axis of `duration` seconds.
pub fn time_ticks(duration: f64) -> Vec<Tick> {
    let step = nice_step(duration, 8);
    nice_ticks(0.0, duration, step)
        .into_iter()
        .map(|t| Tick {
            pos: t,
            label: format_tick(t, step),
        })
        .collect()
}

/// Ticks of a value axis over `[lo, hi]`, about `target` of them.
pub fn value_ticks(lo: f64, hi: f64, target: usize) -> Vec<Tick> {
    let step = nice_step(hi - lo, target);
    nice_ticks(lo, hi, step)
        .into_iter()
        .map(|v| Tick {
            pos: v,
            label: format_tick(v, step),
        })
        .collect()
}

/// A round step (1, 2 or 5 times a power of ten) giving about `target` ticks over `span`.
pub fn nice_step(span: f64, target: usize) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The multiples of `step` in `[lo, hi]`.
pub fn nice_ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && step > 0.0) || hi < lo {
        return vec![];
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            if v == 0.0 { 0.0 } else { v }
        })
        .collect()
}

/// `v` with as many decimals as `step` needs (`0.25` → 2, `5` → 0); large values in thousands
/// keep all digits.
pub fn format_tick(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    format!("{v:.decimals$}")
}

fn finite_range(values: impl Iterator<Item = f32>) -> Option<(f32, f32)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_genre_has_the_colour_of_its_name_not_of_its_place_in_a_bundle() {
        use crate::musicnn::FMA_GENRES;
        // FMA's genres: tab20's first 16 colours, in FMA's order, one each.
        assert_eq!(genre_colour("International"), [31, 119, 180]);
        assert_eq!(genre_colour("Rock"), [127, 127, 127]);
        assert_eq!(genre_colour("Instrumental"), [196, 156, 148]);
        let fma: Vec<[u8; 3]> = FMA_GENRES.iter().map(|g| genre_colour(g)).collect();
        for (i, c) in fma.iter().enumerate() {
            assert!(!fma[..i].contains(c), "{} shares a colour", FMA_GENRES[i]);
        }
        // A folder called `rock` is FMA's Rock.
        assert_eq!(genre_colour("rock"), genre_colour("Rock"));
        // Any other name: one of the 4 colours no FMA genre has, the same on every call.
        for name in ["disco", "reggae", "metal", "hiphop", "", "Ça va"] {
            let c = genre_colour(name);
            assert!(!fma.contains(&c), "{name:?} took an FMA genre's colour");
            assert_eq!(genre_colour(name), c);
        }
        // Pinned, so a change of hash (which would recolour users' bundles) is noticed.
        assert_eq!(genre_colour("reggae"), [247, 182, 210]);
        assert_eq!(genre_colour("disco"), [199, 199, 199]);
        // The hash spreads names over those 4 colours.
        let others: std::collections::HashSet<[u8; 3]> = (0..64)
            .map(|i| genre_colour(&format!("genre {i}")))
            .collect();
        assert_eq!(others.len(), 4);
        // Whatever order two bundles list their classes in, Rock is drawn alike.
        let a = ["Rock", "Electronic"].map(genre_colour);
        let b = ["Electronic", "Rock"].map(genre_colour);
        assert_eq!((a[0], a[1]), (b[1], b[0]));
    }

    #[test]
    fn colour_maps_match_matplotlibs_published_ends() {
        // matplotlib: magma(0) = #000004, magma(1) = #fcfdbf; coolwarm(0) = (59, 76, 192),
        // coolwarm(1) = (180, 4, 38).
        assert_eq!(Colormap::Magma.rgb(0.0), [0, 0, 4]);
        assert_eq!(Colormap::Magma.rgb(1.0), [0xfc, 0xfd, 0xbf]);
        assert_eq!(Colormap::Coolwarm.rgb(0.0), [59, 76, 192]);
        assert_eq!(Colormap::Coolwarm.rgb(1.0), [180, 4, 38]);
        assert_eq!(Colormap::Magma.rgb(f32::NAN), [0, 0, 4]);
        assert_eq!(Colormap::Magma.rgb(7.0), Colormap::Magma.rgb(1.0));
    }

    #[test]
    fn colour_map_choice_follows_librosa_display_cmap() {
        // dB values are all ≤ 0: sequential.
        assert_eq!(
            Colormap::for_data([-80.0, -3.0, 0.0].into_iter()),
            Colormap::Magma
        );
        // MFCCs span zero: diverging.
        assert_eq!(
            Colormap::for_data((-50..50).map(|v| v as f32)),
            Colormap::Coolwarm
        );
        // robust=True: one outlier in a hundred does not make it diverging.
        let mostly_positive = (0..100).map(|v| if v == 0 { -5.0 } else { v as f32 });
        assert_eq!(Colormap::for_data(mostly_positive), Colormap::Magma);
    }

    #[test]
    fn ticks_are_round_and_inside_the_range() {
        assert_eq!(nice_step(14.0, 8), 2.0);
        assert_eq!(
            nice_ticks(0.0, 14.0, 2.0),
            [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]
        );
        assert_eq!(
            nice_ticks(-80.0, 0.0, 20.0),
            [-80.0, -60.0, -40.0, -20.0, 0.0]
        );
        let t = time_ticks(0.9);
        assert_eq!(t.first().unwrap().label, "0.0");
        assert_eq!(t.last().unwrap().label, "0.8");
        assert_eq!(format_tick(0.25, 0.05), "0.25");
        assert_eq!(format_tick(11025.0, 2000.0), "11025");
    }

    #[test]
    fn hz_ticks_sit_on_their_stft_bins() {
        let cfg = FeatureConfig::default();
        let (label, ticks) = row_ticks(Axis::Hz, 1025, &cfg);
        assert_eq!(label, "Hz");
        // 2000 Hz is bin 2000 / (22050 / 2048) = 185.76; its centre is half a row up.
        let t = ticks.iter().find(|t| t.label == "2000").unwrap();
        assert!((t.pos - (2000.0 / (22050.0 / 2048.0) + 0.5)).abs() < 1e-9);
        assert!(ticks.iter().all(|t| t.pos >= 0.0 && t.pos <= 1025.0));
    }

    #[test]
    fn mel_ticks_sit_on_the_bands_centred_there() {
        let cfg = FeatureConfig::default();
        let (_, ticks) = row_ticks(Axis::Mel, 128, &cfg);
        // librosa's band i is centred on mel_frequencies(130, 0, 11025)[i + 1].
        let centres = crate::dsp::filters::mel_frequencies(130, 0.0, 11025.0);
        assert_eq!((ticks[0].label.as_str(), ticks[0].pos), ("0", 0.0));
        for t in &ticks[1..] {
            let f: f64 = t.label.parse().unwrap();
            // Between the two band centres that bracket f, linearly in mel.
            let i = centres.iter().rposition(|&c| c <= f).unwrap();
            let (m0, m1) = (hz_to_mel(centres[i]), hz_to_mel(centres[i + 1]));
            let expected = (i as f64 - 1.0) + 0.5 + (hz_to_mel(f) - m0) / (m1 - m0);
            assert!(
                (t.pos - expected).abs() < 1e-9,
                "{f} Hz at {} not {expected}",
                t.pos
            );
        }
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert!(
            labels.contains(&"1024") && labels.contains(&"8192"),
            "{labels:?}"
        );
    }

    #[test]
    fn heat_maps_put_the_first_row_at_the_bottom() {
        let data = Array2::from_shape_vec((2, 3), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
        let h = Heatmap {
            scale: ColourScale::fit(data.as_slice().unwrap(), ""),
            data,
            seconds_per_frame: 0.5,
            y_label: "",
            y_ticks: vec![],
        };
        assert_eq!(h.duration(), 1.5);
        let px = h.rgba(3, 4);
        // Top pixel row: row 1 (value 1, the map's top); bottom pixel row: row 0.
        assert_eq!(&px[..4], &[0xfc, 0xfd, 0xbf, 255]);
        assert_eq!(&px[(3 * 3) * 4..][..4], &[0, 0, 4, 255]);
    }

    #[test]
    fn every_feature_has_a_plot_with_labelled_axes() {
        let cfg = FeatureConfig::default();
        let y: Vec<f32> = (0..22050)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 22050.0).sin() * 0.5)
            .collect();
        let set = crate::compute(&y, &cfg, Feature::LIBROSA).unwrap();
        for (feature, array) in &set.entries {
            let plot = feature_plot(*feature, array, &cfg).unwrap();
            match &plot.body {
                Body::Heatmap(h) => {
                    assert!(!h.y_ticks.is_empty(), "{feature}");
                    assert!(h.scale.vmax >= h.scale.vmin, "{feature}");
                    assert!(
                        (h.duration() - array.shape()[1] as f64 * 512.0 / 22050.0).abs() < 1e-9
                    );
                }
                Body::Line(l) => {
                    assert!(!l.envelope(100).is_empty(), "{feature}");
                    assert!(l.x_max() > 0.0);
                }
            }
        }
        // The 440 Hz peak of the Fourier magnitude is drawn at 440 Hz.
        let fourier =
            feature_plot(Feature::Fourier, set.get(Feature::Fourier).unwrap(), &cfg).unwrap();
        let Body::Line(l) = fourier.body else {
            panic!("fourier is a line")
        };
        let peak = l
            .values
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert!((peak as f64 * l.x_step - 440.0).abs() < 1.0);
        // A plot of the wrong shape is refused by name.
        let err = feature_plot(Feature::Mel, &ArrayD::zeros(vec![3]), &cfg).unwrap_err();
        assert!(err.to_string().contains("mel"), "{err}");
    }

    #[test]
    fn crowded_ticks_are_thinned_from_the_top() {
        let ticks: Vec<Tick> = [0.0, 1.0, 2.0, 10.0, 20.0]
            .iter()
            .map(|&pos| Tick {
                pos,
                label: pos.to_string(),
            })
            .collect();
        let kept = thin_ticks(&ticks, |p| p * 4.0, 6.0);
        let labels: Vec<&str> = kept.iter().map(|t| t.label.as_str()).collect();
        // 20 and 10 are 40 px apart; 2 is 32 px below 10; 1 is 4 px from 2 (dropped); 0 is 8 px from 2.
        assert_eq!(labels, ["0", "2", "10", "20"]);
        // The start stays even when crowded: 0.5 goes instead.
        let ticks: Vec<Tick> = [0.0, 0.5, 10.0]
            .iter()
            .map(|&pos| Tick {
                pos,
                label: pos.to_string(),
            })
            .collect();
        let kept: Vec<f64> = thin_ticks(&ticks, |p| p * 4.0, 6.0)
            .iter()
            .map(|t| t.pos)
            .collect();
        assert_eq!(kept, [0.0, 10.0]);
    }

    #[test]
    fn envelope_keeps_every_extreme() {
        let line = Line {
            values: vec![0.0, 5.0, -3.0, 1.0, 2.0, -7.0, 0.0, 0.0],
            x0: 0.0,
            x_step: 1.0,
            x_label: "",
            y_label: "",
        };
        assert_eq!(line.envelope(2), [Some((-3.0, 5.0)), Some((-7.0, 2.0))]);
        assert_eq!(line.envelope(8).len(), 8);
        // A column of NaN only has nothing to draw.
        let gap = Line {
            values: vec![1.0, f32::NAN],
            ..line
        };
        assert_eq!(gap.envelope(2), [Some((1.0, 1.0)), None]);
    }

    #[test]
    fn a_window_keeps_the_values_and_positions_of_its_span() {
        // 10 s at 100 values a second.
        let line = Line {
            values: (0..1000).map(|i| i as f32).collect(),
            x0: 0.0,
            x_step: 0.01,
            x_label: "time (s)",
            y_label: "",
        };
        let w = line.window(2.0, 0.5);
        assert!((w.x0 - 2.0).abs() < 1e-9);
        assert_eq!(w.values.first(), Some(&200.0));
        assert_eq!(
            w.values.last(),
            Some(&250.0),
            "the value at 2.5 s is the last"
        );
        assert!(w.x_range().start <= 2.0 && w.x_range().end >= 2.5);
        // Clamped at both ends, never fewer than two values.
        let w = line.window(-1.0, 0.5);
        assert_eq!((w.x0, w.values[0]), (0.0, 0.0));
        let w = line.window(9.999, 5.0);
        assert_eq!(w.values, [998.0, 999.0]);
        assert!((w.x0 - 9.98).abs() < 1e-9);
        // A window of a window is positioned on the original axis.
        let ww = line.window(3.0, 2.0).window(4.0, 0.1);
        assert!((ww.x0 - 4.0).abs() < 1e-9);
        assert_eq!(ww.values[0], 400.0);
    }
}
