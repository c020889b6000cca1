//! The JSON documents of a track's analysis, built in one place for `genrescope artifacts`
//! (predictions.json, timeline.json, tags.json) and for the page's download of the same.

use serde_json::{Value, json};

use super::bundle::{Dataset, Prediction, TrackPrediction, argmax};
use crate::musicnn::PATCH_SECONDS;
use crate::musicnn::net::Taggram;

/// Where predictions.json's prediction was read: the bundle's signal of `seconds` from
/// `offset` seconds into the track.
#[derive(Clone, Copy, Debug)]
pub struct Signal {
    pub offset: f64,
    pub seconds: f64,
}

/// predictions.json: the bundle's genre of one signal — the ensemble, each model's
/// probabilities and top genre — with what the bundle learnt from and, when the metadata
/// knows it, the track's true genre. `bundle` names where the models came from.
pub fn predictions(
    classes: &[String],
    prediction: &Prediction,
    signal: Signal,
    bundle: Option<&str>,
    true_genre: Option<&str>,
    dataset: Option<&Dataset>,
) -> Value {
    let top = prediction.top();
    json!({
        "bundle": bundle,
        "classes": classes,
        "signal": { "offset": signal.offset, "seconds": signal.seconds },
        "top": { "genre": classes.get(top), "probability": prediction.ensemble.get(top) },
        "ensemble": prediction.ensemble,
        "models": prediction.models.iter().map(|(f, p)| json!({
            "feature": f,
            "probabilities": p,
            "top": classes.get(argmax(p)),
        })).collect::<Vec<_>>(),
        "true_genre": true_genre,
        "dataset": dataset,
    })
}

/// timeline.json: the ensemble's genre of every window of `window_seconds` (every half
/// window) over the whole track, and the track's: the mean over the windows, per model too.
pub fn timeline(classes: &[String], window_seconds: f64, track: &TrackPrediction) -> Value {
    let sr = f64::from(track.sample_rate);
    json!({
        "classes": classes,
        "window_seconds": window_seconds,
        "hop_seconds": window_seconds / 2.0,
        "windows": track.windows.iter().map(|(start, end, p)| json!({
            "start": *start as f64 / sr,
            "end": *end as f64 / sr,
            "top": classes.get(p.top()),
            "ensemble": p.ensemble,
        })).collect::<Vec<_>>(),
        "track": {
            "top": classes.get(track.mean.top()),
            "ensemble": track.mean.ensemble,
            "models": track.mean.models.iter().map(|(f, p)| json!({
                "feature": f,
                "probabilities": p,
            })).collect::<Vec<_>>(),
        },
    })
}

/// One model's object in tags.json (and `genrescope tag --json`): its tags, the activations
/// of every 3 s patch, their mean, and the FMA genres the tags name, strongest first.
pub fn taggram(t: &Taggram) -> Value {
    json!({
        "model": t.model.name(),
        "tags": t.model.tags().as_slice(),
        "patches": t.patches,
        "mean": t.mean,
        "patch_seconds": PATCH_SECONDS,
        "fma_genres": t.genres(),
    })
}
