#!/usr/bin/env bash
# The host agent's pytest suite, on Debian's python3 (required) and on every other CPython >= 3.9 this
# machine has (pyenv's): the agent runs on the images' CPythons from 3.9 (RHEL/Rocky 9) to 3.14. The other
# interpreters borrow Debian's pytest (pure Python: python3-pytest, python3-exceptiongroup, python3-tomli).
# Ends with one line `agent: N passed, N failed` (summed over the interpreters).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1
debian_python=/usr/bin/python3
"$debian_python" -c 'import pytest' 2>/dev/null ||
  { echo "agent tests: Debian's python3-pytest is missing (apt-get install python3-pytest python3-exceptiongroup python3-tomli)" >&2; exit 1; }
pytest_path=$("$debian_python" -c 'import os, pytest; print(os.path.dirname(os.path.dirname(pytest.__file__)))')
passed=0
failed=0
status=0

run() { # run PYTHON PYTHONPATH PYTEST_ARGS...
  local out rc=0 p f
  echo "agent tests on $("$1" -V 2>&1)"
  out=$(PYTHONPATH=$2 "$1" -m pytest agent/tests -q -p no:cacheprovider "${@:3}" 2>&1) || rc=$?
  printf '%s\n' "$out" | tail -n 25
  p=$(grep -oE '[0-9]+ passed' <<<"$out" | tail -n 1 | cut -d' ' -f1 || true)
  f=$(grep -oE '[0-9]+ failed' <<<"$out" | tail -n 1 | cut -d' ' -f1 || true)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if ((rc != 0)); then
    status=1
    ((${f:-0} > 0)) || failed=$((failed + 1))
  fi
}

run "$debian_python" ""
shopt -s nullglob
for python in "${PYENV_ROOT:-/root/.pyenv}"/versions/3.*/bin/python3; do
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null || continue
  run "$python" "$pytest_path" -W ignore::DeprecationWarning
done
echo "agent: ${passed} passed, ${failed} failed"
exit "$status"
