# shellcheck shell=bash
# The tally of a scenario's checks: every check passes or fails by name, and the scenario's result
# (PASSED FAILED, the line run.sh adds up) is written when it exits (scenario_cleanup in lib.sh).
PASSED=0
FAILED=0

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
# die WHAT: the scenario cannot go on (its setup failed): a failed check, and the end.
die() {
  fail "setup: $*"
  exit 1
}
# write_result RC: the scenario's result as run.sh reads it; an exit that is not 0 with no failed
# check (a crash) counts as one failure.
write_result() {
  if (($1 != 0 && FAILED == 0)); then printf '0 1\n'; else printf '%d %d\n' "$PASSED" "$FAILED"; fi >"${SW}/result"
}
finish() {
  say "${PASSED} passed, ${FAILED} failed"
  ((FAILED == 0))
}
