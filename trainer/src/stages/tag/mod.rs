//! Stages `tag` and `embed`: MusiCNN's tags, or its embedding, for audio files, one or a
//! whole dataset.
//!
//! Files are tagged `jobs` at a time (each file's patches shared by the cores as well);
//! results go to the caller (the command prints them) or to a resumable output file (see
//! [`sink`]). A file that fails is reported to the caller and listed in
//! `<name>.failures.csv`; the run goes on. Files load through the one track loader
//! ([`crate::track`]) under the options' damage policy.

pub mod inputs;
pub mod sink;
pub mod tagger;

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result};
use genrescope_core::audio::{DamagePolicy, Window};
use genrescope_core::musicnn::net::Tagger;
use genrescope_core::musicnn::{SR, TagModel};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::location::Location;
use crate::shard::Shard;
use sink::{Output, Tagged};
use tagger::tagger;

/// What to tag, with which model, and where the tags go.
#[derive(Clone, Debug)]
pub struct Options {
    /// Audio files, and folders (or object-store prefixes) searched recursively for them.
    pub inputs: Vec<Location>,
    /// Which pretrained model.
    pub model: TagModel,
    /// Tags or embeddings.
    pub product: Product,
    /// A resumable `.parquet` or `.jsonl` file (or object); the caller gets each result when
    /// `None`.
    pub output: Option<Location>,
    /// Files tagged at once; every core when `None`.
    pub jobs: Option<usize>,
    /// Damaged files: tagged as far as they decode (with the damage in the result), or
    /// failures.
    pub policy: DamagePolicy,
    /// This worker's part of the files; the output file gets the shard's name.
    pub shard: Option<Shard>,
}

impl Options {
    /// The output file this run writes: `-o`, or for a shard `<stem>.shard-I-of-N.<ext>`
    /// beside it.
    pub fn output_file(&self) -> Option<Location> {
        let out = self.output.as_ref()?;
        let Some(shard) = self.shard else {
            return Some(out.clone());
        };
        let name = out.file_name();
        let path = Path::new(&name);
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let name = match path.extension() {
            Some(ext) => format!("{stem}.{}.{}", shard.name(), ext.to_string_lossy()),
            None => format!("{stem}.{}", shard.name()),
        };
        Some(out.sibling(&name))
    }
}

/// What a run gives per file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    /// The tag activations per patch, and their mean (`genrescope tag`).
    Tags,
    /// The penultimate layer per patch, pooled (`genrescope embed`); the tags come with it.
    Embedding,
}

impl Product {
    /// What a file of results holds, as an error line names it.
    pub fn noun(self) -> &'static str {
        match self {
            Product::Tags => "tags",
            Product::Embedding => "embeddings",
        }
    }

    /// The command that writes it.
    pub fn command(self) -> &'static str {
        match self {
            Product::Tags => "genrescope tag",
            Product::Embedding => "genrescope embed",
        }
    }
}

/// What the tagging did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Files found.
    pub files: usize,
    /// Files an earlier run had tagged into the output.
    pub resumed: usize,
    /// Files tagged now.
    pub tagged: usize,
    /// Files that failed: path and reason.
    pub failures: Vec<(String, String)>,
    /// Wall time.
    pub seconds: f64,
}

/// What happens as files finish: a result (with the seconds it took) when there is no output
/// file, and every failure.
pub trait Observer {
    /// The files are found: `files` in all.
    fn started(&mut self, files: usize);
    /// A file was tagged.
    fn tagged(&mut self, tagged: &Tagged, seconds: f64) -> Result<()>;
    /// A file failed, with why.
    fn failed(&mut self, path: &str, reason: &str);
    /// A file decoded with damage and was tagged as far as it decoded.
    fn damaged(&mut self, tagged: &Tagged);
}

