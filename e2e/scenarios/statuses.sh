#!/usr/bin/env bash
# Scenario statuses: the status a private host reports is the truth, and a refusal is final at once.
# The auth repo holds the Debian 12 closure and its bundle; the synthesized bootstrap, unchanged (its
# 8 attempts and 30 s backoff: a retried refusal would show as many requests and minutes).
#   - cfg: a first boot configures the host (ready); then, each time from that configured host:
#       - the auth repo answers 403 (the read grant on it revoked): failed at wait-for-auth-repo, at
#         once (the fake AR counts that boot's requests: no retries), never ready-stale
#       - the auth repo answers 401 (every token refused): the same
#       - the keyring CLI in the venv is broken (exits 1), nothing else changed: failed at probe
#     (an unreachable AR on a configured host ends ready-stale: scenario faults-bootstrap)
#   - nopy: an image without python3: the trampoline itself reports failed at validate (with curl)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
seed_auth_repo
seed_bundle debian-12 "${MIRRORED_TARGETS[0]}" >/dev/null
world_up
host_new cfg private
host_new nopy private
# shellcheck disable=SC2016 # expanded on the host
on_host nopy image bash -euc 'rm -f /usr/bin/python3 /usr/bin/python3.* /usr/local/bin/python3; ! command -v python3' \
  >"${LOGS}/nopy-image.log" 2>&1 || die "could not remove python3 from nopy"
IDENTITY=$(world_identity bootstrap)

boot nopy nopy "$BOOTSTRAP_SH" 120 &
N=$!
boot cfg boot1 "$BOOTSTRAP_SH" 600
wait "$N" || true
first_ready() { rc_is boot1 0 && [[ $(attr_after boot1 status) == ready ]]; }
check "cfg: the first boot configures the host (exit 0, status ready)" first_ready

# REQUESTS[LOG]: the fake AR's requests from cfg during that boot (counted before and after it).
declare -A REQUESTS=()
counted_boot() { # counted_boot LOG SCRIPT
  local before
  before=$(ar_client cfg requests)
  boot cfg "$1" "$2" 600
  REQUESTS[$1]=$(($(ar_client cfg requests) - before))
  say "$1: ${REQUESTS[$1]} AR request(s)"
}
# The proof of "no retries" is the request count; the time bound leaves room for the guest attributes'
# pacing (at most 8 writes a minute across boots: the third boot in a minute waits to publish its status).
refused_at_once() { # refused_at_once LOG: failed at wait-for-auth-repo within 90 s, at most 2 AR requests
  failed_within cfg "$1" wait-for-auth-repo 90 || return 1
  ((REQUESTS[$1] <= 2)) || { echo "${REQUESTS[$1]} AR requests: a refusal was retried"; return 1; }
  [[ -z $(attr_after "$1" stale-step) ]] || { echo "stale-step set: $(attr_after "$1" stale-step)"; return 1; }
}

ar_revoke "$AUTH_REPO" "$IDENTITY"
counted_boot forbidden "$BOOTSTRAP_SH"
ar_grant "$AUTH_REPO" "$IDENTITY" reader
check "403 from the auth repo on a configured host: failed at wait-for-auth-repo at once (no retries: at most 2 requests), never ready-stale" refused_at_once forbidden

ar_faults '{"unauthorized": 1000}'
counted_boot unauthorized "$BOOTSTRAP_SH"
ar_faults '{"unauthorized": 0}'
check "401 from the auth repo on a configured host: failed at wait-for-auth-repo at once (no retries: at most 2 requests), never ready-stale" refused_at_once unauthorized

# The keyring CLI breaks (its script in the venv now exits 1); the venv's distributions are unchanged.
# shellcheck disable=SC2016 # expanded on the host
on_host cfg break bash -euc 'printf "#!/bin/sh\necho broken >&2\nexit 1\n" >"$1/bin/keyring"' break "$VENV_DIR" \
  >"${LOGS}/break.log" 2>&1 || die "could not break the keyring CLI"
counted_boot broken-keyring "$BOOTSTRAP_SH"
check "a broken keyring CLI on an unchanged configured host: failed at probe, not ready-stale" failed_within cfg broken-keyring probe 300
check "cfg: no guest-attribute write dropped across four boots; the last status is failed" attrs_honest cfg failed

check "no python3: the trampoline reports failed at validate (its own curl to the metadata server), within 30 s" failed_within nopy nopy validate 30
nothing_ran() {
  [[ ! -e $(hostdir nopy)/upper${VENV_DIR} ]] || { echo "${VENV_DIR} exists"; return 1; }
  (($(ar_client nopy requests) == 0)) || { echo "$(ar_client nopy requests) AR requests"; return 1; }
}
check "no python3: nothing installed, Artifact Registry never asked" nothing_ran
finish
