"""Checks that the shards of a sharded run, put together, are the single-machine run.

    python compare.py features LOCAL SHARDED N   # extract's outputs: every feature row per track_id
    python compare.py signals LOCAL SHARDED N    # transform's Parquet batches, row per track_id
    python compare.py tags LOCAL.parquet SHARDED.parquet N   # tags.parquet vs SHARDED's
                                                 # <name>.shard-0000I-of-0000N.parquet

LOCAL is the unsharded output, SHARDED the folder holding shard-0000I-of-0000N/ for I < N. Equal
means bit for bit (the CLI promises the shards are the whole run's, track for track). Exits 1
with one line naming the first difference. Needs numpy and pyarrow (scripts/python.sh's venv).
"""

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


class Mismatch(Exception):
    pass


def shard_dirs(root: Path, n: int) -> list[Path]:
    dirs = [root / f"shard-{i:05d}-of-{n:05d}" for i in range(n)]
    missing = [d.name for d in dirs if not d.is_dir()]
    if missing:
        raise Mismatch(f"{root}: no {', '.join(missing)}")
    extra = sorted(
        p.name for p in root.glob("shard-*") if p.is_dir() and p not in set(dirs)
    )
    if extra:
        raise Mismatch(f"{root}: unexpected {', '.join(extra)}")
    return dirs


def index_of(ids: np.ndarray, where: str) -> dict[int, int]:
    index = {int(t): i for i, t in enumerate(ids)}
    if len(index) != len(ids):
        raise Mismatch(f"{where}: a track_id appears twice")
    return index


def features(local: Path, sharded: Path, n: int) -> str:
    manifest = json.loads((local / "manifest.json").read_text())
    names = [f["name"] for f in manifest["features"]]
    local_ids = np.load(local / "track_ids.npy")
    local_index = index_of(local_ids, str(local))
    local_labels = np.load(local / "labels.npy")
    seen: dict[int, str] = {}
    parts = []
    for d in shard_dirs(sharded, n):
        m = json.loads((d / "manifest.json").read_text())
        if m.get("shard") != f"{int(d.name[6:11])}/{n}":
            raise Mismatch(f"{d}: manifest says shard {m.get('shard')!r}")
        for key in ("feature_config", "classes", "signal_samples"):
            if m[key] != manifest[key]:
                raise Mismatch(f"{d}: manifest {key} differs from the local run's")
        if [f["name"] for f in m["features"]] != names:
            raise Mismatch(f"{d}: other features than the local run's")
        ids = np.load(d / "track_ids.npy")
        if len(ids) != m["rows"]:
            raise Mismatch(f"{d}: {len(ids)} track ids, manifest says {m['rows']} rows")
        for t in ids:
            t = int(t)
            if t in seen:
                raise Mismatch(f"track {t} is in {seen[t]} and in {d.name}")
            if t not in local_index:
                raise Mismatch(f"{d}: track {t} is not in the local run")
            seen[t] = d.name
        parts.append((d, ids))
    if len(seen) != len(local_ids):
        lost = sorted(set(local_index) - set(seen))[:5]
        raise Mismatch(f"the shards hold {len(seen)} tracks, the local run {len(local_ids)} (missing e.g. {lost})")
    for d, ids in parts:
        rows = [local_index[int(t)] for t in ids]
        labels = np.load(d / "labels.npy")
        if not np.array_equal(labels, local_labels[rows]):
            raise Mismatch(f"{d}: labels differ from the local run's")
    for name in names:
        ref = np.load(local / f"{name}.npy", mmap_mode="r")
        for d, ids in parts:
            got = np.load(d / f"{name}.npy", mmap_mode="r")
            rows = [local_index[int(t)] for t in ids]
            want = ref[rows]
            if got.dtype != want.dtype or got.shape != want.shape:
                raise Mismatch(f"{d}/{name}.npy: {got.dtype}{got.shape}, local {want.dtype}{want.shape}")
            # Bit for bit (NaN == NaN): compare the raw bytes.
            if not np.array_equal(np.ascontiguousarray(got).view(np.uint8),
                                  np.ascontiguousarray(want).view(np.uint8)):
                bad = [int(t) for i, t in enumerate(ids)
                       if not np.array_equal(np.asarray(got[i]).view(np.uint8),
                                             np.asarray(want[i]).view(np.uint8))]
                raise Mismatch(f"{d}/{name}.npy: rows of tracks {bad[:5]} differ from the local run's")
    return f"{len(seen)} tracks × {len(names)} features in {n} shards equal the local run bit for bit"


