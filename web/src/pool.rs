//! The page's analysis workers: how many, which does what, and what happens when one dies.
//!
//! One worker decodes the dropped file ([`Job::Analyse`]); it hands the page the track's
//! signals and the plan, and [`tasks`] cuts the plan into a queue of shares (genre windows,
//! groups of features, MusiCNN patches) that every idle worker takes from, the first window and
//! the first patch first. Before a worker's first task of a run the page sends it the signals
//! (copies: a decoded track is sent, never decoded twice). A worker that dies is replaced
//! and its share goes back to the front of the queue, once; a second file simply empties the
//! queue, so the workers finish their current share and go on with the new file.
//!
//! This module is the bookkeeping only; [`crate::state::Session`] creates the workers and
//! merges their results.

use std::collections::VecDeque;

use genrescope_core::Feature;
use genrescope_core::musicnn::TrackAnalysis;
use js_sys::{ArrayBuffer, Reflect};
use web_sys::Worker;

use crate::protocol::{self, Request, Task};

/// The most workers the page starts: each holds the models and a copy of the track.
pub const MAX_WORKERS: usize = 4;

/// The page's query parameter that sets the pool's size (`?workers=1`: the one-worker path).
pub const WORKERS_PARAMETER: &str = "workers";

/// How many workers: `?workers=N` if given, else one per logical core the browser reports
/// (`navigator.hardwareConcurrency`), at least 1 and at most [`MAX_WORKERS`].
pub fn size(query: &str) -> usize {
    let asked = query
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix(WORKERS_PARAMETER)?.strip_prefix('='))
        .and_then(|n| n.parse::<usize>().ok());
    let cores = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"hardwareConcurrency".into()))
        .ok()
        .and_then(|v| v.as_f64())
        .map_or(1, |n| n as usize);
    asked.unwrap_or(cores).clamp(1, MAX_WORKERS)
}

/// Something a worker is asked to do.
#[derive(Clone, Debug)]
pub enum Job {
    /// Decode the file (its bytes travel with it, transferred).
    Analyse {
        run: u64,
        name: String,
        bytes: ArrayBuffer,
    },
    /// A share of the run's work; `tries` counts the workers that died running it.
    Task { run: u64, task: Task, tries: u8 },
}

impl Job {
    fn run(&self) -> u64 {
        match self {
            Job::Analyse { run, .. } | Job::Task { run, .. } => *run,
        }
    }

    /// A task a worker died on, queued again.
    fn retried(&self) -> bool {
        matches!(self, Job::Task { tries, .. } if *tries > 0)
    }
}

/// One worker and what it is doing.
pub struct Slot {
    pub worker: Worker,
    /// It said [`crate::protocol::Response::Ready`]: messages reach it.
    pub ready: bool,
    /// What it is running, until it says Idle.
    pub busy: Option<Job>,
    /// The run whose signals it holds.
    signals_of: u64,
    /// It replaces a worker that died: a task some worker died on is retried only on a
    /// replacement, never on a worker that was alive when the task killed the other (that
    /// one may be as sick).
    replacement: bool,
}

impl Slot {
    pub fn new(worker: Worker) -> Self {
        Slot {
            worker,
            ready: false,
            busy: None,
            signals_of: 0,
            replacement: false,
        }
    }
}

/// The workers and the current run's queue.
#[derive(Default)]
pub struct Pool {
    pub slots: Vec<Slot>,
    queue: VecDeque<Job>,
    /// The current run and its signals (`(sr, f32 values)`), kept for workers that join late.
    run: u64,
    signals: Vec<(u32, ArrayBuffer)>,
}

/// A job that could not be handed over, for the run's error.
pub struct PostError {
    pub run: u64,
    pub message: String,
}

impl Pool {
    /// A new run: older jobs still queued are dropped (running ones finish and are ignored).
    pub fn begin(&mut self, run: u64) {
        self.run = run;
        self.queue.clear();
        self.signals.clear();
    }

    /// Queues the decoding of the run's file, before anything else.
    pub fn analyse(&mut self, run: u64, name: String, bytes: ArrayBuffer) {
        if run == self.run {
            self.queue.push_front(Job::Analyse { run, name, bytes });
        }
    }

    /// Keeps a signal the decoding worker sent; it holds the signals already.
    pub fn add_signal(&mut self, from: usize, run: u64, sr: u32, values: ArrayBuffer) {
        if run != self.run {
            return;
        }
        self.signals.push((sr, values));
        if let Some(slot) = self.slots.get_mut(from) {
            slot.signals_of = run;
        }
    }

    /// Queues the run's tasks.
    pub fn plan(&mut self, run: u64, tasks: Vec<Task>) {
        if run == self.run {
            self.queue.extend(tasks.into_iter().map(|task| Job::Task {
                run,
                task,
                tries: 0,
            }));
        }
    }

    /// Drops the run's queued patch tasks (MusiCNN did not load).
    pub fn drop_patches(&mut self, run: u64) {
        self.queue.retain(
            |j| !matches!(j, Job::Task { run: r, task: Task::Patches { .. }, .. } if *r == run),
        );
    }

