#!/usr/bin/env bash
# Builds (once) what the air-gap simulation boots and serves, cached under E2E_CACHE
# (/var/cache/pip-airlock-e2e), each keyed by a hash of what went into it, for Debian 12 (bookworm)
# and Debian 13 (trixie):
#   rootfs-KEY/   a real minimal Debian: `mmdebstrap --variant=minbase SUITE` + python3, curl,
#                 ca-certificates (what a stock GCE Debian image has that matters here; deliberately no
#                 python3-venv, python3-pip, or their wheels). The simulated hosts boot on it.
#   archive-KEY/  a local Debian archive (pool/*.deb + Packages index, apt-ftparchive) with every .deb
#                 that installing python3-pip and twine on that rootfs needs: the public host's
#                 `apt-get install` runs for real against it, served inside its namespace.
#   wheels-KEY/   wheels repacked (e2e/sim/repack_deb.py) from Debian's own .debs, for what the
#                 machine's wheelhouse lacks (it has CPython 3.11 binary wheels only): Debian 13's cffi
#                 1.17.1 (cp313), cryptography 43.0.0 (cp37-abi3, as Debian's build tagged it) and
#                 charset-normalizer 3.4.2 (cp313: mypyc-compiled), and Debian 12's keyring 23.9.3
#                 (pure Python: an old keyring, for a skewed auth repo). Binaries are tagged
#                 manylinux_2_<glibc minor they were built against> (2_41 for Debian 13), so a Debian
#                 12 target (glibc 2.36) does not accept them.
# Prints the directories as shell assignments: ROOTFS= ARCHIVE= (Debian 12), ROOTFS_TRIXIE=
# ARCHIVE_TRIXIE= (Debian 13), WHEELS_EXTRA=. Needs root, mmdebstrap, apt-utils, dpkg-deb, and Debian's
# package mirror (only when a cache entry is missing). Every suite's Release file is verified by apt
# against the machine's debian-archive-keyring (which has the Debian 13 keys since 2023.3+deb12u1);
# nothing here turns signature checks off (only the local archive built here is trusted by its
# sources line on the simulated hosts).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${E2E_CACHE:-/var/cache/pip-airlock-e2e}
BASE_PKGS=python3,curl,ca-certificates
EXTRA_PKGS=python3-pip,twine
# What each suite's python3 is: the bareness checks look for that version's ensurepip.
declare -A PYTHON=([bookworm]=3.11 [trixie]=3.13)
# The .debs the repacked wheels come from, per suite.
WHEEL_DEBS_TRIXIE=python3-cffi,python3-cffi-backend,python3-cryptography,python3-charset-normalizer
WHEEL_DEBS_BOOKWORM=python3-keyring
for tool in mmdebstrap apt-ftparchive dpkg-deb flock; do
  command -v "$tool" >/dev/null || { echo "build-cache: missing $tool (apt-get install mmdebstrap apt-utils)" >&2; exit 1; }
done
mkdir -p "$CACHE"
# One build at a time (two runs starting together must not build into each other's .tmp).
exec 9>"${CACHE}/.build.lock"
flock 9

mirrors() { # mirrors SUITE: its sources lines
  printf '%s\n' "deb http://deb.debian.org/debian $1 main" "deb http://deb.debian.org/debian $1-updates main" \
    "deb http://deb.debian.org/debian-security $1-security main"
}
key() { # key SUITE INPUT...: (for bookworm, the same keys as before trixie was added: the cache stays warm)
  local suite=$1
  shift
  { printf '%s\n' "v1" "$suite" "$@"; mirrors "$suite"; } | sha256sum | cut -c1-16
}
say() { echo "build-cache: $*" >&2; }

