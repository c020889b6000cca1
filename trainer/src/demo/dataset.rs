//! `genrescope demo-data`: a small dataset in FMA's own formats, so every stage runs on it
//! exactly as on the real download.
//!
//! - `fma_metadata/genres.csv`: the real ids, parents and titles of the genres used.
//! - `fma_metadata/tracks.csv`: FMA's three header rows and all 53 columns, with quoted commas,
//!   quotes and newlines in the text columns, list columns like `[21, 811]`, and FMA's own
//!   stratified `set.split`.
//! - `fma_small/NNN/NNNNNN.mp3`: 30 s MP3s encoded by LAME, one synthesised style per genre.
//!
//! About a quarter of the tracks have no `track.genre_top`, only sub-genres, so
//! generalisation matters; one of them is a tie that the rule's ancestor count decides, one
//! carries an unknown genre id, one has no genre at all, two belong to larger subsets. A few
//! files are broken on purpose (missing, empty, not audio, truncated, corrupt frames, too
//! short) and one clip is shorter than the 14 s window but long enough to be padded.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::mp3;
use super::styles::{Style, render};
use super::synth::SplitMix64;
use crate::fma::audio_path;
use crate::formats::output::{write_atomic, write_json};

/// The sample rate of the demo MP3s, FMA's most common.
pub const SAMPLE_RATE: u32 = 44_100;

/// A genre of FMA's taxonomy: id, parent, title, top level (real values).
type GenreRow = (u32, u32, &'static str, u32);

/// Each style's top-level genre and sub-genres, as in FMA's genres.csv.
fn genres_of(style: Style) -> &'static [GenreRow] {
    match style {
        Style::Electronic => &[
            (15, 0, "Electronic", 15),
            (181, 15, "Techno", 15),
            (182, 15, "House", 15),
        ],
        Style::Experimental => &[
            (38, 0, "Experimental", 38),
            (1, 38, "Avant-Garde", 38),
            (22, 38, "Audio Collage", 38),
        ],
        Style::Folk => &[
            (17, 0, "Folk", 17),
            (33, 17, "Psych-Folk", 17),
            (49, 17, "Free-Folk", 17),
        ],
        Style::HipHop => &[
            (21, 0, "Hip-Hop", 21),
            (100, 21, "Alternative Hip-Hop", 21),
            (539, 21, "Rap", 21),
        ],
        // Compilation is a child of Soundtrack: a grandchild of Instrumental.
        Style::Instrumental => &[
            (1235, 0, "Instrumental", 1235),
            (18, 1235, "Soundtrack", 1235),
            (538, 18, "Compilation", 1235),
        ],
        Style::International => &[
            (2, 0, "International", 2),
            (46, 2, "Latin America", 2),
            (77, 2, "French", 2),
        ],
        Style::Pop => &[
            (10, 0, "Pop", 10),
            (76, 10, "Experimental Pop", 10),
            (362, 10, "Synth Pop", 10),
        ],
        Style::Rock => &[
            (12, 0, "Rock", 12),
            (25, 12, "Punk", 12),
            (27, 12, "Lo-Fi", 12),
        ],
    }
}

/// An id no genre has, for the unknown-id path.
const UNKNOWN_GENRE: u32 = 99_999;

