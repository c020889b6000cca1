//! MP3 encoding with LAME, for fixtures.

use anyhow::{Context, Result, anyhow, ensure};
use mp3lame_encoder::{Bitrate, Builder, DualPcm, FlushGap, Mode, Quality};

use super::synth::Stereo;

/// Encodes `audio` as a constant-bitrate joint-stereo MP3 at `kbps` 128.
///
/// The stream starts with LAME's Info tag (encoder delay and padding), so a gapless decoder
/// gives back exactly `audio.left.len()` samples per channel.
pub fn encode(audio: &Stereo) -> Result<Vec<u8>> {
    ensure!(
        audio.left.len() == audio.right.len(),
        "channels differ in length"
    );
    let mut encoder = Builder::new()
        .ok_or_else(|| anyhow!("LAME could not allocate an encoder"))?
        .with_num_channels(2)
        .and_then(|b| b.with_sample_rate(audio.sample_rate))
        .and_then(|b| b.with_brate(Bitrate::Kbps128))
        .and_then(|b| b.with_mode(Mode::JointStereo))
        .and_then(|b| b.with_quality(Quality::Good))
        .and_then(|b| b.with_to_write_vbr_tag(true))
        .and_then(|b| b.build())
        .context("configuring LAME")?;

    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(audio.left.len()));
    let input = DualPcm {
        left: &audio.left,
        right: &audio.right,
    };
    encoder.encode_to_vec(input, &mut out).context("encoding")?;
    out.reserve(7200);
    encoder
        .flush_to_vec::<FlushGap>(&mut out)
        .context("flushing")?;

    // LAME leaves room for the Info tag in the first frame; fill it in now that the
    // encoder knows the stream's length, delay and padding.
    if encoder.is_lame_tag_written() {
        let at = encoder.id3v2_tag_size();
        let mut tag = Vec::with_capacity(encoder.lame_tag_size());
        let written = encoder
            .lame_tag_encode_to_vec(&mut tag)
            .ok_or_else(|| anyhow!("LAME wrote no Info tag"))?;
        let end = at + written.get();
        ensure!(
            end <= out.len(),
            "Info tag ({end} bytes) longer than the stream"
        );
        out[at..end].copy_from_slice(&tag);
    }
    Ok(out)
}

/// The version of the LAME library that encodes, e.g. `3.100`.
pub fn lame_version() -> String {
    mp3lame_encoder::mp3lame_version().to_string()
}

/// What LAME's Info/Xing tag says about a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LameInfo {
    /// Audio frames after the tag frame.
    pub frames: u32,
    /// Encoder delay in samples, as LAME records it.
    pub delay: u32,
    /// Padding at the end in samples.
    pub padding: u32,
}

impl LameInfo {
    /// Samples per channel a gapless decoder returns for an MPEG-1 Layer III stream.
    pub fn gapless_samples(&self) -> u64 {
        u64::from(self.frames) * 1152 - u64::from(self.delay) - u64::from(self.padding)
    }
}

/// Reads the Info (CBR) or Xing (VBR) tag with its LAME extension from the first frame of
/// an MPEG-1 Layer III stream without ID3v2 tag; `None` when there is none.
pub fn lame_info(mp3: &[u8]) -> Option<LameInfo> {
    let first_frame = mp3.get(..1152)?;
    let at = first_frame
        .windows(4)
        .position(|w| w == b"Info" || w == b"Xing")?;
    let be32 =
        |p: usize| -> Option<u32> { Some(u32::from_be_bytes(mp3.get(p..p + 4)?.try_into().ok()?)) };
    let flags = be32(at + 4)?;
    // LAME always writes the frames, bytes, TOC and quality fields.
    if flags & 0xF != 0xF {
        return None;
    }
    let frames = be32(at + 8)?;
    // Frames, bytes, TOC, quality, then the LAME extension: encoder string (9), revision (1),
    // lowpass (1), replay gain (8), flags (1), bitrate (1), then delay and padding (12 bits each).
    let lame = at + 8 + 4 + 4 + 100 + 4;
    if mp3.get(lame..lame + 4)? != b"LAME" {
        return None;
    }
    let dp = lame + 9 + 1 + 1 + 8 + 1 + 1;
    let bits = mp3.get(dp..dp + 3)?;
    let packed = u32::from(bits[0]) << 16 | u32::from(bits[1]) << 8 | u32::from(bits[2]);
    Some(LameInfo {
        frames,
        delay: packed >> 12,
        padding: packed & 0xFFF,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::synth;

    #[test]
    fn lame_writes_an_info_tag_for_gapless_decoding() {
        let audio = synth::music(1.5, 44_100, 3);
        let mp3 = encode(&audio).unwrap();
        assert_eq!(&mp3[..2], &[0xFF, 0xFB], "MPEG-1 Layer III frame sync");
        let info = lame_info(&mp3).expect("Info tag");
        assert_eq!(info.gapless_samples(), audio.left.len() as u64, "{info:?}");
    }

    #[test]
    fn a_window_deep_in_a_gapless_mp3_equals_the_same_window_of_a_whole_decode() {
        // The decoder skips frames before a window; with LAME's delay trimmed (gapless), the
        // window must still be sample-exact.
        let mp3 = encode(&synth::music(6.0, 44_100, 5)).unwrap();
        let whole = genrescope_core::audio::decode(mp3.clone(), Some("mp3")).unwrap();
        for offset in [0.0, 0.02, 0.5, 1.0, 3.3, 5.5] {
            let want = whole.window(44_100, offset, Some(0.4)).unwrap();
            let got =
                genrescope_core::audio::load(mp3.clone(), Some("mp3"), 44_100, offset, Some(0.4));
            assert_eq!(got.unwrap(), want, "offset {offset} s");
        }
    }

    #[test]
    fn random_bytes_have_no_info_tag() {
        assert_eq!(lame_info(&synth::SplitMix64::new(1).bytes(4096)), None);
    }
}
