#!/usr/bin/env bash
# Scenario mirror-bootstrap: a fresh deployment of config/example.json (mirror mode), end to end.
# A bare public host (Debian 12 minbase + python3, curl, ca-certificates) installs pip and twine
# with apt from the local archive while Debian's first-boot jobs hold the dpkg lock, mirrors the real
# closure of keyring + the AR plugin + pip + virtualenv for CPython 3.11 from the fake PyPI into the
# auth repo; a bare private host (no route but the Google API VIP) waits for it, installs the helpers
# with its metadata-server token, configures pip; a non-root user then creates a venv and installs a
# private package with no credentials. Both hosts boot a second time and change nothing.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
world_up
# Faults on the way: the public metadata server's first 2 token answers take 3 s; the private one's
# first takes 12 s, past the scripts' 10 s timeout (they must retry).
host_new public public --slow-first 2 --slow-seconds 3
host_new private private --slow-first 1 --slow-seconds 12

# The config's one target is its private host's image, Debian 12 (CPython 3.11): the script runs as
# synthesized. Scenario faults-mirror shows what it does with a target the wheelhouse cannot serve.
variant "$MIRROR_SH" "${SW}/mirror.sh"

# --- The air gap, before anything runs ------------------------------------------------------------
gap() {
  local out rc
  for target in "https://pypi.org/simple/" "https://${PYPI_IP}/" "http://10.77.1.1/" "https://142.250.1.1/"; do
    rc=0
    out=$(on_host private probe curl -sS -o /dev/null --connect-timeout 3 --max-time 5 "$target" 2>&1) || rc=$?
    ((rc == 6 || rc == 7 || rc == 28)) || { echo "private host reached ${target} (curl exit ${rc}): ${out}"; return 1; }
  done
  rc=0
  on_host private probe curl -sS -o /dev/null --max-time 5 "https://${AR_HOST}/" || rc=$?
  ((rc == 0)) || { echo "private host cannot reach the AR VIP (curl exit ${rc})"; return 1; }
  on_host public probe curl -fsS -o /dev/null --max-time 5 https://pypi.org/simple/pip/ || { echo "public host cannot reach PyPI"; return 1; }
}
check "air gap: the private host reaches Artifact Registry (VIP) only: not PyPI by name or address, not the public side, not the internet" gap
bare() {
  local p
  for p in /usr/lib/python3/dist-packages/pip /usr/share/python-wheels /usr/lib/python3.11/ensurepip /usr/bin/twine /etc/pip.conf; do
    [[ ! -e ${E2E_ROOTFS}${p} ]] || { echo "the image has ${p}"; return 1; }
  done
  ! on_host private probe python3 -c 'import ensurepip' 2>/dev/null || { echo "ensurepip importable"; return 1; }
}
check "bare image: no pip, no ensurepip (python3-venv), no python-wheels, no twine, no pip.conf" bare

# --- Boot 1: the private host first (it waits for the auth repo), then the public host ------------
"$PY" "${SIM}/sampler.py" "${STATE}/argv.txt" 0.02 2>"${LOGS}/sampler.log" &
SAMPLER=$!
PIDS+=("$SAMPLER")
boot private bootstrap-boot1 "$BOOTSTRAP_SH" 600 &
B_PRIV=$!
sleep 2
# Debian's first-boot jobs hold the dpkg lock for the first 10 s: the wrapper takes it, then runs
# the startup script unchanged.
install -m 0644 "${SIM}/firstboot_lock.py" "$(hostdir public)/tmp-firstboot-lock.py"
printf '#!/bin/bash\npython3 /tmp/firstboot-lock.py &\nwhile [[ ! -e /tmp/lock-held ]]; do sleep 0.1; done\nexec bash /tmp/startup-script\n' \
  >"$(hostdir public)/tmp-firstboot.sh"
install -m 0755 "${SW}/mirror.sh" "$(hostdir public)/tmp-startup-script"
# AR faults on the way: 503s on 2 index listings, and on uploads after the first 3 files, more than
# twine's own retries: the mirror must resume with only the files the auth repo lacks.
ar_faults '{"simple": 2, "upload_skip": 3, "upload": 8}'
t0=$(date +%s.%N)
rc=0
on_host public mirror-boot1 timeout -k 5 600 bash /tmp/firstboot.sh >"${LOGS}/mirror-boot1.log" 2>&1 || rc=$?
echo "$rc" >"${STATE}/rc-mirror-boot1"
say "boot public (mirror-boot1): exit ${rc} after $("$PY" "${SIM}/harness.py" elapsed "$t0" "$(date +%s.%N)")s"
if [[ $rc != 0 ]]; then host_stop private; fi # the bootstrap would wait for its whole bound
wait "$B_PRIV" || true

