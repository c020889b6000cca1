//! The files the stages hand each other, shared by all of them and owned by none: atomic
//! writes, Parquet tables, stage 1's signal batches, stage 2's features folder.

pub mod features;
pub mod output;
pub mod signals;
pub mod table;

/// `values` as little-endian float32 bytes (the .npy and raw-PCM layout), into `out`, which is
/// cleared first. A plain loop over fixed chunks, which the compiler turns into a copy: the
/// byte-at-a-time `flat_map(to_le_bytes)` it replaces took a third of `extract`'s time.
pub fn f32_le_bytes<'a>(values: impl IntoIterator<Item = &'a f32>, out: &mut Vec<u8>) {
    let values = values.into_iter();
    out.clear();
    out.reserve(values.size_hint().0 * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// FNV-1a of track ids, in order: which tracks a folder was written from.
pub fn fnv(ids: impl Iterator<Item = u64>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
