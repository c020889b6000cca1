//! Several songs at once: the files dropped or chosen together are analysed one after
//! another, each a row of `#queue` with what its analysis gave (duration, genre, MusiCNN's
//! strongest tags), and any finished row opens again in the page's detailed view.

use leptos::prelude::*;

use crate::protocol::BundleStatus;
use crate::state::{Phase, Session};

/// Where a file of the queue stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowState {
    Waiting,
    Analysing,
    Done,
    Failed,
}

impl RowState {
    /// The row's `data-state`.
    pub fn key(self) -> &'static str {
        match self {
            RowState::Waiting => "waiting",
            RowState::Analysing => "analysing",
            RowState::Done => "done",
            RowState::Failed => "failed",
        }
    }
}

/// One file of the queue and the summary of its analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The file's name.
    pub name: String,
    pub state: RowState,
    /// The decoded track's length.
    pub duration_s: Option<f64>,
    /// The bundle's genre of the track and its probability, when there is a bundle.
    pub genre: Option<(String, f32)>,
    /// MusiCNN's three strongest tags over the track.
    pub tags: Vec<String>,
    /// Why it could not be analysed.
    pub error: Option<String>,
}

impl Row {
    fn waiting(name: String) -> Self {
        Row {
            name,
            state: RowState::Waiting,
            duration_s: None,
            genre: None,
            tags: Vec::new(),
            error: None,
        }
    }
}

/// The queue: its rows, the files behind them and the row the page is analysing.
#[derive(Clone, Copy)]
pub struct Queue {
    pub rows: RwSignal<Vec<Row>>,
    files: StoredValue<Vec<web_sys::File>, LocalStorage>,
    current: StoredValue<Option<usize>>,
}

impl Default for Queue {
    fn default() -> Self {
        Self::new()
    }
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Self {
        Queue {
            rows: RwSignal::new(Vec::new()),
            files: StoredValue::new_local(Vec::new()),
            current: StoredValue::new(None),
        }
    }

    /// The queue provided by [`crate::App`].
    pub fn expect() -> Self {
        expect_context::<Queue>()
    }

    /// Analyses `files`: one as always (and the table of an earlier batch goes), several one
    /// after another, each a row.
    pub fn analyse(self, session: Session, files: Vec<web_sys::File>) {
        if files.len() <= 1 {
            self.rows.set(Vec::new());
            self.files.set_value(Vec::new());
            self.current.set_value(None);
            if let Some(file) = files.into_iter().next() {
                session.analyse(file);
            }
            return;
        }
        self.rows
            .set(files.iter().map(|f| Row::waiting(f.name())).collect());
        self.files.set_value(files);
        self.start(session, 0);
    }

    /// Shows row `i` in the detailed view: its file is analysed again (the queue goes on
    /// after it with any file still waiting).
    pub fn open(self, session: Session, i: usize) {
        if i < self.rows.with_untracked(Vec::len) {
            self.start(session, i);
        }
    }

    fn start(self, session: Session, i: usize) {
        let Some(file) = self.files.with_value(|f| f.get(i).cloned()) else {
            return;
        };
        self.rows.update(|rows| {
            for (k, row) in rows.iter_mut().enumerate() {
                if k == i {
                    row.state = RowState::Analysing;
                } else if row.state == RowState::Analysing {
                    // Superseded before it ended: its turn comes again.
                    row.state = RowState::Waiting;
                }
            }
        });
        self.current.set_value(Some(i));
        session.analyse(file);
    }

    /// When the page's run ends: the current row takes its summary, and the next waiting
    /// file starts.
    pub fn run_ended(self, session: Session) {
        let Some(i) = self.current.get_value() else {
            return;
        };
        self.current.set_value(None);
        let row = summary(&session);
        self.rows.update(|rows| {
            if let Some(r) = rows.get_mut(i) {
                *r = Row {
                    name: r.name.clone(),
                    ..row
                };
            }
        });
        let next = self
            .rows
            .with_untracked(|rows| rows.iter().position(|r| r.state == RowState::Waiting));
        if let Some(next) = next {
            self.start(session, next);
        }
    }
}

/// The summary of the session's finished run (its name is the caller's to give).
fn summary(session: &Session) -> Row {
    if session.phase.get_untracked() == Phase::Failed {
        return Row {
            state: RowState::Failed,
            error: session.error.get_untracked().map(|e| e.to_string()),
            ..Row::waiting(String::new())
        };
    }
    let genre = match (
        session.bundle.get_untracked(),
        session.prediction.get_untracked(),
    ) {
        (Some(BundleStatus::Loaded { classes, .. }), Some(p)) => {
            let top = p.mean.top();
            classes
                .get(top)
                .cloned()
                .zip(p.mean.ensemble.get(top).copied())
        }
        _ => None,
    };
    Row {
        state: RowState::Done,
        duration_s: session.track.get_untracked().map(|t| t.duration_s),
        genre,
        tags: session
            .tags
            .get_untracked()
            .map(|t| {
                t.top(3)
                    .into_iter()
                    .map(|(tag, _)| tag.to_string())
                    .collect()
            })
            .unwrap_or_default(),
        ..Row::waiting(String::new())
    }
}

/// The table as CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes
/// doubled): `file,duration_seconds,genre,genre_probability,top_tags,state,error`.
pub fn csv(rows: &[Row]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out =
        String::from("file,duration_seconds,genre,genre_probability,top_tags,state,error\r\n");
    for r in rows {
        let (genre, p) = r
            .genre
            .as_ref()
            .map_or((String::new(), String::new()), |(g, p)| {
                (g.clone(), p.to_string())
            });
        let cells = [
            field(&r.name),
            r.duration_s.map(|d| d.to_string()).unwrap_or_default(),
            field(&genre),
            p,
            field(&r.tags.join("; ")),
            r.state.key().to_string(),
            field(r.error.as_deref().unwrap_or("")),
        ];
        out += &cells.join(",");
        out += "\r\n";
    }
    out
}
