# shellcheck shell=bash
# pip-airlock e2e: what every scenario shares (sourced by e2e/scenarios/*.sh, which e2e/run.sh runs).
#
# A scenario builds its own world: a services namespace (fake AR on the Google API VIP, fake PyPI,
# a stalling PyPI, the local Debian archives) and hosts, each a network namespace with its own
# metadata server and a persistent disk (an overlay over the cached rootfs of its image: Debian 12 by
# default, or Debian 13). Checks assert observable state only: exit codes, files on the hosts' disks,
# the fake AR's files and counters, the guest attributes the fake metadata server accepted.
#
# From run.sh (environment): E2E_ROOT, E2E_WORK (the run's work dir), E2E_SCRIPTS (the synthesized
# scripts and world.json of config/example.json; E2E_SCRIPTS_REMOTE, _VIRTUAL for the mode variants),
# E2E_ROOTFS, E2E_ARCHIVE (Debian 12), E2E_ROOTFS_TRIXIE, E2E_ARCHIVE_TRIXIE (Debian 13), E2E_WHEELS_EXTRA
# (the repacked wheels the fake PyPI serves too), E2E_PKI, E2E_PYPI, E2E_PRIVATE_SEED.
set -euo pipefail

SIM="${E2E_ROOT}/e2e/sim"
PY=/usr/bin/python3
SCENARIO=$(basename "$0" .sh)
SW="${E2E_WORK}/scenarios/${SCENARIO}"   # this scenario's work dir
STATE="${SW}/state"
LOGS="${SW}/logs"
mkdir -p "$STATE" "$LOGS"
PASSED=0
FAILED=0
PIDS=()
NETNS=()
HOSTS=()
PYPI_IP=10.77.9.9
DEBIAN_IP=10.77.9.10
STALL_IP=10.77.9.11
DOWN_IP=10.77.9.12 # routed to the services namespace, nothing listens: connection refused
ID=$(printf '%05d' $(($$ % 100000)))
NS_SVC="pa${ID}s"

say() { printf '%s: %s\n' "$SCENARIO" "$*"; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s: %s\n' "$SCENARIO" "$1"; }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s: %s\n' "$SCENARIO" "$1"
  if [[ -n ${2:-} ]]; then printf '%s\n' "$2" | tail -n 40 | sed 's/^/     | /'; fi
}
# check NAME COMMAND...: one assertion; the command's output is shown only on failure.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
die() {
  fail "setup: $*"
  exit 1
}

scenario_cleanup() {
  local rc=$? pid ns
  # Only a process that is still this shell's child: a service that exited early left its PID free, and
  # on a busy machine (fleet-boot starts tens of thousands of processes) another scenario's may have it.
  for pid in "${PIDS[@]}"; do
    if [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]]; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  printf '%d %d\n' "$PASSED" "$FAILED" >"${SW}/result"
  if ((rc != 0 && FAILED == 0)); then printf '0 1\n' >"${SW}/result"; fi
}
trap scenario_cleanup EXIT
trap 'exit 130' INT TERM

