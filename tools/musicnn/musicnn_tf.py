"""MusiCNN's TensorFlow original, for converting its weights and for parity references.

Run it with tools/musicnn/run.sh, which makes a venv with tensorflow-cpu, tf_keras, librosa and
musicnn 0.1.0 (installed without its stale numpy<1.17 pin).

    run.sh export DIR            every checkpoint variable of both models, one .npy per variable
                                 (`model/conv2d/kernel` -> `model__conv2d__kernel.npy`), for
                                 `cargo run --example musicnn_import`
    run.sh references DIR        synthesised test signals, their float32 log-mel and both
                                 models' activations and penultimate layer (`bn_dense`) per
                                 patch (the files CI compares against)
    run.sh tag FILE...           the original's tags of real recordings (JSON on stdout)
    run.sh bench FILE            seconds to tag FILE with the original (librosa.load, log-mel,
                                 the MSD graph), best of 5 after a warm-up; the model is loaded
                                 once, outside the timing (tools/bench/tag.sh)
    run.sh bench-batch OUT.jsonl FILE...
                                 tags every FILE with the MSD graph loaded once (librosa.load,
                                 log-mel, network, one file after another, as a researcher's
                                 loop over a dataset would), a file that fails skipped; prints
                                 the seconds and files/s, writes each file's patches to OUT
                                 (tools/bench/tag_batch.sh)
    run.sh compare GENRESCOPE FILE...
                                 max |Rust - TensorFlow| per file and model, from `genrescope
                                 tag --json`, for checking real recordings by hand

The graph is the package's own (`musicnn.models.define_model`), restored with its own Saver
from the checkpoints inside the package. Two things differ from `musicnn.extractor`, both on
purpose: a failed restore raises (the extractor hides it in a bare `except` and tags with random
weights), and the log-mel is computed in float32 (the extractor casts the mel power to float16
before multiplying by 10000, which overflows to inf on loud bins).
"""
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()

import musicnn  # noqa: E402
from musicnn import configuration as config  # noqa: E402
from musicnn import models  # noqa: E402

MODELS = {"msd": "MSD_musicnn", "mtt": "MTT_musicnn"}
N_FRAMES = 187


def checkpoint(name):
    """The package's checkpoint prefix: its files are named `.data-…`, `.index`, `.meta`."""
    return os.path.join(os.path.dirname(musicnn.__file__), name) + "/"


def model_variables(name):
    """The trained variables (no optimiser slots) of a checkpoint, by name."""
    reader = tf.compat.v1.train.NewCheckpointReader(checkpoint(name))
    out = {}
    for var in sorted(reader.get_variable_to_shape_map()):
        if "Adam" in var or "beta1_power" in var or "beta2_power" in var:
            continue
        out[var] = reader.get_tensor(var)
    return out


class Original:
    """The package's graph with its checkpoint restored; `run` maps patches to activations."""

    def __init__(self, name):
        self.graph = tf.Graph()
        with self.graph.as_default():
            with tf.name_scope("model"):
                self.x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, config.N_MELS])
                self.is_training = tf.compat.v1.placeholder(tf.bool)
                outputs = models.define_model(self.x, self.is_training, name, 50)
                self.y = tf.nn.sigmoid(outputs[0])
                # `bn_dense`: the 200-unit dense layer after its batch norm, the last value
                # `define_model` returns (what `genrescope embed` calls the penultimate layer).
                self.penultimate = outputs[-1]
            self.sess = tf.compat.v1.Session(graph=self.graph)
            tf.compat.v1.train.Saver().restore(self.sess, checkpoint(name))
            # The restore must have reached every variable the graph uses.
            stored = model_variables(name)
            for var in tf.compat.v1.global_variables():
                key = var.name.split(":")[0]
                if key not in stored:
                    raise SystemExit(f"{name}: graph variable {key} is not in the checkpoint")
                if not np.array_equal(self.sess.run(var), stored[key]):
                    raise SystemExit(f"{name}: {key} was not restored")

    def run(self, patches):
        return self.sess.run(self.y, feed_dict={self.x: patches, self.is_training: False})

    def embed(self, patches):
        """The penultimate layer's 200 values per patch."""
        return self.sess.run(self.penultimate,
                             feed_dict={self.x: patches, self.is_training: False})


