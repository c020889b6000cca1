//! Absurd but valid files (issue #18): each gets a correct result or one clear line, within the
//! cap on one file's decoded audio (`audio::Limits::HOUR`: an hour, and no more than an hour
//! at 48 kHz, 691 MB), never a panic, a hang or an abort. The audio is made by ffmpeg (its FLAC,
//! LAME and WAV writers), independently of our decoder; peak memory is the child's own
//! (`wait4`'s `ru_maxrss`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{names, snr_db};
use ndarray::Array1;
use ndarray_npy::read_npy;

/// What a `genrescope` run left: its exit code, its stdout and stderr, its peak memory.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    peak_mb: f64,
}

/// Runs `genrescope args` to the end and measures its peak resident memory.
#[allow(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, not Child::wait"
)]
fn run_measured(dir: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    let (out, err) = (dir.join(".stdout"), dir.join(".stderr"));
    let child = Command::new(env!("CARGO_BIN_EXE_genrescope"))
        .args(args.iter().map(|a| a.as_ref()))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap())
        .spawn()
        .expect("genrescope starts");
    let (status, usage) = wait4(child.id());
    let run = Run {
        code: libc::WEXITSTATUS(status),
        stdout: fs::read_to_string(&out).unwrap(),
        stderr: fs::read_to_string(&err).unwrap(),
        // Linux gives kilobytes.
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
    };
    fs::remove_file(out).unwrap();
    fs::remove_file(err).unwrap();
    run
}

/// Reaps our child `pid` with `wait4`: its exit status and resource usage, where `ru_maxrss` is
/// the peak resident memory of that process alone (the Child handle is not waited on after).
#[allow(unsafe_code)]
fn wait4(pid: u32) -> (i32, libc::rusage) {
    let pid = pid as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that plain C struct, and wait4 writes
    // only through the two pointers, which live across the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    (status, usage)
}

/// Runs ffmpeg with `args` (scripts/test.sh installs it).
fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is needed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `genrescope features FILE -o DIR`, measured.
fn features(file: &Path, out: &Path) -> Run {
    run_measured(file.parent().unwrap(), &[&"features", &file, &"-o", &out])
}

/// The waveform `features` wrote (the signal at 22,050 Hz).
fn waveform(out: &Path) -> Vec<f32> {
    let w: Array1<f32> = read_npy(out.join("waveform.npy")).unwrap();
    w.to_vec()
}

/// `amplitude · sin(2π · 1000 Hz · t)` at 22,050 Hz.
fn tone_1khz(len: usize, amplitude: f32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            amplitude * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 22_050.0).sin() as f32
        })
        .collect()
}

/// Every feature file holds finite numbers only.
fn assert_finite_features(out: &Path) {
    let files: Vec<String> = names(out)
        .into_iter()
        .filter(|f| f.ends_with(".npy"))
        .collect();
    // The 16 features (the waveform among them).
    assert_eq!(files.len(), 16, "{files:?}");
    for f in files {
        let v: ndarray::ArrayD<f32> = read_npy(out.join(&f)).unwrap();
        assert!(
            v.iter().all(|x| x.is_finite()),
            "{f} holds a non-finite value"
        );
    }
}

