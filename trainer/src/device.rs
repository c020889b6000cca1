//! Where models run: the burn backend chosen at run time, and its device. Training, the
//! benchmarks and the single-track tools all pick their device here.

#[cfg(feature = "wgpu")]
use anyhow::Context;
use anyhow::Result;
#[cfg(not(all(feature = "ndarray", feature = "wgpu")))]
use anyhow::bail;
use burn::prelude::Device;

/// The burn backend models train on, chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// burn's flex CPU backend (multi-threaded, SIMD).
    Flex,
    /// burn's ndarray CPU backend.
    Ndarray,
    /// wgpu: the GPU (Vulkan, Metal, DX12); Mesa's lavapipe on a machine without one.
    Wgpu,
}

impl Backend {
    /// The name used on the command line and in the bundle.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Ndarray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }
}

/// The device of a backend; training adds autodiff to it. A backend this binary was built
/// without, or a GPU that is not there, is refused in one line.
pub fn device(backend: Backend) -> Result<Device> {
    let dev = match backend {
        Backend::Flex => Device::flex(),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        Backend::Ndarray => Device::ndarray(),
        #[cfg(feature = "wgpu")]
        Backend::Wgpu => Device::wgpu_options()
            .init()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("--backend wgpu: no usable GPU adapter (on a machine without a GPU, install Mesa's lavapipe: Debian package mesa-vulkan-drivers)")?,
        #[cfg(not(all(feature = "ndarray", feature = "wgpu")))]
        other => bail!(
            "--backend {name}: this genrescope was built without it; build it with \
             `cargo build --release -p genrescope --features {name}`",
            name = other.name()
        ),
    };
    Ok(dev)
}
