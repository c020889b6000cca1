//! MusiCNN in burn against its TensorFlow original, on the references in
//! `tests/reference/musicnn`, written by `tools/musicnn/run.sh references` (run by hand; CI
//! needs no TensorFlow): three synthesised 16 kHz signals (loud chords over drums, 7 s, two
//! patches and a dropped tail; a quiet chirp over noise, 4 s; a 1.2 s tone, one padded patch),
//! librosa's float32 log-mel of each, and both models' activations per patch from the
//! package's own graph with its checkpoints restored.
//!
//! The penultimate layer (`bn_dense`, the last value the package's `define_model` returns) of
//! both models per patch comes from the same graph: what `genrescope embed` and the `musicnn`
//! feature are made of.
//!
//! Tolerances: activations and the penultimate layer within 1e-3 (max |Δ|), the contract with the original;
//! the log-mel within 1e-4 (max |Δ|, values 0…6).

use std::path::{Path, PathBuf};

use genrescope_core::model::burn::prelude::Device;
use genrescope_core::musicnn::net::Tagger;
use genrescope_core::musicnn::{
    N_MELS, N_PENULTIMATE, N_TAGS, PATCH_FRAMES, TagModel, log_mel, patches,
};
use ndarray::{Array1, Array2, ArrayD, Ix2};
use ndarray_npy::read_npy;

const SIGNALS: [&str; 3] = ["loud_chords", "quiet_sweep", "short_tone"];

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/musicnn")
        .join(name)
}

fn signal(name: &str) -> Vec<f32> {
    let pcm: Array1<i16> = read_npy(reference(&format!("{name}.pcm.npy"))).expect("pcm");
    pcm.iter().map(|&s| f32::from(s) / 32768.0).collect()
}

