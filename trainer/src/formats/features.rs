//! A features folder (`genrescope extract`'s output): its manifest, and reading it row by
//! row, checked first.
//!
//! Nothing is loaded whole: a training batch reads its rows from the `.npy` files (the page
//! cache keeps them warm), so fma_small's tens of GB of features train in bounded memory.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use genrescope_core::Feature;
use ndarray::Array1;
use ndarray_npy::ReadNpyExt;

use genrescope_core::FeatureConfig;
use serde::{Deserialize, Serialize};

/// Progress of an unfinished extraction; the folder is not usable while it is there.
pub const PROGRESS: &str = ".extract-progress.json";
/// The description of the features folder.
pub const MANIFEST: &str = "manifest.json";

/// What `extract` writes about a features folder (`manifest.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Rows (tracks) in every file.
    pub rows: usize,
    /// Samples per signal.
    pub signal_samples: usize,
    /// The feature parameters (librosa's names and defaults).
    pub feature_config: FeatureConfig,
    /// Genre titles; `labels.npy` indexes them.
    pub classes: Vec<String>,
    /// Each feature: its file and shape (N, …).
    pub features: Vec<FeatureFile>,
    /// `labels.npy`: int64, (N,).
    pub labels: String,
    /// `track_ids.npy`: int64, (N,).
    pub track_ids: String,
}

/// One feature's file in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureFile {
    /// The feature's registry name.
    pub name: String,
    /// The file, relative to the folder.
    pub file: String,
    /// Its shape: (N, …) with librosa's per-track shape after N.
    pub shape: Vec<usize>,
}

/// A `.npy` header: element type, shape, and where the data starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyHeader {
    /// numpy's `descr`, e.g. `<f4`.
    pub descr: String,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// Byte offset of the first element.
    pub data_start: u64,
}

/// Reads and checks the header of a C-ordered `.npy` file.
pub fn read_npy_header(path: &Path) -> Result<NpyHeader> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut pre = [0u8; 10];
    f.read_exact(&mut pre)
        .with_context(|| format!("{}: too short for a .npy file", path.display()))?;
    if &pre[..6] != b"\x93NUMPY" {
        bail!("{}: not a .npy file", path.display());
    }
    let (len, start) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10u64),
        2 | 3 => {
            let mut more = [0u8; 2];
            f.read_exact(&mut more)?;
            (
                u32::from_le_bytes([pre[8], pre[9], more[0], more[1]]) as usize,
                12u64,
            )
        }
        v => bail!(
            "{}: .npy format version {v} is not supported",
            path.display()
        ),
    };
    let mut dict = vec![0u8; len];
    f.read_exact(&mut dict)
        .with_context(|| format!("{}: truncated .npy header", path.display()))?;
    let dict = String::from_utf8_lossy(&dict);
    let field = |key: &str| -> Option<String> {
        let at = dict.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = dict[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest.to_string())
    };
    let descr = field("descr")
        .and_then(|r| {
            r.strip_prefix('\'')
                .and_then(|r| r.split('\'').next().map(String::from))
        })
        .with_context(|| format!("{}: .npy header has no descr", path.display()))?;
    if field("fortran_order").is_some_and(|r| r.starts_with("True")) {
        bail!(
            "{}: Fortran-ordered .npy files are not supported",
            path.display()
        );
    }
    let shape_text = field("shape")
        .and_then(|r| {
            r.strip_prefix('(')
                .and_then(|r| r.split(')').next().map(String::from))
        })
        .with_context(|| format!("{}: .npy header has no shape", path.display()))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{}: bad shape ({shape_text})", path.display()))?;
    Ok(NpyHeader {
        descr,
        shape,
        data_start: start + len as u64,
    })
}

/// A checked features folder.
#[derive(Debug)]
pub struct FeatureStore {
    /// The folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// `labels.npy`.
    pub labels: Vec<usize>,
    /// `track_ids.npy`.
    pub track_ids: Vec<u64>,
}

