#!/usr/bin/env bash
# Scenario supply-chain: hosts install only what the mirror signed, and the mirror publishes only what its
# policy lets through. The auth repo holds the Debian 12 closure and its bundle, signed by the fake Cloud KMS
# with the mirror's identity (as a mirror run leaves it). Then:
#   - a writer of the auth repo who is not the mirror adds a higher bundle (keyring 99.0 inside), a higher
#     pip wheel (pip 99.0) and a signed set of its own above the mirror's (its "signature" by no key KMS
#     holds): the private host `victim` verifies, refuses the forged set (its log says why), fetches neither
#     planted file and installs the signed keyring
#   - the key is rotated: version 2 signs a new signed set; `rotated` takes it (signed by version 2) while
#     version 1's set still verifies; then version 2 is disabled and `after-disable` falls back to version 1's
#   - OSV publishes an advisory against the closure's keyring: the mirror run on `pub` fails at step policy,
#     uploads and signs nothing, and the signed set the hosts take is still the earlier one
#   - the advisory withdrawn, keyring 25.8.0 appears on PyPI two days ago (younger than the 7-day cooldown):
#     the mirror runs, keeps 25.7.0 (the newest old enough), never mirrors 25.8.0, publishes a signed set
#     and reports the planted files as foreign (guest attribute foreign-files); a fresh host installs it,
#     and `python3 agent sbom` (the bundle_sbom output's command) lists exactly what that host runs
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
# This scenario changes the fake PyPI (a young keyring): a copy of its own (the files are links).
cp -a -- "$E2E_PYPI" "${SW}/pypi"
PYPI_ROOT="${SW}/pypi"
load_scripts "$E2E_SCRIPTS"
TARGET=${MIRRORED_TARGETS[0]}
seed_auth_repo
BUNDLE=$(seed_bundle debian-12 "$TARGET")
world_up
REPO_DIR="${STATE}/ar/${AUTH_REPO}"
KEY=$("$PY" "${SIM}/harness.py" json-field "$WORLD" signing_key)
FIRST_SET=$SEEDED_SIGNED_SET

# The other writer: a higher bundle of another closure, a higher pip, and a signed set KMS never signed.
PLANT="${STATE}/plant"
mkdir -p "$PLANT"
KEYRING=$(cd "$REPO_DIR" && ls keyring-*.whl)
"$PY" "${SIM}/bump_wheel.py" "${REPO_DIR}/${KEYRING}" 99.0 "$PLANT" >/dev/null || die "bump keyring"
"$PY" "${SIM}/bump_wheel.py" "${REPO_DIR}/$(cd "$REPO_DIR" && ls pip-*.whl)" 99.0 "$PLANT" >/dev/null || die "bump pip"
cp "${PLANT}/pip-99.0-py3-none-any.whl" "$REPO_DIR/"
EVIL_WHEELS=()
for f in $(closure_picks debian-12); do [[ $f == keyring-* ]] || EVIL_WHEELS+=("${E2E_PYPI}/files/${f}"); done
EVIL_DIR=$(mktemp -d "${STATE}/evil.XXXXXX")
EVIL=$("$PY" -I "$(agent_pyz)" bundle-build "$EVIL_DIR" "$(bundle_name "$TARGET")" "$TARGET" "${EVIL_WHEELS[@]}" "${PLANT}/keyring-99.0-py3-none-any.whl" </dev/null) ||
  die "building the planted bundle failed"
EVIL_NAME="${EVIL##*/}"
EVIL_NAME="${EVIL_NAME%%-*}-99.${EVIL_NAME#*-1.}"
cp "$EVIL" "${REPO_DIR}/${EVIL_NAME}"
FORGED=$("$PY" - "$REPO_DIR" "$KEY" <<'PY'
import hashlib, os, sys
sys.path.insert(0, os.path.join(os.environ["E2E_ROOT"], "agent"))
from pip_airlock_agent import signed_set
repo, key = sys.argv[1:]
files = [(n, hashlib.sha256(open(os.path.join(repo, n), "rb").read()).hexdigest()) for n in sorted(os.listdir(repo)) if n.endswith(".whl") and not n.startswith("pip_airlock_signed_set")]
statement = signed_set.statement_bytes(key + "/cryptoKeyVersions/1", files, [], "")
print(os.path.basename(signed_set.build(repo, "99.1", statement, os.urandom(384))))
PY
) || die "forging a signed set failed"

