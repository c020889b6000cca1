//! Training throughput of the mel CNN on burn flex: the model `genrescope train` builds for
//! `mel` (128 × 603), Adam, batches of 16 random normal inputs, 8 genres. Printed as
//! `samples/s <x>`, the same line `tools/bench/torch_train.py` prints for PyTorch;
//! `tools/bench/train.sh` runs the two side by side.
//!
//! usage: cargo bench -p genrescope --bench train_throughput -- [steps]

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use clap::ValueEnum;
use genrescope::device::Backend;
use genrescope::device::device;
use genrescope_core::Feature;
use genrescope_core::model::{Architecture, GenreModel};

// As in the `genrescope` binary: the activations are larger than glibc's mmap threshold.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 16;
const CLASSES: usize = 8;

fn main() {
    let steps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    // GENRESCOPE_BENCH_BACKEND=ndarray|wgpu measures another backend (built with the trainer's
    // feature of that name), on the device `genrescope train --backend` would use.
    let backend = std::env::var("GENRESCOPE_BENCH_BACKEND")
        .map(|name| Backend::from_str(&name, true).expect("flex, ndarray or wgpu"))
        .unwrap_or(Backend::Flex);
    let dev = device(backend)
        .unwrap_or_else(|e| panic!("{e:#}"))
        .autodiff();
    dev.seed(42);
    let arch = Architecture::for_feature(Feature::Mel, &[128, 603]);
    let mut model = arch.init(CLASSES, &dev);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&dev);
    let x = Tensor::<2>::random(
        [BATCH, arch.input_len()],
        Distribution::Normal(0.0, 1.0),
        &dev,
    );
    let y = Tensor::<1, Int>::random([BATCH], Distribution::Uniform(0.0, CLASSES as f64), &dev);
    let mut step = |model: GenreModel| -> GenreModel {
        let loss = loss_fn.forward(model.forward(x.clone()), y.clone());
        let _: f32 = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        optim.step(1e-3, model, grads)
    };
    model = step(model); // warm-up
    let start = Instant::now();
    for _ in 0..steps {
        model = step(model);
    }
    let secs = start.elapsed().as_secs_f64();
    let _ = model.valid();
    println!("samples/s {:.2}", (steps * BATCH) as f64 / secs);
}