# settings SCRIPT: the settings the synth published beside the script (SCRIPT.settings.json, see
# extract_scripts.py), as shell assignments: NAME='value', or NAME=('item' ...) for a list.
settings() {
  "$PY" -c '
import json, shlex, sys
for name, value in json.load(open(sys.argv[1])).items():
    if isinstance(value, list):
        print(f"{name}=(" + " ".join(shlex.quote(v) for v in value) + ")")
    else:
        print(f"{name}=" + shlex.quote(json.dumps(value) if isinstance(value, bool) else str(value)))
' "${1%.sh}.settings.json"
}
url_host() { local u=${1#*://}; u=${u#*@}; printf '%s\n' "${u%%/*}"; }
url_repo() { local u=${1#*://}; u=${u#*/}; cut -d/ -f1-2 <<<"$u"; }

# load_scripts DIR: the synthesized scripts of one config, and what they talk to.
load_scripts() {
  local dir=$1
  BOOTSTRAP_SH="${dir}/bootstrap.sh"
  MIRROR_SH="${dir}/mirror.sh"
  WORLD="${dir}/world.json"
  eval "$(settings "$BOOTSTRAP_SH" | sed -e 's/^PACKAGES=/B_PACKAGES=/' -e 's/^MAX_ATTEMPTS=/B_MAX_ATTEMPTS=/')"
  if [[ -f $MIRROR_SH ]]; then
    eval "$(settings "$MIRROR_SH" | sed -e 's/^PACKAGES=/M_PACKAGES=/' -e 's/^MAX_ATTEMPTS=/M_MAX_ATTEMPTS=/')"
  fi
  # Google APIs as the private network reaches them (the synth's DNS zone and route): the fake AR
  # listens on that VIP, and the private VMs' only route is to that range.
  AR_IP=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["vip"])' "$WORLD")
  VIP_RANGE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["vip_range"])' "$WORLD")
  AUTH_REPO=$(url_repo "$AUTH_REPO_INDEX_URL")
  # shellcheck disable=SC2034 # used by the scenarios
  INDEX_REPO=$(url_repo "$INDEX_URL")
  PRIVATE_REPO=$(url_repo "$UPLOAD_REPO_URL")
}

# --------------------------------------------------------------------------------------------------
# The world

svc() { ip netns exec "$NS_SVC" "$@"; }
start() { # start LOGNAME NETNS ARGS...: a fake service, with the machine's python3
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$PY" -u "${SIM}/servers.py" "$@" >"${LOGS}/${name}.log" 2>&1 &
  PIDS+=($!)
}
wait_for() { # wait_for WHAT COMMAND...
  local what=$1
  shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not come up (see ${LOGS})"
}

# world_up: the services namespace: fake AR (repositories and grants from the synth's world.json),
# fake PyPI, a PyPI that stalls, the local Debian archives (plain HTTP, as deb.debian.org is): Debian
# 12's at /debian (suite bookworm), Debian 13's at /debian-trixie (suite trixie).
world_up() {
  ip netns add "$NS_SVC"
  NETNS+=("$NS_SVC")
  svc ip link set lo up
  local ip
  for ip in "$AR_IP" "$PYPI_IP" "$DEBIAN_IP" "$STALL_IP" "$DOWN_IP"; do
    svc ip addr add "${ip}/32" dev lo
  done
  SIM_TOKEN_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
  export SIM_TOKEN_KEY
  local ar_args=()
  mapfile -t ar_args < <("$PY" -c '
import json, sys
w = json.load(open(sys.argv[1]))
for r in w["repos"]: print("--repo"); print(r)
for g in w["grants"]: print("--grant"); print(g)' "$WORLD")
  mkdir -p "${STATE}/ar/${PRIVATE_REPO}"
  cp "${E2E_PRIVATE_SEED}/"*.whl "${STATE}/ar/${PRIVATE_REPO}/" # a private package already published
  start ar "$NS_SVC" ar --bind "${AR_IP}:443" --admin 127.0.0.1:8081 --cert "${E2E_PKI}/ar.crt" --key "${E2E_PKI}/ar.key" \
    --data "${STATE}/ar" "${ar_args[@]}" --resolve "pypi.org=${PYPI_IP}" --resolve "files.pythonhosted.org=${PYPI_IP}" \
    --cafile "${E2E_PKI}/ca.crt"
  # PYPI_ROOT: a scenario's own copy of the fake PyPI (one that changes it), else the shared one.
  start pypi "$NS_SVC" static --bind "${PYPI_IP}:443" --cert "${E2E_PKI}/pypi.crt" --key "${E2E_PKI}/pypi.key" --root "${PYPI_ROOT:-$E2E_PYPI}"
  start pypi-stall "$NS_SVC" static --bind "${STALL_IP}:443" --cert "${E2E_PKI}/pypi.crt" --key "${E2E_PKI}/pypi.key" \
    --root "$E2E_PYPI" --stall --name pypi-stall
  mkdir -p "${SW}/deb.debian.org"
  ln -sfn "$E2E_ARCHIVE" "${SW}/deb.debian.org/debian"
  ln -sfn "$E2E_ARCHIVE_TRIXIE" "${SW}/deb.debian.org/debian-trixie"
  start debian "$NS_SVC" static --bind "${DEBIAN_IP}:80" --root "${SW}/deb.debian.org" --name debian
  wait_for "fake AR" svc curl -s --cacert "${E2E_PKI}/ca.crt" --resolve "${AR_HOST}:443:${AR_IP}" -o /dev/null "https://${AR_HOST}/"
  wait_for "fake AR admin" admin
  wait_for "fake PyPI" svc curl -fs --cacert "${E2E_PKI}/ca.crt" --resolve "pypi.org:443:${PYPI_IP}" -o /dev/null https://pypi.org/simple/pip/
  wait_for "local Debian archive" svc curl -fs -o /dev/null "http://${DEBIAN_IP}/debian/dists/bookworm/Release"
  wait_for "local Debian 13 archive" svc curl -fs -o /dev/null "http://${DEBIAN_IP}/debian-trixie/dists/trixie/Release"
}
admin() { svc curl -fsS "$@" "http://127.0.0.1:8081/${ADMIN_PATH:-}"; }
ar_faults() { admin -X POST --data-binary "$1" >/dev/null; }
ar_files() { ADMIN_PATH=files admin; }
ar_stat() { admin | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["stats"][sys.argv[1]])' "$1"; }
# ar_quota LIMIT [WINDOW]: the fake AR's request quota (LIMIT requests in any WINDOW seconds, 60 by
# default; 0 turns it off), answered 429 with Retry-After beyond it.
ar_quota() { ADMIN_PATH=quota admin -X POST --data-binary "{\"limit\": $1, \"window\": ${2:-60}}" >/dev/null; }
# ar_client HOST [KEY]: the fake AR's counters of the requests from that host's address (requests,
# throttled, pages, files) as JSON, or one of them; `fetched` is the list of files it was served.
ar_client() {
  admin | "$PY" -c '
import json, sys
c = json.load(sys.stdin)["by_client"].get(sys.argv[1], {"requests": 0, "throttled": 0, "pages": 0, "files": 0, "fetched": []})
print(json.dumps(c) if len(sys.argv) < 3 else (" ".join(c[sys.argv[2]]) if sys.argv[2] == "fetched" else c[sys.argv[2]]))' "$(host_ip "$1")" "${@:2}"
}

# The images a host boots: its cached rootfs, and the local archive (path, suite) its apt uses.
image_rootfs() {
  case $1 in
    debian-12) printf '%s\n' "$E2E_ROOTFS" ;;
    debian-13) printf '%s\n' "$E2E_ROOTFS_TRIXIE" ;;
    *) return 1 ;;
  esac
}
image_apt_source() {
  case $1 in
    debian-12) printf '%s\n' "http://deb.debian.org/debian bookworm main" ;;
    debian-13) printf '%s\n' "http://deb.debian.org/debian-trixie trixie main" ;;
    *) return 1 ;;
  esac
}

