//! MusiCNN (Pons & Serra, 2019): a pretrained music tagger, ported from its TensorFlow
//! checkpoints (`musicnn` 0.1.0 on PyPI, ISC licence) to burn.
//!
//! Two models share one architecture and differ in their training data and their 50 tags:
//! [`TagModel::Msd`] (Million Song Dataset: rock, pop, electronic, jazz, Hip-Hop, …) and
//! [`TagModel::Mtt`] (MagnaTagATune: guitar, classical, techno, …).
//!
//! The input is what `musicnn.extractor` computes, except for one fix: the signal at 16 kHz,
//! `librosa.feature.melspectrogram(y, sr=16000, n_fft=512, hop_length=256, n_mels=96)`,
//! compressed as `log10(10000 · x + 1)` **in float32** (the original casts the mel power to
//! float16 first, which overflows to `inf` on loud bins and gives every song the same tags),
//! cut into consecutive, non-overlapping 187-frame (3 s) patches from the start. A trailing
//! partial patch is dropped, as the original does; a clip shorter than one patch, which the
//! original cannot tag, gets one patch padded with zeros (silence in this log scale).
//!
//! [`log_mel`] and [`patches`] are plain DSP; [`net`] (cargo feature `model`) holds the burn
//! network and [`net::Tagger`], which runs it over a signal.
use ndarray::{Array2, ArrayView2, s};

use crate::config::FeatureConfig;
use crate::error::{Error, Result};

#[cfg(feature = "model")]
pub mod cpu;
#[cfg(feature = "model")]
pub mod net;

/// Sample rate MusiCNN listens at, in Hz.
pub const SR: u32 = 16_000;
/// FFT size of its mel spectrogram.
pub const N_FFT: usize = 512;
/// Hop between frames, in samples.
pub const HOP_LENGTH: usize = 256;
/// Mel bands.
pub const N_MELS: usize = 96;
/// Frames per patch: `librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1`.
pub const PATCH_FRAMES: usize = 187;
/// Seconds of audio one patch covers (`PATCH_FRAMES` hops).
pub const PATCH_SECONDS: f64 = (PATCH_FRAMES * HOP_LENGTH) as f64 / SR as f64;
/// Tags per model.
pub const N_TAGS: usize = 50;
/// Units of the penultimate layer (`bn_dense`, `num_units_backend`).
pub const N_PENULTIMATE: usize = 200;
/// Values of a track's embedding as a feature ([`Embedding::feature_values`]): the
/// penultimate layer's mean and standard deviation over the patches, and the tags' mean.
pub const EMBEDDING_LEN: usize = 2 * N_PENULTIMATE + N_TAGS;

/// One of the two pretrained MusiCNN taggers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagModel {
    /// `MSD_musicnn`, trained on the Million Song Dataset's Last.fm tags.
    Msd,
    /// `MTT_musicnn`, trained on MagnaTagATune.
    Mtt,
}

impl TagModel {
    /// Both models, MSD first (the default: its tags are mostly genres).
    pub const ALL: [TagModel; 2] = [TagModel::Msd, TagModel::Mtt];

    /// The short name used on the command line and in file names: `msd`, `mtt`.
    pub fn name(self) -> &'static str {
        match self {
            TagModel::Msd => "msd",
            TagModel::Mtt => "mtt",
        }
    }

    /// The original's model name: `MSD_musicnn`, `MTT_musicnn`.
    pub fn original_name(self) -> &'static str {
        match self {
            TagModel::Msd => "MSD_musicnn",
            TagModel::Mtt => "MTT_musicnn",
        }
    }

    /// The file the converted weights live in: `msd_musicnn.bpk`, `mtt_musicnn.bpk`.
    pub fn weights_file(self) -> &'static str {
        match self {
            TagModel::Msd => "msd_musicnn.bpk",
            TagModel::Mtt => "mtt_musicnn.bpk",
        }
    }

    /// Parses `msd` or `mtt` (case-insensitive; the original names are accepted too).
    pub fn from_name(name: &str) -> Result<TagModel> {
        TagModel::ALL
            .into_iter()
            .find(|m| {
                name.eq_ignore_ascii_case(m.name()) || name.eq_ignore_ascii_case(m.original_name())
            })
            .ok_or_else(|| {
                Error::invalid(
                    "model",
                    format!("'{name}' is not a MusiCNN model (msd, mtt)"),
                )
            })
    }

    /// The 50 tags, in the original's output order (`musicnn.configuration`).
    pub fn tags(self) -> &'static [&'static str; N_TAGS] {
        match self {
            TagModel::Msd => &MSD_TAGS,
            TagModel::Mtt => &MTT_TAGS,
        }
    }

    /// The FMA top-level genre each tag stands for, where it names a genre (see
    /// [`fma_genres`]).
    pub fn genre_of(self, tag: &str) -> Option<&'static str> {
        let table: &[(&str, &str)] = match self {
            TagModel::Msd => &MSD_GENRES,
            TagModel::Mtt => &MTT_GENRES,
        };
        table.iter().find(|(t, _)| *t == tag).map(|&(_, g)| g)
    }
}

