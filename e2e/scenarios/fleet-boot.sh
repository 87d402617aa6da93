#!/usr/bin/env bash
# Scenario fleet-boot: a managed instance group booting at once. FLEET private hosts (each its own
# network namespace and metadata server, one shared fake Artifact Registry) run the synthesized
# bootstrap at the same moment against an auth repo as the mirror leaves it (the closure's files and
# the target's bundle, built by the mirror script's own code), while
#   - the fake AR enforces a per-project request quota, QUOTA requests in any 60 s (sliding window),
#     answering 429 RESOURCE_EXHAUSTED with Retry-After beyond it: sized so that this fleet exceeds it
#     even at the bundle's request count (and by far at the old one, a page and a file per project:
#     about 67 a first boot, FLEET x 67 requests against QUOTA), and
#   - every metadata server answers a burst of token requests (more than one in 5 s) with 429 and
#     Retry-After, and at boot another agent of the VM (as google-guest-agent does) takes a token
#     just before the startup script runs. Its tokens live an hour and are handed out until 5 minutes
#     before they expire, as GCE's metadata server caches them (the other scenarios' 60 s tokens would
#     expire during a quota wait of a minute).
# Every host must reach ready within BOUND_SECONDS, none failed; then REBOOTS of them reboot at once
# (steady state: nothing changes, few requests), a quota window later. The requests are counted by the
# fake AR per host (client address), never read from a log. On 2 cores the first boot is CPU-bound
# (20 pip installs and user probes), which spreads its requests over minutes; QUOTA is small enough that
# the user probes, which come close together, still exceed it. Prints
#   fleet-boot: N hosts ready in S s, R AR requests per first boot, T 429s seen
#   fleet-boot: reboot: N hosts ready in S s, R AR requests per reboot, T 429s seen
# (R: the most any host sent, answers 429 included) and fails when R of a first boot is above 32.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
FLEET=${E2E_FLEET_SIZE:-20}
REBOOTS=5 # hosts of the fleet that reboot together afterwards
QUOTA=50
BOUND_SECONDS=420
MAX_FIRST_BOOT_REQUESTS=32
OLD_FIRST_BOOT_REQUESTS=67 # measured: scenario bundle, host legacy (an auth repo without a bundle)
((FLEET >= 20)) || die "the fleet must have at least 20 hosts (E2E_FLEET_SIZE=${FLEET})"

seed_auth_repo
BUNDLE=$(seed_bundle debian-12 "${MIRRORED_TARGETS[0]}")
world_up
HOSTS_FLEET=()
for i in $(seq 1 "$FLEET"); do
  host_new "vm${i}" private --ttl 3600 --refresh-before 300 --token-burst 1 --token-window 5
  HOSTS_FLEET+=("vm${i}")
done
say "${FLEET} hosts, the auth repo holds the closure and ${BUNDLE}; quota ${QUOTA} requests per 60 s"

# The VM's other agents take a token at boot, just before the startup script: the script's own first
# token request is then a burst the metadata server answers 429.
cat >"${SW}/vm-boot.sh" <<'SH'
#!/bin/bash
curl -s -o /dev/null -H 'Metadata-Flavor: Google' http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token
exec bash /tmp/bootstrap.sh
SH

# fleet_boot PHASE HOST...: the hosts boot at once (each its log PHASE-HOST), each within a 600 s time box.
fleet_boot() {
  local phase=$1 h pids=() pid
  shift
  for h in "$@"; do
    install -m 0755 "$BOOTSTRAP_SH" "$(hostdir "$h")/tmp-bootstrap.sh"
    boot "$h" "${phase}-${h}" "${SW}/vm-boot.sh" 600 >/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
}
# snapshot FILE: the fake AR's counters, now.
snapshot() { admin >"$1"; }
# phase_report PHASE BEFORE AFTER HOST...: per host, its AR requests in the phase (answers 429
# included), the 429s AR gave it, its boot's duration and outcome: JSON lines.
phase_report() {
  local h ips=() phase=$1 before=$2 after=$3
  shift 3
  for h in "$@"; do ips+=("${h}=$(host_ip "$h")"); done
  "$PY" "${SIM}/fleet_report.py" report "$phase" "$before" "$after" "$STATE" "$GUEST_ATTR_NAMESPACE" "${ips[@]}"
}
metadata_429s() { # the metadata servers' 429s so far, summed
  local h n=0
  for h in "${HOSTS_FLEET[@]}"; do n=$((n + $(metadata_stat "$h" throttled_token_requests))); done
  echo "$n"
}
# summary FILE: "N_READY N_FAILED SECONDS MAX_REQUESTS MIN MEAN AR_429S"
summary() {
  "$PY" "${SIM}/fleet_report.py" summary "$1"
}

