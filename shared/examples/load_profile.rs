//! Decoding and resampling a 14 s window, timed apart and together, as `librosa.load(path,
//! sr=22050, duration=14)` does them (`tools/bench/load.sh` runs this beside librosa's halves).
//!
//! Run: `cargo run --release -p genrescope-core --example load_profile FILE [seconds]`;
//! prints one JSON line with the median milliseconds of each half and of the whole load.

mod common;

use std::time::Duration;

use common::median;

use genrescope_core::audio::{decode_prefix, load};
use genrescope_core::dsp::resample::resample;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: load_profile FILE [seconds]");
    let seconds: f64 = args.next().map_or(14.0, |s| s.parse().expect("seconds"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let hint = std::path::Path::new(&path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_owned);
    let hint = hint.as_deref();
    let decoded = decode_prefix(bytes.clone(), hint, seconds).expect("decodes");
    let native = decoded.sample_rate;
    let n = ((seconds * f64::from(native)) as usize).min(decoded.samples.len());
    let window = &decoded.samples[..n];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let decode = median(|| decode_prefix(bytes.clone(), hint, seconds).expect("decodes"));
    let resampled = median(|| resample(window, native, 22_050).expect("resamples"));
    let whole = median(|| load(bytes.clone(), hint, 22_050, 0.0, Some(seconds)).expect("loads"));
    println!(
        "{{\"decode_ms\": {:.3}, \"resample_ms\": {:.3}, \"load_ms\": {:.3}, \"sample_rate\": {native}}}",
        ms(decode),
        ms(resampled),
        ms(whole)
    );
}