/// `musicnn.configuration.MSD_LABELS`.
pub const MSD_TAGS: [&str; N_TAGS] = [
    "rock",
    "pop",
    "alternative",
    "indie",
    "electronic",
    "female vocalists",
    "dance",
    "00s",
    "alternative rock",
    "jazz",
    "beautiful",
    "metal",
    "chillout",
    "male vocalists",
    "classic rock",
    "soul",
    "indie rock",
    "Mellow",
    "electronica",
    "80s",
    "folk",
    "90s",
    "chill",
    "instrumental",
    "punk",
    "oldies",
    "blues",
    "hard rock",
    "ambient",
    "acoustic",
    "experimental",
    "female vocalist",
    "guitar",
    "Hip-Hop",
    "70s",
    "party",
    "country",
    "easy listening",
    "sexy",
    "catchy",
    "funk",
    "electro",
    "heavy metal",
    "Progressive rock",
    "60s",
    "rnb",
    "indie pop",
    "sad",
    "House",
    "happy",
];

/// `musicnn.configuration.MTT_LABELS`.
pub const MTT_TAGS: [&str; N_TAGS] = [
    "guitar",
    "classical",
    "slow",
    "techno",
    "strings",
    "drums",
    "electronic",
    "rock",
    "fast",
    "piano",
    "ambient",
    "beat",
    "violin",
    "vocal",
    "synth",
    "female",
    "indian",
    "opera",
    "male",
    "singing",
    "vocals",
    "no vocals",
    "harpsichord",
    "loud",
    "quiet",
    "flute",
    "woman",
    "male vocal",
    "no vocal",
    "pop",
    "soft",
    "sitar",
    "solo",
    "man",
    "classic",
    "choir",
    "voice",
    "new age",
    "dance",
    "male voice",
    "female vocal",
    "beats",
    "harp",
    "cello",
    "no voice",
    "weird",
    "country",
    "metal",
    "female voice",
    "choral",
];

/// MSD tags that name a genre, with the FMA top-level genre of the FMA genre of that name
/// (FMA's `genres.csv`: Punk, Metal, Indie-Rock → Rock; Dance, House, Techno, Chill-out →
/// Electronic; Ambient → Instrumental; Funk → Soul-RnB). Decades, moods and voices map to
/// nothing.
const MSD_GENRES: [(&str, &str); 33] = [
    ("rock", "Rock"),
    ("alternative", "Rock"),
    ("indie", "Rock"),
    ("alternative rock", "Rock"),
    ("classic rock", "Rock"),
    ("indie rock", "Rock"),
    ("hard rock", "Rock"),
    ("punk", "Rock"),
    ("metal", "Rock"),
    ("heavy metal", "Rock"),
    ("Progressive rock", "Rock"),
    ("pop", "Pop"),
    ("indie pop", "Pop"),
    ("electronic", "Electronic"),
    ("electronica", "Electronic"),
    ("electro", "Electronic"),
    ("dance", "Electronic"),
    ("House", "Electronic"),
    ("chillout", "Electronic"),
    ("ambient", "Instrumental"),
    ("instrumental", "Instrumental"),
    ("jazz", "Jazz"),
    ("blues", "Blues"),
    ("country", "Country"),
    ("folk", "Folk"),
    ("Hip-Hop", "Hip-Hop"),
    ("soul", "Soul-RnB"),
    ("rnb", "Soul-RnB"),
    ("funk", "Soul-RnB"),
    ("easy listening", "Easy Listening"),
    ("experimental", "Experimental"),
    ("oldies", "Old-Time / Historic"),
    ("60s", "Old-Time / Historic"),
];

