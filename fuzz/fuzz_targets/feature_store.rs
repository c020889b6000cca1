//! A features folder (`manifest.json`, `labels.npy`, `track_ids.npy`, one `.npy` per feature:
//! what `extract` writes and `train` reads) packed into one input: opened, and every row of
//! every feature read, or an error naming the file.
#![no_main]
use genrescope::formats::features::FeatureStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = genrescope_fuzz::scratch("features");
    genrescope_fuzz::write_folder(&dir, data);
    let Ok(store) = FeatureStore::open(&dir) else {
        return;
    };
    let Ok(features) = store.features() else {
        return;
    };
    let mut row = Vec::new();
    for feature in features {
        let Ok(mut rows) = store.rows(feature) else {
            continue;
        };
        for i in 0..store.manifest.rows.min(64) {
            if rows.read(i, &mut row).is_err() {
                break;
            }
        }
    }
});
