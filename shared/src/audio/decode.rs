//! Decoding with symphonia: any supported file to a mono f32 signal, as `librosa.load` does.
//!
//! MP3, FLAC, OGG/Vorbis and WAV are supported. Decoding is gapless: the MP3 encoder delay and
//! padding recorded in the LAME/Xing header are trimmed, as libsndfile (mpg123) does for
//! `librosa.load`. A packet that fails to decode is skipped and counted; anything else that
//! goes wrong is a typed [`Error`] that says what is wrong. Bad bytes never panic.

use std::io::Cursor;

use symphonia::core::audio::{Audio, AudioBuffer, GenericAudioBufferRef};
use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;

use super::Limits;
use crate::dsp::resample::resample;
use crate::error::{Error, Result};

/// The largest sample magnitude a decoded signal may hold (2^16; full scale is 1): a float
/// file beyond it is refused, as are NaN and infinite samples.
pub const MAX_AMPLITUDE: f32 = 65_536.0;

/// A decoded file: the mono signal at the file's own sample rate.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// Mono samples (the mean of the channels), gapless: encoder delay and padding trimmed.
    pub samples: Vec<f32>,
    /// The file's sample rate in Hz.
    pub sample_rate: u32,
    /// The number of channels in the file.
    pub channels: usize,
    /// Packets that failed to decode and were skipped (corrupt frames).
    pub bad_packets: usize,
    /// Whether the stream ended in the middle of a packet (a truncated file).
    pub truncated: bool,
}

impl Decoded {
    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }

    /// The signal `librosa.load(sr=sr, offset=offset, duration=duration)` returns, cut from
    /// this decoded track: `[offset, offset + duration)` seconds counted in the file's own
    /// frames (as libsndfile seeks), resampled to `sr`. Lets a caller that already decoded the
    /// whole track take windows without decoding again.
    pub fn window(&self, sr: u32, offset: f64, duration: Option<f64>) -> Result<Vec<f32>> {
        check_window(sr, offset, duration)?;
        let native = self.sample_rate;
        let start = (offset * f64::from(native)) as usize;
        if start >= self.samples.len() {
            return Err(Error::OffsetPastEnd {
                offset,
                duration: self.duration(),
            });
        }
        let end = match duration {
            Some(d) => (start + (d * f64::from(native)) as usize).min(self.samples.len()),
            None => self.samples.len(),
        };
        let window = &self.samples[start..end];
        if native == sr {
            Ok(window.to_vec())
        } else {
            resample(window, native, sr)
        }
    }
}

fn check_window(sr: u32, offset: f64, duration: Option<f64>) -> Result<()> {
    if sr == 0 {
        return Err(Error::invalid("sr", "0 Hz"));
    }
    if !(offset.is_finite() && offset >= 0.0) {
        return Err(Error::invalid(
            "offset",
            format!("{offset} s is not a time >= 0"),
        ));
    }
    if let Some(d) = duration.filter(|d| !(d.is_finite() && *d > 0.0)) {
        return Err(Error::invalid(
            "duration",
            format!("{d} s is not a positive time"),
        ));
    }
    Ok(())
}

/// Decodes the whole of `bytes` to mono at its native rate, up to [`Limits::HOUR`]. `hint` is
/// a file extension (`"mp3"`), if known.
pub fn decode(bytes: Vec<u8>, hint: Option<&str>) -> Result<Decoded> {
    decode_within(bytes, hint, &Limits::HOUR)
}

/// Decodes the whole of `bytes` to mono at its native rate; a file that decodes to more than
/// `limits` is refused ([`Error::OverCap`]) as soon as it passes them.
pub fn decode_within(bytes: Vec<u8>, hint: Option<&str>, limits: &Limits) -> Result<Decoded> {
    decode_frames(bytes, hint, None, limits)
}

/// Decodes at most the first `seconds` of `bytes`, mono at the file's own rate: decoding stops
/// there, so a caller with a memory budget (the browser) can refuse an hour-long file after
/// reading only its start. A result longer than `seconds` means the track goes on.
pub fn decode_prefix(bytes: Vec<u8>, hint: Option<&str>, seconds: f64) -> Result<Decoded> {
    check_window(1, 0.0, Some(seconds))?;
    decode_frames(bytes, hint, Some((0.0, Some(seconds))), &Limits::HOUR)
}

