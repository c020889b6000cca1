//! A features folder (`genrescope extract`'s output): its manifest, and reading it row by
//! row, checked first.
//!
//! Nothing is loaded whole: a training batch reads its rows from the `.npy` files (the page
//! cache keeps them warm), so fma_small's tens of GB of features train in bounded memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use genrescope_core::Feature;
use ndarray::Array1;
use ndarray_npy::ReadNpyExt;

use genrescope_core::FeatureConfig;
use serde::{Deserialize, Serialize};

use crate::shard::Shard;

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
    /// `I/N` when the folder is one shard of a dataset; absent for a whole one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The tracks whose features could not be computed, by row: their rows hold zeros, and
    /// `train` leaves them out. Absent when every track's features were computed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<FailedTrack>,
}

/// A track `extract` could not compute the features of, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedTrack {
    /// Its row in every file.
    pub row: usize,
    /// FMA's `track_id`.
    pub track_id: u64,
    /// What went wrong, in one line.
    pub error: String,
}

impl Manifest {
    /// Refuses a manifest whose files are not plain names in its own folder (`../x.npy`,
    /// `/etc/passwd`): a downloaded features folder reads nothing outside itself.
    fn check_file_names(&self, mpath: &Path) -> Result<()> {
        let names = [&self.labels, &self.track_ids]
            .into_iter()
            .chain(self.features.iter().map(|f| &f.file));
        for name in names {
            let plain = Path::new(name)
                .file_name()
                .is_some_and(|n| n == name.as_str());
            if !plain || name.contains(['/', '\\']) {
                bail!(
                    "{}: file {name:?} is not a plain file name in the folder",
                    mpath.display()
                );
            }
        }
        Ok(())
    }
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

/// A checked features location: one folder `extract` wrote, or every shard of one
/// (`shard-I-of-N/` folders, read in shard order as one table).
#[derive(Debug)]
pub struct FeatureStore {
    /// The location.
    pub dir: PathBuf,
    /// Its manifest; for shards, theirs combined (rows summed, no shard).
    pub manifest: Manifest,
    /// `labels.npy`, every part's in order.
    pub labels: Vec<usize>,
    /// `track_ids.npy`, every part's in order.
    pub track_ids: Vec<u64>,
    /// The rows (of the whole) whose features failed in `extract`, ascending: not to learn from.
    pub failed: Vec<usize>,
    parts: Vec<Part>,
}

/// One folder of a location, and the row its first row has in the whole.
#[derive(Debug)]
struct Part {
    dir: PathBuf,
    manifest: Manifest,
    first: usize,
}

/// One checked folder: its manifest, labels and track ids.
struct Folder {
    manifest: Manifest,
    labels: Vec<usize>,
    track_ids: Vec<u64>,
}

impl FeatureStore {
    /// Opens `dir`: a features folder, or a location of shards (each checked, the set refused
    /// when one is missing or unfinished, a track is in two, or they hold different features,
    /// classes, settings or shard counts). Every file a manifest lists must be complete and
    /// have its row count and shape.
    pub fn open(dir: &Path) -> Result<FeatureStore> {
        let shards = if dir.join(MANIFEST).exists() {
            Vec::new()
        } else {
            Shard::find(dir)?
        };
        if shards.is_empty() {
            let folder = open_folder(dir)?;
            return Ok(FeatureStore {
                dir: dir.to_owned(),
                manifest: folder.manifest.clone(),
                labels: folder.labels,
                track_ids: folder.track_ids,
                failed: folder.manifest.failed.iter().map(|f| f.row).collect(),
                parts: vec![Part {
                    dir: dir.to_owned(),
                    manifest: folder.manifest,
                    first: 0,
                }],
            });
        }
        let mut store = FeatureStore {
            dir: dir.to_owned(),
            manifest: Manifest {
                rows: 0,
                shard: None,
                failed: Vec::new(),
                ..open_folder(&dir.join(shards[0].name()))?.manifest
            },
            labels: Vec::new(),
            track_ids: Vec::new(),
            failed: Vec::new(),
            parts: Vec::new(),
        };
        let mut owner: HashMap<u64, Shard> = HashMap::new();
        for shard in shards {
            let part = dir.join(shard.name());
            let folder = open_folder(&part).with_context(|| format!("shard {shard}"))?;
            store.check_shard(shard, &part, &folder)?;
            for &id in &folder.track_ids {
                if let Some(other) = owner.insert(id, shard) {
                    bail!(
                        "{}: track {id} is in shard {other} and in shard {shard}; one run's \
                         shards hold each track once",
                        dir.display()
                    );
                }
            }
            let first = store.manifest.rows;
            store
                .failed
                .extend(folder.manifest.failed.iter().map(|f| first + f.row));
            store.parts.push(Part {
                dir: part,
                first,
                manifest: folder.manifest.clone(),
            });
            store.manifest.rows += folder.manifest.rows;
            store.labels.extend(folder.labels);
            store.track_ids.extend(folder.track_ids);
        }
        for f in &mut store.manifest.features {
            f.shape[0] = store.manifest.rows;
        }
        Ok(store)
    }

