//! Fused training kernels for the 2-D CNN's blocks on burn's flex backend.
//!
//! A [`Cnn2dNet`](super::net::Cnn2dNet) block is 3×3 conv → batch norm → ReLU → max pool. On
//! flex, burn 0.22 trains it through burn-backend's generic code: the conv weight gradient is a
//! convolution of the input with the whole output gradient as its kernel, batch norm is a
//! composite of ~15 tensor passes with transposed copies, and ReLU and max pool each store and
//! scan their own tensors. That made training about half as fast as PyTorch on the same CPU.
//!
//! This module supplies two differentiable operations through burn's backend-extension
//! mechanism, with a hand-written backward pass each:
//! - [`TrainOps::conv3x3_same`]: forward, input gradient (the same convolution with the kernel
//!   turned half a turn) and weight gradient as im2col + GEMM per example (the `gemm` crate
//!   flex itself uses), the im2col a cache-sized tile of image rows at a time.
//! - [`TrainOps::batch_norm_relu_max_pool`]: batch statistics, normalisation, ReLU and max pool
//!   in two passes forward; two passes plus a scatter backward, recomputing the pooling choice
//!   from the saved conv output instead of storing indices.
//!
//! Only `Autodiff<Flex>` takes this path ([`applies`]); every other device (ndarray, wgpu,
//! inference anywhere, the browser) keeps burn's modules, and both paths compute the same
//! function — the tests compare them value by value. Every reduction runs in a fixed order, so
//! training stays deterministic for a seed.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::backend_extension;
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, DType, Dispatch, DispatchDevice, Flex, Shape, TensorMetadata};
use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool1d, MaxPool2d};
use burn::nn::{BatchNorm, PaddingConfig1d, PaddingConfig2d};
use burn::prelude::*;
use rayon::prelude::*;

use super::kernels::{View, conv3x3, gemm, im2col_tiles};

