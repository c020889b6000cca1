//! Stage 4, `artifacts`: everything about one track for a demo or a web page: the analysed
//! signal, every feature (.npy), one PNG per feature and an overview, the bundle's predictions
//! with a bar chart and a genre timeline, and a video of the spectrogram with the track's audio.
//!
//! Everything is written into a staging folder beside the output and moved into place only when
//! every step has succeeded, so a failure leaves nothing partial behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use genrescope_core::audio::{Damage, DamagePolicy, Decoded, Fit, Window};
use genrescope_core::model::{Bundle, Prediction, TrackPrediction, report};
use genrescope_core::musicnn::{self, TrackAnalysis, WindowEmbedder, net::Taggram};
use genrescope_core::plot::{FeaturePlot, feature_plot};
use genrescope_core::{Feature, FeatureConfig, FeatureSet};
use serde_json::{Value, json};

use super::SignalWindow;
use super::tag::tagger;
use crate::device::{Backend, device};
use crate::fma::clean::{self, CleanTrack};
use crate::formats::output::{write_json, write_npy};
use crate::location::Location;
use crate::plots::feature::{feature_png, overview_png};
use crate::plots::predictions::{TimelinePoint, predictions_png, timeline_png};
use crate::{track, video};

const SUMMARY: &str = "summary.json";

/// Where the track comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// An audio file (a path or an object).
    File(Location),
    /// FMA's `track_id`, found through the cleaned metadata under the audio root.
    Fma {
        /// FMA's `track_id`.
        track_id: u64,
        /// The cleaned metadata (`generalise`'s folder or its tracks.parquet/.csv).
        metadata: Location,
        /// The audio root holding FMA's `000/000002.mp3` layout.
        server_data: Location,
    },
}

/// What to analyse, how, and what to write.
#[derive(Clone, Debug)]
pub struct Options {
    /// The track.
    pub source: Source,
    /// Where to write the artifacts.
    pub output: Location,
    /// A model bundle: predictions, a timeline and MusiCNN's tags too.
    pub models: Option<Location>,
    /// Also write one <feature>.npy per feature.
    pub generate_features: bool,
    /// Also write video.mp4 (ffmpeg).
    pub generate_video: bool,
    /// librosa's `hop_length`.
    pub hop_size: usize,
    /// Length of the analysed signal in seconds.
    pub signal_length: f64,
    /// Start of the analysed signal in seconds.
    pub offset: f64,
    /// Zero-pad a track shorter than the window instead of refusing it.
    pub pad: bool,
    /// Sample rate in Hz.
    pub sr: u32,
    /// A damaged file (corrupt frames, cut off): analysed as far as it decodes, with the
    /// damage in the report and summary.json, or refused.
    pub policy: DamagePolicy,
}

impl Options {
    /// The feature configuration, or why the flags cannot make one.
    fn config(&self) -> Result<FeatureConfig> {
        SignalWindow {
            offset: self.offset,
            signal_length: self.signal_length,
            sr: self.sr,
        }
        .validate()?;
        let cfg = FeatureConfig {
            sr: self.sr,
            hop_length: self.hop_size,
            ..FeatureConfig::default()
        };
        cfg.validate().context("flags --sr / --hop-size")?;
        Ok(cfg)
    }
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Report {
    /// The audio file analysed.
    pub path: PathBuf,
    /// Seconds analysed.
    pub seconds: f64,
    /// Whether the signal was zero-padded.
    pub padded: bool,
    /// Files written.
    pub files: usize,
    /// The bundle's genre, with a bundle.
    pub top_genre: Option<String>,
    /// The damage the file showed (analysed through).
    pub damage: Damage,
}

/// One run's state: the staging folder, the files listed so far, the step timings.
struct Run<'a> {
    options: &'a Options,
    cfg: FeatureConfig,
    path: PathBuf,
    name: String,
    stage: Staging,
    files: Vec<Value>,
    seconds: serde_json::Map<String, Value>,
}

impl Run<'_> {
    fn step(&mut self, name: &str, started: Instant) {
        self.seconds
            .insert(name.into(), json!(started.elapsed().as_secs_f64()));
    }

    fn listed(&mut self, name: &str) -> Result<()> {
        self.files.push(file_entry(&self.stage, name)?);
        Ok(())
    }
}

