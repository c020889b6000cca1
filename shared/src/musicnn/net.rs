//! The MusiCNN network in burn, laid out as `musicnn.models.build_musicnn` builds it
//! (`num_filt_frontend=1.6`, `num_filt_midend=64`, `num_units_backend=200`, the same for both
//! models), and [`Tagger`], which runs it over a signal.
//!
//! TensorFlow's layout is `[batch, time, freq, channel]`; here the patch is `[batch, 1, time,
//! freq]` for the front end and `[batch, channel, time]` afterwards. The front end's
//! convolutions span whole frequency ranges and are max-pooled over frequency, so every
//! later layer is a 1-D convolution over time (the original's `[7, width]` 2-D kernels over a
//! one-channel map are exactly that).
//!
//! Front end: batch norm of the input; two timbral blocks (204 filters of 7×38 and 7×67, time
//! padded by 3 both sides, valid in frequency) and three temporal blocks (51 filters of
//! 128×1, 64×1, 32×1, TensorFlow "same" padding, which pads one more row after than before
//! for even kernels); each conv → ReLU → batch norm → max over frequency. Mid end: three
//! 64-filter convolutions of width 7 (conv → ReLU → batch norm), the last two residual. Back
//! end: the front end's 561 channels and the mid end's three outputs (753 channels) pooled
//! over time by max and mean, interleaved per channel as the original flattens them
//! (`[max₀, mean₀, max₁, …]`), batch norm, dense 200 → ReLU → batch norm, dense 50, sigmoid.
//! Every batch norm has TensorFlow's `epsilon = 0.001`.

use burn::module::{Module, Param, RunningState};
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d,
};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use burn::tensor::activation::{relu, sigmoid};

use super::cpu::{CpuNet, PatchOutput};
use super::{Embedding, N_MELS, N_PENULTIMATE, N_TAGS, TagModel, TrackAnalysis, log_mel, patches};
use crate::error::{Error, Result};
use crate::features::Embedder;

/// `tf.compat.v1.layers.batch_normalization`'s default epsilon.
const BN_EPSILON: f64 = 1e-3;
/// Filters of each timbral block: `int(1.6 * 128)`.
const TIMBRAL_FILTERS: usize = 204;
/// Filters of each temporal block: `int(1.6 * 32)`.
const TEMPORAL_FILTERS: usize = 51;
/// Frequency widths of the two timbral kernels: `int(0.4 * 96)`, `int(0.7 * 96)`.
const TIMBRAL_WIDTHS: [usize; 2] = [38, 67];
/// Time lengths of the three temporal kernels.
const TEMPORAL_LENGTHS: [usize; 3] = [128, 64, 32];
/// Channels out of the front end: 2 · 204 + 3 · 51.
const FRONTEND_CHANNELS: usize = 2 * TIMBRAL_FILTERS + 3 * TEMPORAL_FILTERS;
/// Filters of each mid-end layer (`num_filt_midend`).
const MIDEND_FILTERS: usize = 64;
/// Channels pooled by the back end: the front end's and the three mid-end outputs.
const POOLED_CHANNELS: usize = FRONTEND_CHANNELS + 3 * MIDEND_FILTERS;

/// conv → ReLU → batch norm → max over frequency: one of the original's `timbral_block` /
/// `tempo_block`.
#[derive(Module, Debug)]
pub struct FrontBlock {
    pub(crate) conv: Conv2d,
    pub(crate) norm: BatchNorm,
}

impl FrontBlock {
    fn new(kernel: [usize; 2], filters: usize, padding: PaddingConfig2d, device: &Device) -> Self {
        FrontBlock {
            conv: Conv2dConfig::new([1, filters], kernel)
                .with_padding(padding)
                .init(device),
            norm: norm(filters, device),
        }
    }

    /// `[b, 1, t, f]` → `[b, filters, t]`.
    fn forward(&self, x: Tensor<4>) -> Tensor<3> {
        let x = self.norm.forward(relu(self.conv.forward(x)));
        x.max_dim(3).squeeze_dim(3)
    }
}

/// conv (width 7 over time, padded by 3) → ReLU → batch norm: one mid-end layer.
#[derive(Module, Debug)]
pub struct MidBlock {
    pub(crate) conv: Conv1d,
    pub(crate) norm: BatchNorm,
}