# host_new NAME public|private [--image debian-12|debian-13] [metadata options]: a VM on its own
# network namespace (public: a default route; private: a route to the Google API VIP range only), with
# its own metadata server and service account, and a disk provisioned like an image: the test CA
# trusted, /etc/hosts (DNS goes nowhere), and on a public host apt pointed at its image's local archive
# and a systemctl stand-in that records a power-off. --image: the rootfs it boots (default debian-12).
# Metadata options: --slow-first N --slow-seconds S (the metadata server's first token answers).
HOST_INDEX=0
host_new() {
  local name=$1 kind=$2 identity ns k image=debian-12 rootfs meta_args=()
  shift 2
  while (($# > 0)); do
    case $1 in
      --image) image=$2; shift 2 ;;
      *) meta_args+=("$1"); shift ;;
    esac
  done
  rootfs=$(image_rootfs "$image") || die "host_new ${name}: unknown image '${image}' (debian-12, debian-13)"
  [[ -d $rootfs ]] || die "host_new ${name}: no rootfs for ${image} (${rootfs})"
  HOST_INDEX=$((HOST_INDEX + 1))
  k=$HOST_INDEX
  ns="pa${ID}h${k}"
  ip netns add "$ns"
  NETNS+=("$ns")
  ip link add "pa${ID}${k}a" type veth peer name "pa${ID}${k}b"
  ip link set "pa${ID}${k}a" netns "$NS_SVC"
  ip link set "pa${ID}${k}b" netns "$ns"
  svc ip addr add "10.77.${k}.1/30" dev "pa${ID}${k}a"
  svc ip link set "pa${ID}${k}a" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "10.77.${k}.2/30" dev "pa${ID}${k}b"
  ip -n "$ns" link set "pa${ID}${k}b" up
  if [[ $kind == public ]]; then
    ip -n "$ns" route add default via "10.77.${k}.1"
    identity=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["identities"]["mirror"])' "$WORLD")
  else
    # Private Google Access: the only route leaving the host is the one to the API VIP range.
    ip -n "$ns" route add "$VIP_RANGE" via "10.77.${k}.1"
    identity=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["identities"]["bootstrap"])' "$WORLD")
  fi
  ip -n "$ns" addr add 169.254.169.254/32 dev lo
  start "metadata-${name}" "$ns" metadata --bind 169.254.169.254:80 --state "$STATE" --name "$name" \
    --identity "$identity" --ttl 60 "${meta_args[@]}"
  wait_for "metadata server of $name" ip netns exec "$ns" curl -s -o /dev/null http://169.254.169.254/
  declare -g "HOSTNS_${name//-/_}=$ns" "HOSTKIND_${name//-/_}=$kind" "HOSTIMAGE_${name//-/_}=$image" \
    "HOSTROOTFS_${name//-/_}=$rootfs" "HOSTIP_${name//-/_}=10.77.${k}.2"
  HOSTS+=("$name")
  local hosts="127.0.0.1 localhost
