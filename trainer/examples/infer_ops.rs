//! Inference on flex, burn's modules against the CPU kernels (`genrescope_core::musicnn::cpu`,
//! `genrescope_core::model::cpu`), side by side in one run: the breakdown behind the README's
//! inference figures (issue #16).
//!
//! - MusiCNN (MSD weights): one patch, and a track's worth of patches (natively a patch per
//!   core on the kernels);
//! - with a bundle folder (`work/models` after `scripts/run.sh`): the bundle on one window of
//!   its signal length — the features once, then every model's prediction.
//!
//! usage (built as `scripts/test.sh` builds, so burn is not rebuilt):
//!   cargo build --release --workspace --exclude genrescope-web --all-targets
//!   RAYON_NUM_THREADS=2 "$CARGO_TARGET_DIR"/release/examples/infer_ops [work/models]
use std::path::Path;
use std::time::Instant;

use genrescope::stages::tag::tagger::tagger;
use genrescope_core::model::Bundle;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::musicnn::{N_MELS, PATCH_FRAMES, TagModel};
use ndarray::Array2;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The best time in ms of `reps` calls of each of `a` and `b`, called in turn (so both see the
/// same machine load), after one warm-up call each.
fn race(reps: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    a();
    b();
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..reps {
        let t = Instant::now();
        a();
        best_a = best_a.min(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        b();
        best_b = best_b.min(t.elapsed().as_secs_f64() * 1e3);
    }
    (best_a, best_b)
}

fn report(what: &str, per: usize, (modules, kernels): (f64, f64)) {
    let per = per.max(1) as f64;
    println!(
        "{what:<44} modules {:8.1} ms   kernels {:8.1} ms   ×{:.1}",
        modules / per,
        kernels / per,
        modules / kernels
    );
}

/// Log-mel-like values (0…4, the range of `log10(10000 · mel + 1)` on music).
fn patches(n: usize) -> Vec<Array2<f32>> {
    let mut s = 12345u64;
    (0..n)
        .map(|_| {
            Array2::from_shape_fn((PATCH_FRAMES, N_MELS), |_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                4.0 * (s >> 40) as f32 / (1u64 << 24) as f32
            })
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into());
    println!("flex, {threads} threads; best of 5, interleaved; time per patch / window");
    let kernels = tagger(TagModel::Msd)?;
    let modules = tagger(TagModel::Msd)?.modules_only();
    for n in [1, 20] {
        let p = patches(n);
        let times = race(
            5,
            || drop(modules.tag_patches(&p).unwrap()),
            || drop(kernels.tag_patches(&p).unwrap()),
        );
        report(
            &format!("MusiCNN, {n} patch(es) at once, per patch"),
            n,
            times,
        );
    }

    let Some(dir) = std::env::args().nth(1) else {
        println!("(give a bundle folder, e.g. work/models, to time the genre models)");
        return Ok(());
    };
    let dir = Path::new(&dir);
    let manifest = std::fs::read_to_string(dir.join("manifest.json"))?;
    let read = |name: &str| Ok(std::fs::read(dir.join(name))?);
    let device = Device::flex();
    let kernels = Bundle::load(&manifest, read, &device)?;
    let modules = Bundle::load(&manifest, read, &device)?.modules_only();
    let m = &kernels.manifest;
    let sr = m.feature_config.sr as f32;
    let y: Vec<f32> = (0..m.signal_samples)
        .map(|i| {
            let t = i as f32 / sr;
            0.3 * (2.0 * std::f32::consts::PI * (220.0 + 40.0 * t) * t).sin()
                + 0.1 * (2.0 * std::f32::consts::PI * 3.0 * t).sin()
        })
        .collect();
    let features = kernels.features();
    let t = Instant::now();
    let set = genrescope_core::compute(&y, &m.feature_config, &features)?;
    println!(
        "features of one {:.0} s window ({} features): {:.1} ms",
        m.signal_samples as f32 / sr,
        features.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let (a, b) = (
        modules.predict(&set, &device)?,
        kernels.predict(&set, &device)?,
    );
    let worst = a
        .models
        .iter()
        .zip(&b.models)
        .flat_map(|((_, p), (_, q))| p.iter().zip(q).map(|(x, y)| (x - y).abs()))
        .fold(0f32, f32::max);
    println!("probabilities, modules against kernels: max |Δ| = {worst:.1e}");
    let times = race(
        5,
        || drop(modules.predict(&set, &device).unwrap()),
        || drop(kernels.predict(&set, &device).unwrap()),
    );
    report(
        &format!("{} genre models, one window", kernels.models.len()),
        1,
        times,
    );
    for (a, b) in modules.models.iter().zip(&kernels.models) {
        let raw: Vec<f32> = set
            .get(a.entry.feature)
            .expect("computed")
            .iter()
            .copied()
            .collect();
        let times = race(
            3,
            || drop(a.predict(&raw, &device).unwrap()),
            || drop(b.predict(&raw, &device).unwrap()),
        );
        report(
            &format!(
                "  {} ({})",
                a.entry.feature.name(),
                a.entry.architecture.kind()
            ),
            1,
            times,
        );
    }
    Ok(())
}
