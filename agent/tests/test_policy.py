"""policy: the checks of the step `policy` over downloaded closures, and the cooldown's part in the download,
against the fake PyPI, OSV and Integrity API (an injected transport); the clock never sleeps."""
from __future__ import annotations

import json
import os
import random
import types
import urllib.error
import urllib.request

import pytest

from fakes import FakeClock, logger
from policy_fakes import DAY, FakePyPI, github, stamp, unreachable
from pip_airlock_agent import settings as settings_module
from pip_airlock_agent.errors import PolicyRefused, Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.policy import Policy
from pip_airlock_agent.retry import RetryPolicy
from wheels import real_shaped_virtualenv

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = FakeClock().time()
OLD = stamp(NOW - 30 * DAY)
YOUNG = stamp(NOW - 1 * DAY)
T311 = "3.11.2:x86_64:manylinux_2_17_x86_64"
T39 = "3.9.2:aarch64:manylinux_2_17_aarch64"
KEYRING = "keyring-25.6.0-py3-none-any.whl"
CFFI_311 = "cffi-1.17.1-cp311-cp311-manylinux_2_17_x86_64.whl"
CFFI_39 = "cffi-1.17.1-cp39-cp39-manylinux_2_17_aarch64.whl"
IMPORTLIB = "importlib_metadata-8.0.0-py3-none-any.whl"
PIP = "pip-26.2.1-py3-none-any.whl"
VENV = "virtualenv-21.14.1-py3-none-any.whl"


class Attrs:
    def __init__(self):
        self.published = []

    def publish(self, key, value):
        self.published.append((key, value))


class World:
    """A Policy with its fakes; `closures` are each target's downloaded wheels (paths under tmp)."""

    def __init__(self, tmp_path, **policy):
        with open(os.path.join(HERE, "fixtures", "mirror.settings.json")) as fh:
            raw = json.load(fh)
        raw["POLICY"] = dict(raw["POLICY"], **{k.upper(): v for k, v in policy.items()})
        self.settings = settings_module.parse(raw, "mirror")
        self.pypi = FakePyPI()
        for name in (KEYRING, CFFI_311, CFFI_39, IMPORTLIB, PIP, VENV):
            self.pypi.add(name, OLD)
            self.pypi.provenance[name] = github("owner/" + name.split("-")[0])
        self.pypi.add("keyring-26.0.0-py3-none-any.whl", YOUNG)
        self.clock = FakeClock()
        self.log, self.stream = logger("mirror", self.clock)
        self.attrs = Attrs()
        self.ctx = types.SimpleNamespace(log=self.log, clock=self.clock, attrs=self.attrs,
                                         retry=RetryPolicy(3, 30, 120, self.clock, random.Random(1)))
        self.state = str(tmp_path / "state" / "publishers.json")
        self.policy = Policy(self.settings, self.ctx, transport=self.pypi, state_path=self.state)
        self.tmp = tmp_path
        self.closures = {T311: [KEYRING, CFFI_311, PIP, VENV], T39: [KEYRING, CFFI_39, IMPORTLIB, PIP, VENV]}

    @property
    def lines(self):
        return [line.split(" ", 2)[2] for line in self.stream.getvalue().splitlines()]

    def wheels(self):
        out = []
        for target, names in self.closures.items():
            d = self.tmp / "dist" / target.split(":")[0]
            d.mkdir(parents=True, exist_ok=True)
            for n in names:
                if n.startswith("virtualenv-"):  # the pairing reads it
                    (d / n).write_bytes(real_shaped_virtualenv(n.split("-")[1]))
            out.append([str(d / n) for n in names])
        return out

    def pip(self, index_url, names):
        """What pip does through the index: a page per project."""
        for name in names:
            project = name.split("-")[0].replace("_", "-").replace(".", "-").lower()
            if project in self.pypi.files:
                with urllib.request.urlopen(index_url + project + "/", timeout=10) as resp:
                    resp.read()

    def check(self):
        with self.policy.download_index(self.settings.source_index_url) as url:
            if url != self.settings.source_index_url:
                for names in self.closures.values():
                    self.pip(url, names)
        return self.policy.check(list(self.closures), self.wheels())

    def attr(self):
        return dict(self.attrs.published)["policy"].splitlines()

    def record(self):
        with open(self.state) as fh:
            return json.load(fh)["projects"]


