//! CPU building blocks shared by the inference kernels ([`crate::musicnn::cpu`]) and the fused
//! training kernels: one checked way into the `gemm` crate (the GEMM flex itself uses, with
//! its AVX-512 kernels picked at run time natively and its simd128 kernels in the browser),
//! batch norm in evaluation mode as a per-channel affine map, weights read off a burn module,
//! and a loop over independent items that runs on every core natively and in order in wasm.

use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;

use crate::error::Result;

/// A read-only matrix view: element `(i, j)` is `data[i · rs + j · cs]`. Strides may overlap
/// (an im2col of a signal is a view with `rs = cs = 1`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    pub data: &'a [f32],
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl<'a> View<'a> {
    /// A contiguous row-major matrix of `cols` columns.
    pub fn rows(data: &'a [f32], cols: usize) -> Self {
        View {
            data,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose of a contiguous row-major matrix of `cols` columns: a `[k, n]` operand
    /// stored as `[n, k]` (burn's conv weights `[out, in · kernel]`).
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        View {
            data,
            rs: 1,
            cs: cols,
        }
    }

    /// Whether a `rows × cols` matrix read through this view stays inside `data`.
    fn fits(&self, rows: usize, cols: usize) -> bool {
        rows == 0 || cols == 0 || (rows - 1) * self.rs + (cols - 1) * self.cs < self.data.len()
    }
}

/// `dst [m, n] = lhs [m, k] · rhs [k, n]`, or `dst += …` when `accumulate`, on the calling
/// thread; `dst` is row-major with row stride `dst_rs` (a column block of a wider matrix).
#[allow(unsafe_code)]
pub(crate) fn gemm(
    (dst, dst_rs): (&mut [f32], usize),
    lhs: View,
    rhs: View,
    [m, n, k]: [usize; 3],
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        dst_rs >= n && dst.len() >= (m - 1) * dst_rs + n,
        "gemm: dst too small"
    );
    if k == 0 {
        if !accumulate {
            for row in dst.chunks_mut(dst_rs).take(m) {
                row[..n].fill(0.0);
            }
        }
        return;
    }
    assert!(lhs.fits(m, k), "gemm: lhs [{m}, {k}] outside its buffer");
    assert!(rhs.fits(k, n), "gemm: rhs [{k}, {n}] outside its buffer");
    // SAFETY: dst is written at i · dst_rs + j (< its length by the assert), lhs read at
    // i · rs + p · cs and rhs at p · rs + j · cs for i < m, p < k, j < n, all inside their
    // slices by `fits`; dst does not alias lhs or rhs (a `&mut` and two `&`).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Batch norm in evaluation mode as `y = scale · x + shift` per channel, from its running
/// statistics: `scale = γ / √(var + ε)`, `shift = β − mean · scale`.
#[derive(Clone, Debug)]
pub(crate) struct Affine {
    pub scale: Vec<f32>,
    pub shift: Vec<f32>,
}

impl Affine {
    pub fn of(norm: &BatchNorm) -> Result<Affine> {
        let gamma = values(norm.gamma.val())?;
        let beta = values(norm.beta.val())?;
        let mean = values(norm.running_mean.value())?;
        let var = values(norm.running_var.value())?;
        let (scale, shift) = gamma
            .iter()
            .zip(&beta)
            .zip(mean.iter().zip(&var))
            .map(|((&g, &b), (&m, &v))| {
                let s = (f64::from(g) / (f64::from(v) + norm.epsilon).sqrt()) as f32;
                (s, b - m * s)
            })
            .unzip();
        Ok(Affine { scale, shift })
    }

    /// The map of channel `c`.
    #[inline]
    pub fn at(&self, c: usize, x: f32) -> f32 {
        self.scale[c] * x + self.shift[c]
    }
}

/// A dense layer: `weight [in, out]` row-major (burn's `Linear` layout) and `bias [out]`.
#[derive(Clone, Debug)]
pub(crate) struct Dense {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub inputs: usize,
    pub outputs: usize,
}

impl Dense {
    pub fn of(linear: &Linear) -> Result<Dense> {
        let [inputs, outputs] = linear.weight.shape().dims();
        Ok(Dense {
            weight: values(linear.weight.val())?,
            bias: bias(linear.bias.as_ref().map(|b| b.val()), outputs)?,
            inputs,
            outputs,
        })
    }

    /// `y [rows, out] = x [rows, in] · weight + bias`.
    pub fn forward(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut y: Vec<f32> = self.bias.repeat(rows);
        gemm(
            (&mut y, self.outputs),
            View::rows(x, self.inputs),
            View::rows(&self.weight, self.outputs),
            [rows, self.outputs, self.inputs],
            true,
        );
        y
    }
}

/// A tensor's values (row-major), read synchronously (flex, or any native device).
pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    let device = t.device();
    crate::model::blocking(&device, crate::model::read_f32(t, "weights"))
}

