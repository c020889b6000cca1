"""Reads stages 2-3's outputs as users do and checks them independently.

- every .npy of the features folder opens with numpy.load(mmap_mode='r') with the shape and
  dtype manifest.json documents (float32 features, int64 labels and track ids);
- the models folder's metrics.json agrees with scikit-learn recomputing every figure
  (accuracy, macro-F1, per-genre precision/recall/F1/support, confusion matrix) from
  test_predictions.csv, for every model and the ensemble;
- the bundle's manifest.json names a .bpk per model and the same classes.

usage: check_stage3.py FEATURES_DIR MODELS_DIR
Exits non-zero with the reasons when anything differs.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)

features, models = (Path(p) for p in sys.argv[1:3])
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


manifest = json.loads((features / "manifest.json").read_text())
rows = manifest["rows"]
for f in manifest["features"]:
    a = np.load(features / f["file"], mmap_mode="r")
    check(a.dtype == np.float32, f"{f['file']}: dtype {a.dtype}")
    check(list(a.shape) == f["shape"], f"{f['file']}: shape {a.shape}, manifest {f['shape']}")
    check(a.shape[0] == rows, f"{f['file']}: {a.shape[0]} rows, manifest {rows}")
    check(bool(np.isfinite(a[: min(rows, 4)]).all()), f"{f['file']}: non-finite values")
for name in (manifest["labels"], manifest["track_ids"]):
    a = np.load(features / name, mmap_mode="r")
    check(a.dtype == np.int64 and a.shape == (rows,), f"{name}: {a.dtype} {a.shape}")

classes = json.loads((features / "classes.json").read_text())
labels = np.load(features / manifest["labels"])
track_ids = np.load(features / manifest["track_ids"])
label_of = dict(zip(track_ids.tolist(), labels.tolist()))

metrics = json.loads((models / "metrics.json").read_text())
bundle = json.loads((models / "manifest.json").read_text())
check(bundle["classes"] == classes, "bundle classes differ from the features' classes")
for m in bundle["models"]:
    check((models / m["weights"]).is_file(), f"missing {m['weights']}")
check(metrics["models"] == [m["feature"] for m in bundle["models"]], "metrics.json and manifest.json list different models")

pred = pd.read_csv(models / "test_predictions.csv")
k = len(classes)
for name in metrics["models"] + ["ensemble"]:
    p = pred[pred["model"] == name]
    check(len(p) == metrics["split"]["test"], f"{name}: {len(p)} test predictions")
    y = p["label"].to_numpy()
    check(all(label_of[t] == l for t, l in zip(p["track_id"], y)), f"{name}: labels differ from labels.npy")
    yhat = p["predicted"].to_numpy()
    m = metrics[name]
    close = lambda a, b: abs(a - b) < 1e-9
    check(close(m["test_accuracy"], accuracy_score(y, yhat)), f"{name}: accuracy {m['test_accuracy']} vs {accuracy_score(y, yhat)}")
    check(close(m["macro_f1"], f1_score(y, yhat, average="macro", zero_division=0)),
          f"{name}: macro-F1 {m['macro_f1']} vs {f1_score(y, yhat, average='macro', zero_division=0)}")
    check(m["confusion"] == confusion_matrix(y, yhat, labels=range(k)).tolist(), f"{name}: confusion differs")
    prec, rec, f1, sup = precision_recall_fscore_support(y, yhat, labels=range(k), zero_division=0)
    for i, c in enumerate(classes):
        g = m["per_genre"][c]
        check(close(g["precision"], prec[i]) and close(g["recall"], rec[i]) and close(g["f1"], f1[i])
              and g["support"] == sup[i], f"{name}/{c}: {g} vs {prec[i]}, {rec[i]}, {f1[i]}, {sup[i]}")

if problems:
    print("check_stage3: " + str(len(problems)) + " problem(s):")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print(f"check_stage3: {len(manifest['features'])} feature files and {len(metrics['models'])} models + ensemble agree with numpy and scikit-learn")