/// `librosa.load(path, sr=sr, mono=True, offset=offset, duration=duration)` on the file in
/// `bytes`: decode, keep `[offset, offset + duration)` seconds (counted in the file's own
/// frames, as libsndfile seeks), average the channels, resample to `sr`. Damage is analysed
/// through, as libsndfile does: [`load_track`](super::load_track) with
/// [`DamagePolicy::Analyse`](super::DamagePolicy::Analyse) and the window as is.
pub fn load(
    bytes: Vec<u8>,
    hint: Option<&str>,
    sr: u32,
    offset: f64,
    duration: Option<f64>,
) -> Result<Vec<f32>> {
    let window = super::Window {
        sr,
        offset,
        length: duration,
        fit: super::Fit::AsIs,
    };
    Ok(super::load_track(bytes, hint, &window, super::DamagePolicy::Analyse)?.samples)
}

/// Decodes up to the end of `[offset, offset + duration)` at the file's own rate (the start is
/// decoded too, or skipped as silence where that is exact): what a window needs.
pub(crate) fn decode_frames_window(
    bytes: Vec<u8>,
    hint: Option<&str>,
    sr: u32,
    offset: f64,
    duration: Option<f64>,
) -> Result<Decoded> {
    check_window(sr, offset, duration)?;
    // Decoding stops once the window is complete; the rate is known only after probing, so
    // the limit is given in seconds and turned into frames inside.
    decode_frames(bytes, hint, Some((offset, duration)), &Limits::HOUR)
}

fn sym_error(context: &str, e: SymError) -> Error {
    match e {
        SymError::IoError(io) => Error::Malformed(format!("{context}: {io}")),
        SymError::DecodeError(m) => Error::Malformed(format!("{context}: {m}")),
        SymError::Unsupported(m) => Error::Unsupported(format!("{context}: {m}")),
        SymError::LimitError(m) => Error::Malformed(format!("{context}: limit reached: {m}")),
        other => Error::Malformed(format!("{context}: {other}")),
    }
}

/// A file probed and its decoder opened.
struct Opened {
    format: Box<dyn FormatReader>,
    track_id: u32,
    /// The length the container declares (LAME/Xing/VBRI tag, FLAC STREAMINFO, WAV size),
    /// gapless: a stream that ends well short of it was cut off.
    declared_frames: Option<u64>,
    params: AudioCodecParameters,
    decoder: Box<dyn AudioDecoder>,
}

/// Probes `bytes` and opens the decoder of its default audio track.
fn open(mut bytes: Vec<u8>, hint: Option<&str>) -> Result<Opened> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    mend_wav(&mut bytes)?;
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let mut probe_hint = Hint::new();
    if let Some(ext) = hint {
        probe_hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &probe_hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(_) | SymError::IoError(_) => Error::Unsupported(
                "not a recognised audio file (MP3, FLAC, OGG/Vorbis or WAV)".into(),
            ),
            other => sym_error("probing the file", other),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| Error::NoAudio("the file has no audio track".into()))?;
    let track_id = track.id;
    let declared_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| Error::Unsupported("the audio track has no codec parameters".into()))?
        .clone();
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| sym_error("opening the decoder", e))?;
    Ok(Opened {
        format,
        track_id,
        declared_frames,
        params,
        decoder,
    })
}

