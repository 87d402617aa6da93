#!/usr/bin/env bash
# Scenario day2: helpers stay current. After a first deploy (mirror, then a private host, keyring
# 25.7.0), a newer keyring appears on PyPI (25.8.0: the same code, its version raised: a CVE fix, say).
# The mirror, run again (as mirror.schedule starts it), uploads it and a new bundle; the private host,
# rebooted, installs it and reports changes > 0; a second reboot changes nothing.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
# This scenario changes the fake PyPI: a copy of its own (the files are links).
cp -a -- "$E2E_PYPI" "${SW}/pypi"
PYPI_ROOT="${SW}/pypi"
load_scripts "$E2E_SCRIPTS"
world_up
host_new public public
host_new private private

boot public mirror1 "$MIRROR_SH" 600
boot private boot1 "$BOOTSTRAP_SH" 600
keyring_is() { on_host private check "${VENV_DIR}/bin/python" -c 'import sys; from importlib.metadata import version; v = version("keyring"); print(v); sys.exit(v != sys.argv[1])' "$1"; }
first_deploy() { rc_is mirror1 0 && rc_is boot1 0 && attr_is private status ready && keyring_is 25.7.0; }
check "first deploy: the mirror and the private host are ready, keyring 25.7.0" first_deploy

# keyring 25.8.0 is published: its wheel, and PyPI's page for keyring lists it.
"$PY" "${SIM}/bump_wheel.py" "$(readlink -f "${PYPI_ROOT}/files/keyring-25.7.0-py3-none-any.whl")" 25.8.0 "${PYPI_ROOT}/files" >/dev/null
"$PY" "${SIM}/scenario_data.py" add-release "$PYPI_ROOT" keyring-25.8.0-py3-none-any.whl
UPLOADS1=$(ar_stat uploads)
boot public mirror2 "$MIRROR_SH" 600
ar_files >"${STATE}/ar-files-2.json"
picked_up() {
  rc_is mirror2 0 || return 1
  (($(ar_stat uploads) > UPLOADS1)) || { echo "the second run uploaded nothing"; return 1; }
  repo_files "${STATE}/ar-files-2.json" "$AUTH_REPO" | grep -x 'keyring-25.8.0-py3-none-any.whl' >/dev/null || { echo "no keyring 25.8.0 in the auth repo"; return 1; }
  grep -q 'uploaded by this run' "${LOGS}/mirror2.log" || { echo "the mirror does not say what it uploaded"; return 1; }
}
check "the mirror, run again, uploads the new release (and says what it uploaded)" picked_up

boot private boot2 "$BOOTSTRAP_SH" 600
upgraded() {
  rc_is boot2 0 && attr_is private status ready && keyring_is 25.8.0 || return 1
  (($(attr_after boot2 changes) > 0)) || { echo "changes: $(attr_after boot2 changes)"; return 1; }
  grep -q 'helpers: keyring 25.7.0 -> 25.8.0' "${LOGS}/boot2.log" || { grep 'helpers:' "${LOGS}/boot2.log"; return 1; }
}
check "the private host, rebooted, installs keyring 25.8.0, says so, and reports changes > 0" upgraded

boot private boot3 "$BOOTSTRAP_SH" 600
steady() { rc_is boot3 0 && attr_is private status ready && keyring_is 25.8.0 && attr_is private changes 0; }
check "a second reboot changes nothing (changes 0), keyring 25.8.0 kept" steady
finish
