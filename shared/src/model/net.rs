//! The genre networks: one definition, trained natively and run in the browser.
//!
//! [`Architecture`] is the serialisable description stored in a bundle's manifest;
//! [`Architecture::init`] builds the [`GenreModel`] whose weights a `.bpk` file holds. Every
//! model reads a batch of prepared, normalised inputs flattened to `[batch, values]` and returns
//! logits `[batch, classes]`.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d,
    PaddingConfig2d,
};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::features::{Feature, ModelFamily};

/// Dropout before each classifier layer.
const DROPOUT: f64 = 0.3;

/// A network's layout: enough to rebuild it before loading its weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Architecture {
    /// A 2-D CNN over a `(rows, frames)` time–frequency input: 3×3 conv → batch norm → ReLU →
    /// 2×2 max pool per block (no frequency pooling once a single row is left), global average,
    /// dropout, linear.
    Cnn2d {
        /// Frequency rows of the input.
        rows: usize,
        /// Frames of the input.
        frames: usize,
        /// Output channels of each block.
        channels: Vec<usize>,
    },
    /// A 1-D CNN over `(in_channels, length)`: a strided stem convolution, then blocks of
    /// conv (kernel 5) → batch norm → ReLU → max pool 4 (while long enough), global average,
    /// dropout, linear.
    Cnn1d {
        /// Input channels (1 for the waveform, the feature's rows for the spectral extras).
        in_channels: usize,
        /// Input length (samples or frames).
        length: usize,
        /// Kernel of the stem convolution.
        stem_kernel: usize,
        /// Stride of the stem convolution.
        stem_stride: usize,
        /// Output channels of the stem and of each later block.
        channels: Vec<usize>,
    },
    /// A multi-layer perceptron: linear → ReLU → dropout per hidden layer, then linear.
    Mlp {
        /// Input values.
        inputs: usize,
        /// Width of each hidden layer.
        hidden: Vec<usize>,
    },
}

impl Architecture {
    /// The architecture Genrescope trains for `feature` on a prepared input of `input_shape`:
    /// the family its row of the feature table names, sized to the input.
    pub fn for_feature(feature: Feature, input_shape: &[usize]) -> Architecture {
        Architecture::for_family(feature.spec().model, input_shape)
    }

    /// The architecture of `family` for a prepared input of `input_shape` (`(length,)` for the
    /// waveform and the MLP, `(rows, frames)` for the others).
    pub fn for_family(family: ModelFamily, input_shape: &[usize]) -> Architecture {
        match family {
            ModelFamily::WaveformCnn => Architecture::Cnn1d {
                in_channels: 1,
                length: input_shape[0],
                stem_kernel: 64,
                stem_stride: 16,
                channels: vec![16, 32, 64, 64],
            },
            ModelFamily::Mlp => Architecture::Mlp {
                inputs: input_shape[0],
                hidden: vec![128, 64],
            },
            ModelFamily::FrameCnn => Architecture::Cnn1d {
                in_channels: input_shape[0],
                length: input_shape[1],
                stem_kernel: 5,
                stem_stride: 1,
                channels: vec![16, 32, 32],
            },
            ModelFamily::Cnn2d => Architecture::Cnn2d {
                rows: input_shape[0],
                frames: input_shape[1],
                channels: vec![8, 16, 32, 64],
            },
        }
    }