169.254.169.254 metadata.google.internal metadata
${AR_IP} ${AR_HOST}
"
  if [[ $kind == public ]]; then
    hosts+="${PYPI_IP} pypi.org files.pythonhosted.org
${DEBIAN_IP} deb.debian.org
${STALL_IP} pypi-stalled.test
${DOWN_IP} pypi-down.test
"
  fi
  mkdir -p "${SW}/hosts/${name}"
  install -m 0644 "${E2E_PKI}/ca.crt" "${SW}/hosts/${name}/tmp-ca.crt"
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  on_host "$name" image bash -euc '
    install -m 0644 /tmp/ca.crt /usr/local/share/ca-certificates/pip-airlock-e2e-ca.crt
    update-ca-certificates >/dev/null 2>&1
    printf "%s" "$1" >/etc/hosts
    printf "nameserver 127.0.0.1\n" >/etc/resolv.conf
    printf "%s\n" "$2" >/etc/hostname
    if [[ $3 == public ]]; then
      # The local archive is signed by nobody: apt trusts it by this line, nothing else changes.
      printf "deb [trusted=yes] %s\n" "$4" >/etc/apt/sources.list
      mkdir -p /usr/local/sbin
      printf "#!/bin/sh\necho \"\$*\" >>/var/log/systemctl-stand-in.log\nexit 0\n" >/usr/local/sbin/systemctl
      chmod 0755 /usr/local/sbin/systemctl
    fi' image "$hosts" "$name" "$kind" "$(image_apt_source "$image")" >"${LOGS}/${name}-image.log" 2>&1 ||
    die "provisioning $name failed"
}
# host_stop NAME: ends every process of the host (a boot that must not run on), its metadata server aside.
host_stop() {
  local pid ns
  ns=$(hostns "$1")
  for pid in $(ip netns pids "$ns"); do
    if [[ " ${PIDS[*]} " != *" ${pid} "* ]]; then kill "$pid" 2>/dev/null || true; fi
  done
}
hostns() { local v="HOSTNS_${1//-/_}"; printf '%s\n' "${!v}"; }
host_ip() { local v="HOSTIP_${1//-/_}"; printf '%s\n' "${!v}"; } # the address Artifact Registry sees it from
host_image() { local v="HOSTIMAGE_${1//-/_}"; printf '%s\n' "${!v}"; }
host_rootfs() { local v="HOSTROOTFS_${1//-/_}"; printf '%s\n' "${!v}"; } # its image's cached rootfs
hostdir() { printf '%s\n' "${SW}/hosts/$1"; }

