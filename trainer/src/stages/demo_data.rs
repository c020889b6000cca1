//! `demo-data`: writes the built-in FMA-shaped demo dataset (see [`crate::demo::dataset`]).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::demo::dataset;
pub use crate::demo::dataset::DemoSettings;

/// What `demo-data` writes, and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where to write `fma_metadata/` and `fma_small/`.
    pub output: PathBuf,
    /// How many tracks, which seed, how long.
    pub settings: DemoSettings,
}

impl Options {
    /// Refuses settings that cannot make a dataset.
    pub fn validate(&self) -> Result<()> {
        let s = &self.settings;
        if s.tracks_per_genre == 0 {
            bail!("flag --tracks-per-genre must be at least 1");
        }
        if !(s.clip_seconds.is_finite() && (1.0..=600.0).contains(&s.clip_seconds)) {
            bail!(
                "flag --clip-seconds must be between 1 and 600, not {}",
                s.clip_seconds
            );
        }
        Ok(())
    }
}

/// What `demo-data` did.
#[derive(Clone, Debug)]
pub struct Report {
    /// False when the folder already held this dataset.
    pub written: bool,
    /// Wall time.
    pub seconds: f64,
}

/// Writes the demo dataset, or finds it already there.
pub fn run(options: &Options) -> Result<Report> {
    options.validate()?;
    let started = Instant::now();
    let written = dataset::write(&options.output, &options.settings)?;
    Ok(Report {
        written,
        seconds: started.elapsed().as_secs_f64(),
    })
}
