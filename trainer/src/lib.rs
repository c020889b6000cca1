//! Genrescope's trainer as a library: the pipeline stages behind the `genrescope` binary, the
//! FMA metadata reader and the demo-dataset generator, so end-to-end tests and tools reuse them.

pub mod cli;
pub mod commands;
pub mod demo;
pub mod fma;
pub mod output;
pub mod plots;
pub mod signals;
pub mod table;
pub mod tagging;
pub mod train;
pub mod video;