/// Mends, in place, two WAV headers that symphonia would misread, and refuses one it cannot.
///
/// A WAV written to a pipe (ffmpeg's `-f wav pipe:`, sox to stdout) cannot go back to fill in
/// its sizes and leaves both the RIFF and the `data` size at 0xFFFFFFFF, "to the end of the
/// file". Those are set to what the bytes hold, as libsndfile reads such a file, so it is
/// neither refused nor reported cut off. Any other sizes are left as the file states them (a
/// header that claims more than the file holds is a file cut off).
///
/// A `WAVE_FORMAT_EXTENSIBLE` header's channel mask is made to agree with its channel count
/// ([`mend_channel_mask`]).
fn mend_wav(bytes: &mut [u8]) -> Result<()> {
    const TO_THE_END: [u8; 4] = [0xFF; 4];
    let len = bytes.len();
    if bytes.get(..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Ok(());
    }
    let streamed = bytes.get(4..8) == Some(&TO_THE_END);
    let size_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX - 1).to_le_bytes();
    let mut at = 12usize;
    while let Some(header) = at.checked_add(8).and_then(|end| bytes.get(at..end)) {
        let (id, size) = header.split_at(4);
        let n = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
        match id {
            b"data" => {
                if streamed && size == TO_THE_END {
                    bytes[at + 4..at + 8].copy_from_slice(&size_of(len - at - 8));
                    bytes[4..8].copy_from_slice(&size_of(len - 8));
                }
                return Ok(());
            }
            b"fmt " => {
                let end = (at + 8).saturating_add(n).min(len);
                mend_channel_mask(&mut bytes[at + 8..end])?;
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        let Some(next) = (at + 8).checked_add(n).and_then(|e| e.checked_add(n & 1)) else {
            return Ok(());
        };
        at = next;
    }
    Ok(())
}

/// The speaker positions a `WAVE_FORMAT_EXTENSIBLE` channel mask can name.
const WAVE_POSITIONS: u16 = 18;

/// A `WAVE_FORMAT_EXTENSIBLE` PCM or float `fmt ` chunk whose channel mask names fewer or more
/// positions than the file has channels gets the first that many positions instead: symphonia's
/// own repair of such a mask shifts past 32 bits (a panic where overflow is checked) for a mask
/// with its top bit set or 32 channels or more. We mix to mono, so the positions never mattered.
/// More channels than WAVE has positions cannot be placed at all: refused by name, as symphonia
/// refuses them when the mask agrees.
fn mend_channel_mask(fmt: &mut [u8]) -> Result<()> {
    const EXTENSIBLE: [u8; 2] = 0xFFFE_u16.to_le_bytes();
    // KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT end the same way: {0000000X-0000-0010-8000-00AA00389B71}.
    const SUBTYPE_TAIL: [u8; 14] = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71];
    if fmt.len() < 40 || fmt[..2] != EXTENSIBLE || fmt[26..40] != SUBTYPE_TAIL {
        return Ok(());
    }
    let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
    let mask = u32::from_le_bytes([fmt[20], fmt[21], fmt[22], fmt[23]]);
    if mask.count_ones() == u32::from(channels) {
        return Ok(());
    }
    if channels > WAVE_POSITIONS {
        return Err(Error::Unsupported(format!(
            "the WAV has {channels} channels, more than the {WAVE_POSITIONS} speaker positions \
             its channel mask can name"
        )));
    }
    let first_positions = (1_u32 << channels) - 1;
    fmt[20..24].copy_from_slice(&first_positions.to_le_bytes());
    Ok(())
}

/// The mono signal as it is decoded, with what decoding met on the way.
struct Mono {
    samples: Vec<f32>,
    limits: Limits,
    interleaved: Vec<f32>,
    rate: Option<u32>,
    channels: usize,
    bad_packets: usize,
    good_packets: usize,
    skipped_packets: usize,
    truncated: bool,
}

impl Mono {
    /// Appends a decoded buffer, averaged to mono; a rate that changes mid-stream is refused.
    fn push(&mut self, buf: &GenericAudioBufferRef<'_>) -> Result<()> {
        self.good_packets += 1;
        let spec_rate = buf.spec().rate();
        let n_ch = buf.spec().channels().count().max(1);
        match self.rate {
            Some(r) if r != spec_rate && !self.samples.is_empty() => {
                return Err(Error::Malformed(format!(
                    "the sample rate changes from {r} Hz to {spec_rate} Hz"
                )));
            }
            _ => self.rate = Some(spec_rate),
        }
        self.channels = self.channels.max(n_ch);
        self.make_room(buf.frames())?;
        if let GenericAudioBufferRef::F32(planar) = buf {
            // The MP3, Vorbis and float WAV decoders' own format: averaged plane by plane,
            // without interleaving first (the same sums, in channel order).
            self.push_planes(planar, n_ch);
            return Ok(());
        }
        buf.copy_to_vec_interleaved::<f32>(&mut self.interleaved);
        if n_ch == 1 {
            self.samples.extend_from_slice(&self.interleaved);
        } else {
            let scale = 1.0 / n_ch as f32;
            self.samples.extend(
                self.interleaved
                    .chunks_exact(n_ch)
                    .map(|f| f.iter().sum::<f32>() * scale),
            );
        }
        Ok(())
    }

