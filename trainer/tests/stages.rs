//! Stages 0–1 end to end through the binary: `demo-data`, `generalise`, `transform` on
//! FMA-format files, the failure list, resuming, and the signals checked against librosa.

use std::fs;
use std::path::{Path, PathBuf};

mod common;

use common::{genrescope, kill_when, names, snr_db, text};
use genrescope::fma::clean;
use genrescope::formats::signals::{batch_files, read_batch};

/// FMA's three header rows for the columns given (level 0, level 1).
fn header(columns: &[(&str, &str)]) -> String {
    let row = |f: &dyn Fn(&(&str, &str)) -> String| {
        std::iter::once(String::new())
            .chain(columns.iter().map(f))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "{}\n{}\ntrack_id{}\n",
        row(&|c| c.0.to_owned()),
        row(&|c| c.1.to_owned()),
        ",".repeat(columns.len())
    )
}

const GENRES_CSV: &str = "genre_id,#tracks,parent,title,top_level
12,3,0,Rock,12
15,2,0,Electronic,15
21,2,0,Hip-Hop,21
25,1,12,Punk,12
181,1,15,Techno,15
811,1,21,Hip-Hop Beats,21
";

fn write_metadata(dir: &Path, rows: &str) -> PathBuf {
    let meta = dir.join("fma_metadata");
    fs::create_dir_all(&meta).unwrap();
    fs::write(meta.join("genres.csv"), GENRES_CSV).unwrap();
    let columns = [
        ("album", "title"),
        ("artist", "bio"),
        ("set", "split"),
        ("set", "subset"),
        ("track", "duration"),
        ("track", "genre_top"),
        ("track", "genres"),
        ("track", "genres_all"),
        ("track", "title"),
    ];
    fs::write(meta.join("tracks.csv"), header(&columns) + rows).unwrap();
    meta
}

#[test]
fn generalise_derives_top_levels_reports_problems_and_writes_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "\
2,\"Album, one\",\"Two\nlines\",training,small,30,Rock,[25],\"[12, 25]\",t
3,a,b,test,small,30,,[25],\"[12, 25]\",t
5,a,b,validation,medium,31,,\"[181, 811]\",\"[15, 21, 181, 811]\",t
7,a,b,training,large,30,,\"[15, 811]\",\"[15, 21, 811]\",t
9,a,b,training,small,30,,[4242],[4242],t
11,a,b,training,small,30,,[],[],t
oops,a,b,training,small,30,Rock,[12],[12],t
13,a,b,training,small,29,Electronic,[181],\"[15, 181]\",\"A title, \"\"quoted\"\"\"
";
    let meta = write_metadata(dir.path(), rows);
    let out_dir = dir.path().join("generalised");
    let out = genrescope(&[&"generalise", &"--metadata-path", &meta, &"-o", &out_dir]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("line 11: track_id `oops`"),
        "the quoted newline counts as a line: {log}"
    );
    assert!(log.contains("row skipped"), "{log}");
    assert!(
        log.contains("genre ids not in genres.csv, ignored: 4242"),
        "{log}"
    );
    assert!(log.contains("8 rows read"), "{log}");
    assert!(
        log.contains("2 kept their genre_top, 3 generalised, 2 dropped, 1 unreadable"),
        "{log}"
    );
    // The before/after table: Rock 1 → 2, Electronic 1 → 2, Hip-Hop 0 → 1.
    let line = |genre: &str| {
        log.lines()
            .find(|l| l.starts_with(genre))
            .unwrap_or_else(|| panic!("no row for {genre} in\n{log}"))
            .split_whitespace()
            .rev()
            .take(2)
            .map(|v| v.parse::<usize>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(line("Rock"), [2, 1], "after, before");
    assert_eq!(line("Electronic"), [2, 1]);
    assert_eq!(line("Hip-Hop"), [1, 0]);

    let (tracks, classes) = clean::read(&out_dir).unwrap();
    assert_eq!(classes, ["Electronic", "Hip-Hop", "Rock"]);
    let got: Vec<(u64, &str, u32, bool, &str, &str, &str)> = tracks
        .iter()
        .map(|t| {
            (
                t.track_id,
                t.genre.as_str(),
                t.label,
                t.generalised,
                t.subset.as_str(),
                t.split.as_str(),
                t.path.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, "Rock", 2, false, "small", "training", "000/000002.mp3"),
            (3, "Rock", 2, true, "small", "test", "000/000003.mp3"),
            // Tie 1–1 in track.genres and 2–2 in genres_all: the first listed wins.
            (
                5,
                "Electronic",
                0,
                true,
                "medium",
                "validation",
                "000/000005.mp3"
            ),
            // Tie 1–1 in track.genres; genres_all counts Hip-Hop twice (21, 811).
            (7, "Hip-Hop", 1, true, "large", "training", "000/000007.mp3"),
            (
                13,
                "Electronic",
                0,
                false,
                "small",
                "training",
                "000/000013.mp3"
            ),
        ]
    );
    assert_eq!(tracks[0].duration, Some(30.0));
    // The CSV holds the same table.
    assert_eq!(clean::read(&out_dir.join("tracks.csv")).unwrap().0, tracks);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["dropped"]["no genre at all"], 1);
    assert_eq!(report["dropped"]["only unknown genre ids"], 1);
    assert_eq!(report["unknown_genre_ids"], serde_json::json!([4242]));
}

