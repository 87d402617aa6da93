#!/usr/bin/env bash
# pip-airlock: public host startup script (the mirror), rendered from assets/mirror.sh.mustache.
#
# On every boot: get an OAuth token from the metadata server, `pip download` the auth helpers with all
# transitive dependencies for each target (the CPython, glibc and CPU of every VM image the stack runs or
# declares, each with its own wheel platform tags; plus the pip and virtualenv that bare private hosts
# bootstrap with), and upload to the auth repo only the files it does not hold yet. Per target, it also
# publishes a bundle: that target's whole closure as one wheel with a sha256-pinned manifest, which a
# private host fetches with two requests and installs offline (a fleet booting at once stays within
# Artifact Registry's per-project request quota). Progress and the result go to stdout (the serial
# console) and to guest attributes.
#
# The token only ever lives in shell variables and in the environment of one child process at a time
# (twine, python): never on a command line, in a file, or in the log.
set -euo pipefail
umask 022

# Settings. Each Mustache tag here renders as exactly one single-quoted shell word (startup-script/shell-quote.ts).
# SC2034: in the raw template, some settings are used only by the shared functions (the partial).
# shellcheck disable=SC1083,SC2034
{
AR_HOST='us-central1-python.pkg.dev'
AUTH_REPO_INDEX_URL='https://us-central1-python.pkg.dev/airlock-example/pip-auth-repo/simple/'
AUTH_REPO_UPLOAD_URL='https://us-central1-python.pkg.dev/airlock-example/pip-auth-repo/'
METADATA_HOST='metadata.google.internal'
GUEST_ATTR_NAMESPACE='pip-airlock'
MAX_ATTEMPTS='8'
MAX_BACKOFF_SECONDS='30'
RETRY_AFTER_MAX_SECONDS='120'
SOURCE_INDEX_URL='https://pypi.org/simple/'
PACKAGES=('keyring' 'keyrings.google-artifactregistry-auth' )
# One word per target: PYTHON:ARCH:TAG,TAG,... (the CPython, its CPU, the platform tags its pip accepts).
TARGETS=('3.11.2:x86_64:manylinux_2_36_x86_64,manylinux_2_35_x86_64,manylinux_2_34_x86_64,manylinux_2_33_x86_64,manylinux_2_32_x86_64,manylinux_2_31_x86_64,manylinux_2_30_x86_64,manylinux_2_29_x86_64,manylinux_2_28_x86_64,manylinux_2_27_x86_64,manylinux_2_26_x86_64,manylinux_2_25_x86_64,manylinux_2_24_x86_64,manylinux_2_23_x86_64,manylinux_2_22_x86_64,manylinux_2_21_x86_64,manylinux_2_20_x86_64,manylinux_2_19_x86_64,manylinux_2_18_x86_64,manylinux_2_17_x86_64,manylinux2014_x86_64' )
# The same targets as the private hosts name them, PYTHON:ARCH:GLIBC, in the same order: each one's
# bundle is the auth repo project bundle_project names (empty: no bundles).
MIRRORED_TARGETS=('3.11.2:x86_64:2.36' )
BOOTSTRAP_PIP='pip>=23.1'
LOCK_CONTENT=''
STOP_WHEN_DONE='true'
# Time bounds of the steps that wait on other hosts: a stalled index or upload must end in a reported
# failure, not a boot that never finishes. Each bounds one attempt; `retry` bounds the attempts. pip's
# own socket timeout and retries sit inside them.
DOWNLOAD_TIMEOUT_SECONDS='900'
UPLOAD_TIMEOUT_SECONDS='600'
PIP_SOCKET_TIMEOUT_SECONDS='60'
# How long apt waits for the dpkg lock: on a VM's first boot, Debian's own first-boot jobs
# (unattended-upgrades, google-guest-agent's package work) may hold it for minutes.
DPKG_LOCK_TIMEOUT_SECONDS='600'
}

# The tool bare private hosts create venvs with (`python3 -m venv` needs python3-venv, which a stock
# image lacks and a host without internet cannot install): mirrored with its closure, like pip.
VENV_TOOL='virtualenv'

STEP=start
TOKEN=
# On disk, not in /tmp: Debian 13 mounts /tmp as a tmpfs of half the RAM (about 1 GB on an e2-small).
# A directory of the product's own, emptied before and after each run.
WORK_DIR_PATH=/var/lib/pip-airlock/mirror-work
WORK_DIR=
# shellcheck disable=SC2034 # used by the shared functions
SCRIPT_NAME=mirror
# shellcheck disable=SC2034 # used by the shared functions (on_exit)
SCRATCH_DIRS=(WORK_DIR)

# The shared functions (assets/common.sh.mustache) follow; the include sits in this comment so the raw
# template stays bash, and after a comment tag so that Mustache does not indent it.
# shellcheck shell=bash
# pip-airlock: shared by both startup scripts (each template includes this file as the partial "common").
# It expects SCRIPT_NAME, STEP, TOKEN, METADATA_HOST, GUEST_ATTR_NAMESPACE, MAX_ATTEMPTS,
# MAX_BACKOFF_SECONDS, RETRY_AFTER_MAX_SECONDS, AUTH_REPO_INDEX_URL, WORK_DIR (empty until the script
# has one) and SCRATCH_DIRS to be set by the script that includes it.

METADATA_URL="http://${METADATA_HOST}/computeMetadata/v1"

log() {
  printf '%s pip-airlock-%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_NAME" "$STEP" "$*"
}