    /// Appends the mean of `n_ch` float planes: `(c0 + c1 + …) · (1 / n_ch)`, summed in channel
    /// order as the interleaved path sums them.
    fn push_planes(&mut self, planar: &AudioBuffer<f32>, n_ch: usize) {
        let planes: Vec<&[f32]> = (0..n_ch).filter_map(|c| planar.plane(c)).collect();
        let Some((first, rest)) = planes.split_first() else {
            return;
        };
        let start = self.samples.len();
        self.samples.extend_from_slice(first);
        if rest.is_empty() {
            return;
        }
        let mixed = &mut self.samples[start..];
        for plane in rest {
            for (m, &v) in mixed.iter_mut().zip(plane.iter()) {
                *m += v;
            }
        }
        let scale = 1.0 / planes.len() as f32;
        for m in mixed {
            *m *= scale;
        }
    }

    /// Room for `frames` more samples, within the limits: the signal's capacity grows as a
    /// vector's does but never past the cap, and a file that would pass it is refused.
    fn make_room(&mut self, frames: usize) -> Result<()> {
        let rate = self.rate.unwrap_or(0);
        let cap = match rate {
            0 => self.limits.max_samples,
            r => self.limits.samples_at(r),
        };
        let len = self.samples.len();
        let want = len.saturating_add(frames);
        if want > cap {
            return Err(self.limits.passed(rate));
        }
        if want > self.samples.capacity() {
            let grown = want.max(self.samples.capacity().saturating_mul(2)).min(cap);
            self.samples.reserve_exact(grown - len);
        }
        Ok(())
    }

    /// `frames` of silence for packets not decoded (before a window, or while priming).
    fn skip(&mut self, frames: u64) -> Result<()> {
        self.make_room(usize::try_from(frames).unwrap_or(usize::MAX))?;
        self.samples
            .resize(self.samples.len() + frames as usize, 0.0);
        Ok(())
    }

    /// The decoded track, or why there is none.
    fn finish(self) -> Result<Decoded> {
        let sample_rate = self
            .rate
            .filter(|&r| r > 0)
            .ok_or_else(|| Error::Malformed("the sample rate is unknown".into()))?;
        if self.good_packets == 0 && self.skipped_packets == 0 {
            return Err(if self.bad_packets > 0 {
                Error::Malformed(format!(
                    "none of the {} audio packets could be decoded",
                    self.bad_packets
                ))
            } else {
                Error::NoAudio("the stream holds no audio packets".into())
            });
        }
        if self.samples.is_empty() {
            return Err(Error::NoAudio("the stream decoded to 0 samples".into()));
        }
        // A float file can hold anything; what is beyond any audio scale is refused here, so
        // every feature of a decoded signal is finite (the power of 2^16 × a 2,048-point
        // window's gain still fits f32 with room to spare).
        if let Some((i, v)) =
            (self.samples.iter().enumerate()).find(|(_, v)| !(v.abs() <= MAX_AMPLITUDE))
        {
            let at = i as f64 / f64::from(sample_rate);
            return Err(Error::Malformed(format!(
                "decoded sample {i} ({at:.3} s) is {v}: not audio (samples lie within ±1, and beyond \
                 ±{MAX_AMPLITUDE} are refused)"
            )));
        }
        Ok(Decoded {
            samples: self.samples,
            sample_rate,
            channels: self.channels,
            bad_packets: self.bad_packets,
            truncated: self.truncated,
        })
    }
}