# on_host NAME BOOT [--tmpfs PATH:SIZE]... COMMAND...: runs COMMAND as root on the host, chrooted in
# its disk, with a clean environment (BOOT names this boot's own /tmp). Files put in
# $(hostdir NAME)/tmp-* beforehand appear in its /tmp.
on_host() {
  local name=$1 boot=$2 dir opts=() f
  shift 2
  while [[ ${1:-} == --tmpfs ]]; do opts+=("$1" "$2"); shift 2; done
  dir=$(hostdir "$name")
  mkdir -p "${dir}/tmp/${boot}"
  for f in "${dir}"/tmp-*; do
    if [[ -e $f ]]; then mv -f -- "$f" "${dir}/tmp/${boot}/${f##*/tmp-}"; fi
  done
  ip netns exec "$(hostns "$name")" unshare -m --propagation private \
    bash "${SIM}/host.sh" "$(host_rootfs "$name")" "$dir" "$boot" "${opts[@]}" -- "$@"
}

# boot NAME LOG SCRIPT SECONDS [--tmpfs PATH:SIZE]...: a boot of the host running SCRIPT as its
# startup script (as root, from a file in /tmp), time-boxed (timeout signals the whole process
# group); records its exit code and duration.
boot() {
  local name=$1 log=$2 script=$3 secs=$4 t0 rc=0
  shift 4
  install -m 0755 "$script" "$(hostdir "$name")/tmp-startup-script"
  t0=$(date +%s.%N)
  on_host "$name" "$log" "$@" timeout -k 5 "$secs" bash /tmp/startup-script >"${LOGS}/${log}.log" 2>&1 || rc=$?
  printf '%s\n' "$rc" >"${STATE}/rc-${log}"
  "$PY" -c "print(round($(date +%s.%N) - $t0, 1))" >"${STATE}/duration-${log}"
  cp "${STATE}/guest-attributes-${name}.json" "${STATE}/attrs-${log}.json" 2>/dev/null || echo '{}' >"${STATE}/attrs-${log}.json"
  say "boot ${name} (${log}): exit ${rc} after $(cat "${STATE}/duration-${log}")s"
}
rc_of() { cat "${STATE}/rc-$1"; }
rc_is() { # rc_is LOG CODE: that boot exited CODE (else shows its log's end)
  [[ $(rc_of "$1") == "$2" ]] || { echo "exit $(rc_of "$1"), expected $2"; tail -n 30 "${LOGS}/$1.log"; return 1; }
}
duration_of() { cat "${STATE}/duration-$1"; }
# A path on a host's disk as it is now (its upper layer over its image's rootfs).
on_disk() {
  local up
  up="$(hostdir "$1")/upper$2"
  if [[ -e $up || -L $up ]]; then printf '%s\n' "$up"; else printf '%s\n' "$(host_rootfs "$1")$2"; fi
}

