//! From a feature as extracted (librosa-equal) to the numbers a model reads.
//!
//! Two steps, both fitted or fixed at training time and stored in the bundle, so the trainer,
//! `genrescope artifacts` and the browser prepare a track identically:
//! 1. an [`InputTransform`]: fixed pooling and log compression chosen per feature;
//! 2. a [`Normaliser`]: per-bin mean and standard deviation fitted on the training split.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{DbConversion, Feature, NormGroups};

/// The largest number of frequency rows a 2-D model reads; taller features (the 1025-bin
/// STFTs) are averaged down to it.
pub const MAX_ROWS: usize = 128;

/// Number of log-spaced bands the Fourier magnitude is pooled into.
pub const FOURIER_BANDS: usize = 256;

/// Log compression applied after pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Db {
    /// `10·log10(max(x, 1e-10))`: librosa's `power_to_db` with `ref=1`, no `top_db`.
    Power,
    /// `20·log10(max(x, 1e-5))`: librosa's `amplitude_to_db` with `ref=1`, no `top_db`.
    Amplitude,
}

impl Db {
    fn apply(self, x: f32) -> f32 {
        match self {
            Db::Power => 10.0 * x.max(1e-10).log10(),
            Db::Amplitude => 20.0 * x.max(1e-5).log10(),
        }
    }
}

/// The fixed part of input preparation: what a feature's rows become before normalisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputTransform {
    /// The feature's shape as extracted, e.g. `[1025, 603]`.
    pub raw_shape: Vec<usize>,
    /// Average consecutive rows of a 2-D feature down to this many (linear bins → coarser bins).
    pub pool_rows: Option<usize>,
    /// Average a 1-D spectrum into this many log-spaced bands.
    pub log_bands: Option<usize>,
    /// Log compression after pooling.
    pub db: Option<Db>,
}

impl InputTransform {
    /// The preparation Genrescope uses for `feature` with raw shape `raw_shape`, as its row of
    /// the feature table declares it; 2-D features taller than [`MAX_ROWS`] are pooled to it.
    pub fn for_feature(feature: Feature, raw_shape: &[usize]) -> InputTransform {
        let prep = feature.spec().prep;
        let rows = raw_shape.first().copied().unwrap_or(1);
        let db = match prep.db {
            DbConversion::None => None,
            DbConversion::Amplitude => Some(Db::Amplitude),
            DbConversion::Power => Some(Db::Power),
        };
        InputTransform {
            raw_shape: raw_shape.to_vec(),
            pool_rows: (raw_shape.len() == 2 && rows > MAX_ROWS).then_some(MAX_ROWS),
            log_bands: prep.log_bands.then(|| FOURIER_BANDS.min(rows)),
            db,
        }
    }

    /// The shape of the prepared input.
    pub fn input_shape(&self) -> Vec<usize> {
        let mut shape = self.raw_shape.clone();
        if let Some(r) = self.pool_rows {
            shape[0] = r;
        }
        if let Some(b) = self.log_bands {
            shape[0] = b;
        }
        shape
    }

    /// Number of raw values per row.
    pub fn raw_len(&self) -> usize {
        self.raw_shape.iter().product()
    }

    /// Prepares one raw row (C order, `raw_shape`) into `out` (cleared first).
    pub fn apply(&self, raw: &[f32], out: &mut Vec<f32>) -> Result<()> {
        if raw.len() != self.raw_len() {
            return Err(Error::invalid(
                "input",
                format!(
                    "{} values, expected {:?} = {}",
                    raw.len(),
                    self.raw_shape,
                    self.raw_len()
                ),
            ));
        }
        out.clear();
        if let Some(target) = self.pool_rows {
            let (rows, cols) = (self.raw_shape[0], self.raw_shape[1]);
            for (lo, hi) in groups(rows, target, false) {
                let start = out.len();
                out.extend_from_slice(&raw[lo * cols..(lo + 1) * cols]);
                for r in lo + 1..hi {
                    for (o, &x) in out[start..].iter_mut().zip(&raw[r * cols..(r + 1) * cols]) {
                        *o += x;
                    }
                }
                let inv = 1.0 / (hi - lo) as f32;
                out[start..].iter_mut().for_each(|o| *o *= inv);
            }
        } else if let Some(bands) = self.log_bands {
            for (lo, hi) in groups(raw.len(), bands, true) {
                let sum: f64 = raw[lo..hi].iter().map(|&x| x as f64).sum();
                out.push((sum / (hi - lo) as f64) as f32);
            }
        } else {
            out.extend_from_slice(raw);
        }
        if let Some(db) = self.db {
            out.iter_mut().for_each(|x| *x = db.apply(*x));
        }
        Ok(())
    }
}

/// Splits `0..n` into `k` non-empty consecutive ranges: equal widths, or widths growing
/// geometrically (`log`: band `i` starts near `n^(i/k)`, each at least one bin wide).
fn groups(n: usize, k: usize, log: bool) -> Vec<(usize, usize)> {
    let k = k.clamp(1, n.max(1));
    let mut edges = Vec::with_capacity(k + 1);
    edges.push(0usize);
    for i in 1..k {
        let e = if log {
            (n as f64).powf(i as f64 / k as f64).floor() as usize
        } else {
            i * n / k
        };
        // Strictly increasing, and room left for the bands still to come.
        let e = e.max(edges[i - 1] + 1).min(n - (k - i));
        edges.push(e);
    }
    edges.push(n);
    edges.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Per-bin standardisation `(x − mean) / std`, fitted on the training split.
///
/// The prepared input is split into `mean.len()` equal consecutive groups (C order), one per
/// frequency row of a 2-D feature, one per band of the Fourier input, and a single group for
/// the waveform and other features without bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normaliser {
    /// Mean of each group over the training rows.
    pub mean: Vec<f32>,
    /// Standard deviation of each group (at least `1e-6`).
    pub std: Vec<f32>,
}

