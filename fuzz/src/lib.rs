//! What the fuzz targets share: a folder of files packed into one input, and a scratch folder
//! per process to unpack it into (the stores under test open folders, as they do for users).
//!
//! A packed folder is a sequence of files, each `[name length: u8][name][size: u32 LE][bytes]`;
//! `tools/fuzz/pack.py` packs a real folder into a seed. Names are reduced to their last
//! component, so an input cannot write outside the scratch folder.

use std::path::{Path, PathBuf};

use genrescope_core::audio::MAX_AMPLITUDE;

/// The files of a packed folder, as `(name, bytes)`; a record cut short ends the list.
pub fn unpack(mut data: &[u8]) -> Vec<(String, &[u8])> {
    let mut files = Vec::new();
    while let Some((&name_len, rest)) = data.split_first() {
        let Some((name, rest)) = rest.split_at_checked(usize::from(name_len)) else {
            break;
        };
        let Some((size, rest)) = rest.split_first_chunk::<4>() else {
            break;
        };
        let size = u32::from_le_bytes(*size) as usize;
        let (bytes, rest) = rest.split_at(size.min(rest.len()));
        let name = String::from_utf8_lossy(name);
        let name = name.rsplit(['/', '\\']).next().unwrap_or_default();
        if !name.is_empty() && name != "." && name != ".." && !name.contains('\0') {
            files.push((name.to_owned(), bytes));
        }
        data = rest;
    }
    files
}

/// This process's scratch folder, emptied: `$TMPDIR/genrescope-fuzz-<pid>/<what>`.
pub fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("genrescope-fuzz-{}", std::process::id()))
        .join(what);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch folder can be made");
    dir
}

/// Writes a packed folder's files into `dir`, those the file system takes.
pub fn write_folder(dir: &Path, data: &[u8]) {
    for (name, bytes) in unpack(data) {
        // A name the file system refuses (too long, say) is a file the folder does not hold.
        let _ = std::fs::write(dir.join(name), bytes);
    }
}

/// The format hint a target passes with the bytes: none, or one of the extensions the page and
/// the CLI pass, chosen by the input's first byte (the rest is the file).
pub fn hint_and_file(data: &[u8]) -> (Option<&'static str>, &[u8]) {
    const HINTS: [Option<&str>; 6] = [
        None,
        Some("mp3"),
        Some("wav"),
        Some("flac"),
        Some("ogg"),
        Some("bin"),
    ];
    match data.split_first() {
        Some((&b, rest)) => (HINTS[usize::from(b) % HINTS.len()], rest),
        None => (None, data),
    }
}

/// Samples a feature target runs on: at most 3 s at 22,050 Hz.
const MAX_SAMPLES: usize = 3 * 22_050;

/// A signal the decoder could give from the input (finite, within its
/// [`MAX_AMPLITUDE`]). The first byte picks how the rest is read: as `f32` samples (non-finite
/// ones become 0, the rest clamped to the bound), as `i16` samples, or as the recipe of an extreme
/// signal — DC, a full-scale square wave, denormals, silence, one click — whose length and
/// parameters come from the next bytes.
pub fn signal_of(data: &[u8]) -> Vec<f32> {
    let Some((&kind, rest)) = data.split_first() else {
        return Vec::new();
    };
    let word = |i: usize| rest.get(i).copied().unwrap_or(0);
    let len = ((usize::from(word(0)) << 8 | usize::from(word(1))) * 8).min(MAX_SAMPLES);
    let level = f32::from(word(2)) / 255.0;
    match kind % 7 {
        0 => rest
            .chunks_exact(4)
            .take(MAX_SAMPLES)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .map(|v| {
                if v.is_finite() {
                    v.clamp(-MAX_AMPLITUDE, MAX_AMPLITUDE)
                } else {
                    0.0
                }
            })
            .collect(),
        1 => rest
            .chunks_exact(2)
            .take(MAX_SAMPLES)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
            .collect(),
        2 => vec![level * 2.0 - 1.0; len],
        3 => {
            let half = usize::from(word(3)).max(1);
            (0..len)
                .map(|i| if (i / half) % 2 == 0 { 1.0 } else { -1.0 })
                .collect()
        }
        4 => (0..len)
            .map(|i| {
                f32::from_bits(u32::from(word(3 + i % 8)) + 1) * if i % 2 == 0 { 1.0 } else { -1.0 }
            })
            .collect(),
        5 => vec![0.0; len],
        _ => {
            let mut y = vec![0.0; len];
            if let Some(v) = y.get_mut(usize::from(word(3)) * 16) {
                *v = 1.0;
            }
            y
        }
    }
}

/// Panics when a feature holds a NaN or an infinity: the features of a finite signal are finite.
pub fn assert_finite(set: &genrescope_core::FeatureSet) {
    for (feature, values) in &set.entries {
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            panic!("{} holds {v}", feature.name());
        }
    }
}