build_rootfs() { # build_rootfs SUITE DIR
  local suite=$1 dir=$2 absent m=()
  [[ -f ${dir}/.complete ]] && return 0
  mapfile -t m < <(mirrors "$suite")
  rm -rf -- "$dir" "${dir}.tmp"
  say "building the ${suite} rootfs (minbase + ${BASE_PKGS}) in ${dir}"
  mmdebstrap --quiet --variant=minbase --include="$BASE_PKGS" "$suite" "${dir}.tmp" "${m[@]}" >&2
  [[ $(readlink -f "${dir}.tmp/usr/bin/python3") == */python${PYTHON[$suite]} ]] ||
    { say "the ${suite} rootfs's python3 is not ${PYTHON[$suite]}"; exit 1; }
  # A stock image is bare: assert it.
  for absent in usr/lib/python3/dist-packages/pip usr/share/python-wheels "usr/lib/python${PYTHON[$suite]}/ensurepip" usr/bin/twine; do
    [[ ! -e ${dir}.tmp/${absent} ]] || { say "the ${suite} rootfs unexpectedly has /${absent}"; exit 1; }
  done
  touch "${dir}.tmp/.complete"
  mv -- "${dir}.tmp" "$dir"
}

build_archive() { # build_archive SUITE DIR
  local suite=$1 dir=$2 scratch m=()
  [[ -f ${dir}/.complete ]] && return 0
  mapfile -t m < <(mirrors "$suite")
  rm -rf -- "$dir" "${dir}.tmp"
  say "fetching the ${suite} .debs of ${BASE_PKGS},${EXTRA_PKGS} for a local archive in ${dir}"
  mkdir -p "${dir}.tmp/pool" "${dir}.tmp/dists/${suite}/main/binary-amd64"
  scratch=$(mktemp -d /var/tmp/pip-airlock-debs.XXXXXX)
  # Same resolver, same mirrors, every package a bare image + pip + twine needs; the .debs are kept.
  mmdebstrap --quiet --variant=minbase --include="${BASE_PKGS},${EXTRA_PKGS}" --skip=download/empty \
    --customize-hook="sync-out /var/cache/apt/archives ${dir}.tmp/pool" \
    "$suite" "${scratch}/root" "${m[@]}" >&2
  rm -rf -- "$scratch" "${dir}.tmp/pool/partial" "${dir}.tmp/pool/lock"
  (cd "${dir}.tmp" && apt-ftparchive packages pool >"dists/${suite}/main/binary-amd64/Packages" &&
    apt-ftparchive -o "APT::FTPArchive::Release::Suite=${suite}" -o "APT::FTPArchive::Release::Codename=${suite}" \
      -o APT::FTPArchive::Release::Components=main -o APT::FTPArchive::Release::Architectures=amd64 \
      release "dists/${suite}" >"dists/${suite}/Release.tmp" && mv "dists/${suite}/Release.tmp" "dists/${suite}/Release")
  grep -q '^Package: twine$' "${dir}.tmp/dists/${suite}/main/binary-amd64/Packages" ||
    { say "the ${suite} archive has no twine"; exit 1; }
  touch "${dir}.tmp/.complete"
  mv -- "${dir}.tmp" "$dir"
}