/// The columns of FMA's tracks.csv: (level 0, level 1), in the real file's order.
const COLUMNS: [(&str, &str); 52] = [
    ("album", "comments"),
    ("album", "date_created"),
    ("album", "date_released"),
    ("album", "engineer"),
    ("album", "favorites"),
    ("album", "id"),
    ("album", "information"),
    ("album", "listens"),
    ("album", "producer"),
    ("album", "tags"),
    ("album", "title"),
    ("album", "tracks"),
    ("album", "type"),
    ("artist", "active_year_begin"),
    ("artist", "active_year_end"),
    ("artist", "associated_labels"),
    ("artist", "bio"),
    ("artist", "comments"),
    ("artist", "date_created"),
    ("artist", "favorites"),
    ("artist", "id"),
    ("artist", "latitude"),
    ("artist", "location"),
    ("artist", "longitude"),
    ("artist", "members"),
    ("artist", "name"),
    ("artist", "related_projects"),
    ("artist", "tags"),
    ("artist", "website"),
    ("artist", "wikipedia_page"),
    ("set", "split"),
    ("set", "subset"),
    ("track", "bit_rate"),
    ("track", "comments"),
    ("track", "composer"),
    ("track", "date_created"),
    ("track", "date_recorded"),
    ("track", "duration"),
    ("track", "favorites"),
    ("track", "genre_top"),
    ("track", "genres"),
    ("track", "genres_all"),
    ("track", "information"),
    ("track", "interest"),
    ("track", "language_code"),
    ("track", "license"),
    ("track", "listens"),
    ("track", "lyricist"),
    ("track", "number"),
    ("track", "publisher"),
    ("track", "tags"),
    ("track", "title"),
];

/// How a demo file is broken on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Broken {
    /// Listed in tracks.csv, absent on disk.
    Missing,
    /// Zero bytes.
    Empty,
    /// An HTML error page saved under the .mp3 name.
    NotAudio,
    /// An MP3 cut off mid-frame 10 s in, inside the window.
    Truncated,
    /// An MP3 with frames overwritten by garbage 4–6 s in.
    CorruptFrames,
    /// A valid 3 s MP3, shorter than the shortest clip worth keeping.
    TooShort,
}

/// One demo track.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoTrack {
    /// FMA-style track id.
    pub track_id: u64,
    /// Its top-level genre (the style it was rendered in).
    pub genre: String,
    /// `track.genre_top` as written: empty for the tracks generalisation must resolve.
    pub genre_top: String,
    /// `track.genres`.
    pub genres: Vec<u32>,
    /// `track.genres_all`.
    pub genres_all: Vec<u32>,
    /// `set.subset`.
    pub subset: String,
    /// `set.split`.
    pub split: String,
    /// Clip length in seconds (0 when no audio is written).
    pub seconds: f32,
    /// How the file is broken, if it is.
    pub broken: Option<Broken>,
}

/// The settings a demo dataset was written with (`demo.json` beside the folders).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoSettings {
    /// Tracks of each genre.
    pub tracks_per_genre: usize,
    /// The seed.
    pub seed: u64,
    /// Clip length in seconds.
    pub clip_seconds: f32,
}

/// `genrescope demo-data`'s defaults: 16 tracks per genre, seed 1, 30 s clips (FMA's).
impl Default for DemoSettings {
    fn default() -> Self {
        DemoSettings {
            tracks_per_genre: 16,
            seed: 1,
            clip_seconds: 30.0,
        }
    }
}

/// The track list of a demo dataset: `tracks_per_genre` playable tracks of each style, plus
/// the special rows described in the module docs.
pub fn plan(settings: &DemoSettings) -> Vec<DemoTrack> {
    let mut rng = SplitMix64::new(settings.seed ^ 0x5EED_DA7A);
    let mut tracks = playable(settings, &mut rng);
    special_cases(&mut tracks);
    tracks.extend(unplayable(settings.clip_seconds));
    // The unplayable rows' ids come after the playable ones.
    let mut id = tracks.iter().map(|t| t.track_id).max().unwrap_or(0);
    for t in tracks.iter_mut().filter(|t| t.track_id == 0) {
        id += 1 + rng.next_u64() % 23;
        t.track_id = id;
    }
    tracks
}

