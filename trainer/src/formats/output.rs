//! Writing outputs without ever leaving a torn file: write beside, then rename.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ndarray::ArrayViewD;
use ndarray_npy::WriteNpyExt;

/// Writes `path` atomically: the bytes go to a temporary file in the same folder, which is
/// renamed over `path` only once complete.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> Result<()>,
) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// Writes a float32 array as `.npy`, atomically.
pub fn write_npy(path: &Path, array: ArrayViewD<f32>) -> Result<()> {
    write_atomic(path, |w| {
        // `.npy` of a non-contiguous view would be Fortran-ordered; keep C order for numpy users.
        let owned = array.as_standard_layout();
        owned
            .write_npy(&mut *w)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        w.flush()?;
        Ok(())
    })
}

/// Writes pretty JSON, atomically.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")?;
        Ok(())
    })
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}
