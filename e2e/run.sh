#!/usr/bin/env bash
# pip-airlock end-to-end test: the startup scripts the app synthesizes, run byte for byte on simulated
# Debian 12 (and Debian 13) VMs in a simulated air gap (`npm run test:e2e`; root, Linux network and mount namespaces).
#
#   bash e2e/run.sh                 every scenario in e2e/scenarios/ (two at a time: E2E_JOBS)
#   bash e2e/run.sh NAME...         only these (e.g. `bash e2e/run.sh mirror-bootstrap`)
#
# It synthesizes the tests' copy of the example config, __tests__/fixtures/example.json (and a remote-mode + virtual-repository variant of it) with the
# bundled app into its own work directory, builds or reuses the cached Debian 12 and Debian 13 rootfs,
# their local Debian archives and the wheels repacked from Debian's .debs (e2e/sim/build-cache.sh), the
# test PKI and the fake PyPI (real wheels from this machine's wheelhouse, plus the repacked ones), then runs each scenario as its own process with its own namespaces, and
# closes with one line `N passed, N failed`. E2E_KEEP=1 keeps the work directory (every log).
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the work tree
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PY=/usr/bin/python3
T0=$(date +%s.%N)
WORK=
SUMMARY=0
JOBS=${E2E_JOBS:-2}
WHEELHOUSE=${E2E_WHEELHOUSE:-/opt/pypi}

