//! What the fuzzers found (`fuzz/`, `scripts/fuzz.sh`), each kept as a regression test on the
//! minimised input in `tests/hostile/`.

use std::path::{Path, PathBuf};

use genrescope::formats::signals::read_batch;

fn hostile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(name)
}

/// fuzz/signals, 2026-12-07: a signal batch whose footer gives a column chunk a negative start
/// made the parquet crate (60.2) panic on an assertion. It is that file's error now.
#[test]
fn a_parquet_footer_with_a_negative_column_start_is_an_error_naming_the_file() {
    let path = hostile("negative-column-start.parquet");
    let err = format!("{:#}", read_batch(&path).unwrap_err());
    assert!(
        err.contains(&format!(
            "{} is not a readable Parquet file (the Parquet reader panicked: column start and \
             length should not be negative)",
            path.display()
        )),
        "{err}"
    );
}
