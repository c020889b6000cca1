//! `genrescope-core`: decoding, resampling and audio features equal to librosa 0.11's,
//! compiled natively and to `wasm32-unknown-unknown`.
//!
//! Layers follow librosa's: [`dsp`] holds the transforms and filter banks (`core` and
//! `filters` in librosa), [`features`] the features built on them, [`audio`] decoding and
//! resampling. [`FeatureConfig`] holds every parameter; [`features::compute`] computes any
//! subset of [`Feature`]s with shared work.
//!
//! [`musicnn`] is the pretrained MusiCNN tagger (its input DSP always; the burn network with
//! the `model` feature).
//!
//! [`plot`] holds the plot math (colour maps, axes, rasters) the CLI's PNGs and the page share.
//!
//! [`model`] (cargo feature `model`, default) holds the burn genre networks, their input
//! preparation and the bundle format.
//!
//! The crate uses no threads and no filesystem, so the browser runs the same code as the CLI:
//! callers read files and hand over bytes. Cargo features: `decode` (default) adds symphonia
//! decoding; without it the crate is the DSP and features alone. The crate needs `std`:
//! rustfft and realfft, its FFTs, have no `no_std` mode.

pub mod audio;
pub mod config;
pub mod dsp;
pub mod error;
pub mod features;
#[cfg(feature = "model")]
pub mod model;
pub mod musicnn;
pub mod plot;

pub use config::FeatureConfig;
pub use error::{Error, Result};
#[cfg(not(target_arch = "wasm32"))]
pub use features::compute_split;
pub use features::{Embedder, Feature, FeatureSet, compute, compute_with};
