#!/usr/bin/env bash
# Scenario images-smoke: the simulation's Debian 13 (trixie) image and the wheels a CPython 3.13 host
# needs (infrastructure proof; the startup scripts themselves do not run here).
# A bare Debian 13 public host apt-get installs python3-pip (25.1.1) and twine (6.1.0) from the local
# trixie archive; its pip downloads the helpers' closure from the fake PyPI for CPython 3.13 on glibc
# 2.41 (cffi 1.17.1 cp313, charset-normalizer 3.4.2 cp313, and cryptography 43.0.0 after backtracking
# from 50.0.2, which needs cffi>=2.0.0: no cp313 build of that here) and for CPython 3.11 with Debian
# 12's tags (the cp311 wheels, nothing built for glibc 2.41); Debian 13's twine uploads them to the fake
# AR as the mirror does, and what it refuses is recorded; a bare Debian 13 private host installs keyring
# from the AR into a venv and runs keyring + cryptography (Rust bindings, cffi) under python3.13.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
world_up
host_new pub13 public --image debian-13
host_new priv13 private --image debian-13
read -r PY13 GLIBC13 <<<"$(image_target debian-13)"
read -r PY12 GLIBC12 <<<"$(image_target debian-12)"
HELPERS="keyring keyrings.google-artifactregistry-auth pip virtualenv"
# The token of a host's own service account, from its metadata server (on the host).
# shellcheck disable=SC2016 # expanded on the host
TOKEN_SH='curl -fsS -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token |
  python3 -c "import json,sys; print(json.load(sys.stdin)[\"access_token\"])"'

images() {
  [[ $PY13 == 3.13 && $GLIBC13 == 41 ]] || { echo "debian-13 is python ${PY13}, glibc 2.${GLIBC13}"; return 1; }
  [[ $PY12 == 3.11 && $GLIBC12 == 36 ]] || { echo "debian-12 is python ${PY12}, glibc 2.${GLIBC12}"; return 1; }
  [[ $(host_rootfs pub13) == "$E2E_ROOTFS_TRIXIE" && $(host_rootfs priv13) == "$E2E_ROOTFS_TRIXIE" ]] || { echo "not on the trixie rootfs"; return 1; }
  grep -qx 'VERSION_CODENAME=trixie' "$(on_disk pub13 /etc/os-release)" || { echo "$(on_disk pub13 /etc/os-release) is not trixie's"; return 1; }
  on_host pub13 probe python3 -c 'import sys; assert sys.version_info[:2] == (3, 13), sys.version'
}
check "images: the debian-13 hosts boot the cached trixie rootfs (python 3.13, glibc 2.41; debian-12: 3.11, 2.36)" images
bare13() {
  local p
  for p in /usr/lib/python3/dist-packages/pip /usr/share/python-wheels /usr/lib/python3.13/ensurepip /usr/bin/twine /etc/pip.conf; do
    [[ ! -e $(host_rootfs pub13)${p} ]] || { echo "the image has ${p}"; return 1; }
  done
  ! on_host priv13 probe python3 -c 'import ensurepip' 2>/dev/null || { echo "ensurepip importable"; return 1; }
  ! on_host priv13 probe python3 -c 'import pip' 2>/dev/null || { echo "pip importable"; return 1; }
}
check "bare debian-13 image: no pip, no ensurepip (python3.13-venv), no python-wheels, no twine, no pip.conf" bare13

# --- apt on the Debian 13 public host ----------------------------------------------------------------
APT_RC=0
on_host pub13 apt timeout 300 bash -euc 'export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends python3-pip twine' >"${LOGS}/apt.log" 2>&1 || APT_RC=$?
pkg_version() { # pkg_version HOST PACKAGE: its installed version, from the host's dpkg status
  awk -v p="Package: $2" '$0 == p { f = 1 } f && /^Status: / { s = $0 } f && /^Version: / { if (s ~ / installed$/) print $2; exit }' \
    "$(on_disk "$1" /var/lib/dpkg/status)"
}
apt13() {
  ((APT_RC == 0)) || { tail -n 20 "${LOGS}/apt.log"; return 1; }
  [[ $(pkg_version pub13 python3-pip) == 25.1.1+dfsg-1 ]] || { echo "python3-pip '$(pkg_version pub13 python3-pip)'"; return 1; }
  [[ $(pkg_version pub13 twine) == 6.1.0-1 ]] || { echo "twine '$(pkg_version pub13 twine)'"; return 1; }
  grep -q 'debian-trixie' "$(on_disk pub13 /etc/apt/sources.list)" || { echo "apt did not use the trixie archive"; return 1; }
}
check "debian-13 public host: apt-get installs python3-pip 25.1.1 and twine 6.1.0 from the local trixie archive" apt13