/// `tracks_per_genre` playable tracks of each style, with FMA's split (stratified) and the
/// three ways FMA records a genre.
fn playable(settings: &DemoSettings, rng: &mut SplitMix64) -> Vec<DemoTrack> {
    let mut tracks = Vec::new();
    let mut next_id = 2u64;
    let mut new_id = |rng: &mut SplitMix64| {
        let id = next_id;
        next_id += 1 + rng.next_u64() % 23;
        id
    };
    let n = settings.tracks_per_genre.max(1);
    for style in Style::ALL {
        let rows = genres_of(style);
        let (top, title) = (rows[0].0, rows[0].2);
        // FMA's split, stratified: 10 % test, 10 % validation (at least one each when n ≥ 3).
        let n_test = if n >= 3 { (n / 10).max(1) } else { 0 };
        let mut splits: Vec<&str> = (0..n)
            .map(|i| match i {
                i if i < n_test => "test",
                i if i < 2 * n_test => "validation",
                _ => "training",
            })
            .collect();
        shuffle(&mut splits, rng);
        for (i, split) in splits.into_iter().enumerate() {
            let sub = rows[1 + (rng.next_u64() % (rows.len() as u64 - 1)) as usize];
            let mut t = DemoTrack {
                track_id: new_id(rng),
                genre: title.into(),
                genre_top: title.into(),
                genres: vec![sub.0],
                genres_all: ancestors(style, sub.0),
                subset: "small".into(),
                split: split.into(),
                seconds: settings.clip_seconds,
                broken: None,
            };
            match i % 4 {
                // No genre_top: generalisation derives it from the sub-genre.
                1 => t.genre_top.clear(),
                // FMA also lists the top level itself.
                2 => {
                    t.genres = vec![top];
                    t.genres_all = vec![top];
                }
                _ => {}
            }
            tracks.push(t);
        }
    }
    tracks
}

/// Turns three playable tracks into the metadata's hard cases: a tie between two top levels,
/// an unknown genre id, a clip shorter than the window.
fn special_cases(tracks: &mut [DemoTrack]) {
    // A tie between two top levels (one id each), settled by the ancestor count: the style's
    // sub-genre brings its top level twice into genres_all.
    let (tie_style, other) = (Style::ALL[0], Style::ALL[1]);
    let sub = genres_of(tie_style)[1].0;
    let other_top = genres_of(other)[0].0;
    if let Some(t) = tracks
        .iter_mut()
        .find(|t| t.genre == genres_of(tie_style)[0].2)
    {
        t.genre_top.clear();
        t.genres = vec![sub, other_top];
        let mut all = ancestors(tie_style, sub);
        all.push(other_top);
        all.sort_unstable();
        t.genres_all = all;
    }
    // An unknown id beside a known sub-genre.
    if let Some(t) = tracks
        .iter_mut()
        .rev()
        .find(|t| t.genre_top.is_empty() && t.genres.len() == 1)
    {
        t.genres.push(UNKNOWN_GENRE);
        t.genres_all.push(UNKNOWN_GENRE);
    }
    // One clip shorter than the window, long enough to keep: padded.
    if let Some(t) = tracks
        .iter_mut()
        .find(|t| t.split == "training" && t.genre == "Pop")
    {
        t.seconds = 10.0;
    }
}

/// The rows that are not playable tracks (ids 0, given by the caller): the six broken files,
/// one without any genre, two of larger subsets.
fn unplayable(clip: f32) -> Vec<DemoTrack> {
    let mut rows = Vec::new();
    // Rows beyond the playable ones; their ids are given below, after the playable ones.
    let extra = |style: Style, broken: Option<Broken>, seconds: f32| {
        let (id, _, title, _) = genres_of(style)[0];
        DemoTrack {
            track_id: 0,
            genre: title.into(),
            genre_top: title.into(),
            genres: vec![id],
            genres_all: vec![id],
            subset: "small".into(),
            split: "training".into(),
            seconds,
            broken,
        }
    };
    let broken = [
        (Broken::Missing, 0.0),
        (Broken::Empty, 0.0),
        (Broken::NotAudio, 0.0),
        (Broken::Truncated, clip),
        (Broken::CorruptFrames, clip),
        (Broken::TooShort, 3.0),
    ];
    for (k, (kind, seconds)) in broken.into_iter().enumerate() {
        let style = Style::ALL[k % Style::ALL.len()];
        rows.push(extra(style, Some(kind), seconds));
    }
    // No genre at all: dropped by generalise. Two tracks of larger subsets: not in fma_small.
    let mut no_genre = extra(Style::Rock, None, 0.0);
    no_genre.genre_top.clear();
    no_genre.genres.clear();
    no_genre.genres_all.clear();
    rows.push(no_genre);
    for subset in ["medium", "large"] {
        let mut t = extra(Style::Folk, None, 0.0);
        t.subset = subset.into();
        rows.push(t);
    }
    rows
}

