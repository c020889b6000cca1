//! MusiCNN for the CLI: the converted weights are compiled into the binary, so `tag` and
//! `artifacts` work anywhere without files beside them.

use anyhow::Result;
use genrescope_core::Feature;
use genrescope_core::features::Source;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::musicnn::net::{Embedders, Tagger};
use genrescope_core::musicnn::{Embedding, PATCH_SECONDS, TagModel};
use serde_json::{Value, json};

const MSD_WEIGHTS: &[u8] = include_bytes!("../../../../models/musicnn/msd_musicnn.bpk");
const MTT_WEIGHTS: &[u8] = include_bytes!("../../../../models/musicnn/mtt_musicnn.bpk");

/// The model's tagger on burn's flex CPU backend.
pub fn tagger(model: TagModel) -> Result<Tagger> {
    let bytes = match model {
        TagModel::Msd => MSD_WEIGHTS,
        TagModel::Mtt => MTT_WEIGHTS,
    };
    Ok(Tagger::load(model, bytes.to_vec(), &Device::flex())?)
}

/// The MusiCNN models whose embeddings `features` hold, loaded: what `compute_with` needs
/// for them (nothing is loaded when there are none).
pub fn embedders(features: &[Feature]) -> Result<Embedders> {
    let mut taggers: Vec<Tagger> = Vec::new();
    for f in features {
        if let Source::Embedding(model) = f.spec().source
            && !taggers.iter().any(|t| t.model == model)
        {
            taggers.push(tagger(model)?);
        }
    }
    Ok(Embedders { taggers })
}

/// `genrescope embed --json`'s object: the model, the penultimate layer per 3 s patch (cut as
/// `tag` cuts them), its mean and standard deviation over the patches, the tags' mean, and the
/// patch length in seconds.
pub fn embedding_json(e: &Embedding) -> Value {
    json!({
        "model": e.model.name(),
        "patches": e.patches,
        "mean": e.mean,
        "std": e.std,
        "tags_mean": e.tags_mean,
        "patch_seconds": PATCH_SECONDS,
    })
}