# On exit, a failure is reported with its step, and the run's scratch directories (the variables
# SCRATCH_DIRS names, each empty until created) are removed whatever the outcome.
on_exit() {
  local rc=$? dir
  if ((rc != 0)); then
    log "FAILED at step ${STEP} (exit ${rc})"
    guest_attr failed-step "$STEP"
    guest_attr status failed
  fi
  for dir in "${SCRATCH_DIRS[@]}"; do
    if [[ -n ${!dir} ]]; then
      rm -rf -- "${!dir}"
    fi
  done
}
trap on_exit EXIT

# Detailed progress goes to stdout (the serial console); guest attributes carry only the outcome.
step() {
  STEP=$1
  log "step: $STEP"
}

# Guest attributes: GCE documents about 10 writes a minute per VM and bursts of at most 3 a second,
# and writes beyond that may be dropped without an error (DESIGN.md). So each run publishes only a few
# keys (status, then the failed step or a summary, then the final status), at least
# GUEST_ATTR_SPACING_MS apart and at most GUEST_ATTR_PER_MINUTE in any 60 s, counted across this VM's
# boots (the times of its writes are kept in GUEST_ATTR_TIMES): a write that would exceed either
# waits instead of being lost.
GUEST_ATTR_TIMES=/var/lib/pip-airlock/guest-attribute-writes
GUEST_ATTR_PER_MINUTE=8
GUEST_ATTR_SPACING_MS=1000

