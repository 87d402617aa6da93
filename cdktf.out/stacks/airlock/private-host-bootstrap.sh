#!/usr/bin/env bash
# pip-airlock: a startup script, rendered from assets/trampoline.sh.mustache (the same template for the
# public host's mirror and the private hosts' bootstrap; SCRIPT says which one this is).
#
# It only carries the host agent (agent/pip_airlock_agent/, one Python zipapp, base64 below) and its
# settings (the JSON the synth also writes as <name>.settings.json) to this host: it finds a python3,
# writes both into a private temporary directory, checks the zipapp against the sha256 it was rendered
# with, and runs it. What the agent does, step by step, it logs itself in the same format as here.
# A host where it cannot start the agent reports failed at step validate, as the agent would.
#
# Every value below is one single-quoted shell word (startup-script/shell-quote.ts): nothing in it is
# ever expanded or run by bash.
set -euo pipefail
cd /
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

SCRIPT='bootstrap'
METADATA_HOST='metadata.google.internal'
GUEST_ATTR_NAMESPACE='pip-airlock'
SETTINGS_JSON='{
  "AR_HOST": "us-central1-python.pkg.dev",
  "AUTH_REPO_INDEX_URL": "https://us-central1-python.pkg.dev/airlock-example/pip-auth-repo/simple/",
  "METADATA_HOST": "metadata.google.internal",
  "GUEST_ATTR_NAMESPACE": "pip-airlock",
  "MAX_ATTEMPTS": 8,
  "MAX_BACKOFF_SECONDS": 30,
  "RETRY_AFTER_MAX_SECONDS": 120,
  "VENV_TOOL": "virtualenv",
  "PIP_SOCKET_TIMEOUT_SECONDS": 60,
  "INDEX_URL": "https://oauth2accesstoken@us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/simple/",
  "UPLOAD_REPO_URL": "https://us-central1-python.pkg.dev/airlock-example/my-private-pip-packages/",
  "PACKAGES": [
    "keyring",
    "keyrings.google-artifactregistry-auth"
  ],
  "WAIT_ATTEMPTS": 32,
  "BOOTSTRAP_PIP": "pip>=23.1",
  "MIRRORED_TARGETS": [
    "3.11.2:x86_64:2.36"
  ],
  "VENV_DIR": "/opt/pip-airlock/keyring",
  "OWNED_ROOTS": [
    "/opt/pip-airlock",
    "/var/lib/pip-airlock"
  ],
  "PRODUCT_STATE_PATHS": [
    "/var/lib/pip-airlock/guest-attribute-writes",
    "/var/lib/pip-airlock/mirror-work"
  ],
  "INSTALL_TIMEOUT_SECONDS": 600
}
'
AGENT_SHA256='118cf9a9f7e98547e2cacd6a5510794461cb7066411a35d47fb840ff100cba23'
AGENT_ZIP_B64='UEsDBBQAAAAIAAAAIQDEAT+yjQAAAKgAAAALAAAAX19tYWluX18ucHkljb0OgjAUhXee4oRFGeji
5mbUwQEddIeGVLmRtje3l8Ty9Na4np/vq+v6MTmsxJZ5k+CCSgZHCrqHliapFV24TaMQK1Ss5zhT
cJAlJAycdYphh/YC+ypvw3nF8dZ1h+sJxpjBFEX1lOjBxL0lmeP47v/bcSZQ4YnCWwpVJZaSwz0n
df78Id3+4m3TVF9QSwMEFAAAAAgAAAAhAEauOTdQAAAAWQAAAB0AAABwaXBfYWlybG9ja19hZ2Vu
dC9fX2luaXRfXy5weQ3MMQ6AIAwF0N1T/LCogxzA2zTQCKGBhtbB28v+8kIIWvWiOmWkthvKMAc9
3B0HQYUSlyGZJ97uVeCFMZkESqktB6Ge7YYxI0mN+p1xpdsPUEsDBBQAAAAIAAAAIQD2b0bdzgMA
AKQIAAAYAAAAcGlwX2FpcmxvY2tfYWdlbnQvY2xpLnB5jVVNb9w2EL3rV0x5sYTuso5zKdSqgBG0
TQAjMVJfiu1Cy0ijFbMSqZLUukaQ/94hKe2XAyO6iOLMPHLevBkxxm5h6ESFre5qNKAbcC1Cq60D
sUXlrixUuu+FqqGTChdgdfBwRvSD9ltQCQWf/I7EGpAcnfYvniSbT1o7S64DLJcWnZNqa+GPd3e/
b8AjbnppjDbPjYORyoVzZsMV7PDJhiiDbjQKrn9JNk6YLbrlIAe4//vh7Yf3cPvxzVvCg/t39+Xt
xz//2oAZlQXv8ShdGzBR7aXRqqf0oBdmh8bGxAWdGRAhfaSPxGAlB7Q/9WKHy05XO25bqPWj6rSo
bQBcgLABdEql1mgzDg+0Y1B0MIhqR0TSR6DZ+0oLjeyQJ8R+0hjdQ1k2I+WEZQmSWDXEvVLaCSe1
skky75ntIIzF+fuz1Wpe2ycbodzTQHTNMHfSugV8GDyQ6JIkqbGhlKVKCWyfHywr77iiSq3XUMB7
rTCD5W9ARcgToMd7k6Ejr5SO4v579Spfg2yijXLyUYCdxbCThbjJvMpfEW4BK3YsGFtHaP9MFY3G
kozhev6ACBPSNnSBmQJ+a7ajr999sKSD0duCUeBSSOMLtQziZafhXNR1SQAhLmWTqtkCqlZLqkyx
Yge50i6LBWVnV7jAOOqWAgz+O0qDdfFgRoxB5Gnp1lNsePloG9KLLkGUesBQEctnvAWJtNI1LQs2
umb5M8u80Jr2SNqhZYqgBO41mTZthPVFsq7Wo+OPRjpMmzN2voTDJgq+5kesL1cLuOKfNSnEkoCw
TmdTln39R02Ezh04CeqibnmQXVDTuYpI79/TsbnvVpo7XqcLkM6vYpPiXnSjoFtBQ6325v7JtVrN
OLQKUHdSjf9x31uTArtI7j6DX+E1UGAQ180afiiASshOKI2soTETa2y0JKR8yvClW3POD/ScUHQT
xRMuuqA8qjYMUQIKQoiS3q+u1zRHguTnxet8HUJDU5M7L/c0U7VXkR8oJz0+kZMEdz+4y9P5Vsx2
TpUSY3dmjTEnJTyxpdmRF9omoEvs9Jgt7fJxqKk06WHvmDhd3ViaMwXjLGor7nM7dJLaiLNsld+s
s8W3Ypux6w4AE5FnfkRDh/4+YVyWSvRYsCp6shddX0Klae1IZH05XeM8tGCT+C4OOERNlS7min/b
i/TmsC9YkOwFFNnK2bFg9KN95qHtlOygrTw1PlMhlSeW+gUtUIGfi+BCgtTJaOh3watOct+eRw3S
muaT17Vfx9PmPwVBr/z4YWv48SD900FCuOkcGhbeIfOtep0l/wNQSwECFAMUAAAACAAAACEAxAE/
so0AAACoAAAACwAAAAAAAAAAAAAApIEAAAAAX19tYWluX18ucHlQSwECFAMUAAAACAAAACEARq45
N1AAAABZAAAAHQAAAAAAAAAAAAAApIG2AAAAcGlwX2FpcmxvY2tfYWdlbnQvX19pbml0X18ucHlQ
SwECFAMUAAAACAAAACEA9m9G3c4DAACkCAAAGAAAAAAAAAAAAAAApIFBAQAAcGlwX2FpcmxvY2tf
YWdlbnQvY2xpLnB5UEsFBgAAAAADAAMAygAAAEUFAAAAAA=='

