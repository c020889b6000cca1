//! The genre networks on the CPU kernels, for inference on flex (natively and in the
//! browser): the same functions as [`GenreModel::forward`] in evaluation mode, with each
//! batch norm folded into the convolution before it (`scale · (w ∗ x + b) + shift` is the
//! convolution with weights `scale · w` and bias `scale · b + shift`: exact up to rounding) and
//! every convolution an im2col + GEMM ([`super::kernels`]). ReLU and max pool commute
//! (`max relu = relu max`), so each pool reads the convolution's output once.
//!
//! Tested value by value against the modules on the same weights (below).

use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::pool::{MaxPool1d, MaxPool2d};
use burn::nn::{BatchNorm, PaddingConfig1d, PaddingConfig2d};

use super::kernels::{Affine, Dense, View, bias, conv3x3, gemm, values};
use super::net::{Cnn1dNet, Cnn2dNet, GenreModel, MlpNet};
use crate::error::{Error, Result};

/// A genre network's weights laid out for the CPU kernels. Build it with [`CpuModel::of`].
#[derive(Debug)]
pub enum CpuModel {
    /// See [`super::Architecture::Cnn2d`].
    Cnn2d {
        blocks: Vec<Conv2dBlock>,
        head: Dense,
        rows: usize,
        frames: usize,
    },
    /// See [`super::Architecture::Cnn1d`].
    Cnn1d {
        blocks: Vec<Conv1dBlock>,
        head: Dense,
        in_channels: usize,
        length: usize,
    },
    /// See [`super::Architecture::Mlp`].
    Mlp { layers: Vec<Dense>, head: Dense },
}

/// 3×3 "same" conv with its batch norm folded in → ReLU → max pool.
#[derive(Debug)]
pub struct Conv2dBlock {
    co: usize,
    /// `[co, ci · 9]`.
    weight: Vec<f32>,
    bias: Vec<f32>,
    pool: [usize; 2],
}

/// conv with its batch norm folded in → ReLU → max pool (or none).
#[derive(Debug)]
pub struct Conv1dBlock {
    co: usize,
    ci: usize,
    kernel: usize,
    stride: usize,
    /// Zeros before and after the input.
    padding: (usize, usize),
    /// `[co, ci · kernel]`.
    weight: Vec<f32>,
    bias: Vec<f32>,
    pool: usize,
}

/// Folds `norm` into a convolution's `[co, …]` weights and bias.
fn fold(norm: &BatchNorm, weight: &mut [f32], bias: &mut [f32]) -> Result<()> {
    let norm = Affine::of(norm)?;
    let per = weight.len() / bias.len().max(1);
    for (c, (w, b)) in weight.chunks_mut(per).zip(bias.iter_mut()).enumerate() {
        w.iter_mut().for_each(|v| *v *= norm.scale[c]);
        *b = norm.at(c, *b);
    }
    Ok(())
}

fn unsupported(what: String) -> Error {
    Error::Bundle(format!("CPU kernels: {what}"))
}

impl Conv2dBlock {
    fn of(conv: &Conv2d, norm: &BatchNorm, pool: &MaxPool2d) -> Result<Self> {
        let [co, _, kh, kw] = conv.weight.shape().dims();
        let same = matches!(conv.padding, PaddingConfig2d::Same)
            || matches!(conv.padding, PaddingConfig2d::Explicit(1, 1, 1, 1));
        if [kh, kw] != [3, 3] || conv.stride != [1, 1] || conv.dilation != [1, 1] || !same {
            return Err(unsupported(format!(
                "a {kh}×{kw} conv that is not 3×3 same"
            )));
        }
        if pool.kernel_size != pool.stride
            || pool.ceil_mode
            || pool.dilation != [1, 1]
            || !matches!(pool.padding, PaddingConfig2d::Valid)
        {
            return Err(unsupported("an overlapping or ceil-mode 2-D pool".into()));
        }
        let mut weight = values(conv.weight.val())?;
        let mut b = bias(conv.bias.as_ref().map(|b| b.val()), co)?;
        fold(norm, &mut weight, &mut b)?;
        Ok(Conv2dBlock {
            co,
            weight,
            bias: b,
            pool: pool.kernel_size,
        })
    }

