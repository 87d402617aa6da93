#!/usr/bin/env bash
# Scenario lock: the mirror with a hash-pinned lock of the real closure (pip download
# --require-hashes), with one wrong hash (must fail at download and upload nothing more), and with
# stop_when_done=true (the VM powers itself off: a systemctl stand-in records it). Three boots of one
# VM within about a minute: the scripts' guest-attribute pacing keeps every write (none dropped).
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
world_up
host_new pub public

# The lock: every file of the closure the mirror resolves for CPython 3.11, pinned by version and hash.
LOCK=$("$PY" - "${E2E_PYPI}/files" "$CLOSURE" <<'PY'
import hashlib, os, re, sys
src, closure = sys.argv[1], set(sys.argv[2].split())
best = {}
for f in os.listdir(src):
    name, version = re.sub(r"[-_.]+", "-", f.split("-")[0]).lower(), f.split("-")[1]
    key = tuple(int(x) for x in re.findall(r"\d+", version))
    if name in closure and key > best.get(name, ((),))[0]:
        best[name] = (key, f, version)
for name, (_, f, version) in sorted(best.items()):
    print(f"{name}=={version} --hash=sha256:{hashlib.sha256(open(os.path.join(src, f), 'rb').read()).hexdigest()}")
PY
)
BAD_LOCK=$(sed '/^keyring==/s/--hash=sha256:[0-9a-f]\{8\}/--hash=sha256:00000000/' <<<"$LOCK")
variant "$MIRROR_SH" "${SW}/lock.sh" "LOCK_CONTENT=${LOCK}"
variant "$MIRROR_SH" "${SW}/badlock.sh" "LOCK_CONTENT=${BAD_LOCK}" MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1
variant "$MIRROR_SH" "${SW}/stop.sh" STOP_WHEN_DONE=true

boot pub lock "${SW}/lock.sh" 300
ar_files >"${STATE}/ar-after-lock.json"
boot pub badlock "${SW}/badlock.sh" 300
# Only this boot's power-off counts (stop_when_done may be the config's default: the boots above may
# have powered off too).
mkdir -p "$(hostdir pub)/upper/var/log"
mkdir -p "$(hostdir pub)/upper/var/log"
: >"$(hostdir pub)/upper/var/log/systemctl-stand-in.log"
boot pub stop "${SW}/stop.sh" 300
ar_files >"${STATE}/ar-after-all.json"

locked() {
  rc_is lock 0 || return 1
  [[ $(attr_after lock status) == ready ]] || return 1
  "$PY" - "${STATE}/ar-after-lock.json" "$AUTH_REPO" "$LOCK" <<'PY'
import json, re, sys
files = {f: sha for f, sha in json.load(open(sys.argv[1]))[sys.argv[2]].items() if not f.startswith("pip_airlock_bundle")}
want = {l.split(" --hash=sha256:")[1] for l in sys.argv[3].splitlines()}
got = set(files.values())
assert got == want, f"auth repo sha256s differ from the lock: missing {sorted(want - got)}, extra {sorted(got - want)}"
print(f"{len(files)} files, exactly the lock's hashes")
PY
}
check "lock: a hash-pinned lock of the real closure mirrors exactly the lock's files (sha256), status=ready" locked
locked_bundle() {
  local f
  f=$(find "${STATE}/ar/${AUTH_REPO}" -name 'pip_airlock_bundle_*.whl' -printf '%f\n')
  [[ -n $f && $(wc -l <<<"$f") == 1 ]] || { echo "bundles: ${f:-none}"; return 1; }
  "$PY" "${SIM}/inspect_bundle.py" "${STATE}/ar/${AUTH_REPO}/${f}" | "$PY" -c '
import json, sys
got = set(json.load(sys.stdin)["wheels"].values())
want = {l.split(" --hash=sha256:")[1] for l in sys.argv[1].splitlines()}
assert got == want, f"the bundle differs from the lock: missing {sorted(want - got)}, extra {sorted(got - want)}"' "$LOCK"
}
check "lock: the target's bundle holds exactly the lock's files (sha256)" locked_bundle
check "lock: a wrong hash fails at download, status=failed, within 60 s" failed_within pub badlock download 60
check "lock: the failed run uploaded nothing (the auth repo is as the good run left it)" diff "${STATE}/ar-after-lock.json" "${STATE}/ar-after-all.json"
stopped() {
  rc_is stop 0 || return 1
  [[ $(attr_after stop status) == ready ]] || return 1
  [[ $(cat "$(on_disk pub /var/log/systemctl-stand-in.log)" 2>/dev/null) == poweroff ]] || { echo "systemctl was not asked to power off"; return 1; }
}
check "stop_when_done: the mirror reports ready, then powers its VM off (systemctl poweroff)" stopped
check "three boots of one VM in about a minute: no guest-attribute write dropped, last status=ready" attrs_honest pub ready
finish
