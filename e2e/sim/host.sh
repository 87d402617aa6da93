#!/usr/bin/env bash
# Boots a command "on" a simulated host. Called inside the host's network namespace and a fresh
# private mount namespace (ip netns exec NS unshare -m --propagation private bash host.sh ...): it
# mounts the host's disk (an overlay: the cached rootfs of its image read-only below, the host's own
# persistent upper layer above, so a second boot sees what the first one left), /proc, /dev, a fresh
# /run, and a /tmp of this boot's own (kept outside for the leak hunt), then chroots into it and runs
# the command with a clean environment.
#
#   host.sh ROOTFS HOST_DIR BOOT_NAME [--tmpfs PATH:SIZE]... -- COMMAND...
#     --tmpfs: a small tmpfs over PATH (inside the host) for this boot: a full disk there.
set -euo pipefail
rootfs=$1 host_dir=$2 boot=$3
shift 3
extra=()
while [[ $1 != -- ]]; do
  case $1 in
    --tmpfs) extra+=("$2"); shift 2 ;;
    *) echo "host.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
shift
root="${host_dir}/root"
mkdir -p "${host_dir}/upper" "${host_dir}/work" "$root" "${host_dir}/tmp/${boot}"
chmod 1777 "${host_dir}/tmp/${boot}"
mount -t overlay overlay -o "lowerdir=${rootfs},upperdir=${host_dir}/upper,workdir=${host_dir}/work" "$root"
mount -t proc proc "${root}/proc"
mount --bind /dev "${root}/dev"
mount -t tmpfs -o mode=0755,size=16m tmpfs "${root}/run"
mount --bind "${host_dir}/tmp/${boot}" "${root}/tmp"
for spec in "${extra[@]}"; do
  mkdir -p "${root}${spec%%:*}"
  mount -t tmpfs -o "size=${spec#*:},mode=1777" tmpfs "${root}${spec%%:*}"
  if [[ ${spec%%:*} == /tmp ]]; then # this boot's files (the startup script) go along
    cp -a "${host_dir}/tmp/${boot}/." "${root}/tmp/"
  fi
done
exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 HOME=/root "$@"
