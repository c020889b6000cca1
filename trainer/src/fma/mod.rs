//! FMA's metadata: the genre taxonomy, `tracks.csv`, the generalisation rule and the cleaned
//! table the later stages read.

pub mod clean;
pub mod generalise;
pub mod genres;
pub mod tracks;

pub use clean::{CleanTrack, audio_path};
pub use generalise::{Outcome, Unknown, generalise};
pub use genres::{Genre, Taxonomy};
pub use tracks::{RawTrack, RowError, TracksReader};

/// FMA's subsets, each holding the smaller ones: `small` ⊂ `medium` ⊂ `large` ⊂ `full`.
/// `set.subset` names the smallest subset a track is in.
pub const SUBSETS: [&str; 4] = ["small", "medium", "large", "full"];

/// Whether a track whose `set.subset` is `track_subset` is in the download `wanted`
/// (`full` holds every track, also those without a subset).
pub fn in_subset(track_subset: &str, wanted: &str) -> bool {
    let rank = |s: &str| SUBSETS.iter().position(|&x| x == s);
    match (rank(track_subset), rank(wanted)) {
        (Some(t), Some(w)) => t <= w,
        (None, Some(w)) => w == SUBSETS.len() - 1,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_nest() {
        assert!(in_subset("small", "small"));
        assert!(in_subset("small", "medium"));
        assert!(!in_subset("medium", "small"));
        assert!(in_subset("large", "full"));
        assert!(in_subset("", "full"));
        assert!(!in_subset("", "large"));
    }
}