say() { printf 'e2e: %s\n' "$*"; }
elapsed() { "$PY" "${HERE}/sim/harness.py" elapsed "$1" "$(date +%s.%N)"; } # elapsed T0: seconds since T0 (date +%s.%N)
die() {
  printf 'e2e: FATAL: %s\n' "$*" >&2
  exit 1
}
cleanup() {
  local rc=$?
  if ((SUMMARY == 0)); then printf '0 passed, 1 failed\n'; fi
  if [[ -n $WORK && -d $WORK ]]; then
    if [[ ${E2E_KEEP:-0} == 1 || $rc -ne 0 ]]; then say "work directory kept: $WORK"; else rm -rf -- "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) == 0 ]] || die "run as root (network and mount namespaces, chroot)"
for tool in ip unshare chroot mount openssl curl shellcheck node npm; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (install e2e/debian-packages.txt)"
done
[[ -x $PY ]] || die "missing Debian's /usr/bin/python3"

# Every scenario, the longest first (they run E2E_JOBS at a time).
mapfile -t ALL < <(cd "${HERE}/scenarios" && for f in *.sh; do printf '%s\n' "${f%.sh}"; done |
  awk '{ print ($0 == "fleet-boot" ? 0 : $0 == "mirror-bootstrap" ? 1 : $0 == "images" ? 2 : $0 == "faults-mirror" ? 3 : $0 == "attacker" ? 3 : $0 == "lock" ? 4 : $0 == "token" ? 4 : $0 == "recovery" ? 4 : 5), $0 }' | sort | cut -d' ' -f2)
SCENARIOS=("$@")
((${#SCENARIOS[@]} > 0)) || SCENARIOS=("${ALL[@]}")
for s in "${SCENARIOS[@]}"; do
  [[ -f ${HERE}/scenarios/${s}.sh ]] || die "no scenario '${s}' (have: ${ALL[*]})"
done

WORK=$(mktemp -d /var/tmp/pip-airlock-e2e.XXXXXX)
chmod 755 "$WORK"
say "work directory $WORK"

# --- The scripts under test: synthesized here, from the app and __tests__/fixtures/example.json ------
t=$(date +%s.%N)
(cd "$ROOT" && npm run --silent build) >"${WORK}/build.log" 2>&1 || { cat "${WORK}/build.log"; die "npm run build failed"; }
synth() { # synth NAME CONFIG
  (cd "$ROOT" && AIRLOCK_CONFIG=$2 CDKTF_OUTDIR="${WORK}/synth-$1" node dist/main.js) >"${WORK}/synth-$1.log" 2>&1 ||
    { cat "${WORK}/synth-$1.log"; die "synth of $2 failed"; }
  "$PY" "${HERE}/sim/extract_scripts.py" "${WORK}/synth-$1/stacks/airlock/cdk.tf.json" "${WORK}/scripts-$1" >/dev/null ||
    die "could not extract the startup scripts of $2"
}
synth example "${ROOT}/__tests__/fixtures/example.json"
# The remote-mode variant: the same config with mode "remote" and the virtual repository enabled.
"$PY" "${HERE}/sim/harness.py" config-variant remote-virtual "${ROOT}/__tests__/fixtures/example.json" "${WORK}/remote-virtual.json"
synth remote-virtual "${WORK}/remote-virtual.json"
# The images variant: the private host and the public host on Debian 13, and Debian 12 VMs outside the
# stack declared in mirror.targets: one mirror for CPython 3.13 and 3.11, run on a 3.13 host.
"$PY" "${HERE}/sim/harness.py" config-variant images "${ROOT}/__tests__/fixtures/example.json" "${WORK}/images.json"
synth images "${WORK}/images.json"
shellcheck -s bash "${WORK}/scripts-example/mirror.sh" "${WORK}/scripts-example/bootstrap.sh" \
  "${WORK}/scripts-remote-virtual/bootstrap.sh" "${WORK}/scripts-images/mirror.sh" "${WORK}/scripts-images/bootstrap.sh" ||
  die "the synthesized startup scripts are not shellcheck-clean"
T_SYNTH=$(elapsed "$t")

# --- Cached Debian 12 and 13 rootfs, local archives, repacked wheels; PKI; the fake PyPI -------------
t=$(date +%s.%N)
CACHE_OUT=$(bash "${HERE}/sim/build-cache.sh") || die "building the cached rootfs/archive failed"
eval "$CACHE_OUT"
T_CACHE=$(elapsed "$t")

PKI="${WORK}/pki"
mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "${PKI}/ca.key" -out "${PKI}/ca.crt" -subj "/CN=pip-airlock e2e test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" 2>/dev/null
leaf() { # leaf NAME DNS...
  local name=$1 san="" dns
  shift
  for dns in "$@"; do san+="${san:+,}DNS:${dns}"; done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${PKI}/${name}.key" \
    -out "${PKI}/${name}.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$san" >"${PKI}/${name}.ext"
  openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" -CAcreateserial \
    -days 2 -out "${PKI}/${name}.crt" -extfile "${PKI}/${name}.ext" 2>/dev/null
}
AR_HOST=$("$PY" "${HERE}/sim/harness.py" json-field "${WORK}/scripts-example/bootstrap.settings.json" AR_HOST)
[[ $AR_HOST == *.pkg.dev ]] || die "unexpected AR host '${AR_HOST}'"
leaf ar "$AR_HOST"
leaf pypi pypi.org files.pythonhosted.org pypi-stalled.test pypi-down.test
leaf kms cloudkms.googleapis.com
leaf osv api.osv.dev

"$PY" "${HERE}/sim/make_fixtures.py" --wheelhouse "$WHEELHOUSE" --extra-wheels "$WHEELS_EXTRA" --pypi "${WORK}/pypi" --private "${WORK}/private-seed" \
  >"${WORK}/fixtures.log" || die "building the fake PyPI failed (see above)"
say "fake PyPI: $(wc -l <"${WORK}/fixtures.log") projects, $(find "${WORK}/pypi/files" -name '*.whl' | wc -l) wheels"

export E2E_ROOT=$ROOT E2E_WORK=$WORK E2E_ROOTFS=$ROOTFS E2E_ARCHIVE=$ARCHIVE E2E_ROOTFS_TRIXIE=$ROOTFS_TRIXIE \
  E2E_ARCHIVE_TRIXIE=$ARCHIVE_TRIXIE E2E_WHEELS_EXTRA=$WHEELS_EXTRA E2E_PKI=$PKI \
  E2E_PYPI="${WORK}/pypi" E2E_PRIVATE_SEED="${WORK}/private-seed" \
  E2E_SCRIPTS="${WORK}/scripts-example" E2E_SCRIPTS_REMOTE="${WORK}/scripts-remote-virtual" E2E_SCRIPTS_IMAGES="${WORK}/scripts-images"
# Every host's lower layer, by image: none may change.
declare -A IMAGES=([debian-12]=$ROOTFS [debian-13]=$ROOTFS_TRIXIE)
for image in debian-12 debian-13; do
  "$PY" "${HERE}/sim/treehash.py" --no-hash "${IMAGES[$image]}" >"${WORK}/rootfs-${image}-before.txt"
done

# --- Scenarios, each its own process (E2E_JOBS at a time) ---------------------------------------------
mkdir -p "${WORK}/scenarios"
declare -A T_START=()
run_one() {
  local s=$1
  mkdir -p "${WORK}/scenarios/${s}"
  bash "${HERE}/scenarios/${s}.sh" >"${WORK}/scenarios/${s}.out" 2>&1
}
for s in "${SCENARIOS[@]}"; do
  while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
  say "scenario ${s}: started"
  T_START[$s]=$(date +%s.%N)
  (
    rc=0
    run_one "$s" || rc=$?
    elapsed "${T_START[$s]}" >"${WORK}/scenarios/${s}.duration"
    exit "$rc"
  ) &
done
wait || true

PASSED=0
FAILED=0
for s in "${SCENARIOS[@]}"; do
  cat "${WORK}/scenarios/${s}.out"
  read -r p f <"${WORK}/scenarios/${s}/result" 2>/dev/null || { p=0; f=1; echo "FAIL ${s}: no result (crashed?)"; }
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
done
for image in debian-12 debian-13; do
  "$PY" "${HERE}/sim/treehash.py" --no-hash "${IMAGES[$image]}" >"${WORK}/rootfs-${image}-after.txt"
  if diff -q "${WORK}/rootfs-${image}-before.txt" "${WORK}/rootfs-${image}-after.txt" >/dev/null; then
    PASSED=$((PASSED + 1))
    echo "PASS run: the cached ${image} rootfs (the lower layer of every ${image} host) is unchanged"
  else
    FAILED=$((FAILED + 1))
    echo "FAIL run: the cached ${image} rootfs changed"
  fi
done

printf '\nTimings (wall clock): synth %ss, cache %ss' "$T_SYNTH" "$T_CACHE"
for s in "${SCENARIOS[@]}"; do printf ', %s %ss' "$s" "$(cat "${WORK}/scenarios/${s}.duration" 2>/dev/null || echo '?')"; done
printf ', whole run %ss\n' "$(elapsed "$T0")"
SUMMARY=1
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
((FAILED == 0))
