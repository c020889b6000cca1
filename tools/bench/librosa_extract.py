"""The Python peer of `genrescope extract`: librosa 0.11 computing the same feature table
(tools/bench/librosa_features.py) for the signals of a `genrescope transform` folder, in N
processes. Prints a JSON line with the time and tracks/s (features computed, not written).

usage: librosa_extract.py SIGNALS_DIR --jobs N [--tracks K]
"""

import argparse
import glob
import json
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from librosa_features import all_features  # noqa: E402  (sets one thread per process)

import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


def work(y):
    all_features(np.asarray(y, dtype=np.float32), 22050)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("signals")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--tracks", type=int, default=24)
    a = ap.parse_args()
    ys = []
    for path in sorted(glob.glob(os.path.join(a.signals, "batch-*.parquet"))):
        ys += [np.asarray(s, dtype=np.float32) for s in pq.read_table(path, columns=["samples"])["samples"].to_pylist()]
        if len(ys) >= a.tracks:
            break
    ys = ys[: a.tracks]
    with mp.Pool(a.jobs) as pool:
        pool.map(work, ys[: a.jobs])  # warm: numba compiled in every worker
        start = time.perf_counter()
        pool.map(work, ys, chunksize=1)
        seconds = time.perf_counter() - start
    print(json.dumps({"jobs": a.jobs, "tracks": len(ys), "seconds": seconds, "tracks_per_s": len(ys) / seconds}))


if __name__ == "__main__":
    main()