/// Decodes to mono; with `window = Some((offset, duration))` stops once the window is complete.
fn decode_frames(
    bytes: Vec<u8>,
    hint: Option<&str>,
    window: Option<(f64, Option<f64>)>,
    limits: &Limits,
) -> Result<Decoded> {
    let Opened {
        mut format,
        track_id,
        declared_frames,
        params,
        mut decoder,
    } = open(bytes, hint)?;
    let mut mono = Mono {
        samples: Vec::new(),
        limits: *limits,
        interleaved: Vec::new(),
        rate: params.sample_rate,
        channels: params.channels.as_ref().map(|c| c.count()).unwrap_or(0),
        bad_packets: 0,
        good_packets: 0,
        skipped_packets: 0,
        truncated: false,
    };
    // A length the container declares is room made at once, within the cap and the window:
    // no copy while the signal grows (a claim of hours costs at most the cap).
    if let (Some(frames), Some(rate)) = (declared_frames, params.sample_rate.filter(|&r| r > 0)) {
        let window_end = window.and_then(|(offset, duration)| {
            duration.map(|d| ((offset + d) * f64::from(rate)).ceil() as u64)
        });
        let room = frames
            .min(window_end.unwrap_or(u64::MAX))
            .min(limits.samples_at(rate) as u64);
        mono.samples.reserve_exact(room as usize);
    }
    let mut limit: Option<usize> = None;
    // Packets wholly before the window need not be decoded. An MP3 frame's output depends only
    // on the few frames before it (bit reservoir ≤ 511 bytes back, one granule of MDCT
    // overlap, the synthesis filterbank's 512 taps), so decoding resumes PREROLL frames early
    // and the window is sample-exact; skipped frames count as silence, so positions hold.
    // Only MP3: its frames always decode to their stated length.
    const PREROLL: u64 = 4 * 1152;
    let skip_until: u64 = match (window, params.sample_rate) {
        (Some((offset, _)), Some(r)) if params.codec == CODEC_ID_MP3 => {
            ((offset * f64::from(r)) as u64).saturating_sub(PREROLL)
        }
        _ => 0,
    };
    // Decoding after a skip starts without the reservoir: errors there are not damage.
    let mut priming = 0u64;

    while let Some(packet) = next_packet(&mut *format, &mut mono, declared_frames)? {
        if packet.track_id != track_id {
            continue;
        }
        // symphonia 0.6.1 leaves the gapless trim in `dur` (its PacketBuilder::trimmed_dur
        // subtracts the builder's zero trims); the frames this packet adds are what remains.
        let dur = packet
            .dur
            .get()
            .saturating_sub(packet.trim_start.get() + packet.trim_end.get());
        if mono.samples.len() as u64 + dur <= skip_until {
            mono.skip(dur)?;
            mono.skipped_packets += 1;
            priming = PREROLL;
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => mono.push(&buf)?,
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) if priming > 0 => {
                mono.skip(dur)?;
                priming = priming.saturating_sub(dur.max(1));
                continue;
            }
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => {
                mono.bad_packets += 1;
                continue;
            }
            Err(e) => return Err(sym_error("decoding", e)),
        }
        priming = priming.saturating_sub(dur.max(1));
        if let (Some((offset, duration)), Some(rate)) = (window, mono.rate) {
            let limit = *limit.get_or_insert_with(|| match duration {
                Some(d) => {
                    let sr = f64::from(rate);
                    (offset * sr) as usize + (d * sr) as usize
                }
                None => usize::MAX,
            });
            if mono.samples.len() >= limit {
                break;
            }
        }
    }
    mono.finish()
}

/// The next packet, or `None` at the end of the stream (marking a cut-off stream truncated);
/// damaged frame headers are counted and skipped.
fn next_packet(
    format: &mut dyn FormatReader,
    mono: &mut Mono,
    declared_frames: Option<u64>,
) -> Result<Option<Packet>> {
    loop {
        match format.next_packet() {
            Ok(Some(p)) => return Ok(Some(p)),
            Ok(None) => {
                // MP3 has no end marker: symphonia ends the stream quietly at a torn frame.
                // Short of the declared length by more than one frame (1152 samples) is a cut.
                if declared_frames.is_some_and(|n| (mono.samples.len() as u64) + 1152 < n) {
                    mono.truncated = true;
                }
                return Ok(None);
            }
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                mono.truncated = true;
                return Ok(None);
            }
            Err(SymError::ResetRequired) => return Ok(None),
            Err(SymError::DecodeError(_)) => {
                // A damaged frame header: the reader resynchronises on the next call.
                mono.bad_packets += 1;
                if mono.bad_packets > 10_000 {
                    return Err(Error::Malformed("too many damaged frames".into()));
                }
            }
            Err(e) => return Err(sym_error("reading the stream", e)),
        }
    }
}