/// Writes every artifact of one track, all or nothing.
pub fn run(options: &Options) -> Result<Report> {
    // Everything that can be refused is checked before any work.
    let cfg = options.config()?;
    if options.generate_video {
        video::check_ffmpeg()?;
    }
    let (path, track) = locate(&options.source)?;
    let bundle = match &options.models {
        Some(models) => Some(load_bundle(&models.fetch()?)?),
        None => None,
    };
    // An object-store output is written locally and uploaded once complete, summary.json last.
    let out = options.output.staging()?;

    let started = Instant::now();
    let (decoded, damage) = track::with_path(&path, track::decode(&path, options.policy))?;
    let (signal, padded) = analysed_signal(&path, &decoded, options)?;
    let mut run = Run {
        options,
        cfg,
        name: display_name(&path, track.as_ref()),
        path,
        stage: Staging::new(&out)?,
        files: Vec::new(),
        seconds: serde_json::Map::new(),
    };
    run.step("decode", started);

    let started = Instant::now();
    let set = genrescope_core::compute_split(
        &signal,
        &run.cfg,
        Feature::LIBROSA,
        &genrescope_core::features::NoEmbedder,
    )
    .with_context(|| format!("{}: computing features", run.path.display()))?;
    run.step("features", started);

    write_arrays(&mut run, &set)?;
    let plots = write_plots(&mut run, &set, signal.len())?;
    let mut top_genre = None;
    if let Some(bundle) = &bundle {
        let musicnn = musicnn_runs(&mut run, &decoded)?;
        top_genre = Some(write_predictions(
            &mut run,
            &Predicting {
                bundle,
                decoded: &decoded,
                musicnn: &musicnn,
            },
            &set,
            signal.len(),
            track.as_ref(),
        )?);
        write_tags(&mut run, &musicnn)?;
    }
    if options.generate_video {
        write_video(&mut run, &plots, &signal)?;
    }

    let summary = json!({
        "input": run.path.display().to_string(),
        "track_id": track.as_ref().map(|t| t.track_id),
        "genre": track.as_ref().map(|t| &t.genre),
        "signal": {
            "sr": options.sr,
            "offset": options.offset,
            "signal_length": options.signal_length,
            "samples": signal.len(),
            "padded": padded,
            "track_seconds": decoded.duration(),
        },
        "damage": track::damage_json(&damage),
        "config": run.cfg,
        "top_genre": top_genre,
        "files": run.files,
        "seconds": run.seconds,
    });
    write_json(&run.stage.path(SUMMARY), &summary)?;
    let files = run.stage.commit()?;
    options.output.publish(&out, &[SUMMARY])?;
    Ok(Report {
        path: run.path,
        seconds: signal.len() as f64 / f64::from(options.sr),
        padded,
        files,
        top_genre,
        damage,
    })
}

/// waveform.npy, and every feature's .npy with `generate_features`.
fn write_arrays(run: &mut Run, set: &FeatureSet) -> Result<()> {
    let started = Instant::now();
    for (feature, array) in &set.entries {
        if *feature == Feature::Waveform || run.options.generate_features {
            let name = format!("{feature}.npy");
            write_npy(&run.stage.path(&name), array.view())?;
            run.files
                .push(json!({ "file": name, "shape": array.shape() }));
        }
    }
    run.step("npy", started);
    Ok(())
}

/// One PNG per feature and the overview; returns the plots (the video draws the mel one).
fn write_plots(run: &mut Run, set: &FeatureSet, samples: usize) -> Result<Vec<FeaturePlot>> {
    let started = Instant::now();
    let mut plots = Vec::new();
    for (feature, array) in &set.entries {
        let plot = feature_plot(*feature, array, &run.cfg)
            .with_context(|| format!("plotting {feature}"))?;
        let file = format!("{feature}.png");
        feature_png(&run.stage.path(&file), &plot)?;
        run.listed(&file)?;
        plots.push(plot);
    }
    let o = run.options;
    overview_png(
        &run.stage.path("overview.png"),
        &format!(
            "{} — {:.1} s from {} s, {} Hz, hop {}",
            run.name,
            samples as f64 / f64::from(o.sr),
            o.offset,
            o.sr,
            o.hop_size
        ),
        &plots,
    )?;
    run.listed("overview.png")?;
    run.step("plots", started);
    Ok(plots)
}

/// What the bundle's predictions are made from: the bundle, the decoded track and MusiCNN's
/// runs over the whole track (both models).
struct Predicting<'a> {
    bundle: &'a Bundle,
    decoded: &'a Decoded,
    musicnn: &'a [TrackAnalysis],
}

/// MusiCNN over the whole track at 16 kHz, both models, one pass each (weights compiled in):
/// tags.json's tags, and the `musicnn` features of the bundle's windows.
fn musicnn_runs(run: &mut Run, decoded: &Decoded) -> Result<Vec<TrackAnalysis>> {
    let started = Instant::now();
    let y16k = decoded
        .window(musicnn::SR, 0.0, None)
        .with_context(|| format!("{}", run.path.display()))?;
    let mel = musicnn::log_mel(&y16k)
        .with_context(|| format!("{}: tagging with MusiCNN", run.path.display()))?;
    let patches = musicnn::patches(mel.view());
    let mut runs = Vec::new();
    for model in musicnn::TagModel::ALL {
        let tagger = tagger::tagger(model)?;
        let outputs = tagger
            .patch_outputs(&patches)
            .with_context(|| format!("{}: tagging with MusiCNN", run.path.display()))?;
        runs.push(tagger.track_analysis(outputs));
    }
    run.step("musicnn", started);
    Ok(runs)
}

