//! Decoding with symphonia: any supported file to a mono f32 signal, as `librosa.load` does.

use crate::error::Result;

/// A decoded file: the mono signal at the file's own sample rate.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// Mono samples (channels averaged), gapless: encoder delay and padding trimmed.
    pub samples: Vec<f32>,
    /// The file's sample rate in Hz.
    pub sample_rate: u32,
    /// The number of channels in the file.
    pub channels: usize,
}

/// Decodes the whole of `bytes` to mono at its native rate. `hint` is a file extension
/// (`"mp3"`), if known.
pub fn decode(bytes: Vec<u8>, hint: Option<&str>) -> Result<Decoded> {
    let _ = (bytes, hint);
    unimplemented!()
}

/// `librosa.load(path, sr=sr, mono=True, offset=offset, duration=duration)` on the file in
/// `bytes`: decode, keep `[offset, offset + duration)` seconds, average channels, resample to `sr`.
pub fn load(bytes: Vec<u8>, hint: Option<&str>, sr: u32, offset: f64, duration: Option<f64>) -> Result<Vec<f32>> {
    let _ = (bytes, hint, sr, offset, duration);
    unimplemented!()
}
