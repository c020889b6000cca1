//! `tracks.csv` as FMA ships it: three header rows written by pandas for a two-level column
//! index (`album`/`artist`/`set`/`track`, then the column name, then a `track_id` row), fields
//! quoted when they hold commas or newlines, and list columns written as `[21, 811]`.
//!
//! The file is streamed row by row and only the columns the pipeline uses are kept, so the
//! full-size file (about 106,574 rows, 250 MB) parses in about a second in bounded memory.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The columns of `tracks.csv` the pipeline reads, by their `level0.level1` names.
pub const GENRE_TOP: &str = "track.genre_top";
/// `track.genres`: the genres the artist gave the track.
pub const GENRES: &str = "track.genres";
/// `track.genres_all`: those genres and all their ancestors.
pub const GENRES_ALL: &str = "track.genres_all";
/// `set.subset`: the smallest FMA subset holding the track (`small`, `medium`, `large`).
pub const SUBSET: &str = "set.subset";
/// `set.split`: FMA's own `training`/`validation`/`test` split.
pub const SPLIT: &str = "set.split";
/// `track.duration`, in seconds.
pub const DURATION: &str = "track.duration";

/// The fields of one `tracks.csv` row that the pipeline uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawTrack {
    /// `track_id`.
    pub track_id: u64,
    /// `track.genre_top`: the top-level genre title, empty when FMA gives none.
    pub genre_top: String,
    /// `track.genres`.
    pub genres: Vec<u32>,
    /// `track.genres_all`.
    pub genres_all: Vec<u32>,
    /// `set.subset`, empty when the column is absent.
    pub subset: String,
    /// `set.split`, empty when the column is absent.
    pub split: String,
    /// `track.duration` in seconds, if given.
    pub duration: Option<f64>,
}

/// A row that could not be read; the rest of the file goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line of the file the row starts on (1-based).
    pub line: u64,
    /// What is wrong, naming the track where its id could be read.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Column positions of the fields read.
#[derive(Clone, Copy, Debug)]
struct Columns {
    genre_top: usize,
    genres: usize,
    genres_all: usize,
    subset: Option<usize>,
    split: Option<usize>,
    duration: Option<usize>,
    width: usize,
}

/// Streams the rows of a `tracks.csv`.
pub struct TracksReader<R: Read> {
    csv: csv::Reader<R>,
    columns: Columns,
    record: csv::ByteRecord,
}

impl TracksReader<std::fs::File> {
    /// Opens `path` and reads its three header rows.
    pub fn open(path: &Path) -> Result<Self> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Self::new(file).with_context(|| format!("{}", path.display()))
    }
}

impl<R: Read> TracksReader<R> {
    /// Reads the three header rows from `reader`.
    pub fn new(reader: R) -> Result<Self> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(reader);
        let mut rows = Vec::with_capacity(3);
        let mut record = csv::ByteRecord::new();
        for _ in 0..3 {
            if !csv.read_byte_record(&mut record)? {
                bail!("ends before FMA's three header rows");
            }
            rows.push(
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                    .collect::<Vec<_>>(),
            );
        }
        let expected =
            "expected FMA's three header rows (`,album,album,…`, `,comments,…`, `track_id,,…`)";
        if rows[2].first().map(String::as_str) != Some("track_id") {
            bail!(
                "{expected}; the third row starts with `{}`",
                rows[2].first().map_or("", String::as_str)
            );
        }
        if rows[0].len() != rows[1].len() {
            bail!(
                "{expected}; the first two header rows have {} and {} fields",
                rows[0].len(),
                rows[1].len()
            );
        }
        let names: Vec<String> = rows[0]
            .iter()
            .zip(&rows[1])
            .map(|(top, name)| format!("{top}.{name}"))
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let need = |name: &str| {
            find(name).with_context(|| format!("{expected}; there is no `{name}` column"))
        };
        let columns = Columns {
            genre_top: need(GENRE_TOP)?,
            genres: need(GENRES)?,
            genres_all: need(GENRES_ALL)?,
            subset: find(SUBSET),
            split: find(SPLIT),
            duration: find(DURATION),
            width: names.len(),
        };
        Ok(TracksReader {
            csv,
            columns,
            record,
        })
    }

    /// The next row: `None` at the end, `Some(Err)` for a row that cannot be read (the
    /// reader goes on with the next one).
    pub fn next_track(&mut self) -> Option<std::result::Result<RawTrack, RowError>> {
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                Some(
                    parse_row(&self.record, &self.columns)
                        .map_err(|message| RowError { line, message }),
                )
            }
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                // A CSV syntax error leaves the reader past the bad bytes; carry on.
                Some(Err(RowError {
                    line,
                    message: format!("unreadable CSV: {e}"),
                }))
            }
        }
    }
}

impl<R: Read> Iterator for TracksReader<R> {
    type Item = std::result::Result<RawTrack, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_track()
    }
}

