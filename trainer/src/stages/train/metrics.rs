//! Classification figures, defined as scikit-learn defines them (`accuracy_score`,
//! `precision_recall_fscore_support`, `f1_score(average="macro")`, `confusion_matrix`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One genre's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenreScores {
    /// Of the tracks predicted as this genre, the share that are (0 when none are predicted).
    pub precision: f64,
    /// Of the tracks of this genre, the share predicted as it (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Tracks of this genre in the evaluated split.
    pub support: u64,
}

/// A model's figures on one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Share of tracks predicted correctly.
    pub test_accuracy: f64,
    /// Mean F1 over the genres that occur in the truth or the predictions (scikit-learn's
    /// `average="macro"` with its default labels).
    pub macro_f1: f64,
    /// Per genre, by title.
    pub per_genre: BTreeMap<String, GenreScores>,
    /// `confusion[true][predicted]`, in class order.
    pub confusion: Vec<Vec<u64>>,
}

/// Scores predictions `pred` against `truth` (class indices into `classes`).
pub fn report(classes: &[String], truth: &[usize], pred: &[usize]) -> Report {
    let k = classes.len();
    let mut confusion = vec![vec![0u64; k]; k];
    for (&t, &p) in truth.iter().zip(pred) {
        confusion[t][p] += 1;
    }
    let correct: u64 = (0..k).map(|i| confusion[i][i]).sum();
    let n = truth.len().max(1) as f64;
    let mut per_genre = BTreeMap::new();
    let (mut f1_sum, mut present) = (0.0, 0usize);
    for (c, name) in classes.iter().enumerate() {
        let tp = confusion[c][c] as f64;
        let support: u64 = confusion[c].iter().sum();
        let predicted: u64 = confusion.iter().map(|row| row[c]).sum();
        let ratio = |a: f64, b: u64| if b == 0 { 0.0 } else { a / b as f64 };
        let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        if support > 0 || predicted > 0 {
            f1_sum += f1;
            present += 1;
        }
        per_genre.insert(
            name.clone(),
            GenreScores {
                precision,
                recall,
                f1,
                support,
            },
        );
    }
    Report {
        test_accuracy: correct as f64 / n,
        macro_f1: if present == 0 {
            0.0
        } else {
            f1_sum / present as f64
        },
        per_genre,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_figures() {
        let classes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // truth a a b b c, pred a b b b a
        let r = report(&classes, &[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0]);
        assert_eq!(
            r.confusion,
            vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 0]]
        );
        assert!((r.test_accuracy - 0.6).abs() < 1e-12);
        let a = &r.per_genre["a"];
        assert_eq!((a.precision, a.recall, a.support), (0.5, 0.5, 2));
        let b = &r.per_genre["b"];
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-12 && b.recall == 1.0);
        assert_eq!(r.per_genre["c"].f1, 0.0);
        // (0.5 + 0.8 + 0) / 3
        assert!((r.macro_f1 - 1.3 / 3.0).abs() < 1e-12);
    }
}
