#!/usr/bin/env bash
# A team's first week in its own fork, as a team does it: a clone of this checkout with every shipped
# example config deleted, the team's config (two environments) synthesized, then the README's test
# command before committing and again after. Prints one line `fork: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
passed=0
failed=0
result() { if [[ $1 == 0 ]]; then passed=$((passed + 1)); echo "PASS fork: $2"; else failed=$((failed + 1)); echo "FAIL fork: $2"; fi; }

git clone -q "$(pwd)" "${scratch}/fork"
ln -s "$(pwd)/node_modules" "${scratch}/fork/node_modules"
cd "${scratch}/fork"
rm config/*.json # as a team does: every shipped example (the JSON Schema is not in config/)
cat >config/acme.json <<'JSON'
{
  "$schema": "../schema/pip-airlock.schema.json",
  "projectId": "acme-pip-dev",
  "region": "europe-west1",
  "zone": "europe-west1-b",
  "networks": { "public": { "name": "acme-public", "subnetCidr": "10.110.0.0/24" }, "private": { "name": "acme-private", "subnetCidr": "10.120.0.0/24" } },
  "environments": { "dev": {}, "prod": { "projectId": "acme-pip-prod", "hosts": { "machineType": "e2-medium" } } }
}
JSON
rc=0
AIRLOCK_CONFIG=config/acme.json node synth.js >"${scratch}/synth.log" 2>&1 || rc=$?
result "$rc" "the team's config (two environments, \"\$schema\") synthesizes with every example deleted"
rc=0
node synth.js >"${scratch}/resynth.log" 2>&1 || rc=$?
grep -q '^pip-airlock: synthesized dev, prod from config/acme.json$' "${scratch}/resynth.log" || rc=1
result "$rc" "a synth without AIRLOCK_CONFIG synthesizes the recorded config again"
rc=0
npm test >"${scratch}/test-before.log" 2>&1 || { rc=$?; tail -n 40 "${scratch}/test-before.log"; }
result "$rc" "npm test passes before committing (stacks removed and added, examples deleted, not yet in git)"
git add -A
git -c user.email=fork@example.com -c user.name=fork commit -q -m "acme"
rc=0
npm test >"${scratch}/test-after.log" 2>&1 || { rc=$?; tail -n 40 "${scratch}/test-after.log"; }
result "$rc" "npm test passes after committing"
echo "fork: ${passed} passed, ${failed} failed"
((failed == 0))
