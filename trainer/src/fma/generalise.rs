//! Stage 0's rule: every track gets one top-level genre.
//!
//! 1. A track keeps `track.genre_top` when FMA gives one (and it names a top-level genre).
//! 2. Otherwise each id in `track.genres` is mapped to its top-level genre through the
//!    taxonomy's `parent` links, and the most frequent top level wins. `track.genres_all` is
//!    used instead when `track.genres` holds no known id.
//! 3. Ties go to the top level with more ids in `track.genres_all` (the genres and all their
//!    ancestors: a top level reached through a more specific sub-genre counts more), then to
//!    the one whose genre comes first in the list.
//! 4. A track with no known genre is dropped. Unknown ids are collected for the report and
//!    otherwise ignored.

use std::collections::BTreeSet;

use super::genres::Taxonomy;
use super::tracks::RawTrack;

/// How a track got its genre.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// FMA's own `track.genre_top` (a top-level genre id).
    Kept(u32),
    /// Derived from `track.genres` or `track.genres_all` (a top-level genre id).
    Derived(u32),
    /// No usable genre: the reason.
    Dropped(&'static str),
}

/// What the metadata names that the taxonomy does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unknown {
    /// Genre ids not in `genres.csv`.
    pub ids: BTreeSet<u32>,
    /// `track.genre_top` values that are not the title of a top-level genre.
    pub titles: BTreeSet<String>,
}

/// Applies the rule to one track; what the taxonomy does not know is added to `unknown`.
pub fn generalise(track: &RawTrack, taxonomy: &Taxonomy, unknown: &mut Unknown) -> Outcome {
    if !track.genre_top.is_empty() {
        match taxonomy.top_level_by_title(&track.genre_top) {
            Some(top) => return Outcome::Kept(top.id),
            None => {
                unknown.titles.insert(track.genre_top.clone());
            }
        }
    }
    let mut known_tops = |ids: &[u32]| -> Vec<u32> {
        ids.iter()
            .filter_map(|&id| {
                let top = taxonomy.top_level(id);
                if top.is_none() {
                    unknown.ids.insert(id);
                }
                top
            })
            .collect()
    };
    let from_genres = known_tops(&track.genres);
    let from_all = known_tops(&track.genres_all);
    let candidates = if from_genres.is_empty() {
        &from_all
    } else {
        &from_genres
    };
    if candidates.is_empty() {
        return Outcome::Dropped(if track.genres.is_empty() && track.genres_all.is_empty() {
            "no genre at all"
        } else {
            "only unknown genre ids"
        });
    }
    let count = |list: &[u32], top: u32| list.iter().filter(|&&t| t == top).count();
    // `max_by_key` keeps the last of equal keys; the list-order tie-break wants the first.
    let best = candidates
        .iter()
        .enumerate()
        .max_by_key(|&(position, &top)| {
            (
                count(candidates, top),
                count(&from_all, top),
                std::cmp::Reverse(
                    candidates
                        .iter()
                        .position(|&t| t == top)
                        .unwrap_or(position),
                ),
            )
        })
        .map(|(_, &top)| top)
        .expect("candidates is not empty");
    Outcome::Derived(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENRES: &str = "genre_id,#tracks,parent,title,top_level
12,0,0,Rock,12
15,0,0,Electronic,15
21,0,0,Hip-Hop,21
25,0,12,Punk,12
31,0,12,Metal,12
100,0,15,Techno,15
811,0,21,Hip-Hop Beats,21
";

    fn track(genre_top: &str, genres: &[u32], genres_all: &[u32]) -> RawTrack {
        RawTrack {
            track_id: 1,
            genre_top: genre_top.into(),
            genres: genres.to_vec(),
            genres_all: genres_all.to_vec(),
            ..RawTrack::default()
        }
    }

    fn run(t: &RawTrack) -> (Outcome, Unknown) {
        let taxonomy = Taxonomy::from_reader(GENRES.as_bytes()).unwrap();
        let mut unknown = Unknown::default();
        (generalise(t, &taxonomy, &mut unknown), unknown)
    }

    #[test]
    fn genre_top_is_kept() {
        assert_eq!(run(&track("Rock", &[100], &[15, 100])).0, Outcome::Kept(12));
    }

    #[test]
    fn most_frequent_top_level_wins() {
        assert_eq!(run(&track("", &[25, 31, 100], &[])).0, Outcome::Derived(12));
        assert_eq!(run(&track("", &[811], &[21, 811])).0, Outcome::Derived(21));
    }

    #[test]
    fn ties_go_to_the_top_level_with_more_ancestors_then_to_list_order() {
        // One Electronic, one Hip-Hop id; genres_all counts Hip-Hop twice (21 and 811).
        assert_eq!(
            run(&track("", &[15, 811], &[15, 21, 811])).0,
            Outcome::Derived(21)
        );
        // A full tie: the genre listed first decides, in either order.
        assert_eq!(
            run(&track("", &[15, 21], &[15, 21])).0,
            Outcome::Derived(15)
        );
        assert_eq!(
            run(&track("", &[21, 15], &[15, 21])).0,
            Outcome::Derived(21)
        );
    }

    #[test]
    fn genres_all_is_the_fallback_and_unknown_ids_are_reported() {
        let (outcome, unknown) = run(&track("", &[9999], &[25, 12, 9999]));
        assert_eq!(outcome, Outcome::Derived(12));
        assert_eq!(unknown.ids.into_iter().collect::<Vec<_>>(), [9999]);
        // A genre_top that is not a top-level title is reported and the ids decide.
        let (outcome, unknown) = run(&track("Polka", &[31], &[]));
        assert_eq!(outcome, Outcome::Derived(12));
        assert_eq!(unknown.titles.into_iter().collect::<Vec<_>>(), ["Polka"]);
    }

    #[test]
    fn tracks_without_a_usable_genre_are_dropped() {
        assert_eq!(
            run(&track("", &[], &[])).0,
            Outcome::Dropped("no genre at all")
        );
        let (outcome, unknown) = run(&track("", &[7777], &[7777, 8888]));
        assert_eq!(outcome, Outcome::Dropped("only unknown genre ids"));
        assert_eq!(unknown.ids.len(), 2);
    }
}