# --- pip download (Debian 13's pip 25.1.1) for CPython 3.13 and 3.11 ----------------------------------
download() { # download PYVERSION IMAGE: the helpers' closure for that CPython with that image's tags
  local platforms=() p
  for p in $(image_platforms "$2"); do platforms+=(--platform "$p"); done
  # shellcheck disable=SC2086 # the helpers' names
  on_host pub13 "dl-$1" timeout 300 env PIP_CONFIG_FILE=/dev/null python3 -m pip download --no-cache-dir \
    --disable-pip-version-check --no-input --progress-bar off --index-url https://pypi.org/simple/ \
    --dest "/var/tmp/dl-$1" --only-binary=:all: --implementation cp --python-version "$1" "${platforms[@]}" \
    $HELPERS >"${LOGS}/download-$1.log" 2>&1
}
# The fake PyPI's access log: what pip fetched during each download.
mark() { wc -l <"${LOGS}/pypi.log"; }
M0=$(mark)
DL13_RC=0
download 3.13 debian-13 || DL13_RC=$?
M1=$(mark)
DL11_RC=0
download 3.11 debian-12 || DL11_RC=$?
DL13=$(hostdir pub13)/upper/var/tmp/dl-3.13
DL11=$(hostdir pub13)/upper/var/tmp/dl-3.11
listing() { find "$1" -maxdepth 1 -type f -printf '%f\n' 2>/dev/null | LC_ALL=C sort | tr '\n' ' '; }
say "CPython 3.13 closure: $(listing "$DL13")"
say "CPython 3.11 closure: $(listing "$DL11")"

# closure_ok DIR PY GLIBC: one wheel per project, each one the target accepts (tags, Requires-Python).
closure_ok() {
  "$PY" "${SIM}/checks.py" closure-fits "$1" "$2" "$3"
}
has() { # has DIR FILE...
  local d=$1 f
  shift
  for f in "$@"; do [[ -f ${d}/${f} ]] || { echo "no ${f} in ${d##*/}: $(listing "$d")"; return 1; }; done
}
lacks() { # lacks DIR GLOB...
  local d=$1 g hits
  shift
  for g in "$@"; do
    hits=$(cd "$d" && find . -maxdepth 1 -name "$g" -printf '%f ')
    [[ -z $hits ]] || { echo "${d##*/} has ${hits}"; return 1; }
  done
}
cp313() {
  ((DL13_RC == 0)) || { tail -n 25 "${LOGS}/download-3.13.log"; return 1; }
  closure_ok "$DL13" 3.13 41 || return 1
  has "$DL13" cffi-1.17.1-cp313-cp313-manylinux_2_41_x86_64.whl charset_normalizer-3.4.2-cp313-cp313-manylinux_2_41_x86_64.whl \
    cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl keyring-25.7.0-py3-none-any.whl pip-26.2.1-py3-none-any.whl \
    virtualenv-21.14.1-py3-none-any.whl keyrings_google_artifactregistry_auth-1.1.2-py3-none-any.whl || return 1
  lacks "$DL13" '*cp311*'
}
check "pip 25.1.1 download for CPython 3.13 (manylinux_2_41 … 2_17, 2014): a complete closure, cffi 1.17.1 cp313, charset-normalizer 3.4.2 cp313, cryptography 43.0.0 (abi3), no cp311 wheel" cp313
backtracked() {
  # cryptography 50.0.2 (cp311-abi3, manylinux_2_34: tags a 3.13 host accepts) was fetched from the
  # fake PyPI during the 3.13 download, and not kept: its cffi>=2.0.0 has no cp313 build here.
  local window
  window=$(sed -n "$((M0 + 1)),${M1}p" "${LOGS}/pypi.log")
  grep -qF 'GET /files/cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl' <<<"$window" ||
    { echo "pip never fetched cryptography 50.0.2 for 3.13"; return 1; }
  local req
  req=$("$PY" "${SIM}/checks.py" wheel-metadata "${E2E_PYPI}/files/cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl" |
    grep '^Requires-Dist: cffi')
  [[ $req == *'cffi>=2.0.0'* ]] || { echo "cryptography 50.0.2 requires ${req}"; return 1; }
  lacks "$DL13" 'cryptography-50*' 'cffi-2*'
}
check "pip's resolver backtracked for 3.13: it fetched cryptography 50.0.2 (needs cffi>=2.0.0, only cp311 here), kept 43.0.0 + cffi 1.17.1" backtracked
cp311() {
  ((DL11_RC == 0)) || { tail -n 25 "${LOGS}/download-3.11.log"; return 1; }
  closure_ok "$DL11" 3.11 36 || return 1
  has "$DL11" cffi-2.1.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl \
    charset_normalizer-3.5.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl keyring-25.7.0-py3-none-any.whl || return 1
  lacks "$DL11" '*manylinux_2_41*' '*cp313*'
}
check "pip 25.1.1 download for CPython 3.11 with Debian 12's tags (<= manylinux_2_36): the cp311 wheels (cffi 2.1.1, cryptography 50.0.2, charset-normalizer 3.5.2), none built for glibc 2.41" cp311
# The platform tag alone decides here: cryptography 43.0.0 is cp37-abi3 (any CPython >= 3.7), built
# against glibc 2.41.
DL_TAGS=()
for image in debian-12 debian-13; do
  platforms=()
  for p in $(image_platforms "$image"); do platforms+=(--platform "$p"); done
  rc=0
  on_host pub13 "tags-${image}" timeout 120 env PIP_CONFIG_FILE=/dev/null python3 -m pip download --no-cache-dir \
    --disable-pip-version-check --no-input --progress-bar off --index-url https://pypi.org/simple/ --no-deps \
    --dest "/var/tmp/tags-${image}" --only-binary=:all: --implementation cp --python-version 3.11 "${platforms[@]}" \
    cryptography==43.0.0 >"${LOGS}/tags-${image}.log" 2>&1 || rc=$?
  DL_TAGS+=("$rc")