#[test]
fn generalise_refuses_what_is_not_fma_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("m");
    fs::create_dir_all(&meta).unwrap();
    fs::write(meta.join("genres.csv"), GENRES_CSV).unwrap();
    fs::write(meta.join("tracks.csv"), "track_id,genre\n2,Rock\n").unwrap();
    let out = genrescope(&[&"generalise", &"--metadata-path", &meta]);
    assert_eq!(out.status.code(), Some(2));
    let log = text(&out);
    assert!(
        log.contains("tracks.csv") && log.contains("three header rows"),
        "{log}"
    );
    assert_eq!(log.lines().count(), 1, "one line: {log}");
    assert!(!dir.path().join("generalised").exists(), "nothing written");

    let out = genrescope(&[&"generalise", &"--metadata-path", &dir.path().join("nope")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("is not a folder"), "{}", text(&out));
}

/// The MP3 whose `librosa.load(sr=22050, offset=0.5, duration=1.5)` is stored beside it.
fn reference_mp3() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tests/reference/load/stereo_44100_cbr.mp3")
}

#[test]
fn transform_signals_equal_librosa_load() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "2,a,b,training,small,2,Rock,[12],[12],t\n";
    let meta = write_metadata(dir.path(), rows);
    let generalised = dir.path().join("g");
    assert!(
        genrescope(&[
            &"generalise",
            &"--metadata-path",
            &meta,
            &"-o",
            &generalised
        ])
        .status
        .success()
    );
    let audio = dir.path().join("audio");
    fs::create_dir_all(audio.join("000")).unwrap();
    fs::copy(reference_mp3(), audio.join("000/000002.mp3")).unwrap();
    let signals = dir.path().join("signals");
    let out = genrescope(&[
        &"transform",
        &"-m",
        &generalised,
        &"-d",
        &audio,
        &"-o",
        &signals,
        &"--offset",
        &"0.5",
        &"--signal-length",
        &"1.5",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let rows = read_batch(&signals.join("batch-00000.parquet")).unwrap();
    assert_eq!(rows.len(), 1);
    let want: ndarray::Array1<f32> =
        ndarray_npy::read_npy(reference_mp3().with_extension("npy")).unwrap();
    let got = &rows[0].samples;
    assert_eq!(got.len(), want.len());
    let snr = snr_db(got, want.as_slice().unwrap());
    assert!(snr >= 40.0, "SNR {snr:.1} dB against librosa.load");
    assert!(!rows[0].padded);
    assert_eq!(
        (
            rows[0].track_id,
            rows[0].genre.as_str(),
            rows[0].label,
            rows[0].sample_rate
        ),
        (2, "Rock", 0, 22_050)
    );
}

/// Reads `failures.csv`: track id → reason.
fn failures(dir: &Path) -> Vec<(u64, String)> {
    let mut csv = csv::Reader::from_path(dir.join("failures.csv")).unwrap();
    csv.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].parse().unwrap(), r[2].to_owned())
        })
        .collect()
}

