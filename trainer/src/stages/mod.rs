//! The pipeline's stages as a library. Each stage is a function taking a validated `Options`
//! (its defaults defined once, here or beside the type, and read by the CLI, `pipeline` and the
//! tests) and returning a typed report; `crate::commands` maps clap's arguments to `Options`
//! and prints the reports. The stages share the neutral modules — `crate::formats` (the
//! files they hand each other), `crate::track` (the one track loader), `crate::rng`,
//! `crate::device` — and never the command line.

pub mod artifacts;
pub mod demo_data;
pub mod extract;
pub mod features;
pub mod folders;
pub mod generalise;
pub mod pipeline;
pub mod tag;
pub mod train;
pub mod transform;

use anyhow::{Result, bail};

/// The fixed-length window the pipeline cuts from every track: the seed's `--offset`,
/// `--signal-length` and `--sr`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalWindow {
    /// Start of the signal in the track, in seconds.
    pub offset: f64,
    /// Length of the signal in seconds.
    pub signal_length: f64,
    /// Sample rate the tracks are resampled to, in Hz.
    pub sr: u32,
}

impl Default for SignalWindow {
    /// The seed's: 14 s from the start, at 22,050 Hz.
    fn default() -> Self {
        SignalWindow {
            offset: 0.0,
            signal_length: 14.0,
            sr: 22_050,
        }
    }
}

impl SignalWindow {
    /// Refuses a window that cannot be cut.
    pub fn validate(&self) -> Result<()> {
        if !(self.signal_length.is_finite() && self.signal_length > 0.0) {
            bail!(
                "flag --signal-length must be a positive number of seconds, not {}",
                self.signal_length
            );
        }
        if !(self.offset.is_finite() && self.offset >= 0.0) {
            bail!("flag --offset must be a time >= 0 s, not {}", self.offset);
        }
        if self.sr == 0 {
            bail!("flag --sr must be a positive sample rate");
        }
        Ok(())
    }
}

/// Worker threads: `jobs`, or every core.
pub fn jobs(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        .max(1)
}