# Guest attributes as the fake metadata server accepted them.
attr() { # attr HOST KEY
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""), end="")' \
    "${STATE}/guest-attributes-$1.json" "${GUEST_ATTR_NAMESPACE}/$2" 2>/dev/null
}
attr_after() { # attr_after LOG KEY: as the fake held it when that boot ended
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""), end="")' \
    "${STATE}/attrs-$1.json" "${GUEST_ATTR_NAMESPACE}/$2" 2>/dev/null
}
# failed_within HOST LOG STEP SECONDS: that boot failed (not killed by the harness' time box) within
# SECONDS, left no work directory in /tmp, and the fake then held status=failed, failed-step=STEP.
failed_within() {
  local host=$1 log=$2 step=$3 secs=$4
  [[ $(rc_of "$log") != 0 && $(rc_of "$log") != 124 ]] || { echo "exit $(rc_of "$log")"; tail -n 20 "${LOGS}/${log}.log"; return 1; }
  "$PY" -c "import sys; sys.exit(not $(duration_of "$log") < $secs)" || { echo "took $(duration_of "$log")s, bound ${secs}s"; return 1; }
  [[ -z $(find "$(hostdir "$host")/tmp/${log}" -maxdepth 1 -name 'pip-airlock-*') ]] || { echo "work directory left in /tmp"; return 1; }
  [[ ! -e $(hostdir "$host")/upper/var/lib/pip-airlock/mirror-work ]] || { echo "the mirror's work directory was left on disk"; return 1; }
  [[ $(attr_after "$log" status) == failed ]] || { echo "status '$(attr_after "$log" status)'"; return 1; }
  [[ $(attr_after "$log" failed-step) == "$step" ]] || { echo "failed-step '$(attr_after "$log" failed-step)', expected ${step}"; tail -n 15 "${LOGS}/${log}.log"; return 1; }
}
attr_is() { # attr_is HOST KEY VALUE
  local got
  got=$(attr "$1" "$2")
  [[ $got == "$3" ]] || { echo "guest attribute $2 of $1 is '${got}', expected '$3'"; return 1; }
}
# No write of HOST was dropped, and the last status the fake accepted is STATUS.
attrs_honest() { # attrs_honest HOST STATUS
  "$PY" - "${STATE}/guest-attributes-$1.log" "${GUEST_ATTR_NAMESPACE}/status" "$2" <<'PY'
import json, sys
log, key, want = sys.argv[1:]
recs = [json.loads(l) for l in open(log)]
dropped = [r for r in recs if not r["accepted"]]
last = [r["value"] for r in recs if r["accepted"] and r["key"] == key][-1:]
if dropped:
    sys.exit(f"dropped writes: {dropped}")
if last != [want]:
    sys.exit(f"last accepted status {last}, expected {want}")
print(f"{len(recs)} writes, none dropped; last status {want}")
PY
}
metadata_stat() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "${STATE}/metadata-stats-$1.json" "$2"; }

# The projects of the helpers' real closure for CPython 3.11 on Debian 12 (keyring + the AR plugin +
# pip + virtualenv), as pip resolves it against the fake PyPI.
CLOSURE="keyring keyrings-google-artifactregistry-auth secretstorage jeepney cryptography cffi pycparser
jaraco-classes jaraco-functools jaraco-context backports-tarfile importlib-metadata zipp more-itertools
google-auth pyasn1 pyasn1-modules requests urllib3 certifi charset-normalizer idna pluggy pip virtualenv
distlib filelock platformdirs packaging python-discovery"

