#!/usr/bin/env bash
# Scenario images: one mirror for two images, end to end, with the scripts of a synthesized config whose
# private host runs Debian 13 and whose mirror.targets declares Debian 12 VMs outside the stack; the
# public host runs Debian 13 too (hosts.publicImage). So the mirror runs on CPython 3.13 with Debian 13's
# pip 25.1 and twine 6.1 (from apt), and downloads for CPython 3.13 (glibc 2.41) and 3.11 (glibc 2.36),
# each with its own tags and its own environment markers; twine 6.1 must upload the Metadata-Version 2.5
# wheels it refuses on its own. Then a bare Debian 13 and a bare Debian 12 private host run the same
# bootstrap, and on each a non-root user's `virtualenv v && v/bin/pip install …` works.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS_IMAGES"
world_up
host_new pub13 public --image debian-13
host_new priv13 private --image debian-13
host_new priv12 private

boot pub13 mirror "$MIRROR_SH" 600
mirror_ready() { rc_is mirror 0 && attrs_honest pub13 ready; }
check "Debian 13 public host: the mirror exits 0, status=ready, no guest-attribute write dropped" mirror_ready
tools_from_apt() {
  local st
  st=$(on_disk pub13 /var/lib/dpkg/status)
  for pkg in python3-pip twine; do
    grep -A2 -x "Package: ${pkg}" "$st" | grep -qx 'Status: install ok installed' || { echo "${pkg} is not installed"; return 1; }
  done
  grep -A8 -x 'Package: twine' "$st" | grep -qx 'Version: 6.1.0-1' || { echo "not Debian 13's twine 6.1.0"; return 1; }
  local target
  for target in '3.13.5 on x86_64 (manylinux_2_41_x86_64' '3.11.2 on x86_64 (manylinux_2_36_x86_64'; do
    grep -qF "pip download for CPython ${target}" "${LOGS}/mirror.log" || { echo "no download for ${target}"; return 1; }
  done
}
check "Debian 13 public host: pip and twine 6.1.0 from Debian 13's archive; one download per target, each with its own tags" tools_from_apt

ar_files >"${STATE}/ar-files.json"
served() {
  local want=(
    # CPython 3.13, glibc 2.41: what only Debian 13 can run (cffi's backend needs GLIBC_2.38).
    cffi-1.17.1-cp313-cp313-manylinux_2_41_x86_64.whl charset_normalizer-3.4.2-cp313-cp313-manylinux_2_41_x86_64.whl
    cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl
    # CPython 3.11, glibc 2.36.
    cffi-2.1.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl
    # Only 3.11 needs this one (python_version < "3.12"): evaluated for the target, not for this 3.13 host.
    backports.tarfile-1.2.0-py3-none-any.whl
    # Metadata-Version 2.5, which twine 6.1 refuses by itself (pypa/twine#1327).
    virtualenv-21.14.1-py3-none-any.whl filelock-4.0.8-py3-none-any.whl platformdirs-4.12.2-py3-none-any.whl
  ) f args=()
  for f in "${want[@]}"; do args+=(--has "$f"); done
  # keyring's importlib_metadata (python_version < "3.12") and its zipp: only the 3.11 target needs them.
  "$PY" "${SIM}/checks.py" repo-from-pypi "${STATE}/ar-files.json" "$AUTH_REPO" "${E2E_PYPI}/files" "${args[@]}" \
    --has-prefix importlib_metadata- --has-prefix zipp-
}
check "auth repo: each target's closure (3.13: cffi/charset-normalizer cp313, cryptography 43 for glibc 2.41; 3.11: cffi 2.1.1 cp311, cryptography 50, and the python_version < 3.12 dependencies), Metadata 2.5 wheels too, byte-identical" served
bundles_per_target() {
  local target f
  for target in "${MIRRORED_TARGETS[@]}"; do
    f=$(find "${STATE}/ar/${AUTH_REPO}" -name "$(bundle_name "$target" | tr - _)-*.whl" -printf '%f\n')
    [[ -n $f && $(wc -l <<<"$f") == 1 ]] || { echo "bundles for ${target}: ${f:-none}"; return 1; }
    "$PY" "${SIM}/inspect_bundle.py" "${STATE}/ar/${AUTH_REPO}/${f}" >"${STATE}/bundle-${target%%:*}.json" || return 1
  done
  "$PY" "${SIM}/checks.py" bundle-wheels "${STATE}"/bundle-3.13.*.json \
    --has cffi-1.17.1-cp313-cp313-manylinux_2_41_x86_64.whl --has cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl \
    --lacks-prefix backports.tarfile- --lacks-prefix importlib_metadata- || return 1
  "$PY" "${SIM}/checks.py" bundle-wheels "${STATE}"/bundle-3.11.*.json \
    --has cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl --has backports.tarfile-1.2.0-py3-none-any.whl \
    --lacks-substring manylinux_2_41
}
check "auth repo: one bundle per target, each holding that target's own closure (never the other's wheels)" bundles_per_target

