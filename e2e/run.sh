#!/usr/bin/env bash
# pip-airlock end-to-end test: the synthesized startup scripts, run byte for byte on two simulated
# hosts in a simulated air gap (`npm run test:e2e`; needs root, Linux network and mount namespaces).
#
#   public host  (netns, default route) --> fake PyPI (pypi.org), fake Artifact Registry, own metadata
#   private host (netns, route to the Google API VIP 199.36.153.8/30 only) --> fake AR, own metadata
#   services     (netns) fake AR (HTTPS, 199.36.153.8), fake PyPI (HTTPS, static simple index)
#
# Each host runs in its own mount namespace with persistent overlays over /etc, /opt, /usr/local,
# /usr/share/python-wheels, /root and /home (state survives its reboots; the machine's real
# directories never change) and a fresh /tmp per boot. TLS everywhere, from a throwaway test CA
# trusted inside the hosts' overlays. The simulated hosts use Debian's /usr/bin/python3, pip and twine.
#
# Environment: E2E_KEEP=1 keeps the work directory; E2E_SCRIPTS=templates (development only) renders
# assets/*.mustache with the example values instead of reading cdktf.out/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SIM="${HERE}/sim"
PY=/usr/bin/python3
SYNTH="${ROOT}/cdktf.out/stacks/airlock/cdk.tf.json"
T0=$(date +%s.%N)

PASSED=0
FAILED=0
FAILURES=()
DURATIONS=()
PIDS=()
NETNS=()
WORK=

