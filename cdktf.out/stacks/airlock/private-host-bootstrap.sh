#!/usr/bin/env bash
# pip-airlock: private host startup script (the bootstrap), rendered from assets/bootstrap.sh.mustache.
#
# On every boot: wait (with backoff and a bound) until the auth repo serves the auth helpers, install
# keyring and the Artifact Registry backend into a dedicated venv with a metadata-server token, link the
# `keyring` CLI onto PATH, and configure pip (and uv, and twine) system-wide so that every user, in
# every venv, fetches only from Artifact Registry and authenticates through keyring.
#
# Few requests: a fleet boots at once against one per-project quota of Artifact Registry. Where the
# mirror published a bundle for this host's target (its whole closure as one wheel, every file pinned
# by sha256), a first boot fetches one index page and that one file and installs offline, verifying
# every hash; without one (an auth repo filled by an older mirror, or remote mode) pip resolves the
# helpers from the index. Every wait is bounded, jittered, and honours Retry-After (HTTP 429).
#
# Idempotent: a re-run changes nothing when all is in place (files are rewritten only when their
# content differs, installs are skipped when already satisfied, and nothing is fetched in that case).
# The token only ever lives in shell variables and in the environment of one child process at a time:
# never on a command line, in a file, or in the log.
set -euo pipefail
umask 022

# Settings. Each Mustache tag here renders as exactly one single-quoted shell word (startup-script/shell-quote.ts).
# SC2034: in the raw template, some settings are used only by the shared functions (the partial).
# shellcheck disable=SC1083,SC2034
{
AR_HOST='us-central1-python.pkg.dev'
AUTH_REPO_INDEX_URL='https://us-central1-python.pkg.dev/airlock-example/pip-auth-repo/simple/'
METADATA_HOST='metadata.google.internal'
GUEST_ATTR_NAMESPACE='pip-airlock'
MAX_ATTEMPTS='8'
MAX_BACKOFF_SECONDS='30'
RETRY_AFTER_MAX_SECONDS='120'
WAIT_ATTEMPTS='32'
INDEX_URL='https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/'
UPLOAD_REPO_URL='https://us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/'
PACKAGES=('keyring' 'keyrings.google-artifactregistry-auth' )
# What the mirror serves, one word per target: PYTHON:ARCH:GLIBC (empty: a PyPI remote repository).
MIRRORED_TARGETS=('3.11.2:x86_64:2.36' )
BOOTSTRAP_PIP='pip>=23.1'
VENV_DIR='/opt/pip-airlock/keyring'
# The directories VENV_DIR may lie below, and what the scripts keep there themselves (config/host-paths.ts).
OWNED_ROOTS=('/opt/pip-airlock' '/var/lib/pip-airlock' )
PRODUCT_STATE_PATHS=('/var/lib/pip-airlock/guest-attribute-writes' '/var/lib/pip-airlock/mirror-work' )
# Time bounds of one attempt of the steps that wait on Artifact Registry (`retry` bounds the attempts;
# pip's own socket timeout sits inside).
INSTALL_TIMEOUT_SECONDS='600'
PIP_SOCKET_TIMEOUT_SECONDS='60'
}

# The venv tool every user runs on a bare host: a stock Debian 12 image has no python3-venv (so no
# ensurepip: `python3 -m venv` fails) and a host without internet cannot apt-get it. The mirror
# uploads virtualenv with its closure; it is installed beside keyring and linked onto PATH. Its
# venvs are born with the pip it embeds, new enough for `keyring-provider = subprocess`.
VENV_TOOL='virtualenv'
VENV_TOOL_LINK="/usr/local/bin/${VENV_TOOL}"

KEYRING_LINK=/usr/local/bin/keyring
CONFIG_HEADER="# Written by pip-airlock (private host startup script); rewritten on boot if changed."
STEP=start
TOKEN=
WORK_DIR=
CHANGES=0
PIP_WHEEL_FILE=
PIP_WHEEL_URL=
PIP_WHEEL_SHA256=
# The pip wheel in hand (downloaded, or out of the verified bundle), once this run needs it.
PIP_WHEEL_PATH=
# Where the helpers come from this boot: `bundle` (the mirror's bundle for HOST_TARGET) or `index`.
HELPERS_SOURCE=
# This host's target among MIRRORED_TARGETS (empty when it is none of them, or in remote mode), its
# bundle's project, and the newest bundle the auth repo serves (file, version, URL, sha256).
HOST_TARGET=
BUNDLE_PROJECT=
BUNDLE_FILE=
BUNDLE_VERSION=
BUNDLE_URL=
BUNDLE_SHA256=
# This host's CPython (X.Y.Z), set once python3 is known to be there.
HOST_PYTHON=
# The user probe's directory (owned by the unprivileged user it runs as), removed on exit.
PROBE_DIR=
PROBE_USER=nobody
# Set when an earlier boot left a working configuration (see already_configured).
CONFIGURED=0
# Set when Artifact Registry answered a probe 401/403: the configuration does not work (not stale).
AR_REJECTED=0
# Set when a user's venv cannot authenticate with what is installed (a pip the keyring CLI is too old for).
USER_PROBE_BROKEN=0
# shellcheck disable=SC2034 # used by the shared functions
SCRIPT_NAME=bootstrap
# shellcheck disable=SC2034 # used by the shared functions (on_exit)
SCRATCH_DIRS=(WORK_DIR PROBE_DIR)

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


# Exit 0 when every requirement given is installed in the interpreter running it, at a matching
# version (uses the `packaging` that pip vendors, so it fails, as it should, where pip is missing).
SATISFIED_PY='
import sys
from importlib.metadata import PackageNotFoundError, version
from pip._vendor.packaging.requirements import Requirement
for spec in sys.argv[1:]:
    req = Requirement(spec)
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        sys.exit(f"{req.name} is not installed")
    if not req.specifier.contains(installed, prereleases=True):
        sys.exit(f"{req.name} {installed} does not satisfy {spec}")
'

