//! Stage 4 end to end: `genrescope artifacts` on demo tracks (real MP3s) with a trained bundle:
//! the signal and features equal `genrescope features`' files, every PNG is a drawn image of the
//! stated size, the predictions and the timeline equal the core library's for the same samples,
//! the MP4 has an H.264 and an AAC stream of the signal's length (ffprobe), summary.json lists
//! every file; bad input exits non-zero with one line and leaves the output as it was.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod common;

use common::{genrescope, names, run_ok, text};
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::model::{Bundle, argmax, timeline_windows};
use genrescope_core::{Feature, FeatureConfig};
use ndarray::ArrayD;
use ndarray_npy::read_npy;
use serde_json::Value;

/// Seconds of each demo clip, and of the bundle's signal.
const CLIP: f64 = 8.0;
const WINDOW: f64 = 3.0;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    demo: PathBuf,
    generalised: PathBuf,
    models: PathBuf,
    /// A track that decodes cleanly, and one of each broken kind (from transform's failures).
    good: u64,
    failures: Vec<(u64, String)>,
}

/// A demo dataset (8 s clips), its cleaned metadata, and a bundle of two models (mel, rms)
/// trained one epoch on 3 s signals: built once for every test of this file.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let common::DemoSignals {
            demo,
            generalised,
            signals,
        } = common::demo_signals(&root, "4", "8", &["--signal-length", "3"]);
        let features = root.join("features");
        let models = root.join("models");
        run_ok(&[
            &"extract",
            &"-d",
            &signals,
            &"-o",
            &features,
            &"--features",
            &"mel,rms",
        ]);
        run_ok(&[
            &"train",
            &"-d",
            &features,
            &"-o",
            &models,
            &"-m",
            &generalised,
            &"-e",
            &"1",
        ]);
        let failures: Vec<(u64, String)> = fs::read_to_string(signals.join("failures.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.splitn(3, ',').collect();
                (f[0].parse().unwrap(), f[2].trim_matches('"').to_string())
            })
            .collect();
        let tracks = fs::read_to_string(generalised.join("tracks.csv")).unwrap();
        let good = tracks
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().parse::<u64>().unwrap())
            .find(|id| failures.iter().all(|(f, _)| f != id))
            .unwrap();
        Fixture {
            _dir: dir,
            root,
            demo,
            generalised,
            models,
            good,
            failures,
        }
    })
}

