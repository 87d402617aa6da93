#!/usr/bin/env bash
# The way forward from archived cdktf: its fork cdktn (npm: cdktn) keeps the API. This check builds the
# app in a scratch copy whose `cdktf` is cdktn 0.24.0 (with the constructs it needs) and proves that it
# synthesizes the same Terraform as the committed cdktf.out/ (every stack's JSON equal but cdktf's version
# stamp, the scripts it reads and their settings byte for byte). It fetches the two packages (and cdktn's
# own dependencies) from the npm registry with `npm pack`; the rest of node_modules is this checkout's,
# hard-linked (nothing here is written through: the replaced packages are removed in the copy, then
# unpacked afresh).
#   bash .ci/cdktn-check.sh        prints one line `cdktn: N passed, N failed`
set -euo pipefail
cd "$(dirname "$0")/.."
CDKTN=(cdktn@0.24.0 constructs@10.7.2 fflate@0.8.3 safe-stable-stringify@2.5.0)
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
passed=0
failed=0
result() { if [[ $1 == 0 ]]; then passed=$((passed + 1)); echo "PASS cdktn: $2"; else failed=$((failed + 1)); echo "FAIL cdktn: $2"; fi; }

[[ -d node_modules ]] || { echo "cdktn: run npm ci first" >&2; exit 1; }
mkdir -p "${scratch}/packs" "${scratch}/app"
(cd "${scratch}/packs" && npm pack --silent "${CDKTN[@]}" >/dev/null)
git ls-files -z | xargs -0 cp --parents -t "${scratch}/app"
cp -al node_modules "${scratch}/app/node_modules"
for pack in "${CDKTN[@]}"; do
  name=${pack%@*}
  dir="${scratch}/app/node_modules/${name/cdktn/cdktf}" # cdktn takes cdktf's place: "cdktf": "npm:cdktn@0.24.0"
  rm -rf -- "$dir"
  mkdir -p -- "$dir"
  tar -xzf "${scratch}/packs/${name}-${pack##*@}.tgz" -C "$dir" --strip-components=1
done
(cd "${scratch}/app" && npm pkg set dependencies.cdktf=npm:cdktn@0.24.0 dependencies.constructs=10.7.2)
[[ $(node -p 'require(process.argv[1]).name' "${scratch}/app/node_modules/cdktf/package.json") == cdktn ]] || { echo "cdktn: not installed" >&2; exit 1; }

record=$(node -p 'require("./cdktf.out/pip-airlock.json").config')
rc=0
(cd "${scratch}/app" && rm -rf dist && AIRLOCK_CONFIG="$record" CDKTF_OUTDIR="${scratch}/out" node synth.js >"${scratch}/synth.log" 2>&1) || rc=$?
result "$rc" "the app builds and synthesizes ${record} with cdktn 0.24.0 as cdktf"
if ((rc != 0)); then cat "${scratch}/synth.log"; fi

equal_but_stamp() { # equal_but_stamp A B: the two cdk.tf.json are equal once cdktf's version stamp is dropped
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
const fs = require("fs");
const [a, b] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
const stamps = [a, b].map((j) => j["//"]?.metadata?.version);
for (const j of [a, b]) if (j["//"]?.metadata) delete j["//"].metadata.version;
if (JSON.stringify(a) !== JSON.stringify(b)) { console.error("the synthesized Terraform differs"); process.exit(1); }
if (stamps[0] === stamps[1]) { console.error(`the version stamps do not differ (${stamps[0]}): was cdktn really used?`); process.exit(1); }
console.log(`equal but the stamp (${stamps[1]} here, ${stamps[0]} with cdktn)`);' "$1" "$2"
}
for stack in cdktf.out/stacks/*/; do
  stack=$(basename "$stack")
  rc=0
  equal_but_stamp "${scratch}/out/stacks/${stack}/cdk.tf.json" "cdktf.out/stacks/${stack}/cdk.tf.json" || rc=$?
  result "$rc" "stack ${stack}: the same Terraform as cdktf 0.21 but the version stamp"
  # Every other file of the stack (the scripts cdk.tf.json reads, their settings), byte for byte.
  for file in "cdktf.out/stacks/${stack}"/*; do
    [[ $(basename "$file") == cdk.tf.json ]] && continue
    rc=0
    cmp -s "${scratch}/out/stacks/${stack}/$(basename "$file")" "$file" || rc=$?
    result "$rc" "stack ${stack}: the same $(basename "$file"), byte for byte"
  done
done
echo "cdktn: ${passed} passed, ${failed} failed"
((failed == 0))
