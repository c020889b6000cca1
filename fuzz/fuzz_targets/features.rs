//! Every feature of extreme but valid signals: the input's bytes are a short signal's samples,
//! or the recipe of one (DC, full-scale squares, denormals, silence, a lone click), up to 3 s.
#![no_main]
use genrescope_core::{Feature, FeatureConfig, compute};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let y = genrescope_fuzz::signal_of(data);
    if let Ok(set) = compute(&y, &FeatureConfig::default(), Feature::LIBROSA) {
        genrescope_fuzz::assert_finite(&set);
    }
});