def log_mel(y):
    """`(frames, 96)` float32: log10(10000 * melspectrogram + 1), computed in float32."""
    mel = librosa.feature.melspectrogram(
        y=y, sr=config.SR, hop_length=config.FFT_HOP, n_fft=config.FFT_SIZE, n_mels=config.N_MELS
    ).T.astype(np.float32)
    return np.log10(np.float32(10000) * mel + np.float32(1)).astype(np.float32)


def patches(rep):
    """Consecutive non-overlapping 187-frame patches from frame 0 (the extractor's default cut);
    a clip shorter than one patch gets one zero-padded patch."""
    if rep.shape[0] < N_FRAMES:
        out = np.zeros((1, N_FRAMES, rep.shape[1]), np.float32)
        out[0, : rep.shape[0]] = rep
        return out
    n = rep.shape[0] // N_FRAMES
    return np.stack([rep[i * N_FRAMES : (i + 1) * N_FRAMES] for i in range(n)])


def synthesised(sr=config.SR):
    """Test signals at `sr` as int16 (so Rust reads exactly the same samples)."""
    rng = np.random.default_rng(7)

    def t(seconds):
        return np.arange(int(seconds * sr)) / sr

    # 7 s of loud chords (two full patches and a dropped tail) over a kick and hi-hats: loud
    # enough that the original's float16 cast would overflow.
    tt = t(7.0)
    chords = [(220.0, 277.18, 329.63), (196.0, 246.94, 293.66), (174.61, 220.0, 261.63)]
    y = np.zeros_like(tt)
    for i, start in enumerate(np.arange(0, 7.0, 0.5)):
        seg = (tt >= start) & (tt < start + 0.5)
        env = np.exp(-3.0 * (tt[seg] - start))
        for f in chords[i % 3]:
            for h in range(1, 6):
                y[seg] += 0.08 / h * env * np.sin(2 * np.pi * f * h * tt[seg])
    for start in np.arange(0, 7.0, 0.25):
        seg = (tt >= start) & (tt < start + 0.2)
        d = tt[seg] - start
        y[seg] += 0.5 * np.exp(-25 * d) * np.sin(2 * np.pi * (50 + 100 * np.exp(-30 * d)) * d)
        hat = (tt >= start + 0.125) & (tt < start + 0.175)
        y[hat] += 0.15 * rng.standard_normal(hat.sum()) * np.exp(-60 * (tt[hat] - start - 0.125))
    loud = y / np.abs(y).max() * 0.95

    # 4 s, quiet: a chirp from 60 Hz to 7 kHz over noise (one patch).
    tt = t(4.0)
    phase = 2 * np.pi * 60 * 4.0 / np.log(7000 / 60) * (np.exp(tt / 4.0 * np.log(7000 / 60)) - 1)
    sweep = 0.05 * np.sin(phase) + 0.01 * rng.standard_normal(tt.size)

    # 1.2 s: shorter than a patch (the original cannot tag it; one padded patch here).
    tt = t(1.2)
    short = 0.4 * np.exp(-2 * tt) * np.sign(np.sin(2 * np.pi * 110 * tt))

    def pcm(x):
        return np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)

    return {"loud_chords": pcm(loud), "quiet_sweep": pcm(sweep), "short_tone": pcm(short)}


def cmd_export(out):
    os.makedirs(out, exist_ok=True)
    for short, name in MODELS.items():
        d = os.path.join(out, short)
        os.makedirs(d, exist_ok=True)
        variables = model_variables(name)
        for var, value in variables.items():
            np.save(os.path.join(d, var.replace("/", "__") + ".npy"), value.astype(np.float32))
        print(f"{name}: {len(variables)} variables, "
              f"{sum(v.size for v in variables.values())} values -> {d}")