# image_target IMAGE: "PYTHON GLIBC_MINOR" of the image, read from its rootfs (e.g. "3.13 41").
image_target() {
  local rootfs py glibc
  rootfs=$(image_rootfs "$1") || return 1
  py=$(readlink -f "${rootfs}/usr/bin/python3")
  glibc=$(awk '$0 == "Package: libc6" { p = 1 } p && /^Version: / { print $2; exit }' "${rootfs}/var/lib/dpkg/status")
  [[ ${py##*/python} =~ ^3\.[0-9]+$ && $glibc =~ ^2\.([0-9]+)- ]] || return 1
  printf '%s %s\n' "${py##*/python}" "${BASH_REMATCH[1]}"
}
# image_platforms IMAGE: the pip --platform tags its hosts accept, newest first (manylinux_2_GLIBC ...
# manylinux_2_17, manylinux2014), as config/platforms.ts lists them for the mirror.
image_platforms() {
  local target n
  target=$(image_target "$1") || return 1
  for ((n = ${target#* }; n >= 17; n--)); do printf 'manylinux_2_%s_x86_64\n' "$n"; done
  printf 'manylinux2014_x86_64\n'
}

# seed_auth_repo [IMAGE]: the auth repo as a mirror for that image's CPython leaves it (default
# debian-12: the newest file of each closure project), for scenarios about the private host alone.
# Per project the newest wheel the image's python and glibc accept whose requirements on the other
# picks hold (sim/target_closure.py): for debian-13, cffi 1.17.1 cp313 and so cryptography 43.0.0.
seed_auth_repo() {
  local image=${1:-debian-12} f
  mkdir -p "${STATE}/ar/${AUTH_REPO}"
  for f in $(closure_picks "$image"); do
    cp -L "${E2E_PYPI}/files/${f}" "${STATE}/ar/${AUTH_REPO}/${f}"
  done
}
# closure_picks IMAGE: the file names of the closure a mirror downloads for that image's CPython.
closure_picks() {
  local target
  target=$(image_target "$1") || die "closure_picks: unknown image $1"
  # shellcheck disable=SC2086 # the target's two fields and the closure's project names
  "$PY" "${SIM}/target_closure.py" "${E2E_PYPI}/files" $target $CLOSURE || die "closure_picks: no closure for $1"
}

# The synthesized mirror script's own code, to fill an auth repo as it would without running it.
# mirror_snippet NAME: its Python snippet NAME='...' (single-quoted in bash: the text as python3 gets it).
mirror_snippet() {
  [[ -f $MIRROR_SH ]] || die "mirror_snippet: no mirror script loaded"
  sed -n "/^$1='\$/,/^'\$/p" "$MIRROR_SH" | sed '1d;$d'
}
# bundle_name TARGET: the bundle project of a target word PYTHON:ARCH:GLIBC, by the scripts' bundle_project.
bundle_name() {
  (eval "$(sed -n '/^bundle_project() {$/,/^}$/p' "$MIRROR_SH")" && bundle_project "$1")
}
# seed_bundle IMAGE TARGET [OUT]: the bundle the mirror's code (BUNDLE_PY) builds of that image's
# closure for the target word TARGET (PYTHON:ARCH:GLIBC), put in the auth repo (or the directory OUT).
# Prints its file name.
seed_bundle() {
  local image=$1 target=$2 out=${3:-${STATE}/ar/${AUTH_REPO}} wheels=() f planned dir
  for f in $(closure_picks "$image"); do wheels+=("${E2E_PYPI}/files/${f}"); done
  dir=$(mktemp -d "${STATE}/bundle.XXXXXX")
  planned=$("$PY" -c "$(mirror_snippet BUNDLE_PY)" plan "$dir" "$(bundle_name "$target")" "$target" "${wheels[@]}" </dev/null) ||
    die "seed_bundle: the mirror's BUNDLE_PY failed"
  mkdir -p "$out"
  cp "${planned% *}" "${out}/"
  rm -rf -- "$dir"
  f=${planned% *}
  printf '%s\n' "${f##*/}"
}

# variant SCRIPT OUT NAME=VALUE...: the script with only the named settings changed.
variant() { "$PY" "${SIM}/variant.py" "$@"; }

finish() {
  say "${PASSED} passed, ${FAILED} failed"
  ((FAILED == 0))
}