def test_a_clean_closure_passes_with_every_decision_recorded(tmp_path):
    w = World(tmp_path)
    report = w.check()
    assert sorted(report.decisions) == sorted({KEYRING, CFFI_311, CFFI_39, IMPORTLIB, PIP, VENV})
    cutoff = "2027-01-08T08:00:00Z"
    assert report.decisions[KEYRING] == [
        f"kept: uploaded {OLD}, older than the 7-day cooldown",
        "no known advisory (OSV)",
        "provenance: github:owner/keyring",
        "publisher github:owner/keyring: recorded (first seen)",
    ]
    assert report.upload_times == {n: OLD for n in report.decisions}
    assert report.skipped == {"keyring 26.0.0": f"1 file(s) uploaded {YOUNG}, after the cutoff {cutoff}"}
    assert report.publishers == {"cffi": "github:owner/cffi", "importlib-metadata": "github:owner/importlib_metadata",
                                 "keyring": "github:owner/keyring", "pip": "github:owner/pip", "virtualenv": "github:owner/virtualenv"}
    assert report.refusals == [] and report.advisories["keyring 25.6.0"] == []
    assert w.attr() == [
        f"cooldown 7d (cutoff {cutoff}): 6 files kept, 1 releases skipped for age: keyring 26.0.0",
        "vulnerabilities (refuse): 5 releases checked",
        "provenance (refuse-changed): 5 projects: 5 first-seen",
        "pairing 3.11.2:x86_64: pip 26.2.1 (virtualenv 21.14.1 seeds 26.2.1 for 3.11) with keyring 25.6.0: ok",
        "pairing 3.9.2:aarch64: pip 26.2.1 (virtualenv 21.14.1 seeds 26.0.1 for 3.9) with keyring 25.6.0: ok",
    ]
    assert report.pairing["3.9.2:aarch64"] == {
        "python": "3.9", "keyring": ["25.6.0"], "pip": ["26.2.1"], "virtualenv": "21.14.1", "seeded_pip": "26.0.1",
        "decision": "pairing 3.9.2:aarch64: pip 26.2.1 (virtualenv 21.14.1 seeds 26.0.1 for 3.9) with keyring 25.6.0: ok", "refusals": []}
    assert f"[start] policy: {KEYRING}: kept: uploaded {OLD}, older than the 7-day cooldown" in w.lines
    assert f"[start] skipped for age: keyring 26.0.0: 1 file(s) uploaded {YOUNG}, after the cutoff {cutoff}" in w.lines
    assert w.record()["keyring"] == {"publisher": "github:owner/keyring", "since": "2027-01-15T08:00:00Z", "versions": "25.6.0"}
    # one OSV request for the distinct releases (cffi 1.17.1 once, though two files)
    assert len(w.pypi.osv_queries) == 1 and len(w.pypi.osv_queries[0]) == 5
    assert json.dumps(report.as_dict())  # data the SBOM can take as it is


def test_an_advisory_refuses_the_run_naming_it_and_its_targets(tmp_path):
    w = World(tmp_path)
    w.pypi.advisories[("cffi", "1.17.1")] = ["GHSA-aaaa-bbbb-cccc", "PYSEC-2027-1"]
    with pytest.raises(PolicyRefused) as err:
        w.check()
    message = str(err.value)
    assert message.startswith("the mirror's policy refuses this run's closure:\n")
    assert ("cffi 1.17.1 has the advisory GHSA-aaaa-bbbb-cccc (https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc), in the closure of "
            "3.11.2:x86_64 3.9.2:aarch64: take a fixed version, or waive it in mirror.policy.waivers with a reason") in message
    assert "PYSEC-2027-1" in message
    assert w.policy.report.decisions[CFFI_39][1:3] == ["advisory GHSA-aaaa-bbbb-cccc: refused", "advisory PYSEC-2027-1: refused"]
    attr = w.attr()
    assert attr[1] == "vulnerabilities (refuse): 5 releases checked; refused GHSA-aaaa-bbbb-cccc (cffi 1.17.1), PYSEC-2027-1 (cffi 1.17.1)"
    assert attr[5].startswith("refused: cffi 1.17.1 has the advisory GHSA-aaaa-bbbb-cccc")
    assert not os.path.exists(w.state)  # a refused run records no publisher


def test_a_waiver_lets_the_advisory_through_with_its_reason(tmp_path):
    w = World(tmp_path, waivers=[{"ID": "GHSA-aaaa-bbbb-cccc", "REASON": "not reachable: we never call cffi's affected API"},
                                 {"ID": "PYSEC-2000-1", "REASON": "old"}])
    w.pypi.advisories[("cffi", "1.17.1")] = ["GHSA-aaaa-bbbb-cccc"]
    report = w.check()
    assert "advisory GHSA-aaaa-bbbb-cccc: waived (not reachable: we never call cffi's affected API)" in report.decisions[CFFI_311]
    assert report.waived == {"GHSA-aaaa-bbbb-cccc": "not reachable: we never call cffi's affected API"}
    assert w.attr()[1] == "vulnerabilities (refuse): 5 releases checked; waived GHSA-aaaa-bbbb-cccc (cffi 1.17.1)"
    assert "[start] policy: the waiver of PYSEC-2000-1 matches no advisory of this closure (it can go)" in w.lines


