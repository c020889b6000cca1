//! `audio::decode` and `audio::decode_prefix` on any bytes, with each format hint and without:
//! a result or a typed error, never a panic.
#![no_main]
use genrescope_core::audio::{decode, decode_prefix};
use genrescope_fuzz::hint_and_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (hint, file) = hint_and_file(data);
    if let Ok(d) = decode(file.to_vec(), hint) {
        assert!(d.sample_rate > 0, "a decoded file has a sample rate");
        assert!(
            d.samples.iter().all(|s| s.is_finite()),
            "decoded samples are finite"
        );
    }
    let _ = decode_prefix(file.to_vec(), hint, 0.5);
});
