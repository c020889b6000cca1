//! A signal batch (`signals/batch_*.parquet`, what `transform` writes and `extract` reads) from
//! any bytes: the signals or an error naming the file, never a panic.
#![no_main]
use genrescope::formats::signals::read_batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = genrescope_fuzz::scratch("signals").join("batch_00000.parquet");
    std::fs::write(&path, data).expect("the scratch folder is writable");
    let _ = read_batch(&path);
});
