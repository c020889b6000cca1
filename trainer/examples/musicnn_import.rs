//! Turns MusiCNN's exported TensorFlow variables into the Burnpack files `genrescope tag` and
//! the page load:
//!
//! ```text
//! tools/musicnn/run.sh export /tmp/musicnn        # one .npy per checkpoint variable
//! cargo run --release --example musicnn_import -- /tmp/musicnn models/musicnn
//! ```
//!
//! Reads `<export>/<msd|mtt>/<scope>__<name>.npy`, checks every shape against the burn layout
//! (`MusiCnn::from_tensorflow`), and writes `<out>/msd_musicnn.bpk` and `<out>/mtt_musicnn.bpk`.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use genrescope_core::model::burn::module::Module;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::musicnn::TagModel;
use genrescope_core::musicnn::net::MusiCnn;
use ndarray::ArrayD;
use ndarray_npy::read_npy;

fn main() -> Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [export, out] = args.as_slice() else {
        bail!("usage: musicnn_import EXPORT_DIR OUT_DIR");
    };
    std::fs::create_dir_all(out)?;
    let device = Device::flex();
    for model in TagModel::ALL {
        let dir = export.join(model.name());
        let net = MusiCnn::from_tensorflow(|name| read(&dir, name), &device)
            .with_context(|| format!("{}", dir.display()))?;
        let bytes = net
            .into_record()
            .into_bytes()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let path = out.join(model.weights_file());
        let tmp = path.with_extension("bpk.partial");
        std::fs::write(&tmp, &*bytes)?;
        std::fs::rename(&tmp, &path)?;
        println!(
            "{} -> {} ({} bytes)",
            dir.display(),
            path.display(),
            bytes.len()
        );
    }
    Ok(())
}

fn read(dir: &Path, name: &str) -> genrescope_core::Result<(Vec<usize>, Vec<f32>)> {
    let path = dir.join(format!("{}.npy", name.replace('/', "__")));
    let a: ArrayD<f32> = read_npy(&path).map_err(|e| genrescope_core::Error::MissingFile {
        file: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let shape = a.shape().to_vec();
    Ok((shape, a.into_iter().collect()))
}