fn audio(f: &Fixture, id: u64) -> PathBuf {
    f.demo
        .join("fma_small")
        .join(genrescope::fma::audio_path(id))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

fn npy(path: &Path) -> ArrayD<f32> {
    read_npy(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_bundle(models: &Path) -> Bundle {
    let manifest = fs::read_to_string(models.join("manifest.json")).unwrap();
    Bundle::load(
        &manifest,
        |name| Ok(fs::read(models.join(name))?),
        &Device::flex(),
    )
    .unwrap()
}

/// Decodes a PNG; checks its size and that its plotting region is drawn (many colours).
fn assert_drawn_png(path: &Path, size: (u32, u32), min_colours: usize) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    assert_eq!(img.dimensions(), size, "{}", path.display());
    let colours: BTreeSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() >= min_colours,
        "{}: only {} colours",
        path.display(),
        colours.len()
    );
}

#[test]
fn artifacts_of_a_demo_track_are_complete_and_agree_with_the_core_library() {
    let f = fixture();
    assert!(
        Command::new("ffprobe").arg("-version").output().is_ok(),
        "ffmpeg/ffprobe are needed (scripts/test.sh installs them)"
    );
    let out = f.root.join("art-song");
    let log = run_ok(&[
        &"artifacts",
        &"--song-id",
        &f.good.to_string(),
        &"--metadata",
        &f.generalised,
        &"--server-data",
        &f.demo.join("fma_small"),
        &"-o",
        &out,
        &"--models",
        &f.models,
        &"--generate-features",
        &"--generate-video",
        &"--signal-length",
        &WINDOW.to_string(),
        &"--offset",
        &"1.5",
    ]);
    assert!(log.contains("predicted genre"), "{log}");

    // The signal and every feature are the files `genrescope features` writes for that window.
    let reference = f.root.join("features-song");
    run_ok(&[
        &"features",
        &audio(f, f.good),
        &"-o",
        &reference,
        &"--offset",
        &"1.5",
        &"--signal-length",
        &WINDOW.to_string(),
    ]);
    for feature in Feature::LIBROSA {
        let name = format!("{feature}.npy");
        assert_eq!(npy(&out.join(&name)), npy(&reference.join(&name)), "{name}");
    }
    let signal = npy(&out.join("waveform.npy"));
    assert_eq!(signal.len(), (WINDOW * 22_050.0) as usize);

    // One PNG per feature (1000 × 420), the overview (4 × 620 by 56 + 4 × 300), both charts.
    for feature in Feature::LIBROSA {
        assert_drawn_png(&out.join(format!("{feature}.png")), (1000, 420), 40);
    }
    assert_drawn_png(&out.join("overview.png"), (2480, 1256), 200);
    assert_drawn_png(&out.join("predictions.png"), (1000, 56 + 34 * 8 + 56), 20);
    assert_drawn_png(&out.join("timeline.png"), (1100, 460), 20);

    // predictions.json: what the core library's bundle says of the same samples.
    let bundle = load_bundle(&f.models);
    let cfg = FeatureConfig::default();
    let samples: Vec<f32> = signal.iter().copied().collect();
    let set = genrescope_core::compute(&samples, &cfg, &bundle.features()).unwrap();
    let expected = bundle.predict(&set, &Device::flex()).unwrap();
    let p = json(&out.join("predictions.json"));
    assert_eq!(p["classes"], serde_json::json!(bundle.manifest.classes));
    let ensemble: Vec<f32> = serde_json::from_value(p["ensemble"].clone()).unwrap();
    assert_eq!(ensemble.len(), 8);
    for (got, want) in ensemble.iter().zip(&expected.ensemble) {
        assert!(
            (got - want).abs() < 1e-6,
            "{ensemble:?} vs {:?}",
            expected.ensemble
        );
    }
    assert_eq!(
        p["top"]["genre"],
        bundle.manifest.classes[argmax(&expected.ensemble)]
    );
    let models: Vec<&str> = p["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["feature"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["mel", "rms"]);
    assert!(p["true_genre"].is_string());

    // timeline.json: the whole 8 s track in 3 s windows every 1.5 s — starts 0, 1.5, 3, 4.5
    // and one ending at the end (5) — each predicted as the core library predicts that slice.
    let whole = f.root.join("features-whole");
    run_ok(&[
        &"features",
        &audio(f, f.good),
        &"-o",
        &whole,
        &"--features",
        &"waveform",
    ]);
    let track: Vec<f32> = npy(&whole.join("waveform.npy")).iter().copied().collect();
    let n = (WINDOW * 22_050.0) as usize;
    let starts = timeline_windows(track.len(), n);
    assert_eq!(starts.len(), 5, "{starts:?}");
    let t = json(&out.join("timeline.json"));
    let windows = t["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 5);
    let mut mean = vec![0.0f32; 8];
    for (w, &start) in windows.iter().zip(&starts) {
        assert!((w["start"].as_f64().unwrap() - start as f64 / 22_050.0).abs() < 1e-9);
        let set =
            genrescope_core::compute(&track[start..start + n], &cfg, &bundle.features()).unwrap();
        let want = bundle.predict(&set, &Device::flex()).unwrap().ensemble;
        let got: Vec<f32> = serde_json::from_value(w["ensemble"].clone()).unwrap();
        for (g, e) in got.iter().zip(&want) {
            assert!(
                (g - e).abs() < 1e-6,
                "window at {start}: {got:?} vs {want:?}"
            );
        }
        mean.iter_mut().zip(&want).for_each(|(m, w)| *m += w / 5.0);
    }
    // The track's prediction: the mean over the windows.
    let whole_track: Vec<f32> = serde_json::from_value(t["track"]["ensemble"].clone()).unwrap();
    for (g, e) in whole_track.iter().zip(&mean) {
        assert!((g - e).abs() < 1e-6, "{whole_track:?} vs {mean:?}");
    }
    assert_eq!(t["track"]["top"], bundle.manifest.classes[argmax(&mean)]);
    assert!((windows[4]["end"].as_f64().unwrap() - track.len() as f64 / 22_050.0).abs() < 1e-9);

    // video.mp4: H.264 at 25 fps and AAC, as long as the signal.
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,r_frame_rate,duration",
        ])
        .args(["-of", "json"])
        .arg(out.join("video.mp4"))
        .output()
        .unwrap();
    assert!(probe.status.success(), "{}", text(&probe));
    let streams: Value = serde_json::from_slice(&probe.stdout).unwrap();
    let streams = streams["streams"].as_array().unwrap();
    let find = |kind: &str| {
        streams
            .iter()
            .find(|s| s["codec_type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} stream: {streams:?}"))
    };
    let (v, a) = (find("video"), find("audio"));
    assert_eq!(
        (v["codec_name"].as_str(), v["r_frame_rate"].as_str()),
        (Some("h264"), Some("25/1"))
    );
    assert_eq!(a["codec_name"], "aac");
    for s in [v, a] {
        let d: f64 = s["duration"].as_str().unwrap().parse().unwrap();
        assert!((d - WINDOW).abs() < 0.05, "{s}");
    }

    // tags.json: MusiCNN's tags of the whole track, as `genrescope tag --json` gives them.
    let tags = json(&out.join("tags.json"));
    for model in ["msd", "mtt"] {
        let cli = genrescope(&[&"tag", &audio(f, f.good), &"--model", &model, &"--json"]);
        assert!(cli.status.success(), "{}", text(&cli));
        let mut cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
        // The CLI's record also names the file and its length; tags.json is of one file.
        let fields = cli.as_object_mut().unwrap();
        assert!(fields.remove("path").is_some() && fields.remove("seconds").is_some());
        assert_eq!(tags[model], cli, "{model}");
        // 8 s is two 3 s patches.
        assert_eq!(tags[model]["patches"].as_array().unwrap().len(), 2);
    }

    // summary.json lists exactly the files in the folder, with shapes or sizes and timings.
    let summary = json(&out.join("summary.json"));
    let listed: BTreeSet<String> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect();
    let mut present: BTreeSet<String> = names(&out).into_iter().collect();
    present.remove("summary.json");
    assert_eq!(listed, present);
    for e in summary["files"].as_array().unwrap() {
        let file = out.join(e["file"].as_str().unwrap());
        if let Some(shape) = e["shape"].as_array() {
            let shape: Vec<usize> = shape.iter().map(|v| v.as_u64().unwrap() as usize).collect();
            assert_eq!(npy(&file).shape(), shape.as_slice(), "{e}");
        } else {
            assert_eq!(
                e["bytes"].as_u64(),
                Some(fs::metadata(&file).unwrap().len()),
                "{e}"
            );
        }
    }
    for step in [
        "decode",
        "features",
        "npy",
        "plots",
        "predictions",
        "timeline",
        "tags",
        "video",
    ] {
        assert!(
            summary["seconds"][step].as_f64().is_some(),
            "no time for {step}: {summary}"
        );
    }
    assert_eq!(summary["track_id"], f.good);
    assert_eq!(summary["signal"]["padded"], false);
    // Nothing left over beside the output.
    assert!(
        !names(&f.root)
            .iter()
            .any(|n| n.starts_with(".art-song.partial-")),
        "{:?}",
        names(&f.root)
    );
}

#[test]
fn artifacts_of_a_file_write_only_what_was_asked_and_replace_an_earlier_run() {
    let f = fixture();
    let out = f.root.join("art-file");
    let input = audio(f, f.good);
    run_ok(&[
        &"artifacts",
        &"--input",
        &input,
        &"-o",
        &out,
        &"--signal-length",
        &"5",
        &"--hop-size",
        &"256",
        &"--generate-features",
    ]);
    // --hop-size reaches the features: 5 s at hop 256 is 1 + 110250 / 256 frames.
    assert_eq!(npy(&out.join("mel.npy")).shape(), [128, 1 + 110_250 / 256]);
    assert_eq!(json(&out.join("summary.json"))["config"]["hop_length"], 256);
    // Again without --generate-features: the earlier run's extra files go.
    run_ok(&[
        &"artifacts",
        &"-i",
        &input,
        &"-o",
        &out,
        &"--signal-length",
        &"5",
    ]);
    let mut expected: Vec<String> = Feature::LIBROSA
        .iter()
        .map(|f| format!("{f}.png"))
        .collect();
    expected.extend(["overview.png", "summary.json", "waveform.npy"].map(String::from));
    expected.sort();
    assert_eq!(names(&out), expected);
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["config"]["hop_length"], 512);
    assert!(summary["track_id"].is_null() && summary["top_genre"].is_null());
    let reference = f.root.join("features-file");
    run_ok(&[
        &"features",
        &input,
        &"-o",
        &reference,
        &"--signal-length",
        &"5",
        &"--features",
        &"waveform",
    ]);
    assert_eq!(
        npy(&out.join("waveform.npy")),
        npy(&reference.join("waveform.npy"))
    );
}