    /// Short name for logs and the manifest: `cnn2d`, `cnn1d`, `mlp`.
    pub fn kind(&self) -> &'static str {
        match self {
            Architecture::Cnn2d { .. } => "cnn2d",
            Architecture::Cnn1d { .. } => "cnn1d",
            Architecture::Mlp { .. } => "mlp",
        }
    }

    /// Why a manifest's architecture cannot be built, if it cannot: a size of 0, or a stem
    /// stride of 0 or longer than its kernel (found by fuzzing: a division by zero).
    pub fn check(&self) -> std::result::Result<(), String> {
        let sizes: Vec<(&str, usize)> = match self {
            Architecture::Cnn2d {
                rows,
                frames,
                channels,
            } => [("rows", *rows), ("frames", *frames)]
                .into_iter()
                .chain(channels.iter().map(|&c| ("a block's channels", c)))
                .collect(),
            Architecture::Cnn1d {
                in_channels,
                length,
                stem_kernel,
                stem_stride,
                channels,
            } => {
                if stem_stride > stem_kernel {
                    return Err(format!(
                        "stem_stride {stem_stride} is longer than stem_kernel {stem_kernel}"
                    ));
                }
                [
                    ("in_channels", *in_channels),
                    ("length", *length),
                    ("stem_kernel", *stem_kernel),
                    ("stem_stride", *stem_stride),
                ]
                .into_iter()
                .chain(channels.iter().map(|&c| ("a block's channels", c)))
                .collect()
            }
            Architecture::Mlp { inputs, hidden } => std::iter::once(("inputs", *inputs))
                .chain(hidden.iter().map(|&h| ("a hidden layer's width", h)))
                .collect(),
        };
        match sizes.iter().find(|(_, v)| *v == 0) {
            Some((name, _)) => Err(format!("{name} is 0")),
            None => Ok(()),
        }
    }

    /// Number of input values the model reads per example.
    pub fn input_len(&self) -> usize {
        match self {
            Architecture::Cnn2d { rows, frames, .. } => rows * frames,
            Architecture::Cnn1d {
                in_channels,
                length,
                ..
            } => in_channels * length,
            Architecture::Mlp { inputs, .. } => *inputs,
        }
    }

    /// Builds the network with fresh weights on `device` (seed the device first for
    /// reproducible weights).
    pub fn init(&self, classes: usize, device: &Device) -> GenreModel {
        match self {
            Architecture::Cnn2d {
                rows,
                frames,
                channels,
            } => GenreModel::Cnn2d(Cnn2dNet::new(*rows, *frames, channels, classes, device)),
            Architecture::Cnn1d {
                in_channels,
                length,
                stem_kernel,
                stem_stride,
                channels,
            } => GenreModel::Cnn1d(Cnn1dNet::new(
                *in_channels,
                *length,
                (*stem_kernel, *stem_stride),
                channels,
                classes,
                device,
            )),
            Architecture::Mlp { inputs, hidden } => {
                GenreModel::Mlp(MlpNet::new(*inputs, hidden, classes, device))
            }
        }
    }
}

/// Any of Genrescope's genre networks.
#[derive(Module, Debug)]
pub enum GenreModel {
    /// See [`Architecture::Cnn2d`].
    Cnn2d(Cnn2dNet),
    /// See [`Architecture::Cnn1d`].
    Cnn1d(Cnn1dNet),
    /// See [`Architecture::Mlp`].
    Mlp(MlpNet),
}

impl GenreModel {
    /// Logits `[batch, classes]` for prepared inputs `[batch, values]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            GenreModel::Cnn2d(m) => m.forward(x),
            GenreModel::Cnn1d(m) => m.forward(x),
            GenreModel::Mlp(m) => m.forward(x),
        }
    }
}

/// conv 3×3 → batch norm → ReLU → max pool.
#[derive(Module, Debug)]
pub struct Block2d {
    pub(crate) conv: Conv2d,
    pub(crate) norm: BatchNorm,
    pub(crate) pool: MaxPool2d,
}

impl Block2d {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        #[cfg(feature = "train")]
        if super::fused::applies(&self.conv, &self.norm, &self.pool, &x) {
            return super::fused::block2d_train(&self.conv, &self.norm, &self.pool, x);
        }
        self.pool
            .forward(relu(self.norm.forward(self.conv.forward(x))))
    }
}

/// See [`Architecture::Cnn2d`].
#[derive(Module, Debug)]
pub struct Cnn2dNet {
    pub(crate) blocks: Vec<Block2d>,
    pub(crate) dropout: Dropout,
    pub(crate) head: Linear,
    pub(crate) rows: usize,
    pub(crate) frames: usize,
}

impl Cnn2dNet {
    fn new(
        rows: usize,
        frames: usize,
        channels: &[usize],
        classes: usize,
        device: &Device,
    ) -> Self {
        let (mut h, mut w, mut c_in) = (rows, frames, 1);
        let mut blocks = Vec::new();
        for &c in channels {
            let (ph, pw) = (if h >= 2 { 2 } else { 1 }, if w >= 2 { 2 } else { 1 });
            blocks.push(Block2d {
                conv: Conv2dConfig::new([c_in, c], [3, 3])
                    .with_padding(PaddingConfig2d::Same)
                    .init(device),
                norm: BatchNormConfig::new(c).init(device),
                pool: MaxPool2dConfig::new([ph, pw]).with_strides([ph, pw]).init(),
            });
            (h, w, c_in) = (h / ph, w / pw, c);
        }
        Cnn2dNet {
            blocks,
            dropout: DropoutConfig::new(DROPOUT).init(),
            head: LinearConfig::new(c_in, classes).init(device),
            rows,
            frames,
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let mut x = x.reshape([b, 1, self.rows, self.frames]);
        for block in &self.blocks {
            x = block.forward(x);
        }
        // Global average over frequency and time: [b, c, h, w] → [b, c].
        let x = x.flatten::<3>(2, 3).mean_dim(2).flatten::<2>(1, 2);
        self.head.forward(self.dropout.forward(x))
    }
}

/// conv → batch norm → ReLU → max pool (or no pool).
#[derive(Module, Debug)]
pub struct Block1d {
    pub(crate) conv: Conv1d,
    pub(crate) norm: BatchNorm,
    pub(crate) pool: Option<MaxPool1d>,
}

impl Block1d {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let z = self.conv.forward(x);
        #[cfg(feature = "train")]
        if super::fused::applies_1d(&self.norm, self.pool.as_ref(), &z) {
            return super::fused::batch_norm_relu_max_pool_1d(&self.norm, self.pool.as_ref(), z);
        }
        let x = relu(self.norm.forward(z));
        match &self.pool {
            Some(p) => p.forward(x),
            None => x,
        }
    }
}