def test_report_mode_reports_and_passes(tmp_path):
    w = World(tmp_path, vulnerabilities="report")
    w.pypi.advisories[("keyring", "25.6.0")] = ["PYSEC-2027-9"]
    report = w.check()
    assert "advisory PYSEC-2027-9: reported (POLICY.VULNERABILITIES report)" in report.decisions[KEYRING]
    assert w.attr()[1] == "vulnerabilities (report): 5 releases checked; reported PYSEC-2027-9 (keyring 25.6.0)"


def test_osv_unreachable_fails_the_run_after_the_retries_when_refusing(tmp_path):
    w = World(tmp_path)
    w.pypi.fail["osv"] = [unreachable(), Response(503, {}, b""), Response(503, {}, b"")]
    with pytest.raises(Unreachable):
        w.check()
    assert [r[0] for r in w.pypi.requests].count("POST") == 3 and len(w.clock.sleeps) == 2
    assert any("nothing is uploaded unchecked" in line for line in w.lines)
    assert "policy" not in dict(w.attrs.published)


def test_osv_unreachable_is_reported_when_only_reporting(tmp_path):
    w = World(tmp_path, vulnerabilities="report")
    w.pypi.fail["osv"] = [unreachable()] * 3
    report = w.check()
    assert report.decisions[KEYRING][1] == "vulnerabilities not checked: connection refused"
    assert w.attr()[1] == "vulnerabilities (report): not checked, OSV failed: connection refused"


def test_a_changed_publisher_is_refused_and_the_record_kept(tmp_path):
    w = World(tmp_path)
    w.check()
    before = w.record()
    again = World(tmp_path)
    again.pypi.provenance[KEYRING] = github("mallory/keyring")
    with pytest.raises(PolicyRefused, match=r"keyring: publisher changed from github:owner/keyring to github:mallory/keyring: if you "
                                            r"trust the new publisher, accept it with mirror.policy.publishers \{\"keyring\": \"github:mallory/keyring\"\}"):
        again.check()
    assert again.record() == before
    assert again.attr()[2] == "provenance (refuse-changed): 5 projects: 1 refused, 4 unchanged"


def test_losing_provenance_is_a_change(tmp_path):
    World(tmp_path).check()
    again = World(tmp_path)
    del again.pypi.provenance[KEYRING]
    with pytest.raises(PolicyRefused, match="publisher changed from github:owner/keyring to none \\(no provenance\\)"):
        again.check()


def test_the_config_accepts_a_new_publisher_and_it_becomes_the_record(tmp_path):
    World(tmp_path).check()
    again = World(tmp_path, publishers={"keyring": "github:jaraco/keyring"})
    again.pypi.provenance[KEYRING] = github("jaraco/keyring")
    report = again.check()
    assert "publisher changed from github:owner/keyring to github:jaraco/keyring: accepted (POLICY.PUBLISHERS)" in report.decisions[KEYRING]
    assert again.record()["keyring"]["publisher"] == "github:jaraco/keyring"
    assert again.attr()[2] == "provenance (refuse-changed): 5 projects: 1 accepted, 4 unchanged; new publishers keyring github:jaraco/keyring"
    third = World(tmp_path)
    third.pypi.provenance[KEYRING] = github("jaraco/keyring")
    assert "publisher github:jaraco/keyring: unchanged" in third.check().decisions[KEYRING]


def test_record_mode_records_a_change_and_passes(tmp_path):
    World(tmp_path).check()
    again = World(tmp_path, provenance="record")
    again.pypi.provenance[KEYRING] = github("mallory/keyring")
    report = again.check()
    assert "publisher changed from github:owner/keyring to github:mallory/keyring: recorded (POLICY.PROVENANCE record)" in report.decisions[KEYRING]
    assert again.record()["keyring"]["publisher"] == "github:mallory/keyring"


def test_the_integrity_api_unreachable_fails_when_refusing(tmp_path):
    w = World(tmp_path)
    w.pypi.fail["integrity"] = [Response(503, {}, b"")] * 3
    with pytest.raises(Unreachable):
        w.check()
    assert not os.path.exists(w.state)


