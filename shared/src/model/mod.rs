//! Genre models: input preparation, the burn networks and the bundle that carries them.
//!
//! One definition serves the trainer (which adds autodiff and an optimiser), `genrescope
//! artifacts` and the browser. The device is chosen by the caller at run time
//! (`Device::flex()`, `Device::ndarray()`, a wgpu device); nothing here is generic over it.

pub mod bundle;
pub mod net;
pub mod prep;

pub use bundle::{
    Bundle, BundleManifest, LoadedModel, ModelEntry, ModelMetrics, Prediction, argmax,
};
pub use net::{Architecture, GenreModel};
pub use prep::{InputTransform, Normaliser, NormaliserFit};

/// Re-exported so callers build devices and tensors with the very burn this crate uses.
pub use burn;