say() { printf 'e2e: %s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$1"; }
fail() {
  FAILED=$((FAILED + 1))
  FAILURES+=("$1")
  printf 'FAIL %s\n' "$1"
  if [[ -n ${2:-} ]]; then
    printf '%s\n' "$2" | sed 's/^/     | /' | head -n 40
  fi
}
# check NAME COMMAND...: one assertion; the command's output is shown only on failure.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
die() {
  printf 'e2e: FATAL: %s\n' "$*" >&2
  FAILED=$((FAILED + 1))
  exit 1
}

cleanup() {
  local rc=$? pid ns
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  for ns in "${NETNS[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  if [[ -n $WORK && -d $WORK ]]; then
    if [[ ${E2E_KEEP:-0} == 1 || $rc -ne 0 && $FAILED -eq 0 ]]; then
      say "work directory kept: $WORK"
    else
      rm -rf -- "$WORK"
    fi
  fi
  if ((FAILED > 0 && PASSED + FAILED > 0)) && [[ -z ${SUMMARY_PRINTED:-} ]]; then
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------------------------------------------
# Preconditions

[[ $(id -u) == 0 ]] || die "run as root (network and mount namespaces)"
for tool in ip unshare mount openssl curl twine update-ca-certificates useradd runuser shellcheck; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (install e2e/debian-packages.txt)"
done
[[ -x $PY ]] || die "missing Debian's /usr/bin/python3"
"$PY" -c 'import venv, keyring, jaraco.classes, more_itertools' 2>/dev/null ||
  die "Debian's python3 lacks venv, keyring, jaraco.classes or more_itertools (install e2e/debian-packages.txt)"
"$PY" -m pip --version >/dev/null 2>&1 || die "Debian's python3-pip is missing"
PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# A modern pip wheel (>= 23.1): Debian 12 has none; take the newest one bundled with a local Python.
MODERN_PIP=$(
  for w in /usr/share/python-wheels/pip-*.whl /root/.pyenv/versions/*/lib/python3*/ensurepip/_bundled/pip-*.whl \
    /usr/lib/python3*/ensurepip/_bundled/pip-*.whl /usr/local/lib/python3*/ensurepip/_bundled/pip-*.whl; do
    if [[ -f $w ]]; then printf '%s %s\n' "$(basename "$w" | cut -d- -f2)" "$w"; fi
  done | sort -V | tail -n1 | cut -d' ' -f2
)
if [[ -z $MODERN_PIP ]] || ! "$PY" -c 'import os, sys; v = os.path.basename(sys.argv[1]).split("-")[1]; sys.exit(tuple(map(int, v.split(".")[:2])) < (23, 1))' "$MODERN_PIP"; then
  die "no pip wheel >= 23.1 found (looked in /usr/share/python-wheels and local Pythons' ensurepip/_bundled)"
fi
OLD_PIP=$(find /usr/share/python-wheels -maxdepth 1 -name 'pip-*.whl' | sort -V | head -n1)

WORK=$(mktemp -d /var/tmp/pip-airlock-e2e.XXXXXX)
chmod 755 "$WORK"
STATE="${WORK}/state"
LOGS="${WORK}/logs"
mkdir -p "$STATE" "$LOGS" "${WORK}/scripts" "${WORK}/pki" "${WORK}/pypi" "${WORK}/private-seed"
say "work directory $WORK"

# --------------------------------------------------------------------------------------------------
# The scripts under test

if [[ ${E2E_SCRIPTS:-synth} == templates ]]; then
  say "DEVELOPMENT MODE: rendering assets/*.mustache (not the committed synth)"
  (cd "$ROOT" && npx ts-node -T -O '{"module":"commonjs"}' e2e/sim/render-templates.ts "${WORK}/scripts")
else
  "$PY" "${SIM}/extract_scripts.py" "$SYNTH" "${WORK}/scripts" || die "could not extract the startup scripts from $SYNTH"
fi
MIRROR_SH="${WORK}/scripts/mirror.sh"
BOOTSTRAP_SH="${WORK}/scripts/bootstrap.sh"
check "rendered startup scripts are shellcheck-clean" shellcheck -s bash "$MIRROR_SH" "$BOOTSTRAP_SH"

# The settings block of each script tells what to simulate (hosts, repositories, packages).
settings() { sed -n '/^# shellcheck disable=SC1083,SC2034$/,/^}$/p' "$1"; }
eval "$(settings "$MIRROR_SH" | sed 's/^PACKAGES=/M_PACKAGES=/')"
eval "$(settings "$BOOTSTRAP_SH")"
url_host() { local u=${1#*://}; u=${u#*@}; printf '%s\n' "${u%%/*}"; }
url_repo() { local u=${1#*://}; u=${u#*/}; printf '%s\n' "$(cut -d/ -f1-2 <<<"$u")"; }
[[ -n ${AUTH_REPO_INDEX_URL:-} && -n ${INDEX_URL:-} && -n ${SOURCE_INDEX_URL:-} ]] || die "unexpected script settings"
[[ $(url_host "$AUTH_REPO_INDEX_URL") == "$AR_HOST" && $(url_host "$INDEX_URL") == "$AR_HOST" ]] ||
  die "the scripts' repositories are not on $AR_HOST"
PYPI_HOST=$(url_host "$SOURCE_INDEX_URL")
AUTH_REPO=$(url_repo "$AUTH_REPO_INDEX_URL")
PRIVATE_REPO=$(url_repo "$INDEX_URL")
say "AR host ${AR_HOST}: auth repo ${AUTH_REPO}, private repo ${PRIVATE_REPO}; source index ${SOURCE_INDEX_URL}; metadata ${METADATA_HOST}"

# --------------------------------------------------------------------------------------------------
# Test PKI, wheels, fake PyPI

PKI="${WORK}/pki"
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
leaf ar "$AR_HOST"
leaf pypi "$PYPI_HOST" files.pythonhosted.org

"$PY" "${SIM}/make_fixtures.py" --pypi "${WORK}/pypi" --private "${WORK}/private-seed" \
  --pip-wheel "$MODERN_PIP" ${OLD_PIP:+--pip-wheel "$OLD_PIP"} >"${LOGS}/fixtures.log" || die "building the test wheels failed"
MODERN_PIP_FILE=$(basename "$MODERN_PIP")
say "fake PyPI: $(cd "${WORK}/pypi/packages" && echo *.whl)"

# --------------------------------------------------------------------------------------------------
# Network: three namespaces

ID=$(printf '%05d' $(($$ % 100000)))
NS_SVC="pa${ID}-svc"
NS_PUB="pa${ID}-pub"
NS_PRIV="pa${ID}-priv"
AR_IP=199.36.153.8   # private.googleapis.com VIP range 199.36.153.8/30
PYPI_IP=10.77.9.9
for ns in "$NS_SVC" "$NS_PUB" "$NS_PRIV"; do
  ip netns add "$ns"
  NETNS+=("$ns")
  ip -n "$ns" link set lo up
done
ip link add "pa${ID}a" type veth peer name "pa${ID}b"
ip link set "pa${ID}a" netns "$NS_SVC"
ip link set "pa${ID}b" netns "$NS_PUB"
ip link add "pa${ID}c" type veth peer name "pa${ID}d"
ip link set "pa${ID}c" netns "$NS_SVC"
ip link set "pa${ID}d" netns "$NS_PRIV"
ip -n "$NS_SVC" addr add 10.77.1.1/30 dev "pa${ID}a"
ip -n "$NS_SVC" addr add 10.77.2.1/30 dev "pa${ID}c"
ip -n "$NS_SVC" addr add "${AR_IP}/32" dev lo
ip -n "$NS_SVC" addr add "${PYPI_IP}/32" dev lo
ip -n "$NS_SVC" link set "pa${ID}a" up
ip -n "$NS_SVC" link set "pa${ID}c" up
ip -n "$NS_PUB" addr add 10.77.1.2/30 dev "pa${ID}b"
ip -n "$NS_PUB" link set "pa${ID}b" up
ip -n "$NS_PUB" route add default via 10.77.1.1
ip -n "$NS_PRIV" addr add 10.77.2.2/30 dev "pa${ID}d"
ip -n "$NS_PRIV" link set "pa${ID}d" up
# Private Google Access: the only route leaving the private host is the one to the API VIP range.
ip -n "$NS_PRIV" route add 199.36.153.8/30 via 10.77.2.1
for ns in "$NS_PUB" "$NS_PRIV"; do
  ip -n "$ns" addr add 169.254.169.254/32 dev lo
done

# --------------------------------------------------------------------------------------------------
# Services

SIM_TOKEN_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
export SIM_TOKEN_KEY
start() { # start LOGNAME NETNS ARGS...
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$PY" -u "${SIM}/servers.py" "$@" >"${LOGS}/${name}.log" 2>&1 &
  PIDS+=($!)
}
mkdir -p "${STATE}/ar/${PRIVATE_REPO}"
cp "${WORK}/private-seed/"*.whl "${STATE}/ar/${PRIVATE_REPO}/"   # pre-published private package
start ar "$NS_SVC" ar --bind "${AR_IP}:443" --admin 127.0.0.1:8081 --cert "${PKI}/ar.crt" --key "${PKI}/ar.key" \
  --data "${STATE}/ar" --repos "${AUTH_REPO},${PRIVATE_REPO}"
start pypi "$NS_SVC" static --bind "${PYPI_IP}:443" --cert "${PKI}/pypi.crt" --key "${PKI}/pypi.key" --root "${WORK}/pypi"
# Faults: the public host's metadata server answers its first 2 token requests slowly (3s); the
# private host's answers its first one after 12s, past the scripts' 10s timeout, which must retry.
start metadata-pub "$NS_PUB" metadata --bind 169.254.169.254:80 --state "$STATE" --name pub --ttl 30 \
  --slow-first 2 --slow-seconds 3
start metadata-priv "$NS_PRIV" metadata --bind 169.254.169.254:80 --state "$STATE" --name priv --ttl 30 \
  --slow-first 1 --slow-seconds 12
unset SIM_TOKEN_KEY

admin() { ip netns exec "$NS_SVC" curl -fsS "$@" "http://127.0.0.1:8081/${ADMIN_PATH:-}"; }
wait_for() { # wait_for WHAT COMMAND...
  local what=$1
  shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not come up (see ${LOGS})"
}
wait_for "fake AR" ip netns exec "$NS_SVC" curl -s --cacert "${PKI}/ca.crt" --resolve "${AR_HOST}:443:${AR_IP}" -o /dev/null "https://${AR_HOST}/"
wait_for "fake AR admin" admin
wait_for "fake PyPI" ip netns exec "$NS_SVC" curl -fs --cacert "${PKI}/ca.crt" --resolve "${PYPI_HOST}:443:${PYPI_IP}" -o /dev/null "https://${PYPI_HOST}/simple/"
wait_for "public metadata server" ip netns exec "$NS_PUB" curl -s -o /dev/null http://169.254.169.254/
wait_for "private metadata server" ip netns exec "$NS_PRIV" curl -s -o /dev/null http://169.254.169.254/

# --------------------------------------------------------------------------------------------------
# Hosts

HOST_PUB="${WORK}/hosts/public"
HOST_PRIV="${WORK}/hosts/private"
mkdir -p "$HOST_PUB" "$HOST_PRIV"
HOST_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
on_host() { # on_host public|private BOOT HIDE_ENSUREPIP COMMAND... (as root, clean environment)
  local which=$1 boot=$2 hide=$3 ns dir
  shift 3
  if [[ $which == public ]]; then ns=$NS_PUB dir=$HOST_PUB; else ns=$NS_PRIV dir=$HOST_PRIV; fi
  ip netns exec "$ns" unshare -m --propagation private bash "${SIM}/host.sh" "$dir" "$boot" "$hide" -- \
    "${HOST_ENV[@]}" "$@"
}

# Snapshot of the real directories the hosts overlay, to prove they never change.
REAL_DIRS=(/etc /opt /usr/local /usr/share/python-wheels /home)
"$PY" "${SIM}/treehash.py" --no-hash "${REAL_DIRS[@]}" >"${STATE}/real-before.txt"
ABSENT=()
for p in /etc/pip.conf /etc/uv/uv.toml /root/.pypirc /etc/skel/.pypirc "$VENV_DIR" /usr/local/bin/keyring \
  "/usr/share/python-wheels/${MODERN_PIP_FILE}" /home/alice /etc/pip.conf.pip-airlock-orig; do
  [[ -e $p || -L $p ]] || ABSENT+=("$p")
done

# "Image build": trust the test CA, name resolution of each host (its own /etc/hosts; DNS goes
# nowhere), and on the public host a systemctl stand-in that records a power-off instead.
# shellcheck disable=SC2016 # the inner script expands its own arguments
provision() { # provision public|private HOSTS_LINES [POWEROFF_LOG]
  local which=$1 hosts=$2
  on_host "$which" provision 0 bash -euc '
    install -m 0644 "$1" /usr/local/share/ca-certificates/pip-airlock-e2e-ca.crt
    update-ca-certificates >/dev/null 2>&1
    printf "%s" "$2" >/etc/hosts
    printf "nameserver 127.0.0.1\n" >/etc/resolv.conf
    if [[ -n $3 ]]; then
      mkdir -p /usr/local/sbin
      printf "#!/bin/sh\necho \"\$*\" >>%s\nexit 0\n" "$3" >/usr/local/sbin/systemctl
      chmod 0755 /usr/local/sbin/systemctl
    fi' provision "${PKI}/ca.crt" "$hosts" "${3:-}"
}
provision public "127.0.0.1 localhost
169.254.169.254 ${METADATA_HOST} metadata
${AR_IP} ${AR_HOST}
${PYPI_IP} ${PYPI_HOST} files.pythonhosted.org
" "${STATE}/poweroff.log"
provision private "127.0.0.1 localhost
169.254.169.254 ${METADATA_HOST} metadata
${AR_IP} ${AR_HOST}
"

# --------------------------------------------------------------------------------------------------
# The air gap, before anything runs

probe() { # probe public|private URL [curl args]: prints curl's exit code and the HTTP status
  local which=$1 url=$2 out rc=0
  shift 2
  out=$(on_host "$which" probe 0 curl -sS -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 5 "$@" "$url" 2>&1) || rc=$?
  printf '%s %s\n' "$rc" "${out##*$'\n'}"
}
gap_private() {
  local r
  r=$(probe private "${SOURCE_INDEX_URL}")
  [[ ${r%% *} != 0 ]] || { echo "private host reached ${SOURCE_INDEX_URL} by name: $r"; return 1; }
  r=$(probe private "${SOURCE_INDEX_URL}" --resolve "${PYPI_HOST}:443:${PYPI_IP}")
  [[ ${r%% *} == 7 ]] || { echo "private host -> fake PyPI ${PYPI_IP}: expected curl exit 7 (unreachable), got $r"; return 1; }
  r=$(probe private "http://10.77.1.1/")
  [[ ${r%% *} == 7 ]] || { echo "private host -> public side 10.77.1.1: expected unreachable, got $r"; return 1; }
  r=$(probe private "https://www.googleapis.com/" --resolve "www.googleapis.com:443:142.250.1.1")
  [[ ${r%% *} == 7 ]] || { echo "private host -> an internet address: expected unreachable, got $r"; return 1; }
  r=$(on_host private probe 0 ip route)
  [[ $(grep -vc 'dev pa' <<<"$r") == 0 && $(grep -c '^199.36.153.8/30 via' <<<"$r") == 1 && $(grep -c '^default' <<<"$r") == 0 ]] ||
    { echo "unexpected private routes: $r"; return 1; }
  r=$(probe private "${AUTH_REPO_INDEX_URL}")
  [[ $r == "0 401" ]] || { echo "private host -> fake AR: expected HTTP 401 without credentials, got $r"; return 1; }
  r=$(probe private "http://${METADATA_HOST}/computeMetadata/v1/instance/service-accounts/default/token")
  [[ $r == "0 403" ]] || { echo "private host -> metadata without Metadata-Flavor: expected 403, got $r"; return 1; }
  echo "private: PyPI unreachable by name and by address, only ${AR_IP} routed, AR answers 401, metadata 403"
}
gap_public() {
  local r
  r=$(probe public "${SOURCE_INDEX_URL}")
  [[ $r == "0 200" ]] || { echo "public host -> fake PyPI: expected 200, got $r"; return 1; }
  r=$(probe public "${AUTH_REPO_INDEX_URL}")
  [[ $r == "0 401" ]] || { echo "public host -> fake AR: expected 401, got $r"; return 1; }
}
check "air gap: the private host reaches only the AR VIP and its metadata server" gap_private
check "control: the public host reaches the fake PyPI and the fake AR over TLS" gap_public

# The fake AR speaks AR's protocol: 401 + WWW-Authenticate without a valid token, 400 on duplicates.
ar_protocol() {
  local token hdrs
  token=$(ip netns exec "$NS_PUB" curl -fsS -H 'Metadata-Flavor: Google' \
    http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  hdrs=$(ip netns exec "$NS_SVC" curl -sS -D - -o /dev/null --cacert "${PKI}/ca.crt" --resolve "${AR_HOST}:443:${AR_IP}" \
    -u oauth2accesstoken:ya29.forged "https://${AR_HOST}/${PRIVATE_REPO}/simple/")
  if ! grep -q '^HTTP/1.1 401' <<<"$hdrs" || ! grep -qi '^WWW-Authenticate: Basic' <<<"$hdrs"; then
    echo "forged token: $hdrs"
    return 1
  fi
  local seeds seed
  seeds=("${WORK}/private-seed/"*.whl)
  seed=${seeds[0]}
  local out
  out=$(printf 'user = "oauth2accesstoken:%s"\n' "$token" | ip netns exec "$NS_SVC" curl -sS -K - --cacert "${PKI}/ca.crt" \
    --resolve "${AR_HOST}:443:${AR_IP}" -w ' HTTP %{http_code}' -F ':action=file_upload' -F name=airlock-private-demo \
    -F version=0.1.0 -F "content=@${seed}" "https://${AR_HOST}/${PRIVATE_REPO}/")
  [[ $out == *"requested entity already exists"*"HTTP 400" ]] || { echo "duplicate upload: $out"; return 1; }
}
check "fake AR: 401 with WWW-Authenticate for a forged token, 400 'requested entity already exists' on a duplicate" ar_protocol

# --------------------------------------------------------------------------------------------------
# Boot 1: the private host starts first and must wait for the mirror; the AR fails some requests.

"$PY" "${SIM}/sampler.py" "${STATE}/argv.txt" 0.02 2>"${LOGS}/sampler.log" &
SAMPLER=$!
PIDS+=("$SAMPLER")
# 3 uploads succeed, then 8 fail: more than twine's own retries, so the mirror's loop must list the
# repo again and upload only the rest. Index listings and file downloads fail too.
ADMIN_PATH=faults admin -X POST -d '{"upload_skip": 3, "upload": 8, "simple": 2, "files": 1}' >/dev/null

BOOT_TIMEOUT=300 # a boot that takes longer has hung: fail it (exit 124) rather than the whole run
boot() { # boot public|private NAME SCRIPT HIDE_ENSUREPIP: runs a startup script, records rc and duration
  local which=$1 name=$2 script=$3 hide=$4 t0 rc=0
  t0=$(date +%s.%N)
  on_host "$which" "$name" "$hide" timeout --kill-after=10 "$BOOT_TIMEOUT" bash "$script" >"${LOGS}/${name}.log" 2>&1 || rc=$?
  printf '%s %s %.1f\n' "$name" "$rc" "$("$PY" -c "print($(date +%s.%N) - $t0)")" >"${STATE}/boot-${name}.result"
  return 0
}
duration_of() { cut -d' ' -f3 "${STATE}/boot-$1.result"; }
rc_of() { cut -d' ' -f2 "${STATE}/boot-$1.result"; }

say "boot 1: private host (bootstrap, no ensurepip) now, public host (mirror) once the private one waits"
boot private bootstrap-boot1 "$BOOTSTRAP_SH" 1 &
BOOT_PRIV=$!
for _ in $(seq 1 600); do
  grep -q 'does not serve .* yet' "${LOGS}/bootstrap-boot1.log" 2>/dev/null && break
  kill -0 "$BOOT_PRIV" 2>/dev/null || break
  sleep 0.1
done
boot public mirror-boot1 "$MIRROR_SH" 0 &
BOOT_PUB=$!
wait "$BOOT_PUB"
wait "$BOOT_PRIV"
DURATIONS+=("mirror, boot 1: $(duration_of mirror-boot1)s" "bootstrap, boot 1 (incl. waiting for the mirror): $(duration_of bootstrap-boot1)s")

show_log_on_failure() { [[ $(rc_of "$1") == 0 ]] || { tail -n 30 "${LOGS}/$1.log"; return 1; }; }
check "boot 1: the mirror succeeds" show_log_on_failure mirror-boot1
check "boot 1: the bootstrap succeeds" show_log_on_failure bootstrap-boot1

attr() { # attr pub|priv KEY
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' \
    "${STATE}/guest-attributes-$1.json" "${GUEST_ATTR_NAMESPACE}/$2" 2>/dev/null
}
attr_is() { local v; v=$(attr "$1" "$2"); [[ $v == "$3" ]] || { echo "guest attribute $1 $2 = '$v', expected '$3'"; return 1; }; }
check "boot 1: the mirror published status=ready as a guest attribute" attr_is pub status ready
check "boot 1: the bootstrap published status=ready as a guest attribute" attr_is priv status ready

waited() {
  grep -q 'does not serve .* yet' "${LOGS}/bootstrap-boot1.log" || { echo "the bootstrap never waited"; return 1; }
  local first_wait mirror_done
  first_wait=$(grep -m1 'does not serve .* yet' "${LOGS}/bootstrap-boot1.log" | cut -d' ' -f1)
  mirror_done=$(grep -m1 'mirror ready' "${LOGS}/mirror-boot1.log" | cut -d' ' -f1)
  [[ -n $mirror_done && $first_wait < $mirror_done || $first_wait == "$mirror_done" ]] ||
    { echo "waited at $first_wait, mirror ready at $mirror_done"; return 1; }
  grep -q 'the auth repo serves' "${LOGS}/bootstrap-boot1.log"
}
check "fault: the mirror finished after the private host started waiting (it waited, then went on)" waited
faults_survived() {
  local stats
  stats=$(ADMIN_PATH=stats admin)
  "$PY" -c 'import json,sys; s=json.load(sys.stdin); f=s["faults"]; sys.exit(0 if s["stats"]["faults"] >= 5 and not any(f.values()) else 1)' <<<"$stats" ||
    { echo "$stats"; return 1; }
  grep -q 'upload to the auth repo: attempt 1/' "${LOGS}/mirror-boot1.log" || { echo "mirror did not retry an upload"; return 1; }
  grep -Eq 'uploading [1-6] of 7 files' "${LOGS}/mirror-boot1.log" || { echo "no partial re-upload"; return 1; }
  "$PY" -c 'import json,sys; s=json.load(sys.stdin)["stats"]; sys.exit(0 if s["duplicates"] == 1 else 1)' <<<"$stats" ||
    { echo "the mirror sent a duplicate: $stats"; return 1; }
}
check "fault: every injected AR 503 was survived; after a partial upload only the rest was sent, never a duplicate" faults_survived
slow_metadata() {
  grep -q 'metadata token: attempt 1/' "${LOGS}/bootstrap-boot1.log" || { echo "no retry of the slow token request"; return 1; }
  grep -q 'token request 1: slow' "${LOGS}/metadata-priv.log" && grep -q 'token request 2: slow' "${LOGS}/metadata-pub.log"
}
check "fault: a slow metadata server (12s > the 10s timeout, then 3s) was survived" slow_metadata

# --------------------------------------------------------------------------------------------------
# What the auth repo holds

ADMIN_PATH=files admin >"${STATE}/ar-files-boot1.json"
auth_repo_complete() {
  "$PY" - "${STATE}/ar-files-boot1.json" "$AUTH_REPO" "${WORK}/pypi/packages" "$MODERN_PIP_FILE" <<'PY'
import hashlib, json, os, sys
files = json.load(open(sys.argv[1]))[sys.argv[2]]
pkgs, modern_pip = sys.argv[3], sys.argv[4]
want = {f for f in os.listdir(pkgs) if not f.startswith("pip-") and "cp310" not in f and "musllinux" not in f}
want.add(modern_pip)
missing = sorted(want - set(files))
extra = sorted(set(files) - want)
bad = sorted(f for f in want & set(files) if hashlib.sha256(open(os.path.join(pkgs, f), "rb").read()).hexdigest() != files[f])
need = ["airlock_sim_native-1.0.0-cp311", "airlock_sim_native-1.0.0-cp312", "keyring-23.9.3", "pip-"]
absent = [n for n in need if not any(f.startswith(n) for f in files)]
if missing or extra or bad or absent:
    sys.exit(f"missing={missing} extra={extra} sha256-mismatch={bad} absent={absent}")
print(f"{len(files)} files: {sorted(files)}")
PY
}
check "auth repo holds every needed file (cp311 + cp312 wheels, pip ${MODERN_PIP_FILE}), sha256-identical, nothing else" auth_repo_complete
manifest_ok() {
  local m f
  m=$(attr pub manifest)
  for f in $("$PY" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[sys.argv[2]]))' "${STATE}/ar-files-boot1.json" "$AUTH_REPO"); do
    grep -q " ${f}\$" <<<"$m" || { echo "manifest lacks $f: $m"; return 1; }
  done
  grep -Eq '^keyring 23\.9\.3 [0-9a-f]{64} keyring-23\.9\.3-py3-none-any\.whl$' <<<"$m" || { echo "$m"; return 1; }
  grep -Eq 'file keyring 23\.9\.3 sha256=[0-9a-f]{64} ' "${LOGS}/mirror-boot1.log"
}
check "the mirror reported every file (package, version, sha256) to the serial log and the manifest guest attribute" manifest_ok
progress() { # progress pub|priv STEP...: the `step` guest attribute went through these values, in order
  local which=$1 got want
  shift
  got=$("$PY" -c 'import json,sys; print(" ".join(json.loads(l)["value"] for l in open(sys.argv[1]) if json.loads(l)["key"] == sys.argv[2]))' \
    "${STATE}/guest-attributes-${which}.log" "${GUEST_ATTR_NAMESPACE}/step")
  want="$*"
  [[ " $got " == *" $want "* ]] || { echo "steps published: $got; expected a run of: $want"; return 1; }
}
check "progress: the mirror published each step as a guest attribute" \
  progress pub validate tools token download upload report finished
check "progress: the bootstrap published each step as a guest attribute" \
  progress priv validate token wait-for-auth-repo venv install venv-wheel configure probe finished

# --------------------------------------------------------------------------------------------------
# What the private host looks like

upper_path() { # upper_path public|private PATH: where PATH of that host lives in its overlays
  local dir=$HOST_PUB p=$2 pair
  [[ $1 == private ]] && dir=$HOST_PRIV
  for pair in etc:/etc opt:/opt usr-local:/usr/local python-wheels:/usr/share/python-wheels root:/root home:/home; do
    if [[ $p == "${pair#*:}" || $p == "${pair#*:}"/* ]]; then
      printf '%s\n' "${dir}/upper/${pair%%:*}${p#"${pair#*:}"}"
      return 0
    fi
  done
  printf '%s\n' "/nonexistent${p}"
}
host_files() {
  local up="${HOST_PRIV}/upper"
  if ! grep -qx "index-url = ${INDEX_URL}" "${up}/etc/pip.conf" || ! grep -qx 'keyring-provider = subprocess' "${up}/etc/pip.conf"; then
    echo "/etc/pip.conf:"
    cat "${up}/etc/pip.conf"
    return 1
  fi
  "$PY" - "${up}/etc/uv/uv.toml" "$INDEX_URL" <<'PY' || return 1
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
assert c["keyring-provider"] == "subprocess", c
assert [i["url"] for i in c["index"] if i.get("default")] == [sys.argv[2]], c
PY
  local f
  for f in "${up}/root/.pypirc" "${up}/etc/skel/.pypirc"; do
    if ! grep -qx "repository = ${UPLOAD_REPO_URL}" "$f" || ! grep -qx 'username = oauth2accesstoken' "$f"; then
      echo "$f"
      cat "$f"
      return 1
    fi
  done
  [[ $(stat -c %a "${up}/root/.pypirc") == 600 ]] || { echo "/root/.pypirc is not 0600"; return 1; }
  [[ $(readlink "${up}/usr-local/bin/keyring") == "${VENV_DIR}/bin/keyring" ]] || { echo "no /usr/local/bin/keyring link"; return 1; }
  [[ -f "${up}/python-wheels/${MODERN_PIP_FILE}" ]] || { echo "${MODERN_PIP_FILE} was not placed in /usr/share/python-wheels"; return 1; }
  [[ -d "$(upper_path private "${VENV_DIR}/lib/python${PYVER}/site-packages/airlock_sim_native-1.0.0.dist-info")" ]] ||
    { echo "keyring venv lacks the per-Python-version dependency"; return 1; }
}
check "private host: pip.conf, uv.toml, .pypirc (root 0600 + /etc/skel), keyring on PATH, modern pip wheel for new venvs" host_files

# --------------------------------------------------------------------------------------------------
# Boot 2 of each host: succeeds and changes nothing (overlay trees, AR files)

"$PY" "${SIM}/treehash.py" "${HOST_PUB}/upper" >"${STATE}/pub-after-boot1.txt"
"$PY" "${SIM}/treehash.py" "${HOST_PRIV}/upper" >"${STATE}/priv-after-boot1.txt"
say "boot 2 of both hosts"
boot public mirror-boot2 "$MIRROR_SH" 0 &
B1=$!
boot private bootstrap-boot2 "$BOOTSTRAP_SH" 1 &
B2=$!
wait "$B1"
wait "$B2"
DURATIONS+=("mirror, boot 2: $(duration_of mirror-boot2)s" "bootstrap, boot 2: $(duration_of bootstrap-boot2)s")
check "boot 2: the mirror succeeds again" show_log_on_failure mirror-boot2
check "boot 2: the bootstrap succeeds again" show_log_on_failure bootstrap-boot2
"$PY" "${SIM}/treehash.py" "${HOST_PUB}/upper" >"${STATE}/pub-after-boot2.txt"
"$PY" "${SIM}/treehash.py" "${HOST_PRIV}/upper" >"${STATE}/priv-after-boot2.txt"
ADMIN_PATH=files admin >"${STATE}/ar-files-boot2.json"
check "boot 2: the public host's overlays are unchanged" diff "${STATE}/pub-after-boot1.txt" "${STATE}/pub-after-boot2.txt"
check "boot 2: the private host's overlays are unchanged (no file written, nothing installed)" \
  diff "${STATE}/priv-after-boot1.txt" "${STATE}/priv-after-boot2.txt"
check "boot 2: the AR's files are unchanged" diff "${STATE}/ar-files-boot1.json" "${STATE}/ar-files-boot2.json"
nothing_uploaded() {
  grep -q ', 0 uploaded by this run' "${LOGS}/mirror-boot2.log" && ! grep -q 'Uploading' "${LOGS}/mirror-boot2.log" &&
    grep -q ' 0 change(s) this boot' "${LOGS}/bootstrap-boot2.log" && attr_is priv changes 0
}
check "boot 2: the mirror uploaded nothing, the bootstrap made 0 changes" nothing_uploaded

# --------------------------------------------------------------------------------------------------
# A user of the private host: fresh venv, no credentials, pip install of a private package

user_install() {
  on_host private user 0 bash -euc '
    useradd -m -s /bin/bash alice
    runuser -u alice -- env -i HOME=/home/alice PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 bash -euc "
      cd ~
      python3 -m venv venv
      venv/bin/pip --version
      venv/bin/pip install --no-input airlock-private-demo
      venv/bin/python -c \"import airlock_private_demo; print(airlock_private_demo.MESSAGE)\"
    "'
}
USER_OUT=$(user_install 2>&1) && USER_RC=0 || USER_RC=$?
printf '%s\n' "$USER_OUT" >"${LOGS}/user-alice.log"
user_ok() {
  [[ $USER_RC == 0 ]] || { echo "$USER_OUT"; return 1; }
  grep -q '^hello from the private repo$' <<<"$USER_OUT" || { echo "$USER_OUT"; return 1; }
  local v
  v=$(grep -m1 -o '^pip [0-9.]*' <<<"$USER_OUT" | cut -d' ' -f2)
  "$PY" -c 'import sys; v=tuple(int(x) for x in sys.argv[1].split(".")[:2]); sys.exit(v < (23, 1))' "$v" ||
    { echo "the fresh venv got pip $v"; return 1; }
  # pip masks the user too: the URL is the configured https://oauth2accesstoken@.../simple/
  grep -qF "Looking in indexes: https://****@${AR_HOST}/${PRIVATE_REPO}/simple/" <<<"$USER_OUT" ||
    { echo "$USER_OUT"; return 1; }
}
check "non-root user: fresh venv (pip >= 23.1), pip install of a private package from AR with no credentials given" user_ok
say "(uv is not available on this machine: /etc/uv/uv.toml is checked for content only)"

# --------------------------------------------------------------------------------------------------
# Variants of the synthesized mirror script (only the named settings changed): a hash-pinned lock, a
# lock with a wrong hash (must fail and say so), and stop_when_done.

lock_line() { # lock_line REQUIREMENT WHEEL_GLOB...: "REQUIREMENT --hash=sha256:... ..."
  local req=$1 f line
  shift
  line=$req
  for f in "$@"; do
    line+=" --hash=sha256:$(sha256sum "$f" | cut -d' ' -f1)"
  done
  printf '%s\n' "$line"
}
P="${WORK}/pypi/packages"
LOCK="$(
  lock_line keyring==23.9.3 "$P"/keyring-23.9.3-*.whl
  lock_line keyrings.google-artifactregistry-auth==1.1.2 "$P"/keyrings_google_artifactregistry_auth-1.1.2-*.whl
  lock_line jaraco.classes==3.2.1 "$P"/jaraco_classes-3.2.1-*.whl
  lock_line more-itertools==8.10.0 "$P"/more_itertools-8.10.0-*.whl
  lock_line airlock-sim-native==1.0.0 "$P"/airlock_sim_native-1.0.0-cp311-cp311-manylinux*.whl "$P"/airlock_sim_native-1.0.0-cp312-*.whl
  lock_line "pip==$(cut -d- -f2 <<<"$MODERN_PIP_FILE")" "$P/${MODERN_PIP_FILE}"
)"
"$PY" "${SIM}/variant.py" "$MIRROR_SH" "${WORK}/scripts/mirror-lock.sh" "LOCK_CONTENT=${LOCK}"
boot public mirror-lock "${WORK}/scripts/mirror-lock.sh" 0
DURATIONS+=("mirror, lock variant (--require-hashes): $(duration_of mirror-lock)s")
locked() {
  [[ $(rc_of mirror-lock) == 0 ]] || { tail -n 20 "${LOGS}/mirror-lock.log"; return 1; }
  grep -q 'using the hash-pinned lock' "${LOGS}/mirror-lock.log" && grep -q ', 0 uploaded by this run' "${LOGS}/mirror-lock.log"
}
check "lock: a hash-pinned lock mirrors the same files (pip download --require-hashes), nothing re-uploaded" locked

BAD_LOCK=$(sed '1s/--hash=sha256:[0-9a-f]\{8\}/--hash=sha256:00000000/' <<<"$LOCK")
"$PY" "${SIM}/variant.py" "$MIRROR_SH" "${WORK}/scripts/mirror-badlock.sh" "LOCK_CONTENT=${BAD_LOCK}" \
  MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1
boot public mirror-badlock "${WORK}/scripts/mirror-badlock.sh" 0
DURATIONS+=("mirror, wrong-hash lock variant (fails): $(duration_of mirror-badlock)s")
bad_lock_fails() {
  [[ $(rc_of mirror-badlock) != 0 ]] || { echo "the mirror accepted a wheel whose hash is not the lock's"; return 1; }
  grep -q 'THESE PACKAGES DO NOT MATCH THE HASHES' "${LOGS}/mirror-badlock.log" || { tail -n 20 "${LOGS}/mirror-badlock.log"; return 1; }
  grep -q 'FAILED at step download' "${LOGS}/mirror-badlock.log" && attr_is pub status failed && attr_is pub failed-step download
}
check "lock: a wrong hash fails the mirror, reported as status=failed, failed-step=download" bad_lock_fails

# stop_when_done is the default now: every mirror boot above powered off too; watch this boot's alone.
: >"${STATE}/poweroff.log"
"$PY" "${SIM}/variant.py" "$MIRROR_SH" "${WORK}/scripts/mirror-stop.sh" STOP_WHEN_DONE=true
boot public mirror-stop "${WORK}/scripts/mirror-stop.sh" 0
DURATIONS+=("mirror, boot 3 (stop_when_done=true variant): $(duration_of mirror-stop)s")
stopped() {
  [[ $(rc_of mirror-stop) == 0 ]] || { tail -n 20 "${LOGS}/mirror-stop.log"; return 1; }
  [[ $(cat "${STATE}/poweroff.log" 2>/dev/null) == poweroff ]] || { echo "systemctl was not asked to power off"; return 1; }
  attr_is pub status ready
}
check "stop_when_done: the mirror powers its VM off at the end (systemctl poweroff)" stopped

# A bootstrap that cannot get the helpers (a repo that does not exist) fails within its bound and
# says where (a variant of the synthesized script: the auth repo URL and the bound changed).
"$PY" "${SIM}/variant.py" "$BOOTSTRAP_SH" "${WORK}/scripts/bootstrap-norepo.sh" \
  "AUTH_REPO_INDEX_URL=https://${AR_HOST}/${AUTH_REPO%%/*}/no-such-repo/simple/" MAX_ATTEMPTS=1 WAIT_ATTEMPTS=4 MAX_BACKOFF_SECONDS=2
boot private bootstrap-norepo "${WORK}/scripts/bootstrap-norepo.sh" 1
DURATIONS+=("bootstrap, missing auth repo variant (fails): $(duration_of bootstrap-norepo)s")
bootstrap_fails() {
  [[ $(rc_of bootstrap-norepo) != 0 && $(rc_of bootstrap-norepo) != 124 ]] || { tail -n 20 "${LOGS}/bootstrap-norepo.log"; return 1; }
  grep -q 'waiting for the auth repo: failed after 4 attempts' "${LOGS}/bootstrap-norepo.log" || { tail -n 20 "${LOGS}/bootstrap-norepo.log"; return 1; }
  attr_is priv status failed && attr_is priv failed-step wait-for-auth-repo
}
check "failure: a bootstrap without its auth repo gives up after its bound, status=failed, failed-step=wait-for-auth-repo" bootstrap_fails

# --------------------------------------------------------------------------------------------------
# Secrets: no token in any file the hosts wrote, any log, or any process's argv

kill "$SAMPLER"
wait "$SAMPLER" 2>/dev/null || true
no_token_leak() {
  local n hits
  n=$(sort -u "${STATE}/tokens.txt" | wc -l)
  ((n >= 2)) || { echo "only $n token(s) issued?"; return 1; }
  local seen
  for seen in 'upload --non-interactive' 'pip install' 'keyring get'; do
    grep -q "$seen" "${STATE}/argv.txt" || { echo "the argv sampler missed the scripts' '$seen' processes"; return 1; }
  done
  hits=$(grep -rlaF -f "${STATE}/tokens.txt" "${HOST_PUB}" "${HOST_PRIV}" "$LOGS" "${STATE}/argv.txt" \
    "${STATE}"/guest-attributes-* 2>/dev/null || true)
  [[ -z $hits ]] || { echo "token found in: $hits"; return 1; }
  echo "$n tokens issued; $(wc -l <"${STATE}/argv.txt") distinct command lines sampled"
}
check "no token in any file under the hosts' overlays and /tmp, in any log, guest attribute, or process argv" no_token_leak

"$PY" "${SIM}/treehash.py" --no-hash "${REAL_DIRS[@]}" >"${STATE}/real-after.txt"
real_untouched() {
  diff "${STATE}/real-before.txt" "${STATE}/real-after.txt" || return 1
  local p
  for p in "${ABSENT[@]}"; do
    [[ ! -e $p && ! -L $p ]] || { echo "$p appeared on the real machine"; return 1; }
  done
  echo "unchanged; still absent: ${ABSENT[*]}"
}
check "the machine's real /etc, /opt, /usr/local, /usr/share/python-wheels, /home are untouched (nor /root/.pypirc)" real_untouched

# --------------------------------------------------------------------------------------------------

printf '\nDurations (wall clock):\n'
printf '  %s\n' "${DURATIONS[@]}"
printf '  whole e2e run: %.1fs\n' "$("$PY" -c "print($(date +%s.%N) - $T0)")"
if ((FAILED > 0)); then
  printf 'Failed:\n'
  printf '  %s\n' "${FAILURES[@]}"
fi
SUMMARY_PRINTED=1
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
((FAILED == 0))