#[test]
fn a_short_track_is_refused_without_pad_and_zero_padded_with_it() {
    let f = fixture();
    let input = audio(f, f.good);
    let out = f.root.join("art-pad");
    let refused = genrescope(&[
        &"artifacts",
        &"-i",
        &input,
        &"-o",
        &out,
        &"--signal-length",
        &"10",
    ]);
    assert!(!refused.status.success());
    let msg = text(&refused);
    assert!(
        msg.contains("shorter than --signal-length 10") && msg.contains("--pad"),
        "{msg}"
    );
    assert!(!out.exists());
    run_ok(&[
        &"artifacts",
        &"-i",
        &input,
        &"-o",
        &out,
        &"--signal-length",
        &"10",
        &"--pad",
    ]);
    let signal = npy(&out.join("waveform.npy"));
    assert_eq!(signal.len(), 220_500);
    assert!(
        signal
            .iter()
            .skip((CLIP * 22_050.0) as usize + 1)
            .all(|&v| v == 0.0)
    );
    assert_eq!(json(&out.join("summary.json"))["signal"]["padded"], true);
}

#[test]
fn bad_input_exits_with_one_line_and_leaves_the_output_as_it_was() {
    let f = fixture();
    let out = f.root.join("art-bad");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("keep.txt"), "earlier work").unwrap();
    let song = |id: u64| -> Vec<String> {
        vec![
            "artifacts".into(),
            "--song-id".into(),
            id.to_string(),
            "--metadata".into(),
            f.generalised.display().to_string(),
            "--server-data".into(),
            f.demo.join("fma_small").display().to_string(),
            "-o".into(),
            out.display().to_string(),
        ]
    };
    let garbage = f.root.join("garbage.mp3");
    fs::write(&garbage, [0x55u8; 4000]).unwrap();
    let mut cases: Vec<(Vec<String>, String)> = vec![
        (song(999_999), "track 999999 is not in".into()),
        (
            vec![
                "artifacts".into(),
                "-i".into(),
                f.root.join("nope.mp3").display().to_string(),
                "-o".into(),
                out.display().to_string(),
            ],
            "nope.mp3: missing: no such file".into(),
        ),
        (
            vec![
                "artifacts".into(),
                "-i".into(),
                garbage.display().to_string(),
                "-o".into(),
                out.display().to_string(),
            ],
            "garbage.mp3".into(),
        ),
        (
            {
                let mut a = song(f.good);
                a.extend(["--models".into(), f.root.display().to_string()]);
                a
            },
            "--models".into(),
        ),
    ];
    // The demo's broken files, as transform found them: missing, empty, not audio, truncated,
    // corrupt frames.
    for (id, reason) in &f.failures {
        let kind = reason.split(':').next().unwrap().to_string();
        if ["missing", "empty", "not audio", "truncated", "corrupt"].contains(&kind.as_str()) {
            let file = genrescope::fma::audio_path(*id);
            // --strict: a damaged file is refused (by default it is analysed with a warning,
            // trainer/tests/damage.rs).
            let mut args = song(*id);
            args.push("--strict".into());
            cases.push((args, file));
        }
    }
    assert!(
        cases.len() >= 8,
        "the demo has its four broken kinds: {:?}",
        f.failures
    );
    for (args, needle) in &cases {
        let o = Command::new(env!("CARGO_BIN_EXE_genrescope"))
            .args(args)
            .output()
            .unwrap();
        let msg = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(
            msg.contains(needle.as_str()),
            "{args:?}: `{needle}` not in {msg}"
        );
        assert_eq!(msg.trim().lines().count(), 1, "{args:?}: {msg}");
        assert_eq!(names(&out), ["keep.txt"], "{args:?}");
    }
    // --generate-video without ffmpeg on the PATH: refused before any work.
    let empty_path = f.root.join("no-bin");
    fs::create_dir_all(&empty_path).unwrap();
    let mut args = song(f.good);
    args.push("--generate-video".into());
    let o = Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(&args)
        .env("PATH", &empty_path)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("needs ffmpeg"), "{}", text(&o));
    assert_eq!(names(&out), ["keep.txt"]);
    assert!(
        !names(&f.root)
            .iter()
            .any(|n| n.starts_with(".art-bad.partial-"))
    );
}

#[test]
fn a_run_killed_midway_leaves_no_output_and_the_next_run_cleans_up() {
    let f = fixture();
    let out = f.root.join("art-kill");
    let input = audio(f, f.good);
    let staging = || {
        names(&f.root)
            .iter()
            .any(|n| n.starts_with(".art-kill.partial-"))
    };
    common::kill_when(
        &[
            &"artifacts",
            &"-i",
            &input,
            &"-o",
            &out,
            &"--signal-length",
            &"8",
            &"--generate-features",
            &"--generate-video",
        ],
        staging,
    );
    assert!(staging(), "the killed run's staging folder is where it was");
    assert!(!out.exists(), "nothing reached the output");
    run_ok(&[
        &"artifacts",
        &"-i",
        &input,
        &"-o",
        &out,
        &"--signal-length",
        &"8",
    ]);
    assert!(!staging(), "the next run removed the leftover");
    assert!(out.join("summary.json").exists());
}