done
per_target_tags() {
  ((DL_TAGS[0] != 0)) || { echo "a Debian 12 target accepted $(listing "$(hostdir pub13)/upper/var/tmp/tags-debian-12")"; return 1; }
  ((DL_TAGS[1] == 0)) || { tail -n 5 "${LOGS}/tags-debian-13.log"; return 1; }
  has "$(hostdir pub13)/upper/var/tmp/tags-debian-13" cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl
}
check "per-target tags: cryptography 43.0.0 (cp37-abi3, manylinux_2_41) is refused with Debian 12's platform tags (<= 2_36), accepted with Debian 13's" per_target_tags
seed_matches() {
  # seed_auth_repo debian-13 (the per-target seed for private-host scenarios) picks what pip resolved.
  local picks
  # shellcheck disable=SC2086 # the target's fields and the project names
  picks=$("$PY" "${SIM}/target_closure.py" "${E2E_PYPI}/files" $PY13 $GLIBC13 $CLOSURE) || return 1
  "$PY" "${SIM}/checks.py" same-picks "$DL13" "$picks"
}
check "seed_auth_repo debian-13 picks the file pip resolved for 3.13 for every closure project" seed_matches
markers11() {
  # pip download evaluates environment markers with the interpreter it runs on (pypa/pip#11010): on
  # python 3.13, the 3.11 target's `python_version < "3.12"` dependencies are not fetched.
  local p
  for p in importlib_metadata zipp backports.tarfile; do
    lacks "$DL11" "${p}-*" >/dev/null || { echo "${p} is in the 3.11 closure: pip evaluated the target's markers"; return 1; }
  done
  echo "missing for a real 3.11 host: importlib_metadata, zipp, backports.tarfile"
}
check "known limit (pypa/pip#11010), as the mirror script warns: a 3.13 host's 3.11 closure lacks what only Python < 3.12 needs (importlib-metadata, zipp, backports.tarfile)" markers11

# --- The fake PyPI's and the fake AR's pages: data-requires-python ------------------------------------
pypi_rp() {
  local page=${E2E_PYPI}/simple/cryptography/index.html
  grep -qF 'cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl#sha256=' "$page" || { cat "$page"; return 1; }
  grep -qF 'data-requires-python="&gt;=3.9, !=3.9.0, !=3.9.1">cryptography-50.0.2' "$page" || { cat "$page"; return 1; }
  grep -qF 'data-requires-python="&gt;=3.7">cryptography-43.0.0' "$page" || { cat "$page"; return 1; }
}
check "fake PyPI: PEP 503 pages with sha256 fragments and HTML-escaped data-requires-python from each wheel's METADATA" pypi_rp

