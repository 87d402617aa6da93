#!/usr/bin/env bash
# npm run typecheck, and npm test's type-check: tsc over the project (PROJECT, by default this one), nothing
# emitted. tsc's build mode skips the check when no file of the project changed since the last check
# (dist/.tsbuildinfo), and checks again while the last one found errors; but it does not look into
# node_modules. So when the packages differ from those of the last check that passed (npm's record of them,
# node_modules/.package-lock.json, kept beside the build info), incremental tsc runs, which reads every
# declaration file.
set -euo pipefail
tsc="$(cd "$(dirname "$0")/.." && pwd)/node_modules/typescript/bin/tsc"
cd "${1:-$(dirname "$0")/..}"
packages=node_modules/.package-lock.json
checked_with=dist/.typecheck-packages.json
if [[ -e dist/.tsbuildinfo ]] && cmp -s "$packages" "$checked_with"; then
  exec node "$tsc" -b tsconfig.json --noEmit
fi
node "$tsc" --noEmit -p .
if [[ -e $packages ]]; then cp "$packages" "$checked_with"; fi
