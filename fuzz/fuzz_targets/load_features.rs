//! decode → resample to 22,050 Hz → every feature, as `genrescope features` runs a file: the
//! first 3 s of any bytes (the window keeps each run short); errors are typed, features finite.
#![no_main]
use genrescope_core::audio::load;
use genrescope_core::{Feature, FeatureConfig, compute};
use genrescope_fuzz::hint_and_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (hint, file) = hint_and_file(data);
    let cfg = FeatureConfig::default();
    let Ok(y) = load(file.to_vec(), hint, cfg.sr, 0.0, Some(3.0)) else {
        return;
    };
    if let Ok(set) = compute(&y, &cfg, Feature::LIBROSA) {
        genrescope_fuzz::assert_finite(&set);
    }
});