    /// Drops everything queued for `run` (it failed).
    pub fn cancel(&mut self, run: u64) {
        self.queue.retain(|j| j.run() != run);
    }

    /// Gives queued jobs to idle workers.
    pub fn dispatch(&mut self) -> Result<(), PostError> {
        for i in 0..self.slots.len() {
            if !self.slots[i].ready || self.slots[i].busy.is_some() {
                continue;
            }
            if self.queue.is_empty() {
                return Ok(());
            }
            let replacement = self.slots[i].replacement;
            let Some(k) = self
                .queue
                .iter()
                .position(|job| replacement || !job.retried())
            else {
                continue;
            };
            let Some(job) = self.queue.remove(k) else {
                continue;
            };
            let run = job.run();
            self.post(i, &job)
                .map_err(|message| PostError { run, message })?;
            self.slots[i].busy = Some(job);
        }
        Ok(())
    }

    fn post(&mut self, i: usize, job: &Job) -> Result<(), String> {
        let slot = &mut self.slots[i];
        let send = |request: &Request, data: Option<ArrayBuffer>, transfer: bool| {
            let enc = protocol::encode(request, data)?;
            let posted = if transfer {
                slot.worker
                    .post_message_with_transfer(&enc.message, &enc.transfer)
            } else {
                // Not transferred: the structured clone copies the buffer, the page keeps it.
                slot.worker.post_message(&enc.message)
            };
            posted.map_err(|e| crate::browser::describe(&e))
        };
        match job {
            Job::Analyse { run, name, bytes } => send(
                &Request::Analyse {
                    run: *run,
                    name: name.clone(),
                },
                Some(bytes.clone()),
                true,
            ),
            Job::Task { run, task, .. } => {
                if slot.signals_of != *run {
                    for (sr, values) in &self.signals {
                        send(
                            &Request::Signal { run: *run, sr: *sr },
                            Some(values.clone()),
                            false,
                        )?;
                    }
                    slot.signals_of = *run;
                }
                send(
                    &Request::Task {
                        run: *run,
                        task: task.clone(),
                    },
                    None,
                    false,
                )
            }
        }
    }

    /// Worker `i` finished its job.
    pub fn idle_now(&mut self, i: usize) {
        if let Some(slot) = self.slots.get_mut(i) {
            slot.busy = None;
        }
    }

    /// Worker `i` died and `worker` replaces it. Its task goes back to the front of the queue,
    /// for a replacement, if no worker died on it before; otherwise (and for a file that killed its decoder) the
    /// job is returned: the run cannot go on.
    pub fn replace(&mut self, i: usize, worker: Worker) -> Option<Job> {
        let fresh = Slot {
            replacement: true,
            ..Slot::new(worker)
        };
        let old = std::mem::replace(&mut self.slots[i], fresh);
        old.worker.terminate();
        match old.busy {
            Some(Job::Task { run, task, tries }) if tries == 0 && run == self.run => {
                self.queue.push_front(Job::Task {
                    run,
                    task,
                    tries: 1,
                });
                None
            }
            Some(job) if job.run() == self.run => Some(job),
            _ => None,
        }
    }
}

/// The timeline's `windows` windows as tasks: one window each, or, for a bundle with a head on
/// MusiCNN's embedding, which reads the `musicnn` run over the whole track, one share for each
/// of the `workers` (the run travels with every task).
pub fn window_tasks(windows: usize, musicnn: &[TrackAnalysis], workers: usize) -> Vec<Task> {
    let share = if musicnn.is_empty() {
        1
    } else {
        windows.div_ceil(workers.max(1)).max(1)
    };
    (0..windows)
        .step_by(share)
        .map(|first| Task::Windows {
            first,
            end: (first + share).min(windows),
            musicnn: musicnn.to_vec(),
        })
        .collect()
}

/// The run's work as tasks for `workers` workers, in the order they are handed out: the first
/// window and the first patch (so a genre and a tag show as early as possible), the other
/// windows, the features in as many groups as workers (the expensive ones spread over them),
/// then the remaining patches in chunks small enough for every worker to get some.
pub fn tasks(windows: usize, patches: usize, workers: usize) -> Vec<Task> {
    let workers = workers.max(1);
    let mut windows = window_tasks(windows, &[], workers);
    let rest = windows.split_off(windows.len().min(1));
    let mut out = windows;
    if patches > 0 {
        out.push(Task::Patches { first: 0, end: 1 });
    }
    out.extend(rest);
    for g in 0..workers.min(Feature::LIBROSA.len()) {
        let features: Vec<Feature> = Feature::LIBROSA
            .iter()
            .copied()
            .skip(g)
            .step_by(workers)
            .collect();
        out.push(Task::Features { features });
    }
    let chunk = (patches.saturating_sub(1))
        .div_ceil(2 * workers)
        .clamp(1, 8);
    let mut first = 1;
    while first < patches {
        let end = (first + chunk).min(patches);
        out.push(Task::Patches { first, end });
        first = end;
    }
    out
}
