//! MusiCNN on the CPU kernels: the same network as [`MusiCnn`], its weights read once off the
//! burn module into the layouts the kernels want, each layer an im2col + GEMM
//! ([`crate::model::kernels::gemm`]: AVX-512 natively where the CPU has it, simd128 in the
//! browser) with its bias, ReLU and batch norm applied as the product is read back.
//!
//! What makes it cheaper than the module-by-module path, besides the GEMM:
//! - every front-end block is conv → ReLU → batch norm → max over frequency, and batch norm in
//!   evaluation mode is `scale · x + shift` per filter, monotone in `x`. So the block's output
//!   is `scale · relu(max_f z) + shift` where `scale ≥ 0` and `scale · relu(min_f z) + shift`
//!   where it is negative: the conv output is reduced over frequency as each tile of it is
//!   computed and never stored whole;
//! - activations are kept time-major (`[frames, channels]`), so a mid-end layer's im2col is a
//!   strided view of its input (row `t` is the `7 · channels` values from row `t` on) and
//!   needs no copy;
//! - natively the patches of a track run on every core at once (one patch per core).
//!
//! Tested value by value against the module's [`MusiCnn::logits`] on the same weights (below),
//! and against TensorFlow's outputs through [`super::net::Tagger`] (`shared/tests/musicnn.rs`).

use std::ops::Range;

use super::net::{FrontBlock, MidBlock, MusiCnn};
use super::{N_MELS, sigmoid};
use crate::error::{Error, Result};
use crate::model::kernels::{Affine, Dense, View, bias, for_each_chunk, gemm, values};

/// Values of im2col per product tile: the tile (~512 KB) and its product stay in a core's
/// L2 cache while they are multiplied and reduced.
const TILE_VALUES: usize = 128 << 10;

/// conv over `[time, frequency]` of the one-channel input → ReLU → batch norm → max over
/// frequency: one of the original's `timbral_block` / `tempo_block`.
#[derive(Debug)]
struct FrontConv {
    /// Kernel rows (time) and columns (frequency).
    kt: usize,
    kf: usize,
    filters: usize,
    /// `[filters, kt · kf]`: burn's `[out, 1, kt, kf]` flattened.
    weight: Vec<f32>,
    bias: Vec<f32>,
    norm: Affine,
}

impl FrontConv {
    fn of(block: &FrontBlock) -> Result<FrontConv> {
        let [filters, cin, kt, kf] = block.conv.weight.shape().dims();
        if cin != 1 || kf > N_MELS || kt == 0 {
            return Err(Error::Bundle(format!(
                "MusiCNN front end: a [{filters}, {cin}, {kt}, {kf}] kernel"
            )));
        }
        Ok(FrontConv {
            kt,
            kf,
            filters,
            weight: values(block.conv.weight.val())?,
            bias: bias(block.conv.bias.as_ref().map(|b| b.val()), filters)?,
            norm: Affine::of(&block.norm)?,
        })
    }

    /// Time rows of zero padding before the input: TensorFlow's "same" along time (the
    /// timbral blocks' explicit 3 is the same number for their 7 rows).
    fn before(&self) -> usize {
        (self.kt - 1) / 2
    }

    /// Frequency positions of the valid convolution.
    fn positions(&self) -> usize {
        N_MELS - self.kf + 1
    }

    /// The block over the patch, written to columns `col0..col0 + filters` of `out`'s rows
    /// (`out_rs` values each; row `t` is frame `t`).
    fn forward(&self, x: &Input, out: &mut [f32], out_rs: usize, col0: usize) {
        let n = self.filters;
        let mut write = |t: usize, hi: &[f32], lo: &[f32]| {
            let dst = &mut out[t * out_rs + col0..][..n];
            for c in 0..n {
                let s = self.norm.scale[c];
                let z = if s >= 0.0 { hi[c] } else { lo[c] };
                dst[c] = s * (z + self.bias[c]).max(0.0) + self.norm.shift[c];
            }
        };
        if self.kf == 1 {
            self.temporal(x, &mut write);
        } else {
            self.timbral(x, &mut write);
        }
    }