fn parse_row(record: &csv::ByteRecord, c: &Columns) -> std::result::Result<RawTrack, String> {
    let text = |i: usize| {
        String::from_utf8_lossy(record.get(i).unwrap_or(b""))
            .trim()
            .to_owned()
    };
    let id_text = text(0);
    let track_id: u64 = id_text
        .parse()
        .map_err(|_| format!("track_id `{id_text}` is not a whole number"))?;
    if record.len() != c.width {
        return Err(format!(
            "track {track_id}: {} fields where the header has {}",
            record.len(),
            c.width
        ));
    }
    let list = |i: usize, name: &str| {
        parse_id_list(&text(i)).map_err(|e| format!("track {track_id}: `{name}` {e}"))
    };
    let duration = match c.duration.map(text).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            t.parse::<f64>()
                .ok()
                .filter(|d| d.is_finite() && *d >= 0.0)
                .ok_or_else(|| format!("track {track_id}: `{DURATION}` is `{t}`, not seconds"))?,
        ),
    };
    Ok(RawTrack {
        track_id,
        genre_top: text(c.genre_top),
        genres: list(c.genres, GENRES)?,
        genres_all: list(c.genres_all, GENRES_ALL)?,
        subset: c.subset.map(text).unwrap_or_default(),
        split: c.split.map(text).unwrap_or_default(),
        duration,
    })
}

/// Parses a list column as pandas writes it: `[21, 811]`, `[]`, or an empty field.
pub fn parse_id_list(text: &str) -> std::result::Result<Vec<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| format!("is `{text}`, not a list like [21, 811]"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<u32>()
                .map_err(|_| format!("holds `{t}`, not a genre id"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three header rows as pandas writes FMA's two-level index, trimmed to a few columns
    /// (the real file has 53), with the order of the real file: set before track.
    const HEADER: &str = ",album,artist,set,set,track,track,track,track,track
,title,bio,split,subset,duration,genre_top,genres,genres_all,title
track_id,,,,,,,,,
";

    fn read(rows: &str) -> (Vec<RawTrack>, Vec<RowError>) {
        let text = format!("{HEADER}{rows}");
        let (ok, err): (Vec<_>, Vec<_>) = TracksReader::new(text.as_bytes())
            .unwrap()
            .partition(|r| r.is_ok());
        (
            ok.into_iter().map(Result::unwrap).collect(),
            err.into_iter().map(|e| e.unwrap_err()).collect(),
        )
    }

    #[test]
    fn reads_quoted_fields_lists_and_multiline_cells() {
        let rows = "2,\"Album, with comma\",\"A bio\nover two lines, with \"\"quotes\"\"\",training,small,168,Hip-Hop,[21],\"[21]\",Food
5,AWOL,\"x\",test,medium,206,,\"[76, 103]\",\"[17, 76, 103]\",\"This World, \"\"live\"\"\"
";
        let (tracks, errors) = read(rows);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(tracks.len(), 2);
        assert_eq!(
            tracks[0],
            RawTrack {
                track_id: 2,
                genre_top: "Hip-Hop".into(),
                genres: vec![21],
                genres_all: vec![21],
                subset: "small".into(),
                split: "training".into(),
                duration: Some(168.0),
            }
        );
        assert_eq!(tracks[1].genre_top, "");
        assert_eq!(tracks[1].genres, [76, 103]);
        assert_eq!(tracks[1].genres_all, [17, 76, 103]);
        assert_eq!(tracks[1].split, "test");
    }

    #[test]
    fn bad_rows_are_reported_and_skipped() {
        let rows = "x7,a,b,training,small,1,Rock,[12],[12],t
8,a,b,training,small,1,Rock,\"[12, x]\",[12],t
9,a,b,training,small,1,Rock,12,[12],t
10,a,b,training,small,1
11,a,b,training,small,nan?,Rock,[12],[12],t
12,a,b,training,small,3,Rock,[],[12],t
";
        let (tracks, errors) = read(rows);
        assert_eq!(tracks.len(), 1, "{tracks:?}");
        assert_eq!(tracks[0].track_id, 12);
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert!(
            messages[0].starts_with("line 4: track_id `x7`"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("track 8: `track.genres` holds `x`"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("track 9: `track.genres` is `12`"),
            "{messages:?}"
        );
        assert!(
            messages[3].contains("track 10: 6 fields where the header has 10"),
            "{messages:?}"
        );
        assert!(
            messages[4].contains("track 11: `track.duration`"),
            "{messages:?}"
        );
    }

    #[test]
    fn headers_other_than_fma_are_refused() {
        let single = "track_id,genre_top,genres\n2,Rock,[12]\n";
        let err = TracksReader::new(single.as_bytes()).err().unwrap();
        assert!(format!("{err:#}").contains("three header rows"), "{err:#}");
        let no_genres = ",track\n,title\ntrack_id,\n";
        let err = TracksReader::new(no_genres.as_bytes()).err().unwrap();
        assert!(
            format!("{err:#}").contains("no `track.genre_top` column"),
            "{err:#}"
        );
        let err = TracksReader::new(&b",a\n"[..]).err().unwrap();
        assert!(format!("{err:#}").contains("ends before"), "{err:#}");
    }

    #[test]
    fn lists_parse_as_pandas_writes_them() {
        assert_eq!(parse_id_list("[21, 811]").unwrap(), [21, 811]);
        assert_eq!(parse_id_list("[]").unwrap(), Vec::<u32>::new());
        assert_eq!(parse_id_list("").unwrap(), Vec::<u32>::new());
        assert_eq!(parse_id_list(" [ 1 ,2 ] ").unwrap(), [1, 2]);
        assert!(parse_id_list("21").is_err());
        assert!(parse_id_list("[-1]").is_err());
    }
}