host_new victim private
boot victim victim "$BOOTSTRAP_SH" 300
victim_ok() {
  rc_is victim 0 && attr_is victim status ready || return 1
  local fetched
  fetched=$(ar_client victim fetched)
  [[ $fetched != *"$EVIL_NAME"* && $fetched != *pip-99.0* ]] || { echo "fetched a planted file: ${fetched}"; return 1; }
  [[ $fetched == "${FORGED} ${FIRST_SET} ${BUNDLE}"* ]] || { echo "fetched: ${fetched}"; return 1; }
  grep -q "refused ${FORGED}: signed set refused: its signature does not verify" "${LOGS}/victim.log" || { echo "no refusal of the forged set in its log"; return 1; }
  on_host victim check "${VENV_DIR}/bin/python" -c 'from importlib.metadata import version; assert version("keyring") == "25.7.0" and version("pip") != "99.0"'
}
check "victim: a higher bundle, a higher pip wheel and a forged signed set from another writer: none fetched or run, the forgery refused with its reason, the signed keyring installed (ready)" victim_ok

# Rotation: version 2 signs the next signed set (one more file in it, so another statement).
kms_admin -X POST --data-binary "{\"key\": \"${KEY}\"}" versions >/dev/null || die "rotation failed"
SIGNED_FILES=()
for f in "$REPO_DIR"/*.whl; do
  f=${f##*/}
  [[ $f == pip_airlock_signed_set* || $f == pip-99* || $f == "$EVIL_NAME" ]] || SIGNED_FILES+=("$f")
done
cp "${E2E_PYPI}/files/$(cd "${E2E_PYPI}/files" && ls keyring-23.9.3-*.whl)" "$REPO_DIR/" # one file more: another statement
SECOND_SET=$(svc env SSL_CERT_FILE="${E2E_PKI}/ca.crt" E2E_KMS_IP="$KMS_IP" "$PY" "${SIM}/sign_auth_repo.py" "$REPO_DIR" \
  "${KEY}/cryptoKeyVersions/2" https://cloudkms.googleapis.com/v1/ "$(world_identity mirror)" \
  --files "${SIGNED_FILES[@]}" "$(cd "$REPO_DIR" && ls keyring-23.9.3-*.whl)") || die "signing with version 2 failed"
rm -f -- "${REPO_DIR:?}/${FORGED}"
host_new rotated private
boot rotated rotated "$BOOTSTRAP_SH" 300
rotated_ok() {
  rc_is rotated 0 && attr_is rotated status ready || return 1
  grep -q "verified ${SECOND_SET}: signed by ${KEY}/cryptoKeyVersions/2" "${LOGS}/rotated.log" || { echo "not verified with version 2"; grep verif "${LOGS}/rotated.log"; return 1; }
}
check "rotated key: the signed set version 2 signed is verified and installed (ready)" rotated_ok

kms_admin -X POST --data-binary "{\"name\": \"${KEY}/cryptoKeyVersions/2\", \"state\": \"DISABLED\"}" state >/dev/null || die "disabling failed"
host_new after-disable private
boot after-disable after-disable "$BOOTSTRAP_SH" 300
disabled_ok() {
  rc_is after-disable 0 && attr_is after-disable status ready || return 1
  grep -q "refused ${SECOND_SET}: .*not enabled" "${LOGS}/after-disable.log" || { echo "version 2's set not refused as disabled"; return 1; }
  grep -q "verified ${FIRST_SET}: signed by ${KEY}/cryptoKeyVersions/1" "${LOGS}/after-disable.log" || { echo "version 1's set not taken"; return 1; }
}
check "disabled key version: its signed set is refused (KMS serves no public key for it), version 1's still verifies (ready)" disabled_ok

