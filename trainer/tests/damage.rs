//! One damage policy for every tool (issue 21's first defect): a truncated MP3 — the first half
//! of a real LAME file, cut mid-frame — was analysed by `features` and tagged by `tag` without
//! a word while `artifacts` refused it. Now the single-file tools (`features`, `tag`,
//! `artifacts`) analyse what decoded with a warning on stderr and in their JSON, and
//! `--strict` refuses.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{genrescope, text};
use genrescope::demo::{mp3, synth};
use serde_json::Value;

/// A 12 s MP3 cut off mid-frame halfway, and the whole one.
fn truncated_mp3(dir: &Path) -> (PathBuf, PathBuf) {
    let bytes = mp3::encode(&synth::music(12.0, 44_100, 11)).unwrap();
    let whole = dir.join("whole.mp3");
    let cut = dir.join("cut.mp3");
    fs::write(&whole, &bytes).unwrap();
    fs::write(&cut, &bytes[..bytes.len() / 2 + 101]).unwrap();
    (whole, cut)
}

#[test]
fn features_warns_about_a_truncated_file_and_strict_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, cut) = truncated_mp3(dir.path());

    let out = dir.path().join("whole");
    let o = genrescope(&[&"features", &whole, &"-o", &out]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("warning"), "{}", text(&o));
    let json: Value =
        serde_json::from_slice(&fs::read(out.join("features.json")).unwrap()).unwrap();
    assert!(json.get("damage").is_none(), "{json}");

    let out = dir.path().join("cut");
    let o = genrescope(&[&"features", &cut, &"-o", &out]);
    let msg = text(&o);
    assert!(o.status.success(), "{msg}");
    assert!(
        msg.contains("warning") && msg.contains("cut.mp3") && msg.contains("truncated"),
        "no warning naming the file and the damage: {msg}"
    );
    let json: Value =
        serde_json::from_slice(&fs::read(out.join("features.json")).unwrap()).unwrap();
    let truncated_after = json["damage"]["truncated_after"].as_f64().unwrap();
    assert!(
        (4.0..8.0).contains(&truncated_after),
        "cut after {truncated_after} s of 12"
    );
    assert!(
        json["damage"]["message"]
            .as_str()
            .unwrap()
            .starts_with("truncated:")
    );

    let out = dir.path().join("strict");
    let o = genrescope(&[&"features", &cut, &"-o", &out, &"--strict"]);
    let msg = text(&o);
    assert!(
        !o.status.success(),
        "--strict analysed a truncated file: {msg}"
    );
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
    assert!(
        msg.contains("cut.mp3") && msg.contains("truncated"),
        "{msg}"
    );
    assert!(!out.exists(), "--strict wrote {}", out.display());
}

#[test]
fn tag_warns_about_a_truncated_file_and_strict_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, cut) = truncated_mp3(dir.path());

    let o = genrescope(&[&"tag", &whole, &"--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let record: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(record.get("damage").is_none(), "{record}");

    let o = genrescope(&[&"tag", &cut, &"--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("cut.mp3") && stderr.contains("truncated"),
        "no warning naming the file and the damage: {stderr}"
    );
    let record: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        record["damage"].as_str().unwrap().starts_with("truncated:"),
        "{record}"
    );

    let o = genrescope(&[&"tag", &cut, &"--strict"]);
    let msg = text(&o);
    assert!(
        !o.status.success(),
        "--strict tagged a truncated file: {msg}"
    );
    assert!(msg.contains("cut.mp3: truncated"), "{msg}");
}

#[test]
fn artifacts_warns_about_a_truncated_file_and_strict_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cut) = truncated_mp3(dir.path());
    let out = dir.path().join("art");
    let args = [
        &"artifacts" as &dyn AsRef<std::ffi::OsStr>,
        &"-i",
        &cut,
        &"-o",
        &out,
        &"--signal-length",
        &"3",
    ];
    let o = genrescope(&args);
    let msg = text(&o);
    assert!(o.status.success(), "{msg}");
    assert!(
        msg.contains("warning") && msg.contains("cut.mp3") && msg.contains("truncated"),
        "no warning naming the file and the damage: {msg}"
    );
    let summary: Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(
        summary["damage"]["message"]
            .as_str()
            .unwrap()
            .starts_with("truncated:"),
        "{summary}"
    );

    let strict = dir.path().join("strict");
    let o = genrescope(&[
        &"artifacts",
        &"-i",
        &cut,
        &"-o",
        &strict,
        &"--signal-length",
        &"3",
        &"--strict",
    ]);
    let msg = text(&o);
    assert!(!o.status.success(), "{msg}");
    assert!(msg.contains("cut.mp3: truncated"), "{msg}");
    assert!(!strict.exists());
}