/// Tags every file, resuming the output file when there is one.
pub fn run(options: &Options, observer: &mut dyn Observer) -> Result<Report> {
    let started = Instant::now();
    let mut files = inputs::collect_locations(&options.inputs)?;
    if let Some(shard) = options.shard {
        files.retain(|f| shard.holds_key(&f.to_string()));
    }
    let output_location = options.output_file();
    // An object-store output is kept in a local file (resumed from the object when there is
    // one) and uploaded whole at the end.
    let output_file = match &output_location {
        Some(out) => Some(out.local_copy()?),
        None => None,
    };
    let (mut output, done) = match &output_file {
        Some(path) => {
            let (o, done) = Output::open(path, options.model, options.product)?;
            (Some(o), done)
        }
        None => (None, HashSet::new()),
    };
    let todo: Vec<&Location> = files
        .iter()
        .filter(|f| !done.contains(&f.to_string()))
        .collect();
    let resumed = files.len() - todo.len();
    let tagger = tagger(options.model)?;
    let jobs = super::jobs(options.jobs);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("cannot start the worker threads")?;

    observer.started(files.len());
    let one_file = files.len() == 1 && output_file.is_none();
    let bar = progress_bar(todo.len() as u64, one_file);
    let mut tally = Tally::default();
    let written = tag_all(
        &Work {
            todo: &todo,
            tagger: &tagger,
            product: options.product,
            pool: &pool,
            policy: options.policy,
            jobs,
            bar: &bar,
        },
        observer,
        &mut output,
        &mut tally,
    );
    let Tally { tagged, failures } = tally;
    bar.finish_and_clear();
    written?;
    if let (Some(output), Some(path), Some(location)) = (output, &output_file, &output_location) {
        output.finish()?;
        let failures_path = sink::failures_path(path);
        sink::write_failures(&failures_path, &failures)?;
        location.upload(path)?;
        location
            .sibling(
                &failures_path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy(),
            )
            .upload(&failures_path)?;
    }
    Ok(Report {
        files: files.len(),
        resumed,
        tagged,
        failures,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What one run tags, and with what.
struct Work<'a> {
    todo: &'a [&'a Location],
    tagger: &'a Tagger,
    product: Product,
    pool: &'a rayon::ThreadPool,
    policy: DamagePolicy,
    jobs: usize,
    bar: &'a ProgressBar,
}

/// Files tagged, and the failures with their reasons.
#[derive(Default)]
struct Tally {
    tagged: usize,
    failures: Vec<(String, String)>,
}

/// Tags `work.todo` on the pool, handing each result to the output or the observer in the
/// order they finish; an output that fails stops the tagging.
fn tag_all(
    work: &Work,
    observer: &mut dyn Observer,
    output: &mut Option<Output>,
    tally: &mut Tally,
) -> Result<()> {
    let bar = work.bar;
    let (tx, rx) = mpsc::sync_channel::<(String, Result<Tagged, String>, f64)>(2 * work.jobs);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            work.pool.install(|| {
                work.todo.par_iter().for_each_with(tx, |tx, path| {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let t = Instant::now();
                    let result = tag_file(work, path);
                    let _ = tx.send((path.to_string(), result, t.elapsed().as_secs_f64()));
                });
            });
        });
        let result = (|| {
            for (path, result, seconds) in rx {
                bar.inc(1);
                match result {
                    Ok(t) => {
                        tally.tagged += 1;
                        if !t.damage.is_none() {
                            bar.suspend(|| observer.damaged(&t));
                        }
                        match output {
                            Some(o) => o.write(t)?,
                            None => bar.suspend(|| observer.tagged(&t, seconds))?,
                        }
                    }
                    Err(reason) => {
                        bar.suspend(|| observer.failed(&path, &reason));
                        tally.failures.push((path, reason));
                    }
                }
            }
            Ok(())
        })();
        if result.is_err() {
            // The output cannot take more: stop tagging what nobody will keep.
            stop.store(true, Ordering::Relaxed);
        }
        result
    })
}

/// Decodes and tags (or embeds) one file; the error is the reason, without the path.
fn tag_file(work: &Work, path: &Location) -> Result<Tagged, String> {
    // Decoding catches its own panics (crate::track); one in MusiCNN's run costs that file too.
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Tagged, String> {
        let track = crate::track::load_at(path, &Window::whole(SR), work.policy)
            .map_err(|e| e.to_string())?;
        let failed = |e: genrescope_core::Error| format!("running MusiCNN: {e}");
        let (taggram, embedding) = match work.product {
            Product::Tags => (work.tagger.tag(&track.samples).map_err(failed)?, None),
            Product::Embedding => {
                let (taggram, embedding) = work.tagger.analyse(&track.samples).map_err(failed)?;
                (taggram, Some(embedding))
            }
        };
        Ok(Tagged {
            path: path.to_string(),
            seconds: track.samples.len() as f64 / f64::from(SR),
            taggram,
            embedding,
            damage: track.damage,
        })
    }));
    match result {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "internal error while tagging: {}",
            crate::track::panic_message(&*panic)
        )),
    }
}

fn progress_bar(total: u64, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files, {per_sec}, ETA {eta}",
        )
        .expect("a valid template"),
    );
    bar
}