/// The block operations with a fused training implementation.
#[backend_extension(Flex, Autodiff)]
pub trait TrainOps: Backend {
    /// 3×3 convolution, stride 1, zero padding 1 on every side, with a bias:
    /// `x [b, c_in, h, w]`, `weight [c_out, c_in, 3, 3]`, `bias [c_out]` → `[b, c_out, h, w]`.
    fn conv3x3_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// Batch norm with the batch's own statistics (biased variance, as burn and PyTorch
    /// normalise), then ReLU, then max pool with kernel = stride = `pool`, no padding, floor:
    /// `x [b, c, h, w]` → `([b, c, h / pool[0], w / pool[1]], mean [c], variance [c])`.
    fn batch_norm_relu_max_pool(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        pool: [usize; 2],
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// The backward kernels behind [`TrainOps`]'s autodiff implementation.
pub trait TrainKernels: Backend {
    /// Gradients of [`TrainOps::conv3x3_same`]: `(input, weight, bias)`; the input's only
    /// when `input_grad` is asked for.
    fn conv3x3_same_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        input_grad: bool,
    ) -> (
        Option<FloatTensor<Self>>,
        FloatTensor<Self>,
        FloatTensor<Self>,
    );

    /// Gradients of [`TrainOps::batch_norm_relu_max_pool`]'s output: `(input, gamma, beta)`.
    #[allow(clippy::too_many_arguments)]
    fn batch_norm_relu_max_pool_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        pool: [usize; 2],
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// Whether [`block2d_train`] runs this block: training on flex ([`training_on_flex`]) and the
/// block and its input are the shapes the kernels are written for (at least one pooling window).
pub fn applies(conv: &Conv2d, norm: &BatchNorm, pool: &MaxPool2d, x: &Tensor<4>) -> bool {
    training_on_flex(norm, x.device(), x.dtype())
        && conv.kernel_size == [3, 3]
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.bias.is_some()
        && matches!(
            conv.padding,
            PaddingConfig2d::Same | PaddingConfig2d::Explicit(1, 1, 1, 1)
        )
        && pool.stride == pool.kernel_size
        && x.dims()[2] >= pool.kernel_size[0].max(1)
        && x.dims()[3] >= pool.kernel_size[1].max(1)
        && pool.dilation == [1, 1]
        && !pool.ceil_mode
        && matches!(pool.padding, PaddingConfig2d::Valid)
}

/// Whether [`batch_norm_relu_max_pool_1d`] runs after a 1-D block's convolution `z`.
pub fn applies_1d(norm: &BatchNorm, pool: Option<&MaxPool1d>, z: &Tensor<3>) -> bool {
    training_on_flex(norm, z.device(), z.dtype())
        && z.dims()[2] >= pool.map_or(1, |p| p.kernel_size.max(1))
        && pool.is_none_or(|p| {
            p.stride == p.kernel_size
                && p.dilation == 1
                && !p.ceil_mode
                && matches!(p.padding, PaddingConfig1d::Valid)
        })
}

/// Training (autodiff) on flex, in f32, with the batch norm not frozen.
fn training_on_flex(norm: &BatchNorm, device: Device, dtype: DType) -> bool {
    device.is_autodiff()
        && matches!(device.inner().as_dispatch(), DispatchDevice::Flex(_))
        && norm.training.is_enabled()
        && dtype == DType::F32
}

/// One block's training forward pass through the fused operations, updating the batch norm's
/// running statistics exactly as [`BatchNorm`] does in training. Call only where [`applies`].
pub fn block2d_train(conv: &Conv2d, norm: &BatchNorm, pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    batch_norm_relu_max_pool(norm, pool.kernel_size, conv3x3_same(conv, x))
}

/// A 1-D block's batch norm → ReLU → max pool (none: a pool of 1) through the same fused
/// operation, on `z [b, c, length]` seen as `[b, c, 1, length]`. Call only where
/// [`applies_1d`].
pub fn batch_norm_relu_max_pool_1d(
    norm: &BatchNorm,
    pool: Option<&MaxPool1d>,
    z: Tensor<3>,
) -> Tensor<3> {
    let [b, c, length] = z.dims();
    let k = pool.map_or(1, |p| p.kernel_size);
    batch_norm_relu_max_pool(norm, [1, k], z.reshape([b, c, 1, length])).reshape([b, c, length / k])
}

/// [`TrainOps::conv3x3_same`] with `conv`'s weight and bias (`conv` as [`applies`] wants it).
pub fn conv3x3_same(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let bias = conv.bias.as_ref().expect("a 3×3 conv with a bias").val();
    Tensor::from_dispatch(<Dispatch as TrainOps>::conv3x3_same(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.into_dispatch(),
    ))
}

/// [`TrainOps::batch_norm_relu_max_pool`] with `norm`'s parameters and a `pool` kernel (= its
/// stride), updating the running statistics exactly as [`BatchNorm`] does in training.
pub fn batch_norm_relu_max_pool(norm: &BatchNorm, pool: [usize; 2], z: Tensor<4>) -> Tensor<4> {
    let (y, mean, variance) = <Dispatch as TrainOps>::batch_norm_relu_max_pool(
        z.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        norm.epsilon,
        pool,
    );
    let y = Tensor::<4>::from_dispatch(y);
    let mean = Tensor::<1>::from_dispatch(mean);
    let variance = Tensor::<1>::from_dispatch(variance);

    let device = y.device();
    let m = norm.momentum;
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    let running_mean = running_mean
        .mul_scalar(1.0 - m)
        .add(mean.detach().mul_scalar(m));
    let running_var = running_var
        .mul_scalar(1.0 - m)
        .add(variance.detach().mul_scalar(m));
    norm.running_mean.update(running_mean.detach());
    norm.running_var.update(running_var.detach());
    y
}

// ---------------------------------------------------------------------------------------------
// Autodiff: the backward passes, generic over a backend that has the kernels (flex).

impl<B: TrainOps + TrainKernels, C: CheckpointStrategy> TrainOps for Autodiff<B, C> {
    fn conv3x3_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct Conv3x3Same;

        impl<B: TrainKernels> Backward<B, 3> for Conv3x3Same {
            type State = [NodeId; 2];

            fn backward(
                self,
                ops: Ops<Self::State, 3>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let parents = ops.parents.each_ref().map(|n| n.as_ref().map(|n| n.id));
                let grad = grads.consume::<B>(&ops.node);
                let [x, weight] = retrieve::<B, 2>(checkpointer, ops.state);
                let (x_grad, weight_grad, bias_grad) =
                    B::conv3x3_same_backward(x, weight, grad, parents[0].is_some());
                register::<B>(grads, parents, [x_grad, Some(weight_grad), Some(bias_grad)]);
            }
        }

        let nodes = [x.node(), weight.node(), bias.node()];
        match Conv3x3Same.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = [prep.checkpoint(&x), prep.checkpoint(&weight)];
                let z = B::conv3x3_same(
                    x.into_primitive(),
                    weight.into_primitive(),
                    bias.into_primitive(),
                );
                prep.finish(state, z)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::conv3x3_same(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
            )),
        }
    }

    fn batch_norm_relu_max_pool(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        pool: [usize; 2],
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        #[derive(Debug)]
        struct BatchNormReluMaxPool;

        type Stats<B> = (FloatTensor<B>, FloatTensor<B>);

        impl<B: TrainKernels> Backward<B, 3> for BatchNormReluMaxPool {
            type State = ([NodeId; 3], Stats<B>, f64, [usize; 2]);

            fn backward(
                self,
                ops: Ops<Self::State, 3>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let parents = ops.parents.each_ref().map(|n| n.as_ref().map(|n| n.id));
                let grad = grads.consume::<B>(&ops.node);
                let (saved, (mean, variance), epsilon, pool) = ops.state;
                let [x, gamma, beta] = retrieve::<B, 3>(checkpointer, saved);
                let (x_grad, gamma_grad, beta_grad) = B::batch_norm_relu_max_pool_backward(
                    x, gamma, beta, mean, variance, epsilon, pool, grad,
                );
                register::<B>(
                    grads,
                    parents,
                    [Some(x_grad), Some(gamma_grad), Some(beta_grad)],
                );
            }
        }

        let nodes = [x.node(), gamma.node(), beta.node()];
        let prepared = BatchNormReluMaxPool
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful();
        // Batch statistics leave the graph: `BatchNorm` detaches them too.
        let untracked = <FloatTensor<Self>>::new;
        match prepared {
            OpsKind::Tracked(mut prep) => {
                let saved = [&x, &gamma, &beta].map(|t| prep.checkpoint(t));
                let (y, mean, variance) = B::batch_norm_relu_max_pool(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.into_primitive(),
                    epsilon,
                    pool,
                );
                let state = (saved, (mean.clone(), variance.clone()), epsilon, pool);
                (prep.finish(state, y), untracked(mean), untracked(variance))
            }
            OpsKind::UnTracked(prep) => {
                let (y, mean, variance) = B::batch_norm_relu_max_pool(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.into_primitive(),
                    epsilon,
                    pool,
                );
                (prep.finish(y), untracked(mean), untracked(variance))
            }
        }
    }
}

