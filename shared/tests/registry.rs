//! The feature registry and `compute`'s contract: names, order, shapes, shared work, bad input.

use genrescope_core::{Error, Feature, FeatureConfig, compute};

fn tone(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.3 * (i as f32 * 0.0627).sin() + 0.1 * (i as f32 * 0.31).sin())
        .collect()
}

#[test]
fn names_round_trip_and_follow_librosa() {
    for &f in Feature::LIBROSA {
        assert_eq!(Feature::from_name(f.name()).unwrap(), f);
    }
    assert_eq!(Feature::LIBROSA.len(), 16);
    assert_eq!(Feature::parse_list("all").unwrap(), Feature::LIBROSA);
    assert_eq!(
        Feature::parse_list(" mel, mfcc,mel ").unwrap(),
        vec![Feature::Mel, Feature::Mfcc]
    );
}

#[test]
fn an_unknown_name_is_reported_with_the_known_ones() {
    let err = Feature::parse_list("mel,chroma").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("'chroma'") && msg.contains("chroma_cqt") && msg.contains("tonnetz"),
        "{msg}"
    );
}

#[test]
fn a_subset_comes_back_in_the_order_asked_with_the_registry_shapes() {
    let y = tone(30_000);
    let cfg = FeatureConfig::default();
    let which = [
        Feature::Tonnetz,
        Feature::Mel,
        Feature::PowerSpectrogram,
        Feature::Mel,
        Feature::Waveform,
    ];
    let set = compute(&y, &cfg, &which).unwrap();
    let got: Vec<Feature> = set.entries.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        got,
        vec![
            Feature::Tonnetz,
            Feature::Mel,
            Feature::PowerSpectrogram,
            Feature::Waveform
        ]
    );
    for (f, a) in &set.entries {
        assert_eq!(a.shape(), f.shape(y.len(), &cfg).as_slice(), "{f}");
    }
    assert_eq!(set.get2(Feature::Mel).unwrap().dim(), (128, 59));
}

#[test]
fn sharing_the_stft_and_cqt_does_not_change_any_value() {
    let y = tone(25_000);
    let cfg = FeatureConfig::default();
    let all = compute(&y, &cfg, Feature::LIBROSA).unwrap();
    for &f in Feature::LIBROSA {
        let alone = compute(&y, &cfg, &[f]).unwrap();
        assert_eq!(
            alone.get(f).unwrap(),
            all.get(f).unwrap(),
            "{f} differs when computed alone"
        );
    }
}

#[test]
fn a_non_default_stft_keeps_the_cqt_tuning_on_librosa_default_stft() {
    // chroma_cqt estimates tuning from a 2048/512 STFT whatever the configured one is, so its
    // values do not depend on n_fft or hop_length beyond the frame count.
    let y = tone(30_000);
    let base = compute(&y, &FeatureConfig::default(), &[Feature::ChromaCqt]).unwrap();
    let other = FeatureConfig {
        n_fft: 4096,
        ..FeatureConfig::default()
    };
    let alt = compute(&y, &other, &[Feature::ChromaCqt, Feature::Mel]).unwrap();
    assert_eq!(base.get(Feature::ChromaCqt), alt.get(Feature::ChromaCqt));
}

#[test]
fn empty_and_non_finite_signals_are_errors_naming_the_problem() {
    let cfg = FeatureConfig::default();
    assert!(matches!(
        compute(&[], &cfg, Feature::LIBROSA),
        Err(Error::NoAudio(_))
    ));
    let mut y = tone(5000);
    y[1234] = f32::NAN;
    let err = compute(&y, &cfg, &[Feature::Mel]).unwrap_err();
    assert!(err.to_string().contains("sample 1234"), "{err}");
}

#[test]
fn bad_parameters_name_the_parameter_and_value() {
    let y = tone(5000);
    for (cfg, needle) in [
        (
            FeatureConfig {
                n_fft: 1000,
                ..Default::default()
            },
            "n_fft",
        ),
        (
            FeatureConfig {
                hop_length: 0,
                ..Default::default()
            },
            "hop_length",
        ),
        (
            FeatureConfig {
                n_mfcc: 500,
                ..Default::default()
            },
            "n_mfcc",
        ),
        (
            FeatureConfig {
                mel_fmax: Some(20_000.0),
                ..Default::default()
            },
            "fmax",
        ),
        (
            FeatureConfig {
                cqt_bins_per_octave: 20,
                ..Default::default()
            },
            "bins_per_octave",
        ),
    ] {
        let err = compute(&y, &cfg, Feature::LIBROSA).unwrap_err();
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    }
}

#[test]
fn the_config_round_trips_through_json_with_librosa_defaults() {
    let cfg: FeatureConfig = serde_json::from_str(r#"{"sr": 16000}"#).unwrap();
    assert_eq!(cfg.sr, 16_000);
    assert_eq!(
        (cfg.n_fft, cfg.hop_length, cfg.n_mels, cfg.n_mfcc),
        (2048, 512, 128, 20)
    );
    let back: FeatureConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(back, cfg);
    assert!(
        serde_json::from_str::<FeatureConfig>(r#"{"n_ftt": 1}"#).is_err(),
        "a typo is refused"
    );
}
