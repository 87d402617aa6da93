#!/usr/bin/env bash
# Scenario ar-behaviour: the fake Artifact Registry answers as Google's does (what the scripts are
# written against), seen from the hosts with the tokens their own metadata servers issue, and with
# the repositories and IAM grants of the synth (world.json):
#   404 for the root /simple/ even with valid credentials, per-project pages only; 401 without or
#   with a bad token; 403 for the private host's identity uploading to the auth repo and for the
#   public host's identity reading the private repo; 400 "requested entity already exists" on a
#   duplicate upload.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
seed_auth_repo
world_up
host_new pub public
host_new priv private
WHEEL=$(basename "$(ls "${E2E_PRIVATE_SEED}"/*.whl)")
cp "${E2E_PRIVATE_SEED}/${WHEEL}" "$(hostdir pub)/tmp-${WHEEL}"

# code HOST TOKEN(yes|no|bad) METHOD URL [curl args]: the HTTP status, and the body after a space.
AR="https://${AR_HOST}"
# shellcheck disable=SC2016 # expanded on the host
PROBE='
set -euo pipefail
tok=$1 method=$2 url=$3
shift 3
case $tok in
  yes) t=$(curl -fsS -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token |
         python3 -c "import json,sys; print(json.load(sys.stdin)[\"access_token\"])") ;;
  bad) t="ya29.sim.airlock-private-host.9999999999.forged.00000000000000000000000000000000" ;;
  no) t= ;;
esac
body=$(mktemp)
if [[ -n $t ]]; then
  printf "user = \"oauth2accesstoken:%s\"\n" "$t" | curl -K - -sS -o "$body" -w "%{http_code}" -X "$method" "$@" "$url"
else
  curl -sS -o "$body" -w "%{http_code}" -X "$method" "$@" "$url"
fi
printf " %s" "$(head -c 200 "$body")"'
code() { local host=$1; shift; on_host "$host" probe bash -c "$PROBE" probe "$@" 2>&1; }
expect() { # expect WANT_CODE [BODY_SUBSTRING] -- HOST TOKEN METHOD URL [curl args]
  local want=$1 sub=${2:-} got
  shift 2
  [[ $1 == -- ]] && shift
  got=$(code "$@")
  [[ ${got%% *} == "$want" && $got == *"$sub"* ]] || { echo "got: $got (wanted $want ${sub})"; return 1; }
}
UPLOAD=(-F ":action=file_upload" -F "protocol_version=1" -F "content=@/tmp/${WHEEL}")

check "root /simple/ of the auth repo with valid credentials: 404 (only per-project pages)" \
  expect 404 "" -- priv yes GET "${AR}/${AUTH_REPO}/simple/"
check "a per-project page with valid credentials: 200 with sha256 links" \
  expect 200 "#sha256=" -- priv yes GET "${AR}/${AUTH_REPO}/simple/keyring/"
check "a project the repo lacks: 404" expect 404 "" -- priv yes GET "${AR}/${AUTH_REPO}/simple/no-such-project/"
check "no credentials: 401" expect 401 "" -- priv no GET "${AR}/${AUTH_REPO}/simple/keyring/"
check "a forged token: 401" expect 401 "" -- priv bad GET "${AR}/${AUTH_REPO}/simple/keyring/"
check "the private host's identity uploading to the auth repo: 403" \
  expect 403 "uploadArtifacts" -- priv yes POST "${AR}/${AUTH_REPO}/" -F ":action=file_upload" -F "content=@/etc/hostname"
check "the public host's identity reading the private repo: 403" \
  expect 403 "downloadArtifacts" -- pub yes GET "${AR}/${PRIVATE_REPO}/simple/airlock-private-demo/"
check "the public host's identity uploads a new file to the auth repo: 200" expect 200 "" -- pub yes POST "${AR}/${AUTH_REPO}/" "${UPLOAD[@]}"
check "the same file again: 400 requested entity already exists" \
  expect 400 "requested entity already exists" -- pub yes POST "${AR}/${AUTH_REPO}/" "${UPLOAD[@]}"
finish