    /// A kernel over time alone (`kt × 1`): per frequency band, the product of the band's
    /// im2col, a view of the frequency-major input (row `t` starts at frame `t`), with the
    /// weights; the max and min over bands kept as they come. `write(t, max, min)` per frame.
    fn temporal(&self, x: &Input, write: &mut impl FnMut(usize, &[f32], &[f32])) {
        let (n, k, frames) = (self.filters, self.kt, x.frames);
        let start = x.pad - self.before();
        let mut prod = vec![0f32; frames * n];
        let (mut hi, mut lo) = (vec![0f32; frames * n], vec![0f32; frames * n]);
        for f in 0..N_MELS {
            let band = View {
                data: &x.xt[f * x.tp + start..],
                rs: 1,
                cs: 1,
            };
            let target = if f == 0 { &mut hi } else { &mut prod };
            gemm(
                (target, n),
                band,
                View::transposed(&self.weight, k),
                [frames, n, k],
                false,
            );
            if f == 0 {
                lo.copy_from_slice(&hi);
                continue;
            }
            for ((h, l), &z) in hi.iter_mut().zip(&mut lo).zip(&prod) {
                *h = if z > *h { z } else { *h };
                *l = if z < *l { z } else { *l };
            }
        }
        for (t, (h, l)) in hi.chunks_exact(n).zip(lo.chunks_exact(n)).enumerate() {
            write(t, h, l);
        }
    }

    /// A kernel over time and frequency: im2col of a tile of frames at a time (rows `(t, f)`),
    /// its product with the weights, and the max and min over `f` of each frame's rows.
    fn timbral(&self, x: &Input, write: &mut impl FnMut(usize, &[f32], &[f32])) {
        let (fo, k, n, frames) = (self.positions(), self.kt * self.kf, self.filters, x.frames);
        let top = x.pad - self.before();
        let tile_frames = (TILE_VALUES / (fo * k)).clamp(1, frames.max(1));
        let mut col = vec![0f32; tile_frames * fo * k];
        let mut prod = vec![0f32; tile_frames * fo * n];
        let (mut hi, mut lo) = (vec![0f32; n], vec![0f32; n]);
        for t0 in (0..frames).step_by(tile_frames) {
            let t1 = (t0 + tile_frames).min(frames);
            let m = (t1 - t0) * fo;
            self.im2col(&x.xp, top, t0..t1, &mut col[..m * k]);
            gemm(
                (&mut prod[..m * n], n),
                View::rows(&col[..m * k], k),
                View::transposed(&self.weight, k),
                [m, n, k],
                false,
            );
            for (i, rows) in prod[..m * n].chunks_exact(fo * n).enumerate() {
                hi.copy_from_slice(&rows[..n]);
                lo.copy_from_slice(&rows[..n]);
                for row in rows.chunks_exact(n).skip(1) {
                    for ((h, l), &z) in hi.iter_mut().zip(&mut lo).zip(row) {
                        *h = if z > *h { z } else { *h };
                        *l = if z < *l { z } else { *l };
                    }
                }
                write(t0 + i, &hi, &lo);
            }
        }
    }

    /// im2col rows `(t, f)` for `t` in `frames`, `f` over every frequency position: row
    /// `(t, f)` holds `xp[(top + t + dt) · 96 + f + df]` for `dt < kt`, `df < kf`.
    fn im2col(&self, xp: &[f32], top: usize, frames: Range<usize>, col: &mut [f32]) {
        let (kt, kf, fo) = (self.kt, self.kf, self.positions());
        let mut rows = col.chunks_exact_mut(kt * kf);
        for t in frames {
            let window = &xp[(top + t) * N_MELS..][..kt * N_MELS];
            for f in 0..fo {
                let row = rows.next().expect("im2col sized for the tile");
                for (dst, src) in row.chunks_exact_mut(kf).zip(window.chunks_exact(N_MELS)) {
                    dst.copy_from_slice(&src[f..f + kf]);
                }
            }
        }
    }
}