/// MTT tags that name a genre (FMA: Opera, Choral Music → Classical; Techno, Dance →
/// Electronic; New Age, Ambient → Instrumental; Indian → International). Instruments, voices
/// and tempi map to nothing.
const MTT_GENRES: [(&str, &str); 15] = [
    ("classical", "Classical"),
    ("classic", "Classical"),
    ("opera", "Classical"),
    ("choral", "Classical"),
    ("choir", "Classical"),
    ("techno", "Electronic"),
    ("electronic", "Electronic"),
    ("dance", "Electronic"),
    ("rock", "Rock"),
    ("metal", "Rock"),
    ("pop", "Pop"),
    ("country", "Country"),
    ("ambient", "Instrumental"),
    ("new age", "Instrumental"),
    ("indian", "International"),
];

/// FMA's 16 top-level genres (`genres.csv`, `parent == 0`), in `genre_id` order: the order
/// in which [`crate::plot::genre_colour`] gives them tab20's colours, by name, so a genre has
/// one colour on the page's genre timeline, its tag timeline and the CLI's plots alike.
pub const FMA_GENRES: [&str; 16] = [
    "International",
    "Blues",
    "Jazz",
    "Classical",
    "Old-Time / Historic",
    "Country",
    "Pop",
    "Rock",
    "Easy Listening",
    "Soul-RnB",
    "Electronic",
    "Folk",
    "Spoken",
    "Hip-Hop",
    "Experimental",
    "Instrumental",
];