    /// `x [ci, h, w]` → `[co, h / ph, w / pw]`.
    fn forward(&self, x: &[f32], [ci, h, w]: [usize; 3]) -> (Vec<f32>, [usize; 3]) {
        let z = conv3x3(x, [1, ci, h, w], &self.weight, &self.bias, self.co);
        let [ph, pw] = self.pool;
        let (ho, wo) = (h / ph, w / pw);
        let mut out = vec![0f32; self.co * ho * wo];
        for (plane, dst) in z.chunks_exact(h * w).zip(out.chunks_exact_mut(ho * wo)) {
            for (oy, row) in dst.chunks_exact_mut(wo).enumerate() {
                for (ox, o) in row.iter_mut().enumerate() {
                    let mut m = f32::NEG_INFINITY;
                    for y in oy * ph..(oy + 1) * ph {
                        for &v in &plane[y * w + ox * pw..][..pw] {
                            m = m.max(v);
                        }
                    }
                    *o = m.max(0.0);
                }
            }
        }
        (out, [self.co, ho, wo])
    }
}

impl Conv1dBlock {
    fn of(conv: &Conv1d, norm: &BatchNorm, pool: Option<&MaxPool1d>) -> Result<Self> {
        let [co, ci, kernel] = conv.weight.shape().dims();
        let padding = match conv.padding {
            PaddingConfig1d::Valid => (0, 0),
            PaddingConfig1d::Explicit(l, r) => (l, r),
            PaddingConfig1d::Same if conv.stride == 1 && kernel % 2 == 1 => {
                (kernel / 2, kernel / 2)
            }
            PaddingConfig1d::Same => {
                return Err(unsupported(format!(
                    "\"same\" padding with kernel {kernel}, stride {}",
                    conv.stride
                )));
            }
        };
        if conv.dilation != 1 || conv.groups != 1 {
            return Err(unsupported("a dilated or grouped 1-D conv".into()));
        }
        let pool = match pool {
            None => 1,
            Some(p)
                if p.kernel_size == p.stride
                    && !p.ceil_mode
                    && p.dilation == 1
                    && matches!(p.padding, PaddingConfig1d::Valid) =>
            {
                p.kernel_size
            }
            Some(_) => return Err(unsupported("an overlapping or ceil-mode 1-D pool".into())),
        };
        let mut weight = values(conv.weight.val())?;
        let mut b = bias(conv.bias.as_ref().map(|b| b.val()), co)?;
        fold(norm, &mut weight, &mut b)?;
        Ok(Conv1dBlock {
            co,
            ci,
            kernel,
            stride: conv.stride,
            padding,
            weight,
            bias: b,
            pool,
        })
    }

    /// `x [ci, len]` → `[co, lo / pool]`.
    fn forward(&self, x: &[f32], len: usize) -> (Vec<f32>, usize) {
        let (k, s, (pl, pr)) = (self.kernel, self.stride, self.padding);
        let lo = (len + pl + pr).saturating_sub(k) / s + 1;
        // im2col [ci · k, lo]: row (i, dk) at position o holds x[i][o · s + dk − pl].
        let mut col = vec![0f32; self.ci * k * lo];
        for (r, dst) in col.chunks_exact_mut(lo).enumerate() {
            let (i, dk) = (r / k, r % k);
            let src = &x[i * len..(i + 1) * len];
            for (o, d) in dst.iter_mut().enumerate() {
                let at = (o * s + dk).wrapping_sub(pl);
                if at < len {
                    *d = src[at];
                }
            }
        }
        let mut z = vec![0f32; self.co * lo];
        for (row, &b) in z.chunks_exact_mut(lo).zip(&self.bias) {
            row.fill(b);
        }
        gemm(
            (&mut z, lo),
            View::rows(&self.weight, self.ci * k),
            View::rows(&col, lo),
            [self.co, lo, self.ci * k],
            true,
        );
        let p = self.pool;
        let out_len = lo / p;
        let mut out = vec![0f32; self.co * out_len];
        for (plane, dst) in z.chunks_exact(lo).zip(out.chunks_exact_mut(out_len)) {
            for (o, d) in dst.iter_mut().enumerate() {
                *d = plane[o * p..(o + 1) * p]
                    .iter()
                    .fold(f32::NEG_INFINITY, |m, &v| m.max(v))
                    .max(0.0);
            }
        }
        (out, out_len)
    }
}

/// The mean of each of `channels` equal rows of `x`.
fn channel_means(x: &[f32], channels: usize) -> Vec<f32> {
    let per = x.len() / channels.max(1);
    x.chunks_exact(per.max(1))
        .take(channels)
        .map(|row| row.iter().sum::<f32>() / per as f32)
        .collect()
}

