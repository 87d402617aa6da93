"""provenance: publisher identities from PEP 740 provenance objects, the Integrity API client against a fake PyPI,
the root-only record of each project's publisher, and the decision table."""
from __future__ import annotations

import json
import os
import stat

import pytest

from fakes import FakeClock
from policy_fakes import FakePyPI, github, unreachable
from pip_airlock_agent.errors import LocalError, Unreachable, Unverifiable
from pip_airlock_agent.http import Response
from pip_airlock_agent.provenance import (Integrity, PublisherRecords, judge, project_identity, provenance_identity,
                                          publisher_identity)

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

WHEEL = "keyrings.google_artifactregistry_auth-1.1.2-py3-none-any.whl"


@pytest.mark.parametrize("publisher, identity", [
    (github("jaraco/keyring"), "github:jaraco/keyring"),
    ({"kind": "GitHub", "repository": "Jaraco/Keyring", "workflow": "main.yml"}, "github:jaraco/keyring"),
    ({"kind": "GitLab", "repository": "group/sub/project", "workflow_filepath": ".gitlab-ci.yml", "environment": None}, "gitlab:group/sub/project"),
    ({"kind": "Google", "email": "publisher@proj.iam.gserviceaccount.com"}, "google:publisher@proj.iam.gserviceaccount.com"),
    ({"kind": "ActiveState", "organization": "org", "project": "p", "claims": {"x": "y"}}, 'activestate:{"organization":"org","project":"p"}'),
])
def test_publisher_identity(publisher, identity):
    assert publisher_identity(publisher) == identity


@pytest.mark.parametrize("bad", [None, {}, {"kind": ""}, {"kind": "GitHub"}, {"kind": "Google", "email": 3}])
def test_a_publisher_without_what_names_it_is_refused(bad):
    with pytest.raises(ValueError):
        publisher_identity(bad)


def test_provenance_identity_of_several_bundles():
    prov = {"version": 1, "attestation_bundles": [{"publisher": github("b/b")}, {"publisher": github("a/a")}, {"publisher": github("a/a")}]}
    assert provenance_identity(prov) == "github:a/a + github:b/b"
    for bad in ({"attestation_bundles": []}, {"version": 1}, [], {"attestation_bundles": [{"attestations": []}]}):
        with pytest.raises(ValueError):
            provenance_identity(bad)


@pytest.mark.parametrize("files, identity", [
    (["github:a/a", "github:a/a"], "github:a/a"),
    ([None, None], None),
    ([None, "github:a/a"], "github:a/a + none"),
    ([], None),
])
def test_project_identity(files, identity):
    assert project_identity(files) == identity


# --- the Integrity API -------------------------------------------------------------------------------------
@pytest.fixture
def pypi():
    return FakePyPI()


def integrity(pypi):
    return Integrity(pypi.integrity_url(), pypi, FakeClock(), timeout=5)


def test_the_documented_route_and_accept_header(pypi):
    pypi.provenance[WHEEL] = github("GoogleCloudPlatform/artifact-registry-python-tools")
    assert integrity(pypi).publisher("keyrings-google-artifactregistry-auth", "1.1.2", WHEEL) == "github:googlecloudplatform/artifact-registry-python-tools"
    method, url, headers, _ = pypi.requests[0]
    assert method == "GET"
    assert url == f"https://pypi.org/integrity/keyrings-google-artifactregistry-auth/1.1.2/{WHEEL}/provenance"
    assert headers["Accept"] == "application/vnd.pypi.integrity.v1+json"


def test_no_provenance_is_none(pypi):
    assert integrity(pypi).publisher("keyring", "25.6.0", "keyring-25.6.0-py3-none-any.whl") is None


