#!/usr/bin/env bash
# npm test: the type-check, the host agent's pytest suite and jest side by side. All spend part of their
# time waiting on child processes (openssl, pip, terraform, the cdktf CLI) or on one core (tsc), so together
# they keep the cores busier than one after the other. The type-check's and the agent's output are printed
# after jest's, the agent's closing line `agent: N passed, N failed` last; the exit status is non-zero when
# any of the three failed. Arguments go to jest, which is started by node itself: npx would start npm first,
# about half a CPU-second.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suites' python3 is the machine's own (Debian's, as on the hosts). pyenv's shims, when they come first on
# PATH, would pick pyenv's global version instead, at about 0.3 s a call; the agent's suite finds pyenv's
# CPythons by their folders, not through the shims.
if [[ -x /usr/bin/python3 ]]; then
  PATH=$(tr ':' '\n' <<<"$PATH" | grep -v '/\.pyenv/\(plugins/[^/]*/\)\?shims$' | paste -sd ':')
  export PATH
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/npm-test.XXXXXX")
trap 'rm -rf -- "$logs"' EXIT
bash scripts/typecheck.sh >"$logs/tsc" 2>&1 &
tsc=$!
bash agent/run-tests.sh >"$logs/agent" 2>&1 &
agent=$!
jest_status=0
node node_modules/jest/bin/jest.js "$@" || jest_status=$?
tsc_status=0
wait "$tsc" || tsc_status=$?
((tsc_status == 0)) || { echo "type-check (scripts/typecheck.sh) failed:"; cat "$logs/tsc"; }
agent_status=0
wait "$agent" || agent_status=$?
cat "$logs/agent"
((tsc_status == 0 && jest_status == 0 && agent_status == 0))
