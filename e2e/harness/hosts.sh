# shellcheck shell=bash
# The hosts: a registry of the scenario's VMs (each a network namespace on a veth pair to the services
# namespace, with its own metadata server and a persistent disk over its image's cached rootfs), and
# what runs on them: commands (on_host) and boots of a startup script (boot).

# The registry, by host name.
declare -A HOST_NS=() HOST_KIND=() HOST_IMAGE=() HOST_ROOTFS=() HOST_IP=() HOST_GATEWAY=()
HOSTS=()
HOST_INDEX=0

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
host_new() {
  local name=$1 kind=$2 identity ns k image=debian-12 rootfs meta_args=()
  shift 2
  while (($# > 0)); do
    case $1 in
      --image) image=$2; shift 2 ;;
      *) meta_args+=("$1"); shift ;;
    esac
  done
  [[ -z ${HOST_NS[$name]:-} ]] || die "host_new ${name}: a host of that name exists"
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
    identity=$(world_identity mirror)
  else
    # Private Google Access: the only route leaving the host is the one to the API VIP range.
    ip -n "$ns" route add "$VIP_RANGE" via "10.77.${k}.1"
    identity=$(world_identity bootstrap)
  fi
  ip -n "$ns" addr add 169.254.169.254/32 dev lo
  start "metadata-${name}" "$ns" metadata --bind 169.254.169.254:80 --state "$STATE" --name "$name" \
    --identity "$identity" --ttl 60 "${meta_args[@]}"
  wait_for "metadata server of $name" ip netns exec "$ns" curl -s -o /dev/null http://169.254.169.254/
  HOST_NS[$name]=$ns
  HOST_KIND[$name]=$kind
  HOST_IMAGE[$name]=$image
  HOST_ROOTFS[$name]=$rootfs
  HOST_IP[$name]="10.77.${k}.2"
  HOST_GATEWAY[$name]="10.77.${k}.1"
  HOSTS+=("$name")
  host_provision "$name"
}
# host_provision NAME: the host's image: the test CA, /etc/hosts, /etc/resolv.conf, /etc/hostname, and
# on a public host apt's sources and the systemctl stand-in.
host_provision() {
  local name=$1 kind=${HOST_KIND[$1]} hosts
  hosts="127.0.0.1 localhost
169.254.169.254 metadata.google.internal metadata
${AR_IP} ${AR_HOST}
${KMS_IP} cloudkms.googleapis.com
"
  if [[ $kind == public ]]; then
    hosts+="${OSV_IP} api.osv.dev
${PYPI_IP} pypi.org files.pythonhosted.org
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
    fi' image "$hosts" "$name" "$kind" "$(image_apt_source "${HOST_IMAGE[$name]}")" >"${LOGS}/${name}-image.log" 2>&1 ||
    die "provisioning $name failed"
}

# What the registry holds of a host (an error for a name host_new did not make).
known_host() { [[ -n ${HOST_NS[$1]:-} ]] || { printf 'no host %s (have: %s)\n' "$1" "${HOSTS[*]}" >&2; return 1; }; }
hostns() { known_host "$1" && printf '%s\n' "${HOST_NS[$1]}"; }
host_ip() { known_host "$1" && printf '%s\n' "${HOST_IP[$1]}"; } # the address Artifact Registry sees it from
host_gateway() { known_host "$1" && printf '%s\n' "${HOST_GATEWAY[$1]}"; } # its route's next hop (services side)
host_image() { known_host "$1" && printf '%s\n' "${HOST_IMAGE[$1]}"; }
host_rootfs() { known_host "$1" && printf '%s\n' "${HOST_ROOTFS[$1]}"; } # its image's cached rootfs
hostdir() { printf '%s\n' "${SW}/hosts/$1"; }

# host_stop NAME [SIGNAL]: ends every process of the host (a boot that must not run on), its metadata
# server aside. SIGNAL (default TERM): KILL for a power cut, where nothing gets to clean up.
host_stop() {
  local pid ns sig=${2:-TERM}
  ns=$(hostns "$1")
  for pid in $(ip netns pids "$ns"); do
    if [[ " ${PIDS[*]} " != *" ${pid} "* ]]; then kill -s "$sig" "$pid" 2>/dev/null || true; fi
  done
}
# wait_on_disk NAME PATH SECONDS: waits (polling from outside, every 50 ms) until PATH exists on the
# host's disk (its upper layer); fails after SECONDS.
wait_on_disk() {
  local up t
  up="$(hostdir "$1")/upper$2"
  for ((t = 0; t < $3 * 20; t++)); do
    if [[ -e $up || -L $up ]]; then return 0; fi
    sleep 0.05
  done
  return 1
}

# on_host NAME BOOT [--tmpfs PATH:SIZE]... COMMAND...: runs COMMAND as root on the host, chrooted in
# its disk, with a clean environment (BOOT names this boot's own /tmp). Files put in
# $(hostdir NAME)/tmp-* beforehand appear in its /tmp.
on_host() {
  local name=$1 boot=$2 dir opts=() f ns rootfs
  shift 2
  while [[ ${1:-} == --tmpfs ]]; do opts+=("$1" "$2"); shift 2; done
  ns=$(hostns "$name")
  rootfs=$(host_rootfs "$name")
  dir=$(hostdir "$name")
  mkdir -p "${dir}/tmp/${boot}"
  for f in "${dir}"/tmp-*; do
    if [[ -e $f ]]; then mv -f -- "$f" "${dir}/tmp/${boot}/${f##*/tmp-}"; fi
  done
  ip netns exec "$ns" unshare -m --propagation private \
    bash "${SIM}/host.sh" "$rootfs" "$dir" "$boot" "${opts[@]}" -- "$@"
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
  "$PY" "${SIM}/harness.py" elapsed "$t0" "$(date +%s.%N)" >"${STATE}/duration-${log}"
  cp "${STATE}/guest-attributes-${name}.json" "${STATE}/attrs-${log}.json" 2>/dev/null || echo '{}' >"${STATE}/attrs-${log}.json"
  say "boot ${name} (${log}): exit ${rc} after $(cat "${STATE}/duration-${log}")s"
}
rc_of() { cat "${STATE}/rc-$1"; }
duration_of() { cat "${STATE}/duration-$1"; }
# on_disk NAME PATH: a path on a host's disk as it is now (its upper layer over its image's rootfs).
on_disk() {
  local up
  up="$(hostdir "$1")/upper$2"
  if [[ -e $up || -L $up ]]; then printf '%s\n' "$up"; else printf '%s\n' "$(host_rootfs "$1")$2"; fi
}
