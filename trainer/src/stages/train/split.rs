//! Which rows train, which validate, which test.
//!
//! FMA's own `set.split` when the cleaned metadata gives one for every row and each part is
//! non-empty; otherwise a stratified 80/10/10 split drawn from the seed.

use std::collections::HashMap;

use anyhow::{Result, bail};

use crate::fma::clean::CleanTrack;
use crate::rng::SplitMix64;

/// Row indices of the three parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows (model selection).
    pub validation: Vec<usize>,
    /// Test rows (the reported figures).
    pub test: Vec<usize>,
    /// `fma` (the metadata's `set.split`) or `stratified` (80/10/10 from the seed).
    pub source: String,
}

impl Split {
    /// Takes `rows` (ascending: the tracks whose features failed) out of every part.
    pub fn leave_out(&mut self, rows: &[usize]) {
        for part in [&mut self.train, &mut self.validation, &mut self.test] {
            part.retain(|r| rows.binary_search(r).is_err());
        }
    }
}

/// Splits the rows of a features folder (`track_ids`, `labels`) using the cleaned `metadata`.
///
/// Every row's track must be in the metadata with the same genre label: a features folder
/// from another dataset is refused rather than silently mis-split.
pub fn assign(
    track_ids: &[u64],
    labels: &[usize],
    classes: &[String],
    metadata: &[CleanTrack],
    meta_classes: &[String],
    seed: u64,
) -> Result<Split> {
    let by_id: HashMap<u64, &CleanTrack> = metadata.iter().map(|t| (t.track_id, t)).collect();
    let mut fma = Split {
        train: vec![],
        validation: vec![],
        test: vec![],
        source: "fma".into(),
    };
    let mut complete = true;
    for (row, (&id, &label)) in track_ids.iter().zip(labels).enumerate() {
        let Some(t) = by_id.get(&id) else {
            bail!("track {id} (row {row} of the features) is not in the metadata");
        };
        if meta_classes.get(t.label as usize) != classes.get(label) {
            bail!(
                "track {id}: the features say genre `{}`, the metadata `{}`",
                classes.get(label).map_or("?", |s| s.as_str()),
                t.genre
            );
        }
        match t.split.as_str() {
            "training" => fma.train.push(row),
            "validation" => fma.validation.push(row),
            "test" => fma.test.push(row),
            _ => complete = false,
        }
    }
    if complete && !fma.train.is_empty() && !fma.validation.is_empty() && !fma.test.is_empty() {
        return Ok(fma);
    }
    Ok(stratified(labels, seed))
}

/// 80/10/10 within each genre (a genre with at least 3 rows gets at least one validation and
/// one test row), drawn from `seed`.
pub fn stratified(labels: &[usize], seed: u64) -> Split {
    let mut rng = SplitMix64::new(seed ^ 0x5B11_7000);
    let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut split = Split {
        train: vec![],
        validation: vec![],
        test: vec![],
        source: "stratified".into(),
    };
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        // Fisher–Yates.
        for i in (1..rows.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            rows.swap(i, j);
        }
        let n = rows.len();
        let tenth = if n >= 3 {
            ((n as f64 * 0.1).round() as usize).max(1)
        } else {
            0
        };
        split.test.extend(&rows[..tenth]);
        split.validation.extend(&rows[tenth..2 * tenth]);
        split.train.extend(&rows[2 * tenth..]);
    }
    for part in [&mut split.train, &mut split.validation, &mut split.test] {
        part.sort_unstable();
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_is_80_10_10_per_genre_and_seeded() {
        let labels: Vec<usize> = (0..200).map(|i| i % 4).collect();
        let s = stratified(&labels, 7);
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (160, 20, 20)
        );
        for c in 0..4 {
            assert_eq!(s.test.iter().filter(|&&i| labels[i] == c).count(), 5);
        }
        let mut all: Vec<usize> = [&s.train[..], &s.validation, &s.test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..200).collect::<Vec<_>>());
        assert_eq!(s, stratified(&labels, 7));
        assert_ne!(s.test, stratified(&labels, 8).test);
    }
}
