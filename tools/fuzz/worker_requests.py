#!/usr/bin/env python3
"""Seeds for the `worker_protocol` fuzz target: sequences of the requests the page posts to
its workers, as fuzz/fuzz_targets/worker_protocol.rs reads them (each request's JSON, then a
0x00 byte and its data when it has some; requests separated by NEXT), after a first byte that
says which of the worker's model loads failed (bit 0: the genre models', bit 1: MusiCNN's).

    tools/fuzz/worker_requests.py OUT_DIR FILE.wav
"""

import json
import math
import struct
import sys
from pathlib import Path


NEXT = b"\xffNEXT\xff"


def request(message, data=None):
    text = json.dumps(message, separators=(",", ":")).encode()
    return text if data is None else text + b"\x00" + data


def task(run, **task):
    return request({"kind": "task", "run": run, "task": task})


def signal(run, sr, seconds):
    n = int(sr * seconds)
    values = [0.5 * math.sin(2 * math.pi * 440 * i / sr) for i in range(n)]
    return request({"kind": "signal", "run": run, "sr": sr}, struct.pack(f"<{n}f", *values))


def tasks(run):
    return [
        task(run, task="features", features=["rms", "chroma_stft", "zero_crossing_rate"]),
        task(run, task="windows", first=0, end=1),
        task(run, task="patches", first=0, end=1),
    ]


def main():
    out, wav = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    seeds = {
        # What the page does: a file to one worker, then its tasks.
        "seed-analyse": [request({"kind": "analyse", "run": 1, "name": wav.name}, wav.read_bytes())]
        + tasks(1),
        # What the pool's other workers get: the signals, then tasks.
        "seed-signals": [signal(2, 22050, 0.02), signal(2, 16000, 0.02)] + tasks(2),
        # Windows to usize::MAX once reserved that much and panicked (fixed: the range is
        # checked first).
        "regression-windows-past-the-track": [
            signal(3, 22050, 0.02),
            task(3, task="windows", first=0, end=2**64 - 1),
        ],
    }
    for name, requests in seeds.items():
        (out / name).write_bytes(b"\x00" + NEXT.join(requests))
    # A site without a bundle, then one whose MusiCNN fetch failed too.
    for fails in (1, 3):
        (out / f"seed-analyse-failed-{fails}").write_bytes(
            bytes([fails]) + NEXT.join(seeds["seed-analyse"])
        )


if __name__ == "__main__":
    main()