impl Normaliser {
    /// Number of groups used for `feature` with prepared shape `input_shape`.
    pub fn groups_for(feature: Feature, input_shape: &[usize]) -> usize {
        match feature.spec().groups {
            NormGroups::One => 1,
            NormGroups::PerRow => input_shape[0],
        }
    }

    /// Standardises a prepared input in place.
    pub fn apply(&self, x: &mut [f32]) -> Result<()> {
        let g = self.mean.len();
        if g == 0 || !x.len().is_multiple_of(g) || self.std.len() != g {
            return Err(Error::invalid(
                "normalisation",
                format!("{} groups do not divide an input of {} values", g, x.len()),
            ));
        }
        let len = x.len() / g;
        for (chunk, (&m, &s)) in x.chunks_mut(len).zip(self.mean.iter().zip(&self.std)) {
            let inv = 1.0 / s;
            chunk.iter_mut().for_each(|v| *v = (*v - m) * inv);
        }
        Ok(())
    }
}

/// Prepares one extracted row: `transform`, then `norm`, into `out`.
pub fn prepare(
    transform: &InputTransform,
    norm: &Normaliser,
    raw: &[f32],
    out: &mut Vec<f32>,
) -> Result<()> {
    transform.apply(raw, out)?;
    norm.apply(out)
}

/// Accumulates [`Normaliser`] statistics over prepared training rows, in f64.
#[derive(Clone, Debug)]
pub struct NormaliserFit {
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    count: Vec<u64>,
}

impl NormaliserFit {
    /// An empty fit with `groups` groups.
    pub fn new(groups: usize) -> Self {
        NormaliserFit {
            sum: vec![0.0; groups],
            sum_sq: vec![0.0; groups],
            count: vec![0; groups],
        }
    }

    /// Adds one prepared row.
    pub fn add(&mut self, x: &[f32]) {
        let g = self.sum.len();
        let len = x.len() / g;
        for (i, chunk) in x.chunks(len).enumerate().take(g) {
            let (mut s, mut s2) = (0.0f64, 0.0f64);
            for &v in chunk {
                s += v as f64;
                s2 += (v as f64) * (v as f64);
            }
            self.sum[i] += s;
            self.sum_sq[i] += s2;
            self.count[i] += chunk.len() as u64;
        }
    }

    /// The fitted normaliser.
    pub fn finish(&self) -> Normaliser {
        let mut mean = Vec::with_capacity(self.sum.len());
        let mut std = Vec::with_capacity(self.sum.len());
        for i in 0..self.sum.len() {
            let n = self.count[i].max(1) as f64;
            let m = self.sum[i] / n;
            let var = (self.sum_sq[i] / n - m * m).max(0.0);
            mean.push(m as f32);
            std.push((var.sqrt() as f32).max(1e-6));
        }
        Normaliser { mean, std }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_everything_once() {
        for (n, k, log) in [
            (1025, 128, false),
            (154_351, 256, true),
            (7, 7, true),
            (5, 9, true),
        ] {
            let g = groups(n, k, log);
            assert_eq!(g.first().unwrap().0, 0);
            assert_eq!(g.last().unwrap().1, n);
            assert!(g.windows(2).all(|w| w[0].1 == w[1].0));
            assert!(g.iter().all(|(a, b)| b > a), "{n} {k} {log}: {g:?}");
            assert_eq!(g.len(), k.min(n));
        }
        // Log bands: the first bands are single bins, the last one is wide.
        let g = groups(154_351, 256, true);
        assert_eq!(g[1], (1, 2));
        assert!(g[255].1 - g[255].0 > 1000);
    }

    #[test]
    fn pooling_rows_averages_groups() {
        let t = InputTransform {
            raw_shape: vec![4, 2],
            pool_rows: Some(2),
            log_bands: None,
            db: None,
        };
        let mut out = Vec::new();
        t.apply(&[1., 2., 3., 4., 5., 6., 7., 8.], &mut out)
            .unwrap();
        assert_eq!(out, vec![2., 3., 6., 7.]);
        assert_eq!(t.input_shape(), vec![2, 2]);
        assert!(t.apply(&[1.0; 7], &mut out).is_err());
    }

    #[test]
    fn power_to_db_matches_librosa_formula() {
        let t = InputTransform::for_feature(Feature::PowerSpectrogram, &[1025, 3]);
        assert_eq!(t.pool_rows, Some(128));
        let raw: Vec<f32> = (0..1025 * 3).map(|_| 100.0).collect();
        let mut out = Vec::new();
        t.apply(&raw, &mut out).unwrap();
        assert_eq!(out.len(), 128 * 3);
        assert!(out.iter().all(|&v| (v - 20.0).abs() < 1e-5));
    }

    #[test]
    fn normaliser_standardises_each_row() {
        let mut fit = NormaliserFit::new(2);
        fit.add(&[1., 3., 10., 10.]);
        fit.add(&[1., 3., 20., 20.]);
        let n = fit.finish();
        assert_eq!(n.mean, vec![2.0, 15.0]);
        assert_eq!(n.std, vec![1.0, 5.0]);
        let mut x = vec![3., 1., 20., 10.];
        n.apply(&mut x).unwrap();
        assert_eq!(x, vec![1., -1., 1., -1.]);
        assert!(n.apply(&mut [0.0; 3]).is_err());
    }
}
