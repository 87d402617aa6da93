#!/usr/bin/env bash
# Scenario lock: the mirror with a hash-pinned lock of the real closure (pip download
# --require-hashes), with one wrong hash (must fail at download and upload nothing more), and with
# stop_when_done=true (the VM powers itself off: a systemctl stand-in records it). Three boots of one
# VM within about a minute: the scripts' guest-attribute pacing keeps every write (none dropped).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
world_up
host_new pub public

# The lock: every file of the closure the mirror resolves for CPython 3.11, pinned by version and hash.
LOCK=$("$PY" "${SIM}/scenario_data.py" lock "${E2E_PYPI}/files" "$CLOSURE")
BAD_LOCK=$(sed '/^keyring==/s/--hash=sha256:[0-9a-f]\{8\}/--hash=sha256:00000000/' <<<"$LOCK")
variant "$MIRROR_SH" "${SW}/lock.sh" "LOCK_CONTENT=${LOCK}"
variant "$MIRROR_SH" "${SW}/badlock.sh" "LOCK_CONTENT=${BAD_LOCK}" MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1
variant "$MIRROR_SH" "${SW}/stop.sh" STOP_WHEN_DONE=true

boot pub lock "${SW}/lock.sh" 300
ar_files >"${STATE}/ar-after-lock.json"
boot pub badlock "${SW}/badlock.sh" 300
ar_files >"${STATE}/ar-after-badlock.json"
# Only this boot's power-off counts (stop_when_done may be the config's default: the boots above may
# have powered off too).
mkdir -p "$(hostdir pub)/upper/var/log"
: >"$(hostdir pub)/upper/var/log/systemctl-stand-in.log"
boot pub stop "${SW}/stop.sh" 300
ar_files >"${STATE}/ar-after-all.json"

locked() {
  rc_is lock 0 || return 1
  [[ $(attr_after lock status) == ready ]] || return 1
  "$PY" "${SIM}/checks.py" lock-matches "$LOCK" --repo "${STATE}/ar-after-lock.json" "$AUTH_REPO"
}
check "lock: a hash-pinned lock of the real closure mirrors exactly the lock's files (sha256), status=ready" locked
locked_bundle() {
  local f
  f=$(find "${STATE}/ar/${AUTH_REPO}" -name 'pip_airlock_bundle_*.whl' -printf '%f\n')
  [[ -n $f && $(wc -l <<<"$f") == 1 ]] || { echo "bundles: ${f:-none}"; return 1; }
  "$PY" "${SIM}/inspect_bundle.py" "${STATE}/ar/${AUTH_REPO}/${f}" | "$PY" "${SIM}/checks.py" lock-matches "$LOCK" --bundle -
}
check "lock: the target's bundle holds exactly the lock's files (sha256)" locked_bundle
check "lock: a wrong hash fails at download, status=failed, within 60 s" failed_within pub badlock download 60
check "lock: the failed run uploaded nothing (the auth repo is as the good run left it)" diff "${STATE}/ar-after-lock.json" "${STATE}/ar-after-badlock.json"
stopped() {
  rc_is stop 0 || return 1
  [[ $(attr_after stop status) == ready ]] || return 1
  [[ $(cat "$(on_disk pub /var/log/systemctl-stand-in.log)" 2>/dev/null) == poweroff ]] || { echo "systemctl was not asked to power off"; return 1; }
}
check "stop_when_done: the mirror reports ready, then powers its VM off (systemctl poweroff)" stopped
check "three boots of one VM in about a minute: no guest-attribute write dropped, last status=ready" attrs_honest pub ready
finish
