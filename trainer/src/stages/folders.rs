//! Stage 0 for your own music (`pipeline --folders DIR`): every subfolder of `DIR` is a genre
//! named after it, every audio file under it (searched recursively) one of its tracks. Writes
//! the same cleaned table `generalise` writes for FMA — tracks numbered from 1 in the order
//! of their paths, `path` relative to `DIR`, no subset and no split (so `train` draws its
//! stratified 80/10/10 split from `--seed`) — with `dataset.json` and a report. Audio files
//! in no subfolder and genres without audio are reported, not fatal; files that do not decode
//! are stage 1's failures, as FMA's are.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::fma::clean::{self, CleanTrack, Dataset};
use crate::formats::output::write_json;
use crate::location::Location;
use crate::stages::tag::inputs;

/// Where the genre folders are, and where the table goes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The folder whose subfolders are genres.
    pub root: PathBuf,
    /// Where to write tracks.parquet, tracks.csv, classes.json, dataset.json, report.json.
    pub output: Location,
}

/// What was found; `report.json` is its serialised form.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The genre folders' parent.
    pub root: String,
    /// Audio files found in the genre folders.
    pub tracks: usize,
    /// Genre → its audio files.
    pub per_genre: BTreeMap<String, usize>,
    /// Audio files directly in the root, in no genre: left out.
    pub outside_genres: Vec<String>,
    /// Subfolders with no audio file: not genres.
    pub empty_genres: Vec<String>,
    /// Wall time.
    pub seconds: f64,
    /// The folder written.
    #[serde(skip)]
    pub output: String,
}

/// Lists the genre folders and writes the cleaned table.
pub fn run(options: &Options) -> Result<Report> {
    let started = Instant::now();
    let root = &options.root;
    if !root.is_dir() {
        bail!(
            "--folders {}: not a folder (its subfolders are the genres)",
            root.display()
        );
    }
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(root)
        .and_then(|r| r.collect())
        .with_context(|| format!("cannot list the folder {}", root.display()))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    let mut report = Report {
        root: root.display().to_string(),
        tracks: 0,
        per_genre: BTreeMap::new(),
        outside_genres: Vec::new(),
        empty_genres: Vec::new(),
        seconds: 0.0,
        output: options.output.to_string(),
    };
    let mut genres: Vec<(String, Vec<String>)> = Vec::new();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            let files = audio_under(root, &path)?;
            if files.is_empty() {
                report.empty_genres.push(name);
            } else {
                genres.push((name, files));
            }
        } else if inputs::is_audio(&path) {
            report.outside_genres.push(name);
        }
    }
    if genres.len() < 2 {
        bail!(
            "--folders {}: {} genre folder{} with audio files ({}); a classifier needs at least two",
            root.display(),
            genres.len(),
            if genres.len() == 1 { "" } else { "s" },
            genrescope_core::audio::EXTENSIONS.join(", ")
        );
    }
    let rows = table(&genres);
    for (genre, files) in &genres {
        report.per_genre.insert(genre.clone(), files.len());
    }
    report.tracks = rows.len();
    let classes: Vec<String> = genres.into_iter().map(|(g, _)| g).collect();
    write(options, &rows, &classes, &mut report, started)?;
    Ok(report)
}

/// The cleaned table: tracks numbered from 1 in genre then path order.
fn table(genres: &[(String, Vec<String>)]) -> Vec<CleanTrack> {
    let mut rows = Vec::new();
    for (label, (genre, files)) in genres.iter().enumerate() {
        for file in files {
            rows.push(CleanTrack {
                track_id: rows.len() as u64 + 1,
                genre: genre.clone(),
                label: label as u32,
                generalised: false,
                subset: String::new(),
                split: String::new(),
                duration: None,
                path: file.clone(),
            });
        }
    }
    rows
}

fn write(
    options: &Options,
    rows: &[CleanTrack],
    classes: &[String],
    report: &mut Report,
    started: Instant,
) -> Result<()> {
    let out = options.output.staging()?;
    fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    clean::write(&out, rows, classes)?;
    let name = options
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| options.root.display().to_string());
    write_json(
        &out.join(clean::DATASET),
        &Dataset {
            name,
            tracks: rows.len(),
            synthesised: false,
        },
    )?;
    report.seconds = started.elapsed().as_secs_f64();
    write_json(&out.join("report.json"), &report)?;
    options.output.publish(&out, &["report.json"])
}

/// The audio files under `dir`, as paths relative to `root` with `/` between parts.
fn audio_under(root: &Path, dir: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    inputs::walk(dir, &mut |p| {
        let rel = p.strip_prefix(root).unwrap_or(&p);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push(parts.join("/"));
    })?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genres_are_subfolders_and_tracks_are_numbered_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("music");
        for (f, bytes) in [
            ("rock/b.mp3", "x"),
            ("rock/live/a.flac", "x"),
            ("jazz/z.wav", "x"),
            ("jazz/notes.txt", "not audio"),
            ("loose.mp3", "x"),
            ("empty/cover.jpg", "x"),
            (".hidden/c.mp3", "x"),
        ] {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        let out = dir.path().join("generalised");
        let report = run(&Options {
            root: root.clone(),
            output: Location::Local(out.clone()),
        })
        .unwrap();
        assert_eq!(report.outside_genres, ["loose.mp3"]);
        assert_eq!(report.empty_genres, ["empty"]);
        let (tracks, classes) = clean::read(&out).unwrap();
        assert_eq!(classes, ["jazz", "rock"]);
        let rows: Vec<(u64, &str, u32, &str)> = tracks
            .iter()
            .map(|t| (t.track_id, t.genre.as_str(), t.label, t.path.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (1, "jazz", 0, "jazz/z.wav"),
                (2, "rock", 1, "rock/b.mp3"),
                (3, "rock", 1, "rock/live/a.flac"),
            ]
        );
        assert!(tracks.iter().all(|t| t.split.is_empty()));
        let dataset = clean::read_dataset(&out).unwrap().unwrap();
        assert_eq!(
            (dataset.name.as_str(), dataset.tracks, dataset.synthesised),
            ("music", 3, false)
        );
        // One genre is not a classification.
        fs::remove_dir_all(root.join("jazz")).unwrap();
        let err = run(&Options {
            root,
            output: Location::Local(out),
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("1 genre folder with audio files"), "{err}");
    }
}
