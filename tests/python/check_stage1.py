"""Reads stages 0-1's outputs as users do (pandas, pyarrow) and checks them against an
independent parse of the FMA metadata by pandas, as FMA's own utils.py loads tracks.csv.

usage: check_stage1.py FMA_METADATA_DIR GENERALISED_DIR SIGNALS_DIR SIGNAL_SECONDS SR
Exits non-zero with the reasons when anything differs.
"""

import ast
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

meta, generalised, signals = (Path(p) for p in sys.argv[1:4])
seconds, sr = float(sys.argv[4]), int(sys.argv[5])
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


# FMA's utils.load('tracks.csv'): a two-level header, the track_id row as index name.
fma = pd.read_csv(meta / "tracks.csv", index_col=0, header=[0, 1])
for column in [("track", "genres"), ("track", "genres_all")]:
    fma[column] = fma[column].map(ast.literal_eval)

table = pd.read_parquet(generalised / "tracks.parquet")
expected_dtypes = {
    "track_id": "int64", "genre": "object", "label": "int64", "generalised": "bool",
    "subset": "object", "split": "object", "duration": "float64", "path": "object",
}
check(list(table.columns) == list(expected_dtypes), f"columns {list(table.columns)}")
for name, dtype in expected_dtypes.items():
    check(str(table[name].dtype) == dtype, f"{name} is {table[name].dtype}, not {dtype}")
csv = pd.read_csv(generalised / "tracks.csv", keep_default_na=False, na_values={"duration": [""]})
check(csv.shape == table.shape, f"tracks.csv {csv.shape} vs tracks.parquet {table.shape}")
for name in table.columns:
    check((csv[name].astype(table[name].dtype).values == table[name].values).all()
          or name == "duration" and np.allclose(csv[name], table[name], equal_nan=True),
          f"tracks.csv and tracks.parquet differ in {name}")

classes = json.loads((generalised / "classes.json").read_text())
check(classes == sorted(classes), "classes.json is not sorted")
check((table["genre"].map(classes.index) == table["label"]).all(), "label is not the class index")

# Against pandas' own parse of tracks.csv.
for row in table.itertuples():
    src = fma.loc[row.track_id]
    top = src[("track", "genre_top")]
    if isinstance(top, str) and top:
        check(row.genre == top and not row.generalised, f"track {row.track_id}: genre_top {top}, got {row.genre}")
    else:
        check(row.generalised, f"track {row.track_id} has no genre_top but generalised is false")
    check(row.subset == src[("set", "subset")], f"track {row.track_id}: subset")
    check(row.split == src[("set", "split")], f"track {row.track_id}: split")
    check(row.duration == src[("track", "duration")], f"track {row.track_id}: duration")
    check(row.path == f"{row.track_id // 1000:03d}/{row.track_id:06d}.mp3", f"track {row.track_id}: path")
dropped = set(fma.index) - set(table["track_id"])
for tid in dropped:
    check(not fma.loc[tid, ("track", "genres_all")], f"track {tid} was dropped but has genres")

# The signals, with pyarrow's schema and pandas' frames.
batches = sorted(signals.glob("batch-*.parquet"))
check(len(batches) > 0, "no batch files")
want_schema = {
    "track_id": pa.int64(), "genre": pa.string(), "label": pa.int64(), "sample_rate": pa.int32(),
    "samples": pa.list_(pa.field("item", pa.float32(), nullable=False)), "padded": pa.bool_(),
}
frames = []
for path in batches:
    schema = pq.read_schema(path)
    for name, typ in want_schema.items():
        check(name in schema.names and schema.field(name).type.equals(typ),
              f"{path.name}: {name} is {schema.field(name).type if name in schema.names else 'missing'}")
    frames.append(pd.read_parquet(path))
rows = pd.concat(frames, ignore_index=True)
n = int(round(seconds * sr))
for row in rows.itertuples():
    check(isinstance(row.samples, np.ndarray) and row.samples.dtype == np.float32 and row.samples.shape == (n,),
          f"track {row.track_id}: samples {type(row.samples)} {getattr(row.samples, 'shape', None)}")
    check(np.isfinite(row.samples).all() and np.abs(row.samples).max() > 0.01, f"track {row.track_id}: silent or not finite")
    t = table[table.track_id == row.track_id].iloc[0]
    check((row.genre, row.label) == (t.genre, t.label), f"track {row.track_id}: genre/label differ from the table")
    check(row.sample_rate == sr, f"track {row.track_id}: sample_rate {row.sample_rate}")

failures = pd.read_csv(signals / "failures.csv")
check(list(failures.columns) == ["track_id", "path", "reason"], f"failures.csv columns {list(failures.columns)}")
small = set(table[table.subset == "small"].track_id)
check(set(rows.track_id) | set(failures.track_id) == small, "signals + failures are not the small subset")
check(not set(rows.track_id) & set(failures.track_id), "a track is both written and failed")

if problems:
    print("check_stage1: FAILED", *problems[:40], sep="\n  ")
    sys.exit(1)
print(f"check_stage1: ok: {len(table)} tracks in the table, {len(rows)} signals in {len(batches)} "
      f"batches, {len(failures)} failures, read by pandas {pd.__version__} and pyarrow {pa.__version__}")