impl FeatureStore {
    /// Opens `dir`, checking that every file the manifest lists is complete and has the
    /// manifest's row count and shape.
    pub fn open(dir: &Path) -> Result<FeatureStore> {
        let mpath = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&mpath).with_context(|| {
            format!(
                "cannot read {} (is {} a folder `genrescope extract` wrote?)",
                mpath.display(),
                dir.display()
            )
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an extract manifest", mpath.display()))?;
        if dir.join(PROGRESS).exists() {
            bail!(
                "{}: extraction is unfinished; run `genrescope extract` again to complete it",
                dir.display()
            );
        }
        let rows = manifest.rows;
        let read_ints = |name: &str| -> Result<Vec<i64>> {
            let p = dir.join(name);
            let f = File::open(&p).with_context(|| format!("cannot open {}", p.display()))?;
            let a = Array1::<i64>::read_npy(BufReader::new(f))
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("{}: not an int64 vector", p.display()))?;
            if a.len() != rows {
                bail!(
                    "{}: {} rows, but {} says {rows}",
                    p.display(),
                    a.len(),
                    mpath.display()
                );
            }
            Ok(a.to_vec())
        };
        let labels = read_ints(&manifest.labels)?;
        let track_ids = read_ints(&manifest.track_ids)?;
        let classes = manifest.classes.len();
        let labels = labels
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                usize::try_from(l)
                    .ok()
                    .filter(|&l| l < classes)
                    .with_context(|| {
                        format!(
                            "{}: row {i} has label {l}, outside the {classes} classes",
                            manifest.labels
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let track_ids = track_ids.into_iter().map(|t| t as u64).collect();
        let store = FeatureStore {
            dir: dir.to_owned(),
            manifest,
            labels,
            track_ids,
        };
        for f in &store.manifest.features {
            store.check(f.name.as_str())?;
        }
        Ok(store)
    }

    fn check(&self, name: &str) -> Result<NpyHeader> {
        let file = self
            .manifest
            .features
            .iter()
            .find(|f| f.name == name)
            .with_context(|| format!("{} holds no feature `{name}`", self.dir.display()))?;
        let path = self.dir.join(&file.file);
        let h = read_npy_header(&path)?;
        if h.descr != "<f4" {
            bail!(
                "{}: dtype {}, expected float32 (<f4)",
                path.display(),
                h.descr
            );
        }
        if h.shape != file.shape {
            let what = if h.shape.first() != file.shape.first() {
                format!(
                    "{} rows, but manifest.json says {}",
                    h.shape.first().copied().unwrap_or(0),
                    self.manifest.rows
                )
            } else {
                format!(
                    "shape {:?}, but manifest.json says {:?}",
                    h.shape, file.shape
                )
            };
            bail!("{}: {what}", path.display());
        }
        let want = h.data_start + 4 * h.shape.iter().product::<usize>() as u64;
        let len = std::fs::metadata(&path)?.len();
        if len < want {
            bail!(
                "{}: {len} bytes, its header promises {want}: the file is truncated",
                path.display()
            );
        }
        Ok(h)
    }

    /// The features the folder holds, in registry order.
    pub fn features(&self) -> Result<Vec<Feature>> {
        let mut out: Vec<Feature> = self
            .manifest
            .features
            .iter()
            .map(|f| Feature::from_name(&f.name))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}/{MANIFEST}", self.dir.display()))?;
        out.sort();
        Ok(out)
    }

    /// A reader of `feature`'s rows.
    pub fn rows(&self, feature: Feature) -> Result<RowReader> {
        let h = self.check(feature.name())?;
        let file = self
            .manifest
            .features
            .iter()
            .find(|f| f.name == feature.name())
            .expect("checked");
        let path = self.dir.join(&file.file);
        Ok(RowReader {
            file: File::open(&path).with_context(|| format!("cannot open {}", path.display()))?,
            shape: h.shape[1..].to_vec(),
            data_start: h.data_start,
            row_len: h.shape[1..].iter().product(),
            bytes: Vec::new(),
            path,
        })
    }
}

/// Reads single rows of one feature's `.npy`.
#[derive(Debug)]
pub struct RowReader {
    file: File,
    path: PathBuf,
    /// Shape of one row (the file's shape without N).
    pub shape: Vec<usize>,
    data_start: u64,
    row_len: usize,
    bytes: Vec<u8>,
}

impl RowReader {
    /// Reads row `i` into `out`.
    pub fn read(&mut self, i: usize, out: &mut Vec<f32>) -> Result<()> {
        self.bytes.resize(self.row_len * 4, 0);
        self.file.seek(SeekFrom::Start(
            self.data_start + (i * self.row_len * 4) as u64,
        ))?;
        self.file
            .read_exact(&mut self.bytes)
            .with_context(|| format!("{}: reading row {i}", self.path.display()))?;
        out.clear();
        out.extend(
            self.bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        Ok(())
    }
}