boot priv13 boot13 "$BOOTSTRAP_SH" 600 &
B13=$!
boot priv12 boot12 "$BOOTSTRAP_SH" 600 &
B12=$!
wait "$B13" || true
wait "$B12" || true
ready_on() { rc_is "$2" 0 && attr_is "$1" status ready && attrs_honest "$1" ready; }
check "Debian 13 private host: the bootstrap exits 0, status=ready (its user probe passed)" ready_on priv13 boot13
check "Debian 12 private host: the same bootstrap exits 0, status=ready" ready_on priv12 boot12
own_bundle() { # own_bundle HOST TARGET: the host fetched its target's bundle (and the user probe's keyring), nothing else
  local fetched project
  fetched=$(ar_client "$1" fetched)
  project=$(bundle_name "$2" | tr - _)
  [[ $fetched == "pip_airlock_signed_set-"*" ${project}-"*" keyring-"* && $(wc -w <<<"$fetched") == 3 ]] || { echo "fetched: ${fetched}"; return 1; }
}
target_of() { local t; for t in "${MIRRORED_TARGETS[@]}"; do [[ $t == "$1".* ]] && echo "$t"; done; }
check "Debian 13 private host: installed from the 3.13 bundle (the only file it fetched but the user probe's)" own_bundle priv13 "$(target_of 3.13)"
check "Debian 12 private host: installed from the 3.11 bundle" own_bundle priv12 "$(target_of 3.11)"

# The README's instruction, as a non-root user with no credentials, on each image.
user_installs() { # user_installs HOST PYTHON
  local host=$1 python=$2 f
  on_host "$host" user bash -euc 'id alice >/dev/null 2>&1 || useradd -m -s /bin/bash alice' >/dev/null 2>&1
  on_host "$host" user runuser -u alice -- env -i HOME=/home/alice PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
    bash -c 'cd && virtualenv v && v/bin/pip install airlock-private-demo' >"${LOGS}/user-${host}.log" 2>&1 || { tail -n 20 "${LOGS}/user-${host}.log"; return 1; }
  f=$(on_disk "$host" "/home/alice/v/lib/python${python}/site-packages/airlock_private_demo/__init__.py")
  grep -qx 'MESSAGE = "hello from the private repo"' "$f" || { echo "not installed for python ${python}"; return 1; }
  ls -d "$(hostdir "$host")/upper/home/alice/v/lib/python${python}/site-packages"/pip-26.*.dist-info >/dev/null 2>&1 || { echo "the venv's pip is not 26.x"; return 1; }
}
check "Debian 13, non-root user: 'virtualenv v && v/bin/pip install …' installs the private package with CPython 3.13, no credentials" user_installs priv13 3.13
check "Debian 12, non-root user: the same, with CPython 3.11" user_installs priv12 3.11
binary_wheels() {
  on_host priv13 check "${VENV_DIR}/bin/python" -c '
import sys, importlib.metadata as m, cryptography.hazmat.bindings._rust, keyring
assert sys.version_info[:2] == (3, 13), sys.version
v = {d: m.version(d) for d in ("keyring", "cryptography", "cffi")}
assert v == {"keyring": "25.7.0", "cryptography": "43.0.0", "cffi": "1.17.1"}, v
print(v)'
}
check "Debian 13: the keyring venv runs CPython 3.13 with the cp313 binary wheels (cryptography's Rust bindings, cffi 1.17.1)" binary_wheels
finish
