//! Stage 0, `generalise`: reads FMA's tracks.csv and genres.csv, gives every track one
//! top-level genre (see [`crate::fma::generalise`] for the rule) and writes the cleaned table
//! with its class list and a report.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::fma::{self, CleanTrack, Outcome, Taxonomy, TracksReader, Unknown};
use crate::formats::output::write_json;
use crate::location::Location;

/// Row problems printed one per line before the rest are only counted.
const SHOWN_PROBLEMS: usize = 20;

/// Where `generalise` reads and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// FMA's `fma_metadata` folder, holding tracks.csv and genres.csv (a path or an
    /// object-store prefix).
    pub metadata_path: Location,
    /// Where to write tracks.parquet, tracks.csv, classes.json and report.json; `generalised`
    /// beside a local metadata folder when `None`.
    pub output: Option<Location>,
}

impl Options {
    /// The output: `--output`, or `generalised` beside a local metadata folder.
    pub fn output_dir(&self) -> Result<Location> {
        if let Some(out) = &self.output {
            return Ok(out.clone());
        }
        let Some(meta) = self.metadata_path.as_local() else {
            bail!(
                "--metadata-path {} is in object storage: give --output",
                self.metadata_path
            );
        };
        Ok(Location::Local(
            meta.parent()
                .unwrap_or_else(|| Path::new("."))
                .join("generalised"),
        ))
    }
}

/// What generalisation did; `report.json` is its serialised form.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Rows of tracks.csv read.
    pub rows: usize,
    /// Rows that could not be read, with why.
    pub unreadable_rows: Vec<String>,
    /// Tracks that kept their `genre_top`.
    pub kept: usize,
    /// Tracks whose genre was derived from `track.genres`.
    pub generalised: usize,
    /// Dropped tracks per reason.
    pub dropped: BTreeMap<&'static str, usize>,
    /// `track.genres` ids that genres.csv does not have.
    pub unknown_genre_ids: Vec<u32>,
    /// `track.genre_top` values that are not top-level genres.
    pub unknown_genre_top: Vec<String>,
    /// Genre title → (tracks with it as `genre_top`, tracks with it after generalisation).
    pub per_genre: BTreeMap<String, (usize, usize)>,
    /// Wall time.
    pub seconds: f64,
    /// Tracks without a `genre_top` in tracks.csv.
    #[serde(skip)]
    pub without_genre_top: usize,
    /// Tracks written.
    #[serde(skip)]
    pub tracks: usize,
    /// The folder written.
    #[serde(skip)]
    pub output: String,
}

/// Runs stage 0.
pub fn run(options: &Options) -> Result<Report> {
    let started = Instant::now();
    let location = options.output_dir()?;
    let meta = &options.metadata_path.fetch()?;
    if !meta.is_dir() {
        bail!(
            "--metadata-path {} is not a folder (FMA's fma_metadata)",
            options.metadata_path
        );
    }
    // An object-store output is written in a local staging folder and uploaded when
    // complete, report.json last (its presence means the tables are complete).
    let out = location.staging()?;
    let taxonomy = Taxonomy::read(&meta.join("genres.csv"))?;
    let tracks_path = meta.join("tracks.csv");
    let (mut rows, mut report, unknown) = read_rows(&tracks_path, &taxonomy)?;
    report.output = location.to_string();
    warn_unknown(&unknown);
    let classes = label(&tracks_path, &mut rows, &report)?;

    fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    fma::clean::write(&out, &rows, &classes)?;
    let dataset = fma::clean::read_dataset(meta)?.unwrap_or_else(|| fma::clean::Dataset {
        name: "FMA".into(),
        tracks: 0,
        synthesised: false,
    });
    write_json(
        &out.join(fma::clean::DATASET),
        &fma::clean::Dataset {
            tracks: rows.len(),
            ..dataset
        },
    )?;
    report.unknown_genre_ids = unknown.ids.into_iter().collect();
    report.unknown_genre_top = unknown.titles.into_iter().collect();
    report.tracks = rows.len();
    report.seconds = started.elapsed().as_secs_f64();
    write_json(&out.join("report.json"), &report)?;
    location.publish(&out, &["report.json"])?;
    Ok(report)
}

