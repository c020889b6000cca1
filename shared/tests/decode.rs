//! Bad bytes never panic: decoding returns a typed error that says what is wrong.

use std::path::{Path, PathBuf};

use genrescope_core::{Error, audio};

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/load")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A small deterministic generator, so corruptions are reproducible.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn empty_input_is_its_own_kind() {
    let err = audio::decode(Vec::new(), Some("mp3")).unwrap_err();
    assert!(matches!(err, Error::Empty), "{err}");
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn text_is_not_audio() {
    let err = audio::decode(b"track_id,genre\n2,Hip-Hop\n".repeat(100), Some("mp3")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported(_) | Error::NoAudio(_) | Error::Malformed(_)
        ),
        "{err}"
    );
    assert!(!err.to_string().is_empty());
}

#[test]
fn random_bytes_do_not_panic() {
    let mut rng = Lcg(7);
    for len in [1usize, 3, 10, 100, 417, 4096, 65_536] {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        for hint in [Some("mp3"), Some("wav"), None] {
            // Random bytes may contain sync words; what matters is an answer, not a panic.
            if let Ok(d) = audio::decode(bytes.clone(), hint) {
                assert!(d.samples.iter().all(|v| v.is_finite()));
            }
        }
    }
}

#[test]
fn truncated_mp3_keeps_what_was_decoded() {
    let full = fixture("stereo_44100_cbr.mp3");
    let whole = audio::decode(full.clone(), Some("mp3")).unwrap();
    let half = audio::decode(full[..full.len() / 2].to_vec(), Some("mp3")).unwrap();
    assert!(
        half.samples.len() < whole.samples.len() * 6 / 10,
        "{} vs {}",
        half.samples.len(),
        whole.samples.len()
    );
    assert!(half.samples.len() > whole.samples.len() * 4 / 10);
    // This MP3 has no LAME/Xing tag declaring its length, so the cut cannot be told from an
    // end (the trainer's tests cover tagged MP3s); nothing is flagged wrongly either.
    assert!(!whole.truncated);
    assert_eq!(whole.bad_packets + half.bad_packets, 0);
    // The decoded half equals the start of the whole decode.
    let n = half.samples.len() - 2304;
    let max_diff = half.samples[..n]
        .iter()
        .zip(&whole.samples[..n])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(max_diff < 1e-6, "max diff {max_diff}");
}

#[test]
fn header_only_mp3_is_an_error() {
    let full = fixture("stereo_44100_cbr.mp3");
    for cut in [1usize, 4, 50, 200] {
        let res = audio::decode(full[..cut].to_vec(), Some("mp3"));
        assert!(
            res.is_err(),
            "cut at {cut} bytes decoded to {} samples",
            res.unwrap().samples.len()
        );
    }
}

