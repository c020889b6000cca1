//! The files `genrescope tag` was given: files as named, folders (and object-store prefixes)
//! searched for audio.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use genrescope_core::audio::EXTENSIONS;

use crate::location::Location;

/// Every file to tag, as [`collect`] finds them; an object-store prefix contributes its audio
/// objects (by extension, hidden ones skipped) in sorted order, and an object named whole is
/// tagged as named.
pub fn collect_locations(inputs: &[Location]) -> Result<Vec<Location>> {
    let mut files = Vec::new();
    let mut local = Vec::new();
    let flush = |local: &mut Vec<PathBuf>, files: &mut Vec<Location>| -> Result<()> {
        files.extend(collect(local)?.into_iter().map(Location::Local));
        local.clear();
        Ok(())
    };
    for input in inputs {
        match input {
            Location::Local(p) => local.push(p.clone()),
            #[cfg(feature = "cloud")]
            Location::Remote(r) => {
                flush(&mut local, &mut files)?;
                let audio: Vec<Location> = r
                    .list()?
                    .into_iter()
                    .filter(|(rel, _)| !rel.split('/').any(|part| part.starts_with('.')))
                    .filter(|(rel, _)| is_audio(Path::new(rel)))
                    .map(|(rel, _)| input.join(&rel))
                    .collect();
                if audio.is_empty() && !r.exists()? {
                    bail!(
                        "{input}: no audio objects ({}) under this prefix",
                        EXTENSIONS.join(", ")
                    );
                }
                if audio.is_empty() {
                    files.push(input.clone());
                }
                files.extend(audio);
            }
        }
    }
    flush(&mut local, &mut files)?;
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(f.to_string()));
    Ok(files)
}

/// Every file to tag, in the order given; a folder contributes its audio files (by
/// extension, hidden ones skipped) recursively in sorted order. A file named on the command
/// line is tagged whatever its extension; one that is missing fails later on its own line.
pub fn collect(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = 0usize;
            walk(input, &mut |p| {
                found += 1;
                if seen.insert(p.clone()) {
                    files.push(p);
                }
            })?;
            if found == 0 {
                bail!(
                    "{}: no audio files ({}) in this folder",
                    input.display(),
                    EXTENSIONS.join(", ")
                );
            }
        } else if seen.insert(input.clone()) {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Calls `found` with every audio file under `dir` (by extension, hidden ones skipped), in sorted
/// order.
pub fn walk(dir: &Path, found: &mut impl FnMut(PathBuf)) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .and_then(|r| r.collect::<std::io::Result<Vec<_>>>())
        .with_context(|| format!("cannot list the folder {}", dir.display()))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // A symbolic link to a folder is not followed: no loops.
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot stat {}", path.display()))?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if is_audio(&path) {
            found(path);
        }
    }
    Ok(())
}

/// Whether `path` has an audio file's extension.
pub fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