impl DemoTrack {
    /// The style the track is rendered in.
    pub fn style(&self) -> Style {
        Style::ALL
            .into_iter()
            .find(|&s| genres_of(s)[0].2 == self.genre)
            .expect("demo genres come from the styles")
    }
}

fn ancestors(style: Style, id: u32) -> Vec<u32> {
    let rows = genres_of(style);
    let mut out = vec![id];
    let mut at = id;
    while let Some(&(_, parent, _, _)) = rows.iter().find(|r| r.0 == at) {
        if parent == 0 {
            break;
        }
        out.push(parent);
        at = parent;
    }
    out.sort_unstable();
    out
}

fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// Writes the dataset into `out` (`fma_metadata/`, `fma_small/`, `demo.json`). Returns
/// `false`, writing nothing, when `out` already holds the dataset of these settings.
pub fn write(out: &Path, settings: &DemoSettings) -> Result<bool> {
    let marker = out.join("demo.json");
    let record = out.join("fma_metadata").join(crate::fma::clean::DATASET);
    if let Ok(bytes) = fs::read(&marker)
        && serde_json::from_slice::<DemoSettings>(&bytes).ok().as_ref() == Some(settings)
        && record.exists()
    {
        return Ok(false);
    }
    let tracks = plan(settings);
    let meta = out.join("fma_metadata");
    let audio = out.join("fma_small");
    fs::create_dir_all(&meta).with_context(|| format!("cannot create {}", meta.display()))?;

    tracks
        .par_iter()
        .filter(|t| {
            t.subset == "small" && t.broken != Some(Broken::Missing) && !t.genres.is_empty()
        })
        .try_for_each(|t| write_audio(&audio, t, settings.seed))?;

    write_atomic(&meta.join("genres.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["genre_id", "#tracks", "parent", "title", "top_level"])?;
        let mut rows: Vec<GenreRow> = Style::ALL
            .iter()
            .flat_map(|&s| genres_of(s).iter().copied())
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        for (id, parent, title, top) in rows {
            let count = tracks.iter().filter(|t| t.genres_all.contains(&id)).count();
            csv.write_record([
                id.to_string(),
                count.to_string(),
                parent.to_string(),
                title.into(),
                top.to_string(),
            ])?;
        }
        csv.flush()?;
        Ok(())
    })?;
    write_atomic(&meta.join("tracks.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        let level0 = std::iter::once("").chain(COLUMNS.iter().map(|c| c.0));
        let level1 = std::iter::once("").chain(COLUMNS.iter().map(|c| c.1));
        csv.write_record(level0)?;
        csv.write_record(level1)?;
        csv.write_record(std::iter::once("track_id").chain(COLUMNS.iter().map(|_| "")))?;
        for (n, t) in tracks.iter().enumerate() {
            csv.write_record(
                std::iter::once(t.track_id.to_string())
                    .chain(COLUMNS.iter().map(|c| cell(t, n, *c))),
            )?;
        }
        csv.flush()?;
        Ok(())
    })?;
    write_json(&out.join("demo-tracks.json"), &tracks)?;
    // Whoever trains on it is told, and tells the page: these genres are synthesised.
    write_json(
        &record,
        &crate::fma::clean::Dataset {
            name: "genrescope demo-data".into(),
            tracks: tracks.len(),
            synthesised: true,
        },
    )?;
    write_json(&marker, settings)?;
    Ok(true)
}