# --- First boot: the whole fleet at once, against the quota -----------------------------------------
ar_quota "$QUOTA" 60
snapshot "${STATE}/before-first.json"
M429_0=$(metadata_429s)
fleet_boot first "${HOSTS_FLEET[@]}"
snapshot "${STATE}/after-first.json"
M429_1=$(metadata_429s)
phase_report first "${STATE}/before-first.json" "${STATE}/after-first.json" "${HOSTS_FLEET[@]}" >"${STATE}/first.jsonl"
read -r READY _ SECONDS R R_MIN R_MEAN AR429 < <(summary "${STATE}/first.jsonl")
T=$((AR429 + M429_1 - M429_0))
printf 'fleet-boot: %s hosts ready in %s s, %s AR requests per first boot, %s 429s seen\n' "$READY" "$SECONDS" "$R" "$T"
say "first boot: AR requests per host min ${R_MIN}, mean ${R_MEAN}, max ${R} (429 answers included); ${AR429} AR 429s, $((M429_1 - M429_0)) metadata 429s; quota ${QUOTA}/60 s; at the old count the fleet needs $((FLEET * OLD_FIRST_BOOT_REQUESTS)) requests"

all_ready() {
  "$PY" "${SIM}/fleet_report.py" all-ready "${STATE}/first.jsonl" "$FLEET" "$BOUND_SECONDS"
}
check "first boot: all ${FLEET} hosts booting at once exit 0 with status=ready, none failed, each within ${BOUND_SECONDS} s" all_ready
few_requests() {
  ((R <= MAX_FIRST_BOOT_REQUESTS)) || { echo "a host sent ${R} requests (min ${R_MIN}, mean ${R_MEAN})"; return 1; }
}
check "first boot: at most ${MAX_FIRST_BOOT_REQUESTS} AR requests per host (the bundle: its page, the file, the probes; 429 answers included), counted by the fake AR per host" few_requests
throttled() {
  ((AR429 > 0)) || { echo "the quota never answered 429: it does not test anything"; return 1; }
  (($(ar_stat throttled) == AR429)) || { echo "429s to others than the fleet"; return 1; }
  ((M429_1 > M429_0)) || { echo "no metadata server answered a burst with 429"; return 1; }
  ((FLEET * OLD_FIRST_BOOT_REQUESTS > 10 * QUOTA)) || { echo "the quota is not small against the old count"; return 1; }
}
check "first boot: the fleet exceeded the quota (429s with Retry-After from AR, and from the metadata servers) and came through" throttled
fleet_honest() {
  local h
  for h in "${HOSTS_FLEET[@]}"; do
    attrs_honest "$h" ready >/dev/null || { echo "${h}: $(attrs_honest "$h" ready 2>&1)"; return 1; }
  done
}
check "first boot: every host's guest attributes within GCE's limits (none dropped), last status=ready" fleet_honest
bundle_only() {
  local h fetched
  for h in "${HOSTS_FLEET[@]}"; do
    fetched=$(ar_client "$h" fetched)
    [[ $fetched == "${SEEDED_SIGNED_SET} ${BUNDLE} keyring-"* && $(wc -w <<<"$fetched") == 3 ]] || { echo "${h} fetched: ${fetched}"; return 1; }
  done
}
check "first boot: each host fetched the signed set, the bundle it names and nothing else but the user probe's keyring wheel" bundle_only

# --- Reboot: REBOOTS hosts at once, steady state, a quota window later ------------------------------------
ar_quota "$QUOTA" 60 # a fresh window: as a minute later
snapshot "${STATE}/before-reboot.json"
fleet_boot reboot "${HOSTS_FLEET[@]:0:REBOOTS}"
snapshot "${STATE}/after-reboot.json"
M429_2=$(metadata_429s)
phase_report reboot "${STATE}/before-reboot.json" "${STATE}/after-reboot.json" "${HOSTS_FLEET[@]:0:REBOOTS}" >"${STATE}/reboot.jsonl"
read -r READY2 _ SECONDS2 R2 R2_MIN R2_MEAN AR429_2 < <(summary "${STATE}/reboot.jsonl")
printf 'fleet-boot: reboot: %s hosts ready in %s s, %s AR requests per reboot, %s 429s seen\n' "$READY2" "$SECONDS2" "$R2" "$((AR429_2 + M429_2 - M429_1))"
say "reboot: AR requests per host min ${R2_MIN}, mean ${R2_MEAN}, max ${R2}"
rebooted() {
  "$PY" "${SIM}/fleet_report.py" rebooted "${STATE}/reboot.jsonl" "$BOUND_SECONDS" 10
}
check "reboot: ${REBOOTS} hosts at once: ready, 0 changes, at most 10 AR requests each" rebooted
finish
