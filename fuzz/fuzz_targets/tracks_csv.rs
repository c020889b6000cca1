//! FMA's `tracks.csv` reader on any bytes: its three header rows, quoting, the list columns
//! (`genres`, `genres_all`); every row read gives a track or a row error, never a panic.
#![no_main]
use genrescope::fma::tracks::{TracksReader, parse_id_list};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut reader) = TracksReader::new(data) {
        while let Some(row) = reader.next_track() {
            let _ = row;
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_id_list(text);
    }
});
