//! `genres.csv`: FMA's genre taxonomy (`genre_id,#tracks,parent,title,top_level`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// One row of `genres.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Genre {
    /// `genre_id`.
    pub id: u32,
    /// `#tracks`: tracks in the whole of FMA carrying this genre.
    pub tracks: u64,
    /// `parent`: the parent genre's id, 0 for a root (top-level) genre.
    pub parent: u32,
    /// `title`, e.g. `Hip-Hop`.
    pub title: String,
    /// `top_level`: the id of the root this genre descends from.
    pub top_level: u32,
}

/// The taxonomy: every genre by id, with each genre's top-level genre resolved.
#[derive(Clone, Debug, Default)]
pub struct Taxonomy {
    genres: BTreeMap<u32, Genre>,
    /// Genre id → its top-level genre id, through the `parent` links.
    roots: BTreeMap<u32, u32>,
}

impl Taxonomy {
    /// Reads `genres.csv`. Columns are found by name, so their order does not matter.
    pub fn read(path: &Path) -> Result<Self> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Self::from_reader(file).with_context(|| format!("{}", path.display()))
    }

    /// Parses the CSV text of `genres.csv`.
    pub fn from_reader(reader: impl std::io::Read) -> Result<Self> {
        let mut csv = csv::ReaderBuilder::new().from_reader(reader);
        let headers = csv.headers()?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .with_context(|| format!("no `{name}` column (columns: {})", join(&headers)))
        };
        let (id_col, tracks_col, parent_col, title_col, top_col) = (
            column("genre_id")?,
            column("#tracks").ok(),
            column("parent")?,
            column("title")?,
            column("top_level").ok(),
        );
        let mut genres = BTreeMap::new();
        for (row, record) in csv.records().enumerate() {
            let line = row + 2;
            let record = record.with_context(|| format!("line {line}"))?;
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let int = |i: usize, name: &str| -> Result<u64> {
                field(i).parse().with_context(|| {
                    format!(
                        "line {line}: `{name}` is `{}`, not a whole number",
                        field(i)
                    )
                })
            };
            let id = int(id_col, "genre_id")? as u32;
            let genre = Genre {
                id,
                tracks: tracks_col.map_or(Ok(0), |c| int(c, "#tracks"))?,
                parent: int(parent_col, "parent")? as u32,
                title: field(title_col).to_owned(),
                top_level: top_col.map_or(Ok(0), |c| int(c, "top_level"))? as u32,
            };
            if genres.insert(id, genre).is_some() {
                bail!("line {line}: genre_id {id} appears twice");
            }
        }
        if genres.is_empty() {
            bail!("no genres");
        }
        let roots = resolve_roots(&genres)?;
        Ok(Taxonomy { genres, roots })
    }

    /// The genre with this id.
    pub fn get(&self, id: u32) -> Option<&Genre> {
        self.genres.get(&id)
    }

    /// The id of the top-level genre that `id` descends from (itself for a root), following
    /// the `parent` links; `None` for an unknown id.
    pub fn top_level(&self, id: u32) -> Option<u32> {
        self.roots.get(&id).copied()
    }

    /// The top-level genres (parent 0).
    pub fn top_levels(&self) -> impl Iterator<Item = &Genre> {
        self.genres.values().filter(|g| g.parent == 0)
    }

    /// The top-level genre titled `title`.
    pub fn top_level_by_title(&self, title: &str) -> Option<&Genre> {
        self.top_levels().find(|g| g.title == title)
    }

    /// Every genre, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Genre> {
        self.genres.values()
    }

    /// The number of genres.
    pub fn len(&self) -> usize {
        self.genres.len()
    }

    /// Whether there are no genres.
    pub fn is_empty(&self) -> bool {
        self.genres.is_empty()
    }
}

/// Follows each genre's `parent` links to its root. The `top_level` column must agree where
/// it is given; a parent that is not in the table or a cycle is an error.
fn resolve_roots(genres: &BTreeMap<u32, Genre>) -> Result<BTreeMap<u32, u32>> {
    let mut roots = BTreeMap::new();
    for genre in genres.values() {
        let mut at = genre;
        let mut steps = 0;
        while at.parent != 0 {
            at = genres.get(&at.parent).with_context(|| {
                format!(
                    "genre {} ({}) has parent {}, which is not in the table",
                    at.id, at.title, at.parent
                )
            })?;
            steps += 1;
            if steps > genres.len() {
                bail!(
                    "genre {} ({}) is in a cycle of parents",
                    genre.id,
                    genre.title
                );
            }
        }
        if genre.top_level != 0 && genre.top_level != at.id {
            bail!(
                "genre {} ({}) says top_level {} but its parents lead to {} ({})",
                genre.id,
                genre.title,
                genre.top_level,
                at.id,
                at.title
            );
        }
        roots.insert(genre.id, at.id);
    }
    Ok(roots)
}

fn join(headers: &csv::StringRecord) -> String {
    headers.iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENRES: &str = "genre_id,#tracks,parent,title,top_level
1,8693,38,Avant-Garde,38
12,32923,0,Rock,12
25,1,12,Punk,12
38,38154,0,Experimental,38
85,2,25,\"Oi, Street\",12
";

    #[test]
    fn parents_lead_to_top_levels() {
        let t = Taxonomy::from_reader(GENRES.as_bytes()).unwrap();
        assert_eq!(t.len(), 5);
        assert_eq!(t.top_level(85), Some(12), "grandchild through Punk");
        assert_eq!(t.top_level(1), Some(38));
        assert_eq!(t.top_level(12), Some(12));
        assert_eq!(t.top_level(999), None);
        assert_eq!(t.get(85).unwrap().title, "Oi, Street", "quoted comma");
        let tops: Vec<_> = t.top_levels().map(|g| g.title.as_str()).collect();
        assert_eq!(tops, ["Rock", "Experimental"]);
    }

    #[test]
    fn inconsistent_tables_are_refused() {
        let missing_parent = "genre_id,#tracks,parent,title,top_level\n1,0,7,A,7\n";
        let err = Taxonomy::from_reader(missing_parent.as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("parent 7"), "{err:#}");
        let cycle = "genre_id,#tracks,parent,title,top_level\n1,0,2,A,0\n2,0,1,B,0\n";
        let err = Taxonomy::from_reader(cycle.as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("cycle"), "{err:#}");
        let wrong_top = "genre_id,#tracks,parent,title,top_level\n1,0,0,A,1\n2,0,1,B,2\n";
        let err = Taxonomy::from_reader(wrong_top.as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("top_level 2"), "{err:#}");
        let bad_int = "genre_id,#tracks,parent,title,top_level\nx,0,0,A,1\n";
        let err = Taxonomy::from_reader(bad_int.as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("line 2"), "{err:#}");
    }
}
