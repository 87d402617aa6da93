# shellcheck shell=bash
# The world a scenario's hosts live in: the services namespace with the fake servers (the fake AR on
# the Google API VIP, the fake PyPI, a PyPI that stalls, the local Debian archives), and the fake AR's
# admin interface (faults, quota, files, counters).
PYPI_IP=10.77.9.9
DEBIAN_IP=10.77.9.10
STALL_IP=10.77.9.11
DOWN_IP=10.77.9.12 # routed to the services namespace, nothing listens: connection refused
OSV_IP=10.77.9.13  # api.osv.dev (the mirror's vulnerability check)
NS_SVC="pa${ID}s"

svc() { ip netns exec "$NS_SVC" "$@"; }
start() { # start LOGNAME NETNS ARGS...: a fake service, with the machine's python3
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$PY" -u "${SIM}/servers.py" "$@" >"${LOGS}/${name}.log" 2>&1 &
  PIDS+=($!)
}
wait_for() { # wait_for WHAT COMMAND...
  local what=$1
  shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not come up (see ${LOGS})"
}

# world_up: the services namespace: fake AR (repositories and grants from the synth's world.json),
# fake PyPI, a PyPI that stalls, the local Debian archives (plain HTTP, as deb.debian.org is): Debian
# 12's at /debian (suite bookworm), Debian 13's at /debian-trixie (suite trixie).
world_up() {
  ip netns add "$NS_SVC"
  NETNS+=("$NS_SVC")
  svc ip link set lo up
  local ip
  for ip in "$AR_IP" "$KMS_IP" "$PYPI_IP" "$DEBIAN_IP" "$STALL_IP" "$DOWN_IP" "$OSV_IP"; do
    svc ip addr add "${ip}/32" dev lo
  done
  SIM_TOKEN_KEY=$("$PY" "${SIM}/harness.py" token-key)
  export SIM_TOKEN_KEY
  local ar_args=()
  mapfile -t ar_args < <("$PY" "${SIM}/harness.py" ar-args "$WORLD")
  mkdir -p "${STATE}/ar/${PRIVATE_REPO}"
  cp "${E2E_PRIVATE_SEED}/"*.whl "${STATE}/ar/${PRIVATE_REPO}/" # a private package already published
  start ar "$NS_SVC" ar --bind "${AR_IP}:443" --admin 127.0.0.1:8081 --cert "${E2E_PKI}/ar.crt" --key "${E2E_PKI}/ar.key" \
    --data "${STATE}/ar" "${ar_args[@]}" --resolve "pypi.org=${PYPI_IP}" --resolve "files.pythonhosted.org=${PYPI_IP}" \
    --cafile "${E2E_PKI}/ca.crt"
  # Cloud KMS on the next address of the Google API VIP range (cloudkms.googleapis.com resolves into it as
  # pkg.dev does): the mirror's signing key and its grants as the synth made them.
  local kms_args=()
  mapfile -t kms_args < <("$PY" -c 'import json, sys
for g in json.load(open(sys.argv[1])).get("kms_grants", []): print("--grant"); print(g)' "$WORLD")
  start kms "$NS_SVC" kms --bind "${KMS_IP}:443" --admin 127.0.0.1:8083 --cert "${E2E_PKI}/kms.crt" --key "${E2E_PKI}/kms.key" \
    --state "${STATE}/kms" "${kms_args[@]}"
  # OSV (no advisory unless a scenario writes OSV_ADVISORIES) and PyPI's PEP 691 pages with upload-times
  # (old enough for any cooldown unless a scenario writes ${PYPI_ROOT}/upload-times.json) and its Integrity
  # API (no provenance unless PROVENANCE names publishers).
  [[ -f ${STATE}/osv-advisories.json ]] || printf '{}\n' >"${STATE}/osv-advisories.json"
  [[ -f ${STATE}/provenance.json ]] || printf '{}\n' >"${STATE}/provenance.json"
  start osv "$NS_SVC" osv --bind "${OSV_IP}:443" --cert "${E2E_PKI}/osv.crt" --key "${E2E_PKI}/osv.key" --advisories "${STATE}/osv-advisories.json"
  # PYPI_ROOT: a scenario's own copy of the fake PyPI (one that changes it), else the shared one.
  start pypi "$NS_SVC" static --bind "${PYPI_IP}:443" --cert "${E2E_PKI}/pypi.crt" --key "${E2E_PKI}/pypi.key" --root "${PYPI_ROOT:-$E2E_PYPI}" \
    --pep691 --provenance "${STATE}/provenance.json"
  start pypi-stall "$NS_SVC" static --bind "${STALL_IP}:443" --cert "${E2E_PKI}/pypi.crt" --key "${E2E_PKI}/pypi.key" \
    --root "$E2E_PYPI" --stall --name pypi-stall
  mkdir -p "${SW}/deb.debian.org"
  ln -sfn "$E2E_ARCHIVE" "${SW}/deb.debian.org/debian"
  ln -sfn "$E2E_ARCHIVE_TRIXIE" "${SW}/deb.debian.org/debian-trixie"
  start debian "$NS_SVC" static --bind "${DEBIAN_IP}:80" --root "${SW}/deb.debian.org" --name debian
  wait_for "fake AR" svc curl -s --cacert "${E2E_PKI}/ca.crt" --resolve "${AR_HOST}:443:${AR_IP}" -o /dev/null "https://${AR_HOST}/"
  wait_for "fake AR admin" admin
  wait_for "fake PyPI" svc curl -fs --cacert "${E2E_PKI}/ca.crt" --resolve "pypi.org:443:${PYPI_IP}" -o /dev/null https://pypi.org/simple/pip/
  wait_for "local Debian archive" svc curl -fs -o /dev/null "http://${DEBIAN_IP}/debian/dists/bookworm/Release"
  wait_for "local Debian 13 archive" svc curl -fs -o /dev/null "http://${DEBIAN_IP}/debian-trixie/dists/trixie/Release"
  wait_for "fake KMS admin" svc curl -fs -o /dev/null http://127.0.0.1:8083/
  wait_for "fake OSV" svc bash -c "exec 3<>/dev/tcp/${OSV_IP}/443"
  sign_seeded_auth_repo
}

# sign_seeded_auth_repo: an auth repo a scenario seeded for the private host alone gets the signed set its
# mirror would have published last (unless SEED_UNSIGNED=1): the statement of its files, signed by the fake
# KMS with the mirror's identity (sim/sign_auth_repo.py, the agent's own signed_set code).
sign_seeded_auth_repo() {
  local dir="${STATE}/ar/${AUTH_REPO}" key
  [[ ${SEED_UNSIGNED:-0} != 1 && -d $dir ]] || return 0
  compgen -G "${dir}/*.whl" >/dev/null || return 0
  compgen -G "${dir}/pip_airlock_signed_set-*.whl" >/dev/null && return 0
  key=$("$PY" "${SIM}/harness.py" json-field "$WORLD" signing_key 2>/dev/null) || return 0
  SEEDED_SIGNED_SET=$(svc env SSL_CERT_FILE="${E2E_PKI}/ca.crt" E2E_KMS_IP="$KMS_IP" "$PY" "${SIM}/sign_auth_repo.py" "$dir" \
    "${key}/cryptoKeyVersions/1" https://cloudkms.googleapis.com/v1/ "$(world_identity mirror)") || die "signing the seeded auth repo failed"
  export SEEDED_SIGNED_SET
}
# kms_admin [CURL ARGS] PATH: the fake KMS's admin interface (rotation, states, counters).
kms_admin() { local path=${*: -1}; svc curl -fsS "${@:1:$#-1}" "http://127.0.0.1:8083/${path}"; }

# The fake AR's admin interface: admin [CURL ARGS] talks to ADMIN_PATH (its counters by default).
admin() { svc curl -fsS "$@" "http://127.0.0.1:8081/${ADMIN_PATH:-}"; }
ar_faults() { admin -X POST --data-binary "$1" >/dev/null; }
ar_files() { ADMIN_PATH=files admin; }
ar_stat() { admin | "$PY" "${SIM}/harness.py" json-field - stats "$1"; }
# ar_quota LIMIT [WINDOW]: the fake AR's request quota (LIMIT requests in any WINDOW seconds, 60 by
# default; 0 turns it off), answered 429 with Retry-After beyond it.
ar_quota() { ADMIN_PATH=quota admin -X POST --data-binary "{\"limit\": $1, \"window\": ${2:-60}}" >/dev/null; }
# ar_revoke REPO IDENTITY: that identity loses its role on the repository.
ar_revoke() { ADMIN_PATH=grants admin -X POST --data-binary "{\"repo\": \"$1\", \"identity\": \"$2\", \"role\": null}" >/dev/null; }
# ar_client HOST [KEY]: the fake AR's counters of the requests from that host's address (requests,
# throttled, pages, files) as JSON, or one of them; `fetched` is the list of files it was served.
ar_client() { admin | "$PY" "${SIM}/harness.py" ar-client "$(host_ip "$1")" "${@:2}"; }
# repo_files FILES_JSON REPO: the file names a repository held in that ar_files listing, one a line.
repo_files() { "$PY" "${SIM}/harness.py" repo-files "$1" "$2"; }
# world_identity ROLE: the service account (account id) the synth gives a host role (mirror, bootstrap).
world_identity() { "$PY" "${SIM}/harness.py" json-field "$WORLD" identities "$1"; }
# ar_grant REPO IDENTITY ROLE: that identity gets ROLE (reader, writer) on the repository again.
ar_grant() { ADMIN_PATH=grants admin -X POST --data-binary "{\"repo\": \"$1\", \"identity\": \"$2\", \"role\": \"$3\"}" >/dev/null; }
# ar_hostile RULES_JSON: the fake AR's hostile answers (a JSON list of rules, see sim/servers.py: a
# project's links rewritten to another origin, a file answered with a 302 there); '[]' ends them.
ar_hostile() { ar_faults "{\"hostile\": $1}"; }

# world_leaf NAME DNS...: a TLS certificate of the run's test CA (which every host trusts) for those
# names, as ${STATE}/pki/NAME.crt and .key: another origin a host would talk to over https.
world_leaf() {
  local name=$1 san="" dns dir="${STATE}/pki"
  shift
  mkdir -p "$dir"
  for dns in "$@"; do san+="${san:+,}DNS:${dns}"; done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${dir}/${name}.key" \
    -out "${dir}/${name}.csr" -subj "/CN=$1" 2>/dev/null || die "world_leaf ${name}: no key"
  printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$san" >"${dir}/${name}.ext"
  openssl x509 -req -in "${dir}/${name}.csr" -CA "${E2E_PKI}/ca.crt" -CAkey "${E2E_PKI}/ca.key" -CAcreateserial \
    -CAserial "${dir}/ca.srl" -days 2 -out "${dir}/${name}.crt" -extfile "${dir}/${name}.ext" 2>/dev/null || die "world_leaf ${name}: not signed"
}
# recorder_up NAME IP:PORT [CERT_NAME]: another origin in the services namespace (https with the
# world_leaf certificate CERT_NAME, else plain http) that answers 404 to everything and records each
# request, and whether it carried an Authorization header, in ${STATE}/recorder-NAME.jsonl.
recorder_up() {
  local name=$1 bind=$2 tls=()
  if [[ -n ${3:-} ]]; then tls=(--cert "${STATE}/pki/$3.crt" --key "${STATE}/pki/$3.key"); fi
  svc ip addr add "${bind%:*}/32" dev lo 2>/dev/null || true
  start "recorder-${name}" "$NS_SVC" recorder --bind "$bind" --log "${STATE}/recorder-${name}.jsonl" --name "recorder-${name}" "${tls[@]}"
  wait_for "recorder ${name}" svc bash -c "exec 3<>/dev/tcp/${bind%:*}/${bind##*:}"
}
# no_credentials_seen NAME: the recorder NAME saw no request with an Authorization header.
no_credentials_seen() { "$PY" "${SIM}/harness.py" no-credentials "${STATE}/recorder-$1.jsonl"; }