/// A tracks.csv cell: the pipeline's columns exact, the others plausible, some with commas,
/// quotes and newlines as the real file has.
fn cell(t: &DemoTrack, n: usize, column: (&str, &str)) -> String {
    let list = |ids: &[u32]| {
        let mut s = String::from("[");
        for (i, id) in ids.iter().enumerate() {
            let _ = write!(s, "{}{id}", if i > 0 { ", " } else { "" });
        }
        s + "]"
    };
    let artist = n / 3;
    match column {
        ("set", "split") => t.split.clone(),
        ("set", "subset") => t.subset.clone(),
        ("track", "genre_top") => t.genre_top.clone(),
        ("track", "genres") => list(&t.genres),
        ("track", "genres_all") => list(&t.genres_all),
        ("track", "duration") => format!("{}", t.seconds.round() as u32),
        ("track", "title") => format!("Demo {}, take {}", t.genre, n + 1),
        ("track", "bit_rate") => "128000".into(),
        ("track", "number") => format!("{}", n % 12 + 1),
        ("track", "license") => "Attribution-NonCommercial 3.0 International".into(),
        ("track", "date_created") => format!("2026-11-{:02} 12:00:00", n % 28 + 1),
        ("track", "listens") | ("track", "interest") => format!("{}", n * 37 % 1000),
        ("album", "title") => format!(
            "Synthetic \"{}\" Sessions, vol. {}",
            t.genre,
            artist % 4 + 1
        ),
        ("album", "id") => format!("{}", artist % 4 + 1),
        ("artist", "id") => format!("{artist}"),
        ("artist", "name") => format!("The Demo Players #{artist}"),
        ("artist", "bio") => format!(
            "Synthesised by genrescope.\nPlays {}, mostly; \"loud\", at times.",
            t.genre
        ),
        ("artist", "location") => "Rust, Wasm".into(),
        ("track", "tags") | ("album", "tags") | ("artist", "tags") => "[]".into(),
        _ => String::new(),
    }
}

fn write_audio(root: &Path, t: &DemoTrack, seed: u64) -> Result<()> {
    let path = root.join(audio_path(t.track_id));
    fs::create_dir_all(path.parent().expect("audio paths have a folder"))?;
    let bytes = match t.broken {
        Some(Broken::Missing) => return Ok(()),
        Some(Broken::Empty) => Vec::new(),
        Some(Broken::NotAudio) => b"<html><head><title>404 Not Found</title></head>\n<body>The requested URL was not found on this server.</body></html>\n".to_vec(),
        _ => {
            let audio = render(t.style(), t.seconds, SAMPLE_RATE, seed ^ t.track_id.wrapping_mul(0x9E37_79B9));
            let mut mp3 = mp3::encode(&audio)?;
            // 128 kbit/s: 16,000 bytes a second. The damage sits at the same share of any clip
            // length (for 30 s clips: cut at 10 s, garbage from 4 s to 6 s).
            let at = |share: f32| ((t.seconds * share * 16_000.0) as usize).min(mp3.len());
            match t.broken {
                Some(Broken::Truncated) => mp3.truncate((at(1.0 / 3.0) + 217).min(mp3.len())),
                Some(Broken::CorruptFrames) => {
                    let mut rng = SplitMix64::new(t.track_id);
                    let range = at(4.0 / 30.0)..at(6.0 / 30.0);
                    for b in &mut mp3[range] {
                        *b = (rng.next_u64() >> 56) as u8;
                    }
                }
                _ => {}
            }
            mp3
        }
    };
    write_atomic(&path, |w| {
        use std::io::Write;
        w.write_all(&bytes)?;
        Ok(())
    })
    .with_context(|| format!("track {}", t.track_id))
}