/// A 10-hour silent FLAC and an MP3 of 100,000 tiny frames (MPEG-2.5, 8 kHz, 8 kbit/s: 72-byte
/// frames of 576 samples, two hours) are refused when decoding passes the hour, in one line
/// naming the cap, and decoding them costs no more memory than the hour they decoded. A 61-minute
/// FLAC at 48 kHz reaches the cap's full 172,800,000 samples: its peak memory is the cap's
/// 691 MB, not the file's length.
#[test]
fn files_longer_than_the_cap_are_refused_naming_it_within_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let silent = dir.path().join("silent-10h.flac");
    let tiny = dir.path().join("tiny-frames.mp3");
    let full = dir.path().join("hour-and-a-minute.flac");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=8000:cl=mono",
        "-t",
        "36000",
        "-compression_level",
        "0",
        silent.to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:r=8000",
        "-t",
        "7200",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "8k",
        tiny.to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono",
        "-t",
        "3660",
        "-compression_level",
        "0",
        full.to_str().unwrap(),
    ]);
    // 72-byte frames: about 100,000 of them.
    let frames = fs::metadata(&tiny).unwrap().len() / 72;
    assert!((99_000..=101_000).contains(&frames), "{frames} frames");

    // The decoded hour at each file's rate, 4 bytes a sample, and what the process needs
    // besides (the binary, the file's bytes, the allocator).
    for (file, decoded_mb) in [(&silent, 115.2), (&tiny, 115.2), (&full, 691.2)] {
        let out = dir.path().join("out");
        let run = features(file, &out);
        assert_eq!(
            run.code,
            2,
            "{}: {}{}",
            file.display(),
            run.stdout,
            run.stderr
        );
        assert_eq!(
            run.stderr,
            format!(
                "genrescope features: {}: too long: the audio runs past 1:00:00, the cap on one \
                 file's decoded audio; decoding stopped there\n",
                file.display()
            )
        );
        assert!(!out.exists(), "no output for a refused file");
        let slack = 120.0 + fs::metadata(file).unwrap().len() as f64 / 1e6;
        assert!(
            run.peak_mb < decoded_mb + slack,
            "{}: peak {:.0} MB, the cap holds {decoded_mb} MB",
            file.display(),
            run.peak_mb
        );
        eprintln!("{}: peak {:.0} MB", file.display(), run.peak_mb);
    }
}

/// Rates at the ends of what files use — 8 channels at 384 kHz, 8 kHz mono — and a 0.1 s clip:
/// the signal at 22,050 Hz is the tone they hold, and every feature is finite.
#[test]
fn extreme_rates_and_a_tenth_of_a_second_give_correct_features() {
    let dir = tempfile::tempdir().unwrap();
    let tone = "0.5*sin(2*PI*1000*t)";
    let eight = [tone; 8].join("|");
    let hires = dir.path().join("8ch-384k.wav");
    let low = dir.path().join("mono-8k.wav");
    let clip = dir.path().join("clip.mp3");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("aevalsrc={eight}:s=384000:c=7.1:d=3"),
        "-c:a",
        "pcm_s16le",
        hires.to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("aevalsrc={tone}:s=8000:d=3"),
        "-c:a",
        "pcm_s16le",
        low.to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("aevalsrc={tone}:s=44100:d=0.1"),
        "-c:a",
        "libmp3lame",
        clip.to_str().unwrap(),
    ]);
    for file in [&hires, &low] {
        let out = dir.path().join(format!("{}-out", file.display()));
        let run = features(file, &out);
        assert_eq!(run.code, 0, "{}: {}", file.display(), run.stderr);
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
        let got = waveform(&out);
        assert_eq!(got.len(), 3 * 22_050, "{}", file.display());
        // Away from the edges, where the resampler's filter runs past the signal.
        let (a, b) = (2_205, got.len() - 2_205);
        let snr = snr_db(&got[a..b], &tone_1khz(got.len(), 0.5)[a..b]);
        assert!(
            snr > 40.0,
            "{}: {snr:.1} dB against the tone",
            file.display()
        );
        assert_finite_features(&out);
    }
    let out = dir.path().join("clip-out");
    let run = features(&clip, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // LAME's gapless header: the clip decodes to its own 0.1 s.
    assert_eq!(waveform(&out).len(), 2_205);
    assert_finite_features(&out);
}