def cmd_references(out):
    os.makedirs(out, exist_ok=True)
    originals = {short: Original(name) for short, name in MODELS.items()}
    for sig, pcm in synthesised().items():
        y = pcm.astype(np.float32) / np.float32(32768)
        rep = log_mel(y)
        np.save(os.path.join(out, f"{sig}.pcm.npy"), pcm)
        np.save(os.path.join(out, f"{sig}.logmel.npy"), rep)
        for short, original in originals.items():
            act = original.run(patches(rep)).astype(np.float32)
            np.save(os.path.join(out, f"{sig}.{short}.npy"), act)
            emb = original.embed(patches(rep)).astype(np.float32)
            np.save(os.path.join(out, f"{sig}.{short}.penultimate.npy"), emb)
            print(f"{sig}: {len(pcm) / config.SR:.2f} s, {rep.shape[0]} frames, "
                  f"{short} {act.shape}, max activation {act.max():.3f}, "
                  f"penultimate {emb.shape}")

    # The whole path from a real MP3: the loud chords at 44.1 kHz in stereo (the right channel
    # a little quieter), encoded by LAME (ffmpeg), tagged from librosa.load(mp3, sr=16000).
    left = synthesised(44100)["loud_chords"]
    stereo = np.stack([left, (left.astype(np.int32) * 3 // 4).astype(np.int16)], axis=1)
    mp3 = os.path.join(out, "chords_44100_stereo.mp3")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", "44100", "-ac", "2", "-i", "-",
         "-c:a", "libmp3lame", "-b:a", "128k", mp3],
        input=stereo.tobytes(), check=True)
    tags = original_tags(mp3, originals)
    for short in MODELS:
        act = np.array(tags[short]["patches"], np.float32)
        np.save(os.path.join(out, f"chords_44100_stereo.{short}.npy"), act)
        print(f"{os.path.basename(mp3)}: {short} {act.shape}")


def original_tags(path, originals):
    y, _ = librosa.load(path, sr=config.SR)
    rep = log_mel(y)
    out = {}
    for short, original in originals.items():
        act = original.run(patches(rep)).astype(np.float32)
        out[short] = {"patches": act.tolist(), "mean": act.mean(axis=0).tolist()}
    return out


def cmd_tag(files):
    originals = {short: Original(name) for short, name in MODELS.items()}
    labels = {"msd": config.MSD_LABELS, "mtt": config.MTT_LABELS}
    for path in files:
        result = original_tags(path, originals)
        for short, r in result.items():
            top = np.argsort(r["mean"])[::-1][:5]
            r["top"] = [[labels[short][i], round(r["mean"][i], 3)] for i in top]
        print(json.dumps({"file": path, **{k: {"top": v["top"]} for k, v in result.items()}}))


def cmd_bench(path):
    import time

    original = Original(MODELS["msd"])

    def once():
        y, _ = librosa.load(path, sr=config.SR)
        act = original.run(patches(log_mel(y)))
        return len(y) / config.SR, act.shape[0]

    once()
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        seconds, n = once()
        best = min(best, time.perf_counter() - t)
    print(f"audio {seconds:.2f} s, {n} patches, seconds {best:.3f}")


def cmd_bench_batch(out, files):
    import time

    t = time.perf_counter()
    original = Original(MODELS["msd"])
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    tagged, failed = 0, 0
    with open(out, "w") as f:
        for path in files:
            try:
                y, _ = librosa.load(path, sr=config.SR)
                act = original.run(patches(log_mel(y)))
            except Exception as e:  # a broken file costs that file, as in genrescope tag
                print(f"{path}: {e}", file=sys.stderr)
                failed += 1
                continue
            tagged += 1
            f.write(json.dumps({"path": path, "patches": act.astype(np.float32).tolist()}) + "\n")
    seconds = time.perf_counter() - t
    print(f"{tagged} files tagged, {failed} failed; model loaded in {loaded:.2f} s; "
          f"seconds {seconds:.2f}, {tagged / seconds:.2f} files/s")


def cmd_compare(genrescope, files):
    originals = {short: Original(name) for short, name in MODELS.items()}
    worst = 0.0
    for path in files:
        ref = original_tags(path, originals)
        for short in MODELS:
            got = json.loads(subprocess.run(
                [genrescope, "tag", path, "--model", short, "--json"],
                check=True, capture_output=True, text=True).stdout)
            a, b = np.array(got["patches"]), np.array(ref[short]["patches"])
            if a.shape != b.shape:
                print(f"{path} {short}: {a.shape} patches here, {b.shape} in TensorFlow")
                worst = np.inf
                continue
            diff = float(np.abs(a - b).max())
            worst = max(worst, diff)
            print(f"{os.path.basename(path)} {short}: {a.shape[0]} patches, "
                  f"max |Rust - TensorFlow| = {diff:.2e}")
    print(f"worst: {worst:.2e} (tolerance 1e-3)")
    sys.exit(0 if worst <= 1e-3 else 1)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"export": lambda: cmd_export(args[0]),
     "references": lambda: cmd_references(args[0]),
     "tag": lambda: cmd_tag(args),
     "bench": lambda: cmd_bench(args[0]),
     "bench-batch": lambda: cmd_bench_batch(args[0], args[1:]),
     "compare": lambda: cmd_compare(args[0], args[1:])}[cmd]()