# deb_of DIR PACKAGE: the one .deb of PACKAGE in DIR.
deb_of() {
  local f found=()
  for f in "$1"/*.deb; do
    [[ $(dpkg-deb -f "$f" Package) == "$2" ]] && found+=("$f")
  done
  ((${#found[@]} == 1)) || { say "expected one .deb of $2 in $1, found ${#found[@]}"; exit 1; }
  printf '%s\n' "${found[0]}"
}

build_wheels() { # build_wheels DIR
  local dir=$1 scratch suite pkgs m=() glibc
  [[ -f ${dir}/.complete ]] && return 0
  rm -rf -- "$dir" "${dir}.tmp"
  mkdir -p "${dir}.tmp"
  scratch=$(mktemp -d /var/tmp/pip-airlock-wheeldebs.XXXXXX)
  for suite in trixie bookworm; do
    mapfile -t m < <(mirrors "$suite")
    pkgs=$WHEEL_DEBS_TRIXIE
    [[ $suite == bookworm ]] && pkgs=$WHEEL_DEBS_BOOKWORM
    say "fetching the ${suite} .debs of ${pkgs} to repack as wheels"
    # The extract variant only unpacks (nothing is configured); the apt cache, the .debs apt fetched
    # with their signed-index hashes checked, is kept.
    mmdebstrap --quiet --variant=extract --include="$pkgs" --skip=cleanup/apt/cache \
      "$suite" "${scratch}/${suite}" "${m[@]}" >&2
  done
  local t=${scratch}/trixie/var/cache/apt/archives b=${scratch}/bookworm/var/cache/apt/archives
  # The glibc the Debian 13 binaries were built against: their manylinux platform tag. The python
  # and ABI tags are those Debian's own build wrote (its WHEEL): cp313-cp313, cp37-abi3, py3-none-any.
  glibc=$(dpkg-deb -f "$(deb_of "$t" libc6)" Version)
  [[ $glibc =~ ^2\.([0-9]+)- ]] || { say "unexpected libc6 version ${glibc}"; exit 1; }
  local repack=(/usr/bin/python3 "${HERE}/repack_deb.py" --out "${dir}.tmp" --max-glibc "2.${BASH_REMATCH[1]}"
    --platform "manylinux_2_${BASH_REMATCH[1]}_x86_64")
  # cffi 1.17.1: the Python package (python3-cffi) and its C extension (python3-cffi-backend).
  "${repack[@]}" "$(deb_of "$t" python3-cffi)" "$(deb_of "$t" python3-cffi-backend)" >&2
  # cryptography 43: Debian's drop-cffi-dep.patch removes upstream's cffi requirement from
  # pyproject.toml (Debian ships the C backend as its own package, python3-cffi-backend, and depends on
  # it through dpkg); the Rust extension still imports _cffi_backend, so the wheel gets upstream's line.
  "${repack[@]}" --restore-requires-dist "cffi>=1.12 ; platform_python_implementation != 'PyPy'" \
    "$(deb_of "$t" python3-cryptography)" >&2
  # charset-normalizer 3.4.2: Debian builds it with mypyc (md.cpython-313-*.so): not pure Python.
  "${repack[@]}" "$(deb_of "$t" python3-charset-normalizer)" >&2
  # keyring 23.9.3 (Debian 12): pure Python.
  "${repack[@]}" "$(deb_of "$b" python3-keyring)" >&2
  rm -rf -- "$scratch"
  touch "${dir}.tmp/.complete"
  mv -- "${dir}.tmp" "$dir"
}

ROOTFS="${CACHE}/rootfs-$(key bookworm "$BASE_PKGS")"
ARCHIVE="${CACHE}/archive-$(key bookworm "$BASE_PKGS" "$EXTRA_PKGS")"
ROOTFS_TRIXIE="${CACHE}/rootfs-$(key trixie "$BASE_PKGS")"
ARCHIVE_TRIXIE="${CACHE}/archive-$(key trixie "$BASE_PKGS" "$EXTRA_PKGS")"
WHEELS_EXTRA="${CACHE}/wheels-$(key trixie "$WHEEL_DEBS_TRIXIE" bookworm "$WHEEL_DEBS_BOOKWORM" "$(mirrors bookworm)" \
  "$(sha256sum <"${HERE}/repack_deb.py")" "$(sed -n '/^build_wheels()/,/^}/p' "${BASH_SOURCE[0]}" | sha256sum)")"
# The five are independent, and each spends most of its time waiting on the mirror: they build side by side.
builds=()
build_rootfs bookworm "$ROOTFS" &
builds+=($!)
build_archive bookworm "$ARCHIVE" &
builds+=($!)
build_rootfs trixie "$ROOTFS_TRIXIE" &
builds+=($!)
build_archive trixie "$ARCHIVE_TRIXIE" &
builds+=($!)
build_wheels "$WHEELS_EXTRA" &
builds+=($!)
failed=0
for build in "${builds[@]}"; do wait "$build" || failed=1; done
((failed == 0)) || { say "a build failed (its message is above); the cache keeps only what completed"; exit 1; }
printf 'ROOTFS=%s\nARCHIVE=%s\nROOTFS_TRIXIE=%s\nARCHIVE_TRIXIE=%s\nWHEELS_EXTRA=%s\n' \
  "$ROOTFS" "$ARCHIVE" "$ROOTFS_TRIXIE" "$ARCHIVE_TRIXIE" "$WHEELS_EXTRA"
