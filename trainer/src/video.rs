//! An MP4 of a spectrogram with a moving playhead and the track's own audio, encoded by ffmpeg
//! (H.264 video, AAC audio). Frames are drawn here and piped to ffmpeg as raw RGB.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use genrescope_core::plot::FeaturePlot;
use plotters::prelude::*;

use crate::plots::feature::draw_feature;
use crate::plots::fonts;

/// Frames per second of the video.
pub const FPS: u32 = 25;
const SIZE: (u32, u32) = (1280, 720);

/// Checks that ffmpeg can be run, before any work is done.
pub fn check_ffmpeg() -> Result<()> {
    match Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("--generate-video: `ffmpeg -version` failed ({s})"),
        Err(e) => bail!(
            "--generate-video needs ffmpeg, which was not found on the PATH ({e}); install it \
             (Debian/Ubuntu: apt-get install ffmpeg) or leave out --generate-video"
        ),
    }
}

/// Writes `path`: `plot` with a playhead moving across it at the audio's pace, `FPS` frames per
/// second, as long as `signal` (mono, `sr` Hz), which is the sound track. `scratch` is a folder
/// for the raw audio ffmpeg reads.
pub fn write_mp4(
    path: &Path,
    scratch: &Path,
    plot: &FeaturePlot,
    signal: &[f32],
    sr: u32,
) -> Result<()> {
    fonts();
    let (w, h) = (SIZE.0 as usize, SIZE.1 as usize);
    let mut background = vec![0u8; w * h * 3];
    let rect = {
        let root = BitMapBackend::with_buffer(&mut background, SIZE).into_drawing_area();
        let rect = draw_feature(&root, plot)?;
        root.present()
            .map_err(|e| anyhow!("drawing the video's background: {e}"))?;
        rect
    };
    let audio = scratch.join("audio.f32le");
    let mut bytes = Vec::new();
    crate::formats::f32_le_bytes(signal, &mut bytes);
    std::fs::write(&audio, bytes).with_context(|| format!("cannot write {}", audio.display()))?;

    let duration = signal.len() as f64 / f64::from(sr);
    let frames = (duration * f64::from(FPS)).ceil().max(1.0) as usize;
    let mut child = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24"])
        .args(["-s", &format!("{w}x{h}"), "-r", &FPS.to_string(), "-i", "-"])
        .args(["-f", "f32le", "-ar", &sr.to_string(), "-ac", "1", "-i"])
        .arg(&audio)
        .args([
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        ])
        .args([
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-t",
            &format!("{duration:.6}"),
        ])
        .args(["-movflags", "+faststart", "-f", "mp4"])
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start ffmpeg")?;
    let mut stdin = child.stdin.take().context("ffmpeg's stdin")?;
    let mut frame = background.clone();
    let mut write_result = Ok(());
    for i in 0..frames {
        let t = i as f64 / f64::from(FPS);
        frame.copy_from_slice(&background);
        let x = rect.x0 + ((t / duration).min(1.0) * f64::from(rect.width() - 1)).round() as i32;
        for y in rect.y0..rect.y1 {
            for dx in 0..3 {
                let xi = (x - 1 + dx).clamp(rect.x0, rect.x1 - 1) as usize;
                let at = (y as usize * w + xi) * 3;
                frame[at..at + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
        if let Err(e) = stdin.write_all(&frame) {
            write_result = Err(e);
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().context("waiting for ffmpeg")?;
    let _ = std::fs::remove_file(&audio);
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        bail!(
            "ffmpeg failed ({}): {}",
            out.status,
            msg.lines().last().unwrap_or("no message")
        );
    }
    write_result.context("writing frames to ffmpeg")?;
    Ok(())
}
