//! Stage 3's parts: reading a features folder, the split, the figures. The training loop is
//! `commands::train`; the networks and the bundle are `genrescope_core::model`.

pub mod data;
pub mod metrics;
pub mod split;
