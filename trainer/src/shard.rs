//! `--shard I/N`: one worker's part of a dataset, for array jobs (Slurm's
//! `$SLURM_ARRAY_TASK_ID`, Kubernetes' `JOB_COMPLETION_INDEX`, with N given explicitly: a
//! resubmitted part of an array has a task count of its own).
//!
//! A track belongs to shard `h mod N`, where `h` is a fixed 64-bit hash (SplitMix64's
//! finaliser) of its FMA `track_id`, or of a file's path as the tool found it: the same track
//! is in the same shard on every rerun, whatever the other workers do, and consecutive ids
//! spread evenly. Shard `I` of `N` writes only under its own name, `shard-I-of-N` (zero-padded
//! so that names sort), inside the output; the readers (`extract`, `train`) find every shard
//! of a location by that name and refuse a set with one missing, one twice, or shards of
//! different runs.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, Result, bail};

/// One shard of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    /// 0-based.
    pub index: usize,
    /// How many shards the dataset is split into (≥ 1).
    pub count: usize,
}

/// SplitMix64's finaliser: every input bit moves every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Shard {
    /// Whether FMA's track `track_id` is in this shard.
    pub fn holds_track(&self, track_id: u64) -> bool {
        (mix(track_id) % self.count as u64) as usize == self.index
    }

    /// Whether the file named `key` (its path as found) is in this shard.
    pub fn holds_key(&self, key: &str) -> bool {
        // FNV-1a over the bytes, then mixed.
        let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        (mix(h) % self.count as u64) as usize == self.index
    }

    /// The shard's folder (or name part) inside an output: `shard-00001-of-00004`.
    pub fn name(&self) -> String {
        format!("shard-{:05}-of-{:05}", self.index, self.count)
    }

    /// Reads a shard's name back.
    pub fn from_name(name: &str) -> Option<Shard> {
        let rest = name.strip_prefix("shard-")?;
        let (i, n) = rest.split_once("-of-")?;
        let shard = Shard {
            index: i.parse().ok()?,
            count: n.parse().ok()?,
        };
        (shard.index < shard.count && shard.name() == name).then_some(shard)
    }

    /// The shards found in `dir` (subfolders named as [`Shard::name`]), sorted; empty when
    /// there are none. A set of different counts, or with one missing, is refused.
    pub fn find(dir: &Path) -> Result<Vec<Shard>> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            if let Some(shard) = entry.file_name().to_str().and_then(Shard::from_name)
                && entry.path().is_dir()
            {
                found.push(shard);
            }
        }
        found.sort();
        let Some(first) = found.first().copied() else {
            return Ok(found);
        };
        if let Some(other) = found.iter().find(|s| s.count != first.count) {
            bail!(
                "{}: shards of different runs: {} and {} (one run's shards all have the same N)",
                dir.display(),
                first.name(),
                other.name()
            );
        }
        if let Some(missing) = (0..first.count).find(|&i| !found.iter().any(|s| s.index == i)) {
            bail!(
                "{}: shard {missing} of {} is missing ({} of {} shards are there)",
                dir.display(),
                first.count,
                found.len(),
                first.count
            );
        }
        Ok(found)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N` with `0 <= I < N`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not I/N with 0 <= I < N (e.g. 0/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_track_is_in_exactly_one_shard_and_shards_are_even() {
        for count in [1, 2, 3, 4, 7] {
            let shards: Vec<Shard> = (0..count).map(|index| Shard { index, count }).collect();
            let mut sizes = vec![0usize; count];
            for id in 2..20_002u64 {
                let holders: Vec<&Shard> = shards.iter().filter(|s| s.holds_track(id)).collect();
                assert_eq!(holders.len(), 1, "track {id} in {holders:?}");
                sizes[holders[0].index] += 1;
                let key = format!("fma_small/{:03}/{id:06}.mp3", id / 1000);
                assert_eq!(shards.iter().filter(|s| s.holds_key(&key)).count(), 1);
            }
            let even = 20_000.0 / count as f64;
            for s in sizes {
                assert!(
                    (s as f64 - even).abs() < 0.05 * even,
                    "{count}: {s} of {even}"
                );
            }
        }
    }

    #[test]
    fn names_and_flags_read_back_and_nonsense_is_refused() {
        let s: Shard = "3/12".parse().unwrap();
        assert_eq!(
            s,
            Shard {
                index: 3,
                count: 12
            }
        );
        assert_eq!(s.name(), "shard-00003-of-00012");
        assert_eq!(Shard::from_name(&s.name()), Some(s));
        for bad in ["", "3", "4/4", "1/0", "-1/2", "a/b", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard::from_name("shard-1-of-2"), None);
        assert_eq!(Shard::from_name("shard-00002-of-00002"), None);
    }
}