fn f32_2d(name: &str) -> Array2<f32> {
    let a: ArrayD<f32> = read_npy(reference(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    a.into_dimensionality::<Ix2>().expect("2-D")
}

fn weights(model: TagModel) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/musicnn")
        .join(model.weights_file());
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tagger(model: TagModel) -> Tagger {
    Tagger::load(model, weights(model), &Device::flex()).expect("weights load")
}

fn max_abs(a: impl IntoIterator<Item = f32>, b: impl IntoIterator<Item = f32>) -> f32 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn log_mel_equals_librosa_in_float32() {
    for name in SIGNALS {
        let want = f32_2d(&format!("{name}.logmel.npy"));
        let got = log_mel(&signal(name)).unwrap();
        assert_eq!(got.dim(), want.dim(), "{name}");
        assert_eq!(got.ncols(), N_MELS);
        let d = max_abs(got.iter().copied(), want.iter().copied());
        assert!(d <= 1e-4, "{name}: log-mel max |Δ| = {d}");
        eprintln!("{name}: log-mel max |Δ| = {d:.2e}");
        // The loud signal is loud enough that the original's float16 cast would overflow.
        if name == "loud_chords" {
            let peak = want.iter().copied().fold(0.0f32, f32::max);
            assert!(
                10f32.powf(peak) > 65504.0,
                "peak {peak}: not past float16's range"
            );
        }
    }
}

#[test]
fn activations_equal_tensorflow_per_patch() {
    for model in TagModel::ALL {
        let tagger = tagger(model);
        for name in SIGNALS {
            let want = f32_2d(&format!("{name}.{}.npy", model.name()));
            // From the signal: the whole path, log-mel and patches included…
            let got = tagger.tag(&signal(name)).unwrap();
            assert_eq!(got.patches.len(), want.nrows(), "{name} {model:?}: patches");
            for (p, (row, want_row)) in got.patches.iter().zip(want.rows()).enumerate() {
                assert_eq!(row.len(), N_TAGS);
                let d = max_abs(row.iter().copied(), want_row.iter().copied());
                assert!(d <= 1e-3, "{name} {model:?} patch {p}: max |Δ| = {d}");
                eprintln!("{name} {model:?} patch {p}: max |Δ| = {d:.2e}");
            }
            // …and from librosa's log-mel, which isolates the network.
            let mel = f32_2d(&format!("{name}.logmel.npy"));
            let net_only = tagger.tag_patches(&patches(mel.view())).unwrap();
            let d = max_abs(net_only.concat(), want.iter().copied());
            assert!(d <= 1e-4, "{name} {model:?}: network alone max |Δ| = {d}");
            let mean: Vec<f32> = (0..N_TAGS)
                .map(|t| want.column(t).mean().unwrap())
                .collect();
            assert!(max_abs(got.mean.iter().copied(), mean) <= 1e-3);
        }
    }
}

#[test]
fn the_penultimate_layer_equals_tensorflows_bn_dense_per_patch() {
    for model in TagModel::ALL {
        let tagger = tagger(model);
        for name in SIGNALS {
            let want = f32_2d(&format!("{name}.{}.penultimate.npy", model.name()));
            assert_eq!(want.ncols(), N_PENULTIMATE);
            let (taggram, got) = tagger.analyse(&signal(name)).unwrap();
            assert_eq!(got.patches.len(), want.nrows(), "{name} {model:?}: patches");
            for (p, (row, want_row)) in got.patches.iter().zip(want.rows()).enumerate() {
                let d = max_abs(row.iter().copied(), want_row.iter().copied());
                assert!(d <= 1e-3, "{name} {model:?} patch {p}: max |Δ| = {d}");
                eprintln!("{name} {model:?} patch {p}: penultimate max |Δ| = {d:.2e}");
            }
            // The pooling is numpy's over TensorFlow's rows.
            let mean: Vec<f32> = want.mean_axis(ndarray::Axis(0)).unwrap().to_vec();
            let std: Vec<f32> = want.std_axis(ndarray::Axis(0), 0.0).to_vec();
            assert!(max_abs(got.mean.iter().copied(), mean) <= 1e-3);
            assert!(max_abs(got.std.iter().copied(), std) <= 1e-3);
            // One pass gives the tags as well: the same as tagging alone.
            assert_eq!(taggram, tagger.tag(&signal(name)).unwrap());
            assert_eq!(got.tags_mean, taggram.mean);
            // The burn modules (the path of every device but flex) agree.
            let mel = f32_2d(&format!("{name}.logmel.npy"));
            let modules =
                genrescope_core::musicnn::net::Tagger::load(model, weights(model), &Device::flex())
                    .unwrap()
                    .modules_only();
            let rows = modules.patch_outputs(&patches(mel.view())).unwrap();
            let d = max_abs(
                rows.iter().flat_map(|r| r.penultimate.iter().copied()),
                want.iter().copied(),
            );
            assert!(
                d <= 1e-3,
                "{name} {model:?}: modules' penultimate max |Δ| = {d}"
            );
        }
    }
}

#[test]
fn the_models_disagree_and_respond_to_the_music() {
    // Guards against references and weights that would agree trivially (a constant output).
    let msd = f32_2d("loud_chords.msd.npy");
    let mtt = f32_2d("loud_chords.mtt.npy");
    assert_eq!(msd.dim(), (2, N_TAGS));
    assert!(max_abs(msd.iter().copied(), mtt.iter().copied()) > 0.05);
    let sweep = f32_2d("quiet_sweep.msd.npy");
    assert!(max_abs(msd.row(0).iter().copied(), sweep.row(0).iter().copied()) > 0.05);
    assert!(f32_2d("short_tone.logmel.npy").nrows() < PATCH_FRAMES);
}

#[test]
fn weights_that_are_not_musicnn_are_refused() {
    let err = Tagger::load(TagModel::Msd, b"not a burnpack".to_vec(), &Device::flex())
        .unwrap_err()
        .to_string();
    assert!(err.contains("msd_musicnn.bpk"), "{err}");
    // A Burnpack of another network.
    use genrescope_core::model::Architecture;
    use genrescope_core::model::burn::module::Module;
    let other = Architecture::Mlp {
        inputs: 4,
        hidden: vec![3],
    }
    .init(2, &Device::flex());
    let bytes = other.into_record().into_bytes().unwrap().to_vec();
    let err = Tagger::load(TagModel::Mtt, bytes, &Device::flex())
        .unwrap_err()
        .to_string();
    assert!(err.contains("do not match MusiCNN"), "{err}");
}