impl MidBlock {
    fn new(channels_in: usize, device: &Device) -> Self {
        MidBlock {
            conv: Conv1dConfig::new(channels_in, MIDEND_FILTERS, 7)
                .with_padding(PaddingConfig1d::Explicit(3, 3))
                .init(device),
            norm: norm(MIDEND_FILTERS, device),
        }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.norm.forward(relu(self.conv.forward(x)))
    }
}

fn norm(channels: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels)
        .with_epsilon(BN_EPSILON)
        .init(device)
}

/// The MusiCNN network. Read the module docs for the layout.
#[derive(Module, Debug)]
pub struct MusiCnn {
    pub(crate) input_norm: BatchNorm,
    pub(crate) timbral: Vec<FrontBlock>,
    pub(crate) temporal: Vec<FrontBlock>,
    pub(crate) midend: Vec<MidBlock>,
    pub(crate) pool_norm: BatchNorm,
    pub(crate) dense: Linear,
    pub(crate) dense_norm: BatchNorm,
    pub(crate) output: Linear,
}

impl MusiCnn {
    /// The network with fresh weights (load a record or [`MusiCnn::from_tensorflow`] next).
    pub fn new(device: &Device) -> Self {
        MusiCnn {
            input_norm: norm(1, device),
            timbral: TIMBRAL_WIDTHS
                .iter()
                .map(|&w| {
                    FrontBlock::new(
                        [7, w],
                        TIMBRAL_FILTERS,
                        PaddingConfig2d::Explicit(3, 0, 3, 0),
                        device,
                    )
                })
                .collect(),
            temporal: TEMPORAL_LENGTHS
                .iter()
                .map(|&l| {
                    // TensorFlow's "same": (l - 1) / 2 rows before, the rest after.
                    let before = (l - 1) / 2;
                    FrontBlock::new(
                        [l, 1],
                        TEMPORAL_FILTERS,
                        PaddingConfig2d::Explicit(before, 0, l - 1 - before, 0),
                        device,
                    )
                })
                .collect(),
            midend: vec![
                MidBlock::new(FRONTEND_CHANNELS, device),
                MidBlock::new(MIDEND_FILTERS, device),
                MidBlock::new(MIDEND_FILTERS, device),
            ],
            pool_norm: norm(2 * POOLED_CHANNELS, device),
            dense: LinearConfig::new(2 * POOLED_CHANNELS, N_PENULTIMATE).init(device),
            dense_norm: norm(N_PENULTIMATE, device),
            output: LinearConfig::new(N_PENULTIMATE, N_TAGS).init(device),
        }
    }

    /// Tag activations (sigmoid of the logits) `[batch, 50]` for log-mel patches
    /// `[batch, frames, 96]` (187 frames as trained; the network accepts any length ≥ 1).
    pub fn forward(&self, patches: Tensor<3>) -> Tensor<2> {
        sigmoid(self.logits(patches))
    }

    /// [`MusiCnn::forward`] before the sigmoid: the tag logits `[batch, 50]`.
    pub fn logits(&self, patches: Tensor<3>) -> Tensor<2> {
        self.output.forward(self.penultimate(patches))
    }

    /// The penultimate layer `[batch, 200]`: the dense layer after its batch norm, the
    /// original's `bn_dense`.
    pub fn penultimate(&self, patches: Tensor<3>) -> Tensor<2> {
        let [b, t, f] = patches.dims();
        let x = self.input_norm.forward(patches.reshape([b, 1, t, f]));
        let front: Vec<Tensor<3>> = self
            .timbral
            .iter()
            .chain(&self.temporal)
            .map(|block| block.forward(x.clone()))
            .collect();
        let front = Tensor::cat(front, 1);
        let cnn1 = self.midend[0].forward(front.clone());
        let cnn2 = self.midend[1].forward(cnn1.clone()) + cnn1.clone();
        let cnn3 = self.midend[2].forward(cnn2.clone()) + cnn2.clone();
        let all = Tensor::cat(vec![front, cnn1, cnn2, cnn3], 1);
        let max = all.clone().max_dim(2);
        let mean = all.mean_dim(2);
        // [b, c, 1] twice → [b, c, 2] → [max₀, mean₀, max₁, mean₁, …].
        let pooled = Tensor::cat(vec![max, mean], 2).reshape([b, 2 * POOLED_CHANNELS]);
        let x = self.pool_norm.forward(pooled);
        self.dense_norm.forward(relu(self.dense.forward(x)))
    }

