"""The two halves of `librosa.load(path, sr=22050, duration=14)`, timed apart and together:
libsndfile's decode (soundfile.read of the first 14 s, averaged to mono, as librosa does) and
soxr_hq's resampling (librosa.resample), warm, one thread. Prints one JSON line of medians.

usage: librosa_load_halves.py FILE [seconds]
"""

import json
import sys
import time

import librosa
import numpy as np
import soundfile as sf


def median_ms(f, min_runs=15, min_s=1.5):
    f()
    times, start = [], time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_s:
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def main():
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 14.0
    native = sf.info(path).samplerate

    def decode():
        with sf.SoundFile(path) as f:
            y = f.read(frames=int(seconds * native), dtype="float32", always_2d=True)
        return librosa.to_mono(y.T)

    y = decode()
    print(json.dumps({
        "decode_ms": median_ms(decode),
        "resample_ms": median_ms(lambda: librosa.resample(y, orig_sr=native, target_sr=22050)),
        "load_ms": median_ms(lambda: librosa.load(path, sr=22050, duration=seconds)),
        "sample_rate": native,
    }))


if __name__ == "__main__":
    main()