check "boot 1: the mirror exits 0" rc_is mirror-boot1 0
check "boot 1: the bootstrap exits 0" rc_is bootstrap-boot1 0
slow_metadata() {
  # Both metadata servers answered their first token requests slowly (the private one past the
  # scripts' 10 s timeout): the hosts asked again and still reached ready.
  (($(metadata_stat private token_requests) >= 2)) || { echo "the private host never asked again"; return 1; }
  attr_is private status ready && attr_is public status ready
}
ar_faults_survived() {
  [[ $(ar_stat faults) == 10 ]] || { echo "$(ar_stat faults) of the 10 injected 503s were served"; return 1; }
  [[ $(ar_stat duplicates) == 0 ]] || { echo "$(ar_stat duplicates) duplicate upload(s) sent"; return 1; }
  attr_is public status ready
}
check "fault: AR 503s on listings and on uploads (a partial upload, more failures than twine retries): survived, no duplicate ever sent" ar_faults_survived
check "fault: slow metadata servers (12 s > the scripts' 10 s timeout, then 3 s) are retried; both hosts reach ready" slow_metadata
check "guest attributes: the mirror stayed within GCE's write limits (none dropped), last accepted status=ready" attrs_honest public ready
check "guest attributes: the bootstrap stayed within GCE's write limits (none dropped), last accepted status=ready" attrs_honest private ready

apt_path() {
  local st
  st=$(on_disk public /var/lib/dpkg/status)
  for pkg in python3-pip twine; do
    grep -A2 -x "Package: ${pkg}" "$st" | grep -qx 'Status: install ok installed' || { echo "${pkg} is not installed"; return 1; }
    grep -A2 -x "Package: ${pkg}" "${E2E_ROOTFS}/var/lib/dpkg/status" | grep -q 'installed' && { echo "${pkg} was in the image"; return 1; }
  done
  [[ -x $(on_disk public /usr/bin/twine) ]] || { echo "no /usr/bin/twine"; return 1; }
  "$PY" "${SIM}/checks.py" apt-after-lock "$(on_disk public /var/log/e2e-dpkg-lock.log)" "$(on_disk public /var/log/apt/history.log)"
}
check "public host: pip and twine installed by apt-get from the local archive, after waiting for the dpkg lock of first boot" apt_path

# --- The auth repo ------------------------------------------------------------------------------
ar_files >"${STATE}/ar-files-boot1.json"
auth_repo_complete() {
  "$PY" "${SIM}/checks.py" repo-from-pypi "${STATE}/ar-files-boot1.json" "$AUTH_REPO" "${E2E_PYPI}/files" \
    --closure "$CLOSURE" --one-per-project --has-prefix cryptography-50.0.2-cp311-abi3-manylinux_2_34 --has-prefix cffi-2.1.1-cp311 \
    --has keyring-25.7.0-py3-none-any.whl --has pip-26.2.1-py3-none-any.whl
}
check "auth repo: the real CPython 3.11 closure (cryptography manylinux_2_34, cffi cp311, keyring 25.7.0, pip 26.2.1, virtualenv), byte-identical to PyPI's" auth_repo_complete
BUNDLE_PROJECT=$(bundle_name "${MIRRORED_TARGETS[0]}")
bundle_published() {
  local bundles
  bundles=$(find "${STATE}/ar/${AUTH_REPO}" -name "${BUNDLE_PROJECT//-/_}-*.whl" -printf '%f\n')
  [[ $(wc -l <<<"$bundles") == 1 && -n $bundles ]] || { echo "bundles of ${BUNDLE_PROJECT}: ${bundles:-none}"; return 1; }
  "$PY" "${SIM}/inspect_bundle.py" "${STATE}/ar/${AUTH_REPO}/${bundles}" >"${STATE}/bundle.json" || return 1
  "$PY" "${SIM}/checks.py" bundle-pins "${STATE}/bundle.json" "${STATE}/ar-files-boot1.json" "$AUTH_REPO" '==3.11.*'
}
check "auth repo: one bundle for the target ${MIRRORED_TARGETS[0]} (${BUNDLE_PROJECT}), a valid wheel whose manifest pins exactly the closure's files with their sha256s" bundle_published
manifest_ok() {
  local m f
  m=$(attr public manifest)
  for f in $(repo_files "${STATE}/ar-files-boot1.json" "$AUTH_REPO"); do
    grep -q " ${f}\$" <<<"$m" || { echo "the manifest guest attribute lacks $f"; return 1; }
  done
}
check "the manifest guest attribute lists every file in the auth repo" manifest_ok

