//! `genrescope artifacts`: everything about one track for a demo or a web page: the analysed
//! signal, every feature (.npy), one PNG per feature and an overview, the bundle's predictions
//! with a bar chart and a genre timeline, and a video of the spectrogram with the track's audio.
//!
//! Everything is written into a staging folder beside the output and moved into place only when
//! every step has succeeded, so a failure leaves nothing partial behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use genrescope_core::audio::{self, Decoded};
use genrescope_core::model::{Bundle, Prediction, TrackPrediction, argmax};
use genrescope_core::musicnn;
use genrescope_core::plot::feature_plot;
use genrescope_core::{Feature, FeatureConfig, FeatureSet};
use serde_json::{Value, json};

use crate::cli::{ArtifactsArgs, Backend};
use crate::commands::train::device;
use crate::fma::clean::{self, CleanTrack};
use crate::output::{write_json, write_npy};
use crate::plots::feature::{feature_png, overview_png};
use crate::plots::predictions::{TimelinePoint, predictions_png, timeline_png};
use crate::{tagging, video};

const SUMMARY: &str = "summary.json";

pub fn run(args: &ArtifactsArgs) -> Result<ExitCode> {
    // Everything that can be refused is checked before any work.
    if !(args.signal_length.is_finite() && args.signal_length > 0.0) {
        bail!(
            "flag --signal-length must be a positive number of seconds, not {}",
            args.signal_length
        );
    }
    if !(args.offset.is_finite() && args.offset >= 0.0) {
        bail!("flag --offset must be a time >= 0 s, not {}", args.offset);
    }
    let cfg = FeatureConfig {
        sr: args.sr,
        hop_length: args.hop_size,
        ..FeatureConfig::default()
    };
    cfg.validate().context("flags --sr / --hop-size")?;
    if args.generate_video {
        video::check_ffmpeg()?;
    }
    let (path, track) = locate(args)?;
    let bundle = args.models.as_deref().map(load_bundle).transpose()?;

    let mut seconds = serde_json::Map::new();
    let mut step = |name: &str, started: Instant| {
        seconds.insert(name.into(), json!(started.elapsed().as_secs_f64()));
    };

    let started = Instant::now();
    let decoded = decode(&path)?;
    let (signal, padded) = analysed_signal(
        &path,
        &decoded,
        args.sr,
        args.offset,
        args.signal_length,
        args.pad,
    )?;
    step("decode", started);

    let started = Instant::now();
    let set = genrescope_core::compute(&signal, &cfg, Feature::ALL)
        .with_context(|| format!("{}: computing features", path.display()))?;
    step("features", started);

    let stage = Staging::new(&args.output)?;
    let mut files = Vec::new();

    let started = Instant::now();
    for (feature, array) in &set.entries {
        if *feature == Feature::Waveform || args.generate_features {
            let name = format!("{feature}.npy");
            write_npy(&stage.path(&name), array.view())?;
            files.push(json!({ "file": name, "shape": array.shape() }));
        }
    }
    step("npy", started);

    let started = Instant::now();
    let name = display_name(&path, track.as_ref());
    let mut plots = Vec::new();
    for (feature, array) in &set.entries {
        let plot =
            feature_plot(*feature, array, &cfg).with_context(|| format!("plotting {feature}"))?;
        let file = format!("{feature}.png");
        feature_png(&stage.path(&file), &plot)?;
        files.push(file_entry(&stage, &file)?);
        plots.push(plot);
    }
    overview_png(
        &stage.path("overview.png"),
        &format!(
            "{name} — {:.1} s from {} s, {} Hz, hop {}",
            signal.len() as f64 / f64::from(args.sr),
            args.offset,
            args.sr,
            args.hop_size
        ),
        &plots,
    )?;
    files.push(file_entry(&stage, "overview.png")?);
    step("plots", started);

    let mut top_genre = None;
    if let Some(bundle) = &bundle {
        let started = Instant::now();
        let (prediction, bundle_signal_seconds) = predict_signal(
            bundle,
            &decoded,
            &set,
            &cfg,
            signal.len(),
            args.offset,
            &path,
        )?;
        let classes = &bundle.manifest.classes;
        let top = prediction.top();
        top_genre = Some(classes[top].clone());
        write_json(
            &stage.path("predictions.json"),
            &json!({
                "bundle": args.models.as_ref().map(|p| p.display().to_string()),
                "classes": classes,
                "signal": { "offset": args.offset, "seconds": bundle_signal_seconds },
                "top": { "genre": classes[top], "probability": prediction.ensemble[top] },
                "ensemble": prediction.ensemble,
                "models": prediction.models.iter().map(|(f, p)| json!({
                    "feature": f,
                    "probabilities": p,
                    "top": classes[argmax(p)],
                })).collect::<Vec<_>>(),
                "true_genre": track.as_ref().map(|t| &t.genre),
            }),
        )?;
        files.push(file_entry(&stage, "predictions.json")?);
        predictions_png(
            &stage.path("predictions.png"),
            &format!(
                "{name}: {} ({:.0} %), {} models",
                classes[top],
                prediction.ensemble[top] * 100.0,
                prediction.models.len()
            ),
            classes,
            &prediction.ensemble,
            &prediction.models,
        )?;
        files.push(file_entry(&stage, "predictions.png")?);
        step("predictions", started);

        if decoded.duration() > bundle_signal_seconds + 1e-6 {
            let started = Instant::now();
            let track = timeline(bundle, &decoded, &path)?;
            let sr = f64::from(track.sample_rate);
            let points: Vec<TimelinePoint> = track
                .windows
                .iter()
                .map(|(start, end, p)| TimelinePoint {
                    start: *start as f64 / sr,
                    end: *end as f64 / sr,
                    ensemble: p.ensemble.clone(),
                })
                .collect();
            write_json(
                &stage.path("timeline.json"),
                &json!({
                    "classes": classes,
                    "window_seconds": bundle_signal_seconds,
                    "hop_seconds": bundle_signal_seconds / 2.0,
                    "windows": points.iter().map(|p| json!({
                        "start": p.start,
                        "end": p.end,
                        "top": classes[argmax(&p.ensemble)],
                        "ensemble": p.ensemble,
                    })).collect::<Vec<_>>(),
                    "track": {
                        "top": classes[track.mean.top()],
                        "ensemble": track.mean.ensemble,
                        "models": track.mean.models.iter().map(|(f, p)| json!({
                            "feature": f,
                            "probabilities": p,
                        })).collect::<Vec<_>>(),
                    },
                }),
            )?;
            files.push(file_entry(&stage, "timeline.json")?);
            timeline_png(
                &stage.path("timeline.png"),
                &format!(
                    "{name}: genre over the whole track ({} windows of {bundle_signal_seconds:.0} s)",
                    points.len()
                ),
                classes,
                &points,
            )?;
            files.push(file_entry(&stage, "timeline.png")?);
            step("timeline", started);
        }
    }

    if bundle.is_some() {
        // MusiCNN's tags of the whole track, both models (weights compiled in).
        let started = Instant::now();
        let y16k = decoded
            .window(musicnn::SR, 0.0, None)
            .with_context(|| format!("{}", path.display()))?;
        let mut tags = serde_json::Map::new();
        for model in musicnn::TagModel::ALL {
            let taggram = tagging::tagger(model)?
                .tag(&y16k)
                .with_context(|| format!("{}: tagging with MusiCNN", path.display()))?;
            tags.insert(model.name().into(), tagging::taggram_json(&taggram));
        }
        write_json(&stage.path("tags.json"), &Value::Object(tags))?;
        files.push(file_entry(&stage, "tags.json")?);
        step("tags", started);
    }

    if args.generate_video {
        let started = Instant::now();
        let mel = plots
            .iter()
            .find(|p| p.feature == Feature::Mel)
            .ok_or_else(|| anyhow!("the mel spectrogram was not computed"))?;
        let mut mel = mel.clone();
        mel.title = format!("{name} — {}", mel.title);
        video::write_mp4(&stage.path("video.mp4"), &stage.dir, &mel, &signal, args.sr)?;
        let mut entry = file_entry(&stage, "video.mp4")?;
        entry["fps"] = json!(video::FPS);
        entry["seconds"] = json!(signal.len() as f64 / f64::from(args.sr));
        files.push(entry);
        step("video", started);
    }

    let summary = json!({
        "input": path.display().to_string(),
        "track_id": track.as_ref().map(|t| t.track_id),
        "genre": track.as_ref().map(|t| &t.genre),
        "signal": {
            "sr": args.sr,
            "offset": args.offset,
            "signal_length": args.signal_length,
            "samples": signal.len(),
            "padded": padded,
            "track_seconds": decoded.duration(),
        },
        "config": cfg,
        "top_genre": top_genre,
        "files": files,
        "seconds": seconds,
    });
    write_json(&stage.path(SUMMARY), &summary)?;
    let written = stage.commit()?;
    eprintln!(
        "{}: {:.2} s analysed{}; {written} files written to {}{}",
        path.display(),
        signal.len() as f64 / f64::from(args.sr),
        if padded { " (zero-padded)" } else { "" },
        args.output.display(),
        top_genre
            .map(|g| format!("; predicted genre: {g}"))
            .unwrap_or_default(),
    );
    Ok(ExitCode::SUCCESS)
}

