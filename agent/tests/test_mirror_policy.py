"""mirror.run with its policy: test_mirror.py's fake host, whose fake pip now reads each project's page through
the index the mirror gives it (the cooldown's loopback filter, for real), over the fake PyPI, OSV and Integrity
API; and this machine's real pip, through the real zipapp's target-pip shim and the filter, over a loopback
fake PyPI, picking the newest release old enough."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import zipapp

import pytest

from policy_fakes import DAY, FakePyPI, github, stamp
from test_mirror import AGENT_DIR, PYTHON, Host, RealPip, make_wheel, raw_settings
from pip_airlock_agent import mirror
from pip_airlock_agent.errors import PolicyRefused
from pip_airlock_agent.http import Transport
from pip_airlock_agent.names import wheel_project
from pip_airlock_agent.policy import Policy
from pip_airlock_agent.runner import Completed

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

ON = {"MIN_RELEASE_AGE_DAYS": 7, "VULNERABILITIES": "refuse", "PROVENANCE": "refuse-changed"}


def policy_raw(**changes):
    raw = raw_settings()
    raw["POLICY"] = dict(raw["POLICY"], **ON)
    raw.update(changes)
    return raw


class PolicyHost(Host):
    def __init__(self, tmp_path, raw=None) -> None:
        super().__init__(tmp_path, raw or policy_raw())
        self.now = self.clock.time()
        self.pypi = FakePyPI()
        for names in self.closures.values():
            for name in names:
                if not any(name == n for entries in self.pypi.files.values() for n, _, _ in entries):
                    self.pypi.add(name, stamp(self.now - 30 * DAY))
                    self.pypi.provenance[name] = github("owner/" + wheel_project(name))
        self.state = str(tmp_path / "state" / "publishers.json")
        self.policy = Policy(self.settings, self.ctx, transport=self.pypi, state_path=self.state)
        self.indexes = []

    def run(self):
        return mirror.run(self.settings, self.ctx, work_dir=self.work_dir, python=PYTHON, which=self.which, policy=self.policy,
                          published_record=self.record)

    def pip(self, argv, kwargs):
        """pip: each project's page from the index it was given; a file that page does not list is not found."""
        index = argv[argv.index("--index-url") + 1]
        python = argv[argv.index("--python-version") + 1]
        self.indexes.append(index)
        if not self.pip_answers and index.startswith("http://127.0.0.1:"):
            for name in self.closures[python]:
                project = wheel_project(name)
                try:
                    with urllib.request.urlopen(index + project + "/", timeout=10) as resp:
                        listed = [f["filename"] for f in json.loads(resp.read())["files"]]
                except urllib.error.HTTPError as err:
                    listed = []
                    err.close()
                if name not in listed:
                    return Completed(argv, 1, f"ERROR: Could not find a version that satisfies the requirement {project} (from versions: none)\n"
                                              f"ERROR: No matching distribution found for {project}\n")
        return super().pip(argv, kwargs)


@pytest.fixture
def host(tmp_path):
    return PolicyHost(tmp_path)


def test_the_policy_runs_between_the_download_and_the_upload(host):
    host.run()
    steps = [line.split("step: ")[1] for line in host.lines if "step: " in line]
    assert steps == ["validate", "tools", "token", "download", "policy", "upload", "report"]
    # pip was given the cooldown's loopback index, one filter for both targets
    assert len(set(host.indexes)) == 1 and host.indexes[0].startswith("http://127.0.0.1:") and host.indexes[0].endswith("/simple/")
    argv = host.calls("pip")[0][0]
    assert argv[argv.index("--index-url") + 1] == host.indexes[0]
    keys = [k for k, _ in host.attrs.published]
    assert keys.index("policy") < keys.index("manifest")
    policy = dict(host.attrs.published)["policy"].splitlines()
    assert policy[0] == "cooldown 7d (cutoff 2027-01-08T08:00:00Z): 8 files kept, 0 releases skipped for age"
    assert policy[1:] == ["vulnerabilities (refuse): 7 releases checked", "provenance (refuse-changed): 7 projects: 7 first-seen",
                          "pairing 3.11.2:x86_64: pip 25.0 (virtualenv 20.31.2 seeds 25.1.1 for 3.11) with keyring 25.6.0: ok",
                          "pairing 3.9.2:aarch64: pip 25.0 (virtualenv 20.31.2 seeds 25.1.1 for 3.9) with keyring 25.6.0: ok"]
    report = host.policy.report
    assert sorted(report.decisions) == sorted({n for names in host.closures.values() for n in names})
    assert len(report.upload_times) == 8
    assert len(host.calls("twine")) == 1 and len(host.repo.uploads) == 11  # with the signed set
    with open(host.state) as fh:
        assert json.load(fh)["projects"]["keyring"]["publisher"] == "github:owner/keyring"
    assert host.lines[-1].endswith("11 uploaded by this run")