# --- The private host ---------------------------------------------------------------------------
host_files() {
  local f
  f=$(on_disk private /etc/pip.conf)
  { grep -qx "index-url = ${INDEX_URL}" "$f" && grep -qx 'keyring-provider = subprocess' "$f"; } || { cat "$f"; return 1; }
  "$PY" "${SIM}/checks.py" uv-toml "$(on_disk private /etc/uv/uv.toml)" "$INDEX_URL" || return 1
  for f in /root/.pypirc /etc/skel/.pypirc; do
    grep -qx "repository = ${UPLOAD_REPO_URL}" "$(on_disk private "$f")" || { echo "$f"; return 1; }
  done
  [[ $(stat -c %a "$(on_disk private /root/.pypirc)") == 600 ]] || { echo "/root/.pypirc is not 0600"; return 1; }
  [[ $(readlink "$(on_disk private /usr/local/bin/keyring)") == "${VENV_DIR}/bin/keyring" ]] || { echo "no keyring link"; return 1; }
  [[ $(readlink "$(on_disk private /usr/local/bin/virtualenv)") == "${VENV_DIR}/bin/virtualenv" ]] || { echo "no virtualenv link"; return 1; }
}
check "private host: pip.conf, uv.toml, .pypirc (root 0600 + /etc/skel), keyring and virtualenv on PATH" host_files
venv_real() {
  on_host private check "${VENV_DIR}/bin/python" -c '
import importlib.metadata as m, cryptography.hazmat.bindings._rust, keyring, secretstorage, google.auth
v = {d: m.version(d) for d in ("keyring", "cryptography", "cffi", "google-auth", "pip", "virtualenv")}
assert v["keyring"] == "25.7.0" and v["pip"] == "26.2.1" and v["cryptography"] == "50.0.2", v
print(v)'
}
AR_BOOT1_FETCHED=$(ar_client private fetched)
AR_BOOT1_REQUESTS=$(ar_client private requests)
from_bundle() {
  local fetched
  read -ra fetched <<<"$AR_BOOT1_FETCHED"
  # the signed set, its bundle, then the user probe's one download (keyring, through a fresh venv's pip and keyring)
  { ((${#fetched[@]} == 3)) && [[ ${fetched[0]} == pip_airlock_signed_set-* && ${fetched[1]} == "${BUNDLE_PROJECT//-/_}-"* && ${fetched[2]} == keyring-* ]]; } ||
    { echo "fetched: ${AR_BOOT1_FETCHED}"; return 1; }
  echo "${AR_BOOT1_REQUESTS} requests in all (polls while the mirror ran included), files: ${AR_BOOT1_FETCHED}"
}
check "private host, first boot: the helpers came from the bundle its verified signed set names (the only files it fetched but the user probe's), not from the index" from_bundle
check "private host: the keyring venv runs the real binary wheels (cryptography's Rust bindings, cffi) with keyring 25.7.0 and pip 26.2.1" venv_real
google_auth_path() {
  (($(metadata_stat private pings) >= 1)) || { echo "google-auth never pinged the metadata server"; return 1; }
  (($(metadata_stat private scoped_token_requests) >= 1)) || { echo "no token request with the cloud-platform scope"; return 1; }
  (($(metadata_stat private account_info_requests) >= 1)) || { echo "google-auth never read the service account info"; return 1; }
}
check "private host: the AR plugin got its token through google-auth's metadata path (ping, account info, scoped token)" google_auth_path

# The README's instruction, as a non-root user with no credentials given.
README_CMD='virtualenv v && v/bin/pip install airlock-private-demo'
grep -qF 'virtualenv v && v/bin/pip install your-package' "${E2E_ROOT}/README.md" || fail "README's user instruction is not 'virtualenv v && v/bin/pip install your-package'"
on_host private user bash -euc 'useradd -m -s /bin/bash alice' >"${LOGS}/useradd.log" 2>&1
TOKENS_BEFORE=$(metadata_stat private scoped_token_requests)
USER_RC=0
on_host private user runuser -u alice -- env -i HOME=/home/alice PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
  bash -c "cd && ${README_CMD}" >"${LOGS}/user-alice.log" 2>&1 || USER_RC=$?
user_ok() {
  ((USER_RC == 0)) || { tail -n 30 "${LOGS}/user-alice.log"; return 1; }
  local f
  f=$(on_disk private /home/alice/v/lib/python3.11/site-packages/airlock_private_demo/__init__.py)
  grep -qx 'MESSAGE = "hello from the private repo"' "$f" || { echo "installed: $(cat "$f" 2>&1)"; return 1; }
  [[ $(stat -c %u "$f") == "$(awk -F: '$1 == "alice" {print $3}' "$(on_disk private /etc/passwd)")" ]] || { echo "not alice's venv"; return 1; }
  on_host private user runuser -u alice -- /home/alice/v/bin/python -c 'import airlock_private_demo as d; assert d.MESSAGE == "hello from the private repo"'
}
check "non-root user: '${README_CMD}' (the README's instruction) installs the private package from AR with no credentials" user_ok
user_keyring() {
  local site
  site="$(hostdir private)/upper/home/alice/v/lib/python3.11/site-packages"
  ls -d "${site}"/pip-26.*.dist-info >/dev/null 2>&1 || { echo "alice's venv has $(ls -d "${site}"/pip-*.dist-info 2>&1)"; return 1; }
  (($(metadata_stat private scoped_token_requests) > TOKENS_BEFORE)) ||
    { echo "no token was requested through google-auth during alice's install"; return 1; }
}
check "non-root user: the venv's pip is 26.x (keyring --mode=creds, needs keyring >= 25.2.1: 25.7.0), and its credentials came through keyring + the AR plugin + google-auth" user_keyring
no_venv_module() {
  ! on_host private user runuser -u alice -- env -i HOME=/home/alice PATH=/usr/bin:/bin bash -c 'cd && python3 -m venv w' >/dev/null 2>&1
}
check "bare host: 'python3 -m venv' still fails (no python3-venv), which is why the README says virtualenv" no_venv_module

# --- Boot 2 of both: succeeds, changes nothing ------------------------------------------------------
# The disk minus what is not the scripts' configuration: the pacing record of guest-attribute writes,
# alice's home, and the systemctl stand-in's record of power-offs (stop_when_done).
tree() {
  "$PY" "${SIM}/treehash.py" "$(hostdir "$1")/upper" |
    grep -v -e ' var/lib/pip-airlock/guest-attribute-writes ' -e ' home/alice' -e ' var/log/systemctl-stand-in.log '
}
tree public >"${STATE}/pub-after-boot1.txt"
tree private >"${STATE}/priv-after-boot1.txt"
UPLOADS1=$(ar_stat uploads)
PRIV_REQUESTS1=$(ar_client private requests)
boot public mirror-boot2 "${SW}/mirror.sh" 300 &
B1=$!
boot private bootstrap-boot2 "$BOOTSTRAP_SH" 300 &
B2=$!
wait "$B1" || true
wait "$B2" || true
check "boot 2: the mirror exits 0" rc_is mirror-boot2 0
check "boot 2: the bootstrap exits 0" rc_is bootstrap-boot2 0
both_honest() { attrs_honest public ready && attrs_honest private ready; }
check "boot 2: guest attributes of both hosts within the limits across two boots, last status=ready" both_honest
tree public >"${STATE}/pub-after-boot2.txt"
tree private >"${STATE}/priv-after-boot2.txt"
check "boot 2: the public host's disk is unchanged" diff "${STATE}/pub-after-boot1.txt" "${STATE}/pub-after-boot2.txt"
check "boot 2: the private host's disk is unchanged (nothing written, nothing installed)" diff "${STATE}/priv-after-boot1.txt" "${STATE}/priv-after-boot2.txt"
no_upload() {
  local u
  u=$(ar_stat uploads)
  [[ $u == "$UPLOADS1" ]] || { echo "uploads went from ${UPLOADS1} to ${u}"; return 1; }
  [[ $(ar_stat duplicates) == 0 ]] || { echo "a duplicate upload was sent"; return 1; }
  attr_is private changes 0
}
check "boot 2: nothing uploaded (no duplicate ever sent), the bootstrap reports 0 changes" no_upload
few_requests() {
  local n
  n=$(($(ar_client private requests) - PRIV_REQUESTS1))
  ((n <= 5)) || { echo "${n} requests"; return 1; }
  echo "${n} requests"
}
check "boot 2: the bootstrap asks Artifact Registry at most 5 times (its bundle's page, root's probe, the user probe's page and file after a 401)" few_requests

# --- Secrets --------------------------------------------------------------------------------------
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
no_token_leak() {
  local n hits seen
  n=$(sort -u "${STATE}/tokens.txt" | wc -l)
  ((n >= 2)) || { echo "only $n token(s) issued?"; return 1; }
  for seen in 'upload --non-interactive' 'pip install' 'keyring'; do
    grep -q -- "$seen" "${STATE}/argv.txt" || { echo "the argv sampler missed the '$seen' processes"; return 1; }
  done
  hits=$(grep -rlaF -f "${STATE}/tokens.txt" "$(hostdir public)/upper" "$(hostdir public)/tmp" "$(hostdir private)/upper" \
    "$(hostdir private)/tmp" "$LOGS" "${STATE}/argv.txt" "${STATE}"/guest-attributes-* 2>/dev/null || true)
  [[ -z $hits ]] || { echo "token found in: $hits"; return 1; }
}
check "no token in any file on the hosts' disks or /tmp, in any log, guest attribute, or process argv" no_token_leak
finish
