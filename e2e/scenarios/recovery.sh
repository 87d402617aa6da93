#!/usr/bin/env bash
# Scenario recovery: a first boot cut short, and two runs at once, end ready without an operator. The
# auth repo holds the Debian 12 closure and its bundle; the synthesized bootstrap, unchanged.
#   - cut-venv, cut-install, cut-configure: the first boot is killed (SIGKILL to every process of the
#     host, as a power cut) at a point seen from outside on the host's disk: right after the keyring
#     venv's directory appears, while pip installs into it (its first distribution directory appears),
#     and right after /etc/pip.conf appears; the host then boots again: ready, the venv intact.
#   - twice: within one boot (the same mounts, the same /run), the synthesized script started twice
#     at once: both exit 0, the second waited for the first's lock (its log says "another pip-airlock
#     bootstrap run is under way"), the host is ready and its venv intact.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
seed_auth_repo
seed_bundle debian-12 "${MIRRORED_TARGETS[0]}" >/dev/null
world_up
declare -A CUT_AT=([cut-venv]="$VENV_DIR" [cut-install]="${VENV_DIR}/lib/python3.11/site-packages/jaraco"
  [cut-configure]=/etc/pip.conf)
for h in cut-venv cut-install cut-configure twice; do host_new "$h" private; done

# cut HOST: boots it, kills it when its CUT_AT path appears on its disk, boots it again.
cut() {
  local h=$1 pid seen=0
  boot "$h" "${h}-1" "$BOOTSTRAP_SH" 600 &
  pid=$!
  if wait_on_disk "$h" "${CUT_AT[$h]}" 600; then
    seen=1
    host_stop "$h" KILL
  fi
  wait "$pid" || true
  printf '%s\n' "$seen" >"${STATE}/cut-seen-${h}"
  boot "$h" "${h}-2" "$BOOTSTRAP_SH" 600
}
# Two runs of the synthesized script at once on one host, each with its own log and exit code in /tmp.
cat >"${SW}/twice.sh" <<'WRAPPER'
#!/bin/bash
set -u
bash /tmp/trampoline.sh >/tmp/run-a.log 2>&1 &
a=$!
bash /tmp/trampoline.sh >/tmp/run-b.log 2>&1 &
b=$!
rc_a=0
rc_b=0
wait "$a" || rc_a=$?
wait "$b" || rc_b=$?
echo "$rc_a" >/tmp/run-a.rc
echo "$rc_b" >/tmp/run-b.rc
cat /tmp/run-a.log /tmp/run-b.log
exit $((rc_a + rc_b))
WRAPPER

PIDS_CUT=()
for h in cut-venv cut-install cut-configure; do
  cut "$h" &
  PIDS_CUT+=($!)
done
install -m 0755 "$BOOTSTRAP_SH" "$(hostdir twice)/tmp-trampoline.sh"
boot twice twice "${SW}/twice.sh" 900
for pid in "${PIDS_CUT[@]}"; do wait "$pid" || true; done

recovered() { # recovered HOST: the first boot was cut short there; the second ended ready, the venv intact
  local h=$1
  [[ $(cat "${STATE}/cut-seen-${h}") == 1 ]] || { echo "${CUT_AT[$h]} never appeared: the first boot was not cut"; return 1; }
  [[ $(rc_of "${h}-1") != 0 && $(attr_after "${h}-1" status) != ready ]] ||
    { echo "the first boot finished (exit $(rc_of "${h}-1"), status $(attr_after "${h}-1" status)) before the cut"; return 1; }
  rc_is "${h}-2" 0 || return 1
  [[ $(attr_after "${h}-2" status) == ready ]] || { echo "status $(attr_after "${h}-2" status)"; return 1; }
  on_host "$h" check "${VENV_DIR}/bin/python" -I -c 'import keyring, keyrings.gauth' || { echo "the venv does not import keyring"; return 1; }
  on_host "$h" check "${VENV_DIR}/bin/python" -I -m pip check >/dev/null || { echo "pip check fails in the venv"; return 1; }
}
check "cut right after the venv directory appears: the next boot ends ready, the venv intact" recovered cut-venv
check "cut while pip installs into the venv: the next boot ends ready, the venv intact" recovered cut-install
check "cut right after /etc/pip.conf appears: the next boot ends ready, the venv intact" recovered cut-configure

twice_ok() {
  local d rc
  d="$(hostdir twice)/tmp/twice"
  rc_is twice 0 || return 1
  for rc in "$d/run-a.rc" "$d/run-b.rc"; do [[ $(cat "$rc") == 0 ]] || { echo "${rc##*/}: $(cat "$rc")"; return 1; }; done
  [[ $(grep -l "another pip-airlock bootstrap run is under way" "$d/run-a.log" "$d/run-b.log" | wc -l) == 1 ]] ||
    { echo "not exactly one run waited for the other's lock"; grep -h "under way" "$d"/run-*.log; return 1; }
  [[ $(attr twice status) == ready ]] || { echo "status $(attr twice status)"; return 1; }
  on_host twice check "${VENV_DIR}/bin/python" -I -c 'import keyring, keyrings.gauth' || { echo "the venv does not import keyring"; return 1; }
  on_host twice check "${VENV_DIR}/bin/python" -I -m pip check >/dev/null || { echo "pip check fails in the venv"; return 1; }
}
check "two runs at once on one host: both exit 0, one waited for the other's lock (its log says so), the host is ready, the venv intact" twice_ok
finish