    /// A shard must say it is that shard and match the others in everything but its rows.
    fn check_shard(&self, shard: Shard, part: &Path, folder: &Folder) -> Result<()> {
        let m = &folder.manifest;
        if m.shard.as_deref() != Some(shard.to_string().as_str()) {
            bail!(
                "{}: its manifest says shard {}, its folder shard {shard}",
                part.display(),
                m.shard.as_deref().unwrap_or("none")
            );
        }
        let first = &self.manifest;
        let names = |m: &Manifest| {
            m.features
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        };
        let differs = if m.feature_config != first.feature_config {
            Some("feature settings")
        } else if m.signal_samples != first.signal_samples {
            Some("signal lengths")
        } else if m.classes != first.classes {
            Some("classes")
        } else if names(m) != names(first) {
            Some("features")
        } else {
            None
        };
        if let Some(what) = differs {
            bail!(
                "{}: shard {shard} has other {what} than shard 0/{}: shards of different runs",
                self.dir.display(),
                shard.count
            );
        }
        Ok(())
    }

    /// The features the location holds, in registry order.
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

    /// A reader of `feature`'s rows, across every part.
    pub fn rows(&self, feature: Feature) -> Result<RowReader> {
        let mut parts = Vec::with_capacity(self.parts.len());
        let mut shape = None;
        for part in &self.parts {
            let (path, h) = check_feature(&part.dir, &part.manifest, feature.name())?;
            let row_shape = h.shape[1..].to_vec();
            if shape.get_or_insert_with(|| row_shape.clone()) != &row_shape {
                bail!(
                    "{}: rows of another shape than the other shards'",
                    path.display()
                );
            }
            parts.push(RowFile {
                file: File::open(&path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
                path,
                first: part.first,
                rows: h.shape[0],
                data_start: h.data_start,
            });
        }
        let shape = shape.unwrap_or_default();
        Ok(RowReader {
            row_len: shape.iter().product(),
            shape,
            parts,
            bytes: Vec::new(),
        })
    }
}

/// Opens one features folder, checking every file its manifest lists.
fn open_folder(dir: &Path) -> Result<Folder> {
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
    manifest.check_file_names(&mpath)?;
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
    let mut previous = None;
    for f in &manifest.failed {
        if track_ids.get(f.row) != Some(&(f.track_id as i64)) || previous >= Some(f.row) {
            bail!(
                "{}: failed track {} at row {}: the rows must ascend, each holding its track",
                mpath.display(),
                f.track_id,
                f.row
            );
        }
        previous = Some(f.row);
    }
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
                        dir.join(&manifest.labels).display()
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let track_ids = track_ids.into_iter().map(|t| t as u64).collect();
    for f in &manifest.features {
        check_feature(dir, &manifest, &f.name)?;
    }
    Ok(Folder {
        manifest,
        labels,
        track_ids,
    })
}

/// The feature's file in `dir` and its header, checked against the manifest.
fn check_feature(dir: &Path, manifest: &Manifest, name: &str) -> Result<(PathBuf, NpyHeader)> {
    let file = manifest
        .features
        .iter()
        .find(|f| f.name == name)
        .with_context(|| format!("{} holds no feature `{name}`", dir.display()))?;
    let path = dir.join(&file.file);
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
                manifest.rows
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
    Ok((path, h))
}

/// One part's `.npy` of a feature.
#[derive(Debug)]
struct RowFile {
    file: File,
    path: PathBuf,
    first: usize,
    rows: usize,
    data_start: u64,
}

/// Reads single rows of one feature, across the location's parts.
#[derive(Debug)]
pub struct RowReader {
    parts: Vec<RowFile>,
    /// Shape of one row (the file's shape without N).
    pub shape: Vec<usize>,
    row_len: usize,
    bytes: Vec<u8>,
}

impl RowReader {
    /// Reads row `i` (of the whole location) into `out`.
    pub fn read(&mut self, i: usize, out: &mut Vec<f32>) -> Result<()> {
        let k = self.parts.partition_point(|p| p.first + p.rows <= i);
        let Some(part) = self.parts.get_mut(k) else {
            bail!("row {i} is past the end of the features");
        };
        self.bytes.resize(self.row_len * 4, 0);
        part.file.seek(SeekFrom::Start(
            part.data_start + ((i - part.first) * self.row_len * 4) as u64,
        ))?;
        part.file
            .read_exact(&mut self.bytes)
            .with_context(|| format!("{}: reading row {}", part.path.display(), i - part.first))?;
        out.clear();
        out.extend(
            self.bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        Ok(())
    }
}
