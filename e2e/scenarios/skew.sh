#!/usr/bin/env bash
# Scenario skew: `ready` means a user can install. The auth repo holds a closure whose keyring is old
# (23.9.3, Debian 12's own) beside a virtualenv that seeds new venvs with pip 26.2.1, which asks keyring
# with --mode=creds and refuses a keyring CLI older than 25.2.1 (pypa/pip#14150). Everything the host
# itself does works (the keyring venv, pip.conf, root's `keyring get` probe); a user's fresh venv cannot
# authenticate. The bootstrap must end failed at probe, with both versions in the log, never ready.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
seed_auth_repo
rm -f -- "${STATE}/ar/${AUTH_REPO}"/keyring-25.*.whl
cp -L "${E2E_PYPI}/files/keyring-23.9.3-py3-none-any.whl" "${STATE}/ar/${AUTH_REPO}/"
world_up
host_new priv private
variant "$BOOTSTRAP_SH" "${SW}/fast.sh" MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1

boot priv skewed "${SW}/fast.sh" 300
check "skewed auth repo: failed-step=probe, status=failed, within 120 s" failed_within priv skewed probe 120
never_ready() {
  "$PY" "${SIM}/checks.py" never-status "${STATE}/guest-attributes-priv.log" "${GUEST_ATTR_NAMESPACE}/status" ready ready-stale
}
check "skewed auth repo: the host never reported ready (nor ready-stale)" never_ready
cause_logged() {
  grep -q "the venv's pip 26.2.1 needs keyring >= 25.2.1; the auth repo serves 23.9.3" "${LOGS}/skewed.log" || { grep 'user probe' "${LOGS}/skewed.log"; return 1; }
  # The host's own side worked: the keyring venv holds 23.9.3, pip is configured, root's probe passed.
  grep -q 'credentials accepted' "${LOGS}/skewed.log" || { echo "root's probe did not pass: the failure is not the user's"; return 1; }
  on_host priv check "${VENV_DIR}/bin/python" -c 'from importlib.metadata import version; assert version("keyring") == "23.9.3"'
}
check "skewed auth repo: the serial log names the cause (the venv's pip 26.2.1 needs keyring >= 25.2.1; the auth repo serves 23.9.3), past a working root probe" cause_logged
finish
