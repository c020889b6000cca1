//! The built-in demo dataset: FMA-shaped metadata and real MP3s of synthesised music, one
//! clearly different style per top-level genre.

pub mod dataset;
pub mod mp3;
pub mod styles;
pub mod synth;