log() {
  printf '%s pip-airlock-%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT" validate "$*"
}

# Best effort and brief: a report that cannot be published must not hide the failure in the log.
guest_attr() {
  if printf '%s' "$2" | curl -fsS --connect-timeout 3 --max-time 10 -X PUT --data-binary @- \
    -H 'Metadata-Flavor: Google' \
    "http://${METADATA_HOST}/computeMetadata/v1/instance/guest-attributes/${GUEST_ATTR_NAMESPACE}/$1" >/dev/null 2>&1; then
    log "guest attribute $1 published"
  else
    log "warning: could not publish guest attribute $1"
  fi
}

# The agent cannot start: say why, report failed at validate (1 s apart: GCE drops bursts of writes), stop.
fail() {
  log "$1"
  log "FAILED at step validate (exit 1)"
  guest_attr failed-step validate
  sleep 1
  guest_attr status failed
  exit 1
}

# The first python3 that is CPython 3.9 or newer: on PATH, then where Debian and RHEL keep theirs.
python=
too_old=
for candidate in "$(command -v python3 || true)" /usr/bin/python3 /usr/libexec/platform-python; do
  if [[ -z $candidate || ! -f $candidate || ! -x $candidate ]]; then
    continue
  fi
  if "$candidate" -I -c 'import sys; sys.exit(sys.version_info < (3, 9))' </dev/null >/dev/null 2>&1; then
    python=$candidate
    break
  fi
  too_old+=" ${candidate}"
done
if [[ -z $python ]]; then
  fail "python3 is required (CPython 3.9 or newer${too_old:+; too old:${too_old}})"
fi

# The agent's directory goes when this script ends, whatever the outcome.
dir=
trap 'if [[ -n $dir ]]; then rm -rf -- "$dir"; fi' EXIT
if ! dir=$(mktemp -d /tmp/pip-airlock-agent.XXXXXX); then
  dir=
  fail "cannot create a private directory in /tmp for the host agent"
fi

if ! printf '%s' "$AGENT_ZIP_B64" | base64 -d >"${dir}/agent.pyz" 2>/dev/null; then
  fail "cannot unpack the host agent this script carries (not valid base64, or /tmp is full): refusing to run it"
fi
actual=$(sha256sum "${dir}/agent.pyz")
actual=${actual%% *}
if [[ $actual != "$AGENT_SHA256" ]]; then
  fail "the host agent this script carries has sha256 ${actual}, not ${AGENT_SHA256}: refusing to run it"
fi
if ! printf '%s' "$SETTINGS_JSON" >"${dir}/settings.json"; then
  fail "cannot write the settings into ${dir}"
fi

# Not exec: the trap removes the directory once the agent is done.
status=0
"$python" -I "${dir}/agent.pyz" "$SCRIPT" --settings "${dir}/settings.json" || status=$?
exit "$status"
