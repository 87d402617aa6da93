"""index_filter: the cooldown's loopback index, asked over real HTTP on 127.0.0.1 as pip asks it; the source
index behind it is the fake PyPI (an injected transport)."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from fakes import FakeClock
from policy_fakes import DAY, FakePyPI, stamp, unreachable
from pip_airlock_agent.errors import PolicyRefused
from pip_airlock_agent.http import Response
from pip_airlock_agent.index_filter import IndexFilter, file_version, parse_upload_time

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only

NOW = FakeClock().time()
OLD = stamp(NOW - 30 * DAY)
OLDER = stamp(NOW - 400 * DAY, fraction=True)
YOUNG = stamp(NOW - 2 * DAY)


@pytest.fixture
def pypi():
    p = FakePyPI()
    p.add("keyring-25.5.0-py3-none-any.whl", OLDER)
    p.add("keyring-25.6.0-py3-none-any.whl", OLD)
    p.add("keyring-26.0.0-py3-none-any.whl", YOUNG)
    p.add("keyring-26.0.0.tar.gz", YOUNG)
    p.add("jaraco.classes-3.4.0-py3-none-any.whl", OLD)
    return p


class Filter:
    def __init__(self, pypi, days=7, exempt=()):
        self.lines = []
        self.flt = IndexFilter(pypi.simple_url(), days, exempt, NOW, pypi, self.lines.append, timeout=5)
        self.url = self.flt.start()

    def get(self, path, accept="application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"):
        req = urllib.request.Request(self.url.rsplit("/simple/", 1)[0] + path, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.headers.get("Content-Type"), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type"), err.read()


@pytest.fixture
def flt(pypi):
    f = Filter(pypi)
    yield f
    f.flt.stop()


def names(body):
    return [f["filename"] for f in json.loads(body)["files"]]


def test_hides_what_is_younger_than_the_cutoff_and_keeps_the_rest_as_the_source_gave_it(flt, pypi):
    assert flt.url.startswith("http://127.0.0.1:") and flt.url.endswith("/simple/")
    status, ctype, body = flt.get("/simple/keyring/")
    assert (status, ctype) == (200, "application/vnd.pypi.simple.v1+json")
    page = json.loads(body)
    assert names(body) == ["keyring-25.5.0-py3-none-any.whl", "keyring-25.6.0-py3-none-any.whl"]
    source = json.loads(pypi.page("keyring", {"Accept": "application/vnd.pypi.simple.v1+json"}).body)
    assert page["files"] == source["files"][:2]  # hashes, requires-python, yanked, size, upload-time: unchanged
    assert page["meta"] == {"api-version": "1.1"} and page["versions"] == source["versions"] and page["name"] == "keyring"
    # the source was asked for its JSON page, once
    method, url, headers, _ = pypi.requests[0]
    assert (method, url, headers["Accept"]) == ("GET", "https://pypi.org/simple/keyring/", "application/vnd.pypi.simple.v1+json")
    assert flt.flt.upload_times == {"keyring-25.5.0-py3-none-any.whl": OLDER, "keyring-25.6.0-py3-none-any.whl": OLD,
                                    "keyring-26.0.0-py3-none-any.whl": YOUNG, "keyring-26.0.0.tar.gz": YOUNG}
    cutoff = "2027-01-08T08:00:00Z"
    assert flt.flt.skipped == {"keyring 26.0.0": f"2 file(s) uploaded {YOUNG}, after the cutoff {cutoff}"}
    assert flt.flt.hidden == {"keyring": ["keyring-26.0.0-py3-none-any.whl", "keyring-26.0.0.tar.gz"]}
    assert flt.lines == [f"skipped for age: keyring 26.0.0: 2 file(s) uploaded {YOUNG}, after the cutoff {cutoff}"]


def test_a_page_is_fetched_once_and_served_the_same_to_every_target(flt, pypi):
    first = flt.get("/simple/keyring/")
    assert flt.get("/simple/keyring/") == first
    assert len(pypi.requests) == 1
    assert len(flt.lines) == 1  # one decision per release, not per request


def test_relative_file_urls_become_absolute_so_pip_downloads_from_the_source(pypi):
    pypi.relative_urls = True
    f = Filter(pypi)
    try:
        _, _, body = f.get("/simple/jaraco-classes/")
    finally:
        f.flt.stop()
    assert [e["url"] for e in json.loads(body)["files"]] == ["https://pypi.org/files/jaraco.classes-3.4.0-py3-none-any.whl"]


def test_a_name_pip_did_not_normalize_is(flt, pypi):
    status, _, body = flt.get("/simple/Jaraco.Classes/")
    assert status == 200 and names(body) == ["jaraco.classes-3.4.0-py3-none-any.whl"]
    assert pypi.requests[0][1] == "https://pypi.org/simple/jaraco-classes/"


@pytest.mark.parametrize("path", ["/simple/", "/", "/simple/keyring", "/simple/keyring/x/", "/files/keyring-25.6.0-py3-none-any.whl",
                                  "/simple/..%2F..%2Fetc/", "/simple/-x-/"])
def test_only_project_pages_are_answered(flt, pypi, path):
    status, _, _ = flt.get(path)
    assert status == 404
    assert pypi.requests == []


def test_an_exempt_project_is_served_whole(pypi):
    f = Filter(pypi, exempt=["keyring"])
    try:
        _, _, body = f.get("/simple/keyring/")
    finally:
        f.flt.stop()
    assert len(names(body)) == 4
    assert f.flt.skipped == {} and f.lines == ["cooldown: keyring is exempt (POLICY.AGE_EXEMPT): all 4 file(s) served"]
    assert f.flt.upload_times["keyring-26.0.0-py3-none-any.whl"] == YOUNG


def test_a_file_without_an_upload_time_is_hidden_when_others_have_one(pypi):
    pypi.add("keyring-24.0.0-py3-none-any.whl", None)
    f = Filter(pypi)
    try:
        _, _, body = f.get("/simple/keyring/")
    finally:
        f.flt.stop()
    assert "keyring-24.0.0-py3-none-any.whl" not in names(body)
    assert f.flt.skipped["keyring 24.0.0"] == "1 file(s) without an upload-time (their age cannot be shown)"


@pytest.mark.parametrize("setup, why", [
    ("html", "it answered text/html, not the PEP 691 JSON simple API"),
    ("no_times", "its JSON page gives no file an upload-time"),
])
def test_a_source_without_upload_times_is_refused_naming_the_setting(pypi, setup, why):
    setattr(pypi, setup, True)
    f = Filter(pypi)
    try:
        status, _, body = f.get("/simple/keyring/")
    finally:
        f.flt.stop()
    assert status == 403  # pip then finds nothing, and the mirror raises the refusal
    assert isinstance(f.flt.refusal, PolicyRefused)
    message = str(f.flt.refusal)
    assert message.startswith("POLICY.MIN_RELEASE_AGE_DAYS is 7, but https://pypi.org/simple/ gives no PEP 700 upload-time for keyring")
    assert why in message and "set mirror.policy.minReleaseAgeDays to 0" in message
    assert message in body.decode()


def test_an_exempt_project_needs_no_upload_time(pypi):
    pypi.no_times = True
    f = Filter(pypi, exempt=["keyring"])
    try:
        status, _, body = f.get("/simple/keyring/")
    finally:
        f.flt.stop()
    assert status == 200 and len(names(body)) == 4 and f.flt.refusal is None


@pytest.mark.parametrize("fault, status", [
    (Response(404, {}, b""), 404),
    (Response(503, {}, b""), 503),
    (Response(429, {"Retry-After": "3"}, b""), 503),
    (Response(301, {"Location": "https://elsewhere/"}, b""), 502),
    (unreachable(), 502),
])
def test_the_sources_failures_reach_pip_as_failures_it_understands(flt, pypi, fault, status):
    pypi.fail["simple"] = [fault]
    assert flt.get("/simple/keyring/")[0] == status
    assert flt.flt.refusal is None
    # not cached: the next request (pip's retry) asks the source again
    assert flt.get("/simple/keyring/")[0] == 200


def test_a_damaged_json_page_is_refused(flt, pypi):
    pypi.fail["simple"] = [Response(200, {"Content-Type": "application/vnd.pypi.simple.v1+json"}, b'{"files": [{"filename": 1}]}')]
    assert flt.get("/simple/keyring/")[0] == 403
    assert "its JSON page cannot be read" in str(flt.flt.refusal)


def test_stop_closes_the_port(pypi):
    f = Filter(pypi)
    port = int(f.url.split(":")[2].split("/")[0])
    f.flt.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.parametrize("value, expected", [
    ("2027-01-15T08:00:00Z", NOW),
    ("2027-01-15T08:00:00.5Z", NOW + 0.5),
    ("2027-01-15T08:00:00.123456Z", NOW + 0.123456),
    ("2027-01-15T08:00:00", None),
    ("2027-01-15T08:00:00+00:00", None),
    ("2027-02-30T08:00:00Z", None),
    ("2027-01-15 08:00:00Z", None),
    (1800000000, None),
    (None, None),
])
def test_parse_upload_time(value, expected):
    got = parse_upload_time(value)
    assert got == pytest.approx(expected) if expected is not None else got is None


@pytest.mark.parametrize("name, version", [
    ("keyring-26.0.0-py3-none-any.whl", "26.0.0"), ("jaraco_classes-3.4.0.tar.gz", "3.4.0"),
    ("foo-bar-1.0.zip", "1.0"), ("odd.egg", ""),
])
def test_file_version(name, version):
    assert file_version(name) == version