# write_if_changed PATH MODE CONTENT: (re)write PATH atomically only when its content or mode differs.
write_if_changed() {
  local path=$1 mode=$2 content=$3 tmp
  if [[ -f $path && ! -L $path ]] && cmp -s -- "$path" <(printf '%s' "$content"); then
    if [[ $(stat -c '%a' -- "$path") != "$mode" ]]; then
      chmod "$mode" -- "$path"
      CHANGES=$((CHANGES + 1))
      log "fixed the mode of ${path}"
    else
      log "unchanged: ${path}"
    fi
    return 0
  fi
  # A file that someone else wrote (an admin's pip.conf, say) is kept once, next to ours.
  if [[ -f $path && ! -e ${path}.pip-airlock-orig ]] && [[ $(head -n1 -- "$path") != "$CONFIG_HEADER" ]]; then
    cp -p -- "$path" "${path}.pip-airlock-orig"
    log "kept the previous ${path} as ${path}.pip-airlock-orig"
  fi
  mkdir -p -- "$(dirname -- "$path")"
  tmp=$(mktemp -- "${path}.pip-airlock.XXXXXX")
  printf '%s' "$content" >"$tmp"
  chmod "$mode" -- "$tmp"
  mv -f -- "$tmp" "$path"
  CHANGES=$((CHANGES + 1))
  log "wrote ${path}"
}

