//! Where a training step of the mel CNN (`Architecture::Cnn2d` for mel, batch 16) goes on the
//! burn backend flex, layer by layer and op by op, forward and backward: the breakdown behind
//! the README's training benchmark (issue #4): burn's own modules (the path every backend but
//! flex takes) against the fused flex kernels of `genrescope_core::model::fused` that
//! training on flex uses.
//!
//! usage (built as `scripts/test.sh` builds, so burn is not rebuilt):
//!   cargo build --release --workspace --exclude genrescope-web --all-targets
//!   RAYON_NUM_THREADS=2 "$CARGO_TARGET_DIR"/release/examples/train_ops
use std::time::Instant;

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::relu;
use genrescope_core::model::fused;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints the mean time of `reps` calls of `f` after one warm-up call.
fn time(label: &str, reps: usize, mut f: impl FnMut()) {
    f();
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    println!(
        "{label:<40} {:8.1} ms",
        t.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
}

fn main() {
    let dev = Device::flex().autodiff();
    dev.seed(1);
    let ch = [1, 8, 16, 32, 64];
    let (mut h, mut w) = (128, 603);
    for i in 0..4 {
        let (ci, co) = (ch[i], ch[i + 1]);
        let x = Tensor::<4>::random([16, ci, h, w], Distribution::Normal(0.0, 1.0), &dev);
        let x = if i == 0 { x } else { x.require_grad() };
        let conv = Conv2dConfig::new([ci, co], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .init(&dev);
        let bn = BatchNormConfig::new(co).init(&dev);
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        let l = format!("L{i} {ci}->{co} {h}x{w}");
        time(&format!("{l} conv fwd"), 3, || {
            let _ = conv.forward(x.clone()).sum().into_scalar::<f32>();
        });
        time(&format!("{l} conv fwd+bwd"), 3, || {
            let _ = conv.forward(x.clone()).sum().backward();
        });
        time(&format!("{l} fused conv fwd+bwd"), 3, || {
            let _ = fused::conv3x3_same(&conv, x.clone()).sum().backward();
        });
        let y = Tensor::<4>::random([16, co, h, w], Distribution::Normal(0.0, 1.0), &dev)
            .require_grad();
        time(&format!("{l} bn+relu fwd+bwd"), 3, || {
            let _ = relu(bn.forward(y.clone())).sum().backward();
        });
        time(&format!("{l} maxpool fwd+bwd"), 3, || {
            let _ = pool.forward(y.clone()).sum().backward();
        });
        time(&format!("{l} fused bn+relu+maxpool fwd+bwd"), 3, || {
            let _ = fused::batch_norm_relu_max_pool(&bn, [2, 2], y.clone())
                .sum()
                .backward();
        });
        time(&format!("{l} block, burn modules, fwd+bwd"), 3, || {
            let _ = pool
                .forward(relu(bn.forward(conv.forward(x.clone()))))
                .sum()
                .backward();
        });
        time(&format!("{l} block, fused, fwd+bwd"), 3, || {
            let _ = fused::block2d_train(&conv, &bn, &pool, x.clone())
                .sum()
                .backward();
        });
        time(&format!("{l} sum fwd+bwd (baseline)"), 3, || {
            let _ = y.clone().sum().backward();
        });
        h /= 2;
        w /= 2;
    }
}