#[test]
fn corrupt_frames_are_skipped_or_reported_never_panic() {
    let full = fixture("mono_48000_vbr.mp3");
    let mut rng = Lcg(42);
    for trial in 0..200 {
        let mut bytes = full.clone();
        let hits = 1 + (rng.next() % 64) as usize;
        for _ in 0..hits {
            let i = (rng.next() as usize) % bytes.len();
            bytes[i] = rng.next() as u8;
        }
        match audio::decode(bytes, Some("mp3")) {
            Ok(d) => assert!(d.samples.iter().all(|v| v.is_finite()), "trial {trial}"),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn offset_past_the_end_is_a_clear_error() {
    let err = audio::load(
        fixture("stereo_44100_cbr.mp3"),
        Some("mp3"),
        22050,
        60.0,
        Some(14.0),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::OffsetPastEnd { offset, .. } if offset == 60.0),
        "{err}"
    );
    assert!(err.to_string().contains("past the end"), "{err}");
}

#[test]
fn bad_parameters_name_the_parameter() {
    let bytes = fixture("stereo_44100_cbr.mp3");
    let err = audio::load(bytes.clone(), Some("mp3"), 22050, -1.0, None).unwrap_err();
    assert!(err.to_string().contains("offset"), "{err}");
    let err = audio::load(bytes, Some("mp3"), 22050, 0.0, Some(0.0)).unwrap_err();
    assert!(err.to_string().contains("duration"), "{err}");
}

/// A mono WAV file's header: `format` 1 (PCM) or 3 (IEEE float), `bytes` per sample, and a
/// data chunk declared to hold `data_len` bytes.
fn wav_header(format: u16, bytes: u16, sample_rate: u32, data_len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&format.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * u32::from(bytes)).to_le_bytes());
    out.extend_from_slice(&bytes.to_le_bytes());
    out.extend_from_slice(&(8 * bytes).to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out
}

/// A 16-bit PCM WAV file of `samples` (mono) whose header declares `declared` samples.
fn wav(samples: &[i16], sample_rate: u32, declared: usize) -> Vec<u8> {
    let mut out = wav_header(1, 2, sample_rate, (declared * 2) as u32);
    out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    out
}

/// A 32-bit float WAV file of `samples` (mono).
fn wav_f32(samples: &[f32], sample_rate: u32) -> Vec<u8> {
    let mut out = wav_header(3, 4, sample_rate, (samples.len() * 4) as u32);
    out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    out
}

/// A 16-bit `WAVE_FORMAT_EXTENSIBLE` PCM WAV of `channels` channels (each frame the same
/// sample on every channel) with the given channel `mask`.
fn wav_extensible(samples: &[i16], sample_rate: u32, channels: u16, mask: u32) -> Vec<u8> {
    const PCM: [u8; 16] = [
        1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ];
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| std::iter::repeat_n(s.to_le_bytes(), usize::from(channels)))
        .flatten()
        .collect();
    let block = 2 * channels;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(4 + 8 + 40 + 8 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&0xFFFE_u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(&22u16.to_le_bytes()); // extension size
    out.extend_from_slice(&16u16.to_le_bytes()); // valid bits
    out.extend_from_slice(&mask.to_le_bytes());
    out.extend_from_slice(&PCM);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend(data);
    out
}

/// Found by fuzzing (fuzz/decode): an extensible WAV whose channel mask disagrees with its
/// channel count sent symphonia's mask repair past 32 bits (a panic with overflow checks, a
/// refusal of a readable file without). A stereo file whose mask names only the top position
/// now decodes as stereo; 126 channels, more than WAVE can place, are refused by name.
#[test]
fn an_extensible_wav_with_a_wrong_channel_mask_decodes_or_is_refused_by_name() {
    let samples: Vec<i16> = (0..8_000).map(|i| ((i % 40) * 500) as i16).collect();
    let mono = audio::decode(wav(&samples, 8_000, samples.len()), Some("wav")).unwrap();
    let agreed = wav_extensible(&samples, 8_000, 2, 0b11);
    let agreed = audio::decode(agreed, Some("wav")).unwrap();
    assert_eq!(agreed.samples, mono.samples);
    for mask in [0x8000_0000, 0, 0b1, 0xFFFF_FFFF] {
        let odd = wav_extensible(&samples, 8_000, 2, mask);
        let odd = audio::decode(odd, Some("wav")).unwrap_or_else(|e| panic!("mask {mask:#x}: {e}"));
        assert_eq!(odd.samples, mono.samples, "mask {mask:#x}");
    }
    let many = wav_extensible(&samples[..10], 8_000, 126, 0b111);
    let err = audio::decode(many, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported format: the WAV has 126 channels, more than the 18 speaker positions its \
         channel mask can name"
    );
}

/// Found by fuzzing (fuzz/load_features): a float WAV of huge finite samples gave NaN
/// features (inf − inf in the spectrogram). Samples beyond ±2^16, NaN and infinities are
/// refused by the decoder, naming the sample and its time; up to the bound they decode as is.
#[test]
fn float_samples_beyond_any_audio_scale_are_refused() {
    let mut samples = vec![0.25f32; 8_000];
    samples[4_000] = audio::MAX_AMPLITUDE;
    let ok = audio::decode(wav_f32(&samples, 8_000), Some("wav")).unwrap();
    assert_eq!(ok.samples, samples);
    for (bad, shown) in [
        (1e30f32, "1000000000000000000000000000000"),
        (f32::NAN, "NaN"),
        (f32::NEG_INFINITY, "-inf"),
    ] {
        samples[4_000] = bad;
        let err = audio::decode(wav_f32(&samples, 8_000), Some("wav"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!(
                "decoded sample 4000 (0.500 s) is {shown}: not audio"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_file_shorter_than_its_header_declares_is_flagged_truncated() {
    let samples: Vec<i16> = (0..16_000)
        .map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16)
        .collect();
    let whole = audio::decode(wav(&samples, 16_000, samples.len()), Some("wav")).unwrap();
    assert!(!whole.truncated);
    assert_eq!(whole.samples.len(), samples.len());
    let cut = audio::decode(wav(&samples[..6_000], 16_000, samples.len()), Some("wav")).unwrap();
    assert!(
        cut.truncated,
        "declared 16,000 samples, got {}",
        cut.samples.len()
    );
    assert_eq!(cut.samples.len(), 6_000);
    assert_eq!(cut.samples[..], whole.samples[..6_000]);
}

#[test]
fn a_window_deep_in_an_mp3_equals_the_same_window_of_a_whole_decode() {
    // Frames before the window are skipped, not decoded: the window must not change.
    for name in ["stereo_44100_cbr.mp3", "mono_48000_vbr.mp3"] {
        let bytes = fixture(name);
        let whole = audio::decode(bytes.clone(), Some("mp3")).unwrap();
        let seconds = whole.duration();
        for offset in [0.0, 0.05, 0.2, 0.61, seconds / 2.0, seconds - 0.3] {
            let want = whole.window(22_050, offset, Some(0.25)).unwrap();
            let got = audio::load(bytes.clone(), Some("mp3"), 22_050, offset, Some(0.25)).unwrap();
            assert_eq!(got.len(), want.len(), "{name} at {offset} s");
            let max_diff = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(max_diff == 0.0, "{name} at {offset} s: max diff {max_diff}");
        }
    }
}

/// Issue #18's absurd files, the core's part: decoding stops at the caller's cap and the
/// refusal names it, by seconds or (at a high rate) by samples, whichever comes first.
#[test]
fn decoding_stops_at_the_cap_and_names_it() {
    let samples: Vec<i16> = (0..96_000).map(|i| ((i % 50) * 100) as i16).collect();
    // 0.25 s at 384 kHz: within an hour, but past 50,000 samples.
    let hires = wav(&samples, 384_000, samples.len());
    let by_samples = audio::Limits {
        max_seconds: 3_600.0,
        max_samples: 50_000,
    };
    let err = audio::decode_within(hires.clone(), Some("wav"), &by_samples).unwrap_err();
    let genrescope_core::Error::OverCap(cap) = &err else {
        panic!("{err}");
    };
    assert!(cap.by_samples() && cap.rate == 384_000, "{cap:?}");
    assert!(
        err.to_string()
            .starts_with("too long: at 384000 Hz the audio passes 50000 samples"),
        "{err}"
    );
    // 6 s at 16 kHz past a 5-second cap: named in time.
    let long = wav(&samples, 16_000, samples.len());
    let by_seconds = audio::Limits {
        max_seconds: 5.0,
        max_samples: 1_000_000,
    };
    let err = audio::decode_within(long.clone(), Some("wav"), &by_seconds).unwrap_err();
    assert_eq!(
        err.to_string(),
        "too long: the audio runs past 0:05, the cap on one file's decoded audio; decoding \
         stopped there"
    );
    // At the cap exactly: decoded whole.
    let exact = audio::Limits {
        max_seconds: 6.0,
        max_samples: 96_000,
    };
    let ok = audio::decode_within(long, Some("wav"), &exact).unwrap();
    assert_eq!(ok.samples.len(), 96_000);
}

/// A WAV written to a pipe (ffmpeg `-f wav pipe:`) leaves its RIFF and data sizes at
/// 0xFFFFFFFF: it decodes whole and clean, where the same file with a header that claims a real
/// 4 GB is a file cut off.
#[test]
fn a_piped_wav_decodes_clean_and_a_wav_claiming_4_gb_is_cut_off() {
    let samples: Vec<i16> = (0..16_000).map(|i| ((i % 80) * 300) as i16).collect();
    let honest = audio::decode(wav(&samples, 16_000, samples.len()), Some("wav")).unwrap();
    let mut piped = wav(&samples, 16_000, samples.len());
    piped[4..8].copy_from_slice(&[0xFF; 4]);
    piped[40..44].copy_from_slice(&[0xFF; 4]);
    let piped = audio::decode(piped, Some("wav")).unwrap();
    assert!(!piped.truncated);
    assert_eq!(piped.samples, honest.samples);

    let claims = wav(&samples, 16_000, 0x7FFF_FF00);
    let claims = audio::decode(claims, Some("wav")).unwrap();
    assert!(claims.truncated);
    assert_eq!(claims.samples, honest.samples);
}