/// The tensors saved for a backward pass.
fn retrieve<B: Backend, const N: usize>(
    checkpointer: &mut Checkpointer,
    saved: [NodeId; N],
) -> [FloatTensor<B>; N] {
    saved.map(|id| checkpointer.retrieve_node_output::<FloatTensor<B>>(id))
}

/// Hands each parent that takes part in the graph its gradient.
fn register<B: Backend>(
    grads: &mut Gradients,
    parents: [Option<NodeId>; 3],
    values: [Option<FloatTensor<B>>; 3],
) {
    for (node, grad) in parents.into_iter().zip(values) {
        if let (Some(node), Some(grad)) = (node, grad) {
            grads.register::<B>(node, grad);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Flex: the kernels.

/// A contiguous f32 copy-free view where possible.
fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("contiguous f32 tensor")
}

fn dims4(t: &FlexTensor) -> [usize; 4] {
    t.shape().dims()
}

fn from_vec(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

impl TrainOps for Flex {
    fn conv3x3_same(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let (x, weight, bias) = (contiguous(x), contiguous(weight), contiguous(bias));
        let [b, ci, h, w] = dims4(&x);
        let co = dims4(&weight)[0];
        let out = conv3x3(
            values(&x),
            [b, ci, h, w],
            values(&weight),
            values(&bias),
            co,
        );
        from_vec(out, [b, co, h, w])
    }

    fn batch_norm_relu_max_pool(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
        pool: [usize; 2],
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let x = contiguous(x);
        let [b, c, h, w] = dims4(&x);
        let (ho, wo) = (h / pool[0], w / pool[1]);
        let (mean, variance) = channel_stats(values(&x), b, c, h * w);
        // Rounded to f32 as they are returned, so the backward pass (which gets them back in
        // f32) recomputes the very same scale and shift, hence the same winners.
        let round = |v: Vec<f64>| v.into_iter().map(|v| v as f32 as f64).collect::<Vec<_>>();
        let (mean, variance) = (round(mean), round(variance));
        let (scale, shift) = affine(&mean, &variance, &gamma, &beta, epsilon);
        let xs = values(&x);
        let mut out = vec![0f32; b * c * ho * wo];
        out.par_chunks_mut(ho * wo)
            .enumerate()
            .for_each(|(plane, out)| {
                let ch = plane % c;
                let z = &xs[plane * h * w..(plane + 1) * h * w];
                let (s, t) = (scale[ch], shift[ch]);
                if !(s.is_finite() && t.is_finite()) {
                    // A NaN or infinity in the channel: say so as burn's modules would, rather
                    // than let `max` turn it into zeros.
                    out.fill(f32::NAN);
                    return;
                }
                for oy in 0..ho {
                    let row = &mut out[oy * wo..(oy + 1) * wo];
                    for (ox, o) in row.iter_mut().enumerate() {
                        let mut best = 0f32; // ReLU: the max of max(a, 0) is max(max a, 0)
                        for dy in 0..pool[0] {
                            let zr = &z[(oy * pool[0] + dy) * w + ox * pool[1]..][..pool[1]];
                            for &v in zr {
                                best = best.max(s * v + t);
                            }
                        }
                        *o = best;
                    }
                }
            });
        let to32 = |v: &[f64]| v.iter().map(|&v| v as f32).collect::<Vec<_>>();
        (
            from_vec(out, [b, c, ho, wo]),
            from_vec(to32(&mean), [c]),
            from_vec(to32(&variance), [c]),
        )
    }
}

/// Per-channel mean and biased variance of `[b, c, plane]` values, in f64, in a fixed order:
/// two passes (the mean, then squares about it), as burn does, so a mean far larger than the
/// spread costs no precision.
fn channel_stats(x: &[f32], b: usize, c: usize, plane: usize) -> (Vec<f64>, Vec<f64>) {
    // Per (example, channel) plane, summed per channel in index order.
    let per_channel = |partial: Vec<f64>| -> Vec<f64> {
        let n = (b * plane) as f64;
        (0..c)
            .map(|ch| (0..b).map(|bi| partial[bi * c + ch]).sum::<f64>() / n)
            .collect()
    };
    let plane_sum = |p: &[f32], shift: f32, square: bool| -> f64 {
        p.chunks(1024)
            .map(|chunk| {
                let (sum, squares) = sum_and_squares(chunk, shift);
                (if square { squares } else { sum }) as f64
            })
            .sum()
    };
    let sums = x
        .par_chunks(plane)
        .map(|p| plane_sum(p, 0.0, false))
        .collect();
    let mean = per_channel(sums);
    let squares = x
        .par_chunks(plane)
        .enumerate()
        .map(|(i, p)| plane_sum(p, mean[i % c] as f32, true))
        .collect();
    (mean, per_channel(squares))
}

/// Sum of `x` and sum of squares of `x − shift`, with eight independent lanes (so the compiler
/// vectorises it).
fn sum_and_squares(x: &[f32], shift: f32) -> (f32, f32) {
    let mut s = [0f32; 8];
    let mut q = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for ch in chunks {
        for l in 0..8 {
            s[l] += ch[l];
            q[l] += (ch[l] - shift) * (ch[l] - shift);
        }
    }
    let (mut st, mut qt) = (s.iter().sum::<f32>(), q.iter().sum::<f32>());
    for &v in rest {
        st += v;
        qt += (v - shift) * (v - shift);
    }
    (st, qt)
}

/// The batch norm as `scale · x + shift` per channel.
fn affine(
    mean: &[f64],
    variance: &[f64],
    gamma: &FlexTensor,
    beta: &FlexTensor,
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>) {
    let gamma = contiguous(gamma.clone());
    let beta = contiguous(beta.clone());
    let (gamma, beta) = (values(&gamma), values(&beta));
    mean.iter()
        .zip(variance)
        .enumerate()
        .map(|(ch, (&m, &v))| {
            let s = gamma[ch] as f64 / (v + epsilon).sqrt();
            (s as f32, (beta[ch] as f64 - m * s) as f32)
        })
        .unzip()
}

impl TrainKernels for Flex {
    fn conv3x3_same_backward(
        x: FlexTensor,
        weight: FlexTensor,
        grad: FlexTensor,
        input_grad: bool,
    ) -> (Option<FlexTensor>, FlexTensor, FlexTensor) {
        let (x, weight, grad) = (contiguous(x), contiguous(weight), contiguous(grad));
        let [b, ci, h, w] = dims4(&x);
        let co = dims4(&weight)[0];
        let (xs, gs) = (values(&x), values(&grad));
        let hw = h * w;
        let k = ci * 9;

        // Weight gradient: per example, gw += g [co, hw] · colᵀ [hw, ci·9].
        let partial: Vec<(Vec<f32>, Vec<f32>)> = (0..b)
            .into_par_iter()
            .map(|bi| {
                let xb = &xs[bi * ci * hw..(bi + 1) * ci * hw];
                let gb = &gs[bi * co * hw..(bi + 1) * co * hw];
                let mut gw = vec![0f32; co * k];
                // gw [co, k] += g[:, tile] [co, n] · colᵀ [n, k]
                im2col_tiles(xb, [ci, h, w], |start, n, col| {
                    let g_tile = View {
                        data: &gb[start..],
                        rs: hw,
                        cs: 1,
                    };
                    gemm(
                        (&mut gw, k),
                        g_tile,
                        View::transposed(col, n),
                        [co, k, n],
                        true,
                    );
                });
                let gbias = gb.chunks(hw).map(|p| sum_and_squares(p, 0.0).0).collect();
                (gw, gbias)
            })
            .collect();
        let mut gw = vec![0f32; co * k];
        let mut gbias = vec![0f32; co];
        for (pw, pb) in &partial {
            gw.iter_mut().zip(pw).for_each(|(a, v)| *a += v);
            gbias.iter_mut().zip(pb).for_each(|(a, v)| *a += v);
        }

        // Input gradient: the "full" correlation of the output gradient with the kernel turned
        // half a turn and its channels swapped — itself a 3×3 same convolution.
        let x_grad = input_grad.then(|| {
            let ws = values(&weight);
            let mut flipped = vec![0f32; ci * co * 9];
            for o in 0..co {
                for i in 0..ci {
                    for t in 0..9 {
                        flipped[(i * co + o) * 9 + 8 - t] = ws[(o * ci + i) * 9 + t];
                    }
                }
            }
            let zero = vec![0f32; ci];
            let gx = conv3x3(gs, [b, co, h, w], &flipped, &zero, ci);
            from_vec(gx, [b, ci, h, w])
        });
        (x_grad, from_vec(gw, [co, ci, 3, 3]), from_vec(gbias, [co]))
    }

    fn batch_norm_relu_max_pool_backward(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
        pool: [usize; 2],
        grad: FlexTensor,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let x = contiguous(x);
        let grad = contiguous(grad);
        let [b, c, h, w] = dims4(&x);
        let (ho, wo) = (h / pool[0], w / pool[1]);
        let mean: Vec<f64> = values(&contiguous(mean))
            .iter()
            .map(|&v| v as f64)
            .collect();
        let variance: Vec<f64> = values(&contiguous(variance))
            .iter()
            .map(|&v| v as f64)
            .collect();
        let (scale, shift) = affine(&mean, &variance, &gamma, &beta, epsilon);
        let inv_std: Vec<f32> = variance
            .iter()
            .map(|&v| (1.0 / (v + epsilon).sqrt()) as f32)
            .collect();
        let gamma = contiguous(gamma);
        let gammas = values(&gamma);
        let (xs, gs) = (values(&x), values(&grad));

        // Pass 1, per plane: where each window's gradient lands (the window's largest
        // pre-ReLU value, if positive), and the plane's sums of that gradient and of it times
        // the normalised input.
        const NONE: u32 = u32::MAX;
        let mut winners = vec![NONE; b * c * ho * wo];
        let sums: Vec<(f64, f64)> = winners
            .par_chunks_mut(ho * wo)
            .enumerate()
            .map(|(plane, winners)| {
                let ch = plane % c;
                let z = &xs[plane * h * w..(plane + 1) * h * w];
                let g = &gs[plane * ho * wo..(plane + 1) * ho * wo];
                let (s, t) = (scale[ch], shift[ch]);
                let (m, is) = (mean[ch] as f32, inv_std[ch]);
                let (mut sum_g, mut sum_gx) = (0f64, 0f64);
                for oy in 0..ho {
                    for ox in 0..wo {
                        let mut best = 0f32;
                        let mut at = NONE;
                        for dy in 0..pool[0] {
                            let start = (oy * pool[0] + dy) * w + ox * pool[1];
                            for (dx, &v) in z[start..start + pool[1]].iter().enumerate() {
                                let a = s * v + t;
                                if a > best {
                                    best = a;
                                    at = (start + dx) as u32;
                                }
                            }
                        }
                        let o = oy * wo + ox;
                        winners[o] = at;
                        if at != NONE {
                            let gv = g[o] as f64;
                            sum_g += gv;
                            sum_gx += gv * ((z[at as usize] - m) * is) as f64;
                        }
                    }
                }
                (sum_g, sum_gx)
            })
            .collect();
        let n = (b * h * w) as f64;
        let mut beta_grad = vec![0f64; c];
        let mut gamma_grad = vec![0f64; c];
        for (plane, &(sg, sgx)) in sums.iter().enumerate() {
            beta_grad[plane % c] += sg;
            gamma_grad[plane % c] += sgx;
        }

        // Pass 2: dL/dx = γ/σ · (dL/da − mean(dL/da) − x̂ · mean(dL/da · x̂)); the last two
        // terms are affine in x over the whole plane, dL/da adds at the winners only.
        let mut x_grad = vec![0f32; b * c * h * w];
        x_grad
            .par_chunks_mut(h * w)
            .enumerate()
            .for_each(|(plane, out)| {
                let ch = plane % c;
                let z = &xs[plane * h * w..(plane + 1) * h * w];
                let g = &gs[plane * ho * wo..(plane + 1) * ho * wo];
                let win = &winners[plane * ho * wo..(plane + 1) * ho * wo];
                let k = gammas[ch] as f64 * inv_std[ch] as f64;
                let m1 = beta_grad[ch] / n;
                let m2 = gamma_grad[ch] / n;
                // k · (−m1 − (x − μ)/σ · m2) = c0 + c1 · x
                let c1 = (-k * m2 * inv_std[ch] as f64) as f32;
                let c0 = (k * (-m1 + mean[ch] * inv_std[ch] as f64 * m2)) as f32;
                for (o, &v) in out.iter_mut().zip(z) {
                    *o = c0 + c1 * v;
                }
                let kf = k as f32;
                for (&at, &gv) in win.iter().zip(g) {
                    if at != NONE {
                        out[at as usize] += kf * gv;
                    }
                }
            });
        let to32 = |v: Vec<f64>| v.into_iter().map(|v| v as f32).collect::<Vec<_>>();
        (
            from_vec(x_grad, [b, c, h, w]),
            from_vec(to32(gamma_grad), [c]),
            from_vec(to32(beta_grad), [c]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::BatchNormConfig;
    use burn::nn::conv::Conv2dConfig;
    use burn::nn::pool::{MaxPool1dConfig, MaxPool2dConfig};
    use burn::tensor::activation::relu;

    /// Everything the fused block produces, for one path.
    struct Run {
        y: Vec<f32>,
        x_grad: Vec<f32>,
        weight_grad: Vec<f32>,
        bias_grad: Vec<f32>,
        gamma_grad: Vec<f32>,
        beta_grad: Vec<f32>,
        running: Vec<f32>,
    }

    fn vals<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Reproducible values in [-1, 1) (a linear congruential sequence).
    fn pseudo(n: usize, seed: u64) -> Vec<f32> {
        crate::model::kernels::testing::spread(n, seed, -1.0, 1.0)
    }

    fn tensor<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
        let n = shape.iter().product();
        Tensor::from_data(TensorData::new(pseudo(n, seed), shape), device)
    }

    /// A training batch norm with non-trivial gamma and beta, one gamma negative: the ReLU and
    /// pool choice must follow its sign.
    fn batch_norm(c: usize, device: &Device) -> BatchNorm {
        let mut norm = BatchNormConfig::new(c).init(device);
        let gamma: Vec<f32> = (0..c)
            .map(|i| if i == 1 { -0.7 } else { 0.5 + 0.3 * i as f32 })
            .collect();
        let beta: Vec<f32> = (0..c).map(|i| 0.2 * i as f32 - 0.3).collect();
        norm.gamma = norm
            .gamma
            .map(|_| Tensor::from_floats(gamma.as_slice(), device).require_grad());
        norm.beta = norm
            .beta
            .map(|_| Tensor::from_floats(beta.as_slice(), device).require_grad());
        norm
    }

    fn run(fused: bool, shape: [usize; 4], c_out: usize, pool: [usize; 2], offset: f32) -> Run {
        let device = Device::flex().autodiff();
        let mut conv = Conv2dConfig::new([shape[1], c_out], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        conv.weight = conv
            .weight
            .map(|_| tensor([c_out, shape[1], 3, 3], 1, &device).require_grad());
        conv.bias = conv
            .bias
            .map(|b| b.map(|_| tensor([c_out], 2, &device).require_grad()));
        let norm = batch_norm(c_out, &device);
        let max_pool = MaxPool2dConfig::new(pool).with_strides(pool).init();
        let x = tensor(shape, 3, &device).add_scalar(offset).require_grad();
        let [b, _, h, w] = shape;
        let r = tensor([b, c_out, h / pool[0], w / pool[1]], 4, &device);

        assert!(applies(&conv, &norm, &max_pool, &x));
        let y = if fused {
            block2d_train(&conv, &norm, &max_pool, x.clone())
        } else {
            max_pool.forward(relu(norm.forward(conv.forward(x.clone()))))
        };
        let grads = (y.clone() * r).sum().backward();
        let grad = |t: Tensor<1>| vals(t.grad(&grads).expect("a gradient"));
        let running = [
            vals(norm.running_mean.value_sync()),
            vals(norm.running_var.value_sync()),
        ]
        .concat();
        Run {
            y: vals(y),
            x_grad: vals(x.grad(&grads).expect("input gradient")),
            weight_grad: vals(conv.weight.val().grad(&grads).expect("weight gradient")),
            bias_grad: grad(conv.bias.as_ref().unwrap().val()),
            gamma_grad: grad(norm.gamma.val()),
            beta_grad: grad(norm.beta.val()),
            running,
        }
    }

    fn assert_close(name: &str, fused: &[f32], reference: &[f32], tol: f32) {
        assert_eq!(fused.len(), reference.len(), "{name}: lengths");
        let scale = reference.iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
        for (i, (a, b)) in fused.iter().zip(reference).enumerate() {
            assert!(
                (a - b).abs() <= tol * scale,
                "{name}[{i}]: fused {a} vs burn {b}"
            );
        }
    }

    /// The fused kernels against burn's own modules (conv, batch norm, ReLU, max pool through
    /// burn-autodiff and burn-backend's generic code) on the same weights and input.
    #[test]
    fn fused_block_equals_burn_modules() {
        for (shape, c_out, pool, offset) in [
            ([3, 2, 9, 13], 4, [2, 2], 0.3), // odd sizes: the pool drops a row and a column
            ([2, 1, 16, 20], 8, [2, 2], 0.3),
            ([2, 3, 1, 11], 5, [1, 2], 0.3), // one row left: no frequency pooling
            ([2, 4, 40, 200], 6, [2, 2], 0.3), // im2col in three tiles of rows (18, 18, 4)
            ([2, 2, 12, 16], 3, [2, 2], 300.0), // means far above the spread
        ] {
            let fused = run(true, shape, c_out, pool, offset);
            let burn = run(false, shape, c_out, pool, offset);
            let case = format!("{shape:?}→{c_out} pool {pool:?}");
            assert_close(&format!("{case} output"), &fused.y, &burn.y, 1e-5);
            assert_close(
                &format!("{case} input grad"),
                &fused.x_grad,
                &burn.x_grad,
                1e-4,
            );
            assert_close(
                &format!("{case} weight grad"),
                &fused.weight_grad,
                &burn.weight_grad,
                1e-4,
            );
            assert_close(
                &format!("{case} bias grad"),
                &fused.bias_grad,
                &burn.bias_grad,
                1e-4,
            );
            assert_close(
                &format!("{case} gamma grad"),
                &fused.gamma_grad,
                &burn.gamma_grad,
                1e-4,
            );
            assert_close(
                &format!("{case} beta grad"),
                &fused.beta_grad,
                &burn.beta_grad,
                1e-4,
            );
            assert_close(
                &format!("{case} running stats"),
                &fused.running,
                &burn.running,
                1e-5,
            );
            assert!(fused.y.iter().any(|&v| v > 0.0) && fused.gamma_grad.iter().any(|&v| v != 0.0));
        }
    }

    /// The 1-D blocks' batch norm → ReLU → max pool (4, or none) against burn's modules.
    #[test]
    fn fused_1d_norm_and_pool_equal_burn_modules() {
        for ([b, c, l], pool) in [([3, 4, 30], Some(4)), ([2, 3, 9], None)] {
            let [fused, burn] = [true, false].map(|fused| {
                let device = Device::flex().autodiff();
                let norm = batch_norm(c, &device);
                let pool = pool.map(|k| MaxPool1dConfig::new(k).init());
                let z = tensor([b, c, l], 5, &device).require_grad();
                assert!(applies_1d(&norm, pool.as_ref(), &z));
                let y = if fused {
                    batch_norm_relu_max_pool_1d(&norm, pool.as_ref(), z.clone())
                } else {
                    let y = relu(norm.forward(z.clone()));
                    pool.as_ref().map_or(y.clone(), |p| p.forward(y))
                };
                let r = tensor(y.dims(), 6, &device);
                let grads = (y.clone() * r).sum().backward();
                let grad = |t: Tensor<1>| vals(t.grad(&grads).expect("a gradient"));
                [
                    vals(y),
                    vals(z.grad(&grads).expect("input gradient")),
                    grad(norm.gamma.val()),
                    grad(norm.beta.val()),
                ]
            });
            for (what, (f, r)) in ["output", "input grad", "gamma grad", "beta grad"]
                .iter()
                .zip(fused.iter().zip(&burn))
            {
                assert_close(
                    &format!("1-D {:?} pool {pool:?} {what}", [b, c, l]),
                    f,
                    r,
                    1e-4,
                );
            }
        }
    }

    /// Only training on flex takes the fused path.
    #[test]
    fn applies_only_to_training_on_flex() {
        let device = Device::flex();
        let conv = Conv2dConfig::new([1, 2], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        let norm = BatchNormConfig::new(2).init(&device);
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        let x = Tensor::<4>::zeros([1, 1, 4, 4], &device);
        assert!(!applies(&conv, &norm, &pool, &x), "inference device");
        let x = Tensor::<4>::zeros([1, 1, 4, 4], &device.clone().autodiff());
        assert!(applies(&conv, &norm, &pool, &x));
        let valid = Conv2dConfig::new([1, 2], [3, 3]).init(&device);
        assert!(!applies(&valid, &norm, &pool, &x), "valid padding");
        let overlapping = MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).init();
        assert!(!applies(&conv, &norm, &overlapping, &x), "overlapping pool");
        let one_row = Tensor::<4>::zeros([1, 1, 1, 4], &device.clone().autodiff());
        assert!(
            !applies(&conv, &norm, &pool, &one_row),
            "smaller than the pool"
        );
    }

    /// A NaN in the input shows as NaN, not as the zeros `max` would make of it.
    #[test]
    fn a_nan_input_gives_nan_outputs() {
        let device = Device::flex().autodiff();
        let conv = Conv2dConfig::new([1, 2], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        let norm = BatchNormConfig::new(2).init(&device);
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        let mut values = pseudo(2 * 6 * 8, 9);
        values[17] = f32::NAN;
        let x = Tensor::<4>::from_data(TensorData::new(values, [2, 1, 6, 8]), &device);
        let y = vals(block2d_train(&conv, &norm, &pool, x));
        assert!(y.iter().all(|v| v.is_nan()), "{y:?}");
    }
}
