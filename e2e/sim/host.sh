#!/usr/bin/env bash
# Runs a command "on" a simulated host: called inside the host's network namespace and a fresh private
# mount namespace (ip netns exec NS unshare -m --propagation private bash host.sh ...), it mounts the
# host's persistent overlays over the directories a startup script may write, a fresh /tmp for this
# boot, and optionally hides ensurepip (a host without python3-venv), then runs the command.
#
#   host.sh HOST_DIR BOOT_NAME HIDE_ENSUREPIP(0|1) -- COMMAND...
set -euo pipefail
host_dir=$1 boot=$2 hide_ensurepip=$3
shift 4
for pair in etc:/etc opt:/opt usr-local:/usr/local python-wheels:/usr/share/python-wheels root:/root home:/home; do
  name=${pair%%:*} dir=${pair#*:}
  mkdir -p "${host_dir}/upper/${name}" "${host_dir}/work/${name}"
  mount -t overlay overlay -o "lowerdir=${dir},upperdir=${host_dir}/upper/${name},workdir=${host_dir}/work/${name}" "$dir"
done
mkdir -p "${host_dir}/tmp/${boot}"
chmod 1777 "${host_dir}/tmp/${boot}"
mount --bind "${host_dir}/tmp/${boot}" /tmp
if [[ $hide_ensurepip == 1 ]]; then
  ensurepip_dir=$(/usr/bin/python3 -c 'import os, sysconfig; print(os.path.join(sysconfig.get_path("stdlib"), "ensurepip"))')
  mount -t tmpfs -o ro,size=64k tmpfs "$ensurepip_dir"
fi
exec "$@"