/// The audio file and, for --song-id, its row of the cleaned metadata.
fn locate(args: &ArtifactsArgs) -> Result<(PathBuf, Option<CleanTrack>)> {
    if let Some(input) = &args.input {
        return Ok((input.clone(), None));
    }
    let (Some(id), Some(metadata), Some(root)) = (args.song_id, &args.metadata, &args.server_data)
    else {
        bail!("give --input FILE, or --song-id ID with --metadata and --server-data");
    };
    let (tracks, _) = clean::read(metadata)?;
    let n = tracks.len();
    let track = tracks
        .into_iter()
        .find(|t| t.track_id == id)
        .ok_or_else(|| anyhow!("track {id} is not in {} ({n} tracks)", metadata.display()))?;
    Ok((root.join(&track.path), Some(track)))
}

/// The whole track, decoded once: the analysed signal and the timeline's windows are cut from it.
fn decode(path: &Path) -> Result<Decoded> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{}: no such file", path.display())
        }
        Err(e) => bail!("{}: cannot read it: {e}", path.display()),
    };
    if bytes.is_empty() {
        bail!("{}: the file is empty (0 bytes)", path.display());
    }
    let hint = path.extension().and_then(|e| e.to_str());
    let decoded = audio::decode(bytes, hint).with_context(|| format!("{}", path.display()))?;
    if decoded.bad_packets > 0 {
        bail!(
            "{}: corrupt: {} frames could not be decoded",
            path.display(),
            decoded.bad_packets
        );
    }
    if decoded.truncated {
        bail!(
            "{}: truncated: the stream ends mid-frame after {:.2} s",
            path.display(),
            decoded.duration()
        );
    }
    Ok(decoded)
}

