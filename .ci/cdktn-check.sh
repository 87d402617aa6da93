#!/usr/bin/env bash
# The way forward from archived cdktf: its fork cdktn (npm: cdktn) keeps the API. This check builds the
# app in a scratch copy whose `cdktf` is cdktn 0.24.0 (with the constructs it needs) and proves that it
# synthesizes the same Terraform as the committed cdktf.out/ (every stack's JSON equal but cdktf's version
# stamp, the scripts it reads and their settings byte for byte). It fetches the two packages (and cdktn's
# own dependencies) from the npm registry with `npm pack`; the rest of node_modules is this checkout's,
# hard-linked (nothing here is written through: the replaced packages are removed in the copy, then
# unpacked afresh).
# Then the library as a cdktn team gets it: this checkout's `npm pack`, installed into a scratch copy of a
# team's own app (.ci/team-app) whose `cdktf` is cdktn 0.24.0, compiled against cdktn's types, synthesized,
# refused by a guardrail when the team opens SSH to the airlock, and loaded by Terraform (as
# __tests__/packed-library.test.ts does on cdktf 0.21).
#   bash .ci/cdktn-check.sh        prints one line `cdktn: N passed, N failed`
set -euo pipefail
cd "$(dirname "$0")/.."
CDKTN=(cdktn@0.24.0 constructs@10.7.2 fflate@0.8.3 safe-stable-stringify@2.5.0)
CDKTN_OWN=(fflate@0.8.3 safe-stable-stringify@2.5.0 semver@7.8.5) # cdktn's own dependencies, exact: under it in a team's app
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
passed=0
failed=0
result() { if [[ $1 == 0 ]]; then passed=$((passed + 1)); echo "PASS cdktn: $2"; else failed=$((failed + 1)); echo "FAIL cdktn: $2"; fi; }

[[ -d node_modules ]] || { echo "cdktn: run npm ci first" >&2; exit 1; }
mkdir -p "${scratch}/packs" "${scratch}/app"
(cd "${scratch}/packs" && npm pack --silent "${CDKTN[@]}" semver@7.8.5 >/dev/null)
git ls-files -z | xargs -0 cp --parents -t "${scratch}/app"
cp -al node_modules "${scratch}/app/node_modules"
for pack in "${CDKTN[@]}"; do
  name=${pack%@*}
  dir="${scratch}/app/node_modules/${name/cdktn/cdktf}" # cdktn takes cdktf's place: "cdktf": "npm:cdktn@0.24.0"
  rm -rf -- "$dir"
  mkdir -p -- "$dir"
  tar -xzf "${scratch}/packs/${name}-${pack##*@}.tgz" -C "$dir" --strip-components=1
done
(cd "${scratch}/app" && npm pkg set devDependencies.cdktf=npm:cdktn@0.24.0 devDependencies.constructs=10.7.2)
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
unpack() { # unpack PACK DIR: a packed package, as npm lays it out
  rm -rf -- "$2"
  mkdir -p -- "$2"
  tar -xzf "$1" -C "$2" --strip-components=1
}
team="${scratch}/team"
npm_scratch=(--offline --no-audit --no-fund "--cache=${scratch}/npm-cache" "--logs-dir=${scratch}/npm-logs")
install_team() { # the packed library, installed into the team's app on cdktn, compiled: stops at the first failure
  local tarball pack
  tarball=$(npm pack --silent --pack-destination "${scratch}/packs" | tail -n 1) || return 1
  mkdir -p "$team" || return 1
  cp .ci/team-app/package.json .ci/team-app/tsconfig.json .ci/team-app/main.ts "$team/" || return 1
  cp -al "$(realpath node_modules)" "${team}/node_modules" || return 1
  rm -f -- "${team}/node_modules/.package-lock.json" || return 1 # npm would write it in place
  unpack "${scratch}/packs/cdktn-0.24.0.tgz" "${team}/node_modules/cdktf" || return 1
  for pack in "${CDKTN_OWN[@]}"; do
    unpack "${scratch}/packs/${pack%@*}-${pack##*@}.tgz" "${team}/node_modules/cdktf/node_modules/${pack%@*}" || return 1
  done
  (
    cd "$team" &&
      npm pkg set dependencies.cdktf=npm:cdktn@0.24.0 &&
      # The provider packages' peer dependency on cdktf 0.21 refuses cdktn (README, Use it as a library).
      npm install "${npm_scratch[@]}" --ignore-scripts --legacy-peer-deps "${scratch}/packs/${tarball}" &&
      [[ $(node -p 'require(process.argv[1]).name' "${team}/node_modules/cdktf/package.json") == cdktn ]] &&
      node node_modules/typescript/bin/tsc -p .
  )
}
rc=0
install_team >"${scratch}/team.log" 2>&1 || rc=$?
result "$rc" "the packed library installs offline into a team's app on cdktn 0.24.0 and compiles against its types"
if ((rc != 0)); then cat "${scratch}/team.log"; fi