# --- twine 6.1.0 (Debian 13) uploads to the auth repo, as the mirror does --------------------------------
mkdir -p "${SW}/upload"
cp -n "$DL13"/*.whl "$DL11"/*.whl "${SW}/upload/"
mkdir -p "$(hostdir pub13)/upper/var/tmp/upload"
cp "${SW}/upload/"*.whl "$(hostdir pub13)/upper/var/tmp/upload/"
# shellcheck disable=SC2016 # expanded on the host
TWINE_SH='set -uo pipefail
url=$1 mode=$2
t=$('"$TOKEN_SH"')
up() { TWINE_USERNAME=oauth2accesstoken TWINE_PASSWORD=$t TWINE_NON_INTERACTIVE=1 timeout 120 twine upload --non-interactive --disable-progress-bar --repository-url "$url" "$@"; }
cd /var/tmp/upload
if [[ $mode == all ]]; then
  up ./*.whl >/var/tmp/twine-all.log 2>&1
  echo $? >/var/tmp/twine-all.rc
else
  : >/var/tmp/twine-each.txt
  for f in *.whl; do
    rc=0
    up "$f" >"/var/tmp/twine-${f}.log" 2>&1 || rc=$?
    echo "${rc} ${f}" >>/var/tmp/twine-each.txt
  done
fi'
on_host pub13 twine-all bash -c "$TWINE_SH" twine "$AUTH_REPO_UPLOAD_URL" all >"${LOGS}/twine-all.log" 2>&1 || true
UPLOADS_AFTER_ALL=$(ar_stat uploads)
# twine's own words (rich's colours and line wrapping undone).
plain() { sed 's/\x1b\[[0-9;]*m//g' "$@" | tr -s ' \n' ' '; }
TWINE_ALL=$(plain "$(on_disk pub13 /var/tmp/twine-all.log)" 2>/dev/null || true)
say "twine 6.1.0, every file in one upload (as the mirror does): exit $(cat "$(on_disk pub13 /var/tmp/twine-all.rc)" 2>/dev/null), says: ${TWINE_ALL}"
on_host pub13 twine-each bash -c "$TWINE_SH" twine "$AUTH_REPO_UPLOAD_URL" each >"${LOGS}/twine-each.log" 2>&1 || true
ar_files >"${STATE}/ar-files.json"
# Which files twine 6.1 (packaging 25.0: Metadata-Version up to 2.4) cannot read, by their METADATA.
NEWER_META=$("$PY" "${SIM}/checks.py" newer-metadata "${SW}/upload" 2.4)
say "twine 6.1.0 refused, one file at a time: $(awk '$1 != 0 { printf "%s ", $2 }' "$(on_disk pub13 /var/tmp/twine-each.txt)" 2>/dev/null)"
for f in $(awk '$1 != 0 { print $2 }' "$(on_disk pub13 /var/tmp/twine-each.txt)" 2>/dev/null | head -n 1); do
  say "e.g. ${f}: $(plain "$(on_disk pub13 "/var/tmp/twine-${f}.log")")"
done
twine_all() {
  [[ $(cat "$(on_disk pub13 /var/tmp/twine-all.rc)") != 0 ]] || { echo "twine accepted the whole set"; return 1; }
  [[ $UPLOADS_AFTER_ALL == 0 ]] || { echo "${UPLOADS_AFTER_ALL} files uploaded by the refused run"; return 1; }
  grep -qF "ERROR InvalidDistribution: Invalid distribution metadata: '2.5' is not a valid metadata version" <<<"$TWINE_ALL" ||
    { echo "$TWINE_ALL"; return 1; }
}
check "FINDING: Debian 13's twine 6.1.0 refuses the whole upload of the real closure (InvalidDistribution: '2.5' is not a valid metadata version, pypa/twine#1327) and sends nothing" twine_all
twine_each() {
  "$PY" "${SIM}/checks.py" twine-each "$(on_disk pub13 /var/tmp/twine-each.txt)" "${STATE}/ar-files.json" "$AUTH_REPO" "${SW}/upload" "$NEWER_META"
}
check "twine 6.1.0 one file at a time: refuses exactly the Metadata-Version 2.5 wheels (filelock, idna, platformdirs, python-discovery, urllib3, virtualenv), uploads every other one intact (repacked ones included)" twine_each
# shellcheck disable=SC2016 # expanded on the host
AR_PAGE_SH='set -euo pipefail
t=$('"$TOKEN_SH"')
printf "user = \"oauth2accesstoken:%s\"\n" "$t" | curl -K - -fsS "$1"'
ar_rp() {
  local page
  page=$(on_host priv13 probe bash -c "$AR_PAGE_SH" probe "${AUTH_REPO_INDEX_URL}cryptography/") || return 1
  grep -qF 'data-requires-python="&gt;=3.7">cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl' <<<"$page" || { echo "$page"; return 1; }
  grep -qF 'data-requires-python="&gt;=3.9, !=3.9.0, !=3.9.1">cryptography-50.0.2' <<<"$page" || { echo "$page"; return 1; }
}
check "fake AR: its simple pages carry data-requires-python read from each stored wheel's METADATA" ar_rp

# --- The Debian 13 private host: keyring in a venv, from the auth repo --------------------------------
# shellcheck disable=SC2016 # expanded on the host
VENV_SH='set -euo pipefail
index=$1
t=$('"$TOKEN_SH"')
printf "user = \"oauth2accesstoken:%s\"\n" "$t" | curl -K - -fsS -o /tmp/pip-26.2.1-py3-none-any.whl "${index%simple/}files/pip-26.2.1-py3-none-any.whl"
python3 -m venv --without-pip /opt/k
PIP_INDEX_URL="https://oauth2accesstoken:${t}@${index#https://}" timeout 300 \
  /opt/k/bin/python /tmp/pip-26.2.1-py3-none-any.whl/pip install --no-cache-dir --disable-pip-version-check \
  --no-input --progress-bar off pip-26.2.1-py3-none-any.whl keyring'
VENV_RC=0
on_host priv13 venv bash -c "cd /tmp && ${VENV_SH}" venv "$AUTH_REPO_INDEX_URL" >"${LOGS}/venv.log" 2>&1 || VENV_RC=$?
venv13() {
  ((VENV_RC == 0)) || { tail -n 25 "${LOGS}/venv.log"; return 1; }
  on_host priv13 check /opt/k/bin/python -c '
import importlib.metadata as m, sys
import keyring, keyring.backend, cryptography, cffi, _cffi_backend
from cryptography.hazmat.bindings import _rust
from cryptography.fernet import Fernet
assert sys.version_info[:2] == (3, 13), sys.version
v = {d: m.version(d) for d in ("keyring", "cryptography", "cffi", "secretstorage", "jeepney", "pip")}
assert v["keyring"] == "25.7.0" and v["cryptography"] == "43.0.0" and v["cffi"] == "1.17.1", v
k = Fernet.generate_key()
assert Fernet(k).decrypt(Fernet(k).encrypt(b"airlock")) == b"airlock"
assert _cffi_backend.__file__.endswith(".cpython-313-x86_64-linux-gnu.so"), _cffi_backend.__file__
print(sys.version.split()[0], v, [b.__class__.__name__ for b in keyring.backend.get_all_keyring()])'
}
check "debian-13 private host: pip 26.2.1 installs keyring from the auth repo into a venv; keyring 25.7.0, cryptography 43.0.0 (Rust bindings, Fernet round trip) and cffi 1.17.1 run under python3.13" venv13
needs_cffi() {
  # Why the repacked cryptography requires cffi (Debian's drop-cffi-dep.patch removed it): its Rust
  # extension imports _cffi_backend when it loads.
  on_host priv13 check /opt/k/bin/python -c '
import sys
sys.modules["_cffi_backend"] = None  # as if cffi were not installed
try:
    import cryptography.hazmat.bindings._rust
except ImportError as e:
    assert "_cffi_backend" in str(e), e
    print(f"without cffi: ImportError: {e}")
else:
    sys.exit("cryptography._rust loaded without _cffi_backend")' || return 1
  "$PY" "${SIM}/checks.py" wheel-metadata "${E2E_PYPI}/files/cryptography-43.0.0-cp37-abi3-manylinux_2_41_x86_64.whl" |
    grep -xF "Requires-Dist: cffi>=1.12 ; platform_python_implementation != 'PyPy'" >/dev/null || { echo "cryptography 43.0.0 does not require cffi>=1.12"; return 1; }
}
check "repacked cryptography 43.0.0 declares upstream's cffi>=1.12 (dropped by Debian's patch): its Rust extension does not load without _cffi_backend" needs_cffi
finish
