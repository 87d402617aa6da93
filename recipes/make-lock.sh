#!/usr/bin/env bash
# Makes the hash-pinned lock mirror.lockFile names, for every target of the mirror at once.
#
#   recipes/make-lock.sh STACK_JSON OUT [INDEX_URL]
#     STACK_JSON  a synthesized stack, e.g. cdktf.out/stacks/airlock/cdk.tf.json (synthesize first)
#     OUT         the lock to write, e.g. config/helpers.lock (then set "mirror.lockFile": "helpers.lock")
#     INDEX_URL   where to resolve from (default: the mirror's own, mirror.sourceIndexUrl)
#
# Run it where the index is reachable (a machine with internet), with python3 and pip. It resolves
# exactly as the public host will: the mirror's own `pip download` per target (that target's CPython,
# CPU, platform tags and environment markers), for mirror.packages, mirror.bootstrapPip and virtualenv,
# then pins every distribution of every target's closure with the sha256 of each file. A pin that only
# some targets use (a version another target cannot run, a dependency only older Pythons need) carries
# the marker of their CPython versions. Why not
# pip-compile: it resolves for the Python it runs on only, and pip's --require-hashes needs every
# target's files. The result is what `pip download --require-hashes -r LOCK` accepts on each target.
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 STACK_JSON OUT [INDEX_URL]" >&2; exit 2; }
stack_json=$1 out=$2
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# The mirror script of the stack, byte for byte as Terraform hands it to the VM (its $${ and %%{ undone).
python3 - "$stack_json" "${work}/mirror.sh" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
scripts = [i["metadata"]["startup-script"] for i in doc.get("resource", {}).get("google_compute_instance", {}).values()
           if (i.get("labels") or {}).get("airlock-role") == "mirror"]
if len(scripts) != 1:
    sys.exit(f"make-lock: {sys.argv[1]} has no public host (the mirror): a lock is for mirror mode")
open(sys.argv[2], "w").write(re.sub(r"([$%])\1\{", r"\1{", scripts[0]))
PY

# Its settings and functions (without running it): TARGETS, PACKAGES, BOOTSTRAP_PIP, VENV_TOOL, download_all.
# shellcheck disable=SC1090 # the stack's own rendered script
source <(sed '$d' "${work}/mirror.sh")
trap 'rm -rf -- "$work"' EXIT
set +e
log() { printf 'make-lock: %s\n' "$*" >&2; }
SOURCE_INDEX_URL=${3:-$SOURCE_INDEX_URL}
# shellcheck disable=SC2034 # read by download_all: no lock yet, resolve from the requirements
LOCK_CONTENT=
all_targets=("${TARGETS[@]}")
for target in "${all_targets[@]}"; do
  WORK_DIR="${work}/${target%%:*}"
  mkdir -p "${WORK_DIR}/dist" "${WORK_DIR}/tmp"
  TARGETS=("$target")
  download_all || { log "pip download failed for CPython ${target%%:*}"; exit 1; }
done
set -e

python3 - "$work" "$out" <<'PY'
import collections, hashlib, os, re, sys
work, out = sys.argv[1:]
uses = collections.defaultdict(set)     # (project, version) -> CPython X.Y that use it
hashes = collections.defaultdict(set)   # (project, version) -> sha256 of its files
for target in sorted(os.listdir(work)):
    dist = os.path.join(work, target, "dist")
    if not os.path.isdir(dist):
        continue
    minor = ".".join(target.split(".")[:2])
    # The mirror downloads each target into a directory of its own below dist/.
    for root, _, files in os.walk(dist):
        for f in files:
            if not f.endswith(".whl"):
                continue
            name, version = f.split("-")[:2]
            key = (re.sub(r"[-_.]+", "-", name).lower(), version)
            uses[key].add(minor)
            hashes[key].add(hashlib.sha256(open(os.path.join(root, f), "rb").read()).hexdigest())
minors = sorted({m for ms in uses.values() for m in ms})
lines = ["# Made by recipes/make-lock.sh for CPython " + ", ".join(minors) + ": every target's closure, pinned with the sha256 of each file."]
for (project, version), pythons in sorted(uses.items()):
    # A pin only some targets use (another version for others, or a dependency only older Pythons need) carries their marker.
    marker = "" if pythons == set(minors) else " ; " + " or ".join(f'python_version == "{m}"' for m in sorted(pythons))
    pins = " ".join(f"--hash=sha256:{h}" for h in sorted(hashes[(project, version)]))
    lines.append(f"{project}=={version}{marker} {pins}")
open(out, "w").write("\n".join(lines) + "\n")
print(f"make-lock: wrote {out}: {len(uses)} pins for CPython {', '.join(minors)}", file=sys.stderr)
PY
