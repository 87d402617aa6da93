import json

import pytest

from fakes import FakeClock, FakeTransport, logger
from pip_airlock_agent.errors import Unreachable
from pip_airlock_agent.http import Response
from pip_airlock_agent.metadata import PER_MINUTE, GuestAttributes, Metadata

TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"


def token_answer(token="t1", expires=3599):
    return Response(200, {}, json.dumps({"access_token": token, "expires_in": expires, "token_type": "Bearer"}).encode())


def test_one_token_request_a_run_until_close_to_expiry():
    clock = FakeClock()
    transport = FakeTransport({TOKEN_URL: token_answer()})
    log, _ = logger(clock=clock)
    md = Metadata("metadata.google.internal", transport, clock, log)
    assert md.token() == "t1" and md.token() == "t1"
    assert md.token_requests == 1
    assert transport.requests[0][2] == {"Metadata-Flavor": "Google"}
    clock.now += 3599 - 299
    md.token()
    assert md.token_requests == 2


def test_a_429_from_the_metadata_server_carries_its_retry_after():
    clock = FakeClock()
    log, out = logger(clock=clock)
    md = Metadata("metadata.google.internal", FakeTransport({TOKEN_URL: Response(429, {"Retry-After": "3"}, b"")}), clock, log)
    with pytest.raises(Unreachable) as caught:
        md.token()
    assert caught.value.retry_after == 3
    assert "metadata token: HTTP 429 (Retry-After 3s)" in out.getvalue()


def test_the_token_is_never_logged():
    clock = FakeClock()
    log, out = logger(clock=clock)
    Metadata("metadata.google.internal", FakeTransport({TOKEN_URL: token_answer("ya29.secret")}), clock, log).token()
    assert "ya29.secret" not in out.getvalue()


def test_guest_attribute_writes_stay_within_gces_pace_across_runs(tmp_path):
    clock = FakeClock()
    log, _ = logger(clock=clock)
    times = str(tmp_path / "writes")
    put = []

    def ok():
        put.append(clock.now)
        return Response(200, {}, b"")

    transport = FakeTransport()
    transport.routes = {f"http://m/computeMetadata/v1/instance/guest-attributes/pip-airlock/k{i}": ok for i in range(20)}
    for run in range(2):  # two boots share the record of writes
        attrs = GuestAttributes(Metadata("m", transport, clock, log), "pip-airlock", clock, log, times_file=times)
        for i in range(10 * run, 10 * run + 10):
            attrs.publish(f"k{i}", "v")
    assert len(put) == 20
    for a, b in zip(put, put[1:]):
        assert b - a >= 1.0
    for i in range(len(put)):
        assert len([t for t in put if put[i] - 60 < t <= put[i]]) <= PER_MINUTE


def test_a_failed_write_is_best_effort(tmp_path):
    clock = FakeClock()
    log, out = logger(clock=clock)
    attrs = GuestAttributes(Metadata("m", FakeTransport(), clock, log), "pip-airlock", clock, log, times_file=str(tmp_path / "w"))
    attrs.publish("status", "ready")  # 404 from the fake: three tries, then a warning, no exception
    assert "could not publish guest attribute status" in out.getvalue()