def test_an_advisory_refuses_the_run_before_anything_is_uploaded(host):
    host.pypi.advisories[("keyring", "25.6.0")] = ["GHSA-xxxx-yyyy-zzzz"]
    with pytest.raises(PolicyRefused, match="keyring 25.6.0 has the advisory GHSA-xxxx-yyyy-zzzz"):
        host.run()
    assert host.log.current_step == "policy"
    assert host.calls("twine") == [] and host.repo.uploads == [] and host.repo.requests == 0
    assert "manifest" not in dict(host.attrs.published)
    assert "refused: keyring 25.6.0 has the advisory GHSA-xxxx-yyyy-zzzz" in dict(host.attrs.published)["policy"]
    assert host.clock.sleeps == []  # not retried
    assert not os.path.lexists(host.work_dir) and not os.path.exists(host.state)


def test_a_changed_publisher_refuses_the_next_run(host, tmp_path):
    host.run()
    again = PolicyHost(tmp_path / "again")
    again.state = host.state
    again.policy.records.path = host.state
    again.pypi.provenance["keyring-25.6.0-py3-none-any.whl"] = github("mallory/keyring")
    with pytest.raises(PolicyRefused, match="keyring: publisher changed from github:owner/keyring to github:mallory/keyring"):
        again.run()
    assert again.calls("twine") == []


def test_the_cooldown_leaving_no_release_fails_the_download_at_once(host):
    host.pypi.files["keyring"] = [(n, stamp(host.now - 3600), d) for n, _, d in host.pypi.files["keyring"]]
    with pytest.raises(PolicyRefused, match="the cooldown \\(POLICY.MIN_RELEASE_AGE_DAYS 7\\) leaves no release of keyring that pip can use for CPython 3.11.2"):
        host.run()
    assert host.log.current_step == "download"
    assert len(host.calls("pip")) == 1 and host.clock.sleeps == []  # a refusal is not retried
    assert any(line.startswith("[download] skipped for age: keyring 25.6.0: 1 file(s) uploaded ") for line in host.lines)
    assert host.calls("twine") == []


def test_an_exempt_project_gets_its_urgent_release(tmp_path):
    h = PolicyHost(tmp_path, policy_raw())
    h.settings = h.settings.replace(policy=dict(h.settings.policy, AGE_EXEMPT=["keyring"]))
    h.policy = Policy(h.settings, h.ctx, transport=h.pypi, state_path=h.state)
    h.pypi.files["keyring"] = [(n, stamp(h.now - 3600), d) for n, _, d in h.pypi.files["keyring"]]
    h.run()
    assert "keyring-25.6.0-py3-none-any.whl" in h.repo.uploads
    assert h.policy.report.decisions["keyring-25.6.0-py3-none-any.whl"][0].startswith("kept: exempt from the cooldown (POLICY.AGE_EXEMPT)")


def test_a_source_without_upload_times_is_refused_at_the_download(host):
    host.pypi.html = True
    with pytest.raises(PolicyRefused, match="POLICY.MIN_RELEASE_AGE_DAYS is 7, but https://pypi.org/simple/ gives no PEP 700 upload-time"):
        host.run()
    assert host.log.current_step == "download" and len(host.calls("pip")) == 1


def test_without_a_cooldown_pip_gets_the_source_index(tmp_path):
    h = PolicyHost(tmp_path, policy_raw())
    h.settings = h.settings.replace(policy=dict(h.settings.policy, MIN_RELEASE_AGE_DAYS=0))
    h.policy = Policy(h.settings, h.ctx, transport=h.pypi, state_path=h.state)
    h.run()
    assert set(h.indexes) == {"https://pypi.org/simple/"}
    assert dict(h.attrs.published)["policy"].splitlines()[0] == "cooldown off: 8 files kept"


