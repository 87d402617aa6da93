# shellcheck shell=bash
# pip-airlock e2e: what every scenario sources (e2e/scenarios/*.sh, which e2e/run.sh runs): the
# scenario's frame (its work directories, its cleanup) and the scripts under test; the rest of the
# harness is in e2e/harness/ (tally.sh: checks and the result; world.sh: the services namespace and
# the fake servers; hosts.sh: the hosts, on_host and boot; assertions.sh; closure.sh: the auth repo as
# a mirror leaves it), its Python in e2e/sim/harness.py.
#
# A scenario builds its own world: a services namespace (fake AR on the Google API VIP, fake PyPI,
# a stalling PyPI, the local Debian archives) and hosts, each a network namespace with its own
# metadata server and a persistent disk (an overlay over the cached rootfs of its image: Debian 12 by
# default, or Debian 13). Checks assert observable state only: exit codes, files on the hosts' disks,
# the fake AR's files and counters, the guest attributes the fake metadata server accepted.
#
# From run.sh (environment): E2E_ROOT, E2E_WORK (the run's work dir), E2E_SCRIPTS (the synthesized
# scripts and world.json of config/example.json; E2E_SCRIPTS_REMOTE, _IMAGES for the variants),
# E2E_ROOTFS, E2E_ARCHIVE (Debian 12), E2E_ROOTFS_TRIXIE, E2E_ARCHIVE_TRIXIE (Debian 13), E2E_WHEELS_EXTRA
# (the repacked wheels the fake PyPI serves too), E2E_PKI, E2E_PYPI, E2E_PRIVATE_SEED.
set -euo pipefail

SIM="${E2E_ROOT}/e2e/sim"
PY=/usr/bin/python3
SCENARIO=$(basename "$0" .sh)
SW="${E2E_WORK}/scenarios/${SCENARIO}"   # this scenario's work dir
STATE="${SW}/state"
LOGS="${SW}/logs"
mkdir -p "$STATE" "$LOGS"
PIDS=()  # the fake servers (and a scenario's own helpers), ended at exit
NETNS=() # the namespaces, deleted at exit
ID=$(printf '%05d' $(($$ % 100000)))
HARNESS="$(dirname "${BASH_SOURCE[0]}")/harness"
# shellcheck source-path=SCRIPTDIR source=harness/tally.sh
source "${HARNESS}/tally.sh"
# shellcheck source-path=SCRIPTDIR source=harness/world.sh
source "${HARNESS}/world.sh"
# shellcheck source-path=SCRIPTDIR source=harness/hosts.sh
source "${HARNESS}/hosts.sh"
# shellcheck source-path=SCRIPTDIR source=harness/assertions.sh
source "${HARNESS}/assertions.sh"
# shellcheck source-path=SCRIPTDIR source=harness/closure.sh
source "${HARNESS}/closure.sh"

scenario_cleanup() {
  local rc=$? pid ns
  # Only a process that is still this shell's child: a service that exited early left its PID free, and
  # on a busy machine (fleet-boot starts tens of thousands of processes) another scenario's may have it.
  for pid in "${PIDS[@]}"; do
    if [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == "$$" ]]; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  write_result "$rc"
}
trap scenario_cleanup EXIT
trap 'exit 130' INT TERM

# settings SCRIPT: the settings the synth published beside the script (SCRIPT.settings.json, see
# extract_scripts.py), as shell assignments: NAME='value', or NAME=('item' ...) for a list.
settings() { "$PY" "${SIM}/harness.py" settings "${1%.sh}.settings.json"; }
url_host() { local u=${1#*://}; u=${u#*@}; printf '%s\n' "${u%%/*}"; }
url_repo() { local u=${1#*://}; u=${u#*/}; cut -d/ -f1-2 <<<"$u"; }

# load_scripts DIR: the synthesized scripts of one config, and what they talk to.
load_scripts() {
  local dir=$1
  BOOTSTRAP_SH="${dir}/bootstrap.sh"
  MIRROR_SH="${dir}/mirror.sh"
  WORLD="${dir}/world.json"
  eval "$(settings "$BOOTSTRAP_SH" | sed -e 's/^PACKAGES=/B_PACKAGES=/' -e 's/^MAX_ATTEMPTS=/B_MAX_ATTEMPTS=/')"
  if [[ -f $MIRROR_SH ]]; then
    eval "$(settings "$MIRROR_SH" | sed -e 's/^PACKAGES=/M_PACKAGES=/' -e 's/^MAX_ATTEMPTS=/M_MAX_ATTEMPTS=/')"
  fi
  # Google APIs as the private network reaches them (the synth's DNS zone and route): the fake AR
  # listens on that VIP, and the private VMs' only route is to that range.
  AR_IP=$("$PY" "${SIM}/harness.py" json-field "$WORLD" vip)
  VIP_RANGE=$("$PY" "${SIM}/harness.py" json-field "$WORLD" vip_range)
  # cloudkms.googleapis.com: the VIP range's next address (googleapis.com resolves into the range).
  KMS_IP="${AR_IP%.*}.$((${AR_IP##*.} + 1))"
  AUTH_REPO=$(url_repo "$AUTH_REPO_INDEX_URL")
  # shellcheck disable=SC2034 # used by the scenarios
  INDEX_REPO=$(url_repo "$INDEX_URL")
  PRIVATE_REPO=$(url_repo "$UPLOAD_REPO_URL")
}

# agent_pyz: the host agent the synthesized scripts carry (the zipapp in AGENT_ZIP_B64, sha256-checked
# against AGENT_SHA256 as the trampoline checks it), decoded once per scenario; prints its path. The
# harness runs the product's own code with it (`python3 -I AGENT.pyz bundle-build ...`) instead of
# cutting code out of a script.
agent_pyz() {
  local pyz="${STATE}/agent.pyz" script=$MIRROR_SH
  [[ -f $script ]] || script=$BOOTSTRAP_SH
  if [[ ! -f $pyz ]]; then
    "$PY" "${SIM}/harness.py" agent-zip "$script" "$pyz" >/dev/null || die "agent_pyz: no valid agent in ${script}"
  fi
  printf '%s\n' "$pyz"
}
# bundle_name TARGET: the bundle project of a target word PYTHON:ARCH:GLIBC, by the agent's names.bundle_project.
bundle_name() { "$PY" "${SIM}/harness.py" bundle-name "$1"; }
# variant SCRIPT OUT NAME=VALUE...: the script with only the named settings changed.
variant() { "$PY" "${SIM}/variant.py" "$@"; }