/// A WAV as ffmpeg writes it to a pipe (RIFF and data sizes left at 0xFFFFFFFF) is read whole and
/// clean; the same audio under a header that claims 4 GB is analysed with one warning that it
/// is cut off; a file that is only an ID3 tag is refused in one line.
#[test]
fn wav_headers_that_claim_4_gb_and_a_file_that_is_only_a_tag() {
    let dir = tempfile::tempdir().unwrap();
    let tone = "aevalsrc=0.5*sin(2*PI*1000*t):s=22050:d=1";
    let honest = dir.path().join("honest.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        tone,
        "-c:a",
        "pcm_s16le",
        honest.to_str().unwrap(),
    ]);
    let piped_out = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            tone,
            "-c:a",
            "pcm_s16le",
        ])
        .args(["-f", "wav", "pipe:"])
        .output()
        .unwrap();
    assert!(piped_out.status.success());
    let piped = dir.path().join("piped.wav");
    assert_eq!(
        &piped_out.stdout[4..8],
        &[0xFF; 4],
        "ffmpeg's streaming header"
    );
    fs::write(&piped, &piped_out.stdout).unwrap();
    // The honest file's sizes raised to 4 GB, consistently (RIFF = data + what precedes it).
    let mut bytes = fs::read(&honest).unwrap();
    let data = bytes.windows(4).position(|w| w == b"data").unwrap();
    let claimed: u32 = 0xFFFF_FF00;
    bytes[data + 4..data + 8].copy_from_slice(&claimed.to_le_bytes());
    bytes[4..8].copy_from_slice(&(claimed + data as u32).to_le_bytes());
    let claims = dir.path().join("claims-4gb.wav");
    fs::write(&claims, bytes).unwrap();

    let want = {
        let out = dir.path().join("honest-out");
        assert_eq!(features(&honest, &out).code, 0);
        waveform(&out)
    };
    let out = dir.path().join("piped-out");
    let run = features(&piped, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert_eq!(waveform(&out), want);
    let out = dir.path().join("claims-out");
    let run = features(&claims, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "genrescope: warning: {}: truncated: the stream is cut off after 1.00 s; analysed \
             what decoded (--strict refuses damaged files)\n",
            claims.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(waveform(&out), want);
    assert!(run.peak_mb < 1_000.0, "peak {:.0} MB", run.peak_mb);

    // ID3v2.3 with a title and an artist, and nothing after it.
    let frames: Vec<u8> = [(b"TIT2", "Only a tag"), (b"TPE1", "Nobody")]
        .iter()
        .flat_map(|(id, text)| {
            let body = [&[0u8][..], text.as_bytes()].concat();
            [&id[..], &(body.len() as u32).to_be_bytes(), &[0, 0], &body].concat()
        })
        .collect();
    let n = frames.len() as u32;
    let size = [(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127].map(|b| b as u8);
    let tag = dir.path().join("only-a-tag.mp3");
    fs::write(&tag, [&b"ID3\x03\x00\x00"[..], &size, &frames].concat()).unwrap();
    let run = features(&tag, &dir.path().join("tag-out"));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "genrescope features: {}: not audio: unsupported format: not a recognised audio \
             file (MP3, FLAC, OGG/Vorbis or WAV)\n",
            tag.display()
        )
    );
}

/// A tracks.csv whose one field is 10 MB (a title of quotes, commas and line breaks) is read
/// as FMA's pandas reader reads it: `generalise` writes the same table as without it.
#[test]
fn a_tracks_csv_with_a_10_mb_field_generalises_as_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::demo(dir.path(), "3", "1");
    let metadata = demo.join("fma_metadata");
    let tracks = metadata.join("tracks.csv");
    let mut rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&tracks)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    let title = rows[0]
        .iter()
        .zip(rows[1].iter())
        .position(|(top, name)| (top, name) == ("track", "title"))
        .expect("a track.title column");
    let huge = "a \"quoted\", line\nbroken title ".repeat(10_000_000 / 30 + 1);
    assert!(huge.len() >= 10_000_000);
    let mut row: Vec<String> = rows[3].iter().map(str::to_owned).collect();
    row[title] = huge;
    rows[3] = csv::StringRecord::from(row);
    let generalised = |metadata: &Path, name: &str| -> PathBuf {
        let out = dir.path().join(name);
        let run = run_measured(
            dir.path(),
            &[&"generalise", &"--metadata-path", &metadata, &"-o", &out],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.peak_mb < 500.0, "peak {:.0} MB", run.peak_mb);
        out
    };
    let plain = generalised(&metadata, "plain");
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(&tracks)
        .unwrap();
    for r in &rows {
        writer.write_record(r).unwrap();
    }
    writer.flush().unwrap();
    drop(writer);
    assert!(fs::metadata(&tracks).unwrap().len() > 10_000_000);
    let huge = generalised(&metadata, "huge");
    assert_eq!(names(&plain), names(&huge));
    for f in names(&plain) {
        let (a, b) = (
            fs::read(plain.join(&f)).unwrap(),
            fs::read(huge.join(&f)).unwrap(),
        );
        if f == "report.json" {
            // The same report, but for the seconds it took.
            let strip = |bytes: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                v.as_object_mut().unwrap().remove("seconds");
                v
            };
            assert_eq!(strip(&a), strip(&b));
        } else {
            assert!(a == b, "{f} differs");
        }
    }
}
