# shellcheck shell=bash
# Assertions shared by the scenarios (the commands `check` runs): a boot's exit code and bounds, the
# guest attributes the fake metadata server accepted, its counters. Each prints why when it fails.

rc_is() { # rc_is LOG CODE: that boot exited CODE (else shows its log's end)
  [[ $(rc_of "$1") == "$2" ]] || { echo "exit $(rc_of "$1"), expected $2"; tail -n 30 "${LOGS}/$1.log"; return 1; }
}

# Guest attributes as the fake metadata server accepted them.
attr() { # attr HOST KEY
  "$PY" "${SIM}/harness.py" guest-attr "${STATE}/guest-attributes-$1.json" "${GUEST_ATTR_NAMESPACE}/$2" 2>/dev/null
}
attr_after() { # attr_after LOG KEY: as the fake held it when that boot ended
  "$PY" "${SIM}/harness.py" guest-attr "${STATE}/attrs-$1.json" "${GUEST_ATTR_NAMESPACE}/$2" 2>/dev/null
}
attr_is() { # attr_is HOST KEY VALUE
  local got
  got=$(attr "$1" "$2")
  [[ $got == "$3" ]] || { echo "guest attribute $2 of $1 is '${got}', expected '$3'"; return 1; }
}
# attrs_honest HOST STATUS: no write of HOST was dropped, and the last status the fake accepted is STATUS.
attrs_honest() {
  "$PY" "${SIM}/harness.py" attrs-honest "${STATE}/guest-attributes-$1.log" "${GUEST_ATTR_NAMESPACE}/status" "$2"
}
# metadata_stat HOST KEY: a counter of the host's metadata server (pings, token_requests, ...).
metadata_stat() { "$PY" "${SIM}/harness.py" json-field "${STATE}/metadata-stats-$1.json" "$2"; }

# failed_within HOST LOG STEP SECONDS: that boot failed (not killed by the harness' time box) within
# SECONDS, left no work directory in /tmp, and the fake then held status=failed, failed-step=STEP.
failed_within() {
  local host=$1 log=$2 step=$3 secs=$4
  [[ $(rc_of "$log") != 0 && $(rc_of "$log") != 124 ]] || { echo "exit $(rc_of "$log")"; tail -n 20 "${LOGS}/${log}.log"; return 1; }
  "$PY" "${SIM}/harness.py" below "$(duration_of "$log")" "$secs" || { echo "took $(duration_of "$log")s, bound ${secs}s"; return 1; }
  [[ -z $(find "$(hostdir "$host")/tmp/${log}" -maxdepth 1 -name 'pip-airlock-*') ]] || { echo "work directory left in /tmp"; return 1; }
  [[ ! -e $(hostdir "$host")/upper/var/lib/pip-airlock/mirror-work ]] || { echo "the mirror's work directory was left on disk"; return 1; }
  [[ $(attr_after "$log" status) == failed ]] || { echo "status '$(attr_after "$log" status)'"; return 1; }
  [[ $(attr_after "$log" failed-step) == "$step" ]] || { echo "failed-step '$(attr_after "$log" failed-step)', expected ${step}"; tail -n 15 "${LOGS}/${log}.log"; return 1; }
}
