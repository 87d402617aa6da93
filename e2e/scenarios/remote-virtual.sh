#!/usr/bin/env bash
# Scenario remote-virtual: config/example.json with mode "remote" and the virtual repository enabled,
# synthesized by the app (no public side at all). The fake AR's remote repository proxies the fake
# PyPI (fetching and caching on demand); the virtual repository lists a project's files merged across
# its upstreams (private 100, remote 50, from the synth; priority decides only for the same file), as
# Google documents. The bootstrap, unchanged, installs the helpers from the remote repository; a user
# then installs through the virtual one. Dependency confusion: PyPI carries airlock-private-demo 99.0.0,
# a higher version of the private package's name: an unpinned install takes it (what the README's Trust
# says), one pinned with the private wheel's hash gets the private 1.0.0. No sdist is ever built: PyPI
# also serves zipp 99.0 (a dependency of the helpers) as an sdist only, whose build backend would leave
# a marker when loaded; the bootstrap must install the newest wheels and never fetch it.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$0")/../lib.sh"
# This scenario changes the fake PyPI: a copy of its own (the files are links).
cp -a -- "$E2E_PYPI" "${SW}/pypi"
PYPI_ROOT="${SW}/pypi"
SDIST_MARKER=/var/tmp/pip-airlock-e2e-sdist-built
SDIST=$("$PY" "${SIM}/scenario_data.py" add-sdist "$PYPI_ROOT" zipp 99.0 "$SDIST_MARKER") || die "no sdist release"
load_scripts "$E2E_SCRIPTS_REMOTE"
[[ ! -f $MIRROR_SH ]] || die "a remote-mode synth has no mirror host"
REMOTE_REPO=$AUTH_REPO
world_up
host_new priv private

boot priv bootstrap "$BOOTSTRAP_SH" 300
check "remote mode: the bootstrap (as synthesized) exits 0" rc_is bootstrap 0
check "remote mode: last accepted status=ready, no write dropped" attrs_honest priv ready
proxied() {
  ar_files >"${STATE}/ar-files.json"
  # pip is bootstrapped from it too; every helper of the closure came through the remote repository
  "$PY" "${SIM}/checks.py" repo-has-projects "${STATE}/ar-files.json" "$REMOTE_REPO" "$CLOSURE"
}
check "remote mode: the helpers' whole closure came from PyPI through the AR remote repository (cached there)" proxied
no_sdist_built() {
  [[ ! -e $(hostdir priv)/upper${SDIST_MARKER} ]] || { echo "an sdist was built: $(cat "$(hostdir priv)/upper${SDIST_MARKER}")"; return 1; }
  [[ ! -e ${STATE}/ar/${REMOTE_REPO}/${SDIST} ]] || { echo "the remote repository fetched ${SDIST} for the host"; return 1; }
  ! grep -q "GET /files/${SDIST}" "${LOGS}/pypi.log" || { echo "PyPI served ${SDIST}"; return 1; }
  grep -q "GET /simple/zipp/" "${LOGS}/pypi.log" || { echo "zipp's page was never read: the test was not real"; return 1; }
}
check "remote mode: pip never builds an sdist (zipp 99.0, sdist only and newest, was never fetched nor built: no marker, not in the remote repository, never served by PyPI)" no_sdist_built
# INDEX_URL: the bootstrap's published settings (load_scripts reads its .settings.json).
[[ $INDEX_URL == */pip-all/simple/ ]] || die "the pip index is not the virtual repository (${INDEX_URL})"

on_host priv user bash -euc 'useradd -m -s /bin/bash alice' >"${LOGS}/useradd.log" 2>&1
as_alice() { on_host priv user runuser -u alice -- env -i HOME=/home/alice PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 bash -c "cd && $1"; }
RC=0
as_alice 'virtualenv v && v/bin/pip install airlock-private-demo idna' >"${LOGS}/user.log" 2>&1 || RC=$?
PRIVATE_WHEEL=$(cd "$E2E_PRIVATE_SEED" && ls airlock_private_demo-1.0.0-*.whl)
PRIVATE_SHA=$(sha256sum "${E2E_PRIVATE_SEED}/${PRIVATE_WHEEL}" | cut -d' ' -f1)
RC_PINNED=0
as_alice "printf 'airlock-private-demo==1.0.0 --hash=sha256:%s\n' ${PRIVATE_SHA} >req.txt && virtualenv w && w/bin/pip install --require-hashes -r req.txt" \
  >"${LOGS}/user-pinned.log" 2>&1 || RC_PINNED=$?
confusion() {
  ((RC == 0)) || { tail -n 20 "${LOGS}/user.log"; return 1; }
  local site
  site="$(hostdir priv)/upper/home/alice/v/lib/python3.11/site-packages"
  [[ -d ${site}/airlock_private_demo-99.0.0.dist-info ]] || { echo "the merged list did not offer PyPI's 99.0.0: $(cd "$site" && echo ./*airlock*)"; return 1; }
  ls -d "${site}"/idna-*.dist-info >/dev/null || { echo "idna (public, through the remote upstream) missing"; return 1; }
  ((RC_PINNED == 0)) || { tail -n 20 "${LOGS}/user-pinned.log"; return 1; }
  site="$(hostdir priv)/upper/home/alice/w/lib/python3.11/site-packages"
  grep -qx 'MESSAGE = "hello from the private repo"' "${site}/airlock_private_demo/__init__.py" ||
    { echo "pinned install got: $(cat "${site}/airlock_private_demo/__init__.py")"; return 1; }
}
check "virtual repo (merged list, as documented): an unpinned install takes PyPI's 99.0.0 of the private name; pinned with the private wheel's hash it gets the private 1.0.0; public packages come through" confusion
attack_exists() {
  as_alice "v/bin/pip download --no-deps -d /tmp/x --index-url 'https://oauth2accesstoken@${AR_HOST}/${REMOTE_REPO}/simple/' airlock-private-demo" \
    >"${LOGS}/user-remote.log" 2>&1 || { tail -n 10 "${LOGS}/user-remote.log"; return 1; }
  [[ -n $(find "$(hostdir priv)/tmp/user" -name 'airlock_private_demo-99.0.0-*.whl') ]] || { echo "the remote repository did not serve 99.0.0"; return 1; }
}
check "virtual repo: the same name through the remote repository alone is PyPI's 99.0.0 (the attack the priorities stop)" attack_exists
finish