impl CpuModel {
    /// Reads `net`'s weights (on a device that reads back synchronously), or says which of
    /// its layers the kernels do not cover.
    pub fn of(net: &GenreModel) -> Result<CpuModel> {
        Ok(match net {
            GenreModel::Cnn2d(Cnn2dNet {
                blocks,
                head,
                rows,
                frames,
                ..
            }) => CpuModel::Cnn2d {
                blocks: blocks
                    .iter()
                    .map(|b| Conv2dBlock::of(&b.conv, &b.norm, &b.pool))
                    .collect::<Result<_>>()?,
                head: Dense::of(head)?,
                rows: *rows,
                frames: *frames,
            },
            GenreModel::Cnn1d(Cnn1dNet {
                blocks,
                head,
                in_channels,
                length,
                ..
            }) => CpuModel::Cnn1d {
                blocks: blocks
                    .iter()
                    .map(|b| Conv1dBlock::of(&b.conv, &b.norm, b.pool.as_ref()))
                    .collect::<Result<_>>()?,
                head: Dense::of(head)?,
                in_channels: *in_channels,
                length: *length,
            },
            GenreModel::Mlp(MlpNet { layers, head, .. }) => CpuModel::Mlp {
                layers: layers.iter().map(Dense::of).collect::<Result<_>>()?,
                head: Dense::of(head)?,
            },
        })
    }

    /// Logits for one prepared input (the values [`GenreModel::forward`] reads as one row).
    pub fn logits(&self, x: &[f32]) -> Vec<f32> {
        match self {
            CpuModel::Cnn2d {
                blocks,
                head,
                rows,
                frames,
            } => {
                let (mut x, mut dims) = (x.to_vec(), [1, *rows, *frames]);
                for block in blocks {
                    (x, dims) = block.forward(&x, dims);
                }
                head.forward(&channel_means(&x, dims[0]), 1)
            }
            CpuModel::Cnn1d {
                blocks,
                head,
                in_channels,
                length,
            } => {
                let (mut x, mut len, mut c) = (x.to_vec(), *length, *in_channels);
                for block in blocks {
                    (x, len) = block.forward(&x, len);
                    c = block.co;
                }
                let _ = len;
                head.forward(&channel_means(&x, c), 1)
            }
            CpuModel::Mlp { layers, head } => {
                let mut x = x.to_vec();
                for layer in layers {
                    x = layer.forward(&x, 1);
                    x.iter_mut().for_each(|v| *v = v.max(0.0));
                }
                head.forward(&x, 1)
            }
        }
    }
}

/// Softmax of one row of logits.
pub(crate) fn softmax(logits: &[f32]) -> Vec<f32> {
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = logits.iter().map(|&v| (v - top).exp()).collect();
    let sum: f32 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

#[cfg(test)]
mod tests {
    use burn::prelude::*;

    use super::*;
    use crate::model::Architecture;
    use crate::model::kernels::testing::{shake, spread};

    /// Each architecture the trainer builds, at odd sizes, with its batch norms' statistics
    /// moved off their defaults: the kernels' logits against the modules'.
    #[test]
    fn logits_equal_the_burn_modules() {
        let device = Device::flex();
        let cases = [
            Architecture::Cnn2d {
                rows: 13,
                frames: 37,
                channels: vec![8, 16, 32, 64],
            },
            Architecture::Cnn2d {
                rows: 1,
                frames: 9,
                channels: vec![4, 6],
            },
            Architecture::Cnn1d {
                in_channels: 1,
                length: 3001,
                stem_kernel: 64,
                stem_stride: 16,
                channels: vec![16, 32, 64, 64],
            },
            Architecture::Cnn1d {
                in_channels: 7,
                length: 45,
                stem_kernel: 5,
                stem_stride: 1,
                channels: vec![16, 32, 32],
            },
            Architecture::Mlp {
                inputs: 77,
                hidden: vec![128, 64],
            },
        ];
        for (i, arch) in cases.iter().enumerate() {
            let mut net = arch.init(5, &device);
            match &mut net {
                GenreModel::Cnn2d(m) => {
                    for (j, b) in m.blocks.iter_mut().enumerate() {
                        shake(&mut b.norm, 10 * j as u64, &device);
                    }
                }
                GenreModel::Cnn1d(m) => {
                    for (j, b) in m.blocks.iter_mut().enumerate() {
                        shake(&mut b.norm, 10 * j as u64, &device);
                    }
                }
                GenreModel::Mlp(_) => {}
            }
            let cpu = CpuModel::of(&net).unwrap();
            let n = arch.input_len();
            let x = spread(n, 7 + i as u64, -2.0, 2.0);
            let want = values(net.forward(Tensor::from_data(
                TensorData::new(x.clone(), [1, n]),
                &device,
            )))
            .unwrap();
            let got = cpu.logits(&x);
            let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            eprintln!(
                "{}: max |Δ| = {d:.2e} (largest logit {scale:.3})",
                arch.kind()
            );
            assert_eq!(got.len(), want.len());
            assert!(d <= 1e-4 * scale, "{arch:?}: max |Δ| = {d}");
        }
    }

    #[test]
    fn softmax_sums_to_one() {
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((p[2] - 0.665_240_9).abs() < 1e-6);
    }
}
