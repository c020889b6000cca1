//! Genre models: input preparation, the burn networks and the bundle that carries them.
//!
//! One definition serves the trainer (which adds autodiff and an optimiser), `genrescope
//! artifacts` and the browser. The device is chosen by the caller at run time
//! (`Device::flex()`, `Device::ndarray()`, a wgpu device); nothing here is generic over it.

pub mod bundle;
pub(crate) mod cpu;
#[cfg(feature = "train")]
pub mod fused;
pub(crate) mod kernels;
pub mod net;
pub mod prep;
pub mod report;

pub use bundle::{
    Bundle, BundleManifest, LoadedModel, ModelEntry, ModelMetrics, Prediction, TrackPrediction,
    argmax,
};
pub use net::{Architecture, GenreModel};
pub use prep::{InputTransform, Normaliser, NormaliserFit};

/// Re-exported so callers build devices and tensors with the very burn this crate uses.
pub use burn;

/// Runs one of the crate's `_async` model calls on `device` to its end on the calling thread:
/// every model call is written once, async, because WebGPU in a browser can only hand results
/// back asynchronously; the CPU backends (and wgpu natively) are read synchronously through
/// this. In a browser any device but flex is refused before any work: a read left pending
/// there would poison the GPU device for every later call.
pub(crate) fn blocking<T>(
    device: &burn::prelude::Device,
    call: impl std::future::Future<Output = crate::Result<T>>,
) -> crate::Result<T> {
    let refused = || {
        Err(crate::Error::Device(
            "this device hands results back asynchronously (WebGPU in a browser): \
             use the `_async` call"
                .into(),
        ))
    };
    if cfg!(target_family = "wasm") && *device != burn::prelude::Device::flex() {
        return refused();
    }
    burn::tensor::try_read_sync(call).unwrap_or_else(refused)
}

/// Reads a tensor's `f32` values back from its device, whatever the device.
pub(crate) async fn read_f32<const D: usize>(
    tensor: burn::prelude::Tensor<D>,
    what: &str,
) -> crate::Result<Vec<f32>> {
    tensor
        .into_data_async()
        .await
        .map_err(|e| crate::Error::Device(format!("reading {what}: {e}")))?
        .try_into_vec::<f32>()
        .map_err(|e| crate::Error::Device(format!("reading {what}: {e}")))
}

/// Where the windows of a genre timeline start, in samples, for a track of `n` samples cut
/// into windows of `window` samples (the bundle's signal length): every half window, plus one
/// ending at the track's end when the last regular window stops short of it. A track no longer
/// than one window gets one window at 0 (zero-padded by the caller). The CLI's timeline and
/// the page's use this one rule.
pub fn timeline_windows(n: usize, window: usize) -> Vec<usize> {
    if window == 0 || n <= window {
        return vec![0];
    }
    let hop = (window / 2).max(1);
    let mut starts: Vec<usize> = (0..=n - window).step_by(hop).collect();
    if starts.last().is_some_and(|&s| s + window < n) {
        starts.push(n - window);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::{Prediction, TrackPrediction, timeline_windows};
    use crate::Feature;

    #[test]
    fn a_track_prediction_is_the_mean_of_its_windows() {
        let p = |a: f32| Prediction {
            models: vec![
                (Feature::Mel, vec![a, 1.0 - a]),
                (Feature::Rms, vec![0.5, 0.5]),
            ],
            ensemble: vec![(a + 0.5) / 2.0, (1.5 - a) / 2.0],
        };
        let (a, b) = (p(1.0), p(0.0));
        let mean = TrackPrediction::mean_of(&[&a, &b]);
        assert_eq!(mean.models[0], (Feature::Mel, vec![0.5, 0.5]));
        assert_eq!(mean.models[1], (Feature::Rms, vec![0.5, 0.5]));
        assert_eq!(mean.ensemble, vec![0.5, 0.5]);
        assert_eq!(TrackPrediction::mean_of(&[&a]), a);
    }

    #[test]
    fn timeline_windows_cover_the_track_every_half_window() {
        assert_eq!(timeline_windows(10, 14), [0]);
        assert_eq!(timeline_windows(14, 14), [0]);
        assert_eq!(timeline_windows(28, 14), [0, 7, 14]);
        // 30 s at 14 s windows: 0, 7, 14 and one ending at 30.
        assert_eq!(timeline_windows(30, 14), [0, 7, 14, 16]);
        assert_eq!(timeline_windows(15, 14), [0, 1]);
        for n in 15..200 {
            let w = timeline_windows(n, 14);
            assert_eq!(w.last().unwrap() + 14, n, "the last window ends at the end");
            assert!(w.windows(2).all(|p| p[1] > p[0] && p[1] - p[0] <= 7));
        }
    }
}