/// Every row of tracks.csv, generalised; the unreadable and dropped ones counted.
fn read_rows(
    tracks_path: &Path,
    taxonomy: &Taxonomy,
) -> Result<(Vec<CleanTrack>, Report, Unknown)> {
    let reader = TracksReader::open(tracks_path)?;
    let mut unknown = Unknown::default();
    let mut report = Report {
        rows: 0,
        unreadable_rows: Vec::new(),
        kept: 0,
        generalised: 0,
        dropped: BTreeMap::new(),
        unknown_genre_ids: Vec::new(),
        unknown_genre_top: Vec::new(),
        per_genre: BTreeMap::new(),
        seconds: 0.0,
        without_genre_top: 0,
        tracks: 0,
        output: String::new(),
    };
    let mut rows = Vec::new();
    for row in reader {
        report.rows += 1;
        let track = match row {
            Ok(t) => t,
            Err(e) => {
                if report.unreadable_rows.len() < SHOWN_PROBLEMS {
                    eprintln!("genrescope: {}: {e}; row skipped", tracks_path.display());
                }
                report.unreadable_rows.push(e.to_string());
                continue;
            }
        };
        if track.genre_top.is_empty() {
            report.without_genre_top += 1;
        } else {
            report
                .per_genre
                .entry(track.genre_top.clone())
                .or_default()
                .0 += 1;
        }
        let (top, generalised) = match fma::generalise(&track, taxonomy, &mut unknown) {
            Outcome::Kept(top) => (top, false),
            Outcome::Derived(top) => (top, true),
            Outcome::Dropped(reason) => {
                *report.dropped.entry(reason).or_default() += 1;
                continue;
            }
        };
        let Some(genre) = taxonomy.get(top).map(|g| g.title.clone()) else {
            bail!(
                "{}: genre {top} is a top level but not in genres.csv",
                tracks_path.display()
            );
        };
        report.per_genre.entry(genre.clone()).or_default().1 += 1;
        if generalised {
            report.generalised += 1;
        } else {
            report.kept += 1;
        }
        rows.push(CleanTrack {
            track_id: track.track_id,
            genre,
            label: 0,
            generalised,
            subset: track.subset,
            split: track.split,
            duration: track.duration,
            path: fma::audio_path(track.track_id),
        });
    }
    if report.unreadable_rows.len() > SHOWN_PROBLEMS {
        eprintln!(
            "genrescope: … and {} more unreadable rows (all listed in report.json)",
            report.unreadable_rows.len() - SHOWN_PROBLEMS
        );
    }
    if rows.is_empty() {
        bail!(
            "{}: none of its {} rows has a usable genre",
            tracks_path.display(),
            report.rows
        );
    }
    Ok((rows, report, unknown))
}

fn warn_unknown(unknown: &Unknown) {
    if !unknown.ids.is_empty() {
        eprintln!(
            "genrescope: genre ids not in genres.csv, ignored: {}",
            list(unknown.ids.iter())
        );
    }
    if !unknown.titles.is_empty() {
        eprintln!(
            "genrescope: track.genre_top values that are not top-level genres (derived from \
             track.genres instead): {}",
            list(unknown.titles.iter())
        );
    }
}

/// Sorts the rows, refuses a repeated track_id and numbers the classes (in title order):
/// returns the class list.
fn label(tracks_path: &Path, rows: &mut [CleanTrack], report: &Report) -> Result<Vec<String>> {
    rows.sort_by_key(|t| t.track_id);
    if let Some(pair) = rows.windows(2).find(|p| p[0].track_id == p[1].track_id) {
        bail!(
            "{}: track_id {} appears twice",
            tracks_path.display(),
            pair[0].track_id
        );
    }
    let classes: Vec<String> = report
        .per_genre
        .iter()
        .filter(|(_, (_, after))| *after > 0)
        .map(|(g, _)| g.clone())
        .collect();
    for t in rows.iter_mut() {
        // Every genre a row has counted into per_genre.1, so it is a class.
        t.label = classes.binary_search(&t.genre).unwrap_or(0) as u32;
    }
    Ok(classes)
}

fn list<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let items: Vec<String> = items.map(|i| i.to_string()).collect();
    if items.len() > 30 {
        format!("{} … ({} in all)", items[..30].join(", "), items.len())
    } else {
        items.join(", ")
    }
}
