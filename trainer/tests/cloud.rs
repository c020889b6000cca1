//! Object-storage locations against a real S3 server (issue 17): `s3s-fs` (crates.io; real
//! SigV4 authentication, path-style, multipart) on 127.0.0.1, installed by the test command
//! (`scripts/s3-server.sh`). Stages 1 and 2 as two shards with S3 in and out, then `train`
//! from and to S3, equal the same run on local folders value for value; wrong credentials and
//! an unreachable endpoint fail in one line, in bounded time, writing nothing and showing no
//! secret.
#![cfg(feature = "cloud")]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{demo_signals, run_ok, text};
use ndarray::{Array1, ArrayD, Axis};
use ndarray_npy::read_npy;

const BUCKET: &str = "genrescope";
const ACCESS_KEY: &str = "AKIAGENRESCOPETEST";
const SECRET: &str = "test-secret-8c1f0e4b7a2d49e3";

/// `s3s-fs` serving a folder, stopped on drop.
struct Server {
    child: Child,
    port: u16,
    root: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(root: &Path) -> Server {
    fs::create_dir_all(root.join(BUCKET)).unwrap();
    let port = free_port();
    let child = Command::new("s3s-fs")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s3s-fs runs (scripts/s3-server.sh installs it: cargo install s3s-fs@0.14.1)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s3s-fs did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Server {
        child,
        port,
        root: root.to_owned(),
    }
}

/// `genrescope args` with the store's environment (`endpoint` and `secret` as given).
fn genrescope_s3(args: &[&str], endpoint: &str, secret: &str, cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("GENRESCOPE_CACHE", cache)
        .output()
        .expect("genrescope runs")
}

/// Copies a folder into the bucket's backing folder: the server's objects.
fn upload(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            upload(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One feature's rows of a features folder, by track id.
fn rows(dir: &Path, feature: &str) -> BTreeMap<i64, ArrayD<f32>> {
    let ids: Array1<i64> = read_npy(dir.join("track_ids.npy")).unwrap();
    let values: ArrayD<f32> = read_npy(dir.join(format!("{feature}.npy"))).unwrap();
    ids.iter()
        .zip(values.axis_iter(Axis(0)))
        .map(|(&id, row)| (id, row.to_owned()))
        .collect()
}

#[test]
fn stages_run_sharded_through_s3_and_equal_the_local_run() {
    let dir = tempfile::tempdir().unwrap();
    let local = demo_signals(dir.path(), "3", "4", &["--signal-length", "3"]);
    run_ok(&[
        &"extract",
        &"-d",
        &local.signals,
        &"-o",
        &dir.path().join("features"),
        &"--features",
        &"mfcc,rms",
    ]);
    let server = start(&dir.path().join("s3"));
    let bucket = server.root.join(BUCKET);
    upload(&local.generalised, &bucket.join("generalised"));
    upload(&local.demo.join("fma_small"), &bucket.join("fma_small"));
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let cache = dir.path().join("cache");
    let s3 = |args: &[&str]| {
        let o = genrescope_s3(args, &endpoint, SECRET, &cache);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    };
    let transform = |shard: &str| {
        s3(&[
            "transform",
            "-m",
            "s3://genrescope/generalised",
            "-d",
            "s3://genrescope/fma_small",
            "-o",
            "s3://genrescope/signals",
            "--signal-length",
            "3",
            "--shard",
            shard,
        ])
    };
    for shard in ["0/2", "1/2"] {
        transform(shard);
        s3(&[
            "extract",
            "-d",
            "s3://genrescope/signals",
            "-o",
            "s3://genrescope/features",
            "--features",
            "mfcc,rms",
            "--shard",
            shard,
        ]);
    }
    // The objects are the local run's rows, each track once.
    for feature in ["mfcc", "rms"] {
        let want = rows(&dir.path().join("features"), feature);
        let mut got = BTreeMap::new();
        for shard in ["shard-00000-of-00002", "shard-00001-of-00002"] {
            for (id, row) in rows(&bucket.join("features").join(shard), feature) {
                assert!(got.insert(id, row).is_none(), "track {id} twice");
            }
        }
        assert!(
            got == want,
            "{feature}: the S3 run's rows differ from the local run's"
        );
    }
    // The metadata as one table object (its classes.json beside it comes too).
    s3(&[
        "transform",
        "-m",
        "s3://genrescope/generalised/tracks.csv",
        "-d",
        "s3://genrescope/fma_small",
        "-o",
        "s3://genrescope/signals-from-csv",
        "--signal-length",
        "3",
        "--shard",
        "0/4",
    ]);
    assert!(
        bucket
            .join("signals-from-csv/shard-00000-of-00004/batch-00000.parquet")
            .is_file()
    );
    // A rerun of a finished shard reuses its batch objects.
    let out = transform("1/2");
    assert!(!out.contains("(0 resumed)"), "{out}");
    // Training reads the sharded features from S3 and writes the bundle there.
    let out = s3(&[
        "train",
        "-d",
        "s3://genrescope/features",
        "-o",
        "s3://genrescope/models",
        "-m",
        "s3://genrescope/generalised",
        "-e",
        "1",
    ]);
    assert!(out.contains("trained 2 model(s)"), "{out}");
    for file in ["manifest.json", "mfcc.bpk", "rms.bpk", "metrics.json"] {
        assert!(
            bucket.join("models").join(file).is_file(),
            "no models/{file}"
        );
    }
    // Stage 0 and stage 4 read and write S3 too, and write what they write locally.
    upload(
        &local.demo.join("fma_metadata"),
        &bucket.join("fma_metadata"),
    );
    s3(&[
        "generalise",
        "--metadata-path",
        "s3://genrescope/fma_metadata",
        "-o",
        "s3://genrescope/generalised-again",
    ]);
    for file in ["tracks.parquet", "tracks.csv", "classes.json"] {
        let (got, want) = (
            fs::read(bucket.join("generalised-again").join(file)).unwrap(),
            fs::read(local.generalised.join(file)).unwrap(),
        );
        assert!(
            got == want,
            "generalised-again/{file} differs from the local run's"
        );
    }
    assert!(bucket.join("generalised-again/report.json").is_file());
    // A track transform kept (the demo has broken ones on purpose).
    let batch = genrescope::formats::signals::batch_files(&local.signals).unwrap();
    let id = genrescope::formats::signals::read_batch(&batch[0]).unwrap()[0].track_id;
    let track = genrescope::fma::audio_path(id);
    s3(&[
        "artifacts",
        "-i",
        &format!("s3://genrescope/fma_small/{track}"),
        "-o",
        "s3://genrescope/artifacts",
        "--signal-length",
        "3",
        "--models",
        "s3://genrescope/models",
    ]);
    for file in [
        "summary.json",
        "predictions.json",
        "mel.png",
        "waveform.npy",
    ] {
        assert!(
            bucket.join("artifacts").join(file).is_file(),
            "no artifacts/{file}"
        );
    }
    // Batch tagging from a prefix into an object: the local run's tags, file for file.
    s3(&[
        "tag",
        "s3://genrescope/fma_small",
        "-o",
        "s3://genrescope/tags.jsonl",
    ]);
    let local_tags = dir.path().join("tags.jsonl");
    let audio = local.demo.join("fma_small");
    let o = common::genrescope(&[&"tag", &audio, &"-o", &local_tags]);
    assert!(o.status.success(), "{}", text(&o));
    let by_name = |text: String, prefix: &str| -> BTreeMap<String, serde_json::Value> {
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|mut v| {
                let path = v["path"].as_str().unwrap().to_owned();
                let name = path.strip_prefix(prefix).unwrap_or(&path).to_owned();
                v["path"] = serde_json::Value::Null;
                (name, v)
            })
            .collect()
    };
    let got = by_name(
        fs::read_to_string(bucket.join("tags.jsonl")).unwrap(),
        "s3://genrescope/fma_small/",
    );
    let want = by_name(
        fs::read_to_string(&local_tags).unwrap(),
        &format!("{}/", audio.display()),
    );
    assert!(
        !got.is_empty() && got == want,
        "the S3 tags differ from the local run's"
    );
    assert!(bucket.join("tags.failures.csv").is_file());
    // The whole pipeline from an FMA prefix into a work prefix.
    upload(&local.demo.join("fma_small"), &bucket.join("fma/fma_small"));
    upload(
        &local.demo.join("fma_metadata"),
        &bucket.join("fma/fma_metadata"),
    );
    let out = s3(&[
        "pipeline",
        "--fma",
        "s3://genrescope/fma",
        "-o",
        "s3://genrescope/work",
        "-e",
        "1",
        "--features",
        "rms",
        "--signal-length",
        "3",
    ]);
    assert!(out.contains("pipeline done"), "{out}");
    assert!(bucket.join("work/models/manifest.json").is_file());
    assert!(bucket.join("work/features/rms.npy").is_file());
    assert!(bucket.join("work/generalised/report.json").is_file());
    // The local copy follows the store: a shard removed there is missing here too, not read
    // from an earlier copy in the cache.
    fs::remove_dir_all(bucket.join("features/shard-00001-of-00002")).unwrap();
    let o = genrescope_s3(
        &[
            "train",
            "-d",
            "s3://genrescope/features",
            "-o",
            "s3://genrescope/models-again",
            "-m",
            "s3://genrescope/generalised",
            "-e",
            "1",
        ],
        &endpoint,
        SECRET,
        &cache,
    );
    let msg = text(&o);
    assert!(!o.status.success(), "trained on a stale copy: {msg}");
    assert!(msg.contains("shard 1 of 2 is missing"), "{msg}");
}

#[test]
fn wrong_credentials_and_an_unreachable_store_fail_in_one_line_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let local = demo_signals(dir.path(), "1", "4", &["--signal-length", "3"]);
    let server = start(&dir.path().join("s3"));
    let bucket = server.root.join(BUCKET);
    upload(&local.signals, &bucket.join("signals"));
    let cache = dir.path().join("cache");
    let args = [
        "extract",
        "-d",
        "s3://genrescope/signals",
        "-o",
        "s3://genrescope/features",
    ];

    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let wrong = "not-the-secret-at-all-0123";
    let o = genrescope_s3(&args, &endpoint, wrong, &cache);
    let msg = text(&o);
    assert!(!o.status.success(), "{msg}");
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
    assert!(msg.contains("s3://genrescope/signals"), "{msg}");
    assert!(
        !msg.contains(wrong) && !msg.contains(ACCESS_KEY),
        "a credential in: {msg}"
    );
    assert!(
        !bucket.join("features").exists(),
        "wrote with wrong credentials"
    );

    let nobody = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let o = genrescope_s3(&args, &nobody, SECRET, &cache);
    let msg = text(&o);
    assert!(!o.status.success(), "{msg}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "an unreachable store took {:?}",
        started.elapsed()
    );
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
    assert!(msg.contains("s3://genrescope/signals"), "{msg}");
    assert!(
        msg.contains("error sending request"),
        "not a connection failure: {msg}"
    );
}
