#!/usr/bin/env bash
# Scenario faults-bootstrap: the private host's bootstrap against what goes wrong, with the auth repo
# as a mirror leaves it (the closure's files placed in the fake AR directly; scenario
# mirror-bootstrap proves the mirror fills it so).
#   - a full disk (a 20 MB /opt): the bootstrap fails at the step that ran out of space, within its
#     bound, and configures nothing (no /etc/pip.conf, no keyring on PATH: pip keeps working as before)
#   - an auth repo that does not exist (403 from AR): it gives up after its bound, failed-step=wait-for-auth-repo
#   - a second boot with Artifact Registry unreachable: a host whose configuration is in place keeps
#     it, exits 0 and reports status=ready-stale with stale-step=wait-for-auth-repo (not failed)
#   - a third boot with AR back but the host's read grant on the pip index revoked (403): failed at
#     probe, not ready-stale: the configuration is in place but does not work
#   - the keyring venv's directory exists but the bootstrap did not create it (no marker; a venv of
#     another Python, which the old bootstrap would have cleared): failed at venv, not one byte changed
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
seed_auth_repo
world_up
host_new priv-disk private
host_new priv-norepo private
host_new priv-stale private
host_new priv-foreign private
# Someone else's directory where the config puts the keyring venv: a venv of another Python and data.
# shellcheck disable=SC2016 # expanded on the host
on_host priv-foreign image bash -euc 'mkdir -p "$1/bin" && printf "home = /usr/bin\nversion = 3.9.2\n" >"$1/pyvenv.cfg" &&
  printf "precious\n" >"$1/data.db"' image "$VENV_DIR" >"${LOGS}/priv-foreign-image.log" 2>&1 || die "provisioning priv-foreign failed"
"$PY" "${SIM}/treehash.py" "$(hostdir priv-foreign)/upper${VENV_DIR}" >"${STATE}/foreign-before.txt"
FAST=(MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1)
variant "$BOOTSTRAP_SH" "${SW}/fast.sh" "${FAST[@]}"
variant "$BOOTSTRAP_SH" "${SW}/norepo.sh" "${FAST[@]}" WAIT_ATTEMPTS=3 \
  "AUTH_REPO_INDEX_URL=https://${AR_HOST}/${AUTH_REPO%%/*}/no-such-repo/simple/"

boot priv-disk full-disk "${SW}/fast.sh" 300 --tmpfs /opt:20m &
D=$!
boot priv-norepo norepo "${SW}/norepo.sh" 300 &
N=$!
boot priv-foreign foreign "${SW}/fast.sh" 300 &
F=$!
(
  boot priv-stale stale-boot1 "$BOOTSTRAP_SH" 300
  "$PY" "${SIM}/treehash.py" "$(hostdir priv-stale)/upper" | grep -v ' var/lib/pip-airlock/guest-attribute-writes ' >"${STATE}/stale-before.txt"
  # Artifact Registry becomes unreachable: the route to the API VIP is gone.
  ip -n "$(hostns priv-stale)" route del "$VIP_RANGE"
  boot priv-stale stale-boot2 "${SW}/fast.sh" 300
  "$PY" "${SIM}/treehash.py" "$(hostdir priv-stale)/upper" | grep -v ' var/lib/pip-airlock/guest-attribute-writes ' >"${STATE}/stale-after.txt"
  # AR is back, but the host's account lost its read grant on the pip index's repository: the
  # configuration is in place yet does not work. That is failed (at the probe), not ready-stale.
  ip -n "$(hostns priv-stale)" route add "$VIP_RANGE" via "$(host_gateway priv-stale)"
  ar_revoke "$INDEX_REPO" "$(world_identity bootstrap)"
  boot priv-stale revoked-boot3 "${SW}/fast.sh" 300
) &
S=$!
wait "$D" || true
wait "$N" || true
wait "$S" || true
wait "$F" || true

FULL_STEP=install
check "full disk: failed-step=${FULL_STEP}, status=failed, within 120 s" failed_within priv-disk full-disk "$FULL_STEP" 120
nothing_configured() {
  local p
  for p in /etc/pip.conf /etc/uv/uv.toml /usr/local/bin/keyring /usr/local/bin/virtualenv /root/.pypirc; do
    [[ ! -e $(hostdir priv-disk)/upper${p} && ! -L $(hostdir priv-disk)/upper${p} ]] || { echo "${p} was written"; return 1; }
  done
}
check "full disk: nothing configured (no pip.conf, uv.toml, .pypirc, keyring or virtualenv link)" nothing_configured
check "full disk: last accepted status=failed, no write dropped" attrs_honest priv-disk failed
check "missing auth repo (403): gives up after its bound, failed-step=wait-for-auth-repo, within 60 s" \
  failed_within priv-norepo norepo wait-for-auth-repo 60
check "stale: the first boot configures the host (exit 0)" rc_is stale-boot1 0
stale_ok() {
  rc_is stale-boot2 0 || return 1
  [[ $(attr_after stale-boot2 status) == ready-stale ]] || { echo "status '$(attr_after stale-boot2 status)'"; return 1; }
  [[ $(attr_after stale-boot2 stale-step) == wait-for-auth-repo ]] || { echo "stale-step '$(attr_after stale-boot2 stale-step)'"; return 1; }
  [[ $(attr_after stale-boot2 changes) == 0 ]] || { echo "changes '$(attr_after stale-boot2 changes)'"; return 1; }
}
check "stale: a second boot without Artifact Registry keeps the working configuration: exit 0, status=ready-stale, stale-step=wait-for-auth-repo, 0 changes" stale_ok
check "stale: the host's disk is unchanged by that boot (configuration kept as it was)" diff "${STATE}/stale-before.txt" "${STATE}/stale-after.txt"
check "revoked: a configured host whose account may no longer read the pip index fails at the probe (403), not ready-stale" \
  failed_within priv-stale revoked-boot3 probe 120
check "revoked: last accepted status=failed, no write dropped across three boots" attrs_honest priv-stale failed
check "foreign venv directory (no marker): failed-step=venv, status=failed, within 60 s" failed_within priv-foreign foreign venv 60
foreign_untouched() {
  "$PY" "${SIM}/treehash.py" "$(hostdir priv-foreign)/upper${VENV_DIR}" | diff "${STATE}/foreign-before.txt" - || return 1
  grep -q "did not create it (no .pip-airlock-venv): left untouched" "${LOGS}/foreign.log" || { echo "no reason in the log"; return 1; }
}
check "foreign venv directory (no marker): nothing in it changed, and the log says why" foreign_untouched
finish
