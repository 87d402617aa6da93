#!/usr/bin/env bash
# Scenario bundle: what the bootstrap trusts of the mirror's bundles, and the way without one. The auth
# repo holds the Debian 12 closure's files, as every mirror leaves it, and, built by the mirror
# script's own code (the agent's bundle-build), bundles of that closure under the names of two targets; each host
# runs the synthesized bootstrap with MIRRORED_TARGETS naming a target of its own (the same CPython and CPU, a
# glibc its own 2.36 admits), so each keeps to its own bundle (the synthesized bootstrap names none: it would take
# the signed set's newest glibc the host admits):
#   - legacy (Debian 12's own target, no bundle for it: an auth repo filled by an older mirror):
#     ready through the index, as before bundles, at the old request count (reported)
#   - corrupt (glibc 2.35): its bundle's first download arrives with one byte flipped (the sha256 the
#     index gives does not match): fetched again, then ready
#   - tampered (glibc 2.34): its bundle's keyring wheel replaced by another real wheel and RECORD
#     rewritten to match, as a bad mirror or a forger could: the manifest's sha256 does not match, the
#     bootstrap refuses the bundle, installs nothing and does not fall back to the index (which would
#     have worked): failed at venv, no helper in the venv, pip not configured
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
TARGET=${MIRRORED_TARGETS[0]}
[[ $TARGET == 3.11.2:x86_64:2.36 ]] || die "the synthesized target is ${TARGET}, not Debian 12's"
seed_auth_repo
CORRUPT=$(seed_bundle debian-12 3.11.2:x86_64:2.35)
TAMPERED=$(seed_bundle debian-12 3.11.2:x86_64:2.34)
KEYRING=$(cd "${STATE}/ar/${AUTH_REPO}" && ls keyring-*.whl)
# The forgery: another real wheel in the keyring wheel's place, RECORD rewritten to match it.
"$PY" "${SIM}/scenario_data.py" forge-bundle "${STATE}/ar/${AUTH_REPO}/${TAMPERED}" "$KEYRING" \
  "${E2E_PYPI}/files/keyring-23.9.3-py3-none-any.whl" || die "forging the bundle failed"
world_up
host_new legacy private
host_new corrupt private
host_new tampered private
variant "$BOOTSTRAP_SH" "${SW}/legacy.sh" "MIRRORED_TARGETS=(${TARGET})"
variant "$BOOTSTRAP_SH" "${SW}/corrupt.sh" "MIRRORED_TARGETS=(3.11.2:x86_64:2.35)"
variant "$BOOTSTRAP_SH" "${SW}/tampered.sh" "MIRRORED_TARGETS=(3.11.2:x86_64:2.34)" MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1
ar_faults "{\"corrupt\": 1, \"corrupt_prefix\": \"${CORRUPT%%-*}\"}"

boot legacy legacy "${SW}/legacy.sh" 300 &
L=$!
boot corrupt corrupt "${SW}/corrupt.sh" 300 &
C=$!
boot tampered tampered "${SW}/tampered.sh" 300 &
X=$!
wait "$L" || true
wait "$C" || true
wait "$X" || true

LEGACY_REQUESTS=$(ar_client legacy requests)
say "legacy: ${LEGACY_REQUESTS} AR requests for a first boot without a bundle (the old count); $(ar_client corrupt requests) for corrupt, with its bundle fetched twice"
legacy_ok() {
  rc_is legacy 0 && attr_is legacy status ready || return 1
  local fetched
  fetched=$(ar_client legacy fetched)
  [[ $fetched != *pip_airlock_bundle* ]] || { echo "fetched a bundle: ${fetched}"; return 1; }
  (($(wc -w <<<"$fetched") >= 30)) || { echo "fetched only: ${fetched}"; return 1; }
  ((LEGACY_REQUESTS > 32)) || { echo "only ${LEGACY_REQUESTS} requests without a bundle?"; return 1; }
}
check "legacy (no bundle for its target, as an older mirror leaves the auth repo): ready through the index, a page and a file per project" legacy_ok
corrupt_ok() {
  rc_is corrupt 0 && attr_is corrupt status ready || return 1
  [[ $(ar_stat corrupted) == 1 ]] || { echo "$(ar_stat corrupted) downloads corrupted"; return 1; }
  [[ $(ar_client corrupt fetched) == "${SEEDED_SIGNED_SET} ${CORRUPT} ${CORRUPT} keyring-"* ]] || { echo "fetched: $(ar_client corrupt fetched)"; return 1; }
  on_host corrupt check "${VENV_DIR}/bin/python" -c 'from importlib.metadata import version; assert version("keyring") == "25.7.0"'
}
check "corrupt: a bundle whose download does not match the index's sha256 is fetched again, then installed (ready)" corrupt_ok
check "tampered: refused, failed-step=venv, status=failed, within 60 s" failed_within tampered tampered venv 60
tampered_nothing() {
  local p fetched
  for p in /etc/pip.conf /usr/local/bin/keyring /usr/local/bin/virtualenv "${VENV_DIR}/bin/keyring" "${VENV_DIR}/bin/pip"; do
    [[ ! -e $(hostdir tampered)/upper${p} && ! -L $(hostdir tampered)/upper${p} ]] || { echo "${p} exists"; return 1; }
  done
  [[ -z $(find "$(hostdir tampered)/upper${VENV_DIR}" -mindepth 1 -name 'keyring*' 2>/dev/null) ]] || { echo "keyring files in the venv"; return 1; }
  fetched=$(ar_client tampered fetched)
  [[ $fetched == "${SEEDED_SIGNED_SET} ${TAMPERED}" ]] || { echo "fetched: ${fetched} (a fallback to the index?)"; return 1; }
  grep -q "sha256 is not the one the manifest pins" "${LOGS}/tampered.log" || { echo "no reason in the log"; return 1; }
}
check "tampered: nothing installed (no pip, no keyring in the venv), pip not configured, and no fallback to the index: the bundle was the only file fetched" tampered_nothing
finish
