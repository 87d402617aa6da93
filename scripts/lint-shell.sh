#!/usr/bin/env bash
# Lints every shell file the repository tracks with shellcheck, following what each sources (npm run lint).
# The startup scripts the synth renders are checked by the unit tests, on their rendered text.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.sh' '.ci/run' | xargs -0 shellcheck -x