/// predictions.json and .png, and for a track longer than the bundle's window the timeline;
/// returns the top genre.
fn write_predictions(
    run: &mut Run,
    p: &Predicting,
    set: &FeatureSet,
    samples: usize,
    track: Option<&CleanTrack>,
) -> Result<String> {
    let started = Instant::now();
    let bundle = p.bundle;
    let (prediction, bundle_signal_seconds) =
        predict_signal(p, set, &run.cfg, samples, run.options.offset, &run.path)?;
    let classes = &bundle.manifest.classes;
    let top = prediction.top();
    let signal = report::Signal {
        offset: run.options.offset,
        seconds: bundle_signal_seconds,
    };
    let bundle_path = run.options.models.as_ref().map(|p| p.to_string());
    write_json(
        &run.stage.path("predictions.json"),
        &report::predictions(
            classes,
            &prediction,
            signal,
            bundle_path.as_deref(),
            track.map(|t| t.genre.as_str()),
            bundle.manifest.dataset.as_ref(),
        ),
    )?;
    run.listed("predictions.json")?;
    if let Some(d) = bundle.manifest.dataset.as_ref().filter(|d| d.synthesised) {
        eprintln!("genrescope: note: {}", d.notice());
    }
    predictions_png(
        &run.stage.path("predictions.png"),
        &format!(
            "{}: {} ({:.0} %), {} models",
            run.name,
            classes[top],
            prediction.ensemble[top] * 100.0,
            prediction.models.len()
        ),
        classes,
        &prediction.ensemble,
        &prediction.models,
    )?;
    run.listed("predictions.png")?;
    run.step("predictions", started);
    if p.decoded.duration() > bundle_signal_seconds + 1e-6 {
        write_timeline(run, p, bundle_signal_seconds)?;
    }
    Ok(classes[top].clone())
}

/// timeline.json and .png: the bundle's genre window by window over the whole track.
fn write_timeline(run: &mut Run, p: &Predicting, bundle_signal_seconds: f64) -> Result<()> {
    let started = Instant::now();
    let classes = &p.bundle.manifest.classes;
    let track = timeline(p, &run.path)?;
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
        &run.stage.path("timeline.json"),
        &report::timeline(classes, bundle_signal_seconds, &track),
    )?;
    run.listed("timeline.json")?;
    timeline_png(
        &run.stage.path("timeline.png"),
        &format!(
            "{}: genre over the whole track ({} windows of {bundle_signal_seconds:.0} s)",
            run.name,
            points.len()
        ),
        classes,
        &points,
    )?;
    run.listed("timeline.png")?;
    run.step("timeline", started);
    Ok(())
}

/// tags.json: MusiCNN's tags of the whole track, both models.
fn write_tags(run: &mut Run, musicnn: &[TrackAnalysis]) -> Result<()> {
    let started = Instant::now();
    let mut tags = serde_json::Map::new();
    for analysis in musicnn {
        let Some(model) = analysis.model else {
            continue;
        };
        let taggram = Taggram::of(model, analysis.tags.clone());
        tags.insert(model.name().into(), report::taggram(&taggram));
    }
    write_json(&run.stage.path("tags.json"), &Value::Object(tags))?;
    run.listed("tags.json")?;
    run.step("tags", started);
    Ok(())
}

/// video.mp4: the mel spectrogram with a moving playhead and the audio.
fn write_video(run: &mut Run, plots: &[FeaturePlot], signal: &[f32]) -> Result<()> {
    let started = Instant::now();
    let mel = plots
        .iter()
        .find(|p| p.feature == Feature::Mel)
        .ok_or_else(|| anyhow!("the mel spectrogram was not computed"))?;
    let mut mel = mel.clone();
    mel.title = format!("{} — {}", run.name, mel.title);
    let sr = run.options.sr;
    video::write_mp4(
        &run.stage.path("video.mp4"),
        &run.stage.dir,
        &mel,
        signal,
        sr,
    )?;
    let mut entry = file_entry(&run.stage, "video.mp4")?;
    entry["fps"] = json!(video::FPS);
    entry["seconds"] = json!(signal.len() as f64 / f64::from(sr));
    run.files.push(entry);
    run.step("video", started);
    Ok(())
}

