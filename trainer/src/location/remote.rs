//! Object-storage prefixes through `object_store`, driven from the stages' synchronous code by
//! one shared tokio runtime.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::buffered::BufWriter;
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use tokio::io::AsyncWriteExt;

/// A prefix (or one object) in an object store.
#[derive(Clone)]
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    /// `scheme://bucket`, for messages.
    base: String,
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Remote({self})")
    }
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.as_ref().is_empty() {
            write!(f, "{}", self.base)
        } else {
            write!(f, "{}/{}", self.base, self.prefix)
        }
    }
}

/// The runtime every object-store call runs on (rayon's workers block on it).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the object-store runtime: {e}"))
    })
}

/// `text` with every credential variable's value replaced by `***`.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_owned();
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_ACCESS_KEY",
        "AZURE_STORAGE_SAS_KEY",
        "AZURE_CLIENT_SECRET",
    ] {
        if let Ok(value) = std::env::var(var)
            && value.len() >= 4
        {
            out = out.replace(&value, "***");
        }
    }
    out
}

/// Bounded retries and timeouts: an unreachable store fails in about 20 s, not minutes.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(4),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(20),
    }
}

/// Connection and request time limits, added to what the environment configures (replacing
/// the client options would drop settings such as `AWS_ALLOW_HTTP`).
const TIMEOUTS: [(ClientConfigKey, &str); 2] = [
    (ClientConfigKey::ConnectTimeout, "5s"),
    (ClientConfigKey::Timeout, "300s"),
];

impl Remote {
    /// Opens the store of `url` (`s3://bucket/prefix`, `gs://…`, `az://…`) from the
    /// environment.
    pub fn parse(url: &str) -> Result<Remote> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| anyhow!("{url}: not a URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("{url}: no bucket (s3://bucket/prefix)");
        }
        let base = format!("{scheme}://{bucket}");
        let built: Result<Arc<dyn ObjectStore>, object_store::Error> =
            match scheme.to_ascii_lowercase().as_str() {
                "s3" | "s3a" => TIMEOUTS
                    .iter()
                    .fold(AmazonS3Builder::from_env(), |b, (k, v)| {
                        b.with_config(AmazonS3ConfigKey::Client(*k), *v)
                    })
                    .with_url(base.as_str())
                    .with_retry(retry())
                    .build()
                    .map(|s| Arc::new(s) as _),
                "gs" => TIMEOUTS
                    .iter()
                    .fold(GoogleCloudStorageBuilder::from_env(), |b, (k, v)| {
                        b.with_config(GoogleConfigKey::Client(*k), *v)
                    })
                    .with_url(base.as_str())
                    .with_retry(retry())
                    .build()
                    .map(|s| Arc::new(s) as _),
                _ => TIMEOUTS
                    .iter()
                    .fold(MicrosoftAzureBuilder::from_env(), |b, (k, v)| {
                        b.with_config(AzureConfigKey::Client(*k), *v)
                    })
                    .with_url(base.as_str())
                    .with_retry(retry())
                    .build()
                    .map(|s| Arc::new(s) as _),
            };
        let store = built.map_err(|e| anyhow!("{url}: {}", scrub(&e.to_string())))?;
        let prefix = ObjectPath::parse(prefix.trim_matches('/'))
            .map_err(|e| anyhow!("{url}: not a valid object path: {e}"))?;
        Ok(Remote {
            store,
            prefix,
            base,
        })
    }

    /// `name` (one or more `/`-separated parts) under this prefix.
    pub fn join(&self, name: &str) -> Remote {
        let mut prefix = self.prefix.clone();
        for part in name.split('/').filter(|p| !p.is_empty()) {
            prefix = prefix.clone().join(part);
        }
        Remote {
            store: self.store.clone(),
            prefix,
            base: self.base.clone(),
        }
    }

    /// The object named `name` beside this one.
    pub fn sibling(&self, name: &str) -> Remote {
        let parts: Vec<&str> = self.prefix.as_ref().split('/').collect();
        let parent = parts[..parts.len().saturating_sub(1)].join("/");
        let mut prefix = ObjectPath::from_iter(parent.split('/').filter(|p| !p.is_empty()));
        prefix = prefix.join(name);
        Remote {
            store: self.store.clone(),
            prefix,
            base: self.base.clone(),
        }
    }

    /// The last part of the path (the object's or folder's name).
    pub fn name(&self) -> String {
        self.prefix.filename().unwrap_or_default().to_owned()
    }

