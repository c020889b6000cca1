"""Static checks of deploy/kubernetes/*.yaml and deploy/Containerfile (no cluster, no builder here).

    python3 check_manifests.py REPO_ROOT [--context DIR]

With --context DIR it also copies what the Containerfile's builder COPYs (minus the patterns of
deploy/Containerfile.dockerignore) into DIR, so that `cargo metadata` can check that the
workspace loads from exactly the image's sources.

Kubernetes: every file parses as YAML; each Job is batch/v1 with restartPolicy Never; the
Indexed Jobs (transform, extract, tag) have completionMode Indexed, `completions` equal to
config.yaml's GENRESCOPE_SHARDS, 1 <= parallelism <= completions, and a command that passes
`--shard "$JOB_COMPLETION_INDEX/$GENRESCOPE_SHARDS"` (the embedded script passes `sh -n`); every
Job reads config.yaml's ConfigMap, mounts pvc.yaml's claim, and takes AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL and AWS_ALLOW_HTTP from the Secret of
secret.example.yaml through secretKeyRef; no value of the Secret appears in a Job.
Containerfile: a rust:1.95 builder stage running `cargo build --release -p genrescope --bin
genrescope`, a debian slim runtime stage copying the binary from the builder, every COPY source
present in the repository. Needs PyYAML (Debian's python3-yaml). Exits 1 with one line per problem.
"""

import fnmatch
import re
import shutil
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

AWS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ALLOW_HTTP"]
INDEXED = {"transform", "extract", "tag"}
problems: list[str] = []


def check(ok: bool, message: str) -> bool:
    if not ok:
        problems.append(message)
    return ok


def load(path: Path) -> list[dict]:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as e:
        problems.append(f"{path}: not YAML: {e}".replace("\n", " "))
        return []
    for d in docs:
        check(isinstance(d, dict) and "apiVersion" in d and "kind" in d and "metadata" in d,
              f"{path}: a document without apiVersion, kind and metadata")
    return docs


def kubernetes(root: Path) -> None:
    k8s = root / "deploy/kubernetes"
    by_kind: dict[str, list[tuple[Path, dict]]] = {}
    for path in sorted(k8s.glob("*.yaml")):
        for d in load(path):
            by_kind.setdefault(d.get("kind"), []).append((path, d))
    configs = {d["metadata"]["name"]: d for _, d in by_kind.get("ConfigMap", [])}
    claims = {d["metadata"]["name"] for _, d in by_kind.get("PersistentVolumeClaim", [])}
    secrets = {d["metadata"]["name"]: d for _, d in by_kind.get("Secret", [])}
    if not check(len(configs) == 1, f"{k8s}: expected one ConfigMap, found {sorted(configs)}"):
        return
    config_name, config = next(iter(configs.items()))
    shards = config.get("data", {}).get("GENRESCOPE_SHARDS")
    check(shards is not None and str(shards).isdigit(), "config.yaml: GENRESCOPE_SHARDS is not a number")
    for secret in secrets.values():
        for key in AWS:
            check(key in secret.get("stringData", {}), f"secret.example.yaml: no {key}")
    secret_values = {str(v) for s in secrets.values() for v in s.get("stringData", {}).values()
                     if str(v) not in ("us-east-1", "false", "true")}
    jobs = {d["metadata"]["name"]: (p, d) for p, d in by_kind.get("Job", [])}
    for stage in ["transform", "extract", "tag", "train"]:
        name = f"genrescope-{stage}"
        if not check(name in jobs, f"{k8s}: no Job {name}"):
            continue
        path, job = jobs[name]
        where = f"{path.name}"
        check(job.get("apiVersion") == "batch/v1", f"{where}: apiVersion is not batch/v1")
        spec = job.get("spec", {})
        pod = spec.get("template", {}).get("spec", {})
        check(pod.get("restartPolicy") == "Never", f"{where}: restartPolicy is not Never")
        containers = pod.get("containers", [])
        if not check(len(containers) == 1, f"{where}: expected one container"):
            continue
        c = containers[0]
        script = " ".join(c.get("command", []) + c.get("args", []))
        if stage in INDEXED:
            check(spec.get("completionMode") == "Indexed", f"{where}: completionMode is not Indexed")
            check(str(spec.get("completions")) == str(shards),
                  f"{where}: completions {spec.get('completions')} != GENRESCOPE_SHARDS {shards} of config.yaml")
            par = spec.get("parallelism")
            check(isinstance(par, int) and 1 <= par <= int(spec.get("completions", 0)),
                  f"{where}: parallelism {par} not in 1..completions")
            check('--shard "$JOB_COMPLETION_INDEX/$GENRESCOPE_SHARDS"' in script,
                  f"{where}: the command does not pass --shard \"$JOB_COMPLETION_INDEX/$GENRESCOPE_SHARDS\"")
            check("--jobs" in script, f"{where}: the command sets no --jobs")
        check(f"genrescope {stage}" in script, f"{where}: the command does not run `genrescope {stage}`")
        # The embedded shell script must parse.
        if c.get("command", [])[-2:] == ["/bin/sh", "-c"] and c.get("args"):
            r = subprocess.run(["sh", "-n", "-c", c["args"][0]], capture_output=True, text=True)
            check(r.returncode == 0, f"{where}: sh -n: {r.stderr.strip()}")
        env_from = [e.get("configMapRef", {}).get("name") for e in c.get("envFrom", [])]
        check(config_name in env_from, f"{where}: does not read ConfigMap {config_name}")
        env = {e["name"]: e for e in c.get("env", [])}
        for key in AWS:
            ref = env.get(key, {}).get("valueFrom", {}).get("secretKeyRef", {})
            check(ref.get("name") in secrets and ref.get("key") == key,
                  f"{where}: {key} is not taken from the Secret by secretKeyRef")
        text = path.read_text()
        for value in secret_values:
            check(value not in text, f"{where}: holds a value of the Secret")
        vols = [v.get("persistentVolumeClaim", {}).get("claimName") for v in pod.get("volumes", [])]
        check(any(v in claims for v in vols), f"{where}: mounts no claim of pvc.yaml")
        mounts = [m.get("name") for m in c.get("volumeMounts", [])]
        check(all(v.get("name") in mounts for v in pod.get("volumes", [])), f"{where}: a volume is not mounted")
        res = c.get("resources", {})
        check("cpu" in res.get("limits", {}), f"{where}: no CPU limit (the --jobs/threads come from it)")


