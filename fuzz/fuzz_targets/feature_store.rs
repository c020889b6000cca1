//! A features folder (`manifest.json`, `labels.npy`, `track_ids.npy`, one `.npy` per feature:
//! what `extract` writes and `train` reads) packed into one input: opened, and every row of
//! every feature read, or an error naming the file. The rows it says failed in `extract` are
//! rows it holds, ascending, each once (`train` leaves them out by binary search).
#![no_main]
use genrescope::formats::features::FeatureStore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = genrescope_fuzz::scratch("features");
    genrescope_fuzz::write_folder(&dir, data);
    let Ok(store) = FeatureStore::open(&dir) else {
        return;
    };
    assert!(store.failed.windows(2).all(|w| w[0] < w[1]), "{:?}", store.failed);
    assert!(store.failed.iter().all(|&r| r < store.manifest.rows));
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
