#!/usr/bin/env bash
# Builds (once) what the air-gap simulation boots and serves, cached under E2E_CACHE
# (/var/cache/pip-airlock-e2e), each keyed by a hash of what went into it:
#   rootfs-KEY/   a real minimal Debian 12: `mmdebstrap --variant=minbase bookworm` + python3, curl,
#                 ca-certificates (what a stock GCE Debian 12 image has that matters here; deliberately
#                 no python3-venv, python3-pip, or their wheels). Both simulated hosts boot on it.
#   archive-KEY/  a local Debian archive (pool/*.deb + Packages index, apt-ftparchive) with every .deb
#                 that installing python3-pip and twine on that rootfs needs: the public host's
#                 `apt-get install` runs for real against it, served inside its namespace.
# Prints the two directories (ROOTFS=... ARCHIVE=...). Needs root, mmdebstrap, apt-utils, and Debian's
# package mirror (only when a cache entry is missing).
set -euo pipefail
CACHE=${E2E_CACHE:-/var/cache/pip-airlock-e2e}
SUITE=bookworm
BASE_PKGS=python3,curl,ca-certificates
EXTRA_PKGS=python3-pip,twine
MIRRORS=(
  "deb http://deb.debian.org/debian ${SUITE} main"
  "deb http://deb.debian.org/debian ${SUITE}-updates main"
  "deb http://deb.debian.org/debian-security ${SUITE}-security main"
)
for tool in mmdebstrap apt-ftparchive; do
  command -v "$tool" >/dev/null || { echo "build-cache: missing $tool (apt-get install mmdebstrap apt-utils)" >&2; exit 1; }
done
mkdir -p "$CACHE"
key() { printf '%s\n' "v1" "$SUITE" "$@" "${MIRRORS[@]}" | sha256sum | cut -c1-16; }
ROOTFS="${CACHE}/rootfs-$(key "$BASE_PKGS")"
ARCHIVE="${CACHE}/archive-$(key "$BASE_PKGS" "$EXTRA_PKGS")"

if [[ ! -f ${ROOTFS}/.complete ]]; then
  rm -rf -- "$ROOTFS" "${ROOTFS}.tmp"
  echo "build-cache: building the Debian 12 rootfs (minbase + ${BASE_PKGS}) in ${ROOTFS}" >&2
  mmdebstrap --quiet --variant=minbase --include="$BASE_PKGS" "$SUITE" "${ROOTFS}.tmp" "${MIRRORS[@]}" >&2
  # A stock image is bare: assert it.
  for absent in usr/lib/python3/dist-packages/pip usr/share/python-wheels usr/lib/python3.11/ensurepip usr/bin/twine; do
    [[ ! -e ${ROOTFS}.tmp/${absent} ]] || { echo "build-cache: the rootfs unexpectedly has /${absent}" >&2; exit 1; }
  done
  touch "${ROOTFS}.tmp/.complete"
  mv -- "${ROOTFS}.tmp" "$ROOTFS"
fi

if [[ ! -f ${ARCHIVE}/.complete ]]; then
  rm -rf -- "$ARCHIVE" "${ARCHIVE}.tmp"
  echo "build-cache: fetching the .debs of ${BASE_PKGS},${EXTRA_PKGS} for a local archive in ${ARCHIVE}" >&2
  mkdir -p "${ARCHIVE}.tmp/pool" "${ARCHIVE}.tmp/dists/${SUITE}/main/binary-amd64"
  scratch=$(mktemp -d /var/tmp/pip-airlock-debs.XXXXXX)
  # Same resolver, same mirrors, every package a bare image + pip + twine needs; the .debs are kept.
  mmdebstrap --quiet --variant=minbase --include="${BASE_PKGS},${EXTRA_PKGS}" --skip=download/empty \
    --customize-hook="sync-out /var/cache/apt/archives ${ARCHIVE}.tmp/pool" \
    "$SUITE" "${scratch}/root" "${MIRRORS[@]}" >&2
  rm -rf -- "$scratch" "${ARCHIVE}.tmp/pool/partial" "${ARCHIVE}.tmp/pool/lock"
  (cd "${ARCHIVE}.tmp" && apt-ftparchive packages pool >"dists/${SUITE}/main/binary-amd64/Packages" &&
    apt-ftparchive -o "APT::FTPArchive::Release::Suite=${SUITE}" -o "APT::FTPArchive::Release::Codename=${SUITE}" \
      -o APT::FTPArchive::Release::Components=main -o APT::FTPArchive::Release::Architectures=amd64 \
      release "dists/${SUITE}" >"dists/${SUITE}/Release.tmp" && mv "dists/${SUITE}/Release.tmp" "dists/${SUITE}/Release")
  grep -q '^Package: twine$' "${ARCHIVE}.tmp/dists/${SUITE}/main/binary-amd64/Packages" ||
    { echo "build-cache: the archive has no twine" >&2; exit 1; }
  touch "${ARCHIVE}.tmp/.complete"
  mv -- "${ARCHIVE}.tmp" "$ARCHIVE"
fi
printf 'ROOTFS=%s\nARCHIVE=%s\n' "$ROOTFS" "$ARCHIVE"
