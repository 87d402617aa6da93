# shellcheck shell=bash
# The world a scenario's hosts live in: the services namespace with the fake servers (the fake AR on
# the Google API VIP, the fake PyPI, a PyPI that stalls, the local Debian archives), and the fake AR's
# admin interface (faults, quota, files, counters).
PYPI_IP=10.77.9.9
DEBIAN_IP=10.77.9.10
STALL_IP=10.77.9.11
DOWN_IP=10.77.9.12 # routed to the services namespace, nothing listens: connection refused
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
  for ip in "$AR_IP" "$PYPI_IP" "$DEBIAN_IP" "$STALL_IP" "$DOWN_IP"; do
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
  # PYPI_ROOT: a scenario's own copy of the fake PyPI (one that changes it), else the shared one.
  start pypi "$NS_SVC" static --bind "${PYPI_IP}:443" --cert "${E2E_PKI}/pypi.crt" --key "${E2E_PKI}/pypi.key" --root "${PYPI_ROOT:-$E2E_PYPI}"
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
}

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