/// Scores per FMA top-level genre from a model's 50 tag activations: each genre gets the
/// highest activation among the tags that map to it ([`TagModel::genre_of`]). Sorted best
/// first; genres no tag maps to are absent. Scores are tag activations, not a distribution:
/// they need not sum to one.
pub fn fma_genres(model: TagModel, activations: &[f32]) -> Vec<(&'static str, f32)> {
    let mut out: Vec<(&'static str, f32)> = Vec::new();
    for (tag, &a) in model.tags().iter().zip(activations) {
        if let Some(genre) = model.genre_of(tag) {
            match out.iter_mut().find(|(g, _)| *g == genre) {
                Some((_, best)) => *best = best.max(a),
                None => out.push((genre, a)),
            }
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The feature configuration of MusiCNN's mel spectrogram (librosa's defaults otherwise:
/// Slaney mel scale and area normalisation, `fmin` 0, `fmax` 8 kHz).
pub fn feature_config() -> FeatureConfig {
    FeatureConfig {
        sr: SR,
        n_fft: N_FFT,
        hop_length: HOP_LENGTH,
        n_mels: N_MELS,
        ..FeatureConfig::default()
    }
}

/// The log-compressed mel spectrogram of a 16 kHz signal, `(frames, 96)` (time first, as the
/// original feeds it): `log10(10000 · melspectrogram + 1)` in float32.
pub fn log_mel(y: &[f32]) -> Result<Array2<f32>> {
    if y.is_empty() {
        return Err(Error::NoAudio("the signal has no samples".into()));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid("y", format!("sample {i} is not finite")));
    }
    let cfg = feature_config();
    let power = crate::dsp::stft::stft_magnitude(y, N_FFT, HOP_LENGTH).mapv(|m| m * m);
    let mel = crate::features::mel::melspectrogram(power.view(), &cfg);
    Ok(mel.t().mapv(|x| (10_000.0f32 * x + 1.0).log10()))
}

/// Cuts a `(frames, 96)` log-mel spectrogram into consecutive 187-frame patches from frame 0,
/// as `musicnn.extractor.batch_data` does without overlap: `floor(frames / 187)` patches, the
/// remainder dropped. Fewer than 187 frames give one patch padded with zeros at the end.
pub fn patches(log_mel: ArrayView2<f32>) -> Vec<Array2<f32>> {
    let frames = log_mel.nrows();
    if frames < PATCH_FRAMES {
        let mut patch = Array2::zeros((PATCH_FRAMES, log_mel.ncols()));
        patch.slice_mut(s![..frames, ..]).assign(&log_mel);
        return vec![patch];
    }
    (0..frames / PATCH_FRAMES)
        .map(|p| {
            log_mel
                .slice(s![p * PATCH_FRAMES..(p + 1) * PATCH_FRAMES, ..])
                .to_owned()
        })
        .collect()
}

/// The logistic function, as the network's output layer applies it.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// MusiCNN's penultimate layer over a signal: what `genrescope embed` gives and what the
/// `musicnn` feature pools. Per 3 s patch (cut as [`patches`] cuts them) the 200 values of
/// `bn_dense`, the dense layer after its batch normalisation; their mean and standard
/// deviation (numpy's, `ddof = 0`) over the patches; and the mean of the 50 tag activations.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Embedding {
    /// The model that embedded.
    pub model: TagModel,
    /// The penultimate layer per patch.
    pub patches: Vec<Vec<f32>>,
    /// Its mean over the patches.
    pub mean: Vec<f32>,
    /// Its standard deviation over the patches.
    pub std: Vec<f32>,
    /// The mean of the tag activations over the patches.
    pub tags_mean: Vec<f32>,
}

impl Embedding {
    /// Pools `penultimate` and the tag activations `tags` (one row per patch each).
    pub fn of(model: TagModel, penultimate: Vec<Vec<f32>>, tags: &[Vec<f32>]) -> Embedding {
        let (mean, std) = mean_and_std(&penultimate, N_PENULTIMATE);
        let (tags_mean, _) = mean_and_std(tags, N_TAGS);
        Embedding {
            model,
            patches: penultimate,
            mean,
            std,
            tags_mean,
        }
    }

    /// The feature's values, [`EMBEDDING_LEN`] of them: `mean ‖ std ‖ tags_mean`.
    pub fn feature_values(&self) -> Vec<f32> {
        [&self.mean[..], &self.std[..], &self.tags_mean[..]].concat()
    }
}

/// Column means and standard deviations (`ddof = 0`) of `rows`, `width` wide; zeros when there
/// are no rows. Sums run in f64, so the result does not depend on the rows' order beyond f32's
/// rounding.
fn mean_and_std(rows: &[Vec<f32>], width: usize) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len().max(1) as f64;
    let mut mean = vec![0f64; width];
    for row in rows {
        mean.iter_mut()
            .zip(row)
            .for_each(|(m, &v)| *m += f64::from(v));
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0f64; width];
    for row in rows {
        var.iter_mut()
            .zip(row)
            .zip(&mean)
            .for_each(|((s, &v), m)| *s += (f64::from(v) - m).powi(2));
    }
    (
        mean.iter().map(|&m| m as f32).collect(),
        var.iter().map(|&s| (s / n).sqrt() as f32).collect(),
    )
}

/// One MusiCNN run over a whole track, kept per patch: the page and `genrescope artifacts`
/// run the network once over the track (for its tags) and give each timeline window the
/// `musicnn` feature of the patches inside it ([`patches_in`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrackAnalysis {
    /// The model that ran.
    pub model: Option<TagModel>,
    /// The penultimate layer per patch.
    pub penultimate: Vec<Vec<f32>>,
    /// The tag activations per patch.
    pub tags: Vec<Vec<f32>>,
}

impl TrackAnalysis {
    /// A stand-in run of `model`: one patch whose activations are all zero. Warming a bundle
    /// up (the page predicts silence once on loading) needs the `musicnn` head's input, not
    /// MusiCNN's answer.
    pub fn zeros(model: TagModel) -> TrackAnalysis {
        TrackAnalysis {
            model: Some(model),
            penultimate: vec![vec![0.0; N_PENULTIMATE]],
            tags: vec![vec![0.0; N_TAGS]],
        }
    }

