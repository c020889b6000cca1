//! Helpers shared by the binary's integration tests.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs `genrescope` with `args` to the end.
pub fn genrescope(args: &[&dyn AsRef<OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("genrescope runs")
}

/// Runs `genrescope` with `args`, asserts it succeeded and returns its output.
pub fn run_ok(args: &[&dyn AsRef<OsStr>]) -> String {
    let out = genrescope(args);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

/// `genrescope demo-data` into `dir/demo`: `per_genre` tracks of each of the 8 genres,
/// `clip`-second clips.
pub fn demo(dir: &Path, per_genre: &str, clip: &str) -> PathBuf {
    let demo = dir.join("demo");
    run_ok(&[
        &"demo-data",
        &"-o",
        &demo,
        &"--tracks-per-genre",
        &per_genre,
        &"--clip-seconds",
        &clip,
    ]);
    demo
}

/// [`demo`], then `generalise` into `dir/generalised`: the demo dataset and the cleaned table.
pub fn demo_generalised(dir: &Path, per_genre: &str, clip: &str) -> (PathBuf, PathBuf) {
    let demo = demo(dir, per_genre, clip);
    let generalised = dir.join("generalised");
    run_ok(&[
        &"generalise",
        &"--metadata-path",
        &demo.join("fma_metadata"),
        &"-o",
        &generalised,
    ]);
    (demo, generalised)
}

/// Stages 0–1 on a fresh demo dataset in `dir`.
pub struct DemoSignals {
    /// The demo dataset: `fma_metadata/`, `fma_small/`.
    pub demo: PathBuf,
    /// `generalise`'s output.
    pub generalised: PathBuf,
    /// `transform`'s output.
    pub signals: PathBuf,
}

/// [`demo_generalised`], then `transform` (with `transform_args` added) into `dir`.
pub fn demo_signals(
    dir: &Path,
    per_genre: &str,
    clip: &str,
    transform_args: &[&str],
) -> DemoSignals {
    let (demo, generalised) = demo_generalised(dir, per_genre, clip);
    let signals = dir.join("signals");
    let audio = demo.join("fma_small");
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![
        &"transform",
        &"-m",
        &generalised,
        &"-d",
        &audio,
        &"-o",
        &signals,
    ];
    args.extend(transform_args.iter().map(|a| a as &dyn AsRef<OsStr>));
    run_ok(&args);
    DemoSignals {
        demo,
        generalised,
        signals,
    }
}

/// Stdout then stderr, as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Signal-to-noise ratio of `got` against the reference `want`, in dB.
pub fn snr_db(got: &[f32], want: &[f32]) -> f64 {
    let signal: f64 = want.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = got
        .iter()
        .zip(want)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    10.0 * (signal / noise.max(1e-300)).log10()
}

/// Starts `genrescope` with `args`, waits until `ready()` holds, then kills it with SIGKILL,
/// as a crash or `kill -9` would.
pub fn kill_when(args: &[&dyn AsRef<OsStr>], ready: impl Fn() -> bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args.iter().map(|a| a.as_ref()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("genrescope starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "genrescope never got there");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
}

/// The sorted file names in `dir`.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A mono 16-bit PCM WAV of `samples` at `rate`.
pub fn pcm_wav(path: &Path, samples: &[i16], rate: u32) {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, out).unwrap();
}

/// A JSON array of numbers as f32.
pub fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}