/// `[offset, offset + length)` seconds at `sr`, as `librosa.load` gives it; a shorter track is
/// refused unless `pad`, which zero-pads it. Returns the signal and whether it was padded.
fn analysed_signal(
    path: &Path,
    decoded: &Decoded,
    sr: u32,
    offset: f64,
    length: f64,
    pad: bool,
) -> Result<(Vec<f32>, bool)> {
    let mut signal = decoded
        .window(sr, offset, Some(length))
        .with_context(|| format!("{}", path.display()))?;
    let want = (length * f64::from(sr)).round() as usize;
    // One sample of rounding between the file's rate and --sr is not a short track.
    let padded = signal.len() + 1 < want;
    if padded && !pad {
        bail!(
            "{}: {:.2} s of audio after --offset {offset} s, shorter than --signal-length {length} s \
             (add --pad to zero-pad it)",
            path.display(),
            signal.len() as f64 / f64::from(sr)
        );
    }
    signal.resize(want, 0.0);
    Ok((signal, padded))
}

fn load_bundle(dir: &Path) -> Result<Bundle> {
    let manifest_path = dir.join(genrescope_core::model::bundle::MANIFEST);
    let manifest = fs::read_to_string(&manifest_path).with_context(|| {
        format!(
            "--models: cannot read {} (is {} the models folder `genrescope train` wrote?)",
            manifest_path.display(),
            dir.display()
        )
    })?;
    let read = |name: &str| {
        fs::read(dir.join(name)).map_err(|e| {
            genrescope_core::Error::Bundle(format!("{}: {e}", dir.join(name).display()))
        })
    };
    Bundle::load(&manifest, read, &device(Backend::Flex)?)
        .with_context(|| format!("--models {}", dir.display()))
}

