//! Helpers shared by the binary's integration tests.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs `genrescope` with `args` to the end.
pub fn genrescope(args: &[&dyn AsRef<OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("genrescope runs")
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