# OSV: an advisory against the closure's keyring. The mirror refuses it at step policy.
KEYRING_VERSION=${KEYRING#keyring-}
KEYRING_VERSION=${KEYRING_VERSION%%-*}
printf '{"keyring==%s": ["GHSA-e2e0-0000-0001"]}\n' "$KEYRING_VERSION" >"${STATE}/osv-advisories.json"
UPLOADS_BEFORE=$(ar_stat uploads)
host_new pub public
boot pub pub "$MIRROR_SH" 600
osv_refused() {
  [[ $(rc_of pub) != 0 ]] || { echo "the mirror succeeded"; return 1; }
  attr_is pub status failed && attr_is pub failed-step policy || return 1
  grep -q "GHSA-e2e0-0000-0001" "${LOGS}/pub.log" || { echo "the advisory is not named"; return 1; }
  [[ $(ar_stat uploads) == "$UPLOADS_BEFORE" ]] || { echo "uploads went from ${UPLOADS_BEFORE} to $(ar_stat uploads)"; return 1; }
  local f
  for f in "$REPO_DIR"/pip_airlock_signed_set-*; do
    [[ ${f##*/} == "$FIRST_SET" || ${f##*/} == "$SECOND_SET" ]] || { echo "a new signed set appeared: ${f##*/}"; return 1; }
  done
}
check "OSV advisory against the closure's keyring: the mirror fails at step policy naming it, uploads and signs nothing; the earlier signed sets keep serving" osv_refused

# The advisory withdrawn; keyring 25.8.0 published two days ago: younger than the cooldown.
printf '{}\n' >"${STATE}/osv-advisories.json"
"$PY" "${SIM}/bump_wheel.py" "$(readlink -f "${PYPI_ROOT}/files/${KEYRING}")" 25.8.0 "${PYPI_ROOT}/files" >/dev/null
"$PY" "${SIM}/scenario_data.py" add-release "$PYPI_ROOT" keyring-25.8.0-py3-none-any.whl
printf '{"keyring-25.8.0-py3-none-any.whl": 2}\n' >"${PYPI_ROOT}/upload-times.json"
boot pub pub2 "$MIRROR_SH" 600
cooldown_ok() {
  rc_is pub2 0 && attr_is pub status ready || return 1
  [[ ! -e ${REPO_DIR}/keyring-25.8.0-py3-none-any.whl ]] || { echo "keyring 25.8.0 was mirrored"; return 1; }
  grep -q "keyring 25.8.0" "${LOGS}/pub2.log" || { echo "the skipped release is not in the log"; return 1; }
  local foreign
  foreign=$(attr pub foreign-files)
  [[ $foreign == *pip-99.0-py3-none-any.whl* && $foreign == *"$EVIL_NAME"* ]] || { echo "foreign-files: ${foreign}"; return 1; }
}
check "cooldown: keyring 25.8.0 (two days old) is not mirrored, 25.7.0 is; the mirror publishes a signed set and reports the planted files as foreign" cooldown_ok

host_new fresh private
boot fresh fresh "$BOOTSTRAP_SH" 300
"$PY" -c 'import sys, zipapp; zipapp.create_archive(sys.argv[1], sys.argv[2], filter=lambda p: "tests" not in p.parts and "__pycache__" not in p.parts)' \
  "${E2E_ROOT}/agent" "$(hostdir fresh)/tmp-operator-agent.pyz"
# shellcheck disable=SC2016 # the inner script expands its own arguments
on_host fresh sbom bash -c 'curl -fsS -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token |
  python3 -c "import json, sys; print(json.load(sys.stdin)[\"access_token\"])" |
  python3 /tmp/operator-agent.pyz sbom --index "$1" --signing-key "$2" --target "$3"' _ "$AUTH_REPO_INDEX_URL" "$KEY" "$TARGET" >"${STATE}/sbom.json" 2>"${LOGS}/sbom.err" || true
sbom_ok() {
  rc_is fresh 0 && attr_is fresh status ready || return 1
  on_host fresh list "${VENV_DIR}/bin/python" -I -m pip list --format=json >"${STATE}/fresh-installed.json" || return 1
  "$PY" - "${STATE}/sbom.json" "${STATE}/fresh-installed.json" <<'PY'
import json, re, sys
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
sbom = {(norm(c["name"]), c["version"]) for c in json.load(open(sys.argv[1]))["components"]}
installed = {(norm(d["name"]), d["version"]) for d in json.load(open(sys.argv[2]))}
assert ("keyring", "25.7.0") in sbom, sorted(sbom)
assert sbom == installed, f"in the SBOM only: {sorted(sbom - installed)}; installed only: {sorted(installed - sbom)}"
print(f"{len(sbom)} components, each installed at that version")
PY
}
check "SBOM: python3 agent sbom (verified as a host verifies) lists exactly the distributions the fresh host's keyring venv runs" sbom_ok
finish
