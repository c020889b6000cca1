#!/usr/bin/env python3
"""Time librosa 0.11 computing the project's whole feature table on one signal, warm, one thread.

usage: librosa_features.py SIGNAL.npy [--repeat 7] [--json OUT]
SIGNAL.npy: float32 mono at 22,050 Hz (tools/bench/features.sh writes the 14 s bench signal).
librosa's first call compiles with numba, so one untimed run comes first; the median of
--repeat runs is reported.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"
# numba 0.68 segfaults in librosa's gufuncs when it targets the host CPU on these machines.
os.environ.setdefault("NUMBA_CPU_NAME", "generic")

import argparse
import json
import statistics
import time

import numpy as np
import librosa


def all_features(y, sr):
    S = np.abs(librosa.stft(y))
    return [
        y,
        np.abs(np.fft.rfft(y)),
        librosa.amplitude_to_db(S, ref=np.max),
        S ** 2,
        librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), ref=np.max),
        librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20),
        librosa.feature.chroma_stft(y=y, sr=sr),
        librosa.feature.chroma_cqt(y=y, sr=sr),
        librosa.feature.chroma_cens(y=y, sr=sr),
        librosa.feature.tonnetz(y=y, sr=sr),
        librosa.feature.spectral_centroid(y=y, sr=sr),
        librosa.feature.spectral_bandwidth(y=y, sr=sr),
        librosa.feature.spectral_rolloff(y=y, sr=sr),
        librosa.feature.spectral_contrast(y=y, sr=sr),
        librosa.feature.zero_crossing_rate(y),
        librosa.feature.rms(y=y),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("signal")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json")
    a = ap.parse_args()
    y = np.load(a.signal).astype(np.float32)
    all_features(y, 22050)  # warm-up: numba compilation
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        all_features(y, 22050)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"librosa {librosa.__version__}: all features of {len(y) / 22050:.1f} s: median {med * 1e3:.1f} ms "
          f"(min {min(times) * 1e3:.1f} ms, {a.repeat} runs)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"median_s": med, "min_s": min(times), "runs": times}, f)


if __name__ == "__main__":
    main()
