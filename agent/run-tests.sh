#!/usr/bin/env bash
# The host agent's pytest suite, on Debian's python3 (required) and on every other CPython >= 3.9 this
# machine has (pyenv's): the bootstrap runs on the images' CPythons from 3.9 (RHEL/Rocky 9) to 3.14. The other
# interpreters borrow Debian's pytest (pure Python: python3-pytest, python3-exceptiongroup, python3-tomli).
# The mirror runs only on the public host (Debian 12's CPython 3.11 or 13's 3.13): its tests (marker
# mirror_host) run on those minor versions, and what reads files rather than exercising the interpreter
# (python_independent) on Debian's alone, as does what runs only in child processes of /usr/bin/python3 (marker
# system_python: Debian's pip, venv and the zipapp's shims, the same run whichever interpreter runs pytest).
# A pyenv CPython of Debian's own minor version adds nothing and is skipped. Interpreters run in parallel, one
# per core. RSA keys (AGENT_TEST_KEYS) and bytecode, pytest's rewritten test modules among it
# (PYTHONPYCACHEPREFIX: nothing is written beside the sources), are made once and kept between runs in
# node_modules/.cache/pip-airlock; each interpreter compiled all of it again at every run, a quarter of the
# suite's CPU time.
# Ends with one line `agent: N passed, N failed` (summed over the interpreters).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="$PWD/node_modules/.cache/pip-airlock"
mkdir -p "$cache"
unset PYTHONDONTWRITEBYTECODE
# Only pytest's own plugins: the suite needs no other, and the machine's (Debian's hypothesis and
# pytest-benchmark) cost each interpreter's start about 0.2 s and could change how the suite runs.
export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
export PYTHONPYCACHEPREFIX="$cache/pycache"
export AGENT_TEST_KEYS="$cache/agent-test-keys"
(umask 077 && mkdir -p "$AGENT_TEST_KEYS")
debian_python=/usr/bin/python3
"$debian_python" -c 'import pytest' 2>/dev/null ||
  { echo "agent tests: Debian's python3-pytest is missing (apt-get install python3-pytest python3-exceptiongroup python3-tomli)" >&2; exit 1; }
pytest_path=$("$debian_python" -c 'import os, pytest; print(os.path.dirname(os.path.dirname(pytest.__file__)))')
minor() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }
debian_minor=$(minor "$debian_python")
MIRROR_HOST_MINORS=" 3.11 3.13 " # Debian 12's and 13's python3: hosts.publicImage

# The runs' output, and each run's pytest temporary folders (--basetemp, about 16 MB), in memory when the
# machine has /dev/shm: the suite makes and removes thousands of small files, which cost twice the kernel time
# on a disk file system (a mkdir about 0.3 ms on ext4 mounted with discard).
scratch=${TMPDIR:-/tmp}
[[ -d /dev/shm && -w /dev/shm ]] && scratch=/dev/shm
work=$(mktemp -d "$scratch/agent-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One line per run: PYTHON<TAB>PYTHONPATH<TAB>MARKER EXPRESSION. The runs with the mirror's tests take about
# twice as long as the others: they start first, so that no long run is left alone on one core at the end.
runs=()
runs+=("$debian_python"$'\t'$'\t'"")
shorter=()
shopt -s nullglob
for python in "${PYENV_ROOT:-/root/.pyenv}"/versions/3.*/bin/python3; do
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null || continue
  m=$(minor "$python")
  [[ "$m" == "$debian_minor" ]] && continue
  if [[ "$MIRROR_HOST_MINORS" == *" $m "* ]]; then
    runs+=("$python"$'\t'"$pytest_path"$'\t'"not python_independent and not system_python")
  else
    shorter+=("$python"$'\t'"$pytest_path"$'\t'"not mirror_host and not python_independent and not system_python")
  fi
done
runs+=(${shorter[@]+"${shorter[@]}"})

one() { # one INDEX PYTHON PYTHONPATH MARKERS: the run's output in $work/INDEX.out, its status in $work/INDEX.rc
  local rc=0 args=(-m pytest agent/tests -q -p no:cacheprovider --basetemp "$work/$1.tmp")
  [[ -n "$4" ]] && args+=(-m "$4" -W ignore::DeprecationWarning)
  PYTHONPATH=$3 "$2" "${args[@]}" >"$work/$1.out" 2>&1 || rc=$?
  echo "$rc" >"$work/$1.rc"
}

jobs_max=$(nproc 2>/dev/null || echo 2)
for i in "${!runs[@]}"; do
  IFS=$'\t' read -r python path markers <<<"${runs[$i]}"
  while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n || true; done
  one "$i" "$python" "$path" "$markers" &
done
wait

passed=0
failed=0
status=0
for i in "${!runs[@]}"; do
  IFS=$'\t' read -r python _ markers <<<"${runs[$i]}"
  echo "agent tests on $("$python" -V 2>&1)${markers:+ (-m \"$markers\")}"
  tail -n 25 "$work/$i.out"
  p=$(grep -oE '[0-9]+ passed' "$work/$i.out" | tail -n 1 | cut -d' ' -f1 || true)
  f=$(grep -oE '[0-9]+ failed' "$work/$i.out" | tail -n 1 | cut -d' ' -f1 || true)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [[ "$(cat "$work/$i.rc")" != 0 ]]; then
    status=1
    ((${f:-0} > 0)) || failed=$((failed + 1))
  fi
done
echo "agent: ${passed} passed, ${failed} failed"
exit "$status"