/// A layer's bias, or zeros when it has none.
pub(crate) fn bias(b: Option<Tensor<1>>, n: usize) -> Result<Vec<f32>> {
    b.map_or_else(|| Ok(vec![0.0; n]), values)
}

/// `f(i, chunk)` for the `i`-th chunk of `size` items of `items`, on every core natively
/// (rayon) and in order in wasm, where a worker has one thread.
pub(crate) fn for_each_chunk<T: Send>(
    items: &mut [T],
    size: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        items
            .par_chunks_mut(size)
            .enumerate()
            .for_each(|(i, chunk)| f(i, chunk));
    }
    #[cfg(target_arch = "wasm32")]
    for (i, chunk) in items.chunks_mut(size).enumerate() {
        f(i, chunk);
    }
}

/// im2col of `x [ci, h, w]` a tile of image rows at a time, each tile about 128 K values
/// (512 KB) so it is still in cache when `f` multiplies it: `f(first position, positions,
/// col [ci · 9, positions])`.
pub(crate) fn im2col_tiles(
    x: &[f32],
    [ci, h, w]: [usize; 3],
    mut f: impl FnMut(usize, usize, &[f32]),
) {
    let k = ci * 9;
    let rows = ((128 << 10) / (k * w)).max(1);
    let mut col = vec![0f32; k * rows * w];
    for y0 in (0..h).step_by(rows) {
        let y1 = (y0 + rows).min(h);
        let n = (y1 - y0) * w;
        im2col_3x3_rows(x, [ci, h, w], y0..y1, &mut col[..k * n]);
        f(y0 * w, n, &col[..k * n]);
    }
}

/// 3×3 "same" convolution of `x [b, ci, h, w]` with `weight [co, ci·9]` plus `bias [co]`:
/// per example (in parallel), `out [co, h·w] = bias + weight · im2col(x)`, one tile of image
/// rows at a time.
pub(crate) fn conv3x3(
    x: &[f32],
    [b, ci, h, w]: [usize; 4],
    weight: &[f32],
    bias: &[f32],
    co: usize,
) -> Vec<f32> {
    let (hw, k) = (h * w, ci * 9);
    let mut out = vec![0f32; b * co * hw];
    for_each_chunk(&mut out, co * hw, |bi, ob| {
        let xb = &x[bi * ci * hw..(bi + 1) * ci * hw];
        for (row, &bv) in ob.chunks_mut(hw).zip(bias) {
            row.fill(bv);
        }
        im2col_tiles(xb, [ci, h, w], |start, n, col| {
            gemm(
                (&mut ob[start..], hw),
                View::rows(weight, k),
                View::rows(col, n),
                [co, n, k],
                true,
            );
        });
    });
    out
}