/// The audio file and, for --song-id, its row of the cleaned metadata.
fn locate(source: &Source) -> Result<(PathBuf, Option<CleanTrack>)> {
    let (id, metadata, root) = match source {
        Source::File(input) => return Ok((fetch_audio(input)?, None)),
        Source::Fma {
            track_id,
            metadata,
            server_data,
        } => (*track_id, metadata, server_data),
    };
    let (tracks, _) = clean::read(&metadata.fetch_with(&[clean::CLASSES])?)?;
    let n = tracks.len();
    let track = tracks
        .into_iter()
        .find(|t| t.track_id == id)
        .ok_or_else(|| anyhow!("track {id} is not in {metadata} ({n} tracks)"))?;
    Ok((fetch_audio(&root.join(&track.path))?, Some(track)))
}

/// The audio file to analyse: the path, or the object fetched into the local cache (a
/// missing local file is left for the loader, which names it).
fn fetch_audio(at: &Location) -> Result<PathBuf> {
    match at.as_local() {
        Some(path) => Ok(path.to_path_buf()),
        None => at.fetch(),
    }
}

/// `[offset, offset + length)` seconds at `sr`, as `librosa.load` gives it; a shorter track is
/// refused unless `pad`, which zero-pads it. Returns the signal and whether it was padded.
fn analysed_signal(path: &Path, decoded: &Decoded, o: &Options) -> Result<(Vec<f32>, bool)> {
    let sr = f64::from(o.sr);
    // One sample of rounding between the file's rate and --sr is not a short track.
    let want = (o.signal_length * sr).round() as usize;
    let min_seconds = if o.pad {
        0.0
    } else {
        want.saturating_sub(1) as f64 / sr
    };
    let window = Window {
        sr: o.sr,
        offset: o.offset,
        length: Some(o.signal_length),
        fit: Fit::Pad { min_seconds },
    };
    match decoded.cut(&window) {
        Ok(t) => Ok((t.samples, t.padded)),
        Err(genrescope_core::Error::TooShort { seconds, .. }) => bail!(
            "{}: {seconds:.2} s of audio after --offset {} s, shorter than --signal-length {} s \
             (add --pad to zero-pad it)",
            path.display(),
            o.offset,
            o.signal_length
        ),
        Err(e) => Err(anyhow::Error::new(e).context(format!("{}", path.display()))),
    }
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
        fs::read(dir.join(name)).map_err(|e| genrescope_core::Error::MissingFile {
            file: dir.join(name).display().to_string(),
            reason: e.to_string(),
        })
    };
    Bundle::load(&manifest, read, &device(Backend::Flex)?)
        .with_context(|| format!("--models {}", dir.display()))
}

/// The bundle's prediction for the analysed window, computed with the bundle's own feature
/// configuration and signal length (the features already computed are reused when they are
/// the same; the embedding features pool MusiCNN's patches inside the window). Returns the
/// prediction and the bundle's signal length in seconds.
fn predict_signal(
    p: &Predicting,
    set: &FeatureSet,
    cfg: &FeatureConfig,
    samples: usize,
    offset: f64,
    path: &Path,
) -> Result<(Prediction, f64)> {
    let m = &p.bundle.manifest;
    let seconds = m.signal_samples as f64 / f64::from(m.feature_config.sr);
    let flex = device(Backend::Flex)?;
    let embedder = WindowEmbedder {
        tracks: p.musicnn,
        start: offset,
        end: offset + seconds,
    };
    let reuse = m.feature_config == *cfg && m.signal_samples == samples;
    let which: Vec<Feature> = p
        .bundle
        .features()
        .into_iter()
        .filter(|f| !reuse || set.get(*f).is_none())
        .collect();
    if which.is_empty() {
        return Ok((p.bundle.predict(set, &flex)?, seconds));
    }
    let mut y = p
        .decoded
        .window(m.feature_config.sr, offset, Some(seconds))
        .with_context(|| format!("{}", path.display()))?;
    y.resize(m.signal_samples, 0.0);
    let mut computed = genrescope_core::compute_with(&y, &m.feature_config, &which, &embedder)
        .with_context(|| format!("{}: computing the bundle's features", path.display()))?;
    if reuse {
        computed.entries.extend(set.entries.iter().cloned());
    }
    Ok((p.bundle.predict(&computed, &flex)?, seconds))
}

/// What the bundle says of the whole track, window by window ([`Bundle::predict_track`]).
fn timeline(p: &Predicting, path: &Path) -> Result<TrackPrediction> {
    let full = p
        .decoded
        .window(p.bundle.manifest.feature_config.sr, 0.0, None)
        .with_context(|| format!("{}", path.display()))?;
    p.bundle
        .predict_track(&full, p.musicnn, &device(Backend::Flex)?, |_, _| {})
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