    /// A file name for this location in a local cache.
    pub fn cache_name(&self) -> String {
        self.to_string()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    fn fail(&self, e: object_store::Error) -> anyhow::Error {
        match e {
            object_store::Error::NotFound { .. } => anyhow!("{self}: no such object"),
            e => anyhow!("{self}: {}", scrub(&e.to_string())),
        }
    }

    /// Whether the object exists.
    pub fn exists(&self) -> Result<bool> {
        match runtime().block_on(self.store.head(&self.prefix)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The object's bytes; `Ok(None)` when there is no such object.
    pub fn get_opt(&self) -> Result<Option<Bytes>> {
        let got = runtime().block_on(async {
            let r = self.store.get(&self.prefix).await?;
            r.bytes().await
        });
        match got {
            Ok(b) => Ok(Some(b)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The object's bytes.
    pub fn get(&self) -> Result<Bytes> {
        self.get_opt()?
            .ok_or_else(|| anyhow!("{self}: no such object"))
    }

    /// Writes the object whole, in one PUT.
    pub fn put(&self, bytes: Vec<u8>) -> Result<()> {
        runtime()
            .block_on(self.store.put(&self.prefix, PutPayload::from(bytes)))
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// A writer that uploads in parts and makes the object visible only when shut down.
    pub fn writer(&self) -> BufWriter {
        BufWriter::new(self.store.clone(), self.prefix.clone())
    }

    /// The object store and path, for the async Parquet reader and writer.
    pub fn parts(&self) -> (Arc<dyn ObjectStore>, ObjectPath) {
        (self.store.clone(), self.prefix.clone())
    }

    /// Uploads a local file as this object (multipart above the buffer's size).
    pub fn put_file(&self, file: &Path) -> Result<()> {
        let mut local =
            fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        let result: Result<()> = runtime().block_on(async {
            let mut w = self.writer();
            let mut buf = vec![0u8; 8 << 20];
            loop {
                let n = local
                    .read(&mut buf)
                    .with_context(|| format!("reading {}", file.display()))?;
                if n == 0 {
                    break;
                }
                if let Err(e) = w.write_all(&buf[..n]).await {
                    w.abort().await.ok();
                    bail!("{self}: {}", scrub(&e.to_string()));
                }
            }
            w.shutdown()
                .await
                .map_err(|e| anyhow!("{self}: {}", scrub(&e.to_string())))
        });
        result
    }

    /// Every object under this prefix: its path relative to the prefix, and its size.
    pub fn list(&self) -> Result<Vec<(String, u64)>> {
        Ok(self
            .list_meta()?
            .into_iter()
            .map(|(rel, size, _)| (rel, size))
            .collect())
    }

    /// Every object under this prefix: its relative path, size and last modification.
    fn list_meta(&self) -> Result<Vec<(String, u64, SystemTime)>> {
        let listed: Vec<object_store::ObjectMeta> = runtime()
            .block_on(self.store.list(Some(&self.prefix)).try_collect())
            .map_err(|e| self.fail(e))?;
        let base = self.prefix.as_ref();
        let mut out: Vec<(String, u64, SystemTime)> = listed
            .into_iter()
            .filter_map(|m| {
                let full = m.location.as_ref().to_owned();
                let rel = if base.is_empty() {
                    full
                } else {
                    full.strip_prefix(base)?.strip_prefix('/')?.to_owned()
                };
                Some((rel, m.size, SystemTime::from(m.last_modified)))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Downloads everything under the prefix into `dir` (or the one object the location
    /// names, into `dir/<its name>`, with the `siblings` beside it that exist): the folder
    /// becomes a copy of the prefix — a file already there at the same size and downloaded
    /// after the object's last change is kept, a file the prefix no longer holds is removed;
    /// returns the local folder or file.
    pub fn download(&self, dir: &Path, siblings: &[&str]) -> Result<PathBuf> {
        let listed = self.list_meta()?;
        if listed.is_empty() {
            // Not a prefix: one object, and the files that go with it.
            let Some(bytes) = self.get_opt()? else {
                bail!("{self}: no such object or prefix");
            };
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let write = |path: &Path, bytes: &[u8]| {
                crate::formats::output::write_atomic(path, |w| {
                    std::io::Write::write_all(w, bytes)?;
                    Ok(())
                })
            };
            let path = dir.join(self.name());
            write(&path, &bytes)?;
            for name in siblings {
                if let Some(bytes) = self.sibling(name).get_opt()? {
                    write(&dir.join(name), &bytes)?;
                }
            }
            return Ok(path);
        }
        let mut keep = std::collections::HashSet::new();
        for (rel, size, changed) in listed {
            let path = dir.join(&rel);
            keep.insert(path.clone());
            let fresh = fs::metadata(&path)
                .is_ok_and(|m| m.len() == size && m.modified().is_ok_and(|local| local >= changed));
            if fresh {
                continue;
            }
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let bytes = self.join(&rel).get()?;
            crate::formats::output::write_atomic(&path, |w| {
                std::io::Write::write_all(w, &bytes)?;
                Ok(())
            })?;
        }
        let mut local = Vec::new();
        collect_files(dir, dir, &mut local)?;
        for rel in local {
            let path = dir.join(&rel);
            if !keep.contains(&path) {
                fs::remove_file(&path)
                    .with_context(|| format!("cannot remove the stale copy {}", path.display()))?;
            }
        }
        prune_empty(dir);
        Ok(dir.to_path_buf())
    }

    /// Uploads every file under `dir` (hidden ones and temporaries skipped) to the same names
    /// under the prefix, the names in `last` after all the others.
    pub fn upload_dir(&self, dir: &Path, last: &[&str]) -> Result<()> {
        let mut files = Vec::new();
        collect_files(dir, dir, &mut files)?;
        files.sort_by_key(|rel| last.contains(&rel.as_str()));
        for rel in files {
            self.join(&rel).put_file(&dir.join(&rel))?;
        }
        Ok(())
    }
}

/// Removes the empty folders under `dir` (what a removed prefix leaves in a copy).
fn prune_empty(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
            prune_empty(&entry.path());
            // Fails, as it should, when the folder still holds something.
            let _ = fs::remove_dir(entry.path());
        }
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".partial") {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