/// Image rows `rows` of im2col of `x [ci, h, w]` into `col [ci · 9, rows.len() · w]`: row
/// `(i, ky, kx)` holds channel `i` shifted by `(ky − 1, kx − 1)`, zero outside the image.
fn im2col_3x3_rows(
    x: &[f32],
    [ci, h, w]: [usize; 3],
    rows: std::ops::Range<usize>,
    col: &mut [f32],
) {
    let n = rows.len() * w;
    for i in 0..ci {
        let plane = &x[i * h * w..(i + 1) * h * w];
        for ky in 0..3 {
            for kx in 0..3 {
                let out = &mut col[(i * 9 + ky * 3 + kx) * n..][..n];
                for (r, y) in rows.clone().enumerate() {
                    let dst = &mut out[r * w..][..w];
                    // Source row y + ky − 1, in padded coordinates y + ky.
                    if y + ky == 0 || y + ky > h {
                        dst.fill(0.0);
                        continue;
                    }
                    let src = &plane[(y + ky - 1) * w..][..w];
                    match kx {
                        0 => {
                            dst[0] = 0.0;
                            dst[1..].copy_from_slice(&src[..w - 1]);
                        }
                        1 => dst.copy_from_slice(src),
                        _ => {
                            dst[..w - 1].copy_from_slice(&src[1..]);
                            dst[w - 1] = 0.0;
                        }
                    }
                }
            }
        }
    }
}

/// Deterministic values and batch-norm statistics for the kernels' tests (no RNG: the same
/// every run).
#[cfg(test)]
pub(crate) mod testing {
    use burn::module::{Param, RunningState};
    use burn::nn::BatchNorm;
    use burn::prelude::*;

    /// `n` values in `[lo, hi)` from a linear congruential sequence seeded by `seed`.
    pub fn spread(n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
        let step = |s: u64| {
            s.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
        };
        let mut s = step(seed);
        (0..n)
            .map(|_| {
                s = step(s);
                lo + (hi - lo) * ((s >> 40) as f32 / (1u64 << 24) as f32)
            })
            .collect()
    }

    /// Running statistics and affine parameters away from their defaults, negative gammas
    /// among them.
    pub fn shake(norm: &mut BatchNorm, seed: u64, device: &Device) {
        let [n] = norm.gamma.shape().dims();
        let t = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [n]), device);
        norm.gamma = Param::from_tensor(t(spread(n, seed, -1.5, 1.5)));
        norm.beta = Param::from_tensor(t(spread(n, seed + 1, -0.5, 0.5)));
        norm.running_mean = RunningState::new(t(spread(n, seed + 2, -0.3, 0.3)));
        norm.running_var = RunningState::new(t(spread(n, seed + 3, 0.2, 2.0)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_reads_strided_views_and_accumulates() {
        // lhs [2, 3] as an overlapping view of a signal: rows start 1 apart.
        let signal = [1.0, 2.0, 3.0, 4.0];
        let lhs = View {
            data: &signal,
            rs: 1,
            cs: 1,
        };
        // rhs [3, 2] stored transposed as [2, 3].
        let rhs_t = [1.0, 0.0, -1.0, 0.5, 0.5, 0.5];
        let mut dst = [10.0, 20.0, 99.0, 30.0, 40.0, 99.0];
        gemm(
            (&mut dst, 3),
            lhs,
            View::transposed(&rhs_t, 3),
            [2, 2, 3],
            true,
        );
        // [1 2 3]·[1 0 −1] = −2, ·[.5 .5 .5] = 3; [2 3 4] → −2, 4.5.
        assert_eq!(dst, [8.0, 23.0, 99.0, 28.0, 44.5, 99.0]);
        gemm(
            (&mut dst, 3),
            lhs,
            View::transposed(&rhs_t, 3),
            [2, 2, 3],
            false,
        );
        assert_eq!(dst, [-2.0, 3.0, 99.0, -2.0, 4.5, 99.0]);
    }

    #[test]
    #[should_panic(expected = "outside its buffer")]
    fn gemm_refuses_a_view_past_its_buffer() {
        let a = [0.0f32; 5];
        let mut dst = [0.0f32; 4];
        gemm(
            (&mut dst, 2),
            View::rows(&a, 3),
            View::rows(&a, 2),
            [2, 2, 3],
            false,
        );
    }
}
