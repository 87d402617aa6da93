#!/usr/bin/env bash
# Scenario faults-mirror: the public host's mirror against what goes wrong on the way to and from it.
# Each fault ends within its bound in status=failed with the precise failed-step, nothing half
# written (the auth repo holds no file; the mirror's work directory is gone).
#   - a CPython 3.12 target (an Ubuntu 24.04 fleet, say): the wheelhouse has the binary wheels (cffi,
#     charset-normalizer) for cp311 only, so pip download finds no complete closure for 3.12:
#     the mirror must fail, not upload half
#   - PyPI unreachable (connection refused), PyPI stalling (accepts, never answers)
#   - Artifact Registry stalling mid-upload (takes half the request body, then hangs)
#   - with stop_when_done, a failed mirror still powers its VM off after reporting failed (so that the
#     schedule's next start runs it again, and no VM with internet egress and the write token stays up)
# Only retry settings and time bounds are changed in the variants (short, so the test is quick).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
world_up
host_new pub-a public
host_new pub-b public
FAST=(MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1)

# The synthesized config's one target (Debian 12) with CPython 3.12 and Ubuntu 24.04's glibc 2.39 tags in its place.
PY312_TAGS=$(seq 39 -1 17 | sed 's/.*/manylinux_2_&_x86_64/' | paste -sd, -),manylinux2014_x86_64
variant "$MIRROR_SH" "${SW}/py312.sh" "${FAST[@]}" "TARGETS=(3.12.3:x86_64:${PY312_TAGS})" "MIRRORED_TARGETS=(3.12.3:x86_64:2.39)"
variant "$MIRROR_SH" "${SW}/pypi-down.sh" "${FAST[@]}" SOURCE_INDEX_URL=https://pypi-down.test/simple/ STOP_WHEN_DONE=true
variant "$MIRROR_SH" "${SW}/pypi-stall.sh" "${FAST[@]}" SOURCE_INDEX_URL=https://pypi-stalled.test/simple/ \
  DOWNLOAD_TIMEOUT_SECONDS=20 PIP_SOCKET_TIMEOUT_SECONDS=5
variant "$MIRROR_SH" "${SW}/ar-stall.sh" "${FAST[@]}" UPLOAD_TIMEOUT_SECONDS=15

(
  boot pub-a py312 "${SW}/py312.sh" 300
  rm -f "$(hostdir pub-a)/upper/var/log/systemctl-stand-in.log" # the power-offs of the pypi-down boot alone
  boot pub-a pypi-down "${SW}/pypi-down.sh" 300
) &
A=$!
(
  boot pub-b pypi-stall "${SW}/pypi-stall.sh" 300
  ar_faults '{"upload_stall": 1000, "stall_seconds": 600}'
  boot pub-b ar-stall "${SW}/ar-stall.sh" 300
  ar_faults '{"upload_stall": 0}'
) &
B=$!
wait "$A" || true
wait "$B" || true

auth_repo_empty() {
  local files
  ar_files >"${STATE}/ar-files.json"
  files=$(repo_files "${STATE}/ar-files.json" "$AUTH_REPO") || return 1
  [[ -z $files ]] || { echo "the auth repo holds $(tr '\n' ' ' <<<"$files")"; return 1; }
  [[ -z $(find "${STATE}/ar" -name '*.part') ]] || { echo "a partial file was kept"; return 1; }
}
check "python 3.12 target with no cp312 binary wheels (charset-normalizer, cffi) on PyPI: failed-step=download, status=failed, within 120 s" failed_within pub-a py312 download 120
check "PyPI unreachable: failed-step=download, status=failed, within 60 s" failed_within pub-a pypi-down download 60
check "PyPI stalling: pip download is bounded, failed-step=download, status=failed, within 120 s" failed_within pub-b pypi-stall download 120
check "PyPI unreachable: last accepted status=failed, no write dropped" attrs_honest pub-a failed
powered_off_after_failed() {
  local f
  f=$(on_disk pub-a /var/log/systemctl-stand-in.log)
  [[ $(cat "$f" 2>/dev/null) == poweroff ]] || { echo "the systemctl stand-in recorded '$(cat "$f" 2>/dev/null)'"; return 1; }
  "$PY" "${SIM}/harness.py" written-after "$f" "${STATE}/guest-attributes-pub-a.log" "${GUEST_ATTR_NAMESPACE}/status" failed
}
check "PyPI unreachable with stop_when_done: the mirror reports failed, then powers its VM off (systemctl poweroff, recorded after the failed status)" powered_off_after_failed
check "AR stalling mid-upload: twine is bounded, failed-step=upload, status=failed, within 120 s" failed_within pub-b ar-stall upload 120
check "AR stalling mid-upload: last accepted status=failed, no write dropped" attrs_honest pub-b failed
stalled() { (($(ar_stat stalls) >= 2)) || { echo "the AR stalled $(ar_stat stalls) upload(s)"; return 1; }; }
check "AR stalling mid-upload: every attempt hit the stall (the fault was real)" stalled
check "nothing half-written: after all four faults the auth repo holds no file and no partial upload" auth_repo_empty
finish
