"""Reads `genrescope embed DIR -o embeddings.parquet` as users do and checks it.

- pyarrow opens the table: columns path, model, seconds, patches (a list of 200 float32 per
  patch), mean and std (200 float32), tags_mean (50 float32);
- every mean and std is numpy's (`ddof=0`) of that file's patches (1e-5), and the patch count
  is what the file's length allows, as `tag` cuts them;
- tags_mean equals `genrescope tag`'s mean for the same file in TAGS.parquet (1e-6): one run of
  the network gives both;
- the files are those of the tags table, and the failures those of tags.failures.csv (pandas).

usage: check_embeddings.py EMBEDDINGS.parquet TAGS.parquet
Exits non-zero with the reasons when anything differs.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

table_path, tags_path = (Path(p) for p in sys.argv[1:3])
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


table = pq.read_table(table_path)
check(table.column_names == ["path", "model", "seconds", "patches", "mean", "std", "tags_mean"],
      f"columns: {table.column_names}")


def fixed(n):
    return pa.list_(pa.field("item", pa.float32(), False), n)


check(table.schema.field("patches").type == pa.list_(pa.field("item", fixed(200), False)),
      f"patches type: {table.schema.field('patches').type}")
for name, n in [("mean", 200), ("std", 200), ("tags_mean", 50)]:
    check(table.schema.field(name).type == fixed(n), f"{name} type: {table.schema.field(name).type}")
patch_seconds = float(table.schema.metadata[b"patch_seconds"])

tags = {r["path"]: np.array(r["mean"], dtype=np.float32) for r in pq.read_table(tags_path).to_pylist()}
rows = {}
for r in table.to_pylist():
    path = r["path"]
    check(path not in rows, f"{path} twice in the table")
    check(r["model"] == "msd", f"{path}: model {r['model']}")
    patches = np.array(r["patches"], dtype=np.float32)
    check(patches.ndim == 2 and patches.shape[1] == 200, f"{path}: patches {patches.shape}")
    want = max(1, int(r["seconds"] / patch_seconds))
    check(len(patches) == want, f"{path}: {len(patches)} patches for {r['seconds']:.2f} s")
    for name, value in [("mean", patches.mean(axis=0)), ("std", patches.std(axis=0, ddof=0))]:
        got = np.array(r[name], dtype=np.float32)
        check(np.abs(got - value).max() <= 1e-5, f"{path}: {name} is not numpy's {name} of the patches")
    if path in tags:
        check(np.abs(np.array(r["tags_mean"], dtype=np.float32) - tags[path]).max() <= 1e-6,
              f"{path}: tags_mean differs from `genrescope tag`'s mean")
    rows[path] = patches

check(sorted(rows) == sorted(tags), "the embeddings table holds other files than the tags table")
failures = pd.read_csv(table_path.with_name(table_path.stem + ".failures.csv"))
tag_failures = pd.read_csv(tags_path.with_name(tags_path.stem + ".failures.csv"))
check(sorted(failures["path"]) == sorted(tag_failures["path"]), "other failures than `tag`'s")
check(len(rows) > 0, "nothing embedded")

if problems:
    print("check_embeddings.py:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"check_embeddings.py: {len(rows)} files embedded, {len(failures)} listed as failures; "
      "pyarrow, numpy and pandas agree")