    /// Builds the network from the original TensorFlow checkpoint's variables, which `get`
    /// returns by name (`model/conv2d/kernel`, …) as `(shape, values in C order)`. Shapes are
    /// checked against the layout; TensorFlow's `[kh, kw, in, out]` kernels become burn's
    /// `[out, in, kh, kw]` (`[out, in, k]` for the mid end), dense `[in, out]` stays.
    pub fn from_tensorflow(
        get: impl FnMut(&str) -> Result<(Vec<usize>, Vec<f32>)>,
        device: &Device,
    ) -> Result<Self> {
        let mut net = MusiCnn::new(device);
        let mut tf = TfReader {
            get,
            device,
            counts: [0; 3],
        };
        // Layers are numbered in the order the original creates them.
        tf.norm(&mut net.input_norm)?;
        for block in net.timbral.iter_mut().chain(net.temporal.iter_mut()) {
            let [out, cin, kh, kw] = block.conv.weight.shape().dims();
            let (w, b) = tf.layer::<4>(CONV, &[kh, kw, cin, out])?;
            block.conv.weight = Param::from_tensor(w.permute([3, 2, 0, 1]));
            block.conv.bias = Some(Param::from_tensor(b));
            tf.norm(&mut block.norm)?;
        }
        for block in &mut net.midend {
            // A [7, width] kernel over a one-channel map: [7, width, 1, out] → [out, width, 7].
            let [out, cin, k] = block.conv.weight.shape().dims();
            let (w, b) = tf.layer::<4>(CONV, &[k, cin, 1, out])?;
            block.conv.weight = Param::from_tensor(w.reshape([k, cin, out]).permute([2, 1, 0]));
            block.conv.bias = Some(Param::from_tensor(b));
            tf.norm(&mut block.norm)?;
        }
        tf.norm(&mut net.pool_norm)?;
        let [cin, out] = net.dense.weight.shape().dims();
        let (w, b) = tf.layer::<2>(DENSE, &[cin, out])?;
        net.dense.weight = Param::from_tensor(w);
        net.dense.bias = Some(Param::from_tensor(b));
        tf.norm(&mut net.dense_norm)?;
        let [cin, out] = net.output.weight.shape().dims();
        let (w, b) = tf.layer::<2>(DENSE, &[cin, out])?;
        net.output.weight = Param::from_tensor(w);
        net.output.bias = Some(Param::from_tensor(b));
        Ok(net)
    }
}

/// Indices into [`TfReader::counts`]: TensorFlow numbers each layer kind on its own.
const CONV: usize = 0;
const DENSE: usize = 1;
const NORM: usize = 2;

/// Reads a TensorFlow checkpoint's variables in layer-creation order.
struct TfReader<'d, G> {
    get: G,
    device: &'d Device,
    /// Layers of each kind read so far.
    counts: [usize; 3],
}

