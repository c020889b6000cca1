#!/usr/bin/env python3
"""Write librosa 0.11's outputs on synthetic signals as small reference files.

Run by hand (CI needs no Python):

    python3 -m venv .venv-ref && .venv-ref/bin/pip install -r tools/reference/requirements.txt
    .venv-ref/bin/python tools/reference/make_references.py

Writes shared/tests/reference/:
  features/<signal>/<feature>.npy   float32 librosa outputs; <signal>/waveform.npy is the input
  features/manifest.json            signals, their descriptions, features librosa refused
  resample/<name>_in.npy, <name>_out.npy   librosa.resample(res_type='soxr_hq') pairs
  load/<name>.mp3, load/<name>.json, load/<name>.npy   MP3s encoded here with LAME (lameenc)
                                                       and librosa.load's signal for them
The Rust parity tests (shared/tests/parity.rs) compare against these files.
"""
import json
import os
import sys

# numba 0.68 segfaults in librosa's gufuncs when it targets the host CPU on these machines.
os.environ.setdefault("NUMBA_CPU_NAME", "generic")

import numpy as np
import librosa
import lameenc

assert librosa.__version__ == "0.11.0", librosa.__version__

SR = 22050
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tests", "reference")
rng = np.random.default_rng(20261125)


def tone(freqs, amps, duration, sr=SR):
    t = np.arange(int(duration * sr)) / sr
    return sum(a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f, a in zip(freqs, amps))


def signals():
    out = {}
    # An A-major triad tuned 20 cents sharp, with harmonics and white noise: exercises tuning.
    detune = 2 ** (0.2 / 12)
    roots = [220.0 * detune, 277.18 * detune, 329.63 * detune]
    freqs = [f * h for f in roots for h in (1, 2, 3)]
    amps = [0.25 / h for _ in roots for h in (1, 2, 3)]
    y = tone(freqs, amps, 2.0) + 0.02 * rng.standard_normal(int(2.0 * SR))
    out["chord_noise"] = ("A major triad +20 cents with harmonics and noise, 2 s", y)
    out["chirp"] = ("exponential chirp 55 Hz to 8 kHz, 1.5 s",
                    0.5 * librosa.chirp(fmin=55, fmax=8000, sr=SR, duration=1.5))
    clicks = librosa.clicks(times=[0.1, 0.35, 0.6, 0.85], sr=SR, length=SR)
    out["clicks"] = ("four clicks in 1 s", clicks + 1e-3 * rng.standard_normal(SR))
    out["silence"] = ("digital silence, 0.5 s", np.zeros(SR // 2))
    out["short"] = ("1000 samples (< n_fft): a 440 Hz tone and noise",
                    tone([440.0], [0.3], 1000 / SR) + 0.05 * rng.standard_normal(1000))
    return {k: (d, np.asarray(v, dtype=np.float32)) for k, (d, v) in out.items()}


def reference(y, sr):
    """The feature table of the project, as librosa computes it (see the README)."""
    S = np.abs(librosa.stft(y))
    fns = {
        "waveform": lambda: y,
        "fourier": lambda: np.abs(np.fft.rfft(y)),
        "spectrogram": lambda: librosa.amplitude_to_db(S, ref=np.max),
        "power_spectrogram": lambda: S ** 2,
        "mel": lambda: librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), ref=np.max),
        "mfcc": lambda: librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20),
        "chroma_stft": lambda: librosa.feature.chroma_stft(y=y, sr=sr),
        "chroma_cqt": lambda: librosa.feature.chroma_cqt(y=y, sr=sr),
        "chroma_cens": lambda: librosa.feature.chroma_cens(y=y, sr=sr),
        "tonnetz": lambda: librosa.feature.tonnetz(y=y, sr=sr),
        "spectral_centroid": lambda: librosa.feature.spectral_centroid(y=y, sr=sr),
        "spectral_bandwidth": lambda: librosa.feature.spectral_bandwidth(y=y, sr=sr),
        "spectral_rolloff": lambda: librosa.feature.spectral_rolloff(y=y, sr=sr),
        "spectral_contrast": lambda: librosa.feature.spectral_contrast(y=y, sr=sr),
        "zero_crossing_rate": lambda: librosa.feature.zero_crossing_rate(y),
        "rms": lambda: librosa.feature.rms(y=y),
    }
    out, refused = {}, {}
    for name, fn in fns.items():
        try:
            out[name] = np.asarray(fn(), dtype=np.float32)
        except Exception as e:  # librosa refuses some inputs (e.g. too short for a CQT)
            refused[name] = f"{type(e).__name__}: {e}"
    return out, refused