# --- this machine's pip, through the zipapp's target-pip and the filter ----------------------------------------
def test_real_pip_takes_the_newest_release_old_enough(tmp_path):
    if not os.path.exists(PYTHON):
        pytest.skip("no /usr/bin/python3")
    pypi = FakePyPI()
    origin = pypi.serve()
    try:
        wheels = tmp_path / "wheels"
        wheels.mkdir()
        h = Host(tmp_path / "host", raw_settings(PACKAGES=["keyring", "top"], BOOTSTRAP_PIP="pip",
                                                 TARGETS=["3.9.2:x86_64:manylinux2014_x86_64", "3.11.2:x86_64:manylinux2014_x86_64"],
                                                 MIRRORED_TARGETS=["3.9.2:x86_64:2.17", "3.11.2:x86_64:2.17"]))
        now = h.clock.time()
        old, young = stamp(now - 30 * DAY), stamp(now - 2 * DAY, fraction=True)
        for name, version, requires, when in [
                ("top", "1.0", ["dep"], stamp(now - 90 * DAY)),
                ("top", "1.5", ["dep>=1.1", 'old; python_version < "3.10"'], old),
                ("top", "2.0", ["dep>=2"], young),
                ("dep", "1.0", [], stamp(now - 90 * DAY)), ("dep", "1.1", [], old), ("dep", "2.0", [], young),
                ("old", "1.0", [], old), ("pip", "99.0", [], old), ("virtualenv", "99.0", [], old), ("keyring", "25.7.0", [], old)]:
            path = make_wheel(str(wheels), name, version, requires)
            with open(path, "rb") as fh:
                pypi.add(os.path.basename(path), when, fh.read())
            pypi.provenance[os.path.basename(path)] = github(f"owner/{name}")
        h.settings = h.settings.replace(source_index_url=origin + "/simple/", policy=dict(
            h.settings.policy, **ON, OSV_URL=origin + "/v1/querybatch", INTEGRITY_URL=origin + "/integrity/"))
        pyz = str(tmp_path / "agent.pyz")
        zipapp.create_archive(AGENT_DIR, pyz, filter=lambda p: p.parts[0] != "tests" and "__pycache__" not in p.parts)
        h.ctx.runner = RealPip(h, pyz)
        policy = Policy(h.settings, h.ctx, transport=Transport(), state_path=str(tmp_path / "state" / "publishers.json"))
        mirror.run(h.settings, h.ctx, work_dir=h.work_dir, python=PYTHON, which=h.which, policy=policy, published_record=h.record)
    finally:
        pypi.close()
    sent = sorted(os.path.basename(p) for p in h.calls("twine")[0][0][10:] if not os.path.basename(p).startswith("pip_airlock_"))
    assert sent == ["dep-1.1-py3-none-any.whl", "keyring-25.7.0-py3-none-any.whl", "old-1.0-py3-none-any.whl", "pip-99.0-py3-none-any.whl",
                    "top-1.5-py3-none-any.whl", "virtualenv-99.0-py3-none-any.whl"]
    # pip went through the filter for the pages (no warning about an insecure host) and straight to the files
    argv = h.calls("pip")[0][0]
    index = argv[argv.index("--index-url") + 1]
    assert index.startswith("http://127.0.0.1:") and not index.startswith(origin)
    assert not any("trusted" in line or "insecure" in line.lower() for line in h.lines)
    pages = [(url, headers.get("Accept")) for method, url, headers, _ in pypi.requests if "/simple/" in url]
    assert pages and all(accept == "application/vnd.pypi.simple.v1+json" for _, accept in pages)
    assert len(pages) == len({u for u, _ in pages})  # the filter asked each page once for both targets
    files = [url for method, url, headers, _ in pypi.requests if "/files/" in url]
    assert sorted({u.rsplit("/", 1)[1] for u in files if u.endswith(".whl")}) == sent  # once per target
    lines = h.lines
    assert any(line.startswith("[download] skipped for age: top 2.0: 1 file(s) uploaded ") for line in lines)
    assert any(line.startswith("[download] skipped for age: dep 2.0: 1 file(s) uploaded ") for line in lines)
    assert f"[policy] policy: top-1.5-py3-none-any.whl: kept: uploaded {old}, older than the 7-day cooldown" in lines
    assert policy.report.upload_times["top-1.5-py3-none-any.whl"] == old
    assert policy.report.publishers["top"] == "github:owner/top"
    assert [r for r in pypi.requests if r[0] == "POST"]  # OSV asked