impl<G: FnMut(&str) -> Result<(Vec<usize>, Vec<f32>)>> TfReader<'_, G> {
    /// The next scope of `kind`: `conv2d`, `conv2d_1`, …
    fn scope(&mut self, kind: usize) -> String {
        let base = ["conv2d", "dense", "batch_normalization"][kind];
        let i = self.counts[kind];
        self.counts[kind] += 1;
        if i == 0 {
            base.to_string()
        } else {
            format!("{base}_{i}")
        }
    }

    /// One variable, its shape checked, as a 1-D tensor.
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor<1>> {
        let (got, values) = (self.get)(name)?;
        let n = shape.iter().product::<usize>();
        if got != shape || values.len() != n {
            return Err(Error::Bundle(format!(
                "{name}: shape {got:?}, expected {shape:?}"
            )));
        }
        Ok(Tensor::from_data(TensorData::new(values, [n]), self.device))
    }

    /// The next conv or dense layer's kernel (in TensorFlow's `shape`) and bias.
    fn layer<const D: usize>(
        &mut self,
        kind: usize,
        shape: &[usize],
    ) -> Result<(Tensor<D>, Tensor<1>)> {
        let scope = self.scope(kind);
        let kernel = self.take(&format!("{scope}/kernel"), shape)?;
        let dims: [usize; D] = shape.try_into().map_err(|_| {
            Error::Bundle(format!(
                "{scope}: a kernel of rank {}, expected {D}",
                shape.len()
            ))
        })?;
        let bias = self.take(&format!("{scope}/bias"), &shape[shape.len() - 1..])?;
        Ok((kernel.reshape(dims), bias))
    }

    /// The next batch norm's `gamma`, `beta`, `moving_mean`, `moving_variance`.
    fn norm(&mut self, target: &mut BatchNorm) -> Result<()> {
        let scope = self.scope(NORM);
        let [n] = target.gamma.shape().dims();
        target.gamma = Param::from_tensor(self.take(&format!("{scope}/gamma"), &[n])?);
        target.beta = Param::from_tensor(self.take(&format!("{scope}/beta"), &[n])?);
        target.running_mean = RunningState::new(self.take(&format!("{scope}/moving_mean"), &[n])?);
        target.running_var =
            RunningState::new(self.take(&format!("{scope}/moving_variance"), &[n])?);
        Ok(())
    }
}

/// A model's tags over a signal: one row of 50 activations per 3 s patch, and their mean.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Taggram {
    /// The model that tagged.
    pub model: TagModel,
    /// Activations per patch, in [`TagModel::tags`] order.
    pub patches: Vec<Vec<f32>>,
    /// The mean over patches.
    pub mean: Vec<f32>,
}

impl Taggram {
    /// The taggram of `patches`: the rows and their mean (zeros when there are none).
    pub fn of(model: TagModel, patches: Vec<Vec<f32>>) -> Taggram {
        let mut mean = vec![0.0f32; N_TAGS];
        for p in &patches {
            for (m, v) in mean.iter_mut().zip(p) {
                *m += v;
            }
        }
        let n = patches.len().max(1) as f32;
        for m in &mut mean {
            *m /= n;
        }
        Taggram {
            model,
            patches,
            mean,
        }
    }

    /// The `n` strongest tags of the mean, best first.
    pub fn top(&self, n: usize) -> Vec<(&'static str, f32)> {
        top_tags(self.model, &self.mean, n)
    }

    /// FMA top-level genres of the mean ([`super::fma_genres`]).
    pub fn genres(&self) -> Vec<(&'static str, f32)> {
        super::fma_genres(self.model, &self.mean)
    }
}

/// The `n` strongest of a model's 50 `activations`, best first.
pub fn top_tags(model: TagModel, activations: &[f32], n: usize) -> Vec<(&'static str, f32)> {
    let tags = model.tags();
    let mut order: Vec<usize> = (0..N_TAGS.min(activations.len())).collect();
    order.sort_by(|&a, &b| activations[b].total_cmp(&activations[a]));
    order
        .into_iter()
        .take(n)
        .map(|i| (tags[i], activations[i]))
        .collect()
}

/// MusiCNN as the [`Embedder`] of the embedding features (`extract`, `features`): the signal
/// resampled to 16 kHz and run through the model's network.
#[derive(Debug, Default)]
pub struct Embedders {
    /// One loaded tagger per model the features need.
    pub taggers: Vec<Tagger>,
}

impl Embedder for Embedders {
    fn embedding(&self, model: TagModel, y: &[f32], sr: u32) -> Result<Vec<f32>> {
        let tagger = self
            .taggers
            .iter()
            .find(|t| t.model == model)
            .ok_or_else(|| {
                Error::invalid(
                    "features",
                    format!("{} was not loaded", model.weights_file()),
                )
            })?;
        let y16k = crate::dsp::resample::resample(y, sr, super::SR)?;
        Ok(tagger.embed(&y16k)?.feature_values())
    }
}

impl Tagger {
    /// The whole-track analysis the page and `artifacts` keep ([`TrackAnalysis`]) from this
    /// model's patch outputs.
    pub fn track_analysis(&self, outputs: Vec<PatchOutput>) -> TrackAnalysis {
        let (penultimate, tags) = outputs
            .into_iter()
            .map(|o| {
                let tags = o.logits.into_iter().map(super::sigmoid).collect();
                (o.penultimate, tags)
            })
            .unzip();
        TrackAnalysis {
            model: Some(self.model),
            penultimate,
            tags,
        }
    }
}