def containerfile(root: Path) -> None:
    path = root / "deploy/Containerfile"
    if not check(path.exists(), f"no {path}"):
        return
    # Join continuation lines, drop comments.
    text = re.sub(r"\\\n", " ", "\n".join(l for l in path.read_text().splitlines()
                                           if not l.lstrip().startswith("#")))
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    known = {"FROM", "RUN", "COPY", "ADD", "ARG", "ENV", "WORKDIR", "USER", "ENTRYPOINT", "CMD",
             "LABEL", "EXPOSE", "VOLUME", "SHELL", "HEALTHCHECK", "STOPSIGNAL", "ONBUILD"}
    args = {}
    stages: list[dict] = []
    for l in lines:
        word, _, rest = l.partition(" ")
        if not check(word.upper() in known and word == word.upper(), f"Containerfile: unknown instruction: {l[:60]}"):
            continue
        if word == "ARG" and not stages:
            k, _, v = rest.partition("=")
            args[k] = v
        elif word == "FROM":
            image = rest.split()[0]
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
            name = rest.split()[2] if len(rest.split()) >= 3 and rest.split()[1].upper() == "AS" else None
            stages.append({"image": image, "name": name, "lines": []})
        elif stages:
            stages[-1]["lines"].append((word, rest))
    if not check(len(stages) >= 2, "Containerfile: not a multi-stage build"):
        return
    builder, runtime = stages[0], stages[-1]
    check(re.search(r"(^|/)rust:1\.95", builder["image"]) is not None,
          f"Containerfile: the builder is {builder['image']}, not rust:1.95")
    check(re.search(r"(^|/)debian:[\w.-]*slim", runtime["image"]) is not None,
          f"Containerfile: the runtime is {runtime['image']}, not a debian slim image")
    runs = " ".join(r for w, r in builder["lines"] if w == "RUN")
    check(re.search(r"cargo build --release( --locked)? -p genrescope --bin genrescope", runs) is not None,
          "Containerfile: the builder does not run cargo build --release -p genrescope --bin genrescope")
    check(any(w == "COPY" and f"--from={builder['name']}" in r for w, r in runtime["lines"]),
          "Containerfile: the runtime stage copies nothing from the builder")
    check(any(w == "USER" for w, _ in runtime["lines"]), "Containerfile: the runtime runs as root")
    for w, r in builder["lines"]:
        if w == "COPY" and "--from" not in r:
            parts = [p for p in shlex.split(r) if not p.startswith("--")]
            for src in parts[:-1]:
                check((root / src).exists(), f"Containerfile: COPY source {src} is not in the repository")


def ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pat in patterns:
        alts = [pat]
        if pat.startswith("**/"):
            alts.append(pat[3:])
            alts = alts + ["*/" + pat[3:]]
        for prefix in prefixes:
            if any(fnmatch.fnmatchcase(prefix, a) for a in alts):
                return True
    return False


def materialise_context(root: Path, out: Path) -> None:
    """Copies the builder stage's COPY sources (as a builder would see them) into out."""
    ignore = root / "deploy/Containerfile.dockerignore"
    patterns = [l.strip().rstrip("/") for l in ignore.read_text().splitlines()
                if l.strip() and not l.lstrip().startswith("#")] if ignore.exists() else []
    text = re.sub(r"\\\n", " ", (root / "deploy/Containerfile").read_text())
    stage = 0
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "FROM":
            stage += 1
        if stage != 1 or word != "COPY" or "--from" in rest:
            continue
        parts = [p for p in shlex.split(rest) if not p.startswith("--")]
        dest = parts[-1]
        for src in parts[:-1]:
            target = out / (dest if not dest.endswith("/") and len(parts) == 2 and dest != "./"
                            else Path(dest) / Path(src).name)
            source = root / src
            files = [source] if source.is_file() else [f for f in source.rglob("*") if f.is_file()]
            for f in files:
                rel = f.relative_to(root).as_posix()
                if ignored(rel, patterns):
                    continue
                t = target if source.is_file() else target / f.relative_to(source)
                t.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, t)


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    kubernetes(root)
    containerfile(root)
    if len(sys.argv) == 4 and sys.argv[2] == "--context" and not problems:
        materialise_context(root, Path(sys.argv[3]))
    for p in problems:
        print(f"check_manifests: {p}", file=sys.stderr)
    if not problems:
        print("kubernetes manifests and Containerfile: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