rc=0
semver_module="$(realpath node_modules)/semver"
# shellcheck disable=SC2016 # JavaScript, not shell
(cd "$team" && node -e '
const fs = require("fs");
const semver = require(process.argv[1]);
const manifest = (name) => JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8"));
for (const [name, range] of Object.entries(manifest("pip-airlock").peerDependencies)) {
  const { version } = manifest(name);
  if (!semver.satisfies(version, range)) { console.error(`${name} ${version} does not satisfy the peer range ${range}`); process.exit(1); }
}' "$semver_module") || rc=$?
result "$rc" "the team's cdktn 0.24.0 (as cdktf), constructs and providers satisfy the library's peer dependencies"

rc=0
(cd "$team" && TEAM_OUTDIR="${scratch}/team-out" node main.js >"${scratch}/team-synth.log" 2>&1) || rc=$?
team_json="${scratch}/team-out/stacks/platform/cdk.tf.json"
if ((rc == 0)); then
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const version = j["//"]?.metadata?.version;
if (version !== "0.24.0") { console.error(`synthesized by ${version}, not cdktn 0.24.0`); process.exit(1); }
const names = Object.keys(j.resource.google_compute_network ?? {});
if (!names.some((n) => n.startsWith("airlock_private-network_")) || !j.resource.google_storage_bucket?.artifacts) { console.error(`not the team stack with the airlock: ${names}`); process.exit(1); }' "$team_json" || rc=$?
fi
result "$rc" "the team's app synthesizes its stack with the airlock in it, stamped by cdktn 0.24.0"
if ((rc != 0)); then cat "${scratch}/team-synth.log"; fi

rc=0
(cd "$team" && TEAM_OPENS_SSH=1 TEAM_OUTDIR="${scratch}/team-refused" node main.js >"${scratch}/team-refused.log" 2>&1) && rc=1
grep -qF "[platform/airlock] guardrail AIRLOCK-G5 ssh-only-from-iap: platform/open-ssh opens SSH to [\"0.0.0.0/0\"]" "${scratch}/team-refused.log" || rc=1
result "$rc" "a team rule opening SSH to the airlock fails the team's synth with the guardrail's line"
if ((rc != 0)); then cat "${scratch}/team-refused.log"; fi

rc=0
# Terraform's working folders in the scratch folder, removed with it.
# shellcheck disable=SC2016 # JavaScript, not shell
TMPDIR=$scratch node -e '
require("ts-node").register({ transpileOnly: true, project: "tsconfig.json" });
const { configurationProblems, emptyProviderMirror } = require("./__tests__/terraform");
configurationProblems(require("fs").readFileSync(process.argv[1], "utf8"), emptyProviderMirror()).then((problems) => {
  if (problems.length > 0) { console.error(problems.join("\n")); process.exitCode = 1; }
});' "$team_json" || rc=$?
result "$rc" "Terraform loads the team's stack"

echo "cdktn: ${passed} passed, ${failed} failed"
((failed == 0))