#[test]
fn demo_data_runs_through_generalise_and_transform_with_every_failure_listed() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = genrescope(&[
        &"demo-data",
        &"-o",
        &demo,
        &"--tracks-per-genre",
        &"3",
        &"--clip-seconds",
        &"16",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let plan: Vec<serde_json::Value> =
        serde_json::from_slice(&fs::read(demo.join("demo-tracks.json")).unwrap()).unwrap();
    // Deterministic: a second run finds the same dataset and writes nothing.
    let again = genrescope(&[
        &"demo-data",
        &"-o",
        &demo,
        &"--tracks-per-genre",
        &"3",
        &"--clip-seconds",
        &"16",
    ]);
    assert!(text(&again).contains("already holds"), "{}", text(&again));

    let generalised = dir.path().join("generalised");
    let out = genrescope(&[
        &"generalise",
        &"--metadata-path",
        &demo.join("fma_metadata"),
        &"-o",
        &generalised,
    ]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("genre ids not in genres.csv, ignored: 99999"),
        "{log}"
    );
    let (tracks, classes) = clean::read(&generalised).unwrap();
    assert_eq!(classes.len(), 8, "{classes:?}");
    // Every playable track's derived genre is the style it was rendered in.
    for t in &tracks {
        let planned = plan.iter().find(|p| p["track_id"] == t.track_id).unwrap();
        assert_eq!(planned["genre"], t.genre.as_str(), "track {}", t.track_id);
        assert_eq!(
            planned["genre_top"] == "",
            t.generalised,
            "track {}",
            t.track_id
        );
    }
    assert!(tracks.iter().filter(|t| t.generalised).count() >= 6);
    assert_eq!(
        tracks.len(),
        plan.len() - 1,
        "the track with no genre is dropped"
    );

    let signals = dir.path().join("signals");
    let audio = demo.join("fma_small");
    let transform = |extra: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"transform",
            &"-m",
            &generalised,
            &"-d",
            &audio,
            &"-o",
            &signals,
            &"--batch-size",
            &"5",
        ];
        args.extend_from_slice(extra);
        genrescope(&args)
    };
    let out = transform(&[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    let failed = failures(&signals);
    let reason = |kind: &str| {
        let id = plan.iter().find(|p| p["broken"] == kind).unwrap()["track_id"]
            .as_u64()
            .unwrap();
        failed
            .iter()
            .find(|f| f.0 == id)
            .map(|f| f.1.clone())
            .unwrap_or_else(|| panic!("{kind} not in {failed:?}"))
    };
    assert!(reason("missing").starts_with("missing:"), "{failed:?}");
    assert!(reason("empty").starts_with("empty:"), "{failed:?}");
    assert!(reason("not_audio").starts_with("not audio:"), "{failed:?}");
    assert!(reason("truncated").starts_with("truncated:"), "{failed:?}");
    assert!(
        reason("corrupt_frames").starts_with("corrupt:"),
        "{failed:?}"
    );
    assert!(reason("too_short").starts_with("too short:"), "{failed:?}");
    assert_eq!(failed.len(), 6, "{failed:?}");
    // Each failure is also one line on stderr, naming the track.
    assert_eq!(
        log.lines()
            .filter(|l| l.starts_with("genrescope: track "))
            .count(),
        6,
        "{log}"
    );

    let files = batch_files(&signals).unwrap();
    let small = tracks.iter().filter(|t| t.subset == "small").count();
    assert_eq!(files.len(), small.div_ceil(5));
    let rows: Vec<_> = files.iter().flat_map(|f| read_batch(f).unwrap()).collect();
    assert_eq!(rows.len(), small - 6);
    assert!(
        rows.iter()
            .all(|r| r.samples.len() == 14 * 22_050 && r.sample_rate == 22_050)
    );
    let padded: Vec<u64> = rows
        .iter()
        .filter(|r| r.padded)
        .map(|r| r.track_id)
        .collect();
    let short: Vec<u64> = plan
        .iter()
        .filter(|p| {
            p["broken"].is_null()
                && p["seconds"].as_f64().unwrap() > 0.0
                && p["seconds"].as_f64().unwrap() < 14.0
        })
        .map(|p| p["track_id"].as_u64().unwrap())
        .collect();
    assert_eq!(padded, short);
    let padded_row = rows.iter().find(|r| r.padded).unwrap();
    assert!(padded_row.samples[13 * 22_050..].iter().all(|&v| v == 0.0));
    assert!(padded_row.samples[..9 * 22_050].iter().any(|&v| v != 0.0));
    for r in &rows {
        let t = tracks.iter().find(|t| t.track_id == r.track_id).unwrap();
        assert_eq!((r.genre.as_str(), r.label), (t.genre.as_str(), t.label));
    }

    // A rerun skips every finished batch and leaves them as they were.
    let before: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();
    let out = transform(&[]);
    assert!(
        out.status.success() && text(&out).contains(&format!("({} resumed)", files.len())),
        "{}",
        text(&out)
    );
    assert_eq!(
        before,
        files
            .iter()
            .map(|f| fs::read(f).unwrap())
            .collect::<Vec<_>>()
    );
    // With --strict the failures make the exit code 1.
    assert_eq!(transform(&[&"--strict"]).status.code(), Some(1));
    // Other settings on the same folder are refused rather than mixed in.
    let out = transform(&[&"--signal-length", &"10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("other settings"), "{}", text(&out));
}

#[test]
fn an_interrupted_transform_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    assert!(
        genrescope(&[
            &"demo-data",
            &"-o",
            &demo,
            &"--tracks-per-genre",
            &"2",
            &"--clip-seconds",
            &"15"
        ])
        .status
        .success()
    );
    let generalised = dir.path().join("g");
    assert!(
        genrescope(&[
            &"generalise",
            &"--metadata-path",
            &demo.join("fma_metadata"),
            &"-o",
            &generalised
        ])
        .status
        .success()
    );
    let small = demo.join("fma_small");
    let args = |out: &Path| -> Vec<std::ffi::OsString> {
        let mut v: Vec<std::ffi::OsString> = ["transform", "--batch-size", "2", "--jobs", "1"]
            .map(Into::into)
            .to_vec();
        for (flag, path) in [("-m", generalised.as_path()), ("-d", &small), ("-o", out)] {
            v.push(flag.into());
            v.push(path.into());
        }
        v
    };
    let run = |out: &Path| {
        let a = args(out);
        genrescope(
            &a.iter()
                .map(|x| x as &dyn AsRef<std::ffi::OsStr>)
                .collect::<Vec<_>>(),
        )
    };
    let whole = dir.path().join("whole");
    assert!(run(&whole).status.success());

    // Kill -9 once the first batch is on disk, then leave a torn temporary behind too.
    let cut = dir.path().join("cut");
    let cut_args = args(&cut);
    kill_when(
        &cut_args
            .iter()
            .map(|x| x as &dyn AsRef<std::ffi::OsStr>)
            .collect::<Vec<_>>(),
        || cut.join("batch-00000.parquet").exists(),
    );
    let finished_before = batch_files(&cut).unwrap().len();
    let total = batch_files(&whole).unwrap().len();
    assert!(
        finished_before < total,
        "killed after {finished_before} of {total} batches"
    );
    fs::write(
        cut.join(format!(".batch-{:05}.parquet.999.tmp", finished_before)),
        b"torn",
    )
    .unwrap();

    let out = run(&cut);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("({finished_before} resumed)")),
        "{}",
        text(&out)
    );
    assert_eq!(names(&cut), names(&whole), "no temporary left behind");
    for f in batch_files(&whole).unwrap() {
        let name = f.file_name().unwrap();
        assert_eq!(
            read_batch(&f).unwrap(),
            read_batch(&cut.join(name)).unwrap(),
            "{name:?}"
        );
    }
    assert_eq!(
        fs::read(whole.join("failures.csv")).unwrap(),
        fs::read(cut.join("failures.csv")).unwrap()
    );
}