/// A patch's normalised input, padded with `pad` zero frames before and enough after for
/// every front-end kernel: time-major (`xp`, rows of 96) and frequency-major (`xt`, rows of
/// `tp` frames).
struct Input {
    frames: usize,
    pad: usize,
    xp: Vec<f32>,
    xt: Vec<f32>,
    tp: usize,
}

/// conv (width `k` over time, "same" padding) → ReLU → batch norm, plus an optional residual:
/// one mid-end layer.
#[derive(Debug)]
struct MidConv {
    k: usize,
    cin: usize,
    cout: usize,
    /// `[cout, k · cin]` with the inner index `dt · cin + ci`: a row of the strided im2col
    /// view of a time-major input.
    weight: Vec<f32>,
    bias: Vec<f32>,
    norm: Affine,
}

impl MidConv {
    fn of(block: &MidBlock) -> Result<MidConv> {
        let [cout, cin, k] = block.conv.weight.shape().dims();
        let w = values(block.conv.weight.val())?;
        let mut weight = vec![0f32; cout * k * cin];
        for co in 0..cout {
            for ci in 0..cin {
                for dt in 0..k {
                    weight[co * k * cin + dt * cin + ci] = w[(co * cin + ci) * k + dt];
                }
            }
        }
        Ok(MidConv {
            k,
            cin,
            cout,
            weight,
            bias: bias(block.conv.bias.as_ref().map(|b| b.val()), cout)?,
            norm: Affine::of(&block.norm)?,
        })
    }

    /// `x` holds `frames` rows of `cin` values after `(k − 1) / 2` zero rows and before as
    /// many more; the output goes to `out`'s rows from `(k − 1) / 2` on (same padding), with
    /// `residual` (laid out as `out`) added after the batch norm.
    fn forward(&self, x: &[f32], frames: usize, out: &mut [f32], residual: Option<&[f32]>) {
        let (k, n) = (self.k * self.cin, self.cout);
        let first = (self.k - 1) / 2 * n;
        let dst = &mut out[first..first + frames * n];
        gemm(
            (dst, n),
            View {
                data: x,
                rs: self.cin,
                cs: 1,
            },
            View::transposed(&self.weight, k),
            [frames, n, k],
            false,
        );
        for (i, row) in dst.chunks_exact_mut(n).enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = self.norm.at(c, (*v + self.bias[c]).max(0.0));
            }
            if let Some(r) = residual {
                for (v, r) in row.iter_mut().zip(&r[first + i * n..][..n]) {
                    *v += r;
                }
            }
        }
    }
}

/// What the network gives for one patch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatchOutput {
    /// The penultimate layer's 200 values (`bn_dense`).
    pub penultimate: Vec<f32>,
    /// The 50 tag logits (before the sigmoid).
    pub logits: Vec<f32>,
}

/// MusiCNN's weights laid out for the CPU kernels. Build it with [`CpuNet::of`].
#[derive(Debug)]
pub struct CpuNet {
    /// The input batch norm's scale and shift (one channel).
    input: (f32, f32),
    /// The two timbral blocks, then the three temporal ones (the front end's channel order).
    front: Vec<FrontConv>,
    midend: Vec<MidConv>,
    pool_norm: Affine,
    dense: Dense,
    dense_norm: Affine,
    output: Dense,
}

impl CpuNet {
    /// Reads `net`'s weights (on any device that reads back synchronously: flex, natively
    /// or in the browser).
    pub fn of(net: &MusiCnn) -> Result<CpuNet> {
        let input = Affine::of(&net.input_norm)?;
        Ok(CpuNet {
            input: (input.scale[0], input.shift[0]),
            front: net
                .timbral
                .iter()
                .chain(&net.temporal)
                .map(FrontConv::of)
                .collect::<Result<_>>()?,
            midend: net.midend.iter().map(MidConv::of).collect::<Result<_>>()?,
            pool_norm: Affine::of(&net.pool_norm)?,
            dense: Dense::of(&net.dense)?,
            dense_norm: Affine::of(&net.dense_norm)?,
            output: Dense::of(&net.output)?,
        })
    }

