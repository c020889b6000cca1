"""Reads `genrescope tag DIR -o tags.parquet` and `-o tags.jsonl` as users do and checks them.

- pyarrow opens the table: columns path, model, seconds, patches (a list of 50 float32 per
  patch), mean (50 float32), and the schema's metadata names the model's 50 tags;
- every mean is numpy's mean of that file's patches (1e-6), every activation in [0, 1], and
  the patch count is what the file's length allows (one patch for a clip under 3 s);
- the JSON Lines file holds the same files and the same activations (1e-6);
- each file is in the table or in tags.failures.csv (pandas), never both.

usage: check_tags.py AUDIO_DIR TAGS.parquet TAGS.jsonl
Exits non-zero with the reasons when anything differs.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

audio, table_path, jsonl_path = (Path(p) for p in sys.argv[1:4])
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


table = pq.read_table(table_path)
check(table.column_names == ["path", "model", "seconds", "patches", "mean"],
      f"columns: {table.column_names}")
fifty = pa.list_(pa.field("item", pa.float32(), False), 50)
check(table.schema.field("patches").type == pa.list_(pa.field("item", fifty, False))
      and table.schema.field("mean").type == fifty,
      f"patches type: {table.schema.field('patches').type}")
tags = json.loads(table.schema.metadata[b"tags"])
check(len(tags) == 50 and tags[:2] == ["rock", "pop"], f"tags metadata: {tags[:3]}")
patch_seconds = float(table.schema.metadata[b"patch_seconds"])

rows = {}
for r in table.to_pylist():
    check(r["path"] not in rows, f"{r['path']} twice in the table")
    check(r["model"] == "msd", f"{r['path']}: model {r['model']}")
    patches = np.array(r["patches"], dtype=np.float32)
    mean = np.array(r["mean"], dtype=np.float32)
    check(patches.ndim == 2 and patches.shape[1] == 50, f"{r['path']}: patches {patches.shape}")
    check(np.all((patches >= 0) & (patches <= 1)), f"{r['path']}: activations outside [0, 1]")
    check(np.abs(patches.mean(axis=0) - mean).max() <= 1e-6, f"{r['path']}: mean is not the patches' mean")
    want = max(1, int(r["seconds"] / patch_seconds))
    check(len(patches) == want, f"{r['path']}: {len(patches)} patches for {r['seconds']:.2f} s")
    rows[r["path"]] = patches

lines = {}
for line in jsonl_path.read_text().splitlines():
    rec = json.loads(line)
    lines[rec["path"]] = np.array(rec["patches"], dtype=np.float32)
check(sorted(lines) == sorted(rows), "the JSON Lines file holds other files than the table")
for path, patches in rows.items():
    if path in lines:
        check(lines[path].shape == patches.shape and np.abs(lines[path] - patches).max() <= 1e-6,
              f"{path}: JSON Lines and Parquet differ")

failures = pd.read_csv(table_path.with_name(table_path.stem + ".failures.csv"))
check(list(failures.columns) == ["path", "reason"], f"failures columns: {list(failures.columns)}")
failed = set(failures["path"])
check(not failed & set(rows), f"in the table and failed: {failed & set(rows)}")
mp3s = {str(p) for p in audio.rglob("*.mp3")}
check(mp3s == failed | set(rows), f"neither tagged nor failed: {sorted(mp3s - failed - set(rows))[:5]}")
check(len(rows) > 0, "nothing tagged")

if problems:
    print("check_tags.py:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"check_tags.py: {len(rows)} files tagged, {len(failed)} listed as failures; "
      "pyarrow, numpy and pandas agree")
