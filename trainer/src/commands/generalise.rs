//! `genrescope generalise`: stage 0. Reads FMA's tracks.csv and genres.csv, gives every track
//! one top-level genre (see [`crate::fma::generalise`] for the rule) and writes the cleaned
//! table with its class list and a report.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::cli::GeneraliseArgs;
use crate::fma::{self, CleanTrack, Outcome, Taxonomy, TracksReader, Unknown};
use crate::output::write_json;

/// Row problems printed one per line before the rest are only counted.
const SHOWN_PROBLEMS: usize = 20;

/// `report.json`: what generalisation did.
#[derive(Debug, Serialize)]
struct Report {
    rows: usize,
    unreadable_rows: Vec<String>,
    kept: usize,
    generalised: usize,
    dropped: BTreeMap<&'static str, usize>,
    unknown_genre_ids: Vec<u32>,
    unknown_genre_top: Vec<String>,
    /// Genre title → (tracks with it as `genre_top`, tracks with it after generalisation).
    per_genre: BTreeMap<String, (usize, usize)>,
    seconds: f64,
}

pub fn run(args: &GeneraliseArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let meta = &args.metadata_path;
    if !meta.is_dir() {
        bail!(
            "--metadata-path {} is not a folder (FMA's fma_metadata)",
            meta.display()
        );
    }
    let out: PathBuf = args.output.clone().unwrap_or_else(|| {
        meta.parent()
            .unwrap_or_else(|| std::path::Path::new("."))
            .join("generalised")
    });
    let taxonomy = Taxonomy::read(&meta.join("genres.csv"))?;
    let tracks_path = meta.join("tracks.csv");
    let reader = TracksReader::open(&tracks_path)?;

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
    };
    let mut before_none = 0usize;
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
            before_none += 1;
        } else {
            report
                .per_genre
                .entry(track.genre_top.clone())
                .or_default()
                .0 += 1;
        }
        let (top, generalised) = match fma::generalise(&track, &taxonomy, &mut unknown) {
            Outcome::Kept(top) => (top, false),
            Outcome::Derived(top) => (top, true),
            Outcome::Dropped(reason) => {
                *report.dropped.entry(reason).or_default() += 1;
                continue;
            }
        };
        let genre = taxonomy
            .get(top)
            .expect("top levels are in the taxonomy")
            .title
            .clone();
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
    for t in &mut rows {
        t.label = classes
            .binary_search(&t.genre)
            .expect("every genre is a class") as u32;
    }

    fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    fma::clean::write(&out, &rows, &classes)?;
    report.unknown_genre_ids = unknown.ids.into_iter().collect();
    report.unknown_genre_top = unknown.titles.into_iter().collect();
    report.seconds = started.elapsed().as_secs_f64();
    write_json(&out.join("report.json"), &report)?;

    print_table(&report, before_none, rows.len());
    println!(
        "{} rows read in {:.1} s: {} kept their genre_top, {} generalised, {} dropped{}; wrote {}",
        report.rows,
        report.seconds,
        report.kept,
        report.generalised,
        report.dropped.values().sum::<usize>(),
        if report.unreadable_rows.is_empty() {
            String::new()
        } else {
            format!(", {} unreadable", report.unreadable_rows.len())
        },
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_table(report: &Report, before_none: usize, after_total: usize) {
    let width = report
        .per_genre
        .keys()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(0)
        .max(16);
    println!("{:width$}  {:>8}  {:>8}", "genre", "before", "after");
    for (genre, (before, after)) in &report.per_genre {
        println!("{genre:width$}  {before:>8}  {after:>8}");
    }
    println!("{:width$}  {before_none:>8}  {:>8}", "(no genre_top)", 0);
    println!(
        "{:width$}  {:>8}  {after_total:>8}",
        "total",
        report.per_genre.values().map(|v| v.0).sum::<usize>() + before_none
    );
}

fn list<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let items: Vec<String> = items.map(|i| i.to_string()).collect();
    if items.len() > 30 {
        format!("{} … ({} in all)", items[..30].join(", "), items.len())
    } else {
        items.join(", ")
    }
}