/// The bundle's prediction for the analysed window, computed with the bundle's own feature
/// configuration and signal length (the features already computed are reused when they are
/// the same). Returns the prediction and the bundle's signal length in seconds.
fn predict_signal(
    bundle: &Bundle,
    decoded: &Decoded,
    set: &FeatureSet,
    cfg: &FeatureConfig,
    samples: usize,
    offset: f64,
    path: &Path,
) -> Result<(Prediction, f64)> {
    let m = &bundle.manifest;
    let seconds = m.signal_samples as f64 / f64::from(m.feature_config.sr);
    let flex = device(Backend::Flex)?;
    let prediction = if m.feature_config == *cfg && m.signal_samples == samples {
        bundle.predict(set, &flex)?
    } else {
        let mut y = decoded
            .window(m.feature_config.sr, offset, Some(seconds))
            .with_context(|| format!("{}", path.display()))?;
        y.resize(m.signal_samples, 0.0);
        let set = genrescope_core::compute(&y, &m.feature_config, &bundle.features())
            .with_context(|| format!("{}: computing the bundle's features", path.display()))?;
        bundle.predict(&set, &flex)?
    };
    Ok((prediction, seconds))
}

/// What the bundle says of the whole track, window by window ([`Bundle::predict_track`]).
fn timeline(bundle: &Bundle, decoded: &Decoded, path: &Path) -> Result<TrackPrediction> {
    let full = decoded
        .window(bundle.manifest.feature_config.sr, 0.0, None)
        .with_context(|| format!("{}", path.display()))?;
    bundle
        .predict_track(&full, &device(Backend::Flex)?, |_, _| {})
        .with_context(|| format!("{}: predicting the timeline", path.display()))
}

/// How plots name the track: `Track 2 (Hip-Hop)` or the file name.
fn display_name(path: &Path, track: Option<&CleanTrack>) -> String {
    match track {
        Some(t) => format!("Track {} ({})", t.track_id, t.genre),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
    }
}

fn file_entry(stage: &Staging, name: &str) -> Result<Value> {
    let bytes = fs::metadata(stage.path(name))
        .with_context(|| format!("{name} was not written"))?
        .len();
    Ok(json!({ "file": name, "bytes": bytes }))
}

/// A folder beside the output that collects every file; [`Staging::commit`] moves them into the
/// output, and dropping it uncommitted removes it.
struct Staging {
    dir: PathBuf,
    out: PathBuf,
    committed: bool,
}

impl Staging {
    fn new(out: &Path) -> Result<Staging> {
        if out.exists() && !out.is_dir() {
            bail!("-o {}: exists and is not a folder", out.display());
        }
        let name = out
            .file_name()
            .ok_or_else(|| anyhow!("-o {}: not a folder name", out.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        // Leftovers of a run that was killed.
        let prefix = format!(".{name}.partial-");
        for entry in fs::read_dir(&parent)?.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let dir = parent.join(format!("{prefix}{}", std::process::id()));
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            out: out.to_owned(),
            committed: false,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Moves every file into the output (the summary last), removes the files an earlier run's
    /// summary listed that this run did not write, and returns how many files were written.
    fn commit(mut self) -> Result<usize> {
        fs::create_dir_all(&self.out)
            .with_context(|| format!("cannot create {}", self.out.display()))?;
        let mut names: Vec<String> = fs::read_dir(&self.dir)?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort_by_key(|n| n == SUMMARY);
        let old = previous_files(&self.out.join(SUMMARY));
        for name in &names {
            fs::rename(self.path(name), self.out.join(name))
                .with_context(|| format!("cannot move {name} into {}", self.out.display()))?;
        }
        for name in old.iter().filter(|n| !names.contains(n)) {
            let _ = fs::remove_file(self.out.join(name));
        }
        fs::remove_dir(&self.dir)
            .with_context(|| format!("cannot remove {}", self.dir.display()))?;
        self.committed = true;
        Ok(names.len())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The plain file names an earlier summary.json listed.
fn previous_files(summary: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(summary) else {
        return vec![];
    };
    let Ok(v) = serde_json::from_str::<Value>(&text) else {
        return vec![];
    };
    v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["file"].as_str())
        .filter(|n| !n.contains(['/', '\\']) && !n.starts_with('.'))
        .map(String::from)
        .collect()
}