validate_settings() {
  [[ $MAX_ATTEMPTS =~ ^[1-9][0-9]*$ ]] || { log "max_attempts must be a positive integer"; return 1; }
  [[ $WAIT_ATTEMPTS =~ ^[1-9][0-9]*$ ]] || { log "wait_attempts must be a positive integer"; return 1; }
  [[ $MAX_BACKOFF_SECONDS =~ ^[1-9][0-9]*$ ]] || { log "max_backoff_seconds must be a positive integer"; return 1; }
  [[ $AUTH_REPO_INDEX_URL == https://*/ ]] || { log "the auth repo index URL must be https:// and end with /"; return 1; }
  # pip asks keyring for a password only when the index URL carries a user (pypa/pip#11971).
  [[ $INDEX_URL == https://oauth2accesstoken@* ]] || { log "the pip index URL must start with https://oauth2accesstoken@"; return 1; }
  [[ $INDEX_URL != *[\"\\[:space:]]* ]] || { log "the pip index URL has a quote, backslash or space"; return 1; }
  owned_directory "$VENV_DIR" || return 1
  ((${#PACKAGES[@]} > 0)) || { log "no package to install"; return 1; }
  command -v python3 >/dev/null 2>&1 || { log "python3 is required"; return 1; }
  command -v curl >/dev/null 2>&1 || { log "curl is required"; return 1; }
  id -u -- "$PROBE_USER" >/dev/null 2>&1 || { log "the user probe runs as ${PROBE_USER}, which this host lacks"; return 1; }
  local target
  for target in "${MIRRORED_TARGETS[@]}"; do
    [[ $target =~ ^3\.[0-9]+(\.[0-9]+)?:(x86_64|aarch64):2\.[0-9]+$ ]] || { log "malformed mirrored target ${target}"; return 1; }
  done
}

# owned_directory PATH: PATH may be a directory the bootstrap creates, clears and rebuilds: in normalized
# form (no ".", "..", "//" or trailing "/"), below one of OWNED_ROOTS, neither holding nor inside what
# the scripts keep there, and no symbolic link on the way (a link could point it anywhere). The synth
# refuses the same values (config/host-paths.ts); this script also runs on VMs outside the stack.
owned_directory() {
  local path=$1 root state owned=0
  [[ $path =~ ^/[A-Za-z0-9._/-]+$ ]] || { log "venv_dir ${path@Q}: must be an absolute path of letters, digits, '.', '_', '-' and '/'"; return 1; }
  if [[ $path == */ || $path == *//* || /${path}/ == */./* || /${path}/ == */../* ]]; then
    log "venv_dir ${path}: must be in normalized form (no '.', '..', '//' or trailing '/')"
    return 1
  fi
  for root in "${OWNED_ROOTS[@]}"; do
    [[ $path == "${root}/"* ]] && owned=1
  done
  ((owned)) || { log "venv_dir ${path}: must be below ${OWNED_ROOTS[*]} (a directory of pip-airlock's own)"; return 1; }
  for state in "${PRODUCT_STATE_PATHS[@]}"; do
    if [[ $path == "$state" || $state == "${path}/"* || $path == "${state}/"* ]]; then
      log "venv_dir ${path}: must not be or hold ${state}, which the scripts keep for themselves"
      return 1
    fi
  done
  [[ $(realpath -m -- "$path") == "$path" ]] || { log "venv_dir ${path}: a symbolic link on the way leads to $(realpath -m -- "$path")"; return 1; }
}

# python_minor PYTHON: that interpreter's X.Y.
python_minor() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

# pip_has_keyring_provider VERSION: is pip VERSION new enough for keyring-provider (>= 23.1)? Compared
# by the venv's pip (the packaging it vendors).
pip_has_keyring_provider() {
  "${VENV_DIR}/bin/python" -c 'import sys; from pip._vendor.packaging.version import Version; sys.exit(Version(sys.argv[1]) < Version("23.1"))' "$1"
}

# The keyring installed in the venv, by version.
venv_keyring_version() {
  "${VENV_DIR}/bin/python" -c 'from importlib.metadata import version; print(version("keyring"))'
}

# X.Y of a version X.Y[.Z].
minor_version() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  printf '%s.%s\n' "$major" "$minor"
}

# Is this host one of the mirror's targets (its CPython X.Y and CPU, and a glibc at least the target's)?
# A host that is not may find no wheel of a compiled dependency (cffi, say) and then fail at `install`:
# the log says why beforehand. Not a failure by itself: pure-Python closures install anywhere. Sets
# HOST_TARGET (of several that fit, the one with the newest glibc: the most wheels this host can run)
# and BUNDLE_PROJECT, the auth repo project of its bundle.
check_mirrored_target() {
  local arch glibc target python t_arch t_glibc served=() best_glibc=
  ((${#MIRRORED_TARGETS[@]} > 0)) || return 0
  arch=$(uname -m)
  glibc=$(python3 -c 'import platform; print(platform.libc_ver()[1] or "0.0")')
  for target in "${MIRRORED_TARGETS[@]}"; do
    IFS=: read -r python t_arch t_glibc <<<"$target"
    served+=("CPython ${python} ${t_arch} glibc ${t_glibc}")
    if [[ $(minor_version "$python") == "$(minor_version "$HOST_PYTHON")" && $t_arch == "$arch" ]] &&
      [[ $(printf '%s\n%s\n' "$t_glibc" "$glibc" | sort -V | head -n1) == "$t_glibc" ]]; then
      if [[ -z $HOST_TARGET || $(printf '%s\n%s\n' "$t_glibc" "$best_glibc" | sort -V | tail -n1) != "$best_glibc" ]]; then
        HOST_TARGET=$target
        best_glibc=$t_glibc
      fi
    fi
  done
  if [[ -n $HOST_TARGET ]]; then
    BUNDLE_PROJECT=$(bundle_project "$HOST_TARGET")
    log "this host (CPython ${HOST_PYTHON}, ${arch}, glibc ${glibc}) is a target of the mirror (${HOST_TARGET}): its bundle is ${BUNDLE_PROJECT}"
    return 0
  fi
  log "warning: this host (CPython ${HOST_PYTHON}, ${arch}, glibc ${glibc}) is none of the mirror's targets ($(IFS=';'; echo "${served[*]}")): compiled dependencies may have no wheel for it; declare its image in mirror.targets"
}

# The newest pip wheel of a listing (lines of list_auth_repo, on stdin) whose Requires-Python admits
# this host's CPython (PEP 503 data-requires-python; none given admits any): pip 26.1 dropped 3.9
# (pypa/pip#13795), so a 3.9 host served pip 26.0.x and 26.2.x must take 26.0.x. Written with the
# standard library only: a bare host has no pip, and so no `packaging`, yet. Prints `FILENAME SHA256 URL`.
# A second argument picks another project's newest wheel the same way (the target's bundle).
PICK_PIP_PY='
import re, sys

def release(v):
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", v):
        return None  # a pre-release, dev or local version: never chosen
    return tuple(int(p) for p in v.split("."))

def padded(a, n):
    return a + (0,) * (n - len(a))

def admits(spec, have):
    for clause in filter(None, spec.split(",")):
        m = re.fullmatch(r"(===|==|!=|~=|<=|>=|<|>)(.+)", clause)
        if not m:
            return False
        op, v = m.groups()
        wild = v.endswith(".*")
        want = release(v[:-2] if wild else v)
        if want is None:
            return False
        n = max(len(want), len(have))
        a, b = padded(have, n), padded(want, n)
        if wild:
            hit = have[: len(want)] == want
            ok = hit if op == "==" else (not hit) if op == "!=" else False
        elif op == "~=":
            ok = len(want) > 1 and a >= b and have[: len(want) - 1] == want[:-1]
        else:
            ok = {"==": a == b, "===": a == b, "!=": a != b, "<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b}[op]
        if not ok:
            return False
    return True

host = tuple(int(p) for p in sys.argv[1].split("."))
project = sys.argv[2] if len(sys.argv) > 2 else "pip"
best = None
for line in sys.stdin:
    fields = line.split()
    if len(fields) != 4 or not fields[0].endswith(".whl"):
        continue
    filename, sha, url, requires = fields
    parts = filename.split("-")
    if re.sub(r"[-_.]+", "-", parts[0]).lower() != project or len(parts) < 2:
        continue
    version = release(parts[1])
    if version is None or (requires != "-" and not admits(requires, host)):
        continue
    if best is None or version > best[0]:
        best = (version, filename, sha, url)
if best is None:
    sys.exit(1)
print(*best[1:])
'

# Whether the auth repo serves this host's bundle (one page): 0 served (its file, sha256 and URL
# kept), 1 not served, 2 the listing failed (helpers_served passes 0 and 2 on: a failure is retried).
bundle_served() {
  local picked
  list_auth_repo "$BUNDLE_PROJECT" >"${WORK_DIR}/bundle-listing.txt" || return 2
  picked=$(python3 -c "$PICK_PIP_PY" "$HOST_PYTHON" "$BUNDLE_PROJECT" <"${WORK_DIR}/bundle-listing.txt") || return 1
  read -r BUNDLE_FILE BUNDLE_SHA256 BUNDLE_URL <<<"$picked"
  BUNDLE_VERSION=${BUNDLE_FILE#*-}
  BUNDLE_VERSION=${BUNDLE_VERSION%%-*}
  HELPERS_SOURCE=bundle
  log "the auth repo serves the bundle of ${HOST_TARGET}: ${BUNDLE_FILE}"
}

# One poll of the auth repo. Where this host has a target, its bundle first (one page): served, the
# helpers come from it. Else (no bundle: an auth repo filled by an older mirror, remote mode, a host
# that is no target) the helpers' own pages, the first requested package's alone until it is there:
# succeed when the repo serves at least one file of every requested package, and a pip wheel this
# host's CPython can run (its URL and sha256 kept for bootstrapping pip into the venv). The mirror
# uploads the bundle before the requested packages, and it may do so while this poll reads the
# helpers' pages: so once they are all there, the bundle's page is read once more before the index
# is taken.
helpers_served() {
  local filename project missing=() picked rc=0
  local -A present=()
  fetch_token || return 1
  if [[ -n $BUNDLE_PROJECT ]]; then
    bundle_served || rc=$?
    ((rc == 1)) || return "$rc"
    log "the auth repo serves no bundle ${BUNDLE_PROJECT}: looking for the helpers themselves"
  fi
  list_auth_repo "${REQUIRED_PROJECTS[0]}" >"${WORK_DIR}/auth-repo.txt" || return 1
  if [[ -s ${WORK_DIR}/auth-repo.txt ]]; then
    list_auth_repo "${REQUIRED_PROJECTS[@]:1}" >>"${WORK_DIR}/auth-repo.txt" || return 1
  fi
  while read -r filename _; do
    project=$(wheel_project "$filename")
    present[$project]=1
  done <"${WORK_DIR}/auth-repo.txt"
  for project in "${REQUIRED_PROJECTS[@]}"; do
    [[ -n ${present[$project]:-} ]] || missing+=("$project")
  done
  if ((${#missing[@]} > 0)); then
    log "the auth repo does not serve ${missing[*]} yet"
    return 1
  fi
  if ! picked=$(python3 -c "$PICK_PIP_PY" "$HOST_PYTHON" <"${WORK_DIR}/auth-repo.txt"); then
    log "the auth repo serves no pip wheel whose Requires-Python admits CPython ${HOST_PYTHON} yet"
    return 1
  fi
  if [[ -n $BUNDLE_PROJECT ]]; then
    rc=0
    bundle_served || rc=$?
    ((rc == 1)) || return "$rc"
  fi
  read -r PIP_WHEEL_FILE PIP_WHEEL_SHA256 PIP_WHEEL_URL <<<"$picked"
  HELPERS_SOURCE=index
  log "the auth repo serves ${REQUIRED_PROJECTS[*]} (pip wheel for CPython ${HOST_PYTHON}: ${PIP_WHEEL_FILE})"
}

# Downloads the mirrored pip wheel into WORK_DIR (once per run) and checks its sha256.
fetch_pip_wheel() {
  local dest="${WORK_DIR}/${PIP_WHEEL_FILE}"
  if [[ -f $dest ]]; then
    PIP_WHEEL_PATH=$dest
    return 0
  fi
  ar_get "$PIP_WHEEL_URL" "${dest}.get" || return 1
  if [[ $PIP_WHEEL_SHA256 != - ]] && [[ $(sha256sum "${dest}.get" | cut -d' ' -f1) != "$PIP_WHEEL_SHA256" ]]; then
    log "sha256 mismatch for ${PIP_WHEEL_FILE}"
    rm -f -- "${dest}.get"
    return 1
  fi
  mv -f -- "${dest}.get" "$dest"
  PIP_WHEEL_PATH=$dest
}

# Checks a bundle (the wheel file, its expected project and version, a new directory) and unpacks it:
# only METADATA, WHEEL and RECORD in its dist-info and pip_airlock_bundle/{requirements.txt,wheels/*.whl},
# each entry exactly as RECORD says (sha256, size), nothing RECORD does not list nor anything it lists
# missing, its METADATA naming that project and version, and every wheel pinned in the manifest
# (requirements.txt: NAME==VERSION --hash=sha256:HEX, one line per wheel) with its own sha256, every
# pin with its wheel. Writes DIR/wheels/, DIR/requirements.txt and DIR/install.txt (the pins but pip's,
# which is bootstrapped on its own) and prints the pip wheel's file name ("-": none). Exits non-zero,
# saying why, at the first thing that does not hold: such a bundle is refused, never half used.
UNBUNDLE_PY='
import base64, csv, hashlib, io, os, re, sys, zipfile

def fail(why):
    sys.exit(f"bundle refused: {why}")

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def b64(digest):
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

bundle, project, version, dest = sys.argv[1:5]
info = re.sub(r"[-_.]+", "_", project) + "-" + version + ".dist-info/"
payload = "pip_airlock_bundle/"
allowed = re.compile(re.escape(info) + r"(METADATA|WHEEL|RECORD)|" + re.escape(payload) + r"(requirements\.txt|wheels/[A-Za-z0-9][A-Za-z0-9._+-]*\.whl)")
try:
    zf = zipfile.ZipFile(bundle)
except (OSError, zipfile.BadZipFile) as err:
    fail(f"not a zip file ({err})")
contents = {}
with zf:
    names = zf.namelist()
    if len(names) != len(set(names)):
        fail("an entry appears twice")
    if info + "RECORD" not in names:
        fail(f"no {info}RECORD")
    record = {}
    for row in csv.reader(io.StringIO(zf.read(info + "RECORD").decode("utf-8"))):
        if not row:
            continue
        if len(row) != 3 or row[0] in record:
            fail(f"a RECORD row is malformed or repeated: {row}")
        record[row[0]] = row
    for name in names:
        if not allowed.fullmatch(name):
            fail(f"unexpected entry {name}")
        if name not in record:
            fail(f"{name} is not in RECORD")
        if name == info + "RECORD":
            continue
        data = zf.read(name)
        if record[name][1:] != ["sha256=" + b64(hashlib.sha256(data).digest()), str(len(data))]:
            fail(f"{name} does not match its RECORD entry")
        contents[name] = data
    lacking = sorted(set(record) - set(names))
    if lacking:
        fail(f"RECORD lists what the bundle lacks: {lacking}")
fields = {}
for line in contents.get(info + "METADATA", b"").decode("utf-8", "replace").split("\n\n", 1)[0].split("\n"):
    key, _, value = line.partition(":")
    fields.setdefault(key.strip().lower(), value.strip())
named = (fields.get("name", ""), fields.get("version", ""))
if norm(named[0]) != project or named[1] != version:
    fail(f"its METADATA names {named[0]} {named[1]}, not {project} {version}")
manifest = contents.get(payload + "requirements.txt")
if manifest is None:
    fail(f"no {payload}requirements.txt (the manifest)")
pins = {}
for line in manifest.decode("utf-8").splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+) --hash=sha256:([0-9a-f]{64})", line)
    if not m or (norm(m[1]), m[2]) in pins:
        fail(f"a manifest line is not one NAME==VERSION --hash=sha256:HEX pin: {line}")
    pins[(norm(m[1]), m[2])] = m[3]
wheels, seen, pip_wheel = {}, set(), "-"
for name, data in sorted(contents.items()):
    if not name.startswith(payload + "wheels/"):
        continue
    filename = name[len(payload + "wheels/"):]
    parts = filename[:-len(".whl")].split("-")
    key = (norm(parts[0]), parts[1]) if len(parts) in (5, 6) else None
    if key is None or key not in pins or key in seen:
        fail(f"{filename} is not exactly one wheel the manifest pins")
    if hashlib.sha256(data).hexdigest() != pins[key]:
        fail(f"{filename}: its sha256 is not the one the manifest pins")
    seen.add(key)
    wheels[filename] = data
    if key[0] == "pip":
        pip_wheel = filename
if set(pins) - seen:
    fail(f"the manifest pins wheels the bundle lacks: {sorted(set(pins) - seen)}")
os.makedirs(os.path.join(dest, "wheels"))
for filename, data in wheels.items():
    with open(os.path.join(dest, "wheels", filename), "wb") as fh:
        fh.write(data)
with open(os.path.join(dest, "requirements.txt"), "wb") as fh:
    fh.write(manifest)
with open(os.path.join(dest, "install.txt"), "w") as fh:
    for (name, pinned), sha in sorted(pins.items()):
        if name != "pip":
            fh.write(f"{name}=={pinned} --hash=sha256:{sha}\n")
print(pip_wheel)
'

# Downloads this host's bundle (once per run), checks it against the sha256 the auth repo's index gives
# for it (a damaged transfer is fetched again), then checks and unpacks its content (UNBUNDLE_PY):
# a bundle that cannot be verified is a failure, never a reason to install from elsewhere.
fetch_bundle() {
  local dest="${WORK_DIR}/${BUNDLE_FILE}" unpacked="${WORK_DIR}/bundle" pip_wheel
  if [[ -f ${unpacked}/install.txt ]]; then
    return 0
  fi
  if [[ ! $BUNDLE_SHA256 =~ ^[0-9a-f]{64}$ ]]; then
    log "the auth repo's index gives no sha256 for ${BUNDLE_FILE}: it cannot be verified"
    return 100
  fi
  ar_get "$BUNDLE_URL" "$dest" || return 1
  if [[ $(sha256sum "$dest" | cut -d' ' -f1) != "$BUNDLE_SHA256" ]]; then
    log "sha256 mismatch for ${BUNDLE_FILE} (the index gives ${BUNDLE_SHA256}): fetching it again"
    rm -f -- "$dest"
    return 1
  fi
  rm -rf -- "$unpacked"
  if ! pip_wheel=$(python3 -c "$UNBUNDLE_PY" "$dest" "$BUNDLE_PROJECT" "$BUNDLE_VERSION" "$unpacked"); then
    rm -rf -- "$unpacked" "$dest"
    log "${BUNDLE_FILE} (sha256 ${BUNDLE_SHA256}) fails verification: nothing is installed from it"
    return 100
  fi
  rm -f -- "$dest"
  if [[ $pip_wheel == - ]]; then
    rm -rf -- "$unpacked"
    log "${BUNDLE_FILE} holds no pip wheel"
    return 100
  fi
  PIP_WHEEL_FILE=$pip_wheel
  PIP_WHEEL_PATH="${unpacked}/wheels/${pip_wheel}"
  log "verified ${BUNDLE_FILE}: $(grep -c -- '--hash=sha256:' "${unpacked}/requirements.txt") wheels, each as the manifest pins it"
}

# The pip wheel, in hand once this run needs it: out of the bundle, or downloaded from the index.
obtain_pip_wheel() {
  if [[ $HELPERS_SOURCE == bundle ]]; then
    retry "download ${BUNDLE_FILE}" fetch_bundle
  else
    retry "download ${PIP_WHEEL_FILE}" fetch_pip_wheel
  fi
}

# The venv carries this file from its creation on: a directory without it is not pip-airlock's to clear.
VENV_MARKER=.pip-airlock-venv

# An existing VENV_DIR is ours to use (and to rebuild) only with the marker. A venv an earlier release of
# pip-airlock made (no marker yet) is recognised by the keyring link on PATH that only the bootstrap makes.
venv_is_ours() {
  [[ -d $VENV_DIR && ! -L $VENV_DIR ]] || return 1
  [[ -f ${VENV_DIR}/${VENV_MARKER} ]] && return 0
  if [[ -f ${VENV_DIR}/pyvenv.cfg && $(readlink -- "$KEYRING_LINK" 2>/dev/null) == "${VENV_DIR}/bin/keyring" ]]; then
    printf '%s\n' "$CONFIG_HEADER" >"${VENV_DIR}/${VENV_MARKER}"
    log "adopted ${VENV_DIR}, made by an earlier pip-airlock (${KEYRING_LINK} leads into it): marked it"
    return 0
  fi
  return 1
}

ensure_venv() {
  local want have=
  if [[ -e $VENV_DIR || -L $VENV_DIR ]] && ! venv_is_ours; then
    log "${VENV_DIR} exists but pip-airlock did not create it (no ${VENV_MARKER}): left untouched; set hosts.keyringVenv to a new directory, or remove this one"
    return 1
  fi
  want=$(python_minor python3)
  if [[ -x ${VENV_DIR}/bin/python ]]; then
    have=$(python_minor "${VENV_DIR}/bin/python" 2>/dev/null || true)
  fi
  if [[ $have == "$want" ]]; then
    log "venv ${VENV_DIR} (python ${have}) is in place"
    return 0
  fi
  # --without-pip: works without python3-venv/ensurepip; pip comes from the mirrored wheel below.
  # --clear: a venv of another python (after a distribution upgrade) is rebuilt from scratch; only ever
  # one with the marker (above).
  log "creating the venv ${VENV_DIR} for python ${want}${have:+ (was ${have})}"
  mkdir -p -- "$(dirname -- "$VENV_DIR")"
  python3 -m venv --clear --without-pip "$VENV_DIR"
  printf '%s\n' "$CONFIG_HEADER" >"${VENV_DIR}/${VENV_MARKER}"
  CHANGES=$((CHANGES + 1))
}

venv_satisfies() {
  "${VENV_DIR}/bin/python" -c "$SATISFIED_PY" "$@" >/dev/null 2>&1
}

ensure_venv_pip() {
  if venv_satisfies "$BOOTSTRAP_PIP"; then
    log "venv pip satisfies ${BOOTSTRAP_PIP}: $("${VENV_DIR}/bin/python" -m pip --version)"
    return 0
  fi
  obtain_pip_wheel
  # A pip wheel runs itself: this needs neither ensurepip nor any pip on the system, and the venv's
  # python is not "externally managed" (PEP 668).
  log "bootstrapping pip from ${PIP_WHEEL_FILE}"
  PIP_CONFIG_FILE=/dev/null "${VENV_DIR}/bin/python" "${PIP_WHEEL_PATH}/pip" install \
    --no-index --no-cache-dir --disable-pip-version-check --no-input --quiet "$PIP_WHEEL_PATH"
  venv_satisfies "$BOOTSTRAP_PIP" || { log "pip in the venv does not satisfy ${BOOTSTRAP_PIP}"; return 1; }
  CHANGES=$((CHANGES + 1))
}

# pip, run so that it retries every HTTP 429 and waits a bounded time. By itself pip retries 500, 502,
# 503, 520 and 527 (pip/_internal/network/session.py), and urllib3 under it a 429 only when it carries
# Retry-After, then waiting as long as that says: without a bound (urllib3 1.26) or up to six hours
# (2.x). Here a 429 is retried with or without Retry-After; the Nth retry of a request waits at least
# 2^(N-1) s (so repeated 429s back off exponentially), at least what Retry-After says, at most the
# first argument in seconds, plus up to half more at random (without Retry-After: between half that
# and that); pip's own --retries bounds how often. The rest of the arguments are pip's. A pip whose
# internals differ runs unchanged.
PIP_RETRY_PY='
import random, sys
cap = float(sys.argv[1])
try:
    from pip._internal.network import session
    Base = session.urllib3.Retry

    class Retry(Base):
        def __init__(self, *args, **kwargs):
            forcelist = kwargs.get("status_forcelist")
            if forcelist is not None and 429 not in forcelist:
                kwargs["status_forcelist"] = [*forcelist, 429]
            super().__init__(*args, **kwargs)

        def floor(self):
            return min(2.0 ** max(len(self.history) - 1, 0), cap)

        def get_retry_after(self, response):
            seconds = super().get_retry_after(response)
            if seconds is None:
                return None
            seconds = min(max(float(seconds), self.floor()), cap)
            return seconds + random.uniform(0, seconds / 2)

        def get_backoff_time(self):
            if not self.history:
                return 0
            seconds = self.floor()
            return seconds / 2 + random.uniform(0, seconds / 2)

    session.urllib3.Retry = Retry
except Exception as err:
    print(f"pip-airlock: pip runs with its own retries only ({err})", file=sys.stderr)
from pip._internal.cli.main import main
sys.argv = ["pip"] + sys.argv[2:]
sys.exit(main())
'

# One install attempt from the auth repo's index (no bundle), with a fresh token in pip's environment
# (pip redacts the password wherever it logs the URL). /etc/pip.conf is ignored: it points at the
# private repo.
install_helpers() {
  fetch_token || return 1
  PIP_CONFIG_FILE=/dev/null PIP_KEYRING_PROVIDER=disabled PIP_NO_CACHE_DIR=1 \
    PIP_INDEX_URL="https://oauth2accesstoken:${TOKEN}@${AUTH_REPO_INDEX_URL#https://}" \
    timeout -k 10 "$INSTALL_TIMEOUT_SECONDS" "${VENV_DIR}/bin/python" -c "$PIP_RETRY_PY" "$RETRY_AFTER_MAX_SECONDS" install \
    --upgrade --upgrade-strategy eager \
    --disable-pip-version-check --no-input --progress-bar off --timeout "$PIP_SOCKET_TIMEOUT_SECONDS" \
    "${PACKAGES[@]}" "$VENV_TOOL" || return 1
}

# The install from the verified bundle: offline, every wheel checked against the manifest's sha256
# again by pip (--require-hashes), no request to Artifact Registry.
install_from_bundle() {
  PIP_CONFIG_FILE=/dev/null timeout -k 10 "$INSTALL_TIMEOUT_SECONDS" "${VENV_DIR}/bin/python" -m pip install \
    --no-index --find-links "${WORK_DIR}/bundle/wheels" --require-hashes -r "${WORK_DIR}/bundle/install.txt" \
    --no-cache-dir --disable-pip-version-check --no-input --progress-bar off --quiet
}

helpers_installed() {
  venv_satisfies "${PACKAGES[@]}" "$VENV_TOOL" &&
    PIP_CONFIG_FILE=/dev/null "${VENV_DIR}/bin/python" -m pip check >/dev/null 2>&1
}

# Which bundle the keyring venv was last installed from (file name and sha256), next to the marker.
BUNDLE_RECORD=.pip-airlock-bundle

# The venv's distributions, `name==version` a line (pip freeze, offline).
venv_freeze() {
  PIP_CONFIG_FILE=/dev/null "${VENV_DIR}/bin/python" -m pip freeze --all --disable-pip-version-check 2>/dev/null | LC_ALL=C sort
}

# Logs what an install changed in the venv (from the freeze before, in FILE) and counts it: a release the
# mirror picked up later (a CVE fix) is a change like any other.
report_upgrades() {
  local before=$1 line changed=0
  while read -r line; do
    log "helpers: ${line}"
    changed=$((changed + 1))
  done < <(diff <(sed 's/==/ /' "$before") <(venv_freeze | sed 's/==/ /') | awk '
    /^< / { old[$2] = $3 } /^> / { new[$2] = $3 }
    END { for (p in new) print p, (p in old ? old[p] : "(new)"), "->", new[p]; for (p in old) if (!(p in new)) print p, old[p], "-> (gone)" }' | LC_ALL=C sort)
  if ((changed > 0)); then
    CHANGES=$((CHANGES + 1))
    log "helpers: ${changed} distribution(s) changed"
  fi
}

# On every boot, the newest the auth repo serves: with a bundle, exactly its pins (a new bundle, as the
# mirror uploads one when a release appears, is installed over the old one; the same bundle again
# changes nothing and costs no request); without one, pip upgrades to the newest versions the index
# serves within the spec (eager: a dependency's fix too).
ensure_helpers() {
  local before="${WORK_DIR}/freeze-before.txt" record
  venv_freeze >"$before"
  if [[ $HELPERS_SOURCE == bundle ]]; then
    record="${BUNDLE_FILE} ${BUNDLE_SHA256}"
    if [[ $(cat -- "${VENV_DIR}/${BUNDLE_RECORD}" 2>/dev/null) == "$record" ]] && helpers_installed; then
      log "already installed from ${BUNDLE_FILE}: ${PACKAGES[*]} ${VENV_TOOL}"
      return 0
    fi
    retry "download ${BUNDLE_FILE}" fetch_bundle
    log "installing ${PACKAGES[*]} ${VENV_TOOL} from ${BUNDLE_FILE}, offline"
    install_from_bundle
    helpers_installed || { log "${BUNDLE_FILE} does not hold what ${PACKAGES[*]} ${VENV_TOOL} need: run the mirror again"; return 1; }
    printf '%s\n' "$record" >"${VENV_DIR}/${BUNDLE_RECORD}"
  else
    retry "pip install --upgrade ${PACKAGES[*]} ${VENV_TOOL}" install_helpers
  fi
  report_upgrades "$before"
}

# ensure_link LINK TARGET: a symlink on PATH to a tool of the keyring venv.
ensure_link() {
  local link=$1 target=$2
  [[ -x $target ]] || { log "${target} is missing"; return 1; }
  if [[ -L $link && $(readlink -- "$link") == "$target" ]]; then
    log "unchanged: ${link} -> ${target}"
    return 0
  fi
  mkdir -p -- "$(dirname -- "$link")"
  ln -sfn -- "$target" "$link"
  CHANGES=$((CHANGES + 1))
  log "linked ${link} -> ${target}"
}

# Why this step: `keyring-provider = subprocess` needs pip >= 23.1; older pips ignore the setting and
# then fail to authenticate. On Debian 12 (and Ubuntu 24.04), `python3 -m venv` does not use a pip
# bundled with Python: Debian's ensurepip installs the wheels of sysconfig's WHEEL_PKG_DIR
# (/usr/share/python-wheels, from python3-pip-whl: pip 23.0.1 on Debian 12), and when a package has
# several wheels there the one whose file name sorts last wins (sorted(os.listdir()), no version
# comparison). So a fresh venv of any user would be born with a pip that cannot use keyring, and
# upgrading it would itself need the authentication it lacks. Placing the mirrored pip wheel (already
# in hand, sha256-checked) next to Debian's makes it the one every new venv is born with. Debian's
# own files are left alone (dpkg keeps owning them; a later python3-pip-whl >= 23.1 simply takes
# over again when its name sorts last). Existing venvs and `virtualenv` (own embedded wheels) are not
# affected; nothing happens where the system's venv pip is already new enough, or without
# WHEEL_PKG_DIR (then ensurepip uses the pip bundled with that Python).
ensure_venv_wheel() {
  local wheel_dir last version
  wheel_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("WHEEL_PKG_DIR") or "")')
  if [[ -z $wheel_dir || ! -d $wheel_dir ]]; then
    # Not Debian's layout (RHEL and Rocky's python3 keep no WHEEL_PKG_DIR, or its directory is not
    # installed): `python3 -m venv` seeds whatever pip ensurepip bundles. Nothing of Python's own is changed.
    version=$(python3 -c 'import ensurepip; print(ensurepip.version())' 2>/dev/null || true)
    if [[ -z $version ]]; then
      log "python3 has no ensurepip (and no WHEEL_PKG_DIR directory ${wheel_dir:-either}): 'python3 -m venv' cannot seed pip on this host; users create venvs with ${VENV_TOOL} (${VENV_TOOL_LINK})"
    elif pip_has_keyring_provider "$version"; then
      log "python3 has no WHEEL_PKG_DIR${wheel_dir:+ directory}: 'python3 -m venv' seeds the pip ${version} that ensurepip bundles, new enough for keyring-provider"
    else
      log "warning: python3 has no WHEEL_PKG_DIR${wheel_dir:+ directory}: 'python3 -m venv' seeds the pip ${version} that ensurepip bundles, which ignores keyring-provider (needs >= 23.1), and Python's own files are left alone: users create venvs with ${VENV_TOOL} (${VENV_TOOL_LINK})"
    fi
    return 0
  fi
  last=$(find "$wheel_dir" -maxdepth 1 -name 'pip-*.whl' -printf '%f\n' | LC_ALL=C sort | tail -n1)
  if [[ -z $last ]]; then
    log "no pip wheel in ${wheel_dir}: left as is"
    return 0
  fi
  version=${last#pip-}
  version=${version%%-*}
  if pip_has_keyring_provider "$version"; then
    log "new venvs get ${last} from ${wheel_dir}: new enough for keyring-provider"
    return 0
  fi
  obtain_pip_wheel
  install -m 0644 -- "$PIP_WHEEL_PATH" "${wheel_dir}/${PIP_WHEEL_FILE}"
  CHANGES=$((CHANGES + 1))
  last=$(find "$wheel_dir" -maxdepth 1 -name 'pip-*.whl' -printf '%f\n' | LC_ALL=C sort | tail -n1)
  if [[ $last == "$PIP_WHEEL_FILE" ]]; then
    log "placed ${PIP_WHEEL_FILE} in ${wheel_dir}: new venvs are born with it"
  else
    log "warning: placed ${PIP_WHEEL_FILE} in ${wheel_dir} but ${last} sorts after it; new venvs keep ${last}"
  fi
}

write_configs() {
  local header=$CONFIG_HEADER
  # pip (>= 23.1), every user and every venv: only Artifact Registry, credentials from the keyring CLI.
  write_if_changed /etc/pip.conf 644 "${header}
[global]
index-url = ${INDEX_URL}
keyring-provider = subprocess
"
  # uv reads the system-level /etc/uv/uv.toml the same way.
  write_if_changed /etc/uv/uv.toml 644 "${header}
keyring-provider = \"subprocess\"

[[index]]
name = \"airlock\"
url = \"${INDEX_URL}\"
default = true
"
  # twine: `twine upload -r airlock dist/*` (the password comes from keyring, which must be importable
  # where twine runs). Root's own file, and /etc/skel's for users created later.
  local pypirc="${header}
[distutils]
index-servers =
    airlock

[airlock]
repository = ${UPLOAD_REPO_URL}
username = oauth2accesstoken
"
  write_if_changed /root/.pypirc 600 "$pypirc"
  write_if_changed /etc/skel/.pypirc 644 "$pypirc"
}

# The keyring CLI on PATH answers for the index with a token (kept in a variable, then discarded), and
# Artifact Registry accepts it: what pip will do for every user. Artifact Registry serves no root
# listing (`.../simple/` is 404 even with valid credentials: bazel-contrib/rules_python#3709, #3826),
# only per-project pages, so the probe asks for one project's page: 200 (served) or 404 (a repo that
# does not hold it, e.g. a fresh private repo) prove the credentials were accepted; 401/403 do not.
probe_index() {
  local password code page service=${INDEX_URL/oauth2accesstoken@/}
  page="${service%/}/$(requirement_project "${PACKAGES[0]}")/"
  password=$("$KEYRING_LINK" get "$service" oauth2accesstoken 2>/dev/null) || return 1
  [[ -n $password ]] || { log "keyring returned no password for ${service}"; return 1; }
  code=$(printf 'user = "oauth2accesstoken:%s"\n' "$password" |
    curl -K - -sS --connect-timeout 10 --max-time 60 -D "${WORK_DIR}/probe.headers" -o /dev/null -w '%{http_code}' "$page") || return 1
  case $code in
    200 | 404) log "probe ${page}: HTTP ${code}, credentials accepted" ;;
    401 | 403) AR_REJECTED=1; log "probe ${page}: HTTP ${code}, credentials rejected"; return 1 ;;
    429 | 503) RETRY_AFTER=$(retry_after_of "${WORK_DIR}/probe.headers"); log "probe ${page}: HTTP ${code}${RETRY_AFTER:+ (Retry-After ${RETRY_AFTER}s)}"; return 1 ;;
    *) log "probe ${page}: HTTP ${code}"; return 1 ;;
  esac
}

# as_user COMMAND...: COMMAND as the unprivileged PROBE_USER, with a clean environment and the probe's home.
as_user() {
  runuser -u "$PROBE_USER" -- env -i HOME="${PROBE_DIR}/home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"
}

# The last probe does what a user does (the README's `virtualenv v && v/bin/pip install …`): as an
# unprivileged user with a clean environment and an empty home, a throwaway venv made with the linked
# venv tool, whose own pip (the one the venv tool seeds, which may be newer than the keyring venv's)
# reads the system pip config as that user sees it and fetches a project of the helpers' index through
# the keyring CLI, no credential given. The helpers' index is the repository certain to hold a project
# (a fresh private repo is empty); probe_index has shown that the configured index accepts this host.
# Returns 100 (permanent, so `failed`) when the user's pip cannot work with the keyring the auth repo
# serves or AR rejects it, 1 (retried) otherwise.
probe_user() {
  local venv="${PROBE_DIR}/home/v" project rc=0 venv_pip keyring_version
  project=$(requirement_project "${PACKAGES[0]}")
  command -v runuser >/dev/null 2>&1 || { log "no runuser (util-linux) to run the user probe with"; return 100; }
  rm -rf -- "${PROBE_DIR:?}/home"
  as_user mkdir -m 0700 -- "${PROBE_DIR}/home" || return 1
  if ! as_user timeout -k 10 "$INSTALL_TIMEOUT_SECONDS" "$VENV_TOOL_LINK" --quiet --no-periodic-update -- "$venv" \
    >"${PROBE_DIR}/venv.log" 2>&1; then
    log "user probe: '${VENV_TOOL} v' failed as ${PROBE_USER}:"
    tail -n 5 -- "${PROBE_DIR}/venv.log" | sed 's/^/  | /'
    return 1
  fi
  # Through PIP_RETRY_PY, so that a fleet's probes wait out Artifact Registry's quota (HTTP 429) as told.
  as_user timeout -k 10 "$INSTALL_TIMEOUT_SECONDS" "${venv}/bin/python" -c "$PIP_RETRY_PY" "$RETRY_AFTER_MAX_SECONDS" download --no-deps --dest "${PROBE_DIR}/home/dl" \
    --disable-pip-version-check --no-input --progress-bar off --timeout "$PIP_SOCKET_TIMEOUT_SECONDS" \
    --index-url "https://oauth2accesstoken@${AUTH_REPO_INDEX_URL#https://}" "$project" >"${PROBE_DIR}/pip.log" 2>&1 || rc=$?
  venv_pip=$(as_user "${venv}/bin/python" -c 'from importlib.metadata import version; print(version("pip"))' 2>/dev/null || echo unknown)
  if ((rc == 0)); then
    log "user probe: as ${PROBE_USER}, a fresh ${VENV_TOOL} venv's pip ${venv_pip} fetched ${project} through keyring"
    return 0
  fi
  keyring_version=$(venv_keyring_version 2>/dev/null || echo unknown)
  log "user probe: as ${PROBE_USER}, a fresh ${VENV_TOOL} venv's pip ${venv_pip} could not fetch ${project} (exit ${rc}):"
  tail -n 5 -- "${PROBE_DIR}/pip.log" | sed 's/^/  | /'
  # pip >= 26.2 asks keyring --mode=creds and refuses a keyring CLI older than 25.2.1 (pypa/pip#14150).
  if grep -q 'Keyring util is outdated' -- "${PROBE_DIR}/pip.log" ||
    "${VENV_DIR}/bin/python" -c 'import sys; from pip._vendor.packaging.version import Version as V; sys.exit(not (V(sys.argv[1]) >= V("26.2") and V(sys.argv[2]) < V("25.2.1")))' \
      "$venv_pip" "$keyring_version" 2>/dev/null; then
    log "the venv's pip ${venv_pip} needs keyring >= 25.2.1; the auth repo serves ${keyring_version}: mirror a newer keyring (mirror.packages or the lock)"
    USER_PROBE_BROKEN=1
    return 100
  fi
  if grep -qE '\b(401|403)\b' -- "${PROBE_DIR}/pip.log"; then
    AR_REJECTED=1
    return 100
  fi
  return 1
}

# A configuration an earlier boot completed: the helpers installed and linked, pip configured.
already_configured() {
  [[ -x ${VENV_DIR}/bin/python ]] && helpers_installed &&
    [[ $(readlink -- "$KEYRING_LINK" 2>/dev/null) == "${VENV_DIR}/bin/keyring" ]] &&
    [[ -f /etc/pip.conf && $(head -n1 -- /etc/pip.conf) == "$CONFIG_HEADER" ]] &&
    grep -qxF "index-url = ${INDEX_URL}" /etc/pip.conf
}

# The host keeps the configuration of an earlier boot but could not check it against Artifact
# Registry this boot (unreachable, say): it reports `ready-stale` with the step that could not run,
# and exits 0. Nothing was removed or half-changed: every change is made only after its inputs are in hand.
finish_stale() {
  log "could not complete step ${STEP}; the configuration of an earlier boot stays in place"
  write_configs
  guest_attr stale-step "$STEP"
  guest_attr changes "$CHANGES"
  STEP=finished
  guest_attr status ready-stale
  log "ready-stale: keyring $(venv_keyring_version), ${CHANGES} change(s) this boot, Artifact Registry not verified"
  exit 0
}

main() {
  step validate
  validate_settings
  HOST_PYTHON=$(python3 -c 'import platform; print(platform.python_version())')
  check_mirrored_target
  log "bootstrapping ${PACKAGES[*]} from ${AUTH_REPO_INDEX_URL} (${AR_HOST}) into ${VENV_DIR}"
  guest_attr status running
  WORK_DIR=$(mktemp -d -t pip-airlock-bootstrap.XXXXXX)
  declare -g -a REQUIRED_PROJECTS=()
  local requirement
  for requirement in "${PACKAGES[@]}"; do
    REQUIRED_PROJECTS+=("$(requirement_project "$requirement")")
  done
  REQUIRED_PROJECTS+=(pip "$(requirement_project "$VENV_TOOL")")
  if already_configured; then
    CONFIGURED=1
    log "an earlier boot left a working configuration: if Artifact Registry cannot be reached, it is kept (status ready-stale)"
  fi

  step token
  retry "metadata token" fetch_token || { ((CONFIGURED)) && finish_stale; exit 1; }

  # On a fresh deployment both hosts boot together, and the mirror needs minutes (boot, apt, PyPI):
  # the wait has its own bound (the example's 32 polls, 30s apart at most: about 14 minutes). A host
  # already configured only checks for updates: max_attempts polls.
  step wait-for-auth-repo
  local polls=$WAIT_ATTEMPTS
  ((CONFIGURED)) && polls=$MAX_ATTEMPTS
  MAX_ATTEMPTS=$polls retry "waiting for the auth repo" helpers_served || { ((CONFIGURED)) && finish_stale; exit 1; }

  step venv
  ensure_venv
  ensure_venv_pip

  step install
  ensure_helpers
  ensure_link "$KEYRING_LINK" "${VENV_DIR}/bin/keyring"
  ensure_link "$VENV_TOOL_LINK" "${VENV_DIR}/bin/virtualenv"

  step venv-wheel
  ensure_venv_wheel

  step configure
  write_configs

  step probe
  # Unreachable: a host configured earlier and unchanged this boot is ready-stale. Rejected: failed.
  retry "probe ${INDEX_URL} through keyring" probe_index ||
    { ((CONFIGURED && CHANGES == 0 && !AR_REJECTED)) && finish_stale; exit 1; }
  PROBE_DIR=$(mktemp -d -t pip-airlock-probe.XXXXXX)
  chown -- "${PROBE_USER}:" "$PROBE_DIR"
  retry "probe as a user: ${VENV_TOOL} v && v/bin/pip" probe_user ||
    { ((CONFIGURED && CHANGES == 0 && !AR_REJECTED && !USER_PROBE_BROKEN)) && finish_stale; exit 1; }

  STEP=finished
  guest_attr changes "$CHANGES"
  guest_attr status ready
  log "ready: keyring $(venv_keyring_version), ${CHANGES} change(s) this boot"
}

main "$@"
