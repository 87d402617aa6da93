#!/usr/bin/env bash
# Makes the hash-pinned lock mirror.lockFile names, for every target of the mirror at once.
#
#   recipes/make-lock.sh STACK_JSON OUT [INDEX_URL]
#     STACK_JSON  a synthesized stack, e.g. cdktf.out/stacks/airlock/cdk.tf.json (synthesize first)
#     OUT         the lock to write, e.g. config/helpers.lock (then set "mirror.lockFile": "helpers.lock")
#     INDEX_URL   where to resolve from (default: the mirror's own, mirror.sourceIndexUrl)
#
# Run it where the index is reachable (a machine with internet), with python3 and pip. It resolves
# exactly as the public host will: the mirror's own `pip download` per target (with the host agent the
# stack's mirror script carries, run by this machine's python3: that target's CPython,
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

# The mirror script of the stack, byte for byte as Terraform hands it to the VM (the file beside
# STACK_JSON its local names; in a synth from before the scripts moved into files, the inline text with
# its $${ and %%{ undone), read as data, never run: the settings it carries (SETTINGS_JSON) and the host agent (AGENT_ZIP_B64,
# checked against AGENT_SHA256), whose target-pip is what the mirror downloads with.
python3 - "$stack_json" "$work" <<'PY'
import base64, hashlib, json, os, re, shlex, sys, unicodedata
doc = json.load(open(sys.argv[1]))
work = sys.argv[2]
scripts = [i["metadata"]["startup-script"] for i in doc.get("resource", {}).get("google_compute_instance", {}).values()
           if (i.get("labels") or {}).get("airlock-role") == "mirror"]
if len(scripts) != 1:
    sys.exit(f"make-lock: {sys.argv[1]} has no public host (the mirror): a lock is for mirror mode")
local = re.fullmatch(r"\$\{local\.([A-Za-z0-9_]+)\}", scripts[0])
if local:
    file = re.fullmatch(r'\$\{file\("\$\{path\.module\}/([^"/]+)"\)\}', (doc.get("locals") or {}).get(local.group(1), ""))
    if not file:
        sys.exit(f"make-lock: local.{local.group(1)} of {sys.argv[1]} names no script file beside it")
    with open(os.path.join(os.path.dirname(sys.argv[1]), file.group(1)), encoding="utf-8", newline="") as fh:
        script = unicodedata.normalize("NFC", fh.read())
else:
    script = re.sub(r"([$%])\1\{", r"\1{", scripts[0])

def word(name):
    """The one shell word the script assigns to NAME at the start of a line."""
    at = script.find("\n" + name + "=")
    if at < 0:
        sys.exit(f"make-lock: the mirror script assigns no {name}: synthesize the stack again with this version")
    lexer = shlex.shlex(script[at + len(name) + 2:], posix=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    return lexer.get_token()

settings = json.loads(word("SETTINGS_JSON"))
agent = base64.b64decode(word("AGENT_ZIP_B64"))
if hashlib.sha256(agent).hexdigest() != word("AGENT_SHA256"):
    sys.exit("make-lock: the host agent in the mirror script does not match its sha256")
with open(os.path.join(work, "agent.pyz"), "wb") as fh:
    fh.write(agent)
for name, lines in [("targets", settings["TARGETS"]), ("requirements", settings["PACKAGES"] + [settings["BOOTSTRAP_PIP"], settings["VENV_TOOL"]]),
                    ("index", [settings["SOURCE_INDEX_URL"]]), ("socket-timeout", [str(settings["PIP_SOCKET_TIMEOUT_SECONDS"])])]:
    with open(os.path.join(work, name), "w") as fh:
        fh.write("".join(line + "\n" for line in lines))
PY

log() { printf 'make-lock: %s\n' "$*" >&2; }
mapfile -t targets <"${work}/targets"
mapfile -t requirements <"${work}/requirements"
index=${3:-$(<"${work}/index")}
socket_timeout=$(<"${work}/socket-timeout")
# As the mirror downloads (its pip_download_argv), without a lock: per target, never the cross product,
# with that target's CPython, CPU, platform tags and environment markers (target-pip, pypa/pip#11010).
for target in "${targets[@]}"; do
  IFS=: read -r python arch tags <<<"$target"
  IFS=, read -r -a tags <<<"$tags"
  platform_args=()
  for platform in "${tags[@]}"; do
    platform_args+=(--platform "$platform")
  done
  mkdir -p "${work}/${python}/dist" "${work}/${python}/tmp"
  log "pip download for CPython ${python} on ${arch} (${tags[0]} … ${tags[-1]})"
  PIP_CONFIG_FILE=/dev/null TMPDIR="${work}/${python}/tmp" python3 -I "${work}/agent.pyz" target-pip "$python" "$arch" -- download \
    --no-cache-dir --disable-pip-version-check --no-input --progress-bar off --timeout "$socket_timeout" --retries 2 \
    --index-url "$index" --dest "${work}/${python}/dist" \
    --only-binary=:all: --implementation cp --python-version "$python" "${platform_args[@]}" "${requirements[@]}" >&2 ||
    { log "pip download failed for CPython ${python}"; exit 1; }
done

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
