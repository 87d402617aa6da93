#!/usr/bin/env bash
# npm test: the type-check, then the host agent's pytest suite and jest side by side. Both spend part of their
# time waiting on child processes (openssl, pip, terraform, the cdktf CLI), so together they keep the cores
# busier than one after the other. The agent's output is printed after jest's, its closing line
# `agent: N passed, N failed` last; the exit status is non-zero when either failed. Arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p .
agent_log=$(mktemp "${TMPDIR:-/tmp}/agent-tests.XXXXXX.log")
trap 'rm -f -- "$agent_log"' EXIT
bash agent/run-tests.sh >"$agent_log" 2>&1 &
agent=$!
jest_status=0
npx jest "$@" || jest_status=$?
agent_status=0
wait "$agent" || agent_status=$?
cat "$agent_log"
((jest_status == 0 && agent_status == 0))
