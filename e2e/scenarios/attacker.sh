#!/usr/bin/env bash
# Scenario attacker: what someone already on a private host, or in control of root's working
# directory and environment, can make the bootstrap (running as root) do. The auth repo holds the
# Debian 12 and Debian 13 closures and a bundle of each (as a mirror for both targets leaves it); every
# host runs the synthesized bootstrap with both targets in MIRRORED_TARGETS.
#   - local12 (Debian 12), local13 (Debian 13): while the bootstrap runs, two local users (`nobody`, and
#     `mallory`, a fresh account) loop over every directory they can write (sim/local_attacker.sh),
#     planting symbolic links named like everything the old scripts and the agent used, and replacing
#     every file they can with one, pointing at a root-only secret (/root/secret) and at a would-be
#     cron file (/etc/cron.d/pwned). The boot must end ready, no cron file may appear, the secret must
#     stay where it is and show up in no log, guest attribute or file outside /root.
#   - local12 again, with the pip index's read grant revoked and the attackers at work: the probe must
#     still fail (failed at probe): they cannot make a configuration that does not work look ready.
#   - hijack12: the bootstrap run from a directory holding json.py, base64.py, hashlib.py, zipfile.py,
#     urllib/, encodings/, sitecustomize.py, ... and fake python3, base64, sha256sum, mktemp, curl, date,
#     rm, with PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, PYTHONUSERBASE and PATH pointing there
#     (sim/hijack_kit.sh): none of them may run (no marker), the boot ends ready.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
load_scripts "$E2E_SCRIPTS"
read -r PY13 GLIBC13 <<<"$(image_target debian-13)"
TARGET12=${MIRRORED_TARGETS[0]}
TARGET13="${PY13}.0:x86_64:2.${GLIBC13}"
seed_auth_repo
seed_auth_repo debian-13
seed_bundle debian-12 "$TARGET12" >/dev/null
seed_bundle debian-13 "$TARGET13" >/dev/null
world_up
host_new local12 private
host_new local13 private --image debian-13
host_new hijack12 private
variant "$BOOTSTRAP_SH" "${SW}/both.sh" "MIRRORED_TARGETS=(${TARGET12} ${TARGET13})"
variant "$BOOTSTRAP_SH" "${SW}/both-fast.sh" "MIRRORED_TARGETS=(${TARGET12} ${TARGET13})" MAX_ATTEMPTS=2 MAX_BACKOFF_SECONDS=1

