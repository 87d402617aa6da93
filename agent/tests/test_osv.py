"""osv: the batch query as OSV documents it (https://google.github.io/osv.dev/post-v1-querybatch/), against a fake OSV."""
from __future__ import annotations

import json

import pytest

from fakes import FakeClock
from policy_fakes import FakePyPI, unreachable
from pip_airlock_agent.errors import Unreachable, Unverifiable
from pip_airlock_agent.http import Response
from pip_airlock_agent.osv import Osv

pytestmark = pytest.mark.mirror_host  # the mirror runs on the public host only


@pytest.fixture
def osv_fake():
    return FakePyPI()


def client(fake):
    return Osv(fake.osv_url(), fake, FakeClock(), timeout=5)


def test_one_batch_in_the_documented_shape(osv_fake):
    osv_fake.advisories[("jinja2", "2.4.1")] = ["PYSEC-2014-8", "GHSA-462w-v97r-4m45"]
    got = client(osv_fake).vulnerabilities([("Jinja2", "2.4.1"), ("keyring", "25.6.0"), ("jaraco.classes", "3.4.0")])
    assert got == {("jinja2", "2.4.1"): ["GHSA-462w-v97r-4m45", "PYSEC-2014-8"], ("keyring", "25.6.0"): [],
                   ("jaraco-classes", "3.4.0"): []}
    method, url, headers, body = osv_fake.requests[0]
    assert (method, url, headers["Content-Type"]) == ("POST", "https://pypi.org/v1/querybatch", "application/json")
    # PEP 503 names, as OSV spells PyPI packages
    assert json.loads(body) == {"queries": [
        {"package": {"name": "jaraco-classes", "ecosystem": "PyPI"}, "version": "3.4.0"},
        {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.4.1"},
        {"package": {"name": "keyring", "ecosystem": "PyPI"}, "version": "25.6.0"}]}
    assert len(osv_fake.requests) == 1


def test_a_paged_result_is_followed_with_its_page_token_only(osv_fake):
    osv_fake.page_size = 2
    osv_fake.advisories[("a", "1.0")] = ["A-1", "A-2", "A-3", "A-4", "A-5"]
    osv_fake.advisories[("b", "1.0")] = ["B-1"]
    got = client(osv_fake).vulnerabilities([("a", "1.0"), ("b", "1.0")])
    assert got[("a", "1.0")] == ["A-1", "A-2", "A-3", "A-4", "A-5"] and got[("b", "1.0")] == ["B-1"]
    assert [[(q["package"]["name"], q.get("page_token")) for q in batch] for batch in osv_fake.osv_queries] == [
        [("a", None), ("b", None)], [("a", "2")], [("a", "4")]]


def test_more_than_1000_queries_go_in_several_requests(osv_fake):
    packages = [(f"p{i}", "1.0") for i in range(2500)]
    osv_fake.advisories[("p2499", "1.0")] = ["PYSEC-2099-1"]
    got = client(osv_fake).vulnerabilities(packages)
    assert [len(b) for b in osv_fake.osv_queries] == [1000, 1000, 500]
    assert got[("p2499", "1.0")] == ["PYSEC-2099-1"] and sum(len(v) for v in got.values()) == 1


@pytest.mark.parametrize("fault, kind, text", [
    (Response(429, {"Retry-After": "7"}, b""), Unreachable, "HTTP 429 (Retry-After 7s)"),
    (Response(503, {}, b""), Unreachable, "HTTP 503"),
    (unreachable(), Unreachable, "connection refused"),
    (Response(400, {}, b'{"message": "Too many queries."}'), Unverifiable, "answered HTTP 400"),
    (Response(302, {"Location": "https://elsewhere/"}, b""), Unverifiable, "answered HTTP 302"),
    (Response(200, {}, b'{"results": []}'), Unverifiable, "0 results for 1 queries"),
    (Response(200, {}, b'{"results": [{"vulns": [{"modified": "x"}]}]}'), Unverifiable, "vulns is not a list of advisories"),
    (Response(200, {}, b'[1]'), Unverifiable, "other than querybatch results"),
    (Response(200, {}, b'not json'), Unverifiable, "other than querybatch results"),
])
def test_failures_are_typed(osv_fake, fault, kind, text):
    osv_fake.fail["osv"] = [fault]
    with pytest.raises(kind, match=text.replace("(", r"\(").replace(")", r"\)")) as err:
        client(osv_fake).vulnerabilities([("keyring", "25.6.0")])
    if "Retry-After" in text:
        assert err.value.retry_after == 7


def test_an_empty_closure_asks_nothing(osv_fake):
    assert client(osv_fake).vulnerabilities([]) == {}
    assert osv_fake.requests == []


def test_endless_paging_is_cut(osv_fake):
    always = Response(200, {}, b'{"results": [{"vulns": [{"id": "X-1"}], "next_page_token": "again"}]}')
    osv_fake.fail["osv"] = [always] * 100
    with pytest.raises(Unverifiable, match="kept paging the advisories of a 1.0"):
        client(osv_fake).vulnerabilities([("a", "1.0")])