def save(path, a):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.ascontiguousarray(a, dtype=np.float32))


def write_features():
    manifest = {"librosa": librosa.__version__, "sr": SR, "signals": {}}
    for name, (desc, y) in signals().items():
        ref, refused = reference(y, SR)
        for feat, a in ref.items():
            save(os.path.join(ROOT, "features", name, feat + ".npy"), a)
        manifest["signals"][name] = {
            "description": desc,
            "samples": int(len(y)),
            "refused": refused,
            "tuning_chroma_stft": float(librosa.estimate_tuning(S=np.abs(librosa.stft(y)) ** 2, sr=SR, bins_per_octave=12)),
            "tuning_cqt": float(librosa.estimate_tuning(y=y, sr=SR, bins_per_octave=36)),
        }
        print(name, "refused:", refused or "none")
    with open(os.path.join(ROOT, "features", "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def music(duration, sr):
    """A few harmonics, a bass line, noise bursts and a high chirp: content up to Nyquist."""
    n = int(duration * sr)
    t = np.arange(n) / sr
    y = tone([196.0, 293.66, 392.0, 587.33, 880.0, 1760.0], [0.2, 0.15, 0.1, 0.05, 0.03, 0.02], duration, sr)
    y += 0.3 * np.sin(2 * np.pi * 55.0 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    bursts = (np.sin(2 * np.pi * 4 * t) > 0.9) * rng.standard_normal(n) * 0.1
    f_hi = 0.45 * sr
    y += bursts + 0.02 * librosa.chirp(fmin=2000, fmax=f_hi, sr=sr, duration=duration)[:n]
    return np.asarray(y, dtype=np.float32)


def write_resample():
    for orig, target in [(44100, 22050), (48000, 22050), (16000, 22050), (2, 1)]:
        sr_in = orig if orig > 2 else 22050
        y = music(1.0, sr_in)
        out = librosa.resample(y, orig_sr=orig, target_sr=target, res_type="soxr_hq")
        save(os.path.join(ROOT, "resample", f"{orig}_{target}_in.npy"), y)
        save(os.path.join(ROOT, "resample", f"{orig}_{target}_out.npy"), out)


def write_load():
    cases = [
        # name, sample rate, channels, bitrate (kbps), vbr quality or None, offset, duration
        ("stereo_44100_cbr", 44100, 2, 128, None, 0.5, 1.5),
        ("mono_48000_vbr", 48000, 1, None, 4, 0.0, None),
    ]
    for name, sr, ch, kbps, vbr, offset, duration in cases:
        y = music(2.5, sr)
        if ch == 2:
            y2 = music(2.5, sr)
            pcm = np.stack([y, 0.5 * y + 0.5 * y2], axis=1)
        else:
            pcm = y[:, None]
        enc = lameenc.Encoder()
        enc.set_in_sample_rate(sr)
        enc.set_channels(ch)
        if vbr is None:
            enc.set_bit_rate(kbps)
        else:
            enc.set_vbr_quality(vbr) if hasattr(enc, "set_vbr_quality") else enc.set_quality(vbr)
        enc.set_quality(2)
        data = enc.encode((np.clip(pcm, -1, 1) * 32767).astype(np.int16).tobytes()) + enc.flush()
        path = os.path.join(ROOT, "load", name + ".mp3")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(bytes(data))
        want, _ = librosa.load(path, sr=SR, offset=offset, duration=duration)
        save(os.path.join(ROOT, "load", name + ".npy"), want)
        native, native_sr = librosa.load(path, sr=None, mono=True)
        with open(os.path.join(ROOT, "load", name + ".json"), "w") as f:
            json.dump({"sr": SR, "offset": offset, "duration": duration, "native_sr": native_sr,
                       "native_frames": int(len(native)), "channels": ch}, f, indent=1)
        print(name, len(data), "bytes;", len(native), "native frames")


if __name__ == "__main__":
    write_features()
    write_resample()
    write_load()
    sys.exit(0)
