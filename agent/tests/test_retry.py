import random

import pytest

from fakes import FakeClock, logger
from pip_airlock_agent.errors import LocalError, NotServedYet, Rejected, Unreachable
from pip_airlock_agent.retry import RetryPolicy


def policy(clock, attempts=5, max_backoff=30, cap=120):
    return RetryPolicy(attempts, max_backoff, cap, clock, random.Random(7))


@pytest.mark.parametrize("delay, retry_after, low, high", [
    (1, None, 0.5, 1.0),            # equal jitter: between half the delay and the delay
    (8, None, 4.0, 8.0),
    (1, 10, 10.0, 15.0),            # told to wait: at least that, plus up to half more
    (16, 2, 16.0, 24.0),            # a short Retry-After again and again still backs off exponentially
    (1, 3600, 120.0, 180.0),        # an hour is capped at the bound
    (1, 0, 1.0, 1.5),               # "0" waits at least a second
])
def test_backoff_bounds(delay, retry_after, low, high):
    p = policy(FakeClock())
    for seed in range(50):
        p.rng = random.Random(seed)
        assert low <= p.backoff_seconds(delay, retry_after) <= high


def test_transient_failures_are_retried_then_succeed():
    clock = FakeClock()
    log, out = logger(clock=clock)
    answers = [Unreachable("HTTP 503"), NotServedYet("not yet"), "done"]

    def fn():
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a

    assert policy(clock).run("poll", fn, log) == "done"
    assert len(clock.sleeps) == 2
    assert "attempt 1/5 failed" in out.getvalue()


def test_attempts_are_bounded_and_the_last_error_raised():
    clock = FakeClock()
    log, _ = logger(clock=clock)
    calls = []

    def fn():
        calls.append(1)
        raise Unreachable("down")

    with pytest.raises(Unreachable):
        policy(clock, attempts=4).run("poll", fn, log)
    assert len(calls) == 4 and len(clock.sleeps) == 3
    # 1, 2, 4 s backoff delays, each jittered into [d/2, d]
    for delay, slept in zip([1, 2, 4], clock.sleeps):
        assert delay / 2 <= slept <= delay


@pytest.mark.parametrize("error", [Rejected("HTTP 403", 403), Rejected("HTTP 401", 401), LocalError("disk full")])
def test_permanent_failures_are_never_retried(error):
    clock = FakeClock()
    log, _ = logger(clock=clock)
    calls = []

    def fn():
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        policy(clock).run("poll", fn, log)
    assert calls == [1] and clock.sleeps == []


def test_retry_after_is_honoured_and_logged():
    clock = FakeClock()
    log, out = logger(clock=clock)
    answers = [Unreachable("HTTP 429", retry_after=30), "ok"]

    def fn():
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a

    policy(clock).run("list", fn, log)
    assert 30 <= clock.sleeps[0] <= 45
    assert "throttled, Retry-After 30s" in out.getvalue()


def test_max_attempts_override():
    clock = FakeClock()
    log, _ = logger(clock=clock)
    calls = []

    def fn():
        calls.append(1)
        raise NotServedYet("no")

    with pytest.raises(NotServedYet):
        policy(clock, attempts=8).run("wait", fn, log, max_attempts=2)
    assert len(calls) == 2