/// See [`Architecture::Cnn1d`].
#[derive(Module, Debug)]
pub struct Cnn1dNet {
    pub(crate) blocks: Vec<Block1d>,
    pub(crate) dropout: Dropout,
    pub(crate) head: Linear,
    pub(crate) in_channels: usize,
    pub(crate) length: usize,
}

impl Cnn1dNet {
    fn new(
        in_channels: usize,
        length: usize,
        (stem_kernel, stem_stride): (usize, usize),
        channels: &[usize],
        classes: usize,
        device: &Device,
    ) -> Self {
        let (mut len, mut c_in) = (length, in_channels);
        let mut blocks = Vec::new();
        for (i, &c) in channels.iter().enumerate() {
            let (k, s) = if i == 0 {
                (stem_kernel, stem_stride)
            } else {
                (5, 1)
            };
            let conv = Conv1dConfig::new(c_in, c, k).with_stride(s);
            let conv = if s == 1 {
                conv.with_padding(PaddingConfig1d::Same)
            } else {
                conv.with_padding(PaddingConfig1d::Explicit((k - s) / 2, (k - s) / 2))
            };
            len = if s == 1 {
                len
            } else {
                (len + (k - s) - k) / s + 1
            };
            let pool = (len >= 8).then(|| MaxPool1dConfig::new(4).init());
            if pool.is_some() {
                len /= 4;
            }
            blocks.push(Block1d {
                conv: conv.init(device),
                norm: BatchNormConfig::new(c).init(device),
                pool,
            });
            c_in = c;
        }
        Cnn1dNet {
            blocks,
            dropout: DropoutConfig::new(DROPOUT).init(),
            head: LinearConfig::new(c_in, classes).init(device),
            in_channels,
            length,
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let mut x = x.reshape([b, self.in_channels, self.length]);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = x.mean_dim(2).flatten::<2>(1, 2);
        self.head.forward(self.dropout.forward(x))
    }
}

/// See [`Architecture::Mlp`].
#[derive(Module, Debug)]
pub struct MlpNet {
    pub(crate) layers: Vec<Linear>,
    pub(crate) dropout: Dropout,
    pub(crate) head: Linear,
}

impl MlpNet {
    fn new(inputs: usize, hidden: &[usize], classes: usize, device: &Device) -> Self {
        let mut layers = Vec::new();
        let mut n = inputs;
        for &h in hidden {
            layers.push(LinearConfig::new(n, h).init(device));
            n = h;
        }
        MlpNet {
            layers,
            dropout: DropoutConfig::new(DROPOUT).init(),
            head: LinearConfig::new(n, classes).init(device),
        }
    }

    fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        for layer in &self.layers {
            x = self.dropout.forward(relu(layer.forward(x)));
        }
        self.head.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::Architecture;

    /// fuzz/bundle, 2026-12-07: a manifest's Cnn1d with `stem_stride: 0` divided by zero while
    /// the network was built.
    #[test]
    fn an_architecture_that_cannot_be_built_says_why() {
        let cnn1d = |stem_kernel, stem_stride| Architecture::Cnn1d {
            in_channels: 1,
            length: 1000,
            stem_kernel,
            stem_stride,
            channels: vec![8, 16],
        };
        assert_eq!(cnn1d(8, 4).check(), Ok(()));
        assert_eq!(cnn1d(8, 0).check(), Err("stem_stride is 0".into()));
        assert_eq!(
            cnn1d(4, 8).check(),
            Err("stem_stride 8 is longer than stem_kernel 4".into())
        );
        let mlp = Architecture::Mlp {
            inputs: 40,
            hidden: vec![32, 0],
        };
        assert_eq!(mlp.check(), Err("a hidden layer's width is 0".into()));
    }
}