/// A loaded MusiCNN model, ready to tag 16 kHz signals.
#[derive(Debug)]
pub struct Tagger {
    /// Which model.
    pub model: TagModel,
    net: MusiCnn,
    /// The same weights for the CPU kernels, when the device is flex (natively or in the
    /// browser); other devices run the module.
    cpu: Option<CpuNet>,
    device: Device,
}

/// Patches run through the network at once (and between two progress calls): 4 was as fast as
/// 8 and faster than 1 or 16 natively (a 60 s MP3 on 2 cores: 2.3, 2.2–2.5, 2.5, 2.9 s).
const BATCH: usize = 4;

/// Patches per batch: [`BATCH`], or natively on the CPU kernels two per core (they run a
/// patch per core).
fn batch_size(cpu: bool) -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    if cpu {
        return BATCH.max(2 * rayon::current_num_threads());
    }
    let _ = cpu;
    BATCH
}

impl Tagger {
    /// Loads converted weights (`msd_musicnn.bpk` / `mtt_musicnn.bpk`) onto `device`.
    pub fn load(model: TagModel, bpk: Vec<u8>, device: &Device) -> Result<Self> {
        let bad = |why: String| Error::Bundle(format!("{}: {why}", model.weights_file()));
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bpk))
            .map_err(|e| bad(format!("not a Burnpack file ({e})")))?;
        let net = MusiCnn::new(device)
            .try_load_record(record)
            .map_err(|e| bad(format!("weights do not match MusiCNN ({e})")))?;
        Tagger::from_net(model, net, device)
    }

    /// Wraps a network built otherwise (for instance [`MusiCnn::from_tensorflow`]); on flex
    /// its weights are read once for the CPU kernels.
    pub fn from_net(model: TagModel, net: MusiCnn, device: &Device) -> Result<Self> {
        let cpu = if *device == Device::flex() {
            Some(CpuNet::of(&net)?)
        } else {
            None
        };
        Ok(Tagger {
            model,
            net,
            cpu,
            device: device.clone(),
        })
    }

    /// The same tagger running burn's modules on every device, flex included (benchmarks
    /// and tests compare the two paths).
    pub fn modules_only(mut self) -> Self {
        self.cpu = None;
        self
    }

    /// The network.
    pub fn net(&self) -> &MusiCnn {
        &self.net
    }

    /// Activations `[patches][50]` for log-mel patches of `(frames, 96)`.
    pub fn tag_patches(&self, patches: &[ndarray::Array2<f32>]) -> Result<Vec<Vec<f32>>> {
        crate::model::blocking(&self.device, self.tag_patches_async(patches))
    }

    /// [`Tagger::tag_patches`] on any device, WebGPU in a browser included.
    pub async fn tag_patches_async(
        &self,
        patches: &[ndarray::Array2<f32>],
    ) -> Result<Vec<Vec<f32>>> {
        Ok(self
            .patch_outputs_async(patches)
            .await?
            .into_iter()
            .map(|o| o.logits.into_iter().map(super::sigmoid).collect())
            .collect())
    }

    /// Each patch's penultimate layer and tag logits, from one pass through the network.
    pub fn patch_outputs(&self, patches: &[ndarray::Array2<f32>]) -> Result<Vec<PatchOutput>> {
        crate::model::blocking(&self.device, self.patch_outputs_async(patches))
    }

    /// [`Tagger::patch_outputs`] on any device, WebGPU in a browser included.
    pub async fn patch_outputs_async(
        &self,
        patches: &[ndarray::Array2<f32>],
    ) -> Result<Vec<PatchOutput>> {
        let frames = patches.first().map_or(0, |p| p.nrows());
        if let Some(p) = patches.iter().find(|p| p.dim() != (frames, N_MELS)) {
            return Err(Error::invalid(
                "patches",
                format!("a patch of {:?}, expected ({frames}, {N_MELS})", p.dim()),
            ));
        }
        if let Some(cpu) = &self.cpu {
            let contiguous: Vec<_> = patches.iter().map(|p| p.as_standard_layout()).collect();
            let slices: Vec<&[f32]> = contiguous
                .iter()
                .map(|p| p.as_slice().expect("standard layout"))
                .collect();
            return cpu.outputs(&slices, frames);
        }
        let mut out = Vec::with_capacity(patches.len());
        for chunk in patches.chunks(BATCH) {
            let values: Vec<f32> = chunk.iter().flat_map(|p| p.iter().copied()).collect();
            let x = Tensor::<3>::from_data(
                TensorData::new(values, [chunk.len(), frames, N_MELS]),
                &self.device,
            );
            let penultimate = self.net.penultimate(x);
            let logits = self.net.output.forward(penultimate.clone());
            let penultimate = crate::model::read_f32(penultimate, "penultimate layer").await?;
            let logits = crate::model::read_f32(logits, "tag logits").await?;
            out.extend(
                penultimate
                    .chunks_exact(N_PENULTIMATE)
                    .zip(logits.chunks_exact(N_TAGS))
                    .map(|(p, l)| PatchOutput {
                        penultimate: p.to_vec(),
                        logits: l.to_vec(),
                    }),
            );
        }
        Ok(out)
    }

    /// MusiCNN's penultimate layer over a 16 kHz mono signal, cut into patches as
    /// [`Tagger::tag`] cuts them, with its pooling ([`Embedding`]).
    pub fn embed(&self, y16k: &[f32]) -> Result<Embedding> {
        Ok(self.analyse(y16k)?.1)
    }

    /// The taggram and the embedding of a 16 kHz mono signal, from one pass through the
    /// network.
    pub fn analyse(&self, y16k: &[f32]) -> Result<(Taggram, Embedding)> {
        let mel = log_mel(y16k)?;
        let outputs = self.patch_outputs(&patches(mel.view()))?;
        Ok(self.analysis_of(outputs))
    }

    /// The taggram and the embedding of patch outputs.
    pub fn analysis_of(&self, outputs: Vec<PatchOutput>) -> (Taggram, Embedding) {
        let (penultimate, logits): (Vec<_>, Vec<_>) = outputs
            .into_iter()
            .map(|o| (o.penultimate, o.logits))
            .unzip();
        let tags: Vec<Vec<f32>> = logits
            .into_iter()
            .map(|l| l.into_iter().map(super::sigmoid).collect())
            .collect();
        let embedding = Embedding::of(self.model, penultimate, &tags);
        (Taggram::of(self.model, tags), embedding)
    }

    /// Tags a 16 kHz mono signal: log-mel, 187-frame patches, activations per patch and their
    /// mean. On the CPU kernels every patch goes at once (natively spread over the cores).
    pub fn tag(&self, y16k: &[f32]) -> Result<Taggram> {
        if self.cpu.is_none() {
            return self.tag_with_progress(y16k, |_, _| {});
        }
        let mel = log_mel(y16k)?;
        Ok(Taggram::of(
            self.model,
            self.tag_patches(&patches(mel.view()))?,
        ))
    }

    /// [`Tagger::tag`], calling `progress(taggram so far, total patches)` after each batch of
    /// patches (the page shows tags as they come).
    pub fn tag_with_progress(
        &self,
        y16k: &[f32],
        progress: impl FnMut(&Taggram, usize),
    ) -> Result<Taggram> {
        crate::model::blocking(&self.device, self.tag_with_progress_async(y16k, progress))
    }

    /// [`Tagger::tag_with_progress`] on any device, WebGPU in a browser included.
    pub async fn tag_with_progress_async(
        &self,
        y16k: &[f32],
        mut progress: impl FnMut(&Taggram, usize),
    ) -> Result<Taggram> {
        let mel = log_mel(y16k)?;
        let patches = patches(mel.view());
        let mut rows = Vec::with_capacity(patches.len());
        let mut so_far = Taggram::of(self.model, Vec::new());
        // The first patch alone, so the first tags show after one patch's work.
        let batch = batch_size(self.cpu.is_some());
        let mut start = 0;
        while start < patches.len() {
            let end = if start == 0 {
                1
            } else {
                (start + batch).min(patches.len())
            };
            rows.extend(self.tag_patches_async(&patches[start..end]).await?);
            so_far = Taggram::of(self.model, rows.clone());
            progress(&so_far, patches.len());
            start = end;
        }
        Ok(so_far)
    }
}
