//! Where a stage reads and writes: a local path, or a prefix in object storage —
//! `s3://bucket/prefix` (AWS S3 and S3-compatible stores), `gs://`, `az://` — as Apache Arrow's
//! `object_store` crate provides them (the `cloud` feature). `file://…` is a local path.
//!
//! Object stores are configured by their own environment variables: for S3 `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL` (an
//! S3-compatible store) and `AWS_ALLOW_HTTP=true` (one on plain HTTP); `GOOGLE_*` and `AZURE_*`
//! likewise. Requests are retried three times within 20 s and connections time out after 5 s,
//! so an unreachable store fails in bounded time. Credentials never appear in messages: every
//! error text is scrubbed of the credential variables' values.
//!
//! Objects are written whole: one PUT, or a multipart upload that becomes visible only once
//! completed; a stage that writes a folder writes its completion marker (a manifest) last.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Result, bail};

#[cfg(feature = "cloud")]
pub mod remote;

/// A local path or an object-storage prefix.
#[derive(Clone, Debug)]
pub enum Location {
    /// A file or folder on this machine.
    Local(PathBuf),
    /// A prefix in an object store.
    #[cfg(feature = "cloud")]
    Remote(remote::Remote),
}

/// The URL schemes read as object storage.
const SCHEMES: &[&str] = &["s3", "s3a", "gs", "az", "adl", "azure", "abfs", "abfss"];

