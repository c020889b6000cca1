//! Genrescope's trainer as a library, so the binary, the end-to-end tests and tools share it.
//!
//! - [`stages`]: the pipeline's stages (`generalise`, `transform`, `extract`, `train`,
//!   `artifacts`, `tag`, `demo-data`, `features`, and `pipeline` composing them), each a
//!   function from a validated `Options` to a typed report;
//! - [`commands`] and [`cli`]: the `genrescope` command line, a thin layer over the stages;
//! - neutral modules the stages share: [`formats`] (the files they hand each other),
//!   [`track`] (the one track loader), [`shard`] (`--shard I/N`), [`rng`], [`device`]; and [`fma`] (FMA's metadata),
//!   [`demo`] (the demo dataset), [`plots`] and [`video`] (what `artifacts` and `train` draw).

pub mod cli;
pub mod commands;
pub mod demo;
pub mod device;
pub mod fma;
pub mod formats;
pub mod location;
pub mod plots;
pub mod rng;
pub mod shard;
pub mod stages;
pub mod track;
pub mod video;
