"""The Python peer of `genrescope transform`: librosa.load(path, sr, offset, duration) on
every file, in N processes. Prints a JSON line with the time and tracks/s.

usage: librosa_load.py --jobs N [--repeat 3] [--sr 22050] [--offset 0] [--duration 14] FILE...
Imports and one warm-up load happen before the clock starts; failures are counted.
"""

import argparse
import json
import multiprocessing as mp
import time
import warnings

import librosa

warnings.filterwarnings("ignore")
ARGS = None


def load(path):
    try:
        y, _ = librosa.load(path, sr=ARGS.sr, offset=ARGS.offset, duration=ARGS.duration)
        return len(y)
    except Exception:
        return -1


def init(args):
    global ARGS
    ARGS = args
    load(args.files[0])  # warm: codecs and resampler set up, as in a long run


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--sr", type=int, default=22050)
    p.add_argument("--offset", type=float, default=0.0)
    p.add_argument("--duration", type=float, default=14.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    with mp.Pool(args.jobs, initializer=init, initargs=(args,)) as pool:
        pool.map(time.sleep, [0.2] * args.jobs)  # every worker is up and warm
        seconds = float("inf")
        for _ in range(args.repeat):  # the best of the runs, as for genrescope
            start = time.perf_counter()
            lengths = pool.map(load, args.files, chunksize=4)
            seconds = min(seconds, time.perf_counter() - start)
    ok = sum(1 for n in lengths if n > 0)
    print(json.dumps({"jobs": args.jobs, "files": len(args.files), "ok": ok,
                      "seconds": seconds, "tracks_per_s": len(args.files) / seconds}))


if __name__ == "__main__":
    main()
