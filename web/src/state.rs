//! The page's shared state: one analysis session, provided as context to every component.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analysis::{self, FeatureStats, SUMMARY_SECONDS, TrackInfo};
use crate::browser::{read_file, yield_to_browser};
use crate::error::AppError;

/// Where the analysis of the chosen file stands. Its [`Phase::key`] is `#status`'s
/// `data-state`, which the end-to-end tests wait on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No file chosen yet.
    Idle,
    /// The browser is handing over the file's bytes.
    Reading,
    /// Decoding the whole file.
    Decoding,
    /// Computing the features of the first seconds.
    Computing,
    /// Duration and summary are shown.
    Done,
    /// `#error` says what went wrong.
    Failed,
}

impl Phase {
    /// The phase as a stable lowercase word.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Reading => "reading",
            Phase::Decoding => "decoding",
            Phase::Computing => "computing",
            Phase::Done => "done",
            Phase::Failed => "failed",
        }
    }

    /// Whether work is under way.
    pub fn is_busy(self) -> bool {
        matches!(self, Phase::Reading | Phase::Decoding | Phase::Computing)
    }
}

/// How long the steps of the last analysis took, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// Decoding the whole file.
    pub decode_ms: Option<f64>,
    /// Loading the first seconds and computing every feature.
    pub features_ms: Option<f64>,
}

/// The analysis of the file the user chose last. `Copy`: every field is a signal.
///
/// Choosing a new file starts a new run; results of an older run that is still going are
/// dropped when they arrive.
#[derive(Clone, Copy)]
pub struct Session {
    /// The chosen file's name.
    pub file_name: RwSignal<Option<String>>,
    /// Where the analysis stands.
    pub phase: RwSignal<Phase>,
    /// Duration and format of the whole file, once decoded.
    pub track: RwSignal<Option<TrackInfo>>,
    /// One row per feature, once computed.
    pub summary: RwSignal<Option<Vec<FeatureStats>>>,
    /// What went wrong, if anything.
    pub error: RwSignal<Option<AppError>>,
    /// Step timings of the current run.
    pub timings: RwSignal<Timings>,
    /// Number of the current run: 0 before the first file, one more for each file chosen.
    pub run: RwSignal<u64>,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// An idle session.
    pub fn new() -> Self {
        Session {
            file_name: RwSignal::new(None),
            phase: RwSignal::new(Phase::Idle),
            track: RwSignal::new(None),
            summary: RwSignal::new(None),
            error: RwSignal::new(None),
            timings: RwSignal::new(Timings::default()),
            run: RwSignal::new(0),
        }
    }

    /// The session provided by [`crate::App`].
    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    /// Starts analysing `file` in the background, replacing whatever was shown.
    pub fn analyse(self, file: web_sys::File) {
        let run = self.run.get_untracked() + 1;
        self.run.set(run);
        self.file_name.set(Some(file.name()));
        self.track.set(None);
        self.summary.set(None);
        self.error.set(None);
        self.timings.set(Timings::default());
        self.phase.set(Phase::Reading);
        spawn_local(self.analyse_run(run, file));
    }

    /// One sentence for `#status`.
    pub fn status_text(&self) -> String {
        let name = self.file_name.get().unwrap_or_default();
        let timings = self.timings.get();
        match self.phase.get() {
            Phase::Idle => "Choose an audio file (MP3, FLAC, Ogg Vorbis or WAV).".into(),
            Phase::Reading => format!("Reading {name}…"),
            Phase::Decoding => format!("Decoding {name}…"),
            Phase::Computing => {
                format!("Computing features on the first {SUMMARY_SECONDS} s of {name}…")
            }
            Phase::Done => format!(
                "{name}: decoded in {}, features in {}.",
                milliseconds(timings.decode_ms),
                milliseconds(timings.features_ms)
            ),
            Phase::Failed => format!("{name} could not be analysed."),
        }
    }

    async fn analyse_run(self, run: u64, file: web_sys::File) {
        let name = file.name();
        let bytes = match read_file(&file).await {
            Ok(bytes) => bytes,
            Err(e) => return self.fail(run, e),
        };
        if !self.step(run, Phase::Decoding).await {
            return;
        }
        let start = now_ms();
        let decoded = match analysis::decode_file(bytes, &name) {
            Ok(decoded) => decoded,
            Err(e) => return self.fail(run, e),
        };
        self.timings
            .update(|t| t.decode_ms = Some(now_ms() - start));
        self.track.set(Some(analysis::TrackInfo::of(&decoded)));
        if !self.step(run, Phase::Computing).await {
            return;
        }
        let start = now_ms();
        match analysis::summarize_track(&decoded, &name) {
            Ok(rows) => {
                self.timings
                    .update(|t| t.features_ms = Some(now_ms() - start));
                self.summary.set(Some(rows));
                self.phase.set(Phase::Done);
            }
            Err(e) => self.fail(run, e),
        }
    }

    /// Moves to `phase` and lets the page repaint; false when a newer run has started.
    async fn step(self, run: u64, phase: Phase) -> bool {
        if !self.is_current(run) {
            return false;
        }
        self.phase.set(phase);
        yield_to_browser().await;
        self.is_current(run)
    }

    fn is_current(&self, run: u64) -> bool {
        self.run.get_untracked() == run
    }

    fn fail(self, run: u64, error: AppError) {
        if self.is_current(run) {
            self.error.set(Some(error));
            self.phase.set(Phase::Failed);
        }
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn milliseconds(ms: Option<f64>) -> String {
    match ms {
        Some(ms) if ms >= 1000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) => format!("{ms:.0} ms"),
        None => "—".into(),
    }
}