    /// The embedding of the patches inside `[start, end)` seconds of the track.
    pub fn window(&self, model: TagModel, start: f64, end: f64) -> Embedding {
        let r = patches_in(self.tags.len(), start, end);
        Embedding::of(model, self.penultimate[r.clone()].to_vec(), &self.tags[r])
    }
}

/// The embedder of one timeline window `[start, end)` (seconds) of a track whose MusiCNN runs
/// are `tracks`: the signal it is handed is not run again.
pub struct WindowEmbedder<'a> {
    /// The runs over the whole track, one per model.
    pub tracks: &'a [TrackAnalysis],
    /// The window's start, in seconds from the track's start.
    pub start: f64,
    /// Its end.
    pub end: f64,
}

impl crate::features::Embedder for WindowEmbedder<'_> {
    fn embedding(&self, model: TagModel, _: &[f32], _: u32) -> Result<Vec<f32>> {
        let track = self
            .tracks
            .iter()
            .find(|t| t.model == Some(model))
            .ok_or_else(|| {
                Error::invalid(
                    "features",
                    format!("no {} run over the track was given", model.original_name()),
                )
            })?;
        if track.tags.is_empty() || track.penultimate.len() != track.tags.len() {
            return Err(Error::invalid(
                "features",
                format!(
                    "the {} run over the track has no patches",
                    model.original_name()
                ),
            ));
        }
        Ok(track.window(model, self.start, self.end).feature_values())
    }
}

/// The patches of a whole track's analysis that a window `[start, end)` (in seconds) holds:
/// those lying wholly inside it; when none does (a window shorter than a patch), those it
/// overlaps; a window past the track's patches gets the last one. Patch `i` covers
/// `[i, i + 1) · PATCH_SECONDS` from the track's start. The page and `genrescope artifacts`
/// give a window the `musicnn` feature of these patches, from the one MusiCNN run they make
/// over the whole track.
pub fn patches_in(n_patches: usize, start: f64, end: f64) -> std::ops::Range<usize> {
    if n_patches == 0 {
        return 0..0;
    }
    // A thousandth of a sample at 16 kHz: window bounds come from sample counts at other rates.
    let eps = 1e-3 / f64::from(SR);
    let first = ((start - eps) / PATCH_SECONDS).ceil().max(0.0) as usize;
    let last = (((end + eps) / PATCH_SECONDS).floor() as usize).min(n_patches);
    if first < last {
        return first..last;
    }
    let first = ((start / PATCH_SECONDS).floor() as usize).min(n_patches - 1);
    let last = ((end / PATCH_SECONDS).ceil() as usize).clamp(first + 1, n_patches);
    first..last
}