guest_attr_pace() {
  local now t wait_ms=0 recent=()
  now=$(date +%s%3N)
  if [[ -f $GUEST_ATTR_TIMES ]]; then
    while read -r t; do
      if [[ $t =~ ^[0-9]+$ ]] && ((t > now - 60000 && t <= now)); then
        recent+=("$t")
      fi
    done <"$GUEST_ATTR_TIMES" 2>/dev/null || true
  fi
  if ((${#recent[@]} >= GUEST_ATTR_PER_MINUTE)); then
    t=${recent[${#recent[@]} - GUEST_ATTR_PER_MINUTE]}
    wait_ms=$((t + 60000 - now))
  fi
  if ((${#recent[@]} > 0)); then
    t=${recent[${#recent[@]} - 1]}
    if ((t + GUEST_ATTR_SPACING_MS - now > wait_ms)); then
      wait_ms=$((t + GUEST_ATTR_SPACING_MS - now))
    fi
  fi
  if ((wait_ms > 0)); then
    sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
  fi
  now=$(date +%s%3N)
  { mkdir -p -- "${GUEST_ATTR_TIMES%/*}" && printf '%s\n' "${recent[@]}" "$now" >"$GUEST_ATTR_TIMES"; } 2>/dev/null || true
}

# Publish KEY=VALUE as a guest attribute (best effort: a status report must never fail the script).
guest_attr() {
  local key=$1 value=$2 i
  for i in 1 2 3; do
    guest_attr_pace
    if printf '%s' "$value" | curl -fsS --connect-timeout 3 --max-time 10 -X PUT --data-binary @- \
      -H 'Metadata-Flavor: Google' "${METADATA_URL}/instance/guest-attributes/${GUEST_ATTR_NAMESPACE}/${key}" \
      >/dev/null 2>&1; then
      log "guest attribute ${key} published"
      return 0
    fi
    sleep "$i"
  done
  log "warning: could not publish guest attribute ${key}"
  return 0
}

# Throttling. Artifact Registry answers 429 beyond a project's per-minute quota (shared by every VM of
# the project booting at once), and so does the metadata server to a burst of token requests. A step
# told to wait (a 429, or a 503 with Retry-After) sets RETRY_AFTER to the seconds it was given before it
# fails, and `retry` waits that long, or longer after repeated failures (see backoff_ms), never more
# than RETRY_AFTER_MAX_SECONDS, plus a random part of it: a fleet told the same moment does not come
# back all at once, and hosts that keep losing the race for a freed slot back off.
RETRY_AFTER=
# The token from the metadata server is reused until this close to its expiry (seconds): one token
# request per run, not one per step. The metadata server itself hands out its cached token until 5
# minutes before it expires; a token reused here outlives any wait for a quota (RETRY_AFTER_MAX_SECONDS).
TOKEN_REUSE_SECONDS=300
TOKEN_EXPIRES=0

# random_below N: a random integer in [0, N) (30 bits of $RANDOM).
random_below() {
  echo $((((RANDOM << 15) | RANDOM) % $1))
}

# sleep_ms MS: sleep that many milliseconds.
sleep_ms() {
  sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# The wait after a failed attempt, in milliseconds. Backoff DELAY (seconds): a random time between half
# the delay and the delay ("equal jitter": polls of hosts booted together drift apart). Told to wait
# (RETRY_AFTER): that or DELAY, whichever is longer (so a 429 again and again backs off exponentially
# even when each says "1 s"), capped at RETRY_AFTER_MAX_SECONDS, plus up to half more at random.
backoff_ms() {
  local delay=$1 seconds
  if [[ $RETRY_AFTER =~ ^[0-9]+$ ]]; then
    seconds=$((RETRY_AFTER > delay ? RETRY_AFTER : delay))
    seconds=$((seconds > RETRY_AFTER_MAX_SECONDS ? RETRY_AFTER_MAX_SECONDS : seconds))
    ((seconds > 0)) || seconds=1
    echo $((seconds * 1000 + $(random_below $((seconds * 500 + 1)))))
  else
    echo $((delay * 500 + $(random_below $((delay * 500 + 1)))))
  fi
}

# retry DESCRIPTION COMMAND...: run COMMAND up to MAX_ATTEMPTS times with exponential backoff
# (1s, 2s, 4s, ... capped at MAX_BACKOFF_SECONDS, each jittered: see backoff_ms), or as long as
# Artifact Registry or the metadata server said to wait (RETRY_AFTER). COMMAND returning 100 means
# "permanent": no retry. COMMAND runs where `set -e` is off, so every retried function checks its own steps.
retry() {
  local what=$1 attempt=1 delay=1 rc wait_ms why
  shift
  while true; do
    rc=0
    RETRY_AFTER=
    "$@" || rc=$?
    if ((rc == 0)); then
      return 0
    fi
    if ((rc == 100)); then
      log "${what}: permanent failure"
      return 1
    fi
    if ((attempt >= MAX_ATTEMPTS)); then
      log "${what}: failed after ${attempt} attempts"
      return 1
    fi
    wait_ms=$(backoff_ms "$delay")
    why="exit ${rc}"
    [[ $RETRY_AFTER =~ ^[0-9]+$ ]] && why="throttled, Retry-After ${RETRY_AFTER}s"
    log "${what}: attempt ${attempt}/${MAX_ATTEMPTS} failed (${why}); retrying in $((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))s"
    sleep_ms "$wait_ms"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > MAX_BACKOFF_SECONDS ? MAX_BACKOFF_SECONDS : delay * 2))
  done
}

# retry_after_of HEADERS: the Retry-After of a response whose headers curl wrote to the file HEADERS, in
# seconds (an HTTP date is counted from now); nothing when there is none.
retry_after_of() {
  local value when
  value=$(tr -d '\r' <"$1" 2>/dev/null | sed -n 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]:[[:space:]]*//p' | tail -n1)
  value=${value%"${value##*[![:space:]]}"}
  if [[ $value =~ ^[0-9]+$ ]]; then
    echo "$((10#$value))"
  elif [[ -n $value ]] && when=$(date -d "$value" +%s 2>/dev/null); then
    when=$((when - $(date +%s)))
    echo "$((when > 0 ? when : 0))"
  fi
}

# The metadata server's answer to a token request (curl -i: status line, headers, body) on stdin:
# `meta` prints "STATUS RETRY_AFTER EXPIRES_IN" ("-" where there is none), `token` the access token.
TOKEN_PY='
import email.utils, json, re, sys, time
raw = sys.stdin.buffer.read().replace(b"\r\n", b"\n")
head, _, body = raw.partition(b"\n\n")
while re.match(rb"HTTP/\S+ 1\d\d", head):  # an interim answer (100 Continue) before the real one
    head, _, body = body.partition(b"\n\n")
lines = head.decode("latin-1").split("\n")
status = int(lines[0].split()[1])
headers = {}
for line in lines[1:]:
    name, _, value = line.partition(":")
    headers[name.strip().lower()] = value.strip()
if sys.argv[1] == "token":
    print(json.loads(body)["access_token"])
    sys.exit(0)
retry_after = headers.get("retry-after", "")
if retry_after.isdigit():
    retry_after = str(int(retry_after))
elif retry_after and email.utils.parsedate_tz(retry_after):
    retry_after = str(max(0, int(email.utils.mktime_tz(email.utils.parsedate_tz(retry_after)) - time.time())))
else:
    retry_after = "-"
expires = str(int(json.loads(body)["expires_in"])) if status == 200 else "-"
print(status, retry_after, expires)
'

# Sets TOKEN from the metadata server, or keeps the one it holds while that is valid for another
# TOKEN_REUSE_SECONDS. The answer goes through a variable and pipes, never through argv or a file.
# A 429 (the metadata server rate-limits bursts) sets RETRY_AFTER.
fetch_token() {
  local json meta status retry_after expires now
  now=$(date +%s)
  if ((TOKEN_EXPIRES - now > TOKEN_REUSE_SECONDS)); then
    return 0
  fi
  json=$(curl -sS -i --connect-timeout 5 --max-time 10 -H 'Metadata-Flavor: Google' \
    "${METADATA_URL}/instance/service-accounts/default/token") || return 1
  meta=$(printf '%s' "$json" | python3 -c "$TOKEN_PY" meta) || return 1
  read -r status retry_after expires <<<"$meta"
  if [[ $status != 200 ]]; then
    [[ $retry_after == - ]] || RETRY_AFTER=$retry_after
    log "metadata token: HTTP ${status}${RETRY_AFTER:+ (Retry-After ${RETRY_AFTER}s)}"
    return 1
  fi
  TOKEN=$(printf '%s' "$json" | python3 -c "$TOKEN_PY" token) || return 1
  [[ -n $TOKEN ]] || return 1
  TOKEN_EXPIRES=$((now + expires))
}

# Lists the auth repo's simple index for the given project names: one line
# `FILENAME SHA256 URL REQUIRES_PYTHON` per file (PEP 503's data-requires-python, its spaces removed;
# "-" where the index gives no sha256 or no Requires-Python). A project the repo does not have yet
# (HTTP 404) simply lists nothing. Told to wait (a 429 or 503 with Retry-After): exits 75 and writes
# the seconds to the file its second argument names; 401 (the token expired): exits 77.
LIST_INDEX_PY='
import base64, email.utils, html.parser, os, re, sys, time, urllib.error, urllib.parse, urllib.request

class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append((attrs["href"], "".join((attrs.get("data-requires-python") or "-").split())))

def seconds(value):
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    date = email.utils.parsedate_tz(value) if value else None
    return max(0, int(email.utils.mktime_tz(date) - time.time())) if date else None

index, throttle, names = sys.argv[1], sys.argv[2], sys.argv[3:]
auth = base64.b64encode(("oauth2accesstoken:" + os.environ["AIRLOCK_TOKEN"]).encode()).decode()
for name in names:
    url = index + re.sub(r"[-_.]+", "-", name).lower() + "/"
    req = urllib.request.Request(url, headers={"Authorization": "Basic " + auth})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        if err.code == 404:
            continue
        wait = seconds(err.headers.get("Retry-After")) if err.code in (429, 503) else None
        if wait is not None:
            try:
                with open(throttle, "w") as fh:
                    fh.write(str(wait))
            except OSError:
                pass
            print(f"listing {url}: HTTP {err.code}, Retry-After {wait}s", file=sys.stderr)
            sys.exit(75)
        print(f"listing {url}: HTTP {err.code}", file=sys.stderr)
        sys.exit(77 if err.code == 401 else 1)
    except OSError as err:
        sys.exit(f"listing {url}: {err}")
    links = Links()
    links.feed(body)
    for href, requires_python in links.hrefs:
        href = urllib.parse.urljoin(url, href)
        path, _, fragment = href.partition("#")
        filename = urllib.parse.unquote(path.rsplit("/", 1)[-1])
        sha256 = fragment[len("sha256="):] if fragment.startswith("sha256=") else "-"
        print(filename, sha256, path, requires_python)
'

# list_auth_repo PROJECT... (stdout: the lines above). Sets RETRY_AFTER when Artifact Registry said to
# wait, and forgets the token when it was refused (the next attempt asks the metadata server again).
list_auth_repo() {
  local rc=0 throttle="${WORK_DIR:-/nonexistent}/.retry-after"
  rm -f -- "$throttle"
  AIRLOCK_TOKEN=$TOKEN python3 -c "$LIST_INDEX_PY" "$AUTH_REPO_INDEX_URL" "$throttle" "$@" || rc=$?
  if ((rc == 75)); then
    RETRY_AFTER=$(cat -- "$throttle" 2>/dev/null || echo 0)
    rm -f -- "$throttle"
  elif ((rc == 77)); then
    TOKEN_EXPIRES=0
  fi
  return "$rc"
}

# ar_get URL DEST: one GET of an Artifact Registry file with this run's token (curl's config from
# stdin), into DEST. A 429 or 503 with Retry-After sets RETRY_AFTER (without one: the usual backoff);
# 401 forgets the token.
ar_get() {
  local url=$1 dest=$2 code
  fetch_token || return 1
  rm -f -- "${dest}.part" "${dest}.headers" "${dest}.code"
  printf 'user = "oauth2accesstoken:%s"\n' "$TOKEN" |
    curl -K - -sS --connect-timeout 10 --max-time 300 -D "${dest}.headers" -o "${dest}.part" -w '%{http_code}' \
      "$url" >"${dest}.code" || { rm -f -- "${dest}.part" "${dest}.headers" "${dest}.code"; return 1; }
  code=$(cat -- "${dest}.code")
  if [[ $code == 429 || $code == 503 ]]; then
    RETRY_AFTER=$(retry_after_of "${dest}.headers")
  elif [[ $code == 401 ]]; then
    TOKEN_EXPIRES=0
  fi
  rm -f -- "${dest}.headers" "${dest}.code"
  if [[ $code != 200 ]]; then
    log "GET ${url}: HTTP ${code}${RETRY_AFTER:+ (Retry-After ${RETRY_AFTER}s)}"
    rm -f -- "${dest}.part"
    return 1
  fi
  mv -f -- "${dest}.part" "$dest"
}

# A project name normalized (PEP 503): lower case, runs of -, _ and . become one -.
normalize_project() {
  local name=${1,,}
  name=${name//[_.]/-}
  while [[ $name == *--* ]]; do
    name=${name//--/-}
  done
  printf '%s\n' "$name"
}

# The normalized project name of a wheel file (the name is the file name's first dash-separated field).
wheel_project() {
  local base=${1##*/}
  normalize_project "${base%%-*}"
}

# The normalized project name a requirement specifier names.
requirement_project() {
  local name=$1
  normalize_project "${name%%[<>=!~;\[ @]*}"
}

# The auth repo project of a target's bundle (the mirror's closure for it as one wheel), from the
# target's word PYTHON:ARCH:GLIBC: e.g. 3.11.2:x86_64:2.36 -> pip-airlock-bundle-py3-11-2-x86-64-glibc2-36.
bundle_project() {
  local python arch glibc
  IFS=: read -r python arch glibc <<<"$1"
  printf 'pip-airlock-bundle-py%s-%s-glibc%s\n' "${python//./-}" "${arch//_/-}" "${glibc//./-}"
}


# twine, run by its own interpreter with compatibility fixes for the twines Debian ships. The mirror
# uploads wheels exactly as PyPI serves them, and PyPI validated their metadata when they were published;
# an older twine refuses metadata newer than it knows, though those versions only add fields:
# - Debian 12's twine 4.0.2 reads wheel metadata with pkginfo 1.8.2, which knows Metadata-Version up to
#   2.2 and rejects anything newer ("Metadata is missing required fields: Name, Version"): pkginfo is
#   taught to read an unknown 2.x like the newest version it knows.
# - Debian 13's twine 6.1.0 validates with packaging.metadata and refuses what its packaging does not
#   know: Metadata-Version 2.5 (virtualenv, filelock, platformdirs carry it), fields newer than it, and
#   fields a wheel declares under an older Metadata-Version than introduced them (pypa/twine#1255,
#   #1327). Those checks are skipped: twine still reads Name and Version and uploads the file unchanged.
# A twine whose libraries know these versions already is unaffected.
TWINE_PY='
import sys
try:
    import pkginfo.distribution as dist
    newest = max(dist.HEADER_ATTRS, key=lambda v: tuple(int(p) for p in v.split(".")))
    for version in ("2.3", "2.4", "2.5"):
        dist.HEADER_ATTRS.setdefault(version, dist.HEADER_ATTRS[newest])
except Exception:
    pass
try:
    import twine.package as package
    meta = package.metadata
    parse_email = meta.parse_email
    meta.parse_email = lambda data: (parse_email(data)[0], {})
    from_raw = meta.Metadata.from_raw.__func__
    meta.Metadata.from_raw = classmethod(lambda cls, data, validate=True: from_raw(cls, data, validate=False))
except Exception:
    pass
from twine.__main__ import main
sys.argv[0] = "twine"
sys.exit(main())
'

twine_upload() {
  local twine_bin interpreter=python3 shebang arg
  twine_bin=$(command -v twine) || return 1
  if [[ $(head -c 2 -- "$twine_bin") == '#!' ]]; then
    read -r shebang arg _ <"$twine_bin"
    shebang=${shebang#\#!}
    if [[ ${shebang##*/} == env ]]; then
      shebang=$arg
    fi
    if command -v "$shebang" >/dev/null 2>&1; then
      interpreter=$shebang
    fi
  fi
  timeout -k 10 "$UPLOAD_TIMEOUT_SECONDS" "$interpreter" -c "$TWINE_PY" upload "$@"
}

validate_settings() {
  [[ $MAX_ATTEMPTS =~ ^[1-9][0-9]*$ ]] || { log "max_attempts must be a positive integer"; return 1; }
  [[ $MAX_BACKOFF_SECONDS =~ ^[1-9][0-9]*$ ]] || { log "max_backoff_seconds must be a positive integer"; return 1; }
  ((${#PACKAGES[@]} > 0)) || [[ -n $LOCK_CONTENT ]] || { log "nothing to mirror"; return 1; }
  ((${#TARGETS[@]} > 0)) || { log "no target"; return 1; }
  local target i
  for target in "${TARGETS[@]}"; do
    [[ $target =~ ^3\.[0-9]+(\.[0-9]+)?:(x86_64|aarch64):[a-z0-9_]+(,[a-z0-9_]+)*$ ]] || { log "malformed target ${target}"; return 1; }
  done
  if ((${#MIRRORED_TARGETS[@]} > 0)); then
    ((${#MIRRORED_TARGETS[@]} == ${#TARGETS[@]})) || { log "${#MIRRORED_TARGETS[@]} mirrored targets for ${#TARGETS[@]} targets"; return 1; }
    for i in "${!TARGETS[@]}"; do
      [[ ${MIRRORED_TARGETS[i]} =~ ^3\.[0-9]+(\.[0-9]+)?:(x86_64|aarch64):2\.[0-9]+$ ]] || { log "malformed mirrored target ${MIRRORED_TARGETS[i]}"; return 1; }
      [[ ${MIRRORED_TARGETS[i]%:*} == "$(cut -d: -f1-2 <<<"${TARGETS[i]}")" ]] ||
        { log "mirrored target ${MIRRORED_TARGETS[i]} is not target ${TARGETS[i]%%,*}…"; return 1; }
    done
  fi
}

ensure_tools() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  python3 -c 'import pip' >/dev/null 2>&1 || missing+=(python3-pip)
  command -v twine >/dev/null 2>&1 || missing+=(twine)
  if ((${#missing[@]} == 0)); then
    log "tools present: $(python3 -m pip --version), twine $(twine --version 2>/dev/null | head -n1)"
    return 0
  fi
  log "installing missing tools with apt-get: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  retry "apt-get update" apt-get -o "DPkg::Lock::Timeout=${DPKG_LOCK_TIMEOUT_SECONDS}" update -q
  retry "apt-get install" apt-get -o "DPkg::Lock::Timeout=${DPKG_LOCK_TIMEOUT_SECONDS}" install -y -q \
    --no-install-recommends "${missing[@]}"
}

# pip download evaluates environment markers with the interpreter running it, not the target its
# --python-version names (pypa/pip#11010, #11198): run on this host's CPython 3.11, it would skip a
# dependency marked `python_version < "3.10"` for a 3.9 target (virtualenv's typing-extensions), and on
# 3.13 every `python_version < "3.12"` one for a 3.11 target (keyring's importlib_metadata). So pip runs
# with the marker environment of the target: packaging's markers ask default_environment() at each
# evaluation, and pip evaluates every marker through them. Arguments: PYTHON ARCH PIP_ARGS...
TARGET_PIP_PY='
import sys
from pip._vendor.packaging import markers

python, machine = sys.argv[1], sys.argv[2]
host_environment = markers.default_environment

def target_environment():
    env = host_environment()
    env.update(
        python_version=".".join(python.split(".")[:2]),
        python_full_version=python,
        implementation_name="cpython",
        implementation_version=python,
        platform_python_implementation="CPython",
        platform_machine=machine,
        platform_system="Linux",
        sys_platform="linux",
        os_name="posix",
    )
    return env

markers.default_environment = target_environment
from pip._internal.cli.main import main
sys.argv = ["pip"] + sys.argv[3:]
sys.exit(main())
'

download_all() {
  local target python arch tags platform platform_args requirements=()
  if [[ -n $LOCK_CONTENT ]]; then
    requirements=(--require-hashes -r "${WORK_DIR}/lock.txt")
  else
    requirements=("${PACKAGES[@]}" "$BOOTSTRAP_PIP" "$VENV_TOOL")
  fi
  # Per target, never the cross product: a glibc 2.34 host must not get a manylinux_2_39 wheel because
  # another target accepts it. Each into its own directory (dist/INDEX): its bundle is that closure.
  local i
  for i in "${!TARGETS[@]}"; do
    target=${TARGETS[i]}
    IFS=: read -r python arch tags <<<"$target"
    platform_args=()
    IFS=, read -r -a tags <<<"$tags"
    for platform in "${tags[@]}"; do
      platform_args+=(--platform "$platform")
    done
    log "pip download for CPython ${python} on ${arch} (${tags[0]} … ${tags[-1]})"
    PIP_CONFIG_FILE=/dev/null TMPDIR="${WORK_DIR}/tmp" timeout -k 10 "$DOWNLOAD_TIMEOUT_SECONDS" \
      python3 -c "$TARGET_PIP_PY" "$python" "$arch" download \
      --no-cache-dir --disable-pip-version-check --no-input --progress-bar off \
      --timeout "$PIP_SOCKET_TIMEOUT_SECONDS" --retries 2 \
      --index-url "$SOURCE_INDEX_URL" --dest "${WORK_DIR}/dist/${i}" \
      --only-binary=:all: --implementation cp --python-version "$python" "${platform_args[@]}" \
      "${requirements[@]}" 2>&1 | tee "${WORK_DIR}/pip-download.log" || { explain_download_failure "$python"; return 1; }
  done
}

# A lock that does not pin a dependency fails under --require-hashes with pip's "These do not:" list:
# name each unpinned requirement and what needs it, and the way to a complete lock.
explain_download_failure() {
  local python=$1 line
  [[ -n $LOCK_CONTENT ]] || return 0
  grep -q 'These do not:' "${WORK_DIR}/pip-download.log" 2>/dev/null || return 0
  while read -r line; do
    log "the lock does not pin ${line} for CPython ${python}: --require-hashes needs every dependency pinned; make the lock with recipes/make-lock.sh"
  done < <(sed -n '/These do not:/,$p' "${WORK_DIR}/pip-download.log" | sed -n 's/^ \{4\}\([^ ].*\)$/\1/p' | sed -e 's| from [a-z]*://[^ ]*||' -e 's|->-r [^)]*)||')
}

# The bundle of one target: the wheels of its closure, as one wheel, so that a private host fetches one
# file instead of a page and a file per project (a fleet booting at once stays within Artifact
# Registry's per-project request quota). Standard library only; byte-reproducible (stored entries,
# fixed times, sorted), so the same closure gives the same file.
#   plan OUT_DIR PROJECT TARGET WHEEL...  (the auth repo's listing of PROJECT on stdin)
# builds it in OUT_DIR and prints "PATH present" when the newest bundle the auth repo holds is this
# very file, else "PATH new": a new version, above every one there. The version is N.ID: N orders the
# bundles (the private hosts take the highest), ID is a number drawn from the sha256s of the closure
# (the same closure, the same ID; a re-run of the mirror uploads nothing new).
# The wheel: PROJECT (dist name with _), Metadata-Version 2.1 with Requires-Python ==X.Y.* of the
# target, tag py3-none-any, RECORD with every entry's sha256, and the payload
#   pip_airlock_bundle/requirements.txt   the manifest: NAME==VERSION --hash=sha256:HEX per wheel
#   pip_airlock_bundle/wheels/*.whl       the wheels, byte for byte as downloaded
BUNDLE_PY='
import base64, hashlib, os, re, sys, zipfile

FORMAT = "pip-airlock-bundle 1"
PAYLOAD = "pip_airlock_bundle/"

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def b64(digest):
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

def read(path):
    with open(path, "rb") as fh:
        return fh.read()

def closure_id(target, wheels):
    lines = [FORMAT, target] + sorted(f"{os.path.basename(w)} {hashlib.sha256(read(w)).hexdigest()}" for w in wheels)
    return int(hashlib.sha256("\n".join(lines).encode()).hexdigest()[:8], 16)

def build(out_dir, project, version, target, wheels):
    python, arch, glibc = target.split(":")
    minor = ".".join(python.split(".")[:2])
    dist = re.sub(r"[-_.]+", "_", project)
    info = f"{dist}-{version}.dist-info/"
    pins, files = [], []
    for path in sorted(wheels, key=os.path.basename):
        name, data = os.path.basename(path), read(path)
        parts = name[: -len(".whl")].split("-")
        pins.append(f"{norm(parts[0])}=={parts[1]} --hash=sha256:{hashlib.sha256(data).hexdigest()}\n")
        files.append((PAYLOAD + "wheels/" + name, data))
    manifest = f"# {project} {version}: the wheels the mirror downloaded for CPython {python}, {arch}, glibc {glibc}\n"
    metadata = (f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n"
                f"Summary: pip-airlock bundle: the auth helpers and their closure for CPython {python}, {arch}, glibc {glibc}"
                f" ({len(pins)} wheels, sha256-pinned in {PAYLOAD}requirements.txt)\n"
                f"Requires-Python: =={minor}.*\n")
    entries = [(PAYLOAD + "requirements.txt", (manifest + "".join(sorted(pins))).encode())] + files + [
        (info + "METADATA", metadata.encode()),
        (info + "WHEEL", b"Wheel-Version: 1.0\nGenerator: pip-airlock\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = "".join(f"{n},sha256={b64(hashlib.sha256(d).digest())},{len(d)}\n" for n, d in entries) + info + "RECORD,,\n"
    entries.append((info + "RECORD", record.encode()))
    path = os.path.join(out_dir, f"{dist}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path + ".part", "w") as zf:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_STORED
            zf.writestr(entry, data)
    os.replace(path + ".part", path)
    return path

mode, out_dir, project, target, wheels = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
if mode != "plan" or not wheels:
    sys.exit("usage: plan OUT_DIR PROJECT TARGET WHEEL...")
ident = closure_id(target, wheels)
newest = None
for line in sys.stdin:
    fields = line.split()
    parts = fields[0].split("-") if fields else []
    m = re.fullmatch(r"([0-9]+)\.([0-9]+)", parts[1]) if len(parts) > 1 else None
    if m and fields[0].endswith(".whl") and norm(parts[0]) == project:
        key = (int(m[1]), int(m[2]))
        if newest is None or key > newest[0]:
            newest = (key, parts[1], fields[1] if len(fields) > 1 else "-")
if newest and newest[0][1] == ident:
    path = build(out_dir, project, newest[1], target, wheels)
    if newest[2] in ("-", hashlib.sha256(read(path)).hexdigest()):
        print(path, "present")
        sys.exit(0)
    os.remove(path)
print(build(out_dir, project, f"{newest[0][0] + 1 if newest else 1}.{ident}", target, wheels), "new")
'

# One sync attempt: list the auth repo, upload with twine exactly the files it lacks, list again, and
# succeed only when every file is there with our sha256. AR answers a duplicate upload with HTTP 400
# ("requested entity already exists"), so files already present are never sent (twine's
# --skip-existing is not relied on); after a partial failure the next attempt uploads only the rest.
# Upload order: the dependencies, pip and the venv tool, then each target's bundle, then the
# requested packages: a private host polling the auth repo sees a bundle only once all it holds is
# in the auth repo too, and (old bootstraps, hosts without a bundle) the requested packages only after
# their dependencies and the bundles, so no host takes the index while its bundle is on the way.
sync_auth_repo() {
  local file name sha remote_sha missing=() mismatch=0 i planned status
  local -A remote=()
  fetch_token || return 1
  list_auth_repo "${PROJECTS[@]}" "${BUNDLE_PROJECTS[@]}" >"${WORK_DIR}/remote.txt" || return 1
  while read -r name sha _; do
    remote[$name]=$sha
  done <"${WORK_DIR}/remote.txt"
  BUNDLES=()
  for i in "${!BUNDLE_PROJECTS[@]}"; do
    # shellcheck disable=SC2086 # the target's wheel paths, one word each
    planned=$(python3 -c "$BUNDLE_PY" plan "${WORK_DIR}/bundles" "${BUNDLE_PROJECTS[i]}" "${MIRRORED_TARGETS[i]}" \
      ${TARGET_WHEELS[i]} <"${WORK_DIR}/remote.txt") || return 1
    read -r file status <<<"$planned"
    BUNDLES+=("$file")
    LOCAL_SHA[${file##*/}]=$(sha256sum "$file" | cut -d' ' -f1)
    [[ $status == present ]] || log "bundle for ${MIRRORED_TARGETS[i]}: ${file##*/} (new)"
  done
  SYNC_ORDER=("${UPLOAD_FIRST[@]}" "${BUNDLES[@]}" "${UPLOAD_LAST[@]}")
  for file in "${SYNC_ORDER[@]}"; do
    name=${file##*/}
    remote_sha=${remote[$name]:-}
    if [[ -z $remote_sha ]]; then
      missing+=("$file")
    elif [[ $remote_sha != - && $remote_sha != "${LOCAL_SHA[$name]}" ]]; then
      log "auth repo holds ${name} with sha256 ${remote_sha}, expected ${LOCAL_SHA[$name]}"
      mismatch=1
    fi
  done
  if ((mismatch)); then
    return 100
  fi
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "uploading ${#missing[@]} of ${#SYNC_ORDER[@]} files to ${AUTH_REPO_UPLOAD_URL}"
  for file in "${missing[@]}"; do
    UPLOADED[${file##*/}]=1
  done
  # twine sets no timeout of its own: a stalled upload is ended by `timeout`, and AR keeps no partial file.
  TWINE_USERNAME=oauth2accesstoken TWINE_PASSWORD=$TOKEN TWINE_NON_INTERACTIVE=1 \
    twine_upload --non-interactive --disable-progress-bar --repository-url "$AUTH_REPO_UPLOAD_URL" \
    "${missing[@]}" || return 1
  # Verify with a fresh listing before declaring success.
  list_auth_repo "${PROJECTS[@]}" "${BUNDLE_PROJECTS[@]}" >"${WORK_DIR}/remote.txt" || return 1
  remote=()
  while read -r name sha _; do
    remote[$name]=$sha
  done <"${WORK_DIR}/remote.txt"
  for file in "${SYNC_ORDER[@]}"; do
    name=${file##*/}
    # "-": the index gave no sha256 for the file; its presence is all that can be checked.
    [[ ${remote[$name]:-} == "${LOCAL_SHA[$name]}" || ${remote[$name]:-} == - ]] || return 1
  done
}

main() {
  step validate
  validate_settings
  log "mirroring ${PACKAGES[*]:-(lock)} + ${BOOTSTRAP_PIP} + ${VENV_TOOL} for ${#TARGETS[@]} target(s) (${TARGETS[*]%:*}) from ${SOURCE_INDEX_URL} to ${AUTH_REPO_INDEX_URL} (${AR_HOST})"
  guest_attr status running

  step tools
  ensure_tools

  step token
  retry "metadata token" fetch_token

  step download
  rm -rf -- "$WORK_DIR_PATH"
  mkdir -p -- "${WORK_DIR_PATH}/dist" "${WORK_DIR_PATH}/tmp"
  chmod 0700 -- "$WORK_DIR_PATH"
  WORK_DIR=$WORK_DIR_PATH
  if [[ -n $LOCK_CONTENT ]]; then
    printf '%s\n' "$LOCK_CONTENT" >"${WORK_DIR}/lock.txt"
    log "using the hash-pinned lock (--require-hashes)"
  fi
  retry "pip download" download_all
  # Each target's closure (its wheels' paths, one word each: WORK_DIR and wheel names hold no space),
  # and every distinct file once: the same name from the same index is the same file.
  local files=() file name i
  local -A by_name=()
  declare -g -a TARGET_WHEELS=()
  for i in "${!TARGETS[@]}"; do
    local target_files=()
    mapfile -t target_files < <(find "${WORK_DIR}/dist/${i}" -maxdepth 1 -type f -name '*.whl' | LC_ALL=C sort)
    if ((${#target_files[@]} == 0)); then
      log "pip download produced no wheel for ${TARGETS[i]%%:*}"
      return 1
    fi
    TARGET_WHEELS[i]="${target_files[*]}"
    for file in "${target_files[@]}"; do
      name=${file##*/}
      if [[ -z ${by_name[$name]:-} ]]; then
        by_name[$name]=$file
      elif ! cmp -s -- "$file" "${by_name[$name]}"; then
        log "two different files named ${name} were downloaded"
        return 1
      fi
    done
  done
  for name in $(printf '%s\n' "${!by_name[@]}" | LC_ALL=C sort); do
    files+=("${by_name[$name]}")
  done

  # Upload order (see sync_auth_repo): dependencies first, then pip and the venv tool, then the
  # bundles, then the requested packages.
  local -A top=() seen=()
  local requirement project
  top[pip]=2
  for requirement in "${PACKAGES[@]}"; do
    top[$(requirement_project "$requirement")]=3
  done
  # Bare private hosts bootstrap their keyring venv with pip and create users' venvs with VENV_TOOL.
  local -A downloaded=()
  for file in "${files[@]}"; do
    downloaded[$(wheel_project "$file")]=1
  done
  top[$(requirement_project "$VENV_TOOL")]=2
  for project in pip "$(requirement_project "$VENV_TOOL")"; do
    if [[ -z ${downloaded[$project]:-} ]]; then
      log "no ${project} wheel was downloaded: private hosts need it (a lock must pin ${project} too)"
      return 1
    fi
  done
  declare -g -A LOCAL_SHA=() UPLOADED=()
  declare -g -a UPLOAD_FIRST=() UPLOAD_LAST=() PROJECTS=() BUNDLE_PROJECTS=() BUNDLES=() SYNC_ORDER=()
  local rank
  for rank in 1 2 3; do
    for file in "${files[@]}"; do
      project=$(wheel_project "$file")
      if [[ ${top[$project]:-1} == "$rank" ]]; then
        if ((rank < 3)); then UPLOAD_FIRST+=("$file"); else UPLOAD_LAST+=("$file"); fi
        if [[ -z ${seen[$project]:-} ]]; then
          seen[$project]=1
          PROJECTS+=("$project")
        fi
      fi
    done
  done
  for file in "${files[@]}"; do
    LOCAL_SHA[${file##*/}]=$(sha256sum "$file" | cut -d' ' -f1)
  done
  for i in "${!MIRRORED_TARGETS[@]}"; do
    BUNDLE_PROJECTS+=("$(bundle_project "${MIRRORED_TARGETS[i]}")")
  done
  mkdir -p -- "${WORK_DIR}/bundles"
  log "downloaded ${#files[@]} wheels for ${#PROJECTS[@]} projects; ${#BUNDLE_PROJECTS[@]} bundle(s): ${BUNDLE_PROJECTS[*]:-none}"

  step upload
  retry "upload to the auth repo" sync_auth_repo

  step report
  local manifest="" name version
  for file in "${SYNC_ORDER[@]}"; do
    name=${file##*/}
    version=${name#*-}
    version=${version%%-*}
    log "file $(wheel_project "$file") ${version} sha256=${LOCAL_SHA[$name]} ${name} ($([[ -n ${UPLOADED[$name]:-} ]] && echo uploaded || echo already-present))"
    manifest+="$(wheel_project "$file") ${version} ${LOCAL_SHA[$name]} ${name}"$'\n'
  done
  guest_attr manifest "$manifest"
  STEP=finished
  guest_attr status ready
  log "mirror ready: ${#SYNC_ORDER[@]} files in the auth repo (${#BUNDLES[@]} of them bundles), ${#UPLOADED[@]} uploaded by this run"

  if [[ $STOP_WHEN_DONE == true ]]; then
    log "stop_when_done: powering off"
    systemctl poweroff || log "warning: systemctl poweroff failed"
  fi
}

main "$@"
