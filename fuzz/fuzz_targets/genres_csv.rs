//! FMA's `genres.csv` reader on any bytes, then every genre's top level through the `parent`
//! links (a cycle or a missing parent is an error, not a hang).
#![no_main]
use genrescope::fma::genres::Taxonomy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(taxonomy) = Taxonomy::from_reader(data) {
        for genre in taxonomy.iter() {
            let _ = taxonomy.top_level(genre.id);
        }
        let _ = taxonomy.top_levels().count();
    }
});
