#!/usr/bin/env bash
# A working directory set to hijack whatever a startup script runs from it (run on a simulated host, as
# root): in DIR, modules Python would import from the current directory or PYTHONPATH before its own
# (json, base64, hashlib, zipfile, urllib/, encodings/, sitecustomize, usercustomize, a PYTHONSTARTUP
# file, a PYTHONHOME tree for 3.11 and 3.13), and in DIR/bin commands a script could find on a PATH
# that starts there (python3, base64, sha256sum, mktemp, curl, date, rm): each writes a marker file in
# MARKERS (world-writable, so that a process of any user can) when it is imported or run. Prints the
# environment a hijacked caller would pass (NAME=VALUE, one a line).
#
#   hijack_kit.sh DIR MARKERS
set -euo pipefail
dir=$1 markers=$2
mkdir -p "$markers" "${dir}/bin" "${dir}/urllib" "${dir}/encodings"
chmod 1777 "$markers"
module() { # module PATH NAME: a Python file that leaves the marker NAME (with posix alone: encodings runs
  # before open() exists)
  printf 'import posix\nposix.close(posix.open("%s/%s.%%d" %% posix.getpid(), posix.O_WRONLY | posix.O_CREAT, 0o666))\n' \
    "$markers" "$2" >"$1"
}
for m in json base64 hashlib zipfile sitecustomize usercustomize startup; do module "${dir}/${m}.py" "$m"; done
module "${dir}/urllib/__init__.py" urllib
module "${dir}/encodings/__init__.py" encodings
for v in 3.11 3.13; do
  mkdir -p "${dir}/lib/python${v}/encodings"
  module "${dir}/lib/python${v}/encodings/__init__.py" "pythonhome-${v}"
  module "${dir}/lib/python${v}/os.py" "pythonhome-os-${v}"
done
for c in python3 base64 sha256sum mktemp curl date rm; do
  # shellcheck disable=SC2016 # expanded by the stand-in when it runs
  printf '#!/bin/sh\necho "$0 $*" >"%s/bin-%s.$$"\nexit 1\n' "$markers" "$c" >"${dir}/bin/${c}"
  chmod 0755 "${dir}/bin/${c}"
done
chmod -R a+rX "$dir"
printf '%s\n' "PYTHONPATH=${dir}" "PYTHONSTARTUP=${dir}/startup.py" "PYTHONHOME=${dir}" "PYTHONUSERBASE=${dir}" \
  "PATH=${dir}/bin:${dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
