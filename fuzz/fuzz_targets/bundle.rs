//! A model bundle (`manifest.json` and its `.bpk` weights, what the page fetches and
//! `artifacts` reads) packed into one input, and MusiCNN's weights from the same bytes: loaded
//! or refused with an error, never a panic.
#![no_main]
use genrescope_core::model::Bundle;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::musicnn::TagModel;
use genrescope_core::musicnn::net::Tagger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = genrescope_fuzz::unpack(data);
    let device = Device::flex();
    let read = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.to_vec())
            .ok_or_else(|| genrescope_core::Error::Bundle(format!("{name}: missing")))
    };
    if let Ok(manifest) = read("manifest.json") {
        let _ = Bundle::load(&String::from_utf8_lossy(&manifest), read, &device);
    }
    if let Ok(weights) = read(TagModel::Msd.weights_file()) {
        let _ = Tagger::load(TagModel::Msd, weights, &device);
    }
});
