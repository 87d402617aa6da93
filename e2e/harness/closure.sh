# shellcheck shell=bash
# The helpers' closure and the auth repo as a mirror leaves it, for scenarios about the private host
# alone: which wheels an image's CPython takes, and the bundle the agent's own code builds of them.

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
# debian-12: the newest file of each closure project), without a bundle (as a mirror before bundles).
# Per project the newest wheel the image's python and glibc accept whose requirements on the other
# picks hold (sim/target_closure.py): for debian-13, cffi 1.17.1 cp313 and so cryptography 43.0.0.
# shellcheck disable=SC2120 # the scenarios call it with no argument (debian-12) or an image
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

# seed_bundle IMAGE TARGET [OUT]: the bundle the mirror's code (the agent's `bundle-build`, run from the
# zipapp the synthesized scripts carry) builds of that image's closure for the target word TARGET
# (PYTHON:ARCH:GLIBC), put in the auth repo (or the directory OUT). Prints its file name.
seed_bundle() {
  local image=$1 target=$2 out=${3:-${STATE}/ar/${AUTH_REPO}} wheels=() f built dir pyz
  for f in $(closure_picks "$image"); do wheels+=("${E2E_PYPI}/files/${f}"); done
  pyz=$(agent_pyz)
  dir=$(mktemp -d "${STATE}/bundle.XXXXXX")
  built=$("$PY" -I "$pyz" bundle-build "$dir" "$(bundle_name "$target")" "$target" "${wheels[@]}" </dev/null) ||
    die "seed_bundle: the agent's bundle-build failed"
  [[ -f $built ]] || die "seed_bundle: bundle-build printed '${built}', not a file"
  mkdir -p "$out"
  cp "$built" "${out}/"
  rm -rf -- "$dir"
  printf '%s\n' "${built##*/}"
}