@pytest.mark.parametrize("fault, kind", [
    (Response(503, {}, b""), Unreachable),
    (Response(429, {"Retry-After": "2"}, b""), Unreachable),
    (Response(403, {}, b'{"message": "Attestations temporarily disabled"}'), Unreachable),
    (unreachable(), Unreachable),
    (Response(406, {}, b""), Unverifiable),
    (Response(200, {}, b'{"version": 1}'), Unverifiable),
    (Response(200, {}, b"<html>"), Unverifiable),
])
def test_failures_are_typed(pypi, fault, kind):
    pypi.fail["integrity"] = [fault]
    with pytest.raises(kind):
        integrity(pypi).publisher("keyring", "25.6.0", "keyring-25.6.0-py3-none-any.whl")


# --- the record --------------------------------------------------------------------------------------------
def test_the_record_round_trips_root_only(tmp_path):
    path = str(tmp_path / "state" / "publishers.json")
    records = PublisherRecords(path)
    assert records.load() == {}
    records.save({"keyring": {"publisher": "github:jaraco/keyring", "since": "2027-01-15T08:00:00Z", "versions": "25.6.0"},
                  "cffi": {"publisher": None, "since": "2027-01-15T08:00:00Z", "versions": "1.17.1"}})
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.geteuid()
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o755
    assert records.load()["keyring"]["publisher"] == "github:jaraco/keyring"
    assert json.loads((tmp_path / "state" / "publishers.json").read_text())["format"] == 1
    assert [n for n in os.listdir(os.path.dirname(path))] == ["publishers.json"]  # no temporary file left


def test_a_link_at_the_record_is_replaced_never_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("precious")
    (tmp_path / "state").mkdir()
    path = tmp_path / "state" / "publishers.json"
    os.symlink(str(target), str(path))
    records = PublisherRecords(str(path))
    with pytest.raises(LocalError, match="a link, or not a file"):
        records.load()
    records.save({})
    assert target.read_text() == "precious"
    assert not os.path.islink(str(path)) and json.loads(path.read_text()) == {"format": 1, "projects": {}}


@pytest.mark.parametrize("content", ["not json", '{"format": 2, "projects": {}}', '{"format": 1, "projects": []}',
                                     '{"format": 1, "projects": {"a": {"publisher": 3}}}', "[]"])
def test_a_damaged_record_is_refused(tmp_path, content):
    path = tmp_path / "publishers.json"
    path.write_text(content)
    with pytest.raises(LocalError, match="is damaged .*: remove it to record every project afresh"):
        PublisherRecords(str(path)).load()


def test_a_record_in_a_directory_others_can_write_is_refused(tmp_path):
    d = tmp_path / "open"
    d.mkdir()
    os.chmod(str(d), 0o777)
    with pytest.raises(LocalError, match="can be written by a user other than root"):
        PublisherRecords(str(d / "publishers.json")).save({})


# --- the decision ------------------------------------------------------------------------------------------
A, B = "github:a/a", "github:b/b"


@pytest.mark.parametrize("observed, before, accepted, mode, outcome, refused", [
    (A, "first", None, "refuse-changed", "first-seen", False),
    (None, "first", None, "refuse-changed", "first-seen", False),
    (A, "first", A, "refuse-changed", "first-seen", False),
    (B, "first", A, "refuse-changed", "refused", True),
    (B, "first", A, "record", "unaccepted", False),
    (A, A, None, "refuse-changed", "unchanged", False),
    (None, None, None, "refuse-changed", "unchanged", False),
    (B, A, None, "refuse-changed", "refused", True),
    (None, A, None, "refuse-changed", "refused", True),   # had one, now none
    (A, None, None, "refuse-changed", "refused", True),   # had none, now one
    (B, A, B, "refuse-changed", "accepted", False),
    (None, A, "none", "refuse-changed", "accepted", False),
    (B, A, "github:c/c", "refuse-changed", "refused", True),
    (B, A, None, "record", "changed", False),
])
def test_judge(observed, before, accepted, mode, outcome, refused):
    record = None if before == "first" else {"publisher": before}
    decision, got_outcome, got_refused = judge(observed, record, accepted, mode)
    assert (got_outcome, got_refused) == (outcome, refused)
    assert decision.startswith("publisher ")
    if outcome == "refused" and before != "first":
        assert decision == f"publisher changed from {before or 'none (no provenance)'} to {observed or 'none (no provenance)'}: refused"