impl Location {
    /// `path` or `url`: a URL of an object store, `file://path`, or a local path.
    pub fn parse(text: &str) -> Result<Location> {
        if let Some(path) = text.strip_prefix("file://") {
            return Ok(Location::Local(PathBuf::from(path)));
        }
        let Some((scheme, _)) = text.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(text)));
        };
        if !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            bail!(
                "{text}: unknown location scheme `{scheme}` (s3://, gs://, az://, file:// or a path)"
            );
        }
        #[cfg(feature = "cloud")]
        {
            Ok(Location::Remote(remote::Remote::parse(text)?))
        }
        #[cfg(not(feature = "cloud"))]
        {
            bail!(
                "{text}: this genrescope was built without object storage; build it with \
                 `cargo build --release -p genrescope --features cloud`"
            )
        }
    }

    /// The location `name` inside this one.
    pub fn join(&self, name: &str) -> Location {
        match self {
            Location::Local(p) => Location::Local(p.join(name)),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => Location::Remote(r.join(name)),
        }
    }

    /// The last part of the path: the file's or object's name.
    pub fn file_name(&self) -> String {
        match self {
            Location::Local(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => r.name(),
        }
    }

    /// The location named `name` beside this one.
    pub fn sibling(&self, name: &str) -> Location {
        match self {
            Location::Local(p) => Location::Local(p.with_file_name(name)),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => Location::Remote(r.sibling(name)),
        }
    }

    /// A local file standing for this file or object: the path itself, or a file in the
    /// local cache holding the object's bytes when it exists (to resume it), written back with
    /// [`Location::upload`].
    pub fn local_copy(&self) -> Result<PathBuf> {
        match self {
            Location::Local(p) => Ok(p.clone()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => {
                let path = self.staging()?.join(r.name());
                match r.get_opt()? {
                    Some(bytes) => std::fs::write(&path, &bytes)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
                    None => {
                        std::fs::remove_file(&path).ok();
                    }
                }
                Ok(path)
            }
        }
    }

    /// Writes a local file as this object (nothing to do for a local location: the file is
    /// there).
    pub fn upload(&self, file: &Path) -> Result<()> {
        let _ = file;
        match self {
            Location::Local(_) => Ok(()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => r.put_file(file),
        }
    }

    /// The local path, when the location is one.
    pub fn as_local(&self) -> Option<&Path> {
        match self {
            Location::Local(p) => Some(p),
            #[cfg(feature = "cloud")]
            Location::Remote(_) => None,
        }
    }

    /// Whether the file or object exists.
    pub fn exists(&self) -> Result<bool> {
        match self {
            Location::Local(p) => Ok(p.exists()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => r.exists(),
        }
    }

    /// The file's or object's bytes; `None` when there is none.
    pub fn read_opt(&self) -> Result<Option<Vec<u8>>> {
        match self {
            Location::Local(p) => match std::fs::read(p) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => bail!("cannot read {}: {e}", p.display()),
            },
            #[cfg(feature = "cloud")]
            Location::Remote(r) => Ok(r.get_opt()?.map(|b| b.to_vec())),
        }
    }

    /// Writes the file or object whole: beside and renamed, or in one PUT.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match self {
            Location::Local(p) => {
                if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
                }
                crate::formats::output::write_atomic(p, |w| {
                    std::io::Write::write_all(w, bytes)?;
                    Ok(())
                })
            }
            #[cfg(feature = "cloud")]
            Location::Remote(r) => r.put(bytes.to_vec()),
        }
    }

    /// Pretty JSON, written whole.
    pub fn write_json(&self, value: &impl serde::Serialize) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(value)?;
        bytes.push(b'\n');
        self.write(&bytes)
    }

    /// The files or objects directly in this folder or prefix, with their sizes, sorted.
    pub fn list(&self) -> Result<Vec<(String, u64)>> {
        match self {
            Location::Local(p) => {
                let mut out = Vec::new();
                let entries = std::fs::read_dir(p)
                    .map_err(|e| anyhow::anyhow!("cannot list {}: {e}", p.display()))?;
                for entry in entries.flatten() {
                    let meta = entry.metadata()?;
                    if meta.is_file() {
                        out.push((entry.file_name().to_string_lossy().into_owned(), meta.len()));
                    }
                }
                out.sort();
                Ok(out)
            }
            #[cfg(feature = "cloud")]
            Location::Remote(r) => Ok(r
                .list()?
                .into_iter()
                .filter(|(name, _)| !name.contains('/'))
                .collect()),
        }
    }

    /// A local copy to read: the path itself, or everything under the prefix (or the one
    /// object it names) downloaded into this machine's cache (objects already there at the
    /// same size are not fetched again).
    pub fn fetch(&self) -> Result<PathBuf> {
        self.fetch_with(&[])
    }

    /// As [`Location::fetch`]; when the location names one object, the `siblings` beside it
    /// that exist come too (a table's `classes.json`).
    pub fn fetch_with(&self, siblings: &[&str]) -> Result<PathBuf> {
        let _ = siblings;
        match self {
            Location::Local(p) => Ok(p.clone()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => r.download(&cache_dir(r), siblings),
        }
    }

    /// A local folder to write this output into before [`Location::publish`]: the path
    /// itself, or a staging folder in this machine's cache.
    pub fn staging(&self) -> Result<PathBuf> {
        match self {
            Location::Local(p) => Ok(p.clone()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => {
                let dir = cache_dir(r).join(".staging");
                std::fs::create_dir_all(&dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the staging folder {}: {e}", dir.display())
                })?;
                Ok(dir)
            }
        }
    }

    /// Makes what was written into [`Location::staging`] the location's content: nothing to
    /// do for a local path; every file uploaded for a prefix, the names in `last` (the
    /// completion markers) after all the others, then the staging folder removed.
    pub fn publish(&self, staged: &Path, last: &[&str]) -> Result<()> {
        let _ = (staged, last); // a local location was written in place
        match self {
            Location::Local(_) => Ok(()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => {
                r.upload_dir(staged, last)?;
                std::fs::remove_dir_all(staged).ok();
                Ok(())
            }
        }
    }
}

#[cfg(feature = "cloud")]
fn cache_dir(r: &remote::Remote) -> PathBuf {
    let base = std::env::var_os("GENRESCOPE_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/genrescope")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("objects").join(r.cache_name())
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(p) => write!(f, "{}", p.display()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => write!(f, "{r}"),
        }
    }
}

impl FromStr for Location {
    type Err = String;

    fn from_str(s: &str) -> Result<Location, String> {
        Location::parse(s).map_err(|e| format!("{e:#}"))
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::Local(p)
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::Local(p.to_path_buf())
    }
}