# The boot with local attackers: a root-only secret (made once per host), the fresh user mallory, both
# attackers at work (each has finished a round) before the synthesized script starts, stopped after it.
cat >"${SW}/attacked-boot.sh" <<'WRAPPER'
#!/bin/bash
set -u
if [[ ! -s /root/secret ]]; then
  (umask 077 && printf 'pip-airlock-e2e-secret-%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >/root/secret)
fi
id mallory >/dev/null 2>&1 || useradd -m -s /bin/bash mallory
rm -f /tmp/attack-stop /var/tmp/attack-nobody.report /home/mallory/attack.report
setsid runuser -u nobody -- bash /tmp/local-attacker.sh /tmp/attack-stop /var/tmp/attack-nobody.report </dev/null >/dev/null 2>&1 &
n=$!
setsid runuser -u mallory -- bash /tmp/local-attacker.sh /tmp/attack-stop /home/mallory/attack.report </dev/null >/dev/null 2>&1 &
m=$!
for _ in $(seq 1 600); do
  if [[ -s /var/tmp/attack-nobody.report && -s /home/mallory/attack.report ]]; then break; fi
  sleep 0.1
done
rc=0
bash /tmp/trampoline.sh || rc=$?
touch /tmp/attack-stop
sleep 1
kill -KILL -- "-${n}" "-${m}" 2>/dev/null || true
exit "$rc"
WRAPPER
# The boot from a hijacked working directory and environment (the synthesized script, unchanged).
cat >"${SW}/hijacked-boot.sh" <<'WRAPPER'
#!/bin/bash
set -euo pipefail
mapfile -t hijack < <(bash /tmp/hijack-kit.sh /opt/hijack /var/tmp/hijack-markers)
cd /opt/hijack
exec /usr/bin/env "${hijack[@]}" /bin/bash /tmp/trampoline.sh
WRAPPER
attacked_boot() { # attacked_boot HOST LOG SCRIPT
  install -m 0755 "$3" "$(hostdir "$1")/tmp-trampoline.sh"
  install -m 0755 "${SIM}/local_attacker.sh" "$(hostdir "$1")/tmp-local-attacker.sh"
  boot "$1" "$2" "${SW}/attacked-boot.sh" 600
}

attacked_boot local12 attack12 "${SW}/both.sh" &
A12=$!
attacked_boot local13 attack13 "${SW}/both.sh" &
A13=$!
install -m 0755 "${SW}/both.sh" "$(hostdir hijack12)/tmp-trampoline.sh"
install -m 0755 "${SIM}/hijack_kit.sh" "$(hostdir hijack12)/tmp-hijack-kit.sh"
boot hijack12 hijack "${SW}/hijacked-boot.sh" 600 &
H=$!
wait "$A12" || true
wait "$A13" || true
wait "$H" || true

# The attack was real: both attackers made rounds while the bootstrap ran, and their links are there.
attack_real() { # attack_real HOST
  local up r
  up="$(hostdir "$1")/upper"
  for r in var/tmp/attack-nobody.report home/mallory/attack.report; do
    read -r rounds planted _ dirs <"${up}/${r}" 2>/dev/null || { echo "no report ${r}"; return 1; }
    ((rounds >= 2 && planted > 0 && dirs > 0)) || { echo "${r}: ${rounds} rounds, ${planted} links, ${dirs} directories"; return 1; }
    echo "${r}: ${rounds} rounds, ${planted} links planted in ${dirs} directories"
  done
  [[ -L ${up}/var/tmp/venv.log && -L ${up}/home/mallory/pip.log ]] || { echo "no planted link in /var/tmp or mallory's home"; return 1; }
}
# secret_kept HOST LOG...: the secret is still root's alone, no cron file appeared, and the secret's
# text is in no log of those boots, no guest attribute and no file of the host outside /root.
secret_kept() {
  local host=$1 up secret hits
  shift
  up="$(hostdir "$host")/upper"
  secret=$(cat "${up}/root/secret") || { echo "no /root/secret"; return 1; }
  [[ $secret == pip-airlock-e2e-secret-* ]] || { echo "/root/secret was overwritten: ${secret:0:80}"; return 1; }
  [[ $(stat -c '%U %a' "${up}/root/secret") == "root 600" ]] || { echo "/root/secret is $(stat -c '%U %a' "${up}/root/secret")"; return 1; }
  [[ ! -e ${up}/etc/cron.d/pwned && ! -L ${up}/etc/cron.d/pwned ]] || { echo "/etc/cron.d/pwned exists"; return 1; }
  hits=$({
    find "$up" -path "${up}/root" -prune -o -type f -print0
    find "$(hostdir "$host")/tmp" "${STATE}/guest-attributes-${host}.log" "${STATE}/guest-attributes-${host}.json" "${@/#/${LOGS}/}" -type f -print0
  } 2>/dev/null | xargs -0 grep -laF -e "$secret" 2>/dev/null || true)
  [[ -z $hits ]] || { echo "the secret is in: ${hits}"; return 1; }
}
ready_after() { rc_is "$2" 0 && attrs_honest "$1" ready; } # ready_after HOST LOG
keyring_runs() { on_host "$1" check "${VENV_DIR}/bin/python" -I -c 'import keyring, keyrings.gauth'; }

check "local attackers on Debian 12: nobody and mallory planted links in every directory they could write, round after round, while the bootstrap ran" attack_real local12
check "local attackers on Debian 12: the bootstrap still ends ready (exit 0, last status ready)" ready_after local12 attack12
check "local attackers on Debian 12: no /etc/cron.d/pwned, /root/secret still root's alone, and its text in no log, guest attribute or file outside /root" \
  secret_kept local12 attack12.log
check "local attackers on Debian 12: the keyring venv works (keyring and the AR backend import)" keyring_runs local12
check "local attackers on Debian 13: they were at work during the boot" attack_real local13
check "local attackers on Debian 13: the bootstrap still ends ready (exit 0, last status ready)" ready_after local13 attack13
check "local attackers on Debian 13: no /etc/cron.d/pwned, /root/secret still root's alone, and its text in no log, guest attribute or file outside /root" \
  secret_kept local13 attack13.log
check "local attackers on Debian 13: the keyring venv works (keyring and the AR backend import)" keyring_runs local13

no_marker() {
  local m
  m=$(find "$(hostdir hijack12)/upper/var/tmp/hijack-markers" -mindepth 1 -printf '%f ' 2>/dev/null) || { echo "no marker directory: the kit did not run"; return 1; }
  [[ -z $m ]] || { echo "hijacked: ${m}"; return 1; }
  [[ -f $(hostdir hijack12)/upper/opt/hijack/json.py ]] || { echo "the kit is missing"; return 1; }
}
check "hijacked working directory and PYTHONPATH/PYTHONSTARTUP/PYTHONHOME/PYTHONUSERBASE/PATH: no stand-in module or command ran (no marker)" no_marker
check "hijacked working directory and environment: the bootstrap ends ready (exit 0, last status ready)" ready_after hijack12 hijack

# The configuration stops working (the host's read grant on the pip index is revoked) while the
# attackers are at work again: the probe must still fail.
ar_revoke "$INDEX_REPO" "$(world_identity bootstrap)"
attacked_boot local12 attack12-revoked "${SW}/both-fast.sh"
# (failed_within's "no pip-airlock-* left in /tmp" does not apply: the attackers planted links of those names there)
failed_at() { # failed_at LOG STEP SECONDS
  [[ $(rc_of "$1") != 0 && $(rc_of "$1") != 124 ]] || { echo "exit $(rc_of "$1")"; tail -n 20 "${LOGS}/$1.log"; return 1; }
  "$PY" "${SIM}/harness.py" below "$(duration_of "$1")" "$3" || { echo "took $(duration_of "$1")s, bound $3s"; return 1; }
  [[ $(attr_after "$1" status) == failed ]] || { echo "status '$(attr_after "$1" status)'"; return 1; }
  [[ $(attr_after "$1" failed-step) == "$2" ]] || { echo "failed-step '$(attr_after "$1" failed-step)', expected $2"; tail -n 15 "${LOGS}/$1.log"; return 1; }
}
check "local attackers cannot make a configuration that does not work pass: with the index's read grant revoked the boot fails at probe (not ready, not ready-stale)" \
  failed_at attack12-revoked probe 180
check "local attackers, second boot: no /etc/cron.d/pwned, the secret still root's alone and in no log or file outside /root" \
  secret_kept local12 attack12.log attack12-revoked.log
finish