def test_everything_off(tmp_path):
    w = World(tmp_path, min_release_age_days=0, vulnerabilities="off", provenance="off")
    report = w.check()
    assert report.decisions[KEYRING] == ["kept: no cooldown (POLICY.MIN_RELEASE_AGE_DAYS 0)",
                                         "vulnerabilities not checked (POLICY.VULNERABILITIES off)",
                                         "provenance not checked (POLICY.PROVENANCE off)"]
    assert w.attr()[:3] == ["cooldown off: 6 files kept", "vulnerabilities off: not checked", "provenance off: not checked"]
    assert [line.split(": ", 1)[0] for line in w.attr()[3:]] == ["pairing 3.11.2:x86_64", "pairing 3.9.2:aarch64"]  # always on
    assert w.pypi.requests == [] and not os.path.exists(w.state)


def test_a_file_the_cooldown_never_saw_is_refused(tmp_path):
    w = World(tmp_path)
    w.closures[T311].append("sneaky-1.0-py3-none-any.whl")  # pip did not get it through the filter
    w.pypi.provenance["sneaky-1.0-py3-none-any.whl"] = github("x/sneaky")
    with pytest.raises(PolicyRefused, match="sneaky-1.0-py3-none-any.whl: pip downloaded it without the cooldown seeing its upload-time"):
        w.check()


def test_an_exempt_project_is_kept_whatever_its_age(tmp_path):
    w = World(tmp_path, age_exempt=["keyring"])
    w.closures = {T311: ["keyring-26.0.0-py3-none-any.whl", PIP, VENV]}
    w.pypi.provenance["keyring-26.0.0-py3-none-any.whl"] = github("owner/keyring")
    report = w.check()
    assert report.decisions["keyring-26.0.0-py3-none-any.whl"][0] == f"kept: exempt from the cooldown (POLICY.AGE_EXEMPT), uploaded {YOUNG}"


# --- the cooldown in the download ---------------------------------------------------------------------------
def test_download_failed_explains_a_requirement_the_cooldown_left_without_a_release(tmp_path):
    w = World(tmp_path)
    w.pypi.files["keyring"] = [e for e in w.pypi.files["keyring"] if "26.0.0" in e[0]]
    with w.policy.download_index(w.settings.source_index_url) as url:
        w.pip(url, ["keyring-26.0.0-py3-none-any.whl"])
        w.policy.download_failed("Collecting jaraco.classes\nERROR: Some other failure\n", "3.11.2")  # not the cooldown's doing
        with pytest.raises(PolicyRefused) as err:
            w.policy.download_failed("ERROR: Could not find a version that satisfies the requirement keyring>=25 (from versions: none)\n"
                                     "ERROR: No matching distribution found for keyring>=25\n", "3.11.2")
    assert str(err.value) == ("the cooldown (POLICY.MIN_RELEASE_AGE_DAYS 7) leaves no release of keyring that pip can use for CPython 3.11.2 "
                              "(keyring>=25): keyring 26.0.0 uploaded after 2027-01-08T08:00:00Z. Wait until one is old enough, "
                              "or add keyring to mirror.policy.ageExempt for an urgent fix")
    assert w.policy.report.skipped == {"keyring 26.0.0": f"1 file(s) uploaded {YOUNG}, after the cutoff 2027-01-08T08:00:00Z"}


def test_download_failed_raises_the_filters_refusal(tmp_path):
    w = World(tmp_path)
    w.pypi.html = True
    with w.policy.download_index(w.settings.source_index_url) as url:
        with pytest.raises(urllib.error.HTTPError, match="403"):
            w.pip(url, [KEYRING])
        with pytest.raises(PolicyRefused, match="POLICY.MIN_RELEASE_AGE_DAYS is 7, but https://pypi.org/simple/ gives no PEP 700 upload-time for keyring"):
            w.policy.download_failed("ERROR: No matching distribution found for keyring\n", "3.11.2")


def test_without_a_cooldown_pip_gets_the_source_and_failures_are_not_explained(tmp_path):
    w = World(tmp_path, min_release_age_days=0)
    with w.policy.download_index("https://pypi.org/simple/") as url:
        assert url == "https://pypi.org/simple/"
        w.policy.download_failed("ERROR: No matching distribution found for keyring\n", "3.11.2")
    assert "[start] cooldown: off (POLICY.MIN_RELEASE_AGE_DAYS 0): pip resolves from the source index as it is" in w.lines


def test_the_filter_stops_after_the_download_even_when_it_fails(tmp_path):
    w = World(tmp_path)
    with pytest.raises(RuntimeError):
        with w.policy.download_index(w.settings.source_index_url) as url:
            raise RuntimeError("pip blew up")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "keyring/", timeout=2)
