//! MusiCNN tagging for the CLI: the converted weights are compiled into the binary, so
//! `genrescope tag` and `genrescope artifacts` work anywhere without files beside them.

use std::path::Path;

use anyhow::Result;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::musicnn::net::{Tagger, Taggram};
use genrescope_core::musicnn::{PATCH_SECONDS, SR, TagModel};
use serde_json::{Value, json};

use crate::cli::SignalArgs;

const MSD_WEIGHTS: &[u8] = include_bytes!("../../models/musicnn/msd_musicnn.bpk");
const MTT_WEIGHTS: &[u8] = include_bytes!("../../models/musicnn/mtt_musicnn.bpk");

/// The model's tagger on burn's flex CPU backend.
pub fn tagger(model: TagModel) -> Result<Tagger> {
    let bytes = match model {
        TagModel::Msd => MSD_WEIGHTS,
        TagModel::Mtt => MTT_WEIGHTS,
    };
    Ok(Tagger::load(model, bytes.to_vec(), &Device::flex())?)
}

/// The whole file decoded to mono and resampled to 16 kHz, as `librosa.load(path, sr=16000)`
/// (`genrescope features`' loader).
pub fn load_16k(path: &Path) -> Result<Vec<f32>> {
    let whole = SignalArgs {
        offset: 0.0,
        signal_length: None,
        sr: SR,
    };
    crate::commands::features::load_signal(path, &whole)
}

/// `genrescope tag --json`'s object: the model, its 50 tags in the original's order, the
/// activations per 3 s patch and their mean, plus the FMA genres of the mean and the patch
/// length in seconds.
pub fn taggram_json(t: &Taggram) -> Value {
    json!({
        "model": t.model.name(),
        "tags": t.model.tags().as_slice(),
        "patches": t.patches,
        "mean": t.mean,
        "patch_seconds": PATCH_SECONDS,
        "fma_genres": t.genres(),
    })
}
