#!/usr/bin/env bash
# Scenario token: the host's token never leaves for another origin, whatever the auth repo answers. The
# fake AR turns hostile for one host at a time (sim/servers.py's hostile rules, each limited to that
# host's address): a simple page whose links all point to another origin, or a file answered with a 302
# to another origin. The other origins record every request and whether it carried an Authorization
# header: `elsewhere` (https://elsewhere.test, a host every VM trusts the certificate of, in the API
# VIP range so that the private VMs reach it) and `plain` (http:// on the AR host's own address, port 80).
#   - agent-links-other, agent-links-http: the page of the host's bundle (read by the agent itself)
#     links to https://elsewhere.test/ and to http://AR_HOST/: refused, failed at verify (where the signed set's bundle is looked up)
#   - agent-redirect: the bundle file answers 302 to https://elsewhere.test/: not followed, failed at
#     venv (the step that downloads it)
#   - pip-links-http, pip-redirect (no bundle: the signed files fetched one by one): the page of zipp (a
#     dependency only pip reads) links to http://AR_HOST/, or zipp's wheel answers 302 to
#     https://elsewhere.test/: pip may follow, but without the credentials; failed at install
#   - probe-redirect (bundle): the keyring wheel the user probe's pip downloads answers 302 to
#     https://elsewhere.test/: the user's pip (keyring-provider) follows without the credentials; failed
#     at probe
#   - probe-links-http (bundle): keyring's page, read by the user probe's pip alone, links to
#     http://AR_HOST/: failed at probe (what any user's pip on a configured host would do with it)
# Each: the recorders saw no Authorization header, status failed (never ready-stale).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
seed_auth_repo
BUNDLE=$(seed_bundle debian-12 "${MIRRORED_TARGETS[0]}")
BUNDLE_PROJECT=$(bundle_name "${MIRRORED_TARGETS[0]}")
ELSEWHERE_IP=${AR_IP%.*}.$((${AR_IP##*.} + 1)) # the next address of the API VIP range
world_up
world_leaf elsewhere elsewhere.test
recorder_up elsewhere "${ELSEWHERE_IP}:443" elsewhere
recorder_up plain "${AR_IP}:80"
HOSTS_T=(agent-links-other agent-links-http agent-redirect pip-links-http pip-redirect probe-redirect probe-links-http)
for h in "${HOSTS_T[@]}"; do
  host_new "$h" private
  # shellcheck disable=SC2016 # expanded on the host
  on_host "$h" image bash -euc 'printf "%s elsewhere.test\n" "$1" >>/etc/hosts' image "$ELSEWHERE_IP" >>"${LOGS}/${h}-image.log" 2>&1 ||
    die "provisioning $h failed"
done
FAST=(MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1)
variant "$BOOTSTRAP_SH" "${SW}/fast.sh" "${FAST[@]}"
# No bundle: a bootstrap that keeps to a target this (x86_64) host is not, so it takes the signed files one by one.
# (The synthesized bootstrap names no target: it finds its own among the signed set's bundles.)
variant "$BOOTSTRAP_SH" "${SW}/index.sh" "${FAST[@]}" "MIRRORED_TARGETS=(3.11.2:aarch64:2.36)"
ar_hostile "[
  {\"client\": \"$(host_ip agent-links-other)\", \"project\": \"${BUNDLE_PROJECT}\", \"links\": \"https://elsewhere.test/files/\"},
  {\"client\": \"$(host_ip agent-links-http)\", \"project\": \"${BUNDLE_PROJECT}\", \"links\": \"http://${AR_HOST}/${AUTH_REPO}/files/\"},
  {\"client\": \"$(host_ip agent-redirect)\", \"file_prefix\": \"${BUNDLE%%-*}\", \"redirect\": \"https://elsewhere.test/files/\"},
  {\"client\": \"$(host_ip pip-links-http)\", \"project\": \"zipp\", \"links\": \"http://${AR_HOST}/${AUTH_REPO}/files/\"},
  {\"client\": \"$(host_ip pip-redirect)\", \"file_prefix\": \"zipp-\", \"redirect\": \"https://elsewhere.test/files/\"},
  {\"client\": \"$(host_ip probe-redirect)\", \"file_prefix\": \"keyring-\", \"redirect\": \"https://elsewhere.test/files/\"},
  {\"client\": \"$(host_ip probe-links-http)\", \"project\": \"keyring\", \"links\": \"http://${AR_HOST}/${AUTH_REPO}/files/\"}
]"

declare -A SCRIPT_OF=([agent-links-other]=fast [agent-links-http]=fast [agent-redirect]=fast [pip-links-http]=index
  [pip-redirect]=index [probe-redirect]=fast [probe-links-http]=fast)
BOOTS=()
for h in "${HOSTS_T[@]}"; do
  boot "$h" "$h" "${SW}/${SCRIPT_OF[$h]}.sh" 600 &
  BOOTS+=($!)
done
for pid in "${BOOTS[@]}"; do wait "$pid" || true; done
say "hostile answers given: $(ar_stat hostile); requests recorded: elsewhere $(wc -l <"${STATE}/recorder-elsewhere.jsonl"), plain $(wc -l <"${STATE}/recorder-plain.jsonl")"

hostile_seen() { # hostile_seen IP: the fake AR gave that host its hostile answer (the test was real)
  grep -qE "ar: ${1//./\\.} GET [^ ]+(: links rewritten| -> 302)" "${LOGS}/ar.log" || { echo "the fake AR gave $1 no hostile answer"; return 1; }
}
token_case() { # token_case HOST STEP: failed at STEP (not ready-stale) after a hostile answer
  hostile_seen "$(host_ip "$1")" && failed_within "$1" "$1" "$2" 300
}
no_credentials_anywhere() { no_credentials_seen elsewhere && no_credentials_seen plain; }
check "the recorders (https://elsewhere.test, http://${AR_HOST}) saw no request with an Authorization header" no_credentials_anywhere
check "agent: its bundle's page links to another host: refused, failed at verify" token_case agent-links-other verify
check "agent: its bundle's page links to http:// on the AR host: refused, failed at verify" token_case agent-links-http verify
check "agent: its bundle answers 302 to another host: not followed, failed at venv (its download)" token_case agent-redirect venv
check "no bundle (the signed files fetched one by one): a dependency's page links to http:// on the AR host: refused, failed at venv" token_case pip-links-http venv
check "no bundle (the signed files fetched one by one): a dependency's wheel answers 302 to another host: not followed, failed at venv" token_case pip-redirect venv
check "user probe: the keyring wheel answers 302 to another host: failed at probe" token_case probe-redirect probe
check "user probe: keyring's page links to http:// on the AR host: failed at probe" token_case probe-links-http probe
# Per way out, which recorder saw credentials (one check for all above would hide which path leaks).
credentials_from() { # credentials_from HOST: no request from that host reached a recorder with credentials
  ! grep -h "\"client\": \"$(host_ip "$1")\"" "${STATE}/recorder-elsewhere.jsonl" "${STATE}/recorder-plain.jsonl" | grep -q '"authorization": true' ||
    { echo "$1 sent credentials to another origin:"; grep -h "\"client\": \"$(host_ip "$1")\"" "${STATE}"/recorder-*.jsonl; return 1; }
}
check "pip (no bundle), http:// links on a dependency's page: pip sends the index credentials nowhere but https://AR_HOST" credentials_from pip-links-http
check "pip (no bundle), a 302 to another host: pip follows without the credentials" credentials_from pip-redirect
check "user probe, a 302 to another host: the user's pip follows without the credentials" credentials_from probe-redirect
check "user probe, http:// links on keyring's page: the user's pip (keyring-provider) sends the credentials nowhere but https://AR_HOST" credentials_from probe-links-http
nothing_to_elsewhere_from_agent() {
  # The agent refuses before any request: the hosts whose hostile answer only the agent read sent
  # the other origins nothing at all.
  local h ip
  for h in agent-links-other agent-links-http agent-redirect; do
    ip=$(host_ip "$h")
    ! grep -q "\"client\": \"${ip}\"" "${STATE}/recorder-elsewhere.jsonl" "${STATE}/recorder-plain.jsonl" ||
      { echo "$h sent a request to another origin"; return 1; }
  done
}
check "agent: a link or redirect to another origin is not even requested (no request from those hosts reached the recorders)" nothing_to_elsewhere_from_agent
finish