def read_signals(folder: Path) -> tuple[dict[int, dict], dict[int, np.ndarray]]:
    """Every row's scalar columns, and its samples as raw float32 bits, by track_id."""
    rows: dict[int, dict] = {}
    samples: dict[int, np.ndarray] = {}
    for b in sorted(folder.glob("batch-*.parquet")):
        table = pq.read_table(b)
        column = table.column("samples").combine_chunks()
        flat = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        offsets = column.offsets.to_numpy()
        offsets = offsets - offsets[0]  # flatten() starts at the first row's values
        scalars = table.drop_columns(["samples"]).to_pylist()
        for i, row in enumerate(scalars):
            t = int(row["track_id"])
            if t in rows:
                raise Mismatch(f"{folder}: track {t} in two batches")
            rows[t] = row
            samples[t] = flat[offsets[i]:offsets[i + 1]].view(np.uint32)
    return rows, samples


def signals(local: Path, sharded: Path, n: int) -> str:
    ref, ref_samples = read_signals(local)
    got: dict[int, dict] = {}
    got_samples: dict[int, np.ndarray] = {}
    for d in shard_dirs(sharded, n):
        rows, samples = read_signals(d)
        for t in rows:
            if t in got:
                raise Mismatch(f"track {t} is in two shards")
        got.update(rows)
        got_samples.update(samples)
    if set(got) != set(ref):
        missing = sorted(set(ref) - set(got))[:5]
        extra = sorted(set(got) - set(ref))[:5]
        raise Mismatch(f"shards hold {len(got)} tracks, local {len(ref)} (missing {missing}, extra {extra})")
    for t, want in ref.items():
        if got[t] != want:
            raise Mismatch(f"track {t}: {got[t]!r}, local {want!r}")
        if not np.array_equal(got_samples[t], ref_samples[t]):
            raise Mismatch(f"track {t}: samples differ from the local run's")
    return f"{len(ref)} tracks' signals in {n} shards equal the local run bit for bit"


def tags(local: Path, sharded: Path, n: int) -> str:
    ref = {r["path"]: r for r in pq.read_table(local).to_pylist()}
    got: dict[str, dict] = {}
    for i in range(n):
        part = sharded.with_name(f"{sharded.stem}.shard-{i:05d}-of-{n:05d}{sharded.suffix}")
        if not part.exists():
            raise Mismatch(f"no {part}")
        for r in pq.read_table(part).to_pylist():
            if r["path"] in got:
                raise Mismatch(f"{r['path']} tagged in two shards")
            got[r["path"]] = r
    if set(got) != set(ref):
        raise Mismatch(f"shards tagged {len(got)} files, local {len(ref)}: "
                       f"{sorted(set(ref) ^ set(got))[:3]}")
    for path, want in ref.items():
        have = got[path]
        for key in want:
            a, b = have[key], want[key]
            if key in ("patches", "mean"):
                a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
                if a.shape != b.shape or not np.array_equal(a.view(np.uint32), b.view(np.uint32)):
                    raise Mismatch(f"{path}: {key} differs from the local run's "
                                   f"(max |Δ| {np.abs(a - b).max() if a.shape == b.shape else 'shape'})")
            elif a != b:
                raise Mismatch(f"{path}: {key} {a!r}, local {b!r}")
    return f"{len(ref)} files' tags in {n} shards equal the local run bit for bit"


def main() -> int:
    try:
        kind = sys.argv[1]
        if kind == "features":
            print(features(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
        elif kind == "signals":
            print(signals(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
        elif kind == "tags":
            print(tags(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
        else:
            raise IndexError
    except IndexError:
        print(__doc__, file=sys.stderr)
        return 2
    except Mismatch as e:
        print(f"mismatch: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