/// How many patches [`patches`] cuts from the log-mel of `samples` samples at 16 kHz, without
/// computing it (the page plans its workers' shares with it): the centred STFT has
/// `1 + samples / 256` frames.
pub fn patch_count(samples: usize) -> usize {
    ((1 + samples / HOP_LENGTH) / PATCH_FRAMES).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_count_is_the_number_of_patches_cut() {
        for n in [
            1, 255, 256, 47_615, 47_616, 47_871, 47_872, 95_487, 95_488, 160_000, 480_011,
        ] {
            let y: Vec<f32> = (0..n).map(|i| (i as f32 * 0.01).sin()).collect();
            let cut = patches(log_mel(&y).unwrap().view()).len();
            assert_eq!(patch_count(n), cut, "{n} samples");
        }
    }

    #[test]
    fn patches_follow_the_original_cut() {
        let mel = Array2::from_shape_fn((2 * PATCH_FRAMES + 50, N_MELS), |(t, f)| {
            (t * N_MELS + f) as f32
        });
        let p = patches(mel.view());
        assert_eq!(p.len(), 2, "the trailing 50 frames are dropped");
        assert_eq!(p[1][[0, 0]], (PATCH_FRAMES * N_MELS) as f32);
        assert_eq!(p[1].dim(), (PATCH_FRAMES, N_MELS));

        let short = Array2::from_elem((10, N_MELS), 2.0f32);
        let p = patches(short.view());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0][[9, 95]], 2.0);
        assert_eq!(p[0][[10, 0]], 0.0, "padded with zeros");
    }

    #[test]
    fn a_three_second_patch_is_187_frames() {
        // librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
        let frames = ((3 * SR as usize) - N_FFT / 2) / HOP_LENGTH + 1;
        assert_eq!(frames, PATCH_FRAMES);
        assert!((PATCH_SECONDS - 2.992).abs() < 1e-9);
    }

    #[test]
    fn genres_take_the_strongest_tag_of_each() {
        let mut a = [0.0f32; N_TAGS];
        let idx = |t: &str| MSD_TAGS.iter().position(|x| *x == t).unwrap();
        a[idx("punk")] = 0.6;
        a[idx("rock")] = 0.3;
        a[idx("jazz")] = 0.4;
        a[idx("female vocalists")] = 0.9;
        let g = fma_genres(TagModel::Msd, &a);
        assert_eq!(g[0], ("Rock", 0.6));
        assert_eq!(g[1], ("Jazz", 0.4));
        assert!(g.iter().all(|(name, _)| *name != "female vocalists"));
        for (tags, table) in [(&MSD_TAGS, &MSD_GENRES[..]), (&MTT_TAGS, &MTT_GENRES[..])] {
            for (tag, genre) in table {
                assert!(tags.contains(tag), "{tag} is one of the model's tags");
                assert!(
                    FMA_GENRES.contains(genre),
                    "{genre} is an FMA top-level genre"
                );
            }
        }
    }

    #[test]
    fn an_embedding_pools_as_numpy_does() {
        let rows = vec![vec![1.0f32; N_PENULTIMATE], vec![3.0f32; N_PENULTIMATE]];
        let tags = vec![vec![0.25f32; N_TAGS], vec![0.75f32; N_TAGS]];
        let e = Embedding::of(TagModel::Msd, rows, &tags);
        // np.mean([1, 3]) = 2, np.std([1, 3]) = 1.
        assert!(e.mean.iter().all(|&m| m == 2.0));
        assert!(e.std.iter().all(|&s| s == 1.0));
        assert!(e.tags_mean.iter().all(|&t| t == 0.5));
        let v = e.feature_values();
        assert_eq!(v.len(), EMBEDDING_LEN);
        assert_eq!(
            (v[0], v[N_PENULTIMATE], v[EMBEDDING_LEN - 1]),
            (2.0, 1.0, 0.5)
        );
        let one = Embedding::of(TagModel::Msd, vec![vec![5.0; N_PENULTIMATE]], &tags[..1]);
        assert!(one.std.iter().all(|&s| s == 0.0), "one patch: no spread");
    }

    #[test]
    fn a_window_holds_the_patches_inside_it() {
        let p = PATCH_SECONDS;
        // 30 s track: 10 patches. A 14 s window at 0 holds patches 0..4 (0–11.97 s).
        assert_eq!(patches_in(10, 0.0, 14.0), 0..4);
        // At 7 s: patches from 3 · 2.992 = 8.98 s to 6 · 2.992 = 17.95 s ≤ 21 s.
        assert_eq!(patches_in(10, 7.0, 21.0), 3..7);
        // Exactly on patch bounds.
        assert_eq!(patches_in(10, p, 3.0 * p), 1..3);
        // A window shorter than a patch takes the patches it overlaps.
        assert_eq!(patches_in(10, 1.0, 2.0), 0..1);
        assert_eq!(patches_in(10, 2.5, 3.5), 0..2);
        // A short track has one (padded) patch, whatever the window.
        assert_eq!(patches_in(1, 0.0, 14.0), 0..1);
        assert_eq!(patches_in(1, 7.0, 21.0), 0..1);
        assert_eq!(patches_in(0, 0.0, 14.0), 0..0);
    }

    #[test]
    fn model_names_parse() {
        assert_eq!(TagModel::from_name("MSD").unwrap(), TagModel::Msd);
        assert_eq!(TagModel::from_name("MTT_musicnn").unwrap(), TagModel::Mtt);
        assert!(TagModel::from_name("vgg").is_err());
    }
}