    /// Tag logits for each patch of `frames × 96` log-mel values (time-major, as
    /// [`super::patches`] cuts them); natively the patches run on every core.
    pub fn logits(&self, patches: &[&[f32]], frames: usize) -> Result<Vec<Vec<f32>>> {
        Ok(self
            .outputs(patches, frames)?
            .into_iter()
            .map(|o| o.logits)
            .collect())
    }

    /// The tag activations (sigmoid of [`CpuNet::logits`]).
    pub fn activations(&self, patches: &[&[f32]], frames: usize) -> Result<Vec<Vec<f32>>> {
        let mut out = self.logits(patches, frames)?;
        for v in out.iter_mut().flatten() {
            *v = sigmoid(*v);
        }
        Ok(out)
    }

    /// Each patch's penultimate layer and tag logits, from one pass through the network.
    pub fn outputs(&self, patches: &[&[f32]], frames: usize) -> Result<Vec<PatchOutput>> {
        if let Some(p) = patches.iter().find(|p| p.len() != frames * N_MELS) {
            return Err(Error::invalid(
                "patches",
                format!(
                    "a patch of {} values, expected {frames} × {N_MELS}",
                    p.len()
                ),
            ));
        }
        if frames == 0 {
            return Err(Error::invalid("patches", "a patch of no frames"));
        }
        let mut out: Vec<PatchOutput> =
            (0..patches.len()).map(|_| PatchOutput::default()).collect();
        for_each_chunk(&mut out, 1, |i, o| {
            let penultimate = self.patch_penultimate(patches[i], frames);
            o[0] = PatchOutput {
                logits: self.output.forward(&penultimate, 1),
                penultimate,
            };
        });
        Ok(out)
    }

    /// The penultimate layer (`bn_dense`: dense 200 → ReLU → batch norm) of one patch.
    fn patch_penultimate(&self, patch: &[f32], frames: usize) -> Vec<f32> {
        let front = self.front_end(patch, frames);
        let mid = self.mid_end(&front, frames);
        let width = |x: &[f32]| x.len() / (frames + 6);
        let mut pooled = Vec::with_capacity(self.pool_norm.scale.len());
        for x in std::iter::once(&front).chain(&mid) {
            let c = width(x);
            let rows = &x[3 * c..(3 + frames) * c];
            let mut hi = rows[..c].to_vec();
            let mut sum = vec![0f32; c];
            for row in rows.chunks_exact(c) {
                for ((h, s), &v) in hi.iter_mut().zip(&mut sum).zip(row) {
                    *h = h.max(v);
                    *s += v;
                }
            }
            for (h, s) in hi.into_iter().zip(sum) {
                pooled.push(h);
                pooled.push(s / frames as f32);
            }
        }
        for (c, v) in pooled.iter_mut().enumerate() {
            *v = self.pool_norm.at(c, *v);
        }
        let mut hidden = self.dense.forward(&pooled, 1);
        for (c, v) in hidden.iter_mut().enumerate() {
            *v = self.dense_norm.at(c, v.max(0.0));
        }
        hidden
    }

