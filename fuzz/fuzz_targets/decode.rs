//! `audio::decode`, `audio::decode_prefix` and `audio::decode_within` (under a cap small enough
//! for any input to reach it) on any bytes, with each format hint and without: a result or a
//! typed error, never a panic, and never more decoded audio than the cap.
#![no_main]
use genrescope_core::Error;
use genrescope_core::audio::{Limits, decode, decode_prefix, decode_within};
use genrescope_fuzz::hint_and_file;
use libfuzzer_sys::fuzz_target;

const SMALL: Limits = Limits {
    max_seconds: 0.25,
    max_samples: 4_000,
};

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
    match decode_within(file.to_vec(), hint, &SMALL) {
        Ok(d) => assert!(
            d.samples.len() <= SMALL.max_samples
                && d.duration() <= SMALL.max_seconds + 1.0 / f64::from(d.sample_rate),
            "{} samples at {} Hz pass the cap",
            d.samples.len(),
            d.sample_rate
        ),
        Err(Error::OverCap(cap)) => assert_eq!(cap.limits, SMALL),
        Err(_) => {}
    }
});
