//! A signal batch (`signals/batch_*.parquet`, what `transform` writes and `extract` reads) from
//! any bytes: the signals or an error naming the file, never a panic.
#![no_main]
use genrescope::formats::signals::read_batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // libfuzzer-sys's panic hook aborts even on a panic the code catches; reading Parquet
    // catches the parquet crate's (formats::table::unpanicked), so this target's hook only
    // prints the panic's line. A panic nobody catches still aborts: libfuzzer-sys catches it
    // last.
    init: {
        std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    },
    |data: &[u8]| {
        let path = genrescope_fuzz::scratch("signals").join("batch_00000.parquet");
        std::fs::write(&path, data).expect("the scratch folder is writable");
        let _ = read_batch(&path);
    }
);