    /// The front end's `[frames + 6, 561]` output, three zero rows before and after (the
    /// mid end's padding).
    fn front_end(&self, patch: &[f32], frames: usize) -> Vec<f32> {
        // The normalised input with room for every block's time padding.
        let pad = self.front.iter().map(FrontConv::before).max().unwrap_or(0);
        let after = self
            .front
            .iter()
            .map(|b| b.kt - 1 - b.before())
            .max()
            .unwrap_or(0);
        let tp = pad + frames + after;
        let (mut xp, mut xt) = (vec![0f32; tp * N_MELS], vec![0f32; N_MELS * tp]);
        let (s, b) = self.input;
        for (t, row) in patch.chunks_exact(N_MELS).enumerate() {
            for (f, &v) in row.iter().enumerate() {
                let v = s * v + b;
                xp[(pad + t) * N_MELS + f] = v;
                xt[f * tp + pad + t] = v;
            }
        }
        let input = Input {
            frames,
            pad,
            xp,
            xt,
            tp,
        };
        let channels: usize = self.front.iter().map(|b| b.filters).sum();
        let mut out = vec![0f32; (frames + 6) * channels];
        let mut col0 = 0;
        for block in &self.front {
            block.forward(&input, &mut out[3 * channels..], channels, col0);
            col0 += block.filters;
        }
        out
    }

    /// The mid end's three `[frames + 6, 64]` outputs, padded as the front end's.
    fn mid_end(&self, front: &[f32], frames: usize) -> Vec<Vec<f32>> {
        let mut outs: Vec<Vec<f32>> = Vec::with_capacity(self.midend.len());
        for (i, layer) in self.midend.iter().enumerate() {
            let mut out = vec![0f32; (frames + 6) * layer.cout];
            let input = outs.last().map_or(front, Vec::as_slice);
            layer.forward(input, frames, &mut out, (i > 0).then_some(input));
            outs.push(out);
        }
        outs
    }
}

#[cfg(test)]
mod tests {
    use burn::prelude::*;

    use super::*;
    use crate::model::kernels::testing::{shake, spread};

    fn shaken_net(device: &Device) -> MusiCnn {
        let mut net = MusiCnn::new(device);
        shake(&mut net.input_norm, 10, device);
        for (i, b) in net
            .timbral
            .iter_mut()
            .chain(net.temporal.iter_mut())
            .enumerate()
        {
            shake(&mut b.norm, 20 + 10 * i as u64, device);
        }
        for (i, b) in net.midend.iter_mut().enumerate() {
            shake(&mut b.norm, 100 + 10 * i as u64, device);
        }
        shake(&mut net.pool_norm, 200, device);
        shake(&mut net.dense_norm, 210, device);
        net
    }

    #[test]
    fn logits_equal_the_burn_modules() {
        let device = Device::flex();
        let net = shaken_net(&device);
        let cpu = CpuNet::of(&net).unwrap();
        assert!(
            cpu.front
                .iter()
                .any(|b| b.norm.scale.iter().any(|&s| s < 0.0)),
            "the min-over-frequency path is exercised"
        );
        // Odd lengths: a single frame, fewer frames than the longest kernel's padding, a
        // patch, and one tile boundary off the regular tiles.
        for (frames, seed) in [(1, 1u64), (5, 2), (70, 3), (187, 4)] {
            let batch = 2;
            let x = spread(batch * frames * N_MELS, seed, -1.0, 4.0);
            let want = values(net.logits(Tensor::from_data(
                TensorData::new(x.clone(), [batch, frames, N_MELS]),
                &device,
            )))
            .unwrap();
            let patches: Vec<&[f32]> = x.chunks(frames * N_MELS).collect();
            let got: Vec<f32> = cpu.logits(&patches, frames).unwrap().concat();
            let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            eprintln!("{frames} frames: max |Δ| = {d:.2e} (largest logit {scale:.2})");
            assert!(
                d <= 1e-4 * scale,
                "{frames} frames: max |Δ| = {d} at scale {scale}"
            );
        }
    }

    #[test]
    fn patches_of_the_wrong_size_are_refused() {
        let cpu = CpuNet::of(&MusiCnn::new(&Device::flex())).unwrap();
        let short = vec![0f32; 10 * N_MELS - 1];
        let err = cpu.logits(&[&short], 10).unwrap_err().to_string();
        assert!(err.contains("expected 10 × 96"), "{err}");
    }
}
